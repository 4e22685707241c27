"""The engine's verdicts, one behaviour per test, over a small ConfigView backed by dicts.

``DictView`` is the engine's own input type filled in by hand, not a stand-in for kconfiglib:
with ``tree=True`` it answers like a parsed tree (a symbol missing from ``values`` is not
defined), with ``tree=False`` like a bare .config (a symbol it does not mention is unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kcheck.engine import (
    ARCH_SYMBOLS,
    evaluate,
    expand_arch_names,
    infer_arch_names,
    summarize,
)
from kcheck.model import (
    Level,
    Location,
    NodeKind,
    Profile,
    Requirement,
    Result,
    Status,
    SymbolType,
    Tristate,
)
from kcheck.profiles import ARCH_NAMES, load_profile, parse_want

NO_ARCH: frozenset[str] = frozenset()
X86_64 = frozenset({"x86_64"})
ARM64 = frozenset({"arm64"})


@dataclass
class DictView:
    values: dict[str, str]
    types: dict[str, SymbolType] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    obstacles: dict[str, str] = field(default_factory=dict)
    tree: bool = True
    asked: list[tuple[str, Tristate]] = field(default_factory=list)

    @property
    def has_tree(self) -> bool:
        return self.tree

    def defined(self, name: str) -> bool | None:
        if self.tree:
            return name in self.values
        return True if name in self.values else None

    def symbol_type(self, name: str) -> SymbolType:
        if name not in self.values:
            return SymbolType.UNKNOWN
        return self.types.get(name, SymbolType.TRISTATE)

    def value(self, name: str) -> str | None:
        return self.values.get(name)

    def requested(self, name: str) -> str | None:
        return self.written.get(name)

    def why_not(self, name: str, wanted: Tristate) -> str | None:
        self.asked.append((name, wanted))
        return self.obstacles.get(name)


HERE = Location("t.toml", 1)


def sym(
    symbol: str,
    want: str = "y|m",
    *,
    level: Level = Level.REQUIRED,
    aliases: tuple[str, ...] = (),
    arch: tuple[str, ...] = (),
    when: str | None = None,
    rid: str | None = None,
) -> Requirement:
    return Requirement(
        id=rid or symbol.lower(),
        kind=NodeKind.SYMBOL,
        level=level,
        reason=f"{symbol} is needed",
        location=HERE,
        symbol=symbol,
        aliases=aliases,
        expect=parse_want(want, path="t.toml", line=1),
        arch=arch,
        when=when,
        section="S",
    )


def group(
    kind: NodeKind, rid: str, *children: Requirement, level: Level = Level.REQUIRED
) -> Requirement:
    return Requirement(
        id=rid,
        kind=kind,
        level=level,
        reason=f"{rid} is needed",
        location=HERE,
        children=children,
        section="S",
    )


def check(requirement: Requirement, view: DictView, arch_names: frozenset[str] = X86_64) -> Result:
    profile = Profile("p", "", "t.toml", (requirement,))
    (result,) = evaluate(profile, view, arch_names)
    return result


# --- symbols -------------------------------------------------------------------------------


def test_pass_records_value_and_expectation() -> None:
    assert check(sym("VIRTIO_NET"), DictView({"VIRTIO_NET": "m"})) == Result(
        id="virtio_net",
        kind=NodeKind.SYMBOL,
        level=Level.REQUIRED,
        status=Status.PASS,
        reason="VIRTIO_NET is needed",
        section="S",
        symbol="VIRTIO_NET",
        expected="y|m",
        actual="m",
    )


def test_fail_carries_the_views_explanation() -> None:
    view = DictView({"VIRTIO_NET": "n"}, obstacles={"VIRTIO_NET": "depends on VIRTIO (=n)"})
    result = check(sym("VIRTIO_NET"), view)
    assert (result.status, result.actual, result.why, result.requested) == (
        Status.FAIL,
        "n",
        "depends on VIRTIO (=n)",
        None,
    )


@pytest.mark.parametrize(
    ("level", "status"),
    [
        (Level.REQUIRED, Status.FAIL),
        (Level.RECOMMENDED, Status.WARN),
        (Level.OPTIONAL, Status.INFO),
    ],
)
def test_failure_status_follows_level(level: Level, status: Status) -> None:
    assert check(sym("TUN", level=level), DictView({"TUN": "n"})).status is status


@pytest.mark.parametrize(("want", "asked"), [("y|m", Tristate.M), ("y", Tristate.Y)])
def test_why_not_is_asked_for_the_least_passing_value(want: str, asked: Tristate) -> None:
    view = DictView({"TUN": "n"})
    check(sym("TUN", want), view)
    assert view.asked == [("TUN", asked)]


def test_m_fails_a_want_of_y() -> None:
    view = DictView({"VHOST_NET": "m"}, obstacles={"VHOST_NET": "TUN (=m) caps it at m"})
    result = check(sym("VHOST_NET", "y"), view)
    assert (result.status, result.why) == (Status.FAIL, "TUN (=m) caps it at m")


def test_value_the_config_asks_for_but_olddefconfig_drops() -> None:
    view = DictView(
        {"VIRTIO_PCI": "n"},
        written={"VIRTIO_PCI": "y"},
        obstacles={"VIRTIO_PCI": "depends on PCI (=n)"},
    )
    result = check(sym("VIRTIO_PCI"), view)
    assert (result.status, result.requested, result.why) == (
        Status.FAIL,
        "y",
        "CONFIG_VIRTIO_PCI=y in the .config will be dropped: make olddefconfig makes it n; "
        "depends on PCI (=n)",
    )


def test_requested_is_left_out_when_it_equals_the_final_value() -> None:
    view = DictView({"TUN": "m"}, written={"TUN": "m"})
    assert check(sym("TUN"), view).requested is None


def test_requested_is_kept_on_a_pass_when_it_changed() -> None:
    view = DictView({"TUN": "y"}, written={"TUN": "m"})  # selected up to y
    result = check(sym("TUN"), view)
    assert (result.status, result.requested, result.why) == (
        Status.PASS,
        "m",
        "CONFIG_TUN=m in the .config will be dropped: make olddefconfig makes it y",
    )


def test_want_n_fails_on_y_without_asking_why_not() -> None:
    view = DictView({"DEBUG": "y"})
    result = check(sym("DEBUG", "n"), view)
    assert (result.status, result.why, view.asked) == (Status.FAIL, None, [])


def test_undefined_symbol_is_not_applicable() -> None:
    result = check(sym("KVM_GUEST"), DictView({}))
    assert (result.status, result.reason, result.actual) == (
        Status.NOT_APPLICABLE,
        "not defined in this kernel tree",
        None,
    )


def test_alias_is_used_when_the_symbol_is_undefined() -> None:
    result = check(sym("PPC_E500", "y", aliases=("E500",)), DictView({"E500": "y"}))
    assert (result.status, result.symbol, result.actual) == (Status.PASS, "E500", "y")


def test_symbol_wins_over_alias_when_both_are_defined() -> None:
    view = DictView({"NEW": "n", "OLD": "y"})
    result = check(sym("NEW", aliases=("OLD",)), view)
    assert (result.status, result.symbol) == (Status.FAIL, "NEW")


# --- comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("want", "kind", "value", "status"),
    [
        (">= 4", SymbolType.INT, "8", Status.PASS),
        (">= 4", SymbolType.INT, "3", Status.FAIL),
        (">= 4", SymbolType.INT, "10", Status.PASS),  # numeric, not "10" < "4"
        ("== 16", SymbolType.HEX, "0x10", Status.PASS),
        ("!= 0x10", SymbolType.HEX, "0x11", Status.PASS),
        ("< 5", SymbolType.INT, "", Status.FAIL),  # no value is not less than 5
        ('"ttyS0"', SymbolType.STRING, "ttyS0", Status.PASS),
        ('"ttyS0"', SymbolType.STRING, "ttyS1", Status.FAIL),
        ('!= ""', SymbolType.STRING, "x", Status.PASS),
    ],
)
def test_value_comparisons(want: str, kind: SymbolType, value: str, status: Status) -> None:
    view = DictView({"X": value}, types={"X": kind})
    assert check(sym("X", want), view).status is status


def test_a_string_value_fails_a_tristate_want() -> None:
    view = DictView({"X": "y x"}, types={"X": SymbolType.STRING})
    assert check(sym("X"), view).status is Status.FAIL


# --- arch ----------------------------------------------------------------------------------


def test_other_arch_is_not_applicable() -> None:
    result = check(sym("KVM", arch=("arm64", "powerpc")), DictView({"KVM": "n"}), X86_64)
    assert (result.status, result.reason) == (Status.NOT_APPLICABLE, "only on arm64, powerpc")


def test_flavour_matches_its_family() -> None:
    result = check(sym("KVM_GUEST", arch=("x86",)), DictView({"KVM_GUEST": "y"}), X86_64)
    assert result.status is Status.PASS


def test_family_alone_does_not_match_a_flavour_the_config_lacks() -> None:
    view = DictView({"X86_32": "y", "X86": "y", "HIGHMEM": "y"})
    result = check(sym("HIGHMEM", arch=("x86_64",)), view, frozenset({"x86"}))
    assert result.status is Status.NOT_APPLICABLE


def test_flavour_is_read_from_the_config_when_only_the_family_is_given() -> None:
    view = DictView({"X86_64": "y", "X86": "y", "KVM": "y"})
    assert check(sym("KVM", arch=("x86_64",)), view, frozenset({"x86"})).status is Status.PASS


def test_arch_is_inferred_from_the_config_when_not_given() -> None:
    view = DictView({"ARM64": "y", "VIRTIO_MMIO": "y"})
    assert check(sym("VIRTIO_MMIO", arch=("arm64",)), view, NO_ARCH).status is Status.PASS


def test_unknown_arch_makes_arch_limited_requirements_unknown() -> None:
    view = DictView({"KVM": "y"}, tree=False)
    result = check(sym("KVM", arch=("arm64",)), view, NO_ARCH)
    assert (result.status, result.reason) == (
        Status.UNKNOWN,
        "only on arm64, and the config's architecture is not known",
    )


def test_expand_arch_names_adds_families() -> None:
    assert expand_arch_names({"i386", "ppc64"}) == {"i386", "x86", "ppc64", "powerpc"}


def test_infer_arch_names_reads_the_arch_symbols() -> None:
    view = DictView({"PPC": "y", "PPC64": "y", "PPC32": "n"})
    assert infer_arch_names(view) == {"powerpc", "ppc64"}


def test_every_profile_arch_name_has_an_arch_symbol() -> None:
    assert set(ARCH_SYMBOLS) == set(ARCH_NAMES)


# --- when ----------------------------------------------------------------------------------


def test_false_when_is_not_applicable() -> None:
    view = DictView({"PPC_E500MC": "n", "KVM_E500MC": "n"})
    result = check(sym("KVM_E500MC", when="PPC_E500MC"), view)
    assert (result.status, result.reason) == (Status.NOT_APPLICABLE, "only when PPC_E500MC")


def test_when_at_m_counts_as_true() -> None:
    view = DictView({"NF_TABLES": "m", "NFT_NAT": "n"})
    assert check(sym("NFT_NAT", when="NF_TABLES"), view).status is Status.FAIL


def test_when_on_an_undefined_symbol_is_false_with_a_tree() -> None:
    view = DictView({"PPC_E500": "y", "KVM_E500V2": "y"})  # E500 undefined: n
    result = check(sym("KVM_E500V2", when="E500 && !PPC_E500MC"), view)
    assert result.status is Status.NOT_APPLICABLE


def test_when_undecidable_without_a_tree_is_unknown() -> None:
    view = DictView({"KVM_E500V2": "y"}, tree=False)
    result = check(sym("KVM_E500V2", when="(PPC_E500 || E500) && !PPC_E500MC"), view)
    assert (result.status, result.reason) == (
        Status.UNKNOWN,
        "only when (PPC_E500 || E500) && !PPC_E500MC, which cannot be decided without a "
        "kernel tree (E500, PPC_E500, PPC_E500MC not in the .config)",
    )


def test_when_decided_by_one_known_side_without_a_tree() -> None:
    view = DictView({"PPC_E500MC": "y", "KVM_E500V2": "n"}, tree=False)
    result = check(sym("KVM_E500V2", when="(PPC_E500 || E500) && !PPC_E500MC"), view)
    assert result.status is Status.NOT_APPLICABLE


# --- no tree -------------------------------------------------------------------------------


def test_without_a_tree_an_unmentioned_symbol_is_unknown() -> None:
    result = check(sym("VIRTIO_NET"), DictView({}, tree=False))
    assert (result.status, result.reason, result.actual) == (
        Status.UNKNOWN,
        "CONFIG_VIRTIO_NET is not in the .config; without a kernel tree its value is unknown",
        None,
    )


def test_without_a_tree_a_written_value_is_checked_as_written() -> None:
    view = DictView({"VIRTIO_NET": "n"}, tree=False, obstacles={"VIRTIO_NET": "set to n"})
    result = check(sym("VIRTIO_NET"), view)
    assert (result.status, result.actual, result.why) == (Status.FAIL, "n", "set to n")


def test_without_a_tree_a_written_alias_is_used() -> None:
    view = DictView({"E500": "y"}, tree=False)
    result = check(sym("PPC_E500", "y", aliases=("E500",)), view)
    assert (result.status, result.symbol) == (Status.PASS, "E500")


# --- groups --------------------------------------------------------------------------------


def test_any_of_passes_when_one_member_passes_and_keeps_all_results() -> None:
    req = group(NodeKind.ANY_OF, "t", sym("VIRTIO_PCI"), sym("VIRTIO_MMIO"))
    result = check(req, DictView({"VIRTIO_PCI": "n", "VIRTIO_MMIO": "y"}))
    assert (result.status, [c.status for c in result.children]) == (
        Status.PASS,
        [Status.FAIL, Status.PASS],
    )


def test_any_of_fails_by_level_when_no_member_passes() -> None:
    req = group(NodeKind.ANY_OF, "t", sym("A"), sym("B"), level=Level.RECOMMENDED)
    result = check(req, DictView({"A": "n", "B": "n"}))
    assert (result.status, result.reason) == (Status.WARN, "t is needed")


def test_any_of_with_no_applicable_member_is_not_applicable() -> None:
    req = group(NodeKind.ANY_OF, "t", sym("A", arch=("arm64",)), sym("B", arch=("powerpc",)))
    result = check(req, DictView({"A": "y", "B": "y"}), X86_64)
    assert (result.status, result.reason) == (
        Status.NOT_APPLICABLE,
        "none of the alternatives applies here",
    )


def test_any_of_is_unknown_when_no_member_passes_and_one_is_unknown() -> None:
    req = group(NodeKind.ANY_OF, "t", sym("A"), sym("B"))
    result = check(req, DictView({"A": "n"}, tree=False))
    assert result.status is Status.UNKNOWN


def test_all_of_passes_when_every_applicable_member_passes() -> None:
    req = group(NodeKind.ALL_OF, "t", sym("PCI", "y"), sym("PCI_HOST_GENERIC"))
    result = check(req, DictView({"PCI": "y"}))  # PCI_HOST_GENERIC undefined here
    assert (result.status, [c.status for c in result.children]) == (
        Status.PASS,
        [Status.PASS, Status.NOT_APPLICABLE],
    )


def test_all_of_fails_when_one_member_fails() -> None:
    req = group(NodeKind.ALL_OF, "t", sym("PCI", "y"), sym("VIRTIO_PCI"))
    assert check(req, DictView({"PCI": "y", "VIRTIO_PCI": "n"})).status is Status.FAIL


def test_all_of_is_unknown_when_none_fails_and_one_is_unknown() -> None:
    req = group(NodeKind.ALL_OF, "t", sym("PCI", "y"), sym("VIRTIO_PCI"))
    assert check(req, DictView({"PCI": "y"}, tree=False)).status is Status.UNKNOWN


def test_all_of_with_no_applicable_member_is_not_applicable() -> None:
    req = group(NodeKind.ALL_OF, "t", sym("A"), sym("B"))
    assert check(req, DictView({})).status is Status.NOT_APPLICABLE


def test_group_arch_applies_before_members() -> None:
    req = Requirement(
        id="kvm",
        kind=NodeKind.ALL_OF,
        level=Level.RECOMMENDED,
        reason="kvm",
        location=HERE,
        arch=("x86",),
        children=(sym("KVM"),),
    )
    result = check(req, DictView({"KVM": "n"}), ARM64)
    assert (result.status, result.children) == (Status.NOT_APPLICABLE, ())


def test_nested_groups() -> None:
    vendor = group(NodeKind.ANY_OF, "vendor", sym("KVM_INTEL"), sym("KVM_AMD"))
    req = group(NodeKind.ALL_OF, "kvm", sym("KVM"), vendor)
    view = DictView({"KVM": "m", "KVM_INTEL": "n", "KVM_AMD": "m"})
    assert check(req, view).status is Status.PASS


# --- summary -------------------------------------------------------------------------------


def result(status: Status, level: Level = Level.REQUIRED) -> Result:
    return Result(id="r", kind=NodeKind.SYMBOL, level=level, status=status, reason="")


def test_summary_counts_every_status() -> None:
    summary = summarize([result(Status.PASS), result(Status.PASS), result(Status.UNKNOWN)])
    assert summary.counts == {
        "pass": 2,
        "fail": 0,
        "warn": 0,
        "info": 0,
        "not_applicable": 0,
        "unknown": 1,
        "waived": 0,
    }


def test_summary_exit_1_when_a_required_result_fails() -> None:
    summary = summarize([result(Status.PASS), result(Status.FAIL)])
    assert (summary.failed_required, summary.exit_code) == (1, 1)


def test_summary_exit_0_with_warnings_and_unknowns() -> None:
    summary = summarize(
        [result(Status.WARN, Level.RECOMMENDED), result(Status.UNKNOWN), result(Status.INFO)]
    )
    assert (summary.failed_required, summary.exit_code) == (0, 0)


def test_summary_ignores_failing_alternatives_inside_a_passing_group() -> None:
    req = group(NodeKind.ANY_OF, "t", sym("VIRTIO_PCI"), sym("VIRTIO_MMIO"))
    results = evaluate(
        Profile("p", "", "t.toml", (req,)), DictView({"VIRTIO_PCI": "n", "VIRTIO_MMIO": "y"}), ARM64
    )
    assert summarize(results).exit_code == 0


# --- the built-in profiles on hand-written configs -----------------------------------------


def statuses(profile: str, view: DictView, arch: frozenset[str]) -> dict[str, Status]:
    return {r.id: r.status for r in evaluate(load_profile(profile), view, arch)}


def test_guest_on_x86_needs_pci_not_just_virtio() -> None:
    # x86_64_defconfig keeps VIRTIO=y through VIRTIO_CONSOLE with both transports off.
    view = DictView(
        {"VIRTIO": "y", "VIRTIO_CONSOLE": "y", "PCI": "y", "VIRTIO_PCI": "n", "VIRTIO_MMIO": "n"}
    )
    assert statuses("guest", view, X86_64)["virtio-transport"] is Status.FAIL


def test_guest_on_arm64_accepts_virtio_mmio() -> None:
    view = DictView({"VIRTIO_MMIO": "y", "PCI": "n", "VIRTIO_PCI": "n", "PCI_HOST_GENERIC": "n"})
    assert statuses("guest", view, ARM64)["virtio-transport"] is Status.PASS


def test_guest_on_arm64_accepts_generic_pci() -> None:
    view = DictView({"VIRTIO_MMIO": "n", "PCI": "y", "VIRTIO_PCI": "m", "PCI_HOST_GENERIC": "y"})
    assert statuses("guest", view, ARM64)["virtio-transport"] is Status.PASS


def test_guest_virtio_root_rejects_a_modular_disk_driver() -> None:
    view = DictView({"PCI": "y", "VIRTIO_PCI": "y", "VIRTIO_BLK": "m", "VIRTIO_NET": "m"})
    result = statuses("guest-virtio-root", view, X86_64)
    assert (result["virtio-transport"], result["virtio-blk"], result["virtio-net"]) == (
        Status.PASS,
        Status.FAIL,
        Status.PASS,
    )


def test_host_on_e500mc_checks_kvm_e500mc_only() -> None:
    view = DictView(
        {
            "PPC": "y",
            "PPC32": "y",
            "PPC_E500": "y",
            "PPC_E500MC": "y",
            "KVM_E500MC": "n",
            "KVM_E500V2": "n",
        }
    )
    result = statuses("host", view, frozenset({"powerpc"}))
    assert (result["kvm-e500mc"], result["kvm-e500v2"], result["kvm-x86"]) == (
        Status.WARN,
        Status.NOT_APPLICABLE,
        Status.NOT_APPLICABLE,
    )


def test_host_nat_accepts_the_nftables_path() -> None:
    view = DictView(
        {
            "NF_CONNTRACK": "m",
            "NF_NAT": "m",
            "NF_TABLES": "m",
            "NF_TABLES_IPV4": "n",
            "NF_TABLES_INET": "y",
            "NFT_NAT": "m",
            "NFT_MASQ": "m",
            "IP_NF_IPTABLES": "n",
        }
    )
    assert statuses("host-nat", view, X86_64)["masquerade"] is Status.PASS
