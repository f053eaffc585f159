"""Validation figures: observed figures overlaid on the simulated series, one panel per series.

Each panel shows the model series on the observed series' own grain — monthly totals as
bars, daily values as a line, running totals from each observed period start, stocks as a
line — with the observed figures as black markers, the ensemble's q05–q95 and q25–q75 bands
when the run is an ensemble, and the calibration cut-off (later days are a forecast) when
given. `scatter.png` puts every figure on one log–log plot against the 1:1 line.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..reporting.plots import save_figure
from .measures import SeriesError
from .run_data import RunData

COUNTRY_COLORS = {"PL": "#d62728", "LT": "#2ca02c", "LV": "#9467bd", "DE": "#8c564b", "BY": "#1f77b4"}
MODEL_COLOR = "#1f77b4"
PANEL_COLUMNS = 3
CUMULATIVE_TAIL_DAYS = 30


def _monthly(dates: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    months = dates.astype("datetime64[M]")
    keys, inv = np.unique(months, return_inverse=True)
    return keys.astype("datetime64[D]"), np.bincount(inv, weights=values)


def _d(x: dt.date) -> np.datetime64:
    return np.datetime64(x, "D")


def _cutoff(ax, cutoff: dt.date | None, end: np.datetime64) -> None:
    if cutoff is None:
        return
    x = _d(cutoff) + 1
    if x <= end:
        ax.axvspan(x, end + 1, color="#eeeeee", zorder=0, lw=0)
        ax.axvline(x, color="#444444", ls="--", lw=0.8)
        ax.text(x, 0.98, " forecast →", transform=ax.get_xaxis_transform(), fontsize=6, va="top", color="#444444")


def _bands(ax, x, band: dict, step=False) -> None:
    if "q05" not in band:
        return
    kw = {"step": "mid"} if step else {}
    ax.fill_between(x, band["q05"], band["q95"], color=MODEL_COLOR, alpha=0.15, lw=0, label="model q05–q95", **kw)
    ax.fill_between(x, band["q25"], band["q75"], color=MODEL_COLOR, alpha=0.3, lw=0, label="model q25–q75", **kw)


def draw_series(ax, s: SeriesError, points, data: RunData, cutoff: dt.date | None = None) -> None:
    """One panel: the model on the series' grain, observed figures as markers."""
    metric, scope, _ = points[0].obs.model
    dates = data.dates()
    y = data.series(metric, scope)
    band = data.band(metric, scope)
    central = "model median (q50)" if band else "model"
    members = data.members.get((metric, scope))
    if s.grain == "monthly":
        months, totals = _monthly(dates, y)
        if members is not None:   # exact: quantiles of the members' monthly totals
            per_run = np.array([_monthly(dates, row)[1] for row in members])
            lo, totals, hi = np.quantile(per_run, [0.05, 0.5, 0.95], axis=0)
        elif band:                 # approximate: sums of daily quantiles
            lo = _monthly(dates, band["q05"])[1]
            hi = _monthly(dates, band["q95"])[1]
        width = np.timedelta64(24, "D")
        ax.bar(months + 3, totals, width=width, align="edge", color=MODEL_COLOR, alpha=0.6, label=f"{central}, monthly")
        if band:
            ax.errorbar(months + 15, totals, yerr=[totals - lo, hi - totals], fmt="none", ecolor="#08306b",
                        lw=0.8, capsize=2, label="model q05–q95")
        for p in points:
            o = p.obs
            ax.plot([_d(o.start), _d(o.end) + 1], [o.value, o.value], color="k", lw=2.5)
        ax.plot([], [], color="k", lw=2.5, label="observed")
    elif s.grain == "cumulative":
        starts = sorted({p.obs.start for p in points})
        for k, start in enumerate(starts):
            # the running total from this start, drawn to a month past its last observed figure
            last = max(p.obs.end for p in points if p.obs.start == start)
            a = max(data.calendar.day(start), 0)
            b = min(data.calendar.day(last) + CUMULATIVE_TAIL_DAYS, data.calendar.n_days)
            xs = dates[a:b]
            if members is not None:   # exact: quantiles of the members' running totals
                qs = np.quantile(np.cumsum(members[:, a:b], axis=1), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
                running, bands = qs[2], dict(zip(("q05", "q25", "q50", "q75", "q95"), qs))
            else:
                running = np.cumsum(y[a:b])
                bands = {q: np.cumsum(arr[a:b]) for q, arr in band.items()}
            ax.plot(xs, running, color=MODEL_COLOR, lw=1.2, alpha=1.0 - 0.5 * k / max(len(starts), 1),
                    label=f"{central}, running total" if k == 0 else None)
            if band:
                _bands(ax, xs, bands)
            ax.text(xs[0], 0, f"from {start:%d %b}", fontsize=5, color="#555555", va="bottom")
        ax.plot([_d(p.obs.end) for p in points], [p.obs.value for p in points], "kD", ms=4, label="observed")
    else:  # daily flows and point stocks: the daily series
        _bands(ax, dates, band)
        ax.plot(dates, y, color=MODEL_COLOR, lw=0.9, label=f"{central}, daily" if s.grain == "daily" else central)
        for p in points:
            o = p.obs
            if o.start != o.end and s.grain == "point":
                ax.plot([_d(o.start), _d(o.end)], [o.value, o.value], color="k", lw=1, alpha=0.5)
        ax.plot([_d(p.obs.end) for p in points], [p.obs.value for p in points], "kD", ms=4, label="observed")
    _cutoff(ax, cutoff, dates[-1])
    ax.set_xlim(dates[0], dates[-1] + 1)
    ax.set_ylim(bottom=0)
    title = f"{s.country} {s.metric} ({s.grain}, n={s.n})\n↔ {s.model}; error {s.error:.2f}"
    if s.role != "train":
        title = f"[{s.role}] " + title
    ax.set_title(title, fontsize=7)
    ax.tick_params(labelsize=6)
    for lab in ax.get_xticklabels():
        lab.set_rotation(30)
        lab.set_ha("right")


def plot_panels(v, data: RunData, path: Path, cutoff: dt.date | None = None) -> Path:
    n = len(v.series)
    cols = min(PANEL_COLUMNS, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 2.9 * rows))
    for k, s in enumerate(v.series):
        ax = fig.add_subplot(rows, cols, k + 1)
        draw_series(ax, s, v.points_of(s), data, cutoff)
        if k == 0:
            ax.legend(fontsize=5.5, loc="upper left")
    score = v.score
    fig.suptitle(f"Observed figures (black) on the simulated series — overall score {score:.3f}"
                 + (f"; cut-off {cutoff}" if cutoff else ""), fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / fig.get_figheight()))
    return save_figure(fig, path, dpi=90)


