"""merge_config.sh -m, emulated by kcheck.kernel.dotconfig.merge_configs: one rule a test.

Each expectation is what merge_config.sh (Linux 6.12) does by its sed and grep lines, worked
out from the script: CFG_LIST from ``^CONFIG_X=`` and exactly ``^# CONFIG_X is not set$``;
``grep -q -w`` before anything is removed; ``sed "/$CFG[ =]/d"`` on every line with the name
followed by a blank or ``=``; then an empty line and the fragment.
"""

from __future__ import annotations

from kcheck.kernel.dotconfig import merge_config_text, merge_configs


def test_assignment_replaces_base_lines_and_appends_after_an_empty_line() -> None:
    base = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n"
    merged = merge_configs(base, ["CONFIG_B=y\n"])
    assert merged.text == "CONFIG_A=y\nCONFIG_C=m\n\nCONFIG_B=y\n"
    assert merged.origins == ((0, 1), (0, 3), None, (1, 1))


def test_redefinition_reports_the_lines_grep_prints() -> None:
    merged = merge_configs("# CONFIG_B is not set\n", ["CONFIG_B=y\n"])
    (redefinition,) = merged.redefinitions
    assert (redefinition.symbol, redefinition.source) == ("B", 1)
    assert redefinition.previous_text == "# CONFIG_B is not set"
    assert redefinition.new_text == "CONFIG_B=y"
    assert redefinition.previous == ((0, 1),)


def test_same_value_is_no_redefinition_but_still_moves() -> None:
    merged = merge_configs("CONFIG_B=y\nCONFIG_A=y\n", ["CONFIG_B=y\n"])
    assert merged.redefinitions == ()
    assert merged.text == "CONFIG_A=y\n\nCONFIG_B=y\n"


def test_name_is_a_whole_word_for_grep_not_a_prefix() -> None:
    # CONFIG_PM must not touch CONFIG_PM_SLEEP (grep -w, and sed's "[ =]" after the name).
    merged = merge_configs("CONFIG_PM_SLEEP=y\nCONFIG_PM=y\n", ["# CONFIG_PM is not set\n"])
    assert merged.text == "CONFIG_PM_SLEEP=y\n\n# CONFIG_PM is not set\n"


def test_sed_deletes_comment_lines_that_mention_the_name() -> None:
    base = "# CONFIG_X is not set\n# see CONFIG_X for more\n# CONFIG_X= and more\n"
    merged = merge_configs(base, ["CONFIG_X=y\n"])
    # "CONFIG_X " and "CONFIG_X=" lines go; the grep -w output names all three.
    assert merged.text == "\nCONFIG_X=y\n"
    assert merged.redefinitions[0].previous_text.count("\n") == 2


def test_sed_deletes_where_grep_alone_would_not_match() -> None:
    # Only when grep -w finds the name somewhere does sed run -- and then it also removes a
    # line where the name ends a longer word ("XCONFIG_A=").
    merged = merge_configs("CONFIG_A=y\nXCONFIG_A=1\n", ["CONFIG_A=m\n"])
    assert merged.text == "\nCONFIG_A=m\n"
    untouched = merge_configs("XCONFIG_A=1\n", ["CONFIG_A=m\n"])
    assert untouched.text == "XCONFIG_A=1\n\nCONFIG_A=m\n"


def test_unset_line_with_cr_or_blank_is_not_listed() -> None:
    # "# CONFIG_B is not set\r" does not match the sed's "is not set$": the base line stays.
    merged = merge_configs("CONFIG_B=y\n", ["# CONFIG_B is not set\r\n"])
    assert merged.text == "CONFIG_B=y\n\n# CONFIG_B is not set\r\n"
    assert merged.redefinitions == ()


def test_any_value_lists_the_name_even_one_the_kernel_rejects() -> None:
    merged = merge_configs("CONFIG_N=4\n", ['CONFIG_N="8"\n'])
    assert merged.text == '\nCONFIG_N="8"\n'


def test_fragments_in_turn_later_one_wins_and_names_the_earlier() -> None:
    merged = merge_configs("CONFIG_A=y\n", ["CONFIG_B=y\n", "# CONFIG_B is not set\n"])
    assert merged.text == "CONFIG_A=y\n\n\n# CONFIG_B is not set\n"
    (redefinition,) = merged.redefinitions
    assert (redefinition.source, redefinition.previous) == (2, ((1, 1),))


def test_base_without_final_newline_and_lines_end_at_lf_only() -> None:
    # A form feed inside a string is not a line end for sed.
    base = 'CONFIG_S="a\x0cb"\nCONFIG_A=y'
    merged = merge_configs(base, ["CONFIG_A=n\n"])
    assert merged.text == 'CONFIG_S="a\x0cb"\n\nCONFIG_A=n\n'


def test_merge_config_text_is_the_text_alone() -> None:
    assert merge_config_text("CONFIG_A=y\n", "CONFIG_A=m\n") == "\nCONFIG_A=m\n"
