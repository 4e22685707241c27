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
from tests.conftest import SHARED

pytestmark = pytest.mark.shared

CORENET = SHARED / "corpus" / "6.12" / "corenet32_smp_defconfig.config"


@pytest.fixture(scope="module")
def fix_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("fix-cache"))}


def assignments(text: str) -> set[str]:
    return {line for line in text.splitlines() if line.startswith("CONFIG_")}


def test_fragment_to_stdout_summary_to_stderr(
    kcheck: Invoke, kernel_trees: dict[str, Path], fix_env: dict[str, str]
) -> None:
    run = kcheck("guest", str(CORENET), "--tree", str(kernel_trees["6.12"]), "--fix", env=fix_env)
    assert run.code == 0
    lines = assignments(run.out)
    assert {"CONFIG_VIRTIO_PCI=y", "CONFIG_VIRTIO_NET=y", "CONFIG_VIRTIO_BLK=y"} <= lines
    assert "CONFIG_VIRTIO_BALLOON=y" not in lines  # optional: only with --all
    assert "verified: after merging and olddefconfig" in run.err


def test_all_adds_optional(
    kcheck: Invoke, kernel_trees: dict[str, Path], fix_env: dict[str, str]
) -> None:
    tree = str(kernel_trees["6.12"])
    run = kcheck("guest", str(CORENET), "--tree", tree, "--fix", "--all", env=fix_env)
    assert run.code == 0
    assert "CONFIG_VIRTIO_BALLOON=y" in assignments(run.out)


def test_output_file_and_fragment_dir(
    kcheck: Invoke, kernel_trees: dict[str, Path], fix_env: dict[str, str], tmp_path: Path
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
        env=fix_env,
    )
    assert run.code == 0
    assert out.read_text() == (configs_dir / "kcheck-guest.config").read_text()
    assert '"ok": true' in run.out  # the summary (JSON) on stdout
    assert "CONFIG_VIRTIO_PCI=y" in out.read_text()


def test_in_place_rewrites_atomically_with_backup(
    kcheck: Invoke, kernel_trees: dict[str, Path], fix_env: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / ".config"
    shutil.copy(CORENET, config)
    tree = str(kernel_trees["6.12"])
    run = kcheck("guest", str(config), "--tree", tree, "--fix", "--in-place", env=fix_env)
    assert run.code == 0, run.err
    assert (tmp_path / ".config.old").read_text() == CORENET.read_text()
    assert "CONFIG_VIRTIO_NET=y" in config.read_text()
    again = kcheck("guest", str(config), "--tree", tree, env=fix_env)
    assert again.code == 0
    # The rewritten config is a fixed point: resolving it changes nothing.
    resolved = kcheck("resolve", str(config), "--tree", tree, env=fix_env)
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
    kcheck: Invoke, kernel_trees: dict[str, Path], fix_env: dict[str, str], tmp_path: Path
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
        env=fix_env,
    )
    assert run.code == 1
    assert "impossible here: kvm (KVM_E500V2 y)" in run.err
    assert "CONFIG_KVM_E500V2" not in run.out


def test_kill_during_in_place_leaves_old_or_new(
    kernel_trees: dict[str, Path], fix_env: dict[str, str], tmp_path: Path
) -> None:
    old = CORENET.read_text()
    config = tmp_path / ".config"
    argv = [
        sys.executable,
        "-m",
        "kcheck",
        "guest",
        str(config),
        "--tree",
        str(kernel_trees["6.12"]),
        "--fix",
        "--in-place",
    ]
    env = dict(os.environ, **fix_env)
    shutil.copy(CORENET, config)
    subprocess.run(argv, env=env, capture_output=True, check=True, timeout=300)
    new = config.read_text()
    assert new != old
    for delay in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.2):
        shutil.copy(CORENET, config)
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert config.read_text() in (old, new), delay
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        for name in leftovers:  # a killed writer may leave its temporary file, never a half file
            (tmp_path / name).unlink()
