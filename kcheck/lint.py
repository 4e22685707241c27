"""``kcheck lint``: what is wrong with config fragments on their own, before any base config.

A fragment is read line by line as the kernel's conf_read_simple() reads it (Linux 6.12
scripts/kconfig/confdata.c) and as merge_config.sh's sed and grep see it; every line whose
meaning differs between what its author wrote and what the tools do is a finding, located at
``file:line``. Without a tree: lines the kernel skips (no ``CONFIG_`` prefix, indented,
``# CONFIG_X is not set`` misspelt, no ``=``, a malformed value), lines it reads otherwise
than written (``=yes`` read by its first letter, ``# CONFIG_X is not set.`` read although
merge_config.sh does not list it), CRLF line ends, a symbol set twice. With the tree, per
``--arch``: symbols the arch does not define (with the arch that does, a close name from the
tree, or the new name of a renamed one from the profiles' ``aliases``), values of the wrong
type (a quoted int, ``m`` for a bool, an unquoted string), and requests that can never hold
on the arch (:class:`kcheck.kernel.bounds.Bounds`: ``depends on X86`` on arm64), and
requests that cannot hold together with another line of the same fragment setting a symbol
to n (the same bounds with that symbol taken as n: ``VIRTIO_NET=y`` with ``# CONFIG_NETDEVICES
is not set``). The rules
and their severities are :data:`RULES`. :func:`line_findings` and :func:`symbol_findings` are
shared with ``kcheck merge``.
"""

from __future__ import annotations

import difflib
import os
import platform
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from kcheck import app, arches
from kcheck.errors import InputError, UsageError
from kcheck.kernel.bounds import Bounds, blocking_terms, defined_names, direct_dep, expr_text
from kcheck.kernel.bounds import selected_by as rev_dep
from kcheck.kernel.dotconfig import (
    HEX_FORM,
    INT_FORM,
    KNOWN_ARCHES,
    ConfigInput,
    Fragment,
    Line,
    parse_fragment,
    quote,
    read_config,
    read_lines,
    unset_symbol,
)
from kcheck.kernel.tree import LoadedTree, is_kernel_tree, kernel_tree_problem, kernel_version
from kcheck.kernel.versions import Rules
from kcheck.kernel.view import tree_symbol_type
from kcheck.model import RULES, FragmentFinding, FragmentReport, Severity, SymbolType
from kcheck.policy import Waiver
from kcheck.profiles import builtin_profiles, iter_requirements, load_profile

Notify = Callable[[str], None]


_UNPREFIXED = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*)$")
_INDENTED_ASSIGNMENT = re.compile(r"^(?:CONFIG_[A-Za-z0-9_]+\s*=|#\s*CONFIG_[A-Za-z0-9_]+\s)")
# A comment that tries to say "is not set": '#CONFIG_X is not set', '# CONFIG_X=n',
# '# CONFIG_X is unset', '# X is not set', ...
_UNSET_ATTEMPT = re.compile(
    r"^#\s*(?:CONFIG_)?([A-Z0-9][A-Za-z0-9_]*)\s*(?:=\s*n\b|(?:is\s+)?(?:not\s+set|unset)\b)",
)


def _finding(rule: str, message: str, **fields: object) -> FragmentFinding:
    return FragmentFinding(rule=rule, severity=RULES[rule].severity, message=message, **fields)  # type: ignore[arg-type]


def _malformed(body: str, name: str, lineno: int) -> str:
    """Why the .config reader refuses an assignment line (its own words)."""
    try:
        list(read_lines(ConfigInput(name, body)))
    except InputError as e:
        return e.message
    return "malformed"


