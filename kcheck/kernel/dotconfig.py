"""Kernel .config text, both ways: the one reader and the one writer of its lines.

This module owns the input side of a config -- the bytes from a path, stdin (``-``), a
``.gz`` or the running kernel (with size, NUL and encoding checks), the assignments of a
.config or a fragment with their line numbers (:func:`read_lines`, :func:`parse_dotconfig`,
:func:`parse_fragment`), and what the header and symbols say about the architecture and
kernel version -- and the output side: one line per assignment as the kernel's conf_write()
puts it (:func:`format_assignment`), and merge_config.sh's merge of a fragment. It does not
know Kconfig semantics: values are the strings as written (``"n"`` for ``# CONFIG_X is not
set``), unquoted and unescaped like the kernel's ``conf_read_simple()`` does.
"""

from __future__ import annotations

import bisect
import itertools
import platform
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kcheck import arches
from kcheck.errors import InputError
from kcheck.model import SymbolType

# A Debian .config is about 300 KB; anything past this is not a kernel config, and reading
# it whole would only waste memory before failing anyway.
MAX_CONFIG_BYTES = 16 * 1024 * 1024
# The longest line a real config has is a string such as CONFIG_CMDLINE or
# CONFIG_EXTRA_FIRMWARE, a few KB at most (COMMAND_LINE_SIZE is 4096 on x86 and 2048 on
# arm64). A longer line is a sign of a wrong file, and matching it costs time for nothing.
MAX_LINE_CHARS = 64 * 1024

_ASSIGN_RE = re.compile(r"CONFIG_([A-Za-z0-9_]+)=(.*)")
# Every line of a config: ``CONFIG_X=y|m``, ``# CONFIG_X is not set``, or anything else.
# Names are bounded so that an overlong line always reaches the length check.
_LINE_RE = re.compile(
    r"^(?:CONFIG_([A-Za-z0-9_]{1,256})=([ym])|# CONFIG_([A-Za-z0-9_]{1,256}) is not set|(.*))$",
    re.M,
)
# Bounded digits: int() refuses strings of more than 4300 digits (CVE-2020-10735).
_HEADER_RE = re.compile(
    r"# Linux/(\S+) ([0-9]{1,9})\.([0-9]{1,9})(?:\.([0-9]{1,9}))?\S* Kernel Configuration"
)
_ARCH_DIR_RE = re.compile(r"(?:^|/)arch/([a-z0-9_]+)/configs/")


class Assignment(NamedTuple):
    """One ``CONFIG_X=...`` or ``# CONFIG_X is not set`` line, value unquoted.

    A NamedTuple rather than a frozen dataclass: a Debian config has ~10,000 of them and
    reading many configs in a batch is dominated by creating them.
    """

    value: str
    line: int


@dataclass(frozen=True)
class ConfigInput:
    """The text of a config and the name to show for it (a path, ``<stdin>``, ...)."""

    name: str
    text: str
    path: Path | None = None


@dataclass(frozen=True)
class DotConfig:
    """A parsed .config: assignments in file order (last one wins), header facts, warnings."""

    name: str
    text: str
    assignments: dict[str, Assignment]
    header_arch: str | None = None
    header_version: tuple[int, int, int] | None = None
    warnings: tuple[str, ...] = field(default=())
    path: Path | None = None
    # Symbols whose value was written in quotes (a string, or a quoted int the kernel
    # rejects), and whether any symbol is assigned more than once.
    quoted: frozenset[str] = frozenset()
    repeated: bool = False

    def get(self, name: str) -> str | None:
        """The value the file assigns to ``name`` (without CONFIG_), or None."""
        a = self.assignments.get(name)
        return None if a is None else a.value

    def enabled(self, name: str) -> bool:
        return self.get(name) in ("y", "m")

    @property
    def generated(self) -> bool:
        """True for a full config written by the kernel's tools (not a defconfig/fragment)."""
        return "# Automatically generated file; DO NOT EDIT." in self.text[:300]


