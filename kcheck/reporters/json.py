"""The JSON report (schema_version 2): stable field names for CI and other tools."""

from __future__ import annotations

import json
from typing import Any

from kcheck import __version__
from kcheck.model import NodeKind, Report, Result
from kcheck.reporters.chain import chain_to_dict

SCHEMA_VERSION = 2


def result_to_dict(result: Result) -> dict[str, Any]:
    """One result as a JSON object; a group holds its alternatives under any_of/all_of."""
    out: dict[str, Any] = {
        "id": result.id,
        "symbol": result.symbol or None,
        "level": str(result.level),
        "expected": result.expected or None,
        "actual": result.actual,
        "status": str(result.status),
        "reason": result.reason,
        "section": result.section,
        "requested": result.requested,
        "why": result.why,
        "kind": str(result.check),
        "origin": result.origin,
        "hint": result.hint,
    }
    if result.kind is not NodeKind.SYMBOL:
        out[str(result.kind)] = [result_to_dict(child) for child in result.children]
    if result.chain is not None:  # only with --explain
        out["chain"] = chain_to_dict(result.chain)
    return out


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kcheck_version": __version__,
        "profile": report.profile,
        "config": report.config,
        "tree": report.tree,
        "arch": report.arch,
        "kernel_version": report.kernel_version,
        "results": [result_to_dict(r) for r in report.results],
        "summary": {
            "counts": dict(report.summary.counts),
            "failed_required": report.summary.failed_required,
        },
        "notices": list(report.notices),
        "exit_code": report.summary.exit_code,
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2) + "\n"
