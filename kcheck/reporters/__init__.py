"""Reporters turn a Report into text for a user or a machine; each is a pure function.

They read only ``kcheck.model``. ``FORMATS`` maps every ``--format`` choice to its renderer,
so a test can check that each choice is handled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from json import dumps

from kcheck.model import Report
from kcheck.reporters.github import render_github
from kcheck.reporters.json import render_json, report_to_dict
from kcheck.reporters.junit import junit_document, render_junit, report_suite, testsuites
from kcheck.reporters.sarif import render_sarif, report_to_sarif
from kcheck.reporters.text import render_batch_summary, render_text


@dataclass(frozen=True)
class RenderOptions:
    """How to render: colour on or off, and the terminal width for tables."""

    color: bool = False
    width: int = 100
    quiet: bool = False  # text only: just what is not met, and the summary


Renderer = Callable[[Report, RenderOptions], str]

FORMATS: dict[str, Renderer] = {
    "text": lambda report, opts: render_text(
        report, color=opts.color, width=opts.width, quiet=opts.quiet
    ),
    "json": lambda report, opts: render_json(report),
    "sarif": lambda report, opts: render_sarif(report),
    "junit": lambda report, opts: render_junit(report),
    "github": lambda report, opts: render_github(report),
}


def render_reports(
    fmt: str,
    reports: Sequence[Report],
    opts: RenderOptions,
    errors: Sequence[tuple[str, str]] = (),
) -> str:
    """Several configs' reports as one document of the format.

    One report renders as it always does. Several become: text, each report then a summary
    table; json, an array of report objects (each one valid against the report schema);
    sarif, one log with a run per config; junit, one ``<testsuites>`` with a suite per
    config; github, the annotations one after another. ``errors`` are configs that could not
    be checked (name, message); only the text summary lists them, the CLI prints each on
    stderr.
    """
    if len(reports) == 1 and not errors:
        return FORMATS[fmt](reports[0], opts)
    if fmt == "text":
        parts = [FORMATS["text"](report, opts) for report in reports]
        summary = render_batch_summary(list(reports), errors, color=opts.color, width=opts.width)
        return "\n".join([*parts, summary])
    if fmt == "json":
        return dumps([report_to_dict(report) for report in reports], indent=2) + "\n"
    if fmt == "sarif":
        logs = [report_to_sarif(report) for report in reports]
        if not logs:
            return ""
        merged = {**logs[0], "runs": [run for log in logs for run in log["runs"]]}
        return dumps(merged, indent=2) + "\n"
    if fmt == "junit":
        return junit_document(testsuites(report_suite(report) for report in reports))
    return "".join(FORMATS[fmt](report, opts) for report in reports)
