"""Fixtures shared by all tests: where ../shared is, and the real kernel trees unpacked once.

The real trees and the reference corpus live in ``../shared`` beside the repository
(``KCHECK_SHARED`` overrides). Outside CI a missing ``../shared`` skips the tests that need
it; in CI (``CI=true``) it is a failure, so a broken checkout cannot pass by skipping.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KCHECK_SHARED", REPO.parent / "shared"))
TREE_VERSIONS = ("6.12", "7.2")


def pytest_configure(config: pytest.Config) -> None:
    """One tree cache for the whole test session, never the user's ~/.cache/kcheck.

    Tests that are about the cache give their own directory; all others share this one, so
    each real tree is parsed once per session (per xdist worker) instead of once per test.
    """
    del config
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="kcheck-test-cache-")


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or skip (fail in CI) when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing: the real kernel trees and corpus are needed"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return path


def corpus_names(version: str) -> list[str]:
    """Names of the corpus configs for a tree version (empty when ../shared is absent)."""
    folder = SHARED / "corpus" / version
    if not folder.is_dir():
        return []
    return sorted(
        p.name.removesuffix(".config")
        for p in folder.glob("*.config")
        if not p.name.endswith((".perturbed.config", ".expected.config"))
    )


def corpus_inputs() -> list[tuple[str, str, str]]:
    """(version, name, suffix) for every corpus input kcheck checks: each full config and its
    perturbed copy, for every tree version."""
    return [
        (version, name, suffix)
        for version in TREE_VERSIONS
        for name in corpus_names(version)
        for suffix in (".config", ".perturbed.config")
    ]


@pytest.fixture(scope="session")
def kernel_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both real Kconfig trees, unpacked once per test session: {"6.12": path, "7.2": path}."""
    root = tmp_path_factory.mktemp("trees")
    trees: dict[str, Path] = {}
    for version in TREE_VERSIONS:
        tarball = require_shared("kernels", f"linux-{version}-kconfig.tar.xz")
        with tarfile.open(tarball) as tar:
            tar.extractall(root, filter="data")
        trees[version] = root / f"linux-{version}"
    return trees
