"""Plain data that flows between kcheck's layers: values, requirements, profiles and results.

Everything here is a frozen dataclass or an enum. Results are data, never preformatted
strings: the reporters decide how a user sees them. Symbols are stored without the
``CONFIG_`` prefix; only the .config readers and writers add or strip it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

# How many links deep a dependency chain is followed unless asked otherwise (explain --depth).
DEFAULT_DEPTH = 8


class Tristate(enum.IntEnum):
    """A bool/tristate value. Ordered like the kernel's: n < m < y."""

    N = 0
    M = 1
    Y = 2

    def __str__(self) -> str:
        return "nmy"[self.value]

    @classmethod
    def parse(cls, text: str) -> Tristate | None:
        """``"y"``/``"m"``/``"n"`` to a Tristate, anything else to None."""
        return {"n": cls.N, "m": cls.M, "y": cls.Y}.get(text)


class Level(enum.StrEnum):
    """How much a requirement matters: required fails the run, recommended warns."""

    REQUIRED = "required"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"


class Status(enum.StrEnum):
    """The verdict on one requirement, named for the user."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    INFO = "info"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"
    WAIVED = "waived"  # would fail or warn, but a waiver with a reason allows it


class Check(enum.StrEnum):
    """What a result looks at: a Kconfig value (``kconfig``), or the live system a config
    runs on (``runtime``: a device node, a loaded module, a bridge, a sysctl)."""

    KCONFIG = "kconfig"
    RUNTIME = "runtime"


class SymbolType(enum.StrEnum):
    """Kconfig symbol types, as kconfiglib and the kernel name them."""

    BOOL = "bool"
    TRISTATE = "tristate"
    INT = "int"
    HEX = "hex"
    STRING = "string"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Location:
    """A place in a file, for error messages and SARIF output."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Expectation:
    """What a requirement wants of a symbol's final value.

    ``text`` is how the profile wrote it (``"y|m"``, ``"y"``, ``">= 4"``, ``"\"foo\""``).
    For bool/tristate wants, ``allowed`` holds the accepted values in the order written (the
    first is preferred by a fix). For int/hex/string symbols ``op`` is one of
    ``== != < <= > >=`` and ``operand`` the value compared to. Built by
    :func:`kcheck.profiles.parse_want` and carried to the engine, the explanations and the
    fix; whether a value meets it is :func:`kcheck.expr.holds`.
    """

    text: str
    allowed: tuple[Tristate, ...] = ()
    op: str | None = None
    operand: str | None = None

    @classmethod
    def of_values(cls, values: Iterable[str]) -> Expectation:
        """``("y", "m")`` -> the expectation ``y|m``."""
        allowed = tuple(t for t in (Tristate.parse(v) for v in values) if t is not None)
        return cls(text="|".join(str(t) for t in allowed), allowed=allowed)

    @classmethod
    def comparison(cls, op: str, operand: str) -> Expectation:
        """``op operand`` for an int/hex/string symbol, e.g. ``(">=", "4")``."""
        return cls(text=f"{op} {operand}", op=op, operand=operand)

    @property
    def is_tristate(self) -> bool:
        return self.op is None

    @property
    def wants_off(self) -> bool:
        return self.is_tristate and self.allowed == (Tristate.N,)


#: What a symbol requirement without ``want`` means: on, built in or as a module.
DEFAULT_EXPECT = Expectation(text="y|m", allowed=(Tristate.Y, Tristate.M))


class NodeKind(enum.StrEnum):
    """A requirement is a single symbol, or a group of alternatives or conjuncts."""

    SYMBOL = "symbol"
    ANY_OF = "any_of"
    ALL_OF = "all_of"


@dataclass(frozen=True)
class Requirement:
    """One requirement of a profile, or one alternative/conjunct inside a group.

    A ``symbol`` requirement names a Kconfig symbol (and renamed ``aliases``) and an
    ``expect``. An ``any_of`` group passes when any child passes; an ``all_of`` group when
    every child does. ``arch`` and ``when`` make a requirement conditional; when they do
    not hold it is not applicable.
    """

    id: str
    kind: NodeKind
    level: Level
    reason: str
    location: Location
    symbol: str = ""
    aliases: tuple[str, ...] = ()
    expect: Expectation | None = None
    arch: tuple[str, ...] = ()
    when: str | None = None
    children: tuple[Requirement, ...] = ()
    section: str = ""
    # What asked for it when it was derived rather than written in a profile: the QEMU
    # option or libvirt element, e.g. "-M ppce500" or "<interface type='bridge'>".
    origin: str | None = None


