"""Writing files kcheck produces (resolved configs, fragments) safely.

A write replaces the target atomically: the text goes to a temporary file in the same
directory, is fsynced, and is renamed over the target, so an interrupted run leaves either
the old file or the new one, whole. Targets that are not regular files (a device, a FIFO,
a directory, or a symlink to one of those) are refused: kconfiglib's own write_config()
once renamed /dev/null away when run as root (KCONFIG-FACTS.md).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from kcheck.errors import InputError


def check_writable_target(path: Path) -> None:
    """Raise InputError unless ``path`` is absent or a regular file (following symlinks)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise InputError("directory does not exist", path=path.parent) from None
        return
    except OSError as e:
        raise InputError(f"cannot write: {e.strerror}", path=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file; refusing to write to it", path=path)


def check_in_place_target(path: Path) -> None:
    """A config to be rewritten in place: a regular, plain-text file (not gzip, not a device).

    A symlink to a regular file is fine: its target is replaced, the link stays.
    """
    try:
        st = path.stat()
    except OSError as e:
        raise InputError(f"cannot rewrite: {e.strerror}", path=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file; refusing to rewrite it", path=path)
    with path.open("rb") as f:
        if f.read(2) == b"\x1f\x8b":
            raise InputError("a gzip file; --in-place writes plain text, use -o", path=path)


def write_atomic(path: Path, text: str, *, backup: Path | None = None) -> None:
    """Replace ``path`` with ``text`` atomically; keep the old file at ``backup`` if given.

    A symlink to a regular file is written through: the link's target is replaced, and
    the link stays, as an editor would do.
    """
    check_writable_target(path)
    target = path.resolve() if path.is_symlink() else path
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if target.exists():
            shutil.copymode(target, tmp)
            if backup is not None:
                shutil.copy2(target, backup)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
