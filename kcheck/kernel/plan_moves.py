"""The moves the fix planner tries: which assignments could bring a target closer.

:class:`MoveFinder` follows a target that does not hold down the way the kernel computes a value
(scripts/kconfig/symbol.c): a symbol with a visible prompt is set; a hidden prompt is made
visible through its ``depends on`` terms, enclosing ``if``/``menu`` conditions and the prompt's
own ``if`` (an ``&&`` through its first unmet term, an ``||`` through each operand; ``X || !X``
caps are lifted by raising X); a choice member is picked (a choice switch is a disabling move);
a promptless symbol such as VIRTIO is reached through the symbols that select it, ranked as
``kcheck explain`` ranks them (:func:`kcheck.kernel.chain.rank_selectors`), so VIRTIO comes from
the transport the profile targets (VIRTIO_PCI), never from a side door like VIRTIO_CONSOLE.
What blocks a branch is recorded (:attr:`MoveFinder.blocks`) for targets no plan can meet.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kcheck import reasons
from kcheck.expr import holds
from kcheck.kernel.chain import rank_routes
from kcheck.kernel.kconfiglib_api import (
    AND,
    BOOL,
    EQUAL,
    HEX,
    INT,
    NOT,
    OR,
    TRISTATE,
    UNEQUAL,
    Choice,
    K,
    Symbol,
    expr_value,
    split_expr,
    symbol_type,
)
from kcheck.kernel.plan_values import TRI, Move, ValueModel, current_value
from kcheck.kernel.tree import LoadedTree
from kcheck.model import Expectation, FixTarget, NodeKind, SymbolType, Tristate

__all__ = ["MoveFinder", "choice_name", "target_leaves", "wanted_text"]

N, M, Y = 0, 1, 2


def _is_sym(item: Any) -> bool:
    return item.__class__ is Symbol and not item.is_constant and bool(item.nodes)


def _show(sc: Any) -> str:
    if _is_sym(sc):
        return f"{sc.name} (={sc.str_value})"
    return str(K.standard_sc_expr_str(sc))


def _text(expr: Any) -> str:
    return str(K.expr_str(expr, _show))


def _or_all(exprs: Sequence[Any]) -> Any:
    result = exprs[0]
    for expr in exprs[1:]:
        result = (OR, result, expr)
    return result


def _prompt_conds(sc: Any) -> list[Any]:
    return [node.prompt[1] for node in sc.nodes if node.prompt]


class MoveFinder(ValueModel):
    """Moves towards targets, on the values of :class:`~kcheck.kernel.plan_values.ValueModel`.
    ``prefer`` ranks the symbols the profile wants (0 required, 1 recommended, 2 optional)."""

    def __init__(self, tree: LoadedTree, prefer: Mapping[str, int]) -> None:
        super().__init__(tree)
        self.prefer = prefer
        self.blocks: list[str] = []

    # -- targets ------------------------------------------------------------------------------

    def holds(self, target: FixTarget) -> bool:
        if target.kind is NodeKind.SYMBOL:
            return self.leaf_holds(target)
        if target.kind is NodeKind.ANY_OF:
            return any(self.holds(child) for child in target.children)
        return all(self.holds(child) for child in target.children)

    def leaf_holds(self, target: FixTarget) -> bool:
        """The check's own rule (:func:`kcheck.expr.holds`) on the value now; a symbol this
        tree does not define is n."""
        sym = self.tree.sym(target.symbol)
        if sym is None:
            return holds(target.expectation, SymbolType.UNKNOWN, "n")
        return holds(target.expectation, symbol_type(sym), current_value(sym))

    # -- moves ---------------------------------------------------------------------------------

    def block(self, path: tuple[Any, ...], text: str) -> None:
        names = " -> ".join(str(sym.name) for sym in path)
        entry = f"{names}: {text}" if names else text
        if entry not in self.blocks:
            self.blocks.append(entry)

    def goal_moves(self, target: FixTarget) -> list[Move]:
        if target.kind is NodeKind.SYMBOL:
            return self.leaf_moves(target)
        if target.kind is NodeKind.ANY_OF:
            moves: list[Move] = []
            for child in target.children:
                if not self.holds(child):
                    moves += self.goal_moves(child)
            return moves
        for child in target.children:
            if not self.holds(child):
                return self.goal_moves(child)
        return []

    def leaf_moves(self, target: FixTarget) -> list[Move]:
        sym = self.tree.sym(target.symbol)
        if sym is None:
            self.block((), f"{target.symbol} is {reasons.NOT_DEFINED} ({self.tree.arch})")
            return []
        expect = target.expectation
        if not expect.is_tristate:
            return self.value_moves(sym, expect)
        if sym.orig_type not in (BOOL, TRISTATE):
            self.block((sym,), f"{sym.name} is not a bool or tristate")
            return []
        current = sym.tri_value
        moves: list[Move] = []
        for want in expect.allowed:
            if want == N:
                moves += self.lower(sym, N, ())
            elif current < want:
                moves += self.raise_(sym, int(want), ())
            elif current > want:
                moves += self.lower(sym, int(want), ())
        return unique(moves)

    def value_moves(self, sym: Any, expect: Expectation) -> list[Move]:
        """int/hex/string targets: set the compared-to value (or the next number)."""
        path = (sym,)
        op = expect.op
        operand = expect.operand or ""
        value: str | None = operand
        if op in ("<", ">"):
            # The next number for an int or hex; a string has none that kcheck would choose.
            value = None
            if sym.orig_type in (INT, HEX):
                base = 16 if sym.orig_type is HEX else 10
                with contextlib.suppress(ValueError):
                    number = int(operand, base) + (1 if op == ">" else -1)
                    value = hex(number) if base == 16 else str(number)
        elif op == "!=":
            value = None
        if value is None:
            self.block(path, f"kcheck cannot choose a value for {sym.name} {expect.text}")
            return []
        if sym.visibility:
            return [Move(sym, value, False)]
        conds = _prompt_conds(sym)
        if not conds:
            self.block(path, f"{sym.name} has no prompt: its value cannot be set")
            return []
        return self.expr(_or_all(conds), M, path)

    def raise_(self, sym: Any, want: int, path: tuple[Any, ...]) -> list[Move]:
        """Moves that bring ``sym`` (a bool/tristate) up to at least ``want``."""
        if sym.is_constant:
            self.block(path, f"the constant {sym.name} is never {TRI[want]}")
            return []
        if not sym.nodes:
            self.block((*path, sym), f"{sym.name} is {reasons.NOT_DEFINED} ({self.tree.arch})")
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
        moves: list[Move] = []
        if conds:
            if sym.choice is not None:
                if sym.visibility and Y in sym.assignable:
                    selected = self.selection_before(sym.choice)
                    switching = selected is not None and selected is not sym
                    moves.append(Move(sym, Y, switching))
            elif want in sym.assignable:
                moves.append(Move(sym, want, False))
            elif sym.visibility >= vis_need:
                self.block(
                    here,
                    f"{sym.name} cannot be set to {TRI[want]}: "
                    f"it is selected to {TRI[expr_value(sym.rev_dep)]} by {_text(sym.rev_dep)}",
                )
            if sym.visibility < vis_need:
                moves += self.expr(_or_all(conds), vis_need, here)
        if not conds or sym.visibility < vis_need:
            moves += self.routes(sym, want, here)
        if not moves and not conds and not self._has_routes(sym):
            self.block(here, f"{sym.name} {reasons.no_prompt(())}")
        return moves

    def _has_routes(self, sym: Any) -> bool:
        return sym.rev_dep is not self.kconf.n or bool(sym.defaults)

    def routes(self, sym: Any, want: int, path: tuple[Any, ...]) -> list[Move]:
        """Turning a symbol on through what selects (or implies, or defaults) it: the routes
        ``kcheck explain`` proposes (:func:`kcheck.kernel.chain.rank_routes`), best first."""
        proposed, _rest = rank_routes(sym, want, self.prefer, {str(s.name) for s in path})
        moves: list[Move] = []
        for route in proposed:
            moves += self.expr(route.expr, want, path)
        if proposed and not moves:
            names = ", ".join(route.label for route in proposed)
            self.block(path, f"{path[-1].name} has no prompt; none of its ways on works ({names})")
        return moves

    def expr(self, expr: Any, want: int, path: tuple[Any, ...]) -> list[Move]:
        """Moves that bring ``expr`` up to at least ``want``."""
        if expr_value(expr) >= want:
            return []
        if expr.__class__ is Symbol:
            return self.raise_(expr, want, path)
        if expr.__class__ is Choice:
            conds = _prompt_conds(expr)
            if not conds:
                self.block(path, f"the choice {choice_name(expr)} is never visible")
                return []
            return self.expr(_or_all(conds), want, path)
        op = expr[0]
        if op is AND:
            for term in split_expr(expr, AND):
                if expr_value(term) < want:
                    moves = self.expr(term, want, path)
                    if not moves:
                        self.block(path, reasons.depends_on(_text(term)))
                    return moves
            return []
        if op is OR:
            moves = []
            for term in split_expr(expr, OR):
                moves += self.expr(term, want, path)
            return moves
        if op is NOT:
            return self.lower_expr(expr[1], 2 - want, path)
        if op in (EQUAL, UNEQUAL):
            return self.compare_moves(expr, path)
        self.block(path, f"kcheck does not plan through {_text(expr)}")
        return []

    def lower_expr(self, expr: Any, limit: int, path: tuple[Any, ...]) -> list[Move]:
        """Moves that bring ``expr`` down to at most ``limit``."""
        if expr_value(expr) <= limit:
            return []
        if expr.__class__ is Symbol:
            return self.lower(expr, limit, path)
        if expr.__class__ is Choice:
            self.block(path, f"kcheck does not hide the choice {choice_name(expr)}")
            return []
        op = expr[0]
        if op is AND:
            moves: list[Move] = []
            for term in split_expr(expr, AND):
                moves += self.lower_expr(term, limit, path)
            return moves
        if op is OR:
            for term in split_expr(expr, OR):
                if expr_value(term) > limit:
                    return self.lower_expr(term, limit, path)
            return []
        if op is NOT:
            return self.expr(expr[1], 2 - limit, path)
        if op in (EQUAL, UNEQUAL):
            flipped = (UNEQUAL if op is EQUAL else EQUAL, expr[1], expr[2])
            return self.compare_moves(flipped, path)
        self.block(path, f"kcheck does not plan through {_text(expr)}")
        return []

    def lower(self, sym: Any, limit: int, path: tuple[Any, ...]) -> list[Move]:
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
            return [Move(other, Y, was_on) for other in others]
        rev = expr_value(sym.rev_dep)
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
            return [Move(sym, max(values), was > max(values))]
        self.block(here, f"{sym.name} (={sym.str_value}) has no visible prompt to turn it down")
        return []

    def compare_moves(self, expr: Any, path: tuple[Any, ...]) -> list[Move]:
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
        value = TRI.index(right.name)
        current = left.tri_value
        if op is EQUAL:
            if current < value:
                return self.raise_(left, value, path)
            return self.lower(left, value, path)
        if value == N:
            # Either value will do; y first, since m would cap what depends on it.
            return unique(self.raise_(left, Y, path) + self.raise_(left, M, path))
        if value == Y:
            return self.lower(left, M, path)
        return self.raise_(left, Y, path) + self.lower(left, N, path)


def choice_name(choice: Any) -> str:
    for node in choice.nodes:
        if node.prompt:
            return f'"{node.prompt[0]}"'
    return str(choice.name or "<choice>")


def unique(moves: Iterable[Move]) -> list[Move]:
    seen: set[tuple[Any, int | str]] = set()
    out: list[Move] = []
    for move in moves:
        key = (move.sym, move.value)
        if key not in seen:
            seen.add(key)
            out.append(move)
    return out


def target_leaves(target: FixTarget) -> Iterator[FixTarget]:
    if target.kind is NodeKind.SYMBOL:
        yield target
    for child in target.children:
        yield from target_leaves(child)


def wanted_text(target: FixTarget) -> str:
    if target.kind is not NodeKind.SYMBOL:
        return target.kind.value
    return target.expectation.text
