"""Every report format on the real trees: each corpus config against each built-in profile.

The JSON report must validate against the published schema and SARIF against the SARIF
2.1.0 schema; JUnit and GitHub output must be well formed and agree with the report's
counts. The corpus' perturbed configs ask for values ``make olddefconfig`` drops, so the
``requested`` and ``why`` fields are exercised too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kcheck import app
from kcheck.model import Report, Status
from kcheck.profiles import builtin_profiles, load_profile
from kcheck.reporters import FORMATS, RenderOptions
from tests.conftest import CORPUS, TREE_VERSIONS, corpus_inputs, corpus_names
from tests.report_formats import check_github, check_json_report, check_junit, check_sarif

pytestmark = pytest.mark.shared

CASES = corpus_inputs()


def reports(config: Path, tree: Path | None, cache: Path) -> list[Report]:
    """The config checked against every built-in profile, with its .config lines filled in."""
    loaded = app.load_inputs(app.Inputs(config=str(config), tree=tree, cache_dir=cache), _quiet)
    lines = {name: a.line for name, a in loaded.config.assignments.items()}
    return [
        dataclasses.replace(app.check_loaded(load_profile(name), loaded), locations=lines)
        for name in builtin_profiles()
    ]


def _quiet(_message: str) -> None:
    pass


def check_all_formats(report: Report) -> None:
    opts = RenderOptions(color=False, width=100)
    assert set(FORMATS) >= {"text", "json", "sarif", "junit", "github"}
    document = check_json_report(FORMATS["json"](report, opts))
    assert document["summary"]["counts"] == report.summary.counts

    sarif = check_sarif(FORMATS["sarif"](report, opts))
    run = sarif["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [r.id for r in report.results]
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"].get("region")
        if region is not None:
            assert region["startLine"] in report.locations.values()

    junit = check_junit(FORMATS["junit"](report, opts))
    assert int(junit.get("failures", "-1")) == report.summary.counts[str(Status.FAIL)]

    lines = check_github(FORMATS["github"](report, opts))
    errors = sum(line.startswith("::error ") for line in lines)
    assert errors == report.summary.counts[str(Status.FAIL)]

    assert FORMATS["text"](report, opts).strip()


@pytest.mark.parametrize(("version", "name", "suffix"), CASES)
def test_formats_on_the_real_trees(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str, name: str, suffix: str
) -> None:
    config = CORPUS / version / f"{name}{suffix}"
    for report in reports(config, kernel_trees[version], kcheck_cache):
        check_all_formats(report)


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_formats_without_a_tree(tmp_path: Path, version: str) -> None:
    folder = CORPUS / version
    for name in corpus_names(version):
        config = tmp_path / f"{name}.config"  # away from any tree
        config.write_text((folder / f"{name}.config").read_text())
        for report in reports(config, None, tmp_path / "cache"):
            assert report.tree is None
            check_all_formats(report)
