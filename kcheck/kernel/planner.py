"""A joint, minimal, verified plan of .config assignments that makes a set of targets hold.

:func:`plan` takes a :class:`~kcheck.kernel.tree.LoadedTree` with a config loaded and the
targets a fix must meet (:class:`kcheck.model.FixTarget`: a symbol and the values it may end
with, or ``any_of``/``all_of`` groups of them) and searches for the smallest set of user
assignments (``CONFIG_X=y``, ``# CONFIG_X is not set``, ...) after which, with
``make olddefconfig`` semantics, every target holds.

How: a goal-directed depth-first search with branch and bound. At each step the first target
that does not hold is followed down the way the kernel computes a value (scripts/kconfig/
symbol.c): a symbol with a visible prompt is set; a hidden prompt is made visible through its
``depends on`` terms, enclosing ``if``/``menu`` conditions and the prompt's own ``if`` (an
``&&`` through its first unmet term, an ``||`` through each operand, so the cheaper one wins;
``X || !X`` caps are lifted by raising X); a choice member is picked (a choice switch, only
when no plan without one exists); a promptless symbol such as VIRTIO is reached through the
symbols that select it, ranked like ``kcheck explain`` does (those the profile wants, then
the subsystem's own providers in the same Kconfig file): so VIRTIO comes from the transport the
profile targets (VIRTIO_PCI), never from a select-only side door like VIRTIO_CONSOLE. Every
assignment is applied to the tree at once and every target re-checked after each step, so a
later step that undoes an earlier target (KCONFIG-FACTS.md, "greedy resolver") is seen and
backtracked. Among plans that work, fewest assignments first; ties: fewest symbols turned on,
then the values the targets list first.

Turning something off is never silent. Moves that lower a symbol that is on (``depends on
!X`` with X on, or switching a choice) are only tried when no plan without them exists, and
every plan's side effects -- symbols it does not set whose value still changes -- are computed
and returned; a plan that turns anything off is offered only when there is no other, and the
caller refuses it unless the user allowed it.

Side effects come from a walk of kconfiglib's dependents graph that goes on only from symbols
whose value changed (:func:`_walk`). Most of what it visits cannot change (the drivers under a
menu that stays off, the helpers they select): their values are worked out from the value rules
without computing what cannot matter, and their values before the plan from those of the
symbols the plan sets (:meth:`_Planner.value`, :meth:`_Planner.known_before`); the rest is
computed, before the plan all at once.

Targets no plan can meet (a symbol the tree lacks, ``depends on`` a constant n, a symbol kept
on by a selector kcheck does not turn off, ...) are returned as impossible, with the chain of
blocking terms. Each plan is verified before it is returned: its lines are merged into a copy
of the config text as ``merge_config.sh`` does and loaded with
:meth:`~kcheck.kernel.tree.LoadedTree.load_values`; what the values are computed from must be
what the plan's values were computed from, and every target and every value the plan predicts
is computed again on the merged config and checked (:func:`_verify`). The tree's original
config is then restored from a snapshot (:mod:`kcheck.kernel.state`), not read again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import kconfiglib

from kcheck.errors import InputError
from kcheck.expr import compare
from kcheck.kernel.compat import (
    AND,
    BOOL,
    EQUAL,
    HEX,
    INT,
    NOT,
    OR,
    STRING,
    TRISTATE,
    UNEQUAL,
    Choice,
    Symbol,
)
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.kernel.state import changed_since, inputs, restore, same_inputs, snapshot
from kcheck.kernel.tree import LoadedTree
from kcheck.kernel.values import tristate_value, visibility
from kcheck.kernel.versions import Rules
from kcheck.model import (
    EffectKind,
    FixChange,
    FixTarget,
    FixVerification,
    ImpossibleTarget,
    Level,
    NodeKind,
    SideEffect,
    SymbolType,
    Tristate,
)

__all__ = [
    "Assignment",
    "PlanResult",
    "assignment_line",
    "merge_config_text",
    "plan",
]

_K: Any = kconfiglib

N, M, Y = 0, 1, 2
_TRI = "nmy"
_TYPES = {
    BOOL: SymbolType.BOOL,
    TRISTATE: SymbolType.TRISTATE,
    INT: SymbolType.INT,
    HEX: SymbolType.HEX,
    STRING: SymbolType.STRING,
}
# How many equally small plans are compared for the tie-break (fewest symbols turned on).
_MAX_TIES = 6
# The search budget: nodes (plans tried) for one target alone and for the joint plan.
_TARGET_NODES = 3000
_JOINT_NODES = 6000
# ... and when looking for a plan that avoids turning down what no repair keeps up.
_AVOID_NODES = 1500
_TIME_LIMIT = 1.5
# How many extra assignments may keep up a symbol a plan would turn down.
_REPAIR_DEPTH = 3
# How many selectors of a promptless symbol are tried when none is wanted or local.
_MAX_FALLBACK_SELECTORS = 3
# _Planner.kind(): what a bool/tristate's value can come from.
_SIMPLE, _PLAIN, _OFF_BY_DEFAULT, _NO_PROMPT = 1, 2, 4, 8
_ALWAYS_OFF = _PLAIN | _OFF_BY_DEFAULT


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
    name = f"CONFIG_{assignment.symbol}"
    if assignment.type in (SymbolType.BOOL, SymbolType.TRISTATE) and assignment.value == "n":
        return f"# {name} is not set"
    if assignment.type is SymbolType.STRING:
        escaped = assignment.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{name}="{escaped}"'
    return f"{name}={assignment.value}"


def merge_config_text(base: str, fragment: str) -> str:
    """``scripts/kconfig/merge_config.sh -m base fragment``: the lines of ``base`` that mention
    a symbol the fragment assigns (``/CONFIG_X[ =]/``, as its sed does) are dropped, and the
    whole fragment is appended after a newline."""
    names: list[str] = []
    for line in fragment.splitlines():
        match = re.match(r"^(CONFIG_[A-Za-z0-9_]+)=", line) or re.match(
            r"^# (CONFIG_[A-Za-z0-9_]+) is not set$", line
        )
        if match:
            names.append(match.group(1))
    kept = base
    if names:
        pattern = re.compile("|".join(re.escape(name) + "[ =]" for name in names))
        kept = "".join(line for line in base.splitlines(keepends=True) if not pattern.search(line))
    return kept + "\n" + fragment


# -- expressions ------------------------------------------------------------------------------


def _tri(expr: Any) -> int:
    return int(_K.expr_value(expr))


def _is_sym(item: Any) -> bool:
    return item.__class__ is Symbol and not item.is_constant and bool(item.nodes)


def _show(sc: Any) -> str:
    if _is_sym(sc):
        return f"{sc.name} (={sc.str_value})"
    return str(_K.standard_sc_expr_str(sc))


def _text(expr: Any) -> str:
    return str(_K.expr_str(expr, _show))


def _or_all(exprs: Sequence[Any]) -> Any:
    result = exprs[0]
    for expr in exprs[1:]:
        result = (OR, result, expr)
    return result


def _prompt_conds(sc: Any) -> list[Any]:
    return [node.prompt[1] for node in sc.nodes if node.prompt]


def _value(sym: Any) -> str:
    if sym.orig_type is BOOL or sym.orig_type is TRISTATE:
        return _TRI[sym.tri_value]
    return str(sym.str_value)


# -- the search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    sym: Any
    value: int | str
    disabling: bool


class _Stop(Exception):
    """The search budget ran out."""


class _Found(Exception):
    """A first solution was enough."""


@dataclass
class _Solution:
    moves: tuple[_Move, ...]
    after: dict[Any, str] = field(default_factory=dict)
    turned_off: int = 0
    turned_on: int = 0
    order: int = 0

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (len(self.moves), self.turned_off, self.turned_on, self.order)


class _State:
    """User values applied on top of the loaded config, with undo."""

    def __init__(self, kconf: Any) -> None:
        self.kconf = kconf
        self.moves: list[_Move] = []
        self._saved: list[tuple[Any, Any, Any]] = []
        # Values the planner worked out for the moves applied now (emptied on every change).
        self.memo: dict[Any, str] = {}

    @property
    def assigned(self) -> set[Any]:
        return {move.sym for move in self.moves}

    def apply(self, move: _Move) -> None:
        sym = move.sym
        choice = sym.choice
        saved_choice = None
        if choice is not None:
            priorities = getattr(self.kconf, "choice_priority", {})
            prio = priorities.get(choice)
            saved_choice = (
                None if prio is None else list(prio),
                choice.user_selection,
                choice.user_value,
            )
        self._saved.append((sym, sym.user_value, saved_choice))
        sym.set_value(move.value)
        self.moves.append(move)
        self.memo.clear()

    def undo(self) -> None:
        sym, previous, saved_choice = self._saved.pop()
        self.moves.pop()
        self.memo.clear()
        if previous is None:
            sym.unset_value()
        else:
            sym.set_value(previous)
        if saved_choice is not None:
            choice = sym.choice
            prio, selection, mode = saved_choice
            priorities = getattr(self.kconf, "choice_priority", None)
            if priorities is not None:
                if prio is None:
                    priorities.pop(choice, None)
                else:
                    priorities[choice] = prio
            choice.user_selection = selection
            choice.user_value = mode
            choice._rec_invalidate()
        sym._rec_invalidate()

    def reset(self) -> list[_Move]:
        moves = list(self.moves)
        while self.moves:
            self.undo()
        return moves

    def apply_all(self, moves: Iterable[_Move]) -> None:
        for move in moves:
            self.apply(move)

    def switch(self, moves: Sequence[_Move]) -> None:
        """Have exactly ``moves`` applied, in that order: only the moves after the part both
        have in common are taken off and put on."""
        common = 0
        for applied, wanted in zip(self.moves, moves, strict=False):
            if applied != wanted:
                break
            common += 1
        while len(self.moves) > common:
            self.undo()
        self.apply_all(moves[common:])


class _Planner:
    def __init__(
        self,
        tree: LoadedTree,
        config_text: str,
        config_name: str,
        prefer: Mapping[str, int],
    ) -> None:
        self.tree = tree
        self.kconf = tree.kconf
        self.text = config_text
        self.name = config_name
        self.prefer = prefer
        self.state = _State(self.kconf)
        self.before: dict[Any, str] = {}
        self._kinds: dict[Any, int] = {}
        self._selects: dict[Any, list[tuple[Any, Any]]] = {}
        self._transitional: Collection[Any] = getattr(tree.kconf, "transitional_syms", ())
        self.rules: Rules = tree.kconf.kc_rules
        # What the loaded config itself assigns (a user value), per symbol.
        self.asked: dict[Any, str] = {}
        self.blocks: list[str] = []
        self.selection0: dict[Any, Any] = {}
        self.nodes = 0
        self.exhausted = False
        self.stopped = False
        # Symbols some plan turned down (with their value before): kept up in the next try.
        self.rejected: dict[Any, str] = {}
        self.protect: list[FixTarget] = []
        self.rejected_moves: tuple[_Move, ...] = ()
        # Symbols a plan turns down that no small repair keeps up: declared, not avoided.
        self.tolerated: set[Any] = set()
        # ... and that plans should avoid turning down, while there is one that does not.
        self.avoid: set[Any] = set()
        self.aborted = False

    # -- targets ------------------------------------------------------------------------------

    def holds(self, target: FixTarget) -> bool:
        if target.kind is NodeKind.SYMBOL:
            return self.leaf_holds(target)
        if target.kind is NodeKind.ANY_OF:
            return any(self.holds(child) for child in target.children)
        return all(self.holds(child) for child in target.children)

    def leaf_holds(self, target: FixTarget) -> bool:
        sym = self.tree.sym(target.symbol)
        if sym is None:
            return target.op is None and "n" in target.allowed
        value = _value(sym)
        if target.op is None:
            return value in target.allowed
        kind = _TYPES.get(sym.orig_type, SymbolType.UNKNOWN)
        return compare(target.op, (kind, value), (SymbolType.UNKNOWN, target.operand or ""))

    # -- moves ---------------------------------------------------------------------------------

    def block(self, path: tuple[Any, ...], text: str) -> None:
        names = " -> ".join(str(sym.name) for sym in path)
        entry = f"{names}: {text}" if names else text
        if entry not in self.blocks:
            self.blocks.append(entry)

    def goal_moves(self, target: FixTarget) -> list[_Move]:
        if target.kind is NodeKind.SYMBOL:
            return self.leaf_moves(target)
        if target.kind is NodeKind.ANY_OF:
            moves: list[_Move] = []
            for child in target.children:
                if not self.holds(child):
                    moves += self.goal_moves(child)
            return moves
        for child in target.children:
            if not self.holds(child):
                return self.goal_moves(child)
        return []

    def leaf_moves(self, target: FixTarget) -> list[_Move]:
        sym = self.tree.sym(target.symbol)
        if sym is None:
            self.block((), f"{target.symbol} is not defined in this tree ({self.tree.arch})")
            return []
        if target.op is not None:
            return self.value_moves(sym, target)
        if sym.orig_type not in (BOOL, TRISTATE):
            self.block((sym,), f"{sym.name} is not a bool or tristate")
            return []
        current = sym.tri_value
        moves: list[_Move] = []
        for text in target.allowed:
            want = Tristate.parse(text)
            if want is None:
                continue
            if want == N:
                moves += self.lower(sym, N, ())
            elif current < want:
                moves += self.raise_(sym, int(want), ())
            elif current > want:
                moves += self.lower(sym, int(want), ())
        return _unique(moves)

    def value_moves(self, sym: Any, target: FixTarget) -> list[_Move]:
        """int/hex/string targets: set the compared-to value (or the next number)."""
        path = (sym,)
        operand = target.operand or ""
        value: str | None = operand
        if target.op in ("<", ">") and sym.orig_type in (INT, HEX):
            base = 16 if sym.orig_type is HEX else 10
            try:
                number = int(operand, base) + (1 if target.op == ">" else -1)
            except ValueError:
                number = None
            value = None if number is None else (hex(number) if base == 16 else str(number))
        elif target.op == "!=":
            value = None
        if value is None:
            self.block(path, f"kcheck cannot choose a value for {sym.name} {target.op} {operand}")
            return []
        if sym.visibility:
            return [_Move(sym, value, False)]
        conds = _prompt_conds(sym)
        if not conds:
            self.block(path, f"{sym.name} has no prompt: its value cannot be set")
            return []
        return self.expr(_or_all(conds), M, path)

    def raise_(self, sym: Any, want: int, path: tuple[Any, ...]) -> list[_Move]:
        """Moves that bring ``sym`` (a bool/tristate) up to at least ``want``."""
        if sym.is_constant:
            self.block(path, f"the constant {sym.name} is never {_TRI[want]}")
            return []
        if not sym.nodes:
            self.block((*path, sym), f"{sym.name} is not defined in this tree ({self.tree.arch})")
            return []
        if sym.orig_type not in (BOOL, TRISTATE):
            self.block((*path, sym), f"{sym.name} is not a bool or tristate")
            return []
        if sym.type is BOOL:
            want = Y  # a bool, or a tristate while MODULES is off: m means y
        if sym.tri_value >= want:
            return []
        if sym in path:
            return []  # a dependency loop: this way leads back to where it started
        here = (*path, sym)
        vis_need = want if sym.type is TRISTATE else M
        conds = _prompt_conds(sym)
        moves: list[_Move] = []
        if conds:
            if sym.choice is not None:
                if sym.visibility and Y in sym.assignable:
                    selected = self.selection_before(sym.choice)
                    switching = selected is not None and selected is not sym
                    moves.append(_Move(sym, Y, switching))
            elif want in sym.assignable:
                moves.append(_Move(sym, want, False))
            elif sym.visibility >= vis_need:
                self.block(
                    here,
                    f"{sym.name} cannot be set to {_TRI[want]}: "
                    f"it is selected to {_TRI[_tri(sym.rev_dep)]} by {_text(sym.rev_dep)}",
                )
            if sym.visibility < vis_need:
                moves += self.expr(_or_all(conds), vis_need, here)
        if not conds or sym.visibility < vis_need:
            moves += self.routes(sym, want, here)
        if not moves and not conds and not self._has_routes(sym):
            self.block(here, f"{sym.name} has no prompt and nothing selects it")
        return moves

    def _has_routes(self, sym: Any) -> bool:
        return sym.rev_dep is not self.kconf.n or bool(sym.defaults)

    def routes(self, sym: Any, want: int, path: tuple[Any, ...]) -> list[_Move]:
        """Turning a symbol on through what selects (or implies, or defaults) it, ranked."""
        has_prompt = bool(_prompt_conds(sym))
        target_file = sym.nodes[0].filename
        candidates: list[tuple[tuple[int, int], int, int, Any, str]] = []
        order = 0
        for attr, via in (("rev_dep", "select"), ("weak_rev_dep", "imply")):
            for term in _K.split_expr(getattr(sym, attr), OR):
                parts = _K.split_expr(term, AND)
                selector = next((p for p in parts if _is_sym(p)), None)
                if selector is None or selector in path:
                    continue
                rank = self.prefer.get(str(selector.name), 3)
                if has_prompt and rank == 3:
                    continue  # a symbol with a prompt is set by hand, not by a side door
                same = 0 if selector.nodes[0].filename == target_file else 1
                route = term if via == "select" else (AND, term, sym.direct_dep)
                cost = sum(1 for p in parts if _tri(p) < want)
                candidates.append(((rank, same), cost, order, route, f"{via} {selector.name}"))
                order += 1
        if not has_prompt:
            for value, cond in sym.defaults:
                if value.__class__ is Symbol and value.is_constant:
                    if _tri(value) < want:
                        continue
                    route = cond
                else:
                    route = (AND, value, cond)
                cost = 1
                candidates.append(((3, 0), cost, order, route, "default"))
                order += 1
        if not candidates:
            return []
        best = min(c[0] for c in candidates)
        group = sorted((c for c in candidates if c[0] == best), key=lambda c: (c[1], c[2]))
        if best == (3, 1):
            group = group[:_MAX_FALLBACK_SELECTORS]
        moves: list[_Move] = []
        for _key, _cost, _order, route, _label in group:
            moves += self.expr(route, want, path)
        if not moves:
            names = ", ".join(c[4] for c in group)
            self.block(path, f"{path[-1].name} has no prompt; none of its ways on works ({names})")
        return moves

    def expr(self, expr: Any, want: int, path: tuple[Any, ...]) -> list[_Move]:
        """Moves that bring ``expr`` up to at least ``want``."""
        if _tri(expr) >= want:
            return []
        if expr.__class__ is Symbol:
            return self.raise_(expr, want, path)
        if expr.__class__ is Choice:
            conds = _prompt_conds(expr)
            if not conds:
                self.block(path, f"the choice {_choice_name(expr)} is never visible")
                return []
            return self.expr(_or_all(conds), want, path)
        op = expr[0]
        if op is AND:
            for term in _K.split_expr(expr, AND):
                if _tri(term) < want:
                    moves = self.expr(term, want, path)
                    if not moves:
                        self.block(path, f"depends on {_text(term)}")
                    return moves
            return []
        if op is OR:
            moves = []
            for term in _K.split_expr(expr, OR):
                moves += self.expr(term, want, path)
            return moves
        if op is NOT:
            return self.lower_expr(expr[1], 2 - want, path)
        if op in (EQUAL, UNEQUAL):
            return self.compare_moves(expr, path)
        self.block(path, f"kcheck does not plan through {_text(expr)}")
        return []

    def lower_expr(self, expr: Any, limit: int, path: tuple[Any, ...]) -> list[_Move]:
        """Moves that bring ``expr`` down to at most ``limit``."""
        if _tri(expr) <= limit:
            return []
        if expr.__class__ is Symbol:
            return self.lower(expr, limit, path)
        if expr.__class__ is Choice:
            self.block(path, f"kcheck does not hide the choice {_choice_name(expr)}")
            return []
        op = expr[0]
        if op is AND:
            moves: list[_Move] = []
            for term in _K.split_expr(expr, AND):
                moves += self.lower_expr(term, limit, path)
            return moves
        if op is OR:
            for term in _K.split_expr(expr, OR):
                if _tri(term) > limit:
                    return self.lower_expr(term, limit, path)
            return []
        if op is NOT:
            return self.expr(expr[1], 2 - limit, path)
        if op in (EQUAL, UNEQUAL):
            flipped = (UNEQUAL if op is EQUAL else EQUAL, expr[1], expr[2])
            return self.compare_moves(flipped, path)
        self.block(path, f"kcheck does not plan through {_text(expr)}")
        return []

    def lower(self, sym: Any, limit: int, path: tuple[Any, ...]) -> list[_Move]:
        """Moves that bring ``sym`` down to at most ``limit`` (always turning something down)."""
        if sym.tri_value <= limit:
            return []
        if sym.is_constant or not sym.nodes:
            self.block(path, f"the constant {sym.name} is always {sym.str_value}")
            return []
        if sym in path:
            return []
        here = (*path, sym)
        if sym.choice is not None:
            others = [
                other
                for other in sym.choice.syms
                if other is not sym and other.visibility and Y in other.assignable
            ]
            if not others:
                self.block(here, f"{sym.name} is the only member of its choice that can be picked")
            was_on = self.before_value(sym) == "y"
            return [_Move(other, Y, was_on) for other in others]
        rev = _tri(sym.rev_dep)
        if rev > limit:
            self.block(
                here,
                f"{sym.name} is selected by {_text(sym.rev_dep)}; kcheck does not turn "
                "selectors off",
            )
            return []
        values = [value for value in sym.assignable if value <= limit]
        if sym.visibility and values:
            # Turning down is a turn-off only for what was on before the plan.
            was = Tristate.parse(self.before_value(sym)) or Tristate.N
            return [_Move(sym, max(values), was > max(values))]
        self.block(here, f"{sym.name} (={sym.str_value}) has no visible prompt to turn it down")
        return []

    def compare_moves(self, expr: Any, path: tuple[Any, ...]) -> list[_Move]:
        op, left, right = expr
        if left.is_constant and not right.is_constant:
            left, right = right, left
        tristates = (BOOL, TRISTATE)
        if not (
            _is_sym(left)
            and left.orig_type in tristates
            and right.is_constant
            and right.name in ("n", "m", "y")
        ):
            self.block(path, f"kcheck does not plan through {_text(expr)}")
            return []
        value = _TRI.index(right.name)
        current = left.tri_value
        if op is EQUAL:
            if current < value:
                return self.raise_(left, value, path)
            return self.lower(left, value, path)
        if value == N:
            # Either value will do; y first, since m would cap what depends on it.
            return _unique(self.raise_(left, Y, path) + self.raise_(left, M, path))
        if value == Y:
            return self.lower(left, M, path)
        return self.raise_(left, Y, path) + self.lower(left, N, path)

    # -- search --------------------------------------------------------------------------------

    def search(
        self,
        goals: Sequence[FixTarget],
        *,
        disabling: bool,
        first_only: bool,
        nodes: int,
        deadline: float,
        reject_turn_offs: bool = False,
    ) -> list[_Solution]:
        """The smallest solutions found (up to :data:`_MAX_TIES`); [] when there is none.

        With ``reject_turn_offs`` the search stops at the first plan that turns something
        down, leaving what it turned down in :attr:`rejected` (the caller keeps those up and
        searches again); :attr:`aborted` says so.
        """
        best = [1 << 30]
        found: list[_Solution] = []
        visited: set[frozenset[tuple[Any, int | str]]] = set()
        limit = self.nodes + nodes
        counter = [0]
        self.aborted = False
        self.stopped = False

        def dfs() -> None:
            self.nodes += 1
            if self.nodes > limit or time.monotonic() > deadline:
                raise _Stop
            if reject_turn_offs and self.avoid and self.avoided_down():
                return  # no later line brings it back up (the repair found none)
            goal = next((g for g in goals if not self.holds(g)), None)
            if goal is None:
                solution = self.minimize(tuple(self.state.moves), goals)
                if len(solution.moves) > best[0]:
                    return
                if reject_turn_offs:
                    lowered = self.turned_down(solution)
                    if lowered and set(lowered) <= self.avoid:
                        return  # turns down what no repair keeps up: look for another plan
                    if lowered:
                        self.rejected.update(lowered)
                        self.rejected_moves = solution.moves
                        self.aborted = True
                        raise _Found
                solution.order = counter[0]
                counter[0] += 1
                if len(solution.moves) < best[0]:
                    best[0] = len(solution.moves)
                    found.clear()
                if len(found) < _MAX_TIES:
                    found.append(solution)
                if first_only:
                    raise _Found
                return
            if len(self.state.moves) + 1 > best[0]:
                return
            assigned = self.state.assigned
            # Another value of a symbol whose first value already led to a plan only differs
            # in that value (y or m for "y|m"): the value listed first wins, as the ranking
            # says, and the search stays linear in the number of such targets.
            solved: set[Any] = set()
            for move in self.goal_moves(goal):
                if move.sym in assigned or move.sym in solved:
                    continue
                if move.disabling and not disabling:
                    continue
                key = frozenset((m.sym, m.value) for m in (*self.state.moves, move))
                if key in visited:
                    continue
                visited.add(key)
                self.state.apply(move)
                before = counter[0]
                try:
                    dfs()
                finally:
                    self.state.undo()
                if counter[0] > before:
                    solved.add(move.sym)

        try:
            dfs()
        except _Found:
            pass
        except _Stop:
            self.exhausted = self.stopped = True
        return found

    def minimize(self, moves: tuple[_Move, ...], goals: Sequence[FixTarget]) -> _Solution:
        """Drop assignments the goals do not need (the search's order can leave some)."""
        current = list(moves)
        if len(current) > 1:
            for index in range(len(current) - 1, -1, -1):
                trial = current[:index] + current[index + 1 :]
                self.state.switch(trial)
                if all(self.holds(g) for g in goals):
                    current = trial
            self.state.switch(moves)
        return _Solution(tuple(current))

    def repairable(
        self, moves: tuple[_Move, ...], goals: Sequence[FixTarget], keep: FixTarget
    ) -> bool:
        """Can a few more assignments on top of ``moves`` keep ``keep`` up, goals still met?"""
        applied = list(self.state.moves)
        self.state.switch(moves)
        wanted = [*goals, keep]

        def extend(depth: int) -> bool:
            if all(self.holds(g) for g in wanted):
                return True
            if depth == 0:
                return False
            goal = next(g for g in wanted if not self.holds(g))
            for move in self.goal_moves(goal):
                if move.disabling:
                    continue
                current = list(self.state.moves)
                if move.sym in self.state.assigned:
                    # Another value for a symbol the plan sets (MACVTAP=y rather than m).
                    trial = [move if m.sym is move.sym else m for m in current]
                else:
                    trial = [*current, move]
                self.state.switch(trial)
                ok = extend(depth - 1)
                self.state.switch(current)
                if ok:
                    return True
            return False

        try:
            return extend(_REPAIR_DEPTH)
        finally:
            self.state.switch(applied)

    def record_asked(self) -> None:
        """What the loaded config itself assigns (:attr:`asked`); values come lazily."""
        self.asked = {
            sym: _TRI[sym.user_value] if isinstance(sym.user_value, int) else str(sym.user_value)
            for sym in self.kconf.unique_defined_syms
            if sym.user_value is not None
        }

    def fill_before(self, syms: Iterable[Any]) -> None:
        """Fill :attr:`before` (values with no plan applied) for ``syms``, all at once: the
        plan under way is taken off for that and put back."""
        missing = [sym for sym in dict.fromkeys(syms) if sym not in self.before]
        if not missing:
            return
        applied = self.state.reset()
        for sym in missing:
            self.before[sym] = self.value(sym)
        self.state.apply_all(applied)

    def selection_before(self, choice: Any) -> Any:
        """The member ``choice`` picks with no plan applied (taken off for that, once)."""
        if choice not in self.selection0:
            applied = self.state.reset()
            self.selection0[choice] = choice.selection
            self.state.apply_all(applied)
        return self.selection0[choice]

    def before_value(self, sym: Any) -> str:
        """``sym``'s value with no plan applied."""
        self.fill_before((sym,))
        return self.before[sym]

    def kind(self, sym: Any) -> int:
        """For a bool/tristate outside any choice, neither transitional nor without a
        definition (else 0): ``_PLAIN`` (nothing selects or implies it), ``_OFF_BY_DEFAULT``
        (every default it has is n), ``_NO_PROMPT`` (its user value never counts). Its prompt
        and defaults all carry its direct dependencies (kconfiglib propagates them), so with
        those n only a select or an imply can turn it on, and without a user value that
        counts (or with n) only a default that is not n."""
        found = self._kinds.get(sym)
        if found is not None:
            return found
        n = self.kconf.n
        kind = 0
        if (
            sym.__class__ is Symbol
            and sym.nodes
            and (sym.orig_type is BOOL or sym.orig_type is TRISTATE)
            and sym.choice is None
            and sym not in self._transitional
        ):
            kind = _SIMPLE | _OFF_BY_DEFAULT | _NO_PROMPT
            if sym.rev_dep is n and sym.weak_rev_dep is n:
                kind |= _PLAIN
            for value, _cond in sym.defaults:  # (loops: this runs for thousands of symbols)
                if value is not n:
                    kind &= ~_OFF_BY_DEFAULT
                    break
            for node in sym.nodes:
                if node.prompt:
                    kind &= ~_NO_PROMPT
                    break
        self._kinds[sym] = kind
        return kind

    def value(self, sym: Any) -> str:
        """:func:`_value` now, remembered until the moves change. For a bool/tristate outside
        any choice (:meth:`kind`) it is computed here by the one value rule,
        :func:`kcheck.kernel.values.tristate_value`, with the values of the symbols it reads
        taken the same way (:meth:`tri`): what cannot matter is not computed (no visibility
        without a user value that counts, no defaults when all are n or the direct
        dependencies are n, no selects once the value is y) and a select from a symbol that is
        always off (:meth:`always_off`) is not even looked at. Most of what a walk visits is
        such: the drivers under a menu, and the helpers they select."""
        memo = self.state.memo
        found = memo.get(sym)
        if found is None:
            found = memo[sym] = self._value(sym)
        return found

    def _value(self, sym: Any) -> str:
        kind = self._kinds.get(sym)
        if kind is None:
            kind = self.kind(sym)
        if not kind:
            return _value(sym)
        user = sym.user_value
        if (
            kind & _NO_PROMPT
            or user is None
            or (not user and kind & _OFF_BY_DEFAULT and sym.weak_rev_dep is self.kconf.n)
        ):
            # No user value counts, or n where only a select can turn it on: its visibility
            # cannot matter.
            vis = N
        else:
            vis = self.visibility(sym)
        if (vis and user is not None) or kind & _OFF_BY_DEFAULT or not self.tri(sym.direct_dep):
            defaults: Sequence[tuple[Any, Any]] = ()
        else:
            defaults = sym.defaults
        val, _write = tristate_value(
            sym, vis, self.rules, self.tri, self.selected, defaults, need_write=False
        )
        return _TRI[val]

    def visibility(self, sym: Any) -> int:
        """kconfiglib's visibility (:func:`kcheck.kernel.values.visibility`), its prompts'
        conditions taken with :meth:`tri`."""
        cached = sym._cached_vis
        if cached is not None:
            return int(cached)
        return visibility(sym, self.tri)

    def tri(self, expr: Any) -> int:
        """kconfiglib's expr_value now, the values of bool/tristate symbols from
        :meth:`value` (operands in kconfiglib's order, so that what it has computed already
        decides first)."""
        if expr.__class__ is Symbol:
            cached = expr._cached_tri_val
            if cached is not None:
                return int(cached)
            if expr.is_constant or (expr.orig_type is not BOOL and expr.orig_type is not TRISTATE):
                return _tri(expr)
            found = self.state.memo.get(expr)
            return _TRI.index(found if found is not None else self.value(expr))
        if expr.__class__ is not tuple:
            return _tri(expr)
        op = expr[0]
        if op is AND:
            first = self.tri(expr[1])
            return min(first, self.tri(expr[2])) if first else N
        if op is OR:
            first = self.tri(expr[1])
            return Y if first == Y else max(first, self.tri(expr[2]))
        if op is NOT:
            return Y - self.tri(expr[1])
        return _tri(expr)

    def always_off(self, sym: Any) -> bool:
        """Is ``sym`` n now whatever else is (nothing selects or implies it, every default is
        n, and no user value counts)?"""
        kind = self._kinds.get(sym)
        if kind is None:
            kind = self.kind(sym)
        return kind & _ALWAYS_OFF == _ALWAYS_OFF and bool(kind & _NO_PROMPT or not sym.user_value)

    def selected(self, sym: Any) -> int:
        """The value of ``sym``'s reverse dependency (``||`` of ``selector && condition``)
        now, as kconfiglib's expr_value; the selects from symbols that are always off
        (:meth:`always_off`) are skipped without computing their conditions."""
        terms = self._selects.get(sym)
        if terms is None:
            terms = self._selects[sym] = self.selects(sym.rev_dep)
        found = N
        for gate, term in terms:
            if gate is not None and not gate.user_value:
                continue
            value = self.tri(term)
            if value > found:
                found = value
                if found == Y:
                    break
        return found

    def selects(self, rev_dep: Any) -> list[tuple[Any, Any]]:
        """The ``selector && condition`` terms of a reverse dependency that can be on, each
        with its selector when only that one's user value keeps it off (else None); a selector
        that is n whatever its user value is left out."""
        n = self.kconf.n
        out: list[tuple[Any, Any]] = []
        expr = rev_dep
        while expr is not n:
            if expr.__class__ is tuple and expr[0] is OR:
                term, expr = expr[2], expr[1]
            else:
                term, expr = expr, n
            first = term[1] if term.__class__ is tuple and term[0] is AND else term
            gate = None
            if first.__class__ is Symbol and not first.is_constant:
                kind = self.kind(first)
                if kind & _ALWAYS_OFF == _ALWAYS_OFF:
                    if kind & _NO_PROMPT:
                        continue
                    gate = first
            out.append((gate, term))
        return out

    def known_before(self, sym: Any) -> str | None:
        """``sym``'s value before the plan when :attr:`before` already decides it (see
        :meth:`kind`): n when its own part (user value or defaults), what implies it and what
        selects it are all n by the values known (:func:`_known_off`). Called with the plan
        applied:
        the symbols it sets are in :attr:`before` already, so another symbol's user value
        now is its user value before."""
        found = self.before.get(sym)
        if found is not None:
            return found
        kind = self._kinds.get(sym)
        if kind is None:
            kind = self.kind(sym)
        if not kind:
            return None
        known = self.known_tri
        direct_off: bool | None = None
        if not (kind & _OFF_BY_DEFAULT and (kind & _NO_PROMPT or not sym.user_value)):
            direct_off = _known_off(sym.direct_dep, known)
            if not direct_off:
                return None
        n = self.kconf.n
        if sym.weak_rev_dep is not n:
            # An imply counts only with the direct dependencies met.
            if direct_off is None:
                direct_off = _known_off(sym.direct_dep, known)
            if not direct_off and not _known_off(sym.weak_rev_dep, known):
                return None
        if sym.rev_dep is not n and not _known_off(sym.rev_dep, known):
            return None
        self.before[sym] = "n"
        return "n"

    def known_tri(self, sym: Any) -> int | None:
        """A bool/tristate's value before the plan as far as known without computing it:
        from :attr:`before`, or n for a symbol that is n whatever the plan does (nothing
        selects or implies it, every default is n, and no user value counts)."""
        text = self.before.get(sym)
        if text is not None:
            return _TRI.index(text)
        return N if self.always_off(sym) else None

    def guess_before(self, sym: Any) -> str:
        """What ``sym`` most likely was before the plan: its line in the loaded config (a
        config written by make has a line for every symbol that is on), else n. Only a guess:
        :meth:`changed` checks every guess it used."""
        asked = self.asked.get(sym)
        if asked is not None:
            return asked
        return "n" if sym.orig_type is BOOL or sym.orig_type is TRISTATE else str(sym.str_value)

    def changed(self, moves: Sequence[_Move]) -> dict[Any, str]:
        """The values with ``moves`` applied of their symbols and of every symbol whose value
        differs from :attr:`before` (filled in as far as the walk goes). The moves under way
        are applied again on return.

        See :func:`_walk`. Values before the plan are needed only where the walk goes; most
        follow from the values before of the symbols the plan sets (:meth:`known_before`),
        the others are walked past with a guess (:meth:`guess_before`) and then computed all
        in one go, with the plan taken off once, and the walk done again with them (values
        with the plan are kept, never computed twice). Only a wrong guess that a symbol did
        not change takes one more round.
        """
        moves = tuple(moves)
        applied = list(self.state.moves)
        roots = list(dict.fromkeys(move.sym for move in moves))
        self.fill_before(roots)
        self.state.switch(moves)
        after: dict[Any, str] = {}

        def value(sym: Any) -> str:
            found = after.get(sym)
            if found is None:
                found = after[sym] = self.value(sym)
            return found

        try:
            while True:
                guessed: dict[Any, str | None] = {}
                out = _walk(roots, value, self.known_before, self.guess_before, guessed)
                if not guessed:
                    return out
                # The plan off once: the values before of all the symbols guessed, and of the
                # next symbols the walk will go on to, past a symbol it took for unchanged.
                on = self.state.reset()
                for sym in guessed:
                    if sym not in self.before:
                        self.before[sym] = self.value(sym)
                for sym, guess in guessed.items():
                    if guess == after[sym] and self.before[sym] != guess:
                        for dep in _next_items(sym):
                            if dep not in self.before and dep.__class__ is Symbol and dep.nodes:
                                self.before[dep] = self.value(dep)
                self.state.apply_all(on)
        finally:
            self.state.switch(applied)

    def avoided_down(self) -> bool:
        """Is a symbol the search avoids turning down turned down now?"""
        for sym in self.avoid:
            new = _value(sym)
            old = self.before_value(sym)
            if new != old and (new == "n" or old == "y") and self.asked.get(sym) != new:
                return True
        return False

    def turned_down(self, solution: _Solution) -> dict[Any, str]:
        """Symbols that were y/m and the solution (applied now) turns down, with the old value."""
        out: dict[Any, str] = {}
        solution.after = self.changed(solution.moves)
        for sym, new in solution.after.items():
            if sym in self.tolerated or self.asked.get(sym) == new:
                continue
            old = self.before[sym]
            if old in ("y", "m") and new != old and (new == "n" or old == "y"):
                out[sym] = old
        return out

    def measure(self, solution: _Solution) -> None:
        """Values after the solution for every symbol it changes, and how many go up/down."""
        if not solution.after:
            solution.after = self.changed(solution.moves)
        after = solution.after
        on = off = 0
        for sym, value in after.items():
            old = Tristate.parse(self.before[sym])
            new = Tristate.parse(value)
            if old is None or new is None or old == new:
                continue
            if new < old:
                off += self.asked.get(sym) != value
            elif old == Tristate.N:
                on += 1
        solution.turned_off = off
        solution.turned_on = on


def _walk(
    roots: Sequence[Any],
    value: Callable[[Any], str],
    before: Callable[[Any], str | None],
    guess: Callable[[Any], str] | None = None,
    guessed: dict[Any, str | None] | None = None,
) -> dict[Any, str]:
    """``value`` of ``roots`` and of every symbol whose ``value`` differs from ``before``.

    Walks kconfiglib's dependents graph from ``roots`` and goes on from a symbol only when its
    value changed: Kconfig values are computed from other symbols' values alone, so nothing
    past an unchanged symbol can change. A choice is always entered (its pick follows its
    members' visibility, not only their values). A symbol ``before`` does not know is
    compared with ``guess(sym)``, and ``guessed`` maps it to that guess; without ``guess`` it
    counts as changed.
    """
    out: dict[Any, str] = {}
    seen: set[Any] = set()
    stack = list(roots)
    root_set = set(roots)
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        if item.__class__ is Choice:
            stack += item.syms
            stack += item._dependents
            continue
        if not item.nodes:
            continue
        new = value(item)
        old = before(item)
        if old is None and guessed is not None:
            if guess is not None:
                old = guess(item)
            guessed[item] = old
        if item in root_set or new != old:
            out[item] = new
            stack += item._dependents
        if item.choice is not None:
            stack.append(item.choice)
    return {sym: new for sym, new in out.items() if sym in root_set or new != before(sym)}


def _known_off(expr: Any, known: Callable[[Any], int | None]) -> bool:
    """Is ``expr`` n (as kconfiglib's expr_value) by the symbols' values ``known`` gives
    (None: not known) and constants? See :func:`_known_is`."""
    return _known_is(expr, N, known)


def _known_is(expr: Any, want: int, known: Callable[[Any], int | None]) -> bool:
    """Is ``expr`` known to be ``want`` (n or y)? For n an ``&&`` needs one operand known to
    be n and an ``||`` all of them, for y the other way round; the chains kconfiglib builds
    nest to the left, so they are walked in a loop (a symbol on the left, as the selector of
    ``selector && condition``, is looked at first)."""
    every, some = (OR, AND) if want == N else (AND, OR)
    while expr.__class__ is tuple:
        op = expr[0]
        if op is every:
            if not _known_is(expr[2], want, known):
                return False
        elif op is some:
            left = expr[1]
            if left.__class__ is not tuple and _known_leaf(left, known) == want:
                return True
            if _known_is(expr[2], want, known):
                return True
        elif op is NOT:
            return _known_is(expr[1], Y - want, known)
        else:
            return False
        expr = expr[1]
    return _known_leaf(expr, known) == want


def _known_leaf(sym: Any, known: Callable[[Any], int | None]) -> int | None:
    if sym.__class__ is not Symbol:
        return None
    if sym.is_constant:
        return _tri(sym)
    if sym.orig_type is not BOOL and sym.orig_type is not TRISTATE:
        return None
    return known(sym)


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


def _next_items(item: Any) -> list[Any]:
    """Where :func:`_walk` goes on from ``item`` when its value changed."""
    following = list(item._dependents)
    following += [sym for dep in item._dependents if dep.__class__ is Choice for sym in dep.syms]
    if item.choice is not None:
        following.append(item.choice)
        following += item.choice.syms
    return following


def _touched(moves: Iterable[_Move]) -> Iterator[Any]:
    """The symbols the moves set and the choices they are members of."""
    for move in moves:
        yield move.sym
        if move.sym.choice is not None:
            yield move.sym.choice


def _choice_name(choice: Any) -> str:
    for node in choice.nodes:
        if node.prompt:
            return f'"{node.prompt[0]}"'
    return str(choice.name or "<choice>")


def _unique(moves: Iterable[_Move]) -> list[_Move]:
    seen: set[tuple[Any, int | str]] = set()
    out: list[_Move] = []
    for move in moves:
        key = (move.sym, move.value)
        if key not in seen:
            seen.add(key)
            out.append(move)
    return out


def _leaves(target: FixTarget) -> Iterator[FixTarget]:
    if target.kind is NodeKind.SYMBOL:
        yield target
    for child in target.children:
        yield from _leaves(child)


def _wanted(target: FixTarget) -> str:
    if target.kind is not NodeKind.SYMBOL:
        return target.kind.value
    if target.op is not None:
        return f"{target.op} {target.operand}"
    return "|".join(target.allowed)


def _move_value(move: _Move) -> str:
    return _TRI[move.value] if isinstance(move.value, int) else move.value


def _assignment(move: _Move) -> Assignment:
    return Assignment(
        str(move.sym.name), _move_value(move), _TYPES.get(move.sym.orig_type, SymbolType.UNKNOWN)
    )


def _fragment(moves: Iterable[_Move]) -> str:
    return "".join(assignment_line(_assignment(move)) + "\n" for move in moves)


def _effect_kind(before: str, after: str) -> EffectKind:
    old, new = Tristate.parse(before), Tristate.parse(after)
    if old is None or new is None:
        return EffectKind.CHANGED
    if new == Tristate.N:
        return EffectKind.DISABLED
    if new < old:
        return EffectKind.LOWERED
    return EffectKind.ENABLED if old == Tristate.N else EffectKind.RAISED


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
        result = _plan(planner, list(targets), list(keep))
    except BaseException:
        planner.state.reset()  # (the verification restores the original config itself)
        raise
    # The verification restored the original config; the search left nothing applied.
    planner.state.reset()
    return result


def _plan(planner: _Planner, targets: list[FixTarget], keep: list[FixTarget]) -> PlanResult:
    impossible: list[ImpossibleTarget] = []
    feasible: list[FixTarget] = []
    for target in targets:
        if planner.holds(target):
            keep.append(target)
            continue
        planner.blocks = []
        found = planner.search(
            [target],
            disabling=True,
            first_only=True,
            nodes=_TARGET_NODES,
            deadline=time.monotonic() + _TIME_LIMIT,
        )
        if found or planner.stopped:
            feasible.append(target)
        else:
            impossible.append(_impossible(target, tuple(planner.blocks)))

    solutions = _joint(planner, feasible + keep)
    if feasible and not solutions:
        # No single plan meets them all: keep those that go together, in the caller's order.
        compatible: list[FixTarget] = []
        for target in feasible:
            trial = [*compatible, target]
            if planner.search(
                trial + keep,
                disabling=True,
                first_only=True,
                nodes=_TARGET_NODES,
                deadline=time.monotonic() + _TIME_LIMIT,
            ):
                compatible.append(target)
            else:
                others = ", ".join(t.id for t in compatible) or "the requirements that hold now"
                chain = (f"no plan meets it together with {others}",)
                impossible.append(_impossible(target, chain))
        feasible = compatible
        solutions = _joint(planner, feasible + keep)
    if not solutions:
        solutions = [_Solution(())]
        planner.measure(solutions[0])
    best = min(solutions, key=lambda s: s.key)
    return _result(planner, best, feasible, keep, impossible)


def _joint(planner: _Planner, goals: list[FixTarget]) -> list[_Solution]:
    """The smallest plans for all goals together, measured; [] when there is none."""
    if not goals:
        return []
    # First without turning anything down. A plan that does (TUN becoming visible at m caps a
    # VHOST_NET that was y) stops the search, and what it turned down becomes a goal to keep
    # (so TUN goes to y) for the next round; plans that keep it need nothing more.
    protect: dict[Any, FixTarget] = {}
    planner.rejected = {}
    planner.tolerated = set()
    planner.avoid = set()
    found: list[_Solution] = []
    for _round in range(6):
        found = (
            planner.search(
                goals + list(protect.values()),
                disabling=False,
                first_only=False,
                nodes=_JOINT_NODES,
                deadline=time.monotonic() + _TIME_LIMIT,
                reject_turn_offs=True,
            )
            if not planner.avoid
            else planner.search(
                goals + list(protect.values()),
                disabling=False,
                first_only=False,
                nodes=_AVOID_NODES,
                deadline=time.monotonic() + _TIME_LIMIT / 3,
                reject_turn_offs=True,
            )
        )
        if found and not planner.aborted:
            planner.protect = list(protect.values())
            break
        found = []
        new = {sym: before for sym, before in planner.rejected.items() if sym not in protect}
        if not planner.aborted or not new:
            if planner.avoid and not planner.stopped:
                # No plan keeps those up: accept turning them down (declared), once.
                planner.tolerated |= planner.avoid
                planner.avoid = set()
                continue
            break
        for sym, before in new.items():
            allowed = ("y",) if before == "y" else ("y", "m")
            keep = FixTarget(
                id=f"keeping {sym.name}={before}",
                kind=NodeKind.SYMBOL,
                symbol=str(sym.name),
                allowed=allowed,
            )
            if planner.repairable(planner.rejected_moves, goals + list(protect.values()), keep):
                protect[sym] = keep
            else:
                planner.avoid.add(sym)
        planner.rejected = {}
    if not found:
        planner.protect = []
        found = planner.search(
            goals,
            disabling=True,
            first_only=False,
            nodes=_JOINT_NODES,
            deadline=time.monotonic() + _TIME_LIMIT,
        )
    if not found and planner.stopped:
        # Out of budget before any plan: take the first one there is.
        found = planner.search(
            goals, disabling=True, first_only=True, nodes=_JOINT_NODES, deadline=float("inf")
        )
    for solution in found:
        planner.measure(solution)
    return found


def _impossible(target: FixTarget, chain: tuple[str, ...]) -> ImpossibleTarget:
    # From the target down: a block is recorded when its branch gives up, deepest first.
    chain = tuple(sorted(chain, key=lambda step: step.split(":", 1)[0].count(" -> ")))
    symbols = " ".join(leaf.symbol for leaf in _leaves(target))
    return ImpossibleTarget(target.id, symbols, _wanted(target), chain or ("no way found",))


def _result(
    planner: _Planner,
    best: _Solution,
    feasible: list[FixTarget],
    keep: list[FixTarget],
    impossible: list[ImpossibleTarget],
) -> PlanResult:
    state = planner.state
    moves = best.moves
    leaves = [leaf for target in feasible + planner.protect for leaf in _leaves(target)]
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
    needed_by: dict[_Move, list[str]] = {move: [] for move in moves}
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
                choice, switched = _choice_name(sym.choice), str(old.name)
        changes.append(
            FixChange(
                symbol=name,
                value=_move_value(move),
                type=_TYPES.get(sym.orig_type, SymbolType.UNKNOWN),
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
            else _effect_kind(planner.before[sym], value),
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
    planner: _Planner, best: _Solution, feasible: list[FixTarget], keep: list[FixTarget]
) -> FixVerification:
    """Merge the lines into a copy of the config, load it, and check what was promised.

    The merged config is loaded as ``make olddefconfig`` reads it. What the values are
    computed from -- every symbol's user value and pinned probe answer, every choice's mode,
    selection and priority list, the ``$(success,...)`` answers -- is compared with the
    state the plan's values were computed in (the loaded config with the plan's lines set):
    where nothing differs, no symbol outside the plan's walk (:func:`_walk`) can have another
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
            actual = {sym: _value(sym) for sym in best.after}
        else:
            # Compare every symbol that can depend on what differs (or on the lines).
            roots = list(dict.fromkeys([*(move.sym for move in best.moves), *differing]))
            closure = _closure(roots)
            merged_values = {sym: _value(sym) for sym in closure}
            restore(tree, original, since)
            restored = True
            planner.before.update(
                (sym, _value(sym)) for sym in closure if sym not in planner.before
            )
            # (A placeholder has no value of its own to compare: its dependents are roots.)
            starts = [
                dep
                for root in roots
                for dep in (
                    root._dependents if root.__class__ is Symbol and not root.nodes else (root,)
                )
            ]
            actual = _walk(
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
