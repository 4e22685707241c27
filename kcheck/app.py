"""kcheck's use cases as plain functions over typed options: check, explain and resolve.

This is the layer between the command line and the kernel/profile/engine modules. It finds
the inputs (config, tree, architecture, profile), runs the evaluation and hands back data.
It never prints: notices go through a callback so the CLI can put them on stderr.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import platform
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from kcheck.engine import evaluate, summarize
from kcheck.errors import InputError, KcheckError, UsageError
from kcheck.kernel.dotconfig import (
    KNOWN_ARCHES,
    ConfigInput,
    DotConfig,
    arch_names,
    check_arch,
    detect_arch,
    format_assignment,
    header_arch,
    parse_dotconfig,
    read_config,
    running_kernel_config,
)
from kcheck.kernel.tree import (
    DroppedValue,
    LoadedTree,
    is_kernel_tree,
    kernel_tree_problem,
    kernel_version,
    load_tree,
)
from kcheck.kernel.view import FileView, TreeView
from kcheck.model import (
    DEFAULT_DEPTH,
    ConfigView,
    Explanation,
    FixPlan,
    Level,
    Profile,
    Report,
    Requirement,
    Result,
    Tristate,
)
from kcheck.policy import Waiver, apply_policy, find_waiver_file, load_waivers
from kcheck.profiles import builtin_profiles, load_profile
from kcheck.runtime import check_host

Notify = Callable[[str], None]
#: How deep ``explain`` follows a chain unless told otherwise.


@dataclass(frozen=True)
class Inputs:
    """Where the config and tree come from, and how the tree's probes are answered."""

    config: str | None
    tree: Path | None = None
    arch: str | None = None
    probe: bool = False
    cross_compile: str | None = None
    cache: bool = True
    cache_dir: Path | None = None  # default: $XDG_CACHE_HOME/kcheck


@dataclass(frozen=True)
class Gate:
    """How results become a verdict: ``--strict`` and waivers (see ``kcheck.policy``).

    ``waiver_file`` is an explicit ``--waivers FILE``; without one, a
    ``.kcheck-waivers.toml`` next to the config is used when there is one.
    """

    strict: bool = False
    waivers: tuple[Waiver, ...] = ()
    waiver_file: Path | None = None


@dataclass(frozen=True)
class Loaded:
    """A config read and, when a tree was found, loaded into it."""

    config: DotConfig
    arch: str | None
    tree: LoadedTree | None
    view: ConfigView


@dataclass(frozen=True)
class Dropped:
    """A value the config asks for that ``make olddefconfig`` will not keep, and why."""

    name: str
    requested: str
    actual: str
    why: str | None


@dataclass(frozen=True)
class Resolved:
    """What ``make olddefconfig`` would write, and which requested values do not survive."""

    text: str
    dropped: tuple[Dropped, ...]
    loaded: Loaded


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kcheck``, else ``~/.cache/kcheck``, as the XDG spec says."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kcheck"


def find_tree(inputs: Inputs, config: DotConfig) -> Path | None:
    """The tree to use: explicit, else next to the config, else the cwd, else the host's."""
    if inputs.tree is not None:
        problem = kernel_tree_problem(inputs.tree)
        if problem is not None:
            raise problem
        return inputs.tree
    candidates: list[Path] = []
    if config.path is not None:
        candidates.append(config.path.resolve().parent)
    candidates.append(Path.cwd())
    if inputs.config is None:
        release = platform.release()
        candidates += [
            Path(f"/lib/modules/{release}/build"),
            Path(f"/usr/src/linux-headers-{release}"),
        ]
    for candidate in candidates:
        if is_kernel_tree(candidate):
            return candidate
    return None