def line_findings(source: ConfigInput, fragment: Fragment, rules: Rules) -> list[FragmentFinding]:
    """The findings that need no tree but its version (``rules``): lines the kernel's reader
    skips or reads otherwise than written, CRLF line ends, and symbols set twice. ``fragment``
    is ``source`` read by :func:`~kcheck.kernel.dotconfig.parse_fragment` (leniently)."""
    name = source.name
    out: list[FragmentFinding] = []
    read = {line.line for line in fragment.lines}
    crlf: list[int] = []
    for lineno, raw in enumerate(source.text.split("\n"), start=1):
        body = raw
        if body.endswith("\r"):
            crlf.append(lineno)
            body = body[:-1]
        if lineno in read or not body.strip():
            continue
        where = {"file": name, "line": lineno}
        if body[0].isspace():
            stripped = body.strip()
            if _INDENTED_ASSIGNMENT.match(stripped) or _UNPREFIXED.match(stripped):
                meant = list(read_lines(ConfigInput(name, stripped), lenient=True))
                out.append(
                    _finding(
                        "indented",
                        "indented: the kernel skips it ('unexpected data'), so it asks for nothing",
                        suggestion=stripped,
                        symbol=meant[0].symbol if meant else None,
                        requested=meant[0].value if meant else None,
                        **where,
                    )
                )
            continue
        if body.startswith("#"):
            unset = unset_symbol(body, exact=rules.unset_exact)
            if unset is not None:
                out.append(
                    _finding(
                        "unset-misread",
                        f"the kernel reads it as {unset} is not set, but merge_config.sh "
                        "lists only the exact form, so the base's line for it is not replaced",
                        symbol=unset,
                        requested="n",
                        suggestion=f"# CONFIG_{unset} is not set",
                        **where,
                    )
                )
                continue
            attempt = _UNSET_ATTEMPT.match(body)
            if attempt and ("CONFIG_" in body or "not set" in body):
                symbol = attempt.group(1)
                out.append(
                    _finding(
                        "unset-typo",
                        f"not the form '# CONFIG_{symbol} is not set': the kernel reads a "
                        "comment and leaves the symbol as the base config has it",
                        symbol=symbol,
                        requested="n",
                        suggestion=f"# CONFIG_{symbol} is not set",
                        **where,
                    )
                )
            continue
        if body.startswith("CONFIG_"):
            if "=" not in body:
                out.append(
                    _finding(
                        "no-value",
                        "no '=': the kernel's reader skips the line",
                        symbol=body.split()[0].removeprefix("CONFIG_") or None,
                        **where,
                    )
                )
            else:
                symbol = body.split("=", 1)[0].removeprefix("CONFIG_")
                out.append(
                    _finding(
                        "malformed-value",
                        f"{_malformed(body, name, lineno)}: kcheck and the kernel may read "
                        "different values",
                        symbol=symbol or None,
                        **where,
                    )
                )
            continue
        unprefixed = _UNPREFIXED.match(body)
        if unprefixed:
            symbol = unprefixed.group(1).upper().removeprefix("CONFIG_")
            value = unprefixed.group(2).strip()
            out.append(
                _finding(
                    "unprefixed",
                    "no CONFIG_ prefix: the kernel skips it ('unexpected data'), so it asks "
                    "for nothing",
                    symbol=symbol,
                    requested=value or None,
                    suggestion=f"CONFIG_{symbol}={value}",
                    **where,
                )
            )
            continue
        out.append(_finding("unexpected-line", "not a config line: the kernel skips it", **where))
    if crlf:
        out.append(
            _finding(
                "crlf",
                f"{len(crlf)} line(s) end in CRLF: the kernel strips the CR, but "
                "merge_config.sh does not see '# CONFIG_X is not set' lines that have one",
                file=name,
                line=crlf[0],
            )
        )
    for repeat in fragment.repeats:
        same = repeat.first.value == repeat.then.value
        out.append(
            _finding(
                "repeated",
                f"set again (line {repeat.first.line} set {repeat.first.value!r})"
                + ("" if same else f"; the last one, {repeat.then.value!r}, wins"),
                file=name,
                line=repeat.then.line,
                symbol=repeat.then.symbol,
                requested=repeat.then.value,
            )
        )
    return out


# -- with a tree --------------------------------------------------------------------------------


_CONFIG_LINE = re.compile(r"^[ \t]*(?:menu)?config[ \t]+([A-Za-z0-9_]+)[ \t]*(?:#.*)?$", re.M)
_DEFINITIONS: dict[str, dict[str, list[str]]] = {}


