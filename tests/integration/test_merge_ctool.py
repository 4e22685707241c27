"""``kcheck merge`` against the kernel's own tools, on Linux 6.12.

``tests/fixtures/merge/regen.sh`` ran ``merge_config.sh -m BASE FRAGMENT...`` + ``make
olddefconfig`` (and ``make allnoconfig`` with the merged fragments as KCONFIG_ALLCONFIG, for
``--allnoconfig``) for every fragment the 6.12 tree ships for x86, arm64 and powerpc, on every
6.12 corpus config of that arch, and stored the outputs and merge_config.sh's messages in
``ctool-6.12.tar.xz``. For each case: kcheck's merged config must equal the C tool's line for
line, the requests it lists as lost must be exactly those whose value differs in the C
tool's output, and its overrides exactly the "Value of ... is redefined" messages.
"""

from __future__ import annotations

import difflib
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from kcheck import app
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig, parse_fragment
from kcheck.merge import MergeOptions, merge
from kcheck.model import LOST_RULES, FragmentReport
from tests.conftest import CORPUS
from tests.integration.conftest import probe_path

pytestmark = pytest.mark.shared

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "merge"
FRAGMENTS = HERE / "fragments" / "6.12"
_REDEFINED = re.compile(r"^Value of CONFIG_([A-Za-z0-9_]+) is redefined by fragment (\S+):$", re.M)


@dataclass(frozen=True)
class Case:
    id: str
    mode: str
    base: str
    arch: str
    cross_compile: str
    fragments: tuple[str, ...]

    def __str__(self) -> str:
        return self.id


def read_cases(path: Path) -> list[Case]:
    """The rows of a ``cases.tsv`` (id, mode, base, arch, cross compiler or ``-`` or nothing
    for the native one, fragments)."""
    out = []
    for row in path.read_text(encoding="utf-8").splitlines():
        case_id, mode, base, arch, cross, fragments = row.split("\t")
        cross = "" if cross == "-" else cross
        out.append(Case(case_id, mode, base, arch, cross, tuple(fragments.split())))
    return out


def unpack(tarball: Path, folder: Path) -> Path:
    """The stored C-tool outputs of ``tarball`` unpacked into ``folder``."""
    with tarfile.open(tarball) as tar:
        tar.extractall(folder, filter="data")
    return folder


CASES = read_cases(HERE / "cases.tsv")


@pytest.fixture(scope="session")
def ctool_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unpack(HERE / "ctool-6.12.tar.xz", tmp_path_factory.mktemp("ctool-merge"))


def _merge(case: Case, tree: Path, probe: bool) -> tuple[str, FragmentReport]:
    fragments = tuple(str(FRAGMENTS / f) for f in case.fragments)
    inputs = app.Inputs(
        None, tree=tree, arch=case.arch, probe=probe, cross_compile=case.cross_compile
    )
    with probe_path():
        if case.mode == "allnoconfig":
            options = MergeOptions(fragments, inputs, allnoconfig=True)
        else:
            base = CORPUS / "6.12" / case.base
            options = MergeOptions(fragments, inputs, base=str(base))
        outcome = merge(options, lambda _m: None)
    return outcome.config, outcome.report


# Offline (no --probe), kcheck answers the toolchain's probes from the base config. A fragment
# that brings in probes the base never recorded (sanitizers in debug.config) gets guessed answers
# there, and so does one that changes the compiler the kernel needs (85xx-64bit.config on a
# 32-bit config: CC_CAN_LINK is asked of powerpc64-linux-gnu-gcc). kcheck must say so.
GUESSED = ("the fragments bring in toolchain probes", "the fragments change the compiler")


def _expected_lost(case: Case, c_output: str) -> set[str]:
    """The fragments' requests (last one wins) whose value the C tool's output does not have:
    an absent line is n for a y/m/n request and no value for any other."""
    wanted: dict[str, str] = {}
    for name in case.fragments:
        path = FRAGMENTS / name
        fragment = parse_fragment(ConfigInput(name, path.read_text(encoding="utf-8")), lenient=True)
        for line in fragment.lines:
            wanted[line.symbol] = line.value
    out = parse_dotconfig(ConfigInput("c-tool", c_output))
    lost = set()
    for symbol, value in wanted.items():
        got = out.get(symbol)
        if (got is None and value != "n") or (got is not None and got != value):
            lost.add(symbol)
    return lost


@pytest.mark.parametrize("case", CASES, ids=str)
def test_merge_with_probes_equals_c_tool(
    case: Case, kernel_trees: dict[str, Path], ctool_outputs: Path
) -> None:
    want = (ctool_outputs / f"{case.id}.config").read_text(encoding="utf-8")
    got, report = _merge(case, kernel_trees["6.12"], probe=True)
    if got != want:
        diff = "".join(
            list(
                difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "C tool", "kcheck"
                )
            )[:60]
        )
        pytest.fail(f"{case}: kcheck merge differs from the C tool:\n{diff}")
    findings = report.findings
    lost = {f.symbol for f in findings if f.rule in LOST_RULES}
    assert lost == _expected_lost(case, want), case
    log = (ctool_outputs / f"{case.id}.log").read_text(encoding="utf-8")
    redefined = {(symbol, Path(file).name) for symbol, file in _REDEFINED.findall(log)}
    ours = {(o.symbol, Path(o.file).name) for o in report.overrides}
    assert ours == redefined, case


@pytest.mark.parametrize("case", [c for c in CASES if c.mode == "merge"], ids=str)
def test_merge_offline_equals_c_tool(
    case: Case, kernel_trees: dict[str, Path], ctool_outputs: Path
) -> None:
    """Without a compiler: the same, except where the base cannot answer the probes."""
    want = (ctool_outputs / f"{case.id}.config").read_text(encoding="utf-8")
    got, report = _merge(case, kernel_trees["6.12"], probe=False)
    if got != want:
        assert any(g in notice for g in GUESSED for notice in report.notices), case
        return
    lost = {f.symbol for f in report.findings if f.rule in LOST_RULES}
    assert lost == _expected_lost(case, want)


def test_defconfig_base_is_make_defconfig(
    kernel_trees: dict[str, Path], ctool_outputs: Path, tmp_path: Path
) -> None:
    """--defconfig NAME starts where `make NAME` does: x86_64_defconfig + kvm_guest.config with
    real probes equals the C tool's merge onto the corpus' `make x86_64_defconfig` output."""
    defconfig = CORPUS / "6.12" / "x86_64_defconfig.defconfig"
    tree = tmp_path / "linux-6.12"
    shutil.copytree(kernel_trees["6.12"], tree, symlinks=True)
    target = tree / "arch" / "x86" / "configs" / "x86_64_defconfig"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(defconfig.read_bytes())
    inputs = app.Inputs(None, tree=tree, arch="x86_64", probe=True, cross_compile="")
    with probe_path():
        outcome = merge(
            MergeOptions(
                (str(FRAGMENTS / "kernel/configs/kvm_guest.config"),),
                inputs,
                defconfig="x86_64_defconfig",
            ),
            lambda _m: None,
        )
    want = (ctool_outputs / "x86_64_defconfig+kvm_guest.config").read_text(encoding="utf-8")
    assert outcome.config == want


def test_cases_cover_every_shipped_fragment() -> None:
    """Every fragment copied from the tree is merged onto at least one corpus config."""
    merged = {f for case in CASES for f in case.fragments}
    shipped = {p.relative_to(FRAGMENTS).as_posix() for p in FRAGMENTS.rglob("*.config")}
    assert shipped <= merged
