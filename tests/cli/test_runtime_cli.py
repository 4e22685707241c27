"""``kcheck host`` with the live checks: --sysroot, --runtime/--no-runtime, --bridge, the
reports (text, JSON, SARIF, JUnit, GitHub) and the usage errors."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kcheck.reporters.sarif import artifact_uri
from tests.cli.conftest import Invoke
from tests.sysroots import Sysroot, open_sysroot

CONFIG = """\
CONFIG_X86=y
CONFIG_X86_64=y
CONFIG_KVM=y
CONFIG_KVM_INTEL=y
CONFIG_TUN=m
CONFIG_BRIDGE=y
# CONFIG_VHOST_NET is not set
# CONFIG_VHOST_VSOCK is not set
"""


@pytest.fixture
def system(tmp_path: Path) -> Iterator[tuple[Sysroot, Path]]:
    """A host with /dev/kvm, tun installed but not loaded, br0 up, and no bridge.conf."""
    path = open_sysroot()
    root = Sysroot(path)
    root.chardev("/dev/kvm", 10, 232, 0o666)
    root.file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx\n")
    root.modules(dep="kernel/drivers/net/tun.ko.xz:\n")
    root.bridge("br0")
    config = tmp_path / "host.config"
    config.write_text(CONFIG, encoding="utf-8")
    yield root, config
    shutil.rmtree(path)


GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "runtime-sysroot.txt"


def test_text_report_has_a_runtime_section(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    """The Runtime section and the reasons after it, exactly (refresh on purpose with
    KCHECK_UPDATE_GOLDEN=1)."""
    root, config = system
    run = kcheck("host", "--sysroot", str(root.path), str(config))
    assert run.code == 1
    section = run.out[run.out.index("Runtime\n") :]
    if os.environ.get("KCHECK_UPDATE_GOLDEN"):
        GOLDEN.write_text(section, encoding="utf-8")
    assert section == GOLDEN.read_text(encoding="utf-8")
    assert (
        "  FAIL TUN: /dev/net/tun does not exist: CONFIG_TUN=m and module tun is not loaded (and "
        "no static node was made for it)\n"
        "    run: modprobe tun\n"
    ) in section


def runtime_json(out: str) -> list[dict[str, object]]:
    return [r for r in json.loads(out)["results"] if r["kind"] == "runtime"]


def test_json_report(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, config = system
    run = kcheck("host", "--sysroot", str(root.path), str(config), "--format", "json")
    assert run.code == 1
    got = {r["id"]: r for r in runtime_json(run.out)}
    assert list(got) == [
        "runtime-dev-kvm",
        "runtime-kvm-cpu",
        "runtime-dev-net-tun",
        "runtime-module-tun",
        "runtime-dev-vhost-net",
        "runtime-dev-vhost-vsock",
        "runtime-bridge-br0",
        "runtime-bridge-helper",
        "runtime-bridge-acl-br0",
    ]
    assert got["runtime-module-tun"] == {
        "id": "runtime-module-tun",
        "symbol": "TUN",
        "level": "required",
        "expected": "tun loaded",
        "actual": "installed, not loaded",
        "status": "fail",
        "reason": "CONFIG_TUN=m: QEMU needs module tun loaded, or loadable on demand",
        "section": "Runtime",
        "requested": None,
        "why": "CONFIG_TUN=m, kernel/drivers/net/tun.ko.xz is installed but not loaded",
        "kind": "runtime",
        "origin": None,
        "hint": "modprobe tun",
    }
    # Levels come from the profile's requirement on the symbol: VHOST_VSOCK is optional.
    assert got["runtime-dev-vhost-vsock"]["level"] == "optional"
    assert (got["runtime-dev-kvm"]["status"], got["runtime-dev-kvm"]["symbol"]) == ("pass", "KVM")
    assert got["runtime-bridge-br0"]["status"] == "pass"


def test_no_runtime_and_waivers(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, config = system
    run = kcheck("host", str(config), "--format", "json")  # a file: not the running kernel's
    assert runtime_json(run.out) == []
    base = ("host", "--sysroot", str(root.path), str(config), "--format", "json")
    waived = kcheck(
        *base,
        "--waive",
        "runtime-module-tun=loaded at boot by our image",
        "--waive",
        "runtime-dev-net-tun=made at boot",
        "--waive",
        "runtime-bridge-acl-br0=libvirt only",
        "--waive",
        "runtime-bridge-helper=root runs QEMU",
    )
    statuses = {r["id"]: r["status"] for r in runtime_json(waived.out)}
    assert statuses["runtime-module-tun"] == "waived"
    assert "fail" not in statuses.values()


def test_quiet_and_ci_formats(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, config = system
    base = ("host", "--sysroot", str(root.path), str(config))
    quiet = kcheck(*base, "-q")
    assert "Runtime\n" in quiet.out
    assert "10:232" not in quiet.out  # passing rows are left out
    assert "installed, not loaded" in quiet.out
    sarif = json.loads(kcheck(*base, "--format", "sarif").out)
    finding = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "runtime-module-tun")
    # Not a .config line: the location is the config file as a whole.
    assert finding["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(str(config)), "index": 0}}}
    ]
    assert finding["message"]["text"] == (
        "runtime-module-tun (required): CONFIG_TUN=m, kernel/drivers/net/tun.ko.xz is installed "
        "but not loaded (run: modprobe tun). Needed for: CONFIG_TUN=m: QEMU needs module tun "
        "loaded, or loadable on demand"
    )
    github = kcheck(*base, "--format", "github").out
    assert (
        f"::error file={config},title=kcheck host-bridge%3A runtime-module-tun::"
        "runtime-module-tun (required): CONFIG_TUN=m, kernel/drivers/net/tun.ko.xz is installed "
        "but not loaded (run: modprobe tun). Needed for: CONFIG_TUN=m: QEMU needs module tun "
        "loaded, or loadable on demand"
    ) in github.splitlines()
    junit = kcheck(*base, "--format", "junit").out
    assert '<testcase classname="kcheck.host-bridge" name="runtime-module-tun" time="0">' in junit


def test_net_nat_and_tap_script(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, config = system
    root.file("/proc/sys/net/ipv4/ip_forward", "0\n")
    run = kcheck(
        "host", "--net", "nat", "--tap-script", "/etc/qemu-ifup", "--sysroot", str(root.path),
        str(config), "--format", "json",
    )  # fmt: skip
    got = {r["id"]: r for r in runtime_json(run.out)}
    assert "runtime-bridge-br0" not in got
    assert got["runtime-ip-forward"]["hint"] == "sysctl -w net.ipv4.ip_forward=1"
    assert got["runtime-tap-script"]["actual"] == "missing"
    assert got["runtime-masquerade"]["status"] == "unknown"


def test_bridge_option(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, config = system
    run = kcheck(
        "host", "--bridge", "virbr0", "--sysroot", str(root.path), str(config), "--format", "json"
    )
    ids = [r["id"] for r in runtime_json(run.out)]
    assert "runtime-bridge-virbr0" in ids
    assert "runtime-bridge-br0" not in ids


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--net", "nat", "--bridge", "br1"],
            "kcheck: error: --bridge goes with --net bridge\n",
        ),
        (["--tap-script", "/x"], "kcheck: error: --tap-script goes with --net tap or --net nat\n"),
        (
            ["--no-runtime", "--sysroot", "/"],
            "kcheck: error: --sysroot goes with the live checks; drop --no-runtime\n",
        ),
        (
            ["--runtime", "--fix"],
            "kcheck: error: --runtime and --sysroot do not go with --fix (a fix changes the "
            "config only)\n",
        ),
        (
            ["--runtime", "CONFIG", "CONFIG"],
            "kcheck: error: --runtime and --sysroot check one config, not several\n",
        ),
    ],
)
def test_usage_errors(
    kcheck: Invoke, system: tuple[Sysroot, Path], args: list[str], message: str
) -> None:
    _root, config = system
    run = kcheck("host", *[str(config) if a == "CONFIG" else a for a in args])
    assert (run.code, run.out, run.err) == (2, "", message)


def test_sysroot_that_does_not_exist(kcheck: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "c.config"
    config.write_text(CONFIG, encoding="utf-8")
    run = kcheck("host", "--sysroot", str(tmp_path / "nope"), str(config))
    assert (run.code, run.out, run.err) == (
        2,
        "",
        f"kcheck: error: {tmp_path / 'nope'}: --sysroot: no such directory\n",
    )


def test_sysroot_needs_its_config(kcheck: Invoke, system: tuple[Sysroot, Path]) -> None:
    root, _config = system
    run = kcheck("host", "--sysroot", str(root.path))
    assert run.code == 2
    assert run.err.endswith(
        f"kcheck: error: --sysroot {root.path}: pass the config of that system's kernel too, "
        f"e.g. {root.path}/boot/config-<release>\n"
    )


RUNNING = Path("/proc/config.gz")


@pytest.mark.skipif(not RUNNING.is_file(), reason="needs the running kernel's /proc/config.gz")
def test_runtime_on_another_config_is_an_error(kcheck: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "other.config"
    config.write_text(CONFIG, encoding="utf-8")
    run = kcheck("host", "--runtime", str(config))
    assert run.code == 2
    assert run.out == ""
    assert len(run.err.splitlines()) == 1
    assert run.err.startswith(
        f"kcheck: error: --runtime: {config} is not the running kernel's config "
        "(/proc/config.gz): they differ in "
    )
    assert run.err.endswith(
        "The live checks see only the running kernel; drop --runtime, or run `kcheck host` "
        "with no CONFIG\n"
    )


@pytest.mark.skipif(not RUNNING.is_file(), reason="needs the running kernel's /proc/config.gz")
def test_runtime_on_a_copy_of_the_running_config(kcheck: Invoke, tmp_path: Path) -> None:
    copy = tmp_path / "running.config"
    with gzip.open(RUNNING, "rt", encoding="utf-8") as source:
        copy.write_text("# a copy\n" + source.read(), encoding="utf-8")
    run = kcheck("host", "--runtime", str(copy), "--format", "json")
    assert run.code in (0, 1)
    assert [r["symbol"] for r in runtime_json(run.out)][:1] == ["KVM"]
    plain = kcheck("host", str(copy), "--format", "json")
    assert runtime_json(plain.out) == []


@pytest.mark.skipif(not RUNNING.is_file(), reason="needs the running kernel's /proc/config.gz")
def test_running_kernel_default_and_no_runtime(kcheck: Invoke) -> None:
    run = kcheck("host", "--format", "json")
    live = runtime_json(run.out)
    assert [r["id"] for r in live][:1] == ["runtime-dev-kvm"]
    # Whatever this machine has, nothing is a failure for lack of privilege.
    assert all(r["status"] != "fail" or "needs root" not in str(r["why"]) for r in live)
    assert runtime_json(kcheck("host", "--no-runtime", "--format", "json").out) == []
