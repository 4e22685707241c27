"""GitHub Actions workflow commands: one annotation per requirement that is not met.

A required requirement that fails is ``::error``, a recommended one ``::warning``, an optional
one ``::notice``, each placed at the .config line of its symbol (or on the config file when
it does not mention the symbol), so the pull request shows it on the diff. Requirements that
pass, do not apply or cannot be judged are not annotated; the last line is the same summary
the text report ends with, plain log output for the job's log.

Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the message
``%``, CR and LF are percent-encoded; in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from kcheck.model import Report, Status
from kcheck.reporters.findings import config_is_file, config_line, message
from kcheck.reporters.text import summary_line

_COMMAND = {Status.FAIL: "error", Status.WARN: "warning", Status.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    lines: list[str] = []
    for result in report.results:
        command = _COMMAND.get(result.status)
        if command is None:
            continue
        properties = []
        if config_is_file(report):
            properties.append(f"file={escape_property(report.config)}")
            line = config_line(report, result)
            if line is not None:
                properties.append(f"line={line}")
        properties.append(f"title={escape_property(f'kcheck {report.profile}: {result.id}')}")
        lines.append(f"::{command} {','.join(properties)}::{escape_data(message(result))}")
    for notice in report.notices:
        lines.append(f"::notice::{escape_data(notice)}")
    lines.append(f"kcheck {report.profile} {report.config}: {summary_line(report)}")
    return "\n".join(lines) + "\n"
