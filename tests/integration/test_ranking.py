"""One ranking of selectors: the selector `kcheck explain` proposes is the one `--fix` sets.

On the real trees, VIRTIO (promptless, selected by the virtio transports and by side doors
such as VIRTIO_CONSOLE) is reached through the selectors kcheck.kernel.chain.rank_routes ranks
first, both in the chain ``explain`` prints for VIRTIO_NET and in the plan ``--fix`` makes; and
the ranking's order is the one README "Explain" documents: required, recommended, optional,
then the rest; then the selected symbol's own Kconfig file; then the fewest unmet
dependencies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kcheck import app, fixer
from kcheck.explain import chain_for, preferences_from_results
from kcheck.kernel.chain import rank_routes
from kcheck.kernel.planner import plan
from kcheck.kernel.tree import LoadedTree
from kcheck.model import ChainNode, Expectation, FixTarget, LinkKind, NodeKind
from kcheck.profiles import load_profile
from tests.conftest import CORPUS, TREE_VERSIONS

pytestmark = pytest.mark.shared

CONFIGS = [
    ("powerpc", "corenet32_smp_defconfig.config"),
    ("x86_64", "tinyconfig-x86_64.config"),
]


def proposed_for_virtio(chain: ChainNode) -> list[str]:
    """The selectors the chain proposes under VIRTIO (its ``[select]`` group)."""
    virtio = next(node for node in chain.walk() if node.symbol == "VIRTIO")
    (group,) = [c for c in virtio.children if c.kind is LinkKind.SELECT and c.symbol is None]
    return [str(child.symbol) for child in group.children]


def virtio_selectors(tree: LoadedTree) -> set[str]:
    sym = tree.sym("VIRTIO")
    proposed, rest = rank_routes(sym, 1, {})
    return {route.name for route in (*proposed, *rest) if route.selector is not None}


@pytest.mark.parametrize(("arch", "name"), CONFIGS)
@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_explain_proposes_the_selector_fix_sets(
    kernel_trees: dict[str, Path], tmp_path: Path, version: str, arch: str, name: str
) -> None:
    config = CORPUS / version / name
    loaded = app.load_inputs(
        app.Inputs(config=str(config), tree=kernel_trees[version], cache_dir=tmp_path),
        lambda _m: None,
    )
    tree = loaded.tree
    assert tree is not None
    assert tree.arch == arch
    report = app.check_loaded(load_profile("guest"), loaded)
    chain = chain_for(tree, "VIRTIO_NET", "y|m", preferences_from_results(report.results))
    assert chain is not None
    proposed = proposed_for_virtio(chain)
    assert proposed[0] == "VIRTIO_PCI"
    assert "VIRTIO_CONSOLE" not in proposed

    fix = fixer.fix(report, tree, loaded.config.text)
    assert fix.verification is not None
    assert fix.verification.ok
    # The line VIRTIO_NET's requirement needs to get VIRTIO (the profile also recommends
    # VIRTIO_CONSOLE for itself, which selects VIRTIO too).
    (net,) = [r.id for r in report.results if r.symbol == "VIRTIO_NET"]
    selectors = virtio_selectors(tree)
    chosen = [c.symbol for c in fix.changes if c.symbol in selectors and net in c.dependency_of]
    assert chosen == ["VIRTIO_PCI"]


# Profile preferences and the selector both explain and fix must take for VIRTIO_NET, on
# tinyconfig (PCI off, so VIRTIO_PCI has an unmet dependency and VIRTIO_MMIO none).
PREFERENCES = [
    # The profile's rank comes first: a required side door beats the transports' own file.
    ({"VIRTIO_CONSOLE": 0}, "VIRTIO_CONSOLE"),
    # required before recommended
    ({"VIRTIO_CONSOLE": 1, "VIRTIO_PCI": 0}, "VIRTIO_PCI"),
    # recommended before optional
    ({"VIRTIO_CONSOLE": 1, "VIRTIO_PCI": 2}, "VIRTIO_CONSOLE"),
    # optional before the rest, even those in the same file
    ({"VIRTIO_CONSOLE": 2}, "VIRTIO_CONSOLE"),
    # equally wanted: the fewest unmet dependencies (VIRTIO_PCI needs PCI)
    ({"VIRTIO_PCI": 0, "VIRTIO_MMIO": 0}, "VIRTIO_MMIO"),
]


@pytest.mark.parametrize(("prefer", "selector"), PREFERENCES)
@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_ranking_order_is_the_documented_one_for_explain_and_fix(
    kc_loaded: Callable[..., LoadedTree],
    version: str,
    prefer: dict[str, int],
    selector: str,
) -> None:
    tree = kc_loaded(version, "x86_64")
    name = "tinyconfig-x86_64.config"
    text = (CORPUS / version / name).read_text(encoding="utf-8")
    tree.load_values(text, name)
    assert tree.value("PCI") == "n"
    proposed, rest = rank_routes(tree.sym("VIRTIO"), 1, prefer)
    assert proposed[0].name == selector
    keys = [route.key for route in (*proposed, *rest)]
    assert keys == sorted(keys)

    chain = chain_for(tree, "VIRTIO_NET", "y|m", prefer)
    assert chain is not None
    assert proposed_for_virtio(chain)[0] == selector

    target = FixTarget(
        id="net",
        kind=NodeKind.SYMBOL,
        symbol="VIRTIO_NET",
        expect=Expectation.of_values(("y", "m")),
    )
    result = plan(tree, text, [target], config_name=name, prefer=prefer)
    assert result.verification.ok
    chosen = [c.symbol for c in result.changes if c.symbol in virtio_selectors(tree)]
    assert chosen == [selector]


def test_without_preferences_the_subsystems_own_file_comes_first(
    kc_loaded: Callable[..., LoadedTree],
) -> None:
    tree = kc_loaded(TREE_VERSIONS[0], "x86_64")
    name = "tinyconfig-x86_64.config"
    tree.load_values((CORPUS / TREE_VERSIONS[0] / name).read_text("utf-8"), name)
    virtio = tree.sym("VIRTIO")
    proposed, rest = rank_routes(virtio, 1, {})
    home = virtio.nodes[0].filename
    assert proposed
    assert all(route.selector.nodes[0].filename == home for route in proposed)
    assert "VIRTIO_CONSOLE" in {route.name for route in rest}
