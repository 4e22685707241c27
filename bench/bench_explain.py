"""Time what ``--explain`` adds to a warm ``kcheck guest``, on corenet32 and tinyconfig.

Two measurements per config, both on a warm parsed-tree cache (a private XDG_CACHE_HOME that
the first, untimed run fills):

- in process: ``check_loaded`` plus rendering the text report, without and with
  ``explain=True``, on a tree loaded once -- exactly the extra work ``--explain`` does;
- end to end: ``python -m kcheck guest CONFIG --tree T`` without and with ``--explain`` as
  subprocesses, interleaved, medians (includes process start and unpickling the tree, so the
  difference is noisier).

The target: the explain overhead is at most 100 ms. The script prints numbers and never
asserts on them.

    python bench/bench_explain.py [--runs N] [--shared DIR]

Exit codes: 0 the benchmark ran; 2 the trees or the corpus are missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kcheck import app  # noqa: E402
from kcheck.model import Result  # noqa: E402
from kcheck.profiles import load_profile  # noqa: E402
from kcheck.reporters.text import render_text  # noqa: E402

CASES = (
    ("6.12", "corenet32_smp_defconfig"),
    ("7.2", "corenet32_smp_defconfig"),
    ("6.12", "tinyconfig-x86_64"),
    ("7.2", "tinyconfig-x86_64"),
)
TARGET_MS = 100.0


def _walk(result: Result) -> Iterator[Result]:
    yield result
    for child in result.children:
        yield from _walk(child)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def in_process(tree: Path, config: Path, cache: Path, runs: int) -> tuple[float, float, int]:
    """Median ms of check + render without and with explain, and how many chains."""
    inputs = app.Inputs(config=str(config), tree=tree, cache_dir=cache)
    loaded = app.load_inputs(inputs, lambda _message: None)
    profile = load_profile("guest")

    def plain() -> str:
        return render_text(app.check_loaded(profile, loaded), width=100)

    def explained() -> str:
        return render_text(app.check_loaded(profile, loaded, explain=True), width=100)

    plain()
    explained()
    report = app.check_loaded(profile, loaded, explain=True)
    chains = sum(1 for result in report.results for each in _walk(result) if each.chain)
    without = median_ms(plain, runs)
    with_explain = median_ms(explained, runs)
    return without, with_explain, chains


def end_to_end(tree: Path, config: Path, cache: Path, runs: int) -> tuple[float, float]:
    """Median ms of warm ``kcheck guest`` subprocesses without and with ``--explain``."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "NO_COLOR": "1", "COLUMNS": "100"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    base = [sys.executable, "-m", "kcheck", "guest", str(config), "--tree", str(tree)]
    commands = (base, [*base, "--explain"])
    for command in commands:  # fill the cache, warm the page cache
        subprocess.run(command, env=env, capture_output=True, check=False)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for i, command in enumerate(commands):
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, check=False)
            times[i].append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                raise SystemExit(f"kcheck failed ({done.returncode}): {done.stderr.decode()}")
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per measurement")
    parser.add_argument(
        "--shared",
        type=Path,
        default=REPO / "tests" / "data",
        help="a directory with kernels/ and corpus/ (default: tests/data; ../shared has the same)",
    )
    args = parser.parse_args()
    shared: Path = args.shared
    if not (shared / "corpus").is_dir():
        print(f"bench_explain: {shared}/corpus is missing", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kcheck-bench-explain-") as tmp:
        root = Path(tmp)
        trees: dict[str, Path] = {}
        for version in sorted({v for v, _ in CASES}):
            tarball = shared / "kernels" / f"linux-{version}-kconfig.tar.xz"
            if not tarball.is_file():
                print(f"bench_explain: {tarball} is missing", file=sys.stderr)
                return 2
            with tarfile.open(tarball) as tar:
                tar.extractall(root / "trees", filter="data")
            trees[version] = root / "trees" / f"linux-{version}"
        cache = root / "cache"
        print(f"{args.runs} timed runs each, medians in ms; load average {os.getloadavg()[0]:.2f}")
        header = (
            f"{'config':<34}{'chains':>7}{'check':>9}{'+explain':>10}{'extra':>8}"
            f"{'guest':>9}{'--explain':>11}{'extra':>8}"
        )
        print(header)
        print("-" * len(header))
        worst = 0.0
        for version, name in CASES:
            config = shared / "corpus" / version / f"{name}.config"
            tree = trees[version]
            without, with_explain, chains = in_process(tree, config, cache / "kcheck", args.runs)
            e2e_without, e2e_with = end_to_end(tree, config, cache, args.runs)
            extra = with_explain - without
            worst = max(worst, extra, e2e_with - e2e_without)
            print(
                f"{name + ' (' + version + ')':<34}{chains:>7}{without:>9.1f}{with_explain:>10.1f}"
                f"{extra:>8.1f}{e2e_without:>9.0f}{e2e_with:>11.0f}{e2e_with - e2e_without:>8.0f}"
            )
        verdict = "within" if worst <= TARGET_MS else "OVER"
        print(f"largest extra time: {worst:.1f} ms ({verdict} the {TARGET_MS:.0f} ms target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
