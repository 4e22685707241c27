"""Profile loading: the built-ins, the positive/ and negative/ example files, and the format rules.

Each file in ``profiles/negative`` starts with ``# expect: <message>`` — the exact error,
``{dir}`` standing for that folder — and each file in ``profiles/positive`` must load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kcheck.errors import ProfileError
from kcheck.model import Expectation, Level, Location, NodeKind, Requirement, Tristate
from kcheck.profiles import builtin_profile_path, builtin_profiles, load_profile, parse_want

HERE = Path(__file__).parent / "profiles"
POSITIVE = sorted((HERE / "positive").glob("*.toml"))
NEGATIVE = sorted((HERE / "negative").glob("*.toml"))
BUILTINS = [
    "guest",
    "guest-virtio-root",
    "host",
    "host-base",
    "host-bridge",
    "host-nat",
    "host-tap",
]


def write(tmp_path: Path, text: str, name: str = "p.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def walk(requirements: tuple[Requirement, ...]) -> list[Requirement]:
    found: list[Requirement] = []
    for requirement in requirements:
        found.append(requirement)
        found.extend(walk(requirement.children))
    return found


# --- the example folders -------------------------------------------------------------------


def test_the_example_folders_are_not_empty() -> None:
    assert len(POSITIVE) >= 4
    assert len(NEGATIVE) >= 40


@pytest.mark.parametrize("path", POSITIVE, ids=[path.name for path in POSITIVE])
def test_positive_profile_loads(path: Path) -> None:
    profile = load_profile(str(path))
    assert profile.name == path.stem
    assert profile.requirements


@pytest.mark.parametrize("path", NEGATIVE, ids=[path.name for path in NEGATIVE])
def test_negative_profile_fails_with_exact_message(path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# expect: ")
    expected = first_line.removeprefix("# expect: ").replace("{dir}", str(path.parent))
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert str(caught.value) == expected
    assert caught.value.exit_code == 2


# --- built-in profiles ---------------------------------------------------------------------


def test_builtin_profiles_are_listed() -> None:
    assert builtin_profiles() == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_loads_under_its_file_name(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.path == str(builtin_profile_path(name))
    assert all(requirement.reason for requirement in walk(profile.requirements))


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_profile_documents_the_format(name: str) -> None:
    text = builtin_profile_path(name).read_text(encoding="utf-8")
    assert "# Format (see kcheck/profiles.py" in text


def test_host_is_the_bridge_scenario() -> None:
    assert [r.id for r in load_profile("host").requirements] == [
        r.id for r in load_profile("host-bridge").requirements
    ]


@pytest.mark.parametrize(
    ("name", "own"),
    [
        ("host-tap", ["tun"]),
        ("host-bridge", ["tun", "bridge"]),
        ("host-nat", ["tun", "nf-conntrack", "nf-nat", "masquerade"]),
    ],
)
def test_host_scenarios_share_the_base(name: str, own: list[str]) -> None:
    base = ["kvm-x86", "kvm-arm64", "kvm-e500mc", "kvm-e500v2", "vhost-net", "vhost-vsock"]
    assert [r.id for r in load_profile(name).requirements] == [*base, "macvtap", *own]


def test_guest_transport_never_counts_virtio_alone() -> None:
    transport = load_profile("guest").requirements[0]
    symbols = {r.symbol for r in walk(transport.children)}
    assert transport.kind is NodeKind.ANY_OF
    assert symbols == {"", "PCI", "VIRTIO_PCI", "VIRTIO_MMIO", "PCI_HOST_GENERIC"}


def test_guest_virtio_root_overrides_in_place_with_builtin_values() -> None:
    profile = load_profile("guest-virtio-root")
    blk = profile.requirements[2]
    assert blk.id == "virtio-blk"
    assert blk.expect == Expectation(text="y", allowed=(Tristate.Y,))
    wanted = {r.symbol: r.expect for r in walk(profile.requirements[0].children) if r.symbol}
    assert {symbol: e.text for symbol, e in wanted.items() if e} == {
        "PCI": "y",
        "VIRTIO_PCI": "y",
        "VIRTIO_MMIO": "y",
        "PCI_HOST_GENERIC": "y",
    }
    assert profile.requirements[-1].id == "root-fs"


def test_kvm_e500_conditions_cover_the_e500_rename() -> None:
    by_id = {r.id: r for r in load_profile("host-base").requirements}
    assert by_id["kvm-e500mc"].when == "PPC_E500MC"
    assert by_id["kvm-e500v2"].when == "(PPC_E500 || E500) && !PPC_E500MC"


# --- loading by name or path ---------------------------------------------------------------


def test_unknown_name_lists_the_builtins() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("gust")
    assert str(caught.value) == (
        "unknown profile 'gust': not a built-in profile (guest, guest-virtio-root, host, "
        "host-base, host-bridge, host-nat, host-tap) and no such file"
    )


def test_missing_path_names_the_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ProfileError) as caught:
        load_profile(missing)
    assert str(caught.value) == f"{missing}: no such profile file"


def test_builtin_profile_path_rejects_unknown_names() -> None:
    with pytest.raises(ProfileError) as caught:
        builtin_profile_path("nope")
    assert str(caught.value).startswith("unknown profile 'nope' (built-in profiles: guest, ")


# --- what a loaded requirement looks like --------------------------------------------------

MINIMAL = """\
[profile]
name = "p"

