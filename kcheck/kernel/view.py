"""The two ways the engine sees a configuration: through a parsed tree, or the file alone.

``TreeView`` answers from a kconfiglib tree with the config loaded, so every value is the
one ``make olddefconfig`` would produce and "why not" questions follow the real
dependencies. ``FileView`` answers from the .config's own lines when no tree is at hand:
values as written, and every question about dependencies or existence unknown.
"""

from __future__ import annotations

from typing import Any

import kconfiglib

from kcheck import reasons
from kcheck.kernel.dotconfig import DotConfig, value_type
from kcheck.kernel.kconfiglib_api import symbol_type
from kcheck.kernel.tree import LoadedTree
from kcheck.model import SymbolType, Tristate


def _defined(sym: Any) -> bool:
    return sym is not None and bool(sym.nodes)


def tree_symbol_type(tree: LoadedTree, name: str) -> SymbolType:
    """The type of ``name`` in ``tree``; UNKNOWN when the tree does not define it."""
    sym = tree.sym(name)
    return SymbolType.UNKNOWN if sym is None else symbol_type(sym)


class TreeView:
    """Exact answers from a parsed tree with a config loaded into it."""

    def __init__(self, tree: LoadedTree, config: DotConfig) -> None:
        self._tree = tree
        self._config = config

    @property
    def has_tree(self) -> bool:
        return True

    def _sym(self, name: str) -> Any:
        sym = self._tree.kconf.syms.get(name)
        return sym if _defined(sym) else None

    def defined(self, name: str) -> bool | None:
        return self._sym(name) is not None

    def symbol_type(self, name: str) -> SymbolType:
        sym = self._sym(name)
        if sym is None:
            return SymbolType.UNKNOWN
        return symbol_type(sym)

    def value(self, name: str) -> str | None:
        sym = self._sym(name)
        if sym is None:
            return None
        return str(sym.str_value)

    def requested(self, name: str) -> str | None:
        return self._config.get(name)

    def why_not(self, name: str, wanted: Tristate) -> str | None:
        sym = self._sym(name)
        if sym is None:
            return reasons.NOT_DEFINED
        return first_obstacle(sym, wanted)


def _tri(expr: Any) -> Tristate:
    return Tristate(kconfiglib.expr_value(expr))


def _expr_text(expr: Any) -> str:
    """An expression with each symbol's current value, e.g. ``PCI (=n) && NET (=y)``."""

    def show(sc: Any) -> str:
        if sc.__class__ is kconfiglib.Symbol and not sc.is_constant and sc.nodes:
            return f"{sc.name} (={sc.str_value})"
        return str(kconfiglib.standard_sc_expr_str(sc))

    return str(kconfiglib.expr_str(expr, show))


def first_obstacle(sym: Any, wanted: Tristate) -> str | None:
    """Plain words for the first thing keeping ``sym`` below ``wanted`` (or above n).

    The order follows how the kernel computes a value: unmet ``depends on`` terms first
    (split at ``&&`` so the user sees the one term that is off), then a prompt's own
    condition, then "nothing asks for it". A full recursive chain is the explain command's
    job; this is the one line a report shows.
    """
    current = (
        Tristate(sym.tri_value) if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE) else None
    )
    if wanted == Tristate.N:
        if current is not None and current > Tristate.N and _tri(sym.rev_dep) > Tristate.N:
            return reasons.held_on_by_select(_expr_text(sym.rev_dep))
        if sym.choice is not None and current == Tristate.Y:
            return reasons.selected_member()
        return None
    for term in kconfiglib.split_expr(sym.direct_dep, kconfiglib.AND):
        if _tri(term) < wanted:
            if _tri(term) == Tristate.M:
                return reasons.capped_at_m(_expr_text(term))
            return reasons.depends_on(_expr_text(term))
    prompts = [node.prompt for node in sym.nodes if node.prompt is not None]
    if not prompts:
        if _tri(sym.rev_dep) < wanted:
            return reasons.no_prompt(_selectors(sym))
        return None
    for _text, cond in prompts:
        if _tri(cond) < wanted:
            return reasons.prompt_hidden(_expr_text(cond))
    if sym.choice is not None:
        selection = sym.choice.selection
        if selection is not None and selection is not sym:
            return reasons.other_choice_member(selection.name)
    if sym.user_value is None:
        return reasons.not_set(sym.str_value)
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE) and sym.user_value < wanted:
        return reasons.config_sets("nmy"[sym.user_value])
    return None


def _selectors(sym: Any) -> list[str]:
    names: list[str] = []
    for item in kconfiglib.expr_items(sym.rev_dep):
        is_symbol = item.__class__ is kconfiglib.Symbol and not item.is_constant and item.nodes
        if is_symbol and item.name not in names:
            names.append(item.name)
    return names


class FileView:
    """Answers from the .config alone: values as written, dependency questions unknown."""

    def __init__(self, config: DotConfig) -> None:
        self._config = config

    @property
    def has_tree(self) -> bool:
        return False

    def defined(self, name: str) -> bool | None:
        return True if name in self._config.assignments else None

    def symbol_type(self, name: str) -> SymbolType:
        value = self._config.get(name)
        if value is None:
            return SymbolType.UNKNOWN
        return value_type(value, name in self._config.quoted)

    def value(self, name: str) -> str | None:
        return self._config.get(name)

    def requested(self, name: str) -> str | None:
        return self._config.get(name)

    def why_not(self, name: str, wanted: Tristate) -> str | None:
        value = self._config.get(name)
        if value is None:
            return reasons.unknown_without_tree()
        if value == "n":
            return reasons.config_sets("n")
        return None
