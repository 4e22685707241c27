"""The on-disk cache of parsed Kconfig trees: keying, integrity, validation, atomic writes.

A parse takes 0.5-2 s; unpickling a parsed tree about a third of that. An entry is keyed by what
decides the parse (tree location, arch, toolchain answers, kcheck/kconfiglib/Python versions)
and records what it was parsed from: every Kconfig file that was read, by size, mtime and
SHA-256, and the environment variables the Kconfig files referenced. On load the files are
stat'ed; a file whose stat changed is re-hashed, and only a content change invalidates the
entry. The payload is stored behind its SHA-256, so a truncated, corrupted or edited file is
detected and rebuilt, never unpickled. Writers go through a temporary file and ``os.replace``,
so concurrent runs see either the old or the new entry, never half of one. The checksum guards
against accidents, not against someone who can write the cache directory: that user can already
run code as you.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_MAGIC = b"KCHECK-TREE-CACHE 1\n"
# Pickling a loaded Kconfig recurses through the long MenuNode chains (KCONFIG-FACTS.md).
_PICKLE_RECURSION_LIMIT = 100_000
_PICKLE_STACK_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class FileStamp:
    """One Kconfig file the tree was parsed from, relative to the source tree."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class Entry:
    """What a cache file holds: the parsed tree and what it was parsed from."""

    key: str
    files: list[FileStamp]
    env: dict[str, str]
    payload: Any
    meta: dict[str, str] = field(default_factory=dict)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stamp_files(srctree: Path, relpaths: list[str]) -> list[FileStamp]:
    """Stamps for the files a parse read (duplicates dropped, order kept)."""
    stamps: list[FileStamp] = []
    seen: set[str] = set()
    for rel in relpaths:
        if rel in seen:
            continue
        seen.add(rel)
        path = srctree / rel
        st = path.stat()
        stamps.append(FileStamp(rel, st.st_size, st.st_mtime_ns, _sha256_file(path)))
    return stamps


def files_unchanged(srctree: Path, stamps: list[FileStamp]) -> bool:
    """True if every stamped file still has its content (stat first, hash when stat differs)."""
    root = str(srctree)
    for stamp in stamps:
        path = os.path.join(root, stamp.path)
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size == stamp.size and st.st_mtime_ns == stamp.mtime_ns:
            continue
        if st.st_size != stamp.size:
            return False
        try:
            if _sha256_file(Path(path)) != stamp.sha256:
                return False
        except OSError:
            return False
    return True


def entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "trees" / f"{key}.pickle"


def read_entry(
    cache_dir: Path, key: str, on_corrupt: Callable[[str], None] | None = None
) -> Entry | None:
    """The entry for ``key``, or None if absent, corrupt, tampered with or of another key.

    An entry that exists but cannot be trusted is reported through ``on_corrupt`` (it is then
    rebuilt by the caller), so a user learns why a run was slow.
    """
    path = entry_path(cache_dir, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        problem: str | None = f"unreadable ({exc.strerror})"
    else:
        problem = None
    entry: Entry | None = None
    if problem is None:
        entry, problem = _decode_entry(data, key)
    if problem is not None and on_corrupt is not None:
        on_corrupt(f"the cached Kconfig tree {path} is {problem}; parsing the tree again")
    return entry


def _decode_entry(data: bytes, key: str) -> tuple[Entry | None, str | None]:
    if not data.startswith(_MAGIC):
        return None, "not a kcheck cache file"
    header_end = data.find(b"\n", len(_MAGIC))
    if header_end < 0:
        return None, "truncated"
    checksum = data[len(_MAGIC) : header_end].decode("ascii", errors="replace")
    payload = data[header_end + 1 :]
    if hashlib.sha256(payload).hexdigest() != checksum:
        return None, "corrupt (checksum mismatch)"
    try:
        entry = _loads(payload)
    except Exception:  # any unpickling failure means "rebuild"
        return None, "corrupt (cannot be unpickled)"
    if not isinstance(entry, Entry) or entry.key != key:
        return None, "for another tree"
    return entry, None


@contextlib.contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(max(saved, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


def _dumps(obj: object) -> bytes:
    """pickle.dumps() of a deep object graph. Pickling recurses once per link of the MenuNode
    chains: it needs a high recursion limit, and a C stack larger than the main thread's
    (8 MiB) or the interpreter segfaults -- so it runs in a thread with a 512 MiB stack."""
    result: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with _recursion_limit(_PICKLE_RECURSION_LIMIT):
                result.append(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    saved = threading.stack_size()
    threading.stack_size(_PICKLE_STACK_BYTES)
    try:
        thread = threading.Thread(target=work, name="kcheck-cache-pickle")
        thread.start()
    finally:
        threading.stack_size(saved)
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _loads(data: bytes) -> object:
    # Unpickling is iterative (no deep recursion), but creates ~1M objects: the cyclic GC
    # would walk them repeatedly (0.4 s instead of 0.2 s).
    # The tree lives as long as the process: gc.freeze() keeps later collections from walking
    # it again (otherwise the first full collection after loading costs another 0.15 s).
    enabled = gc.isenabled()
    gc.disable()
    try:
        obj = pickle.loads(data)  # our own file, checksummed by the caller
        gc.freeze()
        return obj
    finally:
        if enabled:
            gc.enable()


def write_entry(cache_dir: Path, entry: Entry) -> Path | None:
    """Store ``entry`` atomically; returns its path, or None if the cache is not writable."""
    path = entry_path(cache_dir, entry.key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = _dumps(entry)
        checksum = hashlib.sha256(payload).hexdigest().encode("ascii")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + checksum + b"\n" + payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if entry.meta:
            _write_meta(path.with_suffix(".json"), entry.meta)
    except (OSError, pickle.PicklingError, RecursionError, RuntimeError, MemoryError):
        # A cache that cannot be written only costs speed.
        return None
    return path


def _write_meta(path: Path, meta: dict[str, str]) -> None:
    """A small readable note beside an entry (tree, arch, ...), for ``kcheck cache info``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(meta, f, sort_keys=True)
    os.replace(tmp, path)


@dataclass(frozen=True)
class EntryInfo:
    """What ``kcheck cache info`` shows of one entry, read without unpickling it."""

    path: Path
    size: int
    mtime: float
    meta: dict[str, str]


def list_entries(cache_dir: Path) -> list[EntryInfo]:
    """The cache's entries, newest first."""
    infos: list[EntryInfo] = []
    for path in sorted((cache_dir / "trees").glob("*.pickle")):
        try:
            st = path.stat()
        except OSError:
            continue
        meta: dict[str, str] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                meta = {str(k): str(v) for k, v in loaded.items()}
        infos.append(EntryInfo(path, st.st_size, st.st_mtime, meta))
    return sorted(infos, key=lambda info: info.mtime, reverse=True)


def clear(cache_dir: Path) -> int:
    """Remove every cache file kcheck wrote (entries, notes, stale temporaries); count them."""
    removed = 0
    trees = cache_dir / "trees"
    if not trees.is_dir():
        return 0
    for path in trees.iterdir():
        if path.is_file() and (path.suffix in (".pickle", ".json") or path.name.startswith(".")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    with contextlib.suppress(OSError):
        trees.rmdir()
    return removed


def make_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
