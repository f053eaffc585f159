"""Weekly early-warning skill: the simulator against the statistical baselines, per horizon.

At a weekly origin W, for every border flow with observed figures (attempts, turn-backs and
detentions per country), each forecaster predicts the totals of the weeks W+1 … W+H:

- the simulator: its posterior ensemble's members summed over each week;
- the baselines (`baselines.py`): fitted to the weekly series reconstructed from the
  figures known at W (`observed_series.py`); a model that cannot be fitted to a short
  series falls back to the naive forecast for that case (flagged in the table).

Each is scored with the CRPS of ln(1 + weekly total) against the weekly totals
reconstructed from all training figures (up to the end of the training window), on the
weeks every day of which some figure pins down. The skill at horizon h is
1 − CRPS(simulator) / CRPS(best baseline at h), means over the same cases: > 0 the
simulator beats every baseline, < 0 at least one baseline is better.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from ..analysis.run_data import RunData
from ..analysis.scores import crps, skill
from .baselines import BASELINES, forecast_baselines
from .observed_series import ObservedSeries, observed_series
from .predictive import weekly_samples

BORDER_FLOWS = ("new_attempts", "new_turnbacks", "new_detentions")
MAX_GAP_WEEKS = 5     # the baselines forecast across at most this many weeks without figures
SIMULATOR = "simulator"
MODELS = (SIMULATOR,) + BASELINES


def simulator_weeks(data: RunData, key: tuple[str, str], origin: dt.date, weeks: int) -> np.ndarray | None:
    """[weeks, members] weekly totals after `origin` (NaN beyond the run), or None without members."""
    m = data.members.get(key)
    if m is None or not len(m):
        return None
    first = data.calendar.day(origin) + 1
    out = np.full((weeks, len(m)), np.nan)
    for h in range(weeks):
        a, b = first + 7 * h, first + 7 * h + 6
        if a >= 0 and b < m.shape[1]:
            out[h] = m[:, a : b + 1].sum(axis=1)
    return out


def history(series: ObservedSeries, origin: dt.date) -> tuple[np.ndarray, int]:
    """The weekly totals of the last unbroken run of resolved weeks before `origin` (weeks
    aligned to end on it), and the gap: how many weeks since that run are not yet pinned down
    by a figure (a month's total is published at its end). Empty if the gap exceeds
    MAX_GAP_WEEKS: the baseline would be extrapolating stale data."""
    sums, ok = series.weekly(origin, max(((origin - series.start).days + 1) // 7, 0))
    if not ok.any():
        return np.array([]), 0
    last = len(ok) - 1 - int(np.argmax(ok[::-1]))
    gap = len(ok) - 1 - last
    if gap > MAX_GAP_WEEKS:
        return np.array([]), gap
    first = last
    while first > 0 and ok[first - 1]:
        first -= 1
    return sums[first : last + 1], gap


def baseline_forecasts(series: ObservedSeries, origin: dt.date, weeks: int) -> tuple[dict[str, np.ndarray], int, int]:
    """The baselines' [weeks, 10] ensembles for the weeks after `origin` (forecast from the
    last resolved week across the gap), with the history length and the gap in weeks."""
    hist, gap = history(series, origin)
    if not len(hist):
        return {}, 0, gap
    return {name: m[gap:] for name, m in forecast_baselines(hist, weeks + gap).items()}, len(hist), gap


def defenders(scenario) -> list[str]:
    """The scenario's defending countries (PL, LT, LV for belarus-eu-2021)."""
    return [c.code for c in scenario.countries if c.role == "defender"]


def weekly_keys(countries: list[str]) -> list[tuple[str, str]]:
    """The border flows scored weekly: attempts, turn-backs and detentions per country."""
    return [(m, c) for m in BORDER_FLOWS for c in countries]


