"""CLI notices on the real trees: unknown symbols, defconfigs without probe answers, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import SHARED

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path_factory.mktemp("tree-cache"))}


def test_unknown_symbol_is_a_warning_with_its_line(
    kcheck: Invoke, kernel_trees: dict[str, Path], shared_cache: dict[str, str], tmp_path: Path
) -> None:
    config = tmp_path / "frag.config"
    config.write_text("CONFIG_X86_64=y\nCONFIG_NOT_A_THING=y\nCONFIG_VIRTIO_NET=y\n")
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["6.12"]), env=shared_cache)
    assert run.code == 1
    assert (
        f"kcheck: warning: {config}: 1 symbol(s) not defined in this tree, ignored: "
        "CONFIG_NOT_A_THING (line 2)\n"
    ) in run.err
    # A fragment records no toolchain answers: say what that means, once.
    assert run.err.count("does not record the toolchain's answers") == 1


def test_version_mismatch_warns(
    kcheck: Invoke, kernel_trees: dict[str, Path], shared_cache: dict[str, str]
) -> None:
    config = SHARED / "corpus" / "6.12" / "x86_64_defconfig.config"
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["7.2"]), env=shared_cache)
    assert run.code in (0, 1)
    assert "was written for Linux 6.12.117 but the tree" in run.err
    assert "is Linux 7.2" in run.err


def test_full_config_gets_no_probe_notice(
    kcheck: Invoke, kernel_trees: dict[str, Path], shared_cache: dict[str, str]
) -> None:
    config = SHARED / "corpus" / "6.12" / "arm64_defconfig.config"
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["6.12"]), env=shared_cache)
    assert "does not record the toolchain's answers" not in run.err
    assert "not defined in this tree" not in run.err
    assert "Linux 6.12.117, arm64" in run.out