@dataclass(frozen=True)
class Profile:
    """A named set of requirements loaded from a TOML file (after ``extends`` is applied)."""

    name: str
    description: str
    path: str
    requirements: tuple[Requirement, ...]
    extends: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """The verdict on one requirement (or on one alternative inside a group).

    ``check`` says whether it is about a Kconfig value or the live system; ``origin``
    what asked for the requirement when it was derived (a QEMU option), ``hint`` what to run.

    ``actual`` is the value after ``make olddefconfig`` ("y"/"m"/"n" or the string), or
    None when it cannot be known. ``requested`` is what the input .config wrote, when that
    differs from ``actual`` (the value will be dropped). ``why`` names the first unmet
    dependency, for failures.
    """

    id: str
    kind: NodeKind
    level: Level
    status: Status
    reason: str
    section: str = ""
    symbol: str = ""
    expected: str = ""
    actual: str | None = None
    requested: str | None = None
    why: str | None = None
    children: tuple[Result, ...] = ()
    chain: ChainNode | None = None
    origin: str | None = None  # the requirement's origin (see Requirement.origin)
    check: Check = Check.KCONFIG
    # The exact command or change that would make it hold, when there is one (runtime checks:
    # "modprobe tun", "usermod -aG kvm $USER").
    hint: str | None = None
    # ``expected`` as the typed expectation it was read from, for the fix (symbol results the
    # engine made); not compared, since ``expected`` already says the same.
    expect: Expectation | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Summary:
    """Counts per status and the exit code they imply."""

    counts: dict[str, int]
    failed_required: int
    exit_code: int


@dataclass(frozen=True)
class Report:
    """Everything a reporter needs to render one check of one config against one profile."""

    profile: str
    profile_path: str
    config: str
    tree: str | None
    arch: str | None
    kernel_version: str | None
    results: tuple[Result, ...]
    summary: Summary
    notices: tuple[str, ...] = field(default=())
    # The .config line of each symbol the results name and the config assigns (name without
    # CONFIG_), so CI formats (SARIF, GitHub annotations) can point at the line.
    locations: dict[str, int] = field(default_factory=dict)


class ConfigView(Protocol):
    """What the engine asks of a configuration: final values and why they are what they are.

    Implemented in ``kcheck.kernel`` twice: over a real Kconfig tree (exact answers, after
    ``make olddefconfig`` semantics) and over the .config file alone (values as written;
    dependency questions unknown).
    """

    @property
    def has_tree(self) -> bool:
        """True when answers come from a parsed Kconfig tree."""
        ...

    def defined(self, name: str) -> bool | None:
        """Whether the tree defines the symbol; None when that cannot be known."""
        ...

    def symbol_type(self, name: str) -> SymbolType:
        """The symbol's type; UNKNOWN when undefined or unknown."""
        ...

    def value(self, name: str) -> str | None:
        """The final value ("y"/"m"/"n" or the string); None when it cannot be known."""
        ...

    def requested(self, name: str) -> str | None:
        """The value the input .config assigned, or None if it did not mention the symbol."""
        ...

    def why_not(self, name: str, wanted: Tristate) -> str | None:
        """Plain words for the first thing keeping ``name`` below ``wanted``, or None."""
        ...


class LinkKind(enum.StrEnum):
    """How a node of an explanation chain is linked to its parent.

    ``target`` is the root (the symbol being explained). ``depends``: the parent depends on
    it (``depends on``, an enclosing ``if``/``menu``, or the prompt's own ``if``); ``select``:
    it selects (or implies) the parent, or is the ``default`` that would turn it on; ``choice``:
    the parent's choice; ``cap``: it limits a tristate parent to m (``X || !X``, a dependency
    at m); ``conflict``: the parent depends on it being off (``depends on !X``);
    ``visible_if``: a menu's ``visible if`` hides the parent's prompt.
    """

    TARGET = "target"
    DEPENDS = "depends"
    SELECT = "select"
    CHOICE = "choice"
    CAP = "cap"
    CONFLICT = "conflict"
    VISIBLE_IF = "visible_if"


