"""Golden tests: what a user reads, on the real trees, at a fixed width with colour off.

Refresh on purpose with ``KCHECK_UPDATE_GOLDEN=1 python -m pytest tests/cli/test_golden.py``
and review the diff. Paths to the test data (tests/data) and to the unpacked tree are
replaced by ``<data>`` and ``<tree>`` so the files do not depend on where they ran.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import DATA

pytestmark = pytest.mark.shared

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

CASES = {
    "guest-corenet32-6.12.txt": ("6.12", ["guest", "corenet32_smp_defconfig.config"]),
    "guest-corenet32-6.12.json": (
        "6.12",
        ["guest", "corenet32_smp_defconfig.config", "--format", "json"],
    ),
    "guest-tinyconfig-perturbed-7.2.txt": (
        "7.2",
        ["guest", "tinyconfig-x86_64.perturbed.config"],
    ),
    "guest-root-arm64-7.2.txt": (
        "7.2",
        ["guest", "--root", "virtio-blk", "arm64_defconfig.config"],
    ),
    "host-nat-mpc85xx-6.12.txt": ("6.12", ["host", "--net", "nat", "mpc85xx_smp_defconfig.config"]),
    "host-bridge-debian-arm64-7.2.json": (
        "7.2",
        ["host", "debian-arm64-none.config", "--format", "json"],
    ),
}


@pytest.mark.parametrize("golden", sorted(CASES))
def test_golden(kcheck: Invoke, kernel_trees: dict[str, Path], golden: str) -> None:
    version, args = CASES[golden]
    tree = kernel_trees[version]
    config = str(DATA / "corpus" / version / args[-1 if "--format" not in args else -3])
    argv = [config if a.endswith(".config") else a for a in args]
    run = kcheck(*argv, "--tree", str(tree))
    assert run.code in (0, 1), run.err
    text = run.out.replace(str(DATA), "<data>").replace(str(tree), "<tree>")
    path = GOLDEN / golden
    if os.environ.get("KCHECK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
