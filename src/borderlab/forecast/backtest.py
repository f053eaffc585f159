"""Rolling-origin backtest inside the training window: `borderlab backtest`.

At each origin the posterior is fitted on the figures whose period ends on or before it
(`origin.py`), the posterior ensemble runs past it, and the forecast is scored against the
training figures that fall in the horizon: those with at least half of their period in the
`horizon` days after the origin, ending at most a week after it (so a month-end origin with
a 30-day horizon is scored on the next month's total). Scores: CRPS, coverage of the 50 %
and 90 % bands (`analysis/scores.py`), and |log accuracy ratio| of the ensemble median for
monthly attempts. Between one origin and the next, forecasts issued each week are scored
against the statistical baselines (`weekly_skill.py`) with the ensemble of the latest origin.

Layout of OUT: `origin-YYYY-MM-DD/` per origin (posterior/, forecast/, validation/ with the
fit before and the forecast after the origin, scores.json written last: a folder with it is
complete and skipped by a rerun with the same settings), then `backtest.json`,
`backtest.md`, `origins.csv`, `figures.csv`, `weekly.csv`, `weekly_skill.csv` and `plots/`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from ..analysis.observations import Observation, select_outcomes
from ..analysis.score_report import score_points
from ..analysis.validation import _csv, compare, write_validation
from ..errors import Problem, ScenarioError
from ..scenario.loader import load_scenario
from ..studies.store import write_atomic
from .observed_series import observed_series
from .origin import FitSettings, forecast_from, load_with_observations
from .predictive import BANDS, model_error_at, predictive_points
from .weekly_skill import defenders, plot_skill, skill_table, weekly_cases, weekly_keys

SCORES_FILE = "scores.json"
LATE_DAYS = 7          # a scored figure may end this long after the horizon
MIN_SHARE_IN_HORIZON = 0.5
DEFAULT_WEEKS = 6


@dataclass
class OriginResult:
    origin: dt.date
    summary: dict          # the origin's row of the table
    figures: list[dict]    # one row per scored figure
    weekly: list[dict]     # weekly early-warning cases


def parse_origins(text: str) -> list[dt.date]:
    """'2021-07-31,2021-08-31' → sorted unique dates; a user error naming --origins otherwise."""
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise ScenarioError([Problem("--origins", "no dates given", "e.g. --origins 2021-07-31,2021-08-31,2021-09-30")])
    out = []
    for t in items:
        try:
            out.append(dt.date.fromisoformat(t))
        except ValueError:
            raise ScenarioError([Problem("--origins", f"{t!r} is not a date",
                                         "write dates as YYYY-MM-DD, separated by commas")]) from None
    return sorted(set(out))


def training_end(observations: list[Observation]) -> dt.date:
    """The last day any outcome figure covers (31 Oct 2021 for belarus-eu-2021)."""
    return max(o.end for o in select_outcomes(observations))


def check_request(start: dt.date, end: dt.date, last: dt.date, origins: list[dt.date], horizon: int, weeks: int) -> None:
    problems = []
    if horizon <= 0:
        problems.append(Problem("--horizon", f"{horizon} days: the horizon must be at least 1 day", "e.g. --horizon 30"))
    if weeks <= 0:
        problems.append(Problem("--weeks", f"{weeks}: need at least 1 week", "e.g. --weeks 6"))
    for o in origins:
        if not start <= o < last:
            problems.append(Problem("--origins", f"{o} is outside the period that can be scored ({start} → {last}, "
                                    "the scenario's start to the last observed figure)",
                                    "choose origins inside it, before the last figure, e.g. 2021-07-31"))
        elif o + dt.timedelta(days=horizon) > end:
            problems.append(Problem("--horizon", f"{o} + {horizon} days runs past the scenario's end {end}",
                                    "choose a shorter horizon or an earlier origin"))
    if problems:
        raise ScenarioError(problems)


def in_horizon(o: Observation, origin: dt.date, horizon: int) -> bool:
    """At least half of the figure's period lies in the horizon, and it ends ≤ LATE_DAYS after it."""
    stop = origin + dt.timedelta(days=horizon)
    if o.end <= origin or o.end > stop + dt.timedelta(days=LATE_DAYS):
        return False
    a, b = max(o.start, origin + dt.timedelta(days=1)), min(o.end, stop)
    inside = max((b - a).days + 1, 0)
    return inside / ((o.end - o.start).days + 1) >= MIN_SHARE_IN_HORIZON


