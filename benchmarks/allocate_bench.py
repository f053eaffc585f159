"""Benchmark (not a test): `borderlab allocate` for Poland on belarus-eu-2021, end to end.

Target (issue #9): ≤ 5 minutes on a 2-core machine — the scenario arm, the payoff estimate
and game, the Optuna search, the four other arms, tables and plot. Prints the wall time,
the share of it spent solving the game, runs per second and the load averages (on a
shared machine the figure depends on what else runs).

    .venv/bin/python benchmarks/allocate_bench.py                        # 20 runs per arm, 2 workers
    .venv/bin/python benchmarks/allocate_bench.py --runs 10 --workers 1
    .venv/bin/python benchmarks/allocate_bench.py --json figures.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--country", default="PL")
    ap.add_argument("--window", default="2021-10-01:2021-11-30")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from borderlab.decisions.allocate import allocate
    from borderlab.decisions.game import solve
    from borderlab.decisions.payoffs import static_payoffs
    from borderlab.scenario.loader import load_scenario

    tmp = Path(tempfile.mkdtemp(prefix="allocate-bench-"))
    try:
        t0 = time.perf_counter()
        result = allocate(args.scenario, args.country, tmp / "out", window=args.window, runs=args.runs,
                          workers=args.workers, plots=True)
        wall = time.perf_counter() - t0
        # the game alone, on the payoffs of the finished study (no runs)
        loaded = load_scenario(args.scenario)
        a, b = result["window"]
        import datetime as dt
        p = static_payoffs(loaded, args.country, dt.date.fromisoformat(a), dt.date.fromisoformat(b))
        n_days = p.hold.shape[1]
        import numpy as np
        p.groups, p.people, p.force = np.ones((len(p.segments), n_days)), np.full((len(p.segments), n_days), 6.0), np.full(n_days, 1000.0)
        t1 = time.perf_counter()
        solve(p.game())
        game_s = time.perf_counter() - t1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    runs_total = 5 * args.runs + result["search"]["runs_used"]
    figures = {"scenario": args.scenario, "country": args.country, "window": args.window, "runs_per_arm": args.runs,
               "workers": args.workers, "runs_total": runs_total, "wall_s": round(wall, 1),
               "runs_per_s": round(runs_total / wall, 2), "game_solve_s": round(game_s, 3),
               "target_s": 300, "load_average": os.getloadavg(), "finding": result["finding"]}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
