"""QEMU command lines and command files -> VmDefinition: option syntax, quoting, positions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kcheck.errors import InputError
from kcheck.qemu import parse_command_file, parse_command_line, read_command_file
from kcheck.qemu.cmdline import split_options
from kcheck.qemu.definition import Backend, Device, Drive, Nic

PPCE500 = (
    "qemu-system-ppc -M ppce500 -cpu e500mc -m 256 -nographic -kernel uImage "
    "-net nic,model=virtio,macaddr=00:0B:5D:99:82:2B -net tap,ifname=tap0,script=qemu-ifup"
)


@pytest.mark.parametrize(
    ("text", "implied", "expected"),
    [
        ("tap,id=n0", "type", [("type", "tap"), ("id", "n0")]),
        ("type=q35,accel=kvm", "type", [("type", "q35"), ("accel", "kvm")]),
        ("file=a,,b.img,if=virtio", "file", [("file", "a,b.img"), ("if", "virtio")]),
        ("a,,b,,,c", "file", [("file", "a,b,"), ("c", "on")]),
        ("e500mc,feature=on", "model", [("model", "e500mc"), ("feature", "on")]),
        ("user,", "type", [("type", "user")]),
        ("x=", "type", [("x", "")]),
    ],
)
def test_split_options(text: str, implied: str, expected: list[tuple[str, str]]) -> None:
    assert split_options(text, implied) == expected


def test_the_classic_ppce500_line() -> None:
    vm = parse_command_line(PPCE500.split())
    assert (vm.binary, vm.machine, vm.machine_origin) == (
        "qemu-system-ppc",
        "ppce500",
        "-M ppce500",
    )
    assert (vm.cpu, vm.cpu_origin) == ("e500mc", "-cpu e500mc")
    assert vm.nics == (Nic(model="virtio", origin="-net nic,model=virtio"),)
    assert vm.backends == (
        Backend(type="tap", origin="-net tap", hub=True, scripts=("qemu-ifup",)),
    )
    assert vm.console_outputs == ("-nographic",)
    assert vm.kernel == "uImage"
    assert not vm.default_network
    assert vm.warnings == ()


def test_double_dash_machine_type_key_and_accel_list() -> None:
    vm = parse_command_line(
        ["/usr/bin/qemu-system-x86_64", "--machine", "type=q35,accel=kvm:tcg", "-enable-kvm"]
    )
    assert vm.binary == "qemu-system-x86_64"
    assert (vm.machine, vm.machine_origin) == ("q35", "-machine q35")
    assert vm.accel == ("kvm", "tcg")
    assert vm.accel_origin == "-machine accel=kvm:tcg, -enable-kvm"


def test_nic_pairs_back_end_and_card() -> None:
    vm = parse_command_line(["qemu-system-x86_64", "-nic", "user,model=virtio-net-pci"])
    (backend,) = vm.backends
    assert (backend.type, backend.origin, backend.hub) == ("user", "-nic user", False)
    assert vm.nics == (Nic("virtio-net-pci", "-nic user,model=virtio-net-pci", backend.id),)


def test_netdev_and_device() -> None:
    vm = parse_command_line(
        [
            "qemu-system-x86_64",
            "-netdev",
            "tap,id=n0,vhost=on,script=/etc/up,downscript=no",
            "-device",
            "virtio-net-pci,netdev=n0",
            "-drive",
            "if=none,id=d0",
            "-device",
            "virtio-blk-pci,drive=d0",
            "-virtfs",
            "local,path=/srv,mount_tag=share,security_model=none",
        ]
    )
    assert vm.backends == (
        Backend(type="tap", origin="-netdev tap", id="n0", vhost=True, scripts=("/etc/up",)),
    )
    assert vm.devices == (
        Device("virtio-net-pci", "-device virtio-net-pci", netdev="n0"),
        Device("virtio-blk-pci", "-device virtio-blk-pci"),
        Device("virtio-9p", "-virtfs local"),
    )
    assert vm.drives == (Drive("none", "-drive if=none"),)


def test_default_network_and_nodefaults() -> None:
    assert parse_command_line(["qemu-system-x86_64", "-m", "1G"]).default_network
    assert not parse_command_line(["qemu-system-x86_64", "-nodefaults"]).default_network
    assert not parse_command_line(["qemu-system-x86_64", "-nic", "none"]).default_network


def test_bare_argument_is_the_first_disk() -> None:
    vm = parse_command_line(["qemu-system-x86_64", "disk.img", "-hdb", "b.img"])
    assert vm.drives == (Drive("", "disk.img"), Drive("", "-hdb b.img"))


def test_serial_stdio_is_a_console_output() -> None:
    vm = parse_command_line(["qemu-system-x86_64", "-serial", "mon:stdio", "-serial", "pty"])
    assert vm.console_outputs == ("-serial mon:stdio",)


def test_unknown_option_is_a_warning_not_an_error() -> None:
    vm = parse_command_line(["qemu-system-x86_64", "-frobnicate", "yes", "-m", "1G", "-zap"])
    assert vm.warnings == (
        "argument 1 (-frobnicate): unknown QEMU option, ignored with its value 'yes'",
        "argument 5 (-zap): unknown QEMU option, ignored",
    )


def test_unknown_program_is_a_warning() -> None:
    vm = parse_command_line(["qemu-system-mips", "-M", "malta"])
    assert vm.warnings == (
        "argument 0 (qemu-system-mips): not a QEMU program kcheck knows; guest arch unknown",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "no command: expected a QEMU command line"),
        (["-M", "pc"], "argument 0 (-M): expected the QEMU program"),
        (["qemu-system-ppc", "-M"], "argument 1 (-M): needs a value"),
        (
            ["qemu-system-ppc", "-m", "1G", "-netdev", "id=n0"],
            "argument 3 (-netdev): no back-end type",
        ),
        (["qemu-system-ppc", "-net", ",model=virtio"], "argument 1 (-net): no type"),
        (["qemu-system-ppc", "-nic", "user,=x"], "argument 1 (-nic): empty key in 'user,=x'"),
        (["qemu-system-ppc", "-device", "netdev=n0"], "argument 1 (-device): no device named"),
        (["qemu-system-ppc", "-cpu", ""], "argument 1 (-cpu): no CPU model named"),
        (["qemu-system-ppc", "-accel", "thread=single"], "argument 1 (-accel): no accelerator"),
        (["qemu-system-ppc", "-M", "ppce500,accel=kvm::tcg"], "argument 1 (-M): empty accelerator"),
    ],
)
def test_bad_command_lines(argv: list[str], message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_command_line(argv)
    assert caught.value.location_message().startswith(message)
    assert caught.value.exit_code == 2


SCRIPT = """#!/bin/sh
# boot the e500 guest; don't forget the "bridge"
set -e
KERNEL=uImage
exec env QEMU_AUDIO_DRV=none qemu-system-ppc -M ppce500 -cpu e500mc \\
  -m 256 -nographic -kernel "$KERNEL" \\
  -append 'console=ttyS0 root=/dev/vda' \\
  -drive file="my disk.img",,raw,if=virtio \\
  -net nic,model=virtio -net tap,ifname=tap0,script=qemu-ifup # the tap
