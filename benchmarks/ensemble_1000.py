"""Benchmark (not a test): a 1,000-run belarus-eu-2021 ensemble on a LocalCluster of 2 workers.

Target (issue #3): ≤ 5 minutes on a 2-core machine, end to end — cluster start, runs,
quantiles, DuckDB view, plots. Prints the wall time, runs per second, and where each run's
time goes (load / build / simulate / tabulate / write), so the overhead outside the
simulation itself can be seen.

    .venv/bin/python benchmarks/ensemble_1000.py                      # 1000 runs, 2 workers
    .venv/bin/python benchmarks/ensemble_1000.py --runs 100 --vary    # parameter draws
    .venv/bin/python benchmarks/ensemble_1000.py --json figures.json

First it times three single runs in this process (after a warm-up), without and with the
scenario cache, as the baseline: on a busy machine the simulation time inside the ensemble
is longer than this baseline, and the load averages printed show how busy it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def baseline(scenario: str, repeats: int = 3) -> dict:
    """Seconds per single run in this process: uncached load, cached load, build, simulate, tabulate."""
    from borderlab.scenario.loader import load_scenario
    from borderlab.studies.runspec import RunSpec, execute_timed

    execute_timed(RunSpec(0, 1, scenario))  # warm-up: numba kernels, imports, scenario cache
    loads, runs = [], []
    for i in range(repeats):
        t = time.perf_counter()
        load_scenario(scenario)
        loads.append(time.perf_counter() - t)
        runs.append(execute_timed(RunSpec(i, 100 + i, scenario))[1])
    return {"uncached_load_s": statistics.median(loads),
            **{k: statistics.median(r[k] for r in runs) for k in runs[0]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--vary", action="store_true", help="draw every ranged parameter (Latin hypercube)")
    ap.add_argument("--out", type=Path, default=None, help="study folder (default: a fresh temporary folder)")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    a = ap.parse_args()

    from borderlab.studies.ensemble import run_ensemble

    out = a.out or Path(tempfile.mkdtemp(prefix="borderlab-ensemble-")) / "ensemble"
    load0 = os.getloadavg()
    base = baseline(a.scenario)
    t0 = time.perf_counter()
    manifest = run_ensemble(a.scenario, a.runs, out, vary=a.vary, workers=a.workers, plots=not a.no_plots)
    wall = time.perf_counter() - t0
    ex = manifest["execution"]
    steady = ex["seconds_per_run_steady"] or ex["seconds_per_run"]
    busy = sum(steady.values())
    figures = {
        "scenario": a.scenario, "runs": a.runs, "workers": a.workers, "vary": a.vary,
        "cores": os.cpu_count(), "loadavg_before": load0, "loadavg_after": os.getloadavg(),
        "wall_s": round(wall, 1), "target_s": 300, "runs_per_s": round(a.runs / wall, 2),
        "cluster_start_s": ex["cluster_start_s"], "runs_wall_s": ex["wall_s"],
        "summarise_s (quantiles, views, plots)": ex["summarise_s"],
        "per_run_in_ensemble_s": steady, "first_run_extra_s": ex["first_run_extra_s"],
        "overhead_share_of_run": round(1 - steady["sim_s"] / busy, 4) if busy else None,
        "single_run_baseline_s": {k: round(v, 4) for k, v in base.items()},
        "out": str(out),
    }
    print(json.dumps(figures, indent=2))
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2))
    if a.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)


if __name__ == "__main__":  # Dask starts worker processes by spawning: keep the guard
    main()