@dataclass(frozen=True)
class ChainNode:
    """One step of why a symbol does not have the value a requirement needs.

    ``symbol`` is None for a group: alternatives (``any_of``: one of the children is enough,
    e.g. an ``||`` or the symbols that select a promptless one) or a parenthesised ``&&``.
    ``value`` is the current value after olddefconfig, ``needs`` the values that would do
    (``"y|m"``, ``"y"``, ``"n"``, ``"y|n"`` for a cap). ``met`` says the node already has
    what it needs. ``file``/``line`` point at the ``config``/``menuconfig``/``choice`` line
    in the tree; ``menu_path`` is where menuconfig shows it. ``expr`` is the Kconfig
    expression of the link with current values, ``via`` where the link is written
    (``depends on``, ``if NETDEVICES``, ``menu "Virtio drivers"``, ``prompt if``,
    ``visible if``, ``select``, ``imply``, ``default``). ``note`` says in plain words what
    holds this node back. ``settable``: the user can set this symbol now (its prompt is
    visible), so this is where to act. ``repeated``: explained earlier in the chain;
    ``truncated``: the depth limit stopped here; ``not_proposed``: other selectors left out
    on purpose (see ``kcheck.kernel.chain`` for the ranking).
    """

    kind: LinkKind
    symbol: str | None
    value: str | None
    needs: str
    met: bool
    prompt: str | None = None
    file: str | None = None
    line: int | None = None
    menu_path: tuple[str, ...] = ()
    expr: str | None = None
    via: str | None = None
    note: str | None = None
    settable: bool = False
    any_of: bool = False
    repeated: bool = False
    truncated: bool = False
    not_proposed: tuple[str, ...] = ()
    children: tuple[ChainNode, ...] = ()

    def walk(self) -> Iterator[ChainNode]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Explanation:
    """The answer of ``kcheck explain``: one symbol's chain, and what it was checked on."""

    config: str
    tree: str
    arch: str | None
    kernel_version: str
    chain: ChainNode
    ranking: str


# -- fixing: a joint plan that makes a profile's failing requirements pass --------------------


@dataclass(frozen=True)
class FixTarget:
    """What a fix must make hold: one requirement (or an alternative/conjunct of one).

    A ``symbol`` target is met when the symbol's final value meets ``expect`` (the
    requirement's own :class:`Expectation`; :func:`kcheck.expr.holds`): one of its allowed
    Kconfig values (preferred first: ``y|m``, ``n``), or -- for int/hex/string symbols -- its
    comparison (``>= 4``). A target made by kcheck itself builds one with
    :meth:`Expectation.of_values` or :meth:`Expectation.comparison`.
    ``any_of``: one child is enough (the first listed is preferred when costs tie);
    ``all_of``: every child.
    """

    id: str
    kind: NodeKind
    level: Level = Level.REQUIRED
    symbol: str = ""
    children: tuple[FixTarget, ...] = ()
    expect: Expectation | None = None

    def __post_init__(self) -> None:
        if (self.kind is NodeKind.SYMBOL) != (self.expect is not None):
            raise ValueError(f"{self.id}: a symbol target, and only one, has an expectation")

    @property
    def expectation(self) -> Expectation:
        """``expect`` of a symbol target."""
        assert self.expect is not None, "only symbol targets have an expectation"
        return self.expect


class EffectKind(enum.StrEnum):
    """How a symbol the plan does not set changes value: ``disabled`` (y/m to n),
    ``lowered`` (y to m), ``enabled`` (n to y/m), ``raised`` (m to y), ``changed`` (an
    int/hex/string value), or ``as_requested``: it now takes the value the config itself
    asks for, which unmet dependencies had overridden (a choice going back to the member the
    config picked, a symbol the config sets to n)."""

    AS_REQUESTED = "as_requested"
    DISABLED = "disabled"
    LOWERED = "lowered"
    ENABLED = "enabled"
    RAISED = "raised"
    CHANGED = "changed"


@dataclass(frozen=True)
class FixChange:
    """One line of a fix: set ``symbol`` to ``value`` (``"y"``, ``"m"``, ``"n"`` or the raw
    int/hex/string value, unquoted).

    ``before``/``after`` are the values after olddefconfig without and with the whole plan
    (``before`` is None when the tree does not say). ``required_by``: ids of the requirements
    that want this symbol itself; ``dependency_of``: ids of requirements that would not hold
    without this line. ``choice`` names the choice this line switches (its prompt), when it
    switches one; ``switched_from`` is the member that was selected before.
    """

    symbol: str
    value: str
    type: SymbolType
    before: str | None
    after: str | None
    required_by: tuple[str, ...] = ()
    dependency_of: tuple[str, ...] = ()
    choice: str | None = None
    switched_from: str | None = None


