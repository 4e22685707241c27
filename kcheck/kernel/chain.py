"""Why a symbol does not have the value wanted: the whole dependency chain, over kconfiglib.

:func:`explain_symbol` walks a loaded tree from one symbol down to the symbols a person can
set, and returns it as :class:`kcheck.model.ChainNode` data. What it follows, in the order the
kernel computes a value (scripts/kconfig/symbol.c): the ``depends on`` terms (split at ``&&``,
each with its value; the terms of enclosing ``if`` blocks and menus are part of them), ``||``
alternatives, ``X || !X`` and dependencies at m that cap a tristate at m, ``depends on !X``
conflicts, the prompt's own ``if`` and a menu's ``visible if``, the choice a member belongs to,
and -- for a symbol without a prompt, like VIRTIO -- the symbols that select it, ranked so the
answer names a real way to turn it on (:data:`RANKING`). Wanting a symbol off follows who
selects it. A chain never loops (a symbol already on the path is not entered again), stops at
``max_depth`` with a note, and shows a sub-chain once (later occurrences are marked
``repeated``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import kconfiglib

from kcheck import reasons
from kcheck.kernel.compat import AND, BOOL, EQUAL, MENU, NOT, OR, TRISTATE, UNEQUAL, Choice, Symbol
from kcheck.model import DEFAULT_DEPTH, ChainNode, LinkKind

_K: Any = kconfiglib

N, M, Y = 0, 1, 2
ON = frozenset({M, Y})
# How many alternatives (``||`` operands, selectors) a node lists before saying "and N more".
MAX_ALTERNATIVES = 4

RANKING = (
    "The symbols that select a promptless symbol are ranked: those the profile requires (of "
    "its requirements that apply to this config), then those it recommends, then its optional "
    "ones, then the rest; within each, those defined in "
    "the same Kconfig file as the selected symbol (its subsystem's own providers, such as the "
    "virtio transports for VIRTIO) first; then the fewest unmet dependencies; then Kconfig "
    "order. Only the best-ranked group is proposed (at most 4); the others are listed as not "
    "proposed, because turning one on gives the symbol without what the profile needs (VIRTIO "
    "through VIRTIO_CONSOLE leaves a guest with no virtio transport)."
)

_IF_LINE = re.compile(r"^if\s+(.+?)\s*(?:#.*)?$")
_ENDIF_LINE = re.compile(r"^endif\b")
_DEPENDS_LINE = re.compile(r"^\s+depends\s+on\s+(.*)$")
_WORD = re.compile(r"[A-Za-z0-9_]+")


def needs_text(allowed: frozenset[int]) -> str:
    """``{1, 2}`` -> ``"y|m"``, ``{0, 2}`` -> ``"y|n"``: the profile's own notation."""
    return "|".join("nmy"[v] for v in sorted(allowed, reverse=True))


def parse_needs(text: str) -> frozenset[int] | None:
    """``"y|m"`` -> ``{1, 2}``; None if ``text`` is not made of y, m and n."""
    parts = [p.strip() for p in text.split("|")]
    if not parts or any(p not in ("n", "m", "y") for p in parts):
        return None
    return frozenset("nmy".index(p) for p in parts)


def _is_sym(item: Any) -> bool:
    return item.__class__ is Symbol and not item.is_constant


def _tri(expr: Any) -> int:
    return int(_K.expr_value(expr))


def _show(sc: Any) -> str:
    if sc.__class__ is Symbol and not sc.is_constant and sc.nodes:
        return f"{sc.name} (={sc.str_value})"
    return str(_K.standard_sc_expr_str(sc))


def expr_text(expr: Any) -> str:
    """An expression with each symbol's current value: ``TUN (=m) || !TUN (=m)``."""
    return str(_K.expr_str(expr, _show))


def _split(expr: Any, op: int) -> list[Any]:
    return list(_K.split_expr(expr, op))


