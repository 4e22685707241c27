"""The reference corpus as the benchmarks see it: which configs there are, which ARCH and
CROSS_COMPILE each was made with, and how two .config texts compare line by line.

The corpus (tests/data/corpus/<version>/, see its README.md) holds per NAME a full config, a
perturbed input, the C tool's answer for that input and, for in-tree defconfigs, the minimal
defconfig.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The corpus the tests carry (tests/data/README.md); ../shared/corpus holds the same files.
DEFAULT_CORPUS = REPO / "tests" / "data" / "corpus" / "6.12"

# conf writes the main menu prompt as the third line: "Linux/$(ARCH) $(KERNELVERSION) Kernel
# Configuration", with ARCH exactly as given to make (x86_64, not x86).
_HEADER = re.compile(r"^# Linux/(?P<arch>\S+) (?P<version>\S+) Kernel Configuration$", re.M)
_CC_TEXT = re.compile(r'^CONFIG_CC_VERSION_TEXT="(?P<text>[^"]*)"$', re.M)

# Used only when a config has no CONFIG_CC_VERSION_TEXT; these are the Debian cross compilers
# the corpus was made with (corpus/README.md).
_FALLBACK_CROSS = {
    "x86_64": "",
    "x86": "",
    "i386": "i686-linux-gnu-",
    "arm64": "aarch64-linux-gnu-",
}


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
    text = config.read_text(encoding="utf-8", errors="replace")
    header = _HEADER.search(text[:2000])
    if header is None:
        raise CorpusError(f"{config}: no '# Linux/ARCH VERSION Kernel Configuration' header")
    arch = header["arch"]
    cc_text = _CC_TEXT.search(text)
    if cc_text is not None and cc_text["text"]:
        compiler = cc_text["text"].split()[0]
        if not compiler.endswith("gcc"):
            raise CorpusError(
                f"{config}: made with {compiler!r}; only gcc toolchains are supported"
            )
        cross = compiler.removesuffix("gcc")
    elif arch == "powerpc":
        cross = _powerpc_cross(text)
    elif arch in _FALLBACK_CROSS:
        cross = _FALLBACK_CROSS[arch]
    else:
        raise CorpusError(f"{config}: no CONFIG_CC_VERSION_TEXT and no known compiler for {arch}")
    return Target(arch, cross), header["version"]


def _powerpc_cross(text: str) -> str:
    if "\nCONFIG_PPC64=y" not in text:
        return "powerpc-linux-gnu-"
    if "\nCONFIG_CPU_LITTLE_ENDIAN=y" in text:
        return "powerpc64le-linux-gnu-"
    return "powerpc64-linux-gnu-"


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
