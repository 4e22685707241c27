"""What a plan does besides its own lines: the symbols whose value it changes.

:meth:`SideEffects.changed` walks kconfiglib's dependents graph from the symbols a plan sets and
goes on only from symbols whose value changed (:func:`walk`): Kconfig values are computed from
other symbols' values alone, so nothing past an unchanged symbol can change. Values before the
plan are needed only where the walk goes; most follow from the values before of the symbols the
plan sets, the others are guessed and then computed all in one go. :meth:`SideEffects.measure`
counts what a plan turns on and down (the search's tie-breaks), :func:`effect_kind` names a change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kcheck.kernel.kconfiglib_api import Choice, Symbol
from kcheck.kernel.plan_values import Move, ValueModel
from kcheck.model import EffectKind, Tristate

__all__ = ["SideEffects", "Solution", "effect_kind", "walk"]


@dataclass
class Solution:
    """A plan found by the search, with its values after (:meth:`SideEffects.changed`) and how
    it ranks: fewest lines, then fewest turned down, fewest turned on, found first."""

    moves: tuple[Move, ...]
    after: dict[Any, str] = field(default_factory=dict)
    turned_off: int = 0
    turned_on: int = 0
    order: int = 0

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (len(self.moves), self.turned_off, self.turned_on, self.order)


class SideEffects(ValueModel):
    """The values a plan changes (see the module docstring)."""

    def changed(self, moves: Sequence[Move]) -> dict[Any, str]:
        """The values with ``moves`` applied of their symbols and of every symbol whose value
        differs from :attr:`before` (filled in as far as the walk goes). The moves under way
        are applied again on return.

        See :func:`walk`. Values before the plan are needed only where the walk goes; most
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
                out = walk(roots, value, self.known_before, self.guess_before, guessed)
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

    def measure(self, solution: Solution) -> None:
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


def walk(
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


def _next_items(item: Any) -> list[Any]:
    """Where :func:`walk` goes on from ``item`` when its value changed."""
    following = list(item._dependents)
    following += [sym for dep in item._dependents if dep.__class__ is Choice for sym in dep.syms]
    if item.choice is not None:
        following.append(item.choice)
        following += item.choice.syms
    return following


def effect_kind(before: str, after: str) -> EffectKind:
    old, new = Tristate.parse(before), Tristate.parse(after)
    if old is None or new is None:
        return EffectKind.CHANGED
    if new == Tristate.N:
        return EffectKind.DISABLED
    if new < old:
        return EffectKind.LOWERED
    return EffectKind.ENABLED if old == Tristate.N else EffectKind.RAISED
