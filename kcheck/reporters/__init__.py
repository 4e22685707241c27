"""Reporters turn a Report into text for a user or a machine; each is a pure function.

They read only ``kcheck.model``. ``FORMATS`` maps every ``--format`` choice to its renderer,
so a test can check that each choice is handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kcheck.model import Report
from kcheck.reporters.github import render_github
from kcheck.reporters.json import render_json
from kcheck.reporters.junit import render_junit
from kcheck.reporters.sarif import render_sarif
from kcheck.reporters.text import render_text


@dataclass(frozen=True)
class RenderOptions:
    """How to render: colour on or off, and the terminal width for tables."""

    color: bool = False
    width: int = 100


Renderer = Callable[[Report, RenderOptions], str]

FORMATS: dict[str, Renderer] = {
    "text": lambda report, opts: render_text(report, color=opts.color, width=opts.width),
    "json": lambda report, opts: render_json(report),
    "sarif": lambda report, opts: render_sarif(report),
    "junit": lambda report, opts: render_junit(report),
    "github": lambda report, opts: render_github(report),
}
