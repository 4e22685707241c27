"""Kconfig expressions as profiles write them in ``when``: parsing, evaluation and symbol lists.

The syntax is the kernel's own (``Documentation/kbuild/kconfig-language.rst``): symbols without
the ``CONFIG_`` prefix, the constants ``y``/``m``/``n``, quoted strings, numbers, ``!``, ``&&``,
``||``, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` and parentheses. Evaluation follows
kconfiglib's ``expr_value`` (which mirrors the C tool): ``&&`` is the minimum, ``||`` the maximum,
``!`` is ``2 - x``; a symbol that is not bool/tristate is ``n`` in a logical context; a comparison
is numeric when both sides parse as numbers (bool/tristate as 0/1/2, int in base 10, hex in base
16, anything else in either) and a string comparison otherwise; an undefined symbol is ``n`` and its
string value is its own name. One addition the kernel does not need: a symbol whose value cannot
be known (no kernel tree, and the .config does not mention it) makes the result ``None`` unless
the other side of ``&&``/``||`` decides it anyway. A requirement's ``want`` is checked here
too (:func:`holds`), with the same comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kcheck.errors import ProfileError
from kcheck.kernel.dotconfig import HEX_FORM, NUMBER_FORM, unescape
from kcheck.model import Expectation, SymbolType, Tristate

__all__ = [
    "And",
    "Compare",
    "Const",
    "Expr",
    "Lookup",
    "Not",
    "Or",
    "Sym",
    "compare",
    "evaluate",
    "holds",
    "number",
    "parse_expr",
    "symbols",
]

#: ``lookup(name)`` gives a symbol's type and final value, or None when it cannot be known.
#: An undefined symbol is ``(SymbolType.UNKNOWN, name)``: that is how Kconfig itself sees it.
Lookup = Callable[[str], tuple[SymbolType, str] | None]


@dataclass(frozen=True)
class Sym:
    """A symbol reference, stored without ``CONFIG_``."""

    name: str


@dataclass(frozen=True)
class Const:
    """A constant: ``y``/``m``/``n`` (type TRISTATE), a number or a quoted string (UNKNOWN)."""

    value: str
    type: SymbolType = SymbolType.UNKNOWN


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare:
    """``left op right``; as in Kconfig, both operands are symbols or constants."""

    op: str
    left: Sym | Const
    right: Sym | Const


Expr = Sym | Const | Not | And | Or | Compare

_COMPARE_OPS = ("=", "!=", "<", "<=", ">", ">=")

# One token at a time: operators (longest first), a quoted string, or a word. Kconfig words
# may start with a digit (9P_FS) and numbers may be negative (range -1 10).
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>&&|\|\||!=|<=|>=|=|<|>|!|\(|\))
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<word>-?[A-Za-z0-9_]+)
    )""",
    re.VERBOSE,
)
_SYMBOL = re.compile(r"[A-Z0-9_]+")


@dataclass(frozen=True)
class _Token:
    kind: str  # "op", "str", "word" or "end"
    text: str
    column: int  # 1-based, for error messages


def _tokenize(text: str, fail: Callable[[str], ProfileError]) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            tokens.append(_Token("end", "", pos + 1))
            return tokens
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            if text[pos] in "\"'":
                raise fail(f"unterminated string at column {pos + 1}")
            raise fail(f"unexpected {text[pos]!r} at column {pos + 1}")
        kind = match.lastgroup
        start = match.start(kind)
        tokens.append(_Token(kind, match.group(kind), start + 1))
        pos = match.end()


