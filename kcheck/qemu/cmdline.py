"""QEMU command lines: argv (or a file holding the command) -> :class:`VmDefinition`.

QEMU's option syntax: ``-opt`` or ``--opt``, ``-opt value``, flags without a value; option
values are key=value lists with an implied first key (``-netdev tap,id=n0`` is
``type=tap,id=n0``; ``-M ppce500,accel=kvm``), where ``,,`` is a literal comma and a bare
``key`` is ``key=on``. The options that matter to a kernel are read here; those that do not
are listed in profiles/qemu/options.toml with their arity. Anything that cannot be parsed is
an :class:`~kcheck.errors.InputError` naming the argument (and the file line for a command
file); an option kcheck does not know is a warning, never a silent pass.

A command file is read with :mod:`shlex` (the standard library's shell lexer) for quoting;
this module only finds the lines: backslash-newline continuations, comments, several commands
(the QEMU one is taken), a leading ``exec``/``env`` and VAR=value assignments.
"""

from __future__ import annotations

import io
import os
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kcheck.errors import InputError
from kcheck.kernel.dotconfig import read_input
from kcheck.qemu.definition import Backend, Device, Drive, Nic, VmDefinition
from kcheck.qemu.knowledge import knowledge

__all__ = ["parse_command_file", "parse_command_line", "read_command_file", "split_options"]


class _Bad(Exception):
    """A problem with one argument; the caller adds where it is."""


def split_options(text: str, implied: str | None) -> list[tuple[str, str]]:
    """QEMU's key=value,key=value list: ``,,`` is a literal comma, the first item without
    ``=`` is the ``implied`` key's value, a later bare ``key`` means ``key=on``."""
    items: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "," and text.startswith(",,", i):
            current.append(",")
            i += 2
            continue
        if char == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    items.append("".join(current))
    if items and items[-1] == "" and len(items) > 1:
        items.pop()  # QEMU accepts a trailing comma
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        key, sep, value = item.partition("=")
        if not sep:
            if index == 0 and implied is not None:
                key, value = implied, item
            else:
                value = "on"
        if not key:
            raise _Bad(f"empty key in {text!r}" if sep else f"empty value in {text!r}")
        pairs.append((key, value))
    return pairs


@dataclass
class _State:
    """What the parse has found so far (turned into a VmDefinition at the end)."""

    source: str
    binary: str
    binary_origin: str
    base_dir: str | None
    machine: str | None = None
    machine_origin: str = ""
    cpu: str | None = None
    cpu_origin: str = ""
    accel: list[str] = field(default_factory=list)
    accel_origin: str = ""
    nics: list[Nic] = field(default_factory=list)
    backends: list[Backend] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    drives: list[Drive] = field(default_factory=list)
    kernel: str | None = None
    initrd: str | None = None
    initrd_origin: str = ""
    append: str = ""
    console_outputs: list[str] = field(default_factory=list)
    network_options: bool = False
    nodefaults: bool = False
    warnings: list[str] = field(default_factory=list)

    def definition(self) -> VmDefinition:
        return VmDefinition(
            source=self.source,
            binary=self.binary,
            binary_origin=self.binary_origin,
            machine=self.machine,
            machine_origin=self.machine_origin,
            cpu=self.cpu,
            cpu_origin=self.cpu_origin,
            accel=tuple(self.accel),
            accel_origin=self.accel_origin,
            nics=tuple(self.nics),
            backends=tuple(self.backends),
            devices=tuple(self.devices),
            drives=tuple(self.drives),
            kernel=self.kernel,
            initrd=self.initrd,
            initrd_origin=self.initrd_origin,
            append=self.append,
            console_outputs=tuple(self.console_outputs),
            default_network=not self.network_options and not self.nodefaults,
            base_dir=self.base_dir,
            warnings=tuple(self.warnings),
        )


# -- the options kcheck reads -------------------------------------------------------------------

Handler = Callable[[_State, str, str], None]


