"""The command line: click commands that parse options, call ``app``, render, and exit.

This is the only module that imports click and the only place that exits. Reports go to
stdout; notices, warnings and errors go to stderr. Exit codes: 0 every required
requirement met, 1 one is not, 2 usage or input error, 3 internal error.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from kcheck import __version__, app
from kcheck.errors import InputError, KcheckError, UsageError
from kcheck.kernel import cache as tree_cache
from kcheck.kernel.dotconfig import KNOWN_ARCHES
from kcheck.model import DEFAULT_DEPTH, FixPlan, FragmentReport, Report
from kcheck.output import check_in_place_target, check_writable_target, write_atomic
from kcheck.policy import parse_waive_option
from kcheck.profiles import builtin_profiles, load_profile
from kcheck.reporters import FORMATS, RenderOptions, render_reports
from kcheck.reporters.chain import render_explanation_json, render_explanation_text
from kcheck.reporters.fix import render_fix_json, render_fix_text
from kcheck.reporters.fragments import FRAGMENT_FORMATS
from kcheck.reporters.text import summary_line

if TYPE_CHECKING:
    from kcheck.vm import VmSource

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def _notify(message: str) -> None:
    _stderr(f"kcheck: {message}")


def _color_wanted(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _width() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError):
            columns = 100
    return max(60, min(columns, 200))


def _run(body: Callable[[], int]) -> None:
    """Run a command body and exit with its code; map our errors to 2/3, bugs to 3."""
    try:
        code = body()
    except KcheckError as e:
        _stderr(f"kcheck: error: {e.location_message()}")
        code = e.exit_code
    except KeyboardInterrupt:
        _stderr("kcheck: interrupted")
        code = 130
    except BrokenPipeError:
        # `kcheck ... | head` closed the pipe: not an error of ours.
        sys.stderr.close()
        code = EXIT_OK
    except Exception as e:
        if os.environ.get("KCHECK_DEBUG"):
            traceback.print_exc()
        _stderr(
            f"kcheck: internal error: {type(e).__name__}: {e} "
            "(this is a bug in kcheck; rerun with KCHECK_DEBUG=1 for a traceback)"
        )
        code = EXIT_INTERNAL
    sys.exit(code)


def _stack(options: Sequence[Callable[[Any], Any]], f: F) -> F:
    """Apply option decorators so that --help lists them in the order given."""
    for option in reversed(options):
        f = option(f)
    return f


def tree_options(f: F) -> F:
    """Options shared by every command that reads a config against a tree."""
    options = [
        click.option(
            "--tree",
            type=click.Path(path_type=Path, file_okay=False),
            envvar="KCHECK_TREE",
            help="Kernel source tree (env KCHECK_TREE). Default: the config's directory or the "
            "current one if it is a tree; for the running kernel, its build directory.",
        ),
        click.option(
            "--arch",
            type=click.Choice(KNOWN_ARCHES),
            help="Architecture (make ARCH). Default: read from the config.",
        ),
        click.option(
            "--probe",
            is_flag=True,
            help="Run the tree's real toolchain probes (executes the compiler and scripts from "
            "the tree). Default: answer them from the config, running nothing.",
        ),
        click.option(
            "--cross-compile",
            metavar="PREFIX",
            envvar="CROSS_COMPILE",
            help="Cross compiler prefix for --probe, e.g. aarch64-linux-gnu- (env CROSS_COMPILE).",
        ),
        click.option(
            "--no-cache", is_flag=True, help="Parse the tree afresh; do not use the cache."
        ),
    ]
    return _stack(options, f)


def format_option(f: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(sorted(FORMATS)),
        default=None,
        help="Report format. Default: github under GitHub Actions (GITHUB_ACTIONS=true), "
        "else text.",
    )(f)


def gate_options(f: F) -> F:
    """Options for using kcheck as a CI gate, shared by guest, host and check."""
    return _stack([*_gate_option_list(), _jobs_option], f)


def _gate_option_list() -> list[Callable[[Any], Any]]:
    """--strict, --waivers, --waive, -q and --report: also for ``kcheck vm``."""
    return [
        click.option(
            "--strict", is_flag=True, help="Recommended requirements that are not met fail too."
        ),
        click.option(
            "--waivers",
            "waiver_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="A TOML file of waivers (id, reason, optional expires). Default: "
            ".kcheck-waivers.toml next to the config, if there is one.",
        ),
        click.option(
            "--waive",
            "waive",
            multiple=True,
            metavar="ID=REASON",
            help="Waive one requirement, with the reason (repeatable).",
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            help="Text report: only what is not met, and the summary.",
        ),
        click.option(
            "--report",
            "report_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write the report to this file instead of stdout; the summary goes to stderr.",
        ),
    ]


_jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="Check several configs in this many processes.",
)


def explain_option(f: F) -> F:
    return click.option(
        "--explain",
        is_flag=True,
        help="Under every failing or warning requirement, show the whole dependency chain down "
        "to the options you can set (see `kcheck explain --help`). Needs a kernel tree.",
    )(f)


def _inputs(
    config: str | None,
    tree: Path | None,
    arch: str | None,
    probe: bool,
    cross_compile: str | None,
    no_cache: bool,
) -> app.Inputs:
    return app.Inputs(
        config=config,
        tree=tree,
        arch=arch,
        probe=probe,
        cross_compile=cross_compile if probe else None,
        cache=not no_cache,
    )


def _inputs_from(options: dict[str, Any], config: str | None) -> app.Inputs:
    """``app.Inputs`` from the shared tree options of guest, host and check."""
    return _inputs(
        config,
        options["tree"],
        options["arch"],
        options["probe"],
        options["cross_compile"],
        options["no_cache"],
    )


def _gate(options: dict[str, Any]) -> app.Gate:
    """``app.Gate`` from --strict, --waive and --waivers."""
    return app.Gate(
        strict=options["strict"],
        waivers=tuple(parse_waive_option(w) for w in options["waive"]),
        waiver_file=options["waiver_file"],
    )


def fix_options(f: F) -> F:
    """Options of ``--fix``, shared by guest, host and check."""
    return _stack([*_fix_option_list(), _in_place_option], f)


def _fix_option_list() -> list[Callable[[Any], Any]]:
    """--fix, --all, -o, --fragment-dir and --allow-disable: also for ``kcheck vm``."""
    return [
        click.option(
            "--fix",
            is_flag=True,
            help="Compute one verified plan that makes every failing required and recommended "
            "requirement hold, and write it as a merge_config.sh fragment (stdout, or -o).",
        ),
        click.option(
            "--all", "fix_all", is_flag=True, help="--fix: include optional requirements."
        ),
        click.option(
            "-o",
            "--output",
            "fix_output",
            type=click.Path(path_type=Path, dir_okay=False),
            help="--fix: write the fragment here; the summary goes to stdout.",
        ),
        click.option(
            "--fragment-dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="--fix: write DIR/kcheck-<profile>.config (in kernel/configs or "
            "arch/$ARCH/configs, `make kcheck-<profile>.config` merges it).",
        ),
        click.option(
            "--allow-disable",
            is_flag=True,
            help="--fix: accept a plan that turns off something that is on now.",
        ),
    ]


_in_place_option = click.option(
    "--in-place",
    is_flag=True,
    help="--fix: rewrite CONFIG itself as make olddefconfig would after merging, "
    "atomically, keeping CONFIG.old.",
)


def _run_fix(profile: str, configs: list[str | None], options: dict[str, Any]) -> None:
    """``--fix``: plan, verify, refuse what turns things off, then write where asked."""

    def body() -> int:
        if len(configs) != 1:
            raise UsageError("--fix takes one config at a time")
        config = configs[0]
        fmt = _fix_format(options)
        output: Path | None = options["fix_output"]
        fragment_dir: Path | None = options["fragment_dir"]
        in_place: bool = options["in_place"]
        if in_place and (config is None or config == "-"):
            raise UsageError(
                "--in-place needs a config file to rewrite, not stdin or the running kernel"
            )
        targets: list[Path] = []
        if output is not None:
            targets.append(output)
        if fragment_dir is not None:
            from kcheck.fragment import fragment_name  # with the planner: only for --fix

            targets.append(_fragment_dir(fragment_dir) / fragment_name(profile))
        for target in targets:
            check_writable_target(target)  # before the work: a bad target writes nothing
        in_place_path = Path(config) if in_place and config is not None else None
        if in_place_path is not None:
            check_in_place_target(in_place_path)
        inputs = _inputs_from(options, config)
        gate = _gate(options)
        outcome = app.fix(profile, inputs, _notify, include_optional=options["fix_all"], gate=gate)
        if in_place_path is not None and outcome.merged is None and outcome.plan.changes:
            raise UsageError("--in-place needs a kernel tree to resolve the result: pass --tree")
        return _deliver_fixes([(outcome, targets)], fmt, options, in_place=in_place_path)

    _run(body)


def vm_gate_options(f: F) -> F:
    """The gate options ``kcheck vm`` takes: all but --jobs (one machine, two configs)."""
    return _stack(_gate_option_list(), f)


def vm_fix_options(f: F) -> F:
    """The fix options ``kcheck vm`` takes: all but --in-place (two configs, two fragments)."""
    return _stack(_fix_option_list(), f)


def _fix_format(options: dict[str, Any]) -> str:
    fmt: str = options["fmt"] or "text"
    if fmt not in ("text", "json"):
        raise UsageError("--fix reports as text or json")
    return fmt


def _fragment_dir(directory: Path) -> Path:
    if not directory.is_dir():
        raise InputError("no such directory", path=directory)
    return directory


def _deliver_fixes(
    fixes: Sequence[tuple[app.FixOutcome, list[Path]]],
    fmt: str,
    options: dict[str, Any],
    *,
    in_place: Path | None = None,
    switches_demanded: bool = False,
) -> int:
    """Write verified fragments where asked, or refuse them all.

    Each fix goes to its targets, or -- with none -- its fragment to stdout and its summary
    to stderr (only one fix may go to stdout). Nothing is written when any plan turns off
    something that is on now (unless --allow-disable) or did not verify. Exit 1 when a
    requirement was impossible.

    ``switches_demanded``: the requirements come from a machine the user named (``kcheck
    vm``), so a plan that must switch a choice (the processor type a -M/-cpu needs) is what
    was asked for: what the switch itself turns off (``FixOutcome.switch_turns_off``) is
    said, not refused. Anything else the plan turns off is refused as always.
    """
    refusals: list[str] = []
    summaries: list[str] = []
    for outcome, _targets in fixes:
        plan = outcome.plan
        summaries.append(render_fix_json(plan) if fmt == "json" else render_fix_text(plan))
        notice, refusal = turn_off_verdict(
            plan,
            outcome.switch_turns_off if switches_demanded else (),
            allow_disable=options["allow_disable"],
        )
        if notice is not None:
            _notify(notice)
        if refusal is not None:
            refusals.append(refusal)
        if plan.verification is not None and not plan.verification.ok:
            refusals.append(
                f"the plan for {plan.config} did not verify; nothing written "
                "(this is worth a bug report)"
            )
    if refusals:
        sys.stdout.write("".join(summaries))
        for refusal in refusals:
            _notify(refusal)
        return EXIT_FAIL
    for (outcome, targets), summary in zip(fixes, summaries, strict=True):
        if not targets and in_place is None:
            sys.stdout.write(outcome.fragment)
            sys.stdout.flush()
            _stderr(summary.rstrip("\n"))
            continue
        for target in targets:
            write_atomic(target, outcome.fragment)
            _notify(f"fragment written to {target}")
        if in_place is not None and outcome.merged is not None:
            write_atomic(
                in_place, outcome.merged, backup=in_place.with_name(in_place.name + ".old")
            )
            _notify(f"{in_place} rewritten; the previous one is {in_place.name}.old")
        sys.stdout.write(summary)
    return EXIT_FAIL if any(outcome.plan.impossible for outcome, _ in fixes) else EXIT_OK


def turn_off_verdict(
    plan: FixPlan, demanded: Sequence[str], *, allow_disable: bool
) -> tuple[str | None, str | None]:
    """(notice, refusal) for what ``plan`` turns off that no requirement asked to turn off.

    ``demanded``: turn-offs the user asked for by naming the machine (what the choice switch
    a -M/-cpu needs turns off by itself); they are said in the notice. Any other turn-off
    refuses the fix unless ``allow_disable``.
    """
    asked = {c.symbol for c in plan.changes if c.required_by}
    turned_off = [symbol for symbol in plan.turns_off if symbol not in asked]
    said = [symbol for symbol in turned_off if symbol in demanded]
    rest = [symbol for symbol in turned_off if symbol not in demanded]
    notice = refusal = None
    if said:
        notice = (
            "the machine needs "
            + "; ".join(
                f"{c.choice} switched from {c.switched_from} to {c.symbol}"
                for c in plan.choice_switches
            )
            + f" in {plan.config}, which turns off "
            + ", ".join(said)
        )
    if rest and not allow_disable:
        switches = "".join(
            f" switches {c.choice} from {c.switched_from} to {c.symbol}, which"
            for c in plan.choice_switches
            if not said
        )
        refusal = (
            f"refusing to write the fix for {plan.config}: it{switches}"
            + (" also" if said else "")
            + " turns off "
            + ", ".join(rest)
            + " (on now); pass --allow-disable to accept that"
        )
    return notice, refusal


def _run_checks(
    profile: str,
    configs: list[str | None],
    options: dict[str, Any],
    runtime: app.Runtime | None = None,
) -> None:
    """What guest, host and check share: check each config, render, and exit with the worst.

    ``runtime`` (host only) adds the live system's checks to a single config's report.
    """
    if runtime is not None:
        problem = _runtime_usage(runtime, configs, options)
        if problem is not None:
            _run(lambda: _usage(problem))
            return
    if options["fix"]:
        _run_fix(profile, configs, options)
        return
    fix_only = _fix_only_given(options)
    if fix_only is not None:
        _run(lambda: _usage(fix_only))
        return

    def body() -> int:
        fmt = _report_format(options)
        report_file: Path | None = options["report_file"]
        if report_file is not None:
            check_writable_target(report_file)
        gate = _gate(options)
        inputs = _inputs_from(options, None)
        if configs == [None]:
            report = app.check(profile, inputs, _notify, options["explain"], gate, runtime)
            return _emit([report], [], fmt, options)
        sources = app.config_sources([c for c in configs if c is not None])
        if len(sources) == 1:
            one = replace(inputs, config=sources[0])
            report = app.check(profile, one, _notify, options["explain"], gate, runtime)
            return _emit([report], [], fmt, options)
        if runtime is not None and (runtime.wanted or runtime.sysroot is not None):
            raise UsageError("--runtime and --sysroot check one config, not several")
        items = _check_batch(profile, sources, inputs, gate, options)
        reports = [item.report for item in items if item.report is not None]
        errors = [(item.config, item.error) for item in items if item.error is not None]
        code = _emit(reports, errors, fmt, options)
        return max([code, *(item.exit_code for item in items)])

    _run(body)


def _usage(message: str) -> int:
    raise UsageError(message)


def _runtime_usage(
    runtime: app.Runtime, configs: list[str | None], options: dict[str, Any]
) -> str | None:
    """What is wrong with host's live-check options, if anything (before any work)."""
    if runtime.wanted is False and runtime.sysroot is not None:
        return "--sysroot goes with the live checks; drop --no-runtime"
    if options["fix"] and (runtime.wanted or runtime.sysroot is not None):
        return "--runtime and --sysroot do not go with --fix (a fix changes the config only)"
    if len(configs) > 1 and (runtime.wanted or runtime.sysroot is not None):
        return "--runtime and --sysroot check one config, not several"
    return None


