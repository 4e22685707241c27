"""Run the kcheck CLI in-process and capture (exit code, stdout, stderr) exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcheck.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Invoke = Callable[..., Run]


@pytest.fixture
def kcheck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Call ``kcheck(*args, input=..., env=...)``; runs in a fresh cwd with a private cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KCHECK_TREE", raising=False)
    monkeypatch.delenv("CROSS_COMPILE", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Run:
        runner = CliRunner()
        result = runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke
