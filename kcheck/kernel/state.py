"""Snapshot and restore what loading a .config puts into a :class:`LoadedTree`.

Loading a config (:meth:`LoadedTree.load_values`) sets the user values of symbols and choices,
the v6.11 choice priority lists, the probe symbols pinned from the text (their ``defaults``
lists swapped), the answers of the ``$(success,...)`` placeholders, kconfiglib's warnings and
missing symbols, and the tree's own bookkeeping (the assignments read, the pins, the config's
name). :func:`snapshot` records all of it; :func:`restore` puts it back and drops every
cached value, so that the tree is exactly as a fresh load of the same text left it -- without
reading the text again. The fix planner uses it to get the original config back after loading
the merged one for verification.

The tree's own attributes are recorded generically (containers copied one level deep), so an
attribute the loading code adds later is restored too; kconfiglib's objects are recorded by the
fields kconfiglib and :mod:`kcheck.kernel.compat` change when a config is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from kcheck.kernel.compat import Choice
from kcheck.kernel.tree import LoadedTree

__all__ = ["LoadedState", "changed_since", "inputs", "restore", "same_inputs", "snapshot"]

# Kconfig attributes that loading replaces or fills in place: copied, not only referenced.
# (kconfiglib's Kconfig has __slots__; the compat subclass keeps its own in a __dict__.)
_KCONF_SLOTS = ("warnings", "missing_syms")
_KCONF_COPIED = ("choice_priority",)
_USER_VALUE = attrgetter("user_value")
_DEFAULTS = attrgetter("defaults")
_SELECTION = attrgetter("user_selection")


def _copy(value: Any) -> Any:
    """A shallow copy of a container (so that filling it in place is undone)."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, set):
        return set(value)
    return value


def _copy_priorities(value: Any) -> Any:
    """The choice priority lists (reordered in place by every assignment to a member)."""
    if isinstance(value, dict):
        return {choice: list(order) for choice, order in value.items()}
    return value


@dataclass(frozen=True)
class LoadedState:
    """What a loaded config set in a tree (see :func:`snapshot`)."""

    tree_attrs: dict[str, Any]
    kconf_attrs: dict[str, Any]
    symbols: tuple[Any, ...]
    user_values: tuple[Any, ...]
    defaults: tuple[Any, ...]
    choices: tuple[Any, ...]
    choice_values: tuple[tuple[Any, Any], ...]
    placeholders: tuple[Any, ...]
    placeholder_defaults: tuple[Any, ...]


def _placeholders(tree: LoadedTree) -> tuple[Any, ...]:
    groups: dict[Any, list[Any]] = getattr(tree, "_placeholders", {})
    return tuple(dict.fromkeys(p for group in groups.values() for p in group))


def snapshot(tree: LoadedTree) -> LoadedState:
    """Record the loaded config's state of ``tree`` (cheap: no value is computed)."""
    kconf = tree.kconf
    symbols = tuple(kconf.unique_defined_syms)
    choices = tuple(kconf.unique_choices)
    placeholders = _placeholders(tree)
    kconf_attrs = {
        name: _copy_priorities(value) if name in _KCONF_COPIED else value
        for name, value in getattr(kconf, "__dict__", {}).items()
    }
    kconf_attrs.update((name, _copy(getattr(kconf, name))) for name in _KCONF_SLOTS)
    return LoadedState(
        tree_attrs={name: _copy(value) for name, value in vars(tree).items()},
        kconf_attrs=kconf_attrs,
        symbols=symbols,
        user_values=tuple(map(_USER_VALUE, symbols)),
        defaults=tuple(map(_DEFAULTS, symbols)),
        choices=choices,
        choice_values=tuple(zip(map(_USER_VALUE, choices), map(_SELECTION, choices), strict=True)),
        placeholders=placeholders,
        placeholder_defaults=tuple(p.defaults for p in placeholders),
    )


