"""Requirement profiles: the TOML format, its validation with file:line errors, and the built-ins.

A profile is a TOML file (read with the standard library's ``tomllib``)::

    [profile]
    name = "guest"                  # required
    description = "A QEMU/KVM guest with virtio network and block devices"
    extends = ["base", "../x.toml"] # optional: built-in names, or paths relative to this file
                                    # (a path contains "/" or ends in ".toml")

    [[requirement]]
    id = "virtio-net"       # lower case, digits, "-"; default: the symbol, lower case, "_" -> "-"
    section = "Virtio devices"      # optional heading for reports
    symbol = "VIRTIO_NET"   # without CONFIG_, upper case as in Kconfig
    want = "y|m"            # y, m, n, "y|m" (default), "m|n" ...; for int/hex/string symbols
                            # a comparison ">= 4", "!= 0x10", '== "text"', or just '"text"'
    level = "required"      # required (default) | recommended | optional
    reason = "..."          # required: why, in words a user can act on
    aliases = ["OLD_NAME"]  # earlier names of the symbol; the first one the tree defines is used
    arch = ["x86", "powerpc"]   # x86 (= x86_64 + i386), x86_64, i386, arm64,
                                # powerpc (= ppc32 + ppc64), ppc32, ppc64
    when = "PPC_E500MC"     # a Kconfig expression over the config; false -> not applicable
    override = true         # replace the inherited requirement with the same id (top level only)

    [[requirement]]
    id = "virtio-transport"
    reason = "..."
      [[requirement.any_of]]          # alternatives: passes when one of them passes
      symbol = "VIRTIO_MMIO"
      [[requirement.any_of]]
      id = "pci"
        [[requirement.any_of.all_of]] # conjuncts: passes when all of them pass
        symbol = "PCI"

A requirement has exactly one of ``symbol``, ``any_of``, ``all_of``. Members of a group take the
group's ``level`` and ``section`` (they may not set them), may set ``id``, ``symbol``, ``want``,
``aliases``, ``arch``, ``when``, ``reason`` (default: the group's) or be groups themselves; a
member's id is ``<group id>/<member id>``, and a member that is a group needs an explicit id.
Top-level ids are unique across the resolved profile: a profile's own requirements follow the
ones it extends, and one with ``override = true`` takes the inherited one's place.

Every validation error is a :class:`~kcheck.errors.ProfileError` naming ``file:line``. tomllib
reports no positions for valid TOML, so :class:`TomlLocator` scans the text for table headers and
keys. Built-in profiles live in the repository's ``profiles/`` directory, shipped in the wheel
as the package ``kcheck.builtin_profiles``.
"""

from __future__ import annotations

import difflib
import importlib.resources
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from kcheck import arches
from kcheck.errors import ProfileError
from kcheck.expr import parse_expr
from kcheck.kernel.dotconfig import NUMBER_FORM, unescape
from kcheck.model import Expectation, Level, Location, NodeKind, Profile, Requirement, Tristate
from kcheck.tomlfile import TomlLocator, TomlPath, split_position

__all__ = [
    "ARCH_NAMES",
    "builtin_data",
    "builtin_profile_path",
    "builtin_profiles",
    "load_profile",
    "parse_requirements",
    "parse_want",
    "read_toml",
]

#: Arch names a requirement may name (flavours and families; the table is kcheck.arches).
ARCH_NAMES = arches.PROFILE_NAMES