def _check_batch(
    profile: str,
    sources: list[str],
    inputs: app.Inputs,
    gate: app.Gate,
    options: dict[str, Any],
) -> list[app.BatchItem]:
    """Check many configs; a progress bar on a terminal; notices and errors on stderr."""

    def report_item(item: app.BatchItem) -> None:
        for notice in item.notices:
            _notify(notice)
        if item.error is not None:
            _stderr(f"kcheck: error: {item.error}")

    def run(done: Callable[[app.BatchItem], None]) -> list[app.BatchItem]:
        return app.check_many(
            profile,
            sources,
            inputs,
            explain=options["explain"],
            gate=gate,
            jobs=options["jobs"],
            on_done=done,
            notify=_notify,
        )

    if not sys.stderr.isatty():
        return run(report_item)
    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    with Progress(
        TextColumn("kcheck: checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(sources))

        def advance(item: app.BatchItem) -> None:
            report_item(item)
            progress.update(task, advance=1, description=Path(item.config).name)

        return run(advance)


def _emit(
    reports: list[Report], errors: list[tuple[str, str]], fmt: str, options: dict[str, Any]
) -> int:
    """Render to stdout, or to --report with the summary lines on stderr; the worst code."""
    report_file: Path | None = options["report_file"]
    color = fmt == "text" and report_file is None and _color_wanted(sys.stdout)
    opts = RenderOptions(color=color, width=_width(), quiet=options["quiet"])
    text = render_reports(fmt, reports, opts, errors) if reports or errors else ""
    if report_file is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(report_file, text)
        for report in reports:
            _stderr(f"kcheck: {report.config}: {summary_line(report)}")
        _notify(f"report written to {report_file}")
    return max([r.summary.exit_code for r in reports] + [EXIT_INPUT for _ in errors] + [0])


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="kcheck")
def main() -> None:
    """Check Linux kernel configs for what QEMU/KVM virtio guests and hosts need.

    \b
    Examples:
      kcheck guest .config                    is this guest kernel ready?
      kcheck guest arch/arm64/configs/defconfig --tree .
      kcheck host                             the running host kernel, bridged guests
      kcheck host --net nat /boot/config-6.12.0
      zcat config.gz | kcheck guest - --tree ~/linux --format json
      kcheck resolve .config -o resolved.config
      kcheck explain VIRTIO_NET .config --tree ~/linux   why is it off?
      kcheck vm --guest .config --tree ~/linux -- qemu-system-ppc -M ppce500 ...
      kcheck merge .config kernel/configs/kvm_guest.config --tree ~/linux -o merged.config
      kcheck lint kernel/configs/kvm_guest.config --tree ~/linux --arch arm64
      kcheck profiles guest

    Exit codes: 0 all required options met, 1 a required option is missing,
    2 bad usage or input, 3 internal error.
    """


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("configs", metavar="CONFIG...", nargs=-1, required=True)
@click.option(
    "--root",
    type=click.Choice(["initramfs", "virtio-blk"]),
    default="initramfs",
    show_default=True,
    help="Where the root filesystem comes from. virtio-blk: no initramfs, so the disk path "
    "must be built in (=y).",
)
@tree_options
@format_option
@explain_option
@gate_options
@fix_options
def guest(configs: tuple[str, ...], root: str, **options: Any) -> None:
    """Check guest kernel configs for the virtio drivers QEMU guests need.

    CONFIG is a .config path, a .config.gz, - for stdin, or a directory of configs. Several
    configs share one parsed tree and end with a summary table; the worst exit code wins.

    \b
    Examples:
      kcheck guest .config
      kcheck guest --root virtio-blk .config
      kcheck guest --tree ~/src/linux --arch arm64 my.config --format json
      kcheck guest .config --tree ~/src/linux --explain   the chain behind every failure
      kcheck guest configs/ --tree ~/src/linux -j 2 --quiet
      kcheck guest .config --strict --waive virtio-balloon='fixed-memory guests'
      kcheck guest .config --tree ~/src/linux --fix -o kcheck-guest.config
      kcheck guest .config --tree ~/src/linux --fix --in-place   keeps .config.old
    """
    profile = "guest-virtio-root" if root == "virtio-blk" else "guest"
    _run_checks(profile, list(configs), options)


def runtime_options(f: F) -> F:
    """--runtime/--no-runtime and --sysroot, for host and vm (their host side)."""
    options = [
        click.option(
            "--runtime/--no-runtime",
            "runtime",
            default=None,
            help="Also check the live system (device nodes, modules, bridge, forwarding). "
            "Default: on for the running kernel's config (no CONFIG) or with --sysroot; "
            "--runtime on a CONFIG that is not the running kernel's is an error.",
        ),
        click.option(
            "--sysroot",
            type=click.Path(path_type=Path, file_okay=False),
            help="Run the live checks on the system mounted at DIR (/proc, /sys, /dev, "
            "/lib/modules, /etc under it) with CONFIG as its kernel's config. Default: /.",
        ),
    ]
    return _stack(options, f)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("configs", metavar="[CONFIG...]", nargs=-1)
@click.option(
    "--net",
    type=click.Choice(["bridge", "tap", "nat"]),
    default="bridge",
    show_default=True,
    help="How guests are networked: bridge (802.1d bridge + TAP), tap (guest<->host only), "
    "nat (guest reaches the outside through the host).",
)
@runtime_options
@click.option(
    "--bridge",
    "bridges",
    multiple=True,
    metavar="NAME",
    help="--net bridge: the bridge guests join (repeatable). Default: br0.",
)
@click.option(
    "--tap-script",
    "tap_scripts",
    multiple=True,
    metavar="PATH",
    help="--net tap/nat: check the script= QEMU runs for -netdev tap (QEMU's default is "
    "/etc/qemu-ifup; repeatable).",
)
@tree_options
@format_option
@explain_option
@gate_options
@fix_options
def host(
    configs: tuple[str, ...],
    net: str,
    runtime: bool | None,
    sysroot: Path | None,
    bridges: tuple[str, ...],
    tap_scripts: tuple[str, ...],
    **options: Any,
) -> None:
    """Check host kernel configs for KVM and the guest network back end.

    With no CONFIG, checks the running kernel (/proc/config.gz, /boot/config-$(uname -r),
    /lib/modules/$(uname -r)/config) and says which file it used, and then the live system
    too (section "Runtime"): /dev/kvm, /dev/net/tun, /dev/vhost-net and /dev/vhost-vsock are
    character devices this user may open, =m options' modules are loaded or loadable, the KVM
    symbol this CPU needs is set, and per --net: the bridge is up and qemu-bridge-helper may
    use it (bridge), the tap script runs (tap), forwarding is on and a masquerade rule is
    loaded (nat). Each names the symbol it rests on and the command that fixes it. Nothing is
    changed; what cannot be read without root is "unknown", not a failure.

    \b
    Examples:
      kcheck host
      kcheck host --format json             the live checks have "kind": "runtime"
      kcheck host --bridge virbr0 --strict
      kcheck host --net nat --no-runtime    the config only
      kcheck host --net nat /boot/config-$(uname -r)
      kcheck host --sysroot /mnt/img /mnt/img/boot/config-6.12.0   an image's system
      kcheck host --tree ~/src/linux .config --format json
      kcheck host --net tap .config --explain
      kcheck host --strict --format sarif --report kcheck.sarif .config
      kcheck host --fix                    a fragment that fixes the running kernel's config
    """
    live = app.Runtime(
        wanted=runtime,
        sysroot=sysroot,
        net=net,
        bridges=bridges or (("br0",) if net == "bridge" else ()),
        tap_scripts=tap_scripts,
    )
    if bridges and net != "bridge":
        _run(lambda: _usage("--bridge goes with --net bridge"))
    if tap_scripts and net == "bridge":
        _run(lambda: _usage("--tap-script goes with --net tap or --net nat"))
    _run_checks(f"host-{net}", list(configs) or [None], options, live)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--profile",
    "profile",
    required=True,
    metavar="NAME|FILE",
    help="A built-in profile name (see `kcheck profiles`) or a TOML profile file.",
)
@click.argument("configs", metavar="CONFIG...", nargs=-1, required=True)
@tree_options
@format_option
@explain_option
@gate_options
@fix_options
def check(profile: str, configs: tuple[str, ...], **options: Any) -> None:
    """Check configs against any profile, built-in or your own TOML file.

    \b
    Examples:
      kcheck check --profile my-board.toml .config
      kcheck check --profile host-nat /boot/config-6.12.0
      kcheck check --profile my-board.toml .config --explain --format json
      kcheck check --profile my-board.toml configs/ --format junit --report kcheck.xml
    """
    _run_checks(profile, list(configs), options)


