"""Property tests for the .config reader and writer.

Reading what kcheck (or kconfiglib, as ``make olddefconfig``) writes gives back the values
that were written, whatever the names and string contents; and no bytes at all, as a file or
gzip-compressed, make the reader raise anything but ``InputError``.
"""

from __future__ import annotations

import gzip
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kcheck.errors import InputError
from kcheck.kernel.dotconfig import (
    ConfigInput,
    format_assignment,
    format_dotconfig,
    parse_dotconfig,
    parse_fragment,
    read_config,
    read_lines,
    value_type,
)
from kcheck.kernel.tree import LoadedTree
from kcheck.model import SymbolType
from tests.unit.conftest import KCONFIG_CASES, parse_kconfig_dir

NAMES = st.from_regex(r"[A-Za-z0-9_]{1,40}", fullmatch=True)
# Any text a .config line can hold: no line break (the kernel's reader splits on LF), no NUL
# (refused as binary), no lone surrogate (not encodable as UTF-8). Quotes, backslashes, CR,
# form feeds, U+2028 and other characters str.splitlines() would split on are all in.
LINE_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\n\0"), max_size=80
)
TRICKY_TEXT = st.text(st.sampled_from(['"', "\\", "\r", "\x0c", "\u2028", "#", " ", "=", "a"]))
STRINGS = st.one_of(LINE_TEXT, TRICKY_TEXT)
INTS = st.integers(-(2**63), 2**63).map(str)
HEXES = st.one_of(st.integers(0, 2**64).map(hex), st.integers(0, 2**64).map(lambda i: f"0X{i:X}"))
BARE = st.one_of(
    st.sampled_from(["y", "m", "n"]),
    INTS,
    HEXES,
    st.text(
        st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), exclude_characters='"'),
        min_size=1,
        max_size=20,
    ),
)


Case = tuple[dict[str, str], dict[str, SymbolType]]
# Bare values by the type they are written for; "n" of a bool/tristate is "is not set".
TYPED_BARE = st.one_of(
    st.tuples(st.just(SymbolType.TRISTATE), st.sampled_from(["y", "m", "n"])),
    st.tuples(st.just(SymbolType.BOOL), st.sampled_from(["y", "n"])),
    st.tuples(st.just(SymbolType.INT), INTS),
    st.tuples(st.just(SymbolType.HEX), HEXES),
    st.tuples(st.just(SymbolType.UNKNOWN), BARE),
)


@st.composite
def assignments(draw: st.DrawFn) -> Case:
    names = draw(st.lists(NAMES, min_size=1, max_size=20, unique=True))
    values: dict[str, str] = {}
    types: dict[str, SymbolType] = {}
    for name in names:
        if draw(st.booleans()):
            types[name], values[name] = SymbolType.STRING, draw(STRINGS)
        else:
            types[name], values[name] = draw(TYPED_BARE)
    return values, types


@given(assignments())
def test_what_kcheck_writes_reads_back(case: Case) -> None:
    values, types = case
    text = format_dotconfig(values, types)
    config = parse_dotconfig(ConfigInput("w.config", text))
    assert {name: a.value for name, a in config.assignments.items()} == values
    assert [a.line for a in config.assignments.values()] == list(range(1, len(values) + 1))
    # Only strings are written in quotes: the kernel refuses a quoted int, hex or tristate.
    assert config.quoted == {name for name, kind in types.items() if kind is SymbolType.STRING}


@given(assignments())
def test_every_line_reads_back_with_its_symbol_value_quoting_and_line(case: Case) -> None:
    values, types = case
    text = format_dotconfig(values, types)
    lines = list(read_lines(ConfigInput("w.config", text)))
    assert [(line.symbol, line.value, line.line) for line in lines] == [
        (name, value, number) for number, (name, value) in enumerate(values.items(), start=1)
    ]
    for line in lines:
        assert line.quoted is (types[line.symbol] is SymbolType.STRING)


@given(st.one_of(INTS, HEXES))
def test_a_number_without_a_type_is_written_bare(number: str) -> None:
    # The no-tree fix writes what a want such as "== 0x1000000" asks for: value_type() must
    # call it a number, and the writer must then leave it unquoted (issue 13).
    kind = value_type(number, quoted=False)
    assert kind in (SymbolType.INT, SymbolType.HEX)
    assert format_assignment("N", number, kind) == f"CONFIG_N={number}"


@given(STRINGS)
def test_a_quoted_value_is_a_string_whatever_it_looks_like(value: str) -> None:
    assert value_type(value, quoted=True) is SymbolType.STRING


@given(assignments(), assignments())
def test_a_fragment_keeps_every_repeat_with_both_lines(first: Case, second: Case) -> None:
    text = format_dotconfig(first[0], first[1]) + format_dotconfig(second[0], second[1])
    fragment = parse_fragment(ConfigInput("f.config", text))
    offset = len(first[0])
    expected = [
        (name, list(first[0]).index(name) + 1, offset + list(second[0]).index(name) + 1)
        for name in second[0]
        if name in first[0]
    ]
    assert [(r.then.symbol, r.first.line, r.then.line) for r in fragment.repeats] == expected
    assert {name: line.value for name, line in fragment.assignments.items()} == {
        **first[0],
        **second[0],
    }


