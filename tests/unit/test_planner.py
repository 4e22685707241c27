"""The fix planner on tiny Kconfig trees (tests/unit/kconfig/fix_*), one behaviour each, and
its minimality against an exhaustive search over every assignment of a tiny tree's symbols."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from kcheck.kernel import planner as planner_module
from kcheck.kernel.planner import PlanResult, merge_config_text, plan
from kcheck.kernel.state import changed_since as real_since
from kcheck.kernel.tree import LoadedTree
from kcheck.model import EffectKind, Expectation, FixTarget, Level, NodeKind
from tests.unit.conftest import ParseCase


def want(symbol: str, *allowed: str, level: Level = Level.REQUIRED) -> FixTarget:
    return FixTarget(
        id=symbol.lower(),
        kind=NodeKind.SYMBOL,
        level=level,
        symbol=symbol,
        expect=Expectation.of_values(allowed or ("y", "m")),
    )


def any_of(ident: str, *children: FixTarget) -> FixTarget:
    return FixTarget(id=ident, kind=NodeKind.ANY_OF, children=children)


def run(tree: LoadedTree, config: str, *targets: FixTarget, **kw: Any) -> PlanResult:
    tree.load_values(config, "in.config")
    return plan(tree, config, list(targets), config_name="in.config", **kw)


def lines(result: PlanResult) -> dict[str, str]:
    return {change.symbol: change.value for change in result.changes}


def test_follows_depends_menu_and_if(parse_case: ParseCase) -> None:
    tree = parse_case("fix_depends")
    result = run(tree, "# CONFIG_BUS is not set\n", want("DRIVER", "y"))
    assert lines(result) == {"BUS": "y", "SUBSYS": "y", "DRIVER": "y"}
    # Enablers first, the way make would ask; each says whom it serves.
    assert [c.symbol for c in result.changes] == ["BUS", "SUBSYS", "DRIVER"]
    assert result.changes[0].dependency_of == ("driver",)
    assert result.changes[2].required_by == ("driver",)
    assert result.verification.ok
    assert result.impossible == ()


def test_prefers_the_first_listed_value(parse_case: ParseCase) -> None:
    tree = parse_case("fix_depends")
    config = "CONFIG_BUS=y\nCONFIG_SUBSYS=y\n# CONFIG_DRIVER is not set\n"
    assert lines(run(tree, config, want("DRIVER", "m", "y"))) == {"DRIVER": "m"}
    assert lines(run(tree, config, want("DRIVER", "y", "m"))) == {"DRIVER": "y"}


def test_or_takes_the_cheaper_alternative(parse_case: ParseCase) -> None:
    tree = parse_case("fix_or")
    result = run(tree, "", want("TARGET", "y"))
    assert lines(result) == {"CHEAP": "y", "TARGET": "y"}
    # ... unless the dearer one is already there and then costs less: one line, not two.
    # (With only FAR0 and FAR1 set both routes take two lines and turn two symbols on, a tie
    # the planner's stated order -- fewest lines, fewest symbols turned on -- does not settle.)
    result = run(tree, "CONFIG_FAR0=y\nCONFIG_FAR1=y\nCONFIG_FAR2=y\n", want("TARGET", "y"))
    assert lines(result) == {"TARGET": "y"}
    # Half of it there is not enough: FAR1 and FAR2 are two lines, CHEAP is one.
    result = run(tree, "CONFIG_FAR0=y\n", want("TARGET", "y"))
    assert lines(result) == {"CHEAP": "y", "TARGET": "y"}


def test_promptless_core_comes_from_the_wanted_transport(parse_case: ParseCase) -> None:
    tree = parse_case("fix_selector")
    targets = [want("TRANSPORT"), want("NETDEV"), want("BLKDEV")]
    result = run(tree, "", *targets, prefer={"TRANSPORT": 0, "NETDEV": 0, "BLKDEV": 0})
    assert lines(result) == {"BUS": "y", "TRANSPORT": "y", "NETDEV": "y", "BLKDEV": "y"}
    transport = next(c for c in result.changes if c.symbol == "TRANSPORT")
    assert transport.dependency_of == ("netdev", "blkdev")
    assert result.verification.ok


def test_promptless_core_never_through_a_side_door(parse_case: ParseCase) -> None:
    """CONSOLE would be one line cheaper than BUS + TRANSPORT, but it is a select-only side
    door in another file: the core's own provider is used, even when nobody asks for it."""
    tree = parse_case("fix_selector")
    result = run(tree, "", want("NETDEV"), prefer={"NETDEV": 0})
    assert "CONSOLE" not in lines(result)
    assert lines(result) == {"BUS": "y", "TRANSPORT": "y", "NETDEV": "y"}