@main.command("vm", context_settings={**CONTEXT_SETTINGS, "allow_interspersed_args": False})
@click.argument("qemu", metavar="[--] QEMU-COMMAND...", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--cmdline",
    "cmdline_file",
    metavar="FILE",
    help="A file holding the QEMU command (a run script: shell quoting, \\ continuations and "
    "comments are understood); - reads stdin.",
)
@click.option(
    "--libvirt",
    metavar="FILE",
    help="A libvirt domain's XML (virsh dumpxml NAME); - reads stdin.",
)
@click.option(
    "--guest",
    "guest_config",
    metavar="CONFIG",
    help="The guest kernel's config (a path, .config.gz, or -). Without it only the host and "
    "the command line itself are checked.",
)
@tree_options
@click.option(
    "--host",
    "host_config",
    metavar="CONFIG",
    help="The host kernel's config. Default: the running kernel's, as `kcheck host` finds it.",
)
@click.option(
    "--host-tree",
    type=click.Path(path_type=Path, file_okay=False),
    help="Kernel tree for the host config. Default: found as for `kcheck host`.",
)
@click.option("--no-host", is_flag=True, help="Do not check the host kernel.")
@runtime_options
@format_option
@explain_option
@vm_gate_options
@vm_fix_options
def vm(qemu: tuple[str, ...], **options: Any) -> None:
    """Check a whole QEMU virtual machine: what its command line (or libvirt domain) asks
    of the guest kernel and of the host kernel.

    Every requirement says which option asks for it (-M ppce500, -netdev tap,vhost=on, ...).
    The --tree/--arch/--probe options are for the guest config. An option or device kcheck
    does not know is a warning, never a silent pass.

    \b
    Examples:
      kcheck vm --guest .config --tree ~/linux -- qemu-system-ppc -M ppce500 -cpu e500mc \\
          -m 256 -nographic -kernel uImage -net nic,model=virtio -net tap,ifname=tap0
      kcheck vm --guest .config --tree . --no-host --cmdline run-guest.sh
      virsh dumpxml vm1 | kcheck vm --libvirt - --guest guest.config --tree ~/linux
      kcheck vm --host /boot/config-6.12.0 -- qemu-system-x86_64 -accel kvm -nic bridge,br=br0
      kcheck vm --guest .config --tree . --no-host --fix -o vm.config -- qemu-system-x86_64 ...
      kcheck vm --guest .config --tree . --fix --fragment-dir out/ -- qemu-system-x86_64 ...
    """
    from kcheck import vm as vm_app  # the QEMU knowledge is loaded by the runs that need it

    def body() -> int:
        source = vm_app.VmSource(
            argv=tuple(qemu), cmdline_file=options["cmdline_file"], libvirt=options["libvirt"]
        )
        stdin_users = [
            name
            for name, value in (
                ("--cmdline", options["cmdline_file"]),
                ("--libvirt", options["libvirt"]),
                ("--guest", options["guest_config"]),
                ("--host", options["host_config"]),
            )
            if value == "-"
        ]
        if len(stdin_users) > 1:
            raise UsageError(f"only one input can be stdin (-): {', '.join(stdin_users)}")
        guest = None
        if options["guest_config"] is not None:
            guest = _inputs_from(options, options["guest_config"])
        host = None
        if not options["no_host"]:
            host = app.Inputs(
                config=options["host_config"],
                tree=options["host_tree"],
                cache=not options["no_cache"],
            )
        elif options["host_config"] is not None or options["host_tree"] is not None:
            raise UsageError("--no-host does not go with --host or --host-tree")
        gate = _gate(options)
        if options["fix"]:
            if options["runtime"] or options["sysroot"] is not None:
                raise UsageError(
                    "--runtime and --sysroot do not go with --fix (a fix changes the config only)"
                )
            return _vm_fix(vm_app, source, guest, host, gate, options)
        fix_only = _fix_only_given(options)
        if fix_only is not None:
            raise UsageError(fix_only)
        fmt = _report_format(options)
        report_file: Path | None = options["report_file"]
        if report_file is not None:
            check_writable_target(report_file)
        live = app.Runtime(wanted=options["runtime"], sysroot=options["sysroot"])
        if host is None and (options["runtime"] or options["sysroot"] is not None):
            raise UsageError("--runtime and --sysroot check the host: drop --no-host")
        result = vm_app.check_vm(
            source, guest, host, _notify, explain=options["explain"], gate=gate, runtime=live
        )
        return _emit(list(result.reports), [], fmt, options)

    _run(body)


