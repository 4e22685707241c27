"""Fake sysroots for the live host checks: a directory laid out like /, built file by file.

Device nodes are real character devices (os.mknod), so the checks look at what they would see
on a host; making them needs root (CAP_MKNOD), and tests that need one skip without it.
``as_nobody`` runs a check as an unprivileged user, so that "needs root" is a real EACCES.
"""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from kcheck.runtime import User

T = TypeVar("T")

# Not 1000: the user running the tests must not own what alice is refused.
ALICE = User(uid=4711, gid=4711, groups=frozenset({4711}), name="alice")
ROOT = User(uid=0, gid=0, groups=frozenset({0}), name="root")
RELEASE = "6.12.0"
KVM_GID = 994

PASSWD = "root:x:0:0:root:/root:/bin/bash\nalice:x:4711:4711::/home/alice:/bin/sh\n"
GROUP = f"root:x:0:\nkvm:x:{KVM_GID}:\nalice:x:4711:\n"


class Sysroot:
    """A fake system root under ``path``, with /etc/passwd, /etc/group and a kernel release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file("/etc/passwd", PASSWD)
        self.file("/etc/group", GROUP)
        self.file("/proc/sys/kernel/osrelease", RELEASE + "\n")

    def at(self, system_path: str) -> Path:
        return self.path / system_path.lstrip("/")

    def file(self, system_path: str, text: str = "", mode: int = 0o644) -> Path:
        target = self.at(system_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        target.chmod(mode)
        return target

    def dir(self, system_path: str) -> Path:
        target = self.at(system_path)
        target.mkdir(parents=True, exist_ok=True)
        return target

    def chardev(
        self, system_path: str, major: int, minor: int, mode: int = 0o666, gid: int = 0
    ) -> Path:
        """A character device node owned by root and ``gid`` (skips the test without root)."""
        target = self.at(system_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mknod(target, stat.S_IFCHR | mode, os.makedev(major, minor))
            os.chown(target, 0, gid)
        except PermissionError:
            pytest.skip("making device nodes needs root (CAP_MKNOD)")
        target.chmod(mode)
        return target

    def modules(
        self,
        dep: str = "",
        builtin: str = "",
        alias: str = "",
        devname: str = "",
    ) -> None:
        """What depmod writes to /lib/modules/RELEASE."""
        base = f"/lib/modules/{RELEASE}"
        self.file(f"{base}/modules.dep", dep)
        self.file(f"{base}/modules.builtin", builtin)
        self.file(f"{base}/modules.alias", alias)
        self.file(f"{base}/modules.devname", devname)

    def bridge(self, name: str, flags: str = "0x1003", operstate: str = "up") -> None:
        self.dir(f"/sys/class/net/{name}/bridge")
        self.file(f"/sys/class/net/{name}/flags", flags + "\n")
        self.file(f"/sys/class/net/{name}/operstate", operstate + "\n")


def open_sysroot() -> Path:
    """A directory anyone may traverse (pytest's tmp_path is root-only when run as root)."""
    path = Path(tempfile.mkdtemp(prefix="kcheck-sysroot-"))
    path.chmod(0o755)
    return path


def as_nobody(work: Callable[[], T]) -> T:
    """Run ``work`` as an unprivileged user (in a forked child when we are root)."""
    if os.geteuid() != 0:
        return work()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            payload = pickle.dumps(("ok", work()))
        except BaseException as e:
            payload = pickle.dumps(("error", repr(e)))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        data = source.read()
    os.waitpid(child, 0)
    kind, value = pickle.loads(data)
    if kind != "ok":
        raise AssertionError(f"the check failed as nobody: {value}")
    return value  # type: ignore[no-any-return]
