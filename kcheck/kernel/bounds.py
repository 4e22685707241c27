"""What a tree lets a symbol be on one arch whatever a config says, and all*config's user values.

:class:`Bounds` gives, for every bool/tristate symbol, the lowest and highest value (0 n,
1 m, 2 y) it can end with over *every* possible user config on this arch: ``kcheck lint``
says a request "can never hold" only when the bound proves it (a request for y/m with a
highest value of n, a request for n with a lowest value above n). The bounds are sound, not
tight: whatever the analysis cannot pin down is taken as anything from n to y, so a request
is never called impossible by mistake. The rules, from scripts/kconfig/symbol.c
(sym_calc_value()):

- a symbol the arch does not define is n (Kconfig reads an undefined name as n), except the
  stand-ins of toolchain probes; a symbol whose value is a toolchain probe's answer is
  anything (whatever config is loaded: offline its answer is pinned from that config); a constant
  is itself; an int/hex/string symbol is n where an expression reads it as a tristate;
- a symbol's value is at most the largest of: its prompt's visibility (the prompt's ``if``
  and the enclosing menus and ``if`` blocks, capped by ``depends on``), each ``default`` (its
  value and condition, capped by ``depends on``), ``imply`` (capped by ``depends on``) and
  ``select`` (``rev_dep``, which ignores ``depends on``); an m may become y (bool symbols,
  MODULES=n), so a highest value of m counts as y;
- it is at least what ``select`` forces, and -- when no prompt can ever be visible -- the
  first ``default`` whose condition surely holds (an earlier one that may hold makes it
  unknown);
- ``&&`` takes the smaller bound, ``||`` the larger, ``!`` turns (lo, hi) into (2-hi, 2-lo);
  a comparison is known only between two constants; a symbol met again while its own
  bounds are being worked out (a dependency loop) is anything.

So ``depends on X86`` on arm64 (X86 undefined: n) gives a highest value of n, and
``depends on !ARM64`` on arm64 (ARM64 is ``def_bool y`` with no prompt: at least y) too.
:func:`apply_allnoconfig` is ``conf --allnoconfig``'s conf_set_all_new_symbols(def_no).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from kcheck.kernel.compat import AND, BOOL, NOT, OR, TRISTATE, Choice, Symbol
from kcheck.kernel.tree import LoadedTree

Range = tuple[int, int]
_ANY: Range = (0, 2)
_N: Range = (0, 0)
# A dependency chain is followed by recursion; the deepest in 6.12/7.2 is a few hundred
# symbols, each a few frames.
_RECURSION = 20_000


class Bounds:
    """Lowest and highest values of symbols over every config, on one loaded tree."""

    def __init__(self, tree: LoadedTree, off: Iterable[str] = ()) -> None:
        self._kconf = tree.kconf
        # Probe answers depend on the toolchain, not on the tree: anything. (Offline they are
        # pinned from whatever config was loaded last, which says nothing about other configs.)
        self._probes = tree.probe_symbols()
        self._memo: dict[Any, Range] = {}
        self._busy: set[Any] = set()
        # Symbols taken as n: set to n by a config, and n then (see user_off_holds).
        for name in off:
            sym = self._kconf.syms.get(name)
            if sym is not None:
                self._memo[sym] = _N

    def user_off_holds(self, name: str) -> bool | None:
        """Whether ``CONFIG_name=n`` in a config makes the symbol n: True whatever else the
        config says; None when only unless something selects it; False when not even then.
        Its one prompt's condition must be its ``depends on`` (the prompt is hidden only when
        that is off, which caps every default at n too: sym_calc_value() gives an invisible
        symbol its defaults), and ``imply`` yields to a user's n; ``select`` does not."""
        sym = self._kconf.syms.get(name)
        if sym is None or sym.orig_type not in (BOOL, TRISTATE) or sym.choice is not None:
            return False
        prompts = [node.prompt for node in sym.nodes if node.prompt]
        if sym.name in self._probes or len(prompts) != 1 or len(sym.nodes) != 1:
            return False
        if prompts[0][1] != sym.direct_dep:
            return False
        return True if self.expr(sym.rev_dep)[1] == 0 else None

    def symbol(self, name: str) -> Range:
        """(lo, hi) of ``name`` (no ``CONFIG_``); (0, 0) when this arch does not define it."""
        sym = self._kconf.syms.get(name)
        return _N if sym is None else self.of(sym)

    def of(self, item: Any) -> Range:
        """(lo, hi) of a kconfiglib symbol or choice."""
        found = self._memo.get(item)
        if found is not None:
            return found
        if item in self._busy:
            return _ANY
        limit = sys.getrecursionlimit()
        if limit < _RECURSION:
            sys.setrecursionlimit(_RECURSION)
        self._busy.add(item)
        try:
            found = self._choice(item) if item.__class__ is Choice else self._symbol(item)
        finally:
            self._busy.discard(item)
            if limit < _RECURSION:
                sys.setrecursionlimit(limit)
        self._memo[item] = found
        return found

    def expr(self, expr: Any) -> Range:
        """(lo, hi) of a kconfiglib expression."""
        if expr.__class__ is tuple:
            op = expr[0]
            if op is AND:
                a, b = self.expr(expr[1]), self.expr(expr[2])
                return min(a[0], b[0]), min(a[1], b[1])
            if op is OR:
                a, b = self.expr(expr[1]), self.expr(expr[2])
                return max(a[0], b[0]), max(a[1], b[1])
            if op is NOT:
                lo, hi = self.expr(expr[1])
                return 2 - hi, 2 - lo
            # A comparison: known only between constants.
            if expr[1].is_constant and expr[2].is_constant:
                value = int(self._kconf_expr_value(expr))
                return value, value
            return _ANY
        return self.of(expr)

    def _kconf_expr_value(self, expr: Any) -> int:
        from kconfiglib import expr_value

        return int(expr_value(expr))

    def _symbol(self, sym: Any) -> Range:
        if sym.is_constant:
            value = int(sym.tri_value)
            return value, value
        if not sym.nodes:
            # Undefined here -- unless it stands for a toolchain probe's answer (offline,
            # $(success,...) becomes a symbol with no definition but a default): anything.
            return _ANY if sym.defaults else _N
        if sym.orig_type not in (BOOL, TRISTATE):
            return _N
        if sym.name in self._probes:
            return _ANY
        dep_lo, dep_hi = self.expr(sym.direct_dep)
        rev_lo, rev_hi = self.expr(sym.rev_dep)
        prompts = [self.expr(node.prompt[1]) for node in sym.nodes if node.prompt]
        visible_hi = min(max((hi for _, hi in prompts), default=0), dep_hi)
        hi = max(visible_hi, rev_hi)
        for value, cond in sym.defaults:
            hi = max(hi, min(self.expr(value)[1], self.expr(cond)[1], dep_hi))
        if sym.weak_rev_dep is not self._kconf.n:
            hi = max(hi, min(self.expr(sym.weak_rev_dep)[1], dep_hi))
        if sym.choice is not None:
            hi = max(hi, min(dep_hi, self.of(sym.choice)[1]))
        lo = rev_lo
        if visible_hi == 0 and sym.choice is None:
            for value, cond in sym.defaults:
                cond_lo, cond_hi = self.expr(cond)
                if cond_lo > 0:
                    lo = max(lo, min(self.expr(value)[0], cond_lo, dep_lo))
                    break
                if cond_hi > 0:
                    break
        if hi == 1:
            hi = 2  # an m may be promoted to y (a bool, or MODULES=n)
        return min(lo, hi), hi

    def _choice(self, choice: Any) -> Range:
        dep_hi = self.expr(choice.direct_dep)[1]
        prompts = [self.expr(node.prompt[1])[1] for node in choice.nodes if node.prompt]
        hi = min(max(prompts, default=0), dep_hi)
        return 0, 2 if hi else 0


