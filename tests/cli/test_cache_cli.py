"""The tree cache seen from outside: racing processes, and a tampered entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS

pytestmark = pytest.mark.shared


def guest_argv(tree: Path, version: str, name: str) -> list[str]:
    """A ``kcheck guest --format json`` command line for a corpus config, as a new process."""
    config = CORPUS / version / name
    return [
        sys.executable,
        "-m",
        "kcheck",
        "guest",
        str(config),
        "--tree",
        str(tree),
        "--format",
        "json",
    ]


def test_parallel_cold_cache(kernel_trees: dict[str, Path], tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1")
    argv = guest_argv(kernel_trees["7.2"], "7.2", "x86_64_defconfig.config")
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(8)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    codes = {p.returncode for p in procs}
    outs = {out for out, _err in results}
    assert codes <= {0, 1}, [err.decode() for _out, err in results]
    assert len(outs) == 1
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
    # A later run uses the cache the racing runs left behind, and agrees with them.
    again = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=300)
    assert again.stdout in outs
    assert b"parsing the Kconfig tree" not in again.stderr


def test_tampered_cache_is_rebuilt_with_a_notice(
    kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1")
    argv = guest_argv(kernel_trees["6.12"], "6.12", "arm64_defconfig.config")
    first = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=300)
    entries = list((tmp_path / "cache").rglob("*.pickle"))
    assert len(entries) == 1
    data = bytearray(entries[0].read_bytes())
    data[-100] ^= 0xFF  # flip a byte in the pickled payload
    entries[0].write_bytes(bytes(data))
    second = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=300)
    assert b"is corrupt (checksum mismatch); parsing the tree again" in second.stderr
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    third = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=300)
    assert third.stderr == b""
    assert third.stdout == first.stdout