def read_config(source: str) -> ConfigInput:
    """Read a config from a path, ``-`` (stdin) or a gzip file (by magic, not by name)."""
    return read_input(source, "a kernel config")


def read_input(source: str, what: str) -> ConfigInput:
    """Read any text input kcheck takes -- a config, a fragment, a QEMU command file, a libvirt
    domain -- from a path, ``-`` (stdin) or a gzip file, with the same limits and one-line
    errors; ``what`` names what was expected (``"a libvirt domain"``) in them."""
    if source == "-":
        data = _read_limited(sys.stdin.buffer, "<stdin>", what)
        return ConfigInput("<stdin>", _decode(data, "<stdin>", what))
    path = Path(source)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", path=source) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=source) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"is a directory, not {what}", path=source)
    try:
        with path.open("rb") as f:
            data = _read_limited(f, source, what)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", path=source) from None
    return ConfigInput(source, _decode(data, source, what), path)


def running_kernel_config() -> ConfigInput:
    """The running kernel's config, from the places distributions and the kernel put it."""
    release = platform.release()
    candidates = [
        Path("/proc/config.gz"),
        Path(f"/boot/config-{release}"),
        Path(f"/lib/modules/{release}/config"),
    ]
    for candidate in candidates:
        if candidate.is_file():
            return read_config(str(candidate))
    tried = ", ".join(str(c) for c in candidates)
    raise InputError(
        f"cannot find the running kernel's config (tried {tried}); pass a .config path",
        path="<running kernel>",
    )


def _read_limited(stream: object, name: str, what: str) -> bytes:
    read = getattr(stream, "read")  # noqa: B009 - binary streams from files and stdin alike
    data: bytes = read(MAX_CONFIG_BYTES + 1)
    if data[:2] == b"\x1f\x8b":
        try:
            # Decompress at most the limit so a gzip bomb cannot exhaust memory.
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            data = d.decompress(data + read(MAX_CONFIG_BYTES), MAX_CONFIG_BYTES + 1)
        except (zlib.error, OSError, EOFError) as e:
            raise InputError(f"corrupt gzip data: {e}", path=name) from None
        if len(data) <= MAX_CONFIG_BYTES and not d.eof:
            # zcat says "unexpected end of file"; a cut-off config must not pass as whole.
            raise InputError("truncated gzip data (the file ends early)", path=name)
    if len(data) > MAX_CONFIG_BYTES:
        raise InputError(
            f"larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MiB; not {what}", path=name
        )
    return data


def _decode(data: bytes, name: str, what: str) -> str:
    if not data.strip():
        raise InputError(f"empty file; expected {what}", path=name)
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"binary data (NUL byte); not {what}", path=name, line=line)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"invalid UTF-8 at byte {e.start}", path=name, line=line) from None


class Line(NamedTuple):
    """One assignment line of a .config or fragment, as the reader returns it: the symbol
    (no ``CONFIG_``), the value unquoted and unescaped (``"n"`` for ``# CONFIG_X is not
    set``), whether it was written in quotes, and its 1-based line number."""

    symbol: str
    value: str
    quoted: bool
    line: int


def read_lines(config: ConfigInput, *, lenient: bool = False) -> Iterator[Line]:
    """Every assignment of a .config or fragment text, in file order (repeats included).

    This is the one reader of .config text; :func:`parse_dotconfig` is it with a fast path for
    the two shapes of nearly every line the kernel writes. Strict by default (README
    "Inputs"): a line that is not a blank, a comment or a well-formed assignment raises
    InputError naming ``file:line``. ``lenient`` skips such lines instead, as the kernel's
    conf_read() does ("unexpected data"): for text kcheck wrote itself, or text kconfiglib
    reads anyway.
    """
    name = config.name
    for lineno, (set_name, set_value, unset_name, other) in enumerate(
        _LINE_RE.findall(config.text), start=1
    ):
        if set_name:
            yield Line(set_name, set_value, False, lineno)
        elif unset_name:
            yield Line(unset_name, "n", False, lineno)
        else:
            parsed = _other_line(other, name, lineno, lenient)
            if parsed is not None:
                yield Line(*parsed, lineno)


