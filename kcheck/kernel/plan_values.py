"""Values while the fix planner searches: its assignments on the config, and a fast evaluator.

:class:`PlanState` applies a plan's assignments (:class:`Move`) to the loaded tree as user values
and takes them off again (undo), so every trial is evaluated on the real tree. :class:`ValueModel`
gives the values the planner reads: a symbol's value now (:meth:`ValueModel.value`, computed by
the one value rule of :mod:`kcheck.kernel.values` for a bool/tristate outside any choice, without
computing what cannot matter), and its value before the plan -- most of those from the values of
the symbols the plan sets (:meth:`ValueModel.known_before`) rather than by taking the plan off.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kcheck.kernel.kconfiglib_api import AND, BOOL, NOT, OR, TRISTATE, Symbol, expr_value
from kcheck.kernel.tree import LoadedTree
from kcheck.kernel.values import tristate_value, visibility
from kcheck.kernel.versions import Rules

__all__ = ["TRI", "Move", "PlanState", "ValueModel", "current_value", "known_off"]

N, M, Y = 0, 1, 2
TRI = "nmy"
# ValueModel.kind(): what a bool/tristate's value can come from.
_SIMPLE, _PLAIN, _OFF_BY_DEFAULT, _NO_PROMPT = 1, 2, 4, 8
_ALWAYS_OFF = _PLAIN | _OFF_BY_DEFAULT


def current_value(sym: Any) -> str:
    """A symbol's value now, as kconfiglib computes it: y/m/n or the int/hex/string text."""
    if sym.orig_type is BOOL or sym.orig_type is TRISTATE:
        return TRI[sym.tri_value]
    return str(sym.str_value)


@dataclass(frozen=True)
class Move:
    """One assignment of a plan: ``sym`` set to ``value`` (0/1/2 or the text); ``disabling``
    when it turns down something that is on."""

    sym: Any
    value: int | str
    disabling: bool


class PlanState:
    """User values applied on top of the loaded config, with undo."""

    def __init__(self, kconf: Any) -> None:
        self.kconf = kconf
        self.moves: list[Move] = []
        self._saved: list[tuple[Any, Any, Any]] = []
        # Values the planner worked out for the moves applied now (emptied on every change).
        self.memo: dict[Any, str] = {}

    @property
    def assigned(self) -> set[Any]:
        return {move.sym for move in self.moves}

    def apply(self, move: Move) -> None:
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

    def reset(self) -> list[Move]:
        moves = list(self.moves)
        while self.moves:
            self.undo()
        return moves

    def apply_all(self, moves: Iterable[Move]) -> None:
        for move in moves:
            self.apply(move)

    def switch(self, moves: Sequence[Move]) -> None:
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


class ValueModel:
    """Values now and before the plan, for a tree with a config loaded (see the module
    docstring). ``state`` holds the plan's assignments applied now."""

    def __init__(self, tree: LoadedTree) -> None:
        self.tree = tree
        self.kconf = tree.kconf
        self.state = PlanState(self.kconf)
        self.before: dict[Any, str] = {}
        self._kinds: dict[Any, int] = {}
        self._selects: dict[Any, list[tuple[Any, Any]]] = {}
        self._transitional: Collection[Any] = getattr(tree.kconf, "transitional_syms", ())
        self.rules: Rules = tree.kconf.kc_rules
        # What the loaded config itself assigns (a user value), per symbol.
        self.asked: dict[Any, str] = {}
        self.selection0: dict[Any, Any] = {}
        self._n = tree.kconf.n

    def record_asked(self) -> None:
        """What the loaded config itself assigns (:attr:`asked`); values come lazily."""
        self.asked = {
            sym: TRI[sym.user_value] if isinstance(sym.user_value, int) else str(sym.user_value)
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
            found = memo[sym] = self.compute(sym)
        return found

    def compute(self, sym: Any) -> str:
        kind = self._kinds.get(sym)
        if kind is None:
            kind = self.kind(sym)
        if not kind:
            return current_value(sym)
        user = sym.user_value
        if (
            kind & _NO_PROMPT
            or user is None
            or (not user and kind & _OFF_BY_DEFAULT and sym.weak_rev_dep is self._n)
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
        val, _write = tristate_value(sym, vis, self.rules, self.tri, self.selected, defaults, False)
        return TRI[val]

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
                return expr_value(expr)
            found = self.state.memo.get(expr)
            return TRI.index(found if found is not None else self.value(expr))
        if expr.__class__ is not tuple:
            return expr_value(expr)
        op = expr[0]
        if op is AND:
            first = self.tri(expr[1])
            return min(first, self.tri(expr[2])) if first else N
        if op is OR:
            first = self.tri(expr[1])
            return Y if first == Y else max(first, self.tri(expr[2]))
        if op is NOT:
            return Y - self.tri(expr[1])
        return expr_value(expr)

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
        if sym.rev_dep is self._n:
            return N  # nothing selects it
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
            direct_off = known_off(sym.direct_dep, known)
            if not direct_off:
                return None
        n = self.kconf.n
        if sym.weak_rev_dep is not n:
            # An imply counts only with the direct dependencies met.
            if direct_off is None:
                direct_off = known_off(sym.direct_dep, known)
            if not direct_off and not known_off(sym.weak_rev_dep, known):
                return None
        if sym.rev_dep is not n and not known_off(sym.rev_dep, known):
            return None
        self.before[sym] = "n"
        return "n"

    def known_tri(self, sym: Any) -> int | None:
        """A bool/tristate's value before the plan as far as known without computing it:
        from :attr:`before`, or n for a symbol that is n whatever the plan does (nothing
        selects or implies it, every default is n, and no user value counts)."""
        text = self.before.get(sym)
        if text is not None:
            return TRI.index(text)
        return N if self.always_off(sym) else None

    def guess_before(self, sym: Any) -> str:
        """What ``sym`` most likely was before the plan: its line in the loaded config (a
        config written by make has a line for every symbol that is on), else n. Only a guess:
        :meth:`changed` checks every guess it used."""
        asked = self.asked.get(sym)
        if asked is not None:
            return asked
        return "n" if sym.orig_type is BOOL or sym.orig_type is TRISTATE else str(sym.str_value)


def known_off(expr: Any, known: Callable[[Any], int | None]) -> bool:
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
        return expr_value(sym)
    if sym.orig_type is not BOOL and sym.orig_type is not TRISTATE:
        return None
    return known(sym)