def restore(tree: LoadedTree, state: LoadedState, changed: Iterable[Any] | None = None) -> None:
    """Put back the state :func:`snapshot` recorded, as if that config had just been loaded.

    ``changed``: the only symbols, choices and placeholders whose inputs differ from the
    snapshot's (:func:`changed_since`), when the caller knows them: only those are reset."""
    kconf = tree.kconf
    current = vars(tree)
    for name in [name for name in current if name not in state.tree_attrs]:
        delattr(tree, name)
    for name, value in state.tree_attrs.items():
        setattr(tree, name, _copy(value))
    kconf_dict = getattr(kconf, "__dict__", {})
    for name in [name for name in kconf_dict if name not in state.kconf_attrs]:
        delattr(kconf, name)
    for name, value in state.kconf_attrs.items():
        if name in _KCONF_COPIED:
            setattr(kconf, name, _copy_priorities(value))
        else:
            setattr(kconf, name, _copy(value) if name in _KCONF_SLOTS else value)
    if changed is None:
        for sym, user_value, defaults, now in zip(
            state.symbols,
            state.user_values,
            state.defaults,
            map(_DEFAULTS, state.symbols),
            strict=True,
        ):
            sym.user_value = user_value
            if now is not defaults:
                sym.defaults = defaults
        for choice, (user_value, selection) in zip(state.choices, state.choice_values, strict=True):
            choice.user_value = user_value
            choice.user_selection = selection
        for placeholder, defaults in zip(
            state.placeholders, state.placeholder_defaults, strict=True
        ):
            placeholder.defaults = defaults
    else:
        items = set(changed)
        if items:
            for index, sym in enumerate(state.symbols):
                if sym in items:
                    sym.user_value = state.user_values[index]
                    sym.defaults = state.defaults[index]
            for index, choice in enumerate(state.choices):
                if choice in items:
                    choice.user_value, choice.user_selection = state.choice_values[index]
            for index, placeholder in enumerate(state.placeholders):
                if placeholder in items:
                    placeholder.defaults = state.placeholder_defaults[index]
    for placeholder in state.placeholders:
        placeholder._invalidate()
    kconf._invalidate_all()


def _same_value(first: Any, second: Any) -> bool:
    # A pinned string or number is a constant symbol made anew for each load.
    return (
        first is second
        or first == second
        or (
            getattr(first, "is_constant", False)
            and getattr(second, "is_constant", False)
            and first.name == second.name
        )
    )


def _same_defaults(first: list[Any], second: list[Any]) -> bool:
    if first is second:
        return True
    return len(first) == len(second) and all(
        _same_value(value_a, value_b) and _same_value(cond_a, cond_b)
        for (value_a, cond_a), (value_b, cond_b) in zip(first, second, strict=True)
    )


def inputs(tree: LoadedTree, items: Iterable[Any]) -> dict[Any, tuple[Any, ...]]:
    """What the values of ``items`` (symbols and choices) are computed from, now: a symbol's
    user value and defaults, a choice's mode, user selection and priority list. Compare two
    with :func:`same_inputs`."""
    priorities = getattr(tree.kconf, "choice_priority", None) or {}
    out: dict[Any, tuple[Any, ...]] = {}
    for item in items:
        if item.__class__ is Choice:
            order = priorities.get(item)
            out[item] = (
                item.user_value,
                item.user_selection,
                None if order is None else tuple(order),
            )
        else:
            out[item] = (item.user_value, item.defaults)
    return out


def same_inputs(first: tuple[Any, ...], second: tuple[Any, ...]) -> bool:
    if len(first) == 2:
        return first[0] == second[0] and _same_defaults(first[1], second[1])
    return first == second


def changed_since(tree: LoadedTree, state: LoadedState) -> list[Any]:
    """The symbols and choices (and ``$(success,...)`` placeholders) of ``tree`` whose inputs
    to the value computation (see :func:`inputs`) differ now from those recorded in
    ``state``. Values are computed from these alone: with none, every symbol has the value
    it had in that state."""
    out: list[Any] = [
        sym
        for sym, user_value, defaults, user_now, defaults_now in zip(
            state.symbols,
            state.user_values,
            state.defaults,
            map(_USER_VALUE, state.symbols),
            map(_DEFAULTS, state.symbols),
            strict=True,
        )
        if user_value != user_now
        or (defaults is not defaults_now and not _same_defaults(defaults, defaults_now))
    ]
    priorities = state.kconf_attrs.get("choice_priority") or {}
    priorities_now = getattr(tree.kconf, "choice_priority", None) or {}
    for choice, (user_value, selection) in zip(state.choices, state.choice_values, strict=True):
        if (
            choice.user_value != user_value
            or choice.user_selection is not selection
            or priorities.get(choice) != priorities_now.get(choice)
        ):
            out.append(choice)
    for placeholder, defaults in zip(state.placeholders, state.placeholder_defaults, strict=True):
        if not _same_defaults(defaults, placeholder.defaults):
            out.append(placeholder)
    return out