def test_side_door_wanted_for_itself_is_not_the_transport(parse_case: ParseCase) -> None:
    tree = parse_case("fix_selector")
    prefer = {"TRANSPORT": 0, "NETDEV": 0, "CONSOLE": 1}
    targets = [want("TRANSPORT"), want("NETDEV"), want("CONSOLE", level=Level.RECOMMENDED)]
    result = run(tree, "", *targets, prefer=prefer)
    by_symbol = {c.symbol: c for c in result.changes}
    assert set(by_symbol) == {"BUS", "TRANSPORT", "NETDEV", "CONSOLE"}
    assert by_symbol["CONSOLE"].dependency_of == ()
    assert by_symbol["TRANSPORT"].dependency_of == ("netdev",)


def test_tristate_cap_raises_tun_and_tap(parse_case: ParseCase) -> None:
    tree = parse_case("fix_cap")
    config = "CONFIG_MODULES=y\nCONFIG_TUN=m\nCONFIG_MACVTAP=m\nCONFIG_VHOST_NET=m\n"
    result = run(tree, config, want("VHOST_NET", "y"))
    assert lines(result) == {"TUN": "y", "MACVTAP": "y", "VHOST_NET": "y"}
    assert result.verification.ok
    assert not [e for e in result.side_effects if e.kind is EffectKind.DISABLED]


def test_choice_switched_only_when_needed_and_reported(parse_case: ParseCase) -> None:
    tree = parse_case("fix_choice")
    assert lines(run(tree, "CONFIG_CPU_A=y\n", want("FEATURE_ANY"))) == {"FEATURE_ANY": "y"}
    result = run(tree, "CONFIG_CPU_A=y\n", want("FEATURE_B"))
    assert lines(result) == {"CPU_B": "y", "FEATURE_B": "y"}
    switch = next(c for c in result.changes if c.symbol == "CPU_B")
    assert switch.choice == '"processor"'
    assert switch.switched_from == "CPU_A"
    assert ("CPU_A", "y", "n", EffectKind.DISABLED) in {
        (e.symbol, e.before, e.after, e.kind) for e in result.side_effects
    }
    assert result.verification.ok


def test_turning_off_is_avoided_then_declared(parse_case: ParseCase) -> None:
    tree = parse_case("fix_disable")
    # Another way exists: ALT, and OLD stays on.
    result = run(tree, "CONFIG_OLD=y\n", want("EITHER"))
    assert lines(result) == {"ALT": "y", "EITHER": "y"}
    assert not result.side_effects
    # No other way: the plan turns OLD off, and says so in the change's before/after.
    result = run(tree, "CONFIG_OLD=y\n", want("NEEDS_OFF"))
    assert lines(result) == {"OLD": "n", "NEEDS_OFF": "y"}
    old = next(c for c in result.changes if c.symbol == "OLD")
    assert (old.before, old.after) == ("y", "n")
    assert result.verification.ok


def test_impossible_targets_with_their_chain(parse_case: ParseCase) -> None:
    tree = parse_case("fix_impossible")
    targets = [
        want("KVM_E500V2", "y"),
        want("NEEDS_NEVER"),
        want("CONST_OFF"),
        want("NOT_IN_THIS_TREE"),
        want("PLATFORM", "y"),
    ]
    tree.load_values("CONFIG_PLATFORM=y\n", "in.config")
    before = tree.resolved_text()
    result = run(tree, "CONFIG_PLATFORM=y\n", *targets)
    # Nothing to merge, so nothing was loaded: the search's own changes were all undone.
    assert tree.resolved_text() == before
    impossible = {item.id: item.chain for item in result.impossible}
    assert set(impossible) == {"kvm_e500v2", "needs_never", "const_off", "not_in_this_tree"}
    assert any("E500MC is selected by PLATFORM" in step for step in impossible["kvm_e500v2"])
    assert any("NEVER has no prompt and nothing selects it" in s for s in impossible["needs_never"])
    assert any("constant n" in step for step in impossible["const_off"])
    assert any("not defined in this kernel tree" in step for step in impossible["not_in_this_tree"])
    assert result.changes == ()  # never a plan that cannot work