def definitions(srctree: Path) -> dict[str, list[str]]:
    """Symbol -> the Kconfig files (relative to ``srctree``) with a ``config`` line for it,
    over every arch: what says that a symbol belongs to another arch. Read once per tree."""
    key = str(srctree.resolve())
    found = _DEFINITIONS.get(key)
    if found is not None:
        return found
    found = {}
    for folder, dirs, files in os.walk(srctree):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for file in files:
            if not file.startswith("Kconfig"):
                continue
            path = Path(folder, file)
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            relative = path.relative_to(srctree).as_posix()
            for match in _CONFIG_LINE.finditer(text):
                files_of = found.setdefault(match.group(1), [])
                if relative not in files_of:
                    files_of.append(relative)
    _DEFINITIONS[key] = found
    return found


def renames() -> dict[str, str]:
    """Old name -> new name and new -> old, from the built-in profiles' ``aliases``: the rename
    history kcheck knows (E500 -> PPC_E500, ...)."""
    out: dict[str, str] = {}
    for profile_name in builtin_profiles():
        for req in iter_requirements(load_profile(profile_name).requirements):
            for alias in req.aliases:
                out.setdefault(alias, req.symbol)
                out.setdefault(req.symbol, alias)
    return out


@dataclass
class TreeFacts:
    """What the symbol checks ask of one arch's tree, worked out once per run."""

    tree: LoadedTree
    arch: str
    bounds: Bounds
    names: list[str]
    defined_in: dict[str, list[str]]
    renamed: dict[str, str]
    _with_off: dict[str, Bounds] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: LoadedTree, arch: str) -> TreeFacts:
        return cls(
            tree, arch, Bounds(tree), defined_names(tree), definitions(tree.srctree), renames()
        )

    def symbol_type(self, name: str) -> SymbolType:
        return tree_symbol_type(self.tree, name)

    def bounds_with_off(self, name: str) -> Bounds:
        """The bounds when ``name`` is n (a request of the fragment being checked)."""
        found = self._with_off.get(name)
        if found is None:
            found = self._with_off[name] = Bounds(self.tree, (name,))
        return found


def _undefined(facts: TreeFacts, line: Line, name: str) -> FragmentFinding:
    symbol = line.symbol
    files = facts.defined_in.get(symbol, [])
    suggestion = None
    new = facts.renamed.get(symbol)
    if new is not None and facts.tree.sym(new) is not None:
        suggestion = f"CONFIG_{new} (the name of CONFIG_{symbol} in this tree)"
    else:
        close = difflib.get_close_matches(symbol, facts.names, n=3, cutoff=0.85)
        if close:
            suggestion = " or ".join(f"CONFIG_{c}" for c in close) + "?"
    where = {"file": name, "line": line.line, "symbol": symbol, "requested": line.value}
    own = f"arch/{facts.tree.srcarch}/"
    if files and all(f.startswith("arch/") and not f.startswith(own) for f in files):
        others = sorted({f.split("/")[1] for f in files})
        return _finding(
            "other-arch",
            f"not defined for {facts.arch}: defined only under arch/{', arch/'.join(others)} "
            f"({', '.join(files[:3])})",
            suggestion=suggestion,
            arch=facts.arch,
            **where,
        )
    if files:
        message = (
            f"not defined for {facts.arch}: {', '.join(files[:3])} defines it, but this arch "
            "does not read that definition"
        )
    else:
        message = "no Kconfig file of this tree defines it"
    return _finding("undefined", message, suggestion=suggestion, arch=facts.arch, **where)


