"""Configs per second when one kcheck process checks many configs against one parsed tree.

Copies every corpus config of a tree version (full configs and perturbed inputs, several
times over) into a temporary directory and times ``kcheck guest DIR --tree TREE --quiet`` on
it, cold (empty cache) and warm (cache filled by the cold run), with --jobs 1 and 2. The
configs-per-second figure excludes nothing: process start, tree loads (one per arch) and
rendering are all in it. Target: at least 30 configs/s warm on one core.

    python bench/bench_batch.py [--version 6.12] [--copies 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KCHECK_SHARED", REPO.parent / "shared"))


def run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False, cwd=REPO)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"kcheck failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="6.12", choices=["6.12", "7.2"])
    parser.add_argument("--copies", type=int, default=3, help="copies of each corpus config")
    args = parser.parse_args()
    corpus = SHARED / "corpus" / args.version
    tarball = SHARED / "kernels" / f"linux-{args.version}-kconfig.tar.xz"
    if not corpus.is_dir() or not tarball.is_file():
        print(f"missing {corpus} or {tarball}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kcheck-bench-batch-") as tmp:
        root = Path(tmp)
        with tarfile.open(tarball) as tar:
            tar.extractall(root, filter="data")
        tree = root / f"linux-{args.version}"
        configs = root / "configs"
        configs.mkdir()
        sources = [p for p in sorted(corpus.glob("*.config")) if ".expected." not in p.name]
        for copy in range(args.copies):
            for source in sources:
                shutil.copy(source, configs / f"{copy}-{source.name}")
        count = len(sources) * args.copies
        env = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"), NO_COLOR="1")
        base = [sys.executable, "-m", "kcheck", "guest", str(configs), "--tree", str(tree), "-q"]
        arches = {line.split("/")[1].split()[0] for line in _headers(sources)}
        print(
            f"{count} configs ({len(sources)} corpus files x {args.copies}), Linux "
            f"{args.version}, arches: {', '.join(sorted(arches))}"
        )
        print(f"{'run':<18} {'seconds':>8} {'configs/s':>10}")
        cold = run(base, env)
        print(f"{'cold, --jobs 1':<18} {cold:8.2f} {count / cold:10.1f}")
        for jobs in (1, 2):
            times = sorted(run([*base, "--jobs", str(jobs)], env) for _ in range(3))
            median = times[1]
            print(f"{f'warm, --jobs {jobs}':<18} {median:8.2f} {count / median:10.1f}")
    print("target: >= 30 configs/s warm with --jobs 1")
    return 0


def _headers(paths: list[Path]) -> list[str]:
    out: list[str] = []
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("# Linux/"):
                    out.append(line)
                    break
    return out


if __name__ == "__main__":
    sys.exit(main())