def score_origin(origin: dt.date, horizon: int, observations, data, *, sds: dict[str, float] | None = None,
                 discrepancy: float = 0.0) -> tuple[dict, list[dict]]:
    """The origin's summary and per-figure rows against the figures in its horizon. With
    `sds` (each figure's observation-noise σ) the bands are the figures' posterior predictive
    ones (`predictive.py`): members seen through the observation model and `discrepancy`."""
    figures = [o for o in select_outcomes(observations) if o.role == "train" and in_horizon(o, origin, horizon)]
    v = compare(figures, data)
    points = v.points if sds is None else predictive_points(v.points, sds, discrepancy)
    scores = score_points(points)
    rows = []
    for p, s in (scores.rows if scores else []):
        o = p.obs
        rows.append({"origin": str(origin), "id": o.id, "country": o.country, "metric": o.metric, "grain": o.grain,
                     "period_start": str(o.start), "period_end": str(o.end), "observed": o.value,
                     "median": round(s.median, 1), "q05": round(p.band.get("q05", math.nan), 1),
                     "q95": round(p.band.get("q95", math.nan), 1), "log_ratio": round(p.log_ratio, 4),
                     "crps": round(s.crps, 3), "crps_log": round(s.crps_log, 4), "in_50": s.in_50, "in_90": s.in_90,
                     "pit": round(s.pit, 3), "monthly_attempts": o.grain == "monthly" and o.model[0] == "new_attempts"})
    monthly = [abs(r["log_ratio"]) for r in rows if r["monthly_attempts"]]
    summary = {"origin": str(origin), "figures": len(rows),
               "coverage_50": _mean([r["in_50"] for r in rows]), "coverage_90": _mean([r["in_90"] for r in rows]),
               "crps_log": _mean([r["crps_log"] for r in rows]),
               "median_abs_log_ratio_monthly_attempts": float(np.median(monthly)) if monthly else None,
               "monthly_attempt_figures": len(monthly)}
    return summary, rows


def _mean(values) -> float | None:
    return float(np.mean(values)) if len(values) else None


def weekly_origins(origin: dt.date, next_origin: dt.date | None, last: dt.date) -> list[dt.date]:
    """Origin, origin + 7, … before the next origin, with at least one week left to score."""
    out, w = [], origin
    while (next_origin is None or w < next_origin) and w + dt.timedelta(days=7) <= last:
        out.append(w)
        w += dt.timedelta(days=7)
    return out


def backtest(scenario: str, origins: list[dt.date], horizon: int, out: Path, *, settings: FitSettings = FitSettings(),
             weeks: int = DEFAULT_WEEKS, workers: int = 1, scheduler: str | None = None, plots: bool = True,
             log: Callable[[str], None] | None = None, force: bool = False) -> dict:
    """Run (or resume) the backtest; write and return its summary. `force` replaces an `out`
    that holds something else (reporting/outdir.py)."""
    from ..reporting.outdir import study_folder

    loaded, observations = load_with_observations(scenario, "a backtest scores forecasts against observed figures")
    sc = loaded.scenario
    last = training_end(observations)
    check_request(sc.start, sc.end, last, origins, horizon, weeks)
    truth = observed_series(observations, last)
    request = {"scenario": sc.name, "scenario_file_sha256": loaded.file_sha256, "horizon_days": horizon,
               "weeks": weeks, "training_end": str(last), "bands": BANDS,
               **settings.as_dict()}
    t_start = time.perf_counter()
    results: list[OriginResult] = []
    with study_folder(Path(out), "backtest", force) as out:
        for k, origin in enumerate(origins):
            nxt = origins[k + 1] if k + 1 < len(origins) else None
            results.append(_one_origin(scenario, origin, nxt, horizon, weeks, last, out, settings, request,
                                       observations, truth, workers, scheduler, plots, log))
        summary = _write_summary(results, request, out, weeks, time.perf_counter() - t_start, plots)
    return summary


