"""The hardened input path: bad configs, profiles, trees and caches, one case per line.

A bad input exits 2 with one ``kcheck: error: FILE[:LINE]: ...`` line on stderr (progress
notes such as "parsing the Kconfig tree" may come before it), nothing on stdout, no
traceback, and no file written. What the kernel accepts (CRLF, duplicate assignments, unknown
symbols) is accepted with a warning where the kernel's tools give one, and a corrupt cache is
rebuilt with a notice.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from kcheck.kernel.dotconfig import MAX_LINE_CHARS
from tests.cli.conftest import Invoke, Run

PROGRESS = re.compile(r"kcheck: (parsing the Kconfig tree|the cached Kconfig tree) ")

GOOD = "# Linux/x86_64 6.12.0 Kernel Configuration\nCONFIG_X86_64=y\nCONFIG_VIRTIO_NET=y\n"

PROFILE = """\
[profile]
name = "mini"
description = "one requirement"

[[requirement]]
symbol = "VIRTIO_NET"
reason = "the guest's NIC"
"""

TREE = {
    "Makefile": "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n",
    "Kconfig": 'mainmenu "tiny"\nsource "arch/$(SRCARCH)/Kconfig"\n',
    "arch/x86/Kconfig": (
        'config X86_64\n\tdef_bool y\n\nconfig MODULES\n\tbool "modules"\n\tmodules\n\n'
        'config VIRTIO_NET\n\ttristate "virtio-net"\n'
    ),
}


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def listing(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if "cache" not in p.relative_to(root).parts}


def assert_input_error(run: Run, pattern: str) -> None:
    """Exit 2, nothing on stdout, one error line matching ``pattern``, no traceback."""
    assert (run.code, run.out) == (2, ""), run.err
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    errors = [line for line in lines if not PROGRESS.match(line)]
    assert len(errors) == 1, lines
    assert re.fullmatch("kcheck: error: " + pattern, errors[0]), errors[0]


# --------------------------------------------------------------------------------------------
# Configs


def _write(content: str | bytes) -> Callable[[Path], Path]:
    def setup(path: Path) -> Path:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return setup


def _sparse_100mb(path: Path) -> Path:
    with path.open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    return path


def _gzip_bomb(path: Path) -> Path:
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"# " + b"x" * (1024 * 1024 - 3) + b"\n"
    data = b"".join(compressor.compress(chunk) for _ in range(100)) + compressor.flush()
    path.write_bytes(data)
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


def _missing(path: Path) -> Path:
    return path


_GZ = gzip.compress(GOOD.encode())

DIRECTORY_OF_NONE = (
    r"{p}: a directory with no kernel configs in it "
    r"\(\.config, \*\.config, \*defconfig, config-\*\)"
)

CONFIG_CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing file": (_missing, "{p}: no such file"),
    "directory": (_directory, "{p}: is a directory, not a kernel config"),
    "empty file": (_write(""), "{p}: empty file; expected a kernel config"),
    "blank lines only": (_write("\n  \n\n"), "{p}: empty file; expected a kernel config"),
    "comments only": (
        _write("# just a comment\n"),
        "{p}: no CONFIG_ assignments found; not a kernel config",
    ),
    "NUL byte": (_write(b"CONFIG_A=y\nCONFIG_B=\0\n"), r"{p}:2: binary data \(NUL byte\); .*"),
    "ELF binary": (_write(b"\x7fELF\x02\x01\x01\0\0\0"), r"{p}:1: binary data \(NUL byte\); .*"),
    "invalid UTF-8": (
        _write(b"CONFIG_A=y\nCONFIG_B=\xff\xfe\n"),
        "{p}:2: invalid UTF-8 at byte 20",
    ),
    "Latin-1 string": (
        _write(b'CONFIG_A=y\nCONFIG_S="caf\xe9"\n'),
        "{p}:2: invalid UTF-8 at byte 24",
    ),
    "very long line": (
        _write('CONFIG_A=y\nCONFIG_S="' + "x" * (2 * MAX_LINE_CHARS) + '"\n'),
        r"{p}:2: line is 131083 characters long \(at most 65536\); not a kernel config",
    ),
    "100 MB file": (_sparse_100mb, "{p}: larger than 16 MiB; not a kernel config"),
    "100 MB inside gzip": (_gzip_bomb, "{p}: larger than 16 MiB; not a kernel config"),
    "truncated gzip": (_write(_GZ[: len(_GZ) // 2]), r"{p}: truncated gzip data \(.*\)"),
    "corrupt gzip": (_write(b"\x1f\x8b\x08\0garbage" * 10), "{p}: corrupt gzip data: .*"),
    "CONFIG_ without a name": (_write("CONFIG_A=y\nCONFIG_=y\n"), "{p}:2: not a config line: .*"),
    "no equals sign": (_write("CONFIG_A=y\nCONFIG_B y\n"), "{p}:2: not a config line: .*"),
    "lower-case prefix": (_write("CONFIG_A=y\nconfig_b=y\n"), "{p}:2: not a config line: .*"),
    "dash in the name": (_write("CONFIG_A=y\nCONFIG-B=y\n"), "{p}:2: not a config line: .*"),
    "empty value": (_write("CONFIG_A=y\nCONFIG_B=\n"), "{p}:2: malformed value ''"),
    "value with a blank": (_write("CONFIG_A=y\nCONFIG_B=y m\n"), "{p}:2: malformed value 'y m'"),
    "unterminated string": (_write('CONFIG_A=y\nCONFIG_S="open\n'), "{p}:2: unterminated .*"),
    "text after a string": (
        _write('CONFIG_A=y\nCONFIG_S="x" y\n'),
        "{p}:2: text after the closing quote",
    ),
    "shell script": (
        _write("#!/bin/sh\necho hello\n"),
        "{p}:2: not a config line: 'echo hello' .*",
    ),
    "a Kconfig file": (_write('config A\n\tbool "a"\n'), "{p}:1: not a config line: .*"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config(kcheck: Invoke, tmp_path: Path, case: str) -> None:
    setup, pattern = CONFIG_CASES[case]
    config = setup(tmp_path / "bad.config")
    before = listing(tmp_path)
    # guest, host and check also read directories of configs: an empty one is an error too.
    guest_pattern = pattern if case != "directory" else DIRECTORY_OF_NONE
    assert_input_error(kcheck("guest", str(config)), guest_pattern.format(p=re.escape(str(config))))
    out = tmp_path / "out.config"
    run = kcheck("resolve", str(config), "-o", str(out))
    assert_input_error(run, pattern.format(p=re.escape(str(config))))
    assert listing(tmp_path) == before  # nothing written, not even -o


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", "<stdin>: empty file; expected a kernel config"),
        (b"CONFIG_A=y\n\0", r"<stdin>:2: binary data \(NUL byte\); not a kernel config"),
        (b"\xc3\x28", "<stdin>:1: invalid UTF-8 at byte 0"),
        (b"CONFIG_A=y\ngarbage\n", "<stdin>:2: not a config line: 'garbage' .*"),
    ],
)
def test_bad_stdin(kcheck: Invoke, data: bytes, pattern: str) -> None:
    assert_input_error(kcheck("guest", "-", input=data), pattern)


# --------------------------------------------------------------------------------------------
# What the kernel accepts


def test_crlf_is_accepted_like_lf(kcheck: Invoke, tmp_path: Path) -> None:
    (tmp_path / "lf.config").write_text(GOOD)
    (tmp_path / "crlf.config").write_bytes(GOOD.replace("\n", "\r\n").encode())
    lf = kcheck("guest", str(tmp_path / "lf.config"), "--format", "json")
    crlf = kcheck("guest", str(tmp_path / "crlf.config"), "--format", "json")
    assert crlf.code in (0, 1)
    assert "error" not in crlf.err
    assert (crlf.code, crlf.out.replace("crlf.config", "lf.config")) == (lf.code, lf.out)


def test_duplicate_assignment_last_wins_with_a_warning(kcheck: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "dup.config"
    config.write_text(GOOD + "# CONFIG_VIRTIO_NET is not set\n")
    (tmp_path / "mini.toml").write_text(PROFILE)
    run = kcheck("check", "--profile", str(tmp_path / "mini.toml"), str(config))
    assert run.code == 1  # the last assignment (n) wins, as in the kernel
    assert (
        f"kcheck: warning: {config}:4: CONFIG_VIRTIO_NET assigned again (was 'y' on line 3); "
        "the last assignment wins\n"
    ) in run.err


def test_unknown_symbol_is_a_warning(kcheck: Invoke, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    config = tmp_path / "x.config"
    config.write_text(GOOD + "CONFIG_NO_SUCH_THING=y\n")
    run = kcheck("guest", str(config), "--tree", str(tree), "--no-cache")
    assert run.code in (0, 1)
    assert (
        f"kcheck: warning: {config}: 1 symbol(s) not defined in this tree, ignored: "
        "CONFIG_NO_SUCH_THING (line 4)\n"
    ) in run.err


# --------------------------------------------------------------------------------------------
# Profiles

HEADER = '[profile]\nname = "p"\ndescription = "d"\n'
REQ = '[[requirement]]\nsymbol = "VIRTIO_NET"\nreason = "r"\n'

PROFILE_CASES: dict[str, tuple[dict[str, str | bytes], str]] = {
    "bad TOML": (
        {"p.toml": HEADER + '[[requirement]\nsymbol = "A"\n'},
        "{p}:4: invalid TOML: .*",
    ),
    "unknown key": (
        {"p.toml": HEADER + REQ + "colour = 1\n"},
        r"{p}:7: unknown key 'colour' \(.*\)",
    ),
    "unknown level": (
        {"p.toml": HEADER + REQ + 'level = "mandatory"\n'},
        r"{p}:7: bad level 'mandatory' \(expected required, recommended or optional\)",
    ),
    "bad when": (
        {"p.toml": HEADER + REQ + 'when = "PCI && (X86"\n'},
        "{p}:7: bad when 'PCI && \\(X86': .*",
    ),
    "extends itself": (
        {"p.toml": HEADER + 'extends = ["p.toml"]\n' + REQ},
        "{p}:4: extends cycle: {p} -> {p}",
    ),
    "extends cycle": (
        {
            "p.toml": HEADER + 'extends = ["q.toml"]\n' + REQ,
            "q.toml": HEADER.replace('"p"', '"q"') + 'extends = ["p.toml"]\n' + REQ,
        },
        "{q}:4: extends cycle: {p} -> {q} -> {p}",
    ),
    "extends a missing file": (
        {"p.toml": HEADER + 'extends = ["gone.toml"]\n' + REQ},
        "{p}:4: extends 'gone.toml': no such file .*",
    ),
    "invalid UTF-8": ({"p.toml": HEADER.encode() + b"# \xff\n"}, "{p}:4: invalid UTF-8 at byte 41"),
    "empty": ({"p.toml": ""}, r"{p}:1: missing \[profile\] table"),
}


@pytest.mark.parametrize("case", sorted(PROFILE_CASES))
def test_bad_profile(kcheck: Invoke, tmp_path: Path, case: str) -> None:
    files, pattern = PROFILE_CASES[case]
    make_tree(tmp_path, files)
    (tmp_path / "x.config").write_text(GOOD)
    p, q = (re.escape(str(tmp_path / name)) for name in ("p.toml", "q.toml"))
    run = kcheck("check", "--profile", str(tmp_path / "p.toml"), str(tmp_path / "x.config"))
    assert_input_error(run, pattern.format(p=p, q=q))


def test_profile_that_is_missing_or_a_directory(kcheck: Invoke, tmp_path: Path) -> None:
    (tmp_path / "x.config").write_text(GOOD)
    (tmp_path / "dir.toml").mkdir()
    for name, message in (
        ("gone.toml", "no such profile file"),
        ("dir.toml", "is a directory, not a profile file"),
    ):
        run = kcheck("check", "--profile", str(tmp_path / name), str(tmp_path / "x.config"))
        assert_input_error(run, re.escape(f"{tmp_path / name}: {message}"))
    run = kcheck("check", "--profile", "no-such-builtin", str(tmp_path / "x.config"))
    assert_input_error(run, "unknown profile 'no-such-builtin': .*")


# --------------------------------------------------------------------------------------------
# Trees

X86 = "arch/x86/Kconfig"
TREE_CASES: dict[str, tuple[dict[str, str | bytes | None], str]] = {
    "Kconfig syntax error": (
        {X86: TREE[X86] + "\tdepends on (PCI\n"},
        rf"{X86}:10: couldn't parse 'depends on \(PCI': malformed expression",
    ),
    "unknown keyword": ({X86: TREE[X86] + "\tfrobnicate\n"}, rf"{X86}:10: .*frobnicate.*"),
    "missing sourced file": (
        {X86: TREE[X86] + 'source "drivers/Kconfig"\n'},
        rf"{X86}:10: 'drivers/Kconfig' not found \(in 'source \"drivers/Kconfig\"'\)",
    ),
    "source of itself": (
        {X86: TREE[X86] + f'source "{X86}"\n'},
        rf"{X86}:10: recursive 'source' of '{X86}' \(include path: Kconfig:2 -> {X86}:10\)",
    ),
    "recursive source": (
        {X86: TREE[X86] + 'source "a/K1"\n', "a/K1": 'source "a/K2"\n', "a/K2": 'source "a/K1"\n'},
        r"a/K2:1: recursive 'source' of 'a/K1' \(include path: Kconfig:2 -> .* -> a/K2:1\)",
    ),
    "invalid UTF-8 in a Kconfig file": (
        {X86: TREE[X86].encode() + b"# caf\xe9\n"},
        rf"{X86}:10: invalid UTF-8 at byte \d+",
    ),
    # What is really missing is named (a Kconfig and a Makefile alone are not a tree).
    "no Kconfig": ({"Kconfig": None}, r"{t}: not a kernel source tree \(no Kconfig\)"),
    "no arch/": ({X86: None}, r"{t}: not a kernel source tree \(no arch/\)"),
    "no Kconfig, no arch/": (
        {"Kconfig": None, X86: None},
        r"{t}: not a kernel source tree \(no Kconfig and no arch/\)",
    ),
    "no Makefile": ({"Makefile": None}, r"{t}: not a kernel source tree \(no readable Makefile\)"),
    "no version in the Makefile": (
        {"Makefile": "# not the kernel's\n"},
        r"{t}/Makefile: not a kernel source tree \(no VERSION/PATCHLEVEL in the top Makefile\)",
    ),
}


@pytest.mark.parametrize("case", sorted(TREE_CASES))
def test_bad_tree(kcheck: Invoke, tmp_path: Path, case: str) -> None:
    changes, pattern = TREE_CASES[case]
    files = {k: v for k, v in {**TREE, **changes}.items() if v is not None}
    tree = make_tree(tmp_path / "tree", files)
    (tmp_path / "x.config").write_text(GOOD)
    before = listing(tmp_path)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = kcheck("guest", str(tmp_path / "x.config"), "--tree", str(tree), env=env)
    assert_input_error(run, pattern.replace("{t}", re.escape(str(tree))))
    assert listing(tmp_path) == before
    assert not list((tmp_path / "cache").rglob("*.pickle"))  # a failed parse is not cached


@pytest.mark.parametrize("arch", ["arm64", "powerpc"])
def test_arch_the_tree_lacks(kcheck: Invoke, tmp_path: Path, arch: str) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    (tmp_path / "x.config").write_text("CONFIG_VIRTIO_NET=y\n")  # no arch of its own
    run = kcheck("guest", str(tmp_path / "x.config"), "--tree", str(tree), "--arch", arch)
    assert_input_error(run, re.escape(f"{tree}: no arch/{arch}/Kconfig in this tree"))


@pytest.mark.parametrize("arch", ["arm64", "powerpc"])
def test_arch_other_than_the_configs(kcheck: Invoke, tmp_path: Path, arch: str) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    (tmp_path / "x.config").write_text(GOOD)
    run = kcheck("guest", str(tmp_path / "x.config"), "--tree", str(tree), "--arch", arch)
    assert_input_error(
        run,
        re.escape(f"{tmp_path / 'x.config'}: this config is for x86_64 (CONFIG_X86_64=y on line ")
        + r"\d+"
        + re.escape(
            f"), not for --arch {arch}; leave --arch out, or give a config for that architecture"
        ),
    )


def test_config_arch_the_tree_lacks(kcheck: Invoke, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    config = tmp_path / "arm.config"
    config.write_text("# Linux/arm64 6.12.0 Kernel Configuration\nCONFIG_ARM64=y\n")
    run = kcheck("guest", str(config), "--tree", str(tree))
    assert_input_error(run, re.escape(f"{tree}: no arch/arm64/Kconfig in this tree"))


# --------------------------------------------------------------------------------------------
# The cache


def _truncate(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:100])


def _empty(entry: Path) -> None:
    entry.write_bytes(b"")


def _garbage(entry: Path) -> None:
    entry.write_bytes(os.urandom(4096))


def _directory_entry(entry: Path) -> None:
    entry.unlink()
    entry.mkdir()
    (entry / "x").touch()


CACHE_DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": _truncate,
    "empty": _empty,
    "garbage": _garbage,
    "a directory": _directory_entry,
}


def kcheck_process(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """A real process: the in-process tree reuse must not hide the cache on disk."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "kcheck", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("damage", sorted(CACHE_DAMAGE))
def test_damaged_cache_is_rebuilt_with_a_notice(tmp_path: Path, damage: str) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    (tmp_path / "x.config").write_text(GOOD)
    argv = ("guest", str(tmp_path / "x.config"), "--tree", str(tree), "--format", "json")
    cache = tmp_path / "cache"
    first = kcheck_process(*argv, cache=cache)
    assert first.returncode in (0, 1), first.stderr
    (entry,) = cache.rglob("*.pickle")
    CACHE_DAMAGE[damage](entry)
    second = kcheck_process(*argv, cache=cache)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    assert f"kcheck: the cached Kconfig tree {entry} is " in second.stderr
    assert "; parsing the tree again\n" in second.stderr
    assert "error" not in second.stderr
    assert "Traceback" not in second.stderr


def test_cache_home_that_is_a_file(kcheck: Invoke, tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree", dict(TREE))
    (tmp_path / "x.config").write_text(GOOD)
    (tmp_path / "not-a-dir").write_text("")
    argv = ("guest", str(tmp_path / "x.config"), "--tree", str(tree), "--format", "json")
    run = kcheck_process(*argv, cache=tmp_path / "not-a-dir")
    assert run.returncode in (0, 1), run.stderr
    assert run.stdout == kcheck(*argv, "--no-cache").out
    assert "error" not in run.stderr
    assert "Traceback" not in run.stderr
