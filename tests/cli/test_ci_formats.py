"""The CI formats (SARIF, JUnit, GitHub annotations) and the JSON schema, without a tree.

Reports rendered here are validated by the ``kcheck`` fixture too (tests/report_formats.py);
these tests pin what each format says and where it points.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kcheck import app
from kcheck.engine import summarize
from kcheck.kernel.dotconfig import parse_dotconfig, read_config
from kcheck.model import Report
from kcheck.policy import Waiver, apply_policy
from kcheck.reporters import FORMATS, RenderOptions
from kcheck.reporters.github import escape_data, escape_property, render_github
from kcheck.reporters.junit import render_junit
from kcheck.reporters.sarif import artifact_uri, render_sarif
from kcheck.schemas import REPORT_SCHEMA, report_schema
from tests.cli.conftest import Invoke
from tests.conftest import require_shared
from tests.report_formats import (
    check_github,
    check_json_report,
    check_junit,
    check_rendered,
    check_sarif,
    errors,
    report_validator,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

PROFILE = """\
[profile]
name = "mini"
description = "one of each level, a group and an arch-only requirement"

[[requirement]]
id = "virtio-net"
section = "Virtio"
symbol = "VIRTIO_NET"
reason = "the guest's NIC"

[[requirement]]
id = "console"
symbol = "VIRTIO_CONSOLE"
level = "recommended"
reason = "the hvc console"

[[requirement]]
id = "balloon"
symbol = "VIRTIO_BALLOON"
level = "optional"
reason = "memory ballooning"

[[requirement]]
id = "transport"
reason = "a virtio transport"
  [[requirement.any_of]]
  symbol = "VIRTIO_PCI"
  [[requirement.any_of]]
  symbol = "VIRTIO_MMIO"

[[requirement]]
id = "kvm-guest"
symbol = "KVM_GUEST"
arch = ["arm64"]
reason = "only here to be not applicable"
"""

CONFIG = """\
# Linux/x86_64 6.12.117 Kernel Configuration
CONFIG_X86_64=y
# CONFIG_VIRTIO_NET is not set
CONFIG_VIRTIO_CONSOLE=n
CONFIG_VIRTIO_BALLOON=n
# CONFIG_VIRTIO_PCI is not set
# CONFIG_VIRTIO_MMIO is not set
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "mini.toml").write_text(PROFILE)
    (tmp_path / "my.config").write_text(CONFIG)
    return str(tmp_path / "mini.toml"), str(tmp_path / "my.config")


# What the view says of a symbol the config turns off, without a tree.
SET_TO_N = "the config sets it to n"


def report_for(profile: str, config: str, *, locations: bool = True) -> Report:
    """The report app.check gives (it records each symbol's .config line), or without lines."""
    report = app.check(profile, app.Inputs(config=config), lambda _msg: None)
    parsed = parse_dotconfig(read_config(config))
    named: set[str] = set()
    stack = list(report.results)
    while stack:
        result = stack.pop()
        named.add(result.symbol)
        stack += result.children
    assert report.locations == {
        name: a.line for name, a in parsed.assignments.items() if name in named
    }
    assert report.locations  # these configs assign some of the profile's symbols
    return report if locations else dataclasses.replace(report, locations={})


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders_and_validates(
    kcheck: Invoke, files: tuple[str, str], fmt: str
) -> None:
    profile, config = files
    run = kcheck("check", "--profile", profile, config, "--format", fmt)
    assert run.code == 1
    assert run.out
    check_rendered(fmt, run.out)  # the fixture did too; this keeps the test honest alone


def test_sarif_rules_results_and_lines(files: tuple[str, str]) -> None:
    profile, config = files
    sarif = check_sarif(render_sarif(report_for(profile, config)))
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "virtio-net",
        "console",
        "balloon",
        "transport",
        "kvm-guest",
    ]
    assert [r["defaultConfiguration"]["level"] for r in rules] == [
        "error",
        "warning",
        "note",
        "error",
        "error",
    ]
    results = {r["ruleId"]: r for r in run["results"]}
    # Not applicable is no finding; every other verdict here is.
    assert sorted(results) == ["balloon", "console", "transport", "virtio-net"]
    assert [(r["kind"], r["level"]) for r in run["results"]] == [
        ("fail", "error"),
        ("fail", "warning"),
        ("fail", "note"),
        ("fail", "error"),
    ]
    uri = artifact_uri(config)
    assert uri.startswith("file:///")
    assert run["artifacts"] == [{"location": {"uri": uri}, "roles": ["analysisTarget"]}]

    def line(rule: str) -> int | None:
        physical = results[rule]["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": uri, "index": 0}
        region: dict[str, int] | None = physical.get("region")
        return None if region is None else region["startLine"]

    assert line("virtio-net") == 3
    assert line("console") == 4
    assert line("balloon") == 5
    assert line("transport") == 6  # the group's first member the config mentions
    assert "CONFIG_VIRTIO_NET is n, wanted y|m" in results["virtio-net"]["message"]["text"]
    assert run["invocations"][0]["exitCode"] == 1


