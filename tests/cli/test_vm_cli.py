"""``kcheck vm`` on the real trees and corpus: what a QEMU command line asks of the guest and
host kernels, with the option behind each requirement, the architecture checks, the fix, and
bad input. The requirement data itself is tested row by row in tests/unit/test_qemu_*.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Invoke, Run
from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.shared

PPCE500 = [
    "qemu-system-ppc",
    "-M",
    "ppce500",
    "-cpu",
    "e500mc",
    "-m",
    "256",
    "-nographic",
    "-kernel",
    "uImage",
    "-net",
    "nic,model=virtio,macaddr=00:0B:5D:99:82:2B",
    "-net",
    "tap,ifname=tap0,script=no",
]
TINYCONFIG_PPC = REPO / "tests" / "fixtures" / "configs" / "tinyconfig-powerpc-6.12.config"


def corpus(version: str, name: str) -> str:
    return str(CORPUS / version / name)


def results(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every symbol result of a JSON report by symbol (group members included)."""
    out: dict[str, dict[str, Any]] = {}
    stack = list(report["results"])
    while stack:
        result = stack.pop()
        stack += result.get("any_of", []) + result.get("all_of", [])
        if result["symbol"]:
            out.setdefault(result["symbol"], result)
    return out


def guest_json(kcheck: Invoke, tree: Path, config: str, argv: list[str]) -> dict[str, Any]:
    run = kcheck(
        "vm", "--guest", config, "--tree", str(tree), "--no-host", "--format", "json", "--", *argv
    )
    assert run.code in (0, 1), run.err
    document: dict[str, Any] = json.loads(run.out)
    return document


def host_run(kcheck: Invoke, tree: Path, config: str, argv: list[str], *options: str) -> Run:
    """``kcheck vm --host CONFIG --host-tree TREE [OPTIONS] -- ARGV``."""
    return kcheck("vm", "--host", config, "--host-tree", str(tree), *options, "--", *argv)


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_ppce500_fails_mpc85xx_naming_the_machine(
    kcheck: Invoke, kernel_trees: dict[str, Path], version: str
) -> None:
    report = guest_json(
        kcheck, kernel_trees[version], corpus(version, "mpc85xx_smp_defconfig.config"), PPCE500
    )
    found = results(report)
    assert report["exit_code"] == 1
    assert found["PPC_QEMU_E500"]["status"] == "fail"
    assert found["PPC_QEMU_E500"]["origin"] == "-M ppce500"
    assert found["PPC_E500MC"]["status"] == "fail"  # an e500v2 kernel for an e500mc core
    assert found["PPC_E500MC"]["origin"] == "-cpu e500mc"
    assert found["VIRTIO_NET"]["status"] == "fail"
    assert "-net nic,model=virtio" in found["VIRTIO_NET"]["origin"]


@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_ppce500_platform_passes_on_corenet32(
    kcheck: Invoke, kernel_trees: dict[str, Path], version: str
) -> None:
    report = guest_json(
        kcheck, kernel_trees[version], corpus(version, "corenet32_smp_defconfig.config"), PPCE500
    )
    found = results(report)
    machine = {s: r for s, r in found.items() if r["origin"] and "-M ppce500" in r["origin"]}
    assert {"PPC_QEMU_E500", "PHYS_64BIT"} <= set(machine)
    assert {s: r["status"] for s, r in machine.items()} == dict.fromkeys(machine, "pass")
    assert found["PPC_E500MC"]["status"] == "pass"
    # corenet32 has no virtio at all: the NIC still fails, so the run does.
    assert found["VIRTIO_NET"]["status"] == "fail"


def test_every_derived_requirement_carries_its_origin(
    kcheck: Invoke, kernel_trees: dict[str, Path]
) -> None:
    report = guest_json(
        kcheck,
        kernel_trees["6.12"],
        corpus("6.12", "x86_64_defconfig.config"),
        [
            "qemu-system-x86_64",
            "-M",
            "q35",
            "-nographic",
            "-nic",
            "user,model=virtio-net-pci",
            "-drive",
            "if=virtio,file=disk.img,format=raw",
            "-device",
            "virtio-rng-pci",
        ],
    )
    assert report["results"]
    for result in report["results"]:
        assert result["origin"], result
        assert result["kind"] == "kconfig"
    found = results(report)
    assert found["HW_RANDOM_VIRTIO"]["origin"] == "-device virtio-rng-pci"
    assert "-drive if=virtio" in found["VIRTIO_BLK"]["origin"]


