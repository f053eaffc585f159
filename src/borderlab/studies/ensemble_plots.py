"""Ensemble figures: median and 25–75 % / 5–95 % bands, with observed figures overlaid.

Bands are computed per run first, then across runs: monthly totals of each run's daily
flows (observed attempts, turn-backs and detentions are monthly totals), each run's
cumulative deaths, and daily stocks. (The band of a monthly total is not the sum of daily
bands.) Observations are matched to model metrics with the same definition through
`analysis.observations.OBSERVATION_MAP`, like the single-run plots.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..analysis.observations import load_observations, resolve_conflicts
from ..reporting.plots import save_figure
from .quantiles import LEVELS
from .store import open_ensemble

FLOWS = (("new_attempts", "#d62728"), ("new_turnbacks", "#ff7f0e"), ("new_detentions", "#1f77b4"))
OBSERVED = {"new_attempts": "k", "new_turnbacks": "#7f2704", "new_detentions": "#08306b"}  # dark twin of each
STOCKS = (("n_in_zone", "#2ca02c"), ("n_detained", "#9467bd"))
QS = ", ".join(str(q) for q in LEVELS)


def band_rows(con, sql: str, params: list) -> dict:
    """{key: (x, [5 quantile arrays])} from rows (key, x, q-list)."""
    out: dict = {}
    for key, x, q in con.execute(sql, params).fetchall():
        xs, qs = out.setdefault(key, ([], []))
        xs.append(np.datetime64(x, "D"))
        qs.append(q)
    return {k: (np.array(xs), np.array(qs).T) for k, (xs, qs) in out.items()}


def draw_bands(ax, x, q, color, label, step=False):
    kw = {"step": "post"} if step else {}
    ax.fill_between(x, q[0], q[4], color=color, alpha=0.15, lw=0, **kw)
    ax.fill_between(x, q[1], q[3], color=color, alpha=0.35, lw=0, **kw)
    (ax.step if step else ax.plot)(x, q[2], color=color, lw=1.5, label=f"{label} (median, 25–75 %, 5–95 %)",
                                   **({"where": "post"} if step else {}))


def _observations(plan) -> list:
    loaded = plan.source.loaded
    if loaded is None or not loaded.scenario.observed:
        return []
    path = loaded.folder / loaded.scenario.observed
    return [o for o in resolve_conflicts(load_observations(path)) if o.model] if path.is_file() else []


def _period(plan) -> tuple[np.datetime64, np.datetime64]:
    sc = plan.source.loaded.scenario
    return np.datetime64(sc.start, "D"), np.datetime64(sc.end, "D") + 1


def plot_flows(con, plan, countries, observations, path: Path, monthly: bool) -> Path:
    metrics = [m for m, _ in FLOWS]
    if monthly:
        sql = f"""SELECT metric || '|' || scope, month, quantile_cont(v, [{QS}]) FROM (
                    SELECT run_id, metric, scope, date_trunc('month', date) AS month, sum(value) AS v
                    FROM runs WHERE metric IN (SELECT unnest(?)) AND scope IN (SELECT unnest(?)) GROUP BY ALL)
                  GROUP BY ALL ORDER BY 1, 2"""
    else:
        sql = f"""SELECT metric || '|' || scope, date, quantile_cont(value, [{QS}]) FROM runs
                  WHERE metric IN (SELECT unnest(?)) AND scope IN (SELECT unnest(?)) GROUP BY ALL ORDER BY 1, 2"""
    bands = band_rows(con, sql, [metrics, countries])
    fig = Figure(figsize=(10, 2.8 * max(len(countries), 1)))
    for k, c in enumerate(countries):
        ax = fig.add_subplot(len(countries), 1, k + 1)
        for metric, color in FLOWS:
            if f"{metric}|{c}" in bands:
                x, q = bands[f"{metric}|{c}"]
                if monthly:  # close the last month's step
                    x = np.append(x, (x[-1].astype("datetime64[M]") + 1).astype("datetime64[D]"))
                    q = np.concatenate([q, q[:, -1:]], axis=1)
                draw_bands(ax, x, q, color, metric, step=monthly)
        shown = set()
        for o in observations:
            metric, scope, _ = o.model
            if scope == c and metric in metrics and (o.grain == "monthly" if monthly else o.grain == "daily"):
                lo, hi = np.datetime64(o.start, "D"), np.datetime64(o.end, "D") + 1
                ax.plot([lo, hi], [o.value, o.value], color=OBSERVED[metric], lw=2.5,
                        label=None if metric in shown else f"observed ↔ {metric}")
                shown.add(metric)
        ax.set_title(f"{c}: {'monthly' if monthly else 'daily'} attempts, turn-backs, detentions across "
                     f"{len(plan.specs)} runs", fontsize=9)
        ax.set_ylabel("per month" if monthly else "per day")
        ax.set_xlim(*_period(plan))
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_stocks(con, plan, countries, observations, path: Path) -> Path:
    metrics = [m for m, _ in STOCKS] + ["n_stranded"]
    sql = f"""SELECT metric || '|' || scope, date, quantile_cont(value, [{QS}]) FROM runs
              WHERE metric IN (SELECT unnest(?)) AND scope IN (SELECT unnest(?)) GROUP BY ALL ORDER BY 1, 2"""
    bands = band_rows(con, sql, [metrics, countries + ["all"]])
    fig = Figure(figsize=(10, 2.6 * (len(countries) + 1)))
    panels = [(c, STOCKS) for c in countries] + [("all", (("n_stranded", "#8c564b"), ("n_in_zone", "#2ca02c")))]
    for k, (scope, items) in enumerate(panels):
        ax = fig.add_subplot(len(panels), 1, k + 1)
        for metric, color in items:
            if f"{metric}|{scope}" in bands:
                draw_bands(ax, *bands[f"{metric}|{scope}"], color, metric)
        for o in observations:
            metric, oscope, agg = o.model
            if agg == "stock" and oscope == scope and any(metric == m for m, _ in items):
                ax.plot(np.datetime64(o.end, "D"), o.value, "ks", ms=4)
        ax.plot([], [], "ks", ms=4, label="observed (same definition)")
        ax.set_title(f"{scope}: people in the zone, detained{', stranded' if scope == 'all' else ''}", fontsize=9)
        ax.set_ylabel("people")
        ax.set_xlim(*_period(plan))
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_deaths(con, plan, observations, path: Path) -> Path:
    sql = f"""SELECT 'deaths', date, quantile_cont(v, [{QS}]) FROM (
                SELECT run_id, date, sum(value) OVER (PARTITION BY run_id ORDER BY date) AS v
                FROM runs WHERE metric = 'new_deaths' AND scope = 'all')
              GROUP BY ALL ORDER BY 2"""
    bands = band_rows(con, sql, [])
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 1, 1)
    if "deaths" in bands:
        draw_bands(ax, *bands["deaths"], "#333333", "cumulative deaths")
    for o in observations:
        if o.model[0] == "new_deaths" and o.model[1] == "all":
            ax.plot(np.datetime64(o.end, "D"), o.value, "rs", ms=5)
    ax.plot([], [], "rs", label="observed cumulative deaths")
    ax.set_ylabel("people")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_xlim(*_period(plan))
    ax.set_title(f"Cumulative deaths across {len(plan.specs)} runs", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def make_ensemble_plots(out: Path, plan) -> list[Path]:
    """OUT/plots/{flows,stocks,deaths}.png for a borderlab scenario ensemble."""
    loaded = plan.source.loaded
    if loaded is None:
        return []  # Flee inputs: studies/flee_ensemble.py draws their figures
    folder = Path(out) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    countries = [c.code for c in loaded.scenario.countries if c.role == "defender"]
    monthly = (loaded.scenario.end - loaded.scenario.start).days + 1 >= 90
    observations = _observations(plan)
    con = open_ensemble(out)
    try:
        return [plot_flows(con, plan, countries, observations, folder / "flows.png", monthly),
                plot_stocks(con, plan, countries, observations, folder / "stocks.png"),
                plot_deaths(con, plan, observations, folder / "deaths.png")]
    finally:
        con.close()