def load_inputs(inputs: Inputs, notify: Notify) -> Loaded:
    """Read the config, pick the arch, find and load the tree, and build the view on it."""
    raw = read_config(inputs.config) if inputs.config is not None else running_kernel_config()
    if inputs.config is None:
        notify(f"checking the running kernel's config: {raw.name}")
    config = parse_dotconfig(raw)
    for warning in config.warnings:
        notify(f"warning: {warning}")
    arch = inputs.arch or detect_arch(config)
    if inputs.arch is not None:
        if inputs.arch not in KNOWN_ARCHES:
            raise UsageError(f"unknown --arch {inputs.arch!r}; known: {', '.join(KNOWN_ARCHES)}")
        check_arch(config, inputs.arch)
    tree_dir = find_tree(inputs, config)
    if tree_dir is None:
        notify(
            "no kernel tree found: checking only the values written in the config; whether a "
            "value survives `make olddefconfig` is unknown. Pass --tree DIR (or set KCHECK_TREE) "
            "for exact answers."
        )
        return Loaded(config, arch, None, FileView(config))
    if arch is None:
        raise InputError(
            "cannot tell which architecture this config is for; pass --arch "
            f"({', '.join(KNOWN_ARCHES)})",
            path=config.name,
        )
    version = kernel_version(tree_dir)
    if config.header_version is not None and config.header_version[:2] != version[:2]:
        have = ".".join(map(str, config.header_version))
        notify(
            f"warning: {config.name} was written for Linux {have} but the tree at {tree_dir} is "
            f"Linux {'.'.join(map(str, version))}; values are what this tree would make of it"
        )
    tree = _tree(tree_dir, arch, inputs, notify)
    tree.load_config(config)
    _warn_unknown_symbols(config, tree.undefined(), notify)
    if not tree.probes_from_config:
        notify(
            f"{config.name} does not record the toolchain's answers (no CONFIG_CC_VERSION_TEXT, "
            "as in a defconfig): options that depend on compiler probes are taken as off. "
            "Use --probe (with --cross-compile for another arch) for exact answers."
        )
    return Loaded(config, arch, tree, TreeView(tree, config))


# Parsed trees already loaded in this process, so that checking several configs (or one
# config against several profiles) parses or unpickles a tree once. Loading a config resets
# the tree's values, so reuse is safe as long as one config is evaluated at a time.
_TREES: dict[tuple[str, str, bool, str | None, str | None], LoadedTree] = {}


def tree_for(tree_dir: Path, arch: str, inputs: Inputs, notify: Notify) -> LoadedTree:
    """The parsed tree for ``arch``, shared by every use case of this process (merge, lint)."""
    return _tree(tree_dir, arch, inputs, notify)


def _tree(tree_dir: Path, arch: str, inputs: Inputs, notify: Notify) -> LoadedTree:
    cache = (inputs.cache_dir or cache_dir()) if inputs.cache else None
    key = (
        str(tree_dir.resolve()),
        arch,
        inputs.probe,
        inputs.cross_compile,
        str(cache) if cache else None,
    )
    tree = _TREES.get(key)
    if tree is None:
        tree = load_tree(
            tree_dir,
            arch,
            probe=inputs.probe,
            cross_compile=inputs.cross_compile,
            cache_dir=cache,
            on_progress=notify,
        )
        _TREES[key] = tree
    return tree


def _warn_unknown_symbols(config: DotConfig, names: list[str], notify: Notify) -> None:
    """Say which assigned symbols the tree does not define, like KCONFIG_WARN_UNKNOWN_SYMBOLS.

    The kernel's tool drops them silently; a renamed option is the usual cause.
    """
    if not names:
        return
    shown = [
        f"CONFIG_{n} (line {config.assignments[n].line})"
        for n in names[:5]
        if n in config.assignments
    ]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    notify(
        f"warning: {config.name}: {len(names)} symbol(s) not defined in this tree, ignored: "
        f"{', '.join(shown)}{more}"
    )


def check(
    profile_name: str,
    inputs: Inputs,
    notify: Notify,
    explain: bool = False,
    gate: Gate | None = None,
    runtime: Runtime | None = None,
) -> Report:
    """Check a config against a profile: the verdict for every requirement.

    With ``explain``, every failing or warning result carries its dependency chain (this
    needs a tree; without one the results say why in one line, as always). ``runtime`` adds
    the live system's checks (``kcheck host``; see :func:`runtime_results`).
    """
    return check_profile(load_profile(profile_name), inputs, notify, explain, gate, runtime)


