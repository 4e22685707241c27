"""The compatibility layer's rules, one behaviour per tiny Kconfig tree (tests/unit/kconfig/).

Each test loads .config text into a tree parsed as a given kernel version would be, and checks
what ``make olddefconfig`` of that version writes. Where the kernel's C tool can answer (Linux
6.12's conf, on the trees it parses), the answer is its own output, stored beside the input
(``kconfig/TREE/olddefconfig/``, remade by ``scripts/regen-tiny-expected.sh``). The other
expectations -- older kernels' rules (5.4, 6.1, 5.10), syntax newer than 6.12 (``transitional``,
``depends on X if Y``), kcheck's offline probe answers -- have no C tool here to ask; they follow
the C tool's code (scripts/kconfig/symbol.c, menu.c, confdata.c) of the version named in each
test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kcheck.errors import TreeError
from kcheck.kernel import compat
from kcheck.kernel.toolchain import (
    OfflineShell,
    ToolchainSpec,
    kconfig_env,
    scoped_environ,
    unknown_success_probe,
)
from kcheck.kernel.tree import DroppedValue
from tests.unit.conftest import (
    KCONFIG_CASES,
    ParseCase,
    body,
    olddefconfig_case,
    olddefconfig_inputs,
    parse_kconfig_dir,
)


def test_imply_before_5_7_promoted_m_to_y(parse_case: ParseCase) -> None:
    tree = parse_case("imply_option_modules", (5, 4, 0))
    tree.load_values("CONFIG_A=y\nCONFIG_B=m\n", "in.config")
    assert tree.value("B") == "y"


# The C tool that made the answers is 6.12's; what changed after it up to 7.2 is syntax these
# trees do not use and PAHOLE_VERSION (KCONFIG-FACTS.md), so 7.2's rules must give the same.
@pytest.mark.parametrize("version", [(6, 12, 0), (7, 2, 0)], ids=["6.12", "7.2"])
@pytest.mark.parametrize(
    "path", olddefconfig_inputs(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}"
)
def test_olddefconfig_is_the_c_tools(
    parse_case: ParseCase, path: Path, version: tuple[int, int, int]
) -> None:
    given, expected = olddefconfig_case(path.parent.parent.name, path.stem)
    tree = parse_case(path.parent.parent.name, version)
    tree.load_values(given, path.name)
    assert body(tree) == expected


def test_tiny_cases_cover_the_c_tools_rules() -> None:
    # imply (v5.7), choices (v6.11), int/hex zero and clamping (v6.8, v6.11), bare "modules".
    trees = {path.parent.parent.name for path in olddefconfig_inputs()}
    assert trees >= {"imply", "choice", "int_hex", "modules"}
    assert len(olddefconfig_inputs()) >= 12


def test_clamped_value_is_reported_as_dropped(parse_case: ParseCase) -> None:
    tree = parse_case("int_hex", (6, 12, 0))
    given, expected = olddefconfig_case("int_hex", "out-of-range")
    tree.load_values(given, "in.config")
    # The bounds are the C tool's answer (int_hex/olddefconfig/out-of-range.expected.config).
    assert "CONFIG_LIMITED=10\n" in expected
    assert "CONFIG_LIMITED_HEX=0x10\n" in expected
    assert tree.dropped() == [
        DroppedValue("LIMITED", "50", "10"),
        DroppedValue("LIMITED_HEX", "0x1", "0x10"),
    ]


def test_transitional_value_feeds_dependants_and_is_never_written(parse_case: ParseCase) -> None:
    tree = parse_case("transitional")
    tree.load_values("CONFIG_OLD=y\n", "in.config")
    assert tree.value("NEW") == "y"
    text = body(tree)
    assert "CONFIG_NEW=y\n" in text
    assert "OLD" not in text


def test_transitional_unset_gives_default(parse_case: ParseCase) -> None:
    tree = parse_case("transitional")
    tree.load_values("", "in.config")
    assert tree.value("NEW") == "n"
    assert "OLD" not in body(tree)


def test_transitional_needs_6_18(parse_case: ParseCase) -> None:
    with pytest.raises(TreeError) as err:
        parse_case("transitional", (6, 12, 0))
    assert err.value.path == "Kconfig"
    assert err.value.line == 8


def test_depends_if_tristate_uses_not_equal_n(parse_case: ParseCase) -> None:
    tree = parse_case("depends_if")
    tree.load_values("CONFIG_A=m\nCONFIG_B=m\nCONFIG_C=y\n", "in.config")
    assert tree.value("C") == "y"


def test_depends_if_applies_when_condition_holds(parse_case: ParseCase) -> None:
    tree = parse_case("depends_if")
    tree.load_values("CONFIG_A=m\n# CONFIG_B is not set\nCONFIG_C=y\n", "in.config")
    assert tree.value("C") == "m"
    tree.load_values("# CONFIG_A is not set\n# CONFIG_B is not set\nCONFIG_C=y\n", "in.config")
    assert tree.value("C") == "n"


def test_depends_if_needs_a_new_tree(parse_case: ParseCase) -> None:
    with pytest.raises(TreeError) as err:
        parse_case("depends_if", (6, 12, 0))
    assert (err.value.path, err.value.line) == ("Kconfig", 16)


def test_choice_priority_resets_between_loads(parse_case: ParseCase) -> None:
    tree = parse_case("choice", (6, 12, 0))
    tree.load_values("CONFIG_SHOW=y\nCONFIG_C=y\n", "a.config")
    assert tree.value("C") == "y"
    # A second config on the same tree gets what a fresh olddefconfig of it gives.
    given, expected = olddefconfig_case("choice", "show-only")
    tree.load_values(given, "b.config")
    assert body(tree) == expected


def test_int_hex_without_value_were_empty_before_6_8(parse_case: ParseCase) -> None:
    tree = parse_case("int_hex", (6, 1, 0))
    tree.load_values("", "in.config")
    assert "CONFIG_NUM=\n" in body(tree)


def test_int_out_of_range_user_value_fell_back_to_default_before_6_11(
    parse_case: ParseCase,
) -> None:
    tree = parse_case("int_hex", (6, 1, 0))
    tree.load_values("CONFIG_LIMITED=50\n", "in.config")
    assert tree.value("LIMITED") == "5"


def test_bare_modules_before_5_13_is_an_error(parse_case: ParseCase) -> None:
    with pytest.raises(TreeError) as err:
        parse_case("modules", (5, 10, 0))
    assert (err.value.path, err.value.line) == ("Kconfig", 4)


def test_parse_error_names_file_and_line(parse_case: ParseCase) -> None:
    with pytest.raises(TreeError) as err:
        parse_case("parse_error")
    assert (err.value.path, err.value.line) == ("Kconfig", 6)
    assert "frobnicate" in str(err.value)


def test_repeated_include_allowed_before_7_1(parse_case: ParseCase) -> None:
    tree = parse_case("repeated_include", (6, 1, 0))
    assert tree.sym("SUB") is not None


def test_repeated_include_is_an_error_in_7_2(parse_case: ParseCase) -> None:
    with pytest.raises(TreeError) as err:
        parse_case("repeated_include", (7, 2, 0))
    assert (err.value.path, err.value.line) == ("Kconfig", 4)
    assert "repeated inclusion of sub/Kconfig" in str(err.value)


def test_plain_kconfiglib_keeps_its_own_semantics() -> None:
    # The value rules are installed on kconfiglib's classes but only apply to CompatKconfig.
    import kconfiglib

    env = kconfig_env(KCONFIG_CASES / "int_hex", "x86_64", "x86", "7.2.0", ToolchainSpec())
    with scoped_environ(env):
        kconf = kconfiglib.Kconfig("Kconfig", warn=False)
    assert kconf.syms["NUM"].str_value == ""


def test_rules_follow_the_version() -> None:
    old, new = compat.Rules.for_version((6, 1, 0)), compat.Rules.for_version((7, 2, 13))
    assert (old.choices_v611, old.int_hex_zero, old.transitional) == (False, False, False)
    assert (new.choices_v611, new.int_hex_clamp_user, new.transitional) == (True, True, True)
    assert (new.depends_if, new.repeated_include_error) == (True, True)
    assert not old.repeated_include_error


def test_offline_shell_answers_without_running_anything() -> None:
    shell = OfflineShell()
    assert shell('{ test -z "GCC 120200"; } >/dev/null 2>&1 && echo "y" || echo "n"') == "n"
    assert shell('{ test "GCC" = GCC; } >/dev/null 2>&1 && echo "y" || echo "n"') == "y"
    assert shell("set -- GCC 120200 && echo $2") == "120200"
    assert shell("expr 190103 / 10000") == "19"
    probe = '{ gcc -Werror -fno-foo -c -x c /dev/null; } >/dev/null 2>&1 && echo "y" || echo "n"'
    assert unknown_success_probe(probe)
    assert not unknown_success_probe('{ test "a" = a; } >/dev/null 2>&1 && echo "y" || echo "n"')


def test_unsupported_construct_is_a_tree_error(tmp_path: Path) -> None:
    (tmp_path / "Kconfig").write_text('config X\n\tbool "x"\n\tdepends on\n')
    with pytest.raises(TreeError) as err:
        parse_kconfig_dir(tmp_path, (7, 2, 0))
    assert (err.value.path, err.value.line) == ("Kconfig", 3)


def test_write_resolved_refuses_non_regular_files(parse_case: ParseCase, tmp_path: Path) -> None:
    from kcheck.errors import InputError

    tree = parse_case("int_hex")
    tree.load_values("CONFIG_NUM=3\n", "in.config")
    with pytest.raises(InputError):
        tree.write_resolved(Path("/dev/null"))
    target = tmp_path / ".config"
    target.write_text("old\n")
    tree.write_resolved(target)
    assert target.read_text() == tree.resolved_text()
    assert not (tmp_path / ".config.old").exists()


def test_probe_environment_is_like_the_makefile(tmp_path: Path) -> None:
    spec = ToolchainSpec(probe=True, cross_compile="aarch64-linux-gnu-")
    env = kconfig_env(tmp_path, "arm64", "arm64", "7.2.13", spec, base={"PATH": "/usr/bin"})
    assert env["CC"] == "aarch64-linux-gnu-gcc"
    assert env["LD"] == "aarch64-linux-gnu-ld"
    assert (env["ARCH"], env["SRCARCH"], env["srctree"]) == ("arm64", "arm64", str(tmp_path))
    offline = kconfig_env(tmp_path, "x86_64", "x86", "7.2.13", ToolchainSpec(), base={})
    assert offline["CC"] == "gcc"
    assert offline["CC_VERSION_TEXT"] == ""


def test_scoped_environ_restores_the_environment() -> None:
    import os

    before = dict(os.environ)
    with scoped_environ({"ONLY": "this"}):
        assert dict(os.environ) == {"ONLY": "this"}
    assert dict(os.environ) == before


def test_warnings_name_the_config_and_line(parse_case: ParseCase) -> None:
    tree = parse_case("int_hex")
    tree.load_values("CONFIG_NUM=1\nnonsense\n", "my.config")
    assert "my.config:2: warning: ignoring malformed line 'nonsense'" in tree.warnings()
    tree.load_values("\nCONFIG_NUM=abc\n", "my.config")
    assert tree.warnings()[0].startswith("my.config:2: warning: the value 'abc' is invalid")
    assert tree.undefined() == []
    tree.load_values("CONFIG_NOT_IN_TREE=y\n", "my.config")
    assert tree.undefined() == ["NOT_IN_TREE"]
    assert tree.value("NOT_IN_TREE") is None


def test_set_value_on_a_choice_member_picks_it(parse_case: ParseCase) -> None:
    tree = parse_case("choice", (6, 12, 0))
    tree.load_values("CONFIG_SHOW=y\nCONFIG_A=y\n", "in.config")
    member = tree.sym("C")
    assert member.set_value(2)
    assert [tree.value(n) for n in "ABC"] == ["n", "n", "y"]
    assert member.assignable == (0, 2)


def test_set_value_on_a_transitional_symbol_takes_effect(parse_case: ParseCase) -> None:
    tree = parse_case("transitional")
    tree.load_values("", "in.config")
    assert tree.value("NEW") == "n"
    tree.sym("OLD").set_value(2)
    assert tree.value("NEW") == "y"


FULL = 'CONFIG_CC_VERSION_TEXT="cc 1.0"\nCONFIG_CC_VERSION=100\n'


def test_offline_probe_symbols_are_pinned_from_the_config(parse_case: ParseCase) -> None:
    tree = parse_case("probes")
    tree.load_values(FULL + "CONFIG_CC_HAS_FOO=y\n# CONFIG_USE_BAR is not set\n", "in.config")
    assert tree.probes_from_config
    assert (tree.value("CC_VERSION_TEXT"), tree.value("CC_VERSION")) == ("cc 1.0", "100")
    assert tree.value("CC_HAS_FOO") == "y"
    assert "# CONFIG_USE_BAR is not set\n" in body(tree)


def test_offline_probe_absent_from_a_full_config_failed(parse_case: ParseCase) -> None:
    tree = parse_case("probes")
    tree.load_values(FULL, "in.config")
    assert tree.value("CC_HAS_FOO") == "n"
    assert tree.sym("USE_BAR").visibility == 0
    assert body(tree) == FULL


def test_offline_probes_without_toolchain_values_assume_success(parse_case: ParseCase) -> None:
    tree = parse_case("probes")
    tree.load_values("CONFIG_USE_BAR=y\n", "fragment.config")
    assert not tree.probes_from_config
    assert (tree.value("CC_HAS_FOO"), tree.value("USE_BAR")) == ("y", "y")
