"""`--fix` on the real trees: where the fragment goes, --in-place, refusals, interruption."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared

CORENET = CORPUS / "6.12" / "corenet32_smp_defconfig.config"


def assignments(text: str) -> set[str]:
    return {line for line in text.splitlines() if line.startswith("CONFIG_")}


def test_fragment_to_stdout_summary_to_stderr(
    kcheck: Invoke, kernel_trees: dict[str, Path]
) -> None:
    run = kcheck("guest", str(CORENET), "--tree", str(kernel_trees["6.12"]), "--fix")
    assert run.code == 0
    lines = assignments(run.out)
    assert {"CONFIG_VIRTIO_PCI=y", "CONFIG_VIRTIO_NET=y", "CONFIG_VIRTIO_BLK=y"} <= lines
    assert "CONFIG_VIRTIO_BALLOON=y" not in lines  # optional: only with --all
    assert "verified: after merging and olddefconfig" in run.err


def test_all_adds_optional(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    tree = str(kernel_trees["6.12"])
    run = kcheck("guest", str(CORENET), "--tree", tree, "--fix", "--all")
    assert run.code == 0
    assert "CONFIG_VIRTIO_BALLOON=y" in assignments(run.out)


def test_output_file_and_fragment_dir(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    configs_dir = tmp_path / "configs"
    configs_dir.mkdir()
    out = tmp_path / "guest.frag"
    run = kcheck(
        "guest",
        str(CORENET),
        "--tree",
        str(kernel_trees["6.12"]),
        "--fix",
        "-o",
        str(out),
        "--fragment-dir",
        str(configs_dir),
        "--format",
        "json",
    )
    assert run.code == 0
    assert out.read_text() == (configs_dir / "kcheck-guest.config").read_text()
    assert '"ok": true' in run.out  # the summary (JSON) on stdout
    assert "CONFIG_VIRTIO_PCI=y" in out.read_text()


def test_in_place_rewrites_atomically_with_backup(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    config = tmp_path / ".config"
    shutil.copy(CORENET, config)
    tree = str(kernel_trees["6.12"])
    run = kcheck("guest", str(config), "--tree", tree, "--fix", "--in-place")
    assert run.code == 0, run.err
    assert (tmp_path / ".config.old").read_text() == CORENET.read_text()
    assert "CONFIG_VIRTIO_NET=y" in config.read_text()
    again = kcheck("guest", str(config), "--tree", tree)
    assert again.code == 0
    # The rewritten config is a fixed point: resolving it changes nothing.
    resolved = kcheck("resolve", str(config), "--tree", tree)
    assert resolved.out == config.read_text()


def test_in_place_refuses_stdin_and_gzip(kcheck: Invoke, tmp_path: Path) -> None:
    run = kcheck("guest", "-", "--fix", "--in-place", input=CORENET.read_text())
    assert run.code == 2
    assert "--in-place needs a config file" in run.err
    gz = tmp_path / "config.gz"
    subprocess.run(["gzip", "-c", str(CORENET)], stdout=gz.open("wb"), check=True)
    run = kcheck("guest", str(gz), "--fix", "--in-place")
    assert run.code == 2
    assert "a gzip file; --in-place writes plain text" in run.err


def test_fix_only_options_need_fix(kcheck: Invoke) -> None:
    run = kcheck("guest", str(CORENET), "--in-place")
    assert (run.code, run.out) == (2, "")
    assert "--in-place only go with --fix" in run.err


def test_without_tree_only_requested_symbols(kcheck: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "c.config"
    config.write_text("CONFIG_PPC=y\nCONFIG_PCI=y\n# CONFIG_VIRTIO_NET is not set\n")
    run = kcheck("guest", str(config), "--fix")
    assert run.code == 0
    assert "dependencies are unverified" in run.out + run.err
    assert "CONFIG_VIRTIO_NET=y" in assignments(run.out)


def test_impossible_requirement_is_exit_1(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    # KVM_E500V2 needs a 32-bit e500v2 core; corenet32 is e500mc.
    profile = tmp_path / "p.toml"
    profile.write_text(
        '[profile]\nname = "e500v2"\ndescription = "x"\n\n[[requirement]]\nid = "kvm"\n'
        'symbol = "KVM_E500V2"\nwant = "y"\nreason = "KVM on e500v2"\n'
    )
    run = kcheck(
        "check",
        "--profile",
        str(profile),
        str(CORENET),
        "--tree",
        str(kernel_trees["6.12"]),
        "--fix",
    )
    assert run.code == 1
    assert "impossible here: kvm (KVM_E500V2 y)" in run.err
    assert "CONFIG_KVM_E500V2" not in run.out


# Runs kcheck with a pause point inside kcheck.output.write_atomic: when the write reaches
# STAGE, the child says so in MARKER and sleeps, so the SIGKILL provably lands inside the
# write. The hooks wrap only the calls write_atomic makes through kcheck.output's own ``os``.
_PAUSED_KCHECK = """
import os, sys, time, types
from kcheck import cli, output