def test_group_targets(parse_case: ParseCase) -> None:
    tree = parse_case("fix_minimal")
    transport = any_of("transport", want("MMIO", "y"), want("PCI", "y"))
    result = run(tree, "", transport)
    assert lines(result) == {"MMIO": "y"}  # equal cost: the first listed
    both = FixTarget(
        id="both", kind=NodeKind.ALL_OF, children=(want("PCI", "y"), want("INET", "y"))
    )
    assert lines(run(tree, "", both)) == {"PCI": "y", "NET": "y", "INET": "y"}


def test_passing_requirements_are_kept(parse_case: ParseCase) -> None:
    tree = parse_case("fix_disable")
    keep = [want("OLD", "y")]
    result = run(tree, "CONFIG_OLD=y\n", want("NEEDS_OFF"), keep=keep)
    assert [item.id for item in result.impossible] == ["needs_off"]
    assert result.changes == ()


def test_restores_the_loaded_config(parse_case: ParseCase) -> None:
    tree = parse_case("fix_depends")
    config = "# CONFIG_BUS is not set\nCONFIG_DRIVER=m\n"
    tree.load_values(config, "in.config")
    before = tree.resolved_text()
    result = plan(tree, config, [want("DRIVER", "y")], config_name="in.config")
    assert result.changes
    assert tree.resolved_text() == before
    assert tree.config_name == "in.config"
    assert [(d.name, d.requested, d.actual) for d in tree.dropped()] == [("DRIVER", "m", "n")]


@pytest.mark.parametrize("inputs_differ", [False, True])
def test_verification_recomputes_what_the_plan_predicts(
    parse_case: ParseCase, monkeypatch: pytest.MonkeyPatch, inputs_differ: bool
) -> None:
    """The merged config is loaded and what the plan predicts is computed again on it. Had
    it loaded to other inputs than the plan's (here MODULES, pretended), every symbol that
    can follow them is compared. A wrong prediction (here DRIVER at m) is reported either
    way, and the loaded config comes back just the same."""
    tree = parse_case("fix_depends")
    config = "# CONFIG_BUS is not set\nCONFIG_DRIVER=m\n"
    tree.load_values(config, "in.config")
    before = tree.resolved_text()
    if inputs_differ:

        def changed_since(tree_: LoadedTree, state: Any) -> list[Any]:
            return [*real_since(tree_, state), tree_.sym("MODULES")]

        monkeypatch.setattr(planner_module, "changed_since", changed_since)
    result = plan(tree, config, [want("DRIVER", "y")], config_name="in.config")
    assert lines(result) == {"BUS": "y", "SUBSYS": "y", "DRIVER": "y"}
    assert result.verification.ok, result.verification
    assert tree.resolved_text() == before

    real_changed = planner_module._Planner.changed

    def wrong(self: Any, moves: Any) -> dict[Any, str]:
        out = real_changed(self, moves)
        return {sym: "m" if sym.name == "DRIVER" else value for sym, value in out.items()}

    monkeypatch.setattr(planner_module._Planner, "changed", wrong)
    result = plan(tree, config, [want("DRIVER", "y")], config_name="in.config")
    assert ("DRIVER", "m", "y") in result.verification.undeclared
    assert tree.resolved_text() == before


def test_merge_config_text_replaces_lines_like_merge_config_sh() -> None:
    base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_AB=y\nCONFIG_C=1\n"
    fragment = "# why\nCONFIG_B=y\n# CONFIG_A is not set\n"
    assert merge_config_text(base, fragment) == (
        "CONFIG_AB=y\nCONFIG_C=1\n\n# why\nCONFIG_B=y\n# CONFIG_A is not set\n"
    )


