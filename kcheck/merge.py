"""``kcheck merge``: what ``merge_config.sh -m BASE FRAGMENT...`` and ``make olddefconfig`` give,
and every request of the fragments that does not survive, with the chain that drops it.

The base is a config file, a defconfig of the tree (its text as it is, where the kernel's
merged-defconfig targets such as ``make ARCH=arm64 virtconfig`` start) or nothing
(``--allnoconfig``, merge_config.sh's ``-n``: ``make allnoconfig`` with KCONFIG_ALLCONFIG set to
the merged fragments). The text is merged exactly as merge_config.sh does
(:func:`kcheck.kernel.dotconfig.merge_configs`), so its "Value of X is redefined" overrides are
reported too, and resolved with kcheck's olddefconfig. A request is a fragment line whose
assignment is the last one for its symbol in the merged text; it is lost when the symbol ends
with another value (or the tree does not define it and it asks for more than n). ``--fix``
plans, with :mod:`kcheck.kernel.planner`, what the lost requests need, writes the user's
requests plus that plan as one fragment, and verifies it by merging it onto the same base.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kcheck import app, arches
from kcheck.errors import InputError, UsageError
from kcheck.kernel.bounds import apply_allnoconfig
from kcheck.kernel.chain import parse_needs
from kcheck.kernel.dotconfig import (
    HEX_FORM,
    INT_FORM,
    ConfigInput,
    DotConfig,
    Fragment,
    Line,
    MergedText,
    detect_arch,
    format_assignment,
    merge_configs,
    parse_dotconfig,
    quote,
    read_config,
    read_lines,
)
from kcheck.kernel.tree import LoadedTree
from kcheck.kernel.versions import Rules
from kcheck.kernel.view import tree_symbol_type
from kcheck.lint import (
    TreeFacts,
    apply_waivers,
    find_tree_dir,
    line_findings,
    read_fragments,
    symbol_findings,
    type_finding,
    waivers_for,
)
from kcheck.model import (
    RULES,
    ChainNode,
    Expectation,
    FixPlan,
    FixTarget,
    FragmentFinding,
    FragmentReport,
    LinkKind,
    NodeKind,
    Override,
    Severity,
    SymbolType,
)

Notify = Callable[[str], None]


@dataclass(frozen=True)
class MergeOptions:
    """What ``kcheck merge`` was asked. Exactly one of ``base``, ``defconfig`` and
    ``allnoconfig`` says where the config starts from."""

    fragments: tuple[str, ...]
    inputs: app.Inputs
    base: str | None = None
    defconfig: str | None = None
    allnoconfig: bool = False
    fix: bool = False
    gate: app.Gate = field(default_factory=app.Gate)


@dataclass(frozen=True)
class Request:
    """A fragment line that asks for a value (the last assignment of its symbol)."""

    symbol: str
    value: str
    quoted: bool
    file: str
    line: int


@dataclass(frozen=True)
class MergeOutcome:
    """The merged and resolved config, the report on it, and with ``--fix`` the fragment."""

    config: str
    report: FragmentReport
    fix_fragment: str | None = None


@dataclass(frozen=True)
class _Base:
    name: str
    text: str
    config: DotConfig | None


def _base(options: MergeOptions, tree_dir: Path | None, arch: str | None) -> _Base:
    given = [options.base is not None, options.defconfig is not None, options.allnoconfig]
    if sum(given) != 1:
        raise UsageError("give one base: a config file, --defconfig NAME or --allnoconfig")
    if options.base is not None:
        raw = read_config(options.base)
        return _Base(raw.name, raw.text, parse_dotconfig(raw))
    if options.allnoconfig:
        return _Base("allnoconfig", "", None)
    assert options.defconfig is not None
    if tree_dir is None or arch is None:
        raise UsageError("--defconfig needs --tree and --arch (make ARCH=... NAME)")
    name = options.defconfig
    if "/" in name or name in ("", ".", ".."):
        raise UsageError(f"--defconfig {name!r}: give a file name in arch/$SRCARCH/configs")
    from kcheck.arches import srcarch

    path = tree_dir / "arch" / str(srcarch(arch)) / "configs" / name
    if not path.is_file():
        raise InputError("no such defconfig in this tree", path=path)
    raw = read_config(str(path))
    return _Base(raw.name, raw.text, parse_dotconfig(raw))


def requests(merged: MergedText, names: Sequence[str]) -> list[Request]:
    """The requests of the fragments in the merged text: the last assignment of each symbol,
    when a fragment's line made it (``names`` are the fragments' names, in order)."""
    last: dict[str, tuple[int, str, bool]] = {}
    for line in read_lines(ConfigInput("<merged>", merged.text), lenient=True):
        last[line.symbol] = (line.line, line.value, line.quoted)
    out: list[Request] = []
    for symbol, (index, value, quoted) in last.items():
        origin = merged.origins[index - 1]
        if origin is None or origin[0] == 0:
            continue
        out.append(Request(symbol, value, quoted, names[origin[0] - 1], origin[1]))
    out.sort(key=lambda r: (names.index(r.file), r.line))
    return out


def _overrides(
    merged: MergedText, base: _Base, sources: Sequence[tuple[ConfigInput, Fragment]]
) -> list[Override]:
    names = [base.name] + [source.name for source, _ in sources]
    out: list[Override] = []
    for redefinition in merged.redefinitions:
        fragment = sources[redefinition.source - 1][1]
        new = fragment.assignments.get(redefinition.symbol)
        previous = [origin for origin in redefinition.previous if origin is not None]
        at = previous[-1] if previous else None
        out.append(
            Override(
                symbol=redefinition.symbol,
                file=fragment.name,
                line=new.line if new is not None else None,
                value=redefinition.new_text,
                previous_file=names[at[0]] if at is not None else base.name,
                previous_line=at[1] if at is not None else None,
                previous_value=redefinition.previous_text,
                previous_is_base=at is not None and at[0] == 0,
            )
        )
    return out


def _load(tree: LoadedTree, text: str, name: str, allno: bool) -> str:
    tree.load_values(text, name)
    if allno:
        apply_allnoconfig(tree)
    return tree.resolved_text()


def _shown(tree: LoadedTree, symbol: str, value: str) -> str:
    """A value as a .config line shows it (a string in quotes)."""
    return quote(value) if tree_symbol_type(tree, symbol) is SymbolType.STRING else value


def _actions(chain: ChainNode) -> list[tuple[str, str]]:
    """What the chain says to set, in order: (symbol, value) of each settable step."""
    out: dict[str, str] = {}
    for node in chain.walk():
        if node.settable and not node.met and node.symbol and node.kind is not LinkKind.CHOICE:
            out.setdefault(node.symbol, node.needs.split("|")[0])
    return list(out.items())


def _hidden_steps(chain: ChainNode) -> bool:
    """Whether the chain has unmet steps the user cannot set yet (their prompt is hidden
    until an earlier step is taken): the settable ones are then only a start."""
    return any(
        not node.met and node.symbol and node.prompt and not node.settable
        for node in chain.walk()
        if node is not chain and node.kind is not LinkKind.CHOICE
    )


def _lost(
    tree: LoadedTree, wanted: list[Request], facts: TreeFacts
) -> tuple[list[FragmentFinding], dict[str, list[str]]]:
    """The lost requests as findings, each with the chain that drops it and, when another
    request of the fragments is what drops it, a ``conflict`` finding at that request's line
    (first): the one line to change, however many requests it costs. Also, for each lost
    request, the requests that drop it."""
    from kcheck import explain as chains

    prefer = {r.symbol: 0 for r in wanted if r.value != "n"}
    by_symbol = {r.symbol: r for r in wanted}
    findings: list[FragmentFinding] = []
    lost_symbols: set[str] = set()
    costs: dict[str, list[Request]] = {}
    blockers: dict[str, list[str]] = {}
    for request in wanted:
        line = Line(request.symbol, request.value, request.quoted, request.line)
        if tree.sym(request.symbol) is None:
            if request.value != "n":
                findings += symbol_findings(_one(request), facts)
                lost_symbols.add(request.symbol)
            continue
        asked = tree.requested(request.symbol, request.value, request.quoted)
        actual = tree.value(request.symbol) or ""
        where = {
            "file": request.file,
            "line": request.line,
            "symbol": request.symbol,
            "arch": tree.arch,
        }
        typed = type_finding(facts, line, request.file)
        if typed is not None and typed.severity is not Severity.ERROR:
            findings.append(typed)  # =yes: read by its first letter, but fragile
        elif typed is not None:
            # The kernel rejects the line's value (a quoted int, m for a bool, ...): say so,
            # rather than a chain about a value nobody can ask for.
            shown = _shown(tree, request.symbol, actual) if actual else "no value"
            if typed.suggestion is not None and typed.suggestion.endswith(f"={actual}"):
                findings.append(
                    replace(
                        typed,
                        message=f"{typed.message}; the merged config has {shown} "
                        "anyway (the symbol's default)",
                        actual=actual,
                    )
                )
            else:
                lost_symbols.add(request.symbol)
                findings.append(
                    replace(
                        typed,
                        rule="lost",
                        severity=Severity.ERROR,
                        message=f"{typed.message}, so the merged config has {shown}",
                        actual=actual,
                    )
                )
            continue
        if asked == actual or asked is None:
            continue
        lost_symbols.add(request.symbol)
        needs = asked if parse_needs(asked) is not None else f"= {asked}"
        chain = chains.chain_for(tree, request.symbol, needs, prefer)
        message = (
            f"asks for {_shown(tree, request.symbol, asked) if asked else 'no value'}, the "
            f"merged config has {_shown(tree, request.symbol, actual) if actual else 'no value'}"
        )
        actions = _actions(chain) if chain is not None else []
        culprits = [
            by_symbol[symbol]
            for symbol, _value in actions
            if symbol in by_symbol and symbol != request.symbol
        ]
        if culprits:
            message += ", because of " + ", ".join(
                f"{_assignment(c)} ({c.file}:{c.line})" for c in culprits
            )
            for culprit in culprits:
                costs.setdefault(culprit.symbol, []).append(request)
            blockers[request.symbol] = [c.symbol for c in culprits]
        elif actions:
            message += (
                "; to keep it, set "
                + ", ".join(f"CONFIG_{symbol}={value}" for symbol, value in actions[:3])
                + (" ..." if len(actions) > 3 else "")
            )
            if chain is not None and _hidden_steps(chain):
                message += " first (then what the chain shows)"
        findings.append(
            FragmentFinding(
                rule="lost",
                severity=Severity.ERROR,
                message=message,
                requested=_shown(tree, request.symbol, asked) if asked else asked,
                actual=_shown(tree, request.symbol, actual) if actual else actual,
                chain=chain,
                **where,  # type: ignore[arg-type]
            )
        )
    conflicts = []
    for symbol, blocked in costs.items():
        culprit = by_symbol[symbol]
        if symbol in lost_symbols:
            continue  # itself lost: its own finding says why
        names = ", ".join(
            f"{r.symbol} ({r.file}:{r.line})"
            if r.file != culprit.file
            else f"{r.symbol} (line {r.line})"
            for r in blocked
        )
        conflicts.append(
            FragmentFinding(
                rule="conflict",
                severity=RULES["conflict"].severity,
                message=f"holds, and is why {len(blocked)} other request(s) are lost: {names}",
                file=culprit.file,
                line=culprit.line,
                symbol=symbol,
                requested=culprit.value,
                arch=tree.arch,
            )
        )
    return conflicts + findings, blockers


def _meant(tree: LoadedTree, request: Request) -> str | None:
    """The value the author of a request meant, as a .config line of the symbol's type
    holds it: ``"17"`` for an int is 17, ``"y"`` for a bool y, an unquoted string that
    string; None when no value of the type is meant (``m`` for a bool, ``many`` for an int)."""
    kind = tree_symbol_type(tree, request.symbol)
    value = request.value
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE):
        letters = "ymn" if kind is SymbolType.TRISTATE else "yn"
        return value[0] if value[:1] and value[0] in letters else None
    if kind is SymbolType.INT:
        return value if INT_FORM.fullmatch(value) else None
    if kind is SymbolType.HEX:
        return value if HEX_FORM.fullmatch(value) else None
    if kind is SymbolType.STRING:
        return value
    return tree.requested(request.symbol, value, request.quoted)


def _assignment(request: Request) -> str:
    """The request as its fragment line reads (``# CONFIG_X is not set`` as ``=n``)."""
    value = quote(request.value) if request.quoted else request.value
    return f"CONFIG_{request.symbol}={value}"


def _override_value(read: Sequence[tuple[ConfigInput, Fragment]], override: Override) -> str:
    """The value the winning line asks for, as a .config line shows it (``n`` for ``# CONFIG_X
    is not set``)."""
    for _source, fragment in read:
        if fragment.name == override.file:
            line = fragment.assignments.get(override.symbol)
            if line is not None:
                return quote(line.value) if line.quoted else line.value
    return override.value


def _with_merged_value(tree: LoadedTree, finding: FragmentFinding) -> FragmentFinding:
    """A line the kernel skips or misreads, with what the merged config ends up with for its
    symbol: whether the line's mistake costs anything in this merge."""
    if finding.symbol is None or finding.requested is None or tree.sym(finding.symbol) is None:
        return finding
    if finding.rule not in ("unprefixed", "indented", "unset-typo", "no-value"):
        return finding
    actual = tree.value(finding.symbol) or ""
    shown = _shown(tree, finding.symbol, actual) if actual else "no value"
    same = tree.requested(finding.symbol, finding.requested, False) == actual
    return replace(
        finding,
        actual=actual,
        message=f"{finding.message}; the merged config has {shown}"
        + (" anyway" if same else ", not what the line asks for"),
    )


def _compiler(make_arch: str, get: arches.Lookup) -> str:
    """The Debian cross compiler a config of this arch is built with (its flavour and
    endianness, from the arch table): the toolchain whose probes such a config records."""
    row = arches.flavour(make_arch, get)
    return make_arch if row is None else arches.cross_compile(row, get).rstrip("-")


def _one(request: Request) -> Fragment:
    """The request as a one-line fragment, for lint's symbol checks."""
    line = Line(request.symbol, request.value, request.quoted, request.line)
    return Fragment(request.file, "", (line,))


def merge(options: MergeOptions, notify: Notify) -> MergeOutcome:
    """Merge, resolve, and say what the fragments asked for and did not get."""
    if options.base == "-" and "-" in options.fragments:
        raise UsageError("stdin (-) can be given once")  # before reading it
    read = read_fragments(options.fragments)
    if not read:
        raise UsageError("give at least one fragment to merge")
    inputs = options.inputs
    arch = inputs.arch
    tree_dir = inputs.tree
    base = _base(options, tree_dir, arch)
    if arch is None and base.config is not None:
        arch = detect_arch(base.config)
    if arch is None:
        raise UsageError("cannot tell the architecture: pass --arch")
    sources = [source for source, _ in read]
    tree_dir = find_tree_dir(inputs, sources, "merge")
    tree = app.tree_for(tree_dir, arch, inputs, notify)
    names = [source.name for source in sources]
    merged = merge_configs(base.text, [source.text for source in sources])
    loaded_name = " + ".join([base.name, *names])
    allno = options.allnoconfig
    in_play: set[str] = set()
    if base.config is not None and not inputs.probe:
        # Which toolchain probes the base could record: the fragments may bring in others.
        tree.load_config(base.config)
        in_play = tree.probes_in_play()
    resolved = _load(tree, merged.text, loaded_name, allno)
    notices: list[str] = []
    if not tree.probes_from_config:
        notices.append(
            f"{base.name} does not record the toolchain's answers (a defconfig, or no base): "
            "options that depend on compiler probes are taken as on. Use --probe (with "
            "--cross-compile for another arch) for exact answers."
        )
    if base.config is not None and tree.probes_from_config:
        guessed = tree.unrecorded_probes(base.config.assignments, in_play)
        if guessed:
            shown = ", ".join(guessed[:4]) + (
                f" and {len(guessed) - 4} more" if len(guessed) > 4 else ""
            )
            notices.append(
                f"the fragments bring in toolchain probes {base.name} never recorded ({shown}): "
                "their answers are guessed; use --probe (with --cross-compile) for exact ones"
            )
    if base.config is not None and tree.probes_from_config:
        asked, needed = _compiler(arch, base.config.get), _compiler(arch, tree.value)
        if asked != needed:
            notices.append(
                f"the fragments change the compiler the kernel needs ({asked} -> {needed}): the "
                f"toolchain's answers {base.name} records were given by the other one and are "
                "reused as guesses; use --probe (with --cross-compile) for exact ones"
            )
    facts = TreeFacts.of(tree, arch)
    findings: list[FragmentFinding] = []
    for source, fragment in read:
        for finding in line_findings(source, fragment, Rules.for_version(tree.version)):
            findings.append(_with_merged_value(tree, finding))
    wanted = requests(merged, names)
    lost, blockers = _lost(tree, wanted, facts)
    findings += lost
    overrides = _overrides(merged, base, read)
    for override in overrides:
        if not override.previous_is_base:
            findings.append(
                FragmentFinding(
                    rule="redefined",
                    severity=Severity.NOTE,
                    message=f"overrides {override.previous_file}:{override.previous_line} "
                    f"({override.previous_value})",
                    file=override.file,
                    line=override.line,
                    symbol=override.symbol,
                    requested=_override_value(read, override),
                )
            )
    plan: FixPlan | None = None
    fix_text: str | None = None
    verified: bool | None = None
    if options.fix:
        plan, fix_text, verified = _fix(tree, base, merged, resolved, wanted, lost, blockers, allno)
        tree.load_values(merged.text, loaded_name)  # (as before the fix, for later callers)
    first = sources[0].path if sources else None
    judged, waiver_notices = apply_waivers(findings, waivers_for(options.gate, first))
    report = FragmentReport(
        command="merge",
        fragments=tuple(names),
        tree=str(tree_dir),
        arches=(arch,),
        kernel_version=".".join(map(str, tree.version)),
        findings=tuple(judged),
        base=base.name,
        overrides=tuple(overrides),
        requests=len(wanted),
        notices=tuple(notices + waiver_notices),
        strict=options.gate.strict,
        fix=plan,
        fix_verified=verified,
    )
    return MergeOutcome(resolved, report, fix_text)


# -- --fix ------------------------------------------------------------------------------------


def _target(tree: LoadedTree, symbol: str, value: str) -> FixTarget:
    kind = tree_symbol_type(tree, symbol)
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE):
        expect = Expectation.of_values((value,))
    else:
        expect = Expectation.comparison("==", value)
    return FixTarget(id=symbol, kind=NodeKind.SYMBOL, symbol=symbol, expect=expect)