def _main_node(sc: Any) -> Any:
    """The definition shown for a symbol/choice: the first with a prompt, else the first."""
    for node in sc.nodes:
        if node.prompt:
            return node
    return sc.nodes[0] if sc.nodes else None


def _menu_path(node: Any) -> tuple[str, ...]:
    """Where menuconfig shows ``node``: enclosing menus, menuconfigs and choices, then itself."""
    parts: list[str] = []
    if node.prompt:
        parts.append(str(node.prompt[0]))
    top = node.kconfig.top_node
    parent = node.parent
    while parent is not None and parent is not top:
        if parent.is_menuconfig and parent.prompt:
            parts.append(str(parent.prompt[0]))
        parent = parent.parent
    return tuple(reversed(parts))


def _names(expr: Any) -> set[str]:
    return {item.name for item in _K.expr_items(expr) if _is_sym(item)}


@dataclass
class _Alternative:
    """One way to turn a promptless symbol on, with its ranking key."""

    key: tuple[int, int, int, int]
    name: str
    build: Any  # () -> ChainNode


@dataclass
class _Builder:
    srctree: Path
    prefer: Mapping[str, int]
    max_depth: int
    seen: set[tuple[str, frozenset[int]]] = field(default_factory=set)
    _lines: dict[str, list[str]] = field(default_factory=dict)

    # -- where a node is -------------------------------------------------------------------

    def where(self, sc: Any) -> dict[str, Any]:
        node = _main_node(sc)
        if node is None:
            return {}
        return {
            "prompt": str(node.prompt[0]) if node.prompt else None,
            "file": str(node.filename),
            "line": int(node.linenr),
            "menu_path": _menu_path(node),
        }

    def lines(self, filename: str) -> list[str]:
        if filename not in self._lines:
            try:
                text = (self.srctree / filename).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self._lines[filename] = text.splitlines()
        return self._lines[filename]

    def own_depends(self, node: Any) -> set[str]:
        """Symbol names on the definition's own ``depends on`` lines (read from the file)."""
        lines = self.lines(str(node.filename))
        names: set[str] = set()
        i = int(node.linenr)  # lines[i] is the line after "config X" (linenr is 1-based)
        while i < len(lines) and (not lines[i][:1].strip() or lines[i].startswith("#")):
            match = _DEPENDS_LINE.match(lines[i])
            if match:
                text = match.group(1)
                while text.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    text += " " + lines[i]
                names |= set(_WORD.findall(text.split("#", 1)[0]))
            i += 1
        return names

    def enclosing_ifs(self, node: Any) -> Iterator[str]:
        """The conditions of the ``if`` blocks around ``node`` in its own file, innermost first."""
        lines = self.lines(str(node.filename))
        depth = 0
        for line in reversed(lines[: max(int(node.linenr) - 1, 0)]):
            if _ENDIF_LINE.match(line):
                depth += 1
                continue
            match = _IF_LINE.match(line)
            if match:
                if depth:
                    depth -= 1
                else:
                    yield match.group(1)

    def origin(self, sc: Any, term: Any) -> str:
        """Where a term of ``sc``'s dependencies is written."""
        names = _names(term)
        node = _main_node(sc)
        if node is None or not names:
            return "depends on"
        for each in sc.nodes:
            if names <= self.own_depends(each):
                return "depends on"
        for condition in self.enclosing_ifs(node):
            if names <= set(_WORD.findall(condition)):
                return f"if {condition}"
        outer: Any = None
        parent = node.parent
        while parent is not None and parent is not node.kconfig.top_node:
            block = parent.item is MENU or parent.item.__class__ is Choice
            if block and term in _split(parent.dep, AND):
                outer = parent
            parent = parent.parent
        if outer is not None:
            kind = "choice" if outer.item.__class__ is Choice else "menu"
            return f'{kind} "{outer.prompt[0]}"' if outer.prompt else kind
        return "an enclosing if or menu"

    # -- nodes ------------------------------------------------------------------------------

    def symbol(
        self,
        sym: Any,
        allowed: frozenset[int],
        kind: LinkKind,
        depth: int,
        path: tuple[str, ...],
        via: str | None = None,
        expr: str | None = None,
        extra: tuple[Any, ...] = (),
    ) -> ChainNode:
        """``sym`` needing one of ``allowed``, and below it what holds it back."""
        if sym.type is not TRISTATE and M in allowed:
            # A bool is never m: "at least m" means y, "at most m" means n.
            allowed = frozenset(allowed - {M}) or frozenset({Y})
        cur = int(sym.tri_value)
        base = ChainNode(
            kind=kind,
            symbol=str(sym.name),
            value=str(sym.str_value),
            needs=needs_text(allowed),
            met=cur in allowed,
            expr=expr,
            via=via,
            **self.where(sym),
        )
        if not sym.nodes:
            return replace(base, note=f"{reasons.NOT_DEFINED}, so always n")
        extra_children = tuple(
            self.term(t, M, depth + 1, (*path, sym.name), via="select ... if")
            for t in extra
            if _tri(t) < M
        )
        if base.met and not extra_children:
            return base
        if sym.name in path:
            return replace(base, note="a dependency loop: this symbol is already on the chain")
        key = (str(sym.name), allowed)
        if key in self.seen:
            return replace(base, repeated=True, note="explained above")
        if depth >= self.max_depth:
            return replace(
                base,
                truncated=True,
                note=f"stopped at depth {self.max_depth}: run `kcheck explain {sym.name}`",
            )
        self.seen.add(key)
        inner = (*path, str(sym.name))
        if base.met:
            return replace(base, children=extra_children)
        up = [v for v in allowed if v > cur]
        if up:
            children, note, settable = self.raise_(sym, min(up), depth, inner)
        else:
            children, note, settable = self.lower(sym, max(allowed), depth, inner)
        return replace(base, children=(*children, *extra_children), note=note, settable=settable)

    def leaf(self, expr: Any, need: int, kind: LinkKind, via: str | None, note: str) -> ChainNode:
        return ChainNode(
            kind=kind,
            symbol=None,
            value=None,
            needs=needs_text(frozenset(v for v in (M, Y) if v >= need)),
            met=_tri(expr) >= need,
            expr=expr_text(expr),
            via=via,
            note=note,
        )

    def term(
        self,
        expr: Any,
        need: int,
        depth: int,
        path: tuple[str, ...],
        via: str | None = "depends on",
        kind: LinkKind = LinkKind.DEPENDS,
    ) -> ChainNode:
        """A dependency term that must be at least ``need``."""
        value = _tri(expr)
        capped = value == M and need == Y
        if capped and kind is LinkKind.DEPENDS:
            kind = LinkKind.CAP
        if expr.__class__ is Symbol:
            if expr.is_constant:
                note = "'m' limits it to m" if value == M else f"the constant {expr.name}"
                return self.leaf(expr, need, kind, via, note)
            allowed = frozenset(v for v in (M, Y) if v >= need)
            return self.symbol(expr, allowed, kind, depth, path, via)
        if expr.__class__ is Choice:
            return self.choice_visible(expr, need, depth, path, kind, via)
        op = expr[0]
        if op is NOT and _is_sym(expr[1]):
            allowed = frozenset(v for v in (N, M, Y) if 2 - v >= need)
            return self.symbol(
                expr[1], allowed, LinkKind.CONFLICT, depth, path, via, expr_text(expr)
            )
        if op in (EQUAL, UNEQUAL):
            node = self.relation(expr, need, depth, path, via)
            if node is not None:
                return node
        if op is OR:
            return self.alternatives(expr, need, depth, path, via, kind)
        if op is AND:
            parts = [t for t in _split(expr, AND) if _tri(t) < need]
            children = tuple(self.term(t, need, depth + 1, path, via=None) for t in parts)
            return replace(
                self.leaf(expr, need, kind, via, "all of these"), children=children, note=None
            )
        return self.leaf(expr, need, kind, via, "a comparison of values; set them so it holds")

    def relation(
        self, expr: Any, need: int, depth: int, path: tuple[str, ...], via: str | None
    ) -> ChainNode | None:
        """``X = y``, ``X != n`` and friends on a bool/tristate symbol; None for others."""
        left, right = expr[1], expr[2]
        if _is_sym(right) and not _is_sym(left):
            left, right = right, left
        if not (_is_sym(left) and right.__class__ is Symbol and right.is_constant):
            return None
        if left.orig_type not in (BOOL, TRISTATE) or right.name not in ("n", "m", "y"):
            return None
        const = "nmy".index(right.name)
        allowed = frozenset({const}) if expr[0] is EQUAL else frozenset({N, M, Y} - {const})
        kind = LinkKind.CONFLICT if Y not in allowed else LinkKind.DEPENDS
        return self.symbol(left, allowed, kind, depth, path, via, expr_text(expr))

    def alternatives(
        self,
        expr: Any,
        need: int,
        depth: int,
        path: tuple[str, ...],
        via: str | None,
        kind: LinkKind,
    ) -> ChainNode:
        """An ``||``: a cap when it is ``X || !X``, else alternatives, the cheapest first."""
        operands = _split(expr, OR)
        for item in operands:
            if _is_sym(item) and (NOT, item) in operands and _tri(expr) == M and need == Y:
                # VHOST_NET: depends on (TUN || !TUN): a module TUN caps it at m.
                return self.symbol(
                    item, frozenset({N, Y}), LinkKind.CAP, depth, path, via, expr_text(expr)
                )
        ranked = sorted(operands, key=lambda t: self.term_cost(t, need))
        shown = ranked[:MAX_ALTERNATIVES]
        children = tuple(self.term(t, need, depth + 1, path, via=None) for t in shown)
        more = len(ranked) - len(shown)
        note = "one of these" + (f" (and {more} more)" if more else "")
        return replace(self.leaf(expr, need, kind, via, note), any_of=True, children=children)

    def term_cost(self, expr: Any, need: int) -> int:
        if _tri(expr) >= need:
            return 0
        if _is_sym(expr):
            return self.cost(expr, need)
        return 1 + sum(self.cost(s, need) for s in _K.expr_items(expr) if _is_sym(s))

    def cost(self, sym: Any, need: int) -> int:
        """A cheap estimate of how far ``sym`` is from ``need``: its unmet terms, one level."""
        if sym.tri_value >= need:
            return 0
        dep_need = M if sym.type is not TRISTATE else need
        unmet = sum(1 for t in _split(sym.direct_dep, AND) if _tri(t) < dep_need)
        promptless = not any(node.prompt for node in sym.nodes)
        return 1 + 2 * unmet + int(promptless)

    def choice_visible(
        self,
        choice: Any,
        need: int,
        depth: int,
        path: tuple[str, ...],
        kind: LinkKind,
        via: str | None,
    ) -> ChainNode:
        """A choice used as a dependency (members before v6.11 depend on their choice)."""
        node = ChainNode(
            kind=kind,
            symbol=choice.name,
            value=choice.selection.name if choice.selection is not None else None,
            needs=needs_text(frozenset(v for v in (M, Y) if v >= need)),
            met=_tri(choice) >= need,
            via=via,
            **self.where(choice),
        )
        if node.met or depth >= self.max_depth:
            return node
        children = tuple(
            self.term(t, need, depth + 1, path, via=self.origin(choice, t))
            for t in _split(choice.direct_dep, AND)
            if _tri(t) < need
        )
        return replace(node, children=children)

    # -- raising a value ----------------------------------------------------------------------

    def raise_(
        self, sym: Any, want: int, depth: int, path: tuple[str, ...]
    ) -> tuple[tuple[ChainNode, ...], str | None, bool]:
        """Why ``sym`` is below ``want``: (children, note, settable)."""
        # A bool (or a tristate without MODULES) takes y from a dependency at m.
        dep_need = M if sym.type is not TRISTATE else want
        children: list[ChainNode] = []
        unmet = False
        dep_terms = _split(sym.direct_dep, AND)
        for term in dep_terms:
            if term.__class__ is Symbol and term.is_constant and _tri(term) >= dep_need:
                continue
            via = self.origin(sym, term)
            if _tri(term) >= dep_need:
                # Met terms of the symbol's own "depends on" show what already holds ("PCI is
                # already y"); those of enclosing blocks would repeat on every symbol there.
                if via == "depends on":
                    children.append(self.met_term(term, dep_need, via))
            else:
                unmet = True
                children.append(self.term(term, dep_need, depth + 1, path, via=via))
        asked = sym.user_value is not None and sym.orig_type in (BOOL, TRISTATE)
        dropped = (
            reasons.dropped(sym.name, "nmy"[sym.user_value], sym.str_value)
            if asked and sym.user_value >= want
            else None
        )
        if unmet:
            return tuple(children), dropped, False
        prompts = [node for node in sym.nodes if node.prompt]
        if not prompts:
            return (
                (*children, *self.selectors(sym, want, depth, path)),
                reasons.no_prompt(has_defaults=bool(sym.defaults)),
                False,
            )
        if sym.visibility < dep_need:
            children += self.hidden_prompt(sym, dep_need, dep_terms, depth, path)
            return tuple(children), reasons.prompt_hidden(), False
        choice = sym.choice
        if choice is not None and choice.selection is not None and choice.selection is not sym:
            children.append(self.choice_switch(sym, choice, depth, path))
            return tuple(children), reasons.other_choice_member(), True
        note: str | None
        if sym.user_value is None:
            note = reasons.not_set(sym.str_value)
        elif sym.orig_type in (BOOL, TRISTATE) and sym.user_value < want:
            note = reasons.config_sets("nmy"[sym.user_value])
        else:
            note = dropped
        return tuple(children), note, True

    def met_term(self, term: Any, need: int, via: str | None) -> ChainNode:
        if _is_sym(term):
            return ChainNode(
                kind=LinkKind.DEPENDS,
                symbol=str(term.name),
                value=str(term.str_value),
                needs=needs_text(frozenset(v for v in (M, Y) if v >= need)),
                met=True,
                via=via,
                **self.where(term),
            )
        return self.leaf(term, need, LinkKind.DEPENDS, via, "holds")

    def hidden_prompt(
        self, sym: Any, need: int, dep_terms: list[Any], depth: int, path: tuple[str, ...]
    ) -> list[ChainNode]:
        """The unmet terms of the prompt conditions that are not dependencies: ``visible if``
        of an enclosing menu, or the prompt's own ``if``."""
        out: list[ChainNode] = []
        done: list[Any] = []
        for node in sym.nodes:
            if not node.prompt:
                continue
            visible_if: list[Any] = []
            parent = node.parent
            while parent is not None:
                if parent.item is MENU and parent.visibility is not node.kconfig.y:
                    visible_if += _split(parent.visibility, AND)
                parent = parent.parent
            for term in _split(node.prompt[1], AND):
                if _tri(term) >= need or term in dep_terms or term in done:
                    continue
                done.append(term)
                if term in visible_if:
                    out.append(
                        self.term(term, need, depth + 1, path, "visible if", LinkKind.VISIBLE_IF)
                    )
                else:
                    out.append(self.term(term, need, depth + 1, path, "prompt if"))
        return out

    def choice_switch(self, sym: Any, choice: Any, depth: int, path: tuple[str, ...]) -> ChainNode:
        """``sym`` is a member of ``choice`` and another member is selected."""
        current = choice.selection
        affected = sorted(
            str(dep.name)
            for dep in current._dependents
            if dep.__class__ is Symbol
            and dep.tri_value
            and dep is not sym
            and current in _K.expr_items(dep.direct_dep)
        )
        note = f"{current.name} is selected; selecting {sym.name} turns {current.name} off"
        if affected:
            shown = ", ".join(affected[:MAX_ALTERNATIVES])
            more = len(affected) - MAX_ALTERNATIVES
            note += f", and with it {shown}" + (f" and {more} more" if more > 0 else "")
        node = ChainNode(
            kind=LinkKind.CHOICE,
            symbol=choice.name,
            value=str(current.name),
            needs=str(sym.name),
            met=False,
            via="choice",
            note=note,
            settable=choice.visibility > 0,
            **self.where(choice),
        )
        if choice.visibility == 0 and depth < self.max_depth:
            terms = [t for t in _split(choice.direct_dep, AND) if _tri(t) < M]
            for prompt_node in choice.nodes:
                if prompt_node.prompt:
                    terms += [t for t in _split(prompt_node.prompt[1], AND) if _tri(t) < M]
            unique: list[Any] = []
            for t in terms:
                if t not in unique:
                    unique.append(t)
            node = replace(
                node,
                children=tuple(self.term(t, M, depth + 1, path, via="choice") for t in unique),
            )
        return node

    def selectors(
        self, sym: Any, want: int, depth: int, path: tuple[str, ...]
    ) -> tuple[ChainNode, ...]:
        """The ways to turn a promptless symbol on, ranked (:data:`RANKING`), as one group."""
        target = _main_node(sym)
        alternatives: list[_Alternative] = []
        order = 0
        allowed = frozenset(v for v in (M, Y) if v >= want)
        for attr, via in (("rev_dep", "select"), ("weak_rev_dep", "imply")):
            for term in _split(getattr(sym, attr), OR):
                parts = _split(term, AND)
                selector = next((p for p in parts if _is_sym(p) and p.nodes), None)
                if selector is None or selector.name in path:
                    continue
                extra = tuple(
                    p
                    for p in parts
                    if p is not selector and p not in _split(selector.direct_dep, AND)
                )
                same_file = _main_node(selector).filename == target.filename
                key = (
                    self.prefer.get(str(selector.name), 3),
                    0 if same_file else 1,
                    self.cost(selector, want) + sum(1 for p in extra if _tri(p) < M),
                    order,
                )
                order += 1

                def build(s: Any = selector, v: str = via, e: tuple[Any, ...] = extra) -> ChainNode:
                    condition = " && ".join(expr_text(p) for p in e) or None
                    via_text = f"{v} {sym.name}" + (f" if {condition}" if condition else "")
                    return self.symbol(
                        s, allowed, LinkKind.SELECT, depth + 1, path, via_text, None, e
                    )

                alternatives.append(_Alternative(key, str(selector.name), build))
        for value, cond in sym.defaults:
            if _tri(value) < want and not _is_sym(value):
                continue
            both = cond if value.__class__ is Symbol and value.is_constant else (AND, value, cond)
            key = (3, 0, self.term_cost(both, want), order)
            order += 1

            def build_default(b: Any = both, v: Any = value, c: Any = cond) -> ChainNode:
                node = self.term(b, want, depth + 1, path, via="default")
                text = f"default {expr_text(v)} if {expr_text(c)}"
                return replace(node, expr=text)

            alternatives.append(_Alternative(key, "default", build_default))
        if not alternatives:
            return ()
        alternatives.sort(key=lambda a: a.key)
        best = alternatives[0].key[:2]
        if best == (3, 1):
            proposed = alternatives[:3]
        else:
            proposed = [a for a in alternatives if a.key[:2] == best][:MAX_ALTERNATIVES]
        others = tuple(a.name for a in alternatives if a not in proposed and a.name != "default")
        children = tuple(a.build() for a in proposed)
        group = ChainNode(
            kind=LinkKind.SELECT,
            symbol=None,
            value=None,
            needs=needs_text(allowed),
            met=False,
            via="select",
            note="one of these turns it on" if len(children) > 1 else "this turns it on",
            any_of=len(children) > 1,
            not_proposed=others,
            children=children,
        )
        return (group,)

    # -- lowering a value ---------------------------------------------------------------------

    def lower(
        self, sym: Any, want: int, depth: int, path: tuple[str, ...]
    ) -> tuple[tuple[ChainNode, ...], str | None, bool]:
        """Why ``sym`` is above ``want`` (usually: wanted off): (children, note, settable)."""
        allowed = frozenset(v for v in (N, M, Y) if v <= want)
        if _tri(sym.rev_dep) > want:
            children = []
            for term in _split(sym.rev_dep, OR):
                if _tri(term) <= want:
                    continue
                parts = _split(term, AND)
                selector = next((p for p in parts if _is_sym(p)), None)
                if selector is None:
                    continue
                children.append(
                    self.symbol(
                        selector,
                        allowed,
                        LinkKind.SELECT,
                        depth + 1,
                        path,
                        f"select {sym.name}",
                        None,
                    )
                )
            return tuple(children), reasons.held_on_by_select(), False
        choice = sym.choice
        if choice is not None and choice.selection is sym and want == N:
            others = [s.name for s in choice.syms if s is not sym and s.visibility]
            node = ChainNode(
                kind=LinkKind.CHOICE,
                symbol=choice.name,
                value=str(sym.name),
                needs="|".join(others) or "another member",
                met=False,
                via="choice",
                note=f"{sym.name} is the selected member; select another: {', '.join(others)}",
                settable=bool(others),
                **self.where(choice),
            )
            return (node,), reasons.selected_member(), False
        if _tri(sym.weak_rev_dep) > want and sym.visibility <= want:
            return (), "implied by " + expr_text(sym.weak_rev_dep), False
        if sym.visibility > want:
            if sym.user_value is not None and sym.user_value > want:
                return (), reasons.config_sets("nmy"[sym.user_value]), True
            return (), reasons.not_set(sym.str_value), True
        return (), f"its default makes it {sym.str_value}, and no prompt for it is visible", False


