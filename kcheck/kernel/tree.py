"""Find and load a kernel's Kconfig tree for an architecture, and resolve .configs against it.

:func:`load_tree` parses a tree (or loads it from the cache) with the environment the kernel's
Makefile gives Kconfig, through :mod:`kcheck.kernel.compat` so that the rules of the tree's own
version apply. :class:`LoadedTree` loads .config text and answers what ``make olddefconfig``
would write (:meth:`LoadedTree.resolved_text`, byte for byte) and which requested values do not
survive (:meth:`LoadedTree.dropped`). Without ``probe`` no compiler runs: symbols that depend on
toolchain probes are pinned to the values in the .config being loaded (see
:mod:`kcheck.kernel.toolchain`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kconfiglib

import kcheck
from kcheck import arches
from kcheck.errors import InputError, TreeError, UsageError
from kcheck.kernel import cache, compat, configload, kconfiglib_api, values, versions
from kcheck.kernel.dotconfig import ConfigInput, DotConfig, parse_dotconfig, quote
from kcheck.kernel.toolchain import (
    OfflineShell,
    ProbeShell,
    ToolchainSpec,
    kconfig_env,
    probe_workdir,
    scoped_environ,
    toolchain_identity,
)

# Bump when the cached object graph or the compat layer's parse-time behaviour changes.
_CACHE_FORMAT = "3"

_MAKEFILE_VAR = re.compile(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=\s*(\S*)\s*$", re.M)
_K: Any = kconfiglib


@dataclass(frozen=True)
class DroppedValue:
    """A value requested in the input .config that ``make olddefconfig`` does not keep."""

    name: str
    requested: str
    actual: str


def srcarch_for(arch: str) -> str:
    """The arch/ directory for an ``ARCH`` value (``x86_64`` and ``i386`` live in ``x86``)."""
    srcarch = arches.srcarch(arch)
    if srcarch is None:
        known = ", ".join(sorted(arches.srcarch_names()))
        raise UsageError(f"unsupported architecture {arch!r} (supported: {known})")
    return srcarch


def _makefile_vars(srctree: Path) -> dict[str, str]:
    makefile = srctree / "Makefile"
    try:
        head = makefile.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError as exc:
        raise TreeError("not a kernel source tree (no readable Makefile)", path=srctree) from exc
    return {m.group(1): m.group(2) for m in _MAKEFILE_VAR.finditer(head)}


def kernel_version(srctree: Path) -> tuple[int, int, int]:
    """VERSION, PATCHLEVEL, SUBLEVEL from the tree's top Makefile."""
    values = _makefile_vars(srctree)
    try:
        return (int(values["VERSION"]), int(values["PATCHLEVEL"]), int(values.get("SUBLEVEL") or 0))
    except (KeyError, ValueError):
        raise TreeError(
            "not a kernel source tree (no VERSION/PATCHLEVEL in the top Makefile)",
            path=srctree / "Makefile",
        ) from None


def _kernelversion(srctree: Path) -> str:
    """$(KERNELVERSION) as the Makefile exports it: VERSION.PATCHLEVEL.SUBLEVEL + EXTRAVERSION."""
    values = _makefile_vars(srctree)
    major, minor, sub = kernel_version(srctree)
    base = f"{major}.{minor}.{sub}" if values.get("SUBLEVEL") else f"{major}.{minor}"
    return base + values.get("EXTRAVERSION", "")


def kernel_tree_problem(path: Path) -> TreeError | None:
    """Why ``path`` is not a kernel source tree Kconfig can be parsed from (None if it is).

    The error names what is really missing: the directory, a top Makefile with the version,
    the top Kconfig, or arch/ (which every ``source "arch/$(SRCARCH)/Kconfig"`` needs).
    """
    if not path.is_dir():
        return TreeError("not a kernel source tree (no such directory)", path=path)
    try:
        kernel_version(path)
    except TreeError as exc:
        return exc
    missing = [
        what
        for what, there in (
            ("Kconfig", (path / "Kconfig").is_file()),
            ("arch/", (path / "arch").is_dir()),
        )
        if not there
    ]
    if missing:
        return TreeError(f"not a kernel source tree (no {' and no '.join(missing)})", path=path)
    return None


