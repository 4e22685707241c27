"""How a Kconfig tree's ``$(shell ...)`` probes are answered, and the environment a parse needs.

Two modes. The default runs no compiler and nothing from the tree: :class:`OfflineShell`
answers every probe in Python (``test`` comparisons are evaluated, compiler probes are assumed to
succeed, version scripts get placeholder answers), and :mod:`kcheck.kernel.tree` then pins every
promptless symbol whose definition used a probe to the value in the input .config -- the toolchain
that wrote that .config is the truth. ``--probe`` (:class:`ProbeShell`) runs the real commands
with the real (cross) toolchain, in a private temporary directory as cwd because ``cc-option``
does ``mkdir .tmp_$$`` in the current directory, with the variables the kernel's top Makefile
exports (``CC=$(CROSS_COMPILE)gcc``, ``LD=$(CROSS_COMPILE)ld``, ...).
:func:`scoped_environ` sets the process environment kconfiglib reads only for the duration of a
parse and restores it afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# scripts/Kconfig.include:
#   if-success = $(shell,{ $(1); } >/dev/null 2>&1 && echo "$(2)" || echo "$(3)")
_IF_SUCCESS = re.compile(
    r'^\{ (?P<cmd>.*); \} >/dev/null 2>&1 && echo "(?P<ok>[^"]*)" \|\| echo "(?P<fail>[^"]*)"$',
    re.DOTALL,
)
_SET_ECHO = re.compile(r"^set -- (?P<words>.*) && echo \$(?P<n>[0-9])$", re.DOTALL)

# Placeholder answers of the version scripts when no compiler is run. Every symbol they feed
# (CC_IS_GCC, GCC_VERSION, AS_VERSION, LD_VERSION, ...) is pinned from the input .config.
_OFFLINE_VERSION_SCRIPTS = {
    "cc-version.sh": "GCC 120200",
    "as-version.sh": "GNU 24000",
    "ld-version.sh": "BFD 24000",
    "rustc-version.sh": "0",
    "rustc-llvm-version.sh": "0",
    "pahole-version.sh": "0",
}

# Variables that change how kconfiglib reads or writes (prefix, headers, warnings): never let the
# caller's environment leak them into a parse.
_KCONFIG_ENV_PREFIXES = ("KCONFIG_",)
_KCONFIG_ENV_NAMES = frozenset({"CONFIG_", "srctree", "SRCARCH", "ARCH", "KERNELVERSION"})


@dataclass(frozen=True)
class ToolchainSpec:
    """What answers the probes: ``probe=False`` offline (default), or the real toolchain."""

    probe: bool = False
    cross_compile: str = ""

    @property
    def mode(self) -> str:
        return f"probe:{self.cross_compile}" if self.probe else "offline"


def _evaluate_test(cmd: str) -> bool | None:
    """The result of a pure ``test ...`` command, or None if ``cmd`` is anything else."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        return None
    if not words or words[0] != "test":
        return None
    args = words[1:]
    if len(args) == 2 and args[0] in ("-z", "-n"):
        return (args[1] == "") == (args[0] == "-z")
    if len(args) == 3 and args[1] in ("=", "==", "!="):
        return (args[0] == args[2]) == (args[1] != "!=")
    return None


def unknown_success_probe(cmd: str) -> bool:
    """True for ``$(success,<cmd>)`` whose answer only the real toolchain knows (not a pure
    ``test``). Offline, such a probe becomes a placeholder symbol whose value is inferred from
    the .config (see compat.CompatKconfig and tree.LoadedTree)."""
    match = _IF_SUCCESS.match(cmd)
    return bool(
        match
        and match.group("ok") == "y"
        and match.group("fail") == "n"
        and _evaluate_test(match.group("cmd").strip()) is None
    )


def _evaluate_expr(left: str, op: str, right: str) -> str:
    """``expr A op B`` on integers (7.x init/Kconfig: ``expr $(rustc-llvm-version) / 10000``)."""
    try:
        a, b = int(left), int(right)
    except ValueError:
        return ""
    if op == "+":
        return str(a + b)
    if op == "-":
        return str(a - b)
    if op == "*":
        return str(a * b)
    if op in ("/", "%") and b != 0:
        # expr truncates towards zero like C
        quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return str(quotient if op == "/" else a - b * quotient)
    return ""


@dataclass
class OfflineShell:
    """Answers ``$(shell,cmd)`` without running anything (the default, no-compiler mode)."""

    commands: list[str] = field(default_factory=list)

    def __call__(self, cmd: str) -> str:
        self.commands.append(cmd)
        match = _IF_SUCCESS.match(cmd)
        if match:
            inner = match.group("cmd").strip()
            result = _evaluate_test(inner)
            # A compiler/assembler/linker probe: assume the toolchain that wrote the .config
            # supports it; the symbols it feeds are pinned from that .config afterwards.
            ok = True if result is None else result
            return match.group("ok") if ok else match.group("fail")
        match = _SET_ECHO.match(cmd)
        if match:
            words = match.group("words").split()
            index = int(match.group("n"))
            return words[index - 1] if 0 < index <= len(words) else ""
        words = cmd.split()
        if len(words) == 4 and words[0] == "expr":
            return _evaluate_expr(words[1], words[2], words[3])
        first = words[0] if words else ""
        return _OFFLINE_VERSION_SCRIPTS.get(Path(first).name, "")


