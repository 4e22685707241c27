"""The check, the plan and the fix read a profile's ``want`` through one typed expectation.

A ``want`` with ``<``/``>`` compares numbers: a string symbol, or an int with no value, does not
meet ``< 4`` (kcheck.expr.holds). The check fails it, so the fix must either plan it or say it
cannot -- never plan nothing as if it held (as the planner once did, comparing the strings).
"""

from __future__ import annotations

import pytest

from kcheck import app, fixer
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.kernel.view import TreeView
from kcheck.model import Level, Location, NodeKind, Profile, Requirement, Status
from kcheck.profiles import parse_want
from tests.unit.conftest import ParseCase

CASES = [
    # (kernel version, symbol, want, value after olddefconfig, plannable)
    ((7, 2, 0), "NAME", "< 4", "3.0", False),
    ((7, 2, 0), "NAME", "> 2", "3.0", False),
    ((6, 1, 0), "COUNT", "< 4", "", True),
    ((6, 1, 0), "COUNT", ">= 1", "", True),
]


@pytest.mark.parametrize(("version", "symbol", "want", "value", "plannable"), CASES)
def test_check_and_fix_agree_on_ordering_what_is_not_a_number(
    parse_case: ParseCase,
    version: tuple[int, int, int],
    symbol: str,
    want: str,
    value: str,
    plannable: bool,
) -> None:
    tree = parse_case("want_compare", version)
    text = 'CONFIG_NAME="3.0"\n'
    config = parse_dotconfig(ConfigInput("in.config", text))
    tree.load_config(config)
    loaded = app.Loaded(config, "x86_64", tree, TreeView(tree, config))
    requirement = Requirement(
        id="want",
        kind=NodeKind.SYMBOL,
        level=Level.REQUIRED,
        reason="r",
        location=Location("p.toml", 1),
        symbol=symbol,
        expect=parse_want(want, path="p.toml", line=1),
    )
    report = app.check_loaded(Profile("p", "", "p.toml", (requirement,)), loaded)
    (result,) = report.results
    assert result.actual == value
    assert result.status is Status.FAIL

    plan = fixer.fix(report, tree, text)
    impossible = [each.id for each in plan.impossible]
    if plannable:
        assert plan.targets == ("want",)
        assert impossible == []
        assert plan.verification is not None
        assert plan.verification.held == ("want",)
    else:
        assert plan.targets == ()
        assert impossible == ["want"]
        assert plan.changes == ()