def is_kernel_tree(path: Path) -> bool:
    """True if ``path`` looks like a kernel source tree Kconfig can be parsed from."""
    return kernel_tree_problem(path) is None


def _requested_value(sym: Any, value: str, quoted: bool) -> str | None:
    """The value a .config assignment (as :mod:`~kcheck.kernel.dotconfig` read it) asks for,
    as kconfiglib would store it; None when kconfiglib refuses it."""
    if sym.orig_type in (compat.BOOL, compat.TRISTATE):
        # conf_read() looks only at the first character, and not in quotes.
        return value[0] if not quoted and value[:1] in ("y", "m", "n") else None
    if sym.orig_type is compat.STRING:
        return value if quoted else None
    # A quoted int/hex is invalid for the kernel (sym_string_valid()): it is asked for as
    # written, so that it shows as dropped.
    return quote(value) if quoted else value


class LoadedTree:
    """A parsed Kconfig tree for one arch, with at most one .config loaded into it."""

    def __init__(
        self,
        srctree: Path,
        arch: str,
        srcarch: str,
        version: tuple[int, int, int],
        kconf: Any,
        spec: ToolchainSpec,
        from_cache: bool = False,
    ) -> None:
        self.srctree = srctree
        self.arch = arch
        self.srcarch = srcarch
        self.version = version
        self.kconf: Any = kconf
        self.spec = spec
        self.from_cache = from_cache
        self.config_name: str | None = None
        self._config: DotConfig | None = None
        self._saved_defaults: dict[Any, list[Any]] = {}
        # Offline mode: symbol -> value pinned from the loaded .config (toolchain probes).
        self.pinned: dict[str, str] = {}
        # Offline mode: False when the loaded text carries no toolchain values (a fragment or a
        # minimal defconfig: no CONFIG_CC_VERSION_TEXT), so every probe was assumed to succeed
        # -- callers should say so, or suggest --probe.
        self.probes_from_config = True
        self._probe_syms = self._find_probe_syms()
        # Offline: $(success,...) placeholders grouped by the symbol whose property used them.
        self._placeholders: dict[Any, list[Any]] = {}
        for name, (owner, _file, _line, _cmd) in kconf.probe_placeholders.items():
            placeholder = kconf.syms.get(name)
            if owner is not None and placeholder is not None:
                self._placeholders.setdefault(owner, []).append(placeholder)

    # -- probe pinning -----------------------------------------------------------------------

    def _find_probe_syms(self) -> list[Any]:
        kconf = self.kconf
        candidates = set(kconf.probe_defaults) | kconf.probe_deps | kconf.probe_select_targets
        syms = [
            sym
            for sym in kconf.unique_defined_syms
            if sym in candidates and not any(node.prompt for node in sym.nodes)
        ]
        return syms

    def _restore_pins(self) -> None:
        for sym, defaults in self._saved_defaults.items():
            sym.defaults = defaults
        self._saved_defaults.clear()
        self.pinned.clear()

    def _pin(self, sym: Any, value: str) -> None:
        """Make a probe-derived symbol take the value the input's toolchain gave it."""
        kconf = self.kconf
        defaults = list(sym.defaults)
        probe_idx = kconf.probe_defaults.get(sym, [])
        if sym.orig_type in (compat.BOOL, compat.TRISTATE):
            if value == "n":
                # The probe said no: nothing but a select can turn it on.
                new = [(kconf.n, cond) for _, cond in defaults]
            elif probe_idx:
                const = kconf.const_syms[value]
                new = [
                    (const, c) if i in probe_idx else (d, c) for i, (d, c) in enumerate(defaults)
                ]
            else:
                return  # only "depends on $(...)": the offline answer (success) already holds
        elif probe_idx:
            const = kconf._lookup_const_sym(value)
            new = [(const, c) if i in probe_idx else (d, c) for i, (d, c) in enumerate(defaults)]
        else:
            return
        self._saved_defaults[sym] = sym.defaults
        sym.defaults = new
        self.pinned[sym.name] = value

    def _set_placeholder(self, placeholder: Any, ok: bool) -> None:
        kconf = self.kconf
        value = kconf.y if ok else kconf.n
        if placeholder.defaults[0][0] is not value:
            placeholder.defaults = [(value, kconf.y)]
            placeholder._rec_invalidate()

    def _agrees(self, sym: Any, config: DotConfig) -> bool:
        """Does ``sym`` come out as the input .config (written by the real toolchain) has it?"""
        written = bool(sym.config_string)
        assignment = config.assignments.get(sym.name)
        if assignment is None:
            return not written
        if any(node.prompt for node in sym.nodes):
            # The user may have changed its value; being written at all is the evidence.
            return written
        requested = _requested_value(sym, assignment.value, sym.name in config.quoted)
        return written and sym.str_value == requested

    def _infer_placeholders(self, config: DotConfig) -> None:
        """Offline: choose $(success,...) answers so that the symbols using them come out as in
        the input .config (a probe assumed to succeed, unless that contradicts the .config)."""
        for owner, placeholders in self._placeholders.items():
            if self._agrees(owner, config):
                continue
            for placeholder in placeholders:
                self._set_placeholder(placeholder, False)
            if self._agrees(owner, config):
                continue
            for placeholder in placeholders:
                self._set_placeholder(placeholder, True)
            for placeholder in placeholders:
                self._set_placeholder(placeholder, False)
                if self._agrees(owner, config):
                    break
                self._set_placeholder(placeholder, True)

    def _apply_pins(self, config: DotConfig) -> None:
        # A .config written by make has CONFIG_CC_VERSION_TEXT (v4.18+): an absent promptless
        # probe symbol was then n. A fragment or minimal defconfig says nothing about them.
        assignments = config.assignments
        full = "CC_VERSION_TEXT" in assignments
        for sym in self._probe_syms:
            assignment = assignments.get(sym.name)
            value: str | None
            if assignment is not None:
                value = _requested_value(sym, assignment.value, sym.name in config.quoted)
            elif full and sym.orig_type in (compat.BOOL, compat.TRISTATE):
                value = "n"
            else:
                value = None
            if value is not None:
                self._pin(sym, value)

    # -- public API ----------------------------------------------------------------------------

    def load_values(self, config_text: str, config_name: str) -> None:
        """Load .config text (replacing any previous values), as ``make olddefconfig`` reads it.

        Without ``probe`` the toolchain-probe symbols are pinned from this text first.
        kconfiglib's warnings (``kconf.warnings``) name ``config_name`` and its line numbers.
        """
        self._load(config_text, config_name, None)

    def load_config(self, config: DotConfig) -> None:
        """:meth:`load_values` for a config already parsed by
        :func:`~kcheck.kernel.dotconfig.parse_dotconfig`: the same values, without reading
        the text again (what a batch of configs spends most of its time on)."""
        self._load(config.text, config.name, config)

    def _load(self, config_text: str, config_name: str, parsed: DotConfig | None) -> None:
        kconf = self.kconf
        self._restore_pins()
        kconf.warnings = []
        for placeholders in self._placeholders.values():
            for placeholder in placeholders:
                self._set_placeholder(placeholder, True)
        # Text is read as kconfiglib reads it below: lines it skips are skipped here too.
        config = parsed or parse_dotconfig(ConfigInput(config_name, config_text), lenient=True)
        self._config = config
        if not self.spec.probe:
            self._apply_pins(config)
        if (
            parsed is None
            or parsed.repeated
            or not kconf.load_parsed(parsed.assignments, parsed.quoted)
        ):
            try:
                kconf.load_config_text(config_text, config_name)
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot load config: {exc}", path=config_name) from exc
        full = "CC_VERSION_TEXT" in config.assignments
        self.probes_from_config = self.spec.probe or full
        if not self.spec.probe and full:
            self._infer_placeholders(config)
        self.config_name = config_name

    def header(self) -> str:
        """The comment block conf_write() puts first."""
        return f"#\n# Automatically generated file; DO NOT EDIT.\n# {self.kconf.mainmenu_text}\n#\n"

    def resolved_text(self) -> str:
        """Exactly what ``make olddefconfig`` would write as .config for the loaded values."""
        text: str = self.kconf._config_contents(self.header())
        return text

    def write_resolved(self, path: Path) -> None:
        """Write :meth:`resolved_text` to ``path`` (a regular file or a new one; never renamed
        to ``.old``: kconfiglib's save_old once moved /dev/null away, KCONFIG-FACTS.md)."""
        try:
            st = path.stat()
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(st.st_mode):
                raise InputError(
                    "refusing to write a config to something not a regular file", path=path
                )
        self.kconf.write_config(str(path), header=self.header(), save_old=False)

    def dropped(self) -> list[DroppedValue]:
        """Values assigned in the loaded .config (to symbols the tree defines) that differ in
        the resolved result, in the order the symbols appear in the input."""
        out: list[DroppedValue] = []
        config = self._config
        if config is None:
            return out
        syms = self.kconf.syms
        for name, assignment in config.assignments.items():
            sym = syms.get(name)
            if sym is None or not sym.nodes:
                continue
            requested = _requested_value(sym, assignment.value, name in config.quoted)
            if requested is None:
                continue
            actual = str(sym.str_value)
            if requested != actual:
                out.append(DroppedValue(name, requested, actual))
        return out

    def requested(self, name: str, value: str, quoted: bool) -> str | None:
        """The value a .config line ``CONFIG_name=value`` (as :mod:`~kcheck.kernel.dotconfig`
        reads it) asks for, as the symbol's value would show it; None when the kernel
        rejects it for the symbol's type or the tree does not define the symbol."""
        sym = self.sym(name)
        return None if sym is None else _requested_value(sym, value, quoted)

    def _probe_owners(self) -> list[Any]:
        """The symbols whose values come from toolchain probes (pinned or placeholders)."""
        kconf = self.kconf
        syms = dict.fromkeys(
            [*self._probe_syms, *self._placeholders, *kconf.probe_deps, *kconf.probe_defaults]
        )
        return [s for s in syms if s.__class__ is _K.Symbol and s.nodes]

    def probe_symbols(self) -> frozenset[str]:
        """The promptless symbols whose values are toolchain probes' answers (offline, pinned
        from each loaded config): what no tree rule alone decides."""
        return frozenset(s.name for s in self._probe_syms)

    def probes_in_play(self) -> set[str]:
        """The probe symbols whose ``depends on`` holds in the loaded config: those whose
        answers a config written by the real toolchain records (as a value or by absence)."""
        # With every $(success,...) stand-in taken as yes: an answer inferred from the base
        # (no) must not hide a probe the fragments bring into play.
        saved = {p: p.defaults for group in self._placeholders.values() for p in group}
        for placeholder in saved:
            self._set_placeholder(placeholder, True)
        try:
            return {s.name for s in self._probe_owners() if _K.expr_value(s.direct_dep)}
        finally:
            for placeholder, defaults in saved.items():
                if placeholder.defaults is not defaults:
                    placeholder.defaults = defaults
                    placeholder._rec_invalidate()

    def unrecorded_probes(self, recorded: Collection[str], in_play: Collection[str]) -> list[str]:
        """Offline: probe symbols now in play (:meth:`probes_in_play`) that were not in the
        base config -- not assigned in it (``recorded``) nor in play when it was loaded
        (``in_play``): their answers were guessed, since the toolchain that wrote the base was
        never asked (a 64-bit fragment on a 32-bit config). Empty with ``probe``."""
        if self.spec.probe:
            return []
        return sorted(
            name for name in self.probes_in_play() if name not in recorded and name not in in_play
        )

    def undefined(self) -> list[str]:
        """Names assigned in the loaded .config that this tree does not define."""
        return [name for name, _ in self.kconf.missing_syms]

    def sym(self, name: str) -> Any:
        """The kconfiglib Symbol for ``name`` (no ``CONFIG_``), or None if not defined here."""
        sym = self.kconf.syms.get(name)
        return sym if sym is not None and sym.nodes else None

    def value(self, name: str) -> str | None:
        """The symbol's value after olddefconfig semantics; None if the tree doesn't define it."""
        sym = self.sym(name)
        return None if sym is None else str(sym.str_value)

    def warnings(self) -> list[str]:
        return list(self.kconf.warnings)