def plot_scatter(v, path: Path) -> Path:
    fig = Figure(figsize=(5.5, 5))
    ax = fig.add_subplot(1, 1, 1)
    obs = np.array([p.obs.value for p in v.points], dtype=float) + 1
    sim = np.array([p.simulated for p in v.points], dtype=float) + 1
    for country in sorted({p.obs.country for p in v.points}):
        idx = [i for i, p in enumerate(v.points) if p.obs.country == country]
        ax.scatter(obs[idx], sim[idx], s=14, color=COUNTRY_COLORS.get(country, "#333333"), label=country, zorder=3)
    for i, p in enumerate(v.points):
        if "q05" in p.band:
            ax.plot([obs[i], obs[i]], [p.band["q05"] + 1, p.band["q95"] + 1], color="#999999", lw=0.8, zorder=2)
    lo = max(min(obs.min(), sim.min()) / 2, 0.5)
    hi = max(obs.max(), sim.max()) * 2
    grid = np.array([lo, hi])
    ax.plot(grid, grid, "k-", lw=0.8, label="1:1")
    ax.plot(grid, grid * 2, "k:", lw=0.6, label="factor 2")
    ax.plot(grid, grid / 2, "k:", lw=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("observed + 1")
    ax.set_ylabel("simulated + 1")
    ax.set_title(f"Every compared figure (score {v.score:.3f})", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path, dpi=90)


def make_validation_plots(v, data: RunData, folder: Path, cutoff: dt.date | None = None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [plot_panels(v, data, folder / "series.png", cutoff), plot_scatter(v, folder / "scatter.png")]
