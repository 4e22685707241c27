"""Does `kcheck resolve` write what the kernel's `make olddefconfig` writes? Same run, same tree.

For every 6.12 corpus config this runs both tools on
  - NAME.perturbed.config: kcheck answers the toolchain probes from the config (no compiler);
  - NAME.defconfig, where there is one: kcheck runs the real probes (--probe) with the same
    CROSS_COMPILE the C tool gets, since a minimal defconfig carries no probe answers,
and prints, per input, how many lines are identical and how many differ (C tool output is the
reference). The test suite checks the stored corpus answers; this checks against the tool itself.

    python bench/bench_agreement.py [--configs NAME ...] [--verbose]

Exit codes: 0 every output identical; 1 some differ or a kcheck run failed; 2 the C tool, the
corpus or the kcheck CLI is not usable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ctool
import refcorpus
from kcheck_runner import KcheckCli, KcheckUnavailable


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "perturbed" or "defconfig"
    source: Path
    target: refcorpus.Target
    probe: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    reference_lines: int
    comparison: refcorpus.Comparison | None
    error: str | None


def cases(entries: list[refcorpus.Entry]) -> list[Case]:
    result = []
    for entry in entries:
        result.append(Case(entry.name, "perturbed", entry.perturbed, entry.target, probe=False))
        if entry.defconfig is not None:
            result.append(Case(entry.name, "defconfig", entry.defconfig, entry.target, probe=True))
    return result


def kcheck_args(case: Case, tree: Path, out: Path) -> list[str]:
    args = ["resolve", str(case.source), "--tree", str(tree), "-o", str(out)]
    if case.probe:
        # A defconfig has no header naming its arch, so say it; and kcheck must run the same
        # compiler the C tool runs, or probe answers (and what depends on them) differ.
        args += ["--arch", case.target.arch, "--probe"]
        if case.target.cross_compile:
            args += ["--cross-compile", case.target.cross_compile]
    return args


def run_case(case: Case, tool: ctool.CTool, cli: KcheckCli, tree: Path, scratch: Path) -> Outcome:
    reference = tool.olddefconfig(case.source, case.target).output
    out = scratch / f"{case.name}.{case.kind}.resolved.config"
    out.unlink(missing_ok=True)
    try:
        cli.run(kcheck_args(case, tree, out))
    except KcheckUnavailable as error:
        return Outcome(case, len(reference.splitlines()), None, str(error))
    if not out.is_file():
        return Outcome(case, len(reference.splitlines()), None, f"kcheck wrote no {out}")
    comparison = refcorpus.compare(reference, out.read_text(encoding="utf-8"))
    return Outcome(case, len(reference.splitlines()), comparison, None)


def render(outcomes: list[Outcome], tree: Path, verbose: bool) -> str:
    lines = [
        f"tree: {tree}",
        "reference: make olddefconfig (C tool) in this run; '-' lines only in the C tool's "
        "output, '+' only in kcheck's",
        "",
        f"{'config':24} {'input':9} {'probes':25} {'lines':>6} {'identical':>9} {'differing':>9}"
        "  verdict",
    ]
    for outcome in outcomes:
        case = outcome.case
        probes = f"real, {case.target.cross_compile or 'gcc'}" if case.probe else "from config"
        if outcome.comparison is None:
            lines.append(
                f"{case.name:24} {case.kind:9} {probes:25} {outcome.reference_lines:6} "
                f"{'-':>9} {'-':>9}  ERROR"
            )
            continue
        comparison = outcome.comparison
        verdict = (
            "identical"
            if comparison.identical
            else f"differ (-{comparison.only_reference} +{comparison.only_other})"
        )
        lines.append(
            f"{case.name:24} {case.kind:9} {probes:25} {outcome.reference_lines:6} "
            f"{comparison.same:9} {comparison.differing:9}  {verdict}"
        )
        if verbose:
            lines.extend(f"    {line}" for line in comparison.sample)
    compared = [o.comparison for o in outcomes if o.comparison is not None]
    identical = sum(1 for c in compared if c.identical)
    lines += [
        "",
        f"outputs identical: {identical}/{len(outcomes)}"
        + (
            f" ({len(outcomes) - len(compared)} not compared: kcheck failed)"
            if len(compared) < len(outcomes)
            else ""
        ),
        f"lines identical: {sum(c.same for c in compared)}, "
        f"differing: {sum(c.differing for c in compared)}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--configs", nargs="+", metavar="NAME", help="corpus configs to compare (default: all)"
    )
    parser.add_argument("--corpus", type=Path, default=refcorpus.DEFAULT_CORPUS)
    parser.add_argument(
        "--tree", type=Path, help="tree for kcheck (default: the C tool's full 6.12 source)"
    )
    parser.add_argument("--cache", type=Path, help="ctool cache directory")
    parser.add_argument(
        "--repo",
        type=Path,
        default=refcorpus.REPO,
        help="kcheck checkout whose `python -m kcheck` runs (default: this one, %(default)s)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show differing lines")
    args = parser.parse_args(argv)

    try:
        entries = refcorpus.load(args.corpus)
        if args.configs:
            entries = refcorpus.select(entries, args.configs)
        source = ctool.prepare_source(args.cache)
        tool = ctool.CTool(source, (args.cache or ctool.cache_root()) / "build")
        for entry in entries:
            ctool.check_tools(entry.target)
    except (ctool.CToolError, refcorpus.CorpusError, OSError) as error:
        print(f"bench_agreement: error: {error}", file=sys.stderr)
        return 2
    tree: Path = args.tree or source

    with tempfile.TemporaryDirectory(prefix="kcheck-agreement-") as tmp:
        scratch = Path(tmp)
        cli = KcheckCli(scratch / "xdg-cache", args.repo.resolve())
        try:
            cli.check_available(("resolve",))
        except KcheckUnavailable as error:
            print(f"kcheck CLI not available: {error}", file=sys.stderr)
            return 2
        outcomes = []
        try:
            for case in cases(entries):
                print(f"bench_agreement: {case.name} {case.kind} ...", file=sys.stderr)
                outcomes.append(run_case(case, tool, cli, tree, scratch))
        except (ctool.CToolError, OSError) as error:
            print(f"bench_agreement: error: {error}", file=sys.stderr)
            return 2

    sys.stdout.write(render(outcomes, tree, args.verbose))
    for outcome in outcomes:
        if outcome.error is not None:
            print(
                f"bench_agreement: {outcome.case.name} {outcome.case.kind}: {outcome.error}",
                file=sys.stderr,
            )
    all_identical = all(o.comparison is not None and o.comparison.identical for o in outcomes)
    return 0 if all_identical else 1


if __name__ == "__main__":
    sys.exit(main())