def parse_dotconfig(config: ConfigInput, *, lenient: bool = False) -> DotConfig:
    """Parse assignments like the kernel's conf_read_simple(), but strictly.

    CRLF endings are accepted (the kernel strips the CR too). A duplicate assignment is
    a warning and the last one wins, as in the kernel. A line that is neither a comment, a
    blank, nor a well-formed assignment is an error: a gate must not guess at garbage; so is
    an indented assignment, which the kernel's tools skip as "unexpected data".
    Lines end at LF only, as for the kernel's getline(): a string value may hold a form
    feed or U+2028, which ``str.splitlines()`` would take for line ends. ``lenient`` (see
    :func:`read_lines`) skips bad lines and accepts a text with no assignment at all.
    """
    text = config.text
    name = config.name
    assignments: dict[str, Assignment] = {}
    quoted: set[str] = set()
    lines = 0  # assignment lines; more than len(assignments) means a symbol was repeated
    # The loop of read_lines() inlined: one match per line (the last alternative takes
    # whatever the first two do not), so a row's index is its line number, and the two
    # shapes of nearly every line are picked apart by the regex engine, not by Python code.
    new = tuple.__new__  # Assignment(value, line) without NamedTuple's Python-level __new__
    for lineno, (set_name, set_value, unset_name, other) in enumerate(
        _LINE_RE.findall(text), start=1
    ):
        if set_name:
            assignments[set_name] = new(Assignment, (set_value, lineno))
        elif unset_name:
            assignments[unset_name] = new(Assignment, ("n", lineno))
        elif not other or (
            other[0] == "#" and len(other) <= MAX_LINE_CHARS and not other.startswith("# CONFIG_")
        ):
            continue  # a blank line or a comment
        else:
            parsed = _other_line(other, name, lineno, lenient)
            if parsed is None:
                continue
            sym, value, is_quoted = parsed
            assignments[sym] = Assignment(value, lineno)
            if is_quoted:
                quoted.add(sym)
        lines += 1
    if not assignments and not lenient:
        raise InputError("no CONFIG_ assignments found; not a kernel config", path=name)
    warnings: tuple[str, ...] = ()
    if lines > len(assignments):
        warnings, quoted = _repeated(config, lenient)
    header_arch, header_version = _header(text)
    return DotConfig(
        name=name,
        text=text,
        assignments=assignments,
        header_arch=header_arch,
        header_version=header_version,
        warnings=warnings,
        path=config.path,
        quoted=frozenset(quoted),
        repeated=lines > len(assignments),
    )


def _other_line(raw: str, name: str, lineno: int, lenient: bool) -> tuple[str, str, bool] | None:
    """A line that is not ``CONFIG_X=y|m`` or ``# CONFIG_X is not set``: (symbol, value,
    quoted) for an assignment, None for a blank or a comment, InputError for anything else
    (None when ``lenient``)."""
    try:
        return _odd_line(raw, name, lineno)
    except InputError:
        if lenient:
            return None
        raise


def _odd_line(raw: str, name: str, lineno: int) -> tuple[str, str, bool] | None:
    if len(raw) > MAX_LINE_CHARS:
        raise InputError(
            f"line is {len(raw)} characters long (at most {MAX_LINE_CHARS}); not a kernel config",
            path=name,
            line=lineno,
        )
    line = raw.rstrip()  # trailing blanks and the CR of a CRLF file, as kconfiglib does
    if not line:
        return None
    if line[0].isspace():
        stripped = line.lstrip()
        if stripped.startswith("CONFIG_") or unset_symbol(stripped) is not None:
            raise InputError(
                "indented assignment; the kernel's tools skip it as unexpected data",
                path=name,
                line=lineno,
            )
        if stripped.startswith("#"):
            return None
        line = stripped
    elif line.startswith("#"):
        unset = unset_symbol(line)
        return None if unset is None else (unset, "n", False)
    m = _ASSIGN_RE.fullmatch(line)
    if not m:
        shown = line if len(line) <= 60 else line[:57] + "..."
        raise InputError(
            f"not a config line: {shown!r} (expected CONFIG_NAME=value or a # comment)",
            path=name,
            line=lineno,
        )
    text = m.group(2)
    return m.group(1), _parse_value(text, name, lineno), text.startswith('"')


