"""Which rule should pick the calibrated settings? A backtest inside the training window.

`borderlab calibrate FOLDER --until DAY` searches on days 0 … DAY − H and then has to pick
one setting among its trials (flee/calibration.py, `selection`). The rule it uses was
chosen on development studies that, it turned out, saw later registration corrections
(objective version 2, docs/flee.md §8). This script re-examines the rule with nothing
after DAY: it moves the origin back to D′ = DAY − ⌊(DAY + 1)/3⌋ (the start of the default
held-out days), calibrates there exactly as the command does (the folder as it stood on D′,
its own default holdout inside days 0 … D′), and scores every trial on the days D′+1 … DAY
the way the command is scored after DAY: a run of the folder as it stood on DAY (its
spawning from the totals reported by DAY, as the forecast spawns from the whole-period
totals), against the series as reported by DAY. Each rule then picks a trial from what it
is allowed to see (objective, held-out ARD, training ARD), and the table gives the ARD on
D′+1 … DAY of its pick, beside the shipped settings'.

    .venv/bin/python benchmarks/flee_selection_backtest.py --folders mali2012 burundi2015 car2013

Results: benchmarks/results/flee_selection_backtest.json. Nothing after DAY = ⌊days / 2⌋
is read; the folders' second halves stay the test of the rule chosen here. Not part of CI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_FLEE = ROOT.parent / "shared" / "data" / "flee"
WORK = ROOT / "runs" / "flee-selection-backtest"   # ignored by git
RESULTS = Path(__file__).resolve().parent / "results" / "flee_selection_backtest.json"


def inner_after(source: str, values: dict, seeds: list[int], origin: int, day: int) -> float:
    """ARD on days origin+1 … day of runs of the folder as it stood on `day` (mean over seeds)."""
    from borderlab.flee.calibration_trials import training_errors

    return float(training_errors(source, values, seeds, day)[:, origin + 1:].mean())


def rules(complete: list, holdout: int) -> dict[str, object]:
    """Each rule's pick among the completed trials (trial 0 = the shipped settings)."""
    by_value = sorted(complete, key=lambda t: (t.value, t.number))
    shipped = next(t for t in complete if t.number == 0)

    def held(t):
        return float(t.user_attrs["validation_ard"])

    def top_then_held(share, minimum=5):
        k = max(minimum, math.ceil(share * len(by_value)))
        cands = by_value[:k] + ([shipped] if shipped not in by_value[:k] else [])
        return min(cands, key=lambda t: (held(t), t.number))

    def margin(share, m):
        """top-share then held-out, but leave the shipped settings only for a held-out gain > m."""
        pick = top_then_held(share)
        return pick if held(pick) < (1 - m) * held(shipped) else shipped

    picks = {
        "shipped": shipped,
        "best objective (fit window + penalty)": by_value[0],
        "best training ARD (fit + held-out days)": min(complete, key=lambda t: (t.user_attrs["training_ard"], t.number)),
        "best held-out ARD": min(complete, key=lambda t: (held(t), t.number)),
        "top 5 % then held-out": top_then_held(0.05),
        "top 10 % then held-out (current rule)": top_then_held(0.10),
        "top 20 % then held-out": top_then_held(0.20),
        "top 10 % then held-out, leave shipped only for a 10 % held-out gain": margin(0.10, 0.10),
        "top 10 % then held-out, leave shipped only for a 25 % held-out gain": margin(0.10, 0.25),
    }
    return picks


def backtest_folder(folder: str, trials: int, workers: int, seeds: int) -> dict:
    from borderlab.flee.calibration import calibrate_flee, evaluator, parse_holdout
    from borderlab.flee.scenario_file import load_flee

    source = str((SHARED_FLEE / folder).resolve())
    day = load_flee(source).scenario.days // 2
    origin = day - parse_holdout(None, day)
    out = WORK / folder
    shutil.rmtree(out, ignore_errors=True)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    fit = calibrate_flee(source, origin, trials, out, seeds=seeds, workers=workers, forecast_runs=1, plots=False)
    fit_s = time.perf_counter() - t0
    holdout = fit.report["selection"]["holdout_days"] if fit.report.get("selection") else parse_holdout(None, origin)
    complete = [t for t in fit.study.trials if t.value is not None]
    seed_list = list(range(seeds))
    values = [{p.path: float(t.params.get(p.path, fit.shipped[p.path])) for p in fit.params} for t in complete]
    with evaluator(workers) as ev:
        scores = ev.map(inner_after, [(source, v, seed_list, origin, day) for v in values])
    score = {t.number: s for t, s in zip(complete, scores)}
    picks = rules(complete, holdout)
    base = score[0]
    table = {name: {"trial": t.number, "ard_after_origin": round(score[t.number], 6),
                    "vs_shipped": round(score[t.number] / base - 1, 4),
                    "held_out_ard": round(float(t.user_attrs["validation_ard"]), 6),
                    "objective": round(float(t.value), 6)} for name, t in picks.items()}
    order = sorted(score.values())
    return {
        "folder": folder, "day": day, "origin": origin, "inner_holdout_days": holdout, "trials": len(complete),
        "seeds": seeds, "workers": workers, "fit_wall_s": round(fit_s, 1), "total_wall_s": round(time.perf_counter() - t0, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "rules": table,
        "oracle_best_trial_ard_after_origin": round(order[0], 6),
        "median_trial_ard_after_origin": round(float(np.median(order)), 6),
        "spearman_held_out_vs_after": round(_spearman([float(t.user_attrs["validation_ard"]) for t in complete], scores), 3),
    }


def _spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folders", nargs="+", default=["mali2012", "burundi2015", "car2013"])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for folder in args.folders:
        r = backtest_folder(folder, args.trials, args.workers, args.seeds)
        results[folder] = r
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        print(f"\n{folder}: origin D′ = {r['origin']}, scored on days {r['origin'] + 1} … {r['day']} "
              f"({r['trials']} trials, {r['total_wall_s']} s)")
        for name, row in r["rules"].items():
            print(f"  {name:70s} trial {row['trial']:4d}  ARD {row['ard_after_origin']:.4f}  {row['vs_shipped']:+.1%}")
        print(f"  oracle (best trial, not a rule) {r['oracle_best_trial_ard_after_origin']:.4f}; "
              f"Spearman(held-out, after) {r['spearman_held_out_vs_after']}")


if __name__ == "__main__":
    main()
