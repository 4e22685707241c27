"""Where things are in a TOML file: lines for tables and keys, for errors that name them.

Python's tomllib gives values but no positions, and no well-kept TOML library reports the
line of a key either, so this scans the text once: ``TomlLocator(text).line(path, key)``.
Profiles and waiver files use it to put ``file:line`` on every error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class _Table:
    line: int
    keys: dict[str, int] = field(default_factory=dict)


TomlPath = tuple[str | int, ...]
_KEY_PART = r'(?:[A-Za-z0-9_-]+|"[^"\n]*"|\'[^\'\n]*\')'
_KEY_LINE = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]\]?")


def _key_parts(dotted: str) -> list[str]:
    return [part.strip("\"'") for part in re.findall(_KEY_PART, dotted)]


class TomlLocator:
    """Maps tables (by their path in the parsed document) and their keys to source lines.

    ``("requirement", 2, "any_of", 0)`` is the first ``[[requirement.any_of]]`` of the third
    ``[[requirement]]``. Multi-line strings and arrays are skipped, so a line inside them is
    never taken for a header or a key.
    """

    def __init__(self, text: str) -> None:
        self.tables: dict[TomlPath, _Table] = {(): _Table(1)}
        self.last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        arrays: dict[TomlPath, int] = {}
        current: TomlPath = ()
        depth = 0  # open [ and { of a value that spans lines
        in_string: str | None = None  # the delimiter of an open multi-line string
        for number, line in enumerate(text.splitlines(), start=1):
            rest = line
            if in_string is None and depth == 0:
                header = _HEADER.match(line)
                key = None if header else _KEY_LINE.match(line)
                if header is not None:
                    current = self._header(header, arrays, number)
                    continue
                if key is not None:
                    self.tables.setdefault(current, _Table(number)).keys.setdefault(
                        _key_parts(key.group(1))[0], number
                    )
                    rest = line[key.end() :]
            depth, in_string = _scan_value(rest, depth, in_string)

    def _header(self, match: re.Match[str], arrays: dict[TomlPath, int], number: int) -> TomlPath:
        parts = _key_parts(match.group(2))
        path: TomlPath = ()
        for part in parts[:-1]:
            path = (*path, part)
            if path in arrays:  # [[a.b]] means b inside the last element of array a
                path = (*path, arrays[path] - 1)
        path = (*path, parts[-1])
        if match.group(1) == "[[":
            index = arrays.get(path, 0)
            arrays[path] = index + 1
            path = (*path, index)
        self.tables[path] = _Table(number)
        return path

    def line(self, path: TomlPath, key: str | None = None) -> int:
        """The line of ``key`` in the table at ``path``, else of the table, else of its parent."""
        table = self.tables.get(path)
        if table is not None:
            if key is None:
                return table.line
            if key in table.keys:
                return table.keys[key]
            # The key may be a sub-table ([a.key]) or an array of tables ([[a.key]]).
            for sub in ((*path, key), (*path, key, 0)):
                if sub in self.tables:
                    return self.tables[sub].line
            return table.line
        if (*path, 0) in self.tables:  # an array of tables: its first element
            return self.tables[(*path, 0)].line
        if len(path) >= 2 and isinstance(path[-1], int):
            # An inline table inside an array: the best line is the array's key.
            return self.line(path[:-2], str(path[-2]))
        if path:
            return self.line(path[:-1], str(path[-1]))
        return 1


def _scan_value(text: str, depth: int, in_string: str | None) -> tuple[int, str | None]:
    """Track brackets and multi-line strings across ``text``; comments end the scan."""
    i = 0
    while i < len(text):
        if in_string is not None:
            end = text.find(in_string, i)
            if end < 0:
                return depth, in_string
            i = end + 3
            in_string = None
            continue
        char = text[i]
        if text.startswith(('"""', "'''"), i):
            in_string = text[i : i + 3]
            i += 3
        elif char in "\"'":
            i = _end_of_string(text, i)
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
            i += 1
        elif char in "]}":
            depth = max(0, depth - 1)
            i += 1
        else:
            i += 1
    return depth, in_string


def _end_of_string(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text) and text[i] != quote:
        i += 2 if quote == '"' and text[i] == "\\" else 1
    return i + 1


# --------------------------------------------------------------------------------------------
# Validation


def split_position(message: str) -> tuple[str, int | None, int | None, bool]:
    """tomllib's error message without its position, and the position: (text, line, column,
    at_end). Python 3.11 puts it at the end of the message only: "(at line 3, column 8)" or
    "(at end of document)"."""
    position = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if position is not None:
        return message[: position.start()], int(position.group(1)), int(position.group(2)), False
    end = re.search(r"\s*\(at end of document\)$", message)
    if end is not None:
        return message[: end.start()], None, None, True
    return message, None, None, False
