"""Our compatibility layer over PyPI kconfiglib 14.1.0: the C tool's rules that changed after 2020.

kconfiglib 14.1.0 (the newest release on PyPI) implements the C tool of Linux ~5.6. This module
teaches it, at run time and without a vendored copy, the rules later kernels need: the bare
``modules`` attribute, the v5.7 ``imply`` semantics, the v6.8/v6.11 int/hex rules, the v6.11
choice rules, ``transitional`` symbols, ``depends on X if Y`` and the repeated-inclusion error.
Which rules apply follows the version of the tree being parsed (:class:`Rules`), so one
:class:`CompatKconfig` emulates exactly one C version. Parsing is done by :class:`CompatKconfig`
(a subclass); value rules are installed once on kconfiglib's ``Symbol``/``Choice`` classes by
:func:`install` and only change behaviour for symbols of a :class:`CompatKconfig` -- a plain
``kconfiglib.Kconfig`` in the same process keeps kconfiglib's own semantics.

Constructs this layer does not know make parsing fail with :class:`kcheck.errors.TreeError`
naming ``file:line`` rather than produce a confident wrong answer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kconfiglib

from kcheck.errors import TreeError
from kcheck.kernel.toolchain import unknown_success_probe

# kconfiglib internals we build on (stable: the PyPI version is pinned to 14.1.0).
_K: Any = kconfiglib
Symbol: Any = _K.Symbol
Choice: Any = _K.Choice
expr_value: Callable[[Any], int] = _K.expr_value
BOOL: int = _K.BOOL
TRISTATE: int = _K.TRISTATE
STRING: int = _K.STRING
INT: int = _K.INT
HEX: int = _K.HEX
AND: int = _K.AND
OR: int = _K.OR
NOT: int = _K.NOT
EQUAL: int = _K.EQUAL
UNEQUAL: int = _K.UNEQUAL
MENU: Any = _K.MENU
_T_MODULES: int = _K._T_MODULES
_T_OPTION: int = _K._T_OPTION
_T_DEPENDS: int = _K._T_DEPENDS
_T_ON: int = _K._T_ON
_T_IF: int = _K._T_IF
_T_DEFAULT: int = _K._T_DEFAULT
_T_SELECT: int = _K._T_SELECT
_T_IMPLY: int = _K._T_IMPLY
_DEFAULT_TOKENS: frozenset[int] = frozenset(
    {
        _K._T_DEFAULT,
        _K._T_DEF_BOOL,
        _K._T_DEF_TRISTATE,
        _K._T_DEF_INT,
        _K._T_DEF_HEX,
        _K._T_DEF_STRING,
    }
)
_RELATIONS: frozenset[int] = _K._RELATIONS
_BOOL_TRISTATE: frozenset[int] = frozenset({BOOL, TRISTATE})

_SELECT_TARGET = re.compile(r"\s*(?:select|imply)\s+([A-Za-z0-9_]+)\b")
_TRANSITIONAL_LINE = re.compile(r"\s*transitional\s*(#.*)?$")
_LOCATION = re.compile(r"^\s*(?P<path>[^\s:]+):(?P<line>\d+):\s*(?P<msg>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Rules:
    """Which C-tool rules apply, derived from the tree's version (one process, one C version)."""

    version: tuple[int, int, int]
    # v5.7 (def2fbffe62c, 3a9dd3ecb207): a symbol implied by y may stay m, and imply obeys the
    # implied symbol's direct dependencies (also when writing "# CONFIG_X is not set").
    imply_v57: bool
    # v5.13 (6dd85ff178cd): "modules" is a bare attribute instead of "option modules".
    bare_modules: bool
    # v6.8 (6262afa10ef7): an int/hex symbol without a value or active default is "0"/"0x0".
    int_hex_zero: bool
    # v6.11 (choice rework, "kconfig: refactor choice value calculation"): conf_read() no longer
    # resets out-of-range user values; sym_validate_range() clamps them to the violated bound.
    int_hex_clamp_user: bool
    # v6.11 ("kconfig: refactor choice value calculation" and the follow-ups that made choices
    # bool-only and made members depend on the choice's "depends on" instead of the choice).
    choices_v611: bool
    # v6.18 (Kees Cook, "kconfig: Add transitional symbol attribute for migration support").
    transitional: bool
    # v6.19/7.0 (Graham Roff, "kconfig: Support conditional deps using 'depends on X if Y'").
    depends_if: bool
    # v7.1 (102d712ded3e, "kconfig: Error out on duplicated kconfig inclusion"); 6.1 itself
    # sources Documentation/Kconfig twice, so this must follow the tree's version.
    repeated_include_error: bool

    @classmethod
    def for_version(cls, version: tuple[int, int, int]) -> Rules:
        v = version[:2]
        return cls(
            version=version,
            imply_v57=v >= (5, 7),
            bare_modules=v >= (5, 13),
            int_hex_zero=v >= (6, 8),
            int_hex_clamp_user=v >= (6, 11),
            choices_v611=v >= (6, 11),
            transitional=v >= (6, 18),
            depends_if=v >= (6, 19),
            repeated_include_error=v >= (7, 1),
        )


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
        if expr[0] in _RELATIONS:
            return expr
        return (expr[0], _substitute(expr[1], mapping), _substitute(expr[2], mapping))
    return mapping.get(id(expr), expr)