def _vm_fix(
    vm_app: ModuleType,
    source: VmSource,
    guest: app.Inputs | None,
    host: app.Inputs | None,
    gate: app.Gate,
    options: dict[str, Any],
) -> int:
    """``kcheck vm --fix``: one fragment per side, to --fragment-dir, -o (one side) or stdout."""
    fmt = _fix_format(options)
    output: Path | None = options["fix_output"]
    fragment_dir: Path | None = options["fragment_dir"]
    names = [name for name, given in (("guest", guest), ("host", host)) if given is not None]
    if output is not None and len(names) > 1:
        raise UsageError(
            "-o takes one fragment, and both the guest and the host are checked: use "
            "--fragment-dir DIR, or --no-host, or leave out --guest"
        )
    if output is None and fragment_dir is None and len(names) > 1:
        raise UsageError(
            "two fragments (guest and host) cannot both go to stdout: use --fragment-dir DIR"
        )
    targets: dict[str, list[Path]] = {name: [] for name in names}
    for name in names:
        if output is not None:
            targets[name].append(output)
        if fragment_dir is not None:
            targets[name].append(_fragment_dir(fragment_dir) / vm_app.FRAGMENTS[name])
    for paths in targets.values():
        for target in paths:
            check_writable_target(target)
    outcomes = vm_app.fix_vm(
        source, guest, host, _notify, include_optional=options["fix_all"], gate=gate
    )
    return _deliver_fixes(
        [(outcome, targets[name]) for name, outcome in outcomes],
        fmt,
        options,
        switches_demanded=True,
    )


