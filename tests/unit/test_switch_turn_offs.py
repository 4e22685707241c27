"""What a plan's choice switch turns off by itself, and how a fix is judged for it.

``kcheck vm --fix`` writes a plan that switches the processor choice a -M/-cpu needs and says
what the switch turns off; anything else the plan turns off is refused without
--allow-disable. Both are told apart by merging the switch lines alone
(:func:`kcheck.app.turned_off_by_switches`) on a tiny tree with the real planner.
"""

from __future__ import annotations

from kcheck.app import turned_off_by_switches
from kcheck.cli import turn_off_verdict
from kcheck.kernel.planner import plan
from kcheck.kernel.tree import LoadedTree
from kcheck.model import Expectation, FixPlan, FixTarget, NodeKind
from tests.unit.conftest import ParseCase

CONFIG = "CONFIG_CPU_A=y\nCONFIG_FEATURE_A=y\nCONFIG_OTHER=y\n"


def _plan(tree: LoadedTree) -> FixPlan:
    target = FixTarget(
        id="wanted", kind=NodeKind.SYMBOL, symbol="WANTED", expect=Expectation.of_values("y")
    )
    tree.load_values(CONFIG, "<config>")
    result = plan(tree, CONFIG, [target])
    assert result.verification.ok
    return FixPlan(
        profile="test",
        config="<config>",
        tree=str(tree.srctree),
        arch=tree.arch,
        kernel_version=None,
        targets=result.planned,
        changes=result.changes,
        side_effects=result.side_effects,
        impossible=result.impossible,
        verification=result.verification,
    )


def test_the_switch_alone_turns_off_the_old_member_and_what_needs_it(
    parse_case: ParseCase,
) -> None:
    tree = parse_case("fix_switch_turn_offs")
    fix = _plan(tree)
    assert [c.symbol for c in fix.choice_switches] == ["CPU_B"]
    assert set(fix.turns_off) == {"CPU_A", "FEATURE_A", "OTHER"}
    assert set(turned_off_by_switches(tree, CONFIG, fix)) == {"CPU_A", "FEATURE_A"}
    # The tree has the config loaded again afterwards.
    assert tree.value("OTHER") == "y"


def test_only_what_the_switch_turns_off_is_accepted(parse_case: ParseCase) -> None:
    tree = parse_case("fix_switch_turn_offs")
    fix = _plan(tree)
    demanded = turned_off_by_switches(tree, CONFIG, fix)
    notice, refusal = turn_off_verdict(fix, demanded, allow_disable=False)
    assert notice is not None
    assert refusal is not None
    assert "switched from CPU_A to CPU_B" in notice
    assert notice.endswith("which turns off CPU_A, FEATURE_A")
    assert refusal.endswith("also turns off OTHER (on now); pass --allow-disable to accept that")
    # --allow-disable accepts the rest; the switch is still said.
    notice, refusal = turn_off_verdict(fix, demanded, allow_disable=True)
    assert notice is not None
    assert refusal is None
    # Without a machine that demands the switch (kcheck guest --fix), all three are refused.
    notice, refusal = turn_off_verdict(fix, (), allow_disable=False)
    assert notice is None
    assert refusal is not None
    assert "switches " in refusal
    assert all(s in refusal for s in ("CPU_A", "FEATURE_A", "OTHER"))
