"""The test data the repository carries in ``tests/data``: where it is, that it is intact, and
the kernel trees unpacked once.

``tests/data`` holds the two trimmed Kconfig trees (``kernels/linux-{6.12,7.2}-kconfig.tar.xz``)
and the reference corpus made with the kernel's own C tool (``corpus/<version>/``), byte for
byte as in the project's shared folder (``tests/data/README.md`` says where each came from).
``SHA256SUMS`` lists every file. :func:`verify` checks all of them, and that nothing else is
there, before a test reads any: a damaged or incomplete checkout is an error everywhere (in CI
and outside), never a reason to skip. The shared folder (``../shared``, ``KCHECK_SHARED``)
is optional; where it is, it must hold the same bytes. :func:`unpacked_tree` unpacks a
tarball once per checksum into a cache directory that outlives the session; the tree appears
there by an atomic rename, so parallel test workers never see half a tree. The bench scripts
read the same files.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
# The project's shared folder: optional; where it is, it must hold the same bytes.
SHARED = Path(os.environ.get("KCHECK_SHARED", REPO.parent / "shared"))
CORPUS = DATA / "corpus"
KERNELS = DATA / "kernels"
SUMS = "SHA256SUMS"
TREE_VERSIONS = ("6.12", "7.2")
# Where unpacked trees are kept between sessions (KCHECK_TEST_DATA_CACHE overrides).
CACHE_ENV = "KCHECK_TEST_DATA_CACHE"


class DataError(Exception):
    """The carried test data is missing, damaged or not what SHA256SUMS lists."""


def read_sums(root: Path = DATA) -> dict[str, str]:
    """``relative path -> sha256`` from ``root/SHA256SUMS`` (the format of ``sha256sum``)."""
    path = root / SUMS
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e.strerror}") from None
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise DataError(f"{path}:{number}: not a sha256sum line: {line!r}")
        sums[name] = digest
    return sums


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problems(root: Path, sums: dict[str, str]) -> list[str]:
    """How the files under ``root`` differ from ``sums``: missing, changed, or not listed."""
    found: list[str] = []
    for name, digest in sums.items():
        path = root / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif sha256(path) != digest:
            found.append(f"{path}: sha256 is not the one in {SUMS}")
    listed = {root / name for name in sums}
    for folder in ("kernels", "corpus"):
        # Another config in corpus/ would change which tests run without anyone noticing.
        extra = (p for p in (root / folder).rglob("*") if p.is_file() and p not in listed)
        found += [f"{path}: not listed in {SUMS}" for path in sorted(extra)]
    return found


def _summary(found: list[str]) -> str:
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    return "; ".join(found[:5]) + more


@functools.cache
def verify() -> None:
    """Raise DataError unless every file of ``tests/data`` is there and as listed, and the
    shared folder, where there is one, holds the same bytes (checked once a process)."""
    sums = read_sums()
    found = problems(DATA, sums)
    if found:
        raise DataError(
            f"the test data in {DATA} is damaged: {_summary(found)}. "
            "Restore it with `git checkout -- tests/data`."
        )
    if (SHARED / "kernels").is_dir() or (SHARED / "corpus").is_dir():
        found = problems(SHARED, sums)
        if found:
            raise DataError(
                f"{SHARED} is not what tests/data carries: {_summary(found)}. "
                "Update tests/data from it (tests/data/README.md) or point KCHECK_SHARED elsewhere."
            )


def corpus_names(version: str) -> list[str]:
    """Names of the corpus configs for a tree version (``NAME`` of ``NAME.config``)."""
    verify()
    return sorted(
        p.name.removesuffix(".config")
        for p in (CORPUS / version).glob("*.config")
        if not p.name.endswith((".perturbed.config", ".expected.config"))
    )


def default_cache() -> Path:
    """``$KCHECK_TEST_DATA_CACHE``, else ``$XDG_CACHE_HOME/kcheck-tests``, else
    ``~/.cache/kcheck-tests``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kcheck-tests"


def unpacked_tree(version: str, cache: Path) -> Path:
    """The Kconfig tree of ``version``, unpacked under ``cache`` once per tarball checksum."""
    verify()
    name = f"linux-{version}-kconfig.tar.xz"
    digest = read_sums()[f"kernels/{name}"]
    final = cache / f"linux-{version}-{digest[:16]}"
    tree = final / f"linux-{version}"
    if tree.is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=cache))
    try:
        with tarfile.open(KERNELS / name) as tar:
            tar.extractall(scratch, filter="data")
        # Atomic: another worker that unpacked the same tarball first wins, ours is dropped.
        os.rename(scratch, final)
    except OSError:
        if not tree.is_dir():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return tree
