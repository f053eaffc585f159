"""Benchmark: `borderlab calibrate FLEE_FOLDER` — wall time of N trials and the after-DAY ARD.

Run with borderlab's Python from the repository root, e.g.

    .venv/bin/python benchmarks/flee_calibration_bench.py --folders mali2012 burundi2015 --trials 200 --workers 2
    .venv/bin/python benchmarks/flee_calibration_bench.py --folders car2013 --trials 100 --workers 2

For each folder of ../shared/data/flee it calibrates with DAY = half the period (the
integer part of days / 2) into runs/flee-calibration/<folder> (a fresh study each
time), and records the wall time of the fit (the trials) and of the whole command (fit,
forecast ensembles, report), the load average before and after (the machine is shared:
the figures mean little without it) with the CPU seconds the trials' simulations took (÷
workers: the fit's wall time on idle cores), and Flee's ARD after DAY of the shipped and the
calibrated settings. Target: 200 trials ≤ 10 minutes on 2 cores for mali2012 and
burundi2015. Results go to benchmarks/results/flee_calibration.json. Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_FLEE = ROOT.parent / "shared" / "data" / "flee"
WORK = ROOT / "runs" / "flee-calibration"   # ignored by git
RESULTS = Path(__file__).resolve().parent / "results" / "flee_calibration.json"
TARGET_S = 600.0


def bench_folder(folder: str, trials: int, workers: int, seeds: int, forecast_runs: int) -> dict:
    from borderlab.flee.calibration import calibrate_flee
    from borderlab.flee.scenario_file import load_flee

    source = SHARED_FLEE / folder
    day = load_flee(source).scenario.days // 2
    out = WORK / folder
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    result = calibrate_flee(source, day, trials, out, seeds=seeds, workers=workers, forecast_runs=forecast_runs,
                            plots=True)
    total_s = time.perf_counter() - t0
    r = result.report
    return {
        "folder": folder, "until_day": day, "days": r["days"], "trials": trials, "workers": workers, "seeds": seeds,
        "fit_wall_s": r["trials"]["fit_wall_s"], "total_wall_s": round(total_s, 2),
        "fit_cpu_s": r["trials"]["fit_cpu_s"], "fit_s_on_idle_workers": round(r["trials"]["fit_cpu_s"] / workers, 1),
        "target_met": r["trials"]["fit_wall_s"] <= TARGET_S,
        "target_met_on_idle_cores": r["trials"]["fit_cpu_s"] / workers <= TARGET_S,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "selection": r.get("selection"), "chosen_trial": r["trials"]["best"],
        "ard": r["ard"], "after_improvement": r["after_improvement"],
        "fitted": {p["path"]: p["fitted"] for p in r["params"]},
        "report": str(out / "fit_report.md"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folders", nargs="+", default=["mali2012", "burundi2015"])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--forecast-runs", type=int, default=20)
    args = ap.parse_args()
    rows = []
    for folder in args.folders:
        row = bench_folder(folder, args.trials, args.workers, args.seeds, args.forecast_runs)
        rows.append(row)
        ship, cal = row["ard"]["shipped"]["after"], row["ard"]["calibrated"]["after"]
        print(f"{folder}: {args.trials} trials in {row['fit_wall_s']:.0f} s (CPU {row['fit_cpu_s']:.0f} s, i.e. "
              f"{row['fit_s_on_idle_workers']:.0f} s on {args.workers} idle cores; whole command {row['total_wall_s']:.0f} s; "
              f"load {row['load_average_before'][0]:.1f} → {row['load_average_after'][0]:.1f}); after-DAY ARD shipped "
              f"{ship['mean']:.4f} ± {ship['sd']:.4f}, calibrated {cal['mean']:.4f} ± {cal['sd']:.4f} "
              f"({abs(row['after_improvement']) * 100:.1f} % {'lower' if row['after_improvement'] >= 0 else 'higher'}); target ≤ {TARGET_S:.0f} s {'met' if row['target_met'] else 'NOT met'}",
              flush=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    previous.update({row["folder"]: {**row, "cpu_count": os.cpu_count(), "python": platform.python_version(),
                                     "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} for row in rows})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
