"""Reading a .config into a parsed tree: kconfiglib's reader from text, and the fast path.

:class:`ConfigLoader` is the part of :class:`~kcheck.kernel.compat.CompatKconfig` that loads a
config: :meth:`~ConfigLoader.load_config_text` runs kconfiglib's own reader on text (its warnings
name the config's lines), and :meth:`~ConfigLoader.load_parsed` sets the user values from
assignments kcheck has parsed already, with the end state of kconfiglib's ``replace=True``
loader, whenever that is sure to give the same result (else the caller reads the text). The v6.11
choice priority lists a load starts from (:meth:`~ConfigLoader.reset_choice_priorities`) live
here too.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from kcheck.kernel.kconfiglib_api import BOOL, BOOL_TRISTATE, HEX, INT, STRING, TRISTATE, K
from kcheck.kernel.versions import Rules

__all__ = ["ConfigLoader"]


class ConfigLoader(K.Kconfig):  # type: ignore[misc]
    """kconfiglib's Kconfig with kcheck's ways to load a .config (see the module docstring).

    The attributes it reads (``kc_rules``, ``choice_priority``, ``_kc_config_text``, ...) are
    set up by :class:`~kcheck.kernel.compat.CompatKconfig`, the only subclass.
    """

    kc_rules: Rules
    choice_priority: dict[Any, list[Any]]
    _kc_config_name: str | None
    _kc_config_text: str | None
    _kc_config_line: int
    # name -> (symbol, its y/m/n values or None, its choice, its type); see _build_load_index.
    _kc_load_index: dict[str, tuple[Any, dict[str, int] | None, Any, int]] | None

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
        is_base_n = K._is_base_n
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
                    or choice.orig_type not in ((TRISTATE,) if tri == 1 else BOOL_TRISTATE)
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
        no_selection = K._NO_CACHED_SELECTION
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
        tristate: dict[str, int] = K.STR_TO_TRI
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

    def __init__(self, text: str, kconf: ConfigLoader) -> None:
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
