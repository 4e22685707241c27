"""``kcheck lint`` and ``kcheck merge`` on fragments written like the ones real projects ship
(tests/fixtures/realworld: virtme-ng, Kata, Yocto, Firecracker style), against the kernel's own
tools.

For each merge case, ``regen.sh`` stored the C tool's output (``merge_config.sh -m`` + ``make
olddefconfig``, or ``-n`` for allnoconfig) and the C tool's output for kcheck's ``--fix``
fragment merged alone onto the same base. kcheck's merged config must equal the C tool's, the
requests it calls lost must be exactly those whose value differs there, every lost request must
say why in its one line, and the corrected fragment must hold in the C tool's hands: each of its
lines, and each request kcheck did not list as impossible.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kcheck import app
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig, parse_fragment
from kcheck.lint import LintOptions, lint
from kcheck.merge import MergeOptions, MergeOutcome, merge
from kcheck.model import LOST_RULES
from tests.conftest import CORPUS
from tests.integration.conftest import probe_path
from tests.integration.test_merge_ctool import Case, read_cases, unpack

pytestmark = pytest.mark.shared

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"


CASES = read_cases(HERE / "cases.tsv")


@pytest.fixture(scope="module")
def ctool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(HERE / "ctool-6.12.tar.xz", tmp_path_factory.mktemp("ctool-realworld"))


def _values(text: str) -> dict[str, str]:
    config = parse_dotconfig(ConfigInput("c-tool", text))
    return {symbol: assignment.value for symbol, assignment in config.assignments.items()}


def _wanted(paths: list[Path]) -> dict[str, str]:
    """The fragments' requests as the kernel reads them (last one wins)."""
    out: dict[str, str] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for line in parse_fragment(ConfigInput(path.name, text), lenient=True).lines:
            # As the kernel reads it: =yes by its first letter.
            out[line.symbol] = "y" if line.value == "yes" else line.value
    return out


def _differs(wanted: dict[str, str], got: dict[str, str]) -> set[str]:
    """The requests whose value the C tool's output does not have (absent is n)."""
    return {s for s, v in wanted.items() if got.get(s, "n" if v == "n" else None) != v}


def _merge(case: Case, tree: Path, fragments: tuple[Path, ...], fix: bool) -> MergeOutcome:
    inputs = app.Inputs(
        None, tree=tree, arch=case.arch, probe=True, cross_compile=case.cross_compile
    )
    names = tuple(map(str, fragments))
    with probe_path():
        if case.mode == "allnoconfig":
            options = MergeOptions(names, inputs, allnoconfig=True, fix=fix)
        else:
            options = MergeOptions(names, inputs, base=str(CORPUS / "6.12" / case.base), fix=fix)
        return merge(options, lambda _m: None)


def _lint_expected() -> dict[str, set[tuple[str, int, str, str, str]]]:
    out: dict[str, set[tuple[str, int, str, str, str]]] = {}
    for row in (HERE / "lint.expected").read_text(encoding="utf-8").splitlines():
        if row.startswith("#") or not row.strip():
            continue
        file, arch, line, rule, symbol, severity = row.split()
        out.setdefault(arch, set()).add((file, int(line), rule, symbol, severity))
    return out


@pytest.mark.parametrize("arch", ["x86_64", "arm64", "powerpc"])
def test_lint_finds_each_defect(
    arch: str, kernel_trees: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HERE)
    names = sorted(p.name for p in HERE.iterdir() if p.suffix in (".config", ".cfg"))
    options = LintOptions(
        tuple(names), (arch,), app.Inputs(None, tree=kernel_trees["6.12"]), app.Gate()
    )
    report = lint(options, lambda _m: None)
    got = {
        (f.file or "", f.line or 0, f.rule, f.symbol or "-", str(f.severity))
        for f in report.findings
    }
    expected = _lint_expected()
    assert got == expected[arch] | expected["-"]


