"""Runs the kcheck CLI from this checkout as a subprocess, the way a user would, for the benchmarks.

`python -m kcheck` from the repository needs no install. Every run gets the same clean PATH as the
C tool (so --probe sees the same compilers and no rustc) and a private XDG_CACHE_HOME, so a
benchmark neither uses nor disturbs the user's kcheck cache.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import ctool
import refcorpus

# kcheck's own exit codes: 0 all required met, 1 a requirement (or, for resolve, a requested
# value) is not met. Both mean the command did its job; 2 and 3 mean it could not.
COMPLETED = (0, 1)


class KcheckUnavailable(Exception):
    """The kcheck CLI cannot run yet (it is being written in parallel) or a run failed."""


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


class KcheckCli:
    def __init__(self, cache_home: Path, repo: Path = refcorpus.REPO) -> None:
        self.repo = repo
        self.cache_home = cache_home

    def env(self) -> dict[str, str]:
        env = ctool.clean_env()
        env.update(
            XDG_CACHE_HOME=str(self.cache_home),
            PYTHONPATH=str(self.repo),
            NO_COLOR="1",
            COLUMNS="100",
        )
        return env

    def run(self, args: list[str]) -> CliRun:
        """Run `kcheck ARGS`; raise KcheckUnavailable unless it exits 0 or 1."""
        command = [sys.executable, "-m", "kcheck", *args]
        start = time.perf_counter()
        result = subprocess.run(
            command,
            cwd=self.repo,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if result.returncode not in COMPLETED:
            raise KcheckUnavailable(
                f"`kcheck {' '.join(args)}` exited {result.returncode}: "
                f"{_last_lines(result.stderr)}"
            )
        return CliRun(result.returncode, result.stdout, result.stderr, seconds)

    def check_available(self, commands: tuple[str, ...]) -> None:
        """Raise KcheckUnavailable, saying why, unless `kcheck COMMAND --help` works for each."""
        for command in commands:
            result = subprocess.run(
                [sys.executable, "-m", "kcheck", command, "--help"],
                cwd=self.repo,
                env=self.env(),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise KcheckUnavailable(
                    f"`python -m kcheck {command} --help` exited {result.returncode}: "
                    f"{_last_lines(result.stderr or result.stdout)}"
                )


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:]) if lines else "(no output)"