class _Parser:
    """Recursive descent with Kconfig's precedence: ``||`` < ``&&`` < ``!`` < comparisons."""

    def __init__(self, text: str, path: str, line: int | None) -> None:
        self.text = text
        self.path = path
        self.line = line
        self.tokens = _tokenize(text, self.error)
        self.pos = 0

    def error(self, what: str) -> ProfileError:
        return ProfileError(f"bad when {self.text!r}: {what}", path=self.path, line=self.line)

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def describe(self, token: _Token) -> str:
        if token.kind == "end":
            return "the end"
        return f"{token.text!r} at column {token.column}"

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            raise self.error("the expression is empty")
        expr = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"expected '&&', '||' or the end, found {self.describe(token)}")
        return expr

    def parse_or(self) -> Expr:
        expr = self.parse_and()
        while self.peek().text == "||" and self.peek().kind == "op":
            self.take()
            expr = Or(expr, self.parse_and())
        return expr

    def parse_and(self) -> Expr:
        expr = self.parse_unary()
        while self.peek().text == "&&" and self.peek().kind == "op":
            self.take()
            expr = And(expr, self.parse_unary())
        return expr

    def parse_unary(self) -> Expr:
        token = self.peek()
        if token.kind == "op" and token.text == "!":
            self.take()
            return Not(self.parse_unary())
        if token.kind == "op" and token.text == "(":
            self.take()
            expr = self.parse_or()
            closing = self.take()
            if closing.kind != "op" or closing.text != ")":
                raise self.error(
                    f"expected ')' for the '(' at column {token.column}, "
                    f"found {self.describe(closing)}"
                )
            return expr
        left = self.parse_operand()
        token = self.peek()
        if token.kind == "op" and token.text in _COMPARE_OPS:
            self.take()
            return Compare(token.text, left, self.parse_operand())
        return left

    def parse_operand(self) -> Sym | Const:
        token = self.take()
        if token.kind == "str":
            # Kconfig has no escapes other than a backslash quoting the next character.
            body = unescape(token.text[1:-1])
            # A quoted "y" is the constant y in Kconfig too (kconfiglib's _lookup_const_sym).
            if body in ("y", "m", "n"):
                return Const(body, SymbolType.TRISTATE)
            return Const(body)
        if token.kind == "word":
            word = token.text
            if word in ("y", "m", "n"):
                return Const(word, SymbolType.TRISTATE)
            if NUMBER_FORM.fullmatch(word):
                return Const(word)
            if word.startswith("CONFIG_"):
                raise self.error(
                    f"write symbols without the CONFIG_ prefix: {word[len('CONFIG_') :]!r} "
                    f"at column {token.column}"
                )
            if not _SYMBOL.fullmatch(word):
                raise self.error(
                    f"{word!r} at column {token.column} is not a symbol: symbols are upper case "
                    "as in Kconfig, values are y, m, n, numbers or quoted strings"
                )
            return Sym(word)
        raise self.error(f"expected a symbol, a value, '!' or '(', found {self.describe(token)}")


def parse_expr(text: str, *, path: str, line: int | None) -> Expr:
    """Parse a Kconfig expression; a ProfileError names ``path:line`` and what is wrong."""
    return _Parser(text, path, line).parse()


def symbols(expr: Expr) -> set[str]:
    """Every symbol name the expression reads (constants excluded)."""
    if isinstance(expr, Sym):
        return {expr.name}
    if isinstance(expr, Const):
        return set()
    if isinstance(expr, Not):
        return symbols(expr.operand)
    if isinstance(expr, Compare):
        return symbols(expr.left) | symbols(expr.right)
    return symbols(expr.left) | symbols(expr.right)


def _operand(node: Sym | Const, lookup: Lookup) -> tuple[SymbolType, str] | None:
    if isinstance(node, Const):
        return node.type, node.value
    return lookup(node.name)


def _tristate(typed: tuple[SymbolType, str]) -> Tristate:
    kind, value = typed
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE, SymbolType.UNKNOWN):
        # UNKNOWN covers a .config read without a tree (its types are not known) and undefined
        # symbols, whose value is their name and so never y/m/n.
        return Tristate.parse(value) or Tristate.N
    return Tristate.N  # int/hex/string symbols are n in a logical context


# kconfiglib's int(value, 10) and int(value, 0) also take a plus sign.
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_EITHER = re.compile(r"[-+]?[0-9]+|0[xX][0-9a-fA-F]+")


