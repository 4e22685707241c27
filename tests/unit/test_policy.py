"""--strict and waivers: how a CI gate turns results into a verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kcheck.engine import summarize
from kcheck.errors import InputError, UsageError
from kcheck.model import Level, NodeKind, Result, Status
from kcheck.policy import (
    Waiver,
    apply_policy,
    find_waiver_file,
    load_waivers,
    parse_waive_option,
)

TODAY = dt.date(2026, 11, 26)


def result(rid: str, level: Level, status: Status) -> Result:
    return Result(id=rid, kind=NodeKind.SYMBOL, level=level, status=status, reason="r")


RESULTS = (
    result("net", Level.REQUIRED, Status.FAIL),
    result("vhost", Level.RECOMMENDED, Status.WARN),
    result("balloon", Level.OPTIONAL, Status.INFO),
    result("blk", Level.REQUIRED, Status.PASS),
)


def statuses(results: tuple[Result, ...]) -> list[str]:
    return [str(r.status) for r in results]


def test_no_policy_changes_nothing() -> None:
    outcome = apply_policy(RESULTS, today=TODAY)
    assert outcome.results == RESULTS
    assert summarize(outcome.results).exit_code == 1


def test_strict_fails_recommended() -> None:
    only_warn = RESULTS[1:]
    assert summarize(apply_policy(only_warn, today=TODAY).results).exit_code == 0
    strict = apply_policy(only_warn, strict=True, today=TODAY).results
    assert statuses(strict) == ["fail", "info", "pass"]
    assert summarize(strict).exit_code == 1


def test_waiver_lets_a_failure_pass_with_its_reason() -> None:
    waiver = Waiver("net", "guests use SR-IOV", "w.toml:2", dt.date(2026, 12, 31))
    out = apply_policy(RESULTS, waivers=[waiver], today=TODAY)
    assert statuses(out.results) == ["waived", "warn", "info", "pass"]
    assert out.results[0].why == "waived until 2026-12-31: guests use SR-IOV"
    assert summarize(out.results).exit_code == 0
    assert out.notices == ()


def test_expired_waiver_no_longer_applies() -> None:
    waiver = Waiver("net", "temporary", "w.toml:2", dt.date(2026, 11, 25))
    out = apply_policy(RESULTS, waivers=[waiver], today=TODAY)
    assert out.results[0].status is Status.FAIL
    assert out.results[0].why == "waiver expired on 2026-11-25 (w.toml:2)"
    assert out.notices == (
        "w.toml:2: the waiver for net expired on 2026-11-25; it no longer applies",
    )
    assert summarize(out.results).exit_code == 1


def test_waiver_on_expiry_day_still_applies() -> None:
    waiver = Waiver("net", "until today", "w.toml:2", TODAY)
    assert apply_policy(RESULTS, waivers=[waiver], today=TODAY).results[0].status is Status.WAIVED


def test_waiver_for_unknown_id_is_an_error() -> None:
    with pytest.raises(UsageError, match="waiver for unknown requirement id 'nett'"):
        apply_policy(RESULTS, waivers=[Waiver("nett", "typo", "--waive")], today=TODAY)


def test_strict_then_waived() -> None:
    waiver = Waiver("vhost", "no vhost on this board", "--waive")
    out = apply_policy(RESULTS[1:], strict=True, waivers=[waiver], today=TODAY)
    assert statuses(out.results) == ["waived", "info", "pass"]


def test_load_waivers(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text(
        '[[waiver]]\nid = "net"\nreason = "SR-IOV"\nexpires = 2027-01-31\n\n'
        '[[waiver]]\nid = "vhost"\nreason = "slow path is fine"\n'
    )
    assert load_waivers(path) == (
        Waiver("net", "SR-IOV", f"{path}:1", dt.date(2027, 1, 31)),
        Waiver("vhost", "slow path is fine", f"{path}:6"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[waiver]]\nid = "net"\n', ":1: the waiver for 'net' needs a reason"),
        ('[[waiver]]\nid = "net"\nreason = "  "\n', ":1: the waiver for 'net' needs a reason"),
        ('[[waiver]]\nreason = "x"\n', ":1: a waiver needs an id"),
        ('[[waiver]]\nid = "n"\nreason = "x"\nuntil = 1\n', ":4: unknown key 'until'"),
        ('[[waiver]]\nid = "n"\nreason = "x"\nexpires = "soon"\n', ":4: expires must be a TOML"),
        (
            '[[waiver]]\nid = "n"\nreason = "x"\n[[waiver]]\nid = "n"\nreason = "y"\n',
            ":5: 'n' is waived twice (first on line 2)",
        ),
        ("[[waiver]\n", ":1: invalid TOML"),
        ('ids = ["x"]\n', ":1: unknown key 'ids'"),
    ],
)
def test_bad_waiver_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_waivers(path)
    assert str(info.value).startswith(f"{path}{message}")


def test_waive_option() -> None:
    assert parse_waive_option("net=SR-IOV guests") == Waiver("net", "SR-IOV guests", "--waive")
    for bad in ("net", "net=", "=reason", "net=  "):
        with pytest.raises(UsageError, match="expected ID=REASON"):
            parse_waive_option(bad)


def test_waiver_file_next_to_config(tmp_path: Path) -> None:
    config = tmp_path / ".config"
    config.write_text("CONFIG_A=y\n")
    assert find_waiver_file(config) is None
    (tmp_path / ".kcheck-waivers.toml").write_text("")
    assert find_waiver_file(config) == tmp_path / ".kcheck-waivers.toml"
    assert find_waiver_file(None) is None
