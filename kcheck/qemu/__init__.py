"""QEMU virtual machines -> kernel requirements: read a QEMU command line (or a file holding
one) or a libvirt domain into one :class:`VmDefinition`, and derive what its guest and host
kernels need from the knowledge in profiles/qemu/*.toml. No kconfiglib here: the requirements
are ordinary profiles that ``kcheck.engine`` evaluates."""

from kcheck.qemu.cmdline import parse_command_file, parse_command_line, read_command_file
from kcheck.qemu.definition import Backend, Device, Drive, Nic, VmDefinition
from kcheck.qemu.derive import VmRequirements, derive
from kcheck.qemu.libvirt import parse_libvirt

__all__ = [
    "Backend",
    "Device",
    "Drive",
    "Nic",
    "VmDefinition",
    "VmRequirements",
    "derive",
    "parse_command_file",
    "parse_command_line",
    "parse_libvirt",
    "read_command_file",
]
