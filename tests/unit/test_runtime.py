"""The live host checks (kcheck.runtime) on fake sysroots: every check, every outcome."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from kcheck import runtime
from kcheck.errors import InputError
from kcheck.model import Check, Level, Result, Status
from kcheck.profiles import builtin_profiles
from kcheck.runtime import Listing, System, User, check_host, read_bridge_acl
from tests.sysroots import ALICE, KVM_GID, RELEASE, ROOT, Sysroot, as_nobody, open_sysroot

TUN_DEP = "kernel/drivers/net/tun.ko.xz:\n"
KVM_DEP = (
    "kernel/arch/x86/kvm/kvm.ko.xz:\n"
    "kernel/arch/x86/kvm/kvm-intel.ko.xz: kernel/arch/x86/kvm/kvm.ko.xz\n"
)


@pytest.fixture
def root() -> Iterator[Sysroot]:
    path = open_sysroot()
    yield Sysroot(path)
    shutil.rmtree(path)


def facts(result: Result) -> tuple[str, str | None, str | None, str | None]:
    """What a test checks of a result: status, actual, why (or reason when unknown/n/a), hint."""
    words = result.why
    if result.status in (Status.UNKNOWN, Status.NOT_APPLICABLE):
        words = result.reason  # as for Kconfig results, the reason says why
    return str(result.status), result.actual, words, result.hint


def host(
    root: Sysroot, values: dict[str, str], user: User = ALICE, **scenario: object
) -> dict[str, Result]:
    results = check_host(root.path, config_values=values, user=user, **scenario)  # type: ignore[arg-type]
    assert all(r.check is Check.RUNTIME and r.section == "Runtime" for r in results)
    assert len({r.id for r in results}) == len(results)
    return {r.id: r for r in results}


# -- device nodes ----------------------------------------------------------------------------


def test_device_not_built(root: Sysroot) -> None:
    got = host(root, {"TUN": "n"}, tap=True)["runtime-dev-net-tun"]
    assert facts(got) == (
        "not_applicable",
        None,
        "CONFIG_TUN is not set, so there is no /dev/net/tun to open (the Kconfig result says "
        "what to change)",
        None,
    )
    assert got.symbol == "TUN"


def test_device_missing_built_in(root: Sysroot) -> None:
    got = host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"]
    assert facts(got) == (
        "fail",
        "missing",
        "/dev/kvm does not exist although CONFIG_KVM=y: the driver did not create it "
        "(devtmpfs not on /dev, or the driver failed to start: see dmesg)",
        None,
    )


def test_device_missing_module_not_loaded(root: Sysroot) -> None:
    root.modules(dep=TUN_DEP)
    results = host(root, {"TUN": "m"}, tap=True)
    assert facts(results["runtime-dev-net-tun"]) == (
        "fail",
        "missing",
        "/dev/net/tun does not exist: CONFIG_TUN=m and module tun is not loaded (and no static "
        "node was made for it)",
        "sudo modprobe tun",
    )


def test_device_not_a_character_device(root: Sysroot) -> None:
    root.file("/dev/kvm", "")
    got = host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"]
    assert facts(got) == (
        "fail",
        "not a char device",
        "/dev/kvm is not a character device ('-' in ls -l)",
        None,
    )


def test_device_wrong_number(root: Sysroot) -> None:
    root.chardev("/dev/net/tun", 10, 201)
    got = host(root, {"TUN": "y"}, tap=True)["runtime-dev-net-tun"]
    assert facts(got) == (
        "fail",
        "10:201",
        "/dev/net/tun is character device 10:201, not 10:200 (include/linux/miscdevice.h "
        "TUN_MINOR 200)",
        None,
    )


def test_device_open_to_everyone(root: Sysroot) -> None:
    root.chardev("/dev/net/tun", 10, 200, 0o666)
    got = host(root, {"TUN": "y"}, tap=True)["runtime-dev-net-tun"]
    assert facts(got) == ("pass", "10:200 root:root 0666", None, None)
    assert got.expected == "/dev/net/tun rw"
    assert got.level is Level.REQUIRED


def test_device_group_the_user_is_not_in(root: Sysroot) -> None:
    root.chardev("/dev/kvm", 10, 232, 0o660, gid=KVM_GID)
    got = host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"]
    assert facts(got) == (
        "fail",
        "10:232 root:kvm 0660",
        "alice may not open /dev/kvm read-write: the node is open to group kvm, and alice is "
        "not in it (log in again after joining)",
        "sudo usermod -aG kvm alice",
    )


def test_device_group_the_user_has_joined_but_not_in_this_session(root: Sysroot) -> None:
    root.file("/etc/group", f"root:x:0:\nkvm:x:{KVM_GID}:alice\n")
    root.chardev("/dev/kvm", 10, 232, 0o660, gid=KVM_GID)
    got = host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"]
    assert facts(got)[2:] == (
        "alice may not open /dev/kvm read-write: alice is in group kvm in /etc/group, but not "
        "in this session (log in again, or start a shell in the group)",
        "newgrp kvm",
    )


def test_device_in_the_group_passes(root: Sysroot) -> None:
    root.chardev("/dev/kvm", 10, 232, 0o660, gid=KVM_GID)
    member = User(ALICE.uid, ALICE.gid, frozenset({ALICE.gid, KVM_GID}), "alice")
    got = host(root, {"KVM": "y"}, user=member, kvm=True)["runtime-dev-kvm"]
    assert facts(got) == ("pass", "10:232 root:kvm 0660", None, None)


def test_device_root_only(root: Sysroot) -> None:
    root.chardev("/dev/kvm", 10, 232, 0o600)
    root.chardev("/dev/net/tun", 10, 200, 0o600)
    results = host(root, {"KVM": "y", "TUN": "y"}, kvm=True, tap=True)
    assert facts(results["runtime-dev-kvm"])[2:] == (
        "alice may not open /dev/kvm read-write: the node is root-owned and not open to a group "
        "alice can join; systemd's udev rule gives it to group kvm (mode 0660), and a change by "
        "hand lasts until the next boot",
        "sudo chgrp kvm /dev/kvm && sudo chmod 0660 /dev/kvm && sudo usermod -aG kvm alice",
    )
    assert facts(results["runtime-dev-net-tun"])[2:] == (
        "alice may not open /dev/net/tun read-write: systemd's udev rule makes it mode 0666; a "
        "change by hand lasts until the next boot",
        "sudo chmod 0666 /dev/net/tun",
    )
    root.file("/etc/group", "root:x:0:\n")  # no kvm group yet: the hint makes it
    without_group = host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"]
    assert without_group.hint == (
        "sudo groupadd -r kvm && sudo chgrp kvm /dev/kvm && sudo chmod 0660 /dev/kvm && "
        "sudo usermod -aG kvm alice"
    )
    as_root = host(root, {"KVM": "y"}, user=ROOT, kvm=True)["runtime-dev-kvm"]
    assert facts(as_root) == ("pass", "10:232 root:root 0600", None, None)


def test_device_cannot_be_looked_at_without_root(root: Sysroot) -> None:
    root.chardev("/dev/kvm", 10, 232, 0o666)
    root.at("/dev").chmod(0o700)
    got = as_nobody(lambda: host(root, {"KVM": "y"}, kvm=True)["runtime-dev-kvm"])
    assert facts(got) == ("unknown", None, "cannot look at /dev/kvm: needs root", None)


def test_device_levels_follow_the_caller(root: Sysroot) -> None:
    got = host(
        root, {"VHOST_VSOCK": "y"}, vhost_vsock=True, levels={"VHOST_VSOCK": Level.OPTIONAL}
    )["runtime-dev-vhost-vsock"]
    assert (got.status, got.level) == (Status.INFO, Level.OPTIONAL)


# -- modules ---------------------------------------------------------------------------------


def test_module_loaded(root: Sysroot) -> None:
    root.dir("/sys/module/tun")
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got)[:2] == ("pass", "loaded")
    assert got.symbol == "TUN"
    assert got.expected == "tun loaded"


def test_module_built_in(root: Sysroot) -> None:
    root.modules(builtin="kernel/drivers/net/tun.ko\n")
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got)[:2] == ("pass", "built in")


def test_module_installed_loads_on_first_open(root: Sysroot) -> None:
    root.modules(dep=TUN_DEP, devname="# Device nodes\ntun net/tun c10:200\n")
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got) == ("pass", "installed, loads on first open of /dev/net/tun", None, None)
    assert got.reason == "CONFIG_TUN=m: QEMU needs module tun loaded, or loadable on demand"


def test_module_installed_not_loaded(root: Sysroot) -> None:
    root.modules(dep=KVM_DEP)
    root.file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx sse\n")
    root.dir("/sys/module/kvm")
    results = host(root, {"X86": "y", "KVM": "m", "KVM_INTEL": "m"}, kvm=True)
    assert facts(results["runtime-module-kvm"])[:2] == ("pass", "loaded")
    assert facts(results["runtime-module-kvm-intel"]) == (
        "fail",
        "installed, not loaded",
        "CONFIG_KVM_INTEL=m, kernel/arch/x86/kvm/kvm-intel.ko.xz is installed but not loaded",
        "sudo modprobe kvm_intel",
    )
    as_root = host(root, {"X86": "y", "KVM": "m", "KVM_INTEL": "m"}, user=ROOT, kvm=True)
    assert as_root["runtime-module-kvm-intel"].hint == "modprobe kvm_intel"


def test_module_renamed_found_by_alias(root: Sysroot) -> None:
    root.modules(
        dep="kernel/drivers/net/tuntap.ko:\n",
        alias="alias devname:net/tun tuntap\nalias char-major-10-200 tuntap\n",
    )
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got)[:4] == (
        "fail",
        "installed (now named tuntap), not loaded",
        "CONFIG_TUN=m, kernel/drivers/net/tuntap.ko is installed but not loaded",
        "sudo modprobe tuntap",
    )


def test_module_not_installed(root: Sysroot) -> None:
    root.modules(dep="kernel/fs/ext4/ext4.ko:\n")
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got) == (
        "fail",
        "not installed",
        f"CONFIG_TUN=m but tun.ko is not installed for Linux {RELEASE} (not in "
        f"/lib/modules/{RELEASE}/modules.dep)",
        None,
    )


def test_module_no_modules_for_this_release(root: Sysroot) -> None:
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got)[:3] == (
        "fail",
        "not installed",
        f"CONFIG_TUN=m but there is no /lib/modules/{RELEASE}/modules.dep: no modules are "
        f"installed for Linux {RELEASE}",
    )


def test_module_release_unknown(root: Sysroot) -> None:
    root.at("/proc/sys/kernel/osrelease").unlink()
    got = host(root, {"TUN": "m"}, tap=True)["runtime-module-tun"]
    assert facts(got) == (
        "unknown",
        None,
        "/proc/sys/kernel/osrelease does not say which kernel runs",
        None,
    )


def test_no_module_check_for_built_in_symbols(root: Sysroot) -> None:
    assert list(host(root, {"TUN": "y"}, tap=True)) == ["runtime-dev-net-tun"]


# -- the KVM symbol the CPU needs ------------------------------------------------------------


def cpu(root: Sysroot, values: dict[str, str], cpuinfo: str) -> Result:
    root.file("/proc/cpuinfo", cpuinfo)
    return host(root, values, kvm=True)["runtime-kvm-cpu"]


def test_intel_cpu_with_kvm_intel(root: Sysroot) -> None:
    got = cpu(root, {"X86": "y", "KVM": "y", "KVM_INTEL": "y"}, "flags\t\t: fpu vmx\n")
    assert facts(got)[:2] == ("pass", "Intel VT-x (vmx), KVM_INTEL=y")
    assert got.symbol == "KVM_INTEL"


def test_intel_cpu_with_only_kvm_amd(root: Sysroot) -> None:
    # The profile's any_of passes on KVM_AMD alone; this CPU is Intel.
    got = cpu(root, {"X86": "y", "KVM": "y", "KVM_AMD": "y"}, "flags\t\t: fpu vmx\n")
    assert facts(got) == (
        "fail",
        "Intel VT-x (vmx)",
        "this is a Intel VT-x (vmx) CPU, so KVM needs CONFIG_KVM_INTEL, which the config does "
        "not set",
        None,
    )


def test_amd_cpu_module(root: Sysroot) -> None:
    root.modules(dep="kernel/arch/x86/kvm/kvm-amd.ko:\n")
    root.file("/proc/cpuinfo", "flags\t\t: fpu svm\n")
    results = host(root, {"X86": "y", "KVM": "y", "KVM_AMD": "m"}, kvm=True)
    assert facts(results["runtime-kvm-cpu"])[:2] == ("pass", "AMD-V (svm), KVM_AMD=m")
    assert facts(results["runtime-module-kvm-amd"])[3] == "sudo modprobe kvm_amd"


def test_x86_cpu_without_virtualization(root: Sysroot) -> None:
    values = {"X86": "y", "KVM": "y", "KVM_INTEL": "y"}
    got = cpu(root, values, "flags\t\t: fpu sse hypervisor\n")
    assert facts(got) == (
        "fail",
        "flags: no vmx, no svm",
        "/proc/cpuinfo shows flags: no vmx, no svm: the CPU offers no hardware virtualization "
        "to this system (off in the firmware, or a virtual machine without nested "
        "virtualization)",
        None,
    )
    root.chardev("/dev/kvm", 10, 232)
    got = cpu(root, values, "flags\t\t: fpu sse hypervisor\n")
    assert facts(got)[:3] == (
        "not_applicable",
        None,
        "/proc/cpuinfo shows flags: no vmx, no svm, yet /dev/kvm exists: a KVM back end that "
        "needs neither VT-x nor AMD-V provides it",
    )


PPC_E500MC = (
    "processor\t: 0\ncpu\t\t: e500mc\nclock\t\t: 1200.000000MHz\nrevision\t: 2.0 (pvr 8023 0020)\n"
)
PPC_E6500 = "processor\t: 0\ncpu\t\t: e6500, altivec supported\nrevision\t: 2.0 (pvr 8040 0120)\n"
PPC_E500V2_BY_PVR = "processor\t: 0\ncpu\t\t: unknown (80210030)\nrevision\t: 3.0 (pvr 8021 0030)\n"
PPC_E500V1 = "processor\t: 0\ncpu\t\t: e500\nrevision\t: 2.0 (pvr 8020 0020)\n"
PPC_POWER9 = "processor\t: 0\ncpu\t\t: POWER9, altivec supported\nrevision\t: 2.2 (pvr 004e 1202)\n"


@pytest.mark.parametrize(
    ("values", "cpuinfo", "expected"),
    [
        ({"KVM_E500MC": "y"}, PPC_E500MC, ("pass", "e500mc, KVM_E500MC=y")),
        ({"KVM_E500V2": "y"}, PPC_E500MC, ("fail", "e500mc")),
        ({"KVM_E500MC": "y", "ALTIVEC": "y"}, PPC_E6500, ("pass", "e6500, KVM_E500MC=y")),
        ({"KVM_E500MC": "y"}, PPC_E6500, ("fail", "e6500")),
        ({"KVM_E500V2": "y"}, PPC_E500V2_BY_PVR, ("pass", "e500v2, KVM_E500V2=y")),
        ({"KVM_E500V2": "y"}, PPC_E500V1, ("fail", "cpu e500")),
    ],
)
def test_powerpc_e500_cores(
    root: Sysroot, values: dict[str, str], cpuinfo: str, expected: tuple[str, str]
) -> None:
    got = cpu(root, {"PPC": "y", **values}, cpuinfo)
    assert facts(got)[:2] == expected


def test_powerpc_why_texts(root: Sysroot) -> None:
    got = cpu(root, {"PPC": "y", "KVM_E500MC": "y"}, PPC_E6500)
    assert got.why == (
        "this is a e6500 CPU, so KVM needs CONFIG_ALTIVEC, which the config does not set"
    )
    got = cpu(root, {"PPC": "y"}, PPC_E500V1)
    assert got.why == "KVM supports e500v2 and e500mc/e5500/e6500 cores, not e500v1"


def test_no_cpu_check_off_e500_and_on_arm64(root: Sysroot) -> None:
    root.file("/proc/cpuinfo", PPC_POWER9)
    assert "runtime-kvm-cpu" not in host(root, {"PPC": "y", "KVM": "y"}, kvm=True)
    assert "runtime-kvm-cpu" not in host(root, {"ARM64": "y", "KVM": "y"}, kvm=True)


def test_cpuinfo_missing(root: Sysroot) -> None:
    got = host(root, {"X86": "y"}, kvm=True)["runtime-kvm-cpu"]
    assert facts(got)[:3] == (
        "unknown",
        None,
        "/proc/cpuinfo does not exist: the CPU cannot be told",
    )


# -- bridges ---------------------------------------------------------------------------------


def bridge_results(root: Sysroot, user: User = ALICE, name: str = "br0") -> dict[str, Result]:
    return host(root, {"BRIDGE": "y"}, user=user, bridges=[name])


def test_bridge_missing(root: Sysroot) -> None:
    got = bridge_results(root)["runtime-bridge-br0"]
    assert facts(got) == (
        "fail",
        "missing",
        "there is no network interface br0",
        "sudo ip link add br0 type bridge && sudo ip link set br0 up",
    )


def test_bridge_is_not_a_bridge(root: Sysroot) -> None:
    root.file("/sys/class/net/eth0/flags", "0x1003\n")
    got = bridge_results(root, name="eth0")["runtime-bridge-eth0"]
    assert facts(got) == (
        "fail",
        "not a bridge",
        "eth0 exists but is not a bridge (no /sys/class/net/eth0/bridge)",
        None,
    )


def test_bridge_down(root: Sysroot) -> None:
    root.bridge("br0", flags="0x1002", operstate="down")
    got = bridge_results(root)["runtime-bridge-br0"]
    assert facts(got) == ("fail", "down", "bridge br0 is down", "sudo ip link set br0 up")


@pytest.mark.parametrize(
    ("operstate", "actual"), [("up", "up"), ("down", "up (down)"), ("unknown", "up")]
)
def test_bridge_up(root: Sysroot, operstate: str, actual: str) -> None:
    # A bridge with no ports yet has no carrier: it is up, and QEMU's tap brings the carrier.
    root.bridge("br0", operstate=operstate)
    got = bridge_results(root)["runtime-bridge-br0"]
    assert facts(got)[:2] == ("pass", actual)


def test_bridge_name_too_long(root: Sysroot) -> None:
    got = bridge_results(root, name="a-very-long-name")["runtime-bridge-a-very-long-name"]
    assert facts(got)[:3] == (
        "fail",
        "bad name",
        "'a-very-long-name' cannot be an interface name (1-15 characters)",
    )


HELPER = "/usr/lib/qemu/qemu-bridge-helper"


def test_bridge_helper_missing(root: Sysroot) -> None:
    got = bridge_results(root)["runtime-bridge-helper"]
    assert facts(got) == (
        "fail",
        "missing",
        "qemu-bridge-helper is not installed (looked for /usr/lib/qemu/qemu-bridge-helper, "
        "/usr/libexec/qemu-bridge-helper); it comes with QEMU (Debian: qemu-system-common)",
        None,
    )


def root_owned(path: Path, mode: int) -> None:
    if os.geteuid() != 0:
        pytest.skip("a root-owned file needs root")
    os.chown(path, 0, 0)
    path.chmod(mode)  # after chown, which clears the setuid bit


def test_bridge_helper_not_setuid(root: Sysroot) -> None:
    root_owned(root.file(HELPER), 0o755)
    got = bridge_results(root)["runtime-bridge-helper"]
    assert facts(got) == (
        "fail",
        "-rwxr-xr-x",
        f"{HELPER} is not setuid root and has no file capabilities: run by alice, it cannot "
        "create the tap device",
        f"sudo chown root {HELPER} && sudo chmod u+s {HELPER}",
    )
    assert facts(bridge_results(root, user=ROOT)["runtime-bridge-helper"])[:2] == (
        "pass",
        "-rwxr-xr-x, run by root",
    )


def test_bridge_helper_setuid(root: Sysroot) -> None:
    root_owned(root.file(HELPER), 0o4755)
    got = bridge_results(root)["runtime-bridge-helper"]
    assert facts(got)[:2] == ("pass", "-rwsr-xr-x")


def test_bridge_helper_not_executable_by_the_user(root: Sysroot) -> None:
    root_owned(root.file("/usr/libexec/qemu-bridge-helper"), 0o4750)
    got = bridge_results(root)["runtime-bridge-helper"]
    assert facts(got) == (
        "fail",
        "-rwsr-x---",
        "alice may not run /usr/libexec/qemu-bridge-helper",
        None,
    )


# -- bridge.conf, as qemu-bridge-helper.c reads it -------------------------------------------

ACL = "/etc/qemu/bridge.conf"


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("allow br0\n", True),
        ("allow all\n", True),
        ("  # a comment\n\n\tallow br0   \n", True),
        ("allow\tbr0\n", True),  # a tab separates only when the line has no space
        ("allow br1\n", False),
        ("", False),  # deny by default
        ("allow br0\ndeny br0\n", False),
        ("deny all\nallow br0\n", False),  # a deny wins wherever it is
        ("deny br1\nallow all\n", True),
        ("allow all\ndeny all\n", False),
    ],
)
def test_acl_verdicts(root: Sysroot, text: str, allowed: bool) -> None:
    root.file(ACL, text)
    acl = read_bridge_acl(System.at(root.path, ALICE), ACL)
    assert acl is not None
    assert acl.error is None
    assert acl.verdict("br0")[0] is allowed


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("deny\n", f"{ACL}:1: invalid line 'deny'"),
        ("allow br0\nAllow br1\n", f"{ACL}:2: unknown command 'Allow'"),
        # The command ends at the first space: the trailing blank makes "allow\tbr0" the command.
        ("allow\tbr0 \n", f"{ACL}:1: unknown command 'allow\\tbr0'"),
        ("allow 0123456789abcdef\n", f"{ACL}:1: name '0123456789abcdef' too long"),
    ],
)
def test_acl_errors_reject_the_file(root: Sysroot, text: str, error: str) -> None:
    root.file(ACL, text)
    acl = read_bridge_acl(System.at(root.path, ALICE), ACL)
    assert acl is not None
    assert acl.error == error


def test_acl_includes(root: Sysroot) -> None:
    root.file(ACL, "include /etc/qemu/more.conf\ninclude /etc/qemu/gone.conf\ninclude rel.conf\n")
    # An error in an included file stops that file only, keeping what it read before.
    root.file(
        "/etc/qemu/more.conf", "allow br0\nbogus line\nallow br1\ninclude /etc/qemu/bridge.conf\n"
    )
    root.file("/rel.conf", "allow br2\n")  # relative: from /, where libvirt starts QEMU
    acl = read_bridge_acl(System.at(root.path, ALICE), ACL)
    assert acl is not None
    assert acl.error is None
    assert [(r.name, r.file, r.line) for r in acl.rules] == [
        ("br0", "/etc/qemu/more.conf", 1),
        ("br2", "/rel.conf", 1),
    ]
    assert [acl.verdict(b)[0] for b in ("br0", "br1", "br2")] == [True, False, True]


def acl_result(root: Sysroot, user: User = ALICE) -> Result:
    return bridge_results(root, user)["runtime-bridge-acl-br0"]


def test_acl_check_outcomes(root: Sysroot) -> None:
    assert facts(acl_result(root)) == (
        "fail",
        "no file",
        f"{ACL} does not exist: qemu-bridge-helper refuses every bridge",
        f"sudo mkdir -p /etc/qemu && echo 'allow br0' | sudo tee -a {ACL}",
    )
    assert acl_result(root, ROOT).hint == f"mkdir -p /etc/qemu && echo 'allow br0' | tee -a {ACL}"
    root.file(ACL, "allow br1\n")
    assert facts(acl_result(root)) == (
        "fail",
        "not allowed",
        f"no 'allow br0' or 'allow all' in {ACL}: qemu-bridge-helper denies by default",
        f"echo 'allow br0' | sudo tee -a {ACL}",
    )
    root.file(ACL, "allow all\ndeny br0\n")
    assert facts(acl_result(root)) == (
        "fail",
        "denied",
        f"{ACL}:2: 'deny br0' refuses br0 (a deny wins over any allow)",
        f"remove line 2 of {ACL}",
    )
    root.file(ACL, "allow br0\nallow\n")
    assert facts(acl_result(root))[:3] == (
        "fail",
        "invalid",
        f"{ACL}:2: invalid line 'allow': qemu-bridge-helper rejects the file and refuses every "
        "bridge",
    )
    root.file(ACL, "# bridges for guests\nallow br0\n")
    got = acl_result(root)
    assert facts(got) == ("pass", f"allowed by {ACL}:2", None, None)
    assert got.reason == f"qemu-bridge-helper attaches only to bridges {ACL} allows"
    assert (got.symbol, got.expected) == ("BRIDGE", "allow br0")


def test_acl_needs_root(root: Sysroot) -> None:
    root.file(ACL, "allow br0\n", mode=0o600)
    got = as_nobody(lambda: acl_result(root))
    assert facts(got) == ("unknown", None, f"cannot read {ACL}: needs root", None)
    root.file(ACL, "allow br0\ninclude /etc/qemu/secret.conf\n")
    root.file("/etc/qemu/secret.conf", "deny br0\n", mode=0o600)
    got = as_nobody(lambda: acl_result(root))
    assert facts(got) == (
        "unknown",
        None,
        f"cannot read /etc/qemu/secret.conf (included by {ACL}): needs root",
        None,
    )


# -- NAT -------------------------------------------------------------------------------------

FORWARD = "/proc/sys/net/ipv4/ip_forward"


def test_forwarding(root: Sysroot) -> None:
    got = host(root, {}, nat=True)["runtime-ip-forward"]
    assert facts(got)[:3] == (
        "fail",
        "missing",
        f"{FORWARD} does not exist (no IPv4 in this kernel?)",
    )
    root.file(FORWARD, "0\n")
    got = host(root, {}, nat=True)["runtime-ip-forward"]
    assert facts(got) == (
        "fail",
        "0",
        f"IPv4 forwarding is off ({FORWARD} is 0)",
        "sudo sysctl -w net.ipv4.ip_forward=1",
    )
    assert got.symbol == "INET"
    root.file(FORWARD, "1\n")
    assert facts(host(root, {}, nat=True)["runtime-ip-forward"])[:2] == ("pass", "1")


def test_masquerade_on_a_sysroot_is_unknown(root: Sysroot) -> None:
    got = host(root, {"NFT_MASQ": "m"}, nat=True)["runtime-masquerade"]
    assert facts(got) == (
        "unknown",
        None,
        "firewall rules can be read only on the live system (--sysroot /)",
        None,
    )
    assert (got.symbol, got.level) == ("NFT_MASQ", Level.RECOMMENDED)


def live_masquerade(answer: Listing, calls: list[Sequence[str]]) -> Result:
    def run(argv: Sequence[str]) -> Listing:
        calls.append(tuple(argv))
        return answer

    # NF_TABLES=y: nftables is in the kernel, so its rules may be listed.
    values = {"NF_TABLES": "y", "NFT_MASQ": "y"}
    return runtime.check_masquerade(System.at(Path("/"), ALICE), values.get, run)


def test_masquerade_rule_found() -> None:
    calls: list[Sequence[str]] = []
    ruleset = 'table ip nat {\n\tchain postrouting {\n\t\toifname "eth0" masquerade\n\t}\n}\n'
    got = live_masquerade(Listing(ruleset), calls)
    assert facts(got)[:2] == ("pass", "nft: masquerade")
    assert calls[0] == ("nft", "list", "ruleset")


def test_masquerade_rule_missing_warns() -> None:
    got = live_masquerade(Listing("table inet filter {\n}\n"), [])
    if got.status is Status.PASS:
        pytest.skip("this host has legacy iptables masquerade rules")
    assert facts(got) == (
        "warn",
        "none",
        "the loaded nftables/iptables rules have no masquerade rule",
        "start the guests' NAT network (virsh net-start default), or add a rule: nft add rule "
        "ip nat postrouting oifname UPLINK masquerade",
    )


def test_masquerade_listing_needs_root() -> None:
    problem = "`nft list ruleset` needs root (Operation not permitted (you must be root))"
    got = live_masquerade(Listing(None, problem), [])
    assert facts(got)[:3] == ("unknown", None, f"cannot list the firewall rules: {problem}")


def test_run_listing_of_a_missing_program() -> None:
    assert runtime.run_listing(["kcheck-no-such-program", "list"]) == Listing(
        None, "kcheck-no-such-program is not installed"
    )


# -- tap scripts -----------------------------------------------------------------------------


def test_tap_scripts(root: Sysroot) -> None:
    root.file("/etc/qemu-ifup", "#!/bin/sh\n", 0o755)
    root.file("/etc/qemu-ifdown", "#!/bin/sh\n", 0o700)
    root.dir("/etc/qemu-dir")
    results = host(
        root,
        {},
        tap_scripts=["/etc/qemu-ifup", "no", "/etc/qemu-ifdown", "/etc/none", "/etc/qemu-dir"],
    )
    assert [facts(r)[:2] for r in results.values()] == [
        ("pass", "-rwxr-xr-x"),
        ("fail", "-rwx------"),
        ("fail", "missing"),
        ("fail", "not a file"),
    ]
    assert list(results) == [
        "runtime-tap-script",
        "runtime-tap-script-1",
        "runtime-tap-script-2",
        "runtime-tap-script-3",
    ]
    assert results["runtime-tap-script-1"].hint == "sudo chmod +x /etc/qemu-ifdown"
    assert results["runtime-tap-script-1"].why == "alice may not run /etc/qemu-ifdown"
    assert (
        results["runtime-tap-script-2"].why == "/etc/none does not exist (QEMU then fails to start)"
    )
    assert results["runtime-tap-script"].symbol == "TUN"


def test_default_tap_script_is_qemus() -> None:
    assert runtime.default_tap_script() == "/etc/qemu-ifup"


# -- the whole host --------------------------------------------------------------------------


def test_sysroot_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such directory"):
        check_host(tmp_path / "nope", config_values={})


def test_scenario_order_and_nothing_asked(root: Sysroot) -> None:
    assert check_host(root.path, config_values={}) == ()
    results = host(
        root,
        {"X86": "y", "KVM": "y", "TUN": "m", "VHOST_NET": "y", "VHOST_VSOCK": "n", "BRIDGE": "m"},
        kvm=True,
        tap=True,
        vhost_net=True,
        vhost_vsock=True,
        bridges=["br0", "virbr0"],
        tap_scripts=["/etc/qemu-ifup"],
        nat=True,
    )
    assert list(results) == [
        "runtime-dev-kvm",
        "runtime-kvm-cpu",
        "runtime-dev-net-tun",
        "runtime-module-tun",
        "runtime-dev-vhost-net",
        "runtime-dev-vhost-vsock",
        "runtime-module-bridge",
        "runtime-bridge-br0",
        "runtime-bridge-virbr0",
        "runtime-bridge-helper",
        "runtime-bridge-acl-br0",
        "runtime-bridge-acl-virbr0",
        "runtime-tap-script",
        "runtime-ip-forward",
        "runtime-masquerade",
    ]


def test_live_system_permissions_come_from_the_kernel() -> None:
    # On / the kernel answers (os.access); whatever this machine has, the verdict must agree.
    system = System.at(Path("/"))
    for path in ("/dev/null", "/etc/passwd"):
        st = os.stat(path)
        assert system.may(path, st, os.R_OK | os.W_OK) is os.access(path, os.R_OK | os.W_OK)


def test_runtime_data_is_not_a_profile() -> None:
    assert "host" in builtin_profiles()
    assert not any(name.startswith("runtime") for name in builtin_profiles())
    facts_ = runtime.knowledge()
    assert {d.key for d in facts_.devices} == {"kvm", "tap", "vhost_net", "vhost_vsock"}
    assert {d.minor for d in facts_.devices} == {232, 200, 238, 241}
