"""Run the kcheck CLI in-process and capture (exit code, stdout, stderr) exactly.

Every report a CLI test gets back is validated on the way (``tests/report_formats.py``):
JSON against the published schema, SARIF against the SARIF 2.1.0 schema, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kcheck.cli import main
from tests.report_formats import check_rendered


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Invoke = Callable[..., Run]


@pytest.fixture
def kcheck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Call ``kcheck(*args, input=..., env=...)`` in a fresh cwd, with the session's cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KCHECK_TREE", raising=False)
    monkeypatch.delenv("CROSS_COMPILE", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("COLUMNS", "120")

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Run:
        runner = CliRunner()
        result = runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)
        fmt = report_format(args)
        if fmt is not None and result.exit_code in (0, 1) and result.stdout:
            check_rendered(fmt, result.stdout)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


def report_format(args: tuple[str, ...]) -> str | None:
    """The --format a report command was given (text when none), None for other commands."""
    commands = ("guest", "host", "check", "vm", "lint", "merge")
    if not args or args[0] not in commands or "--fix" in args:
        return None
    if args[0] == "merge" and "-o" not in args:
        return None  # the merged config is on stdout, the report on stderr
    for i, arg in enumerate(args):
        if arg == "--format" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--format="):
            return arg.removeprefix("--format=")
    return "text"