def _machine(state: _State, opt: str, value: str) -> None:
    for key, item in split_options(value, "type"):
        if key == "type":
            state.machine, state.machine_origin = item, f"{opt} {item}"
        elif key == "accel":
            _set_accel(state, item.split(":"), f"{opt} accel={item}")


def _set_accel(state: _State, names: Sequence[str], origin: str) -> None:
    if any(not name for name in names):
        raise _Bad("empty accelerator name")
    state.accel.extend(name for name in names if name not in state.accel)
    state.accel_origin = ", ".join(filter(None, (state.accel_origin, origin)))


def _accel(state: _State, opt: str, value: str) -> None:
    name = split_options(value, "accel")[0]
    if name[0] != "accel":
        raise _Bad("no accelerator named (e.g. -accel kvm)")
    _set_accel(state, [name[1]], f"{opt} {name[1]}")


def _cpu(state: _State, opt: str, value: str) -> None:
    key, model = split_options(value, "model")[0]
    if key != "model" or not model:
        raise _Bad("no CPU model named (e.g. -cpu max)")
    state.cpu, state.cpu_origin = model, f"{opt} {model}"


def _backend(opt: str, type_: str, options: Mapping[str, str], hub: bool) -> Backend:
    vhost = options.get("vhost")
    scripts = tuple(
        options[key] for key in ("script", "downscript") if options.get(key) not in (None, "", "no")
    )
    return Backend(
        type=type_,
        origin=f"{opt} {type_}",
        id=options.get("id"),
        hub=hub,
        vhost=None if vhost is None else vhost in ("on", "yes", "true"),
        bridge=options.get("br"),
        scripts=scripts,
    )


def _network_type(state: _State, value: str, missing: str) -> tuple[dict[str, str], str]:
    """A network option's key=value pairs and its type (the first bare word); ``missing``
    is the error when it has none. The machine then has network options of its own."""
    options = dict(split_options(value, "type"))
    type_ = options.get("type", "")
    if not type_:
        raise _Bad(missing)
    state.network_options = True
    return options, type_


def _netdev(state: _State, opt: str, value: str) -> None:
    options, type_ = _network_type(state, value, "no back-end type (e.g. -netdev user,id=n0)")
    state.backends.append(_backend(opt, type_, options, hub=False))


def _net(state: _State, opt: str, value: str) -> None:
    options, type_ = _network_type(
        state, value, "no type (e.g. -net nic,model=virtio or -net user)"
    )
    if type_ == "none":
        return
    if type_ == "nic":
        model = options.get("model")
        origin = f"{opt} nic,model={model}" if model else f"{opt} nic"
        state.nics.append(Nic(model=model, origin=origin, netdev=options.get("netdev")))
        return
    state.backends.append(_backend(opt, type_, options, hub=True))


def _nic(state: _State, opt: str, value: str) -> None:
    options, type_ = _network_type(
        state, value, "no back-end type (e.g. -nic user,model=virtio-net-pci)"
    )
    if type_ == "none":
        return
    # -nic makes a back end and a card that uses it; give both a private id to pair them.
    backend = replace(_backend(opt, type_, options, hub=False), id=f"#nic{len(state.nics)}")
    model = options.get("model")
    origin = f"{opt} {type_},model={model}" if model else f"{opt} {type_}"
    state.backends.append(backend)
    state.nics.append(Nic(model=model, origin=origin, netdev=backend.id))


def _device(state: _State, opt: str, value: str) -> None:
    options = dict(split_options(value, "driver"))
    driver = options.get("driver", "")
    if not driver:
        raise _Bad("no device named (e.g. -device virtio-net-pci,netdev=n0)")
    state.devices.append(
        Device(driver=driver, origin=f"{opt} {driver}", netdev=options.get("netdev"))
    )


def _drive(state: _State, opt: str, value: str) -> None:
    options = dict(split_options(value, "file"))
    interface = options.get("if", "")
    origin = f"{opt} if={interface}" if interface else f"{opt} file={options.get('file', '')}"
    state.drives.append(Drive(interface=interface, origin=origin))


