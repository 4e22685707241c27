"""The fix planner's search: the smallest joint plan that makes every target hold.

A goal-directed depth-first search with branch and bound (:meth:`Search.search`): at each step the
first target that does not hold is followed through the moves :class:`~kcheck.kernel.plan_moves.
MoveFinder` proposes; every move is applied to the tree at once and every target re-checked
after each step, so a later step that undoes an earlier target (KCONFIG-FACTS.md, "greedy
resolver") is seen and backtracked. Among plans that work, fewest assignments first; ties:
fewest symbols turned down, then turned on, then the values the targets list first.

Turning something off is never silent: moves that lower a symbol that is on are only tried when
no plan without them exists; a plan that turns something down makes what it turned down a goal
to keep for the next round (:func:`find_plan`), and is offered only when there is no other.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kcheck.kernel.plan_effects import SideEffects, Solution
from kcheck.kernel.plan_moves import MoveFinder, target_leaves, wanted_text
from kcheck.kernel.plan_values import Move, current_value
from kcheck.model import Expectation, FixTarget, ImpossibleTarget, NodeKind

__all__ = ["Found", "Search", "find_plan"]

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


class _Stop(Exception):
    """The search budget ran out."""


class _Found(Exception):
    """A first solution was enough."""


class Search(MoveFinder, SideEffects):
    """The search over a tree with a config loaded (see the module docstring)."""

    def __init__(self, tree: Any, prefer: Any) -> None:
        super().__init__(tree, prefer)
        self.nodes = 0
        self.exhausted = False
        self.stopped = False
        # Symbols some plan turned down (with their value before): kept up in the next try.
        self.rejected: dict[Any, str] = {}
        self.protect: list[FixTarget] = []
        self.rejected_moves: tuple[Move, ...] = ()
        # Symbols a plan turns down that no small repair keeps up: declared, not avoided.
        self.tolerated: set[Any] = set()
        # ... and that plans should avoid turning down, while there is one that does not.
        self.avoid: set[Any] = set()
        self.aborted = False

    def search(
        self,
        goals: Sequence[FixTarget],
        *,
        disabling: bool,
        first_only: bool,
        nodes: int,
        deadline: float,
        reject_turn_offs: bool = False,
    ) -> list[Solution]:
        """The smallest solutions found (up to :data:`_MAX_TIES`); [] when there is none.

        With ``reject_turn_offs`` the search stops at the first plan that turns something
        down, leaving what it turned down in :attr:`rejected` (the caller keeps those up and
        searches again); :attr:`aborted` says so.
        """
        best = [1 << 30]
        found: list[Solution] = []
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

    def minimize(self, moves: tuple[Move, ...], goals: Sequence[FixTarget]) -> Solution:
        """Drop assignments the goals do not need (the search's order can leave some)."""
        current = list(moves)
        if len(current) > 1:
            for index in range(len(current) - 1, -1, -1):
                trial = current[:index] + current[index + 1 :]
                self.state.switch(trial)
                if all(self.holds(g) for g in goals):
                    current = trial
            self.state.switch(moves)
        return Solution(tuple(current))

    def repairable(
        self, moves: tuple[Move, ...], goals: Sequence[FixTarget], keep: FixTarget
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

    def avoided_down(self) -> bool:
        """Is a symbol the search avoids turning down turned down now?"""
        for sym in self.avoid:
            new = current_value(sym)
            old = self.before_value(sym)
            if new != old and (new == "n" or old == "y") and self.asked.get(sym) != new:
                return True
        return False

    def turned_down(self, solution: Solution) -> dict[Any, str]:
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


@dataclass(frozen=True)
class Found:
    """What :func:`find_plan` found: the best plan, the targets it meets (``feasible``), those
    it must keep holding (``keep``: they held before) and those no plan meets."""

    best: Solution
    feasible: list[FixTarget]
    keep: list[FixTarget]
    impossible: list[ImpossibleTarget]


def find_plan(planner: Search, targets: list[FixTarget], keep: list[FixTarget]) -> Found:
    """The smallest joint plan for ``targets`` that keeps ``keep`` holding, measured; a
    target no plan meets (alone, or together with the others) is set aside as impossible."""
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
        solutions = [Solution(())]
        planner.measure(solutions[0])
    best = min(solutions, key=lambda s: s.key)
    return Found(best, feasible, keep, impossible)


def _joint(planner: Search, goals: list[FixTarget]) -> list[Solution]:
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
    found: list[Solution] = []
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
                expect=Expectation.of_values(allowed),
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
    symbols = " ".join(leaf.symbol for leaf in target_leaves(target))
    return ImpossibleTarget(target.id, symbols, wanted_text(target), chain or ("no way found",))
