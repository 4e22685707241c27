"""Fixtures for the kernel layer's integration tests: the real trees and corpus in ../shared.

``../shared`` (beside the repository; ``KCHECK_SHARED`` overrides) holds the Kconfig tarballs of
Linux 6.12 and 7.2 and the reference corpus made with the kernel's own C tool. Missing, the
tests skip -- except in CI (``CI=true``), where that is a failure. Each tarball is unpacked once
per session, and each (version, arch, mode) tree is parsed once per session.
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
from tests.conftest import SHARED, TREE_VERSIONS

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
        return SHARED / "corpus" / self.version

    def text(self, suffix: str) -> str:
        return (self.folder / f"{self.name}{suffix}").read_text(encoding="utf-8")

    def __str__(self) -> str:
        return f"{self.version}-{self.name}"


def corpus_cases(with_defconfig: bool = False) -> list[CorpusCase | None]:
    """Every corpus config (None if ../shared is missing, so that the test skips or fails)."""
    cases: list[CorpusCase | None] = []
    for version in VERSIONS:
        folder = SHARED / "corpus" / version
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.perturbed.config")):
            name = path.name.removesuffix(".perturbed.config")
            if with_defconfig and not (folder / f"{name}.defconfig").is_file():
                continue
            match = _HEADER_ARCH.search((folder / f"{name}.config").read_text()[:300])
            if match:
                cases.append(CorpusCase(version, name, match.group(1)))
    return cases or [None]


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
def kc_loaded(kc_tree_paths: Callable[[str], Path]) -> LoadTree:
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
                trees[key] = load_tree(srctree, arch)
            else:
                with probe_path():
                    trees[key] = load_tree(srctree, arch, probe=True, cross_compile=cross_compile)
        return trees[key]

    return get
