"""Fixtures for the kernel layer's unit tests: tiny Kconfig trees under ``kconfig/``.

Each directory of ``kconfig/`` holds a Kconfig file that shows one behaviour. ``parse_case``
parses one as a given kernel version would (the version decides which C-tool rules apply) and
returns a :class:`~kcheck.kernel.tree.LoadedTree`, so tests load .config text and compare what
``make olddefconfig`` would write.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kcheck.kernel import compat
from kcheck.kernel.toolchain import OfflineShell, ToolchainSpec, kconfig_env, scoped_environ
from kcheck.kernel.tree import LoadedTree

KCONFIG_CASES = Path(__file__).resolve().parent / "kconfig"

ParseCase = Callable[..., LoadedTree]


def parse_kconfig_dir(srctree: Path, version: tuple[int, int, int]) -> LoadedTree:
    env = kconfig_env(srctree, "x86_64", "x86", ".".join(map(str, version)), ToolchainSpec())
    with scoped_environ(env):
        kconf = compat.CompatKconfig(
            "Kconfig", compat.Rules.for_version(version), OfflineShell(), placeholders=True
        )
    return LoadedTree(srctree, "x86_64", "x86", version, kconf, ToolchainSpec())


@pytest.fixture
def parse_case() -> ParseCase:
    """parse_case("imply", (7, 2, 0)) -> LoadedTree of tests/unit/kconfig/imply/Kconfig."""

    def parse(case: str, version: tuple[int, int, int] = (7, 2, 0)) -> LoadedTree:
        return parse_kconfig_dir(KCONFIG_CASES / case, version)

    return parse


def body(tree: LoadedTree) -> str:
    """resolved_text() without the 4-line header."""
    return tree.resolved_text().split("#\n", 2)[2]