def _one_origin(scenario, origin, nxt, horizon, weeks, last, out, settings, request, observations, truth,
                workers, scheduler, plots, log) -> OriginResult:
    folder = out / f"origin-{origin}"
    done = folder / SCORES_FILE
    if done.is_file():
        saved = json.loads(done.read_text(encoding="utf-8"))
        if saved.get("request") == request:
            if log:
                log(f"{origin}: complete, skipped")
            return OriginResult(origin, saved["summary"], saved["figures"], saved["weekly"])
    t0 = time.perf_counter()
    sc = load_scenario(scenario).scenario
    # far enough for the scored figures and for every weekly case up to the last figure
    end = min(max(origin + dt.timedelta(days=horizon + LATE_DAYS), min(last, origin + dt.timedelta(days=7 * weeks)),
                  min(last, (nxt or last) + dt.timedelta(days=7 * weeks))), sc.end)
    flows = weekly_keys(defenders(sc))
    keys = {(o.model[0], o.model[1]) for o in select_outcomes(observations)} | set(flows)
    fc = forecast_from(scenario, origin, end, folder, settings, keys=keys, workers=workers, scheduler=scheduler)
    model_error, sds = model_error_at(observations, fc.data, origin)
    summary, figures = score_origin(origin, horizon, observations, fc.data, sds=sds, discrepancy=model_error.sd)
    weekly = [row for w in weekly_origins(origin, nxt, last)
              for row in weekly_cases(w, fc.data, observations, truth, weeks, flows, discrepancy=model_error.sd)]
    context = compare([o for o in observations if o.end <= end], fc.data)
    write_validation(context, fc.data, folder / "validation", plots=plots, cutoff=origin)
    summary.update({"simulations_fit": fc.simulations, "forecast_runs": settings.runs,
                    "simulations": fc.simulations + settings.runs, "wall_s": round(time.perf_counter() - t0, 1),
                    "posterior_effective_size": round(fc.posterior.effective_size, 1),
                    "model_error_sd": round(model_error.sd, 3), "model_error_figures": model_error.figures})
    write_atomic(done, json.dumps({"request": request, "summary": summary, "figures": figures, "weekly": weekly},
                                  indent=2, default=str))
    if log:
        log(f"{origin}: {summary['figures']} figures, 90 % coverage {_pct(summary['coverage_90'])}, "
            f"{summary['simulations']} simulations, {summary['wall_s']} s")
    return OriginResult(origin, summary, figures, weekly)


def _pct(x) -> str:
    return "—" if x is None else f"{x:.0%}"


def _write_summary(results: list[OriginResult], request: dict, out: Path, weeks: int, wall_s: float, plots: bool) -> dict:
    figures = [r for res in results for r in res.figures]
    weekly = [r for res in results for r in res.weekly]
    skill = skill_table(weekly, weeks)
    overall = {"figures": len(figures), "coverage_50": _mean([r["in_50"] for r in figures]),
               "coverage_90": _mean([r["in_90"] for r in figures]),
               "median_abs_log_ratio_monthly_attempts": (float(np.median([abs(r["log_ratio"]) for r in figures
                                                                          if r["monthly_attempts"]]))
                                                         if any(r["monthly_attempts"] for r in figures) else None),
               "simulations": sum(res.summary["simulations"] for res in results),
               "wall_s_this_call": round(wall_s, 1)}
    summary = {"borderlab_version": __version__, "request": request, "overall": overall,
               "origins": [res.summary for res in results], "weekly_skill": skill}
    write_atomic(out / "backtest.json", json.dumps(summary, indent=2, default=str))
    write_atomic(out / "origins.csv", _csv([res.summary for res in results]))
    write_atomic(out / "figures.csv", _csv(figures))
    write_atomic(out / "weekly.csv", _csv(weekly))
    write_atomic(out / "weekly_skill.csv", _csv(skill))
    write_atomic(out / "backtest.md", "\n".join(markdown(summary)) + "\n")
    if plots:
        if skill:
            plot_skill(skill, out / "plots" / "weekly_skill.png")
        plot_coverage(summary, out / "plots" / "coverage.png")
    return summary


