"""The fix planner gets the original config back from a snapshot (kcheck.kernel.state), not by
loading it again: on the real trees, the restored tree must be exactly what a fresh load of
the config gives -- resolved text, dropped values, pinned probes, undefined symbols.

The pairs mix a full config (written by make: toolchain probes pinned from it, ``$(success)``
answers inferred) with a defconfig (no CONFIG_CC_VERSION_TEXT: nothing pinned, every probe
assumed to succeed), so a restore that forgot the pins or the probe answers would differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kcheck.kernel.planner import plan
from kcheck.kernel.state import changed_since, restore, snapshot
from kcheck.kernel.tree import LoadedTree
from kcheck.model import Expectation, FixTarget, NodeKind
from tests.conftest import CORPUS, TREE_VERSIONS

pytestmark = pytest.mark.shared

# (arch, config A, config B): A is restored after B was loaded over it.
PAIRS = [
    ("x86_64", "debian-amd64-none.perturbed.config", "x86_64_defconfig.defconfig"),
    ("x86_64", "x86_64_defconfig.defconfig", "debian-amd64-none.config"),
    ("x86_64", "tinyconfig-x86_64.config", "debian-amd64-none.perturbed.config"),
    ("arm64", "arm64_defconfig.perturbed.config", "debian-arm64-none.config"),
]


def text(version: str, name: str) -> str:
    return (CORPUS / version / name).read_text(encoding="utf-8")


def state_of(tree: LoadedTree) -> dict[str, Any]:
    return {
        "resolved": tree.resolved_text(),
        "dropped": tree.dropped(),
        "pinned": dict(tree.pinned),
        "undefined": tree.undefined(),
        "config_name": tree.config_name,
        "probes_from_config": tree.probes_from_config,
    }


def fresh(tree: LoadedTree, config: str, name: str) -> dict[str, Any]:
    tree.load_values(config, name)
    return state_of(tree)


@pytest.mark.parametrize(("arch", "first", "second"), PAIRS)
@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_restore_is_a_fresh_load(
    kc_loaded: Callable[..., LoadedTree], version: str, arch: str, first: str, second: str
) -> None:
    tree = kc_loaded(version, arch)
    config_a, config_b = text(version, first), text(version, second)
    expected = fresh(tree, config_a, first)
    other = fresh(tree, config_b, second)
    assert other["resolved"] != expected["resolved"]

    tree.load_values(config_a, first)
    saved = snapshot(tree)
    assert changed_since(tree, saved) == []
    tree.load_values(config_b, second)
    assert changed_since(tree, saved)  # B's user values, pins, probe answers
    restore(tree, saved)
    assert changed_since(tree, saved) == []
    assert state_of(tree) == expected
    # The snapshot can be restored again (it is copied, not handed over), and only what
    # differs from it can be put back.
    tree.load_values(config_b, second)
    restore(tree, saved, changed_since(tree, saved))
    assert changed_since(tree, saved) == []
    assert state_of(tree) == expected


def want(symbol: str) -> FixTarget:
    return FixTarget(
        id=symbol.lower(),
        kind=NodeKind.SYMBOL,
        symbol=symbol,
        expect=Expectation.of_values(("y", "m")),
    )


@pytest.mark.parametrize(("arch", "name"), [(arch, first) for arch, first, _ in PAIRS])
@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_planning_leaves_the_config_as_a_fresh_load(
    kc_loaded: Callable[..., LoadedTree], version: str, arch: str, name: str
) -> None:
    """A plan with lines loads the merged config to verify them, then restores the original."""
    tree = kc_loaded(version, arch)
    config = text(version, name)
    expected = fresh(tree, config, name)
    tree.load_values(config, name)
    targets = [want("VIRTIO_NET"), want("VIRTIO_BLK"), want("TUN"), want("BRIDGE")]
    result = plan(tree, config, targets, config_name=name)
    assert result.changes  # something was merged and loaded
    assert result.verification.ok, result.verification
    assert state_of(tree) == expected