def unset_symbol(line: str, *, exact: bool = True) -> str | None:
    """The symbol a ``#`` line sets to n, as the kernel's conf_read_simple() reads it (trailing
    blanks already stripped): ``# CONFIG_`` + the name up to the next blank + ``is not set``,
    exactly since Linux 6.8; before it (``exact=False``) only those 10 characters were
    compared, so ``# CONFIG_X is not set.`` set X to n too. None for any other comment."""
    if not line.startswith("# CONFIG_"):
        return None
    name, blank, rest = line[9:].partition(" ")
    if (
        not name
        or not blank
        or not (rest == "is not set" or (not exact and rest.startswith("is not set")))
    ):
        return None
    return name if _NAME_RE.fullmatch(name) else None


@dataclass(frozen=True)
class Repeat:
    """A symbol assigned twice: the earlier and the later line (the later one wins)."""

    first: Line
    then: Line


def repeats(lines: Iterable[Line]) -> Iterator[Repeat]:
    """Each assignment of a symbol already assigned, with the one before it."""
    seen: dict[str, Line] = {}
    for line in lines:
        previous = seen.get(line.symbol)
        if previous is not None:
            yield Repeat(previous, line)
        seen[line.symbol] = line


def _repeated(config: ConfigInput, lenient: bool) -> tuple[tuple[str, ...], set[str]]:
    """For a config that assigns some symbol more than once (rare: a second, slower pass):
    the warnings, and the symbols whose last assignment is quoted."""
    lines = list(read_lines(config, lenient=lenient))
    warnings = tuple(
        f"{config.name}:{r.then.line}: CONFIG_{r.then.symbol} assigned again (was "
        f"{r.first.value!r} on line {r.first.line}); the last assignment wins"
        for r in repeats(lines)
        if r.first.value != r.then.value
    )
    last = {line.symbol: line.quoted for line in lines}
    return warnings, {symbol for symbol, is_quoted in last.items() if is_quoted}


@dataclass(frozen=True)
class Fragment:
    """A config fragment (a .config subset, as ``merge_config.sh`` merges it): every
    assignment line in file order, repeats included, each with its line number."""

    name: str
    text: str
    lines: tuple[Line, ...]
    path: Path | None = None

    @property
    def assignments(self) -> dict[str, Line]:
        """Symbol -> its last assignment (the one that wins), in first-assignment order."""
        return {line.symbol: line for line in self.lines}

    @property
    def repeats(self) -> tuple[Repeat, ...]:
        """The symbols assigned more than once, each repeat with the line before it."""
        return tuple(repeats(self.lines))


def parse_fragment(config: ConfigInput, *, lenient: bool = False) -> Fragment:
    """Read a fragment with the same rules as a .config (:func:`read_lines`); unlike a
    .config, a fragment may assign nothing (only comments) and keeps every repeat."""
    return Fragment(
        config.name, config.text, tuple(read_lines(config, lenient=lenient)), config.path
    )


_BARE_VALUE_RE = re.compile(r"\S+")
_QUOTED_VALUE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*')
_ESCAPE_RE = re.compile(r"\\(.)")


def unescape(body: str) -> str:
    """The text between the quotes of a .config string (or a profile's quoted want): a
    backslash escapes the character after it, as the kernel's conf_read() reads it."""
    return _ESCAPE_RE.sub(r"\1", body) if "\\" in body else body


def _parse_value(text: str, name: str, lineno: int) -> str:
    if not text.startswith('"'):
        if not _BARE_VALUE_RE.fullmatch(text):
            raise InputError(f"malformed value {text!r}", path=name, line=lineno)
        return text
    # The common, well-formed case in one regex; the loop below finds what is wrong otherwise.
    quoted = _QUOTED_VALUE_RE.fullmatch(text)
    if quoted:
        return unescape(quoted.group(1))
    # A quoted string: backslash escapes a quote or a backslash, as in the kernel.
    out: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            if text[i + 1 :].strip():
                raise InputError("text after the closing quote", path=name, line=lineno)
            return "".join(out)
        out.append(c)
        i += 1
    raise InputError("unterminated string value", path=name, line=lineno)


