"""The JUnit XML report, for CI systems that show test results (Jenkins, GitLab, Azure).

One test suite for the profile, one test case per top-level requirement. A required
requirement that is not met is a ``<failure>`` carrying the requirement's reason and why the
config misses it (for a group, one line per unmet member). JUnit has no warnings: a
recommended or optional requirement that is not met passes, with the same words in
``<system-out>``, because it does not fail the run (exit code 0). Requirements that do not
apply, cannot be judged without a kernel tree, or are waived are ``<skipped>`` with the
reason, so the failure count always equals the report's count of failures.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from kcheck.model import Report, Result, Status
from kcheck.reporters.findings import describe, leaves

# XML 1.0 cannot carry these code points at all, not even escaped; a .config string value
# may hold any of them but NUL. They are shown the way Python writes them instead.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_SKIPPED = (Status.NOT_APPLICABLE, Status.UNKNOWN, Status.WAIVED)


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _details(result: Result) -> str:
    """The body of a failure: the reason, then what each unmet symbol is and why."""
    lines = [f"reason: {result.reason}"]
    for leaf in leaves(result):
        if leaf.status not in (Status.PASS, Status.NOT_APPLICABLE):
            lines.append(describe(leaf))
    return "\n".join(lines) + "\n"


def _testcase(suite: ET.Element, report: Report, result: Result) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": _xml_text(f"kcheck.{report.profile}"),
            "name": _xml_text(result.id),
            "time": "0",
        },
    )
    if result.status is Status.FAIL:
        failure = ET.SubElement(
            case,
            "failure",
            {"message": _xml_text(describe(result)), "type": str(result.level)},
        )
        failure.text = _xml_text(_details(result))
    elif result.status in _SKIPPED:
        ET.SubElement(
            case, "skipped", {"message": _xml_text(f"{result.status}: {describe(result)}")}
        )
    elif result.status in (Status.WARN, Status.INFO):
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text(f"{result.status} ({result.level}): {_details(result)}")


def report_suite(report: Report) -> ET.Element:
    """The report as one ``<testsuite>``, with its counts (``skipped`` included)."""
    counts = {
        "tests": str(len(report.results)),
        "failures": str(sum(r.status is Status.FAIL for r in report.results)),
        "errors": "0",
        "skipped": str(sum(r.status in _SKIPPED for r in report.results)),
        "time": "0",
    }
    suite = ET.Element("testsuite", {"name": _xml_text(f"kcheck.{report.profile}"), **counts})
    properties = ET.SubElement(suite, "properties")
    facts = {
        "profile": report.profile,
        "config": report.config,
        "tree": report.tree,
        "arch": report.arch,
        "kernel_version": report.kernel_version,
    }
    for name, value in facts.items():
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": _xml_text(value)})
    for result in report.results:
        _testcase(suite, report, result)
    if report.notices:
        out = ET.SubElement(suite, "system-out")
        out.text = _xml_text("".join(f"note: {notice}\n" for notice in report.notices))
    return suite


# The totals junit-10.xsd (the schema Jenkins' xUnit plugin and pytest follow) allows on
# <testsuites>: it has no "skipped" there, only on each <testsuite>.
_TOTALS = ("tests", "failures", "errors")


def testsuites(suites: Iterable[ET.Element]) -> ET.Element:
    """One ``<testsuites>`` holding ``suites``, with their totals."""
    suites = list(suites)
    root = ET.Element("testsuites", {"name": "kcheck"})
    for key in _TOTALS:
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.set("time", "0")
    root.extend(suites)
    return root


def report_to_junit(report: Report) -> ET.Element:
    """The report as a ``<testsuites>`` element with one suite."""
    return testsuites([report_suite(report)])


def junit_document(root: ET.Element) -> str:
    """A ``<testsuites>`` element as an indented XML document."""
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_junit(report: Report) -> str:
    return junit_document(report_to_junit(report))