def weekly_cases(origin: dt.date, data: RunData, observations, truth: dict, weeks: int,
                 keys: list[tuple[str, str]], discrepancy: float | None = None) -> list[dict]:
    """One row per (quantity, horizon, model) scored at `origin`. With `discrepancy` (the
    model error σ, `predictive.py`) the simulator's members are seen through the observation
    model (report noise and model error) like its monthly bands."""
    known = observed_series(observations, origin)
    rows = []
    for key in keys:
        if key not in truth or key not in known:
            continue
        target, resolved = truth[key].ahead(origin, weeks)
        sim = simulator_weeks(data, key, origin, weeks)
        if sim is None or not resolved.any():
            continue
        if discrepancy is not None:
            sim = np.array([weekly_samples(row, discrepancy, f"{key}@{origin}+{h}") for h, row in enumerate(sim)])
        base, n_hist, gap = baseline_forecasts(known[key], origin, weeks)
        if "naive" not in base:
            continue
        for h in range(weeks):
            if not resolved[h] or not np.all(np.isfinite(sim[h])):
                continue
            y = float(target[h])
            for model in MODELS:
                fallback = model != SIMULATOR and model not in base
                members = sim[h] if model == SIMULATOR else base["naive" if fallback else model][h]
                rows.append({"origin": str(origin), "quantity": f"{key[0]}@{key[1]}", "horizon_weeks": h + 1,
                             "model": model, "observed": round(y, 1), "median": round(float(np.median(members)), 1),
                             "crps_log": float(crps([math.log1p(y)], [np.log1p(np.maximum(members, 0.0))])[0]),
                             "in_90": bool(np.quantile(members, 0.05) <= y <= np.quantile(members, 0.95)),
                             "naive_fallback": fallback, "history_weeks": n_hist, "gap_weeks": gap})
    return rows


def skill_table(rows: list[dict], weeks: int) -> list[dict]:
    """Per horizon: cases, mean log CRPS per model, best baseline and the simulator's skill."""
    table = []
    for h in range(1, weeks + 1):
        at = [r for r in rows if r["horizon_weeks"] == h]
        if not at:
            continue
        means = {m: float(np.mean([r["crps_log"] for r in at if r["model"] == m])) for m in MODELS
                 if any(r["model"] == m for r in at)}
        cover = {m: float(np.mean([r["in_90"] for r in at if r["model"] == m])) for m in means}
        baselines = {m: v for m, v in means.items() if m != SIMULATOR}
        best = min(baselines, key=baselines.get) if baselines else None
        table.append({"horizon_weeks": h, "cases": sum(r["model"] == SIMULATOR for r in at),
                      **{f"crps_log_{m}": round(v, 4) for m, v in means.items()},
                      **{f"coverage90_{m}": round(v, 3) for m, v in cover.items()},
                      "best_baseline": best,
                      "skill_vs_best_baseline": round(skill(means.get(SIMULATOR, math.nan), baselines[best]), 4)
                      if best else None})
    return table


def plot_skill(table: list[dict], path: Path) -> Path:
    """Mean log CRPS per model and horizon (left) and the simulator's skill (right)."""
    from matplotlib.figure import Figure

    from ..reporting.plots import save_figure

    fig = Figure(figsize=(9, 3.4))
    left, right = fig.subplots(1, 2)
    hs = [r["horizon_weeks"] for r in table]
    for m in MODELS:
        ys = [r.get(f"crps_log_{m}", math.nan) for r in table]
        left.plot(hs, ys, marker="o", lw=2 if m == SIMULATOR else 1, label=m)
    left.set_xlabel("horizon (weeks)")
    left.set_ylabel("mean CRPS of ln(1 + weekly total)")
    left.legend(fontsize=7)
    sk = [r["skill_vs_best_baseline"] if r["skill_vs_best_baseline"] is not None else math.nan for r in table]
    right.bar(hs, sk, color=["#2ca02c" if (s or 0) > 0 else "#d62728" for s in sk])
    right.axhline(0, color="#444444", lw=0.8)
    right.set_xlabel("horizon (weeks)")
    right.set_ylabel("CRPS skill vs best baseline")
    right.set_title("> 0: simulator better", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
