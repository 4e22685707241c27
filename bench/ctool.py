"""The kernel's own C Kconfig tool (`make olddefconfig`), run the way the corpus was made.

Prepares once, under $XDG_CACHE_HOME/kcheck-bench (or ~/.cache/kcheck-bench), the full source of
Debian's linux-source-6.12 6.12.117-1~deb12u1 -- the exact source of shared/kernels/
linux-6.12-kconfig.tar.xz -- and runs `make O=<outdir> ARCH=<arch> CROSS_COMPILE=<prefix>
olddefconfig` with PATH=/usr/sbin:/usr/bin:/sbin:/bin, so that no rustc, bindgen or pahole changes
the probe answers. There is no Debian package for 7.2's source here, so only 6.12 is supported.

    python bench/ctool.py prepare           # download and unpack (once)
    python bench/ctool.py verify            # corpus inputs through the C tool == stored answers
    python bench/ctool.py olddefconfig CONFIG [-o OUT] [--arch ARCH --cross-compile PREFIX]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import refcorpus
from refcorpus import Target

SERIES = "6.12"
PACKAGE = f"linux-source-{SERIES}"
PACKAGE_VERSION = "6.12.117-1~deb12u1"
KERNEL_VERSION = "6.12.117"
FETCH_SCRIPT = refcorpus.REPO / "scripts" / "fetch-kconfig-tree.sh"

# The corpus was made with exactly this PATH: /root/.cargo/bin has a rustc here, and a rustc (or
# pahole, bindgen) on PATH flips RUST_IS_AVAILABLE, PAHOLE_VERSION and what depends on them.
CLEAN_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
HOST_TOOLS = ("make", "gcc", "flex", "bison", "bc")
APT_HOST_TOOLS = "apt-get install -y make gcc flex bison bc"


class CToolError(Exception):
    """The C tool could not be prepared or run; the message says what to install or fix."""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kcheck-bench"


def clean_env() -> dict[str, str]:
    """A minimal environment for make: anything inherited (MAKEFLAGS, KCONFIG_CONFIG, CC, ARCH,
    KBUILD_OUTPUT, a rustc on PATH, ...) could change what the C tool writes."""
    return {
        "PATH": CLEAN_PATH,
        "HOME": os.environ.get("HOME", "/root"),
        "LC_ALL": "C",
    }


def check_tools(target: Target | None = None) -> None:
    """Raise, naming the apt-get line to run, if a host tool or the cross gcc is missing."""
    missing = [tool for tool in HOST_TOOLS if shutil.which(tool, path=CLEAN_PATH) is None]
    if missing:
        raise CToolError(f"missing {', '.join(missing)} on {CLEAN_PATH}; run: {APT_HOST_TOOLS}")
    if target is not None and target.cross_compile:
        gcc = f"{target.cross_compile}gcc"
        if shutil.which(gcc, path=CLEAN_PATH) is None:
            # Debian's cross gcc for prefix P is the package gcc-P (without the last dash).
            package = f"gcc-{target.cross_compile.removesuffix('-')}"
            raise CToolError(f"missing {gcc} on {CLEAN_PATH}; run: apt-get install -y {package}")


def source_dir(cache: Path | None = None) -> Path:
    # '~' from the Debian version is kept out of the path: make treats some characters in srctree
    # specially, and a plain name is easier to type.
    return (cache or cache_root()) / f"linux-{PACKAGE_VERSION.replace('~', '-')}"


def _stamp_ok(tree: Path) -> bool:
    stamp = tree / ".fetch-kconfig-tree"
    if not stamp.is_file():
        return False
    fields = dict(line.split("=", 1) for line in stamp.read_text().splitlines() if "=" in line)
    return fields.get("version") == PACKAGE_VERSION and fields.get("full") == "yes"


def prepare_source(cache: Path | None = None, deb: Path | None = None) -> Path:
    """The full 6.12.117 source tree, downloaded and unpacked on first use (~150 MB, ~30 s)."""
    tree = source_dir(cache)
    if _stamp_ok(tree):
        return tree
    tree.parent.mkdir(parents=True, exist_ok=True)
    # Two benchmark runs started together must not both unpack into the same place.
    with open(tree.parent / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp_ok(tree):
            return tree
        if tree.exists():
            raise CToolError(
                f"{tree} exists but is not a complete {PACKAGE} {PACKAGE_VERSION} tree "
                "(no or wrong .fetch-kconfig-tree stamp); remove it and run again"
            )
        command = [
            str(FETCH_SCRIPT),
            "--full",
            "--package-version",
            PACKAGE_VERSION,
            *(["--deb", str(deb)] if deb is not None else []),
            SERIES,
            str(tree),
        ]
        print(f"ctool: preparing {tree} (once)", file=sys.stderr)
        result = subprocess.run(command, check=False)
        if result.returncode != 0:
            raise CToolError(
                f"{FETCH_SCRIPT.name} failed (exit {result.returncode}). It needs "
                f"'{PACKAGE}={PACKAGE_VERSION}' from apt (run 'apt-get update'; on Debian 12 "
                "it is in bookworm-security) or --deb with the downloaded package"
            )
    if not _stamp_ok(tree):
        raise CToolError(f"{tree}: preparing finished but the tree is not complete")
    return tree


@dataclass(frozen=True)
class Run:
    """One `make olddefconfig`: the .config it wrote and the wall time of make itself."""

    output: str
    seconds: float


class CTool:
    """`make olddefconfig` on a prepared source tree, one build directory per ARCH/CROSS_COMPILE.

    The first run in a build directory also builds scripts/kconfig/conf (cold, ~3-4 s); later runs
    reuse it (warm), which is what the benchmarks compare against.
    """

    def __init__(self, source: Path, workdir: Path | None = None) -> None:
        self.source = source
        self.workdir = workdir or (cache_root() / "build")

    def outdir(self, target: Target) -> Path:
        return self.workdir / f"{target.arch}-{target.cross_compile.rstrip('-') or 'native'}"

    def command(self, target: Target) -> list[str]:
        return [
            "make",
            "-s",
            "-C",
            str(self.source),
            f"O={self.outdir(target)}",
            f"ARCH={target.arch}",
            f"CROSS_COMPILE={target.cross_compile}",
            "olddefconfig",
        ]

    def olddefconfig(self, config: Path, target: Target) -> Run:
        """Run make olddefconfig on a copy of CONFIG; the input file is never touched."""
        check_tools(target)
        out = self.outdir(target)
        out.mkdir(parents=True, exist_ok=True)
        dotconfig = out / ".config"
        shutil.copyfile(config, dotconfig)
        start = time.perf_counter()
        result = subprocess.run(
            self.command(target),
            env=clean_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise CToolError(
                f"make olddefconfig failed for {config} ({target.label}, exit "
                f"{result.returncode}):\n{result.stdout}{result.stderr}"
            )
        return Run(dotconfig.read_text(encoding="utf-8"), seconds)


def verify(tool: CTool, entries: list[refcorpus.Entry]) -> bool:
    """Each corpus input through the C tool must give the stored answer byte for byte.

    This proves the setup (source, compilers, PATH) matches the one that made the corpus, so the
    benchmarks compare against the same tool the corpus answers came from.
    """
    checks: list[tuple[str, str, Path, Path, Target]] = []
    for entry in entries:
        checks.append((entry.name, "perturbed", entry.perturbed, entry.expected, entry.target))
        if entry.defconfig is not None:
            # A defconfig's answer is the full config, reached with real toolchain probes.
            checks.append((entry.name, "defconfig", entry.defconfig, entry.config, entry.target))
    counts: dict[str, list[int]] = {}
    for name, kind, source, answer, target in checks:
        run = tool.olddefconfig(source, target)
        comparison = refcorpus.compare(answer.read_text(encoding="utf-8"), run.output)
        tally = counts.setdefault(kind, [0, 0])
        tally[0 if comparison.identical else 1] += 1
        verdict = "identical" if comparison.identical else f"DIFFERS ({comparison.differing} lines)"
        print(f"{name:28} {kind:10} {target.label:32} {run.seconds:6.2f} s  {verdict}")
        for line in comparison.sample:
            print(f"    {line}")
    total_ok = sum(tally[0] for tally in counts.values())
    total = sum(sum(tally) for tally in counts.values())
    for kind, (ok, bad) in counts.items():
        print(f"{kind}: {ok}/{ok + bad} identical to the corpus answer")
    print(f"total: {total_ok}/{total} identical")
    return total_ok == total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cache", type=Path, help="cache directory (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="download and unpack the source (once)")
    prep.add_argument("--deb", type=Path, help=f"an already downloaded {PACKAGE} .deb")
    ver = sub.add_parser("verify", help="run every corpus input; compare with the stored answers")
    ver.add_argument("--corpus", type=Path, default=refcorpus.DEFAULT_CORPUS)
    odc = sub.add_parser("olddefconfig", help="run make olddefconfig on one config")
    odc.add_argument("config", type=Path)
    odc.add_argument("-o", "--output", type=Path, help="write the result here (default: stdout)")
    odc.add_argument("--arch", help="ARCH= (default: from the config's header)")
    odc.add_argument("--cross-compile", help="CROSS_COMPILE= (default: from CC_VERSION_TEXT)")
    args = parser.parse_args(argv)

    try:
        cache: Path | None = args.cache
        if args.command == "prepare":
            check_tools()
            print(prepare_source(cache, args.deb))
            return 0
        tool = CTool(prepare_source(cache), (cache or cache_root()) / "build")
        if args.command == "verify":
            entries = refcorpus.load(args.corpus)
            return 0 if verify(tool, entries) else 1
        target = _target_for(args.config, args.arch, args.cross_compile)
        run = tool.olddefconfig(args.config, target)
        if args.output is None:
            sys.stdout.write(run.output)
        else:
            args.output.write_text(run.output, encoding="utf-8")
        print(f"ctool: {target.label}: {run.seconds:.2f} s", file=sys.stderr)
        return 0
    except (CToolError, refcorpus.CorpusError, OSError) as error:
        print(f"ctool: error: {error}", file=sys.stderr)
        return 2


def _target_for(config: Path, arch: str | None, cross: str | None) -> Target:
    if arch is not None and cross is not None:
        return Target(arch, cross)
    detected, _ = refcorpus.read_target(config)
    return Target(arch or detected.arch, detected.cross_compile if cross is None else cross)


if __name__ == "__main__":
    sys.exit(main())
