"""The architectures kcheck knows: one table, one row per flavour, and the rules that read it.

A row is a flavour a profile can name (``x86_64``, ``i386``, ``arm64``, ``ppc32``, ``ppc64``)
with everything the rest of kcheck needs to know about it: the ``make ARCH=`` value, the
``arch/`` directory (SRCARCH), the Kconfig symbol that is y exactly for it, the family a
profile may name instead (``x86``, ``powerpc``) and the family's own symbol, its word size,
the machine names ``uname -m`` gives for it, and the Debian cross compiler prefix. Everything
else -- ``--arch`` choices, profile arch names, arch detection from a config, SRCARCH for a
tree, the benchmark's compilers -- is derived here. No kconfiglib: a config's values come in
as a lookup function.

Sources (Linux 6.12): arch/x86/Kconfig (X86_64 / X86_32 follow 64BIT, whose default is
``"$(ARCH)" != "i386"``), arch/powerpc/platforms/Kconfig.cputype (PPC64 "64-bit kernel", no
default, so n; PPC32 is !PPC64) and arch/powerpc/Kconfig (64BIT ``default y if PPC64``),
arch/arm64/Kconfig, the top Makefile (SRCARCH for ARCH=i386 and
x86_64 is x86), Debian's cross toolchain packages (gcc-<prefix without the dash>).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: A config's value of a symbol (no ``CONFIG_``), or None when it does not assign it.
Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class Arch:
    """One flavour of an architecture, as profiles, make and Debian name it."""

    name: str  # the profile arch name of the flavour
    make_arch: str  # make ARCH= as kcheck uses it (--arch, the config header)
    srcarch: str  # arch/<srcarch>
    symbol: str  # the Kconfig symbol that is y exactly for this flavour
    family: str  # the profile arch name of the whole family
    family_symbol: str  # the Kconfig symbol that is y for every flavour of the family
    bits: int  # word size: a family's flavours differ by it (64BIT=y or n)
    default: bool  # the flavour a family's config is when nothing says which
    machines: tuple[str, ...]  # uname -m on a machine running this flavour
    cross_compile: str  # Debian's cross compiler prefix (gcc-<prefix> is the package)
    cross_compile_le: str = ""  # the prefix for a little-endian config, where it differs


ARCHES: tuple[Arch, ...] = (
    Arch(
        name="x86_64",
        make_arch="x86_64",
        srcarch="x86",
        symbol="X86_64",
        family="x86",
        family_symbol="X86",
        bits=64,
        default=True,  # 64BIT: default ARCH != "i386"
        machines=("x86_64",),
        cross_compile="x86_64-linux-gnu-",
    ),
    Arch(
        name="i386",
        make_arch="i386",
        srcarch="x86",
        symbol="X86_32",
        family="x86",
        family_symbol="X86",
        bits=32,
        default=False,
        machines=("i686", "i386"),
        cross_compile="i686-linux-gnu-",
    ),
    Arch(
        name="arm64",
        make_arch="arm64",
        srcarch="arm64",
        symbol="ARM64",
        family="arm64",
        family_symbol="ARM64",
        bits=64,
        default=True,
        machines=("aarch64",),
        cross_compile="aarch64-linux-gnu-",
    ),
    Arch(
        name="ppc32",
        make_arch="powerpc",
        srcarch="powerpc",
        symbol="PPC32",
        family="powerpc",
        family_symbol="PPC",
        bits=32,
        default=True,  # PPC64 "64-bit kernel" has no default: n
        machines=("ppc",),
        cross_compile="powerpc-linux-gnu-",
    ),
    Arch(
        name="ppc64",
        make_arch="powerpc",
        srcarch="powerpc",
        symbol="PPC64",
        family="powerpc",
        family_symbol="PPC",
        bits=64,
        default=False,
        machines=("ppc64", "ppc64le"),
        cross_compile="powerpc64-linux-gnu-",
        cross_compile_le="powerpc64le-linux-gnu-",
    ),
)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


#: ``--arch`` values: make ARCH names kcheck supports, in table order.
MAKE_ARCHES = _unique(arch.make_arch for arch in ARCHES)
#: Names a profile's ``arch = [...]`` may use: every flavour and every family.
PROFILE_NAMES = tuple(sorted({arch.name for arch in ARCHES} | {arch.family for arch in ARCHES}))
#: Profile arch name -> the Kconfig symbol that is y exactly for configs of it.
SYMBOLS = {arch.name: arch.symbol for arch in ARCHES} | {
    arch.family: arch.family_symbol for arch in ARCHES
}
#: A flavour's name -> its family's, for flavours that are not a family by themselves.
FAMILY = {arch.name: arch.family for arch in ARCHES if arch.name != arch.family}


def family_of(make_arch: str) -> str | None:
    """The family of a make ARCH (``i386`` -> ``x86``), or None if kcheck does not know it."""
    return next((a.family for a in ARCHES if make_arch in (a.make_arch, a.family)), None)


def srcarch(make_arch: str) -> str | None:
    """arch/<SRCARCH> for a make ARCH or a family name (``i386`` -> ``x86``); None if unknown."""
    return next((a.srcarch for a in ARCHES if make_arch in (a.make_arch, a.family)), None)


def srcarch_names() -> tuple[str, ...]:
    """Every ARCH value :func:`srcarch` accepts."""
    return _unique(name for a in ARCHES for name in (a.make_arch, a.family))


def _flavour(rows: Iterable[Arch], get: Lookup | None) -> Arch | None:
    """Which of a family's flavours a config is: the one whose symbol it has at y, else the
    one its 64BIT says, else the family's default."""
    rows = tuple(rows)
    if get is not None:
        for row in rows:
            if get(row.symbol) in ("y", "m"):
                return row
        word = get("64BIT")
        if word in ("y", "n"):
            bits = 64 if word == "y" else 32
            for row in rows:
                if row.bits == bits:
                    return row
    return next((row for row in rows if row.default), None)