stage, marker = os.environ["KCHECK_TEST_STAGE"], os.environ["KCHECK_TEST_MARKER"]

def pause(where):
    if where == stage:
        with open(marker, "w") as f:
            f.write(where)
        time.sleep(600)

class HalfWriter:
    def __init__(self, f):
        self.f = f
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.f.__exit__(*exc)
    def write(self, text):
        # Half the text is on disk (flushed) when the kill comes.
        self.f.write(text[: len(text) // 2])
        self.f.flush()
        pause("half-written")
        return self.f.write(text[len(text) // 2 :])
    def __getattr__(self, name):
        return getattr(self.f, name)

def fdopen(*args, **kw):
    return HalfWriter(os.fdopen(*args, **kw))

def fsync(fd):
    os.fsync(fd)
    pause("written")

def replace(src, dst):
    pause("before-rename")
    os.replace(src, dst)
    pause("renamed")

output.os = types.SimpleNamespace(
    **{name: getattr(os, name) for name in dir(os) if not name.startswith("__")},
)
output.os.fdopen, output.os.fsync, output.os.replace = fdopen, fsync, replace
sys.argv[0] = "kcheck"
sys.exit(cli.main())
"""


@pytest.mark.parametrize(
    ("stage", "expect"),
    [
        ("half-written", "old"),
        ("written", "old"),
        ("before-rename", "old"),
        ("renamed", "new"),
    ],
)
def test_kill_during_in_place_leaves_old_or_new(
    kernel_trees: dict[str, Path], tmp_path: Path, stage: str, expect: str
) -> None:
    old = CORENET.read_text()
    config = tmp_path / ".config"
    argv = ["guest", str(config), "--tree", str(kernel_trees["6.12"]), "--fix", "--in-place"]
    shutil.copy(CORENET, config)
    done = subprocess.run(
        [sys.executable, "-m", "kcheck", *argv],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    new = config.read_text()
    assert new != old
    (tmp_path / ".config.old").unlink()

    shutil.copy(CORENET, config)
    marker = tmp_path / "paused"
    env = dict(os.environ, KCHECK_TEST_STAGE=stage, KCHECK_TEST_MARKER=str(marker))
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_KCHECK, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Wait for the pause point (or for kcheck to end without reaching it: a failure).
        while not marker.exists() and proc.poll() is None:
            time.sleep(0.02)
        assert marker.exists(), f"kcheck never reached {stage}: {proc.communicate()[1]!r}"
        assert marker.read_text() == stage
        temporary = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        if expect == "old":
            # The write is under way: its temporary file is there, the target untouched.
            [tmp] = temporary
            assert new.startswith(tmp.read_text())
            assert tmp.read_text() != ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert config.read_text() == (old if expect == "old" else new)
    # The backup is taken after the new text is safe on disk and before the rename.
    backup = tmp_path / ".config.old"
    if stage in ("half-written", "written"):
        assert not backup.exists()
    else:
        assert backup.read_text() == old