_PROFILE_KEYS = ("name", "description", "extends")
_TOP_KEYS = (
    "id",
    "section",
    "symbol",
    "want",
    "level",
    "reason",
    "aliases",
    "arch",
    "when",
    "override",
    "any_of",
    "all_of",
)
# Members of a group inherit level and section, and only top-level requirements override.
_MEMBER_KEYS = tuple(key for key in _TOP_KEYS if key not in ("level", "section", "override"))
_KINDS = (("symbol", NodeKind.SYMBOL), ("any_of", NodeKind.ANY_OF), ("all_of", NodeKind.ALL_OF))

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SYMBOL = re.compile(r"[A-Za-z0-9_]+")
# A run of lower case letters in a name without capitals is a symbol written in the wrong case
# ("virtio_net"); Kconfig itself has a few names with lower case: MPC85xx_DS, PPC_85xx, 44x.
_LOWER_RUN = re.compile(r"[a-z]{2,}")
_TRISTATE_WANT = re.compile(r"[ymn](?:\s*\|\s*[ymn])*")
_COMPARISON_WANT = re.compile(r"(==|!=|<=|>=|<|>)\s*(.*)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')

# --------------------------------------------------------------------------------------------
# Built-in profiles


def _builtin_dir() -> Traversable:
    try:
        return importlib.resources.files("kcheck.builtin_profiles")
    except ModuleNotFoundError:
        # Running from a source tree: kcheck.builtin_profiles exists only once the wheel's
        # package-dir mapping (profiles/ -> kcheck/builtin_profiles) has been applied.
        return Path(__file__).resolve().parent.parent / "profiles"


def builtin_data(*parts: str) -> Traversable:
    """A file or folder shipped beside the built-in profiles, in a subdirectory so that it is
    not listed as a profile: ``builtin_data("runtime", "host.toml")`` (the live checks' data),
    ``builtin_data("qemu")`` (the QEMU knowledge). It may not exist."""
    found = _builtin_dir()
    for part in parts:  # one at a time: an installed package's MultiplexedPath takes one
        found = found.joinpath(part)
    return found


def builtin_profiles() -> list[str]:
    """Names of the built-in profiles (their file names without ``.toml``), sorted."""
    directory = _builtin_dir()
    if not directory.is_dir():
        return []
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in directory.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


def builtin_profile_path(name: str) -> Traversable:
    """Where the built-in profile ``name`` is; ProfileError when there is none."""
    if name not in builtin_profiles():
        raise ProfileError(f"unknown profile {name!r} (built-in profiles: {_builtin_list()})")
    return _builtin_dir().joinpath(f"{name}.toml")


def _builtin_list() -> str:
    return ", ".join(builtin_profiles()) or "none"


def _looks_like_path(text: str) -> bool:
    return "/" in text or text.endswith(".toml")


def parse_want(text: str, *, path: str, line: int | None) -> Expectation:
    """Parse a ``want``; ProfileError (at ``path:line``) when it is none of the forms."""
    want = text.strip()
    if _TRISTATE_WANT.fullmatch(want):
        values = [Tristate.parse(part.strip()) for part in want.split("|")]
        allowed = tuple(value for value in values if value is not None)
        if len(set(allowed)) != len(values):
            raise ProfileError(f"bad want {text!r}: a value is repeated", path=path, line=line)
        if len(allowed) == 3:
            raise ProfileError(
                f"bad want {text!r}: y, m and n together accept every value",
                path=path,
                line=line,
            )
        return Expectation(text=want, allowed=allowed)
    quoted = _QUOTED.fullmatch(want)
    if quoted is not None:
        return Expectation(text=want, op="==", operand=unescape(quoted.group(1)))
    comparison = _COMPARISON_WANT.fullmatch(want)
    if comparison is not None:
        op, operand = comparison.groups()
        if NUMBER_FORM.fullmatch(operand):
            return Expectation(text=want, op=op, operand=operand)
        quoted = _QUOTED.fullmatch(operand)
        if quoted is not None and op in ("==", "!="):
            return Expectation(text=want, op=op, operand=unescape(quoted.group(1)))
        if quoted is not None:
            raise ProfileError(
                f"bad want {text!r}: {op!r} compares numbers, not strings", path=path, line=line
            )
    raise ProfileError(
        f'bad want {text!r}: expected y, m, n or alternatives like "y|m", a comparison '
        f'like ">= 4", "== 0x10" or \'== "text"\', or a quoted string',
        path=path,
        line=line,
    )


def _symbol_ok(name: str) -> bool:
    if not _SYMBOL.fullmatch(name):
        return False
    return name != name.lower() or _LOWER_RUN.search(name) is None


@dataclass
class _Member:
    """A validated requirement plus what only loading needs (override, and where its id is)."""

    requirement: Requirement
    override: bool
    id_line: int


class _Validator:
    """Turns one parsed TOML document into requirements, with file:line on every error."""

    def __init__(self, display: str, locator: TomlLocator) -> None:
        self.path = display
        self.locator = locator

    def error(self, message: str, at: TomlPath, key: str | None = None) -> ProfileError:
        return ProfileError(message, path=self.path, line=self.locator.line(at, key))

    def check_keys(self, table: Mapping[str, Any], allowed: Sequence[str], at: TomlPath) -> None:
        for key in table:
            if key in allowed:
                continue
            if allowed is _MEMBER_KEYS and key in ("level", "section"):
                raise self.error(
                    f"{key!r} is not allowed inside a group: members take the group's {key}",
                    at,
                    key,
                )
            if allowed is _MEMBER_KEYS and key == "override":
                raise self.error(
                    "'override' is not allowed inside a group: override the whole top-level "
                    "requirement",
                    at,
                    key,
                )
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
            )
            raise self.error(f"unknown key {key!r} ({hint})", at, key)

    def string(self, table: Mapping[str, Any], key: str, at: TomlPath) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(f"{key!r} must be a string", at, key)
        return value

    def strings(self, table: Mapping[str, Any], key: str, at: TomlPath) -> list[str] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(f"{key!r} must be a list of strings", at, key)
        if len(set(value)) != len(value):
            raise self.error(f"{key!r} lists a name twice", at, key)
        return value

    def symbol_name(self, name: str, key: str, at: TomlPath) -> str:
        if name.startswith("CONFIG_"):
            raise self.error(
                f"{key} {name!r}: write it without the CONFIG_ prefix: {name[len('CONFIG_') :]!r}",
                at,
                key,
            )
        if not _symbol_ok(name):
            upper = name.upper()
            hint = f": {upper!r}" if _SYMBOL.fullmatch(upper) else ""
            raise self.error(
                f"{key} {name!r}: symbols are upper case letters, digits and '_' as in "
                f"Kconfig{hint}",
                at,
                key,
            )
        return name

    def profile_table(self, document: Mapping[str, Any]) -> tuple[str, str, list[str]]:
        for key in document:
            if key not in ("profile", "requirement"):
                close = difflib.get_close_matches(key, ("profile", "requirement"), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.error(
                    f"unknown top-level key {key!r} (expected [profile] and [[requirement]]{hint})",
                    (key,),
                )
        table = document.get("profile")
        if table is None:
            raise ProfileError("missing [profile] table", path=self.path, line=1)
        if not isinstance(table, dict):
            raise self.error("'profile' must be a table: [profile]", (), "profile")
        at: TomlPath = ("profile",)
        self.check_keys(table, _PROFILE_KEYS, at)
        name = self.string(table, "name", at)
        if name is None or not name.strip():
            raise self.error("[profile] needs a non-empty name", at, "name")
        description = self.string(table, "description", at) or ""
        extends = self.strings(table, "extends", at) or []
        return name, description, extends

    def requirements(self, document: Mapping[str, Any]) -> list[_Member]:
        return self.requirement_list(document.get("requirement", []), ("requirement",))

    def requirement_list(self, tables: Any, at: TomlPath) -> list[_Member]:
        """The top-level requirements of the array of tables at ``at`` (ids unique)."""
        if not isinstance(tables, list) or not all(isinstance(item, dict) for item in tables):
            header = ".".join(part for part in at if isinstance(part, str))
            raise self.error(f"{at[-1]!r} must be an array of tables: write [[{header}]]", at)
        members: list[_Member] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            member = self.requirement(table, (*at, index), None)
            first = seen.get(member.requirement.id)
            if first is not None:
                raise ProfileError(
                    f"duplicate id {member.requirement.id!r} (first defined at line {first})",
                    path=self.path,
                    line=member.id_line,
                )
            seen[member.requirement.id] = member.id_line
            members.append(member)
        return members

    def requirement(
        self, table: Mapping[str, Any], at: TomlPath, group: Requirement | None
    ) -> _Member:
        self.check_keys(table, _TOP_KEYS if group is None else _MEMBER_KEYS, at)
        present = [key for key, _ in _KINDS if key in table]
        if len(present) != 1:
            what = "none" if not present else " and ".join(present)
            raise self.error(
                f"a requirement needs exactly one of symbol, any_of, all_of (it has {what})", at
            )
        kind = dict(_KINDS)[present[0]]
        location = Location(self.path, self.locator.line(at))

        symbol = ""
        aliases: tuple[str, ...] = ()
        expect: Expectation | None = None
        if kind is NodeKind.SYMBOL:
            name = self.string(table, "symbol", at) or ""
            symbol = self.symbol_name(name, "symbol", at)
            alias_list = self.strings(table, "aliases", at) or []
            aliases = tuple(self.symbol_name(alias, "aliases", at) for alias in alias_list)
            if symbol in aliases:
                raise self.error(f"aliases repeat the symbol {symbol!r}", at, "aliases")
            want = self.string(table, "want", at)
            expect = parse_want(
                "y|m" if want is None else want, path=self.path, line=self.locator.line(at, "want")
            )
        else:
            for key in ("want", "aliases"):
                if key in table:
                    raise self.error(f"{key!r} belongs to a symbol, not to {present[0]}", at, key)

        id_line = self.locator.line(at, "id")
        local_id = self.string(table, "id", at)
        if local_id is None:
            if not symbol:
                raise self.error(f"a requirement with {present[0]} needs an id", at)
            local_id = symbol.lower().replace("_", "-")
        elif not _ID.fullmatch(local_id):
            raise self.error(
                f"bad id {local_id!r}: use lower case letters, digits and '-'", at, "id"
            )

        if group is None:
            level_text = self.string(table, "level", at) or Level.REQUIRED.value
            if level_text not in tuple(Level):
                raise self.error(
                    f"bad level {level_text!r} (expected required, recommended or optional)",
                    at,
                    "level",
                )
            level = Level(level_text)
            section = self.string(table, "section", at) or ""
            full_id = local_id
        else:
            level, section = group.level, group.section
            full_id = f"{group.id}/{local_id}"

        reason = self.string(table, "reason", at)
        if reason is None and group is None:
            raise self.error(
                "missing reason: say why this is needed, in words a user can act on", at
            )
        if reason is not None and not reason.strip():
            raise self.error("empty reason", at, "reason")
        reason = reason.strip() if reason is not None else group.reason if group else ""

        arch_list = self.strings(table, "arch", at)
        if arch_list is not None:
            if not arch_list:
                raise self.error("empty arch list: leave arch out to apply everywhere", at, "arch")
            for arch in arch_list:
                if arch not in ARCH_NAMES:
                    raise self.error(
                        f"unknown arch {arch!r} (known: {', '.join(ARCH_NAMES)})", at, "arch"
                    )
        when = self.string(table, "when", at)
        if when is not None:
            parse_expr(when, path=self.path, line=self.locator.line(at, "when"))

        override = table.get("override", False)
        if not isinstance(override, bool):
            raise self.error("'override' must be true or false", at, "override")

        requirement = Requirement(
            id=full_id,
            kind=kind,
            level=level,
            reason=reason,
            location=location,
            symbol=symbol,
            aliases=aliases,
            expect=expect,
            arch=tuple(arch_list or ()),
            when=when,
            section=section,
        )
        if kind is not NodeKind.SYMBOL:
            requirement = self.group(requirement, table[present[0]], (*at, present[0]))
        return _Member(requirement, override, id_line)

    def group(self, requirement: Requirement, members: Any, at: TomlPath) -> Requirement:
        key = str(at[-1])
        if not isinstance(members, list) or not all(isinstance(item, dict) for item in members):
            raise self.error(
                f"{key!r} must be an array of tables: write [[...{key}]]", at[:-1], key
            )
        if not members:
            raise self.error(f"empty {key}: list at least one member", at[:-1], key)
        children: list[Requirement] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(members):
            child = self.requirement(table, (*at, index), requirement)
            first = seen.get(child.requirement.id)
            if first is not None:
                raise ProfileError(
                    f"duplicate id {child.requirement.id!r} in {key} "
                    f"(first defined at line {first})",
                    path=self.path,
                    line=child.id_line,
                )
            seen[child.requirement.id] = child.id_line
            children.append(child.requirement)
        return Requirement(
            id=requirement.id,
            kind=requirement.kind,
            level=requirement.level,
            reason=requirement.reason,
            location=requirement.location,
            arch=requirement.arch,
            when=requirement.when,
            children=tuple(children),
            section=requirement.section,
        )


# --------------------------------------------------------------------------------------------
# Loading and extends


@dataclass(frozen=True)
class _Source:
    display: str  # how messages name the file
    identity: str  # what makes two references the same file (cycles, diamonds)
    file: Traversable
    base: Traversable  # the directory relative extends start from


def _builtin_source(name: str) -> _Source:
    file = builtin_profile_path(name)
    if isinstance(file, Path):
        return _path_source(file)
    return _Source(str(file), str(file), file, _builtin_dir())


def _path_source(path: Path) -> _Source:
    return _Source(str(path), str(path.resolve()), path, path.parent)


@dataclass
class _Loaded:
    profile: Profile
    members: list[_Member]  # resolved: inherited first, own after (overrides in place)


def load_profile(name_or_path: str) -> Profile:
    """Load a built-in profile by name, or a profile file by path, with ``extends`` applied.

    A bare name (no "/", no ".toml") that is a built-in wins over a file of the same name.
    """
    if not _looks_like_path(name_or_path) and name_or_path in builtin_profiles():
        return _load(_builtin_source(name_or_path), ()).profile
    path = Path(name_or_path)
    if path.is_dir():
        raise ProfileError("is a directory, not a profile file", path=name_or_path)
    if not path.is_file():
        if not _looks_like_path(name_or_path):
            raise ProfileError(
                f"unknown profile {name_or_path!r}: not a built-in profile "
                f"({_builtin_list()}) and no such file"
            )
        raise ProfileError("no such profile file", path=name_or_path)
    return _load(_path_source(path), ()).profile


def _read(source: _Source) -> tuple[dict[str, Any], TomlLocator]:
    return read_toml(source.file, source.display)


def read_toml(file: Traversable, display: str) -> tuple[dict[str, Any], TomlLocator]:
    """Read a TOML file of requirements (a profile, or a data file that holds requirement
    tables): the document and a locator for ``file:line`` errors; ProfileError when the file
    cannot be read or is not TOML."""
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ProfileError(f"cannot read the file: {error}", path=display) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ProfileError(
            f"invalid UTF-8 at byte {error.start}", path=display, line=line
        ) from None
    locator = TomlLocator(text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(str(error), display, locator) from error
    return document, locator


def parse_requirements(
    tables: Any, *, path: str, locator: TomlLocator, at: TomlPath
) -> tuple[Requirement, ...]:
    """Validate an array of requirement tables found at ``at`` inside a document read with
    :func:`read_toml` -- the same format and checks as a profile's ``[[requirement]]``
    (``override`` aside) -- and return them; ProfileError naming ``path:line`` otherwise.

    Data files that are not profiles (the QEMU knowledge under ``profiles/qemu/``) use this,
    so there is one requirement parser.
    """
    members = _Validator(path, locator).requirement_list(tables, at)
    for member in members:
        if member.override:
            raise ProfileError(
                "'override' belongs to profiles that extend others",
                path=path,
                line=locator.line((*at, members.index(member)), "override"),
            )
    return tuple(member.requirement for member in members)


def _toml_error(message: str, display: str, locator: TomlLocator) -> ProfileError:
    text, line, column, at_end = split_position(message)
    if line is not None:
        return ProfileError(f"invalid TOML: {text} (column {column})", path=display, line=line)
    if at_end:
        return ProfileError(
            f"invalid TOML: {text} (at the end of the file)", path=display, line=locator.last_line
        )
    return ProfileError(f"invalid TOML: {message}", path=display)


def _load(source: _Source, chain: tuple[_Source, ...]) -> _Loaded:
    document, locator = _read(source)
    validator = _Validator(source.display, locator)
    name, description, extends = validator.profile_table(document)
    own = validator.requirements(document)
    extends_line = locator.line(("profile",), "extends")
    if not own and not extends:
        raise ProfileError(
            "the profile has no [[requirement]] and extends nothing", path=source.display, line=1
        )

    inherited: list[_Member] = []
    index: dict[str, int] = {}
    for target in extends:
        parent_source = _extends_target(target, source, extends_line)
        if any(parent_source.identity == seen.identity for seen in (*chain, source)):
            loop = (*chain, source)
            start = next(
                i for i, seen in enumerate(loop) if seen.identity == parent_source.identity
            )
            names = [seen.display for seen in (*loop[start:], loop[start])]
            raise ProfileError(
                f"extends cycle: {' -> '.join(names)}",
                path=source.display,
                line=extends_line,
            )
        for member in _load(parent_source, (*chain, source)).members:
            position = index.get(member.requirement.id)
            if position is None:
                index[member.requirement.id] = len(inherited)
                inherited.append(member)
            elif inherited[position].requirement != member.requirement:
                raise _duplicate(member, inherited[position], source.display, extends_line)
            # else: the same requirement reached twice through a diamond; keep it once

    for member in own:
        position = index.get(member.requirement.id)
        if position is not None and member.override:
            inherited[position] = member
        elif position is not None:
            earlier = inherited[position].requirement.location
            raise ProfileError(
                f"duplicate id {member.requirement.id!r}: {earlier} defines it already; "
                "set override = true to replace it",
                path=source.display,
                line=member.id_line,
            )
        elif member.override:
            raise ProfileError(
                f"override = true, but no extended profile has a requirement "
                f"{member.requirement.id!r}",
                path=source.display,
                line=locator.line(_member_path(own, member), "override"),
            )
        else:
            index[member.requirement.id] = len(inherited)
            inherited.append(member)

    profile = Profile(
        name=name,
        description=description,
        path=source.display,
        requirements=tuple(member.requirement for member in inherited),
        extends=tuple(extends),
    )
    return _Loaded(profile, inherited)


def _member_path(own: list[_Member], member: _Member) -> TomlPath:
    return ("requirement", next(i for i, other in enumerate(own) if other is member))


def _duplicate(member: _Member, earlier: _Member, display: str, line: int) -> ProfileError:
    return ProfileError(
        f"extended profiles both define id {member.requirement.id!r}: "
        f"{earlier.requirement.location} and {member.requirement.location}",
        path=display,
        line=line,
    )


def _extends_target(target: str, source: _Source, line: int) -> _Source:
    if not _looks_like_path(target):
        if target not in builtin_profiles():
            raise ProfileError(
                f"extends {target!r}: no built-in profile of that name ({_builtin_list()})",
                path=source.display,
                line=line,
            )
        return _builtin_source(target)
    if isinstance(source.base, Path):
        # normpath keeps messages short (no "dir/../x.toml") without resolving symlinks.
        path = Path(os.path.normpath(source.base / target))
        if not path.is_file():
            raise ProfileError(
                f"extends {target!r}: no such file {path}", path=source.display, line=line
            )
        return _path_source(path)
    # A built-in inside a zip or namespace package: stay inside the package.
    file = source.base.joinpath(*target.split("/"))
    if not file.is_file():
        raise ProfileError(f"extends {target!r}: no such file", path=source.display, line=line)
    return _Source(f"{source.base}/{target}", f"{source.base}/{target}", file, source.base)


def iter_requirements(requirements: Sequence[Requirement]) -> Iterator[Requirement]:
    """Every requirement and group member, depth first (for tools that list symbols)."""
    for requirement in requirements:
        yield requirement
        yield from iter_requirements(requirement.children)