def _fix(
    tree: LoadedTree,
    base: _Base,
    merged: MergedText,
    resolved: str,
    wanted: list[Request],
    lost: list[FragmentFinding],
    blockers: dict[str, list[str]],
    allno: bool,
) -> tuple[FixPlan, str, bool]:
    """A plan for the lost requests, the corrected fragment, and whether merging that onto
    the base keeps every request the plan says it can."""
    from kcheck.kernel.planner import plan as make_plan

    lost_symbols = {f.symbol for f in lost if f.rule == "lost" and f.requested is not None}
    values = {r.symbol: _meant(tree, r) for r in wanted}
    targets = [
        _target(tree, r.symbol, str(values[r.symbol]))
        for r in wanted
        if r.symbol in lost_symbols and values[r.symbol] is not None
    ]
    keep = [
        _target(tree, r.symbol, str(values[r.symbol]))
        for r in wanted
        if r.symbol not in lost_symbols and values[r.symbol] is not None
    ]
    text = resolved if allno else merged.text
    name = f"{base.name} + fragments"
    tree.load_values(text, name)
    result = make_plan(
        tree, text, targets, config_name=name, keep=keep, prefer={t.symbol: 0 for t in targets}
    )
    plan = FixPlan(
        profile="merge",
        config=base.name,
        tree=str(tree.srctree),
        arch=tree.arch,
        kernel_version=".".join(map(str, tree.version)),
        targets=result.planned,
        changes=result.changes,
        side_effects=result.side_effects,
        impossible=result.impossible,
        verification=result.verification,
        optimal=result.optimal,
    )
    impossible = {item.symbol for item in result.impossible}
    undefined = {r.symbol for r in wanted if tree.sym(r.symbol) is None}
    fragment = render_fix(
        tree, plan, wanted, values, impossible | undefined, base.name, blockers, allno
    )
    # Verified as a user would use it: the corrected fragment alone onto the same base.
    again = merge_configs(base.text, [fragment])
    _load(tree, again.text, f"{base.name} + kcheck merge --fix", allno)
    ok = all(
        tree.value(r.symbol) == values[r.symbol]
        for r in wanted
        if r.symbol not in impossible and r.symbol not in undefined and values[r.symbol]
    )
    return plan, fragment, ok


