"""The SARIF 2.1.0 report, for code scanning dashboards (GitHub, GitLab, Azure DevOps).

One run of one tool. Every top-level requirement of the profile is a rule (``ruleId`` is the
requirement id, its default level follows the requirement's: required -> error, recommended
-> warning, optional -> note). Every requirement that is not met, or cannot be judged, is a
result located at the .config line that assigns its symbol, or at the config file when the
config does not mention it. Met and not-applicable requirements are not results: in code
scanning, a result that disappears is an alert that was fixed. SARIF's own ``kind`` carries
the verdict: ``fail`` for an unmet requirement, ``review`` for one that needs a kernel tree
to judge (SARIF 2.1.0 §3.27.9; a result whose kind is not ``fail`` has level ``none``). A
waived requirement is a result with an accepted external suppression whose justification
is the waiver's reason (§3.35), so dashboards show it as suppressed rather than open.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from kcheck import __version__
from kcheck.model import Level, Report, Result, Status
from kcheck.reporters.findings import FINDINGS, config_is_file, config_line, describe, message

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

_RULE_LEVEL = {Level.REQUIRED: "error", Level.RECOMMENDED: "warning", Level.OPTIONAL: "note"}
_RESULT_LEVEL = {Status.FAIL: "error", Status.WARN: "warning", Status.INFO: "note"}


def artifact_uri(path: str) -> str:
    """The config path as a SARIF URI: relative paths stay relative (to the checkout, as code
    scanning expects), absolute ones become ``file://`` URIs."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return "file://" + quote(posix.as_posix())
    return quote(posix.as_posix())


def _rule(result: Result) -> dict[str, Any]:
    properties: dict[str, Any] = {"level": str(result.level)}
    if result.section:
        properties["section"] = result.section
    if result.symbol:
        properties["symbol"] = result.symbol
    if result.expected:
        properties["expected"] = result.expected
    return {
        "id": result.id,
        "shortDescription": {"text": result.id},
        "fullDescription": {"text": result.reason},
        "defaultConfiguration": {"level": _RULE_LEVEL[result.level]},
        "properties": properties,
    }


def _result(report: Report, result: Result, index: int) -> dict[str, Any]:
    if result.status is Status.UNKNOWN:
        kind, level = "review", "none"
    elif result.status is Status.WAIVED:
        kind, level = "fail", _RULE_LEVEL[result.level]
    else:
        kind, level = "fail", _RESULT_LEVEL[result.status]
    out: dict[str, Any] = {
        "ruleId": result.id,
        "ruleIndex": index,
        "kind": kind,
        "level": level,
        "message": {"text": message(result)},
    }
    if result.status is Status.WAIVED:
        out["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": result.why or "waived"}
        ]
    if config_is_file(report):
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": artifact_uri(report.config), "index": 0}
        }
        line = config_line(report, result)
        if line is not None:
            physical["region"] = {"startLine": line}
        out["locations"] = [{"physicalLocation": physical}]
    properties: dict[str, Any] = {"status": str(result.status), "details": describe(result)}
    for key in ("symbol", "expected", "actual", "requested", "why"):
        value = getattr(result, key)
        if value:
            properties[key] = value
    out["properties"] = properties
    return out


def run_head(
    rules: list[dict[str, Any]], exit_code: int, notices: tuple[str, ...]
) -> dict[str, Any]:
    """A run's ``tool`` (kcheck with these rules) and ``invocations`` (its exit code and the
    notices as notifications): what every kcheck SARIF run starts with."""
    return {
        "tool": {
            "driver": {
                "name": "kcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "exitCode": exit_code,
                "toolExecutionNotifications": [
                    {"level": "note", "message": {"text": notice}} for notice in notices
                ],
            }
        ],
    }


def report_to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF log (a dict ready for ``json.dumps``)."""
    rules = [_rule(result) for result in report.results]
    results = [
        _result(report, result, index)
        for index, result in enumerate(report.results)
        if result.status in FINDINGS or result.status is Status.WAIVED
    ]
    run: dict[str, Any] = {
        **run_head(rules, report.summary.exit_code, report.notices),
        "results": results,
        "properties": {
            "profile": report.profile,
            "config": report.config,
            "tree": report.tree,
            "arch": report.arch,
            "kernelVersion": report.kernel_version,
            "counts": dict(report.summary.counts),
        },
    }
    if config_is_file(report):
        run["artifacts"] = [
            {"location": {"uri": artifact_uri(report.config)}, "roles": ["analysisTarget"]}
        ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report) -> str:
    return json.dumps(report_to_sarif(report), indent=2) + "\n"