def flavour(make_arch: str, get: Lookup | None) -> Arch | None:
    """The row for a config of ``make_arch`` (or of a family name such as ``x86``)."""
    rows = [a for a in ARCHES if make_arch in (a.make_arch, a.family)]
    exact = [a for a in rows if a.make_arch == make_arch]
    return _flavour(exact or rows, get)


def from_symbols(get: Lookup) -> Arch | None:
    """The flavour a config's own arch symbols (X86_64, ARM64, PPC, ...) say; None if none."""
    for family in _unique(a.family for a in ARCHES):
        rows = [a for a in ARCHES if a.family == family]
        if any(get(s) in ("y", "m") for s in (rows[0].family_symbol, *(a.symbol for a in rows))):
            return _flavour(rows, get)
    return None


def evidence_symbols() -> tuple[str, ...]:
    """The symbols :func:`from_symbols` reads, flavours before families."""
    return _unique([*(a.symbol for a in ARCHES), *(a.family_symbol for a in ARCHES)])


def from_machine(machine: str) -> Arch | None:
    """The flavour a machine runs (``uname -m``: ``aarch64`` -> arm64), or None."""
    return next((a for a in ARCHES if machine in a.machines), None)


def profile_names(make_arch: str, get: Lookup | None) -> frozenset[str]:
    """The profile arch names that describe a config of ``make_arch``: the ARCH itself, its
    family and the flavour (``powerpc`` with PPC64=y: powerpc and ppc64)."""
    names = {make_arch}
    row = flavour(make_arch, get)
    if row is not None:
        names |= {row.name, row.family}
    return frozenset(names)


def cross_compile(row: Arch, get: Lookup) -> str:
    """Debian's cross compiler prefix for a config of this flavour (by its endianness)."""
    if row.cross_compile_le and get("CPU_LITTLE_ENDIAN") == "y":
        return row.cross_compile_le
    return row.cross_compile
