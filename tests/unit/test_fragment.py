"""Fix plans as merge_config.sh fragments, and the fixer's use case without a kernel tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from kcheck import app, fixer
from kcheck.fragment import apply_fragment, fragment_name, render_fragment
from kcheck.model import FixChange, FixPlan, FixVerification, ImpossibleTarget, SymbolType
from kcheck.profiles import load_profile
from tests.unit.conftest import ParseCase

PLAN = FixPlan(
    profile="guest",
    config="in.config",
    tree="/src/linux",
    arch="x86_64",
    kernel_version="6.12.117",
    targets=("virtio-net",),
    changes=(
        FixChange("NET", "y", SymbolType.BOOL, "n", "y", dependency_of=("virtio-net",)),
        FixChange("VIRTIO_NET", "m", SymbolType.TRISTATE, "n", "m", required_by=("virtio-net",)),
        FixChange("OLD", "n", SymbolType.BOOL, "y", "n", required_by=("no-old",)),
        FixChange("CMDLINE", 'console=ttyS0 "quoted" \\', SymbolType.STRING, "", None),
        FixChange("NR", "4", SymbolType.INT, "1", "4", required_by=("nr",)),
        FixChange(
            "CPU_B",
            "y",
            SymbolType.BOOL,
            "n",
            "y",
            dependency_of=("feature-b",),
            choice='"processor"',
            switched_from="CPU_A",
        ),
    ),
    impossible=(ImpossibleTarget("kvm-e500v2", "KVM_E500V2", "y", ("E500MC is selected",)),),
    verification=FixVerification(held=("virtio-net",), failed=(), undeclared=()),
)


def test_fragment_lines_and_comments() -> None:
    text = render_fragment(PLAN)
    assert text == (
        "# kcheck fix for profile guest: in.config (Linux 6.12.117, x86_64)\n"
        "# Merge: scripts/kconfig/merge_config.sh -m .config THIS_FILE && make olddefconfig\n"
        "# Not possible here: kvm-e500v2 (KVM_E500V2 y)\n"
        "\n# dependency of virtio-net\nCONFIG_NET=y\n"
        "\n# virtio-net\nCONFIG_VIRTIO_NET=m\n"
        "\n# no-old\n# CONFIG_OLD is not set\n"
        '\n# needed by the plan\nCONFIG_CMDLINE="console=ttyS0 \\"quoted\\" \\\\"\n'
        "\n# nr\nCONFIG_NR=4\n"
        '\n# dependency of feature-b; switches the choice "processor" from CPU_A\nCONFIG_CPU_B=y\n'
    )
    # merge_config.sh greps the fragment for CONFIG_ words: only assignments may have them.
    for line in text.splitlines():
        if "CONFIG_" in line:
            assert line.startswith(("CONFIG_", "# CONFIG_"))
            assert "=" in line or line.endswith(" is not set")
    assert fragment_name("guest") == "kcheck-guest.config"


def test_unverified_plan_says_so() -> None:
    plan = FixPlan(
        profile="guest",
        config="in.config",
        tree=None,
        arch=None,
        kernel_version=None,
        targets=("virtio-net",),
        changes=(FixChange("VIRTIO_NET", "y", SymbolType.TRISTATE, "n", None, ("virtio-net",)),),
        dependencies_verified=False,
    )
    assert "dependencies are unverified" in render_fragment(plan)


def test_apply_fragment_is_merge_then_olddefconfig(parse_case: ParseCase) -> None:
    tree = parse_case("fix_depends")
    config = "# CONFIG_BUS is not set\n"
    tree.load_values(config, "in.config")
    fragment = "# x\nCONFIG_BUS=y\nCONFIG_SUBSYS=y\nCONFIG_DRIVER=m\n"
    resolved = apply_fragment(tree, config, fragment, config_name="in.config")
    assert "CONFIG_DRIVER=m\n" in resolved
    assert "CONFIG_BUS=y\n" in resolved
    assert tree.value("BUS") == "n"  # the original config is loaded again


def _fix_without_a_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, config_text: str
) -> FixPlan:
    config = tmp_path / "in.config"
    config.write_text(config_text)
    monkeypatch.chdir(tmp_path)
    loaded = app.load_inputs(app.Inputs(config=str(config)), lambda _m: None)
    assert loaded.tree is None
    return fixer.fix(app.check_loaded(load_profile(profile), loaded), None, loaded.config.text)


def test_fix_without_a_tree_lists_only_requested_symbols(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _fix_without_a_tree(
        tmp_path,
        monkeypatch,
        "guest",
        "# Linux/x86_64 6.12.0 Kernel Configuration\nCONFIG_X86_64=y\nCONFIG_X86=y\n"
        "CONFIG_PCI=y\n# CONFIG_VIRTIO_PCI is not set\n# CONFIG_VIRTIO_NET is not set\n"
        "CONFIG_VIRTIO_BLK=y\nCONFIG_KVM_GUEST=y\n# CONFIG_VIRTIO_CONSOLE is not set\n",
    )
    assert not plan.dependencies_verified
    assert plan.verification is None
    assert {c.symbol: c.value for c in plan.changes} == {
        "VIRTIO_PCI": "y",
        "VIRTIO_NET": "y",
        "VIRTIO_CONSOLE": "y",
    }
    assert next(c for c in plan.changes if c.symbol == "VIRTIO_PCI").required_by == (
        "virtio-transport/pci/virtio-pci",
    )


def test_fix_without_a_tree_writes_numbers_bare_and_strings_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a tree nothing knows the symbols' types; the kernel refuses
    # CONFIG_PHYSICAL_START="0x1000000" and CONFIG_NR_CPUS="-1" (issue 13).
    profile = tmp_path / "numbers.toml"
    profile.write_text(
        '[profile]\nname = "numbers"\ndescription = "int, hex and string wants"\n'
        '[[requirement]]\nid = "start"\nsymbol = "PHYSICAL_START"\nwant = "== 0x1000000"\n'
        'level = "required"\nreason = "r"\n'
        '[[requirement]]\nid = "cpus"\nsymbol = "NR_CPUS"\nwant = "== -1"\n'
        'level = "required"\nreason = "r"\n'
        '[[requirement]]\nid = "ranks"\nsymbol = "NR_RANKS"\nwant = ">= 4"\n'
        'level = "required"\nreason = "r"\n'
        '[[requirement]]\nid = "digits"\nsymbol = "DIGITS"\nwant = \'== "123"\'\n'
        'level = "required"\nreason = "r"\n'
        '[[requirement]]\nid = "cmdline"\nsymbol = "CMDLINE"\n'
        'want = \'"console=ttyS0 \\"x\\""\'\nlevel = "required"\nreason = "r"\n'
    )
    plan = _fix_without_a_tree(
        tmp_path,
        monkeypatch,
        str(profile),
        "# Linux/x86_64 6.12.0 Kernel Configuration\nCONFIG_X86_64=y\n"
        'CONFIG_PHYSICAL_START=0x200000\nCONFIG_NR_CPUS=8\nCONFIG_NR_RANKS=1\nCONFIG_DIGITS="1"\n'
        'CONFIG_CMDLINE=""\n',
    )
    text = render_fragment(plan)
    assignments = [line for line in text.splitlines() if line.startswith("CONFIG_")]
    assert assignments == [
        "CONFIG_PHYSICAL_START=0x1000000",
        "CONFIG_NR_CPUS=-1",
        "CONFIG_NR_RANKS=4",
        'CONFIG_DIGITS="123"',
        'CONFIG_CMDLINE="console=ttyS0 \\"x\\""',
    ]
