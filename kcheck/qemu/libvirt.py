"""libvirt domain XML (``virsh dumpxml``) -> the same :class:`VmDefinition` as a command line.

The XML is parsed with defusedxml, which refuses entity declarations and external entities
(a "billion laughs" or an XXE in a domain handed to kcheck gets an error, not a hang or a file
read). What each element means is the knowledge's: the emulator from <emulator> or
<os><type arch>, <interface type> as the back end of libvirt's kind (binaries.toml,
netdevs.toml), plain device elements through libvirt.toml. Origins name the element as it is
written, e.g. "<interface type='bridge'>".
"""

from __future__ import annotations

import os
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from kcheck.errors import InputError
from kcheck.qemu.definition import Backend, Device, Drive, Nic, VmDefinition
from kcheck.qemu.knowledge import LibvirtDevice, knowledge

__all__ = ["parse_libvirt"]

# <console>/<serial> target types that are the machine's own serial port (libvirt
# formatdomain, "Guest interface"); 'virtio' is a virtconsole.
_SERIAL_TARGETS = ("serial", "isa-serial", "pci-serial", "system-serial", "spapr-vio-serial", "")


def parse_libvirt(text: str, source: str) -> VmDefinition:
    """Read a libvirt domain; InputError naming ``source`` when it is not one."""
    try:
        root = safe_xml.fromstring(text, forbid_dtd=True)
    except ParseError as error:
        line = error.position[0] if error.position else None
        raise InputError(f"not well-formed XML: {error.msg}", path=source, line=line) from None
    except DefusedXmlException as error:
        raise InputError(
            f"refused: {error} (entities and DTDs are not read)", path=source
        ) from None
    if root.tag != "domain":
        raise InputError(f"expected a libvirt <domain>, found <{root.tag}>", path=source)
    return _Reader(root, source).definition()


