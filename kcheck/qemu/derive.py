"""A virtual machine's kernel requirements: :class:`VmDefinition` -> :class:`VmRequirements`.

Everything QEMU-specific comes from the knowledge (profiles/qemu/*.toml); this module only
walks the definition and applies a few rules of its own, each written once here:

- every derived requirement carries the ``origin`` that asked for it; two options that need
  the same thing (same symbol or group, same want) share one requirement, their origins joined
  with ", " and the stronger level kept;
- derived ids are ``<kind>-<data id>`` (``machine-ppce500-platform``, ``device-virtio-net``),
  unique and stable;
- a root filesystem on a disk without an initramfs needs the disk's driver and transport
  built in (``y|m`` becomes ``y``), and so does the console the kernel boots with;
- a level in the data is for the explicit case: vhost left to its default, KVM with a
  fallback accelerator and QEMU's default network lower it to recommended.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kcheck import arches
from kcheck.engine import expand_arch_names
from kcheck.kernel.dotconfig import KNOWN_ARCHES
from kcheck.model import Expectation, Level, Location, NodeKind, Profile, Requirement, Tristate
from kcheck.qemu.definition import Backend, VmDefinition
from kcheck.qemu.knowledge import (
    Binary,
    Compression,
    Device,
    IpMode,
    Knowledge,
    Machine,
    Netdev,
    knowledge,
    reid,
    with_level,
)

__all__ = ["VmRequirements", "derive"]

_RANK = {Level.OPTIONAL: 0, Level.RECOMMENDED: 1, Level.REQUIRED: 2}


@dataclass(frozen=True)
class VmRequirements:
    """What a VM needs of its guest and host kernels, and what the lead checks beside them."""

    vm: VmDefinition
    guest: Profile  # name "vm-guest", path = the VM's source
    host: Profile  # name "vm-host"
    guest_arches: tuple[str, ...]  # kernel arches (x86_64, i386, arm64, powerpc) it runs
    kvm: bool  # acceleration kvm asked for
    kvm_host_arches: tuple[str, ...]  # host kernel arches that can run this guest with KVM
    bridges: tuple[str, ...]  # host bridges the back ends use
    tap_scripts: tuple[str, ...]  # script=/downscript= of tap back ends (not "no")
    warnings: tuple[str, ...]  # what kcheck did not know or could not check


def _key(requirement: Requirement) -> tuple[object, ...]:
    """What makes two requirements the same need, whatever their id, reason and origin."""
    expect = requirement.expect
    return (
        requirement.kind,
        requirement.symbol,
        requirement.aliases,
        None if expect is None else (expect.allowed, expect.op, expect.operand),
        requirement.arch,
        requirement.when,
        tuple(_key(child) for child in requirement.children),
    )


def _builtin(requirement: Requirement) -> Requirement:
    """The requirement with every tristate want that allows y narrowed to y (built in)."""
    expect = requirement.expect
    if expect is not None and expect.is_tristate and Tristate.Y in expect.allowed:
        expect = Expectation(text="y", allowed=(Tristate.Y,))
    return replace(
        requirement, expect=expect, children=tuple(_builtin(c) for c in requirement.children)
    )


def _capped(requirement: Requirement, cap: Level | None) -> Requirement:
    if cap is None or _RANK[requirement.level] <= _RANK[cap]:
        return requirement
    return with_level(requirement, cap)


@dataclass
class _Collector:
    """Derived requirements of one side, merged by what they need."""

    section: str
    found: dict[tuple[object, ...], Requirement] = field(default_factory=dict)

    def add(
        self,
        requirements: Iterable[Requirement],
        kind: str,
        origin: str,
        *,
        cap: Level | None = None,
        builtin: bool = False,
    ) -> None:
        for requirement in requirements:
            derived = _capped(reid(requirement, f"{kind}-{requirement.id}"), cap)
            if builtin:
                derived = _builtin(derived)
            key = _key(derived)
            earlier = self.found.get(key)
            if earlier is None:
                self.found[key] = replace(
                    derived,
                    id=self._free_id(derived.id),
                    origin=origin,
                    section=derived.section or self.section,
                )
                continue
            origins = (earlier.origin or "").split(", ")
            stronger = max(earlier.level, derived.level, key=_RANK.__getitem__)
            self.found[key] = replace(
                with_level(earlier, stronger),
                origin=", ".join([*origins, origin]) if origin not in origins else earlier.origin,
            )

    def _free_id(self, wanted: str) -> str:
        taken = {r.id for r in self.found.values()}
        candidate, number = wanted, 2
        while candidate in taken:
            candidate, number = f"{wanted}-{number}", number + 1
        return candidate

    def requirements(self) -> tuple[Requirement, ...]:
        return tuple(self.found.values())


@dataclass
class _Derivation:
    vm: VmDefinition
    k: Knowledge
    binary: Binary | None
    machine: Machine | None
    guest: _Collector = field(default_factory=lambda: _Collector("QEMU guest"))
    host: _Collector = field(default_factory=lambda: _Collector("QEMU host"))
    warnings: list[str] = field(default_factory=list)
    bridges: list[str] = field(default_factory=list)
    tap_scripts: list[str] = field(default_factory=list)

    @property
    def short_transport(self) -> str:
        return self.binary.virtio_transport if self.binary else "pci"

    def device(
        self,
        device: Device,
        driver: str,
        origin: str,
        *,
        cap: Level | None = None,
        builtin: bool = False,
        kind: str = "device",
    ) -> None:
        transport = device.transport_of(driver, self.short_transport)
        self.guest.add(device.guest, kind, origin, cap=cap, builtin=builtin)
        self.host.add(device.host, kind, origin, cap=cap)
        if self.machine is None:
            return
        needs = self.machine.transport(transport)
        if needs is None:
            self.warnings.append(
                f"{origin}: machine {self.machine.name} has no {transport.upper()} bus for "
                f"{driver}; its transport is not checked"
            )
            return
        self.guest.add(
            needs, "transport" if kind == "device" else kind, origin, cap=cap, builtin=builtin
        )

    def nic(
        self, model: str | None, origin: str, backends: Sequence[Backend], cap: Level | None = None
    ) -> None:
        name = model or (self.machine.default_nic if self.machine else "")
        if not name:
            where = f"machine {self.machine.name}" if self.machine else "this machine"
            self.warnings.append(
                f"{origin}: {where} creates no network card from it (add -device ...); "
                "no NIC requirement derived"
            )
            return
        device = self.k.device(name)
        if device is None:
            self.warnings.append(
                f"{origin}: NIC model {name!r} is not one kcheck knows; not checked"
            )
            return
        self.device(device, name, origin, cap=cap)
        self.network(origin, backends, cap)

    def network(self, origin: str, backends: Sequence[Backend], cap: Level | None) -> None:
        """A usable guest network: the stack, and an address (DHCP or the kernel's ip=)."""
        self.guest.add(self.k.guest_network, "network", origin, cap=cap)
        if self.kernel_configures_ip():
            return
        for backend in backends:
            row = self.netdev_row(backend)
            if row is not None and row.dhcp is not None:
                level = row.dhcp if cap is None else min(row.dhcp, cap, key=_RANK.__getitem__)
                self.guest.add(self.k.dhcp, "network", backend.origin, cap=level)

    def netdev_row(self, backend: Backend) -> Netdev | None:
        return (
            self.k.libvirt_netdev(backend.type) if backend.libvirt else self.k.netdev(backend.type)
        )

    def kernel_configures_ip(self) -> bool:
        return any(mode.configures for mode, _ in self.ip_modes())

    def ip_modes(self) -> list[tuple[IpMode, str]]:
        found: list[tuple[IpMode, str]] = []
        for value in _params(self.vm.append, "ip"):
            autoconf = value.split(":")[6] if value.count(":") >= 6 else ""
            for mode in self.k.ip_modes:
                if (":" not in value and value in mode.short) or (
                    ":" in value and autoconf in mode.autoconf
                ):
                    found.append((mode, value))
                    break
            else:
                self.warnings.append(f"{self.vm.append_origin} ip={value}: not understood")
        return found


def _params(append: str, name: str) -> list[str]:
    """The values of ``name=`` on a kernel command line, in order."""
    return [word.split("=", 1)[1] for word in append.split() if word.startswith(f"{name}=")]


def _kernel_arches(binary: Binary | None, machine: Machine | None) -> tuple[str, ...]:
    if binary is None:
        return ()
    if machine is None or not machine.profile_arches:
        return binary.kernel_arches
    wanted = expand_arch_names(machine.profile_arches) & frozenset(KNOWN_ARCHES)
    return tuple(arch for arch in binary.kernel_arches if arch in wanted)


def _flavours(
    vm: VmDefinition, binary: Binary | None, machine: Machine | None
) -> tuple[Requirement, ...]:
    """What the emulator and machine ask of a kernel's word size, as requirements.

    qemu-system-ppc emulates 32-bit CPUs only, so a PowerPC guest must be a 32-bit kernel
    (PPC32, i.e. PPC64=n); qemu-system-i386 runs only i386 kernels. For each family the
    emulator runs, when some of its flavours (arches.ARCHES) are not among those the binary
    and machine run (binaries.toml / machines.toml ``profile_arches``), the kernel must be
    one that is: one requirement per family, on its flavours' symbols. A fix can then turn
    a 64-bit config into a 32-bit one, which an architecture check alone could not.
    """
    if binary is None:
        return ()
    runs = set(expand_arch_names(binary.profile_arches))
    if machine is not None and machine.profile_arches:
        runs &= set(expand_arch_names(machine.profile_arches))
    out = []
    for family in dict.fromkeys(a.family for a in arches.ARCHES if a.name in runs):
        flavours = [a for a in arches.ARCHES if a.family == family]
        allowed = [a for a in flavours if a.name in runs]
        if len(allowed) == len(flavours) or not allowed:
            continue
        names = " or ".join(a.name for a in allowed)
        reason = f"{vm.binary} runs {names} kernels only on this machine"
        members = tuple(
            Requirement(
                id=a.name,
                kind=NodeKind.SYMBOL,
                level=Level.REQUIRED,
                reason=reason,
                location=Location(vm.source),
                symbol=a.symbol,
                expect=Expectation(text="y", allowed=(Tristate.Y,)),
            )
            for a in allowed
        )
        out.append(
            members[0]
            if len(members) == 1
            else Requirement(
                id=f"{family}-flavour",
                kind=NodeKind.ANY_OF,
                level=Level.REQUIRED,
                reason=reason,
                location=Location(vm.source),
                children=members,
            )
        )
        out[-1] = replace(out[-1], arch=(family,), id=f"{family}-word-size")
    return tuple(out)


def derive(vm: VmDefinition) -> VmRequirements:
    """The guest and host requirements of ``vm`` (see the module docstring for the rules)."""
    k = knowledge()
    warnings = list(vm.warnings)
    binary = k.binary(vm.binary)
    machine_name = vm.machine or (binary.default_machine if binary else "")
    machine_origin = vm.machine_origin or f"{vm.binary_origin} (default machine {machine_name})"
    machine = k.machine(machine_name, binary) if machine_name else None
    if binary is not None and not machine_name:
        warnings.append(f"{vm.binary}: it has no default machine; name one with -M")
    elif machine is None and machine_name:
        known = ", ".join(m.name for m in k.machines if binary is None or binary.name in m.binaries)
        warnings.append(
            f"{machine_origin}: machine {machine_name!r} is not one kcheck knows "
            f"(known: {known}); its requirements are not checked"
        )
    d = _Derivation(vm=vm, k=k, binary=binary, machine=machine, warnings=warnings)
    d.guest.add(_flavours(vm, binary, machine), "binary", vm.binary_origin)
    if machine is not None:
        d.guest.add(machine.guest, f"machine-{machine.name}", machine_origin)
    _cpu(d, machine_origin)
    _network(d)
    for device in vm.devices:
        row = k.device(device.driver)
        if row is None:
            warnings.append(
                f"{device.origin}: device {device.driver!r} is not one kcheck knows; not checked"
            )
            continue
        d.device(row, device.driver, device.origin)
    _drives(d)
    _boot(d)
    kvm = "kvm" in vm.accel
    if kvm and machine is not None:
        flavour = k.kvm_flavour(machine.kvm)
        cap = None if vm.accel == ("kvm",) else Level.RECOMMENDED
        d.host.add(flavour.host, "kvm", vm.accel_origin, cap=cap)
    guest = Profile(
        name="vm-guest",
        description=f"What the guest kernel of {vm.binary} {machine_name} needs",
        path=vm.source,
        requirements=d.guest.requirements(),
    )
    host = Profile(
        name="vm-host",
        description=f"What the host kernel needs to run {vm.binary} {machine_name}",
        path=vm.source,
        requirements=d.host.requirements(),
    )
    return VmRequirements(
        vm=vm,
        guest=guest,
        host=host,
        guest_arches=_kernel_arches(binary, machine),
        kvm=kvm,
        kvm_host_arches=binary.kvm_host_arches if binary else (),
        bridges=tuple(dict.fromkeys(d.bridges)),
        tap_scripts=tuple(dict.fromkeys(d.tap_scripts)),
        warnings=tuple(dict.fromkeys(d.warnings)),
    )


def _cpu(d: _Derivation, machine_origin: str) -> None:
    vm = d.vm
    name = vm.cpu or (d.machine.default_cpu if d.machine else None)
    if name is None:
        return
    origin = vm.cpu_origin or machine_origin
    cpu = d.k.cpu(name, d.binary)
    if cpu is None:
        d.warnings.append(
            f"{origin}: CPU model {name!r} is not one kcheck knows for {vm.binary}; not checked"
        )
        return
    if cpu.warning:
        d.warnings.append(f"{origin}: {name} {cpu.warning}")
    d.guest.add(cpu.guest, "cpu", origin)


def _network(d: _Derivation) -> None:
    vm = d.vm
    by_id = {b.id: b for b in vm.backends if b.id is not None}
    hub = [b for b in vm.backends if b.hub]
    for nic in vm.nics:
        if nic.netdev is not None and nic.netdev not in by_id:
            d.warnings.append(f"{nic.origin}: no back end with id {nic.netdev!r}")
        backends = [by_id[nic.netdev]] if nic.netdev in by_id else ([] if nic.netdev else hub)
        d.nic(nic.model, nic.origin, backends)
    for device in vm.devices:
        row = d.k.device(device.driver)
        if row is None or not row.nic:
            continue
        if device.netdev is not None and device.netdev not in by_id:
            d.warnings.append(f"{device.origin}: no back end with id {device.netdev!r}")
        d.network(device.origin, [by_id[device.netdev]] if device.netdev in by_id else [], None)
    if vm.default_network and d.machine is not None:
        # QEMU's default network (-net nic -net user) is there unless asked away: derive it,
        # but only as a recommendation, since the user did not ask for a network.
        origin = f"{vm.binary} (default -net nic -net user)"
        user = Backend(type="user", origin=origin, hub=True)
        d.nic(None, origin, [user], cap=Level.RECOMMENDED)
    for backend in vm.backends:
        back_end = d.netdev_row(backend)
        if back_end is None:
            d.warnings.append(
                f"{backend.origin}: network back end {backend.type!r} is not one kcheck knows; "
                "host requirements not checked"
            )
            continue
        d.host.add(back_end.host, "netdev", backend.origin)
        if backend.vhost is True:
            d.host.add(back_end.vhost, "netdev", f"{backend.origin},vhost=on")
        elif backend.vhost is None:
            d.host.add(back_end.vhost, "netdev", backend.origin, cap=Level.RECOMMENDED)
        if back_end.bridge_option:
            d.bridges.append(backend.bridge or back_end.default_bridge)
        elif backend.bridge:
            d.bridges.append(backend.bridge)
        if back_end.script_options:
            d.tap_scripts.extend(backend.scripts)


def _drives(d: _Derivation) -> None:
    for drive in d.vm.drives:
        interface = drive.interface or (d.machine.default_drive if d.machine else "")
        if interface == "none":
            continue  # the disk is attached by a -device of its own
        if interface == "virtio":
            virtio_blk = d.k.device("virtio-blk")
            if virtio_blk is not None:
                d.device(virtio_blk, "virtio-blk", drive.origin)
            continue
        needs = None
        if d.machine is not None and interface in ("ide", "scsi"):
            needs = d.machine.ide if interface == "ide" else d.machine.scsi
        if needs is None:
            d.warnings.append(
                f"{drive.origin}: what a disk on interface {interface or 'default'!r} needs on "
                "this machine is not known; not checked"
            )
            continue
        d.guest.add(needs, "drive", drive.origin)


def _boot(d: _Derivation) -> None:
    vm, k = d.vm, d.k
    if vm.initrd is not None:
        d.guest.add(k.initrd, "boot", vm.initrd_origin)
        compression = _compression(k, vm, vm.initrd)
        if compression is None:
            d.warnings.append(
                f"{vm.initrd_origin}: cannot tell how the initrd is compressed (no such file, "
                "and an unknown extension); its decompressor is not checked"
            )
        else:
            d.guest.add(compression.guest, "boot", vm.initrd_origin)
    for origin in vm.console_outputs:
        if d.machine is not None:
            d.guest.add(d.machine.serial, "console", origin, builtin=True)
    for value in _params(vm.append, "console"):
        _console(d, value)
    for mode, value in d.ip_modes():
        d.guest.add(mode.guest, "network", f"{vm.append_origin} ip={value}")
    roots = _params(vm.append, "root")
    if roots and vm.initrd is None:
        _root(d, roots[-1])


def _compression(k: Knowledge, vm: VmDefinition, initrd: str) -> Compression | None:
    """The initrd's format: from its magic when the file can be read, else its name."""
    path = Path(initrd)
    if not path.is_absolute() and vm.base_dir is not None:
        path = Path(vm.base_dir) / path
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError:
        head = None
    if head is not None:
        return next((c for c in k.compressions if any(head.startswith(m) for m in c.magic)), None)
    name = os.path.basename(initrd)
    return next((c for c in k.compressions if name.endswith(c.extensions) and c.extensions), None)


def _console(d: _Derivation, value: str) -> None:
    name = value.split(",", 1)[0]
    prefix = name.rstrip("0123456789")
    origin = f"{d.vm.append_origin} console={value}"
    row = next((c for c in d.k.consoles if c.prefix == prefix), None)
    if d.machine is not None and d.machine.console == prefix:
        d.guest.add(d.machine.serial, "console", origin, builtin=True)
    elif row is not None and row.guest:
        d.guest.add(row.guest, "console", origin, builtin=True)
    else:
        where = f"machine {d.machine.name}" if d.machine else "this machine"
        d.warnings.append(f"{origin}: {where} has no {name} console; not checked")


def _root(d: _Derivation, value: str) -> None:
    origin = f"{d.vm.append_origin} root={value}"
    row = next((r for r in d.k.roots if value.startswith(r.prefix)), None)
    if row is None:
        return
    device = d.k.device_named(row.device)
    names = (*device.pci, *device.mmio, *device.other)
    driver = next((dev.driver for dev in d.vm.devices if dev.driver in names), "virtio-blk")
    d.device(device, driver, origin, builtin=True, kind="root")
