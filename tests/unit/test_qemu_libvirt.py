"""libvirt domains (as virsh dumpxml prints them) -> the same VmDefinition as a command line."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from kcheck.errors import InputError
from kcheck.qemu import derive, parse_command_line, parse_libvirt
from kcheck.qemu.definition import Backend, Drive, Nic, VmDefinition

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "libvirt"


def sample(name: str) -> VmDefinition:
    path = SAMPLES / name
    return parse_libvirt(path.read_text(), str(path))


def test_q35_guest_with_direct_boot() -> None:
    vm = sample("q35-direct-boot.xml")
    assert (vm.binary, vm.machine, vm.machine_origin) == (
        "qemu-system-x86_64",
        "pc-q35-7.2",
        "<type machine='pc-q35-7.2'>",
    )
    assert (vm.cpu, vm.cpu_origin) == ("host", "<cpu mode='host-passthrough'>")
    assert (vm.accel, vm.accel_origin) == (("kvm",), "<domain type='kvm'>")
    assert vm.kernel == "/var/lib/libvirt/boot/vmlinuz-6.12"
    assert (vm.initrd, vm.initrd_origin) == ("/var/lib/libvirt/boot/initrd.img-6.12.gz", "<initrd>")
    assert (vm.append, vm.append_origin) == ("console=ttyS0 root=/dev/vda1 rw", "<cmdline>")
    assert vm.drives == (Drive("virtio", "<disk bus='virtio'>"),)
    assert vm.backends == (
        Backend(
            "network", "<interface type='network'>", "#interface0", libvirt=True, bridge="virbr0"
        ),
    )
    assert vm.nics == (Nic("virtio", "<interface type='network'>", "#interface0"),)
    assert [d.driver for d in vm.devices] == [
        "virtio-serial",
        "virtio-9p",
        "virtserialport",
        "virtio-balloon",
        "virtio-rng",
        "vhost-vsock-pci",
    ]
    assert vm.devices[-1].origin == "<vsock model='virtio'>"
    assert vm.console_outputs == ("<serial type='pty'>", "<console type='pty'>")
    assert vm.warnings == ()


def test_q35_guest_requirements() -> None:
    result = derive(sample("q35-direct-boot.xml"))
    guest = {r.symbol or r.id: r for r in result.guest.requirements}
    assert guest["VIRTIO_NET"].origin == "<interface type='network'>"
    assert guest["VIRTIO_BALLOON"].origin == "<memballoon model='virtio'>"
    assert guest["HW_RANDOM_VIRTIO"].origin == "<rng model='virtio'>"
    assert guest["VIRTIO_VSOCKETS"].origin == "<vsock model='virtio'>"
    assert guest["device-virtio-9p"].origin == "<filesystem type='mount'>"
    assert guest["SERIAL_8250_CONSOLE"].origin == (
        "<serial type='pty'>, <console type='pty'>, <cmdline> console=ttyS0"
    )
    assert guest["RD_GZIP"].origin == "<initrd>"  # the file is absent: its name says gzip
    assert guest["PACKET"].origin == "<interface type='network'>"
    host = {r.id: r for r in result.host.requirements}
    assert {"netdev-tun", "netdev-bridge", "netdev-nf-conntrack", "netdev-masquerade"} <= set(host)
    assert host["device-vhost-vsock"].origin == "<vsock model='virtio'>"
    assert host["kvm-kvm-x86"].origin == "<domain type='kvm'>"
    assert result.kvm
    assert result.kvm_host_arches == ("x86_64",)
    assert result.bridges == ("virbr0",)


def test_ppce500_domain_matches_the_command_line() -> None:
    from_xml = derive(sample("ppce500.xml"))
    from_argv = derive(
        parse_command_line(
            shlex.split(
                "qemu-system-ppc -M ppce500 -cpu e500mc -nographic -nic user,model=virtio "
                "-drive if=virtio,file=rootfs.ext4 -append 'console=ttyS0 root=/dev/vda'"
            )
        )
    )
    assert [(r.id, r.expect) for r in from_xml.guest.requirements] == [
        (r.id, r.expect) for r in from_argv.guest.requirements
    ]
    guest = {r.symbol: r for r in from_xml.guest.requirements if r.symbol}
    assert guest["PPC_QEMU_E500"].origin == "<type machine='ppce500'>"
    assert guest["PPC_E500MC"].origin == "<cpu><model>e500mc</model>"
    assert not from_xml.kvm
    assert from_xml.host.requirements == ()


def test_arm64_virt_domain() -> None:
    vm = sample("arm64-virt.xml")
    assert vm.binary == "qemu-system-aarch64"
    assert [d.driver for d in vm.devices] == [
        "scsi-hd",
        "virtio-scsi",
        "virtio-keyboard-pci",
        "virtio-gpu",
    ]
    result = derive(vm)
    guest = {r.id: r for r in result.guest.requirements}
    assert guest["device-blk-dev-sd"].origin == "<disk bus='scsi'>"
    assert guest["device-virtio-scsi"].origin == "<controller type='scsi' model='virtio-scsi'>"
    assert guest["transport-virtio-pci-generic"].origin == (
        "<interface type='direct'>, <controller type='scsi' model='virtio-scsi'>, "
        "<input bus='virtio'>, <video>"
    )
    assert guest["console-serial-amba-pl011"].origin == "<serial type='pty'>, <console type='pty'>"
    host = {r.id: r for r in result.host.requirements}
    assert host["netdev-macvtap"].origin == "<interface type='direct'>"
    assert host["netdev-vhost-net"].level.value == "required"  # <driver name='vhost'/>
    assert host["kvm-kvm-arm64"].symbol == "KVM"
    assert result.guest_arches == ("arm64",)


def test_bridge_interfaces() -> None:
    result = derive(sample("bridge.xml"))
    assert result.bridges == ("br-lan", "br-dmz")
    host = {r.id: r for r in result.host.requirements}
    assert host["netdev-bridge"].origin == "<interface type='bridge'>"
    # The first interface asks for vhost, the second turns it off: one requirement, required.
    assert host["netdev-vhost-net"].level.value == "required"
    guest = {r.symbol: r for r in result.guest.requirements if r.symbol}
    assert {"VIRTIO_NET", "E1000", "INET"} <= set(guest)


def test_user_networking_session_guest() -> None:
    vm = sample("user-net.xml")
    assert vm.warnings == (f"{SAMPLES / 'user-net.xml'}: <disk device='cdrom'>: not checked",)
    assert vm.accel == ("tcg",)
    result = derive(vm)
    guest = {r.symbol: r for r in result.guest.requirements if r.symbol}
    assert guest["E1000E"].origin == "<interface type='user'>"
    assert guest["PACKET"].level.value == "required"
    assert result.host.requirements == ()
    assert not result.kvm


def test_unknown_device_element_is_a_warning() -> None:
    text = (
        "<domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>"
        "<devices><teleporter model='x'/></devices></domain>"
    )
    assert parse_libvirt(text, "vm.xml").warnings == (
        "vm.xml: <teleporter>: not an element kcheck knows; not checked",
    )


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<domain type='kvm'><name>&lol2;</name></domain>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<domain type='kvm'><name>&secret;</name></domain>
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<domain type='kvm'><os>", "vm.xml:1: not well-formed XML: no element found"),
        (
            "<network><name>default</name></network>",
            "vm.xml: expected a libvirt <domain>, found <network>",
        ),
        (BILLION_LAUGHS, "vm.xml: refused: "),
        (EXTERNAL_ENTITY, "vm.xml: refused: "),
        (
            "<domain type='kvm'><os><type arch='mips'>hvm</type></os></domain>",
            "vm.xml: cannot tell the QEMU program: no known <emulator> and <type arch='mips'>",
        ),
    ],
)
def test_bad_domains(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_libvirt(text, "vm.xml")
    assert caught.value.location_message().startswith(message)
