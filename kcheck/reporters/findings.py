"""What the CI formats (SARIF, JUnit, GitHub annotations) say about a result, in one place.

Each CI format needs the same three things for a requirement: a line of plain words on what
the config gets and why, the .config line to point at, and whether the config is a file at
all (``<stdin>`` is not). Keeping them here makes the formats agree word for word.
"""

from __future__ import annotations

from collections.abc import Iterator

from kcheck.model import Check, NodeKind, Report, Result, Status

#: Statuses that a CI format reports as a finding: the requirement is not (known to be) met.
FINDINGS = (Status.FAIL, Status.WARN, Status.INFO, Status.UNKNOWN)


def config_is_file(report: Report) -> bool:
    """False for configs with no file to point at, named like ``<stdin>``."""
    return not (report.config.startswith("<") and report.config.endswith(">"))


def leaves(result: Result) -> Iterator[Result]:
    """The symbol results in a result, depth first (the result itself for a symbol)."""
    if result.kind is NodeKind.SYMBOL:
        yield result
    for child in result.children:
        yield from leaves(child)


def config_line(report: Report, result: Result) -> int | None:
    """The .config line that assigns the result's symbol (a group's first assigned member).

    None for a runtime result: it is about the live system, not a line of the config, so CI
    formats place it on the config file as a whole.
    """
    if result.check is Check.RUNTIME:
        return None
    for leaf in leaves(result):
        line = report.locations.get(leaf.symbol)
        if line is not None:
            return line
    return None


def describe(result: Result) -> str:
    """What the config gets for this requirement, and why, in one line of plain words."""
    if result.check is Check.RUNTIME:
        # The live system's state in words, and the command that fixes it.
        text = result.why or result.reason
        return f"{text} (run: {result.hint})" if result.hint else text
    if result.kind is NodeKind.SYMBOL:
        if result.status is Status.NOT_APPLICABLE or (
            result.actual is None and result.status is Status.UNKNOWN
        ):
            # No value to show: the engine put the explanation in the reason.
            name = f"CONFIG_{result.symbol}"
            return result.reason if name in result.reason else f"{name}: {result.reason}"
        actual = "unknown" if result.actual is None else result.actual
        text = f"CONFIG_{result.symbol} is {actual}, wanted {result.expected}"
        if result.why:
            text += f": {result.why}"
        return text
    unmet = [
        child
        for child in result.children
        if child.status not in (Status.PASS, Status.NOT_APPLICABLE)
    ]
    if result.status is Status.PASS or not unmet:
        return result.reason
    parts = "; ".join(describe(child) for child in unmet)
    return f"none of the alternatives holds ({parts})" if result.kind is NodeKind.ANY_OF else parts


def message(result: Result) -> str:
    """The finding as a CI annotation shows it: the requirement, what is wrong, and why."""
    if result.status in (Status.FAIL, Status.WARN, Status.INFO):
        needed = (
            f"{result.reason} (asked for by {result.origin})" if result.origin else result.reason
        )
        return f"{result.id} ({result.level}): {describe(result)}. Needed for: {needed}"
    return f"{result.id} ({result.level}, {result.status}): {describe(result)}"