#: The forms the kernel's sym_string_valid() (scripts/kconfig/symbol.c) takes for an int symbol
#: (an optional minus, decimal digits) and a hex symbol (an optional 0x, hex digits).
INT_FORM = re.compile(r"-?[0-9]+")
HEX_FORM = re.compile(r"(?:0[xX])?[0-9a-fA-F]+")
#: A number written out where no symbol type says which (a bare value of a symbol no tree
#: knows, a profile's operand): decimal with an optional minus, or 0x-prefixed hex.
NUMBER_FORM = re.compile(r"-?[0-9]+|0[xX][0-9a-fA-F]+")


def value_type(value: str, quoted: bool) -> SymbolType:
    """The type a value's own form says, for when no tree knows the symbol: quoted is a
    string; y/m/n a tristate; ``0x``-prefixed hex digits hex; decimal digits (with a minus)
    an int; anything else a string. A guess, but the one the kernel's reader agrees with:
    conf_read() takes a quoted value only for a string symbol and a bare one only for the
    others (sym_string_valid()), so writing a number bare is what an int/hex symbol needs."""
    if quoted:
        return SymbolType.STRING
    if value in ("y", "m", "n"):
        return SymbolType.TRISTATE
    if NUMBER_FORM.fullmatch(value):
        return SymbolType.INT if INT_FORM.fullmatch(value) else SymbolType.HEX
    return SymbolType.STRING


_NAME_RE = re.compile(r"[A-Za-z0-9_]+")


def quote(value: str) -> str:
    """A string value as a .config writes it: in quotes, ``"`` and ``\\`` escaped by a
    backslash (conf_write()'s escaping; :func:`unescape` undoes it)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_assignment(name: str, value: str, kind: SymbolType) -> str:
    """One .config line for ``name`` (without CONFIG_), as the kernel's conf_write() puts it.

    This is the one writer of .config lines. A string symbol's value is quoted
    (:func:`quote`); ``n`` of a bool/tristate (or of a symbol of unknown type) is
    ``# CONFIG_X is not set``; every other value (y, m, int, hex) is bare: the kernel
    rejects a quoted int or hex. ValueError for what no .config line can hold: a line break
    or NUL in a string, or a bare value that is empty or holds blanks or a quote.
    :func:`read_lines` reads the line back as ``value``.
    """
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"not a Kconfig symbol name: {name!r}")
    if kind is SymbolType.STRING:
        if "\n" in value or "\0" in value:
            raise ValueError(f"CONFIG_{name}: a .config string cannot hold a line break or NUL")
        return f"CONFIG_{name}={quote(value)}"
    if value == "n" and kind in (SymbolType.BOOL, SymbolType.TRISTATE, SymbolType.UNKNOWN):
        return f"# CONFIG_{name} is not set"
    if not value or value.startswith('"') or any(c.isspace() or c == "\0" for c in value):
        raise ValueError(f"CONFIG_{name}: {value!r} cannot be written unquoted")
    return f"CONFIG_{name}={value}"


def format_dotconfig(values: Mapping[str, str], types: Mapping[str, SymbolType]) -> str:
    """A .config (or fragment) text assigning ``values`` in order, each symbol written as its
    type in ``types`` says (unknown when absent). Writing it to a file is
    ``kcheck.output.write_atomic``'s job."""
    unknown = SymbolType.UNKNOWN
    return "".join(
        format_assignment(name, value, types.get(name, unknown)) + "\n"
        for name, value in values.items()
    )


