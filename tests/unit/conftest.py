"""Fixtures for the kernel layer's unit tests: tiny Kconfig trees under ``kconfig/``.

Each directory of ``kconfig/`` holds a Kconfig file that shows one behaviour. ``parse_case``
parses one as a given kernel version would (the version decides which C-tool rules apply) and
returns a :class:`~kcheck.kernel.tree.LoadedTree`, so tests load .config text and compare what
``make olddefconfig`` would write.

``kconfig/TREE/olddefconfig/NAME.config`` are inputs whose answer the kernel's own C tool
(``conf --olddefconfig`` of Linux 6.12) wrote beside them as ``NAME.expected.config``;
``scripts/regen-tiny-expected.sh`` remakes those from a Linux 6.12 source.
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


def olddefconfig_inputs() -> list[Path]:
    """Every tiny-tree input that has the C tool's answer beside it."""
    return sorted(
        path
        for path in KCONFIG_CASES.glob("*/olddefconfig/*.config")
        if not path.name.endswith(".expected.config")
    )


def olddefconfig_case(tree: str, name: str) -> tuple[str, str]:
    """(input text, the C tool's olddefconfig body) of ``kconfig/TREE/olddefconfig/NAME``."""
    folder = KCONFIG_CASES / tree / "olddefconfig"
    expected = (folder / f"{name}.expected.config").read_text(encoding="utf-8")
    return (folder / f"{name}.config").read_text(encoding="utf-8"), config_body(expected)


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


def config_body(text: str) -> str:
    """A .config as make writes it, without its 4-line header (which names the main menu)."""
    return text.split("#\n", 2)[2]


def body(tree: LoadedTree) -> str:
    """resolved_text() without the 4-line header."""
    return config_body(tree.resolved_text())