class _Reader:
    def __init__(self, root: Element, source: str) -> None:
        self.root = root
        self.source = source
        self.warnings: list[str] = []
        self.nics: list[Nic] = []
        self.backends: list[Backend] = []
        self.devices: list[Device] = []
        self.drives: list[Drive] = []
        self.console_outputs: list[str] = []

    def warn(self, text: str) -> None:
        self.warnings.append(f"{self.source}: {text}")

    def definition(self) -> VmDefinition:
        k = knowledge()
        os_type = self.root.find("os/type")
        arch = os_type.get("arch", "") if os_type is not None else ""
        machine = os_type.get("machine") if os_type is not None else None
        emulator = self.root.findtext("devices/emulator", "").strip()
        binary = os.path.basename(emulator) if emulator else ""
        binary_origin = "<emulator>"
        if not binary or k.binary(binary) is None:
            by_arch = k.libvirt_binary(arch)
            if by_arch is None:
                raise InputError(
                    f"cannot tell the QEMU program: no known <emulator> and <type arch={arch!r}> "
                    f"is none of {', '.join(a for b in k.binaries for a in b.libvirt_arches)}",
                    path=self.source,
                )
            binary, binary_origin = by_arch.name, f"<type arch='{arch}'>"
        domain_type = self.root.get("type", "")
        accel = ("kvm",) if domain_type == "kvm" else ("tcg",) if domain_type == "qemu" else ()
        cpu, cpu_origin = self.cpu()
        self.read_devices()
        initrd = self.root.findtext("os/initrd")
        return VmDefinition(
            source=self.source,
            binary=binary,
            binary_origin=binary_origin,
            machine=machine,
            machine_origin=f"<type machine='{machine}'>" if machine else "",
            cpu=cpu,
            cpu_origin=cpu_origin,
            accel=accel,
            accel_origin=f"<domain type='{domain_type}'>",
            nics=tuple(self.nics),
            backends=tuple(self.backends),
            devices=tuple(self.devices),
            drives=tuple(self.drives),
            kernel=self.root.findtext("os/kernel"),
            initrd=initrd.strip() if initrd else None,
            initrd_origin="<initrd>",
            append=(self.root.findtext("os/cmdline") or "").strip(),
            append_origin="<cmdline>",
            console_outputs=tuple(dict.fromkeys(self.console_outputs)),
            base_dir=None,
            warnings=tuple(self.warnings),
        )

    def cpu(self) -> tuple[str | None, str]:
        cpu = self.root.find("cpu")
        if cpu is None:
            return None, ""
        model = (cpu.findtext("model") or "").strip()
        if model:
            return model, f"<cpu><model>{model}</model>"
        mode = cpu.get("mode", "")
        if mode in ("host-passthrough", "host-model", "maximum"):
            # The guest sees the host's core (or QEMU's max): named for what QEMU calls it.
            return ("max" if mode == "maximum" else "host"), f"<cpu mode='{mode}'>"
        return None, ""

    def read_devices(self) -> None:
        devices = self.root.find("devices")
        if devices is None:
            return
        k = knowledge()
        for element in devices:
            tag = element.tag
            if tag == "interface":
                self.interface(element)
            elif tag == "disk":
                self.disk(element)
            elif tag in ("serial", "console"):
                self.console(element)
            else:
                row = next((r for r in k.libvirt_devices if _matches(r, element)), None)
                if row is not None:
                    if row.device:
                        self.devices.append(Device(driver=row.device, origin=_origin(row, element)))
                elif tag not in k.libvirt_ignored:
                    self.warn(f"<{tag}>: not an element kcheck knows; not checked")

    def interface(self, element: Element) -> None:
        kind = element.get("type", "")
        origin = f"<interface type='{kind}'>"
        source = element.find("source")
        driver = element.find("driver")
        driver_name = driver.get("name") if driver is not None else None
        backend = Backend(
            type=kind,
            origin=origin,
            id=f"#interface{len(self.backends)}",
            libvirt=True,
            vhost={"vhost": True, "qemu": False}.get(driver_name or ""),
            bridge=source.get("bridge") if source is not None else None,
        )
        model = element.find("model")
        self.backends.append(backend)
        self.nics.append(
            Nic(
                model=model.get("type") if model is not None else None,
                origin=origin,
                netdev=backend.id,
            )
        )

    def disk(self, element: Element) -> None:
        target = element.find("target")
        bus = target.get("bus", "") if target is not None else ""
        origin = f"<disk bus='{bus}'>"
        if element.get("device", "disk") not in ("disk", "lun"):
            self.warn(f"<disk device='{element.get('device')}'>: not checked")
        elif bus == "scsi":
            self.devices.append(Device(driver="scsi-hd", origin=origin))
        elif bus in ("virtio", "ide", "scsi"):
            self.drives.append(Drive(interface=bus, origin=origin))
        elif bus == "sata":
            # libvirt puts SATA disks on the q35 machine's AHCI, what QEMU's if=ide means there.
            self.drives.append(Drive(interface="ide", origin=origin))
        else:
            self.warn(f"{origin}: a disk on this bus is not checked")

    def console(self, element: Element) -> None:
        target = element.find("target")
        kind = target.get("type", "") if target is not None else ""
        origin = f"<{element.tag} type='{element.get('type', '')}'>"
        if kind == "virtio":
            self.devices.append(Device(driver="virtconsole", origin=origin))
        elif kind in _SERIAL_TARGETS:
            self.console_outputs.append(origin)
        else:
            self.warn(f"{origin} with target type {kind!r}: not checked")


def _value(element: Element, path: str) -> str | None:
    where, _, attribute = path.rpartition("@")
    node = element.find(where.rstrip("/")) if where.rstrip("/") else element
    return None if node is None else node.get(attribute)


def _matches(row: LibvirtDevice, element: Element) -> bool:
    return row.element == element.tag and all(
        _value(element, path) == value for path, value in row.when
    )


def _origin(row: LibvirtDevice, element: Element) -> str:
    attributes = " ".join(
        f"{path[1:]}='{value}'" for path, value in row.when if path.startswith("@")
    )
    return f"<{element.tag} {attributes}>" if attributes else f"<{element.tag}>"
