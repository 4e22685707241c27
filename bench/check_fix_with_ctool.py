"""Check kcheck's fix plans with the kernel's own tools: merge_config.sh + make olddefconfig.

For every 6.12 corpus config (NAME.config and NAME.perturbed.config) and each profile, kcheck
plans a fix on the C tool's own source tree, writes the fragment, and the kernel's
scripts/kconfig/merge_config.sh -m merges it into the config; the C tool's `make olddefconfig`
then resolves the result. Counted, per plan and in total:

- targets held: the requirements the plan targets that pass on the C tool's output (checked
  by kcheck reading that output), and those that do not;
- declared impossible: the requirements kcheck said no plan can meet;
- undeclared disables: symbols y/m in `make olddefconfig` of the original config and n (or
  absent) in the C tool's output of the merged one that the plan did not declare (its n lines,
  its disabled/lowered side effects, or values the config itself asks for).

    python bench/check_fix_with_ctool.py [--corpus DIR] [--profiles ...] [--configs NAME ...]
                                         [--all] [-v]

Exit codes: 0 every target held and no undeclared disable; 1 otherwise; 2 setup error (no C
tool: run `python bench/ctool.py prepare` first).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import ctool  # noqa: E402
import refcorpus  # noqa: E402

from kcheck import app, fixer  # noqa: E402
from kcheck.fragment import render_fragment  # noqa: E402
from kcheck.kernel.dotconfig import ConfigInput, parse_dotconfig  # noqa: E402
from kcheck.model import EffectKind, Status  # noqa: E402
from kcheck.profiles import load_profile  # noqa: E402

PROFILES = ("guest", "host-bridge", "host-nat")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=refcorpus.DEFAULT_CORPUS)
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES))
    parser.add_argument("--configs", nargs="+", default=None)
    parser.add_argument("--all", action="store_true", help="optional requirements too")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    source = ctool.source_dir()
    merge = source / "scripts" / "kconfig" / "merge_config.sh"
    try:
        ctool.check_tools()
        entries = refcorpus.load(args.corpus)
        if args.configs:
            entries = refcorpus.select(entries, args.configs)
    except (ctool.CToolError, refcorpus.CorpusError) as e:
        print(f"setup: {e}")
        return 2
    if not merge.is_file():
        print(f"setup: no {merge}: run `python bench/ctool.py prepare` first")
        return 2
    tool = ctool.CTool(source)
    totals = {"held": 0, "not held": 0, "impossible": 0, "undeclared": 0, "plans": 0}
    print(
        f"{'config':40} {'profile':12} {'lines':>5} {'held':>4} {'NOT':>3} {'imp':>3} {'undecl':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cache = tmp / "cache"
        for entry in entries:
            for config in (entry.config, entry.perturbed):
                inputs = app.Inputs(config=str(config), tree=source, cache_dir=cache)
                before_text = tool.olddefconfig(config, entry.target).output
                before = parse_dotconfig(ConfigInput("before", before_text))
                for profile in args.profiles:
                    # Loaded again each time: checking the merged output below loads that
                    # into the same (cached) tree.
                    loaded = app.load_inputs(inputs, lambda _msg: None)
                    report = app.check_loaded(load_profile(profile), loaded)
                    plan = fixer.fix(
                        report, loaded.tree, loaded.config.text, include_optional=args.all
                    )
                    fragment = tmp / f"kcheck-{profile}.config"
                    fragment.write_text(render_fragment(plan))
                    out = tmp / "merged"
                    out.mkdir(exist_ok=True)
                    subprocess.run(
                        ["sh", str(merge), "-m", "-O", str(out), str(config), str(fragment)],
                        env=ctool.clean_env(),
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    after_text = tool.olddefconfig(out / ".config", entry.target).output
                    after_path = tmp / "after.config"
                    after_path.write_text(after_text)
                    after = parse_dotconfig(ConfigInput("after", after_text))
                    checked = app.check_loaded(
                        load_profile(profile),
                        app.load_inputs(
                            app.Inputs(config=str(after_path), tree=source, cache_dir=cache),
                            lambda _msg: None,
                        ),
                    )
                    status = {r.id: r.status for r in checked.results}
                    held = [t for t in plan.targets if status.get(t) is Status.PASS]
                    not_held = [t for t in plan.targets if status.get(t) is not Status.PASS]
                    declared = set(plan.turns_off) | {
                        c.symbol for c in plan.changes if c.value == "n"
                    }
                    declared |= {
                        e.symbol for e in plan.side_effects if e.kind is EffectKind.AS_REQUESTED
                    }
                    undeclared = sorted(
                        name
                        for name, value in before.assignments.items()
                        if value.value in ("y", "m")
                        and (after.get(name) or "n") == "n"
                        and name not in declared
                    )
                    totals["plans"] += 1
                    totals["held"] += len(held)
                    totals["not held"] += len(not_held)
                    totals["impossible"] += len(plan.impossible)
                    totals["undeclared"] += len(undeclared)
                    print(
                        f"{config.name[:40]:40} {profile:12} {len(plan.changes):5} "
                        f"{len(held):4} {len(not_held):3} {len(plan.impossible):3} "
                        f"{len(undeclared):6}"
                    )
                    if args.verbose and (not_held or undeclared):
                        print(f"    not held: {not_held}; undeclared: {undeclared[:10]}")
    print(
        f"\nplans {totals['plans']}: targets held {totals['held']}, not held "
        f"{totals['not held']}, declared impossible {totals['impossible']}, undeclared "
        f"disables {totals['undeclared']}"
    )
    return 0 if totals["not held"] == 0 and totals["undeclared"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
