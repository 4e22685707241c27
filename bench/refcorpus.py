"""The reference corpus as the benchmarks see it: which configs there are, which ARCH and
CROSS_COMPILE each was made with, and how two .config texts compare line by line.

The corpus (tests/data/corpus/<version>/, see its README.md) holds per NAME a full config, a
perturbed input, the C tool's answer for that input and, for in-tree defconfigs, the minimal
defconfig.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The corpus the tests carry (tests/data/README.md); ../shared/corpus holds the same files.
DEFAULT_CORPUS = REPO / "tests" / "data" / "corpus" / "6.12"
# kcheck from this checkout, installed or not: its .config reader and its arch table.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from kcheck import arches  # noqa: E402
from kcheck.errors import InputError  # noqa: E402
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig  # noqa: E402


class CorpusError(Exception):
    """A corpus file is missing or does not say which arch or compiler made it."""


@dataclass(frozen=True)
class Target:
    """How to call the kernel's make for a config: ARCH= and CROSS_COMPILE=."""

    arch: str
    cross_compile: str

    @property
    def label(self) -> str:
        return f"{self.arch}/{self.cross_compile or 'native'}"


@dataclass(frozen=True)
class Entry:
    """One corpus config and its files."""

    name: str
    config: Path
    perturbed: Path
    expected: Path
    defconfig: Path | None
    target: Target
    kernel_version: str


def read_target(config: Path) -> tuple[Target, str]:
    """ARCH, CROSS_COMPILE and kernel version of a full .config, read from its header.

    The compiler prefix comes from CONFIG_CC_VERSION_TEXT ("aarch64-linux-gnu-gcc (Debian ...)"),
    which is the compiler that wrote the file and so the one that reproduces its probe answers.
    """
    try:
        parsed = parse_dotconfig(
            ConfigInput(str(config), config.read_text(encoding="utf-8", errors="replace"))
        )
    except InputError as error:
        raise CorpusError(str(error)) from None
    # conf writes the main menu prompt as the third line: "Linux/$(ARCH) $(KERNELVERSION) Kernel
    # Configuration", with ARCH exactly as given to make (x86_64, not x86).
    arch, version = parsed.header_arch, parsed.header_version
    if arch is None or version is None:
        raise CorpusError(f"{config}: no '# Linux/ARCH VERSION Kernel Configuration' header")
    cc_text = parsed.get("CC_VERSION_TEXT")
    row = arches.flavour(arch, parsed.get)
    if cc_text:
        compiler = cc_text.split()[0]
        if not compiler.endswith("gcc"):
            raise CorpusError(
                f"{config}: made with {compiler!r}; only gcc toolchains are supported"
            )
        cross = compiler.removesuffix("gcc")
    elif row is not None:
        # Debian's cross compiler for the config's flavour (corpus/README.md), or the host's
        # own gcc where the host runs that flavour.
        native = os.uname().machine in row.machines
        cross = "" if native else arches.cross_compile(row, parsed.get)
    else:
        raise CorpusError(f"{config}: no CONFIG_CC_VERSION_TEXT and no known compiler for {arch}")
    return Target(arch, cross), ".".join(map(str, version))


def load(corpus: Path = DEFAULT_CORPUS) -> list[Entry]:
    """Every NAME in a corpus directory that has a perturbed input, sorted by name."""
    if not corpus.is_dir():
        raise CorpusError(f"{corpus}: no such corpus directory")
    entries = []
    for perturbed in sorted(corpus.glob("*.perturbed.config")):
        name = perturbed.name.removesuffix(".perturbed.config")
        config = corpus / f"{name}.config"
        expected = corpus / f"{name}.perturbed.expected.config"
        for needed in (config, expected):
            if not needed.is_file():
                raise CorpusError(f"{needed}: missing (every corpus NAME needs it)")
        defconfig = corpus / f"{name}.defconfig"
        target, version = read_target(config)
        entries.append(
            Entry(
                name=name,
                config=config,
                perturbed=perturbed,
                expected=expected,
                defconfig=defconfig if defconfig.is_file() else None,
                target=target,
                kernel_version=version,
            )
        )
    if not entries:
        raise CorpusError(f"{corpus}: no *.perturbed.config files")
    return entries


def select(entries: list[Entry], names: list[str]) -> list[Entry]:
    """The entries with the given names, in that order; an unknown name is an error."""
    by_name = {entry.name: entry for entry in entries}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise CorpusError(f"unknown corpus config(s) {unknown}; known: {sorted(by_name)}")
    return [by_name[name] for name in names]


@dataclass(frozen=True)
class Comparison:
    """Line-by-line agreement of two .config texts (the first is the reference)."""

    same: int
    only_reference: int
    only_other: int
    sample: tuple[str, ...]

    @property
    def identical(self) -> bool:
        return self.only_reference == 0 and self.only_other == 0

    @property
    def differing(self) -> int:
        return self.only_reference + self.only_other


def compare(reference: str, other: str, sample_size: int = 6) -> Comparison:
    """Compare two .config texts line by line, keeping a few differing lines to show."""
    ref_lines = reference.splitlines()
    other_lines = other.splitlines()
    # autojunk would treat the frequent "# end of ..." and blank lines as junk and misalign.
    matcher = difflib.SequenceMatcher(a=ref_lines, b=other_lines, autojunk=False)
    same = only_ref = only_other = 0
    sample: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            same += i2 - i1
            continue
        only_ref += i2 - i1
        only_other += j2 - j1
        for line in ref_lines[i1:i2]:
            if len(sample) < sample_size:
                sample.append(f"-{line}")
        for line in other_lines[j1:j2]:
            if len(sample) < sample_size:
                sample.append(f"+{line}")
    return Comparison(same, only_ref, only_other, tuple(sample))
