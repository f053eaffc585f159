"""Benchmark (not a test): the nightly-size fuzz run of issue 10, reporting counts.

Draws `--scale` times as many cases as CI from every suite of tests/fuzz/fuzz_corpus.py, with
a fresh random seed (or `--seed`), runs each case in-process exactly as the CI suite does
(one child process per suite, so an input that kills the interpreter counts as a crash), and
reports per suite and in total: cases, clean errors, accepted (valid or harmless
mutations), tracebacks, hangs, errors that do not name the input, wrong acceptances
(exit 0 for an input the mutation made invalid) and wrong refusals. Unlike CI it does not
stop at the first failure: every failing case is listed with its command line.

    .venv/bin/python benchmarks/fuzz_nightly.py                       # 10× CI (~12,000 cases)
    .venv/bin/python benchmarks/fuzz_nightly.py --scale 1 --seed 0    # CI-sized, reproducible
    .venv/bin/python benchmarks/fuzz_nightly.py --suite "Flee limits" --json counts.json

Exit code 1 if any case failed, so a scheduled job can alert.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[1] / "tests" / "fuzz"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=10.0, help="examples per suite = scale × the CI count (default 10)")
    ap.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random, printed)")
    ap.add_argument("--suite", action="append", default=None, help="run only this suite (repeatable)")
    ap.add_argument("--json", type=Path, default=None, help="write the counts and failures here")
    ap.add_argument("--show", type=int, default=20, help="failures printed per suite (default 20)")
    ap.add_argument("--bound", type=float, default=None, help="seconds after which a case counts as a hang (default: the harness's)")
    ap.add_argument("--in-process", action="store_true",
                    help="run the suites in this process (default: one child process per suite, so a crash is counted)")
    args = ap.parse_args(argv)
    if not args.in_process:
        return run_in_children(args)

    sys.path.insert(0, str(FUZZ))
    from hypothesis import HealthCheck, Phase, given, seed, settings

    import flee_mutations as fm
    from fuzz_corpus import NEEDS_FLEE, SUITES
    import fuzz_harness
    from fuzz_harness import run_case

    if args.bound is not None:
        fuzz_harness.BOUND_CAP_S = args.bound

    chosen = args.suite or list(SUITES)
    unknown = [s for s in chosen if s not in SUITES]
    if unknown:
        ap.error(f"unknown suite(s) {unknown}; choose from {list(SUITES)}")
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz_nightly: seed {run_seed}, scale {args.scale:g}, load average {os.getloadavg()[0]:.1f}", flush=True)

    report: dict = {"seed": run_seed, "scale": args.scale, "suites": {}, "failures": []}
    total: Counter = Counter()
    t_all = time.perf_counter()
    for name in chosen:
        if name in NEEDS_FLEE and not fm.available():
            print(f"{name}: skipped (shared Flee folders not present)")
            continue
        strategy, ci_examples = SUITES[name]
        counts: Counter = Counter()
        failures: list[dict] = []

        @seed(run_seed)
        @settings(max_examples=max(1, int(ci_examples * args.scale)), deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=strategy())
        def one(case):
            outcome, problem = run_case(case)
            counts["cases"] += 1
            counts[outcome.kind] += 1
            counts["slowest_s"] = max(counts["slowest_s"], outcome.seconds)
            if problem is not None:
                counts["failed"] += 1
                failures.append({"suite": name, "problem": problem, "label": case.label,
                                 "args": case.args, "expect": case.expect, "exit": outcome.exit_code,
                                 "output": outcome.output[-1500:]})

        t = time.perf_counter()
        one()
        secs = time.perf_counter() - t
        slowest = counts.pop("slowest_s", 0)
        print(f"{name}: {dict(counts)} in {secs:.1f} s (slowest case {slowest:.2f} s)", flush=True)
        for f in failures[: args.show]:
            print(f"  FAILED {f['problem']}: {f['label']}\n    borderlab {' '.join(f['args'])[:300]}\n    "
                  + f["output"].strip().replace("\n", "\n    ")[:1200])
        total.update(counts)
        report["suites"][name] = {**counts, "seconds": round(secs, 1)}
        report["failures"] += failures
    report["total"] = {**total, "seconds": round(time.perf_counter() - t_all, 1)}
    print("total: " + ", ".join(f"{k} {v}" for k, v in report["total"].items()))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 1 if total["failed"] else 0


def run_in_children(args) -> int:
    """Each suite in its own process: an input that kills the interpreter (a C stack
    overflow, the out-of-memory killer) is counted as a crash instead of ending the run."""
    import subprocess
    import tempfile

    sys.path.insert(0, str(FUZZ))
    from fuzz_corpus import SUITES

    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"fuzz_nightly: seed {run_seed} (rerun with --seed {run_seed}), scale {args.scale:g}", flush=True)
    report: dict = {"seed": run_seed, "scale": args.scale, "suites": {}, "failures": []}
    total: Counter = Counter()
    t_all = time.perf_counter()
    for name in args.suite or list(SUITES):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "suite.json"
            cmd = [sys.executable, __file__, "--in-process", "--suite", name, "--scale", str(args.scale), "--seed",
                   str(run_seed), "--show", str(args.show), "--json", str(out)]
            if args.bound is not None:
                cmd += ["--bound", str(args.bound)]
            rc = subprocess.run(cmd).returncode
            if rc in (0, 1) and out.exists():
                child = json.loads(out.read_text())
                counts = child["suites"].get(name, {})
                report["failures"] += child["failures"]
            else:
                how = f"signal {-rc}" if rc < 0 else f"exit code {rc}"
                print(f"{name}: the process died ({how}): counted as a crash", flush=True)
                counts = {"crashed": 1, "failed": 1}
                report["failures"].append({"suite": name, "problem": f"process died ({how})"})
        report["suites"][name] = counts
        total.update({k: v for k, v in counts.items() if k != "seconds"})
    report["total"] = {**total, "seconds": round(time.perf_counter() - t_all, 1)}
    print("total: " + ", ".join(f"{k} {v}" for k, v in report["total"].items()))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