def _disk(state: _State, opt: str, value: str) -> None:
    state.drives.append(Drive(interface="", origin=f"{opt} {value}"))


def _virtfs(state: _State, opt: str, value: str) -> None:
    fsdriver = split_options(value, "fsdriver")[0][1]
    state.devices.append(Device(driver="virtio-9p", origin=f"{opt} {fsdriver}"))


def _kernel(state: _State, opt: str, value: str) -> None:
    state.kernel = value


def _initrd(state: _State, opt: str, value: str) -> None:
    state.initrd, state.initrd_origin = value, f"{opt} {value}"


def _append(state: _State, opt: str, value: str) -> None:
    state.append = value


def _serial(state: _State, opt: str, value: str) -> None:
    # The serial console reaches the user's terminal only through stdio (or a monitor mux).
    if value in ("stdio", "mon:stdio"):
        state.console_outputs.append(f"{opt} {value}")


def _nographic(state: _State, opt: str, value: str) -> None:
    state.console_outputs.append(opt)


def _enable_kvm(state: _State, opt: str, value: str) -> None:
    _set_accel(state, ["kvm"], opt)


def _nodefaults(state: _State, opt: str, value: str) -> None:
    state.nodefaults = True


_WITH_VALUE: dict[str, Handler] = {
    "M": _machine,
    "machine": _machine,
    "accel": _accel,
    "cpu": _cpu,
    "netdev": _netdev,
    "net": _net,
    "nic": _nic,
    "device": _device,
    "drive": _drive,
    "hda": _disk,
    "hdb": _disk,
    "hdc": _disk,
    "hdd": _disk,
    "virtfs": _virtfs,
    "kernel": _kernel,
    "initrd": _initrd,
    "append": _append,
    "serial": _serial,
    "cdrom": lambda state, opt, value: None,  # a CD-ROM image asks nothing of a direct boot
}
_FLAGS: dict[str, Handler] = {
    "nographic": _nographic,
    "enable-kvm": _enable_kvm,
    "nodefaults": _nodefaults,
}


def parse_command_line(
    argv: Sequence[str],
    source: str = "<command line>",
    lines: Mapping[int, int] | None = None,
) -> VmDefinition:
    """Read a QEMU command line (``argv[0]`` is the program). ``lines`` maps argv indexes to
    the lines of a command file named ``source`` (see :func:`read_command_file`), for errors
    and warnings that name ``file:line``."""

    def where(index: int) -> tuple[str | None, int | None]:
        if lines is None:
            return None, None
        return source, lines.get(index)

    def warn(index: int, text: str) -> None:
        path, line = where(index)
        state.warnings.append(f"{path}:{line}: {text}" if path is not None else text)

    if not argv:
        raise InputError("no command: expected a QEMU command line such as qemu-system-x86_64 ...")
    program = argv[0]
    if program.startswith("-"):
        path, line = where(0)
        raise InputError(
            f"argument 0 ({program}): expected the QEMU program (qemu-system-x86_64, "
            "qemu-system-ppc, ...) first",
            path=path,
            line=line,
        )
    binary = os.path.basename(program)
    base_dir = str(Path(source).parent) if lines is not None and source != "-" else None
    state = _State(source=source, binary=binary, binary_origin=binary, base_dir=base_dir)
    if knowledge().binary(binary) is None:
        warn(0, f"argument 0 ({program}): not a QEMU program kcheck knows; guest arch unknown")
    options = knowledge().options
    index = 1
    while index < len(argv):
        arg = argv[index]
        if not arg.startswith("-") or arg == "-":
            # A bare argument is QEMU's first disk (-hda).
            state.drives.append(Drive(interface="", origin=arg))
            index += 1
            continue
        name = arg.lstrip("-")
        opt = f"-{name}"
        try:
            if name in _WITH_VALUE or options.get(name) is True:
                if index + 1 >= len(argv):
                    raise _Bad("needs a value")
                value = argv[index + 1]
                if name in _WITH_VALUE:
                    _WITH_VALUE[name](state, opt, value)
                index += 2
            elif name in _FLAGS:
                _FLAGS[name](state, opt, "")
                index += 1
            elif name in options:
                index += 1
            else:
                takes = index + 1 < len(argv) and not argv[index + 1].startswith("-")
                warn(
                    index,
                    f"argument {index} ({opt}): unknown QEMU option, ignored"
                    + (f" with its value {argv[index + 1]!r}" if takes else ""),
                )
                index += 2 if takes else 1
        except _Bad as bad:
            path, line = where(index)
            raise InputError(f"argument {index} ({opt}): {bad}", path=path, line=line) from None
    return state.definition()


