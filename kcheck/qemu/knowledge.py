"""What kcheck knows about QEMU, read from the data files in ``profiles/qemu/*.toml``.

The knowledge -- binaries, machines, CPUs, devices, network back ends, KVM flavours, boot
rules and the options that ask nothing of a kernel -- is data, each row citing its source, so a
new machine or device is one entry and no branch in code. This module reads and validates it
(every error a :class:`~kcheck.errors.ProfileError` naming ``file:line``) into frozen rows, once
per process (:func:`knowledge`). Requirements inside rows are parsed by
:func:`kcheck.profiles.parse_requirements`, the profiles' own parser; a ``NAME_from`` table
reuses a requirement of a built-in profile (``profile = "guest"``, ``requirement =
"virtio-net"``) so each Kconfig rule is written once.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.resources.abc import Traversable
from typing import Any

from kcheck.errors import ProfileError
from kcheck.kernel.dotconfig import KNOWN_ARCHES
from kcheck.model import Level, Requirement
from kcheck.profiles import (
    ARCH_NAMES,
    builtin_data,
    iter_requirements,
    load_profile,
    parse_requirements,
    read_toml,
)
from kcheck.tomlfile import TomlPath

__all__ = [
    "Binary",
    "Compression",
    "Console",
    "Cpu",
    "Device",
    "IpMode",
    "Knowledge",
    "Kvm",
    "LibvirtDevice",
    "Machine",
    "Netdev",
    "RootDevice",
    "Transport",
    "knowledge",
    "load_knowledge",
    "reid",
    "with_level",
]

Requirements = tuple[Requirement, ...]
Transport = str  # "pci", "mmio" or "other" (a bus of its own: no transport requirements)


@dataclass(frozen=True)
class Binary:
    """A qemu-system-* program (binaries.toml)."""

    name: str
    aliases: tuple[str, ...]
    kernel_arches: tuple[str, ...]
    profile_arches: tuple[str, ...]
    default_machine: str
    virtio_transport: Transport
    kvm_host_arches: tuple[str, ...]
    libvirt_arches: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Machine:
    """A machine type (machines.toml); ``pci``/``mmio``/``ide``/``scsi`` are None when the
    machine has no such bus or kcheck knows nothing about it."""

    name: str
    aliases: tuple[str, ...]
    patterns: tuple[str, ...]
    binaries: tuple[str, ...]
    profile_arches: tuple[str, ...]
    default_cpu: str
    default_nic: str
    default_drive: str
    console: str
    kvm: str
    source: str
    guest: Requirements
    pci: Requirements | None
    mmio: Requirements | None
    serial: Requirements
    ide: Requirements | None
    scsi: Requirements | None

    def matches(self, name: str) -> bool:
        return name == self.name or name in self.aliases or _matches(name, self.patterns)

    def transport(self, transport: Transport) -> Requirements | None:
        """What a device on ``transport`` needs on this machine; None: the machine has none."""
        if transport == "pci":
            return self.pci
        if transport == "mmio":
            return self.mmio
        return ()


@dataclass(frozen=True)
class Cpu:
    """A CPU model or family of models (cpus.toml)."""

    name: str
    aliases: tuple[str, ...]
    patterns: tuple[str, ...]
    binaries: tuple[str, ...]
    warning: str
    source: str
    guest: Requirements

    def matches(self, name: str) -> bool:
        # QEMU's ppc and arm look CPU names up without regard to case.
        folded = name.casefold()
        return (
            folded == self.name.casefold()
            or folded in (alias.casefold() for alias in self.aliases)
            or _matches(folded, tuple(pattern.casefold() for pattern in self.patterns))
        )


@dataclass(frozen=True)
class Kvm:
    """What a host needs to run one flavour of guest under KVM (kvm.toml)."""

    name: str
    source: str
    host: Requirements


@dataclass(frozen=True)
class Device:
    """A device family (devices.toml)."""

    name: str
    pci: tuple[str, ...]
    mmio: tuple[str, ...]
    other: tuple[str, ...]
    short: tuple[str, ...]
    nic: bool
    source: str
    guest: Requirements
    host: Requirements

    def transport_of(self, driver: str, short_transport: Transport) -> Transport:
        """The transport of ``driver`` (one of this family's names)."""
        if driver in self.pci:
            return "pci"
        if driver in self.mmio:
            return "mmio"
        if driver in self.other:
            return "other"
        return short_transport

    def variant(self, transport: Transport) -> str:
        """The -device name of this family on ``transport`` (for messages)."""
        names = {"pci": self.pci, "mmio": self.mmio}.get(transport, self.other)
        return names[0] if names else self.name


@dataclass(frozen=True)
class Netdev:
    """A network back end (netdevs.toml); ``dhcp`` is None when the back end has no network."""

    type: str
    libvirt: tuple[str, ...]
    dhcp: Level | None
    bridge_option: str
    default_bridge: str
    script_options: tuple[str, ...]
    source: str
    host: Requirements
    vhost: Requirements


@dataclass(frozen=True)
class Compression:
    """An initrd format (boot.toml): its magic numbers, file name extensions and decompressor."""

    name: str
    magic: tuple[bytes, ...]
    extensions: tuple[str, ...]
    source: str
    guest: Requirements


@dataclass(frozen=True)
class Console:
    """A console=NAME prefix (boot.toml)."""

    prefix: str
    source: str
    guest: Requirements


@dataclass(frozen=True)
class IpMode:
    """A meaning of ip= on the kernel command line (boot.toml)."""

    name: str
    short: tuple[str, ...]
    autoconf: tuple[str, ...]
    configures: bool
    source: str
    guest: Requirements


@dataclass(frozen=True)
class RootDevice:
    """root=PREFIXn: the device family whose driver must be built in (boot.toml)."""

    prefix: str
    device: str
    source: str


@dataclass(frozen=True)
class LibvirtDevice:
    """A libvirt device element that stands for a QEMU device (libvirt.toml): ``when`` maps
    ``@attr`` / ``child/@attr`` to the value it must have; ``device`` "" adds nothing."""

    element: str
    when: tuple[tuple[str, str], ...]
    device: str
    source: str


@dataclass(frozen=True)
class Knowledge:
    """All of profiles/qemu/*.toml, validated."""

    binaries: tuple[Binary, ...]
    machines: tuple[Machine, ...]
    cpus: tuple[Cpu, ...]
    kvm: tuple[Kvm, ...]
    devices: tuple[Device, ...]
    netdevs: tuple[Netdev, ...]
    guest_network: Requirements
    dhcp: Requirements
    initrd: Requirements
    compressions: tuple[Compression, ...]
    consoles: tuple[Console, ...]
    ip_modes: tuple[IpMode, ...]
    roots: tuple[RootDevice, ...]
    options: Mapping[str, bool]  # option name without dashes -> takes a value
    libvirt_devices: tuple[LibvirtDevice, ...]
    libvirt_ignored: tuple[str, ...]  # <devices> children that ask nothing of a kernel

    def libvirt_binary(self, arch: str) -> Binary | None:
        return next((b for b in self.binaries if arch in b.libvirt_arches), None)

    def binary(self, name: str) -> Binary | None:
        return next((b for b in self.binaries if name == b.name or name in b.aliases), None)

    def machine(self, name: str, binary: Binary | None) -> Machine | None:
        for machine in self.machines:
            if machine.matches(name) and (binary is None or binary.name in machine.binaries):
                return machine
        return None

    def cpu(self, name: str, binary: Binary | None) -> Cpu | None:
        for cpu in self.cpus:
            if cpu.matches(name) and (binary is None or binary.name in cpu.binaries):
                return cpu
        return None

    def kvm_flavour(self, name: str) -> Kvm:
        return next(k for k in self.kvm if k.name == name)

    def device(self, driver: str) -> Device | None:
        for device in self.devices:
            if driver in (*device.pci, *device.mmio, *device.other, *device.short):
                return device
        return None

    def device_named(self, name: str) -> Device:
        return next(d for d in self.devices if d.name == name)

    def netdev(self, type_: str) -> Netdev | None:
        return next((n for n in self.netdevs if n.type and n.type == type_), None)

    def libvirt_netdev(self, type_: str) -> Netdev | None:
        return next((n for n in self.netdevs if type_ in n.libvirt), None)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


# --------------------------------------------------------------------------------------------
# Reading


@functools.cache
def knowledge() -> Knowledge:
    """The built-in QEMU knowledge, read and validated once per process."""
    return load_knowledge(builtin_data("qemu"))


class _File:
    """One data file: its document and a locator, and typed accessors with file:line errors."""

    def __init__(self, directory: Traversable, name: str, tables: Sequence[str]) -> None:
        file = directory.joinpath(name)
        self.path = f"{directory}/{name}"
        if not file.is_file():
            raise ProfileError("missing QEMU knowledge file", path=self.path)
        self.document, self.locator = read_toml(file, self.path)
        for key in self.document:
            if key not in tables:
                raise self.unknown(key, tables, ())

    def error(self, message: str, at: TomlPath, key: str | None = None) -> ProfileError:
        return ProfileError(message, path=self.path, line=self.locator.line(at, key))

    def unknown(self, key: str, allowed: Sequence[str], at: TomlPath) -> ProfileError:
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
        return self.error(f"unknown key {key!r} ({hint})", at, key)

    def rows(self, key: str) -> list[tuple[Mapping[str, Any], TomlPath]]:
        value = self.document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(f"{key!r} must be an array of tables: write [[{key}]]", (key,))
        return [(table, (key, index)) for index, table in enumerate(value)]

    def table(self, key: str) -> tuple[Mapping[str, Any], TomlPath]:
        value = self.document.get(key)
        if not isinstance(value, dict):
            raise self.error(f"missing table [{key}]", ())
        return value, (key,)

    def check(self, table: Mapping[str, Any], at: TomlPath, keys: Sequence[str]) -> None:
        for key in table:
            if key not in keys:
                raise self.unknown(key, keys, at)

    def string(
        self, table: Mapping[str, Any], key: str, at: TomlPath, default: str | None = None
    ) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.error(f"missing {key!r}", at)
        if not isinstance(value, str):
            raise self.error(f"{key!r} must be a string", at, key)
        return value

    def strings(
        self,
        table: Mapping[str, Any],
        key: str,
        at: TomlPath,
        allowed: Sequence[str] | None = None,
    ) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(f"{key!r} must be a list of strings", at, key)
        if len(set(value)) != len(value):
            raise self.error(f"{key!r} lists a name twice", at, key)
        for item in value:
            if allowed is not None and item not in allowed:
                raise self.error(
                    f"{key!r}: unknown name {item!r} (known: {', '.join(allowed)})", at, key
                )
        return tuple(value)

    def flag(self, table: Mapping[str, Any], key: str, at: TomlPath) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            raise self.error(f"{key!r} must be true or false", at, key)
        return value

    def source(self, table: Mapping[str, Any], at: TomlPath) -> str:
        text = self.string(table, "source", at, "")
        if not text.strip():
            raise self.error("missing source: cite the QEMU or kernel file this comes from", at)
        return text

    def requirements(self, table: Mapping[str, Any], slot: str, at: TomlPath) -> Requirements:
        """``[[row.SLOT]]`` (inline requirements) followed by ``[[row.SLOT_from]]`` (reused)."""
        inline = (
            parse_requirements(table[slot], path=self.path, locator=self.locator, at=(*at, slot))
            if slot in table
            else ()
        )
        reused: list[Requirement] = []
        for index, ref in enumerate(table.get(f"{slot}_from", [])):
            where = (*at, f"{slot}_from", index)
            if not isinstance(ref, dict):
                raise self.error(f"'{slot}_from' must be an array of tables", at, f"{slot}_from")
            reused.extend(self.reuse(ref, where))
        found = (*inline, *reused)
        ids = [requirement.id for requirement in found]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate is not None:
            raise self.error(f"{slot}: duplicate id {duplicate!r}", at, slot)
        return found

    def optional_requirements(
        self, table: Mapping[str, Any], slot: str, at: TomlPath
    ) -> Requirements | None:
        if slot not in table and f"{slot}_from" not in table:
            return None
        return self.requirements(table, slot, at)

    def reuse(self, ref: Mapping[str, Any], at: TomlPath) -> Requirements:
        self.check(ref, at, ("profile", "requirement", "id", "level"))
        name = self.string(ref, "profile", at)
        try:
            profile = load_profile(name)
        except ProfileError as error:
            raise self.error(error.message, at, "profile") from None
        level_text = ref.get("level")
        level: Level | None = None
        if level_text is not None:
            if level_text not in tuple(Level):
                raise self.error(f"bad level {level_text!r}", at, "level")
            level = Level(level_text)
        wanted = ref.get("requirement")
        if wanted is None:
            if "id" in ref:
                raise self.error("'id' renames one requirement: name it with 'requirement'", at)
            # The profile's own requirements, not those of the profiles it extends.
            own = [r for r in profile.requirements if r.location.path == profile.path]
            return tuple(with_level(r, level) for r in own)
        wanted = self.string(ref, "requirement", at)
        found = next((r for r in iter_requirements(profile.requirements) if r.id == wanted), None)
        if found is None:
            raise self.error(f"profile {name!r} has no requirement {wanted!r}", at, "requirement")
        local = self.string(ref, "id", at, wanted.replace("/", "-"))
        return (with_level(reid(found, local), level),)


def with_level(requirement: Requirement, level: Level | None) -> Requirement:
    if level is None:
        return requirement
    return replace(
        requirement,
        level=level,
        children=tuple(with_level(child, level) for child in requirement.children),
    )


def reid(requirement: Requirement, new_id: str) -> Requirement:
    """The requirement under a new id; group members keep their place below it."""
    old = requirement.id
    return _reid(requirement, old, new_id)


def _reid(requirement: Requirement, old: str, new: str) -> Requirement:
    suffix = requirement.id[len(old) :] if requirement.id.startswith(old) else ""
    return replace(
        requirement,
        id=new + suffix,
        children=tuple(_reid(child, old, new) for child in requirement.children),
    )


_BINARY_KEYS = (
    "name",
    "aliases",
    "kernel_arches",
    "profile_arches",
    "default_machine",
    "virtio_transport",
    "kvm_host_arches",
    "libvirt_arches",
    "source",
)
_MACHINE_SLOTS = ("guest", "pci", "mmio", "serial", "ide", "scsi")
_MACHINE_KEYS = (
    "name",
    "aliases",
    "patterns",
    "binaries",
    "profile_arches",
    "default_cpu",
    "default_nic",
    "default_drive",
    "console",
    "kvm",
    "source",
    *_MACHINE_SLOTS,
    *(f"{slot}_from" for slot in _MACHINE_SLOTS),
)
_CPU_KEYS = ("name", "aliases", "patterns", "binaries", "warning", "source", "guest", "guest_from")
_KVM_KEYS = ("name", "source", "host", "host_from")
_DEVICE_KEYS = (
    "name",
    "pci",
    "mmio",
    "other",
    "short",
    "nic",
    "source",
    "guest",
    "guest_from",
    "host",
    "host_from",
)
_NETDEV_KEYS = (
    "type",
    "libvirt",
    "dhcp",
    "bridge_option",
    "default_bridge",
    "script_options",
    "source",
    "host",
    "host_from",
    "vhost",
    "vhost_from",
)
_DRIVE_INTERFACES = ("", "ide", "scsi", "virtio")


def load_knowledge(directory: Traversable) -> Knowledge:
    """Read and validate the QEMU knowledge in ``directory`` (profiles/qemu)."""
    binaries = _binaries(_File(directory, "binaries.toml", ("binary",)))
    kvm = _kvm(_File(directory, "kvm.toml", ("kvm",)))
    devices = _devices(_File(directory, "devices.toml", ("device",)))
    cpus = _cpus(_File(directory, "cpus.toml", ("cpu",)), binaries)
    machines = _machines(
        _File(directory, "machines.toml", ("machine",)), binaries, cpus, kvm, devices
    )
    net_file = _File(directory, "netdevs.toml", ("guest_network", "dhcp", "netdev"))
    boot_file = _File(directory, "boot.toml", ("initrd", "compression", "console", "ip", "root"))
    options = _options(_File(directory, "options.toml", ("options",)))
    libvirt_devices, libvirt_ignored = _libvirt(
        _File(directory, "libvirt.toml", ("device", "ignore")), devices
    )
    return Knowledge(
        binaries=binaries,
        machines=machines,
        cpus=cpus,
        kvm=kvm,
        devices=devices,
        netdevs=_netdevs(net_file),
        guest_network=_section(net_file, "guest_network", "guest"),
        dhcp=_section(net_file, "dhcp", "guest"),
        initrd=_section(boot_file, "initrd", "guest"),
        compressions=_compressions(boot_file),
        consoles=_consoles(boot_file),
        ip_modes=_ip_modes(boot_file),
        roots=_roots(boot_file, devices),
        options=options,
        libvirt_devices=libvirt_devices,
        libvirt_ignored=libvirt_ignored,
    )


def _section(file: _File, key: str, slot: str) -> Requirements:
    table, at = file.table(key)
    file.check(table, at, ("source", slot, f"{slot}_from"))
    file.source(table, at)
    return file.requirements(table, slot, at)


def _unique(file: _File, names: list[tuple[str, TomlPath]], what: str) -> None:
    seen: set[str] = set()
    for name, at in names:
        if name in seen:
            raise file.error(f"{what} {name!r} is defined twice", at)
        seen.add(name)


def _binaries(file: _File) -> tuple[Binary, ...]:
    rows: list[Binary] = []
    names: list[tuple[str, TomlPath]] = []
    for table, at in file.rows("binary"):
        file.check(table, at, _BINARY_KEYS)
        transport = file.string(table, "virtio_transport", at)
        if transport not in ("pci", "mmio"):
            raise file.error("virtio_transport must be 'pci' or 'mmio'", at, "virtio_transport")
        binary = Binary(
            name=file.string(table, "name", at),
            aliases=file.strings(table, "aliases", at),
            kernel_arches=file.strings(table, "kernel_arches", at, KNOWN_ARCHES),
            profile_arches=file.strings(table, "profile_arches", at, ARCH_NAMES),
            default_machine=file.string(table, "default_machine", at),
            virtio_transport=transport,
            kvm_host_arches=file.strings(table, "kvm_host_arches", at, KNOWN_ARCHES),
            libvirt_arches=file.strings(table, "libvirt_arches", at),
            source=file.source(table, at),
        )
        rows.append(binary)
        names.extend((name, at) for name in (binary.name, *binary.aliases))
    _unique(file, names, "binary")
    return tuple(rows)


def _kvm(file: _File) -> tuple[Kvm, ...]:
    rows = []
    for table, at in file.rows("kvm"):
        file.check(table, at, _KVM_KEYS)
        rows.append(
            Kvm(
                name=file.string(table, "name", at),
                source=file.source(table, at),
                host=file.requirements(table, "host", at),
            )
        )
    _unique(file, [(k.name, ("kvm", i)) for i, k in enumerate(rows)], "KVM flavour")
    return tuple(rows)


def _devices(file: _File) -> tuple[Device, ...]:
    rows = []
    names: list[tuple[str, TomlPath]] = []
    for table, at in file.rows("device"):
        file.check(table, at, _DEVICE_KEYS)
        device = Device(
            name=file.string(table, "name", at),
            pci=file.strings(table, "pci", at),
            mmio=file.strings(table, "mmio", at),
            other=file.strings(table, "other", at),
            short=file.strings(table, "short", at),
            nic=file.flag(table, "nic", at),
            source=file.source(table, at),
            guest=file.requirements(table, "guest", at),
            host=file.requirements(table, "host", at),
        )
        if not (device.pci or device.mmio or device.other):
            raise file.error("a device needs at least one of pci, mmio, other", at)
        rows.append(device)
        names.extend(
            (name, at) for name in (*device.pci, *device.mmio, *device.other, *device.short)
        )
    _unique(file, names, "device name")
    _unique(file, [(d.name, ("device", i)) for i, d in enumerate(rows)], "device family")
    return tuple(rows)


def _cpus(file: _File, binaries: tuple[Binary, ...]) -> tuple[Cpu, ...]:
    known = tuple(b.name for b in binaries)
    rows = []
    for table, at in file.rows("cpu"):
        file.check(table, at, _CPU_KEYS)
        rows.append(
            Cpu(
                name=file.string(table, "name", at),
                aliases=file.strings(table, "aliases", at),
                patterns=file.strings(table, "patterns", at),
                binaries=file.strings(table, "binaries", at, known),
                warning=file.string(table, "warning", at, ""),
                source=file.source(table, at),
                guest=file.requirements(table, "guest", at),
            )
        )
    for binary in known:
        _unique(
            file,
            [
                (name.casefold(), ("cpu", i))
                for i, cpu in enumerate(rows)
                if binary in cpu.binaries
                for name in (cpu.name, *cpu.aliases)
            ],
            f"{binary} CPU",
        )
    return tuple(rows)


def _machines(
    file: _File,
    binaries: tuple[Binary, ...],
    cpus: tuple[Cpu, ...],
    kvm: tuple[Kvm, ...],
    devices: tuple[Device, ...],
) -> tuple[Machine, ...]:
    known = {b.name: b for b in binaries}
    rows = []
    for table, at in file.rows("machine"):
        file.check(table, at, _MACHINE_KEYS)
        machine = Machine(
            name=file.string(table, "name", at),
            aliases=file.strings(table, "aliases", at),
            patterns=file.strings(table, "patterns", at),
            binaries=file.strings(table, "binaries", at, tuple(known)),
            profile_arches=file.strings(table, "profile_arches", at, ARCH_NAMES),
            default_cpu=file.string(table, "default_cpu", at),
            default_nic=file.string(table, "default_nic", at),
            default_drive=file.string(table, "default_drive", at),
            console=file.string(table, "console", at),
            kvm=file.string(table, "kvm", at),
            source=file.source(table, at),
            guest=file.requirements(table, "guest", at),
            pci=file.optional_requirements(table, "pci", at),
            mmio=file.optional_requirements(table, "mmio", at),
            serial=file.requirements(table, "serial", at),
            ide=file.optional_requirements(table, "ide", at),
            scsi=file.optional_requirements(table, "scsi", at),
        )
        if not machine.binaries:
            raise file.error("a machine needs the binaries that have it", at, "binaries")
        if machine.kvm not in {k.name for k in kvm}:
            raise file.error(f"no [[kvm]] named {machine.kvm!r} in kvm.toml", at, "kvm")
        if machine.default_drive not in _DRIVE_INTERFACES:
            raise file.error(
                f"default_drive must be one of {', '.join(map(repr, _DRIVE_INTERFACES))}",
                at,
                "default_drive",
            )
        for binary in machine.binaries:
            cpu = next(
                (c for c in cpus if c.matches(machine.default_cpu) and binary in c.binaries), None
            )
            if cpu is None:
                raise file.error(
                    f"default_cpu {machine.default_cpu!r} is no {binary} CPU of cpus.toml",
                    at,
                    "default_cpu",
                )
        nic = machine.default_nic
        if nic and not any(nic in (*d.pci, *d.mmio, *d.other, *d.short) for d in devices):
            raise file.error(f"default_nic {nic!r} is no device of devices.toml", at, "default_nic")
        rows.append(machine)
    for binary in known:
        _unique(
            file,
            [
                (name, ("machine", i))
                for i, machine in enumerate(rows)
                if binary in machine.binaries
                for name in (machine.name, *machine.aliases)
            ],
            f"{binary} machine",
        )
    return tuple(rows)


def _netdevs(file: _File) -> tuple[Netdev, ...]:
    rows = []
    for table, at in file.rows("netdev"):
        file.check(table, at, _NETDEV_KEYS)
        dhcp_text = file.string(table, "dhcp", at)
        if dhcp_text not in ("", Level.REQUIRED, Level.RECOMMENDED):
            raise file.error("dhcp must be 'required', 'recommended' or ''", at, "dhcp")
        netdev = Netdev(
            type=file.string(table, "type", at),
            libvirt=file.strings(table, "libvirt", at),
            dhcp=Level(dhcp_text) if dhcp_text else None,
            bridge_option=file.string(table, "bridge_option", at, ""),
            default_bridge=file.string(table, "default_bridge", at, ""),
            script_options=file.strings(table, "script_options", at),
            source=file.source(table, at),
            host=file.requirements(table, "host", at),
            vhost=file.requirements(table, "vhost", at),
        )
        if not netdev.type and not netdev.libvirt:
            raise file.error("a back end needs a type or libvirt interface types", at)
        rows.append(netdev)
    _unique(file, [(n.type, ("netdev", i)) for i, n in enumerate(rows) if n.type], "type")
    _unique(
        file,
        [(t, ("netdev", i)) for i, n in enumerate(rows) for t in n.libvirt],
        "libvirt interface type",
    )
    return tuple(rows)


def _compressions(file: _File) -> tuple[Compression, ...]:
    rows = []
    for table, at in file.rows("compression"):
        file.check(table, at, ("name", "magic", "extensions", "source", "guest", "guest_from"))
        magic = []
        for text in file.strings(table, "magic", at):
            try:
                magic.append(bytes.fromhex(text))
            except ValueError:
                raise file.error(f"magic {text!r} is not hex", at, "magic") from None
        if not magic:
            raise file.error("a compression needs its magic numbers", at, "magic")
        rows.append(
            Compression(
                name=file.string(table, "name", at),
                magic=tuple(magic),
                extensions=file.strings(table, "extensions", at),
                source=file.source(table, at),
                guest=file.requirements(table, "guest", at),
            )
        )
    return tuple(rows)


def _consoles(file: _File) -> tuple[Console, ...]:
    rows = []
    for table, at in file.rows("console"):
        file.check(table, at, ("prefix", "source", "guest", "guest_from"))
        rows.append(
            Console(
                prefix=file.string(table, "prefix", at),
                source=file.source(table, at),
                guest=file.requirements(table, "guest", at),
            )
        )
    _unique(file, [(c.prefix, ("console", i)) for i, c in enumerate(rows)], "console")
    return tuple(rows)


def _ip_modes(file: _File) -> tuple[IpMode, ...]:
    rows = []
    for table, at in file.rows("ip"):
        file.check(
            table, at, ("name", "short", "autoconf", "configures", "source", "guest", "guest_from")
        )
        rows.append(
            IpMode(
                name=file.string(table, "name", at),
                short=file.strings(table, "short", at),
                autoconf=file.strings(table, "autoconf", at),
                configures=file.flag(table, "configures", at),
                source=file.source(table, at),
                guest=file.requirements(table, "guest", at),
            )
        )
    return tuple(rows)


def _roots(file: _File, devices: tuple[Device, ...]) -> tuple[RootDevice, ...]:
    rows = []
    for table, at in file.rows("root"):
        file.check(table, at, ("prefix", "device", "source"))
        root = RootDevice(
            prefix=file.string(table, "prefix", at),
            device=file.string(table, "device", at),
            source=file.source(table, at),
        )
        if root.device not in {d.name for d in devices}:
            raise file.error(f"no device family {root.device!r} in devices.toml", at, "device")
        rows.append(root)
    return tuple(rows)


def _options(file: _File) -> dict[str, bool]:
    options: dict[str, bool] = {}
    for table, at in file.rows("options"):
        file.check(table, at, ("names", "value", "source"))
        file.source(table, at)
        value = table.get("value")
        if not isinstance(value, bool):
            raise file.error("'value' must be true or false", at, "value")
        for name in file.strings(table, "names", at):
            if name in options:
                raise file.error(f"option {name!r} is listed twice", at, "names")
            options[name] = value
    return options


def _libvirt(
    file: _File, devices: tuple[Device, ...]
) -> tuple[tuple[LibvirtDevice, ...], tuple[str, ...]]:
    known = {n for d in devices for n in (*d.pci, *d.mmio, *d.other, *d.short)}
    rows = []
    for table, at in file.rows("device"):
        file.check(table, at, ("element", "when", "device", "source"))
        when = table.get("when", {})
        if not isinstance(when, dict) or not all(
            isinstance(k, str) and "@" in k and isinstance(v, str) for k, v in when.items()
        ):
            raise file.error("'when' must map '@attr' or 'child/@attr' to strings", at, "when")
        row = LibvirtDevice(
            element=file.string(table, "element", at),
            when=tuple(when.items()),
            device=file.string(table, "device", at),
            source=file.source(table, at),
        )
        if row.device and row.device not in known:
            raise file.error(f"device {row.device!r} is not in devices.toml", at, "device")
        rows.append(row)
    table, at = file.table("ignore")
    file.check(table, at, ("elements", "source"))
    file.source(table, at)
    return tuple(rows), file.strings(table, "elements", at)
