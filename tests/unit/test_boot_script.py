"""scripts/boot-test.sh (the proof by booting) without booting: its shell files parse and pass
shellcheck, its arguments are checked before anything is installed or built, and its fragments
name only symbols a fragment can set in the real Linux 6.12 tree for their architecture."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kcheck.kernel.dotconfig import parse_dotconfig, read_config
from kcheck.kernel.tree import load_tree

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "boot-test.sh"
BOOT = REPO / "scripts" / "boot"
# The guest's files run under busybox sh: POSIX sh, checked as dash.
GUEST_SCRIPTS = [BOOT / "init", BOOT / "udhcpc.script"]
# Each fragment and the architectures it is merged on.
FRAGMENTS = {
    "userland.config": ("x86_64", "powerpc"),
    "console-x86_64.config": ("x86_64",),
}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)


def test_shell_syntax() -> None:
    assert run("bash", "-n", SCRIPT).returncode == 0
    for path in GUEST_SCRIPTS:
        result = run("sh", "-n", path)
        assert result.returncode == 0, result.stderr


def test_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("shellcheck is missing (Debian package shellcheck; .ci/run installs it)")
        pytest.skip("shellcheck is not installed")
    result = run("shellcheck", SCRIPT, *GUEST_SCRIPTS)
    assert result.returncode == 0, result.stdout


def test_help_names_every_case() -> None:
    result = run("bash", SCRIPT, "--help")
    assert result.returncode == 0
    for case in ("x86_64", "ppce500", "x86_64-unfixed"):
        assert f"\n  {case} " in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unknown option '--bogus'"),
        (["arm64"], "unknown case 'arm64'"),
        (["--fragment", "ppce500"], "--fragment wants CASE=FILE"),
        (["--fragment", "ppce500=/nonexistent/f.config"], "is not a file"),
        (["--timeout", "soon"], "--timeout wants a number"),
        (["--work"], "--work needs a value"),
    ],
)
def test_bad_arguments_exit_2_before_any_work(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run("bash", SCRIPT, "--no-install", "--work", tmp_path / "work", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    # Nothing was fetched, built or written beyond the (empty) work directory itself.
    assert not any(tmp_path.rglob("*.config"))
    assert not (tmp_path / "work" / "cases").exists()


@pytest.mark.parametrize(
    ("fragment", "arch"),
    [(name, arch) for name, arches in FRAGMENTS.items() for arch in arches],
)
def test_fragment_symbols_are_settable(
    kernel_trees: dict[str, Path], fragment: str, arch: str
) -> None:
    # merge_config.sh passes a misspelt or promptless symbol on silently and olddefconfig drops
    # it: the boot would then test a different config than the fragment says.
    config = parse_dotconfig(read_config(str(BOOT / fragment)))
    assert config.assignments
    kconf = load_tree(kernel_trees["6.12"], arch).kconf
    for name in config.assignments:
        sym = kconf.syms.get(name)
        assert sym is not None, f"{fragment}: {name} is not in the 6.12 tree for {arch}"
        assert any(node.prompt for node in sym.nodes), f"{fragment}: {name} has no prompt"
