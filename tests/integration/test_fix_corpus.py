"""Fix plans on the real trees: every corpus config against the guest and host profiles.

For each plan the fragment is merged into the config and resolved with kcheck's own
``make olddefconfig`` (:func:`kcheck.fragment.apply_fragment`), and the result checked again:
every targeted requirement holds or was declared impossible, every symbol has the value the
plan declared (its lines, their side effects, or unchanged), and nothing that was y/m is n
unless the plan said so. ``bench/check_fix_with_ctool.py`` does the same with the kernel's own
merge_config.sh and C tool.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from kcheck import app, fixer
from kcheck.fragment import apply_fragment, render_fragment
from kcheck.kernel.planner import plan
from kcheck.kernel.tree import LoadedTree
from kcheck.model import Expectation, FixPlan, FixTarget, Level, NodeKind, Report, Status
from kcheck.profiles import load_profile
from tests.conftest import CORPUS, TREE_VERSIONS, corpus_inputs

pytestmark = pytest.mark.shared

PROFILES = ("guest", "host-bridge", "host-nat")
CASES = [(version, name + suffix) for version, name, suffix in corpus_inputs()]


def load(config: Path, tree: Path, cache: Path) -> app.Loaded:
    return app.load_inputs(
        app.Inputs(config=str(config), tree=tree, cache_dir=cache), lambda _m: None
    )


def values(tree: LoadedTree) -> dict[str, str]:
    return {sym.name: sym.str_value for sym in tree.kconf.unique_defined_syms}


def plan_for(
    version: str, name: str, profile: str, trees: dict[str, Path], cache: Path, **kw: bool
) -> tuple[FixPlan, Report, app.Loaded]:
    loaded = load(CORPUS / version / name, trees[version], cache)
    report = app.check_loaded(load_profile(profile), loaded)
    return fixer.fix(report, loaded.tree, loaded.config.text, **kw), report, loaded


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(("version", "name"), CASES)
def test_fragment_makes_targets_hold_and_turns_nothing_off_silently(
    kernel_trees: dict[str, Path],
    kcheck_cache: Path,
    tmp_path: Path,
    version: str,
    name: str,
    profile: str,
) -> None:
    plan, report, loaded = plan_for(version, name, profile, kernel_trees, kcheck_cache)
    tree = loaded.tree
    assert tree is not None
    assert plan.verification is not None
    assert plan.verification.ok, plan.verification
    wanted = {
        r.id
        for r in report.results
        if r.status in (Status.FAIL, Status.WARN) and r.level is not Level.OPTIONAL
    }
    impossible = {item.id for item in plan.impossible}
    assert wanted <= set(plan.targets) | impossible
    before = values(tree)

    resolved = apply_fragment(
        tree, loaded.config.text, render_fragment(plan), config_name=loaded.config.name
    )
    assert values(tree) == before  # the original config is loaded again
    fixed = tmp_path / "fixed.config"
    fixed.write_text(resolved)
    again = load(fixed, kernel_trees[version], kcheck_cache)
    assert again.tree is not None
    after = values(again.tree)
    check = {r.id: r.status for r in app.check_loaded(load_profile(profile), again).results}
    for ident in plan.targets:
        assert check[ident] is Status.PASS, ident

    declared = {c.symbol: c.after for c in plan.changes}
    declared |= {e.symbol: e.after for e in plan.side_effects}
    for symbol, value in after.items():
        assert value == declared.get(symbol, before[symbol]), symbol
    turned_off = {s for s in before if before[s] in ("y", "m") and after[s] == "n"}
    planned_off = {c.symbol for c in plan.changes if c.value == "n"}
    as_requested = {e.symbol for e in plan.side_effects if e.kind.value == "as_requested"}
    assert turned_off <= set(plan.turns_off) | planned_off | as_requested


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_corenet32_guest_gets_the_pci_transport_not_the_console(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str
) -> None:
    name = "corenet32_smp_defconfig.config"
    plan, _report, _loaded = plan_for(version, name, "guest", kernel_trees, kcheck_cache)
    changes = {c.symbol: c for c in plan.changes}
    assert {"VIRTIO_PCI", "VIRTIO_NET", "VIRTIO_BLK"} <= set(changes)
    assert {"virtio-net", "virtio-blk"} <= set(changes["VIRTIO_PCI"].dependency_of)
    # VIRTIO_CONSOLE is recommended for itself, never the way VIRTIO comes on.
    console = changes.get("VIRTIO_CONSOLE")
    assert console is None or console.dependency_of == ()
    assert plan.turns_off == ()

    plan_all, _report, _loaded = plan_for(
        version, name, "guest", kernel_trees, kcheck_cache, include_optional=True
    )
    assert "VIRTIO_BALLOON" in {c.symbol for c in plan_all.changes}
    assert plan_all.verification is not None
    assert plan_all.verification.ok


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_tinyconfig_guest_reaches_a_bootable_virtio_guest(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str
) -> None:
    plan, _report, _loaded = plan_for(
        version, "tinyconfig-x86_64.config", "guest", kernel_trees, kcheck_cache
    )
    changes = {c.symbol: c.value for c in plan.changes}
    assert {"NET", "NETDEVICES", "PCI", "VIRTIO_PCI", "VIRTIO_NET", "VIRTIO_BLK"} <= set(changes)
    assert changes["PCI"] == "y"
    assert plan.verification is not None
    assert plan.verification.ok
    assert plan.impossible == ()


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_impossible_targets_on_real_trees(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str
) -> None:
    """KVM_E500V2 on an e500mc config, KVM_GUEST on arm64: impossible, with the chain."""
    e500v2 = FixTarget(
        id="e500v2", kind=NodeKind.SYMBOL, symbol="KVM_E500V2", expect=Expectation.of_values(("y",))
    )
    guest = FixTarget(
        id="kvm-guest",
        kind=NodeKind.SYMBOL,
        symbol="KVM_GUEST",
        expect=Expectation.of_values(("y",)),
    )
    corenet = load(
        CORPUS / version / "corenet32_smp_defconfig.config", kernel_trees[version], kcheck_cache
    )
    assert corenet.tree is not None
    result = plan(corenet.tree, corenet.config.text, [e500v2], config_name=corenet.config.name)
    assert result.changes == ()
    (item,) = result.impossible
    assert item.chain[0] == "KVM_E500V2: depends on !PPC_E500MC (=y)"
    assert "CORENET_GENERIC (=y)" in item.chain[1]
    arm64 = load(CORPUS / version / "arm64_defconfig.config", kernel_trees[version], kcheck_cache)
    assert arm64.tree is not None
    result = plan(arm64.tree, arm64.config.text, [e500v2, guest], config_name=arm64.config.name)
    assert {i.id: i.chain for i in result.impossible} == {
        "e500v2": ("KVM_E500V2 is not defined in this kernel tree (arm64)",),
        "kvm-guest": ("KVM_GUEST is not defined in this kernel tree (arm64)",),
    }


GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fix"
GOLDEN_CASES = [
    ("6.12", "corenet32_smp_defconfig.config", "guest", False),
    ("7.2", "corenet32_smp_defconfig.config", "guest", True),
    ("6.12", "tinyconfig-x86_64.config", "guest", False),
    ("6.12", "debian-amd64-none.perturbed.config", "host-nat", False),
]


@pytest.mark.parametrize(("version", "name", "profile", "everything"), GOLDEN_CASES)
def test_fragment_golden(
    kernel_trees: dict[str, Path],
    kcheck_cache: Path,
    version: str,
    name: str,
    profile: str,
    everything: bool,
) -> None:
    """The fragments users merge, byte for byte. Refresh on purpose with
    ``KCHECK_UPDATE_GOLDEN=1 python -m pytest tests/integration/test_fix_corpus.py -k golden``."""
    plan, _report, _loaded = plan_for(
        version, name, profile, kernel_trees, kcheck_cache, include_optional=everything
    )
    text = render_fragment(replace(plan, config=name))
    path = (
        GOLDEN
        / f"{profile}-{name.removesuffix('.config')}-{version}{'-all' if everything else ''}.config"
    )
    if os.environ.get("KCHECK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()
