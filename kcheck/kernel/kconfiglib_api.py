"""The kconfiglib names the kernel layer builds on: classes, types, expression operators, tokens.

kconfiglib is pinned to 14.1.0 on PyPI, so its internals (the token constants, ``expr_value``)
are stable; every module of :mod:`kcheck.kernel` takes them from here, typed, instead of reaching
into kconfiglib itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kconfiglib

from kcheck.model import SymbolType

# kconfiglib internals we build on (stable: the PyPI version is pinned to 14.1.0).
K: Any = kconfiglib
Symbol: Any = K.Symbol
Choice: Any = K.Choice
expr_value: Callable[[Any], int] = K.expr_value
BOOL: int = K.BOOL
TRISTATE: int = K.TRISTATE
STRING: int = K.STRING
INT: int = K.INT
HEX: int = K.HEX
AND: int = K.AND
OR: int = K.OR
NOT: int = K.NOT
EQUAL: int = K.EQUAL
UNEQUAL: int = K.UNEQUAL
MENU: Any = K.MENU
T_MODULES: int = K._T_MODULES
T_OPTION: int = K._T_OPTION
T_DEPENDS: int = K._T_DEPENDS
T_ON: int = K._T_ON
T_IF: int = K._T_IF
T_DEFAULT: int = K._T_DEFAULT
T_SELECT: int = K._T_SELECT
T_IMPLY: int = K._T_IMPLY
DEFAULT_TOKENS: frozenset[int] = frozenset(
    {
        K._T_DEFAULT,
        K._T_DEF_BOOL,
        K._T_DEF_TRISTATE,
        K._T_DEF_INT,
        K._T_DEF_HEX,
        K._T_DEF_STRING,
    }
)
RELATIONS: frozenset[int] = K._RELATIONS
BOOL_TRISTATE: frozenset[int] = frozenset({BOOL, TRISTATE})
split_expr: Callable[[Any, int], list[Any]] = K.split_expr

_SYMBOL_TYPES = {
    BOOL: SymbolType.BOOL,
    TRISTATE: SymbolType.TRISTATE,
    INT: SymbolType.INT,
    HEX: SymbolType.HEX,
    STRING: SymbolType.STRING,
}


def symbol_type(sc: Any) -> SymbolType:
    """A symbol's Kconfig type as kcheck names it (UNKNOWN for an undefined symbol)."""
    return _SYMBOL_TYPES.get(sc.orig_type, SymbolType.UNKNOWN)
