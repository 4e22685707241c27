"""Live host checks: what QEMU will really find on a system, tied to the Kconfig symbol behind it.

A config that says TUN=m does not mean QEMU can open /dev/net/tun. This module owns the checks
that look at the system itself: device nodes (there, a character device with the right number,
open to the invoking user), the modules behind =m options (built in, loaded, installed and
loadable, or missing), which KVM symbol the CPU needs, the bridge QEMU is to join and
qemu-bridge-helper's ACL, IP forwarding and a masquerade rule for NAT, and tap scripts. Each
check is a :class:`kcheck.model.Result` of kind ``runtime`` naming the symbol it rests on, with
the exact command to run in ``hint``.

Everything is read under a sysroot (``/`` for the live system, or the root of an image), and
nothing is written or loaded: no modprobe, no sysctl. What cannot be read is ``unknown`` with
the reason ("needs root"), never a failure. The facts about the world (device numbers, module
names and aliases, CPU names, QEMU's paths) are data, in ``profiles/runtime/host.toml``.
No kconfiglib here: the config's values come in as a mapping or a function.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kcheck.engine import _FAILED as UNMET_STATUS  # the one level -> status rule for unmet
from kcheck.errors import InputError, InternalError
from kcheck.model import Check, Level, NodeKind, Result, Status
from kcheck.profiles import builtin_data

SECTION = "Runtime"
# IFNAMSIZ (include/uapi/linux/if.h): an interface name has at most 15 characters.
IFNAMSIZ = 16
# How long a read-only firewall listing may take before it is given up as unknown.
LIST_TIMEOUT = 5.0

ConfigValues = Callable[[str], str | None] | Mapping[str, str]


# -- the knowledge (profiles/runtime/host.toml) ----------------------------------------------


@dataclass(frozen=True)
class Device:
    """A device node QEMU opens, the symbol that provides it, and its misc device number."""

    key: str
    path: str
    symbol: str
    major: int
    minor: int
    group: str
    mode: str
    reason: str
    source: str


@dataclass(frozen=True)
class Module:
    """The module(s) an =m symbol builds, and the aliases that find it if it was renamed."""

    symbol: str
    names: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class KvmCpu:
    """A CPU (by x86 flag, or PowerPC core name / PVR version) and the KVM symbol it needs."""

    arch: str
    symbol: str
    name: str
    flag: str = ""
    cpu: str = ""
    pvr: int | None = None
    also: str = ""


@dataclass(frozen=True)
class Knowledge:
    devices: tuple[Device, ...]
    modules: tuple[Module, ...]
    kvm_cpus: tuple[KvmCpu, ...]
    bridge_helpers: tuple[str, ...]
    bridge_acl: str
    tap_script: str
    forward: str
    forward_symbol: str
    masquerade_level: Level

    def device(self, key: str) -> Device:
        return next(d for d in self.devices if d.key == key)

    def module(self, symbol: str) -> Module | None:
        return next((m for m in self.modules if m.symbol == symbol), None)


@functools.cache
def knowledge() -> Knowledge:
    """The shipped facts, read once. A broken file is a bug in kcheck, not the user's input."""
    source = builtin_data("runtime", "host.toml")
    try:
        data: dict[str, Any] = tomllib.loads(source.read_text(encoding="utf-8"))
        return Knowledge(
            devices=tuple(Device(**row) for row in data["device"]),
            modules=tuple(
                Module(row["symbol"], tuple(row["names"]), tuple(row["aliases"]))
                for row in data["module"]
            ),
            kvm_cpus=tuple(KvmCpu(**row) for row in data["kvm_cpu"]),
            bridge_helpers=tuple(data["qemu"]["bridge_helper"]),
            bridge_acl=data["qemu"]["bridge_acl"],
            tap_script=data["qemu"]["tap_script"],
            forward=data["nat"]["forward"],
            forward_symbol=data["nat"]["forward_symbol"],
            masquerade_level=Level(data["nat"]["masquerade_level"]),
        )
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise InternalError(f"the shipped runtime data is broken: {e!r}", path=str(source)) from e


def default_tap_script() -> str:
    """The script= QEMU runs for -netdev tap when none is given (/etc/qemu-ifup)."""
    return knowledge().tap_script


# -- who is asking, and what they may open ---------------------------------------------------


@dataclass(frozen=True)
class User:
    """The invoking user: whoever runs QEMU after kcheck says yes."""

    uid: int
    gid: int
    groups: frozenset[int]
    name: str

    @property
    def is_root(self) -> bool:
        return self.uid == 0


def current_user() -> User:
    """The real user (as os.access and QEMU see it), not the effective one of a setuid run."""
    uid = os.getuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    return User(uid, os.getgid(), frozenset({os.getgid(), *os.getgroups()}), name)


class _Unreadable(Exception):
    """A path that exists (or may) but cannot be read; the message says why."""