# -- command files ----------------------------------------------------------------------------

_WRAPPERS = ("exec", "env", "command", "nohup", "sudo", "nice")


def read_command_file(path: str) -> tuple[list[str], dict[int, int]]:
    """The QEMU command in a file (``-`` for stdin): argv, and argv index -> line number.

    The file is shell: quoting, backslash-newline continuations, ``#`` comments, a ``#!``
    line, several commands (the first whose program is a known QEMU binary, or looks like
    one, is taken), ``exec``/``env`` and VAR=value in front of it.
    """
    text = read_input(path, "a QEMU command file").text
    commands = _commands(text, path)
    for command in commands:
        start = _program_index(command)
        if start is not None:
            words = command[start:]
            return [word for word, _ in words], {i: line for i, (_, line) in enumerate(words)}
    raise InputError("no QEMU command (qemu-system-...) found in the file", path=path)


def parse_command_file(path: str) -> VmDefinition:
    """:func:`read_command_file` then :func:`parse_command_line` with the file's lines."""
    argv, lines = read_command_file(path)
    return parse_command_line(argv, source=path, lines=lines)


def _program_index(command: list[tuple[str, int]]) -> int | None:
    index = 0
    while index < len(command):
        word = command[index][0]
        if word in _WRAPPERS or ("=" in word and not word.startswith("-")):
            index += 1
            continue
        name = os.path.basename(word)
        if knowledge().binary(name) is not None or name.startswith("qemu-system-"):
            return index
        return None
    return None


def _commands(text: str, path: str) -> list[list[tuple[str, int]]]:
    """The file's commands, each a list of (word, line of its last character)."""
    joined, line_of = _join_continuations(text)
    stream = io.StringIO(joined)
    lexer = shlex.shlex(stream, posix=True, punctuation_chars=";&|\n")
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""  # comments were removed with the line structure
    commands: list[list[tuple[str, int]]] = [[]]
    try:
        while True:
            token = lexer.get_token()
            if token is None or token == lexer.eof:
                break
            end = max(0, min(stream.tell(), len(line_of)) - 1)
            if token.strip(";&|\n") == "":
                commands.append([])
            else:
                commands[-1].append((token, line_of[end] if line_of else 1))
    except ValueError as error:  # shlex: "No closing quotation", "No escaped character"
        raise InputError(f"cannot read the command: {error}", path=path) from None
    return [command for command in commands if command]


def _join_continuations(text: str) -> tuple[str, list[int]]:
    """The text without comments and backslash-newline pairs, and each kept character's line.

    Quotes are followed only to know where comments and continuations are; shlex reads the
    quoting itself afterwards.
    """
    out: list[str] = []
    line_of: list[int] = []
    line = 1
    quote: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and quote != "'" and i + 1 < len(text):
            if text[i + 1] == "\n":  # a continuation: the shell drops both
                line += 1
                i += 2
                continue
            out.extend(text[i : i + 2])
            line_of.extend((line, line))
            i += 2
            continue
        if quote is None and char == "#" and (not out or out[-1] in " \t\n;&|"):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if char in "'\"":
            quote = None if quote == char else (char if quote is None else quote)
        out.append(char)
        line_of.append(line)
        if char == "\n":
            line += 1
        i += 1
    return "".join(out), line_of
