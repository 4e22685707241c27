"""Many configs against real trees in one call (``app.check_many``), serially and with workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kcheck import app
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared


def _configs(tmp_path: Path) -> list[str]:
    corpus = CORPUS / "6.12"
    out = []
    for name in (
        "x86_64_defconfig.config",
        "arm64_defconfig.perturbed.config",
        "x86_64_defconfig.perturbed.config",
    ):
        target = tmp_path / name
        shutil.copy(corpus / name, target)
        out.append(str(target))
    # No header: the arch comes from its path, in the worker.
    folder = tmp_path / "arch" / "x86" / "configs"
    folder.mkdir(parents=True)
    shutil.copy(corpus / "x86_64_defconfig.defconfig", folder / "x86_64_defconfig")
    return [*out, str(folder / "x86_64_defconfig")]


def _outcome(items: list[app.BatchItem]) -> list[tuple[str, int, object, object]]:
    return [
        (item.config, item.exit_code, item.error, item.report and item.report.results)
        for item in items
    ]


def test_workers_share_the_trees_loaded_before_they_fork(
    kernel_trees: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = kernel_trees["6.12"]
    configs = _configs(tmp_path)
    inputs = app.Inputs(config=None, tree=tree)
    monkeypatch.setattr(app, "_TREES", {})
    heard: list[str] = []
    parallel = app.check_many("guest", configs, inputs, jobs=2, notify=heard.append)
    # The parent loaded one tree per arch named in a header, and nothing else.
    assert sorted(key[1] for key in app._TREES) == ["arm64", "x86_64"]
    monkeypatch.setattr(app, "_TREES", {})
    serial = app.check_many("guest", configs, inputs, jobs=1)
    assert _outcome(parallel) == _outcome(serial)
    assert [item.error for item in serial] == [None] * 4