def _why_unreadable(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "needs root" if os.geteuid() != 0 else "permission denied"
    return error.strerror or str(error)


@dataclass
class System:
    """The system being checked: a sysroot, the user, and what has been read of it.

    ``live`` is True when the sysroot is ``/``: only then does the kernel answer permission
    questions (os.access) and may read-only listings (nft) be run.
    """

    root: Path
    user: User
    live: bool
    _names: dict[str, dict[int, tuple[str, tuple[str, ...]]]] = field(default_factory=dict)

    @classmethod
    def at(cls, sysroot: Path, user: User | None = None) -> System:
        if not sysroot.is_dir():
            raise InputError("--sysroot: no such directory", path=sysroot)
        live = sysroot.resolve() == Path("/")
        return cls(sysroot, user or current_user(), live)

    def path(self, system_path: str) -> Path:
        """Where ``/dev/kvm`` of the checked system is on this machine."""
        inside = PurePosixPath("/", system_path)
        return self.root.joinpath(*inside.parts[1:])

    def read(self, system_path: str) -> str | None:
        """The file's text; None when it does not exist; _Unreadable when it cannot be read."""
        try:
            return self.path(system_path).read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise _Unreadable(f"cannot read {system_path}: {_why_unreadable(e)}") from None

    def stat(self, system_path: str) -> os.stat_result | None:
        try:
            return self.path(system_path).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise _Unreadable(f"cannot look at {system_path}: {_why_unreadable(e)}") from None

    def may(self, system_path: str, st: os.stat_result, mode: int) -> bool:
        """Whether the invoking user may open the file for ``mode`` (R_OK|W_OK, or X_OK).

        One rule, two sources of truth. On the live system the kernel answers: os.access uses
        the real uid and gids, as QEMU run by this user will, and counts ACLs, capabilities
        and security modules. A sysroot is another system's files, so the answer is computed
        from the mode bits the way the kernel's generic_permission() (fs/namei.c) does: the
        owner's bits if the user owns it, else the group's if it is one of the user's groups,
        else the others'; root may read and write anything and execute what has any x bit.
        """
        if self.live:
            return os.access(self.path(system_path), mode)
        bits = st.st_mode
        if self.user.is_root:
            return not mode & os.X_OK or bool(bits & 0o111)
        if st.st_uid == self.user.uid:
            granted = (bits >> 6) & 7
        elif st.st_gid in self.user.groups:
            granted = (bits >> 3) & 7
        else:
            granted = bits & 7
        return granted & mode == mode

    def _table(self, kind: str) -> dict[int, tuple[str, tuple[str, ...]]]:
        """uid or gid -> (name, members) from the system's /etc/passwd or /etc/group."""
        if kind not in self._names:
            table: dict[int, tuple[str, tuple[str, ...]]] = {}
            try:
                text = self.read(f"/etc/{kind}") or ""
            except _Unreadable:
                text = ""
            for line in text.splitlines():
                fields = line.split(":")
                if len(fields) >= 4 and fields[2].isdigit():
                    members = tuple(m for m in fields[3].split(",") if m) if kind == "group" else ()
                    table.setdefault(int(fields[2]), (fields[0], members))
            self._names[kind] = table
        return self._names[kind]

    def user_name(self, uid: int) -> str:
        if self.live:
            try:
                return pwd.getpwuid(uid).pw_name
            except KeyError:
                return str(uid)
        return self._table("passwd").get(uid, (str(uid), ()))[0]

    def group(self, gid: int) -> tuple[str, tuple[str, ...]]:
        """The group's name and listed members (the name is the number when unknown)."""
        if self.live:
            try:
                entry = grp.getgrgid(gid)
            except KeyError:
                return str(gid), ()
            return entry.gr_name, tuple(entry.gr_mem)
        return self._table("group").get(gid, (str(gid), ()))

    def has_group(self, name: str) -> bool:
        if self.live:
            try:
                grp.getgrnam(name)
            except KeyError:
                return False
            return True
        return any(entry[0] == name for entry in self._table("group").values())

    def release(self) -> str:
        """The kernel release (uname -r) of the checked system."""
        text = self.read("/proc/sys/kernel/osrelease")
        if text is None or not text.strip():
            raise _Unreadable("/proc/sys/kernel/osrelease does not say which kernel runs")
        return text.strip()

    def sudo(self, command: str) -> str:
        """``command`` as the invoking user would type it (root needs no sudo)."""
        return command if self.user.is_root else f"sudo {command}"


def _values(config_values: ConfigValues) -> Callable[[str], str | None]:
    if callable(config_values):
        return config_values
    return config_values.get


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    """What one check is about: its id, the symbol it rests on, its level and purpose."""

    id: str
    symbol: str
    level: Level
    reason: str
    expected: str

    def passed(self, actual: str) -> Result:
        return self._result(Status.PASS, self.reason, actual)

    def unmet(self, actual: str, why: str, hint: str | None = None) -> Result:
        return self._result(UNMET_STATUS[self.level], self.reason, actual, why, hint)

    def unknown(self, why: str) -> Result:
        # As for Kconfig results, an unknown or not-applicable result's reason says why.
        return self._result(Status.UNKNOWN, why, None)

    def not_applicable(self, why: str) -> Result:
        return self._result(Status.NOT_APPLICABLE, why, None)

    def _result(
        self,
        status: Status,
        reason: str,
        actual: str | None,
        why: str | None = None,
        hint: str | None = None,
    ) -> Result:
        return Result(
            id=self.id,
            kind=NodeKind.SYMBOL,
            level=self.level,
            status=status,
            reason=reason,
            section=SECTION,
            symbol=self.symbol,
            expected=self.expected,
            actual=actual,
            why=why,
            check=Check.RUNTIME,
            hint=hint,
        )


def _slug(text: str) -> str:
    """A piece of a result id (ids are [a-z0-9-]+) made from a name such as br0 or a path."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _is_on(value: str | None) -> bool:
    return value in ("y", "m")


# -- device nodes ----------------------------------------------------------------------------


def check_device(system: System, device: Device, value: str | None, level: Level) -> Result:
    """The node exists, is the right character device, and the user may open it read-write."""
    check = _Check(
        f"runtime-dev-{_slug(device.path.removeprefix('/dev/'))}",
        device.symbol,
        level,
        device.reason,
        f"{device.path} rw",
    )
    if not _is_on(value):
        return check.not_applicable(
            f"CONFIG_{device.symbol} is not set, so there is no {device.path} to open "
            "(the Kconfig result says what to change)"
        )
    try:
        st = system.stat(device.path)
    except _Unreadable as e:
        return check.unknown(str(e))
    if st is None:
        if value == "m":
            module = knowledge().module(device.symbol)
            name = module.names[0] if module else device.symbol.lower()
            return check.unmet(
                "missing",
                f"{device.path} does not exist: CONFIG_{device.symbol}=m and module {name} is "
                "not loaded (and no static node was made for it)",
                system.sudo(f"modprobe {name}"),
            )
        return check.unmet(
            "missing",
            f"{device.path} does not exist although CONFIG_{device.symbol}=y: the driver did "
            "not create it (devtmpfs not on /dev, or the driver failed to start: see dmesg)",
        )
    if not stat.S_ISCHR(st.st_mode):
        return check.unmet(
            "not a char device",
            f"{device.path} is not a character device ({stat.filemode(st.st_mode)[0]!r} in ls -l)",
        )
    number = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    if (os.major(st.st_rdev), os.minor(st.st_rdev)) != (device.major, device.minor):
        return check.unmet(
            number,
            f"{device.path} is character device {number}, not {device.major}:{device.minor} "
            f"({device.source.split(';')[0]})",
        )
    owner = system.user_name(st.st_uid)
    group, members = system.group(st.st_gid)
    actual = f"{number} {owner}:{group} {stat.S_IMODE(st.st_mode):04o}"
    if system.may(device.path, st, os.R_OK | os.W_OK):
        return check.passed(actual)
    return check.unmet(actual, *_permission_advice(system, device, st, group, members))


def _permission_advice(
    system: System, device: Device, st: os.stat_result, group: str, members: tuple[str, ...]
) -> tuple[str, str]:
    """Why the user cannot open the node, and the command that would let them."""
    user = system.user.name
    denied = f"{user} may not open {device.path} read-write"
    group_rw = st.st_mode & 0o060 == 0o060
    if group_rw and st.st_gid != 0:
        if user in members and st.st_gid not in system.user.groups:
            return (
                f"{denied}: {user} is in group {group} in /etc/group, but not in this "
                "session (log in again, or start a shell in the group)",
                f"newgrp {group}",
            )
        return (
            f"{denied}: the node is open to group {group}, and {user} is not in it "
            "(log in again after joining)",
            f"sudo usermod -aG {group} {user}",
        )
    if device.group:
        make = "" if system.has_group(device.group) else f"sudo groupadd -r {device.group} && "
        return (
            f"{denied}: the node is {group}-owned and not open to a group {user} can join; "
            f"systemd's udev rule gives it to group {device.group} (mode {device.mode}), and a "
            "change by hand lasts until the next boot",
            f"{make}sudo chgrp {device.group} {device.path} && sudo chmod {device.mode} "
            f"{device.path} && sudo usermod -aG {device.group} {user}",
        )
    return (
        f"{denied}: systemd's udev rule makes it mode {device.mode}; a change by hand lasts "
        "until the next boot",
        f"sudo chmod {device.mode} {device.path}",
    )


# -- modules ---------------------------------------------------------------------------------


def _module_name(name: str) -> str:
    """A module's name as /sys/module and modprobe see it: kvm-intel.ko -> kvm_intel."""
    base = PurePosixPath(name).name
    for suffix in (".xz", ".zst", ".gz"):
        base = base.removesuffix(suffix)
    return base.removesuffix(".ko").replace("-", "_")


@dataclass(frozen=True)
class _ModuleIndex:
    """What depmod wrote for one kernel release: installed, built-in, aliases, devname nodes."""

    directory: str
    installed: dict[str, str]  # module name -> its path in modules.dep
    builtin: frozenset[str]
    aliases: dict[str, str]  # alias -> module name
    devname: dict[str, str]  # module name -> node (modules.devname)

    @classmethod
    def read(cls, system: System, release: str) -> _ModuleIndex | None:
        """None when the release has no modules directory at all."""
        directory = f"/lib/modules/{release}"
        dep = system.read(f"{directory}/modules.dep")
        if dep is None:
            return None
        installed = {
            _module_name(line.split(":", 1)[0]): line.split(":", 1)[0]
            for line in dep.splitlines()
            if ":" in line
        }
        builtin = frozenset(
            _module_name(line)
            for line in (system.read(f"{directory}/modules.builtin") or "").splitlines()
            if line.strip()
        )
        aliases: dict[str, str] = {}
        for line in (system.read(f"{directory}/modules.alias") or "").splitlines():
            words = line.split()
            if len(words) == 3 and words[0] == "alias":
                aliases.setdefault(words[1], _module_name(words[2]))
        devname: dict[str, str] = {}
        for line in (system.read(f"{directory}/modules.devname") or "").splitlines():
            words = line.split()
            if len(words) == 3 and not line.startswith("#"):
                devname[_module_name(words[0])] = words[1]
        return cls(directory, installed, builtin, aliases, devname)


def check_module(
    system: System, module: Module, level: Level, index: Callable[[], _ModuleIndex | None]
) -> Result:
    """An =m symbol's module: loaded, built in, installed (and loadable), or not installed."""
    name = module.names[0]
    check = _Check(
        f"runtime-module-{_slug(name)}",
        module.symbol,
        level,
        f"CONFIG_{module.symbol}=m: QEMU needs module {name} loaded, or loadable on demand",
        f"{name} loaded",
    )
    try:
        for each in module.names:
            if system.stat(f"/sys/module/{each}") is not None:
                return check.passed("loaded")
        release = system.release()
        found = index()
    except _Unreadable as e:
        return check.unknown(str(e))
    if found is None:
        return check.unmet(
            "not installed",
            f"CONFIG_{module.symbol}=m but there is no /lib/modules/{release}/modules.dep: "
            f"no modules are installed for Linux {release}",
        )
    for each in module.names:
        if each in found.builtin:
            return check.passed("built in")
    installed = next((each for each in module.names if each in found.installed), None)
    renamed = ""
    if installed is None:
        # A renamed module still carries the old aliases (MODULE_ALIAS): follow them.
        by_alias = (found.aliases.get(alias) for alias in module.aliases)
        installed = next((m for m in by_alias if m and m in found.installed), None)
        renamed = f" (now named {installed})" if installed else ""
    if installed is None:
        return check.unmet(
            "not installed",
            f"CONFIG_{module.symbol}=m but {name}.ko is not installed for Linux {release} "
            f"(not in {found.directory}/modules.dep)",
        )
    node = found.devname.get(installed)
    if node is not None:
        # kmod static-nodes makes /dev/<node> at boot from modules.devname; opening it loads
        # the module (the devname: alias), so not being loaded yet is fine.
        return check.passed(f"installed{renamed}, loads on first open of /dev/{node}")
    return check.unmet(
        f"installed{renamed}, not loaded",
        f"CONFIG_{module.symbol}=m, {found.installed[installed]} is installed but not loaded",
        system.sudo(f"modprobe {installed}"),
    )


# -- which KVM the CPU needs -----------------------------------------------------------------


def _cpuinfo_field(cpuinfo: str, key: str) -> str | None:
    """The first processor's value for ``key`` ("flags", "cpu", "revision")."""
    for line in cpuinfo.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() == key:
            return value.strip()
    return None


def _cpu_match(cpuinfo: str, arch: str) -> tuple[KvmCpu | None, str]:
    """The knowledge row for this CPU, and what /proc/cpuinfo says (for the result)."""
    rows = [row for row in knowledge().kvm_cpus if row.arch == arch]
    if arch == "x86":
        flags = set((_cpuinfo_field(cpuinfo, "flags") or "").split())
        return next((row for row in rows if row.flag in flags), None), "flags: no vmx, no svm"
    cpu = (_cpuinfo_field(cpuinfo, "cpu") or "").split(",")[0].strip()
    for row in rows:
        if row.cpu == cpu:
            return row, f"cpu {cpu}"
    found = re.search(r"\(pvr ([0-9a-f]{4}) ", _cpuinfo_field(cpuinfo, "revision") or "")
    if found:
        version = int(found.group(1), 16)
        for row in rows:
            if row.pvr == version:
                return row, f"pvr {version:04x}"
    return None, f"cpu {cpu or '?'}"


def check_kvm_cpu(
    system: System, values: Callable[[str], str | None], levels: Callable[[str], Level]
) -> Result | None:
    """The KVM symbol this CPU needs is on: vmx -> KVM_INTEL, svm -> KVM_AMD; on PowerPC
    e500v2 -> KVM_E500V2, e500mc/e5500/e6500 -> KVM_E500MC. None on other arches."""
    arch = "x86" if values("X86") == "y" else "powerpc" if values("PPC") == "y" else None
    if arch is None:
        return None
    base = _Check(
        "runtime-kvm-cpu",
        "KVM",
        levels("KVM"),
        "KVM needs the module for this CPU's virtualization extension",
        "vmx|svm" if arch == "x86" else "e500v2|e500mc",
    )
    try:
        cpuinfo = system.read("/proc/cpuinfo")
    except _Unreadable as e:
        return base.unknown(str(e))
    if cpuinfo is None:
        return base.unknown("/proc/cpuinfo does not exist: the CPU cannot be told")
    row, seen = _cpu_match(cpuinfo, arch)
    if arch == "powerpc" and row is None and "e500" not in seen:
        return None  # not an e500 core: KVM's Book3S flavours are not covered here
    if row is None or not row.symbol:
        try:
            kvm = system.stat("/dev/kvm")
        except _Unreadable:
            kvm = None
        if kvm is not None and stat.S_ISCHR(kvm.st_mode):
            return base.not_applicable(
                f"/proc/cpuinfo shows {seen}, yet /dev/kvm exists: a KVM back end that needs "
                "neither VT-x nor AMD-V provides it"
            )
        core = row.name if row else seen
        why = (
            f"/proc/cpuinfo shows {seen}: the CPU offers no hardware virtualization to this "
            "system (off in the firmware, or a virtual machine without nested virtualization)"
            if arch == "x86"
            else f"KVM supports e500v2 and e500mc/e5500/e6500 cores, not {core}"
        )
        return base.unmet(seen, why)
    check = _Check(
        base.id,
        row.symbol,
        levels(row.symbol),
        f"this CPU ({row.name}) runs KVM guests only with CONFIG_{row.symbol}",
        f"{row.symbol}=y|m",
    )
    missing = [s for s in (row.symbol, row.also) if s and not _is_on(values(s))]
    if missing:
        wanted = " and ".join(f"CONFIG_{s}" for s in missing)
        return check.unmet(
            row.name,
            f"this is a {row.name} CPU, so KVM needs {wanted}, which the config does not set",
        )
    return check.passed(f"{row.name}, {row.symbol}={values(row.symbol)}")


# -- bridges and qemu-bridge-helper ----------------------------------------------------------


def check_bridge(system: System, name: str, level: Level) -> Result:
    """/sys/class/net/NAME is a bridge and administratively up."""
    check = _Check(
        f"runtime-bridge-{_slug(name)}",
        "BRIDGE",
        level,
        f"-netdev bridge,br={name} attaches the guest's tap device to bridge {name}",
        f"{name} up",
    )
    create = (
        system.sudo(f"ip link add {name} type bridge")
        + " && "
        + system.sudo(f"ip link set {name} up")
    )
    if len(name) >= IFNAMSIZ or "/" in name or not name:
        return check.unmet("bad name", f"{name!r} cannot be an interface name (1-15 characters)")
    net = f"/sys/class/net/{name}"
    try:
        if system.stat(net) is None:
            return check.unmet("missing", f"there is no network interface {name}", create)
        if system.stat(f"{net}/bridge") is None:
            return check.unmet(
                "not a bridge", f"{name} exists but is not a bridge (no {net}/bridge)"
            )
        flags = system.read(f"{net}/flags")
        operstate = (system.read(f"{net}/operstate") or "").strip()
    except _Unreadable as e:
        return check.unknown(str(e))
    try:
        up = bool(int((flags or "0").strip(), 16) & 0x1)  # IFF_UP, include/uapi/linux/if.h
    except ValueError:
        return check.unknown(f"cannot understand {net}/flags: {flags!r}")
    if not up:
        return check.unmet("down", f"bridge {name} is down", system.sudo(f"ip link set {name} up"))
    # A bridge without ports has no carrier (operstate down) until QEMU's tap joins it.
    return check.passed("up" if operstate in ("up", "unknown", "") else f"up ({operstate})")


def _bridge_helper(system: System) -> tuple[str | None, os.stat_result | None]:
    for candidate in knowledge().bridge_helpers:
        st = system.stat(candidate)
        if st is not None:
            return candidate, st
    return None, None


def check_bridge_helper(system: System, level: Level) -> Result:
    """qemu-bridge-helper exists, the user may run it, and it runs with CAP_NET_ADMIN
    (setuid root or a file capability) unless the user is root."""
    check = _Check(
        "runtime-bridge-helper",
        "BRIDGE",
        level,
        "QEMU run by a user creates the tap device and joins it to the bridge through "
        "qemu-bridge-helper, which needs root's CAP_NET_ADMIN",
        "setuid root",
    )
    try:
        path, st = _bridge_helper(system)
    except _Unreadable as e:
        return check.unknown(str(e))
    if path is None or st is None:
        return check.unmet(
            "missing",
            "qemu-bridge-helper is not installed (looked for "
            + ", ".join(knowledge().bridge_helpers)
            + "); it comes with QEMU (Debian: qemu-system-common)",
        )
    mode = stat.filemode(st.st_mode)
    if not system.may(path, st, os.X_OK):
        return check.unmet(mode, f"{system.user.name} may not run {path}", None)
    if system.user.is_root:
        return check.passed(f"{mode}, run by root")
    if st.st_uid == 0 and st.st_mode & stat.S_ISUID:
        return check.passed(mode)
    if _has_file_caps(system.path(path)):
        return check.passed(f"{mode} + file capabilities")
    return check.unmet(
        mode,
        f"{path} is not setuid root and has no file capabilities: run by "
        f"{system.user.name}, it cannot create the tap device",
        f"sudo chown root {path} && sudo chmod u+s {path}",
    )


def _has_file_caps(path: Path) -> bool:
    try:
        return bool(os.getxattr(path, "security.capability"))
    except OSError:
        return False


@dataclass(frozen=True)
class AclRule:
    """One ``allow``/``deny`` line of bridge.conf; ``name`` None for ``all``."""

    allow: bool
    name: str | None
    file: str
    line: int


@dataclass
class AclFile:
    """bridge.conf with its includes, read as qemu-bridge-helper reads it.

    ``error`` is the helper's reason to reject the whole file (it then refuses every bridge);
    ``unreadable`` lists included files kcheck could not read (the helper, as root, may).
    """

    rules: list[AclRule] = field(default_factory=list)
    error: str | None = None
    unreadable: list[str] = field(default_factory=list)

    def verdict(self, bridge: str) -> tuple[bool, AclRule | None]:
        """(allowed, the deciding rule): a matching deny wins over any allow, and with no
        matching allow the bridge is denied (qemu-bridge-helper.c main())."""
        matching = [r for r in self.rules if r.name is None or r.name == bridge]
        deny = next((r for r in matching if not r.allow), None)
        if deny is not None:
            return False, deny
        allow = next((r for r in matching if r.allow), None)
        return allow is not None, allow


# C's isspace() in the C locale (qemu-bridge-helper.c uses g_ascii_isspace).
_SPACE = " \t\n\v\f\r"


def read_bridge_acl(system: System, path: str) -> AclFile | None:
    """Parse bridge.conf exactly as qemu-bridge-helper.c parse_acl_file() does.

    None when the file does not exist; _Unreadable when it cannot be read. Per line: leading
    blanks skipped; empty lines and ``#`` comments ignored; the command ends at the first
    space (or, with no space on the line, the first tab); the argument is the rest, trimmed.
    ``allow NAME|all``, ``deny NAME|all``, ``include PATH``; anything else, a line with no
    argument, or a name of 16 or more characters (IFNAMSIZ) is an error that rejects the file.
    An include that cannot be opened is ignored, and an error inside one stops only that
    file, keeping the rules read before it. Relative include paths are taken from /, QEMU's
    working directory under libvirt; a file included twice is read once (same verdict).
    """
    acl = AclFile()
    top = _parse_acl(system, path, acl, set(), top=True)
    return None if top is None else acl


def _parse_acl(
    system: System, path: str, acl: AclFile, seen: set[str], *, top: bool = False
) -> bool | None:
    name = str(PurePosixPath("/", path))
    if name in seen:
        return True
    seen.add(name)
    try:
        text = system.read(name)
    except _Unreadable:
        if top:
            raise
        acl.unreadable.append(name)
        return True
    if text is None:
        return None if top else True
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.lstrip(_SPACE)
        if not line or line.startswith("#"):
            continue
        cut = line.find(" ")
        if cut < 0:
            cut = line.find("\t")
        if cut < 0:
            return _acl_error(acl, top, f"{name}:{number}: invalid line {raw.strip()!r}")
        command, arg = line[:cut], line[cut + 1 :].strip(_SPACE)
        if command != "include" and len(arg) >= IFNAMSIZ:
            return _acl_error(acl, top, f"{name}:{number}: name {arg!r} too long")
        if command in ("allow", "deny"):
            acl.rules.append(
                AclRule(command == "allow", None if arg == "all" else arg, name, number)
            )
        elif command == "include":
            _parse_acl(system, arg, acl, seen)
        else:
            return _acl_error(acl, top, f"{name}:{number}: unknown command {command!r}")
    return True


def _acl_error(acl: AclFile, top: bool, message: str) -> bool:
    if top:
        acl.error = message
    return True


def check_bridge_acl(system: System, bridge: str, level: Level) -> Result:
    """bridge.conf (with its includes) lets qemu-bridge-helper attach to ``bridge``."""
    path = knowledge().bridge_acl
    check = _Check(
        f"runtime-bridge-acl-{_slug(bridge)}",
        "BRIDGE",
        level,
        f"qemu-bridge-helper attaches only to bridges {path} allows",
        f"allow {bridge}",
    )
    add = f"echo 'allow {bridge}' | " + system.sudo(f"tee -a {path}")
    try:
        acl = read_bridge_acl(system, path)
    except _Unreadable as e:
        return check.unknown(str(e))
    if acl is None:
        make = system.sudo(f"mkdir -p {PurePosixPath(path).parent}")
        return check.unmet(
            "no file",
            f"{path} does not exist: qemu-bridge-helper refuses every bridge",
            f"{make} && {add}",
        )
    if acl.error is not None:
        return check.unmet(
            "invalid",
            f"{acl.error}: qemu-bridge-helper rejects the file and refuses every bridge",
        )
    allowed, rule = acl.verdict(bridge)
    if rule is not None and not rule.allow:
        what = "deny all" if rule.name is None else f"deny {rule.name}"
        return check.unmet(
            "denied",
            f"{rule.file}:{rule.line}: '{what}' refuses {bridge} (a deny wins over any allow)",
            f"remove line {rule.line} of {rule.file}",
        )
    if acl.unreadable:
        return check.unknown(
            f"cannot read {', '.join(acl.unreadable)} (included by {path}): needs root"
        )
    if not allowed or rule is None:
        return check.unmet(
            "not allowed",
            f"no 'allow {bridge}' or 'allow all' in {path}: qemu-bridge-helper denies by default",
            add,
        )
    return check.passed(f"allowed by {rule.file}:{rule.line}")


# -- NAT -------------------------------------------------------------------------------------


def check_forwarding(system: System, levels: Callable[[str], Level]) -> Result:
    """net.ipv4.ip_forward is 1."""
    facts = knowledge()
    check = _Check(
        "runtime-ip-forward",
        facts.forward_symbol,
        levels(facts.forward_symbol),
        "NAT for the guests routes their packets through the host: IPv4 forwarding must be on",
        "1",
    )
    try:
        text = system.read(facts.forward)
    except _Unreadable as e:
        return check.unknown(str(e))
    if text is None:
        return check.unmet("missing", f"{facts.forward} does not exist (no IPv4 in this kernel?)")
    value = text.strip()
    if value == "1":
        return check.passed("1")
    return check.unmet(
        value,
        f"IPv4 forwarding is off ({facts.forward} is {value})",
        system.sudo("sysctl -w net.ipv4.ip_forward=1"),
    )


@dataclass(frozen=True)
class Listing:
    """The output of a read-only firewall listing, or why it could not be had."""

    text: str | None
    problem: str | None = None


Runner = Callable[[Sequence[str]], Listing]


def run_listing(argv: Sequence[str]) -> Listing:
    """Run a read-only listing (``nft list ruleset``, ``iptables-save -t nat``) with a timeout."""
    if shutil.which(argv[0]) is None:
        return Listing(None, f"{argv[0]} is not installed")
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=LIST_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return Listing(None, f"`{' '.join(argv)}` did not answer within {LIST_TIMEOUT:g} s")
    except OSError as e:
        return Listing(None, f"cannot run {argv[0]}: {e.strerror}")
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or ["failed"])[-1]
        if os.geteuid() != 0 or "permission" in said.lower() or "not permitted" in said.lower():
            return Listing(None, f"`{' '.join(argv)}` needs root ({said})")
        return Listing(None, f"`{' '.join(argv)}` failed: {said}")
    return Listing(done.stdout)