def render_fix(
    tree: LoadedTree,
    plan: FixPlan,
    wanted: list[Request],
    values: dict[str, str | None],
    dropped: set[str],
    base: str,
    blockers: dict[str, list[str]],
    allno: bool = False,
) -> str:
    """The corrected fragment: the requests that can hold, then what they need. Comments name
    symbols without ``CONFIG_`` so that merge_config.sh's ``grep -w`` sees only assignments."""
    how = (
        "scripts/kconfig/merge_config.sh -n THIS_FILE (make allnoconfig with it)"
        if allno
        else f"scripts/kconfig/merge_config.sh -m {base if not base.startswith('<') else '.config'}"
        " THIS_FILE && make olddefconfig"
    )
    lines = [
        f"# kcheck merge --fix: the fragments' requests onto {base} "
        f"(Linux {plan.kernel_version}, {plan.arch}), with what they need to survive",
        f"# Merge: {how}",
    ]
    by_symbol = {r.symbol: r for r in wanted}
    for item in plan.impossible:
        why = "; ".join(item.chain)
        culprits = [
            by_symbol[symbol]
            for symbol in blockers.get(item.symbol, ())
            if symbol in by_symbol and symbol not in dropped
        ]
        if culprits:
            why = (
                ", ".join(
                    f"{_assignment(c).removeprefix('CONFIG_')} ({c.file}:{c.line})"
                    for c in culprits
                )
                + " turns it off, and the fragments ask for that too: drop one of the two"
            )
        lines.append(f"# Not possible here: {item.symbol}={item.wanted}: {why}")
    for request in wanted:
        if request.symbol in dropped and tree.sym(request.symbol) is None:
            lines.append(f"# Not defined in this tree: {request.symbol} ({request.file})")
    current = None
    for request in wanted:
        value = values[request.symbol]
        if request.symbol in dropped or value is None:
            continue
        if request.file != current:
            lines += ["", f"# from {request.file}"]
            current = request.file
        kind = tree_symbol_type(tree, request.symbol)
        lines.append(format_assignment(request.symbol, value, kind))
    asked = {r.symbol for r in wanted}
    added = [change for change in plan.changes if change.symbol not in asked]
    if added:
        lines += ["", "# needed for the requests above to survive"]
        for change in added:
            why = ", ".join(change.dependency_of or change.required_by)
            if why:
                lines.append(f"# for {why}")
            lines.append(format_assignment(change.symbol, change.value, change.type))
    return "\n".join(lines) + "\n"
