"""The kernel layer against the kernel's own C tool, on real trees (Linux 6.12 and 7.2).

For every corpus config: loading ``NAME.perturbed.config`` then ``resolved_text()`` must be
``NAME.perturbed.expected.config`` (``make olddefconfig``'s output) byte for byte, with no
compiler; ``NAME.config`` must load as a fixed point. With ``--probe`` semantics and the real
cross compiler, ``NAME.defconfig`` must give ``NAME.config``. Each is checked through both ways
a config gets loaded: from its text (kconfiglib's reader, ``load_values``) and from kcheck's
parsed assignments (``load_config``, what the CLI uses).
"""

from __future__ import annotations

import difflib
import os
import platform
import shutil
from pathlib import Path

import pytest

from kcheck.errors import TreeError
from kcheck.kernel import cache
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.kernel.tree import LoadedTree, load_tree
from tests import testdata
from tests.integration.conftest import PROBE_PATH, CorpusCase, LoadTree, corpus_cases

pytestmark = pytest.mark.shared

# The cross compiler each corpus arch was made with (corpus/README.md).
CROSS_COMPILE = {
    "x86_64": "",
    "i386": "i686-linux-gnu-",
    "arm64": "aarch64-linux-gnu-",
    "powerpc": "powerpc-linux-gnu-",
}


LOADERS = ("text", "parsed")


def _load(tree: LoadedTree, text: str, name: str, loader: str) -> None:
    if loader == "text":
        tree.load_values(text, name)
        return
    config = parse_dotconfig(ConfigInput(name, text))
    # The parsed path must really be taken (not its fallback to the text) for this to test it.
    assert tree.kconf.load_parsed(config.assignments, config.quoted)
    tree.load_config(config)


def _assert_same(got: str, want: str, what: str) -> None:
    if got != want:
        diff = "\n".join(
            difflib.unified_diff(
                want.splitlines(), got.splitlines(), "C tool", "kcheck", n=1, lineterm=""
            )
        )
        pytest.fail(f"{what} differs from the C tool:\n{diff[:4000]}")


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("case", corpus_cases(), ids=str)
def test_perturbed_resolves_like_olddefconfig(
    kc_loaded: LoadTree, case: CorpusCase, loader: str
) -> None:
    tree = kc_loaded(case.version, case.arch)
    _load(tree, case.text(".perturbed.config"), f"{case.name}.perturbed.config", loader)
    _assert_same(
        tree.resolved_text(), case.text(".perturbed.expected.config"), str(case) + " (perturbed)"
    )


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("case", corpus_cases(), ids=str)
def test_full_config_is_a_fixed_point(kc_loaded: LoadTree, case: CorpusCase, loader: str) -> None:
    tree = kc_loaded(case.version, case.arch)
    text = case.text(".config")
    _load(tree, text, f"{case.name}.config", loader)
    _assert_same(tree.resolved_text(), text, str(case))
    assert tree.dropped() == []


@pytest.mark.parametrize("case", corpus_cases(), ids=str)
def test_forced_virtio_values_are_reported_when_dropped(
    kc_loaded: LoadTree, case: CorpusCase
) -> None:
    tree = kc_loaded(case.version, case.arch)
    tree.load_values(case.text(".perturbed.config"), f"{case.name}.perturbed.config")
    expected = case.text(".perturbed.expected.config")
    for dropped in tree.dropped():
        assert tree.value(dropped.name) == dropped.actual
        assert f"CONFIG_{dropped.name}={dropped.requested}\n" not in expected


def _have(cross: str) -> bool:
    return shutil.which(f"{cross}gcc", path=PROBE_PATH) is not None


@pytest.mark.probe
@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("case", corpus_cases(with_defconfig=True), ids=str)
def test_defconfig_with_real_probes(kc_loaded: LoadTree, case: CorpusCase, loader: str) -> None:
    cross = CROSS_COMPILE[case.arch]
    if cross == "" and platform.machine() != "x86_64":
        pytest.skip("the x86_64 corpus was made with the host gcc of an x86_64 machine")
    if not _have(cross) and os.environ.get("CI") != "true":
        pytest.skip(f"{cross}gcc is not installed")
    tree = kc_loaded(case.version, case.arch, cross)
    _load(tree, case.text(".defconfig"), f"{case.name}.defconfig", loader)
    _assert_same(tree.resolved_text(), case.text(".config"), f"{case} from defconfig")


def test_cache_round_trip_and_rebuild(kc_loaded: LoadTree, tmp_path: Path) -> None:
    srctree = kc_loaded("7.2", "x86_64").srctree
    cache_dir = tmp_path / "cache"
    first = load_tree(srctree, "x86_64", cache_dir=cache_dir)
    assert not first.from_cache
    warm = load_tree(srctree, "x86_64", cache_dir=cache_dir)
    assert warm.from_cache
    case = CorpusCase("7.2", "x86_64_defconfig", "x86_64")
    warm.load_values(case.text(".perturbed.config"), "p.config")
    _assert_same(warm.resolved_text(), case.text(".perturbed.expected.config"), "cached tree")

    # A corrupted entry is detected by its checksum and rebuilt, never unpickled.
    [entry] = (cache_dir / "trees").glob("*.pickle")
    data = bytearray(entry.read_bytes())
    data[-100] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert not load_tree(srctree, "x86_64", cache_dir=cache_dir).from_cache
    assert load_tree(srctree, "x86_64", cache_dir=cache_dir).from_cache


def test_cache_follows_kconfig_contents(tmp_path: Path) -> None:
    # A private copy: this test edits the tree, which the session's copy must never see.
    srctree = testdata.unpacked_tree("6.12", tmp_path)
    cache_dir = tmp_path / "cache"
    load_tree(srctree, "arm64", cache_dir=cache_dir)
    kconfig = srctree / "drivers" / "virtio" / "Kconfig"
    # Same content, new mtime: the content hash keeps the entry.
    os.utime(kconfig, ns=(1, 1))
    assert load_tree(srctree, "arm64", cache_dir=cache_dir).from_cache
    # New content: parsed again, and the change is seen.
    kconfig.write_text(
        kconfig.read_text() + '\nconfig KCHECK_TEST_SYMBOL\n\tbool "test"\n\tdefault y\n'
    )
    tree = load_tree(srctree, "arm64", cache_dir=cache_dir)
    assert not tree.from_cache
    tree.load_values("", "empty.config")
    assert tree.value("KCHECK_TEST_SYMBOL") == "y"
    # A parse error names the file and line.
    kconfig.write_text(kconfig.read_text() + "\nconfig\n")
    with pytest.raises(TreeError) as err:
        load_tree(srctree, "arm64", cache_dir=cache_dir)
    assert err.value.path == "drivers/virtio/Kconfig"
    assert err.value.line is not None


def test_header_and_version(kc_loaded: LoadTree) -> None:
    tree = kc_loaded("7.2", "x86_64")
    assert tree.version == (7, 2, 13)
    assert tree.srcarch == "x86"
    assert tree.header() == (
        "#\n# Automatically generated file; DO NOT EDIT.\n"
        "# Linux/x86_64 7.2.13 Kernel Configuration\n#\n"
    )
    assert cache.make_key("a") != cache.make_key("b")