def type_finding(facts: TreeFacts, line: Line, name: str) -> FragmentFinding | None:
    kind = facts.symbol_type(line.symbol)
    value = line.value
    where = {
        "file": name,
        "line": line.line,
        "symbol": line.symbol,
        "requested": quote(value) if line.quoted else value,  # as written
        "arch": facts.arch,
    }
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE):
        letters = "ymn" if kind is SymbolType.TRISTATE else "yn"
        if line.quoted:
            return _finding(
                "wrong-type",
                f"a {kind} value in quotes: the kernel rejects it",
                suggestion=f"CONFIG_{line.symbol}={value}" if value in letters else None,
                **where,
            )
        if value in letters:
            return None
        if value[:1] in letters:
            return _finding(
                "misread-value",
                f"the kernel reads only the first letter ({value[0]}); other tools do not "
                "accept it",
                suggestion=f"CONFIG_{line.symbol}={value[0]}",
                **where,
            )
        return _finding(
            "wrong-type",
            f"{value!r} is not a value of a {kind} symbol ({'/'.join(letters)}): the kernel "
            "ignores it",
            **where,
        )
    if kind in (SymbolType.INT, SymbolType.HEX):
        pattern = INT_FORM if kind is SymbolType.INT else HEX_FORM
        if line.quoted:
            fixed = f"CONFIG_{line.symbol}={value}" if pattern.fullmatch(value) else None
            return _finding(
                "quoted-number",
                f"an {kind} value in quotes: the kernel rejects it",
                suggestion=fixed,
                **where,
            )
        if not pattern.fullmatch(value):
            return _finding(
                "wrong-type", f"{value!r} is not an {kind} value: the kernel ignores it", **where
            )
        return None
    if kind is SymbolType.STRING and not line.quoted:
        return _finding(
            "unquoted-string",
            "a string value without quotes: the kernel ignores it without a word",
            suggestion=f'CONFIG_{line.symbol}="{value}"',
            **where,
        )
    return None


def _never(facts: TreeFacts, line: Line, name: str) -> FragmentFinding | None:
    """A request the tree's rules can never give on this arch (see kcheck.kernel.bounds)."""
    kind = facts.symbol_type(line.symbol)
    where = {
        "file": name,
        "line": line.line,
        "symbol": line.symbol,
        "requested": line.value,
        "arch": facts.arch,
    }
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE):
        lo, hi = facts.bounds.symbol(line.symbol)
        wants_on = line.value in ("y", "m")
        if wants_on and hi == 0:
            terms = blocking_terms(facts.bounds, direct_dep(facts.tree, line.symbol), True)
            why = "; ".join(_term_text(facts, term) for term in terms) or "nothing turns it on"
            return _finding(
                "never", f"can never be {line.value} on {facts.arch}: depends on {why}", **where
            )
        if line.value == "n" and lo > 0:
            terms = blocking_terms(facts.bounds, rev_dep(facts.tree, line.symbol), False)
            why = (
                "selected by " + "; ".join(_term_text(facts, term) for term in terms)
                if terms
                else "its default always holds and it has no prompt"
            )
            return _finding("never", f"is always on for {facts.arch}: {why}", actual="y", **where)
        return None
    if kind is SymbolType.UNKNOWN:
        return None
    dep = direct_dep(facts.tree, line.symbol)
    if facts.bounds.expr(dep)[1] == 0:
        terms = blocking_terms(facts.bounds, dep, True)
        why = "; ".join(_term_text(facts, term) for term in terms)
        return _finding(
            "never", f"never visible on {facts.arch}, so never set: depends on {why}", **where
        )
    return None


def _plain(facts: TreeFacts, line: Line) -> bool:
    """The line is a defined symbol with a value of its type that can hold on the arch: one
    whose only possible problem is a conflict with another request."""
    if facts.tree.sym(line.symbol) is None:
        return False
    typed = type_finding(facts, line, "")
    return typed is None and _never(facts, line, "") is None


def _term_text(facts: TreeFacts, term: object) -> str:
    text = expr_text(term)
    missing = [
        word
        for word in dict.fromkeys(re.findall(r"[A-Z][A-Z0-9_]+", text))
        if word not in ("y", "m", "n") and facts.tree.sym(word) is None
    ]
    if missing:
        text += f" ({', '.join(missing)}: not defined for {facts.arch})"
    return text


