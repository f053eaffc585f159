"""Benchmark (not a test): `borderlab tradeoffs` with 50 trials on belarus-eu-2021.

Levers: the share of Polish guards on duty and the pushback share of the October 2021 law; objectives: crossings into Poland, deaths and
guard-days over October–November 2021; 4 runs per trial (issue #9 asks for 50 trials and
their wall time on 2 cores). Prints the wall time, seconds per trial and the load averages.

    .venv/bin/python benchmarks/tradeoffs_bench.py                       # 50 trials × 4 runs, 2 workers
    .venv/bin/python benchmarks/tradeoffs_bench.py --trials 10 --runs-per-trial 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

LEVERS = ["defenders.PL.duty_fraction=0.2:0.4", "events.pl-pushback-law.share=0.0:1.0"]
OBJECTIVES = ["crossings:PL", "deaths:PL", "guard_days:PL"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--runs-per-trial", type=int, default=4)
    ap.add_argument("--window", default="2021-10-01:2021-11-30")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from borderlab.decisions.tradeoffs import tradeoffs

    tmp = Path(tempfile.mkdtemp(prefix="tradeoffs-bench-"))
    try:
        t0 = time.perf_counter()
        result = tradeoffs(args.scenario, LEVERS, OBJECTIVES, args.trials, tmp / "out", runs_per_trial=args.runs_per_trial,
                           window=args.window, workers=args.workers)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    figures = {"scenario": args.scenario, "trials": args.trials, "runs_per_trial": args.runs_per_trial,
               "workers": args.workers, "wall_s": round(wall, 1), "s_per_trial": round(wall / args.trials, 2),
               "pareto_trials": result["pareto_trials"], "load_average": os.getloadavg()}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
