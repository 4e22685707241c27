"""Every architecture kcheck supports loads from both real trees and comes out as itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from kcheck.kernel.tree import load_tree
from tests.conftest import TREE_VERSIONS

pytestmark = pytest.mark.shared

# (make ARCH, a fragment, symbols that must then be y, symbols that must be n)
ARCHES = [
    ("x86_64", "", ["X86_64", "64BIT"], ["X86_32"]),
    ("i386", "", ["X86_32"], ["X86_64", "64BIT"]),
    ("arm64", "", ["ARM64", "64BIT"], []),
    ("powerpc", "", ["PPC32"], ["PPC64"]),
    ("powerpc", "CONFIG_PPC64=y\n", ["PPC64", "64BIT"], ["PPC32"]),
]


@pytest.mark.parametrize("version", TREE_VERSIONS)
@pytest.mark.parametrize(("arch", "fragment", "on", "off"), ARCHES)
def test_arch_loads(
    kernel_trees: dict[str, Path],
    version: str,
    arch: str,
    fragment: str,
    on: list[str],
    off: list[str],
) -> None:
    tree = load_tree(kernel_trees[version], arch)
    tree.load_values(fragment, "fragment.config")
    for name in on:
        assert tree.value(name) == "y", name
    for name in off:
        assert tree.value(name) in ("n", None), name
    text = tree.resolved_text()
    assert f"# Linux/{arch} {version}" in text
