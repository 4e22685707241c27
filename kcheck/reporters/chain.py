"""Explanation chains for people (a rich tree) and for machines (nested JSON objects).

Pure functions over :class:`kcheck.model.ChainNode` and :class:`kcheck.model.Explanation`:
the text reporter draws a chain under a failing requirement, ``kcheck explain`` draws one on
its own, and the JSON reporters use :func:`chain_to_dict`.
"""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from kcheck import __version__
from kcheck.model import ChainNode, Explanation, LinkKind

SCHEMA_VERSION = 1


def chain_to_dict(node: ChainNode) -> dict[str, Any]:
    """One node and its children as JSON-ready objects (field names are stable)."""
    return {
        "symbol": node.symbol,
        "value": node.value,
        "needs": node.needs,
        "met": node.met,
        "prompt": node.prompt,
        "file": node.file,
        "line": node.line,
        "menu_path": list(node.menu_path),
        "kind": str(node.kind),
        "via": node.via,
        "expr": node.expr,
        "note": node.note,
        "settable": node.settable,
        "any_of": node.any_of,
        "repeated": node.repeated,
        "truncated": node.truncated,
        "not_proposed": list(node.not_proposed),
        "children": [chain_to_dict(child) for child in node.children],
    }


def _link(node: ChainNode) -> str:
    """How the node hangs off its parent, in the words of the Kconfig file."""
    kind = node.kind
    if kind is LinkKind.TARGET:
        return ""
    if kind is LinkKind.CAP:
        return f"capped at m by {node.expr}" if node.expr else "capped at m by"
    if kind is LinkKind.CONFLICT:
        return f"conflicts: depends on {node.expr}" if node.expr else "conflicts"
    if kind is LinkKind.VISIBLE_IF:
        return "visible if"
    if kind is LinkKind.CHOICE:
        return "choice"
    return node.via or str(kind)


def _action(node: ChainNode) -> str | None:
    if not node.settable or node.met:
        return None
    if node.kind is LinkKind.CHOICE:
        return f"select {node.needs.split('|')[0]} in the choice"
    if node.symbol is None:
        return None
    return f"set CONFIG_{node.symbol}={node.needs.split('|')[0]}"


def _label(node: ChainNode, color: bool) -> Text:
    text = Text()
    link = _link(node)
    if link:
        text.append(f"[{link}] ", style="dim" if color else "")
    state = "green" if node.met else "bold red"
    if node.kind is LinkKind.CHOICE:
        title = f'"{node.prompt}"' if node.prompt else (node.symbol or "choice")
        text.append(f"{title}: {node.value} is selected, needs {node.needs}", style=state)
    elif node.symbol is None:
        text.append(node.note or ("one of:" if node.any_of else "all of:"), style=state)
        if node.expr:
            text.append(f": {node.expr}")
    else:
        text.append(node.symbol, style=state)
        text.append(f" = {node.value}")
        text.append(" (ok)" if node.met else f", needs {node.needs}")
        if node.prompt:
            text.append(f' "{node.prompt}"')
    if node.file is not None:
        text.append(f"  {node.file}:{node.line}", style="cyan" if color else "")
    details: list[str] = []
    if node.symbol is not None and node.menu_path and not node.met and not node.repeated:
        details.append("menu: " + " → ".join(node.menu_path))
    note = node.note if node.symbol is not None or node.kind is LinkKind.CHOICE else None
    action = _action(node)
    if note and action:
        details.append(f"{note} → {action}")
    elif note or action:
        details.append(note or action or "")
    if node.not_proposed:
        details.append("not proposed (ranked lower): " + ", ".join(node.not_proposed))
    for line in details:
        text.append("\n" + line, style="dim" if color and line.startswith("menu:") else "")
    return text


def chain_tree(node: ChainNode, color: bool = False) -> Tree:
    """The chain as a rich Tree, root first."""
    tree = Tree(_label(node, color), guide_style="dim" if color else "")
    _grow(tree, node, color)
    return tree


def _grow(tree: Tree, node: ChainNode, color: bool) -> None:
    for child in node.children:
        _grow(tree.add(_label(child, color)), child, color)


def string_console(buf: io.StringIO, color: bool, width: int) -> Console:
    """A rich console that renders into ``buf`` at a fixed width, colour only if asked."""
    return Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )


def strip_trailing(text: str) -> str:
    """Drop the blanks rich pads lines with; they only get in the way of diffs and goldens."""
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def render_chain_text(node: ChainNode, *, color: bool = False, width: int = 100) -> str:
    """One chain as text lines (used under a requirement in the check report)."""
    buf = io.StringIO()
    string_console(buf, color, width).print(chain_tree(node, color))
    return strip_trailing(buf.getvalue())


def render_explanation_text(
    explanation: Explanation, *, color: bool = False, width: int = 100
) -> str:
    """``kcheck explain``'s report: what was read, the chain, and a one-line verdict."""
    buf = io.StringIO()
    console = string_console(buf, color, width)
    chain = explanation.chain
    facts = [
        f"explain {chain.symbol}",
        f"config {explanation.config}",
        f"Linux {explanation.kernel_version}",
    ]
    if explanation.arch:
        facts.append(explanation.arch)
    facts.append(f"tree {explanation.tree}")
    console.print(Text("kcheck: " + ", ".join(facts)), soft_wrap=True)
    console.print(chain_tree(chain, color))
    if chain.met:
        verdict = Text(f"OK: {chain.symbol} is {chain.value}, as wanted ({chain.needs})")
        verdict.stylize("bold green" if color else "")
    else:
        verdict = Text(f"NOT MET: {chain.symbol} is {chain.value}, needs {chain.needs}")
        verdict.stylize("bold red" if color else "")
    console.print(verdict, soft_wrap=True)
    return strip_trailing(buf.getvalue())


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    chain = explanation.chain
    return {
        "schema_version": SCHEMA_VERSION,
        "kcheck_version": __version__,
        "config": explanation.config,
        "tree": explanation.tree,
        "arch": explanation.arch,
        "kernel_version": explanation.kernel_version,
        "symbol": chain.symbol,
        "value": chain.value,
        "needs": chain.needs,
        "met": chain.met,
        "ranking": explanation.ranking,
        "chain": chain_to_dict(chain),
    }


def render_explanation_json(explanation: Explanation) -> str:
    return json.dumps(explanation_to_dict(explanation), indent=2, ensure_ascii=False) + "\n"