def blocking_terms(bounds: Bounds, expr: Any, want_on: bool) -> list[Any]:
    """The ``&&`` terms of ``expr`` that keep it n (``want_on``) or the ``||`` terms that keep
    it on (not ``want_on``) whatever the config says: why a request can never hold."""
    op = AND if want_on else OR
    terms: list[Any] = []
    stack = [expr]
    while stack:
        item = stack.pop()
        if item.__class__ is tuple and item[0] is op:
            stack += [item[2], item[1]]
            continue
        lo, hi = bounds.expr(item)
        if (want_on and hi == 0) or (not want_on and lo > 0):
            terms.append(item)
    return terms


def expr_text(expr: Any) -> str:
    """A kconfiglib expression as Kconfig writes it."""
    from kconfiglib import expr_str

    return str(expr_str(expr))


def direct_dep(tree: LoadedTree, name: str) -> Any:
    """The symbol's ``depends on`` (with enclosing ``if``/menus); None when not defined."""
    sym = tree.sym(name)
    return None if sym is None else sym.direct_dep


def selected_by(tree: LoadedTree, name: str) -> Any:
    """The symbol's reverse dependencies (who selects it); None when not defined."""
    sym = tree.sym(name)
    return None if sym is None else sym.rev_dep


def defined_names(tree: LoadedTree) -> list[str]:
    """Every symbol name this tree defines for its arch."""
    return [sym.name for sym in tree.kconf.unique_defined_syms]


def apply_allnoconfig(tree: LoadedTree) -> None:
    """``conf --allnoconfig`` after KCONFIG_ALLCONFIG was read: every bool/tristate symbol
    with a prompt, no value from the loaded text and not in a choice gets the user value n
    (scripts/kconfig/conf.c, conf_set_all_new_symbols(def_no), 6.12). Choices keep their
    defaults. The values are set directly and everything is invalidated once, as
    kconfiglib's own loader does."""
    kconf = tree.kconf
    for node in kconf.node_iter():
        sym = node.item
        if (
            sym.__class__ is Symbol
            and node.prompt
            and sym.user_value is None
            and sym.orig_type in (BOOL, TRISTATE)
            and sym.choice is None
        ):
            sym.user_value = 0
    kconf._invalidate_all()
