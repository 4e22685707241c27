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


REALWORLD = FIXTURES / "realworld"
X86_BASE = CORPUS / "6.12" / "x86_64_defconfig.config"


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad fragments, each with the one error line kcheck must print for it."""
    folder = tmp_path / "adir"
    folder.mkdir()
    binary = tmp_path / "garbage.config"
    binary.write_bytes(b"CONFIG_A=y\n\x89PNG\x00\x01\x02")
    empty = tmp_path / "empty.config"
    empty.write_bytes(b"")
    missing = tmp_path / "nope.config"
    broken_gzip = tmp_path / "cut.config.gz"
    broken_gzip.write_bytes(gzip.compress(b"CONFIG_A=y\n" * 100)[:30])
    return {
        "missing": (missing, f"kcheck: error: {missing}: no such file\n"),
        "directory": (folder, f"kcheck: error: {folder}: is a directory, not a kernel config\n"),
        "binary": (
            binary,
            f"kcheck: error: {binary}:2: binary data (NUL byte); not a kernel config\n",
        ),
        "empty": (empty, f"kcheck: error: {empty}: empty file; expected a kernel config\n"),
        "gzip": (broken_gzip, f"kcheck: error: {broken_gzip}:"),
    }


@pytest.mark.parametrize("kind", ["missing", "directory", "binary", "empty", "gzip"])
def test_bad_fragment_is_one_line_exit_2_nothing_written(
    kcheck: Invoke, tree: str, tmp_path: Path, kind: str
) -> None:
    path, error = _bad_inputs(tmp_path)[kind]
    lint = kcheck("lint", str(path), "--tree", tree, "--arch", "x86_64")
    assert (lint.code, lint.out) == (2, "")
    assert lint.err.startswith(error), lint.err
    assert lint.err.count("\n") == 1, lint.err
    # merge: as a fragment and as the base; -o is neither created nor changed.
    fresh = tmp_path / "fresh.config"
    kept = tmp_path / "kept.config"
    kept.write_text("keep\n", encoding="utf-8")
    good = REALWORLD / "virtme-x86_64.config"
    for out in (fresh, kept):
        for args in ((str(X86_BASE), str(path)), (str(path), str(good), "--arch", "x86_64")):
            run = kcheck("merge", *args, "--tree", tree, "-o", str(out), "--fix", str(fresh))
            assert (run.code, run.out) == (2, "")
            assert run.err.startswith(error), run.err
            assert run.err.count("\n") == 1, run.err
    assert not fresh.exists()
    assert kept.read_text(encoding="utf-8") == "keep\n"


def test_stdin_twice_is_refused_before_reading(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    out = tmp_path / "m.config"
    for args in (("lint", "-", "-"), ("merge", "-", "-", "-o", str(out))):
        run = kcheck(*args, "--tree", tree, input="CONFIG_A=y\n")
        assert (run.code, run.out, run.err) == (
            2,
            "",
            "kcheck: error: stdin (-) can be given once\n",
        )
    assert not out.exists()


def test_tree_kcheck_cannot_parse(
    kcheck: Invoke, tree: str, tmp_path: Path, kernel_trees: dict[str, Path]
) -> None:
    """A tree with a Kconfig syntax error: the file and line, exit 2, nothing written; a
    folder that is not a tree: what it lacks."""
    import shutil

    broken = tmp_path / "linux"
    shutil.copytree(kernel_trees["6.12"], broken, symlinks=True)
    kconfig = broken / "drivers" / "virtio" / "Kconfig"
    lines = kconfig.read_text(encoding="utf-8").count("\n")
    with kconfig.open("a", encoding="utf-8") as f:
        f.write('config BROKEN_X\n\tbool "x"\n\tfrobnicate\n')
    out = tmp_path / "m.config"
    fragment = str(REALWORLD / "virtme-x86_64.config")
    runs = [
        kcheck("lint", fragment, "--tree", str(broken), "--arch", "x86_64", "--no-cache"),
        kcheck("merge", str(X86_BASE), fragment, "--tree", str(broken), "-o", str(out)),
    ]
    for run in runs:
        assert (run.code, run.out) == (2, "")
        assert f"kcheck: error: drivers/virtio/Kconfig:{lines + 3}: couldn't parse" in run.err
    assert not out.exists()
    (tmp_path / "notree").mkdir()
    (tmp_path / "notree" / "Makefile").write_text(
        "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n", encoding="utf-8"
    )
    (tmp_path / "notree" / "Kconfig").write_text("", encoding="utf-8")
    run = kcheck("lint", fragment, "--tree", str(tmp_path / "notree"), "--arch", "x86_64")
    assert (run.code, run.err) == (
        2,
        f"kcheck: error: {tmp_path / 'notree'}: not a kernel source tree (no arch/)\n",
    )


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_merge_every_format_names_the_conflict(
    kcheck: Invoke, tree: str, tmp_path: Path, fmt: str
) -> None:
    """A Yocto-style .cfg that turns NETDEVICES off among its lines: every format points at
    that line, and each lost request names it (the invoke fixture validates each format)."""
    cfg = str(REALWORLD / "yocto-qemu-net.cfg")
    out = tmp_path / "m.config"
    run = kcheck("merge", str(X86_BASE), cfg, "--tree", tree, "-o", str(out), "--format", fmt)
    assert run.code == 1
    because = f"because of CONFIG_NETDEVICES=n ({cfg}:30)"
    if fmt == "json":
        findings = json.loads(run.out)["findings"]
        first = findings[0]
        assert (first["rule"], first["line"], first["symbol"]) == ("conflict", 30, "NETDEVICES")
        lost = [f for f in findings if f["rule"] == "lost"]
        assert len(lost) == 9
        assert all(because in f["message"] for f in lost)
    elif fmt == "github":
        assert run.out.startswith(f"::error file={cfg},line=30,title=kcheck merge%3A conflict::")
    elif fmt == "text":
        assert f"{cfg}:30: conflict: CONFIG_NETDEVICES=n: holds, and is why 9 other" in run.out
        assert run.out.splitlines()[-1] == (
            "9 of 38 request(s) lost, 10 error(s), 0 warning(s), 0 note(s): exit 1"
        )
    else:
        assert because in run.out


def test_merge_no_color(kcheck: Invoke, tree: str, tmp_path: Path) -> None:
    cfg = str(REALWORLD / "yocto-qemu-net.cfg")
    args = ("merge", str(X86_BASE), cfg, "--tree", tree, "-o", str(tmp_path / "m.config"))
    assert "\x1b[" in kcheck(*args, env={"FORCE_COLOR": "1"}).out
    plain = kcheck(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.out
    assert "[if NETDEVICES]" in plain.out


def test_merge_clean_exits_0_and_undefined_counts_as_lost(
    kcheck: Invoke, tree: str, tmp_path: Path
) -> None:
    fragment = tmp_path / "f.config"
    fragment.write_text("CONFIG_VIRTIO_NET=y\nCONFIG_TUN=m\n", encoding="utf-8")
    args = ("merge", str(X86_BASE), str(fragment), "--tree", tree, "-o", str(tmp_path / "m"))
    clean = kcheck(*args)
    assert clean.code == 0, clean.out
    assert clean.out.splitlines()[-1].startswith("0 of 2 request(s) lost, 0 error(s)")
    fragment.write_text("CONFIG_VIRTIO_NET=y\nCONFIG_MARCH_Z900=y\n", encoding="utf-8")
    run = kcheck(*args)
    assert run.code == 1
    assert run.out.splitlines()[-1].startswith("1 of 2 request(s) lost, 1 error(s)")