class CompatKconfig(_K.Kconfig):  # type: ignore[misc]
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
        except (_K.KconfigError, OSError) as exc:
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
        if t0 is _T_MODULES and tokens[1] is None:
            # v5.13 (6dd85ff178cd): bare "modules" replaced "option modules".
            if not rules.bare_modules:
                self._parse_error("bare 'modules' needs Linux 5.13 or later")
            return [_T_OPTION, _T_MODULES, None]
        if t0 is _T_DEPENDS and _T_IF in tokens:
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
        if t0 in _DEFAULT_TOKENS:
            # The default about to be appended to node.defaults came from a $(...) expansion.
            self._kc_pending_probe_defaults.append((node, len(node.defaults)))
        elif t0 is _T_DEPENDS:
            self.probe_deps.add(item)
        elif t0 is _T_SELECT or t0 is _T_IMPLY:
            # "select X if $(cc-option,...)": X's value depends on a probe too.
            target = tokens[1]
            if target.__class__ is Symbol:
                self.probe_select_targets.add(target)

    def _conditional_dep(self, tokens: Any) -> Any:
        if not self.kc_rules.depends_if:
            self._parse_error("'depends on ... if ...' needs Linux 6.19 or later")
        if tokens[1] is not _T_ON:
            self._parse_error("expected 'on' after 'depends'")
        split = tokens.index(_T_IF)
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
        return [_T_DEPENDS, _T_ON, placeholder, None]

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

    # -- .config text loading --------------------------------------------------------------

    def _open_config(self, filename: str) -> Any:
        if self._kc_config_text is not None and filename == self._kc_config_name:
            return _TrackingText(self._kc_config_text, self)
        return super()._open_config(filename)

    def _warn(self, msg: str, filename: str | None = None, linenr: int | None = None) -> None:
        # kconfiglib's set_value() warnings (invalid int, hex, ...) carry no location; while a
        # .config is read, they belong to its current line, as the C tool reports them.
        if filename is None and self._kc_config_name is not None and self._kc_config_line:
            filename, linenr = self._kc_config_name, self._kc_config_line
        super()._warn(msg, filename, linenr)

    def load_config_text(self, text: str, name: str) -> None:
        """load_config() from text; warnings name ``name`` and its line numbers."""
        self.reset_choice_priorities()
        self._kc_config_text, self._kc_config_name = text, name
        try:
            self.load_config(name, replace=True)
        finally:
            self._kc_config_text = self._kc_config_name = None
            self._kc_config_line = 0
        # Promptless symbols (transitional ones, pinned probes) skip kconfiglib's invalidation.
        self._invalidate_all()

    def load_parsed(self, values: Mapping[str, Sequence[Any]], quoted: Collection[str]) -> bool:
        """Load a .config from its parsed assignments when the result is sure to be what
        :meth:`load_config_text` gives for its text; False, with nothing changed, otherwise.

        ``values`` maps each assigned name (no ``CONFIG_``) to a sequence whose first item is
        the value, unquoted and unescaped (``"n"`` for ``# CONFIG_X is not set``), in file
        order with no name assigned twice; ``quoted`` names the values written in quotes.
        kconfiglib's loader matches every line with its regexes again and invalidates the
        dependents of each symbol it sets; here user values are set directly and everything
        is invalidated once. Anything kconfiglib would warn about (a value invalid for its
        type, m and y in one choice, a quoted int, ...) returns False: the caller then loads
        the text, and kconfiglib's warnings keep their line numbers.
        """
        if self.config_prefix != "CONFIG_" or self.warn_assign_undef:
            return False
        index = self._kc_load_index or self._build_load_index()
        for name in quoted:
            entry = index.get(name)
            if entry is not None and entry[1] is not None:
                return False  # a quoted bool/tristate value is invalid
        is_base_n = _K._is_base_n
        plain: list[tuple[Any, Any]] = []
        members: list[tuple[Any, int]] = []
        missing: list[tuple[str, str]] = []
        modes: dict[Any, int] = {}
        for name, assignment in values.items():
            entry = index.get(name)
            if entry is None:
                missing.append((name, assignment[0]))
                continue
            sym, tris, choice, kind = entry
            value = assignment[0]
            if tris is not None:
                tri = tris.get(value)
                if tri is None:
                    return False  # not y/m/n, or m for a bool
                if choice is None:
                    plain.append((sym, tri))
                    continue
                # kconfiglib warns for m and y in one choice, and for a mode the choice's
                # type does not allow.
                if tri and (
                    modes.setdefault(choice, tri) != tri
                    or choice.orig_type not in ((TRISTATE,) if tri == 1 else _BOOL_TRISTATE)
                ):
                    return False
                members.append((sym, tri))
            elif kind is STRING:
                if name not in quoted:
                    return False  # "malformed string literal"
                plain.append((sym, value))
            elif (kind is INT and is_base_n(value, 10)) or (
                kind is HEX and is_base_n(value, 16) and int(value, 16) >= 0
            ):
                if name in quoted:
                    return False  # the quotes make it invalid for an int or a hex
                plain.append((sym, value))
            else:
                return False
        # The same end state as kconfiglib's replace=True load: every symbol and choice not
        # assigned has no user value; a choice takes its mode from its members set to m or y,
        # and its user selection from the last member set to y. The reset and
        # _invalidate_all() are one loop, with Symbol/Choice._invalidate() inlined.
        for sym in self.unique_defined_syms:
            sym.user_value = sym._cached_str_val = sym._cached_tri_val = sym._cached_vis = (
                sym._cached_assignable
            ) = None
        no_selection = _K._NO_CACHED_SELECTION
        for choice in self.unique_choices:
            choice.user_value = choice.user_selection = choice._cached_vis = (
                choice._cached_assignable
            ) = None
            choice._cached_selection = no_selection
        self.missing_syms = missing
        self.reset_choice_priorities()
        priorities = self.choice_priority if self.kc_rules.choices_v611 else None
        for sym, value in plain:
            sym.user_value = value
        for sym, value in members:
            sym.user_value = value
            choice = sym.choice
            if value:
                choice.user_value = value
                if value == 2:
                    choice.user_selection = sym
            if priorities is not None:
                # As _set_value: an assignment moves the member to the front.
                order = priorities[choice]
                order.remove(sym)
                order.insert(0, sym)
        return True

    def _build_load_index(self) -> dict[str, tuple[Any, dict[str, int] | None, Any, int]]:
        """name -> (symbol, its y/m/n values or None, its choice, its type) for every defined
        symbol: what :meth:`load_parsed` looks up per assignment. Built once per process."""
        tristate: dict[str, int] = _K.STR_TO_TRI
        tables = {BOOL: {v: t for v, t in tristate.items() if v != "m"}, TRISTATE: tristate}
        index = {
            sym.name: (sym, tables.get(sym.orig_type), sym.choice, sym.orig_type)
            for sym in self.unique_defined_syms
        }
        self._kc_load_index = index
        return index

    def reset_choice_priorities(self) -> None:
        """v6.11 choice_members lists: definition order, before a .config is read."""
        self.choice_priority = {choice: list(choice.syms) for choice in self.unique_choices}