def check_profile(
    profile: Profile,
    inputs: Inputs,
    notify: Notify,
    explain: bool = False,
    gate: Gate | None = None,
    runtime: Runtime | None = None,
) -> Report:
    """:func:`check` with the profile already loaded (a batch loads it once)."""
    live = runtime is not None and runtime_applies(runtime, inputs)
    loaded = load_inputs(inputs, notify)
    if explain and loaded.tree is None:
        notify("--explain needs a kernel tree: the report has no dependency chains")
    extra = runtime_results(runtime, profile, loaded) if runtime is not None and live else ()
    return check_loaded(profile, loaded, explain=explain, gate=gate, extra=extra)


@dataclass(frozen=True)
class Runtime:
    """The live checks ``kcheck host`` asks for (see ``kcheck.runtime.check_host``).

    ``wanted``: True for --runtime, False for --no-runtime, None for the default (on when the
    config checked is the running kernel's, or when a --sysroot is given).
    """

    wanted: bool | None = None
    sysroot: Path | None = None  # None: the live system, /
    net: str = "bridge"
    bridges: tuple[str, ...] = ()
    tap_scripts: tuple[str, ...] = ()
    # Which device nodes to look at: all for ``kcheck host``; ``kcheck vm`` only those its
    # command line uses.
    kvm: bool = True
    tap: bool = True
    vhost_net: bool = True
    vhost_vsock: bool = True


def runtime_applies(runtime: Runtime, inputs: Inputs) -> bool:
    """Whether the live checks run for this config; a UsageError when they were asked for
    where they cannot vouch for anything. Called before any work.

    They describe one system, so they only run against that system's config: with the
    sysroot /, the running kernel's (no CONFIG given, or --runtime with a CONFIG whose
    assignments are the running kernel's); with another sysroot, the CONFIG given for it.
    """
    if runtime.wanted is False:
        return False
    sysroot = runtime.sysroot or Path("/")
    if not sysroot.is_dir():
        raise InputError("--sysroot: no such directory", path=sysroot)
    if sysroot.resolve() != Path("/"):
        if inputs.config is None:
            raise UsageError(
                f"--sysroot {sysroot}: pass the config of that system's kernel too, e.g. "
                f"{sysroot}/boot/config-<release>"
            )
        return True
    if inputs.config is None:
        return True
    if runtime.wanted is None:
        return False
    _require_running_config(parse_dotconfig(read_config(inputs.config)))
    return True


def runtime_results(runtime: Runtime, profile: Profile, loaded: Loaded) -> tuple[Result, ...]:
    """The live system's results for a host profile (see :func:`runtime_applies`); each takes
    the level of the profile's requirement on its symbol."""
    return check_host(
        runtime.sysroot or Path("/"),
        config_values=loaded.view.value,
        kvm=runtime.kvm,
        tap=runtime.tap,
        vhost_net=runtime.vhost_net,
        vhost_vsock=runtime.vhost_vsock,
        bridges=runtime.bridges if runtime.net == "bridge" else (),
        tap_scripts=runtime.tap_scripts,
        nat=runtime.net == "nat",
        levels=_levels_by_symbol(profile.requirements),
    )


def _require_running_config(config: DotConfig) -> None:
    """UsageError unless ``config`` assigns exactly what the running kernel's config does.

    Content, not the file name, decides: a copy of /proc/config.gz is the running kernel's
    config, and a /boot/config-* of another release is not. Comments and order do not count.
    """
    try:
        running = parse_dotconfig(running_kernel_config())
    except InputError as e:
        raise UsageError(
            f"--runtime: cannot tell whether {config.name} is the running kernel's config: "
            f"{e.message}"
        ) from None
    ours = {name: a.value for name, a in config.assignments.items()}
    theirs = {name: a.value for name, a in running.assignments.items()}
    if ours == theirs:
        return
    differ = sorted(
        set(ours) ^ set(theirs) | {n for n in ours if theirs.get(n, ours[n]) != ours[n]}
    )
    first = differ[0]
    raise UsageError(
        f"--runtime: {config.name} is not the running kernel's config ({running.name}): they "
        f"differ in {len(differ)} option(s), e.g. CONFIG_{first} is "
        f"{ours.get(first, 'unset')} here and {theirs.get(first, 'unset')} there. The live "
        "checks see only the running kernel; drop --runtime, or run `kcheck host` with no CONFIG"
    )


