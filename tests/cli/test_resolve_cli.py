"""`kcheck resolve` on the real trees: the kernel's own output, and what will not survive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke, Run
from tests.conftest import CORPUS

pytestmark = pytest.mark.shared


Resolve = Callable[..., Run]


@pytest.fixture
def resolve(kcheck: Invoke, kernel_trees: dict[str, Path]) -> Resolve:
    """``resolve(version, corpus_name, *more_args)``: kcheck resolve on a corpus file."""

    def run(version: str, name: str, *args: str) -> Run:
        return kcheck(
            "resolve",
            str(corpus(version, name)),
            "--tree",
            str(kernel_trees[version]),
            *args,
        )

    return run


def corpus(version: str, name: str) -> Path:
    return CORPUS / version / name


def test_perturbed_tinyconfig_to_file(resolve: Resolve, tmp_path: Path) -> None:
    out = tmp_path / "resolved.config"
    run = resolve("7.2", "tinyconfig-x86_64.perturbed.config", "-o", str(out))
    expected = corpus("7.2", "tinyconfig-x86_64.perturbed.expected.config").read_text()
    assert out.read_text() == expected
    assert run.out == ""
    # The perturbed input forces VIRTIO_NET=y on a config without VIRTIO: exit 1, and say so.
    assert run.code == 1
    lines = [line for line in run.err.splitlines() if "CONFIG_VIRTIO_NET=" in line]
    assert lines == [
        "kcheck: will not survive: CONFIG_VIRTIO_NET=y becomes n: depends on VIRTIO (=n)"
    ]


def test_fixed_point_to_stdout_exit_0(resolve: Resolve) -> None:
    run = resolve("6.12", "x86_64_defconfig.config")
    assert (run.code, run.out) == (0, corpus("6.12", "x86_64_defconfig.config").read_text())
    assert "will not survive" not in run.err


def test_refuses_device_target(resolve: Resolve, tmp_path: Path) -> None:
    link = tmp_path / "out.config"
    link.symlink_to("/dev/null")
    run = resolve("6.12", "x86_64_defconfig.config", "-o", str(link))
    assert run.code == 2
    assert run.err.endswith(f"kcheck: error: {link}: not a regular file; refusing to write to it\n")
    assert Path("/dev/null").is_char_device()
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == ["out.config"]