@main.command("explain", context_settings=CONTEXT_SETTINGS)
@click.argument("symbol", metavar="SYMBOL[=VALUE]")
@click.argument("config", required=False)
@click.option(
    "--profile",
    "profile",
    metavar="NAME|FILE",
    help="Rank the symbols that select a promptless one by what this profile asks for. "
    "Default: the built-in profiles.",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1, max=50),
    default=DEFAULT_DEPTH,
    show_default=True,
    help="Stop following the chain this deep (a note says where it stopped).",
)
@tree_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
def explain_command(
    symbol: str,
    config: str | None,
    profile: str | None,
    depth: int,
    tree: Path | None,
    arch: str | None,
    probe: bool,
    cross_compile: str | None,
    no_cache: bool,
    fmt: str,
) -> None:
    """Why SYMBOL does not have the value wanted: the whole chain down to what you can set.

    SYMBOL is a name (CONFIG_ prefix optional) wanted on (y or m); SYMBOL=y, =m, =n or
    =y|m asks for that value. CONFIG is a .config path, a .config.gz or - for stdin; with
    none, the running kernel's config. A kernel tree is needed (--tree or KCHECK_TREE).

    \b
    The chain follows, recursively:
      depends on     each unmet term of `depends on`, enclosing `if` blocks and menus
      prompt if      the prompt's own condition; visible if: a menu hides the prompt
      one of         `||` alternatives, cheapest first
      select X       for a symbol without a prompt (VIRTIO), the symbols that select it
      capped at m    `X || !X` or a dependency at m keeps a tristate at m (TUN=m caps VHOST_NET)
      conflicts      `depends on !X`; wanting X off follows who selects X
      choice         the member selected now, and what selecting another turns off

    Each node shows its value, what it needs, its prompt, its `config` line (file:line) and
    its menuconfig path; "-> set CONFIG_X=y" marks where to act. A chain never loops, stops
    at --depth with a note, and shows a repeated sub-chain once ("explained above").

    \b
    Selectors are ranked: the symbols the profile requires (of its requirements that apply to
    this config's arch), then recommended, then optional,
    then the rest; then those in the selected symbol's own Kconfig file (its subsystem's
    providers, e.g. the virtio transports for VIRTIO); then fewest unmet dependencies. Only
    the best group is proposed; the rest are listed as "not proposed" -- VIRTIO through
    VIRTIO_CONSOLE would leave a guest without a virtio transport.

    Exit codes: 0 the symbol has the value wanted, 1 it does not, 2 bad usage or input
    (no tree, unknown symbol), 3 internal error.

    \b
    Examples:
      kcheck explain VIRTIO_NET .config --tree ~/src/linux
      kcheck explain VHOST_NET=y /boot/config-$(uname -r) --tree ~/src/linux
      kcheck explain CONFIG_KVM_E500V2 .config --tree . --format json
      kcheck explain DEBUG_INFO=n .config --tree . --profile my-board.toml
    """

    def body() -> int:
        inputs = _inputs(config, tree, arch, probe, cross_compile, no_cache)
        explanation = app.explain(symbol, inputs, _notify, profile, depth)
        if fmt == "json":
            sys.stdout.write(render_explanation_json(explanation))
        else:
            color = _color_wanted(sys.stdout)
            sys.stdout.write(render_explanation_text(explanation, color=color, width=_width()))
        sys.stdout.flush()
        return EXIT_OK if explanation.chain.met else EXIT_FAIL

    _run(body)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("config", required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the resolved config here (a regular file; replaced atomically). Default: stdout.",
)
@tree_options
def resolve(
    config: str,
    output: Path | None,
    tree: Path | None,
    arch: str | None,
    probe: bool,
    cross_compile: str | None,
    no_cache: bool,
) -> None:
    """Write CONFIG exactly as `make olddefconfig` would, without make or a compiler.

    Lists on stderr every value the config asks for that will not survive, and exits 1 if
    there is one.

    \b
    Examples:
      kcheck resolve .config -o .config.resolved
      kcheck resolve arch/arm64/configs/defconfig --tree . --probe \\
          --cross-compile aarch64-linux-gnu- -o /tmp/arm64.config
    """

    def body() -> int:
        if output is not None:
            check_writable_target(output)  # before the work, so a bad -o fails fast
        inputs = _inputs(config, tree, arch, probe, cross_compile, no_cache)
        result = app.resolve(inputs, _notify)
        if output is None:
            sys.stdout.write(result.text)
            sys.stdout.flush()
        else:
            write_atomic(output, result.text)
        for dropped in result.dropped:
            because = f": {dropped.why}" if dropped.why else ""
            _notify(
                f"will not survive: CONFIG_{dropped.name}={dropped.requested} becomes "
                f"{dropped.actual}{because}"
            )
        return EXIT_FAIL if result.dropped else EXIT_OK

    _run(body)