echo "done; really" ; ls
"""


def test_command_file_quoting_continuations_comments(tmp_path: Path) -> None:
    script = tmp_path / "run-guest.sh"
    script.write_text(SCRIPT)
    argv, lines = read_command_file(str(script))
    assert argv[:5] == ["qemu-system-ppc", "-M", "ppce500", "-cpu", "e500mc"]
    assert argv[argv.index("-kernel") + 1] == "$KERNEL"  # no expansion: the word as written
    assert argv[argv.index("-append") + 1] == "console=ttyS0 root=/dev/vda"
    assert argv[argv.index("-drive") + 1] == "file=my disk.img,,raw,if=virtio"
    assert argv[-1] == "tap,ifname=tap0,script=qemu-ifup"
    assert lines[0] == 5
    assert lines[argv.index("-append")] == 7
    assert lines[len(argv) - 1] == 9
    vm = parse_command_file(str(script))
    assert vm.drives == (Drive("virtio", "-drive if=virtio"),)
    assert vm.base_dir == str(tmp_path)


def test_command_file_errors_name_the_line(tmp_path: Path) -> None:
    script = tmp_path / "run-guest.sh"
    script.write_text("qemu-system-ppc -M ppce500 \\\n  -m 256 \\\n  -netdev id=n0\n")
    with pytest.raises(InputError) as caught:
        parse_command_file(str(script))
    assert caught.value.location_message() == (
        f"{script}:3: argument 5 (-netdev): no back-end type (e.g. -netdev user,id=n0)"
    )


def test_command_file_warnings_name_the_line(tmp_path: Path) -> None:
    script = tmp_path / "vm.sh"
    script.write_text("qemu-system-x86_64 \\\n  -frobnicate\n")
    assert parse_command_file(str(script)).warnings == (
        f"{script}:2: argument 1 (-frobnicate): unknown QEMU option, ignored",
    )


def test_command_file_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"qemu-system-aarch64 -M virt\n"), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert read_command_file("-") == (["qemu-system-aarch64", "-M", "virt"], {0: 1, 1: 1, 2: 1})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("echo hello\nls\n", "no QEMU command (qemu-system-...) found in the file"),
        (
            "qemu-system-ppc -append 'console=ttyS0\n",
            "cannot read the command: No closing quotation",
        ),
    ],
)
def test_bad_command_files(tmp_path: Path, text: str, message: str) -> None:
    script = tmp_path / "bad.sh"
    script.write_text(text)
    with pytest.raises(InputError) as caught:
        read_command_file(str(script))
    assert caught.value.location_message() == f"{script}: {message}"


def test_missing_command_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.sh: no such file"):
        read_command_file(str(tmp_path / "nope.sh"))
    (tmp_path / "dir.sh").mkdir()
    with pytest.raises(InputError, match="is a directory, not a QEMU command file"):
        read_command_file(str(tmp_path / "dir.sh"))
