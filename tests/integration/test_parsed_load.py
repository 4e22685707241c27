"""Loading a parsed config (``LoadedTree.load_config``) leaves the tree exactly as loading its
text with kconfiglib's reader (``load_values``) does, on the real 6.12 and 7.2 trees.

The resolved .config is compared by the corpus tests against the C tool; here the whole loaded
state is compared too (user values, choice modes and selections, the v6.11 choice priority
lists, undefined names, pinned probe answers), and the inputs the parsed path must not take
itself (kconfiglib would warn about them) are shown to give the same state through the text.
"""

from __future__ import annotations

from typing import Any

import pytest

from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig
from kcheck.kernel.tree import LoadedTree
from tests.integration.conftest import CorpusCase, LoadTree, corpus_cases

pytestmark = pytest.mark.shared


def _state(tree: LoadedTree) -> dict[str, Any]:
    kconf = tree.kconf
    return {
        "resolved": tree.resolved_text(),
        "user": {sym.name: sym.user_value for sym in kconf.unique_defined_syms},
        "choices": [
            (
                choice.user_value,
                None if choice.user_selection is None else choice.user_selection.name,
                [sym.name for sym in kconf.choice_priority[choice]],
            )
            for choice in kconf.unique_choices
        ],
        "missing": [name for name, _ in kconf.missing_syms],
        "pinned": dict(tree.pinned),
        "dropped": tree.dropped(),
        "probes_from_config": tree.probes_from_config,
    }


def _both_ways(tree: LoadedTree, text: str, name: str) -> tuple[dict[str, Any], bool]:
    """The state after loading the text, and after loading it parsed (and whether the parsed
    path was taken rather than its fallback)."""
    tree.load_values(text, name)
    from_text = _state(tree)
    config = parse_dotconfig(ConfigInput(name, text))
    taken = not config.repeated and tree.kconf.load_parsed(config.assignments, config.quoted)
    tree.load_values("CONFIG_NOT_A_SYMBOL=y\n", "other.config")  # start from another state
    tree.load_config(config)
    return from_text, taken


@pytest.mark.parametrize("suffix", [".config", ".perturbed.config"])
@pytest.mark.parametrize("case", corpus_cases(), ids=str)
def test_corpus_loads_the_same_parsed(kc_loaded: LoadTree, case: CorpusCase, suffix: str) -> None:
    tree = kc_loaded(case.version, case.arch)
    text = case.text(suffix)
    from_text, taken = _both_ways(tree, text, case.name + suffix)
    assert taken
    assert _state(tree) == from_text


# Lines appended to x86_64_defconfig.config; each is something kconfiglib warns about or where
# the order of assignments matters, so the parsed path hands the text to kconfiglib.
FALLBACKS = {
    "repeated symbol": "CONFIG_NET=n\n",
    "bool written as yes": "CONFIG_NET=yes\n",
    "m for a bool": "CONFIG_NET=m\n",
    "quoted bool": 'CONFIG_VIRTIO_NET="y"\n',
    "quoted int": 'CONFIG_NR_CPUS="8"\n',
    "int that is not a number": "CONFIG_LOG_BUF_SHIFT=big\n",
    "unquoted string": "CONFIG_DEFAULT_HOSTNAME=box\n",
    "string not set": "# CONFIG_DEFAULT_HOSTNAME is not set\n",
    "m for a choice member": "CONFIG_HZ_1000=m\n",
}


@pytest.mark.parametrize("extra", FALLBACKS.values(), ids=FALLBACKS.keys())
@pytest.mark.parametrize("version", ["6.12", "7.2"])
def test_inputs_kconfiglib_warns_about_fall_back_to_the_text(
    kc_loaded: LoadTree, version: str, extra: str
) -> None:
    case = CorpusCase(version, "x86_64_defconfig", "x86_64")
    base = case.text(".config")
    # Drop the symbol's own line so that only the repeated-symbol case assigns it twice.
    name = extra.split("=", maxsplit=1)[0].removeprefix("# ").split(" ")[0]
    kept = "".join(
        line
        for line in base.splitlines(keepends=True)
        if not line.startswith((name + "=", f"# {name} is not set"))
    )
    if extra.startswith("CONFIG_NET=n"):
        kept = base
    tree = kc_loaded(version, "x86_64")
    from_text, taken = _both_ways(tree, kept + extra, "x.config")
    assert not taken
    assert _state(tree) == from_text


def test_choice_selection_follows_the_last_member_set(kc_loaded: LoadTree) -> None:
    """Two members of one choice set to y: the later line wins, through either path."""
    case = CorpusCase("6.12", "x86_64_defconfig", "x86_64")
    base = case.text(".config")
    for order in (("HZ_250", "HZ_1000"), ("HZ_1000", "HZ_250")):
        lines = [
            line
            for line in base.splitlines(keepends=True)
            if not any(
                f"CONFIG_{member} " in line or f"CONFIG_{member}=" in line for member in order
            )
        ]
        text = "".join(lines) + "".join(f"CONFIG_{member}=y\n" for member in order)
        tree = kc_loaded("6.12", "x86_64")
        from_text, taken = _both_ways(tree, text, "x.config")
        assert taken
        assert _state(tree) == from_text
        assert tree.value(order[1]) == "y"
        assert tree.value(order[0]) == "n"