def _levels_by_symbol(requirements: tuple[Requirement, ...]) -> dict[str, Level]:
    """Each symbol a profile names (with its aliases), mapped to the level of the top-level
    requirement that names it first."""
    levels: dict[str, Level] = {}
    for top in requirements:
        stack = [top]
        while stack:
            req = stack.pop()
            stack += req.children
            for name in (req.symbol, *req.aliases):
                if name:
                    levels.setdefault(name, top.level)
    return levels


def _waivers_for(gate: Gate, config: DotConfig) -> tuple[Waiver, ...]:
    path = gate.waiver_file or find_waiver_file(config.path)
    from_file = load_waivers(path) if path is not None else ()
    # A --waive on the command line wins over the file's entry for the same id.
    given = {w.id for w in gate.waivers}
    return (*gate.waivers, *(w for w in from_file if w.id not in given))


def check_loaded(
    profile: Profile,
    loaded: Loaded,
    explain: bool = False,
    gate: Gate | None = None,
    extra: tuple[Result, ...] = (),
) -> Report:
    """Check an already loaded config against a profile (with chains when ``explain``).

    ``extra`` results, worked out elsewhere (the live system's, ``kcheck vm``'s architecture
    checks), are added after the profile's, before the policy (--strict, waivers) judges them
    all alike.
    """
    gate = gate or Gate()
    names = arch_names(loaded.arch, loaded.config) if loaded.arch else frozenset[str]()
    results = evaluate(profile, loaded.view, names)
    if explain and loaded.tree is not None:
        from kcheck import explain as chains  # only when asked: a check starts faster without

        prefer = chains.preferences_from_results(results)
        results = chains.with_chains(results, loaded.tree, prefer)
    results = (*results, *extra)
    judged = apply_policy(results, strict=gate.strict, waivers=_waivers_for(gate, loaded.config))
    results = judged.results
    summary = summarize(results)
    tree = loaded.tree
    version: str | None = None
    if tree is not None:
        version = ".".join(map(str, tree.version))
    elif loaded.config.header_version is not None:
        version = ".".join(map(str, loaded.config.header_version))
    return Report(
        profile=profile.name,
        profile_path=profile.path,
        config=loaded.config.name,
        tree=str(tree.srctree) if tree is not None else None,
        arch=loaded.arch,
        kernel_version=version,
        results=results,
        summary=summary,
        notices=judged.notices,
        locations=_locations(results, loaded.config),
    )


def _locations(results: tuple[Result, ...], config: DotConfig) -> dict[str, int]:
    """The .config line of every symbol the results name that the config assigns."""
    assigned = config.assignments
    out: dict[str, int] = {}
    stack = list(results)
    while stack:
        result = stack.pop()
        stack += result.children
        found = assigned.get(result.symbol) if result.symbol else None
        if found is not None:
            out[result.symbol] = found.line
    return out


@dataclass(frozen=True)
class BatchItem:
    """One config of a batch: its report, or the one-line error that stopped it."""

    config: str
    report: Report | None
    error: str | None
    exit_code: int
    notices: tuple[str, ...]


def config_sources(paths: list[str]) -> list[str]:
    """Expand directories to the configs in them (``.config``, ``*.config``, ``*defconfig``,
    ``config-*``, and gzip'd ones), sorted; files and ``-`` are kept as given."""
    out: list[str] = []
    for path in paths:
        folder = Path(path)
        if path != "-" and folder.is_dir():
            found = sorted(
                str(p)
                for p in folder.iterdir()
                if p.is_file() and _looks_like_config(p.name.removesuffix(".gz"))
            )
            if not found:
                raise InputError(
                    "a directory with no kernel configs in it "
                    "(.config, *.config, *defconfig, config-*)",
                    path=path,
                )
            out += found
        else:
            out.append(path)
    return out


