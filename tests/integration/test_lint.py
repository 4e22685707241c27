"""``kcheck lint`` on fixture fragments with every kind of defect, and on the fragments Linux
6.12 ships, against the real tree.

Each ``tests/fixtures/lint/NAME.config`` comes with ``NAME.expected``: one finding a line
(``line rule symbol arch``, ``-`` for none), exactly the findings lint must report. The
shipped fragments are checked per arch; what lint calls impossible there is checked against
the kernel's own tools: in every C-tool merge of that fragment onto a corpus config of the
arch (tests/fixtures/merge), the request is indeed lost.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from kcheck import app
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig, parse_fragment
from kcheck.lint import LintOptions, TreeFacts, lint, symbol_findings
from kcheck.model import FragmentReport, Severity
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LINT = FIXTURES / "lint"
MERGE = FIXTURES / "merge"
SHIPPED = MERGE / "fragments" / "6.12"
ARCH = {"symbols": "arm64", "renamed": "powerpc"}
CASES = sorted(p.stem for p in LINT.glob("*.config"))


def _lint(paths: list[Path], arches: tuple[str, ...], tree: Path) -> FragmentReport:
    options = LintOptions(tuple(map(str, paths)), arches, app.Inputs(None, tree=tree), app.Gate())
    return lint(options, lambda _m: None)


def _expected(name: str) -> set[tuple[int, str, str | None, str | None]]:
    out = set()
    for row in (LINT / f"{name}.expected").read_text(encoding="utf-8").splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        line, rule, symbol, arch = row.split()
        out.add((int(line), rule, None if symbol == "-" else symbol, None if arch == "-" else arch))
    return out


@pytest.mark.parametrize("name", CASES)
def test_fixture_findings(name: str, kernel_trees: dict[str, Path]) -> None:
    arch = ARCH.get(name, "x86_64")
    report = _lint([LINT / f"{name}.config"], (arch,), kernel_trees["6.12"])
    got = {(f.line or 0, f.rule, f.symbol, f.arch) for f in report.findings}
    assert got == _expected(name)
    assert report.exit_code == (
        1 if any(f.severity is Severity.ERROR for f in report.findings) else 0
    )


def test_suggestions(kernel_trees: dict[str, Path]) -> None:
    tree = kernel_trees["6.12"]
    by_symbol = {
        f.symbol: f.suggestion for f in _lint([LINT / "symbols.config"], ("arm64",), tree).findings
    }
    assert "CONFIG_VIRTIO_NET" in str(by_symbol["VIRTIO_NETT"])
    # The rename history comes from profiles' aliases (none of the built-in ones has any yet):
    # given E500 -> PPC_E500, the old name gets the new one as its suggestion.
    loaded = app.tree_for(tree, "powerpc", app.Inputs(None, tree=tree), lambda _m: None)
    facts = TreeFacts.of(loaded, "powerpc")
    facts.renamed = {"E500": "PPC_E500"}
    source = ConfigInput("renamed.config", (LINT / "renamed.config").read_text(encoding="utf-8"))
    found = symbol_findings(parse_fragment(source), facts)
    assert [(f.symbol, f.suggestion) for f in found] == [
        ("E500", "CONFIG_PPC_E500 (the name of CONFIG_E500 in this tree)")
    ]
    lines = {
        f.symbol: f.suggestion for f in _lint([LINT / "lines.config"], ("x86_64",), tree).findings
    }
    assert lines["BLK_DEV_INITRD"] == "CONFIG_BLK_DEV_INITRD=y"


def test_kvm_guest_on_arm64_names_the_x86_symbols(kernel_trees: dict[str, Path]) -> None:
    """kernel/configs/kvm_guest.config on arm64: the x86-only (and s390-only) requests."""
    fragment = SHIPPED / "kernel" / "configs" / "kvm_guest.config"
    report = _lint([fragment], ("arm64", "x86_64"), kernel_trees["6.12"])
    errors = {(f.arch, f.symbol) for f in report.findings if f.severity is Severity.ERROR}
    assert errors == {
        ("arm64", "HYPERVISOR_GUEST"),
        ("arm64", "KVM_GUEST"),
        ("arm64", "S390_GUEST"),
        ("x86_64", "S390_GUEST"),
    }
    assert report.exit_code == 1


def _ctool_cases() -> dict[tuple[str, str], list[str]]:
    """(arch, fragment path) -> the ids of the C-tool cases that merged it alone."""
    out: dict[tuple[str, str], list[str]] = {}
    for row in (MERGE / "cases.tsv").read_text(encoding="utf-8").splitlines():
        case_id, mode, _base, arch, _cross, fragments = row.split("\t")
        if mode == "merge" and len(fragments.split()) == 1:
            out.setdefault((arch, fragments), []).append(case_id)
    return out


def test_impossible_requests_are_lost_in_the_c_tool(
    kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    """Sound: every request lint says cannot hold on an arch (undefined, other-arch, never) is
    lost in every C-tool merge of its fragment on that arch; and lint finds no malformed
    line in the fragments the tree ships."""
    with tarfile.open(MERGE / "ctool-6.12.tar.xz") as tar:
        tar.extractall(tmp_path, filter="data")
    checked = 0
    for (arch, fragment), ids in sorted(_ctool_cases().items()):
        report = _lint([SHIPPED / fragment], (arch,), kernel_trees["6.12"])
        assert not [f for f in report.findings if f.arch is None and f.rule != "repeated"]
        text = (SHIPPED / fragment).read_text(encoding="utf-8")
        wanted = parse_fragment(ConfigInput(fragment, text)).assignments
        for finding in report.findings:
            if finding.rule not in ("undefined", "other-arch", "never") or not finding.symbol:
                continue
            request = wanted[finding.symbol].value
            if request == "n" and finding.rule != "never":
                continue  # a misspelt name's n: reported, but n is what the tree gives
            for case_id in ids:
                out = (tmp_path / f"{case_id}.config").read_text(encoding="utf-8")
                got = parse_dotconfig(ConfigInput(case_id, out)).get(finding.symbol)
                assert (got or "n") != request, (case_id, finding)
                checked += 1
    assert checked > 20


def test_verdicts_do_not_depend_on_the_loaded_config(kernel_trees: dict[str, Path]) -> None:
    """Offline, a loaded config pins the toolchain probes' answers; lint's "never" must not
    take those for the tree's rules (UBSAN_BOUNDS depends on a compiler probe)."""
    tree = kernel_trees["6.12"]
    base = CORPUS / "6.12" / "tinyconfig-x86_64.config"
    loaded = app.tree_for(tree, "x86_64", app.Inputs(None, tree=tree), lambda _m: None)
    loaded.load_values(base.read_text(encoding="utf-8"), str(base))
    fragment = SHIPPED / "kernel" / "configs" / "debug.config"
    never = {f.symbol for f in _lint([fragment], ("x86_64",), tree).findings if f.rule == "never"}
    assert "UBSAN_BOUNDS" not in never
