"""The carried test data (tests/data): intact, complete, checked for damage, unpacked safely."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import testdata
from tests.testdata import REPO

# The corpus' configs per version, as corpus/README.md names them: the parametrized tests run
# once per name, so a lost config must fail here rather than quietly run fewer tests.
CORPUS_NAMES = [
    "arm64_defconfig",
    "corenet32_smp_defconfig",
    "debian-amd64-none",
    "debian-arm64-none",
    "mpc85xx_smp_defconfig",
    "tinyconfig-x86_64",
    "x86_64_defconfig",
]


def test_carried_data_matches_its_checksums() -> None:
    sums = testdata.read_sums()
    assert {name.split("/")[0] for name in sums} == {"kernels", "corpus"}
    assert testdata.problems(testdata.DATA, sums) == []


@pytest.mark.parametrize("version", testdata.TREE_VERSIONS)
def test_corpus_has_every_config(version: str) -> None:
    assert testdata.corpus_names(version) == CORPUS_NAMES
    folder = testdata.CORPUS / version
    for name in CORPUS_NAMES:
        for suffix in (".config", ".perturbed.config", ".perturbed.expected.config"):
            assert (folder / f"{name}{suffix}").is_file()


def test_damage_is_found(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(testdata.DATA / "corpus" / "7.2", root / "corpus" / "7.2")
    (root / "kernels").mkdir()
    sums = {k: v for k, v in testdata.read_sums().items() if k.startswith("corpus/7.2/")}
    assert testdata.problems(root, sums) == []
    changed = root / "corpus" / "7.2" / "x86_64_defconfig.config"
    changed.write_text(changed.read_text() + "CONFIG_EXTRA=y\n")
    (root / "corpus" / "7.2" / "tinyconfig-x86_64.config").unlink()
    (root / "corpus" / "7.2" / "stray.config").write_text("")
    found = testdata.problems(root, sums)
    assert found == [
        f"{root}/corpus/7.2/tinyconfig-x86_64.config: missing",
        f"{changed}: sha256 is not the one in SHA256SUMS",
        f"{root}/corpus/7.2/stray.config: not listed in SHA256SUMS",
    ]


def test_bad_checksum_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "SHA256SUMS").write_text(f"{'0' * 64}  kernels/a\nnot a checksum line\n")
    with pytest.raises(testdata.DataError, match=r"SHA256SUMS:2: not a sha256sum line"):
        testdata.read_sums(tmp_path)


_UNPACK = "import sys; from pathlib import Path; from tests import testdata; "
_UNPACK += "print(testdata.unpacked_tree(sys.argv[1], Path(sys.argv[2])))"


def test_parallel_unpacking_gives_one_whole_tree(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _UNPACK, "7.2", str(cache)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    paths = {proc.communicate(timeout=300)[0].strip() for proc in procs}
    assert [proc.returncode for proc in procs] == [0, 0, 0]
    [path] = paths
    tree = Path(path)
    # One directory, keyed by the tarball's checksum; no scratch directory left behind.
    digest = testdata.read_sums()["kernels/linux-7.2-kconfig.tar.xz"]
    assert [p.name for p in cache.iterdir()] == [f"linux-7.2-{digest[:16]}"]
    assert tree == cache / f"linux-7.2-{digest[:16]}" / "linux-7.2"
    assert (tree / "Kconfig").is_file()
    assert len(list(tree.rglob("Kconfig*"))) > 1500
    # Once there, it is used as it is.
    stamp = (tree / "Kconfig").stat().st_mtime_ns
    assert testdata.unpacked_tree("7.2", cache) == tree
    assert (tree / "Kconfig").stat().st_mtime_ns == stamp