def test_sarif_without_lines_points_at_the_file(files: tuple[str, str]) -> None:
    profile, config = files
    sarif = check_sarif(render_sarif(report_for(profile, config, locations=False)))
    for result in sarif["runs"][0]["results"]:
        (location,) = result["locations"]
        assert "region" not in location["physicalLocation"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == artifact_uri(config)


def test_sarif_unknown_is_for_review(kcheck: Invoke, tmp_path: Path) -> None:
    (tmp_path / "x.config").write_text("CONFIG_X86_64=y\n")
    run = kcheck("guest", str(tmp_path / "x.config"), "--format", "sarif")
    assert run.code == 0
    results = json.loads(run.out)["runs"][0]["results"]
    assert results
    assert {(r["kind"], r["level"]) for r in results} == {("review", "none")}


def test_stdin_has_no_location(kcheck: Invoke, files: tuple[str, str]) -> None:
    profile, _config = files
    sarif = json.loads(
        kcheck("check", "--profile", profile, "-", "--format", "sarif", input=CONFIG).out
    )
    run = sarif["runs"][0]
    assert "artifacts" not in run
    assert all("locations" not in r for r in run["results"])
    github = kcheck("check", "--profile", profile, "-", "--format", "github", input=CONFIG).out
    assert "file=" not in github


def test_artifact_uri() -> None:
    assert artifact_uri("arch/x86/configs/my config") == "arch/x86/configs/my%20config"
    assert artifact_uri("/boot/config-6.12.0") == "file:///boot/config-6.12.0"


def test_junit_cases_failures_and_skips(files: tuple[str, str]) -> None:
    profile, config = files
    root = check_junit(render_junit(report_for(profile, config)))
    (suite,) = root.iter("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["virtio-net", "console", "balloon", "transport", "kvm-guest"]
    failure = cases["virtio-net"].find("failure")
    assert failure is not None
    assert failure.get("type") == "required"
    assert failure.get("message") == f"CONFIG_VIRTIO_NET is n, wanted y|m: {SET_TO_N}"
    assert failure.text == (
        f"reason: the guest's NIC\nCONFIG_VIRTIO_NET is n, wanted y|m: {SET_TO_N}\n"
    )
    group = cases["transport"].find("failure")
    assert group is not None
    assert group.text is not None
    assert "CONFIG_VIRTIO_PCI is n, wanted y|m" in group.text
    assert "CONFIG_VIRTIO_MMIO is n, wanted y|m" in group.text
    # A recommended requirement that is not met does not fail the run, nor the test case.
    assert cases["console"].find("failure") is None
    out = cases["console"].find("system-out")
    assert out is not None
    assert out.text is not None
    assert out.text.startswith("warn (recommended): reason: the hvc console")
    skipped = cases["kvm-guest"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not_applicable: CONFIG_KVM_GUEST: only on arm64"
    assert suite.get("failures") == "2"


def test_junit_survives_control_characters(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(
        '[profile]\nname = "ctl"\ndescription = "x"\n\n[[requirement]]\nsymbol = "CMDLINE"\n'
        'want = \'== "console=hvc0"\'\nreason = "bell \\u0007 and escape \\u001b"\n'
    )
    (tmp_path / "c.config").write_text('CONFIG_X86_64=y\nCONFIG_CMDLINE="a\x1b[31mred"\n')
    report = report_for(str(tmp_path / "p.toml"), str(tmp_path / "c.config"))
    text = render_junit(report)
    case = check_junit(text).find("testsuite/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.text is not None
    assert "bell \\x07 and escape \\x1b" in failure.text
    assert "a\\x1b[31mred" in failure.text


def test_github_annotations(files: tuple[str, str]) -> None:
    profile, config = files
    lines = check_github(render_github(report_for(profile, config)))
    at = f"file={escape_property(config)}"
    assert lines == [
        f"::error {at},line=3,title=kcheck mini%3A virtio-net::virtio-net (required): "
        f"CONFIG_VIRTIO_NET is n, wanted y|m: {SET_TO_N}. Needed for: the guest's NIC",
        f"::warning {at},line=4,title=kcheck mini%3A console::console (recommended): "
        f"CONFIG_VIRTIO_CONSOLE is n, wanted y|m: {SET_TO_N}. Needed for: the hvc console",
        f"::notice {at},line=5,title=kcheck mini%3A balloon::balloon (optional): "
        f"CONFIG_VIRTIO_BALLOON is n, wanted y|m: {SET_TO_N}. Needed for: memory ballooning",
        f"::error {at},line=6,title=kcheck mini%3A transport::transport (required): none of "
        f"the alternatives holds (CONFIG_VIRTIO_PCI is n, wanted y|m: {SET_TO_N}; "
        f"CONFIG_VIRTIO_MMIO is n, wanted y|m: {SET_TO_N}). Needed for: a virtio transport",
        f"kcheck mini {config}: FAIL: 2 failed, 1 warnings, 1 optional missing, 1 not applicable",
    ]


def test_waived_is_suppressed_in_sarif_and_skipped_in_junit(files: tuple[str, str]) -> None:
    profile, config = files
    report = report_for(profile, config)
    waiver = Waiver("virtio-net", "no network in this guest", "--waive")
    outcome = apply_policy(report.results, waivers=[waiver])
    waived = dataclasses.replace(
        report, results=outcome.results, summary=summarize(outcome.results)
    )
    json_report = check_json_report(FORMATS["json"](waived, RenderOptions()))
    assert json_report["results"][0]["status"] == "waived"
    assert json_report["summary"]["counts"]["waived"] == 1
    sarif = check_sarif(render_sarif(waived))
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "virtio-net"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "waived: no network in this guest",
        }
    ]
    assert (result["kind"], result["level"]) == ("fail", "error")
    case = check_junit(render_junit(waived)).find("testsuite/testcase[@name='virtio-net']")
    assert case is not None
    skipped = case.find("skipped")
    assert skipped is not None
    assert (skipped.get("message") or "").startswith("waived: ")
    assert "virtio-net" not in render_github(waived)


def test_github_escaping() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_schema_is_shipped_and_valid() -> None:
    from importlib.resources import files

    assert files("kcheck.schemas").joinpath(REPORT_SCHEMA).is_file()
    schema = report_schema()
    assert schema["properties"]["schema_version"] == {
        "description": schema["properties"]["schema_version"]["description"],
        "const": 2,
    }
    report_validator()  # checks the schema against its metaschema


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_golden_json_reports_validate(golden: str) -> None:
    check_json_report((GOLDEN / golden).read_text())


def test_schema_rejects_what_the_report_never_has(files: tuple[str, str]) -> None:
    profile, config = files
    good = json.loads(FORMATS["json"](report_for(profile, config), RenderOptions()))
    assert errors(report_validator(), good) == []

    def broken(change: dict[str, object], where: str = "") -> list[str]:
        document = json.loads(json.dumps(good))
        target = document["results"][0] if where == "result" else document
        target.update(change)
        return errors(report_validator(), document)

    assert broken({"undocumented": 1})
    assert broken({"schema_version": 1})
    assert broken({"exit_code": 3})
    assert broken({"status": "skipped"}, "result")
    assert broken({"kind": "sysctl"}, "result")
    assert broken({"origin": ""}, "result")
    assert broken({"symbol": "CONFIG_VIRTIO_NET"}, "result") == []  # pattern allows it ...
    assert broken({"symbol": "virtio net"}, "result")  # ... but not spaces
    assert broken({"any_of": [], "all_of": []}, "result")
    del good["summary"]["counts"]["unknown"]
    assert errors(report_validator(), good)


def test_xml_is_parseable_by_the_standard_library(files: tuple[str, str]) -> None:
    profile, config = files
    ET.fromstring(render_junit(report_for(profile, config)))


@pytest.mark.shared
def test_explain_chains_are_in_the_schema(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    config = require_shared("corpus", "7.2", "tinyconfig-x86_64.config")
    run = kcheck(
        "guest", str(config), "--tree", str(kernel_trees["7.2"]), "--explain", "--format", "json"
    )
    assert run.code == 1, run.err
    document = check_json_report(run.out)  # the fixture did too
    chains = [r["chain"] for r in document["results"] if "chain" in r]
    assert chains
    assert all(chain["kind"] == "target" for chain in chains)
