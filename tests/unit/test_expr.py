"""Kconfig expressions in ``when``: parsing, kconfiglib's evaluation rules, unknowns, errors."""

from __future__ import annotations

import pytest

from kcheck.errors import ProfileError
from kcheck.expr import And, Compare, Const, Not, Or, Sym, compare, evaluate, parse_expr, symbols
from kcheck.model import SymbolType, Tristate

Y, M, N = Tristate.Y, Tristate.M, Tristate.N

# Final values as a tree would give them. U is undefined (Kconfig: n, its name as a string);
# Q is absent: its value cannot be known.
SYMBOLS: dict[str, tuple[SymbolType, str]] = {
    "Y": (SymbolType.TRISTATE, "y"),
    "M": (SymbolType.TRISTATE, "m"),
    "N": (SymbolType.TRISTATE, "n"),
    "B": (SymbolType.BOOL, "y"),
    "S": (SymbolType.STRING, "hello"),
    "S5": (SymbolType.STRING, "5"),
    "S9": (SymbolType.STRING, "9"),
    "S10": (SymbolType.STRING, "10"),
    "I": (SymbolType.INT, "10"),
    "H": (SymbolType.HEX, "0x10"),
    "U": (SymbolType.UNKNOWN, "U"),
    "W": (SymbolType.UNKNOWN, "y"),  # a .config read without a tree: type unknown, value y
}


def lookup(name: str) -> tuple[SymbolType, str] | None:
    return SYMBOLS.get(name)


def value_of(text: str) -> Tristate | None:
    return evaluate(parse_expr(text, path="p.toml", line=1), lookup)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y", Y),
        ("m", M),
        ("n", N),
        ("Y", Y),
        ("M", M),
        ("!M", M),
        ("!Y", N),
        ("!N", Y),
        ("Y && M", M),
        ("N || M", M),
        ("M && B", M),
        ("S", N),  # a string symbol is n in a logical context
        ("I", N),
        ("U", N),  # undefined is n
        ("!U", Y),
        ("W", Y),  # unknown type, value y: taken as written
        ("N && Y || Y", Y),  # && binds tighter than ||
        ("Y || Y && N", Y),
        ("!(Y || Y)", N),
        ("!I = 10", N),  # ! applies to the comparison
        ("(M)", M),
    ],
)
def test_logic(text: str, expected: Tristate) -> None:
    assert value_of(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I = 10", Y),
        ("I = 0xa", Y),  # int vs a constant: numbers in either base
        ("H = 16", Y),  # hex symbol read in base 16
        ("H > I", Y),
        ("I >= 10", Y),
        ("I < 10", N),
        ("I <= 9", N),
        ("I != 10", N),
        ("I > -1", Y),
        ('S = "hello"', Y),
        ('S != "hello"', N),
        ("S5 = 5", Y),  # a string vs a number constant: both parse, so numeric
        ('S5 = "05"', N),  # "05" is not a base-0 number: compared as strings
        ("S9 < S10", N),  # two string symbols always compare as strings
        ("M = m", Y),
        ('M = "m"', Y),  # a quoted "m" is the constant m
        ("M < Y", Y),  # tristates compare as 0/1/2
        ("B != n", Y),
        ('U = "U"', Y),  # an undefined symbol's string value is its name
    ],
)
def test_comparison(text: str, expected: Tristate) -> None:
    assert value_of(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q", None),
        ("!Q", None),
        ("Q && Y", None),
        ("Q || N", None),
        ("Q = y", None),
        ("Q && N", N),  # n && anything is n
        ("N && Q", N),
        ("Q || Y", Y),  # y || anything is y
        ("(Q || Y) && !N", Y),
    ],
)
def test_unknown_symbol(text: str, expected: Tristate | None) -> None:
    assert value_of(text) is expected


def test_parse_builds_the_tree_with_kconfig_precedence() -> None:
    assert parse_expr("A && B || !C", path="p.toml", line=1) == Or(
        And(Sym("A"), Sym("B")), Not(Sym("C"))
    )


def test_parse_comparison_operands() -> None:
    assert parse_expr('A != 0x10 && "s" = 9P_FS', path="p.toml", line=1) == And(
        Compare("!=", Sym("A"), Const("0x10")), Compare("=", Const("s"), Sym("9P_FS"))
    )


def test_parse_tristate_constants() -> None:
    assert parse_expr('"y"', path="p.toml", line=1) == Const("y", SymbolType.TRISTATE)


def test_symbols_lists_names_not_constants() -> None:
    expr = parse_expr('A && !(B || C = D) && y && 5 && "E"', path="p.toml", line=1)
    assert symbols(expr) == {"A", "B", "C", "D"}


def test_compare_accepts_double_equals() -> None:
    assert compare("==", (SymbolType.INT, "4"), (SymbolType.UNKNOWN, "4")) is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "bad when '': the expression is empty"),
        ("   ", "bad when '   ': the expression is empty"),
        ("A &&", "bad when 'A &&': expected a symbol, a value, '!' or '(', found the end"),
        ("(A", "bad when '(A': expected ')' for the '(' at column 1, found the end"),
        ("A B", "bad when 'A B': expected '&&', '||' or the end, found 'B' at column 3"),
        ("A)", "bad when 'A)': expected '&&', '||' or the end, found ')' at column 2"),
        (
            "A = = B",
            "bad when 'A = = B': expected a symbol, a value, '!' or '(', found '=' at column 5",
        ),
        ("A & B", "bad when 'A & B': unexpected '&' at column 3"),
        ('A = "b', "bad when 'A = \"b': unterminated string at column 5"),
        (
            "CONFIG_A",
            "bad when 'CONFIG_A': write symbols without the CONFIG_ prefix: 'A' at column 1",
        ),
        (
            "X86 || ppc",
            "bad when 'X86 || ppc': 'ppc' at column 8 is not a symbol: symbols are upper case "
            "as in Kconfig, values are y, m, n, numbers or quoted strings",
        ),
    ],
)
def test_parse_errors_name_file_line_and_column(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_expr(text, path="p.toml", line=7)
    assert str(caught.value) == f"p.toml:7: {message}"
    assert caught.value.exit_code == 2


def test_parse_error_without_line_names_the_file() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_expr("&&", path="p.toml", line=None)
    assert str(caught.value) == (
        "p.toml: bad when '&&': expected a symbol, a value, '!' or '(', found '&&' at column 1"
    )