def test_lint_conflicts_are_what_the_c_tool_loses(
    kernel_trees: dict[str, Path], ctool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The yocto .cfg's conflicts lint finds without a base are exactly its requests the C
    tool loses when merging it onto x86_64_defconfig."""
    monkeypatch.chdir(HERE)
    options = LintOptions(
        ("yocto-qemu-net.cfg",),
        ("x86_64",),
        app.Inputs(None, tree=kernel_trees["6.12"]),
        app.Gate(),
    )
    conflicts = {f.symbol for f in lint(options, lambda _m: None).findings if f.rule == "conflict"}
    got = _values((ctool / "yocto.config").read_text(encoding="utf-8"))
    assert conflicts == _differs(_wanted([HERE / "yocto-qemu-net.cfg"]), got)
    assert len(conflicts) == 9


@pytest.mark.parametrize("case", CASES, ids=str)
def test_merge_equals_c_tool_and_says_why(
    case: Case, kernel_trees: dict[str, Path], ctool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HERE)
    fragments = tuple(Path(f) for f in case.fragments)
    outcome = _merge(case, kernel_trees["6.12"], fragments, fix=False)
    want = (ctool / f"{case.id}.config").read_text(encoding="utf-8")
    assert outcome.config == want
    findings = outcome.report.findings
    lost = {f.symbol for f in findings if f.rule in LOST_RULES}
    assert lost == _differs(_wanted([HERE / f for f in fragments]), _values(want))
    for finding in findings:
        if finding.rule == "lost":
            # One line on why: another request with its file:line, what to set, or the
            # kernel's reason for rejecting the value.
            message = finding.message
            assert (
                "because of CONFIG_" in message
                or "to keep it, set CONFIG_" in message
                or "the kernel rejects" in message
            ), finding


def test_merge_messages(kernel_trees: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """What a kernel engineer reads for each defect (claims checked by the case tests above)."""
    monkeypatch.chdir(HERE)
    by_case = {c.id: c for c in CASES}
    tree = kernel_trees["6.12"]

    def messages(case_id: str) -> dict[tuple[str, str | None], str]:
        case = by_case[case_id]
        report = _merge(case, tree, tuple(Path(f) for f in case.fragments), fix=False).report
        return {(f.rule, f.symbol): f"{f.file}:{f.line}: {f.message}" for f in report.findings}

    yocto = messages("yocto")
    assert yocto[("conflict", "NETDEVICES")].startswith(
        "yocto-qemu-net.cfg:30: holds, and is why 9 other request(s) are lost: VIRTIO_NET (line 20)"
    )
    assert yocto[("lost", "E1000")] == (
        "yocto-qemu-net.cfg:21: asks for y, the merged config has n, because of "
        "CONFIG_NETDEVICES=n (yocto-qemu-net.cfg:30)"
    )
    virtme = messages("virtme")
    assert virtme[("unprefixed", "BLK_DEV_INITRD")].endswith("the merged config has y anyway")
    assert virtme[("undefined", "MARCH_Z900")] == (
        "virtme-x86_64.config:22: no Kconfig file of this tree defines it"
    )
    fc = messages("firecracker-x86_64")
    assert fc[("lost", "NR_CPUS")] == (
        "firecracker-guest.config:16: an int value in quotes: the kernel rejects it, so the "
        "merged config has 64"
    )
    assert fc[("lost", "CMDLINE")].endswith("has no value; to keep it, set CONFIG_CMDLINE_BOOL=y")
    assert fc[("lost", "VIRTIO_VSOCKETS")].endswith("to keep it, set CONFIG_VSOCKETS=y")
    kata = messages("kata-arm64")
    assert kata[("lost", "VIRTIO_MMIO_CMDLINE_DEVICES")].endswith(
        "to keep it, set CONFIG_VIRTIO_MENU=y first (then what the chain shows)"
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_fix_holds_in_the_c_tool(
    case: Case, kernel_trees: dict[str, Path], ctool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kcheck's corrected fragment is the one stored (so the C tool's output is of it), and
    merged alone onto the same base by the C tool, every line of it holds, and so does every
    request of the original fragments that kcheck did not list as impossible."""
    monkeypatch.chdir(HERE)
    fragments = tuple(Path(f) for f in case.fragments)
    outcome = _merge(case, kernel_trees["6.12"], fragments, fix=True)
    assert outcome.report.fix_verified is True
    stored = (HERE / "fix" / f"{case.id}.config").read_text(encoding="utf-8")
    assert str(outcome.fix_fragment).replace(f"{CORPUS / '6.12'}/", "") == stored
    got = _values((ctool / f"{case.id}+fix.config").read_text(encoding="utf-8"))
    fix = _wanted([HERE / "fix" / f"{case.id}.config"])
    assert not _differs(fix, got)
    impossible = {
        line.split(":")[1].strip().split("=")[0]
        for line in stored.splitlines()
        if line.startswith(("# Not possible here:", "# Not defined in this tree:"))
    }
    impossible = {word.split()[0] for word in impossible}
    original = _wanted([HERE / f for f in fragments])
    # As meant: a quoted "32" is read as 32 here, which is what the fix writes.
    assert _differs(original, got) <= impossible, case
