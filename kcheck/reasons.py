"""The words for why a symbol does not have the value wanted: one function per reason.

The check's one-line "why" (``engine``, :mod:`kcheck.kernel.view`), explain's chain notes
(:mod:`kcheck.kernel.chain`) and ``kcheck resolve``'s dropped values all say the same thing
the same way by calling these. Expressions come in already rendered with their values
(``PCI (=n) && NET (=y)``); names come without ``CONFIG_`` unless the sentence is about a
.config line.
"""

from __future__ import annotations

from collections.abc import Sequence

NOT_DEFINED = "not defined in this kernel tree"


def depends_on(expr: str) -> str:
    """A ``depends on`` term that is off."""
    return f"depends on {expr}"


def capped_at_m(expr: str) -> str:
    """A dependency at m holds a tristate at m (``T || !T`` with T=m)."""
    return f"capped at m by {expr}"


def no_prompt(selectors: Sequence[str] | None = None, *, has_defaults: bool = False) -> str:
    """A promptless symbol. ``selectors`` names what selects it (empty: nothing does; None:
    they are shown elsewhere, as the children of explain's chain)."""
    if selectors is not None and not selectors and not has_defaults:
        return "has no prompt and nothing selects it"
    how = "selected or when a default applies" if has_defaults else "something selects it"
    text = f"has no prompt: it is on only when {how}"
    return f"{text} ({', '.join(selectors)})" if selectors else text


def prompt_hidden(condition: str | None = None) -> str:
    """The prompt's own condition (or an enclosing ``visible if``) is off."""
    return f"its prompt is hidden: {condition}" if condition else "its prompt is hidden"


def other_choice_member(selection: str | None = None) -> str:
    """Another member of its choice is the selected one."""
    text = "another member of its choice is selected"
    return f"{text}: {selection}" if selection else text


def selected_member() -> str:
    """Wanted off, but it is its choice's selected member."""
    return "it is the selected member of its choice: select another member instead"


def held_on_by_select(expr: str | None = None) -> str:
    """Wanted off, but a ``select`` keeps it on."""
    text = "held on by select: turn off what selects it"
    return f"{text}: {expr}" if expr else text


def config_sets(value: str) -> str:
    """The .config itself sets it to a lower value."""
    return f"the config sets it to {value}"


def not_set(default: str) -> str:
    """The .config leaves it unset, and its default gives ``default``."""
    return f"not set in the config, and its default is {default}"


def dropped(name: str, requested: str, actual: str) -> str:
    """The .config asks for a value that ``make olddefconfig`` does not keep."""
    return (
        f"CONFIG_{name}={requested} in the .config will be dropped: "
        f"make olddefconfig makes it {actual}"
    )


def unknown_without_tree() -> str:
    """No tree, and the .config does not assign it."""
    return "not in the config; without a kernel tree its dependencies are unknown"
