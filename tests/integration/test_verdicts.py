"""Verdicts on the real trees agree with the kernel's own C tool, config by config.

Every corpus input is checked against every built-in profile. The value kcheck reports for
each symbol must be the one in the C tool's ``make olddefconfig`` output for that input
(the corpus' ``*.config`` fixed points and ``*.perturbed.expected.config`` answers), and the
status must follow from that value. A few verdicts that the kernel facts fix are asserted
by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kcheck import app
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.model import NodeKind, Report, Result, Status, Tristate
from kcheck.profiles import builtin_profiles, load_profile
from tests.conftest import CORPUS, TREE_VERSIONS, corpus_inputs

pytestmark = pytest.mark.shared

CASES = corpus_inputs()


def run_check(profile: str, config: Path, tree: Path, cache: Path) -> Report:
    inputs = app.Inputs(config=str(config), tree=tree, cache_dir=cache)
    return app.check(profile, inputs, lambda _msg: None)


def leaves(results: tuple[Result, ...]) -> Iterator[Result]:
    for result in results:
        if result.kind is NodeKind.SYMBOL:
            yield result
        yield from leaves(result.children)


@pytest.mark.parametrize(("version", "name", "suffix"), CASES)
def test_values_are_the_c_tools(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str, name: str, suffix: str
) -> None:
    config = CORPUS / version / f"{name}{suffix}"
    answer_path = config if suffix == ".config" else config.with_suffix(".expected.config")
    answer = parse_dotconfig(ConfigInput(str(answer_path), answer_path.read_text()))
    checked = 0
    inputs = app.Inputs(config=str(config), tree=kernel_trees[version], cache_dir=kcheck_cache)
    loaded = app.load_inputs(inputs, lambda _msg: None)
    for profile in builtin_profiles():
        report = app.check_loaded(load_profile(profile), loaded)
        assert report.kernel_version is not None
        assert report.kernel_version.startswith(version)
        for leaf in leaves(report.results):
            if leaf.status is Status.NOT_APPLICABLE or leaf.actual is None:
                continue
            if leaf.actual not in ("y", "m", "n"):
                continue
            # The C tool writes "# CONFIG_X is not set" or nothing at all for n.
            assert leaf.actual == (answer.get(leaf.symbol) or "n"), (profile, leaf.symbol)
            wanted = Tristate.parse(leaf.expected.split("|")[0])
            assert wanted is not None
            met = leaf.actual in leaf.expected.split("|")
            assert (leaf.status is Status.PASS) == met, (profile, leaf.symbol)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("version", TREE_VERSIONS)
@pytest.mark.parametrize("name", ["corenet32_smp_defconfig", "mpc85xx_smp_defconfig"])
def test_e500_guest_lacks_virtio_but_has_pci(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str, name: str
) -> None:
    # KCONFIG-FACTS: these defconfigs have PCI=y but VIRTIO_PCI, VIRTIO_NET, VIRTIO_BLK off.
    report = run_check(
        "guest", CORPUS / version / f"{name}.config", kernel_trees[version], kcheck_cache
    )
    by_symbol = {leaf.symbol: leaf for leaf in leaves(report.results)}
    assert by_symbol["PCI"].status is Status.PASS
    for symbol in ("VIRTIO_PCI", "VIRTIO_NET", "VIRTIO_BLK"):
        assert by_symbol[symbol].status is Status.FAIL, symbol
    assert report.summary.exit_code == 1
    assert report.arch == "powerpc"


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_debian_amd64_is_a_ready_guest_and_host(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str
) -> None:
    config = CORPUS / version / "debian-amd64-none.config"
    for profile in ("guest", "host-tap", "host-bridge", "host-nat"):
        report = run_check(profile, config, kernel_trees[version], kcheck_cache)
        assert report.summary.exit_code == 0, profile


@pytest.mark.parametrize("version", TREE_VERSIONS)
def test_requested_value_that_will_be_dropped_fails(
    kernel_trees: dict[str, Path], kcheck_cache: Path, version: str
) -> None:
    # tinyconfig has no VIRTIO; the perturbed copy still says CONFIG_VIRTIO_NET=y.
    config = CORPUS / version / "tinyconfig-x86_64.perturbed.config"
    assert "CONFIG_VIRTIO_NET=y\n" in config.read_text()
    report = run_check("guest", config, kernel_trees[version], kcheck_cache)
    net = next(leaf for leaf in leaves(report.results) if leaf.symbol == "VIRTIO_NET")
    assert (net.status, net.requested, net.actual) == (Status.FAIL, "y", "n")
    assert net.why is not None
    assert "will be dropped" in net.why
    assert "depends on" in net.why
