"""The fix use case without printing: a checked report and its config in, a FixPlan out.

:func:`fix` turns the requirements a :class:`~kcheck.model.Report` found failing (required and
recommended; optional ones too with ``include_optional``) into targets for the kernel layer's
planner (:mod:`kcheck.kernel.planner`), which finds one joint, smallest plan, computes its side
effects and verifies it on a copy of the config. Requirements that pass are kept as
constraints, so a plan never breaks them quietly. Without a kernel tree the plan is only the
requested symbols (the first alternative of an ``any_of`` that applies) and says that their
dependencies are unverified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from kcheck.explain import preferences_from_results
from kcheck.kernel.dotconfig import value_type
from kcheck.kernel.planner import plan
from kcheck.kernel.tree import LoadedTree
from kcheck.model import (
    DEFAULT_EXPECT,
    FixChange,
    FixPlan,
    FixTarget,
    NodeKind,
    Report,
    Result,
    Status,
    SymbolType,
)

__all__ = ["fix", "preferences", "targets_from_report"]


def _target(result: Result) -> FixTarget | None:
    """The result as a target, without the members that do not apply (or cannot be known)."""
    if result.status in (Status.NOT_APPLICABLE, Status.UNKNOWN):
        return None
    if result.kind is NodeKind.SYMBOL:
        if not result.symbol:
            return None
        return FixTarget(
            id=result.id,
            kind=NodeKind.SYMBOL,
            level=result.level,
            symbol=result.symbol,
            expect=result.expect or DEFAULT_EXPECT,
        )
    children = tuple(t for t in (_target(child) for child in result.children) if t is not None)
    if not children:
        return None
    return FixTarget(id=result.id, kind=result.kind, level=result.level, children=children)


def _wanted(result: Result, include_optional: bool) -> bool:
    if result.status is Status.FAIL or result.status is Status.WARN:
        return True
    return include_optional and result.status is Status.INFO


def targets_from_report(
    report: Report, *, include_optional: bool = False
) -> tuple[tuple[FixTarget, ...], tuple[FixTarget, ...]]:
    """(targets, keep): the failing requirements a fix must meet (required and recommended;
    optional with ``include_optional``) and the passing ones it must not break."""
    targets: list[FixTarget] = []
    keep: list[FixTarget] = []
    for result in report.results:
        target = _target(result)
        if target is None:
            continue
        if _wanted(result, include_optional):
            targets.append(target)
        elif result.status is Status.PASS:
            keep.append(target)
    return tuple(targets), tuple(keep)


def preferences(report: Report) -> dict[str, int]:
    """Symbol -> rank of the strongest requirement that wants it (0 required, 1 recommended,
    2 optional): the same preferences ``--explain`` ranks selectors by
    (:func:`kcheck.explain.preferences_from_results`), so the planner turns a promptless
    symbol on through the selectors ``explain`` proposes."""
    return preferences_from_results(report.results)


def fix(
    report: Report,
    tree: LoadedTree | None,
    config_text: str,
    *,
    include_optional: bool = False,
) -> FixPlan:
    """One joint plan that makes the report's failing requirements pass.

    ``tree`` is the tree ``report`` was checked on, with ``config_text`` (the config named
    ``report.config``) loaded; it has that config loaded again on return. Without a tree the
    plan lists only the requested symbols and ``dependencies_verified`` is False.
    """
    targets, keep = targets_from_report(report, include_optional=include_optional)
    base = FixPlan(
        profile=report.profile,
        config=report.config,
        tree=report.tree,
        arch=report.arch,
        kernel_version=report.kernel_version,
        targets=tuple(t.id for t in targets),
        changes=(),
    )
    if tree is None:
        return replace(
            base,
            changes=tuple(_unverified(report, include_optional)),
            dependencies_verified=False,
        )
    result = plan(
        tree,
        config_text,
        targets,
        config_name=report.config,
        keep=keep,
        prefer=preferences(report),
    )
    return replace(
        base,
        targets=result.planned,
        changes=result.changes,
        side_effects=result.side_effects,
        impossible=result.impossible,
        verification=result.verification,
        optimal=result.optimal,
    )


def _unverified(report: Report, include_optional: bool) -> Iterator[FixChange]:
    """Without a tree: each failing requirement's own symbols, at the first value it lists."""
    seen: set[str] = set()
    for result in report.results:
        if not _wanted(result, include_optional):
            continue
        for leaf, owner in _requested(result):
            if leaf.symbol in seen:
                continue
            seen.add(leaf.symbol)
            expect = leaf.expect or DEFAULT_EXPECT
            op, operand = expect.op, expect.operand
            quoted = expect.text.rstrip().endswith('"')
            if expect.allowed:
                value, kind = str(expect.allowed[0]), SymbolType.TRISTATE
            elif op in ("==", ">=", "<=") and operand is not None:
                # No tree knows the symbol's type, so the want's own form says it: a quoted
                # operand is a string, a number ("== 0x1000000", ">= -1") an int or hex, which
                # the fragment must write bare -- conf_read() refuses CONFIG_NR_CPUS="-1".
                value, kind = operand, value_type(operand, quoted)
            else:
                continue
            yield FixChange(
                symbol=leaf.symbol,
                value=value,
                type=kind,
                before=leaf.actual,
                after=None,
                required_by=(owner,),
            )


def _requested(result: Result) -> Iterator[tuple[Result, str]]:
    if result.status in (Status.PASS, Status.NOT_APPLICABLE):
        return
    if result.kind is NodeKind.SYMBOL:
        if result.symbol:
            yield result, result.id
        return
    if result.kind is NodeKind.ANY_OF:
        for child in result.children:
            if child.status is not Status.NOT_APPLICABLE:
                yield from _requested(child)
                return
        return
    for child in result.children:
        yield from _requested(child)