def fragment_gate_options(f: F) -> F:
    """Output and gate options of merge and lint."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(sorted(FRAGMENT_FORMATS)),
            default=None,
            help="Report format. Default: github under GitHub Actions, else text.",
        ),
        click.option(
            "--report",
            "report_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="Write the report to this file; the summary goes to stderr.",
        ),
        click.option("--strict", is_flag=True, help="Warnings fail too (exit 1)."),
        click.option(
            "--waivers",
            "waiver_file",
            type=click.Path(path_type=Path, dir_okay=False),
            help="A TOML file of waivers; ids are RULE:SYMBOL, RULE:FILE:LINE or a RULE. "
            "Default: .kcheck-waivers.toml next to the first fragment.",
        ),
        click.option(
            "--waive", "waive", multiple=True, metavar="ID=REASON", help="Waive one finding."
        ),
    ]
    return _stack(options, f)


def _report_format(options: dict[str, Any]) -> str:
    """--format, or github under GitHub Actions and text elsewhere."""
    given: str | None = options["fmt"]
    return given or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")


#: Options that only mean something with --fix, as (option, click parameter name).
_FIX_ONLY = (
    ("--all", "fix_all"),
    ("-o", "fix_output"),
    ("--fragment-dir", "fragment_dir"),
    ("--in-place", "in_place"),
    ("--allow-disable", "allow_disable"),
)


def _fix_only_given(options: dict[str, Any]) -> str | None:
    """The usage error for --fix options given without --fix (None when there are none)."""
    given = [name for name, flag in _FIX_ONLY if options.get(flag)]
    return f"{', '.join(given)} only go with --fix" if given else None


def _emit_fragment_report(
    report: FragmentReport, options: dict[str, Any], *, to_stderr: bool = False
) -> int:
    """Render a merge/lint report to stdout (stderr when stdout holds the config), or to
    --report with the summary on stderr; the report's exit code."""
    from kcheck.reporters.fragments import summary_line as fragment_summary

    fmt = _report_format(options)
    report_file: Path | None = options["report_file"]
    stream = sys.stderr if to_stderr else sys.stdout
    color = fmt == "text" and report_file is None and _color_wanted(stream)
    text = FRAGMENT_FORMATS[fmt](report, color, _width())
    if report_file is not None:
        write_atomic(report_file, text)
        _notify(f"{report.command}: {fragment_summary(report)}")
        _notify(f"report written to {report_file}")
    else:
        stream.write(text)
        stream.flush()
    return report.exit_code


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("base", metavar="[BASE]", required=False)
@click.argument("fragments", metavar="FRAGMENT...", nargs=-1)
@click.option(
    "--defconfig",
    metavar="NAME",
    help="Merge onto the tree's arch/$SRCARCH/configs/NAME as it is, as `make virtconfig`-style "
    "targets do (`make NAME X.config` merges onto the .config `make NAME` wrote: give that as "
    "BASE). Needs --arch; use --probe for exact toolchain answers.",
)
@click.option(
    "--allnoconfig",
    is_flag=True,
    help="Start from nothing: `make allnoconfig` with the merged fragments as "
    "KCONFIG_ALLCONFIG (merge_config.sh -n). Needs --arch.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the merged config here; the report goes to stdout. Default: the config on "
    "stdout, the report on stderr.",
)
@click.option(
    "--fix",
    "fix_output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write a corrected fragment to FILE: every request that can hold, plus what the lost "
    "ones need, verified by merging it onto the same base.",
)
@tree_options
@fragment_gate_options
def merge(
    base: str | None,
    fragments: tuple[str, ...],
    defconfig: str | None,
    allnoconfig: bool,
    output: Path | None,
    fix_output: Path | None,
    **options: Any,
) -> None:
    """Merge fragments as `merge_config.sh -m BASE FRAGMENT...` + `make olddefconfig` would,
    and say which requests do not survive, and why.

    BASE is a config (path, .gz or -); with --defconfig NAME or --allnoconfig every argument
    is a fragment. The merged config is byte for byte what the kernel's tools write. The
    report lists every requested value that does not survive with the fragment's file:line
    and the chain that drops it (as `kcheck explain` shows it), fragment lines the kernel
    skips, and which fragment wins when two set the same symbol.

    Exit codes: 0 every request survives, 1 a request is lost (or, with --strict, a
    warning), 2 bad usage or input, 3 internal error.

    \b
    Examples:
      kcheck merge .config kernel/configs/kvm_guest.config --tree . -o merged.config
      kcheck merge .config a.config b.config --tree ~/linux --fix fixed.config
      kcheck merge --defconfig defconfig arch/arm64/configs/virt.config --tree . \\
          --arch arm64 --probe --cross-compile aarch64-linux-gnu- -o .config   # make virtconfig
      kcheck merge --allnoconfig kernel/configs/tiny-base.config --tree . --arch x86_64 --probe
      kcheck merge .config frag.config --tree . --format sarif --report merge.sarif
    """

    def body() -> int:
        from kcheck import merge as merging

        names = list(fragments)
        start = base
        if defconfig is not None or allnoconfig:
            if base is not None:
                names.insert(0, base)
            start = None
        if not names:
            raise UsageError("give at least one fragment to merge")
        for target in (output, fix_output, options["report_file"]):
            if target is not None:
                check_writable_target(target)
        outcome = merging.merge(
            merging.MergeOptions(
                fragments=tuple(names),
                inputs=_inputs_from(options, None),
                base=start,
                defconfig=defconfig,
                allnoconfig=allnoconfig,
                fix=fix_output is not None,
                gate=_gate(options),
            ),
            _notify,
        )
        report = outcome.report
        if output is not None:
            write_atomic(output, outcome.config)
            report = replace(report, output=str(output))
        else:
            sys.stdout.write(outcome.config)
            sys.stdout.flush()
        if fix_output is not None and outcome.fix_fragment is not None:
            write_atomic(fix_output, outcome.fix_fragment)
            _notify(
                f"corrected fragment written to {fix_output}"
                + ("" if report.fix_verified else " (NOT verified: see the report)")
            )
        return _emit_fragment_report(report, options, to_stderr=output is None)

    _run(body)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("fragments", metavar="FRAGMENT...", nargs=-1, required=True)