def _conflicts(fragment: Fragment, facts: TreeFacts, flagged: set[str]) -> list[FragmentFinding]:
    """Requests for y or m that can never hold together with another request of the same
    fragment for n (``# CONFIG_NETDEVICES is not set`` among VIRTIO_NET=y, E1000=y, ...): each
    with the n request(s) that block it. Sure (an error) when nothing can select the blocking
    symbol; else a warning "unless something selects it"."""
    sure: dict[str, bool] = {}
    for line in fragment.assignments.values():
        if line.value == "n":
            holds = facts.bounds.user_off_holds(line.symbol)
            if holds is not False:
                sure[line.symbol] = holds is True
    if not sure:
        return []
    pinned = Bounds(facts.tree, sure)
    out: list[FragmentFinding] = []
    for line in fragment.assignments.values():
        if line.value not in ("y", "m") or line.symbol in flagged or line.quoted:
            continue
        if facts.tree.sym(line.symbol) is None or pinned.symbol(line.symbol)[1] != 0:
            continue
        blockers = [
            name
            for name in sure
            if name != line.symbol and facts.bounds_with_off(name).symbol(line.symbol)[1] == 0
        ]
        if not blockers:
            continue  # only several together block it: rare, and hard to say in one line
        by = "; ".join(
            f"line {fragment.assignments[name].line} sets CONFIG_{name}=n"
            + ("" if sure[name] else f" (unless something selects {name})")
            for name in blockers
        )
        out.append(
            FragmentFinding(
                rule="conflict",
                severity=Severity.ERROR
                if any(sure[name] for name in blockers)
                else Severity.WARNING,
                message=f"can never be {line.value} while {by}",
                file=fragment.name,
                line=line.line,
                symbol=line.symbol,
                requested=line.value,
                arch=facts.arch,
            )
        )
    return out


def symbol_findings(
    fragment: Fragment, facts: TreeFacts, lines: Iterable[Line] | None = None
) -> list[FragmentFinding]:
    """The findings that need the tree of one arch, for each assignment (or ``lines``), and
    (for a whole fragment) requests that block each other."""
    out: list[FragmentFinding] = []
    if lines is None:
        out += _conflicts(
            fragment, facts, {line.symbol for line in fragment.lines if not _plain(facts, line)}
        )
    for line in fragment.lines if lines is None else lines:
        if facts.tree.sym(line.symbol) is None:
            undefined = _undefined(facts, line, fragment.name)
            # "n" for a symbol the arch lacks holds anyway (nopm.config turns off ARM
            # platforms on every arch); only a likely misspelling is worth saying.
            if line.value != "n" or undefined.suggestion is not None:
                out.append(undefined)
            continue
        typed = type_finding(facts, line, fragment.name)
        if typed is not None:
            out.append(typed)
            if typed.severity is Severity.ERROR:
                continue
        never = _never(facts, line, fragment.name)
        if never is not None:
            out.append(never)
    return out


# -- waivers --------------------------------------------------------------------------------


def apply_waivers(
    findings: Iterable[FragmentFinding], waivers: Iterable[Waiver], today: date | None = None
) -> tuple[list[FragmentFinding], list[str]]:
    """Mark the findings a waiver names (by ``rule:SYMBOL``, ``rule:file:line`` or a whole
    ``rule``) as waived; notices for expired waivers and for waivers that match nothing."""
    today = today or date.today()
    by_id = {w.id: w for w in waivers}
    used: set[str] = set()
    notices: list[str] = []
    out: list[FragmentFinding] = []
    for finding in findings:
        waiver = by_id.get(finding.id) or by_id.get(finding.rule)
        if waiver is None or finding.severity is Severity.NOTE:
            out.append(finding)
            continue
        used.add(waiver.id)
        if waiver.expired(today):
            notices.append(
                f"{waiver.source}: the waiver for {waiver.id} expired on {waiver.expires}; "
                "it no longer applies"
            )
            out.append(finding)
            continue
        out.append(replace(finding, waived=waiver.reason))
    for waiver in by_id.values():
        if waiver.id not in used:
            notices.append(f"{waiver.source}: the waiver for {waiver.id} matches no finding")
    return out, list(dict.fromkeys(notices))


def waivers_for(gate: app.Gate, first: Path | None) -> tuple[Waiver, ...]:
    """--waive, then --waivers FILE or the .kcheck-waivers.toml next to the first fragment."""
    from kcheck.policy import find_waiver_file, load_waivers

    path = gate.waiver_file or find_waiver_file(first)
    from_file = load_waivers(path) if path is not None else ()
    given = {w.id for w in gate.waivers}
    return (*gate.waivers, *(w for w in from_file if w.id not in given))


# -- the use case ---------------------------------------------------------------------------


_ARCH_DIR = re.compile(r"(?:^|/)arch/([a-z0-9_]+)/configs/[^/]+$")