def test_vhost_on_with_tun_m_explains_the_cap(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    """Debian's amd64 config has TUN=m; asking VHOST_NET=y gets m, and the report says why."""
    text = Path(corpus("6.12", "debian-amd64-none.config")).read_text()
    assert "CONFIG_TUN=m\n" in text
    assert "CONFIG_VHOST_NET=m\n" in text
    host = tmp_path / "host.config"
    host.write_text(text.replace("CONFIG_VHOST_NET=m\n", "CONFIG_VHOST_NET=y\n"))
    run = host_run(
        kcheck,
        kernel_trees["6.12"],
        str(host),
        [
            "qemu-system-x86_64",
            "-netdev",
            "tap,id=n0,vhost=on",
            "-device",
            "virtio-net-pci,netdev=n0",
        ],
        "--format",
        "json",
    )
    assert run.code == 0, run.err
    vhost = results(json.loads(run.out))["VHOST_NET"]
    assert (vhost["status"], vhost["actual"], vhost["requested"]) == ("pass", "m", "y")
    assert "vhost=on" in vhost["origin"]
    assert "capped at m by" in vhost["why"]
    assert "TUN" in vhost["why"]


def test_bridge_backend_fails_a_host_without_bridge(
    kcheck: Invoke, kernel_trees: dict[str, Path]
) -> None:
    run = host_run(
        kcheck,
        kernel_trees["6.12"],
        corpus("6.12", "x86_64_defconfig.config"),
        [
            "qemu-system-x86_64",
            "-netdev",
            "bridge,id=n0,br=br0",
            "-device",
            "virtio-net-pci,netdev=n0",
        ],
    )
    assert run.code == 1, run.err
    bridge_rows = [line for line in run.out.splitlines() if line.startswith("BRIDGE ")]
    assert bridge_rows
    assert "FAIL" in bridge_rows[0]
    assert "[-netdev bridge" in run.out


def test_guest_config_for_another_arch_fails(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    report = guest_json(
        kcheck, kernel_trees["6.12"], corpus("6.12", "arm64_defconfig.config"), PPCE500
    )
    first = next(r for r in report["results"] if r["id"] == "qemu-guest-arch")
    assert (first["id"], first["status"], first["origin"]) == (
        "qemu-guest-arch",
        "fail",
        "qemu-system-ppc",
    )
    assert "this config is for arm64" in first["reason"]


def test_kvm_on_a_host_of_another_arch_fails(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    run = host_run(
        kcheck,
        kernel_trees["6.12"],
        corpus("6.12", "corenet32_smp_defconfig.config"),
        ["qemu-system-x86_64", "-accel", "kvm", "-nic", "user,model=virtio-net-pci"],
        "--format",
        "json",
    )
    assert run.code == 1, run.err
    first = next(r for r in json.loads(run.out)["results"] if r["id"] == "kvm-host-arch")
    assert first["status"] == "fail"
    assert first["origin"] == "-accel kvm"


def test_unknown_device_is_a_warning_not_a_silent_pass(
    kcheck: Invoke, kernel_trees: dict[str, Path]
) -> None:
    run = kcheck(
        "vm",
        "--guest",
        corpus("6.12", "x86_64_defconfig.config"),
        "--tree",
        str(kernel_trees["6.12"]),
        "--no-host",
        "--format",
        "json",
        "--",
        "qemu-system-x86_64",
        "-device",
        "frobnicator-pci",
    )
    assert "warning:" in run.err
    assert "frobnicator-pci" in run.err
    assert any("frobnicator-pci" in notice for notice in json.loads(run.out)["notices"])


def test_fix_switches_tinyconfig_powerpc_to_e500mc(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    """tinyconfig on powerpc is a Book3S-32 kernel; ppce500 with an e500mc needs PPC_85xx
    and PPC_E500MC, in a 32-bit kernel (qemu-system-ppc): the plan switches the processor
    choice and says so."""
    out = tmp_path / "vm.config"
    base = [
        "vm",
        "--guest",
        str(TINYCONFIG_PPC),
        "--tree",
        str(kernel_trees["6.12"]),
        "--no-host",
        "--fix",
        "-o",
        str(out),
    ]
    run = kcheck(*base, "--", *PPCE500)
    assert run.code == 0, run.err
    # The machine demands the switch: it is said, with what it turns off, not refused.
    assert 'the machine needs "Processor Type" switched from PPC_BOOK3S_32 to PPC_85xx' in run.err
    assert "PPC_BOOK3S_32" in run.err.split("which turns off", 1)[1]
    fragment = out.read_text()
    for line in (
        "CONFIG_PPC_85xx=y",
        "CONFIG_PPC_QEMU_E500=y",
        "CONFIG_PPC_E500MC=y",
        "CONFIG_VIRTIO_NET=y",
        "CONFIG_INET=y",
    ):
        assert line in fragment.splitlines(), line
    assert "switches the choice" in run.out
    assert "verified" in run.out


def test_fix_writes_one_fragment_per_side(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    tree = str(kernel_trees["6.12"])
    run = kcheck(
        "vm",
        "--guest",
        corpus("6.12", "x86_64_defconfig.config"),
        "--tree",
        tree,
        "--host",
        corpus("6.12", "x86_64_defconfig.config"),
        "--host-tree",
        tree,
        "--fix",
        "--fragment-dir",
        str(tmp_path),
        "--",
        "qemu-system-x86_64",
        "-netdev",
        "tap,id=n0,script=no,downscript=no",
        "-device",
        "virtio-net-pci,netdev=n0",
    )
    assert run.code == 0, run.err
    assert "CONFIG_TUN=" in (tmp_path / "kcheck-vm-host.config").read_text()
    assert (tmp_path / "kcheck-vm-guest.config").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-host", "--", "qemu-system-x86_64"], "nothing to check"),
        (["--no-host", "--guest", "x.config", "--", "qemu-system-x86_64", "-netdev"], "-netdev"),
        (["--cmdline", "missing.sh", "--no-host", "--guest", "x.config"], "missing.sh"),
        (["--libvirt", "-", "--guest", "-", "--no-host"], "only one input can be stdin"),
        (
            [
                "--fix",
                "-o",
                "out.config",
                "--guest",
                "x.config",
                "--host",
                "x.config",
                "--",
                "qemu-system-x86_64",
            ],
            "-o takes one fragment",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    kcheck: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "x.config").write_text("CONFIG_X86_64=y\n")
    run = kcheck("vm", *args)
    assert run.code == 2, (run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("kcheck: error: "), run.err
    assert message in lines[0]
    assert not (tmp_path / "out.config").exists()


def test_libvirt_garbage_names_the_file(kcheck: Invoke, tmp_path: Path) -> None:
    domain = tmp_path / "vm1.xml"
    domain.write_text("<domain type='kvm'><name>vm1</name>\n<devices>\n")
    run = kcheck("vm", "--libvirt", str(domain), "--no-host", "--guest", str(domain))
    assert run.code == 2
    assert run.err.startswith(f"kcheck: error: {domain}")


def test_host_side_live_checks_follow_the_command_line(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    """On a fake host: the tap back end asks for /dev/net/tun and its script, not /dev/kvm
    (no -accel kvm); /dev/vhost-net only as recommended (vhost is not asked for)."""
    from tests.sysroots import Sysroot, open_sysroot

    path = open_sysroot()
    try:
        root = Sysroot(path)
        root.chardev("/dev/net/tun", 10, 200, 0o666)
        root.chardev("/dev/kvm", 10, 232, 0o666)
        root.file("/etc/qemu-ifup", "#!/bin/sh\n", mode=0o644)  # not executable
        run = kcheck(
            "vm",
            "--host",
            corpus("6.12", "debian-amd64-none.config"),
            "--host-tree",
            str(kernel_trees["6.12"]),
            "--sysroot",
            str(root.path),
            "--format",
            "json",
            "--",
            "qemu-system-x86_64",
            "-netdev",
            "tap,id=n0,script=/etc/qemu-ifup",
            "-device",
            "virtio-net-pci,netdev=n0",
        )
    finally:
        import shutil

        shutil.rmtree(path)
    live = {r["id"]: r for r in json.loads(run.out)["results"] if r["kind"] == "runtime"}
    assert "runtime-dev-net-tun" in live
    assert live["runtime-dev-net-tun"]["symbol"] == "TUN"
    assert "runtime-dev-kvm" not in live
    assert live["runtime-dev-vhost-net"]["level"] == "recommended"
    scripts = [r for r in live.values() if r["id"].startswith("runtime-tap-script")]
    assert scripts
    assert scripts[0]["status"] == "fail"
    assert run.code == 1
