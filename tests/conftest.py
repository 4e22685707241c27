"""Fixtures shared by all tests: the carried test data, the real kernel trees unpacked once,
and one kcheck tree cache for the whole session.

The real trees and the reference corpus are carried in ``tests/data`` (``tests/testdata.py``
verifies them against ``tests/data/SHA256SUMS``); a missing or damaged file fails the run, in
CI and outside it. The project's shared folder (``../shared``, ``KCHECK_SHARED`` overrides)
is optional: when it is there, it must hold the same bytes, or the run stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kcheck import app
from tests import testdata
from tests.testdata import CORPUS, DATA, REPO, TREE_VERSIONS, corpus_names

__all__ = ["CORPUS", "DATA", "REPO", "TREE_VERSIONS", "corpus_inputs", "corpus_names"]

# Set by the controlling pytest process; its xdist workers inherit it and use the same cache.
_SESSION_CACHE = "KCHECK_TEST_SESSION_CACHE"


def pytest_configure(config: pytest.Config) -> None:
    """Check the carried data, and give the session one kcheck cache, never ~/.cache/kcheck.

    The controlling process makes the cache directory and its xdist workers inherit it
    (through the environment), so each real tree is parsed once per session and then
    unpickled, whichever module or worker needs it. Tests that are about the cache give
    their own directory.
    """
    try:
        testdata.verify()
    except testdata.DataError as e:
        raise pytest.UsageError(str(e)) from None
    if hasattr(config, "workerinput") and os.environ.get(_SESSION_CACHE):
        return
    # Where unpacked trees live is decided before XDG_CACHE_HOME is pointed at the session.
    os.environ.setdefault(testdata.CACHE_ENV, str(testdata.default_cache()))
    session = tempfile.mkdtemp(prefix="kcheck-test-cache-")
    os.environ[_SESSION_CACHE] = session
    os.environ["XDG_CACHE_HOME"] = session


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(_SESSION_CACHE, ""), ignore_errors=True)


# Fixtures that bring in a real kernel tree: a test using any of them is a "shared" test (the
# marker the fast loop, ``-m "not shared"``, leaves out), whether or not its module says so.
_REAL_TREE_FIXTURES = {"kernel_trees", "kc_tree_paths", "kc_loaded"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _REAL_TREE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared)


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
def kcheck_cache() -> Path:
    """The session's kcheck cache directory: what ``kcheck`` uses with no ``--cache-dir``.

    Pass it as ``app.Inputs(cache_dir=...)`` so that the in-process tree memo
    (``app._TREES``, keyed by cache directory) is shared with the CLI tests too.
    """
    return app.cache_dir()


@pytest.fixture(scope="session")
def kernel_trees() -> dict[str, Path]:
    """Both real Kconfig trees, unpacked once per checksum: {"6.12": path, "7.2": path}."""
    cache = Path(os.environ[testdata.CACHE_ENV])
    return {version: testdata.unpacked_tree(version, cache) for version in TREE_VERSIONS}
