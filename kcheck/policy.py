"""How a CI gate judges results: ``--strict`` and waivers.

The engine says what each requirement's status is; this module adjusts that verdict to the
gate's policy before the summary is made. ``--strict`` turns recommended requirements that
are not met (warn) into failures. A waiver (from a TOML file or ``--waive ID=REASON``) marks
a result ``waived`` so it no longer fails the run, always with a reason and optionally until
an expiry date; an expired waiver no longer applies, and the result says so.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from kcheck.errors import InputError, UsageError
from kcheck.model import Result, Status
from kcheck.tomlfile import TomlLocator, split_position

WAIVER_FILE_NAME = ".kcheck-waivers.toml"
_WAIVER_KEYS = {"id", "reason", "expires"}


@dataclass(frozen=True)
class Waiver:
    """Permission for one requirement id not to hold, and why; where it was written."""

    id: str
    reason: str
    source: str
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


def load_waivers(path: Path) -> tuple[Waiver, ...]:
    """Read a waiver file::

    [[waiver]]
    id = "virtio-balloon"          # a requirement id (see the JSON report's "id")
    reason = "our guests never balloon"
    expires = 2027-06-30           # optional TOML date; after it the waiver is ignored
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such waiver file", path=name) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read waiver file: {e}", path=name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message, line, _column, _at_end = split_position(str(e))
        raise InputError(f"invalid TOML: {message}", path=name, line=line) from None
    locator = TomlLocator(text)
    unknown_top = set(data) - {"waiver"}
    if unknown_top:
        key = sorted(unknown_top)[0]
        raise InputError(
            f"unknown key {key!r} (expected [[waiver]] tables)",
            path=name,
            line=locator.line((), key),
        )
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise InputError("'waiver' must be an array of tables ([[waiver]])", path=name, line=1)
    waivers: list[Waiver] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = ("waiver", index)
        line = locator.line(where)
        unknown = sorted(set(entry) - _WAIVER_KEYS)
        if unknown:
            raise InputError(
                f"unknown key {unknown[0]!r} in a waiver (known: expires, id, reason)",
                path=name,
                line=locator.line(where, unknown[0]),
            )
        waiver_id = entry.get("id")
        if not isinstance(waiver_id, str) or not waiver_id:
            raise InputError("a waiver needs an id (a requirement id)", path=name, line=line)
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"the waiver for {waiver_id!r} needs a reason", path=name, line=line)
        expires = entry.get("expires")
        if expires is not None and (
            not isinstance(expires, dt.date) or isinstance(expires, dt.datetime)
        ):
            raise InputError(
                "expires must be a TOML date such as 2027-06-30",
                path=name,
                line=locator.line(where, "expires"),
            )
        if waiver_id in seen:
            raise InputError(
                f"{waiver_id!r} is waived twice (first on line {seen[waiver_id]})",
                path=name,
                line=locator.line(where, "id"),
            )
        seen[waiver_id] = locator.line(where, "id")
        waivers.append(Waiver(waiver_id, reason.strip(), f"{name}:{line}", expires))
    return tuple(waivers)


def parse_waive_option(value: str) -> Waiver:
    """``--waive ID=REASON`` from the command line; the reason is mandatory."""
    waiver_id, sep, reason = value.partition("=")
    if not sep or not waiver_id.strip() or not reason.strip():
        raise UsageError(
            f"--waive {value!r}: expected ID=REASON, e.g. --waive virtio-balloon='no ballooning'"
        )
    return Waiver(waiver_id.strip(), reason.strip(), "--waive")


def find_waiver_file(config_path: Path | None) -> Path | None:
    """``.kcheck-waivers.toml`` next to the config, if there is one."""
    if config_path is None:
        return None
    candidate = config_path.resolve().parent / WAIVER_FILE_NAME
    return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class PolicyOutcome:
    """Results after the policy, and what a user should be told about it."""

    results: tuple[Result, ...]
    notices: tuple[str, ...]


def apply_policy(
    results: Iterable[Result],
    *,
    strict: bool = False,
    waivers: Iterable[Waiver] = (),
    today: dt.date | None = None,
) -> PolicyOutcome:
    """Apply ``--strict`` and waivers to top-level results.

    A waiver for an id no result has is an error: a typo must not silently waive nothing.
    """
    results = tuple(results)
    today = today or dt.date.today()
    by_id = {w.id: w for w in waivers}
    known = {r.id for r in results}
    for waiver in by_id.values():
        if waiver.id not in known:
            raise UsageError(
                f"{waiver.source}: waiver for unknown requirement id {waiver.id!r} "
                f"(known: {', '.join(sorted(known))})"
            )
    notices: list[str] = []
    out: list[Result] = []
    for original in results:
        out.append(_judge(original, strict, by_id.get(original.id), today, notices))
    return PolicyOutcome(tuple(out), tuple(notices))


def _judge(
    result: Result, strict: bool, waiver: Waiver | None, today: dt.date, notices: list[str]
) -> Result:
    if strict and result.status is Status.WARN:
        result = replace(result, status=Status.FAIL)
    if waiver is None or result.status not in (Status.FAIL, Status.WARN, Status.INFO):
        return result
    if waiver.expired(today):
        notices.append(
            f"{waiver.source}: the waiver for {result.id} expired on {waiver.expires}; "
            "it no longer applies"
        )
        why = f"waiver expired on {waiver.expires} ({waiver.source})"
        return replace(result, why=f"{result.why}; {why}" if result.why else why)
    until = f" until {waiver.expires}" if waiver.expires else ""
    return replace(result, status=Status.WAIVED, why=f"waived{until}: {waiver.reason}")
