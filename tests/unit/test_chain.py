"""Explanation chains on a tiny Kconfig tree (tests/unit/kconfig/explain/): one test per link.

Each test loads a few .config lines, asks for the chain of one symbol, and checks the nodes
that matter: their kind, value, what they need, where they are written and what they say.
"""

from __future__ import annotations

import re

import pytest

from kcheck.errors import UsageError
from kcheck.explain import chain_for, parse_target, preferences, preferences_from_results
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.kernel.tree import LoadedTree
from kcheck.kernel.view import TreeView
from kcheck.model import ChainNode, Level, LinkKind, NodeKind, Result, Status, Tristate
from kcheck.profiles import load_profile
from tests.unit.conftest import ParseCase


@pytest.fixture
def tree(parse_case: ParseCase) -> LoadedTree:
    return parse_case("explain")


def explain(
    tree: LoadedTree,
    config: str,
    name: str,
    needs: str = "y",
    prefer: dict[str, int] | None = None,
    depth: int = 8,
) -> ChainNode:
    tree.load_values("CONFIG_MODULES=y\n" + config, "in.config")
    node = chain_for(tree, name, needs, prefer or {}, depth)
    assert node is not None
    return node


def child(node: ChainNode, symbol: str | None) -> ChainNode:
    matches = [c for c in node.children if c.symbol == symbol]
    assert len(matches) == 1, [c.symbol for c in node.children]
    return matches[0]


def symbols(node: ChainNode) -> set[str]:
    return {n.symbol for n in node.walk() if n.symbol is not None}


