"""Time `kcheck merge` against `merge_config.sh -m` + `make olddefconfig` on the same input.

For each (corpus config, fragment) pair both tools merge the fragment onto a copy of the
config in the same run: the C side is scripts/kconfig/merge_config.sh -m followed by a warm
`make olddefconfig` (conf already built), run like the corpus was made (ctool.clean_env(),
the arch's cross compiler); the kcheck side is the `kcheck merge BASE FRAGMENT --tree SRC -o
OUT` command line (a fresh process, its parsed tree cached, as a user runs it twice). Each is
run --runs times; the median of each, the ratio C/kcheck, and whether the outputs are the
same are printed per pair.

    python bench/bench_merge.py [--src DIR] [--corpus DIR] [--runs N] [--pairs NAME+FRAG ...]

--src is the full 6.12 source (default $KCHECK_LINUX_SRC, else /work/src/linux-source-6.12,
else what `python bench/ctool.py prepare` unpacked). Nothing is asserted; exit 0 when it ran,
2 on a setup error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ctool  # noqa: E402
import refcorpus  # noqa: E402
from kcheck_runner import KcheckCli, KcheckUnavailable  # noqa: E402

DEFAULT_PAIRS = (
    "x86_64_defconfig+kernel/configs/kvm_guest.config",
    "debian-amd64-none+kernel/configs/debug.config",
    "arm64_defconfig+arch/arm64/configs/virt.config",
    "debian-arm64-none+kernel/configs/kvm_guest.config",
    "mpc85xx_smp_defconfig+arch/powerpc/configs/85xx-smp.config",
)


def _source(given: str | None) -> Path:
    for candidate in (given, os.environ.get("KCHECK_LINUX_SRC"), "/work/src/linux-source-6.12"):
        if candidate and (Path(candidate) / "scripts" / "kconfig" / "merge_config.sh").is_file():
            return Path(candidate)
    return ctool.source_dir()


def _c_merge(
    src: Path, work: Path, base: Path, fragment: Path, target: refcorpus.Target
) -> tuple[str, float]:
    out = work / f"c-{target.arch}"
    out.mkdir(exist_ok=True)
    shutil.copyfile(base, out / ".config")
    env = ctool.clean_env()
    start = time.perf_counter()
    subprocess.run(
        [
            "sh",
            str(src / "scripts" / "kconfig" / "merge_config.sh"),
            "-m",
            "-O",
            str(out),
            str(out / ".config"),
            str(fragment),
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(src),
            f"O={out}",
            f"ARCH={target.arch}",
            f"CROSS_COMPILE={target.cross_compile}",
            "olddefconfig",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    return (out / ".config").read_text(encoding="utf-8"), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src")
    parser.add_argument("--corpus", type=Path, default=refcorpus.DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pairs", nargs="*", default=list(DEFAULT_PAIRS))
    args = parser.parse_args(argv)
    src = _source(args.src)
    if not (src / "Makefile").is_file():
        print(f"bench_merge: no kernel source at {src}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kcheck-bench-merge-") as tmp:
        work = Path(tmp)
        cli = KcheckCli(work / "cache")
        try:
            cli.check_available(("merge",))
        except KcheckUnavailable as e:
            print(f"bench_merge: {e}", file=sys.stderr)
            return 2
        print(f"{'pair':62} {'C tool s':>9} {'kcheck s':>9} {'ratio':>6}  same")
        for pair in args.pairs:
            name, _, fragment_rel = pair.partition("+")
            base = args.corpus / f"{name}.config"
            fragment = src / fragment_rel
            try:
                target, _ = refcorpus.read_target(base)
                ctool.check_tools(target)
            except (refcorpus.CorpusError, ctool.CToolError) as e:
                print(f"bench_merge: {e}", file=sys.stderr)
                return 2
            _c_merge(src, work, base, fragment, target)  # warm: conf built once
            command = [
                "merge",
                str(base),
                str(fragment),
                "--tree",
                str(src),
                "-o",
                str(work / "k.config"),
                "--format",
                "json",
            ]
            cli.run(command)  # warm: the parsed tree is in the cache
            c_times, k_times = [], []
            c_out = ""
            for _ in range(args.runs):
                c_out, seconds = _c_merge(src, work, base, fragment, target)
                c_times.append(seconds)
                k_times.append(cli.run(command).seconds)
            same = c_out == (work / "k.config").read_text(encoding="utf-8")
            c_med, k_med = statistics.median(c_times), statistics.median(k_times)
            print(
                f"{pair:62} {c_med:9.2f} {k_med:9.2f} {c_med / k_med:5.1f}x  "
                + ("yes" if same else "NO")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