def _code_digest() -> str:
    """The kernel layer's own source: a parse made by other code is never reused."""
    digest = hashlib.sha256()
    layer = (compat, configload, kconfiglib_api, values, versions, cache)
    for module in (*layer, sys.modules[__name__], sys.modules[ToolchainSpec.__module__]):
        path = getattr(module, "__file__", None)
        if path:
            with contextlib.suppress(OSError):
                digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def _cache_key(srctree: Path, arch: str, ident: str) -> str:
    return cache.make_key(
        _CACHE_FORMAT,
        _code_digest(),
        str(srctree.resolve()),
        arch,
        ident,
        kcheck.__version__,
        ".".join(map(str, _K.VERSION)),
        sys.version.split()[0],
    )


def load_tree(
    srctree: Path,
    arch: str,
    *,
    probe: bool = False,
    cross_compile: str | None = None,
    cache_dir: Path | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> LoadedTree:
    """Parse the Kconfig tree at ``srctree`` for ``arch`` (or load it from ``cache_dir``).

    ``probe`` runs the real toolchain probes with ``cross_compile`` (default ``$CROSS_COMPILE``
    or none); otherwise no compiler is run. Raises TreeError with ``file:line`` when the tree
    cannot be parsed.
    """
    progress = on_progress or (lambda _msg: None)
    srctree = Path(srctree)
    srcarch = srcarch_for(arch)
    problem = kernel_tree_problem(srctree)
    if problem is not None:
        raise problem
    version = kernel_version(srctree)
    if not (srctree / "arch" / srcarch / "Kconfig").is_file():
        raise TreeError(f"no arch/{srcarch}/Kconfig in this tree", path=srctree)
    if cross_compile is None:
        cross_compile = os.environ.get("CROSS_COMPILE", "") if probe else ""
    spec = ToolchainSpec(probe=probe, cross_compile=cross_compile)
    env = kconfig_env(srctree.resolve(), arch, srcarch, _kernelversion(srctree), spec)
    ident = toolchain_identity(env, spec)
    key = _cache_key(srctree, arch, ident)

    if cache_dir is not None:
        entry = cache.read_entry(cache_dir, key, on_corrupt=progress)
        if entry is not None:
            env_ok = all(env.get(name, "") == value for name, value in entry.env.items())
            if env_ok and cache.files_unchanged(srctree, entry.files):
                return LoadedTree(srctree, arch, srcarch, version, entry.payload, spec, True)
            progress("the cached Kconfig tree is out of date; parsing again")

    progress(
        f"parsing the Kconfig tree of Linux {'.'.join(map(str, version))} for {arch}"
        + (
            f" (probing the toolchain{' ' + cross_compile if cross_compile else ''})"
            if probe
            else ""
        )
    )
    rules = compat.Rules.for_version(version)
    with probe_workdir() as workdir:
        shell: Callable[[str], str] = ProbeShell(env, workdir) if probe else OfflineShell()
        with scoped_environ(env):
            try:
                kconf = compat.CompatKconfig("Kconfig", rules, shell, placeholders=not probe)
            except TreeError:
                raise
            except (_K.KconfigError, OSError) as exc:
                raise compat.tree_error(exc, srctree) from None
    tree = LoadedTree(srctree, arch, srcarch, version, kconf, spec)
    if cache_dir is not None:
        files = ["Makefile", *kconf.kconfig_filenames]
        stamps = cache.stamp_files(srctree, [f for f in files if not os.path.isabs(f)])
        used_env = {name: env.get(name, "") for name in sorted(kconf.env_vars)}
        meta = {
            "tree": str(srctree.resolve()),
            "arch": arch,
            "version": ".".join(map(str, version)),
            "probes": f"real ({cross_compile or 'host'} compiler)" if probe else "from the config",
        }
        entry = cache.Entry(key=key, files=stamps, env=used_env, payload=kconf, meta=meta)
        cache.write_entry(cache_dir, entry)
    return tree
