"""The .config reader: paths, stdin, gzip, and strict parsing with file:line errors."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import pytest

from kcheck.errors import InputError
from kcheck.kernel.dotconfig import (
    ConfigInput,
    DotConfig,
    Fragment,
    Line,
    detect_arch,
    format_assignment,
    merge_config_text,
    parse_dotconfig,
    parse_fragment,
    read_config,
    read_lines,
    unset_symbol,
    value_type,
)
from kcheck.model import SymbolType

SAMPLE = """#
# Automatically generated file; DO NOT EDIT.
# Linux/x86_64 6.12.117 Kernel Configuration
#
CONFIG_X86_64=y
CONFIG_VIRTIO_NET=m
# CONFIG_VIRTIO_BLK is not set
CONFIG_CMDLINE="console=ttyS0 \\"quoted\\""
CONFIG_NR_CPUS=64
"""


def parse(text: str, name: str = "t.config") -> DotConfig:
    return parse_dotconfig(ConfigInput(name, text))


def test_values_are_unquoted_and_unset_is_n() -> None:
    config = parse(SAMPLE)
    assert config.get("VIRTIO_NET") == "m"
    assert config.get("VIRTIO_BLK") == "n"
    assert config.get("CMDLINE") == 'console=ttyS0 "quoted"'
    assert config.get("NR_CPUS") == "64"
    assert config.get("ABSENT") is None
    assert config.assignments["VIRTIO_NET"].line == 6


@pytest.mark.parametrize(
    ("line", "exact", "before_6_8"),
    [
        ("# CONFIG_PM is not set", "PM", "PM"),
        ("# CONFIG_PM is not set.", None, "PM"),  # strncmp of 10 chars before 6.8
        ("# CONFIG_PM is not settled", None, "PM"),
        ("#CONFIG_PM is not set", None, None),  # line[1] must be a blank
        ("#  CONFIG_PM is not set", None, None),
        ("# CONFIG_PM  is not set", None, None),  # the name ends at the first blank
        ("# CONFIG_PM=n", None, None),
        ("# CONFIG_ is not set", None, None),
        ("# A comment", None, None),
    ],
)
def test_unset_lines_read_as_conf_read_simple_does(
    line: str, exact: str | None, before_6_8: str | None
) -> None:
    assert unset_symbol(line) == exact
    assert unset_symbol(line, exact=False) == before_6_8
    config = parse_fragment(ConfigInput("f", line + "\n"), lenient=True)
    assert [(a.symbol, a.value) for a in config.lines] == ([("PM", "n")] if exact else [])


def test_header_gives_arch_and_version() -> None:
    config = parse(SAMPLE)
    assert config.header_arch == "x86_64"
    assert config.header_version == (6, 12, 117)
    assert config.generated


def test_crlf_is_accepted_like_the_kernel() -> None:
    config = parse(SAMPLE.replace("\n", "\r\n"))
    assert config.get("VIRTIO_NET") == "m"
    assert config.get("CMDLINE") == 'console=ttyS0 "quoted"'


def test_duplicate_assignment_last_wins_with_warning() -> None:
    config = parse("CONFIG_A=y\nCONFIG_A=m\n")
    assert config.get("A") == "m"
    assert config.repeated
    assert config.warnings == (
        "t.config:2: CONFIG_A assigned again (was 'y' on line 1); the last assignment wins",
    )


def test_repeating_the_same_value_is_no_warning_but_is_recorded() -> None:
    config = parse("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_A=y\n")
    assert config.warnings == ()
    assert config.repeated
    assert config.assignments["A"].line == 3
    assert not parse(SAMPLE).repeated


def test_quoted_values_are_recorded_by_their_last_assignment() -> None:
    assert parse(SAMPLE).quoted == {"CMDLINE"}
    config = parse('CONFIG_N="8"\nCONFIG_S=x\nCONFIG_S="y"\nCONFIG_T="z"\nCONFIG_T=z\n')
    assert config.quoted == {"N", "S"}
    assert [config.get(n) for n in "NST"] == ["8", "y", "z"]


@pytest.mark.parametrize("line", ["  CONFIG_A=y", "\tCONFIG_A=y", " # CONFIG_A is not set"])
def test_indented_assignment_is_an_error(line: str) -> None:
    # The kernel's conf_read_simple() skips such a line as "unexpected data".
    with pytest.raises(InputError, match=r"^t.config:2: indented assignment"):
        parse(f"CONFIG_B=y\n{line}\n")


def test_indented_comments_and_blank_lines_are_skipped() -> None:
    config = parse("  # a comment\n   \n\t\nCONFIG_B=y\n# CONFIG_C is not set  \n")
    assert {name: a.line for name, a in config.assignments.items()} == {"B": 4, "C": 5}
    assert config.get("C") == "n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CONFIG_A=y\nhello world\n", "t.config:2: not a config line: 'hello world'"),
        ("CONFIG_A=y\nCONFIG_B\n", "t.config:2: not a config line: 'CONFIG_B'"),
        ('CONFIG_S="open\n', "t.config:1: unterminated string value"),
        ('CONFIG_S="a" b\n', "t.config:1: text after the closing quote"),
        ("CONFIG_A=\n", "t.config:1: malformed value ''"),
        ("# only a comment\n", "t.config: no CONFIG_ assignments found"),
    ],
)
def test_malformed_input_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert str(info.value).startswith(message)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.config: no such file"):
        read_config(str(tmp_path / "nope.config"))


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_config(str(tmp_path))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"CONFIG_A=y\n\0\0", ":2: binary data"),
        (b'CONFIG_A=y\nCONFIG_S="\xff"\n', ":2: invalid UTF-8 at byte 21"),
        (b"\x1f\x8bnot really gzip", "corrupt gzip data"),
    ],
)
def test_bad_bytes(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.config"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_config(str(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_gzip_by_magic(tmp_path: Path) -> None:
    path = tmp_path / "config.gz"
    path.write_bytes(gzip.compress(SAMPLE.encode()))
    assert read_config(str(path)).text == SAMPLE


def test_oversized_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.gz"
    path.write_bytes(gzip.compress(b"#" * (17 * 1024 * 1024)))
    with pytest.raises(InputError, match="larger than 16 MiB"):
        read_config(str(path))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(SAMPLE.encode()))
    monkeypatch.setattr(sys, "stdin", fake)
    config = read_config("-")
    assert config.name == "<stdin>"
    assert config.text == SAMPLE


@pytest.mark.parametrize(
    ("lines", "arch"),
    [
        ("CONFIG_X86_64=y\n", "x86_64"),
        ("CONFIG_X86_32=y\n", "i386"),
        ("CONFIG_ARM64=y\n", "arm64"),
        ("CONFIG_PPC=y\nCONFIG_PPC64=y\n", "powerpc"),
        ("CONFIG_PPC32=y\n", "powerpc"),
        ("# Linux/arm64 6.12.0 Kernel Configuration\nCONFIG_A=y\n", "arm64"),
        ("CONFIG_A=y\n", None),
    ],
)
def test_detect_arch(lines: str, arch: str | None) -> None:
    assert detect_arch(parse(lines)) == arch


def test_check_arch_allows_the_same_family_only() -> None:
    from kcheck.kernel.dotconfig import check_arch

    x86 = parse("# Linux/x86_64 6.12.0 Kernel Configuration\nCONFIG_X86_64=y\nCONFIG_A=y\n")
    check_arch(x86, "x86_64")
    check_arch(x86, "i386")  # make ARCH=i386 olddefconfig makes a 32-bit config of it
    with pytest.raises(InputError) as info:
        check_arch(x86, "arm64")
    assert str(info.value) == (
        "t.config: this config is for x86_64 (CONFIG_X86_64=y on line 2), not for --arch "
        "arm64; leave --arch out, or give a config for that architecture"
    )
    check_arch(parse("CONFIG_A=y\n"), "powerpc")  # nothing says which arch: no objection


def test_lines_end_at_lf_only() -> None:
    config = parse('CONFIG_S="a\x0cb\u2028c\rd"\nCONFIG_T=y\n')
    assert config.get("S") == "a\x0cb\u2028c\rd"
    assert config.assignments["T"].line == 2


def test_overlong_line_is_an_error_with_its_line() -> None:
    from kcheck.kernel.dotconfig import MAX_LINE_CHARS

    with pytest.raises(InputError, match=r"^t.config:2: line is 65537 characters long"):
        parse("CONFIG_A=y\n#" + "x" * MAX_LINE_CHARS + "\n")


def test_header_with_absurd_version_is_ignored() -> None:
    config = parse("# Linux/x86 " + "9" * 5000 + ".1 Kernel Configuration\nCONFIG_A=y\n")
    assert config.header_version is None


def test_truncated_gzip_is_an_error(tmp_path: Path) -> None:
    data = gzip.compress(SAMPLE.encode())
    (tmp_path / "cut.gz").write_bytes(data[: len(data) - 10])
    with pytest.raises(InputError, match="truncated gzip data"):
        read_config(str(tmp_path / "cut.gz"))


# --------------------------------------------------------------------------------------------
# Fragments, the writer and merge_config.sh's merge


def fragment(text: str) -> Fragment:
    return parse_fragment(ConfigInput("f.config", text))


def test_fragment_keeps_every_assignment_with_its_line() -> None:
    frag = fragment('# comment\nCONFIG_A=y\n\n# CONFIG_B is not set\nCONFIG_S="x \\"y\\""\n')
    assert frag.lines == (
        Line("A", "y", False, 2),
        Line("B", "n", False, 4),
        Line("S", 'x "y"', True, 5),
    )
    assert frag.repeats == ()


def test_fragment_reports_a_repeated_symbol_with_both_lines() -> None:
    frag = fragment("CONFIG_A=y\nCONFIG_B=m\nCONFIG_A=y\n# CONFIG_B is not set\n")
    assert [(r.first.symbol, r.first.line, r.then.line) for r in frag.repeats] == [
        ("A", 1, 3),
        ("B", 2, 4),
    ]
    # The last one wins, as in merge_config.sh and the kernel.
    assert {name: line.value for name, line in frag.assignments.items()} == {"A": "y", "B": "n"}


def test_a_fragment_may_assign_nothing() -> None:
    assert fragment("# only a comment\n").lines == ()
    with pytest.raises(InputError, match="no CONFIG_ assignments"):
        parse("# only a comment\n")


def test_fragment_errors_name_file_and_line() -> None:
    with pytest.raises(InputError, match=r"^f.config:2: not a config line"):
        fragment("CONFIG_A=y\nA=y\n")
    with pytest.raises(InputError, match=r"^f.config:1: indented assignment"):
        fragment("  CONFIG_A=y\n")


def test_lenient_reading_skips_what_the_kernel_skips() -> None:
    text = 'CONFIG_A=y\nA=y\n  CONFIG_B=y\nCONFIG_S="open\nCONFIG_C=m\n'
    assert [line.symbol for line in read_lines(ConfigInput("t", text), lenient=True)] == ["A", "C"]
    assert parse_dotconfig(ConfigInput("t", "junk\n"), lenient=True).assignments == {}


@pytest.mark.parametrize(
    ("value", "kind", "line"),
    [
        ("y", SymbolType.BOOL, "CONFIG_X=y"),
        ("n", SymbolType.BOOL, "# CONFIG_X is not set"),
        ("n", SymbolType.TRISTATE, "# CONFIG_X is not set"),
        ("n", SymbolType.UNKNOWN, "# CONFIG_X is not set"),
        ("n", SymbolType.STRING, 'CONFIG_X="n"'),
        ("-1", SymbolType.INT, "CONFIG_X=-1"),
        ("0x1000000", SymbolType.HEX, "CONFIG_X=0x1000000"),
        ("", SymbolType.STRING, 'CONFIG_X=""'),
        ('a "b" \\c', SymbolType.STRING, 'CONFIG_X="a \\"b\\" \\\\c"'),
    ],
)
def test_writer_writes_as_conf_write(value: str, kind: SymbolType, line: str) -> None:
    assert format_assignment("X", value, kind) == line


@pytest.mark.parametrize(
    ("value", "quoted", "kind"),
    [
        ("m", False, SymbolType.TRISTATE),
        ("0x1000000", False, SymbolType.HEX),
        ("0XfF", False, SymbolType.HEX),
        ("-1", False, SymbolType.INT),
        ("64", False, SymbolType.INT),
        ("64", True, SymbolType.STRING),
        ("y", True, SymbolType.STRING),
        ("0x", False, SymbolType.STRING),
        ("1.5", False, SymbolType.STRING),
        ("--1", False, SymbolType.STRING),
    ],
)
def test_value_type_from_the_form_of_a_value(value: str, quoted: bool, kind: SymbolType) -> None:
    assert value_type(value, quoted) is kind


def test_merge_drops_the_base_lines_of_assigned_symbols_and_appends_the_fragment() -> None:
    base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_AB=y\nCONFIG_C=m\n"
    frag = "# why\nCONFIG_B=y\n# CONFIG_A is not set\n"
    assert merge_config_text(base, frag) == "CONFIG_AB=y\nCONFIG_C=m\n" + "\n" + frag
