"""Kconfig's value rules, per kernel version: one place, for kconfiglib and the fix planner.

kconfiglib 14.1.0 computes values as the C tool of Linux ~5.6 did. The rules that changed since
(:class:`~kcheck.kernel.versions.Rules`: v5.7 ``imply``, v6.8/v6.11 int/hex, v6.11 choices,
v6.18 ``transitional``) are written here and installed once on kconfiglib's ``Symbol``/``Choice``
classes by :func:`install`; they only change behaviour for symbols of a
:class:`~kcheck.kernel.compat.CompatKconfig` -- a plain ``kconfiglib.Kconfig`` in the same
process keeps kconfiglib's own semantics.

The two rules the fix planner also evaluates -- a symbol's visibility (:func:`visibility`) and
the value of a bool/tristate outside any choice (:func:`tristate_value`) -- are pure functions of
an expression evaluator: kconfiglib's ``expr_value`` here, the planner's own fast evaluator in
:mod:`kcheck.kernel.plan_values`, so both compute values by the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kcheck.kernel.kconfiglib_api import (
    BOOL,
    BOOL_TRISTATE,
    HEX,
    INT,
    TRISTATE,
    Choice,
    K,
    Symbol,
    expr_value,
)
from kcheck.kernel.versions import Rules

__all__ = ["Tri", "install", "tristate_value", "visibility"]

#: An expression's tristate value (0, 1, 2): kconfiglib's ``expr_value`` or an evaluator like it.
Tri = Callable[[Any], int]


def visibility(sc: Any, tri: Tri) -> int:
    """kconfiglib's ``_visibility()`` of a symbol, its expressions taken with ``tri``: the
    highest condition of its prompts, limited by its choice's mode, m promoted to y for a
    non-tristate; a v6.18 ``transitional`` symbol is always visible (sym_calc_visibility():
    SYMBOL_TRANS), so the value from the .config is used as is."""
    if sc in sc.kconfig.transitional_syms:
        return 2
    vis = 0
    for node in sc.nodes:
        if node.prompt:
            vis = max(vis, tri(node.prompt[1]))
    choice = sc.choice
    if choice is not None:
        if choice.orig_type is TRISTATE and sc.orig_type is not TRISTATE and tri(choice) != 2:
            return 0  # a non-tristate member is visible only in y mode
        if sc.orig_type is TRISTATE and vis == 1 and tri(choice) == 2:
            return 0  # a member visible at m is not visible in y mode
    if vis == 1 and sc.type is not TRISTATE:
        return 2
    return vis


def tristate_value(
    sym: Any,
    vis: int,
    rules: Rules,
    tri: Tri,
    selected: Tri,
    defaults: Iterable[tuple[Any, Any]],
    need_write: bool = True,
) -> tuple[int, bool]:
    """sym_calc_value() for a bool/tristate outside any choice: (value, whether a default,
    imply or select sets SYMBOL_WRITE).

    ``vis`` is its visibility, ``tri`` evaluates its expressions, ``selected(sym)`` is the
    value of its reverse dependency (``||`` of ``selector && condition``) and ``defaults`` its
    ``(value, condition)`` pairs. A caller that knows more may pass less: ``vis`` 0 when no
    user value can count, no defaults when none can apply (every default is n, or its direct
    dependencies -- which kconfiglib puts into every default's condition -- are n); without
    ``need_write`` the selects are not looked at once the value is y.
    """
    write = False
    is_bool = sym.type is BOOL
    user = sym.user_value
    n = sym.kconfig.n
    weak = sym.weak_rev_dep
    if vis and user is not None:
        val: int = min(user, vis)
    else:
        val = 0
        for default, cond in defaults:
            cond_val = tri(cond)
            if cond_val:
                val = min(tri(default), cond_val)
                if val:
                    write = True
                break
        implied = 0 if weak is n else tri(weak)
        if rules.imply_v57:
            # v5.7 (def2fbffe62c, 3a9dd3ecb207): implied.tri (m promoted for bool) is ORed in
            # and then ANDed with the direct dependencies; SYMBOL_WRITE is set even when they
            # are not met.
            if implied == 1 and is_bool:
                implied = 2
            if implied:
                write = True
                direct = tri(sym.direct_dep)
                if direct == 1 and is_bool:
                    direct = 2
                val = min(max(val, implied), direct)
        elif implied and tri(sym.direct_dep):
            val = max(implied, val)
            write = True
    if need_write or val != 2:
        rev = selected(sym)
        if rev:
            val = max(rev, val)
            write = True
    if val == 1 and (is_bool or (not rules.imply_v57 and weak is not n and tri(weak) == 2)):
        val = 2  # (before v5.7 an imply of y also raised an m)
    return val, write


# -- installed on kconfiglib's classes -------------------------------------------------------

_orig_tri_value: Any = Symbol.tri_value.fget
_orig_str_value: Any = Symbol.str_value.fget
_orig_visibility: Any = Symbol.visibility.fget
_orig_assignable: Any = Symbol._assignable
_orig_set_value: Any = Symbol.set_value
_orig_choice_selection: Any = Choice._selection


def _rules_of(sc: Any) -> Rules | None:
    rules: Rules | None = getattr(sc.kconfig, "kc_rules", None)
    return rules


def _visibility(self: Any) -> int:
    cached = self._cached_vis
    if cached is None:
        if self.kconfig.__class__ is K.Kconfig:
            return int(_orig_visibility(self))
        cached = self._cached_vis = visibility(self, expr_value)
    return int(cached)


def _selected(sym: Any) -> int:
    """kconfiglib's value of the reverse dependency, with its warning for a select that
    overrides unmet direct dependencies."""
    rev = expr_value(sym.rev_dep)
    if rev and expr_value(sym.direct_dep) < rev:
        sym._warn_select_unsatisfied_deps()
    return rev


def _tri_value(self: Any) -> int:
    if self._cached_tri_val is not None:
        return int(self._cached_tri_val)
    rules = _rules_of(self)
    if rules is None or self.orig_type not in BOOL_TRISTATE:
        return int(_orig_tri_value(self))
    choice = self.choice
    if choice is not None and not rules.choices_v611:
        return int(_orig_tri_value(self))

    vis = self.visibility
    write = vis != 0
    if choice is not None:
        # v6.11 sym_calc_value(): a member is y iff sym_calc_choice() picked it; selects and
        # defaults on members have no effect.
        val = 2 if vis and choice.selection is self else 0
    else:
        val, forced = tristate_value(self, vis, rules, expr_value, _selected, self.defaults)
        write = write or forced
    if self in self.kconfig.transitional_syms:
        write = False  # never written, not even as "is not set"
    self._write_to_conf = write
    self._cached_tri_val = val
    return val


def _strtoll(text: str, base: int) -> int:
    """C strtoll(): leading whitespace, sign, optional 0x for base 16, digits until the first
    invalid character; 0 when nothing parses."""
    s = text.lstrip()
    sign = 1
    if s[:1] in ("-", "+"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 16 and s[:2].lower() == "0x":
        s = s[2:]
    digits = "0123456789abcdef"[:base]
    end = 0
    while end < len(s) and s[end].lower() in digits:
        end += 1
    return sign * int(s[:end], base) if end else 0


def _range_base(sym: Any, base: int) -> int:
    if sym.orig_type is INT:
        return 10
    if sym.orig_type is HEX:
        return 16
    return base


def _str_value(self: Any) -> str:
    if self._cached_str_val is not None:
        return str(self._cached_str_val)
    rules = _rules_of(self)
    orig_type = self.orig_type
    if rules is None or not rules.int_hex_zero or (orig_type is not INT and orig_type is not HEX):
        val = str(_orig_str_value(self))
        if rules is not None and self in self.kconfig.transitional_syms:
            self._write_to_conf = False
        return val

    base = 10 if orig_type is INT else 16
    vis = self.visibility
    write = vis != 0
    # v6.8 (6262afa10ef7): no value and no active default is "0"/"0x0", not "".
    val = "0" if orig_type is INT else "0x0"

    active_range = None
    for low, high, cond in self.ranges:
        if expr_value(cond):
            active_range = (low, high)
            break

    use_defaults = True
    if vis and self.user_value is not None:
        use_defaults = False
        if not rules.int_hex_clamp_user and active_range is not None:
            # Before v6.11 conf_read() dropped an out-of-range user value (defaults apply).
            user = _strtoll(self.user_value, base)
            low_v = _strtoll(active_range[0].str_value, _range_base(active_range[0], base))
            high_v = _strtoll(active_range[1].str_value, _range_base(active_range[1], base))
            use_defaults = not low_v <= user <= high_v
        if not use_defaults:
            val = self.user_value
    if use_defaults:
        for default, cond in self.defaults:
            if expr_value(cond):
                write = True
                val = default.str_value
                break

    if active_range is not None:
        # sym_validate_range(): an out-of-range value becomes the violated bound's string value.
        low, high = active_range
        num = _strtoll(val, base)
        if num < _strtoll(low.str_value, _range_base(low, base)):
            val = low.str_value
        elif num > _strtoll(high.str_value, _range_base(high, base)):
            val = high.str_value

    if self.env_var is not None or self is self.kconfig.defconfig_list:
        write = False
    if self in self.kconfig.transitional_syms:
        write = False
    self._write_to_conf = write
    self._cached_str_val = val
    return str(val)


def _assignable(self: Any) -> tuple[int, ...]:
    rules = _rules_of(self)
    if rules is None or self.orig_type not in BOOL_TRISTATE:
        return tuple(_orig_assignable(self))
    if self.choice is not None and rules.choices_v611:
        # v6.11: a visible member can be set to y (picked) or n (deprioritised).
        return (0, 2) if self.visibility else ()
    if not rules.imply_v57:
        return tuple(_orig_assignable(self))
    # v5.7 sym_tristate_within_range(): imply no longer restricts the range.
    vis = self.visibility
    if not vis:
        return ()
    rev = expr_value(self.rev_dep)
    is_bool = self.type is BOOL
    if rev == 1 and is_bool:
        rev = 2
    if vis <= rev:
        return (rev,) if rev else ()
    if is_bool:
        return (0, 2) if not rev else (2,)
    return tuple(v for v in (0, 1, 2) if rev <= v <= vis)


def _set_value(self: Any, value: Any) -> bool:
    ok = bool(_orig_set_value(self, value))
    if ok and self in getattr(self.kconfig, "transitional_syms", ()):
        # Promptless, so kconfiglib skips invalidation; but its user value is its value.
        self._rec_invalidate()
    choice = self.choice
    if ok and choice is not None:
        rules = _rules_of(self)
        if rules is not None and rules.choices_v611:
            # v6.11 conf_read_simple()/choice_set_value(): every assignment to a member moves
            # it to the front of the choice's priority list.
            prio = self.kconfig.choice_priority.setdefault(choice, list(choice.syms))
            if self in prio:
                prio.remove(self)
            prio.insert(0, self)
            choice._rec_invalidate()
    return ok


def _choice_selection(self: Any) -> Any:
    rules = _rules_of(self)
    if rules is None or not rules.choices_v611:
        return _orig_choice_selection(self)
    # Computing the visibility marks the choice as cached, so invalidation reaches it.
    self.visibility  # noqa: B018
    syms = self.syms
    prio = self.kconfig.choice_priority.get(self) or syms
    # v6.11 sym_calc_choice(): the first visible member the user set to y, by priority ...
    for sym in prio:
        if sym.visibility and sym.user_value == 2:
            return sym
    # ... else the default (or the first visible member), unless the user set it to n ...
    res = None
    for default, cond in self.defaults:
        if expr_value(cond) and default.visibility:
            res = default
            break
    else:
        for sym in syms:
            if sym.visibility:
                res = sym
                break
    if res is not None and res.user_value is not None and res.user_value == 0:
        res = None
    if res is not None:
        return res
    # ... else the first visible member without a user value ...
    for sym in syms:
        if sym.visibility and sym.user_value is None:
            return sym
    # ... else the least prioritised visible one.
    for sym in reversed(prio):
        if sym.visibility:
            return sym
    return None


def install() -> None:
    """Install the version-aware value rules on kconfiglib's classes (idempotent)."""
    if Symbol.set_value is _set_value:
        return
    Symbol.tri_value = property(_tri_value)
    Symbol.str_value = property(_str_value)
    Symbol.visibility = property(_visibility)
    Symbol._assignable = _assignable
    Symbol.set_value = _set_value
    Choice._selection = _choice_selection


install()
