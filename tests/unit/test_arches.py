"""The one arch table (kcheck.arches): every row against the real kernel trees, and the
lookups the rest of kcheck derives from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kcheck import arches
from kcheck.kernel.dotconfig import ConfigInput, arch_names, detect_arch, parse_dotconfig


def _defined_symbols(kconfig_dir: Path) -> set[str]:
    names: set[str] = set()
    for path in kconfig_dir.rglob("Kconfig*"):
        text = path.read_text(encoding="utf-8", errors="replace")
        names.update(re.findall(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)", text, re.M))
    return names


@pytest.mark.parametrize("row", arches.ARCHES, ids=lambda row: row.name)
def test_every_row_matches_the_real_trees(kernel_trees: dict[str, Path], row: arches.Arch) -> None:
    for version, tree in kernel_trees.items():
        arch_dir = tree / "arch" / row.srcarch
        assert (arch_dir / "Kconfig").is_file(), f"{version}: no arch/{row.srcarch}/Kconfig"
        # The symbols that say the arch are defined by that arch's own Kconfig files.
        defined = _defined_symbols(arch_dir)
        assert {row.symbol, row.family_symbol} <= defined, f"{version}: {row.name}"
        # The family is an arch directory itself (x86, arm64, powerpc), as profiles use it.
        assert (tree / "arch" / row.family).is_dir()


def test_rows_are_consistent() -> None:
    names = [row.name for row in arches.ARCHES]
    assert len(names) == len(set(names))
    for family in {row.family for row in arches.ARCHES}:
        rows = [row for row in arches.ARCHES if row.family == family]
        # Exactly one default flavour per family, and flavours told apart by word size.
        assert sum(row.default for row in rows) == 1
        assert len({row.bits for row in rows}) == len(rows)
        assert len({row.family_symbol for row in rows}) == 1
        assert len({row.srcarch for row in rows}) == 1
    for row in arches.ARCHES:
        assert row.cross_compile.endswith("-linux-gnu-")


def test_derived_names() -> None:
    assert arches.MAKE_ARCHES == ("x86_64", "i386", "arm64", "powerpc")
    assert arches.PROFILE_NAMES == ("arm64", "i386", "powerpc", "ppc32", "ppc64", "x86", "x86_64")
    assert arches.SYMBOLS["x86"] == "X86"
    assert arches.SYMBOLS["i386"] == "X86_32"
    assert arches.SYMBOLS["powerpc"] == "PPC"
    assert arches.FAMILY == {"x86_64": "x86", "i386": "x86", "ppc32": "powerpc", "ppc64": "powerpc"}
    assert arches.srcarch("i386") == "x86"
    assert arches.srcarch("x86") == "x86"
    assert arches.srcarch("riscv") is None


def _config(text: str, path: Path | None = None) -> str | None:
    return detect_arch(parse_dotconfig(ConfigInput("t.config", text, path)))


@pytest.mark.parametrize(
    ("text", "arch"),
    [
        ("# Linux/x86 6.12.0 Kernel Configuration\nCONFIG_A=y\n", "x86_64"),
        ("# Linux/x86 6.12.0 Kernel Configuration\n# CONFIG_64BIT is not set\n", "i386"),
        ("# Linux/powerpc 6.12.0 Kernel Configuration\nCONFIG_A=y\n", "powerpc"),
        ("CONFIG_X86=y\n# CONFIG_64BIT is not set\n", "i386"),
        ("CONFIG_PPC=y\n", "powerpc"),
    ],
)
def test_detect_arch_from_a_family_name(text: str, arch: str) -> None:
    assert _config(text) == arch


def test_detect_arch_from_the_configs_directory(tmp_path: Path) -> None:
    folder = tmp_path / "arch" / "x86" / "configs"
    assert _config("CONFIG_A=y\n", folder / "x86_64_defconfig") == "x86_64"
    assert _config("# CONFIG_64BIT is not set\n", folder / "i386_defconfig") == "i386"
    powerpc = tmp_path / "arch" / "powerpc" / "configs" / "ppc64_defconfig"
    assert _config("CONFIG_A=y\n", powerpc) == "powerpc"


@pytest.mark.parametrize(
    ("arch", "text", "names"),
    [
        ("x86_64", "CONFIG_X86_64=y\n", {"x86_64", "x86"}),
        ("i386", "CONFIG_X86_32=y\n", {"i386", "x86"}),
        ("arm64", "CONFIG_ARM64=y\n", {"arm64"}),
        ("powerpc", "CONFIG_PPC64=y\n", {"powerpc", "ppc64"}),
        ("powerpc", "CONFIG_PPC32=y\n", {"powerpc", "ppc32"}),
        ("powerpc", "CONFIG_A=y\n", {"powerpc", "ppc32"}),  # PPC64 is default n
    ],
)
def test_profile_names_of_a_config(arch: str, text: str, names: set[str]) -> None:
    assert arch_names(arch, parse_dotconfig(ConfigInput("t", text))) == names


@pytest.mark.parametrize(
    ("arch", "text", "prefix"),
    [
        ("powerpc", "CONFIG_PPC64=y\nCONFIG_CPU_LITTLE_ENDIAN=y\n", "powerpc64le-linux-gnu-"),
        ("powerpc", "CONFIG_PPC64=y\n", "powerpc64-linux-gnu-"),
        ("powerpc", "CONFIG_PPC32=y\n", "powerpc-linux-gnu-"),
        ("i386", "CONFIG_X86_32=y\n", "i686-linux-gnu-"),
        ("arm64", "CONFIG_ARM64=y\n", "aarch64-linux-gnu-"),
    ],
)
def test_debian_cross_compiler_of_a_config(arch: str, text: str, prefix: str) -> None:
    get = parse_dotconfig(ConfigInput("t", text)).get
    row = arches.flavour(arch, get)
    assert row is not None
    assert arches.cross_compile(row, get) == prefix


def test_machines() -> None:
    assert arches.from_machine("aarch64") == arches.flavour("arm64", None)
    ppc64 = arches.flavour("powerpc", {"PPC64": "y"}.get)
    assert ppc64 is not None
    assert arches.from_machine("ppc64le") == ppc64
    assert ppc64.name == "ppc64"
    assert arches.from_machine("sparc64") is None
