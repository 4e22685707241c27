"""How a fix plan is shown: a plain-text summary for people, and JSON for tools.

The fragment itself is ``kcheck.fragment``'s job; this says what the plan changes and why,
what else moves (side effects), what cannot be done here, and whether the plan verified.
"""

from __future__ import annotations

import json
from typing import Any

from kcheck import __version__
from kcheck.model import FixPlan


def render_fix_text(plan: FixPlan) -> str:
    """A summary a kernel engineer reads before merging the fragment."""
    lines: list[str] = []
    head = f"kcheck fix: profile {plan.profile}, config {plan.config}"
    lines.append(head)
    if not plan.dependencies_verified:
        lines.append(
            "  no kernel tree: the fragment sets only the requested symbols; their dependencies "
            "are unverified (pass --tree DIR for a verified plan)"
        )
    if plan.changes:
        lines.append(f"  {len(plan.changes)} change(s):")
        for change in plan.changes:
            before = "" if change.before is None else f" (was {change.before})"
            why = ", ".join(change.required_by) or ""
            if change.dependency_of:
                why += ("; " if why else "") + "dependency of " + ", ".join(change.dependency_of)
            lines.append(f"    CONFIG_{change.symbol}={change.value}{before}  <- {why}")
            if change.choice is not None:
                lines.append(
                    f"      switches the choice {change.choice!r} from {change.switched_from}"
                )
    elif not plan.impossible:
        lines.append("  nothing to change")
    if plan.side_effects:
        lines.append("  side effects (not set by the fragment, but they change):")
        for effect in plan.side_effects:
            lines.append(f"    {effect.symbol}: {effect.before} -> {effect.after} ({effect.kind})")
    for item in plan.impossible:
        lines.append(f"  impossible here: {item.id} ({item.symbol} {item.wanted})")
        for step in item.chain:
            lines.append(f"    because {step}")
    verification = plan.verification
    if verification is not None:
        if verification.ok:
            lines.append(
                f"  verified: after merging and olddefconfig, {len(verification.held)} targeted "
                "requirement(s) hold"
            )
        else:
            lines.append(f"  NOT verified: still failing {', '.join(verification.failed) or '-'}")
            for symbol, declared, actual in verification.undeclared:
                lines.append(f"    {symbol}: declared {declared}, got {actual}")
    if not plan.optimal:
        lines.append("  (the search stopped at its budget: the plan works but may not be smallest)")
    return "\n".join(lines) + "\n"


def fix_to_dict(plan: FixPlan) -> dict[str, Any]:
    verification = plan.verification
    return {
        "schema_version": 1,
        "kind": "fix",
        "kcheck_version": __version__,
        "profile": plan.profile,
        "config": plan.config,
        "tree": plan.tree,
        "arch": plan.arch,
        "kernel_version": plan.kernel_version,
        "targets": list(plan.targets),
        "dependencies_verified": plan.dependencies_verified,
        "optimal": plan.optimal,
        "changes": [
            {
                "symbol": c.symbol,
                "value": c.value,
                "type": str(c.type),
                "before": c.before,
                "after": c.after,
                "required_by": list(c.required_by),
                "dependency_of": list(c.dependency_of),
                "choice": c.choice,
                "switched_from": c.switched_from,
            }
            for c in plan.changes
        ],
        "side_effects": [
            {"symbol": e.symbol, "before": e.before, "after": e.after, "kind": str(e.kind)}
            for e in plan.side_effects
        ],
        "turns_off": list(plan.turns_off),
        "impossible": [
            {"id": i.id, "symbol": i.symbol, "wanted": i.wanted, "chain": list(i.chain)}
            for i in plan.impossible
        ],
        "verification": None
        if verification is None
        else {
            "ok": verification.ok,
            "held": list(verification.held),
            "failed": list(verification.failed),
            "undeclared": [
                {"symbol": s, "declared": d, "actual": a} for s, d, a in verification.undeclared
            ],
        },
    }


def render_fix_json(plan: FixPlan) -> str:
    return json.dumps(fix_to_dict(plan), indent=2) + "\n"
