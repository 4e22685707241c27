"""A fix plan as a config fragment that ``scripts/kconfig/merge_config.sh`` accepts, and the
config that merging it and running ``make olddefconfig`` gives.

:func:`render_fragment` writes one ``CONFIG_X=y`` / ``# CONFIG_X is not set`` /
``CONFIG_X="text"`` line per change, each after a comment naming the requirement ids that
want it and those it is a dependency of. Comments never contain ``CONFIG_`` names, so
merge_config.sh's ``grep -w`` sees only the assignments. :func:`apply_fragment` does what
``merge_config.sh -m .config fragment && make olddefconfig`` does, with kcheck's own
olddefconfig (a :class:`~kcheck.kernel.tree.LoadedTree`).
"""

from __future__ import annotations

from kcheck.kernel.dotconfig import format_assignment, merge_config_text
from kcheck.kernel.state import restore, snapshot
from kcheck.kernel.tree import LoadedTree
from kcheck.model import FixChange, FixPlan

__all__ = ["apply_fragment", "fragment_name", "merge_config_text", "render_fragment"]


def fragment_name(profile: str) -> str:
    """``kcheck-<profile>.config``: ``make kcheck-guest.config`` merges it when it sits in
    kernel/configs or arch/$ARCH/configs."""
    return f"kcheck-{profile}.config"


def _why(change: FixChange) -> str:
    parts: list[str] = []
    if change.required_by:
        parts.append(", ".join(change.required_by))
    if change.dependency_of:
        parts.append("dependency of " + ", ".join(change.dependency_of))
    text = "; ".join(parts) or "needed by the plan"
    if change.choice is not None:
        text += f"; switches the choice {change.choice} from {change.switched_from}"
    return text


def render_fragment(plan: FixPlan) -> str:
    """The plan as a merge_config.sh fragment, each line after a comment saying who needs it."""
    where = ", ".join(
        part
        for part in (
            f"Linux {plan.kernel_version}" if plan.kernel_version else None,
            plan.arch,
        )
        if part
    )
    lines = [
        f"# kcheck fix for profile {plan.profile}: {plan.config}"
        + (f" ({where})" if where else ""),
        "# Merge: scripts/kconfig/merge_config.sh -m .config THIS_FILE && make olddefconfig",
    ]
    if not plan.dependencies_verified:
        lines.append(
            "# No kernel tree: only the requested symbols; their dependencies are unverified."
        )
    elif plan.verification is not None and not plan.verification.ok:
        lines.append("# WARNING: this plan did not verify; see kcheck's report.")
    for item in plan.impossible:
        lines.append(f"# Not possible here: {item.id} ({item.symbol} {item.wanted})")
    for change in plan.changes:
        lines.append("")
        lines.append(f"# {_why(change)}")
        lines.append(format_assignment(change.symbol, change.value, change.type))
    return "\n".join(lines) + "\n"


def apply_fragment(
    tree: LoadedTree, config_text: str, fragment: str, *, config_name: str = "<config>"
) -> str:
    """``merge_config.sh -m`` then ``make olddefconfig``: the .config text they would write.

    ``tree`` has ``config_text`` loaded on return (restored from a snapshot when it had it
    loaded already, as after a fix; else loaded).
    """
    merged = merge_config_text(config_text, fragment)
    saved = snapshot(tree) if tree.config_name == config_name else None
    try:
        tree.load_values(merged, f"{config_name} + fragment")
        return tree.resolved_text()
    finally:
        if saved is not None:
            restore(tree, saved)
        else:
            tree.load_values(config_text, config_name)
