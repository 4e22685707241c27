"""kcheck as a CI gate: --strict, waivers, --quiet, --report, many configs, --jobs, GitHub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke

PROFILE = """\
[profile]
name = "mini"
description = "one required, one recommended"

[[requirement]]
id = "virtio-net"
section = "Virtio"
symbol = "VIRTIO_NET"
reason = "the guest's NIC"

[[requirement]]
id = "vhost-net"
section = "Host"
symbol = "VHOST_NET"
level = "recommended"
reason = "fast path"
"""

HEAD = "# Linux/x86_64 6.12.117 Kernel Configuration\nCONFIG_X86_64=y\n"
ALL_ON = HEAD + "CONFIG_VIRTIO_NET=y\nCONFIG_VHOST_NET=m\n"
NO_VHOST = HEAD + "CONFIG_VIRTIO_NET=y\n# CONFIG_VHOST_NET is not set\n"
NO_NET = HEAD + "# CONFIG_VIRTIO_NET is not set\nCONFIG_VHOST_NET=m\n"


@pytest.fixture
def profile(tmp_path: Path) -> str:
    path = tmp_path / "mini.toml"
    path.write_text(PROFILE)
    return str(path)


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def statuses(out: str) -> dict[str, str]:
    return {r["id"]: r["status"] for r in json.loads(out)["results"]}


def test_strict_fails_a_recommended_miss(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_VHOST)
    assert kcheck("check", "--profile", profile, config).code == 0
    run = kcheck("check", "--profile", profile, config, "--strict", "--format", "json")
    assert run.code == 1
    assert statuses(run.out) == {"virtio-net": "pass", "vhost-net": "fail"}


def test_waive_on_the_command_line(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    run = kcheck(
        "check",
        "--profile",
        profile,
        config,
        "--waive",
        "virtio-net=SR-IOV NICs only",
        "--format",
        "json",
    )
    assert run.code == 0
    result = json.loads(run.out)["results"][0]
    assert (result["status"], result["why"]) == ("waived", "waived: SR-IOV NICs only")


def test_waiver_file_next_to_the_config(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "cfg" / "a.config", NO_NET)
    write(
        tmp_path / "cfg" / ".kcheck-waivers.toml",
        '[[waiver]]\nid = "virtio-net"\nreason = "SR-IOV"\nexpires = 2999-01-01\n',
    )
    run = kcheck("check", "--profile", profile, config)
    assert run.code == 0
    assert "waived" in run.out
    assert "OK: 1 passed, 1 waived" in run.out


def test_expired_waiver_fails_and_says_so(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    waivers = write(
        tmp_path / "w.toml", '[[waiver]]\nid = "virtio-net"\nreason = "x"\nexpires = 2020-01-01\n'
    )
    run = kcheck("check", "--profile", profile, config, "--waivers", waivers)
    assert run.code == 1
    assert f"{waivers}:1: the waiver for virtio-net expired on 2020-01-01" in run.out


def test_unknown_waiver_id_is_exit_2(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    run = kcheck("check", "--profile", profile, config, "--waive", "virtio-nett=typo")
    assert (run.code, run.out) == (2, "")
    assert "waiver for unknown requirement id 'virtio-nett'" in run.err


def test_quiet_shows_only_what_is_not_met(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    loud = kcheck("check", "--profile", profile, config)
    quiet = kcheck("check", "--profile", profile, config, "--quiet")
    assert "VHOST_NET" in loud.out
    assert "VHOST_NET" not in quiet.out
    assert "VIRTIO_NET" in quiet.out
    assert quiet.out.splitlines()[-1] == loud.out.splitlines()[-1] == "FAIL: 1 passed, 1 failed"
    assert quiet.code == loud.code == 1


def test_report_file_keeps_the_summary_on_stderr(
    kcheck: Invoke, profile: str, tmp_path: Path
) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    run = kcheck("check", "--profile", profile, config, "--format", "json", "--report", str(report))
    assert (run.code, run.out) == (1, "")
    assert statuses(report.read_text()) == {"virtio-net": "fail", "vhost-net": "pass"}
    assert f"kcheck: {config}: FAIL: 1 passed, 1 failed\n" in run.err
    assert f"kcheck: report written to {report}\n" in run.err


def test_many_configs_worst_exit_code_and_summary(
    kcheck: Invoke, profile: str, tmp_path: Path
) -> None:
    write(tmp_path / "good.config", ALL_ON)
    write(tmp_path / "bad.config", NO_NET)
    good, bad = "good.config", "bad.config"  # relative to the cwd, so the table has room
    run = kcheck("check", "--profile", profile, good, bad)
    assert run.code == 1
    summary = run.out[run.out.index("Summary") :]
    rows = [line.split() for line in summary.splitlines()[3:]]
    assert [(row[0], row[-1]) for row in rows] == [(good, "OK"), (bad, "FAIL")]


def test_directory_of_configs(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    folder = tmp_path / "configs"
    write(folder / "a.config", ALL_ON)
    write(folder / "b_defconfig", NO_VHOST)
    write(folder / "notes.txt", "not a config")
    run = kcheck("check", "--profile", profile, str(folder), "--format", "json")
    assert run.code == 0
    reports = json.loads(run.out)
    assert [r["config"] for r in reports] == [str(folder / "a.config"), str(folder / "b_defconfig")]


def test_a_bad_config_in_a_batch_is_exit_2_and_the_rest_still_checked(
    kcheck: Invoke, profile: str, tmp_path: Path
) -> None:
    good = write(tmp_path / "good.config", ALL_ON)
    junk = write(tmp_path / "junk.config", "this is not a config\n")
    run = kcheck("check", "--profile", profile, good, junk, "--format", "json")
    assert run.code == 2
    assert [r["config"] for r in json.loads(run.out)] == [good]
    errors = [line for line in run.err.splitlines() if line.startswith("kcheck: error:")]
    assert errors == [
        f"kcheck: error: {junk}:1: not a config line: 'this is not a config' "
        "(expected CONFIG_NAME=value or a # comment)"
    ]


def test_jobs_give_the_same_output(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    configs = [write(tmp_path / f"{i}.config", (ALL_ON, NO_NET, NO_VHOST)[i % 3]) for i in range(6)]
    serial = kcheck("check", "--profile", profile, *configs, "--format", "json")
    parallel = kcheck("check", "--profile", profile, *configs, "--format", "json", "-j", "2")
    assert parallel.code == serial.code == 1
    assert len(json.loads(serial.out)) == 6
    assert parallel.out == serial.out


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "text"])
def test_many_configs_in_every_format(
    kcheck: Invoke, profile: str, tmp_path: Path, fmt: str
) -> None:
    configs = [write(tmp_path / "a.config", ALL_ON), write(tmp_path / "b.config", NO_NET)]
    run = kcheck("check", "--profile", profile, *configs, "--format", fmt)
    assert run.code == 1
    if fmt == "sarif":
        assert [r["properties"]["config"] for r in json.loads(run.out)["runs"]] == configs
    elif fmt == "junit":
        assert run.out.count("<testsuite ") == 2
        assert 'tests="4" failures="1"' in run.out
    else:
        assert all(config in run.out for config in configs)


def test_github_format_under_github_actions(kcheck: Invoke, profile: str, tmp_path: Path) -> None:
    config = write(tmp_path / "a.config", NO_NET)
    run = kcheck("check", "--profile", profile, config, env={"GITHUB_ACTIONS": "true"})
    assert run.code == 1
    assert run.out.startswith("::error file=")
    explicit = kcheck(
        "check", "--profile", profile, config, "--format", "text", env={"GITHUB_ACTIONS": "true"}
    )
    assert explicit.out.startswith("kcheck: profile mini")