def check_masquerade(
    system: System, values: Callable[[str], str | None], run: Runner = run_listing
) -> Result:
    """A masquerade rule is loaded (nftables or iptables), when the rules can be read.

    Listing rules must not load anything: ``nft`` is run only when nf_tables is already in the
    kernel (built in or loaded), and ``iptables-save -t nat`` only when the legacy nat table
    exists (/proc/net/ip_tables_names): otherwise asking would load the modules.
    """
    facts = knowledge()
    symbol = "NFT_MASQ" if _is_on(values("NFT_MASQ")) else "IP_NF_TARGET_MASQUERADE"
    check = _Check(
        "runtime-masquerade",
        symbol,
        facts.masquerade_level,
        "NAT hides the guests behind the host's address with a masquerade rule",
        "masquerade rule",
    )
    if not system.live:
        return check.unknown("firewall rules can be read only on the live system (--sysroot /)")
    listings: list[tuple[str, Sequence[str]]] = []
    try:
        nft_in_kernel = values("NF_TABLES") == "y" or system.stat("/sys/module/nf_tables")
        legacy = "nat" in (system.read("/proc/net/ip_tables_names") or "").split()
    except _Unreadable as e:
        return check.unknown(f"{e} (to tell whether iptables nat rules exist)")
    if nft_in_kernel:
        listings.append(("NFT_MASQ", ("nft", "list", "ruleset")))
    if legacy:
        listings.append(("IP_NF_TARGET_MASQUERADE", ("iptables-save", "-t", "nat")))
    if not listings:
        return check.unmet(
            "none",
            "no nftables or iptables nat table is loaded, so there is no masquerade rule",
            "start the guests' NAT network (virsh net-start default), or add a rule: "
            "nft add rule ip nat postrouting oifname UPLINK masquerade",
        )
    problems: list[str] = []
    for found_symbol, argv in listings:
        listing = run(argv)
        if listing.text is None:
            problems.append(listing.problem or f"{argv[0]} failed")
        elif re.search(r"\bmasquerade\b", listing.text, re.IGNORECASE):
            found = _Check(check.id, found_symbol, check.level, check.reason, check.expected)
            return found.passed(f"{argv[0]}: masquerade")
    if problems:
        return check.unknown("cannot list the firewall rules: " + "; ".join(problems))
    return check.unmet(
        "none",
        "the loaded nftables/iptables rules have no masquerade rule",
        "start the guests' NAT network (virsh net-start default), or add a rule: "
        "nft add rule ip nat postrouting oifname UPLINK masquerade",
    )