# -- minimality: the planner against an exhaustive search -----------------------------------

MINIMAL_CASES = [
    ("", [want("NIC", "y")]),
    ("", [want("NIC")]),
    ("", [want("NIC"), want("VHOST", "y")]),
    ("CONFIG_NET=y\nCONFIG_TUN=m\n", [want("VHOST", "y")]),
    ("CONFIG_NET=y\n# CONFIG_INET is not set\nCONFIG_TUN=m\n", [want("VHOST", "y")]),
    ("", [want("EXTRA"), want("NIC", "m")]),
    ("CONFIG_MMIO=y\n", [want("NIC", "y"), want("EXTRA")]),
    ("# CONFIG_NETDEVICES is not set\nCONFIG_NET=y\n", [want("NIC")]),
    ("", [any_of("t", want("TUN", "y"), want("EXTRA"))]),
]

SETTABLE = ("NET", "INET", "NETDEVICES", "PCI", "MMIO", "TRANSPORT", "NIC", "TUN", "VHOST", "EXTRA")


def holds(tree: LoadedTree, target: FixTarget) -> bool:
    if target.kind is NodeKind.SYMBOL:
        return tree.value(target.symbol) in {str(t) for t in target.expectation.allowed}
    results = [holds(tree, child) for child in target.children]
    return any(results) if target.kind is NodeKind.ANY_OF else all(results)


def assignments(config: str) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """Every assignment of the settable symbols, fewest changed first."""
    for size in range(len(SETTABLE) + 1):
        for names in itertools.combinations(SETTABLE, size):
            for values in itertools.product("nmy", repeat=size):
                yield size, list(zip(names, values, strict=True))


def brute_force(tree: LoadedTree, config: str, targets: list[FixTarget]) -> tuple[int, int]:
    """(changes, symbols turned on) of the best plan that turns nothing off."""
    tree.load_values(config, "in.config")
    kconf = tree.kconf
    before = {sym.name: sym.str_value for sym in kconf.unique_defined_syms}
    best: tuple[int, int] | None = None
    for size, assignment in assignments(config):
        if best is not None and size > best[0]:
            break
        text = config + "".join(
            f"CONFIG_{name}={value}\n" if value != "n" else f"# CONFIG_{name} is not set\n"
            for name, value in assignment
        )
        tree.load_values(text, "in.config")
        # A line that changes nothing is not a change.
        if any(before[name] == value and tree.value(name) == value for name, value in assignment):
            continue
        if not all(holds(tree, t) for t in targets):
            continue
        after = {sym.name: sym.str_value for sym in kconf.unique_defined_syms}
        if any(before[n] in "my" and after[n] == "n" for n in before if len(before[n]) == 1):
            continue
        turned_on = sum(1 for n in before if before[n] == "n" and after[n] in ("m", "y"))
        if best is None or (size, turned_on) < best:
            best = (size, turned_on)
    assert best is not None
    return best


@pytest.mark.parametrize(("config", "targets"), MINIMAL_CASES)
def test_plan_is_minimal(parse_case: ParseCase, config: str, targets: list[FixTarget]) -> None:
    tree = parse_case("fix_minimal")
    config = "CONFIG_MODULES=y\n" + config
    expected = brute_force(tree, config, targets)
    result = run(tree, config, *targets)
    assert result.verification.ok
    assert result.impossible == ()
    turned_on = sum(1 for c in result.changes if c.before == "n" and c.after in ("m", "y")) + sum(
        1 for e in result.side_effects if e.before == "n" and e.after in ("m", "y")
    )
    assert (len(result.changes), turned_on) == expected
    # And it really works, merged as merge_config.sh does.
    fragment = "".join(
        f"CONFIG_{c.symbol}={c.value}\n" if c.value != "n" else f"# CONFIG_{c.symbol} is not set\n"
        for c in result.changes
    )
    tree.load_values(merge_config_text(config, fragment), "merged.config")
    assert all(holds(tree, t) for t in targets)
