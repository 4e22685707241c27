"""kconfiglib's parser taught the syntax of newer kernels: :class:`CompatKconfig`.

kconfiglib 14.1.0 (the newest release on PyPI) parses the Kconfig of Linux ~5.6. This module
teaches its parser, at run time and without a vendored copy, what later kernels write: the bare
``modules`` attribute (v5.13), ``transitional`` symbols (v6.18), ``depends on X if Y`` (v6.19),
v6.11 choice dependencies and the repeated-inclusion error (v7.1), each only when the tree's
version has it (:class:`~kcheck.kernel.versions.Rules`). It also records what the toolchain
layer needs (symbols whose properties use a ``$(...)`` probe) and turns kconfiglib's errors into
one-line :class:`kcheck.errors.TreeError` naming ``file:line`` (:func:`tree_error`): constructs
this layer does not know fail rather than give a confident wrong answer.

The rest of the layer lives beside it: :mod:`kcheck.kernel.versions` (which rules apply),
:mod:`kcheck.kernel.values` (the value rules, installed on kconfiglib's classes on import),
:mod:`kcheck.kernel.configload` (reading a .config into the tree) and
:mod:`kcheck.kernel.kconfiglib_api` (the kconfiglib names used), re-exported here for callers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kcheck.errors import TreeError
from kcheck.kernel import values
from kcheck.kernel.configload import ConfigLoader
from kcheck.kernel.kconfiglib_api import (
    AND,
    BOOL,
    DEFAULT_TOKENS,
    EQUAL,
    HEX,
    INT,
    MENU,
    NOT,
    OR,
    RELATIONS,
    STRING,
    T_DEPENDS,
    T_IF,
    T_IMPLY,
    T_MODULES,
    T_ON,
    T_OPTION,
    T_SELECT,
    TRISTATE,
    UNEQUAL,
    Choice,
    K,
    Symbol,
    expr_value,
)
from kcheck.kernel.toolchain import unknown_success_probe
from kcheck.kernel.versions import Rules

__all__ = [
    "AND",
    "BOOL",
    "EQUAL",
    "HEX",
    "INT",
    "MENU",
    "NOT",
    "OR",
    "STRING",
    "TRISTATE",
    "UNEQUAL",
    "Choice",
    "CompatKconfig",
    "Rules",
    "Symbol",
    "expr_value",
    "install",
    "tree_error",
]

install = values.install

_SELECT_TARGET = re.compile(r"\s*(?:select|imply)\s+([A-Za-z0-9_]+)\b")
_TRANSITIONAL_LINE = re.compile(r"\s*transitional\s*(#.*)?$")
_LOCATION = re.compile(r"^\s*(?P<path>[^\s:]+):(?P<line>\d+):\s*(?P<msg>.*)$", re.DOTALL)


def tree_error(exc: BaseException, srctree: Path | None = None) -> TreeError:
    """A kconfiglib/OS error as a one-line TreeError, keeping ``file:line`` when known.

    kconfiglib's messages for a recursive ``source`` and for bad UTF-8 span several lines
    (an include path; a bytes dump with no line number). Every kcheck error is one line, so
    the include path is folded into it, and bad UTF-8 is located by decoding the file again
    from ``srctree``.
    """
    if isinstance(exc, TreeError):
        return exc
    text = str(exc).strip()
    malformed = _MALFORMED.match(text)
    if malformed is not None:
        return _malformed_error(malformed.group("path"), srctree, text)
    match = _LOCATION.match(text)
    if match:
        msg = match.group("msg")
        if msg.startswith("error: "):
            msg = msg[len("error: ") :]
        return TreeError(_one_line(msg), path=match.group("path"), line=int(match.group("line")))
    filename = getattr(exc, "filename", None)
    if filename:
        return TreeError(getattr(exc, "strerror", None) or _one_line(text), path=str(filename))
    return TreeError(_one_line(text) or exc.__class__.__name__)


_MALFORMED = re.compile(r"Malformed \S+ in '(?P<path>[^'\n]+)'")
# kconfiglib's advice is for people who run it by hand; kcheck sets the environment itself.
_ENV_ADVICE = re.compile(r"\s*Check that environment variables are set correctly[^\n]*")
_INCLUDE_PATH = re.compile(r"\s*Include path:\s*\n(?P<path>(?:.*\n?)*)$")


def _one_line(message: str) -> str:
    """kconfiglib's message on one line: advice dropped, an include path folded in."""
    message = _ENV_ADVICE.sub("", message)
    include = _INCLUDE_PATH.search(message)
    if include is not None:
        steps = [step.strip() for step in include.group("path").splitlines() if step.strip()]
        head = message[: include.start()].rstrip().removesuffix(".").removesuffix(" detected")
        message = f"{head} (include path: {' -> '.join(steps)})"
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return "; ".join(lines).removesuffix(".")


