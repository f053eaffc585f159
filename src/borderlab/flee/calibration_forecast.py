"""After a Flee calibration: the forecast past DAY with bands, and its error against Flee's.

Two ensembles over the whole period, run on the same seeds (common random numbers, fresh
ones — not the training seeds, so the training error is not flattered by seed selection):

- calibrated: the best few distinct settings of the study × several seeds each, so the
  bands carry both the run-to-run noise and some of the settings' uncertainty;
- shipped: the folder's own simsetting.yml, as many runs.

For each run, Flee's ARD over the training window (days 0 … DAY) and after it, and each
camp's share of the after-DAY error (mean over those days of |sim − UNHCR| ÷ UNHCR total;
the shares add up to the ARD). They are reported as mean ± sd over runs — never as the
error of a median, as elsewhere in borderlab. Spawning follows the UNHCR total over the
whole period in both ensembles (Flee's design: it forecasts where people go, given how many
leave), so the after-DAY error measures the destinations, not the size of the outflow.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import yaml

from .. import __version__
from ..reporting.atomic import write_text_atomic
from ..studies.store import write_table_atomic
from .calibration_params import settings_with
from .calibration_trials import CaseRun, full_run

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FIRST_FORECAST_SEED = 1000
ARMS = ("shipped", "calibrated")


def run_errors(run: CaseRun, day: int, reported: np.ndarray | None = None) -> dict:
    """Training and after-DAY ARD of one run, and each camp's share of the after-DAY ARD.

    After DAY the run is scored against the folder's whole-period series (Flee's validation);
    the training window against `reported` — the series as reported by DAY, what the fit saw
    (`FleeCase.reported`) — when given, else against the whole-period series too."""
    raw = np.asarray(run.raw_total, dtype=np.float64)

    def shares(sim, data, days):
        abs_diff = np.nan_to_num(np.round(np.abs(sim.astype(np.float64) - data), 4))
        return np.where(raw[days, None] > 0, abs_diff / np.where(raw[days] > 0, raw[days], 1.0)[:, None], 0.0)

    before, after = slice(0, day + 1), slice(day + 1, None)
    fit_data = run.data_camp[before] if reported is None else reported
    training = shares(run.sim_camp[before], fit_data, before).sum(axis=1)
    share = shares(run.sim_camp[after], run.data_camp[after], after)
    return {"training": float(training.mean()), "after": float(share.sum(axis=1).mean()),
            "camps_after": share.mean(axis=0)}


def mean_sd(values) -> dict:
    a = np.asarray(values, dtype=np.float64)
    return {"mean": round(float(a.mean()), 6), "sd": round(float(a.std(ddof=1)) if a.size > 1 else 0.0, 6), "n": int(a.size)}


def forecast_and_report(ev, case, source: str, out: Path, day: int, params, shipped: dict, best: dict, sets: list[dict],
                        study, settings: dict, *, forecast_runs: int, plots: bool, fit_s: float, fit_cpu_s: float, new_trials: int,
                        workers: int, fit: dict | None = None) -> dict:
    """Run both ensembles, write OUT/forecast.parquet, plots/, simsetting.yml, fit_report.json/.md.
    `fit`: the report's description of a fit other than the Optuna `study` (--method abc,
    calibration_abc.py; `study` is then None)."""
    from .calibration_report import write_fit_report

    per_set = max(1, math.ceil(max(forecast_runs, 1) / len(sets)))
    n = per_set * len(sets)
    seeds = [FIRST_FORECAST_SEED + k for k in range(n)]
    jobs = [(source, shipped, s) for s in seeds] + [(source, sets[k // per_set], s) for k, s in enumerate(seeds)]
    runs = ev.map(full_run, jobs)
    arms = {"shipped": runs[:n], "calibrated": runs[n:]}
    errors = {arm: [run_errors(r, day, case.reported(day, r.camps)) for r in rs] for arm, rs in arms.items()}
    sc = case.scenario
    camps = _camp_names(case)
    dates = np.datetime64(sc.start_date, "D") + np.arange(sc.days)
    bands = {arm: np.quantile(np.stack([r.sim_camp for r in rs]).astype(np.float64), QUANTILES, axis=0)
             for arm, rs in arms.items()}
    data = arms["shipped"][0].data_camp
    write_table_atomic(out / "forecast.parquet", band_table(dates, camps, bands, data))
    figure = None
    if plots:
        figure = plot_forecast(out / "plots" / "forecast_camps.png", sc.name, dates, camps, bands, data, day)
    write_calibrated_settings(out / "simsetting.yml", sc, params, best, shipped, day, source)
    summary = {arm: {"training": mean_sd([e["training"] for e in errs]), "after": mean_sd([e["after"] for e in errs])}
               for arm, errs in errors.items()}
    ship_after, cal_after = summary["shipped"]["after"]["mean"], summary["calibrated"]["after"]["mean"]
    camp_rows = [{"camp": c, **{arm: round(float(np.mean([e["camps_after"][i] for e in errors[arm]])), 6) for arm in ARMS}}
                 for i, c in enumerate(camps)]
    report = {
        "format": "borderlab-flee-calibration/1",
        "borderlab": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "case": sc.name, "source": source, "case_sha256": settings["case_sha256"],
        "period": [str(dates[0]), str(dates[-1])], "days": int(sc.days),
        "until_day": day, "until_date": str(dates[day]),
        "training_days": day + 1, "forecast_days": int(sc.days - day - 1),
        **(fit if fit is not None else optuna_fit(study, settings, new_trials, fit_s, fit_cpu_s, workers)),
        "params": [{"path": p.path, "shipped": shipped[p.path], "fitted": best[p.path], "low": p.low, "high": p.high,
                    "log": p.log, "integer": p.integer, "source": p.source} for p in params],
        "forecast": {"runs_per_arm": n, "settings_sets": len(sets), "seeds_per_set": per_set, "seeds": seeds,
                     "file": "forecast.parquet", "plot": "plots/forecast_camps.png" if figure else None},
        "ard": summary,
        "after_improvement": round(1.0 - cal_after / ship_after, 4) if ship_after > 0 else None,
        "camps_after": camp_rows,
        "calibrated_settings": "simsetting.yml",
    }
    write_fit_report(out, report)
    return report


def optuna_fit(study, settings: dict, new_trials: int, fit_s: float, fit_cpu_s: float, workers: int, *,
               chosen=None, candidates: int | None = None) -> dict:
    """The report's objective, selection and trials of an Optuna fit (`chosen`: the selected trial)."""
    from .calibration import SHIPPED_MARGIN

    best_trial = chosen or min((t for t in study.trials if t.value is not None), key=lambda t: (t.value, t.number))
    day, hold = settings["until_day"], settings.get("holdout_days", 0)
    shipped = next((t for t in study.trials if t.number == 0 and t.value is not None), None)
    return {
        "objective": {
            "what": f"mean over seeds of Flee's ARD on days 0 … {day - hold} (runs stop after day {day}) "
                    "+ penalty × mean squared distance from the shipped settings (each scaled to [0, 1] over its range)",
            "penalty": settings["penalty"], "seeds": settings["seeds"],
        },
        "selection": ({"holdout_days": hold, "held_out": [day - hold + 1, day], "candidates": candidates,
                       "what": f"of the {candidates} trials with the best objective (and the shipped settings), the one "
                               f"with the lowest ARD on the held-out days {day - hold + 1} … {day}; the shipped "
                               f"settings unless that ARD is at least {SHIPPED_MARGIN:.0%} below theirs",
                       "shipped_validation_ard": shipped.user_attrs.get("validation_ard") if shipped else None}
                      if hold else {"holdout_days": 0, "what": "the trial with the best objective (no days held out)"}),
        "trials": {"in_study": len(study.trials), "new": new_trials, "fit_wall_s": round(fit_s, 2), "workers": workers,
                   "fit_cpu_s": round(fit_cpu_s, 2), "load_average": [round(x, 2) for x in os.getloadavg()],
                   "best": {"number": best_trial.number, "objective": round(float(best_trial.value), 6),
                            "fit_ard": best_trial.user_attrs.get("fit_ard"),
                            "validation_ard": best_trial.user_attrs.get("validation_ard"),
                            "training_ard": best_trial.user_attrs.get("training_ard"),
                            "penalty": best_trial.user_attrs.get("penalty")}},
    }


