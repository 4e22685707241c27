"""Why a symbol has its value: the glue between requirements and the chains of the kernel layer.

:mod:`kcheck.kernel.chain` builds a chain over kconfiglib; this module decides what to ask it:
which value a requirement needs (:func:`needed`), which symbols the profile cares about so the
chain prefers them when several symbols select a promptless one (:func:`preferences`), and it
attaches a chain to every failing or warning result of a check (:func:`with_chains`). The
``explain`` command's own use case is :func:`kcheck.app.explain`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from kcheck.errors import UsageError
from kcheck.kernel.chain import RANKING, explain_symbol, parse_needs
from kcheck.kernel.tree import LoadedTree
from kcheck.model import (
    DEFAULT_DEPTH,
    ChainNode,
    Expectation,
    Level,
    NodeKind,
    Profile,
    Result,
    Status,
)
from kcheck.profiles import iter_requirements

__all__ = [
    "DEFAULT_DEPTH",
    "RANKING",
    "chain_for",
    "needed",
    "parse_target",
    "preferences",
    "preferences_from_results",
    "with_chains",
]

_LEVEL_RANK = {Level.REQUIRED: 0, Level.RECOMMENDED: 1, Level.OPTIONAL: 2}
_TARGET = re.compile(r"^(?:CONFIG_)?([A-Za-z0-9_]+)(?:=(.+))?$")


def parse_target(text: str) -> tuple[str, str]:
    """``VHOST_NET=y`` / ``CONFIG_VIRTIO_NET`` -> (name, needs); needs defaults to ``y|m``."""
    match = _TARGET.match(text.strip())
    if not match:
        raise UsageError(f"not a symbol: {text!r} (expected NAME or NAME=y|m|n, e.g. VHOST_NET=y)")
    name, value = match.group(1), match.group(2) or "y|m"
    if parse_needs(value) is None:
        raise UsageError(f"bad value {value!r} for {name}: expected y, m, n or y|m")
    return name, value


def preferences(profiles: Iterable[Profile]) -> dict[str, int]:
    """Symbols the profiles want on, ranked 0 (required), 1 (recommended), 2 (optional).

    This ignores ``arch`` and ``when``; :func:`preferences_from_results` uses only the
    requirements that apply to the config checked.
    """
    ranks: dict[str, int] = {}
    for profile in profiles:
        for req in iter_requirements(profile.requirements):
            if req.kind is not NodeKind.SYMBOL or (req.expect and req.expect.wants_off):
                continue
            for name in (req.symbol, *req.aliases):
                ranks[name] = min(ranks.get(name, 3), _LEVEL_RANK[req.level])
    return ranks


def preferences_from_results(results: Iterable[Result]) -> dict[str, int]:
    """Like :func:`preferences`, from evaluated results: a requirement that does not apply
    here (VIRTIO_MMIO is for arm64 in the guest profile) is not preferred on powerpc."""
    ranks: dict[str, int] = {}

    def visit(result: Result) -> None:
        if result.status is Status.NOT_APPLICABLE:
            return
        if result.kind is NodeKind.SYMBOL and result.symbol and result.expected != "n":
            ranks[result.symbol] = min(ranks.get(result.symbol, 3), _LEVEL_RANK[result.level])
        for child in result.children:
            visit(child)

    for result in results:
        visit(result)
    return ranks


def needed(expect: Expectation) -> frozenset[int] | None:
    """The values (0/1/2) a requirement accepts; None for an int/hex/string comparison."""
    if not expect.is_tristate:
        return None
    return frozenset(int(value) for value in expect.allowed)


def chain_for(
    tree: LoadedTree,
    name: str,
    needs: str,
    prefer: dict[str, int],
    max_depth: int = DEFAULT_DEPTH,
) -> ChainNode | None:
    """The chain for ``name`` needing ``needs`` (``y|m``, ``y``, ``n``, or a comparison)."""
    allowed = parse_needs(needs)
    return explain_symbol(tree.kconf, tree.srctree, name, allowed, prefer, max_depth, needs)


def with_chains(
    results: Iterable[Result],
    tree: LoadedTree,
    prefer: dict[str, int],
    max_depth: int = DEFAULT_DEPTH,
) -> tuple[Result, ...]:
    """The results with a chain on every failing or warning symbol (group members too)."""

    def attach(result: Result) -> Result:
        children = tuple(attach(child) for child in result.children)
        chain = None
        wanted = result.kind is NodeKind.SYMBOL and result.status in (Status.FAIL, Status.WARN)
        if wanted and result.symbol:
            chain = chain_for(tree, result.symbol, result.expected or "y|m", prefer, max_depth)
        if chain is None and children == result.children:
            return result
        return replace(result, children=children, chain=chain)

    return tuple(attach(result) for result in results)
