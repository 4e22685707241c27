"""``kcheck vm``: check one QEMU virtual machine -- its definition, its guest kernel, its host.

The definition (a QEMU command line, a file holding one, or a libvirt domain) is turned into
requirements by :mod:`kcheck.qemu`: what the guest kernel needs for this machine, CPU, these
devices and this way of booting, and what the host kernel needs for these network back ends
and this accelerator. Each side is then checked like any profile (``app.check_loaded``), so
every report format, ``--strict``, waivers and ``--explain`` work unchanged, and fixed through
the same planner (``--fix``). What no Kconfig requirement can express is checked here: that the
guest config is for an architecture this ``qemu-system-*`` runs, and that a host asked for KVM
can run this guest under KVM at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from kcheck import app
from kcheck.engine import ARCH_SYMBOLS
from kcheck.errors import InputError, UsageError
from kcheck.kernel.dotconfig import read_input
from kcheck.model import Level, NodeKind, Profile, Report, Result, Status
from kcheck.profiles import iter_requirements
from kcheck.qemu import (
    VmRequirements,
    derive,
    parse_command_file,
    parse_command_line,
    parse_libvirt,
)

#: Fragment names ``--fix --fragment-dir`` writes, per side.
FRAGMENTS = {"guest": "kcheck-vm-guest.config", "host": "kcheck-vm-host.config"}


@dataclass(frozen=True)
class VmSource:
    """Where the virtual machine is defined: a command line after ``--``, a file holding one
    (``--cmdline``), or a libvirt domain's XML (``--libvirt``); ``-`` is stdin for the two
    files."""

    argv: tuple[str, ...] = ()
    cmdline_file: str | None = None
    libvirt: str | None = None


@dataclass(frozen=True)
class Side:
    """One kernel of the machine: ``guest`` or ``host``, the profile derived for it, and the
    config and tree to check it on."""

    name: str
    profile: Profile
    inputs: app.Inputs


@dataclass(frozen=True)
class VmCheck:
    """The requirements derived from the definition and one report per side checked
    (guest first)."""

    requirements: VmRequirements
    reports: tuple[Report, ...]

    @property
    def exit_code(self) -> int:
        return max([0, *(r.summary.exit_code for r in self.reports)])


def read_definition(source: VmSource) -> VmRequirements:
    """Parse the definition and derive what the guest and host kernels need."""
    given = [bool(source.argv), source.cmdline_file is not None, source.libvirt is not None]
    if sum(given) != 1:
        raise UsageError(
            "give the virtual machine one way: a QEMU command line after --, --cmdline FILE "
            "or --libvirt FILE"
        )
    if source.libvirt is not None:
        domain = read_input(source.libvirt, "a libvirt domain")
        return derive(parse_libvirt(domain.text, domain.name))
    if source.cmdline_file is not None:
        return derive(parse_command_file(source.cmdline_file))
    return derive(parse_command_line(list(source.argv)))


def sides(
    requirements: VmRequirements, guest: app.Inputs | None, host: app.Inputs | None
) -> list[Side]:
    """The sides to check: the guest when a config is given, the host unless ``--no-host``."""
    out = []
    if guest is not None:
        out.append(Side("guest", requirements.guest, guest))
    if host is not None:
        out.append(Side("host", requirements.host, host))
    if not out:
        raise UsageError("nothing to check: give --guest CONFIG, or leave out --no-host")
    return out


def _loaded_sides(
    requirements: VmRequirements,
    guest: app.Inputs | None,
    host: app.Inputs | None,
    notify: app.Notify,
) -> Iterator[tuple[Side, app.Loaded, tuple[Result, ...]]]:
    """Each side to check with its config loaded and what the machine says of its arch
    (:func:`consistency`); the definition's warnings are said first."""
    for warning in requirements.warnings:
        notify(f"warning: {warning}")
    for side in sides(requirements, guest, host):
        loaded = app.load_inputs(side.inputs, notify)
        yield side, loaded, consistency(side.name, requirements, loaded.arch)