def _malformed_error(relpath: str, srctree: Path | None, text: str) -> TreeError:
    path = Path(relpath)
    full = path if path.is_absolute() or srctree is None else srctree / path
    try:
        full.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        line = e.object.count(b"\n", 0, e.start) + 1
        return TreeError(f"invalid UTF-8 at byte {e.start}", path=relpath, line=line)
    except OSError:
        pass
    return TreeError(f"invalid UTF-8 ({_one_line(text)})", path=relpath)


def _trans_compare_eq_n(kconf: Any, expr: Any, want_equal: bool) -> Any:
    """Port of expr_trans_compare(e, E_EQUAL/E_UNEQUAL, &symbol_no) from scripts/kconfig/expr.c.

    Used for "depends on X if Y" -> "X || (Y = n)" (v6.19/7.0 menu_add_dep()). It maps "!A" to
    "A != n", which for tristates is not the same as kconfiglib's "!A" (2 - A): with A=m the
    former is y, the latter m.
    """
    n = kconf.n
    if expr.__class__ is tuple:
        op = expr[0]
        if op is AND or op is OR:
            left = _trans_compare_eq_n(kconf, expr[1], True)
            right = _trans_compare_eq_n(kconf, expr[2], True)
            # (A && B) = n  <=>  (A = n) || (B = n); (A || B) = n  <=>  (A = n) && (B = n)
            res: Any = (OR if op is AND else AND, left, right)
            return res if want_equal else (NOT, res)
        if op is NOT:
            return _trans_compare_eq_n(kconf, expr[1], not want_equal)
        # A relation: "(rel) = n" is "!(rel)", "(rel) != n" is the relation itself.
        return (NOT, expr) if want_equal else expr
    return (EQUAL if want_equal else UNEQUAL, expr, n)


def _substitute(expr: Any, mapping: dict[int, Any]) -> Any:
    if expr.__class__ is tuple:
        if expr[0] is NOT:
            return (NOT, _substitute(expr[1], mapping))
        if expr[0] in RELATIONS:
            return expr
        return (expr[0], _substitute(expr[1], mapping), _substitute(expr[2], mapping))
    return mapping.get(id(expr), expr)