class _TrackingText:
    """.config text for kconfiglib's loader that tells its Kconfig which line it is on."""

    def __init__(self, text: str, kconf: CompatKconfig) -> None:
        self._lines = iter(io.StringIO(text))
        self._kconf = kconf

    def __enter__(self) -> _TrackingText:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self) -> _TrackingText:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._kconf._kc_config_line += 1
        return line


# -- value rules, installed on kconfiglib's classes ------------------------------------------

_orig_tri_value: Any = Symbol.tri_value.fget
_orig_str_value: Any = Symbol.str_value.fget
_orig_visibility: Any = Symbol.visibility.fget
_orig_assignable: Any = Symbol._assignable
_orig_set_value: Any = Symbol.set_value
_orig_choice_selection: Any = Choice._selection


def _rules_of(sc: Any) -> Rules | None:
    rules: Rules | None = getattr(sc.kconfig, "kc_rules", None)
    return rules


def _visibility(self: Any) -> int:
    if self._cached_vis is None:
        kconf = self.kconfig
        if kconf.__class__ is not _K.Kconfig and self in getattr(kconf, "transitional_syms", ()):
            # v6.18 sym_calc_visibility(): SYMBOL_TRANS symbols are always visible, so the
            # value from the .config is used as is.
            self._cached_vis = 2
        else:
            return int(_orig_visibility(self))
    return int(self._cached_vis)