[[requirement]]
symbol = "VIRTIO_NET"
reason = "the NIC"
"""


def test_symbol_requirement_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert load_profile(path).requirements == (
        Requirement(
            id="virtio-net",
            kind=NodeKind.SYMBOL,
            level=Level.REQUIRED,
            reason="the NIC",
            location=Location(path, 4),
            symbol="VIRTIO_NET",
            expect=Expectation(text="y|m", allowed=(Tristate.Y, Tristate.M)),
        ),
    )


def test_profile_header_fields(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace('name = "p"', 'name = "p"\ndescription = "d"'))
    profile = load_profile(path)
    assert (profile.name, profile.description, profile.path, profile.extends) == (
        "p",
        "d",
        path,
        (),
    )


GROUP = """\
[profile]
name = "p"

[[requirement]]
id = "transport"
section = "Virtio transport"
level = "recommended"
reason = "a transport"

  [[requirement.any_of]]
  symbol = "VIRTIO_MMIO"
  arch = ["arm64"]

  [[requirement.any_of]]
  id = "pci"
  reason = "PCI"
  when = "PCI"

    [[requirement.any_of.all_of]]
    symbol = "VIRTIO_PCI"
    aliases = ["VIRTIO_PCI_OLD"]
    want = "y"
"""


def test_group_members_inherit_level_section_and_reason(tmp_path: Path) -> None:
    path = write(tmp_path, GROUP)
    (transport,) = load_profile(path).requirements
    mmio, pci = transport.children
    assert (mmio.id, mmio.level, mmio.section, mmio.reason, mmio.arch, mmio.location.line) == (
        "transport/virtio-mmio",
        Level.RECOMMENDED,
        "Virtio transport",
        "a transport",
        ("arm64",),
        10,
    )
    assert (pci.id, pci.kind, pci.reason, pci.when) == (
        "transport/pci",
        NodeKind.ALL_OF,
        "PCI",
        "PCI",
    )


def test_nested_member_ids_are_paths(tmp_path: Path) -> None:
    path = write(tmp_path, GROUP)
    (transport,) = load_profile(path).requirements
    (virtio_pci,) = transport.children[1].children
    assert (virtio_pci.id, virtio_pci.aliases, virtio_pci.reason, virtio_pci.location.line) == (
        "transport/pci/virtio-pci",
        ("VIRTIO_PCI_OLD",),
        "PCI",
        19,
    )


def test_extends_puts_inherited_requirements_first(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL, "parent.toml")
    child = write(
        tmp_path,
        '[profile]\nname = "c"\nextends = ["parent.toml"]\n\n'
        '[[requirement]]\nsymbol = "TUN"\nreason = "tap"\n',
        "child.toml",
    )
    profile = load_profile(child)
    assert [r.id for r in profile.requirements] == ["virtio-net", "tun"]
    assert profile.extends == ("parent.toml",)


def test_diamond_extends_includes_the_shared_parent_once() -> None:
    profile = load_profile(str(HERE / "positive" / "diamond.toml"))
    assert [r.id for r in profile.requirements] == ["tun", "bridge", "nf-nat"]


def test_override_replaces_in_place() -> None:
    profile = load_profile(str(HERE / "positive" / "extends-builtin.toml"))
    ids = [r.id for r in profile.requirements]
    assert ids == [r.id for r in load_profile("guest").requirements]
    net = profile.requirements[ids.index("virtio-net")]
    assert (net.reason, net.expect) == (
        "built in for nfsroot",
        Expectation(text="y", allowed=(Tristate.Y,)),
    )


# --- want ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y", Expectation("y", allowed=(Tristate.Y,))),
        ("m", Expectation("m", allowed=(Tristate.M,))),
        ("n", Expectation("n", allowed=(Tristate.N,))),
        ("y|m", Expectation("y|m", allowed=(Tristate.Y, Tristate.M))),
        (" m | n ", Expectation("m | n", allowed=(Tristate.M, Tristate.N))),
        (">= 4", Expectation(">= 4", op=">=", operand="4")),
        ("<5", Expectation("<5", op="<", operand="5")),
        ("== -1", Expectation("== -1", op="==", operand="-1")),
        ("!= 0x10", Expectation("!= 0x10", op="!=", operand="0x10")),
        ('== "a b"', Expectation('== "a b"', op="==", operand="a b")),
        ('"text"', Expectation('"text"', op="==", operand="text")),
        ('"say \\"hi\\""', Expectation('"say \\"hi\\""', op="==", operand='say "hi"')),
    ],
)
def test_parse_want(text: str, expected: Expectation) -> None:
    assert parse_want(text, path="p.toml", line=3) == expected


@pytest.mark.parametrize("text", ["", "yes", "Y", "y||m", ">= four", "== text", "5", "=< 5"])
def test_parse_want_rejects(text: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_want(text, path="p.toml", line=3)
    assert str(caught.value).startswith(f"p.toml:3: bad want {text!r}: ")