def read_fragments(paths: Iterable[str]) -> list[tuple[ConfigInput, Fragment]]:
    """Each fragment read (path, ``-`` or gzip) and parsed as the kernel reads it: lines it
    skips are left out of the assignments (and found by :func:`line_findings`)."""
    paths = list(paths)
    if paths.count("-") > 1:
        raise UsageError("stdin (-) can be given once")
    out = []
    for path in paths:
        source = read_config(path)
        out.append((source, parse_fragment(source, lenient=True)))
    return out


def tree_of_fragment(path: Path | None) -> Path | None:
    """The kernel tree a fragment lives in (kernel/configs/X or arch/A/configs/X), if any."""
    if path is None:
        return None
    resolved = path.resolve()
    parts = resolved.parts
    for depth in (2, 3):
        if len(parts) > depth:
            candidate = resolved.parents[depth]
            if is_kernel_tree(candidate):
                return candidate
    return None


def default_arches(sources: Iterable[ConfigInput]) -> tuple[str, ...]:
    """The arch of fragments under arch/<A>/configs, else the machine's own, else x86_64."""
    found: list[str] = []
    for source in sources:
        if source.path is None:
            continue
        match = _ARCH_DIR.search(source.path.resolve().as_posix())
        if match:
            row = next(
                (a for a in arches.ARCHES if a.srcarch == match.group(1) and a.default), None
            )
            if row is not None and row.make_arch not in found:
                found.append(row.make_arch)
    if found:
        return tuple(found)
    row = arches.from_machine(platform.machine())
    return (row.make_arch if row is not None else "x86_64",)


@dataclass(frozen=True)
class LintOptions:
    """What ``kcheck lint`` was asked: fragments, arches (empty: the default), tree, gate."""

    fragments: tuple[str, ...]
    arches: tuple[str, ...]
    inputs: app.Inputs
    gate: app.Gate


def find_tree_dir(inputs: app.Inputs, sources: Iterable[ConfigInput], what: str) -> Path:
    """--tree, else the tree a fragment lives in, else the current directory."""
    if inputs.tree is not None:
        problem = kernel_tree_problem(inputs.tree)
        if problem is not None:
            raise problem  # what is missing: no arch/, no version in the Makefile, ...
        return inputs.tree
    for source in sources:
        found = tree_of_fragment(source.path)
        if found is not None:
            return found
    if is_kernel_tree(Path.cwd()):
        return Path.cwd()
    raise UsageError(f"{what} needs a kernel tree: pass --tree DIR or set KCHECK_TREE")


def lint(options: LintOptions, notify: Notify) -> FragmentReport:
    """Every finding for the fragments, on each arch."""
    read = read_fragments(options.fragments)
    sources = [source for source, _ in read]
    for arch in options.arches:
        if arch not in KNOWN_ARCHES:
            raise UsageError(f"unknown --arch {arch!r}; known: {', '.join(KNOWN_ARCHES)}")
    chosen = tuple(dict.fromkeys(options.arches)) or default_arches(sources)
    tree_dir = find_tree_dir(options.inputs, sources, "lint")
    findings: list[FragmentFinding] = []
    rules = Rules.for_version(kernel_version(tree_dir))
    for source, fragment in read:
        findings += line_findings(source, fragment, rules)
    version = None
    for arch in chosen:
        tree = app.tree_for(tree_dir, arch, options.inputs, notify)
        version = ".".join(map(str, tree.version))
        facts = TreeFacts.of(tree, arch)
        for _source, fragment in read:
            findings += symbol_findings(fragment, facts)
    first = sources[0].path if sources else None
    judged, notices = apply_waivers(findings, waivers_for(options.gate, first))
    return FragmentReport(
        command="lint",
        fragments=tuple(source.name for source in sources),
        tree=str(tree_dir),
        arches=chosen,
        kernel_version=version,
        findings=tuple(sorted(judged, key=_order)),
        requests=sum(len(fragment.assignments) for _, fragment in read),
        notices=tuple(notices),
        strict=options.gate.strict,
    )


def _order(finding: FragmentFinding) -> tuple[str, int, str, str]:
    return (finding.file or "", finding.line or 0, finding.arch or "", finding.rule)