def _looks_like_config(name: str) -> bool:
    return (
        name == ".config" or name.endswith((".config", "defconfig")) or name.startswith("config-")
    )


def check_one(profile: Profile, inputs: Inputs, explain: bool, gate: Gate | None) -> BatchItem:
    """Check one config of a batch, capturing notices and input errors instead of raising.

    Runs in a worker process under ``--jobs``, so everything it returns must pickle.
    """
    notices: list[str] = []
    name = inputs.config or "<running kernel>"
    try:
        report = check_profile(profile, inputs, notices.append, explain=explain, gate=gate)
    except KcheckError as e:
        return BatchItem(name, None, e.location_message(), e.exit_code, tuple(notices))
    return BatchItem(report.config, report, None, report.summary.exit_code, tuple(notices))


def check_many(
    profile_name: str,
    configs: list[str],
    inputs: Inputs,
    *,
    explain: bool = False,
    gate: Gate | None = None,
    jobs: int = 1,
    on_done: Callable[[BatchItem], None] | None = None,
    notify: Notify = lambda _message: None,
) -> list[BatchItem]:
    """Check many configs against one profile, in order; each tree is parsed once per process.

    Configs for the same tree and arch share the loaded tree (see ``_TREES``), so a batch
    costs one tree load plus ~20 ms per config. ``jobs`` > 1 spreads configs over forked
    processes, which share the trees loaded before the fork (``notify`` hears about those).
    """
    profile = load_profile(profile_name)  # once: a broken profile is one error, not one each
    each = [replace(inputs, config=config) for config in configs]
    done = on_done or (lambda _item: None)
    items: list[BatchItem] = []
    if jobs <= 1 or len(each) <= 1:
        for one in each:
            item = check_one(profile, one, explain, gate)
            done(item)
            items.append(item)
        return items
    _preload_trees(each, notify)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(check_one, profile, one, explain, gate) for one in each]
        for future in futures:
            item = future.result()
            done(item)
            items.append(item)
    return items


def _preload_trees(batch: list[Inputs], notify: Notify) -> None:
    """Load the trees a batch will need in this process, before the workers fork, so that
    they share them instead of each worker loading every tree it meets.

    The arch comes from ``--arch`` or the config's header line; a config without one (a
    defconfig) or a wrong guess only means its worker loads its tree itself, as a serial run
    does. Errors are left for the worker to report against the config.
    """
    wanted: dict[tuple[Path, str], Inputs] = {}
    for one in batch:
        if one.tree is None or one.config is None or one.config == "-":
            continue
        arch = one.arch
        if arch is None:
            try:
                arch = header_arch(read_config(one.config).text)
            except KcheckError:
                continue
        if arch in KNOWN_ARCHES:
            wanted.setdefault((one.tree, arch), one)
    for (tree_dir, arch), one in wanted.items():
        if is_kernel_tree(tree_dir):
            with contextlib.suppress(KcheckError):
                _tree(tree_dir, arch, one, notify)


@dataclass(frozen=True)
class FixOutcome:
    """A fix: the report it started from, the plan, its fragment, and for ``--in-place`` the
    config that merging the fragment and running olddefconfig gives (None without a tree).
    ``switch_turns_off``: what the plan's choice switches turn off by themselves (the
    switched-from member and what needs it), of all the plan turns off."""

    report: Report
    plan: FixPlan
    fragment: str
    merged: str | None
    source: DotConfig
    switch_turns_off: tuple[str, ...] = ()


def fix(
    profile_name: str,
    inputs: Inputs,
    notify: Notify,
    *,
    include_optional: bool = False,
    gate: Gate | None = None,
) -> FixOutcome:
    """One joint, verified plan that makes the profile's failing requirements hold."""
    return fix_loaded(
        load_profile(profile_name),
        load_inputs(inputs, notify),
        include_optional=include_optional,
        gate=gate,
    )


