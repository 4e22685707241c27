"""Timing of the kernel layer: cold parse, cache store, warm cache load, load_values, resolved_text.

Usage: python bench/bench_load.py SRCTREE ARCH CONFIG [REPEAT]
Prints the median of REPEAT runs (default 5) of each step, each warm load in a fresh process
(an in-process reload would reuse warm caches that a CLI run does not have).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kcheck.kernel.tree import load_tree


def _child(srctree: str, arch: str, cache_dir: str) -> None:
    t0 = time.perf_counter()
    tree = load_tree(Path(srctree), arch, cache_dir=Path(cache_dir))
    print(f"{time.perf_counter() - t0:.4f} {int(tree.from_cache)}")


def main() -> None:
    if sys.argv[1] == "--child":
        _child(*sys.argv[2:5])
        return
    srctree, arch, config = sys.argv[1:4]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    text = Path(config).read_text()
    cold, values, resolved = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            t0 = time.perf_counter()
            tree = load_tree(Path(srctree), arch)
            cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        load_tree(Path(srctree), arch, cache_dir=Path(tmp))
        store = time.perf_counter() - t0
        warm = []
        for _ in range(repeat):
            out = subprocess.run(
                [sys.executable, __file__, "--child", srctree, arch, tmp],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            assert out[1] == "1", "warm load did not come from the cache"
            warm.append(float(out[0]))
        for _ in range(repeat):
            t0 = time.perf_counter()
            tree.load_values(text, config)
            values.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            tree.resolved_text()
            resolved.append(time.perf_counter() - t0)
    med = statistics.median
    print(f"cold parse (no compiler)   {med(cold):.3f} s")
    print(f"parse + cache store        {store:.3f} s")
    print(f"warm load from cache       {med(warm):.3f} s")
    print(f"load_values                {med(values) * 1000:.0f} ms")
    print(f"resolved_text              {med(resolved) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