@click.option(
    "--tree",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="KCHECK_TREE",
    help="Kernel source tree (env KCHECK_TREE). Default: the tree a fragment lives in, or the "
    "current directory.",
)
@click.option(
    "--arch",
    "arches",
    type=click.Choice(KNOWN_ARCHES),
    multiple=True,
    help="Check for this architecture; repeat for several. Default: the arch of fragments "
    "under arch/<A>/configs, else this machine's.",
)
@click.option("--no-cache", is_flag=True, help="Parse the tree afresh; do not use the cache.")
@fragment_gate_options
def lint(
    fragments: tuple[str, ...], tree: Path | None, arches: tuple[str, ...], **options: Any
) -> None:
    """Check config fragments on their own, before any merge.

    Finds symbols the arch does not define (and which arch does, a close name from the tree,
    or the new name of a renamed one), lines the kernel's reader skips or misreads (no
    CONFIG_ prefix, indented, =yes, quoted numbers, a misspelt '# CONFIG_X is not set', no
    '=', CRLF), values of the wrong type, a symbol set twice, requests that can never
    hold on the arch (their dependencies are n whatever the config says, e.g. depends on X86
    on arm64), and requests that cannot hold together with another line of the fragment
    that sets a symbol to n. Each finding names its fragment's file:line.

    Exit codes: 0 no error (with --strict: no warning either), 1 otherwise, 2 bad usage or
    input, 3 internal error.

    \b
    Examples:
      kcheck lint kernel/configs/kvm_guest.config --tree . --arch arm64
      kcheck lint my.config --tree ~/linux --arch x86_64 --arch arm64 --arch powerpc
      kcheck lint configs/*.config --tree . --format github
      kcheck lint frag.config --tree . --waive other-arch:S390_GUEST='shared with s390'
    """

    def body() -> int:
        from kcheck import lint as linting

        if options["report_file"] is not None:
            check_writable_target(options["report_file"])
        inputs = _inputs(None, tree, None, False, None, options["no_cache"])
        report = linting.lint(
            linting.LintOptions(fragments, arches, inputs, _gate(options)), _notify
        )
        return _emit_fragment_report(report, options)

    _run(body)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("name", required=False)