def _tri_value(self: Any) -> int:
    if self._cached_tri_val is not None:
        return int(self._cached_tri_val)
    rules = _rules_of(self)
    if rules is None or self.orig_type not in _BOOL_TRISTATE:
        return int(_orig_tri_value(self))
    choice = self.choice
    if choice is not None and not rules.choices_v611:
        return int(_orig_tri_value(self))

    vis = self.visibility
    write = vis != 0
    if choice is not None:
        # v6.11 sym_calc_value(): a member is y iff sym_calc_choice() picked it; selects and
        # defaults on members have no effect.
        val = 2 if vis and choice.selection is self else 0
    else:
        val, forced = _plain_tri(self, vis, rules)
        write = write or forced
    if self in self.kconfig.transitional_syms:
        write = False  # never written, not even as "is not set"
    self._write_to_conf = write
    self._cached_tri_val = val
    return val


def _plain_tri(self: Any, vis: int, rules: Rules) -> tuple[int, bool]:
    """sym_calc_value() for a non-choice bool/tristate: (value, whether a default, imply or
    select sets SYMBOL_WRITE)."""
    write = False
    is_bool = self.type is BOOL
    if vis and self.user_value is not None:
        val: int = min(self.user_value, vis)
    else:
        val = 0
        for default, cond in self.defaults:
            cond_val = expr_value(cond)
            if cond_val:
                val = min(expr_value(default), cond_val)
                if val:
                    write = True
                break
        implied = expr_value(self.weak_rev_dep)
        if rules.imply_v57:
            # v5.7: implied.tri (m promoted for bool) is ORed in and then ANDed with the
            # direct dependencies; SYMBOL_WRITE is set even when they are not met.
            if implied == 1 and is_bool:
                implied = 2
            if implied:
                write = True
                direct = expr_value(self.direct_dep)
                if direct == 1 and is_bool:
                    direct = 2
                val = min(max(val, implied), direct)
        elif implied and expr_value(self.direct_dep):
            val = max(implied, val)
            write = True
    rev = expr_value(self.rev_dep)
    if rev:
        if expr_value(self.direct_dep) < rev:
            self._warn_select_unsatisfied_deps()
        val = max(rev, val)
        write = True
    if val == 1 and (is_bool or (not rules.imply_v57 and expr_value(self.weak_rev_dep) == 2)):
        val = 2
    return val, write