class CompatKconfig(ConfigLoader):
    """kconfiglib's Kconfig parser taught the syntax of newer kernels (see :class:`Rules`).

    ``shell`` answers ``$(shell,cmd)``; ``None`` runs the command like kconfiglib does.
    Symbols defined with a ``$(...)`` expansion on a property line are recorded in
    :attr:`probe_defaults`/:attr:`probe_deps` so that :mod:`kcheck.kernel.tree` can pin them
    from a .config when no compiler is run.
    """

    def __init__(
        self,
        filename: str,
        rules: Rules,
        shell: Callable[[str], str] | None = None,
        placeholders: bool = False,
    ) -> None:
        self.kc_rules = rules
        self.kc_shell = shell
        self.kc_placeholders = placeholders
        # Offline mode: each $(success,...) probe becomes a bool placeholder symbol (y until
        # inferred otherwise). name -> (symbol whose property used it or None, file, line, cmd)
        self.probe_placeholders: dict[str, tuple[Any, str, int, str]] = {}
        self.transitional_syms: set[Any] = set()
        # symbol -> positions in sym.defaults of defaults whose line used a $(...) expansion
        self.probe_defaults: dict[Any, list[int]] = {}
        self.probe_deps: set[Any] = set()
        self.probe_select_targets: set[Any] = set()
        self.choice_priority: dict[Any, list[Any]] = {}
        self._kc_props_node: Any = None
        self._kc_expanded = False
        self._kc_transitional_pending = False
        self._kc_cond_deps: dict[int, Any] = {}
        self._kc_pending_probe_defaults: list[tuple[Any, int]] = []
        self._kc_sourced: dict[str, tuple[str, int]] = {}
        self._kc_config_name: str | None = None
        self._kc_config_text: str | None = None
        self._kc_config_line = 0
        # Built by the first load_parsed(), after the parsed tree went into the cache.
        self._kc_load_index: dict[str, tuple[Any, dict[str, int] | None, Any, int]] | None = None
        try:
            super().__init__(filename, warn=True, warn_to_stderr=False)
        except (K.KconfigError, OSError) as exc:
            srctree = getattr(self, "srctree", "")  # kconfiglib's $srctree, set first thing
            raise tree_error(exc, Path(srctree) if srctree else None) from None
        self._kc_finish()
        self._readline = None  # a closed file's method: unpicklable and useless after parsing
        self.kc_shell = None

    # -- parsing hooks -------------------------------------------------------------------

    def _tokenize(self, s: str) -> Any:
        rules = self.kc_rules
        if "transitional" in s and _TRANSITIONAL_LINE.match(s):
            self._line = s
            if not rules.transitional:
                self._parse_error("'transitional' needs Linux 6.18 or later")
            if self._kc_props_node is None or self._kc_props_node.item.__class__ is not Symbol:
                self._parse_error("'transitional' is only valid for config symbols")
            self._kc_transitional_pending = True
            return (None,)
        self._kc_expanded = False
        tokens = super()._tokenize(s)
        t0 = tokens[0]
        if t0 is None:
            return tokens
        if t0 is T_MODULES and tokens[1] is None:
            # v5.13 (6dd85ff178cd): bare "modules" replaced "option modules".
            if not rules.bare_modules:
                self._parse_error("bare 'modules' needs Linux 5.13 or later")
            return [T_OPTION, T_MODULES, None]
        if t0 is T_DEPENDS and T_IF in tokens:
            tokens = self._conditional_dep(tokens)
        if self._kc_expanded and self._kc_props_node is not None:
            self._record_probe_line(tokens)
        return tokens

    def _expand_macro(self, s: str, i: int, args: Any) -> Any:
        self._kc_expanded = True
        return super()._expand_macro(s, i, args)

    def _record_probe_line(self, tokens: Any) -> None:
        node = self._kc_props_node
        item = node.item
        if item.__class__ is not Symbol:
            return
        t0 = tokens[0]
        if t0 in DEFAULT_TOKENS:
            # The default about to be appended to node.defaults came from a $(...) expansion.
            self._kc_pending_probe_defaults.append((node, len(node.defaults)))
        elif t0 is T_DEPENDS:
            self.probe_deps.add(item)
        elif t0 is T_SELECT or t0 is T_IMPLY:
            # "select X if $(cc-option,...)": X's value depends on a probe too.
            target = tokens[1]
            if target.__class__ is Symbol:
                self.probe_select_targets.add(target)

    def _conditional_dep(self, tokens: Any) -> Any:
        if not self.kc_rules.depends_if:
            self._parse_error("'depends on ... if ...' needs Linux 6.19 or later")
        if tokens[1] is not T_ON:
            self._parse_error("expected 'on' after 'depends'")
        split = tokens.index(T_IF)
        dep_tokens = [*tokens[2:split], None]
        cond_tokens = list(tokens[split + 1 :])
        dep = self._parse_token_expr(dep_tokens)
        cond = self._parse_token_expr(cond_tokens)
        # menu_add_dep() (v6.19/7.0): "depends on X if Y" is "X || (Y = n)".
        combined = self._make_or(dep, _trans_compare_eq_n(self, cond, True))
        placeholder = Symbol()
        placeholder.kconfig = self
        placeholder.name = "<depends-if>"
        placeholder.is_constant = False
        placeholder.rev_dep = placeholder.weak_rev_dep = placeholder.direct_dep = self.n
        self._kc_cond_deps[id(placeholder)] = combined
        return [T_DEPENDS, T_ON, placeholder, None]

    def _parse_token_expr(self, tokens: list[Any]) -> Any:
        if len(tokens) < 2:
            self._parse_error("malformed expression")
        this: Any = self
        saved = this._tokens, this._tokens_i
        this._tokens, this._tokens_i = tokens, 0
        try:
            expr = this._parse_expr(True)
            if this._tokens[this._tokens_i] is not None:
                this._trailing_tokens_error()
        finally:
            this._tokens, this._tokens_i = saved
        return expr

    def _parse_props(self, node: Any) -> None:
        self._kc_props_node = node
        self._kc_transitional_pending = False
        try:
            super()._parse_props(node)
        finally:
            self._kc_props_node = None
        if self._kc_cond_deps:
            node.dep = _substitute(node.dep, self._kc_cond_deps)
            self._kc_cond_deps.clear()
        if self._kc_transitional_pending:
            self._kc_transitional_pending = False
            self.transitional_syms.add(node.item)

    def _enter_file(self, filename: str) -> None:
        prefix = self._srctree_prefix
        rel = filename[len(prefix) :] if filename.startswith(prefix) else filename
        first = self._kc_sourced.get(rel)
        if first is not None and self.kc_rules.repeated_include_error:
            # v7.1 (102d712ded3e): scripts/kconfig/util.c die_duplicated_include()
            raise TreeError(
                f"repeated inclusion of {rel} (first included at {first[0]}:{first[1]})",
                path=self.filename,
                line=self.linenr,
            )
        if first is None:
            self._kc_sourced[rel] = (self.filename, self.linenr)
        super()._enter_file(filename)

    def _fn_val(self, args: list[str]) -> str:
        if (
            args[0] == "shell"
            and self.kc_shell is not None
            and "shell" not in self.variables
            and len(args) == 2
        ):
            cmd = args[1]
            if self.kc_placeholders and unknown_success_probe(cmd):
                name = f"KCHECK_PROBE_{len(self.probe_placeholders) + 1}"
                node = self._kc_props_node
                owner = node.item if node is not None and node.item.__class__ is Symbol else None
                target = _SELECT_TARGET.match(self._line)
                if owner is not None and target:
                    # "select X if $(cc-option,...)": X's value is the evidence for the probe.
                    owner = self._lookup_sym(target.group(1))
                self.probe_placeholders[name] = (owner, self.filename, self.linenr, cmd)
                return name
            return self.kc_shell(cmd)
        result: str = super()._fn_val(args)
        return result

    def _propagate_deps(self, node: Any, visible_if: Any) -> None:
        # v6.11: choice members depend on the choice's "depends on" (menu dep), not on the
        # choice symbol itself (so not on its prompt condition). Before, kconfiglib and the C
        # tool both used the choice as the members' parent dependency.
        if node.item.__class__ is not Choice or not self.kc_rules.choices_v611:
            super()._propagate_deps(node, visible_if)
            return
        basedep = node.dep
        make_and = self._make_and
        cur = node.list
        while cur:
            dep = cur.dep = make_and(cur.dep, basedep)
            if cur.item.__class__ is Symbol or cur.item.__class__ is Choice:
                if cur.prompt:
                    cur.prompt = (cur.prompt[0], make_and(cur.prompt[1], make_and(visible_if, dep)))
                if cur.defaults:
                    cur.defaults = [(d, make_and(c, dep)) for d, c in cur.defaults]
                if cur.ranges:
                    cur.ranges = [(lo, hi, make_and(c, dep)) for lo, hi, c in cur.ranges]
                if cur.selects:
                    cur.selects = [(t, make_and(c, dep)) for t, c in cur.selects]
                if cur.implies:
                    cur.implies = [(t, make_and(c, dep)) for t, c in cur.implies]
            elif cur.prompt:
                cur.prompt = (cur.prompt[0], make_and(cur.prompt[1], dep))
            cur = cur.next

    def _kc_finish(self) -> None:
        # Map recorded probe defaults (node, index) to positions in the symbols' defaults.
        pending_ids = {
            id(node.defaults[idx])
            for node, idx in self._kc_pending_probe_defaults
            if idx < len(node.defaults)
        }
        for node, _ in self._kc_pending_probe_defaults:
            sym = node.item
            if sym in self.probe_defaults:
                continue
            self.probe_defaults[sym] = [
                i for i, default in enumerate(sym.defaults) if id(default) in pending_ids
            ]
        self._kc_pending_probe_defaults = []
        for name in self.probe_placeholders:
            placeholder = self.syms.get(name)
            if placeholder is not None:
                # A promptless bool without locations: never written, value from its default.
                placeholder.orig_type = BOOL
                placeholder.defaults = [(self.y, self.y)]
        if self.kc_rules.choices_v611:
            for choice in self.unique_choices:
                for sym in choice.syms:
                    # Members no longer reference the choice in their dependencies; make
                    # invalidation reach them when the choice's selection changes.
                    choice._dependents.add(sym)
        self.reset_choice_priorities()
