"""The errors kcheck raises on purpose, each mapped to the exit code the CLI returns.

Only ``cli.py`` turns these into exit codes. Messages name the file (and line where there is
one) so that a user can go straight to the problem.
"""

from __future__ import annotations

from pathlib import Path


class KcheckError(Exception):
    """Base class for expected failures. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.location_message())

    def location_message(self) -> str:
        """The message prefixed with ``file:line:`` where known, as compilers print it."""
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class InputError(KcheckError):
    """A config, fragment or other input file is missing, unreadable or malformed."""


class ProfileError(KcheckError):
    """A requirement profile is malformed: bad TOML, unknown keys, bad values, cycles."""


class TreeError(KcheckError):
    """A kernel tree cannot be found or parsed by kconfiglib (plus our compatibility layer)."""


class UsageError(KcheckError):
    """Options that contradict each other or name something that does not exist."""


class InternalError(KcheckError):
    """A bug in kcheck. Exit code 3 so CI can tell it apart from a bad input."""

    exit_code = 3
