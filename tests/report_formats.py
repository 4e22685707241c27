"""Checks every test applies to a rendered report, whatever produced it.

``check_rendered(fmt, text)`` validates the JSON report against the published schema
(``kcheck/schemas/report-v2.schema.json``), SARIF against the official SARIF 2.1.0 schema
(vendored in ``tests/fixtures``), JUnit against junit-10.xsd (the schema Jenkins' xUnit plugin
and pytest follow, vendored there too) with counts that add up, and GitHub output as workflow
commands. The CLI fixture calls it on every report the CLI tests produce.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import xmlschema

from kcheck.schemas import fragments_schema, report_schema

FIXTURES = Path(__file__).resolve().parent / "fixtures"

_GITHUB_COMMAND = re.compile(r"::(error|warning|notice)( [a-z]+=[^,:\n]*(,[a-z]+=[^,:\n]*)*)?::.+")


@functools.cache
def report_validator() -> jsonschema.protocols.Validator:
    schema = report_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@functools.cache
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@functools.cache
def junit_schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(FIXTURES / "junit-10.xsd")


@functools.cache
def fragments_validator() -> jsonschema.protocols.Validator:
    schema = fragments_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def errors(validator: jsonschema.protocols.Validator, document: Any) -> list[str]:
    """Every way ``document`` breaks the schema, as "path: message" lines (empty when valid)."""
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def check_json_report(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    problems = errors(report_validator(), document)
    assert not problems, problems
    return document


def check_sarif(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    problems = errors(sarif_validator(), document)
    assert not problems, problems
    run = document["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rules) == len(set(rules)), "one rule per requirement id"
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    return document


def check_junit(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    problems = [str(error.reason) for error in junit_schema().iter_errors(root)]
    assert not problems, problems
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(c.find("skipped") is not None for c in cases)
    for total in ("tests", "failures", "errors"):
        assert int(root.get(total, "-1")) == sum(int(s.get(total, "0")) for s in suites), total
    return root


def check_github(text: str) -> list[str]:
    lines = text.splitlines()
    assert lines, "at least the summary line"
    for line in lines[:-1]:
        # Several configs: each one's annotations end with its own summary line.
        assert _GITHUB_COMMAND.fullmatch(line) or line.startswith("kcheck "), line
    assert not lines[-1].startswith("::")
    return lines


def check_json_reports(text: str) -> None:
    """One config gives a report object; several give an array of them, each valid alone."""
    document = json.loads(text)
    for report in document if isinstance(document, list) else [document]:
        fragments = report.get("command") in ("merge", "lint")
        problems = errors(fragments_validator() if fragments else report_validator(), report)
        assert not problems, problems


def check_rendered(fmt: str, text: str) -> None:
    """Validate a report rendered in ``fmt``; text reports are only checked to be non-empty."""
    checks = {
        "json": check_json_reports,
        "sarif": check_sarif,
        "junit": check_junit,
        "github": check_github,
    }
    check = checks.get(fmt)
    if check is None:
        assert text.strip()
    else:
        check(text)
