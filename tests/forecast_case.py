"""A small forecasting case for the backtest and early-warning tests: toy-border over six
weeks with one free parameter (detection_k), and daily observed turn-backs and attempts of
its defender AA for the first five weeks, made by one run with a known detection_k (seed
101, which no fit uses). Everything runs in seconds."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from borderlab.calibration.free_params import as_overrides
from borderlab.runner import run_scenario
from conftest import load_yaml_data, write_yaml

TRUTH = {"defenders.AA.detection_k": 0.08}
START = dt.date(2021, 9, 1)
LAST_FIGURE = dt.date(2021, 10, 5)       # the training window's end: 35 days of figures
TINY_FIT = ["--runs", "4", "--population", "4", "--generations", "2", "--max-simulations", "16", "--no-plots"]


def make_case(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    d = load_yaml_data()
    d["end"] = "2021-10-19"
    d["supply"]["routes"][0]["weekly_seats"] = 700
    d["defenders"][0]["detection_k"] = {"value": 0.2, "range": [0.01, 0.5], "free": True}
    run = run_scenario(str(write_yaml(folder / "truth.yaml", d)), seed=101, overrides=as_overrides(TRUTH))
    rows = []
    for metric in ("new_turnbacks", "new_attempts"):
        y = run.results.series(metric, "AA")
        for day in range((LAST_FIGURE - START).days + 1):
            date = START + dt.timedelta(days=day)
            rows.append({"id": f"{metric}-{day}", "country": "AA", "metric": f"{metric}_daily", "period_start": date,
                         "period_end": date, "value": float(y[day]), "role": "train", "source_date": "2021-10-10",
                         "model_metric": metric, "model_scope": "AA", "aggregation": "sum"})
    with (folder / "observed.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    d["observed"] = "observed.csv"
    return write_yaml(folder / "scenario.yaml", d)