def test_met_target_has_no_children(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_BUS=y\n", "BUS")
    assert (node.kind, node.symbol, node.value, node.needs, node.met) == (
        LinkKind.TARGET,
        "BUS",
        "y",
        "y",
        True,
    )
    assert node.children == ()


def test_depends_term_with_its_value_file_line_and_menu_path(tree: LoadedTree) -> None:
    node = explain(tree, "", "BUS_EXTRA")
    assert not node.met
    bus = child(node, "BUS")
    assert (bus.kind, bus.value, bus.needs, bus.via) == (LinkKind.DEPENDS, "n", "y", "depends on")
    assert (bus.file, bus.line, bus.prompt) == ("Kconfig", 8, "A bus")
    assert bus.menu_path == ("Bus options", "A bus")
    assert bus.settable
    assert bus.note == "not set in the config, and its default is n"


def test_met_own_dependency_is_shown_as_already_met(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_BUS=y\nCONFIG_BUS_EXTRA=n\n", "BUS_EXTRA")
    bus = child(node, "BUS")
    assert bus.met
    assert node.settable
    assert node.note == "the config sets it to n"


def test_or_alternatives(tree: LoadedTree) -> None:
    node = explain(tree, "", "EITHER")
    (group,) = node.children
    assert group.symbol is None
    assert group.any_of
    assert group.expr == "BUS (=n) || OTHER_BUS (=n)"
    assert {c.symbol for c in group.children} == {"BUS", "OTHER_BUS"}


def test_promptless_symbol_is_followed_through_its_selectors(tree: LoadedTree) -> None:
    node = explain(tree, "", "DEVICE")
    core = child(node, "CORE")
    assert core.note == "has no prompt: it is on only when something selects it"
    (group,) = core.children
    assert group.kind is LinkKind.SELECT
    assert group.any_of
    # The providers in CORE's own Kconfig file are proposed; the side door elsewhere is not.
    assert [c.symbol for c in group.children] == ["PROVIDER_PLAIN", "PROVIDER_BUS"]
    assert group.not_proposed == ("SIDE_DOOR",)
    assert all(c.via == "select CORE" for c in group.children)
    assert "SIDE_DOOR" not in symbols(node)
    # The cheaper provider first; the other one shows what it still needs.
    assert group.children[0].settable
    assert child(group.children[1], "BUS").settable


def test_selectors_the_profile_requires_come_first(tree: LoadedTree) -> None:
    node = explain(tree, "", "DEVICE", prefer={"SIDE_DOOR": 0})
    (group,) = child(node, "CORE").children
    assert [c.symbol for c in group.children] == ["SIDE_DOOR"]
    assert group.not_proposed == ("PROVIDER_PLAIN", "PROVIDER_BUS")


def test_enclosing_if_block(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_CORE_MENU=n\n", "PROVIDER_PLAIN")
    menu = child(node, "CORE_MENU")
    assert menu.via == "if CORE_MENU"
    assert (menu.file, menu.line) == ("drivers/Kconfig", 3)


def test_cap_x_or_not_x(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_TUNLIKE=m\nCONFIG_USER=m\n", "USER")
    assert node.value == "m"
    cap = child(node, "TUNLIKE")
    assert cap.kind is LinkKind.CAP
    assert (cap.value, cap.needs) == ("m", "y|n")
    assert cap.expr == "TUNLIKE (=m) || !TUNLIKE (=m)"
    assert cap.settable


def test_cap_by_a_dependency_at_m(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_TUNLIKE=m\nCONFIG_BYDEP=m\n", "BYDEP")
    cap = child(node, "TUNLIKE")
    assert (cap.kind, cap.value, cap.needs) == (LinkKind.CAP, "m", "y")


def test_no_cap_when_m_is_enough(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_TUNLIKE=m\nCONFIG_USER=m\n", "USER", "y|m")
    assert node.met


def test_conflict_held_on_by_select(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_LEGACY=y\n", "NEW_API")
    old = child(node, "OLD_API")
    assert old.kind is LinkKind.CONFLICT
    assert (old.value, old.needs, old.expr) == ("y", "n", "!OLD_API (=y)")
    assert old.note == "held on by select: turn off what selects it"
    legacy = child(old, "LEGACY")
    assert (legacy.kind, legacy.needs, legacy.via) == (LinkKind.SELECT, "n", "select OLD_API")
    assert legacy.settable


def test_wanted_off_but_selected(tree: LoadedTree) -> None:
    node = explain(tree, "CONFIG_LEGACY=y\n", "OLD_API", "n")
    assert (node.value, node.needs) == ("y", "n")
    assert child(node, "LEGACY").kind is LinkKind.SELECT


def test_choice_member_while_another_is_selected(tree: LoadedTree) -> None:
    node = explain(tree, "", "PICK_B")
    (choice,) = node.children
    assert choice.kind is LinkKind.CHOICE
    assert (choice.value, choice.needs, choice.prompt) == ("PICK_A", "PICK_B", "Pick one")
    assert (choice.file, choice.line) == ("Kconfig", 53)
    assert choice.note is not None
    assert choice.note.endswith("turns PICK_A off, and with it USES_A")


def test_selected_choice_member_wanted_off(tree: LoadedTree) -> None:
    node = explain(tree, "", "PICK_A", "n")
    (choice,) = node.children
    assert (choice.kind, choice.value, choice.needs) == (LinkKind.CHOICE, "PICK_A", "PICK_B")


def test_visible_if_of_a_menu(tree: LoadedTree) -> None:
    node = explain(tree, "", "INSIDE")
    show = child(node, "SHOW")
    assert (show.kind, show.via) == (LinkKind.VISIBLE_IF, "visible if")
    assert node.note == "its prompt is hidden"


def test_prompt_condition(tree: LoadedTree) -> None:
    node = explain(tree, "", "GUARDED")
    guard = child(node, "GUARD")
    assert (guard.kind, guard.via) == (LinkKind.DEPENDS, "prompt if")


def test_depth_limit_stops_with_a_note(tree: LoadedTree) -> None:
    node = explain(tree, "", "D1", depth=2)
    d3 = child(child(node, "D2"), "D3")
    assert d3.truncated
    assert d3.children == ()
    assert d3.note == "stopped at depth 2: run `kcheck explain D3`"


def test_repeated_sub_chain_is_collapsed(tree: LoadedTree) -> None:
    node = explain(tree, "", "TWICE")
    first = child(child(node, "BUS_EXTRA"), "BUS")
    again = child(node, "BUS")
    assert not first.repeated
    assert again.repeated
    assert again.note == "explained above"


def test_every_location_is_the_definition_line(tree: LoadedTree) -> None:
    srctree = tree.srctree
    for name in ("DEVICE", "NEW_API", "USER", "PICK_B", "INSIDE", "TWICE", "EITHER"):
        for node in explain(tree, "CONFIG_LEGACY=y\nCONFIG_TUNLIKE=m\n", name).walk():
            if node.file is None:
                continue
            assert node.line is not None
            line = (srctree / node.file).read_text().splitlines()[node.line - 1]
            if node.kind is LinkKind.CHOICE:
                assert line.startswith("choice"), (node, line)
            else:
                assert re.match(rf"(menu)?config {node.symbol}$", line), (node, line)


def test_undefined_symbol_has_no_chain(tree: LoadedTree) -> None:
    tree.load_values("", "in.config")
    assert chain_for(tree, "NOPE", "y", {}) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VIRTIO_NET", ("VIRTIO_NET", "y|m")),
        ("CONFIG_VHOST_NET=y", ("VHOST_NET", "y")),
        ("DEBUG_INFO=n", ("DEBUG_INFO", "n")),
        ("T=y|m", ("T", "y|m")),
    ],
)
def test_parse_target(text: str, expected: tuple[str, str]) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["", "A B", "X=yes", "=y"])
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


def test_preferences_rank_by_level() -> None:
    ranks = preferences([load_profile("guest")])
    assert ranks["VIRTIO_PCI"] == 0
    assert ranks["VIRTIO_CONSOLE"] == 1
    assert ranks["DRM_VIRTIO_GPU"] == 2
    assert "VIRTIO" not in ranks


def test_preferences_skip_requirements_that_do_not_apply() -> None:
    def result(symbol: str, level: Level, status: Status, expected: str = "y|m") -> Result:
        return Result(
            id=symbol.lower(),
            kind=NodeKind.SYMBOL,
            level=level,
            status=status,
            reason="",
            symbol=symbol,
            expected=expected,
        )

    group = Result(
        id="transport",
        kind=NodeKind.ANY_OF,
        level=Level.REQUIRED,
        status=Status.FAIL,
        reason="",
        children=(
            result("VIRTIO_PCI", Level.REQUIRED, Status.FAIL),
            result("VIRTIO_MMIO", Level.REQUIRED, Status.NOT_APPLICABLE),
        ),
    )
    ranks = preferences_from_results(
        [
            group,
            result("VIRTIO_CONSOLE", Level.RECOMMENDED, Status.WARN),
            result("DEBUG", Level.REQUIRED, Status.PASS, expected="n"),
        ]
    )
    assert ranks == {"VIRTIO_PCI": 0, "VIRTIO_CONSOLE": 1}


@pytest.mark.parametrize(
    ("config", "name", "needs"),
    [
        ("", "BUS", "y"),  # not set, default n
        ("CONFIG_BUS=y\nCONFIG_BUS_EXTRA=n\n", "BUS_EXTRA", "y"),  # the config sets it to n
        ("", "PICK_B", "y"),  # another member of the choice is selected
        ("", "GUARDED", "y"),  # its prompt is hidden
        ("", "PICK_A", "n"),  # the selected member, wanted off
        ("CONFIG_LEGACY=y\n", "OLD_API", "n"),  # held on by select
    ],
)
def test_check_and_explain_say_why_in_the_same_words(
    tree: LoadedTree, config: str, name: str, needs: str
) -> None:
    # The check's one-line why (TreeView.why_not) and explain's note on the same symbol come
    # from kcheck.reasons: the one-liner may add detail after a colon, never other words.
    node = explain(tree, config, name, needs)
    view = TreeView(tree, parse_dotconfig(ConfigInput("in.config", "CONFIG_MODULES=y\n" + config)))
    wanted = Tristate.parse(needs)
    assert wanted is not None
    why = view.why_not(name, wanted)
    assert why is not None
    assert node.note is not None
    assert why.split(":")[0] == node.note.split(":")[0], (why, node.note)
