"""``kcheck merge`` and ``kcheck lint`` from the command line: (exit code, stdout, stderr),
every --format (each validated by the CLI fixture: JSON against fragments-v1.schema.json,
SARIF against the SARIF 2.1.0 schema), waivers, -o and --fix, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from tests.cli.conftest import Invoke
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LINT = FIXTURES / "lint"
KVM_GUEST = FIXTURES / "merge" / "fragments" / "6.12" / "kernel" / "configs" / "kvm_guest.config"
NOPM = FIXTURES / "merge" / "fragments" / "6.12" / "kernel" / "configs" / "nopm.config"


@pytest.fixture
def tree(kernel_trees: dict[str, Path]) -> str:
    return str(kernel_trees["6.12"])


def test_lint_clean_fragment_exits_0(kcheck: Invoke, tree: str) -> None:
    run = kcheck("lint", str(LINT / "clean.config"), "--tree", tree, "--arch", "x86_64")
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1].endswith("0 error(s), 0 warning(s), 0 note(s): exit 0")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_lint_every_format_locates_findings(kcheck: Invoke, tree: str, fmt: str) -> None:
    path = str(LINT / "lines.config")
    run = kcheck("lint", path, "--tree", tree, "--arch", "x86_64", "--format", fmt)
    assert run.code == 1
    if fmt == "json":
        finding = json.loads(run.out)["findings"][0]
        assert (finding["file"], finding["line"], finding["rule"]) == (path, 2, "unprefixed")
    elif fmt == "sarif":
        result = json.loads(run.out)["runs"][0]["results"][0]
        assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 2}
    elif fmt == "github":
        assert run.out.startswith(f"::error file={path},line=2,title=kcheck lint%3A unprefixed::")
    elif fmt == "text":
        assert f"{path}:2: unprefixed: CONFIG_BLK_DEV_INITRD" in run.out


def test_lint_waivers_and_strict(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    fragment = tmp_path / "frag.config"
    fragment.write_text("CONFIG_VIRTIO=y\nCONFIG_VIRTIO=y\nBLK_DEV=y\n", encoding="utf-8")
    args = ("lint", str(fragment), "--tree", tree, "--arch", "x86_64")
    assert kcheck(*args).code == 1
    waived = kcheck(*args, "--waive", "unprefixed:BLK_DEV=written by a generator")
    assert waived.code == 0
    assert "waived: written by a generator" in waived.out
    # The repeat is only a warning, until --strict.
    assert kcheck(*args, "--waive", "unprefixed=all of them", "--strict").code == 1
    run = kcheck(*args, "--waive", "nothing:X=typo", "--waive", "unprefixed=ok")
    assert "the waiver for nothing:X matches no finding" in run.out


def test_lint_several_arches(kcheck: Invoke, tree: str) -> None:
    run = kcheck(
        "lint",
        str(KVM_GUEST),
        "--tree",
        tree,
        "--arch",
        "arm64",
        "--arch",
        "x86_64",
        "--format",
        "json",
    )
    assert run.code == 1
    found = {(f["arch"], f["symbol"]) for f in json.loads(run.out)["findings"]}
    assert ("arm64", "KVM_GUEST") in found
    assert ("x86_64", "KVM_GUEST") not in found


def test_lint_stdin_and_gzip(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    text = (LINT / "lines.config").read_bytes()
    packed = tmp_path / "lines.config.gz"
    packed.write_bytes(gzip.compress(text))
    from_stdin = kcheck("lint", "-", "--tree", tree, "--arch", "x86_64", input=text)
    from_gzip = kcheck("lint", str(packed), "--tree", tree, "--arch", "x86_64")
    assert from_stdin.code == from_gzip.code == 1
    assert "<stdin>:2: unprefixed" in from_stdin.out
    assert f"{packed}:2: unprefixed" in from_gzip.out


def test_lint_bad_input_exits_2(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    missing = kcheck("lint", str(tmp_path / "nope.config"), "--tree", tree)
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == f"kcheck: error: {tmp_path / 'nope.config'}: no such file\n"
    binary = tmp_path / "bin.config"
    binary.write_bytes(b"CONFIG_A=y\n\0")
    assert kcheck("lint", str(binary), "--tree", tree).code == 2
    assert kcheck("lint", "-", "-", "--tree", tree, input="CONFIG_A=y\n").code == 2


def test_merge_writes_the_config_and_reports_lost_requests(
    kcheck: Invoke, tree: str, tmp_path: Path
) -> None:
    base = CORPUS / "6.12" / "x86_64_defconfig.config"
    out = tmp_path / "merged.config"
    run = kcheck("merge", str(base), str(KVM_GUEST), str(NOPM), "--tree", tree, "-o", str(out))
    assert run.code == 1
    merged = parse_dotconfig(ConfigInput("merged", out.read_text(encoding="utf-8")))
    assert merged.get("CPU_IDLE") == "y"  # nopm.config asks for n; ACPI selects it
    assert f"{NOPM}:8: lost: CONFIG_CPU_IDLE=n" in run.out
    assert "[select CPU_IDLE] ACPI_PROCESSOR_IDLE" in run.out  # the chain that keeps it on
    # Without -o the config goes to stdout and the report to stderr.
    plain = kcheck("merge", str(base), str(KVM_GUEST), "--tree", tree)
    assert plain.out == kcheck("merge", str(base), str(KVM_GUEST), "--tree", tree).out
    assert plain.out.startswith("#\n# Automatically generated file; DO NOT EDIT.")
    assert "S390_GUEST" in plain.err


def test_merge_overrides_between_fragments(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    base = CORPUS / "6.12" / "x86_64_defconfig.config"
    first = tmp_path / "a.config"
    second = tmp_path / "b.config"
    first.write_text("CONFIG_VIRTIO_NET=y\n", encoding="utf-8")
    second.write_text("CONFIG_VIRTIO_NET=m\n", encoding="utf-8")
    out = tmp_path / "merged.config"
    run = kcheck(
        "merge",
        str(base),
        str(first),
        str(second),
        "--tree",
        tree,
        "-o",
        str(out),
        "--format",
        "json",
    )
    assert run.code == 0, run.out
    report = json.loads(run.out)
    notes = [f for f in report["findings"] if f["rule"] == "redefined"]
    assert [(n["file"], n["line"], n["symbol"]) for n in notes] == [(str(second), 1, "VIRTIO_NET")]
    assert "CONFIG_VIRTIO_NET=m\n" in out.read_text(encoding="utf-8")


def test_merge_fix_writes_a_verified_fragment(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    base = CORPUS / "6.12" / "tinyconfig-x86_64.config"
    fragment = tmp_path / "want.config"
    fragment.write_text("CONFIG_VIRTIO_NET=y\nCONFIG_NOT_THERE=y\n", encoding="utf-8")
    fixed = tmp_path / "fixed.config"
    out = tmp_path / "merged.config"
    run = kcheck(
        "merge", str(base), str(fragment), "--tree", tree, "-o", str(out), "--fix", str(fixed)
    )
    assert run.code == 1
    assert "corrected fragment written to" in run.err
    assert "NOT verified" not in run.err
    text = fixed.read_text(encoding="utf-8")
    assert "CONFIG_VIRTIO_NET=y" in text
    assert "CONFIG_NOT_THERE" not in text
    # Merging the corrected fragment keeps every request that can hold.
    again = kcheck("merge", str(base), str(fixed), "--tree", tree, "-o", str(tmp_path / "m2"))
    assert again.code == 0, again.out
    result = parse_dotconfig(ConfigInput("m2", (tmp_path / "m2").read_text(encoding="utf-8")))
    assert result.get("VIRTIO_NET") == "y"


def test_merge_usage_errors(kcheck: Invoke, tree: str) -> None:
    base = str(CORPUS / "6.12" / "x86_64_defconfig.config")
    assert kcheck("merge", base, "--tree", tree).code == 2  # no fragment
    both = kcheck(
        "merge", base, str(KVM_GUEST), "--allnoconfig", "--defconfig", "x", "--tree", tree
    )
    assert both.code == 2
    no_arch = kcheck("merge", "--allnoconfig", str(KVM_GUEST), "--tree", tree)
    assert no_arch.code == 2
    assert "pass --arch" in no_arch.err