def _strtoll(text: str, base: int) -> int:
    """C strtoll(): leading whitespace, sign, optional 0x for base 16, digits until the first
    invalid character; 0 when nothing parses."""
    s = text.lstrip()
    sign = 1
    if s[:1] in ("-", "+"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 16 and s[:2].lower() == "0x":
        s = s[2:]
    digits = "0123456789abcdef"[:base]
    end = 0
    while end < len(s) and s[end].lower() in digits:
        end += 1
    return sign * int(s[:end], base) if end else 0


def _range_base(sym: Any, base: int) -> int:
    if sym.orig_type is INT:
        return 10
    if sym.orig_type is HEX:
        return 16
    return base


def _str_value(self: Any) -> str:
    if self._cached_str_val is not None:
        return str(self._cached_str_val)
    rules = _rules_of(self)
    orig_type = self.orig_type
    if rules is None or not rules.int_hex_zero or (orig_type is not INT and orig_type is not HEX):
        val = str(_orig_str_value(self))
        if rules is not None and self in self.kconfig.transitional_syms:
            self._write_to_conf = False
        return val

    base = 10 if orig_type is INT else 16
    vis = self.visibility
    write = vis != 0
    # v6.8 (6262afa10ef7): no value and no active default is "0"/"0x0", not "".
    val = "0" if orig_type is INT else "0x0"

    active_range = None
    for low, high, cond in self.ranges:
        if expr_value(cond):
            active_range = (low, high)
            break

    use_defaults = True
    if vis and self.user_value is not None:
        use_defaults = False
        if not rules.int_hex_clamp_user and active_range is not None:
            # Before v6.11 conf_read() dropped an out-of-range user value (defaults apply).
            user = _strtoll(self.user_value, base)
            low_v = _strtoll(active_range[0].str_value, _range_base(active_range[0], base))
            high_v = _strtoll(active_range[1].str_value, _range_base(active_range[1], base))
            use_defaults = not low_v <= user <= high_v
        if not use_defaults:
            val = self.user_value
    if use_defaults:
        for default, cond in self.defaults:
            if expr_value(cond):
                write = True
                val = default.str_value
                break

    if active_range is not None:
        # sym_validate_range(): an out-of-range value becomes the violated bound's string value.
        low, high = active_range
        num = _strtoll(val, base)
        if num < _strtoll(low.str_value, _range_base(low, base)):
            val = low.str_value
        elif num > _strtoll(high.str_value, _range_base(high, base)):
            val = high.str_value

    if self.env_var is not None or self is self.kconfig.defconfig_list:
        write = False
    if self in self.kconfig.transitional_syms:
        write = False
    self._write_to_conf = write
    self._cached_str_val = val
    return str(val)


def _assignable(self: Any) -> tuple[int, ...]:
    rules = _rules_of(self)
    if rules is None or self.orig_type not in _BOOL_TRISTATE:
        return tuple(_orig_assignable(self))
    if self.choice is not None and rules.choices_v611:
        # v6.11: a visible member can be set to y (picked) or n (deprioritised).
        return (0, 2) if self.visibility else ()
    if not rules.imply_v57:
        return tuple(_orig_assignable(self))
    # v5.7 sym_tristate_within_range(): imply no longer restricts the range.
    vis = self.visibility
    if not vis:
        return ()
    rev = expr_value(self.rev_dep)
    is_bool = self.type is BOOL
    if rev == 1 and is_bool:
        rev = 2
    if vis <= rev:
        return (rev,) if rev else ()
    if is_bool:
        return (0, 2) if not rev else (2,)
    return tuple(v for v in (0, 1, 2) if rev <= v <= vis)


def _set_value(self: Any, value: Any) -> bool:
    ok = bool(_orig_set_value(self, value))
    if ok and self in getattr(self.kconfig, "transitional_syms", ()):
        # Promptless, so kconfiglib skips invalidation; but its user value is its value.
        self._rec_invalidate()
    choice = self.choice
    if ok and choice is not None:
        rules = _rules_of(self)
        if rules is not None and rules.choices_v611:
            # v6.11 conf_read_simple()/choice_set_value(): every assignment to a member moves
            # it to the front of the choice's priority list.
            prio = self.kconfig.choice_priority.setdefault(choice, list(choice.syms))
            if self in prio:
                prio.remove(self)
            prio.insert(0, self)
            choice._rec_invalidate()
    return ok


def _choice_selection(self: Any) -> Any:
    rules = _rules_of(self)
    if rules is None or not rules.choices_v611:
        return _orig_choice_selection(self)
    # Computing the visibility marks the choice as cached, so invalidation reaches it.
    self.visibility  # noqa: B018
    syms = self.syms
    prio = self.kconfig.choice_priority.get(self) or syms
    # v6.11 sym_calc_choice(): the first visible member the user set to y, by priority ...
    for sym in prio:
        if sym.visibility and sym.user_value == 2:
            return sym
    # ... else the default (or the first visible member), unless the user set it to n ...
    res = None
    for default, cond in self.defaults:
        if expr_value(cond) and default.visibility:
            res = default
            break
    else:
        for sym in syms:
            if sym.visibility:
                res = sym
                break
    if res is not None and res.user_value is not None and res.user_value == 0:
        res = None
    if res is not None:
        return res
    # ... else the first visible member without a user value ...
    for sym in syms:
        if sym.visibility and sym.user_value is None:
            return sym
    # ... else the least prioritised visible one.
    for sym in reversed(prio):
        if sym.visibility:
            return sym
    return None


def install() -> None:
    """Install the version-aware value rules on kconfiglib's classes (idempotent)."""
    if Symbol.set_value is _set_value:
        return
    Symbol.tri_value = property(_tri_value)
    Symbol.str_value = property(_str_value)
    Symbol.visibility = property(_visibility)
    Symbol._assignable = _assignable
    Symbol.set_value = _set_value
    Choice._selection = _choice_selection


install()
