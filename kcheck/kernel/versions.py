"""Which rules of the kernel's C Kconfig tool apply to a tree: one process emulates one C version.

:class:`Rules` is derived from the version of the tree being parsed; the parser
(:mod:`kcheck.kernel.compat`), the value rules (:mod:`kcheck.kernel.values`) and the config loader
(:mod:`kcheck.kernel.configload`) ask it which behaviour to follow. Each flag cites the kernel
commit that changed the rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    """Which C-tool rules apply, derived from the tree's version (one process, one C version)."""

    version: tuple[int, int, int]
    # v5.7 (def2fbffe62c, 3a9dd3ecb207): a symbol implied by y may stay m, and imply obeys the
    # implied symbol's direct dependencies (also when writing "# CONFIG_X is not set").
    imply_v57: bool
    # v5.13 (6dd85ff178cd): "modules" is a bare attribute instead of "option modules".
    bare_modules: bool
    # v6.8 (6262afa10ef7): an int/hex symbol without a value or active default is "0"/"0x0".
    int_hex_zero: bool
    # v6.8 (Masahiro Yamada, "kconfig: require an exact match for "is not set" to disable CONFIG
    # option"): before it, "# CONFIG_X is not settled" also set X to n (strncmp of 10 chars).
    unset_exact: bool
    # v6.11 (choice rework, "kconfig: refactor choice value calculation"): conf_read() no longer
    # resets out-of-range user values; sym_validate_range() clamps them to the violated bound.
    int_hex_clamp_user: bool
    # v6.11 ("kconfig: refactor choice value calculation" and the follow-ups that made choices
    # bool-only and made members depend on the choice's "depends on" instead of the choice).
    choices_v611: bool
    # v6.18 (Kees Cook, "kconfig: Add transitional symbol attribute for migration support").
    transitional: bool
    # v6.19/7.0 (Graham Roff, "kconfig: Support conditional deps using 'depends on X if Y'").
    depends_if: bool
    # v7.1 (102d712ded3e, "kconfig: Error out on duplicated kconfig inclusion"); 6.1 itself
    # sources Documentation/Kconfig twice, so this must follow the tree's version.
    repeated_include_error: bool

    @classmethod
    def for_version(cls, version: tuple[int, int, int]) -> Rules:
        v = version[:2]
        return cls(
            version=version,
            imply_v57=v >= (5, 7),
            bare_modules=v >= (5, 13),
            int_hex_zero=v >= (6, 8),
            unset_exact=v >= (6, 8),
            int_hex_clamp_user=v >= (6, 11),
            choices_v611=v >= (6, 11),
            transitional=v >= (6, 18),
            depends_if=v >= (6, 19),
            repeated_include_error=v >= (7, 1),
        )