# merge_config.sh's two sed expressions that list a fragment's symbols (SED_CONFIG_EXP1/2):
# a line that starts ``CONFIG_X=`` (any value, even one the kernel rejects), or is exactly
# ``# CONFIG_X is not set`` (so not with a CR or a blank after it).
_MERGE_SET_RE = re.compile(r"^(CONFIG_[a-zA-Z0-9_]*)=")
_MERGE_UNSET_RE = re.compile(r"^# (CONFIG_[a-zA-Z0-9_]*) is not set$")
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _text_lines(text: str) -> list[str]:
    """The lines of ``text`` as sed and grep see them: ended by LF only, each keeping it."""
    parts = text.split("\n")
    last = parts.pop()
    return [part + "\n" for part in parts] + ([last] if last else [])


class _NameIndex:
    """Where the names a fragment sets occur in a list of lines, for merge_config.sh's
    ``grep -w $CFG`` (the name as a whole word: no word character before or after it) and
    ``sed "/$CFG[ =]/d"`` (the name anywhere, even inside a longer word, followed by a blank
    or ``=``). Only those names are looked for, each with ``str.find`` over the whole text:
    a fragment sets a few names, a base config has thousands of lines."""

    def __init__(self, lines: list[str], names: Iterable[str]) -> None:
        self.words: dict[str, list[int]] = {}
        self.deletable: dict[str, list[int]] = {}
        text = "".join(lines)
        starts = list(itertools.accumulate((len(line) for line in lines), initial=0))
        for name in names:
            words: list[int] = []
            deletable: list[int] = []
            at = text.find(name)
            while at >= 0:
                end = at + len(name)
                after = text[end] if end < len(text) else "\n"
                if after not in _WORD_CHARS:
                    index = bisect.bisect_right(starts, at) - 1
                    if (at == 0 or text[at - 1] not in _WORD_CHARS) and words[-1:] != [index]:
                        words.append(index)  # grep prints a line once
                    if after in " =" and deletable[-1:] != [index]:
                        deletable.append(index)
                at = text.find(name, at + 1)
            self.words[name] = words
            self.deletable[name] = deletable


@dataclass(frozen=True)
class Redefinition:
    """merge_config.sh's "Value of CONFIG_X is redefined by fragment F": the lines that
    mentioned the name before (``previous``: what ``grep -w`` printed, lines of the base or of
    earlier fragments, as (source, line) like :attr:`MergedText.origins`) and the
    fragment's own (``source`` is the fragment's number, from 1)."""

    symbol: str  # without CONFIG_
    source: int
    previous: tuple[tuple[int, int] | None, ...]
    previous_text: str
    new_text: str


@dataclass(frozen=True)
class MergedText:
    """The text ``merge_config.sh -m BASE FRAGMENT...`` writes, with where each line came
    from: ``origins[i]`` is (source, 1-based line) of line i (source 0 is the base, i the
    i-th fragment), ``None`` for the empty lines merge_config.sh adds itself."""

    text: str
    origins: tuple[tuple[int, int] | None, ...]
    redefinitions: tuple[Redefinition, ...]