def check_vm(
    source: VmSource,
    guest: app.Inputs | None,
    host: app.Inputs | None,
    notify: app.Notify,
    *,
    explain: bool = False,
    gate: app.Gate | None = None,
    runtime: app.Runtime | None = None,
) -> VmCheck:
    """Check the guest and host kernels against what this virtual machine needs.

    ``runtime`` asks for the live checks on the host side (as ``kcheck host`` runs them: by
    default when the host config is the running kernel's), limited to what this machine uses.
    """
    requirements = read_definition(source)
    live = None
    if runtime is not None and host is not None:
        live = live_checks(requirements, runtime)
        if not app.runtime_applies(live, host):
            live = None
    reports = []
    for side, loaded, arch_results in _loaded_sides(requirements, guest, host, notify):
        extra = arch_results
        if side.name == "host" and live is not None:
            extra += app.runtime_results(live, side.profile, loaded)
        report = app.check_loaded(side.profile, loaded, explain=explain, gate=gate, extra=extra)
        if requirements.warnings:
            report = replace(report, notices=(*report.notices, *requirements.warnings))
        reports.append(report)
    return VmCheck(requirements, tuple(reports))


def live_checks(requirements: VmRequirements, runtime: app.Runtime) -> app.Runtime:
    """The live host checks this machine asks for: a device node only when the host side
    requires its symbol (/dev/net/tun for TUN, /dev/vhost-net for VHOST_NET, ...), the bridges
    and tap scripts its back ends name, forwarding when it needs NAT."""
    symbols = {req.symbol for req in iter_requirements(requirements.host.requirements)}
    return replace(
        runtime,
        net="nat" if "NF_NAT" in symbols else "bridge" if requirements.bridges else "tap",
        bridges=requirements.bridges,
        tap_scripts=requirements.tap_scripts,
        kvm=requirements.kvm,
        tap="TUN" in symbols,
        vhost_net="VHOST_NET" in symbols,
        vhost_vsock="VHOST_VSOCK" in symbols,
    )


def fix_vm(
    source: VmSource,
    guest: app.Inputs | None,
    host: app.Inputs | None,
    notify: app.Notify,
    *,
    include_optional: bool = False,
    gate: app.Gate | None = None,
) -> list[tuple[str, app.FixOutcome]]:
    """One verified fix per side checked: (side name, outcome), guest first.

    A side whose config is for an architecture this machine cannot run is not planned: no
    fragment turns an arm64 config into a PowerPC one; the check says so.
    """
    requirements = read_definition(source)
    outcomes = []
    for side, loaded, mismatch in _loaded_sides(requirements, guest, host, notify):
        if mismatch:
            raise InputError(
                f"{mismatch[0].reason}; nothing to fix with a fragment",
                path=loaded.config.name,
            )
        outcomes.append(
            (
                side.name,
                app.fix_loaded(
                    side.profile,
                    loaded,
                    include_optional=include_optional,
                    gate=gate,
                    machine=True,
                ),
            )
        )
    return outcomes


def consistency(side: str, requirements: VmRequirements, arch: str | None) -> tuple[Result, ...]:
    """What the machine asks of a kernel's architecture: a guest config for an arch this
    ``qemu-system-*`` runs; a host that can run this guest under KVM when KVM is asked for.

    An empty tuple when it holds or the arch is unknown (the report then says the arch is
    unknown elsewhere); else one failing result naming the binary or the accelerator.
    """
    if arch is None:
        return ()
    vm = requirements.vm
    if side == "guest":
        allowed: Sequence[str] = requirements.guest_arches
        origin = vm.binary_origin
        reason = f"{vm.binary} runs {_arch_list(allowed)} kernels; this config is for {arch}"
        wanted_id = "qemu-guest-arch"
    else:
        if not requirements.kvm:
            return ()
        allowed = requirements.kvm_host_arches
        origin = vm.accel_origin
        reason = (
            f"KVM runs a {vm.binary} guest only on a {_arch_list(allowed)} host; "
            f"this host kernel is for {arch}"
        )
        wanted_id = "kvm-host-arch"
    if not allowed or arch in allowed:
        return ()
    symbol = ARCH_SYMBOLS.get(allowed[0], "")
    return (
        Result(
            id=wanted_id,
            kind=NodeKind.SYMBOL,
            level=Level.REQUIRED,
            status=Status.FAIL,
            reason=reason,
            section="Machine",
            symbol=symbol,
            expected="y",
            actual="n",
            why=reason,
            origin=origin,
        ),
    )


def _arch_list(arches: Sequence[str]) -> str:
    return " or ".join(arches) if arches else "no"
