"""CLI notices on the real trees: unknown symbols, defconfigs without probe answers, versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared


def test_unknown_symbol_is_a_warning_with_its_line(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    config = tmp_path / "frag.config"
    config.write_text("CONFIG_X86_64=y\nCONFIG_NOT_A_THING=y\nCONFIG_VIRTIO_NET=y\n")
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["6.12"]))
    assert run.code == 1
    assert (
        f"kcheck: warning: {config}: 1 symbol(s) not defined in this tree, ignored: "
        "CONFIG_NOT_A_THING (line 2)\n"
    ) in run.err
    # A fragment records no toolchain answers: say what that means, once.
    assert run.err.count("does not record the toolchain's answers") == 1


def test_version_mismatch_warns(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    config = CORPUS / "6.12" / "x86_64_defconfig.config"
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["7.2"]))
    assert run.code in (0, 1)
    assert "was written for Linux 6.12.117 but the tree" in run.err
    assert "is Linux 7.2" in run.err


def test_full_config_gets_no_probe_notice(kcheck: Invoke, kernel_trees: dict[str, Path]) -> None:
    config = CORPUS / "6.12" / "arm64_defconfig.config"
    run = kcheck("guest", str(config), "--tree", str(kernel_trees["6.12"]))
    assert "does not record the toolchain's answers" not in run.err
    assert "not defined in this tree" not in run.err
    assert "Linux 6.12.117, arm64" in run.out


def test_tree_found_next_to_the_config(
    kcheck: Invoke, kernel_trees: dict[str, Path], tmp_path: Path
) -> None:
    # A tree of links to the session's tree, so that no test writes into the shared one.
    tree = tmp_path / "linux"
    tree.mkdir()
    for entry in kernel_trees["6.12"].iterdir():
        (tree / entry.name).symlink_to(entry)
    config = tree / ".config"
    config.write_text((CORPUS / "6.12" / "x86_64_defconfig.config").read_text())
    run = kcheck("guest", str(config))
    assert f"tree {tree}" in run.out
    assert "no kernel tree found" not in run.err


def test_no_tree_says_so_once_and_checks_values(kcheck: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "x.config"
    config.write_text((CORPUS / "6.12" / "corenet32_smp_defconfig.config").read_text())
    run = kcheck("guest", str(config), "--format", "json")
    assert run.code == 1
    assert run.err.count("no kernel tree found") == 1
    assert '"tree": null' in run.out


BROKEN = {
    "Kconfig": 'mainmenu "broken"\nsource "arch/$(SRCARCH)/Kconfig"\n',
    "Makefile": "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n",
    "arch/x86/Kconfig": 'config X86_64\n\tdef_bool y\n\nconfig A\n\tbool "a"\n\tfrobnicate\n',
}


def test_unparsable_tree_is_exit_2_with_file_line(kcheck: Invoke, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    for name, text in BROKEN.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(text)
    config = tmp_path / "x.config"
    config.write_text("CONFIG_X86_64=y\nCONFIG_A=y\n")
    run = kcheck("guest", str(config), "--tree", str(tree))
    assert (run.code, run.out) == (2, "")
    errors = [line for line in run.err.splitlines() if "error" in line]
    assert len(errors) == 1
    assert "arch/x86/Kconfig:6" in errors[0]
    assert "frobnicate" in errors[0]


def test_internal_error_is_exit_3(kcheck: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from kcheck import app

    def boom(*_args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(app, "check", boom)
    run = kcheck("guest", "whatever.config")
    assert run.code == 3
    assert run.out == ""
    assert run.err == (
        "kcheck: internal error: RuntimeError: simulated bug (this is a bug in kcheck; "
        "rerun with KCHECK_DEBUG=1 for a traceback)\n"
    )


def test_running_kernel_config(kcheck: Invoke) -> None:
    run = kcheck("host", "--format", "json")
    if Path("/proc/config.gz").is_file():
        assert "checking the running kernel's config: /proc/config.gz" in run.err
        assert run.code in (0, 1)
        assert '"config": "/proc/config.gz"' in run.out
    else:
        assert run.code in (0, 1, 2)