def markdown(summary: dict) -> list[str]:
    req, overall = summary["request"], summary["overall"]
    lines = [f"# Backtest of {req['scenario']}", "",
             f"Horizon {req['horizon_days']} days; {req['runs']} runs per origin drawn from "
             + (f"the best trials of an Optuna calibration ({req['trials']} trials per origin; FALLBACK, not a "
                "calibrated posterior)." if req.get("method") == "optuna" else
                f"the ABC-SMC posterior (population {req['population']}, ≤ {req['generations']} generations, "
                f"≤ {req['max_simulations']} simulations per origin)."),
             "", "| origin | figures | in 50 % band | in 90 % band | log CRPS | median \\|Q\\| monthly attempts | simulations | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summary["origins"]:
        q = s["median_abs_log_ratio_monthly_attempts"]
        lines.append(f"| {s['origin']} | {s['figures']} | {_pct(s['coverage_50'])} | {_pct(s['coverage_90'])} | "
                     f"{'—' if s['crps_log'] is None else format(s['crps_log'], '.3f')} | {'—' if q is None else format(q, '.2f')} | "
                     f"{s['simulations']} | {s['wall_s']} |")
    q = overall["median_abs_log_ratio_monthly_attempts"]
    lines += ["", f"All origins: {overall['figures']} figures, {_pct(overall['coverage_90'])} inside the 90 % bands "
              f"(target ≥ 80 %), median |log ratio| of monthly attempts {'—' if q is None else format(q, '.2f')} "
              f"(target ≤ 0.3), {overall['simulations']} simulations."]
    if summary["weekly_skill"]:
        lines += ["", "## Weekly early warning against the baselines", "",
                  "| horizon (weeks) | cases | log CRPS simulator | naive | ETS | ARIMA | best baseline | skill |",
                  "|---:|---:|---:|---:|---:|---:|---|---:|"]
        for r in summary["weekly_skill"]:
            lines.append(f"| {r['horizon_weeks']} | {r['cases']} | {r.get('crps_log_simulator', '—')} | "
                         f"{r.get('crps_log_naive', '—')} | {r.get('crps_log_ETS', '—')} | {r.get('crps_log_ARIMA', '—')} | "
                         f"{r['best_baseline']} | {r['skill_vs_best_baseline']} |")
    return lines


def plot_coverage(summary: dict, path: Path) -> Path:
    """Share of each origin's figures inside the 50 % and 90 % bands."""
    from matplotlib.figure import Figure

    from ..reporting.plots import save_figure

    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    origins = [s["origin"] for s in summary["origins"]]
    x = np.arange(len(origins))
    for i, (band, color) in enumerate((("coverage_50", "#9ecae1"), ("coverage_90", "#3182bd"))):
        ax.bar(x + (i - 0.5) * 0.35, [s[band] or 0 for s in summary["origins"]], 0.35, color=color,
               label=band.replace("coverage_", "") + " % band")
    ax.axhline(0.9, color="#3182bd", ls=":", lw=0.8)
    ax.axhline(0.5, color="#9ecae1", ls=":", lw=0.8)
    ax.set_xticks(x, origins, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of figures inside")
    ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