@dataclass(frozen=True)
class SideEffect:
    """A symbol the plan does not set whose value still changes (see :class:`EffectKind`)."""

    symbol: str
    before: str
    after: str
    kind: EffectKind


@dataclass(frozen=True)
class ImpossibleTarget:
    """A requirement no plan can satisfy on this tree and config, and why.

    ``chain`` lists the blocking terms from the requirement's symbol down to what cannot be
    changed (e.g. ``KVM_E500V2 depends on !PPC_E500MC (=y)``, ``PPC_E500MC is selected by
    CORENET_GENERIC (=y)``).
    """

    id: str
    symbol: str
    wanted: str
    chain: tuple[str, ...]


@dataclass(frozen=True)
class FixVerification:
    """The plan applied to a copy of the config (fragment merged as ``merge_config.sh`` does,
    then ``make olddefconfig`` semantics): which targets hold, which do not, and values that
    came out differently from what the plan declared (symbol, declared, actual)."""

    held: tuple[str, ...]
    failed: tuple[str, ...]
    undeclared: tuple[tuple[str, str, str], ...]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.undeclared


@dataclass(frozen=True)
class FixPlan:
    """A joint fix for a profile on one config: the lines to merge and what they do.

    ``targets`` are the ids of the requirements the plan makes hold; ``impossible`` those no
    plan can satisfy. ``dependencies_verified`` is False when there was no kernel tree: the
    changes are then only the requested symbols, their dependencies unknown, and
    ``verification`` is None. ``turns_off`` names every symbol that was y/m and ends n or m
    (planned or a side effect); a caller must refuse such a plan unless the user allowed it.
    ``optimal`` is False when the search stopped at its budget before proving the plan smallest.
    """

    profile: str
    config: str
    tree: str | None
    arch: str | None
    kernel_version: str | None
    targets: tuple[str, ...]
    changes: tuple[FixChange, ...]
    side_effects: tuple[SideEffect, ...] = ()
    impossible: tuple[ImpossibleTarget, ...] = ()
    verification: FixVerification | None = None
    dependencies_verified: bool = True
    optimal: bool = True

    @property
    def turns_off(self) -> tuple[str, ...]:
        planned = tuple(c.symbol for c in self.changes if _lowered(c.before, c.after))
        effects = tuple(
            e.symbol
            for e in self.side_effects
            if e.kind in (EffectKind.DISABLED, EffectKind.LOWERED)
        )
        return planned + effects

    @property
    def choice_switches(self) -> tuple[FixChange, ...]:
        return tuple(c for c in self.changes if c.choice is not None)

    def also_turned_off(self, value: Callable[[str], str | None]) -> tuple[str, ...]:
        """The symbols of :attr:`turns_off` that a config whose values are ``value`` (None:
        unset, so n) turns off as well: with the values the choice switches alone give, what
        the switches are to blame for."""
        before = {c.symbol: c.before for c in self.changes}
        before |= {e.symbol: e.before for e in self.side_effects}
        return tuple(s for s in self.turns_off if _lowered(before.get(s), value(s) or "n"))


def _lowered(before: str | None, after: str | None) -> bool:
    """True when a bool/tristate value went down (y to m or n, m to n)."""
    old = Tristate.parse(before or "")
    new = Tristate.parse(after or "")
    return old is not None and new is not None and new < old


# -- fragments: kcheck merge and kcheck lint ----------------------------------------------------


