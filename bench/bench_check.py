"""Time warm `kcheck guest` and `kcheck resolve` against warm `make olddefconfig`, in one run.

Same tree (Debian's linux-source 6.12.117, see ctool.py) and the same input config for both
tools. "Warm" means what a user sees on the second run: the C tool's scripts/kconfig/conf is
already built, and kcheck's parsed-tree cache (in a private XDG_CACHE_HOME) is filled. Each
command runs once untimed, then --runs times; the table shows medians.

The project's target: warm `kcheck guest` <= 1/3 of warm `make olddefconfig`.

    python bench/bench_check.py [--runs N] [--configs NAME ...]

Exit codes: 0 the benchmark ran (also when kcheck is not available yet: that is reported, and
only the C tool is timed); 1 a kcheck command failed; 2 the C tool or the corpus is not usable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ctool
import refcorpus
from kcheck_runner import KcheckCli, KcheckUnavailable

DEFAULT_CONFIGS = ("x86_64_defconfig", "debian-amd64-none", "arm64_defconfig")
TARGET_RATIO = 1 / 3


@dataclass(frozen=True)
class Timing:
    """Wall times in seconds of the untimed first run and of the timed runs."""

    first: float
    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


@dataclass(frozen=True)
class Row:
    name: str
    target: refcorpus.Target
    ctool: Timing
    guest: Timing | None
    resolve: Timing | None
    resolve_matches: bool | None
    kcheck_error: str | None


def measure(
    entry: refcorpus.Entry,
    tool: ctool.CTool,
    cli: KcheckCli | None,
    tree: Path,
    scratch: Path,
    runs: int,
) -> Row:
    """Time make olddefconfig, kcheck guest and kcheck resolve on ENTRY's full config.

    The timed runs are interleaved (make, guest, resolve, make, ...) rather than done tool by
    tool, so that load from other processes on the machine, which drifts over a run of a
    minute, weighs on all three alike and the ratios stay meaningful.
    """
    config = entry.config
    out = scratch / f"{entry.name}.resolved.config"
    guest_args = ["guest", str(config), "--tree", str(tree)]
    resolve_args = ["resolve", str(config), "--tree", str(tree), "-o", str(out)]
    # First, untimed runs: make builds conf in its build directory if it is not there yet, and
    # kcheck parses the tree and fills its cache.
    c_first = tool.olddefconfig(config, entry.target)
    c_runs: list[ctool.Run] = []
    if cli is None:
        c_runs = [tool.olddefconfig(config, entry.target) for _ in range(runs)]
        c_timing = Timing(c_first.seconds, tuple(run.seconds for run in c_runs))
        return Row(entry.name, entry.target, c_timing, None, None, None, None)
    guest_times: list[float] = []
    resolve_times: list[float] = []
    try:
        guest_first = cli.run(guest_args).seconds
        resolve_first = cli.run(resolve_args).seconds
        for _ in range(runs):
            c_runs.append(tool.olddefconfig(config, entry.target))
            guest_times.append(cli.run(guest_args).seconds)
            resolve_times.append(cli.run(resolve_args).seconds)
    except KcheckUnavailable as error:
        if not c_runs:
            c_runs = [c_first]
        c_timing = Timing(c_first.seconds, tuple(run.seconds for run in c_runs))
        return Row(entry.name, entry.target, c_timing, None, None, None, str(error))
    c_timing = Timing(c_first.seconds, tuple(run.seconds for run in c_runs))
    # Not a timing, but cheap here and worth knowing next to the times: does kcheck's answer
    # equal the C tool's for this very input?
    matches = out.read_text(encoding="utf-8") == c_runs[-1].output
    return Row(
        entry.name,
        entry.target,
        c_timing,
        Timing(guest_first, tuple(guest_times)),
        Timing(resolve_first, tuple(resolve_times)),
        matches,
        None,
    )


def _ratio(timing: Timing | None, reference: Timing) -> str:
    if timing is None:
        return "n/a"
    return f"{timing.median:.3f} s ({timing.median / reference.median:.2f}x)"


def render(rows: list[Row], runs: int, tree: Path, load: tuple[float, float]) -> str:
    lines = [
        f"tree: {tree}",
        f"load average (1 min) at start {load[0]:.2f}, at end {load[1]:.2f}, "
        f"on {os.cpu_count()} CPUs; the timed runs are interleaved",
        f"medians of {runs} warm runs (first run untimed); make = make olddefconfig (C tool);",
        "ratio = kcheck / make; same = kcheck resolve wrote what make wrote; "
        "target: warm guest <= 1/3 of make",
        "",
        f"{'config':20} {'arch':8} {'make':>8} {'kcheck guest':>16} {'kcheck resolve':>16} "
        f"{'same':>4}  target",
    ]
    for row in rows:
        if row.guest is None:
            verdict = "not measured"
        elif row.guest.median <= TARGET_RATIO * row.ctool.median:
            verdict = "met"
        else:
            verdict = "NOT met"
        same = "n/a" if row.resolve_matches is None else ("yes" if row.resolve_matches else "NO")
        lines.append(
            f"{row.name:20} {row.target.arch:8} {row.ctool.median:6.3f} s "
            f"{_ratio(row.guest, row.ctool):>16} {_ratio(row.resolve, row.ctool):>16} "
            f"{same:>4}  {verdict}"
        )
    lines.append("")
    lines.append(
        "first (untimed) runs: make builds conf if needed; kcheck parses the tree once per arch"
    )
    for row in rows:
        first = [f"make {row.ctool.first:.2f} s"]
        if row.guest is not None and row.resolve is not None:
            first += [f"guest {row.guest.first:.2f} s", f"resolve {row.resolve.first:.2f} s"]
        lines.append(f"  {row.name:20} " + ", ".join(first))
    spread = [
        f"  {row.name:20} make {min(row.ctool.runs):.3f}-{max(row.ctool.runs):.3f} s"
        + (
            f", guest {min(row.guest.runs):.3f}-{max(row.guest.runs):.3f} s"
            if row.guest is not None
            else ""
        )
        for row in rows
    ]
    lines.append("min-max of the timed runs:")
    lines.extend(spread)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="timed runs (default: 5)")
    parser.add_argument(
        "--configs",
        nargs="+",
        default=list(DEFAULT_CONFIGS),
        metavar="NAME",
        help=f"corpus configs (NAME.config) to time (default: {' '.join(DEFAULT_CONFIGS)})",
    )
    parser.add_argument("--corpus", type=Path, default=refcorpus.DEFAULT_CORPUS)
    parser.add_argument(
        "--tree",
        type=Path,
        help="tree for kcheck (default: the C tool's full 6.12 source, so both read the same "
        "Kconfig files)",
    )
    parser.add_argument("--cache", type=Path, help="ctool cache directory")
    parser.add_argument(
        "--repo",
        type=Path,
        default=refcorpus.REPO,
        help="kcheck checkout whose `python -m kcheck` runs (default: this one, %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    try:
        entries = refcorpus.select(refcorpus.load(args.corpus), args.configs)
        source = ctool.prepare_source(args.cache)
        tool = ctool.CTool(source, (args.cache or ctool.cache_root()) / "build")
        for entry in entries:
            ctool.check_tools(entry.target)
    except (ctool.CToolError, refcorpus.CorpusError, OSError) as error:
        print(f"bench_check: error: {error}", file=sys.stderr)
        return 2
    tree: Path = args.tree or source

    with tempfile.TemporaryDirectory(prefix="kcheck-bench-") as tmp:
        scratch = Path(tmp)
        candidate = KcheckCli(scratch / "xdg-cache", args.repo.resolve())
        cli: KcheckCli | None = candidate
        unavailable = None
        try:
            candidate.check_available(("guest", "resolve"))
        except KcheckUnavailable as error:
            unavailable = f"kcheck CLI not available: {error}"
            print(f"{unavailable}; timing the C tool only", file=sys.stderr)
            cli = None
        rows = []
        load_start = os.getloadavg()[0]
        try:
            for entry in entries:
                print(f"bench_check: {entry.name} ...", file=sys.stderr)
                rows.append(measure(entry, tool, cli, tree, scratch, args.runs))
        except (ctool.CToolError, OSError) as error:
            print(f"bench_check: error: {error}", file=sys.stderr)
            return 2

    sys.stdout.write(render(rows, args.runs, tree, (load_start, os.getloadavg()[0])))
    failed = [row for row in rows if row.kcheck_error is not None]
    for row in failed:
        print(f"bench_check: {row.name}: kcheck failed: {row.kcheck_error}", file=sys.stderr)
    if unavailable is not None:
        print(unavailable)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
