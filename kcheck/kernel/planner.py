"""A joint, minimal, verified plan of .config assignments that makes a set of targets hold.

:func:`plan` takes a :class:`~kcheck.kernel.tree.LoadedTree` with a config loaded and the
targets a fix must meet (:class:`kcheck.model.FixTarget`: a symbol and what its value must be,
or ``any_of``/``all_of`` groups of them) and returns the smallest set of user assignments
(``CONFIG_X=y``, ``# CONFIG_X is not set``, ...) after which, with ``make olddefconfig``
semantics, every target holds -- with the requirements each line serves, its side effects,
the targets no plan can meet (with the chain of blocking terms) and its verification.

This module is the entry point and the last step; the planner's parts live beside it:
:mod:`~kcheck.kernel.plan_values` (the assignments applied on the tree, and the values read:
the one value rule of :mod:`kcheck.kernel.values` on a fast evaluator),
:mod:`~kcheck.kernel.plan_moves` (which assignments could bring a target closer, selectors
ranked as ``kcheck explain`` ranks them), :mod:`~kcheck.kernel.plan_search` (the search for
the smallest joint plan, turning nothing off unless it must) and
:mod:`~kcheck.kernel.plan_effects` (the symbols a plan changes besides its own lines).

Each plan is verified before it is returned (:func:`_verify`): its lines are merged into a copy
of the config text as ``merge_config.sh`` does and loaded as kcheck reads any config; what the
values are computed from must be what the plan's values were computed from, and every target
and every value the plan predicts is computed again on the merged config and checked. The
tree's original config is then restored from a snapshot (:mod:`kcheck.kernel.state`), not read
again. The .config text of a plan (:func:`assignment_line`, :func:`merge_config_text`) is
written here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kcheck.errors import InputError
from kcheck.kernel.dotconfig import (
    ConfigInput,
    format_assignment,
    merge_config_text,
    parse_dotconfig,
)
from kcheck.kernel.kconfiglib_api import Choice, Symbol, symbol_type
from kcheck.kernel.plan_effects import Solution, effect_kind, walk
from kcheck.kernel.plan_moves import choice_name, target_leaves
from kcheck.kernel.plan_search import Search, find_plan
from kcheck.kernel.plan_values import TRI, Move, current_value
from kcheck.kernel.state import changed_since, inputs, restore, same_inputs, snapshot
from kcheck.kernel.tree import LoadedTree
from kcheck.model import (
    EffectKind,
    FixChange,
    FixTarget,
    FixVerification,
    ImpossibleTarget,
    Level,
    SideEffect,
    SymbolType,
)

__all__ = [
    "Assignment",
    "PlanResult",
    "assignment_line",
    "merge_config_text",
    "plan",
]

# The names the planner's tests use (tests/integration/test_fix_values.py).
_value = current_value
_Move = Move


@dataclass(frozen=True)
class Assignment:
    """One line of a plan: ``symbol`` set to ``value`` (Kconfig text, strings unquoted)."""

    symbol: str
    value: str
    type: SymbolType


@dataclass(frozen=True)
class PlanResult:
    """What :func:`plan` found: the changes (in fragment order), their side effects, the
    targets that could not be met, and the verification of the changes on a copy of the
    config. ``planned`` are the ids of the targets the changes meet. ``optimal`` is False when
    the search budget ran out before the plan was proven smallest."""

    changes: tuple[FixChange, ...]
    side_effects: tuple[SideEffect, ...]
    impossible: tuple[ImpossibleTarget, ...]
    planned: tuple[str, ...]
    verification: FixVerification
    optimal: bool


def assignment_line(assignment: Assignment) -> str:
    """The .config line for an assignment, as conf_write() writes it."""
    return format_assignment(assignment.symbol, assignment.value, assignment.type)


class _Planner(Search):
    """The search, for one config: its text and name are what the verification merges into."""

    def __init__(
        self,
        tree: LoadedTree,
        config_text: str,
        config_name: str,
        prefer: Mapping[str, int],
    ) -> None:
        super().__init__(tree, prefer)
        self.text = config_text
        self.name = config_name


# -- entry point ------------------------------------------------------------------------------


def plan(
    tree: LoadedTree,
    config_text: str,
    targets: Sequence[FixTarget],
    *,
    config_name: str = "<config>",
    keep: Sequence[FixTarget] = (),
    prefer: Mapping[str, int] | None = None,
) -> PlanResult:
    """The smallest verified set of assignments that makes every target hold.

    ``tree`` must have ``config_text`` loaded (it is loaded if ``tree.config_name`` differs
    from ``config_name``), and has it loaded on return (restored after the verification).
    ``keep`` are targets that hold now and must still hold (a profile's passing
    requirements). ``prefer`` ranks the symbols a profile wants (0 required, 1 recommended,
    2 optional): a promptless symbol is turned on only through the best-ranked of its
    selectors (:mod:`kcheck.kernel.chain`'s ranking).
    """
    if tree.config_name != config_name:
        tree.load_values(config_text, config_name)
    planner = _Planner(tree, config_text, config_name, prefer or {})
    planner.record_asked()
    try:
        found = find_plan(planner, list(targets), list(keep))
        result = _result(planner, found.best, found.feasible, found.keep, found.impossible)
    except BaseException:
        planner.state.reset()  # (the verification restores the original config itself)
        raise
    # The verification restored the original config; the search left nothing applied.
    planner.state.reset()
    return result


def _result(
    planner: _Planner,
    best: Solution,
    feasible: list[FixTarget],
    keep: list[FixTarget],
    impossible: list[ImpossibleTarget],
) -> PlanResult:
    state = planner.state
    moves = best.moves
    leaves = [leaf for target in feasible + planner.protect for leaf in target_leaves(target)]
    # Who needs each line: the leaves that want its symbol, and those that fail without it.
    state.switch(moves)
    held = {leaf.id for leaf in leaves if planner.leaf_holds(leaf)}
    # A leaf is credited to the lines it needs among those wanted at least as strongly as
    # itself (a required VIRTIO_NET needs VIRTIO_PCI, even if a recommended VIRTIO_CONSOLE in
    # the same plan also selects VIRTIO) and the pure dependencies.
    rank = {Level.REQUIRED: 0, Level.RECOMMENDED: 1, Level.OPTIONAL: 2}
    wanted_rank: dict[Any, int] = {}
    for leaf in leaves:
        sym = planner.tree.sym(leaf.symbol)
        if sym is not None:
            wanted_rank[sym] = min(rank[leaf.level], wanted_rank.get(sym, 3))
    needed_by: dict[Move, list[str]] = {move: [] for move in moves}
    for level in sorted({rank[leaf.level] for leaf in leaves}):
        base = [m for m in moves if wanted_rank.get(m.sym, -1) <= level]
        group = [leaf for leaf in leaves if rank[leaf.level] == level and leaf.id in held]
        state.switch(base)
        if not all(planner.leaf_holds(leaf) for leaf in group):
            base = list(moves)
        for index in range(len(base) - 1, -1, -1):
            move = base[index]
            state.switch(base[:index] + base[index + 1 :])
            needed_by[move] += [leaf.id for leaf in group if not planner.leaf_holds(leaf)]
    changes: list[FixChange] = []
    planned_syms = {move.sym for move in moves}
    for move in moves:
        sym = move.sym
        name = str(sym.name)
        direct = tuple(leaf.id for leaf in leaves if leaf.symbol == name)
        dependency = tuple(i for i in needed_by[move] if i not in direct)
        choice = switched = None
        if sym.choice is not None:
            old = planner.selection_before(sym.choice)
            if old is not None and old is not sym:
                choice, switched = choice_name(sym.choice), str(old.name)
        changes.append(
            FixChange(
                symbol=name,
                value=_move_value(move),
                type=symbol_type(sym),
                before=planner.before.get(sym),
                after=best.after.get(sym),
                required_by=direct,
                dependency_of=dependency,
                choice=choice,
                switched_from=switched,
            )
        )
    effects = tuple(
        SideEffect(
            str(sym.name),
            planner.before[sym],
            value,
            EffectKind.AS_REQUESTED
            if planner.asked.get(sym) == value
            else effect_kind(planner.before[sym], value),
        )
        for sym, value in sorted(best.after.items(), key=lambda item: str(item[0].name))
        if sym not in planned_syms and planner.before[sym] != value
    )
    state.reset()
    planner.fill_before(m.sym for m in moves)  # before the verification loads another config
    verification = _verify(planner, best, feasible, keep)
    return PlanResult(
        changes=tuple(changes),
        side_effects=effects,
        impossible=tuple(impossible),
        planned=tuple(t.id for t in feasible),
        verification=verification,
        optimal=not planner.exhausted,
    )


def _load(tree: LoadedTree, text: str, name: str) -> None:
    """Load .config text as kcheck reads a user's config (:func:`parse_dotconfig`, then
    :meth:`LoadedTree.load_config`, which falls back to kconfiglib's own reader whenever the
    result could differ); text the strict parser refuses is read by kconfiglib alone."""
    try:
        parsed = parse_dotconfig(ConfigInput(name, text))
    except InputError:
        tree.load_values(text, name)
    else:
        tree.load_config(parsed)


def _verify(
    planner: _Planner, best: Solution, feasible: list[FixTarget], keep: list[FixTarget]
) -> FixVerification:
    """Merge the lines into a copy of the config, load it, and check what was promised.

    The merged config is loaded as ``make olddefconfig`` reads it. What the values are
    computed from -- every symbol's user value and pinned probe answer, every choice's mode,
    selection and priority list, the ``$(success,...)`` answers -- is compared with the
    state the plan's values were computed in (the loaded config with the plan's lines set):
    where nothing differs, no symbol outside the plan's walk (:func:`walk`) can have another
    value; the targets and every value the plan predicts (its lines' and their side
    effects) are then computed again on the merged config and compared. Where an input
    differs, every symbol that can depend on it is compared instead (values before the plan
    read once the original config is back). The original config is restored from a
    snapshot afterwards, not loaded again.
    """
    tree = planner.tree
    state = planner.state
    state.reset()
    promised = feasible + keep + planner.protect
    if not best.moves:
        # Nothing to merge: the config is already what the plan would give.
        held = tuple(t.id for t in promised if planner.holds(t))
        failed = tuple(t.id for t in promised if not planner.holds(t))
        return FixVerification(held=held, failed=failed, undeclared=())
    original = snapshot(tree)
    touched = list(dict.fromkeys(_touched(best.moves)))
    state.apply_all(best.moves)
    planned = inputs(tree, touched)
    state.reset()
    pins = dict(tree.pinned)
    _load(
        tree, merge_config_text(planner.text, _fragment(best.moves)), f"{planner.name} + kcheck fix"
    )
    since: list[Any] | None = None  # what differs from the original config: put back after
    restored = False
    try:
        held = tuple(t.id for t in promised if planner.holds(t))
        failed = tuple(t.id for t in promised if not planner.holds(t))
        undeclared: list[tuple[str, str, str]] = []
        if dict(tree.pinned) != pins:
            for name in sorted(set(pins) | set(tree.pinned)):
                if pins.get(name) != tree.pinned.get(name):
                    undeclared.append((name, pins.get(name) or "", tree.pinned.get(name) or ""))
        # What differs from the state the plan's values were computed in: the loaded config
        # with the plan's lines set (only those symbols and their choices differ from it).
        now = inputs(tree, touched)
        since = changed_since(tree, original)
        differing = [item for item in since if item not in planned]
        differing += [item for item in touched if not same_inputs(planned[item], now[item])]
        if not differing:
            actual = {sym: current_value(sym) for sym in best.after}
        else:
            # Compare every symbol that can depend on what differs (or on the lines).
            roots = list(dict.fromkeys([*(move.sym for move in best.moves), *differing]))
            closure = _closure(roots)
            merged_values = {sym: current_value(sym) for sym in closure}
            restore(tree, original, since)
            restored = True
            planner.before.update(
                (sym, current_value(sym)) for sym in closure if sym not in planner.before
            )
            # (A placeholder has no value of its own to compare: its dependents are roots.)
            starts = [
                dep
                for root in roots
                for dep in (
                    root._dependents if root.__class__ is Symbol and not root.nodes else (root,)
                )
            ]
            actual = walk(
                list(dict.fromkeys(starts)), merged_values.__getitem__, planner.before.get
            )
    finally:
        if not restored:
            restore(tree, original, since)
    for sym in sorted(set(actual) | set(best.after), key=lambda sym: str(sym.name)):
        predicted = best.after.get(sym, planner.before[sym])
        value = actual.get(sym, planner.before[sym])
        if value != predicted:
            undeclared.append((str(sym.name), predicted, value))
    return FixVerification(held=held, failed=failed, undeclared=tuple(undeclared))


def _closure(roots: Iterable[Any]) -> list[Any]:
    """Every symbol (with a definition) whose value can follow those of ``roots``: the
    dependents closure, a choice's members and a member's choice included."""
    seen: set[Any] = set(roots)
    stack = list(seen)
    while stack:
        item = stack.pop()
        following = list(item._dependents)
        if item.__class__ is Choice:
            following += item.syms
        elif item.choice is not None:
            following.append(item.choice)
        for dep in following:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return [sym for sym in seen if sym.__class__ is Symbol and sym.nodes]


def _touched(moves: Iterable[Move]) -> Iterator[Any]:
    """The symbols the moves set and the choices they are members of."""
    for move in moves:
        yield move.sym
        if move.sym.choice is not None:
            yield move.sym.choice


def _move_value(move: Move) -> str:
    return TRI[move.value] if isinstance(move.value, int) else move.value


def _assignment(move: Move) -> Assignment:
    return Assignment(str(move.sym.name), _move_value(move), symbol_type(move.sym))


def _fragment(moves: Iterable[Move]) -> str:
    return "".join(assignment_line(_assignment(move)) + "\n" for move in moves)