class Severity(enum.StrEnum):
    """How much a finding about a fragment matters: an ``error`` is a request that will not
    take effect (exit 1), a ``warning`` one that works but is fragile (exit 1 with
    ``--strict``), a ``note`` is information (which fragment wins an override)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Rule:
    """A kind of finding: its severity and one line on what it means."""

    severity: Severity
    summary: str


#: Every rule of ``kcheck lint`` and ``kcheck merge`` (``FragmentFinding.rule``), by name.
RULES: dict[str, Rule] = {
    "lost": Rule(Severity.ERROR, "the merged config does not keep the value the fragment asks for"),
    "conflict": Rule(
        Severity.ERROR, "the request holds, and is why other requests of the fragments are lost"
    ),
    "redefined": Rule(Severity.NOTE, "a later fragment sets the symbol again and wins"),
    "undefined": Rule(Severity.ERROR, "no Kconfig file of the tree defines the symbol"),
    "other-arch": Rule(Severity.ERROR, "only other architectures define the symbol"),
    "never": Rule(Severity.ERROR, "the request can never hold on this architecture"),
    "wrong-type": Rule(Severity.ERROR, "the value is not one the symbol's type accepts"),
    "unquoted-string": Rule(Severity.ERROR, "a string value without quotes is ignored"),
    "quoted-number": Rule(Severity.ERROR, "an int/hex value in quotes is rejected"),
    "misread-value": Rule(Severity.WARNING, "the kernel reads only the value's first letter"),
    "unprefixed": Rule(Severity.ERROR, "a line without the CONFIG_ prefix is ignored"),
    "indented": Rule(Severity.ERROR, "an indented assignment is ignored"),
    "unset-typo": Rule(Severity.ERROR, "a misspelt '# CONFIG_X is not set' is only a comment"),
    "unset-misread": Rule(
        Severity.WARNING,
        "before Linux 6.8 the kernel reads it as 'is not set', merge_config.sh does not",
    ),
    "no-value": Rule(Severity.ERROR, "a CONFIG_ line without '=' is ignored"),
    "malformed-value": Rule(Severity.ERROR, "the value is malformed"),
    "unexpected-line": Rule(Severity.ERROR, "the kernel skips the line as unexpected data"),
    "crlf": Rule(Severity.WARNING, "CRLF line ends"),
    "repeated": Rule(Severity.WARNING, "the symbol is set more than once in one fragment"),
}

#: The rules of ``kcheck merge`` findings that are requests the merged config does not keep
#: (a symbol the tree does not define is lost too).
LOST_RULES = ("lost", "undefined", "other-arch")


@dataclass(frozen=True)
class FragmentFinding:
    """One thing wrong with (or worth knowing about) a fragment line.

    ``rule`` names the kind (``lost``, ``undefined``, ``unprefixed``, ...: see
    ``kcheck.lint.RULES``); ``file``/``line`` point at the fragment line; ``symbol`` is the
    name without ``CONFIG_``; ``requested`` the value the line asks for and ``actual`` what the
    symbol ends with (merge), both as a .config shows them; ``message`` says in plain words
    what happens and why; ``suggestion`` what to write instead (a symbol the user may have
    meant, the correct line); ``chain`` why a lost request is lost (``kcheck explain``'s
    chain); ``arch`` the architecture it was found on; ``waived`` the waiver's reason.
    """

    rule: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    symbol: str | None = None
    requested: str | None = None
    actual: str | None = None
    suggestion: str | None = None
    arch: str | None = None
    chain: ChainNode | None = None
    waived: str | None = None

    @property
    def id(self) -> str:
        """What a waiver names: ``rule:SYMBOL``, or ``rule:file:line`` for a line with none."""
        if self.symbol:
            return f"{self.rule}:{self.symbol}"
        return f"{self.rule}:{self.file}:{self.line}"


@dataclass(frozen=True)
class Override:
    """merge_config.sh's "Value of CONFIG_X is redefined by fragment F": the line that wins
    (``file``:``line``, ``value`` as written) and the one it replaces (in the base config when
    ``previous_is_base``)."""

    symbol: str
    file: str
    line: int | None
    value: str
    previous_file: str
    previous_line: int | None
    previous_value: str
    previous_is_base: bool


@dataclass(frozen=True)
class FragmentReport:
    """What ``kcheck merge`` or ``kcheck lint`` (``command``) found in a set of fragments.

    ``requests`` counts the fragment lines that ask for a value (merge: after overrides);
    ``output`` is where the merged config went (merge, ``-o``); ``fix`` the corrected
    fragment's plan and ``fix_verified`` whether merging it kept every possible request.
    ``strict`` makes warnings fail.
    """

    command: str
    fragments: tuple[str, ...]
    tree: str | None
    arches: tuple[str, ...]
    kernel_version: str | None
    findings: tuple[FragmentFinding, ...]
    base: str | None = None
    overrides: tuple[Override, ...] = ()
    requests: int = 0
    output: str | None = None
    notices: tuple[str, ...] = ()
    strict: bool = False
    fix: FixPlan | None = None
    fix_verified: bool | None = None

    @property
    def exit_code(self) -> int:
        """1 when an error (or with ``strict`` a warning) is not waived, else 0."""
        failing = (Severity.ERROR, Severity.WARNING) if self.strict else (Severity.ERROR,)
        return int(any(f.severity in failing and f.waived is None for f in self.findings))