def _camp_names(case) -> list[str]:
    from .engine import FleeSim

    sim = FleeSim(case.scenario, seed=0, days=1, base_dir=case.loaded.base_dir, locate=case.loaded.locate,
                  validation=case.validation, check_only=True)
    return list(sim.camp_names)


def band_table(dates: np.ndarray, camps: list[str], bands: dict, data: np.ndarray) -> pa.Table:
    """Tidy: date, camp, arm, q05 … q95 of agents in the camp across runs, and the UNHCR count."""
    cols: dict[str, list] = {"date": [], "camp": [], "arm": [], **{f"q{round(q * 100):02d}": [] for q in QUANTILES}, "unhcr": []}
    for arm, q in bands.items():
        for c, camp in enumerate(camps):
            cols["date"].append(dates)
            cols["camp"].append(np.full(dates.size, camp, dtype=object))
            cols["arm"].append(np.full(dates.size, arm, dtype=object))
            for k, name in enumerate(n for n in cols if n.startswith("q")):
                cols[name].append(q[k, :, c])
            cols["unhcr"].append(data[:, c].astype(np.float64))
    return pa.table({
        "date": pa.array(np.concatenate(cols.pop("date")).astype("datetime64[D]"), type=pa.date32()),
        **{k: pa.array(np.concatenate(v), type=pa.string() if k in ("camp", "arm") else pa.float64()) for k, v in cols.items()},
    })


