"""What a virtual machine is made of, as a QEMU command line or a libvirt domain describes it.

:class:`VmDefinition` is the one shape both readers (``cmdline`` and ``libvirt``) produce and
``derive`` consumes: the emulator, machine, CPU, accelerators, NICs and their back ends,
devices, drives and the direct kernel boot. Every part keeps its *origin*: the option or
element that asked for it, in the short form users write ("-M ppce500", "-netdev tap",
"<interface type='bridge'>"), so each derived requirement can say what caused it. Frozen
dataclasses only; no parsing and no knowledge of QEMU here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Backend", "Device", "Drive", "Nic", "VmDefinition"]


@dataclass(frozen=True)
class Backend:
    """A network back end (-netdev TYPE, -net TYPE, -nic TYPE, libvirt <interface type>).

    ``hub`` is true for the old -net back ends, which share QEMU's hub with every -net nic;
    ``libvirt`` marks an <interface type=...> value (looked up among libvirt's kinds).
    ``vhost`` is True/False when vhost=on/off was written, None when left to the default.
    """

    type: str
    origin: str
    id: str | None = None
    hub: bool = False
    libvirt: bool = False
    vhost: bool | None = None
    bridge: str | None = None
    scripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Nic:
    """A network card: ``model`` is a device or legacy model name (None: the machine's
    default NIC); ``netdev`` the id of its back end, None for a card on the -net hub."""

    model: str | None
    origin: str
    netdev: str | None = None


@dataclass(frozen=True)
class Device:
    """A -device (or a libvirt device element), by its QEMU driver name."""

    driver: str
    origin: str
    netdev: str | None = None


@dataclass(frozen=True)
class Drive:
    """A -drive (or libvirt <disk>): ``interface`` is if= (virtio, ide, scsi, none ...), ""
    for the machine's default."""

    interface: str
    origin: str


@dataclass(frozen=True)
class VmDefinition:
    """One virtual machine. ``machine``/``cpu`` None: the emulator's or machine's default.

    ``accel`` lists the accelerators in the order QEMU tries them (("kvm", "tcg") for
    accel=kvm:tcg). ``console_outputs`` are the options that put the guest's serial console on
    the user's terminal (-nographic, -serial stdio). ``default_network``: QEMU adds its default
    -net nic -net user (no network option, no -nodefaults). ``base_dir``: where relative file
    names (the initrd) are found.
    """

    source: str
    binary: str
    binary_origin: str
    machine: str | None = None
    machine_origin: str = ""
    cpu: str | None = None
    cpu_origin: str = ""
    accel: tuple[str, ...] = ()
    accel_origin: str = ""
    nics: tuple[Nic, ...] = ()
    backends: tuple[Backend, ...] = ()
    devices: tuple[Device, ...] = ()
    drives: tuple[Drive, ...] = ()
    kernel: str | None = None
    initrd: str | None = None
    initrd_origin: str = ""
    append: str = ""
    append_origin: str = "-append"
    console_outputs: tuple[str, ...] = ()
    default_network: bool = False
    base_dir: str | None = None
    warnings: tuple[str, ...] = ()
