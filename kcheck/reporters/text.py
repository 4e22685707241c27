"""The human report: a table per profile section, the reasons for failures, a summary line.

Rendered with rich into a string at a fixed width, so the same report is byte-identical in
a golden test and on a terminal without colour. Colour is only added when asked for.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

from rich import box
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from kcheck.model import NodeKind, Report, Result, Status
from kcheck.reporters.chain import chain_tree, string_console, strip_trailing

_STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.INFO: "cyan",
    Status.NOT_APPLICABLE: "dim",
    Status.UNKNOWN: "magenta",
    Status.WAIVED: "blue",
}

_STATUS_WORD = {
    Status.PASS: "ok",
    Status.FAIL: "FAIL",
    Status.WARN: "warn",
    Status.INFO: "info",
    Status.NOT_APPLICABLE: "n/a",
    Status.UNKNOWN: "unknown",
    Status.WAIVED: "waived",
}


def _rows(result: Result, depth: int = 0) -> Iterator[tuple[int, Result]]:
    """The result and its group members, depth first; members for another arch are left out."""
    yield depth, result
    for child in result.children:
        if child.status is not Status.NOT_APPLICABLE:
            yield from _rows(child, depth + 1)


def _symbol_cell(result: Result, depth: int) -> str:
    indent = "  " * depth
    if result.kind is NodeKind.ANY_OF:
        label = "one of:"
    elif result.kind is NodeKind.ALL_OF:
        label = "all of:" if depth else result.id + " (all of):"
    else:
        label = result.symbol
    if result.kind is NodeKind.ANY_OF and depth == 0:
        label = f"{result.id} (one of):"
    return indent + label


def _actual_cell(result: Result) -> Text:
    if result.kind is not NodeKind.SYMBOL:
        return Text("")
    actual = "?" if result.actual is None else result.actual
    if result.requested is not None and result.requested != result.actual:
        return Text(f"{actual} (asked {result.requested})")
    return Text(actual)


def _reason_cell(result: Result) -> str:
    """The reason, after the option that asked for the requirement when it was derived."""
    return f"[{result.origin}] {result.reason}" if result.origin else result.reason


_NOT_MET = (Status.FAIL, Status.WARN)


def _sections(report: Report, quiet: bool = False) -> dict[str, list[Result]]:
    """Top-level results by section; with ``quiet`` only those that fail or warn."""
    sections: dict[str, list[Result]] = {}
    for result in report.results:
        if quiet and result.status not in _NOT_MET:
            continue
        sections.setdefault(result.section or "Requirements", []).append(result)
    return sections


def _failures(results: tuple[Result, ...]) -> Iterator[Result]:
    """Symbol leaves that failed or warned, inside results that are themselves not met.

    A group that passes (one alternative is enough) or a waived result has nothing to fix,
    even if some of its members are off.
    """
    for result in results:
        if result.status not in _NOT_MET:
            continue
        if result.kind is NodeKind.SYMBOL:
            yield result
        else:
            yield from _failures(result.children)


def summary_line(report: Report) -> str:
    counts = report.summary.counts
    parts = [
        f"{counts.get(str(s), 0)} {word}"
        for s, word in (
            (Status.PASS, "passed"),
            (Status.FAIL, "failed"),
            (Status.WARN, "warnings"),
            (Status.INFO, "optional missing"),
            (Status.NOT_APPLICABLE, "not applicable"),
            (Status.UNKNOWN, "unknown"),
            (Status.WAIVED, "waived"),
        )
        if counts.get(str(s), 0)
    ]
    verdict = "FAIL" if report.summary.exit_code else "OK"
    return f"{verdict}: {', '.join(parts) or 'nothing to check'}"


def render_text(
    report: Report, *, color: bool = False, width: int = 100, quiet: bool = False
) -> str:
    """Render the report. ``color`` adds ANSI styles; the words are the same either way.

    ``quiet`` keeps only what is not met (failures and warnings) and the summary line.
    """
    buf = io.StringIO()
    console = string_console(buf, color, width)
    facts = [f"profile {report.profile}", f"config {report.config}"]
    if report.kernel_version:
        facts.append(f"Linux {report.kernel_version}")
    if report.arch:
        facts.append(report.arch)
    facts.append(f"tree {report.tree}" if report.tree else "no tree (values as written)")
    console.print(Text("kcheck: " + ", ".join(facts)), soft_wrap=True)
    for section, results in _sections(report, quiet).items():
        table = Table(
            title=section,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            expand=False,
        )
        table.add_column("Symbol", no_wrap=True)
        table.add_column("Wanted", no_wrap=True)
        table.add_column("Actual", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Reason", overflow="fold")
        for result in results:
            for depth, row in _rows(result):
                status = Text(_STATUS_WORD[row.status], style=_STATUS_STYLE[row.status])
                table.add_row(
                    _symbol_cell(row, depth),
                    row.expected,
                    _actual_cell(row),
                    status,
                    _reason_cell(row) if depth == 0 or row.kind is NodeKind.SYMBOL else "",
                )
        console.print(table)
    failures = list(_failures(report.results))
    if failures:
        console.print(Text("Why:", style="bold"))
        for row in failures:
            why = row.why or "no reason known"
            mark = Text(f"  {_STATUS_WORD[row.status]} ", style=_STATUS_STYLE[row.status])
            console.print(Text.assemble(mark, Text(f"{row.symbol}: {why}")), soft_wrap=True)
            if row.hint:
                console.print(Text(f"    run: {row.hint}"), soft_wrap=True)
            if row.chain is not None:
                console.print(Padding(chain_tree(row.chain, color), (0, 0, 0, 4)))
    for notice in report.notices:
        console.print(Text(f"note: {notice}"), soft_wrap=True)
    verdict = summary_line(report)
    style = "bold red" if report.summary.exit_code else "bold green"
    console.print(Text(verdict, style=style))
    return strip_trailing(buf.getvalue())


def render_batch_summary(
    reports: list[Report],
    errors: Sequence[tuple[str, str]] = (),
    *,
    color: bool = False,
    width: int = 100,
) -> str:
    """One row per config checked in a batch (and per config that could not be read)."""
    buf = io.StringIO()
    console = string_console(buf, color, width)
    table = Table(title="Summary", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("Config", "Profile", "Arch", "Failed", "Warnings", "Verdict"):
        table.add_column(column, no_wrap=column != "Config", overflow="fold")
    for report in reports:
        counts = report.summary.counts
        verdict = "FAIL" if report.summary.exit_code else "OK"
        table.add_row(
            report.config,
            report.profile,
            report.arch or "?",
            str(counts.get(str(Status.FAIL), 0)),
            str(counts.get(str(Status.WARN), 0)),
            Text(verdict, style="bold red" if report.summary.exit_code else "bold green"),
        )
    for name, message in errors:
        table.add_row(name, "", "", "", "", Text(f"ERROR: {message}", style="bold red"))
    console.print(table)
    return strip_trailing(buf.getvalue())