def plot_forecast(path: Path, name: str, dates, camps, bands, data, day: int) -> Path:
    from ..reporting.plots import save_figure
    from ..studies.ensemble_plots import draw_bands
    from .outputs import camp_panels

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = camp_panels(camps)
    for c, ax in enumerate(axes):
        draw_bands(ax, dates, bands["shipped"][:, :, c], "#888888", "shipped")
        draw_bands(ax, dates, bands["calibrated"][:, :, c], "#1f77b4", "calibrated")
        ax.plot(dates, data[:, c], color="k", lw=1.0, ls="--", label="UNHCR")
        ax.axvline(dates[day], color="#d62728", lw=0.8, ls=":")
    if axes:
        axes[0].legend(fontsize=5, frameon=False)
    fig.suptitle(f"{name}: agents per camp; fitted on days up to {dates[day]} (dotted), forecast after", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def write_calibrated_settings(path: Path, sc, params, best: dict, shipped: dict, day: int, source: str) -> None:
    """A complete simsetting.yml with the fitted values (`borderlab flee run FOLDER --settings` it,
    or give it to Flee); checked to read back to exactly the settings the forecast ran."""
    from .settings import parse_simsetting

    settings = settings_with(sc, best)
    body = {k: v for k, v in settings.model_dump(exclude_none=True).items()}
    header = [f"Calibrated by `borderlab calibrate` (borderlab {__version__}) from {source}",
              f"on its UNHCR camp series for days 0 … {day} only. Fitted (was → now):"]
    header += [f"  {p.path}: {shipped[p.path]:g} → {best[p.path]:g}  (range [{p.low:g}, {p.high:g}])" for p in params]
    text = "\n".join("# " + line for line in header) + "\n" + yaml.safe_dump(body, sort_keys=False)
    back = parse_simsetting(yaml.safe_load(text), str(path)).settings
    if back.model_dump() != settings.model_dump():
        raise RuntimeError(f"{path}: the calibrated settings do not read back the same (a bug)")
    write_text_atomic(path, text)
