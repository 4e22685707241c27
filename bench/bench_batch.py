"""Configs per second when one kcheck process checks many configs against a parsed tree.

For each arch of the corpus (one tree each), copies that arch's corpus configs (full configs
and perturbed inputs, round robin) into a directory until it holds --count of them, and times
``kcheck guest DIR --tree TREE --quiet`` on it: cold (empty cache: the tree is parsed) and warm
(cache filled), with --jobs 1 and 2. Then the same for every corpus config of every arch in one
directory (three trees in one run). The configs-per-second figures exclude nothing: process
start, imports, tree loads and rendering are all in them. "1 config" is a warm run on a single
config (the fixed cost of a run); "marginal" is (N - 1) / (t_N - t_1), the rate once a run is
going. Target: at least 30 configs/s warm with --jobs 1 on one tree.

    python bench/bench_batch.py [--version 6.12] [--count 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The trees and corpus the tests carry (tests/data/README.md).
DATA = REPO / "tests" / "data"
TARGET = 30.0
sys.path.insert(0, str(REPO))

from kcheck.kernel.dotconfig import header_arch  # noqa: E402


def run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False, cwd=REPO)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"kcheck failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return seconds


def fill(folder: Path, sources: list[Path], count: int) -> list[Path]:
    folder.mkdir()
    out = []
    for i, source in zip(range(count), itertools.cycle(sources), strict=False):
        target = folder / f"{i:03d}-{source.name}"
        shutil.copy(source, target)
        out.append(target)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="6.12", choices=["6.12", "7.2"])
    parser.add_argument("--count", type=int, default=60, help="configs per one-tree run")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per figure (median)")
    args = parser.parse_args()
    corpus = DATA / "corpus" / args.version
    tarball = DATA / "kernels" / f"linux-{args.version}-kconfig.tar.xz"
    if not corpus.is_dir() or not tarball.is_file():
        print(f"missing {corpus} or {tarball}", file=sys.stderr)
        return 2
    sources = [p for p in sorted(corpus.glob("*.config")) if ".expected." not in p.name]
    by_arch: dict[str, list[Path]] = {}
    for source in sources:
        arch = header_arch(source.read_text(encoding="utf-8"))
        if arch:
            by_arch.setdefault(arch, []).append(source)
    with tempfile.TemporaryDirectory(prefix="kcheck-bench-batch-") as tmp:
        root = Path(tmp)
        with tarfile.open(tarball) as tar:
            tar.extractall(root, filter="data")
        tree = root / f"linux-{args.version}"
        sets = {
            arch: fill(root / arch, files, args.count) for arch, files in sorted(by_arch.items())
        }
        sets["all arches"] = fill(root / "all", sources, len(sources) * 3)
        print(
            f"Linux {args.version}; {os.cpu_count()} CPUs; load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; median of {args.runs} warm runs"
        )
        header = (
            f"{'configs':<22} {'n':>4} {'cold s':>7} {'warm s':>7} {'cfg/s':>6} "
            f"{'-j2 cfg/s':>9} {'1 config s':>10} {'marginal':>9}"
        )
        print(header)
        print("-" * len(header))
        met: dict[str, bool] = {}
        for name, files in sets.items():
            folder = files[0].parent
            env = dict(os.environ, XDG_CACHE_HOME=str(root / "cache" / name), NO_COLOR="1")
            base = [sys.executable, "-m", "kcheck", "guest", "--tree", str(tree), "-q"]
            cold = run([*base, str(folder)], env)

            def warm(extra: list[str], env: dict[str, str] = env, base: list[str] = base) -> float:
                return statistics.median(run([*base, *extra], env) for _ in range(args.runs))

            one = warm([str(files[0])])
            serial = warm([str(folder), "--jobs", "1"])
            double = warm([str(folder), "--jobs", "2"])
            n = len(files)
            marginal = (n - 1) / (serial - one) if serial > one else float("inf")
            rate = n / serial
            if name != "all arches":
                met[name] = rate >= TARGET
            print(
                f"{name:<22} {n:>4} {cold:7.2f} {serial:7.2f} {rate:6.1f} "
                f"{n / double:9.1f} {one:10.2f} {marginal:9.1f}"
            )
    verdict = ", ".join(f"{arch} {'met' if ok else 'NOT met'}" for arch, ok in met.items())
    print(f"target: >= {TARGET:.0f} configs/s warm with --jobs 1 on one tree: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