@given(assignments())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_written_file_reads_back_through_the_bytes_path(tmp_path: Path, case: Case) -> None:
    values, types = case
    path = tmp_path / "w.config"
    path.write_bytes(format_dotconfig(values, types).encode("utf-8"))
    gz = tmp_path / "w.config.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    for source in (path, gz):
        config = parse_dotconfig(read_config(str(source)))
        assert {name: a.value for name, a in config.assignments.items()} == values


@given(STRINGS)
def test_string_lines_escape_quotes_and_backslashes(value: str) -> None:
    line = format_assignment("S", value, SymbolType.STRING)
    assert line.startswith('CONFIG_S="')
    assert line.endswith('"')
    body = line[len('CONFIG_S="') : -1]
    # Every quote in the body is escaped, and unescaping gives the value back.
    assert body.replace("\\\\", "").count('"') == body.replace("\\\\", "").count('\\"')


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("S", "line\nbreak", SymbolType.STRING),
        ("S", "nul\0", SymbolType.STRING),
        ("B", "", SymbolType.UNKNOWN),
        ("I", "", SymbolType.INT),
        ("B", "two words", SymbolType.UNKNOWN),
        ("H", "0x1 0x2", SymbolType.HEX),
        ("B", '"quoted"', SymbolType.UNKNOWN),
        ("CONFIG-X", "y", SymbolType.BOOL),
        ("", "y", SymbolType.TRISTATE),
    ],
)
def test_writer_refuses_what_no_line_can_hold(name: str, value: str, kind: SymbolType) -> None:
    with pytest.raises(ValueError, match=r"CONFIG_|symbol name"):
        format_assignment(name, value, kind)


# --------------------------------------------------------------------------------------------
# Round trip through kconfiglib's writer (what `kcheck resolve` and make olddefconfig write)

_TREE: list[LoadedTree] = []


def roundtrip_tree() -> LoadedTree:
    if not _TREE:
        _TREE.append(parse_kconfig_dir(KCONFIG_CASES / "roundtrip", (7, 2, 0)))
    return _TREE[0]


TRISTATES = st.sampled_from(["y", "m", "n"])


@given(
    flag=st.sampled_from(["y", "n"]),
    driver=TRISTATES,
    num=st.integers(-(2**31), 2**31).map(str),
    addr=st.integers(0, 2**32).map(hex),
    text=STRINGS,
    other=STRINGS,
)
def test_resolved_text_reads_back(
    flag: str, driver: str, num: str, addr: str, text: str, other: str
) -> None:
    values = {
        "MODULES": "y",
        "FLAG": flag,
        "DRIVER": driver,
        "NUM": num,
        "ADDR": addr,
        "TEXT": text,
        "OTHER_TEXT": other,
    }
    tree = roundtrip_tree()
    types = {"NUM": SymbolType.INT, "ADDR": SymbolType.HEX, "TEXT": SymbolType.STRING}
    types |= {"OTHER_TEXT": SymbolType.STRING, "FLAG": SymbolType.BOOL}
    tree.load_values(format_dotconfig(values, types), "in.config")
    assert tree.dropped() == []
    resolved = parse_dotconfig(ConfigInput("out.config", tree.resolved_text()))
    assert {name: resolved.get(name) for name in values} == values


# --------------------------------------------------------------------------------------------
# Arbitrary input


def _read_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "any.config"
    path.write_bytes(data)
    error: InputError | None = None
    try:
        parse_dotconfig(read_config(str(path)))
    except InputError as e:
        error = e
    if error is not None:
        assert "\n" not in str(error)  # one line, always
        assert error.path == str(path)


@given(st.binary(max_size=2000))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_raise_only_input_error(tmp_path: Path, data: bytes) -> None:
    _read_bytes(tmp_path, data)


@given(st.binary(max_size=2000))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_gzip_raises_only_input_error(tmp_path: Path, data: bytes) -> None:
    compressed = gzip.compress(data)
    _read_bytes(tmp_path, compressed)
    _read_bytes(tmp_path, compressed[: len(compressed) // 2])  # cut off
    _read_bytes(tmp_path, b"\x1f\x8b" + data)  # a gzip magic and garbage


CONFIGISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "CONFIG_A=y",
                "# CONFIG_B is not set",
                'CONFIG_S="x\\"y"',
                "CONFIG_",
                "CONFIG_A=",
                'CONFIG_S="open',
                "# Linux/x86_64 6.12.0 Kernel Configuration",
                "# Linux/x86 " + "9" * 5000 + ".1 Kernel Configuration",
                "\r",
                "",
            ]
        ),
        st.text(string.printable, max_size=30),
        st.text(max_size=30),
    ),
    max_size=30,
)


@given(CONFIGISH)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_config_like_text_raises_only_input_error(tmp_path: Path, lines: list[str]) -> None:
    text = "\n".join(lines)
    _read_bytes(tmp_path, text.encode("utf-8", "surrogatepass"))