# -- tap scripts -----------------------------------------------------------------------------


def check_tap_script(system: System, script: str, index: int, level: Level) -> Result:
    """The script= of -netdev tap exists, is a regular file and the user may run it."""
    path = str(PurePosixPath("/", script))
    check = _Check(
        "runtime-tap-script" + (f"-{index}" if index else ""),
        "TUN",
        level,
        f"-netdev tap runs {path} to configure the new tap device",
        "executable",
    )
    try:
        st = system.stat(path)
    except _Unreadable as e:
        return check.unknown(str(e))
    if st is None:
        return check.unmet("missing", f"{path} does not exist (QEMU then fails to start)")
    if not stat.S_ISREG(st.st_mode):
        return check.unmet("not a file", f"{path} is not a regular file")
    if not system.may(path, st, os.X_OK):
        return check.unmet(
            stat.filemode(st.st_mode),
            f"{system.user.name} may not run {path}",
            system.sudo(f"chmod +x {path}"),
        )
    return check.passed(stat.filemode(st.st_mode))


# -- the whole host --------------------------------------------------------------------------


def check_host(
    sysroot: Path = Path("/"),
    *,
    config_values: ConfigValues,
    kvm: bool = False,
    tap: bool = False,
    vhost_net: bool = False,
    vhost_vsock: bool = False,
    bridges: Sequence[str] = (),
    tap_scripts: Sequence[str] = (),
    nat: bool = False,
    levels: Mapping[str, Level] | None = None,
    user: User | None = None,
    run: Runner = run_listing,
) -> tuple[Result, ...]:
    """The live checks for one host scenario, in a stable order; what ``kcheck host`` and
    ``kcheck vm`` (its host side) report in their "Runtime" section.

    ``sysroot`` prefixes every path read (/proc, /sys, /dev, /lib/modules, /etc, /usr/lib);
    a directory that does not exist is an InputError. ``config_values`` gives the config's
    value of a symbol ("y", "m", "n", a string, or None when unset): a mapping or a function
    such as ``ConfigView.value``. The scenario is explicit:

    - ``kvm``: /dev/kvm (KVM), the KVM symbol this CPU needs (kvm_intel/kvm_amd, e500v2/e500mc);
    - ``tap``: /dev/net/tun (TUN); ``vhost_net``: /dev/vhost-net; ``vhost_vsock``:
      /dev/vhost-vsock; each with its module when the symbol is =m;
    - ``bridges``: each bridge exists and is up, qemu-bridge-helper is usable, and
      /etc/qemu/bridge.conf allows each (with the BRIDGE module when =m);
    - ``tap_scripts``: each -netdev tap script= exists and is executable ("no" skips);
    - ``nat``: net.ipv4.ip_forward is 1, and a masquerade rule is loaded (read when it can be).

    ``levels`` maps a symbol to the level its results take (e.g. the level of the profile's
    requirement on it); symbols not in it are required, since the caller asked for them.
    ``user`` is who will run QEMU (default: the real user of this process); it is used for a
    sysroot other than /, where permissions are computed instead of asked (see System.may).
    ``run`` runs the read-only firewall listings (replaceable for tests).
    """
    system = System.at(sysroot, user)
    values = _values(config_values)
    level_of = _level_lookup(levels)
    facts = knowledge()
    index: list[_ModuleIndex | None] = []

    def module_index() -> _ModuleIndex | None:
        if not index:
            index.append(_ModuleIndex.read(system, system.release()))
        return index[0]

    def node_and_module(key: str) -> Iterator[Result]:
        device = facts.device(key)
        yield check_device(system, device, values(device.symbol), level_of(device.symbol))
        yield from _modules(system, (device.symbol,), values, level_of, module_index)

    out: list[Result] = []
    if kvm:
        out += node_and_module("kvm")
        cpu = check_kvm_cpu(system, values, level_of)
        if cpu is not None:
            out.append(cpu)
            if cpu.symbol != "KVM":
                out += _modules(system, (cpu.symbol,), values, level_of, module_index)
    for key, wanted in (("tap", tap), ("vhost_net", vhost_net), ("vhost_vsock", vhost_vsock)):
        if wanted:
            out += node_and_module(key)
    if bridges:
        out += _modules(system, ("BRIDGE",), values, level_of, module_index)
        out += (check_bridge(system, name, level_of("BRIDGE")) for name in bridges)
        out.append(check_bridge_helper(system, level_of("BRIDGE")))
        out += (check_bridge_acl(system, name, level_of("BRIDGE")) for name in bridges)
    scripts = [s for s in tap_scripts if s and s != "no"]
    out += (check_tap_script(system, s, i, level_of("TUN")) for i, s in enumerate(scripts))
    if nat:
        out.append(check_forwarding(system, level_of))
        out.append(check_masquerade(system, values, run))
    return tuple(out)


def _level_lookup(levels: Mapping[str, Level] | None) -> Callable[[str], Level]:
    given = dict(levels or {})
    return lambda symbol: given.get(symbol, Level.REQUIRED)


def _modules(
    system: System,
    symbols: Sequence[str],
    values: Callable[[str], str | None],
    level_of: Callable[[str], Level],
    index: Callable[[], _ModuleIndex | None],
) -> Iterator[Result]:
    """The module checks of the symbols that are =m (a built-in or unset one has none)."""
    for symbol in symbols:
        module = knowledge().module(symbol)
        if module is not None and values(symbol) == "m":
            yield check_module(system, module, level_of(symbol), index)
