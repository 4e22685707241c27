"""Evaluating a profile against a configuration: one Result per requirement, and their Summary.

The engine reads the configuration only through the ``ConfigView`` protocol, so it runs the
same over a parsed Kconfig tree (exact final values) and over a bare .config (values as written,
dependency questions unknown). It decides, per requirement: not applicable (another arch, a
``when`` that is false, a symbol this tree does not define), unknown (the answer needs a tree),
pass, or — by level — fail, warn or info, with the view's explanation of what holds the symbol
back and whether ``make olddefconfig`` will drop what the .config asked for. Groups keep their
members' results as ``children``. It never prints and never exits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from kcheck import arches, reasons
from kcheck.expr import Expr, compare, number, parse_expr, symbols
from kcheck.expr import evaluate as evaluate_expr
from kcheck.model import (
    ConfigView,
    Expectation,
    Level,
    NodeKind,
    Profile,
    Requirement,
    Result,
    Status,
    Summary,
    SymbolType,
    Tristate,
)

__all__ = [
    "ARCH_SYMBOLS",
    "evaluate",
    "expand_arch_names",
    "infer_arch_names",
    "summarize",
]

#: The Kconfig symbol that is y exactly when a config is for that arch (profiles' arch names).
ARCH_SYMBOLS = arches.SYMBOLS
# A 64- or 32-bit flavour implies its family; the family alone does not say which flavour.
_FAMILY = arches.FAMILY
_FAILED = {Level.REQUIRED: Status.FAIL, Level.RECOMMENDED: Status.WARN, Level.OPTIONAL: Status.INFO}
_ORDERING = ("<", "<=", ">", ">=")
# What a profile's symbol without ``want`` means; also used for a Requirement built by hand.
_DEFAULT_EXPECT = Expectation(text="y|m", allowed=frozenset({Tristate.Y, Tristate.M}))


def expand_arch_names(names: Iterable[str]) -> frozenset[str]:
    """Add the family of each flavour: ``{"x86_64"}`` becomes ``{"x86_64", "x86"}``."""
    given = set(names)
    return frozenset(given | {_FAMILY[name] for name in given if name in _FAMILY})


def infer_arch_names(view: ConfigView) -> frozenset[str]:
    """The arch names whose symbol (X86, X86_64, ARM64, PPC64, ...) the config has at y."""
    return frozenset(name for name, symbol in ARCH_SYMBOLS.items() if view.value(symbol) == "y")


def summarize(results: Iterable[Result]) -> Summary:
    """Counts of the top-level results per status; exit code 1 when a required one fails."""
    counts = {status.value: 0 for status in Status}
    failed_required = 0
    for result in results:
        counts[result.status.value] += 1
        # FAIL is given to required requirements only, unless a policy such as --strict
        # promoted a recommended one; either way it fails the run.
        if result.status is Status.FAIL:
            failed_required += 1
    return Summary(
        counts=counts, failed_required=failed_required, exit_code=int(failed_required > 0)
    )


def evaluate(profile: Profile, view: ConfigView, arch_names: frozenset[str]) -> tuple[Result, ...]:
    """Evaluate every requirement of ``profile`` on ``view``.

    ``arch_names`` are the profile arch names that describe the config (``x86_64``, ``arm64``,
    ...); families are added, and flavours the caller did not know (is this x86 64-bit?) are
    read from the config. Empty means unknown: the config's arch symbols decide, and when they
    cannot, requirements limited to an arch are unknown.
    """
    names = set(expand_arch_names(arch_names))
    inferred = infer_arch_names(view)
    if names:
        names |= {name for name in inferred if _FAMILY.get(name) in names}
    else:
        names = set(inferred)
    return tuple(_Evaluator(view, frozenset(names)).result(req) for req in profile.requirements)


@functools.lru_cache(maxsize=256)
def _parsed_when(text: str, path: str, line: int | None) -> Expr:
    return parse_expr(text, path=path, line=line)


class _Evaluator:
    def __init__(self, view: ConfigView, arch_names: frozenset[str]) -> None:
        self.view = view
        self.arch_names = arch_names

    def lookup(self, name: str) -> tuple[SymbolType, str] | None:
        """A symbol's type and final value for ``when``; Kconfig's view of undefined symbols."""
        if self.view.defined(name) is False:
            return SymbolType.UNKNOWN, name  # undefined: n, and its name as a string
        value = self.view.value(name)
        if value is None:
            return None
        return self.view.symbol_type(name), value

    def result(self, req: Requirement) -> Result:
        if req.arch:
            if not self.arch_names:
                return self.verdict(
                    req,
                    Status.UNKNOWN,
                    f"only on {', '.join(req.arch)}, and the config's architecture is not known",
                )
            if not self.arch_names.intersection(req.arch):
                return self.verdict(req, Status.NOT_APPLICABLE, f"only on {', '.join(req.arch)}")
        if req.when is not None:
            expr = _parsed_when(req.when, req.location.path, req.location.line)
            condition = evaluate_expr(expr, self.lookup)
            if condition is None:
                missing = sorted(name for name in symbols(expr) if self.lookup(name) is None)
                return self.verdict(
                    req,
                    Status.UNKNOWN,
                    f"only when {req.when}, which cannot be decided without a kernel tree "
                    f"({', '.join(missing)} not in the .config)",
                )
            if condition is Tristate.N:
                return self.verdict(req, Status.NOT_APPLICABLE, f"only when {req.when}")
        if req.kind is NodeKind.SYMBOL:
            return self.symbol(req)
        if req.kind is NodeKind.ANY_OF:
            return self.any_of(req)
        return self.all_of(req)

    def verdict(
        self,
        req: Requirement,
        status: Status,
        reason: str,
        children: tuple[Result, ...] = (),
    ) -> Result:
        return Result(
            id=req.id,
            kind=req.kind,
            level=req.level,
            status=status,
            reason=reason,
            section=req.section,
            symbol=req.symbol,
            expected=(req.expect or _DEFAULT_EXPECT).text if req.kind is NodeKind.SYMBOL else "",
            children=children,
            origin=req.origin,
        )

    def chosen_name(self, req: Requirement) -> str | Status:
        """The first of the symbol and its aliases that the config knows, else a status."""
        candidates = (req.symbol, *req.aliases)
        defined = [self.view.defined(name) for name in candidates]
        for name, is_defined in zip(candidates, defined, strict=True):
            if is_defined:
                return name
        for name, is_defined in zip(candidates, defined, strict=True):
            if is_defined is None and self.view.value(name) is not None:
                return name
        if all(is_defined is False for is_defined in defined):
            return Status.NOT_APPLICABLE
        return Status.UNKNOWN

    def symbol(self, req: Requirement) -> Result:
        expect = req.expect or _DEFAULT_EXPECT
        name = self.chosen_name(req)
        names = " / ".join(f"CONFIG_{each}" for each in (req.symbol, *req.aliases))
        if name is Status.NOT_APPLICABLE:
            return self.verdict(req, name, reasons.NOT_DEFINED)
        if isinstance(name, Status):
            return self.verdict(
                req,
                Status.UNKNOWN,
                f"{names} is not in the .config; without a kernel tree its value is unknown",
            )
        value = self.view.value(name)
        if value is None:
            return self.verdict(req, Status.UNKNOWN, f"the value of CONFIG_{name} is unknown")
        requested = self.view.requested(name)
        if requested == value:
            requested = None
        if _matches(expect, self.view.symbol_type(name), value):
            status, why = Status.PASS, None
        else:
            status, why = _FAILED[req.level], self.why(name, expect, value, requested)
        return Result(
            id=req.id,
            kind=req.kind,
            level=req.level,
            status=status,
            reason=req.reason,
            section=req.section,
            symbol=name,
            expected=expect.text,
            actual=value,
            requested=requested,
            why=why,
            origin=req.origin,
        )

    def why(self, name: str, expect: Expectation, value: str, requested: str | None) -> str | None:
        parts = []
        if requested is not None:
            parts.append(reasons.dropped(name, requested, value))
        if expect.is_tristate and not expect.wants_off:
            # The least value that would pass is what the dependencies have to allow.
            wanted = min(allowed for allowed in expect.allowed if allowed is not Tristate.N)
            because = self.view.why_not(name, wanted)
            if because:
                parts.append(because)
        return "; ".join(parts) or None

    def any_of(self, req: Requirement) -> Result:
        children = tuple(self.result(child) for child in req.children)
        statuses = {child.status for child in children}
        if Status.PASS in statuses:
            return self.verdict(req, Status.PASS, req.reason, children)
        if statuses == {Status.NOT_APPLICABLE}:
            return self.verdict(
                req, Status.NOT_APPLICABLE, "none of the alternatives applies here", children
            )
        if Status.UNKNOWN in statuses:
            return self.verdict(
                req,
                Status.UNKNOWN,
                "no alternative passes, and some cannot be checked without a kernel tree",
                children,
            )
        return self.verdict(req, _FAILED[req.level], req.reason, children)

    def all_of(self, req: Requirement) -> Result:
        children = tuple(self.result(child) for child in req.children)
        statuses = {child.status for child in children}
        if statuses == {Status.NOT_APPLICABLE}:
            return self.verdict(
                req, Status.NOT_APPLICABLE, "none of its parts applies here", children
            )
        if statuses & {Status.FAIL, Status.WARN, Status.INFO}:
            return self.verdict(req, _FAILED[req.level], req.reason, children)
        if Status.UNKNOWN in statuses:
            return self.verdict(
                req,
                Status.UNKNOWN,
                "no part fails, but some cannot be checked without a kernel tree",
                children,
            )
        return self.verdict(req, Status.PASS, req.reason, children)


def _matches(expect: Expectation, kind: SymbolType, value: str) -> bool:
    if expect.is_tristate:
        parsed = Tristate.parse(value)
        return parsed is not None and parsed in expect.allowed
    op = expect.op or "=="
    typed = (kind, value)
    operand = (SymbolType.UNKNOWN, expect.operand or "")
    # An int with no value ("") is not "< 5": ordering needs numbers, unlike Kconfig's
    # fallback to comparing strings.
    if op in _ORDERING and (number(typed) is None or number(operand) is None):
        return False
    return compare(op, typed, operand)
