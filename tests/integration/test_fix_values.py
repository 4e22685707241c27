"""The fix planner works out most values of its side-effect walk itself, from the value rules
(kcheck.kernel.planner._Planner.value), and most values before a plan from those it knows
(_Planner.known_before), instead of having kconfiglib compute them. On the real trees, for
every symbol, with and without a plan's lines applied, both must be exactly what kconfiglib
(with kcheck's compat rules) computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kcheck.kernel.planner import _Move, _Planner, _value
from kcheck.kernel.tree import LoadedTree
from kcheck.model import Tristate
from tests.conftest import CORPUS, TREE_VERSIONS

pytestmark = pytest.mark.shared

# (arch, config, symbols a plan switches: on when they are off, else off): whole subsystems
# turned on and off, modules.
CASES = [
    ("x86_64", "tinyconfig-x86_64.config", ("NET", "NETDEVICES", "PCI")),
    ("x86_64", "tinyconfig-x86_64.perturbed.config", ("BLOCK", "TTY", "NET")),
    ("x86_64", "x86_64_defconfig.perturbed.config", ("NET", "INET", "TUN")),
    ("x86_64", "debian-amd64-none.perturbed.config", ("NETFILTER", "BRIDGE")),
    ("arm64", "arm64_defconfig.config", ("PCI", "VIRTIO_MMIO")),
    ("arm64", "debian-arm64-none.perturbed.config", ("MODULES",)),
]


def moves(tree: LoadedTree, names: tuple[str, ...]) -> list[_Move]:
    out = []
    for name in names:
        sym = tree.sym(name)
        if sym is not None:
            out.append(
                _Move(sym, int(Tristate.Y if sym.tri_value == Tristate.N else Tristate.N), False)
            )
    return out


def kconfiglib_values(tree: LoadedTree) -> dict[Any, str]:
    return {sym: _value(sym) for sym in tree.kconf.unique_defined_syms}


@pytest.mark.parametrize(("arch", "name", "names"), CASES)
@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_planner_values_are_kconfiglibs(
    kc_loaded: Callable[..., LoadedTree],
    version: str,
    arch: str,
    name: str,
    names: tuple[str, ...],
) -> None:
    tree = kc_loaded(version, arch)
    text = (CORPUS / version / name).read_text(encoding="utf-8")
    tree.load_values(text, name)
    planner = _Planner(tree, text, name, {})
    planner.record_asked()
    plan = moves(tree, names)
    assert plan

    # Before any line: the planner's values, then kconfiglib's from scratch.
    mine = {sym: planner.value(sym) for sym in tree.kconf.unique_defined_syms}
    tree.kconf._invalidate_all()
    before = kconfiglib_values(tree)
    assert mine == before

    # With the lines applied (the memo is emptied by every move).
    planner.fill_before(move.sym for move in plan)
    planner.state.apply_all(plan)
    mine = {sym: planner.value(sym) for sym in tree.kconf.unique_defined_syms}
    known = {sym: planner.known_before(sym) for sym in tree.kconf.unique_defined_syms}
    tree.kconf._invalidate_all()
    after = kconfiglib_values(tree)
    assert mine == after
    assert after != before
    # What known_before decides is the value before the lines, and it decides a good share.
    decided = {sym: value for sym, value in known.items() if value is not None}
    assert {sym: before[sym] for sym in decided} == decided
    assert len(decided) > len(known) // 4
    planner.state.reset()