def explain_symbol(
    kconf: Any,
    srctree: Path,
    name: str,
    allowed: frozenset[int] | None,
    prefer: Mapping[str, int] | None = None,
    max_depth: int = DEFAULT_DEPTH,
    needs: str | None = None,
) -> ChainNode | None:
    """The chain for ``name`` needing one of ``allowed`` (0/1/2 for n/m/y).

    ``allowed`` None is for int/hex/string symbols: the chain then explains only why the
    symbol is not visible (``needs`` is the requirement's text, e.g. ``">= 4"``). ``prefer``
    maps symbol names to 0 (the profile requires it), 1 (recommends), 2 (optional), for
    ranking selectors. Returns None when the tree does not define ``name``.
    """
    sym = kconf.syms.get(name)
    if sym is None or not sym.nodes:
        return None
    builder = _Builder(Path(srctree), prefer or {}, max_depth)
    if allowed is not None and sym.orig_type in (BOOL, TRISTATE):
        return builder.symbol(sym, allowed, LinkKind.TARGET, 0, ())
    base = ChainNode(
        kind=LinkKind.TARGET,
        symbol=name,
        value=str(sym.str_value),
        needs=needs or "visible",
        met=bool(sym.visibility),
        **builder.where(sym),
    )
    if sym.visibility:
        return replace(base, settable=True, met=needs is None, note="its prompt is visible")
    children = tuple(
        builder.term(t, M, 1, (name,), via=builder.origin(sym, t))
        for t in _split(sym.direct_dep, AND)
        if _tri(t) < M
    )
    if not children:
        children = tuple(builder.hidden_prompt(sym, M, _split(sym.direct_dep, AND), 1, (name,)))
    return replace(base, children=children, note=reasons.prompt_hidden())