def number(typed: tuple[SymbolType, str]) -> int | None:
    """A typed value as a number the way Kconfig compares it, or None when it is not one."""
    # kconfiglib's _sym_to_num: bool/tristate count as 0/1/2, int is base 10, hex base 16,
    # anything else "base 0" (decimal or 0x-prefixed hex).
    kind, value = typed
    if kind in (SymbolType.BOOL, SymbolType.TRISTATE):
        parsed = Tristate.parse(value)
        return None if parsed is None else int(parsed)
    if kind is SymbolType.INT:
        return int(value, 10) if _DECIMAL.fullmatch(value) else None
    if kind is SymbolType.HEX:
        return int(value, 16) if HEX_FORM.fullmatch(value) else None
    return int(value, 0) if _EITHER.fullmatch(value) and not _leading_zero(value) else None


def _leading_zero(value: str) -> bool:
    # Python's base 0 (like kconfiglib's int(x, 0)) rejects "010": leave it a string.
    digits = value.lstrip("+-")
    return len(digits) > 1 and digits[0] == "0" and digits[1] not in "xX"


def compare(op: str, left: tuple[SymbolType, str], right: tuple[SymbolType, str]) -> bool:
    """Kconfig's comparison of two typed values (``op`` is one of ``= != < <= > >=``).

    Also accepts ``==``, the spelling profiles use in ``want``.
    """
    left_num = right_num = None
    # Two string symbols always compare as strings, even when they hold digits.
    if not (left[0] is SymbolType.STRING and right[0] is SymbolType.STRING):
        left_num, right_num = number(left), number(right)
    if left_num is not None and right_num is not None:
        diff = left_num - right_num
    else:
        diff = (left[1] > right[1]) - (left[1] < right[1])
    if op in ("=", "=="):
        return diff == 0
    if op == "!=":
        return diff != 0
    if op == "<":
        return diff < 0
    if op == "<=":
        return diff <= 0
    if op == ">":
        return diff > 0
    if op == ">=":
        return diff >= 0
    raise ValueError(f"not a comparison operator: {op!r}")


_ORDERING = ("<", "<=", ">", ">=")


def holds(expect: Expectation, kind: SymbolType, value: str) -> bool:
    """Does a symbol of type ``kind`` with final value ``value`` meet a requirement's ``want``?

    The one rule the check (kcheck.engine), the fix planner and the fixer all apply. A
    bool/tristate want holds when the value is one of those allowed; a comparison as Kconfig
    compares, except that ``<``/``<=``/``>``/``>=`` need two numbers: a string or an int with
    no value ("") is not ``< 5``, unlike Kconfig's fallback to comparing strings.
    """
    if expect.is_tristate:
        parsed = Tristate.parse(value)
        return parsed is not None and parsed in expect.allowed
    op = expect.op or "=="
    typed = (kind, value)
    operand = (SymbolType.UNKNOWN, expect.operand or "")
    if op in _ORDERING and (number(typed) is None or number(operand) is None):
        return False
    return compare(op, typed, operand)


def evaluate(expr: Expr, lookup: Lookup) -> Tristate | None:
    """The expression's tristate value, or None when an unknowable symbol decides it."""
    if isinstance(expr, Const):
        return _tristate((expr.type, expr.value))
    if isinstance(expr, Sym):
        typed = lookup(expr.name)
        return None if typed is None else _tristate(typed)
    if isinstance(expr, Not):
        inner = evaluate(expr.operand, lookup)
        return None if inner is None else Tristate(2 - inner)
    if isinstance(expr, Compare):
        left = _operand(expr.left, lookup)
        right = _operand(expr.right, lookup)
        if left is None or right is None:
            return None
        return Tristate.Y if compare(expr.op, left, right) else Tristate.N
    left_value = evaluate(expr.left, lookup)
    right_value = evaluate(expr.right, lookup)
    if isinstance(expr, And):
        # n && anything is n, so an unknown side does not matter when the other is n.
        if Tristate.N in (left_value, right_value):
            return Tristate.N
        if left_value is None or right_value is None:
            return None
        return min(left_value, right_value)
    if Tristate.Y in (left_value, right_value):
        return Tristate.Y
    if left_value is None or right_value is None:
        return None
    return max(left_value, right_value)
