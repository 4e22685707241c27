"""Fixtures for the kernel layer's integration tests: the real trees and the corpus.

The Kconfig trees of Linux 6.12 and 7.2 and the reference corpus made with the kernel's own C
tool are carried in ``tests/data`` (see ``tests/testdata.py``). Each tarball is unpacked once,
and each (version, arch, mode) tree is parsed once per session: offline parses go through the
session's kcheck cache, so a tree another module or worker parsed is unpickled instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from kcheck.kernel.tree import LoadedTree, load_tree
from tests.testdata import CORPUS, TREE_VERSIONS, verify

VERSIONS = TREE_VERSIONS
# The PATH the corpus was made with: no rustc, bindgen or pahole (/root/.cargo/bin has rustc).
PROBE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
_HEADER_ARCH = re.compile(r"^# Linux/(\S+) ", re.M)


@dataclass(frozen=True)
class CorpusCase:
    version: str
    name: str
    arch: str

    @property
    def folder(self) -> Path:
        return CORPUS / self.version

    def text(self, suffix: str) -> str:
        return (self.folder / f"{self.name}{suffix}").read_text(encoding="utf-8")

    def __str__(self) -> str:
        return f"{self.version}-{self.name}"


def corpus_cases(with_defconfig: bool = False) -> list[CorpusCase]:
    """Every corpus config (the data is verified first, so the list is never silently short)."""
    verify()
    cases: list[CorpusCase] = []
    for version in VERSIONS:
        folder = CORPUS / version
        for path in sorted(folder.glob("*.perturbed.config")):
            name = path.name.removesuffix(".perturbed.config")
            if with_defconfig and not (folder / f"{name}.defconfig").is_file():
                continue
            match = _HEADER_ARCH.search((folder / f"{name}.config").read_text()[:300])
            assert match, f"{folder / name}.config: no '# Linux/ARCH' header"
            cases.append(CorpusCase(version, name, match.group(1)))
    return cases


@pytest.fixture(scope="session")
def kc_tree_paths(kernel_trees: dict[str, Path]) -> Callable[[str], Path]:
    """version -> the unpacked tree (the session's shared ``kernel_trees``)."""
    return kernel_trees.__getitem__


@contextmanager
def probe_path() -> Iterator[None]:
    saved = os.environ.get("PATH")
    os.environ["PATH"] = PROBE_PATH
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = saved


LoadTree = Callable[..., LoadedTree]


@pytest.fixture(scope="session")
def kc_loaded(kc_tree_paths: Callable[[str], Path], kcheck_cache: Path) -> LoadTree:
    """(version, arch, cross_compile=None) -> a parsed tree, shared by the whole session.

    ``cross_compile=None`` parses offline (no compiler); a string runs the real probes with
    that prefix and the corpus' PATH.
    """
    trees: dict[tuple[str, str, str | None], LoadedTree] = {}

    def get(version: str, arch: str, cross_compile: str | None = None) -> LoadedTree:
        key = (version, arch, cross_compile)
        if key not in trees:
            srctree = kc_tree_paths(version)
            if cross_compile is None:
                trees[key] = load_tree(srctree, arch, cache_dir=kcheck_cache)
            else:
                with probe_path():
                    trees[key] = load_tree(srctree, arch, probe=True, cross_compile=cross_compile)
        return trees[key]

    return get