def fix_loaded(
    profile: Profile,
    loaded: Loaded,
    *,
    include_optional: bool = False,
    gate: Gate | None = None,
    machine: bool = False,
) -> FixOutcome:
    """:func:`fix` with the profile and config already loaded (``kcheck vm`` derives its own).

    ``machine``: the profile comes from a machine the user named, whose choice switches are
    asked for; only then is what they turn off by themselves worked out
    (:attr:`FixOutcome.switch_turns_off`).
    """
    from kcheck import fixer  # the planner is imported by the runs that plan, not by checks
    from kcheck.fragment import apply_fragment, render_fragment

    report = check_loaded(profile, loaded, gate=gate)
    plan = fixer.fix(report, loaded.tree, loaded.config.text, include_optional=include_optional)
    text = render_fragment(plan)
    merged = None
    switch_turns_off: tuple[str, ...] = ()
    if loaded.tree is not None and plan.changes:
        merged = apply_fragment(loaded.tree, loaded.config.text, text, config_name=report.config)
        if machine:
            switch_turns_off = turned_off_by_switches(loaded.tree, loaded.config.text, plan)
    return FixOutcome(report, plan, text, merged, loaded.config, switch_turns_off)


def turned_off_by_switches(tree: LoadedTree, config_text: str, plan: FixPlan) -> tuple[str, ...]:
    """What the plan's choice switches turn off by themselves, of all it turns off: the
    switch lines alone merged onto the config (merge_config.sh + olddefconfig, as the plan is
    verified), compared with the values before the plan."""
    if not plan.choice_switches or not plan.turns_off:
        return ()
    from kcheck.fragment import apply_fragment

    switches = "".join(
        format_assignment(c.symbol, c.value, c.type) + "\n" for c in plan.choice_switches
    )
    alone = apply_fragment(tree, config_text, switches, config_name=plan.config)
    return plan.also_turned_off(
        parse_dotconfig(ConfigInput("the choice switches alone", alone)).get
    )


def explain(
    target: str,
    inputs: Inputs,
    notify: Notify,
    profile_name: str | None = None,
    max_depth: int = DEFAULT_DEPTH,
) -> Explanation:
    """Why ``target`` (``NAME`` or ``NAME=y|m|n``) does not have the value wanted, as a chain.

    Selectors are ranked by what ``profile_name`` asks for; without one, by what the built-in
    profiles ask for (so the virtio transports come before VIRTIO_CONSOLE).
    """
    from kcheck import explain as chains

    name, needs = chains.parse_target(target)
    if max_depth < 1:
        raise UsageError(f"--depth must be at least 1, not {max_depth}")
    profiles = (
        [load_profile(profile_name)]
        if profile_name is not None
        else [load_profile(each) for each in builtin_profiles()]
    )
    loaded = load_inputs(inputs, notify)
    tree = loaded.tree
    if tree is None:
        raise UsageError("explain needs a kernel tree: pass --tree DIR or set KCHECK_TREE")
    names = arch_names(loaded.arch, loaded.config) if loaded.arch else frozenset[str]()
    results = [r for profile in profiles for r in evaluate(profile, loaded.view, names)]
    prefer = chains.preferences_from_results(results)
    chain = chains.chain_for(tree, name, needs, prefer, max_depth)
    if chain is None:
        raise InputError(
            f"CONFIG_{name} is not defined in this tree (for {loaded.arch})", path=tree.srctree
        )
    return Explanation(
        config=loaded.config.name,
        tree=str(tree.srctree),
        arch=loaded.arch,
        kernel_version=".".join(map(str, tree.version)),
        chain=chain,
        ranking=chains.RANKING,
    )


def resolve(inputs: Inputs, notify: Notify) -> Resolved:
    """The config exactly as ``make olddefconfig`` would write it, without make or a compiler."""
    loaded = load_inputs(inputs, notify)
    if loaded.tree is None:
        raise UsageError("resolve needs a kernel tree: pass --tree DIR or set KCHECK_TREE")
    dropped = tuple(
        Dropped(d.name, d.requested, d.actual, _why_dropped(loaded.view, d))
        for d in loaded.tree.dropped()
    )
    return Resolved(loaded.tree.resolved_text(), dropped, loaded)


def _why_dropped(view: ConfigView, dropped: DroppedValue) -> str | None:
    wanted = Tristate.parse(dropped.requested)
    if wanted is None:
        return None
    return view.why_not(dropped.name, wanted)
