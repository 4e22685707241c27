"""The CLI's contract without a kernel tree: exit codes, stdout/stderr, input handling."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from kcheck import __version__
from tests.cli.conftest import Invoke

PROFILE = """\
[profile]
name = "mini"
description = "two requirements"

[[requirement]]
id = "virtio-net"
section = "Virtio"
symbol = "VIRTIO_NET"
reason = "the guest's NIC"

[[requirement]]
id = "balloon"
section = "Virtio"
symbol = "VIRTIO_BALLOON"
level = "optional"
reason = "memory ballooning"
"""

GOOD = "# Linux/x86_64 6.12.117 Kernel Configuration\nCONFIG_X86_64=y\nCONFIG_VIRTIO_NET=m\n"
BAD = (
    "# Linux/x86_64 6.12.117 Kernel Configuration\nCONFIG_X86_64=y\n"
    "# CONFIG_VIRTIO_NET is not set\n"
)


def setup(tmp: Path, config_text: str) -> tuple[str, str]:
    (tmp / "mini.toml").write_text(PROFILE)
    (tmp / "my.config").write_text(config_text)
    return str(tmp / "mini.toml"), str(tmp / "my.config")


def test_version(kcheck: Invoke) -> None:
    run = kcheck("--version")
    assert (run.code, run.out, run.err) == (0, f"kcheck, version {__version__}\n", "")


def test_missing_config_is_one_line_exit_2(kcheck: Invoke, tmp_path: Path) -> None:
    run = kcheck("guest", str(tmp_path / "nope.config"))
    assert run.code == 2
    assert run.out == ""
    assert run.err == f"kcheck: error: {tmp_path / 'nope.config'}: no such file\n"


def test_directory_is_exit_2(kcheck: Invoke, tmp_path: Path) -> None:
    run = kcheck("guest", str(tmp_path))
    assert (run.code, run.out) == (2, "")
    assert run.err == (
        f"kcheck: error: {tmp_path}: a directory with no kernel configs in it "
        "(.config, *.config, *defconfig, config-*)\n"
    )


def test_garbage_names_line(kcheck: Invoke, tmp_path: Path) -> None:
    (tmp_path / "junk").write_text("CONFIG_A=y\nthis is not a config\n")
    run = kcheck("guest", str(tmp_path / "junk"))
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith(f"kcheck: error: {tmp_path / 'junk'}:2: not a config line")
    assert run.err.count("\n") == 1


def test_passing_config_without_tree_exit_0(kcheck: Invoke, tmp_path: Path) -> None:
    profile, config = setup(tmp_path, GOOD)
    run = kcheck("check", "--profile", profile, config, "--format", "json")
    assert run.code == 0
    report = json.loads(run.out)
    assert report["schema_version"] == 2
    assert report["exit_code"] == 0
    assert report["tree"] is None
    assert report["arch"] == "x86_64"
    assert report["kernel_version"] == "6.12.117"
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["virtio-net"]["status"] == "pass"
    assert by_id["virtio-net"]["actual"] == "m"
    assert by_id["virtio-net"]["expected"] == "y|m"
    # Without a tree, an option the config does not mention cannot be judged.
    assert by_id["balloon"]["status"] == "unknown"
    assert "no kernel tree found" in run.err


def test_failing_required_is_exit_1(kcheck: Invoke, tmp_path: Path) -> None:
    profile, config = setup(tmp_path, BAD)
    run = kcheck("check", "--profile", profile, config, "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    assert report["exit_code"] == 1
    assert report["results"][0]["status"] == "fail"
    assert report["results"][0]["actual"] == "n"


def test_stdin_and_gzip_give_the_same_report(kcheck: Invoke, tmp_path: Path) -> None:
    profile, config = setup(tmp_path, BAD)
    (tmp_path / "my.config.gz").write_bytes(gzip.compress(BAD.encode()))
    from_file = kcheck("check", "--profile", profile, config, "--format", "json")
    from_stdin = kcheck("check", "--profile", profile, "-", "--format", "json", input=BAD)
    from_gz = kcheck("check", "--profile", profile, config + ".gz", "--format", "json")
    assert json.loads(from_stdin.out)["config"] == "<stdin>"
    for run in (from_stdin, from_gz):
        assert run.code == 1
        assert json.loads(run.out)["results"] == json.loads(from_file.out)["results"]


def test_text_report_has_no_escape_codes_off_a_terminal(kcheck: Invoke, tmp_path: Path) -> None:
    profile, config = setup(tmp_path, BAD)
    run = kcheck("check", "--profile", profile, config)
    assert run.code == 1
    assert "\x1b[" not in run.out
    assert "VIRTIO_NET" in run.out
    assert run.out.rstrip().splitlines()[-1].startswith("FAIL: ")


def test_no_color_beats_force_color(kcheck: Invoke, tmp_path: Path) -> None:
    profile, config = setup(tmp_path, BAD)
    forced = kcheck("check", "--profile", profile, config, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.out
    plain = kcheck("check", "--profile", profile, config, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.out
    assert plain.code == forced.code == 1


def test_broken_profile_is_exit_2_with_line(kcheck: Invoke, tmp_path: Path) -> None:
    _, config = setup(tmp_path, GOOD)
    (tmp_path / "broken.toml").write_text(PROFILE + '\n[[requirement]]\nid = "x"\nbogus = 1\n')
    run = kcheck("check", "--profile", str(tmp_path / "broken.toml"), config)
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith(f"kcheck: error: {tmp_path / 'broken.toml'}:")
    assert run.err.count("\n") == 1


def test_resolve_needs_a_tree(kcheck: Invoke, tmp_path: Path) -> None:
    _, config = setup(tmp_path, GOOD)
    run = kcheck("resolve", config, "-o", str(tmp_path / "out.config"))
    assert run.code == 2
    assert "resolve needs a kernel tree" in run.err
    assert not (tmp_path / "out.config").exists()


def test_unknown_arch_is_usage_error(kcheck: Invoke, tmp_path: Path) -> None:
    _, config = setup(tmp_path, GOOD)
    run = kcheck("guest", config, "--arch", "sparc")
    assert run.code == 2
    assert run.out == ""


def test_profiles_lists_builtins(kcheck: Invoke) -> None:
    run = kcheck("profiles")
    assert run.code == 0
    names = [line.split()[0] for line in run.out.splitlines()]
    for name in ("guest", "guest-virtio-root", "host", "host-bridge", "host-nat", "host-tap"):
        assert name in names


def test_profiles_show_one(kcheck: Invoke) -> None:
    run = kcheck("profiles", "guest")
    assert run.code == 0
    assert 'symbol = "VIRTIO_NET"' in run.out


def test_cache_info_and_clear(kcheck: Invoke, tmp_path: Path) -> None:
    from kcheck.kernel import cache

    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    directory = tmp_path / "cache" / "kcheck"
    meta = {"tree": "/src/linux", "arch": "arm64", "version": "6.12.117", "probes": "from x"}
    cache.write_entry(directory, cache.Entry(key="k", files=[], env={}, payload=1, meta=meta))
    info = kcheck("cache", "info", env=env)
    assert info.code == 0
    lines = info.out.splitlines()
    assert lines[0] == f"cache: {directory}"
    assert re.fullmatch(r"entries: 1, \d+\.\d MB", lines[1]), lines[1]
    assert lines[2].endswith("Linux 6.12.117 arm64 /src/linux (probes from x)")
    cleared = kcheck("cache", "clear", env=env)
    assert (cleared.code, cleared.out) == (0, f"removed 2 file(s) from {directory}\n")
    assert kcheck("cache", "info", env=env).out.splitlines()[1] == "entries: 0, 0.0 MB"
