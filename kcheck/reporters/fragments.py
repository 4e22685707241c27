"""Reports of ``kcheck merge`` and ``kcheck lint`` (a :class:`~kcheck.model.FragmentReport`)
in every format: text for people, JSON (schema ``fragments-v1.schema.json``), and SARIF, JUnit
and GitHub annotations for CI, each finding located at its fragment's ``file:line``.

Pure functions over the model. Severities map to each format's own levels: SARIF and GitHub
error/warning/note(notice); in JUnit every finding is a test case, an error not waived is a
failure, a waived one skipped, a warning or note passes with its words in ``system-out``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from kcheck import __version__
from kcheck.model import LOST_RULES, RULES, FragmentFinding, FragmentReport, Severity
from kcheck.reporters.chain import chain_to_dict, render_chain_text
from kcheck.reporters.fix import fix_to_dict
from kcheck.reporters.github import escape_data, escape_property
from kcheck.reporters.junit import junit_document, testsuites
from kcheck.reporters.sarif import SARIF_SCHEMA, SARIF_VERSION, artifact_uri, run_head

SCHEMA_VERSION = 1
_GITHUB = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _is_file(name: str | None) -> bool:
    return bool(name) and not (str(name).startswith("<") and str(name).endswith(">"))


def _where(finding: FragmentFinding) -> str:
    if finding.file is None:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def finding_text(finding: FragmentFinding) -> str:
    """One line: where, the symbol and value asked for, what happens, and the arch."""
    parts = []
    if finding.symbol:
        asked = f"={finding.requested}" if finding.requested is not None else ""
        parts.append(f"CONFIG_{finding.symbol}{asked}")
    parts.append(finding.message)
    text = ": ".join(parts)
    if finding.suggestion:
        text += f" (did you mean {finding.suggestion})"
    if finding.arch and finding.rule not in ("lost", "conflict"):
        text += f" [{finding.arch}]"
    return text


def summary_line(report: FragmentReport) -> str:
    counts = {
        s: sum(f.severity is s and f.waived is None for f in report.findings) for s in Severity
    }
    waived = sum(f.waived is not None for f in report.findings)
    lost = sum(f.rule in LOST_RULES and f.waived is None for f in report.findings)
    head = (
        f"{lost} of {report.requests} request(s) lost, "
        if report.command == "merge"
        else f"{report.requests} assignment(s) checked, "
    )
    text = (
        head + f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
        f"{counts[Severity.NOTE]} note(s)"
    )
    if waived:
        text += f", {waived} waived"
    return text + f": exit {report.exit_code}"


def render_text(report: FragmentReport, *, color: bool = False, width: int = 100) -> str:
    """The report for a terminal: a heading, findings grouped by severity with lost requests'
    chains under them, fragment overrides, and the summary."""
    where = ", ".join(p for p in (f"Linux {report.kernel_version}", *report.arches) if p)
    inputs = " + ".join(([report.base] if report.base else []) + list(report.fragments))
    lines = [f"kcheck {report.command}: {inputs} ({where})"]
    if report.output:
        lines.append(f"merged config: {report.output}")
    titles = {
        Severity.ERROR: "errors",
        Severity.WARNING: "warnings",
        Severity.NOTE: "notes",
    }
    for severity, title in titles.items():
        found = [f for f in report.findings if f.severity is severity]
        if not found:
            continue
        lines.append("")
        lines.append(f"{title} ({len(found)}):")
        for finding in found:
            waived = f" [waived: {finding.waived}]" if finding.waived else ""
            lines.append(f"  {_where(finding)}: {finding.rule}: {finding_text(finding)}{waived}")
            if finding.chain is not None:
                chain = render_chain_text(finding.chain, color=color, width=max(40, width - 4))
                lines += ["    " + line for line in chain.splitlines()]
    base_overrides = sum(o.previous_is_base for o in report.overrides)
    if base_overrides:
        lines.append("")
        lines.append(f"{base_overrides} value(s) of {report.base} replaced by the fragments")
    for notice in report.notices:
        lines.append(f"note: {notice}")
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def finding_to_dict(finding: FragmentFinding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule": finding.rule,
        "severity": str(finding.severity),
        "file": finding.file,
        "line": finding.line,
        "symbol": finding.symbol,
        "requested": finding.requested,
        "actual": finding.actual,
        "message": finding.message,
        "suggestion": finding.suggestion,
        "arch": finding.arch,
        "waived": finding.waived,
        "chain": chain_to_dict(finding.chain) if finding.chain is not None else None,
    }


def report_to_dict(report: FragmentReport) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kcheck_version": __version__,
        "command": report.command,
        "base": report.base,
        "fragments": list(report.fragments),
        "tree": report.tree,
        "arches": list(report.arches),
        "kernel_version": report.kernel_version,
        "output": report.output,
        "requests": report.requests,
        "findings": [finding_to_dict(f) for f in report.findings],
        "overrides": [
            {
                "symbol": o.symbol,
                "file": o.file,
                "line": o.line,
                "value": o.value,
                "previous_file": o.previous_file,
                "previous_line": o.previous_line,
                "previous_value": o.previous_value,
                "previous_is_base": o.previous_is_base,
            }
            for o in report.overrides
        ],
        "fix": fix_to_dict(report.fix) if report.fix is not None else None,
        "fix_verified": report.fix_verified,
        "notices": list(report.notices),
        "exit_code": report.exit_code,
    }


def render_json(report: FragmentReport) -> str:
    return json.dumps(report_to_dict(report), indent=2) + "\n"


def render_sarif(report: FragmentReport) -> str:
    """SARIF 2.1.0: a rule per finding rule, a result per finding at its fragment line;
    waived findings carry an accepted suppression with the waiver's reason."""
    used = list(dict.fromkeys(f.rule for f in report.findings))
    rules = [
        {
            "id": rule,
            "shortDescription": {"text": RULES[rule].summary},
            "defaultConfiguration": {"level": str(RULES[rule].severity)},
        }
        for rule in used
    ]
    files = list(dict.fromkeys(f.file for f in report.findings if _is_file(f.file)))
    results = []
    for finding in report.findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": used.index(finding.rule),
            "level": str(finding.severity),
            "message": {"text": finding_text(finding)},
            "partialFingerprints": {"kcheckId": finding.id},
        }
        if _is_file(finding.file):
            physical: dict[str, Any] = {
                "artifactLocation": {
                    "uri": artifact_uri(str(finding.file)),
                    "index": files.index(finding.file),
                }
            }
            if finding.line is not None:
                physical["region"] = {"startLine": finding.line}
            result["locations"] = [{"physicalLocation": physical}]
        if finding.waived:
            result["suppressions"] = [
                {"kind": "external", "status": "accepted", "justification": finding.waived}
            ]
        properties = {
            k: v
            for k, v in (
                ("symbol", finding.symbol),
                ("requested", finding.requested),
                ("actual", finding.actual),
                ("arch", finding.arch),
                ("suggestion", finding.suggestion),
            )
            if v is not None
        }
        if properties:
            result["properties"] = properties
        results.append(result)
    run: dict[str, Any] = {
        **run_head(rules, report.exit_code, report.notices),
        "artifacts": [{"location": {"uri": artifact_uri(str(f))}} for f in files],
        "results": results,
        "properties": {
            "command": report.command,
            "base": report.base,
            "tree": report.tree,
            "arches": list(report.arches),
            "kernelVersion": report.kernel_version,
        },
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def render_junit(report: FragmentReport) -> str:
    failures = [f for f in report.findings if f.severity is Severity.ERROR and f.waived is None]
    skipped = [f for f in report.findings if f.waived is not None]
    counts = {
        "tests": str(len(report.findings)),
        "failures": str(len(failures)),
        "errors": "0",
        "skipped": str(len(skipped)),
        "time": "0",
    }
    suite = ET.Element("testsuite", {"name": f"kcheck.{report.command}", **counts})
    for finding in report.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"kcheck.{report.command}.{finding.rule}",
                "name": finding.id,
                "time": "0",
            },
        )
        text = f"{_where(finding)}: {finding_text(finding)}"
        if finding.waived is not None:
            ET.SubElement(case, "skipped", {"message": f"waived: {finding.waived}"})
        elif finding.severity is Severity.ERROR:
            failure = ET.SubElement(case, "failure", {"message": text, "type": finding.rule})
            failure.text = text + "\n"
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{finding.severity}: {text}\n"
    return junit_document(testsuites([suite]))


def render_github(report: FragmentReport) -> str:
    lines = []
    for finding in report.findings:
        if finding.waived is not None:
            continue
        properties = []
        if _is_file(finding.file):
            properties.append(f"file={escape_property(str(finding.file))}")
            if finding.line is not None:
                properties.append(f"line={finding.line}")
        properties.append(f"title={escape_property(f'kcheck {report.command}: {finding.rule}')}")
        lines.append(
            f"::{_GITHUB[finding.severity]} {','.join(properties)}::"
            f"{escape_data(finding_text(finding))}"
        )
    for notice in report.notices:
        lines.append(f"::notice::{escape_data(notice)}")
    lines.append(f"kcheck {report.command}: {summary_line(report)}")
    return "\n".join(lines) + "\n"


#: Every ``--format`` of merge and lint (text takes colour and width).
FRAGMENT_FORMATS: dict[str, Callable[[FragmentReport, bool, int], str]] = {
    "text": lambda report, color, width: render_text(report, color=color, width=width),
    "json": lambda report, color, width: render_json(report),
    "sarif": lambda report, color, width: render_sarif(report),
    "junit": lambda report, color, width: render_junit(report),
    "github": lambda report, color, width: render_github(report),
}