def profiles(name: str | None) -> None:
    """List the built-in profiles, or show one (NAME or a TOML file path).

    \b
    Examples:
      kcheck profiles
      kcheck profiles host-nat
    """

    def body() -> int:
        if name is None:
            for profile_name in builtin_profiles():
                profile = load_profile(profile_name)
                click.echo(f"{profile_name:<20} {profile.description}")
            return EXIT_OK
        profile = load_profile(name)
        click.echo(Path(profile.path).read_text(encoding="utf-8"), nl=False)
        return EXIT_OK

    _run(body)


@main.group(context_settings=CONTEXT_SETTINGS)
def cache() -> None:
    """Show or clear the cache of parsed Kconfig trees ($XDG_CACHE_HOME/kcheck).

    \b
    Examples:
      kcheck cache info
      kcheck cache clear
    """


@cache.command("info", context_settings=CONTEXT_SETTINGS)
def cache_info() -> None:
    """Where the cache is, and each parsed tree in it (newest first)."""

    def body() -> int:
        directory = app.cache_dir()
        entries = tree_cache.list_entries(directory)
        total = sum(entry.size for entry in entries)
        click.echo(f"cache: {directory}")
        click.echo(f"entries: {len(entries)}, {total / 1e6:.1f} MB")
        for entry in entries:
            meta = entry.meta
            when = datetime.fromtimestamp(entry.mtime).strftime("%Y-%m-%d %H:%M")
            what = (
                f"Linux {meta.get('version', '?')} {meta.get('arch', '?')} "
                f"{meta.get('tree', '?')} (probes {meta.get('probes', '?')})"
            )
            click.echo(f"  {when}  {entry.size / 1e6:6.1f} MB  {what}")
        return EXIT_OK

    _run(body)


@cache.command("clear", context_settings=CONTEXT_SETTINGS)
def cache_clear() -> None:
    """Remove every parsed tree from the cache; the next run parses again."""

    def body() -> int:
        directory = app.cache_dir()
        removed = tree_cache.clear(directory)
        click.echo(f"removed {removed} file(s) from {directory}")
        return EXIT_OK

    _run(body)


def entry() -> None:
    """The console script: run the CLI, flush, and leave without interpreter teardown.

    Tearing down a loaded Kconfig tree's object graph costs about 0.3 s (KCONFIG-FACTS.md),
    a third of a warm run; everything kcheck writes is flushed and closed before this.
    """
    # Each config a run reads makes some 100,000 short-lived objects; with the collector's
    # default threshold (a collection every 700 allocations) collecting took a third of a
    # batch's time. Loaded trees are frozen out of its way (kernel/cache.py); what is left is
    # small and short-lived, so collect rarely.
    gc.set_threshold(100_000, 20, 100)
    try:
        main()
        code = EXIT_OK
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_INPUT)
        if isinstance(e.code, str):
            _stderr(e.code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
