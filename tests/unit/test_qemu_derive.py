"""VmDefinition -> guest and host requirements: every machine, CPU, device, back end, KVM and
boot row of profiles/qemu is exercised, the classic ppce500 line is checked requirement by
requirement, and every symbol the data names must exist in a real kernel tree."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from kcheck.errors import ProfileError
from kcheck.model import Level, Requirement
from kcheck.profiles import builtin_data, builtin_profiles, iter_requirements
from kcheck.qemu import VmRequirements, derive, parse_command_line, parse_libvirt
from kcheck.qemu.knowledge import Device, Machine, knowledge, load_knowledge

K = knowledge()
ID = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*$")


def run(command: str) -> VmRequirements:
    return derive(parse_command_line(shlex.split(command)))


def by_id(requirements: tuple[Requirement, ...]) -> dict[str, Requirement]:
    return {r.id: r for r in requirements}


def assert_derived(
    found: tuple[Requirement, ...], expected: tuple[Requirement, ...], kind: str, origin: str
) -> None:
    """Each data requirement is there as ``<kind>-<id>``, with the same need and the origin."""
    derived = by_id(found)
    for requirement in expected:
        got = derived.get(f"{kind}-{requirement.id}")
        assert got is not None, f"{kind}-{requirement.id} missing from {sorted(derived)}"
        assert got.symbol == requirement.symbol
        assert got.expect == requirement.expect
        assert origin in (got.origin or "").split(", ")


# -- the line from the issue ------------------------------------------------------------------


def test_the_classic_ppce500_line() -> None:
    result = run(
        "qemu-system-ppc -M ppce500 -cpu e500mc -m 256 -nographic -kernel uImage "
        "-net nic,model=virtio,macaddr=00:0B:5D:99:82:2B -net tap,ifname=tap0,script=qemu-ifup"
    )
    guest = {(r.symbol or r.id): r for r in result.guest.requirements}
    assert guest["PPC_QEMU_E500"].origin == "-M ppce500"
    assert guest["PPC_QEMU_E500"].id == "machine-ppce500-platform"
    assert guest["PHYS_64BIT"].origin == "-M ppce500"
    assert guest["PPC_E500MC"].origin == "-cpu e500mc"
    assert guest["PPC_E500MC"].expect is not None
    assert guest["PPC_E500MC"].expect.text == "y"
    assert guest["VIRTIO_NET"].origin == "-net nic,model=virtio"
    pci = guest["transport-virtio-pci"]
    assert pci.origin == "-net nic,model=virtio"
    assert [(c.symbol, c.expect.text if c.expect else "") for c in pci.children] == [
        ("PCI", "y"),
        ("VIRTIO_PCI", "y|m"),
    ]
    assert guest["INET"].level is Level.REQUIRED
    # Behind a tap the guest may be configured statically: DHCP is a recommendation.
    assert (guest["PACKET"].level, guest["PACKET"].origin) == (Level.RECOMMENDED, "-net tap")
    for symbol in ("SERIAL_8250", "SERIAL_8250_CONSOLE", "SERIAL_OF_PLATFORM"):
        assert guest[symbol].origin == "-nographic"
    # Booted: legacy_serial.c registers ppce500's UART without of_serial.
    assert guest["SERIAL_OF_PLATFORM"].level is Level.OPTIONAL
    host = by_id(result.host.requirements)
    assert (host["netdev-tun"].symbol, host["netdev-tun"].origin) == ("TUN", "-net tap")
    assert host["netdev-vhost-net"].level is Level.RECOMMENDED
    assert result.guest_arches == ("powerpc",)
    assert result.tap_scripts == ("qemu-ifup",)
    assert result.warnings == ()
    assert not result.kvm


def test_ids_are_unique_and_well_formed() -> None:
    result = run(
        "qemu-system-x86_64 -M q35 -enable-kvm -nic user,model=virtio-net-pci "
        "-netdev tap,id=t,vhost=on -device virtio-net-pci,netdev=t -device virtio-rng-pci "
        "-drive if=virtio -kernel k -initrd i.cpio.zst "
        "-append 'console=ttyS0 root=/dev/vda ip=dhcp'"
    )
    for profile in (result.guest, result.host):
        ids = [r.id for r in iter_requirements(profile.requirements)]
        assert len(ids) == len(set(ids))
        assert all(ID.match(i) for i in ids), ids
        assert all(r.origin for r in profile.requirements)


def test_same_need_is_one_requirement_with_joined_origins() -> None:
    result = run(
        "qemu-system-x86_64 -device virtio-net-pci -device virtio-blk-pci -drive if=virtio "
        "-nodefaults"
    )
    pci = by_id(result.guest.requirements)["transport-virtio-pci"]
    assert pci.origin == "-device virtio-net-pci, -device virtio-blk-pci, -drive if=virtio"
    assert [r.id for r in result.guest.requirements].count("transport-virtio-pci") == 1


# -- every row of the data ----------------------------------------------------------------------


def machine_cases() -> list[tuple[str, str]]:
    return [(binary, m.name) for m in K.machines for binary in m.binaries]


@pytest.mark.parametrize(("binary", "name"), machine_cases())
def test_machine_rows(binary: str, name: str) -> None:
    machine = K.machine(name, K.binary(binary))
    assert machine is not None
    result = run(f"{binary} -M {name} -nographic")
    assert_derived(result.guest.requirements, machine.guest, f"machine-{name}", f"-M {name}")
    assert_derived(result.guest.requirements, machine.serial, "console", "-nographic")
    assert result.guest_arches
    for versioned in (pattern.replace("*", "7.2") for pattern in machine.patterns):
        assert K.machine(versioned, K.binary(binary)) is machine


def test_default_machine_and_its_origin() -> None:
    result = run("qemu-system-ppc64 -nographic")
    guest = by_id(result.guest.requirements)
    assert guest["machine-pseries-platform"].origin == "qemu-system-ppc64 (default machine pseries)"
    assert guest["console-hvc-console"].symbol == "HVC_CONSOLE"
    assert result.guest_arches == ("powerpc",)


@pytest.mark.parametrize(
    ("command", "warning"),
    [
        ("qemu-system-aarch64 -cpu max", "qemu-system-aarch64: it has no default machine"),
        ("qemu-system-ppc", "qemu-system-ppc (default machine g3beige): machine 'g3beige' is not"),
        ("qemu-system-x86_64 -M isapc", "-M isapc: machine 'isapc' is not one kcheck knows"),
        ("qemu-system-ppc -M ppce500 -cpu 7400x", "-cpu 7400x: CPU model '7400x' is not one"),
        ("qemu-system-aarch64 -M virt", "-M virt: cortex-a15 is a 32-bit Arm core"),
        ("qemu-system-x86_64 -device virtio-teleport-pci", "-device virtio-teleport-pci: device"),
        ("qemu-system-x86_64 -netdev quantum,id=q", "-netdev quantum: network back end 'quantum'"),
        ("qemu-system-x86_64 -M microvm -device virtio-net-pci", "machine microvm has no PCI bus"),
        ("qemu-system-x86_64 -M microvm -nic user", "machine microvm creates no network card"),
        ("qemu-system-x86_64 -M virt -nodefaults", "machine 'virt' is not one kcheck knows"),
        ("qemu-system-x86_64 -append console=ttyAMA0", "machine pc has no ttyAMA0 console"),
        ("qemu-system-x86_64 -drive if=sd", "a disk on interface 'sd' needs on this machine"),
        ("qemu-system-x86_64 -device virtio-net-pci,netdev=x", "no back end with id 'x'"),
    ],
)
def test_what_kcheck_does_not_know_is_a_warning(command: str, warning: str) -> None:
    warnings = run(command).warnings
    assert any(warning in w for w in warnings), warnings


def cpu_cases() -> list[tuple[str, str]]:
    return [(binary, c.name) for c in K.cpus for binary in c.binaries]


@pytest.mark.parametrize(("binary", "name"), cpu_cases())
def test_cpu_rows(binary: str, name: str) -> None:
    cpu = K.cpu(name, K.binary(binary))
    assert cpu is not None
    machine = next(m for m in K.machines if binary in m.binaries)
    result = run(f"{binary} -M {machine.name} -cpu {name},feature=on -nodefaults")
    assert_derived(result.guest.requirements, cpu.guest, "cpu", f"-cpu {name}")
    assert any(cpu.warning in w for w in result.warnings) if cpu.warning else True
    for alias in cpu.aliases:
        assert K.cpu(alias.upper(), K.binary(binary)) is cpu  # any case, as QEMU's ppc


def test_ppce500_default_cpu_is_e500v2() -> None:
    guest = by_id(run("qemu-system-ppc -M ppce500 -nodefaults").guest.requirements)
    assert guest["cpu-e500-not-e500mc"].origin == "-M ppce500"
    assert guest["cpu-math-emulation"].level is Level.RECOMMENDED


def machine_for(transport: str) -> tuple[str, Machine]:
    name = {"pci": "pc", "mmio": "virt", "other": "pc"}[transport]
    machine = next(m for m in K.machines if m.name == name)
    return machine.binaries[0], machine


def device_cases() -> list[tuple[str, str]]:
    return [
        (device.name, driver)
        for device in K.devices
        for driver in (*device.pci, *device.mmio, *device.other, *device.short)
    ]


@pytest.mark.parametrize(("family", "driver"), device_cases())
def test_device_rows(family: str, driver: str) -> None:
    device: Device = K.device_named(family)
    transport = device.transport_of(driver, "pci")
    binary, machine = machine_for(transport)
    origin = f"-device {driver}"
    cpu = " -cpu max" if binary == "qemu-system-aarch64" else ""  # virt's default is 32-bit
    result = run(f"{binary} -M {machine.name}{cpu} -nodefaults -device {driver}")
    assert_derived(result.guest.requirements, device.guest, "device", origin)
    assert_derived(result.host.requirements, device.host, "device", origin)
    needs = machine.transport(transport)
    assert needs is not None
    assert_derived(result.guest.requirements, needs, "transport", origin)
    if device.nic:
        assert_derived(result.guest.requirements, K.guest_network, "network", origin)
    assert result.warnings == ()


def test_legacy_nic_models_use_the_machine_and_its_default() -> None:
    result = run("qemu-system-x86_64 -M q35 -net nic -net user")
    guest = {r.symbol: r for r in result.guest.requirements if r.symbol}
    assert guest["E1000E"].origin == "-net nic"  # q35's default NIC
    assert (guest["PACKET"].level, guest["PACKET"].origin) == (Level.REQUIRED, "-net user")
    virt = run("qemu-system-aarch64 -M virt -cpu max -nic user")
    assert by_id(virt.guest.requirements)["transport-virtio-pci-generic"].origin == "-nic user"
    spapr = run("qemu-system-ppc64 -M pseries -nic user")
    assert "IBMVETH" in {r.symbol for r in spapr.guest.requirements}


def test_qemu_default_network_is_only_recommended() -> None:
    guest = {r.symbol: r for r in run("qemu-system-x86_64").guest.requirements if r.symbol}
    assert guest["E1000"].level is Level.RECOMMENDED
    assert guest["E1000"].origin == "qemu-system-x86_64 (default -net nic -net user)"
    assert guest["INET"].level is Level.RECOMMENDED


def netdev_cases() -> list[str]:
    return [n.type for n in K.netdevs if n.type]


@pytest.mark.parametrize("type_", netdev_cases())
def test_netdev_rows(type_: str) -> None:
    netdev = K.netdev(type_)
    assert netdev is not None
    result = run(f"qemu-system-x86_64 -netdev {type_},id=n0 -device virtio-net-pci,netdev=n0")
    origin = f"-netdev {type_}"
    assert_derived(result.host.requirements, netdev.host, "netdev", origin)
    assert_derived(result.host.requirements, netdev.vhost, "netdev", origin)
    packet = {r.symbol: r for r in result.guest.requirements}.get("PACKET")
    if netdev.dhcp is None:
        assert packet is None
    else:
        assert packet is not None
        assert (packet.level, packet.origin) == (netdev.dhcp, origin)
    assert result.warnings == ()


def libvirt_netdev_cases() -> list[str]:
    return [kind for n in K.netdevs for kind in n.libvirt]


@pytest.mark.parametrize("kind", libvirt_netdev_cases())
def test_libvirt_interface_rows(kind: str) -> None:
    netdev = K.libvirt_netdev(kind)
    assert netdev is not None
    xml = (
        "<domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        f"<interface type='{kind}'><model type='virtio'/></interface></devices></domain>"
    )
    result = derive(parse_libvirt(xml, "vm.xml"))
    origin = f"<interface type='{kind}'>"
    assert_derived(result.host.requirements, netdev.host, "netdev", origin)
    assert "VIRTIO_NET" in {r.symbol for r in result.guest.requirements}


def test_vhost_on_is_required_and_off_is_nothing() -> None:
    on = by_id(run("qemu-system-x86_64 -netdev tap,id=n,vhost=on").host.requirements)
    assert on["netdev-vhost-net"].level is Level.REQUIRED
    assert on["netdev-vhost-net"].origin == "-netdev tap,vhost=on"
    off = by_id(run("qemu-system-x86_64 -netdev tap,id=n,vhost=off").host.requirements)
    assert "netdev-vhost-net" not in off


def test_bridge_default_and_named_bridges() -> None:
    result = run("qemu-system-x86_64 -netdev bridge,id=a -netdev bridge,id=b,br=br1")
    assert result.bridges == ("br0", "br1")
    host = by_id(result.host.requirements)
    assert host["netdev-bridge"].origin == "-netdev bridge"
    assert host["netdev-tun"].symbol == "TUN"


def kvm_cases() -> list[str]:
    return [k.name for k in K.kvm]


@pytest.mark.parametrize("flavour", kvm_cases())
def test_kvm_rows(flavour: str) -> None:
    machine = next(m for m in K.machines if m.kvm == flavour)
    binary = machine.binaries[0]
    only = run(f"{binary} -M {machine.name} -accel kvm -nodefaults")
    rows = K.kvm_flavour(flavour).host
    assert_derived(only.host.requirements, rows, "kvm", "-accel kvm")
    assert {r.level for r in only.host.requirements} == {Level.REQUIRED}
    assert only.kvm
    fallback = run(f"{binary} -M {machine.name},accel=kvm:tcg -nodefaults")
    assert_derived(fallback.host.requirements, rows, "kvm", "-M accel=kvm:tcg")
    assert {r.level for r in fallback.host.requirements} == {Level.RECOMMENDED}


def test_e500_kvm_picks_the_host_cpu_with_when() -> None:
    host = by_id(run("qemu-system-ppc -M ppce500 -enable-kvm -nodefaults").host.requirements)
    assert host["kvm-kvm-e500mc"].when == "PPC_E500MC"
    assert host["kvm-kvm-e500v2"].when is not None
    assert "!PPC_E500MC" in host["kvm-kvm-e500v2"].when


# -- boot ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in K.compressions])
def test_initrd_compression_from_its_magic(tmp_path: Path, name: str) -> None:
    compression = next(c for c in K.compressions if c.name == name)
    initrd = tmp_path / "initrd.img"  # an extension that says nothing
    initrd.write_bytes(compression.magic[0] + b"\0" * 16)
    result = run(f"qemu-system-x86_64 -nodefaults -kernel k -initrd {initrd}")
    origin = f"-initrd {initrd}"
    assert_derived(result.guest.requirements, K.initrd, "boot", origin)
    assert_derived(result.guest.requirements, compression.guest, "boot", origin)
    rd = {r.symbol for r in result.guest.requirements if r.symbol.startswith("RD_")}
    assert rd == {r.symbol for r in compression.guest}
    assert result.warnings == ()


def test_initrd_in_a_command_file_is_found_beside_it(tmp_path: Path) -> None:
    (tmp_path / "rootfs.img").write_bytes(b"\xfd7zXZ\0")
    assert (tmp_path / "rootfs.img").read_bytes()[:2] == bytes.fromhex("fd37")
    script = tmp_path / "run.sh"
    script.write_text("qemu-system-x86_64 -nodefaults -kernel k -initrd rootfs.img\n")
    from kcheck.qemu import parse_command_file

    symbols = {r.symbol for r in derive(parse_command_file(str(script))).guest.requirements}
    assert "RD_XZ" in symbols


def test_initrd_by_extension_and_unknown() -> None:
    zst = run("qemu-system-x86_64 -nodefaults -kernel k -initrd /nonexistent/rootfs.cpio.zst")
    assert "RD_ZSTD" in {r.symbol for r in zst.guest.requirements}
    unknown = run("qemu-system-x86_64 -nodefaults -kernel k -initrd /nonexistent/rootfs")
    assert any("cannot tell how the initrd is compressed" in w for w in unknown.warnings)


@pytest.mark.parametrize(
    ("command", "symbols", "origin"),
    [
        (
            "qemu-system-x86_64 -append console=ttyS0,115200",
            {"SERIAL_8250_CONSOLE"},
            "console=ttyS0,115200",
        ),
        (
            "qemu-system-aarch64 -M virt -cpu max -append console=ttyAMA0",
            {"SERIAL_AMBA_PL011"},
            "console=ttyAMA0",
        ),
        ("qemu-system-x86_64 -append console=hvc0", {"VIRTIO_CONSOLE"}, "console=hvc0"),
        ("qemu-system-ppc64 -M pseries -append console=hvc0", {"HVC_CONSOLE"}, "console=hvc0"),
        ("qemu-system-x86_64 -append console=tty0", {"VT_CONSOLE"}, "console=tty0"),
    ],
)
def test_console_rows(command: str, symbols: set[str], origin: str) -> None:
    result = run(command + " -nodefaults")
    found = {r.symbol: r for r in result.guest.requirements if r.symbol}
    for symbol in symbols:
        assert found[symbol].origin == f"-append {origin}"
        expect = found[symbol].expect
        assert expect is not None
        assert expect.text == "y"


@pytest.mark.parametrize(
    ("ip", "mode"),
    [
        ("dhcp", "dhcp"),
        ("on", "dhcp"),
        ("10.0.2.15::10.0.2.2:255.255.255.0::eth0:off", "static"),
        ("::::::dhcp", "dhcp"),
        ("off", "off"),
    ],
)
def test_ip_rows(ip: str, mode: str) -> None:
    row = next(m for m in K.ip_modes if m.name == mode)
    result = run(f"qemu-system-x86_64 -nic user,model=virtio -append ip={ip}")
    assert_derived(result.guest.requirements, row.guest, "network", f"-append ip={ip}")
    packet = [r for r in result.guest.requirements if r.symbol == "PACKET"]
    # The kernel sets the address itself: no DHCP client in userspace is needed.
    assert bool(packet) is (not row.configures)


def test_root_on_virtio_blk_without_initrd_is_built_in() -> None:
    result = run(
        "qemu-system-x86_64 -nodefaults -kernel k -drive if=virtio,file=d "
        "-append 'root=/dev/vda1 console=ttyS0'"
    )
    guest = by_id(result.guest.requirements)
    assert guest["device-virtio-blk"].expect is not None
    assert guest["device-virtio-blk"].expect.text == "y|m"
    root = guest["root-virtio-blk"]
    assert (root.symbol, root.origin) == ("VIRTIO_BLK", "-append root=/dev/vda1")
    assert root.expect is not None
    assert root.expect.text == "y"
    transport = guest["root-virtio-pci"]
    assert [c.expect.text for c in transport.children if c.expect] == ["y", "y"]
    with_initrd = run("qemu-system-x86_64 -nodefaults -kernel k -initrd i.gz -append root=/dev/vda")
    assert "root-virtio-blk" not in by_id(with_initrd.guest.requirements)


def test_root_follows_the_disk_transport() -> None:
    result = run(
        "qemu-system-aarch64 -M virt -cpu max -nodefaults -device virtio-blk-device "
        "-append root=/dev/vda"
    )
    guest = by_id(result.guest.requirements)
    assert guest["root-virtio-mmio"].expect is not None
    assert guest["root-virtio-mmio"].expect.text == "y"


# -- the data itself -----------------------------------------------------------------------------


def test_qemu_data_is_not_listed_as_profiles() -> None:
    assert builtin_data("qemu").is_dir()
    assert not [name for name in builtin_profiles() if "qemu" in name or "/" in name]


def test_every_row_cites_its_source() -> None:
    rows = [
        *K.binaries,
        *K.machines,
        *K.cpus,
        *K.kvm,
        *K.devices,
        *K.netdevs,
        *K.compressions,
        *K.consoles,
        *K.ip_modes,
        *K.roots,
        *K.libvirt_devices,
    ]
    assert all(getattr(row, "source", "").strip() for row in rows)


def test_bad_data_names_file_and_line(tmp_path: Path) -> None:
    data = Path(str(builtin_data("qemu")))
    for file in data.glob("*.toml"):
        (tmp_path / file.name).write_text(file.read_text())
    machines = tmp_path / "machines.toml"
    text = machines.read_text().replace('kvm = "arm64"', 'kvm = "arm65"', 1)
    machines.write_text(text)
    line = text.splitlines().index('kvm = "arm65"') + 1
    with pytest.raises(ProfileError) as caught:
        load_knowledge(tmp_path)
    assert caught.value.location_message() == (
        f"{tmp_path}/machines.toml:{line}: no [[kvm]] named 'arm65' in kvm.toml"
    )
    machines.write_text(
        text.replace('kvm = "arm65"', 'kvm = "arm64"').replace(
            'symbol = "PHYS_64BIT"', 'symbol = "phys_64bit"'
        )
    )
    with pytest.raises(ProfileError, match=r"machines\.toml:[0-9]+: symbol 'phys_64bit'"):
        load_knowledge(tmp_path)


def _defined_symbols(tree: Path) -> dict[str, set[str]]:
    """Symbols of a Kconfig tree by where they are defined: "common" or the arch directory."""
    found: dict[str, set[str]] = {}
    pattern = re.compile(r"^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*$", re.MULTILINE)
    for path in tree.rglob("Kconfig*"):
        parts = path.relative_to(tree).parts
        where = parts[1] if parts[0] == "arch" and len(parts) > 2 else "common"
        for name in pattern.findall(path.read_text(errors="replace")):
            found.setdefault(name, set()).add(where)
    return found


_ARCH_DIRS = {
    "x86": "x86",
    "x86_64": "x86",
    "i386": "x86",
    "arm64": "arm64",
    "powerpc": "powerpc",
    "ppc32": "powerpc",
    "ppc64": "powerpc",
}


def _all_requirements() -> list[Requirement]:
    lists: list[tuple[Requirement, ...]] = [K.guest_network, K.dhcp, K.initrd]
    for m in K.machines:
        lists += [m.guest, m.pci or (), m.mmio or (), m.serial, m.ide or (), m.scsi or ()]
    lists += [c.guest for c in K.cpus] + [k.host for k in K.kvm]
    lists += [d.guest for d in K.devices] + [d.host for d in K.devices]
    lists += [n.host for n in K.netdevs] + [n.vhost for n in K.netdevs]
    lists += [c.guest for c in K.compressions] + [c.guest for c in K.consoles]
    lists += [i.guest for i in K.ip_modes]
    return [r for group in lists for r in iter_requirements(group)]


@pytest.mark.shared
def test_every_symbol_in_the_data_exists_in_a_real_tree(kernel_trees: dict[str, Path]) -> None:
    trees = [_defined_symbols(path) for path in kernel_trees.values()]
    missing = []
    for requirement in _all_requirements():
        if not requirement.symbol:
            continue
        arches = {_ARCH_DIRS[a] for a in requirement.arch} or set(_ARCH_DIRS.values())
        places = set().union(*(tree.get(requirement.symbol, set()) for tree in trees))
        if not places & ({"common"} | arches):
            missing.append((requirement.symbol, requirement.location.line, sorted(places)))
    assert missing == []