def merge_configs(base: str, fragments: Iterable[str]) -> MergedText:
    """``scripts/kconfig/merge_config.sh -m base fragment...`` (Linux 6.12), exactly.

    For each fragment text in turn: every name its lines set (``CONFIG_X=...`` or
    exactly ``# CONFIG_X is not set``) that the text so far mentions as a word (``grep -w``)
    has its lines removed from it -- every line holding the name followed by a blank or ``=``,
    comments too, as its ``sed`` does -- with a :class:`Redefinition` when those lines differ
    from the fragment's own; then an empty line and the whole fragment are appended.
    """
    lines = _text_lines(base)
    origins: list[tuple[int, int] | None] = [(0, n) for n in range(1, len(lines) + 1)]
    redefinitions: list[Redefinition] = []
    for source, fragment in enumerate(fragments, start=1):
        own = _text_lines(fragment)
        names = [
            match.group(1)
            for match in (
                _MERGE_SET_RE.match(body) or _MERGE_UNSET_RE.match(body)
                for body in (line.rstrip("\n") for line in own)
            )
            if match is not None
        ]
        own_index = _NameIndex(own, dict.fromkeys(names))
        index = _NameIndex(lines, dict.fromkeys(names))
        removed: set[int] = set()
        for cfg in names:
            present = [i for i in index.words.get(cfg, ()) if i not in removed]
            if not present:
                continue
            previous = "\n".join(lines[i].rstrip("\n") for i in present)
            new = "\n".join(own[i].rstrip("\n") for i in own_index.words.get(cfg, ()))
            if previous != new:
                redefinitions.append(
                    Redefinition(
                        cfg.removeprefix("CONFIG_"),
                        source,
                        tuple(origins[i] for i in present),
                        previous,
                        new,
                    )
                )
            removed.update(index.deletable.get(cfg, ()))
        kept = [i for i in range(len(lines)) if i not in removed]
        lines = [lines[i] for i in kept]
        origins = [origins[i] for i in kept]
        # "echo >> $TMP_FILE" (in case the previous file lacks a new line at the end)
        lines.append("\n")
        origins.append(None)
        lines += own
        origins += [(source, n) for n in range(1, len(own) + 1)]
    return MergedText("".join(lines), tuple(origins), tuple(redefinitions))


def merge_config_text(base: str, fragment: str) -> str:
    """``scripts/kconfig/merge_config.sh -m base fragment``: the merged text alone (see
    :func:`merge_configs`)."""
    return merge_configs(base, [fragment]).text


def _header(text: str) -> tuple[str | None, tuple[int, int, int] | None]:
    for line in text.split("\n", 6)[:6]:
        m = _HEADER_RE.match(line.strip())
        if m:
            version = (int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))
            return m.group(1), version
    return None, None


def header_arch(text: str) -> str | None:
    """The ARCH named by a generated config's header line (``# Linux/arm64 6.12.117 Kernel
    Configuration``), read without parsing the rest; None without a header."""
    return _header(text)[0]


# The ARCH= values for make that kcheck supports (the rows of kcheck.arches).
KNOWN_ARCHES = arches.MAKE_ARCHES


def detect_arch(config: DotConfig) -> str | None:
    """The kernel ARCH this config is for, from its symbols, header or path; None if unclear.

    Symbols come first because they are unambiguous (X86_64 vs X86_32); the header names
    ARCH as it was given to make, which for x86 may be plain "x86", and a path names only
    arch/<SRCARCH>: the flavour then comes from 64BIT or the family's default.
    """
    row = arches.from_symbols(config.get)
    if row is not None:
        return row.make_arch
    header = config.header_arch
    if header is not None:
        row = arches.flavour(header, config.get)
        if row is not None:
            return row.make_arch
    if config.path is not None:
        m = _ARCH_DIR_RE.search(config.path.resolve().as_posix())
        if m:
            rows = [a for a in arches.ARCHES if a.srcarch == m.group(1)]
            row = arches.flavour(rows[0].family, config.get) if rows else None
            if row is not None:
                return row.make_arch
    return None


def check_arch(config: DotConfig, arch: str) -> None:
    """InputError when ``--arch`` names another family than the config's own symbols/header.

    x86_64 and i386 are one family: ``make ARCH=i386 olddefconfig`` on a 64-bit config is
    how a 32-bit config is made. An x86 config read as arm64 is not: every arch symbol
    would be dropped and the report would be about a config nobody has.
    """
    own = detect_arch(config)
    if own is None or arches.family_of(own) == arches.family_of(arch):
        return
    evidence = next(
        (
            f"CONFIG_{symbol}=y on line {config.assignments[symbol].line}"
            for symbol in arches.evidence_symbols()
            if config.enabled(symbol)
        ),
        "its header or its path",
    )
    raise InputError(
        f"this config is for {own} ({evidence}), not for --arch {arch}; "
        "leave --arch out, or give a config for that architecture",
        path=config.name,
    )


def arch_names(arch: str, config: DotConfig | None) -> frozenset[str]:
    """The names a profile's ``arch = [...]`` may use to match this config's architecture."""
    return arches.profile_names(arch, None if config is None else config.get)