@dataclass
class ProbeShell:
    """Runs ``$(shell,cmd)`` with the real toolchain in a private temporary working directory."""

    env: Mapping[str, str]
    workdir: Path
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    def __call__(self, cmd: str) -> str:
        # Kconfig's $(shell,...) argument is a shell command line.
        proc = subprocess.run(
            cmd, shell=True, cwd=self.workdir, env=dict(self.env), capture_output=True, check=False
        )
        out = proc.stdout.decode(self.encoding, errors="replace")
        err = proc.stderr.decode(self.encoding, errors="replace")
        if err:
            self.warnings.append(f"'{cmd}' wrote to stderr: {err.strip()}")
        # Same newline handling as kconfiglib's _shell_fn and the C preprocessor.
        return "\n".join(out.splitlines()).rstrip("\n").replace("\n", " ")


@contextmanager
def probe_workdir() -> Iterator[Path]:
    """A private, writable, empty cwd for probes (cc-option does ``mkdir .tmp_$$`` in cwd)."""
    with tempfile.TemporaryDirectory(prefix="kcheck-probe-") as tmp:
        yield Path(tmp)


def _first_line(argv: list[str], env: Mapping[str, str]) -> str:
    try:
        proc = subprocess.run(
            argv,
            env=dict(env),
            capture_output=True,
            check=False,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = proc.stdout.decode("utf-8", errors="replace").splitlines()
    return lines[0] if lines else ""


def kconfig_env(
    srctree: Path,
    arch: str,
    srcarch: str,
    kernelversion: str,
    spec: ToolchainSpec,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for parsing: like the kernel's top Makefile exports it to Kconfig."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if k not in _KCONFIG_ENV_NAMES and not k.startswith(_KCONFIG_ENV_PREFIXES)
    }
    cross = spec.cross_compile if spec.probe else ""
    env.update(
        srctree=str(srctree),
        SRCARCH=srcarch,
        ARCH=arch,
        KERNELVERSION=kernelversion,
        CC=f"{cross}gcc",
        LD=f"{cross}ld",
        AR=f"{cross}ar",
        NM=f"{cross}nm",
        OBJCOPY=f"{cross}objcopy",
        OBJDUMP=f"{cross}objdump",
        READELF=f"{cross}readelf",
        STRIP=f"{cross}strip",
        HOSTCC="gcc",
        HOSTCXX="g++",
        RUSTC="rustc",
        BINDGEN="bindgen",
        PAHOLE="pahole",
        CLANG_FLAGS="",
    )
    if not spec.probe:
        # The .config's CONFIG_CC_VERSION_TEXT / PAHOLE_VERSION are pinned instead.
        env["CC_VERSION_TEXT"] = ""
        env["PAHOLE_VERSION"] = "0"
        return env
    # Makefile: CC_VERSION_TEXT = $(subst $(pound),,$(shell LC_ALL=C $(CC) --version | head -n 1))
    cc_env = dict(env, LC_ALL="C")
    env["CC_VERSION_TEXT"] = _first_line([env["CC"], "--version"], cc_env).replace("#", "")
    # 7.x Makefile: export PAHOLE_VERSION := $(shell $(srctree)/scripts/pahole-version.sh $(PAHOLE))
    # (older trees run the script from init/Kconfig themselves).
    pahole = shutil.which(env["PAHOLE"], path=env.get("PATH"))
    script = srctree / "scripts" / "pahole-version.sh"
    if pahole and script.is_file():
        env["PAHOLE_VERSION"] = _first_line([str(script), pahole], env) or "0"
    else:
        env["PAHOLE_VERSION"] = "0"
    return env


def toolchain_identity(env: Mapping[str, str], spec: ToolchainSpec) -> str:
    """A digest of everything that can change probe answers (part of the cache key)."""
    if not spec.probe:
        return "offline"
    parts = [spec.mode, env.get("PATH", ""), env.get("CC_VERSION_TEXT", "")]
    for tool in ("CC", "LD", "AR", "NM", "OBJCOPY", "RUSTC", "BINDGEN", "PAHOLE", "HOSTCC"):
        path = shutil.which(env.get(tool, ""), path=env.get("PATH"))
        if path is None:
            parts.append(f"{tool}=-")
            continue
        st = os.stat(path)
        parts.append(f"{tool}={path}:{st.st_size}:{st.st_mtime_ns}")
    parts.append(_first_line([env["LD"], "--version"], env))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@contextmanager
def scoped_environ(env: Mapping[str, str]) -> Iterator[None]:
    """Make os.environ exactly ``env`` while kconfiglib parses; restore it afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
