"""Atomic writes of files kcheck produces, and refusal of non-regular targets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kcheck.errors import InputError
from kcheck.output import write_atomic


def test_creates_new_file(tmp_path: Path) -> None:
    target = tmp_path / "out.config"
    write_atomic(target, "CONFIG_A=y\n")
    assert target.read_text() == "CONFIG_A=y\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.config"]


def test_replaces_and_keeps_backup_and_mode(tmp_path: Path) -> None:
    target = tmp_path / ".config"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\n", backup=tmp_path / ".config.old")
    assert target.read_text() == "new\n"
    assert (tmp_path / ".config.old").read_text() == "old\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_symlink_to_regular_file_replaces_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.config"
    real.write_text("old\n")
    link = tmp_path / "link.config"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_refuses_device(tmp_path: Path) -> None:
    link = tmp_path / "null.config"
    link.symlink_to("/dev/null")
    with pytest.raises(InputError, match="not a regular file"):
        write_atomic(link, "x\n")
    assert os.path.exists("/dev/null")
    assert not Path("/dev/null").is_file()


def test_refuses_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        write_atomic(fifo, "x\n")


def test_refuses_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory does not exist"):
        write_atomic(tmp_path / "no" / "out", "x\n")
    assert list(tmp_path.iterdir()) == []
