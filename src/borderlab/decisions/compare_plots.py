"""Figures of a comparison: a forest plot of each variant's change with its 90 % interval,
and each arm's key daily series as bands (median, 25–75 %, 5–95 % across its runs).

Bands are computed per run first (weekly totals, cumulative sums), then across runs, as
in the ensemble figures (studies/ensemble_plots.py, whose band helpers are reused)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure

from ..reporting.plots import save_figure
from ..studies.ensemble_plots import QS, band_rows, draw_bands
from .outcomes import TOTAL

ARM_COLORS = ("#333333", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
SERIES = (  # (title, metric, how each run is reduced before the band)
    ("attempts recorded per week", "new_attempts", "weekly"),
    ("people in the border zone", "n_in_zone", "daily"),
    ("unseen crossings, cumulative", "new_undetected", "cumulative"),
    ("deaths, cumulative", "new_deaths", "cumulative"),
    ("people in camps (Flee)", "sim_refugees", "daily"),
    ("agents (Flee)", "n_agents", "daily"),
)


def make_compare_plots(result, table: pa.Table, window: tuple[dt.date, dt.date]) -> list[Path]:
    """OUT/plots/differences.png and OUT/plots/timeseries.png."""
    folder = Path(result.out) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [plot_differences(table, result.reference, folder / "differences.png")]
    con = result.connect()
    try:
        paths.append(plot_timeseries(con, result.names, window, folder / "timeseries.png"))
    finally:
        con.close()
    return paths


def plot_differences(table: pa.Table, reference: str, path: Path) -> Path:
    """Relative change (%) of each total outcome, variant vs reference, with its 90 % interval."""
    rows = [r for r in table.to_pylist() if r["scope"] == TOTAL and r["arm"] != reference]
    outcomes = list(dict.fromkeys(r["outcome"] for r in rows))
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    labels = {r["outcome"]: r["label"] for r in rows}
    fig = Figure(figsize=(8, 0.45 * max(len(outcomes), 1) * max(len(arms), 1) ** 0.5 + 1.5))
    ax = fig.add_subplot(1, 1, 1)
    step = 0.7 / max(len(arms), 1)
    for k, arm in enumerate(arms):
        color = ARM_COLORS[(k + 1) % len(ARM_COLORS)]
        for j, name in enumerate(outcomes):
            r = next((r for r in rows if r["arm"] == arm and r["outcome"] == name), None)
            if r is None or r["rel_mean"] is None or not np.isfinite(r["rel_mean"]):
                continue
            y = j + (k - (len(arms) - 1) / 2) * step
            lo, hi = r["rel_low"], r["rel_high"]
            if lo is not None and np.isfinite(lo) and np.isfinite(hi):
                ax.plot([100 * lo, 100 * hi], [y, y], color=color, lw=2)
            ax.plot(100 * r["rel_mean"], y, "o", color=color, label=arm if j == 0 or name == outcomes[0] else None)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(len(outcomes)), [labels[o] for o in outcomes], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"change vs {reference} (%), mean over paired runs with 90 % bootstrap interval")
    handles, names = ax.get_legend_handles_labels()
    seen = dict(zip(names, handles))
    if seen:
        ax.legend(seen.values(), seen.keys(), fontsize=7, loc="best")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_timeseries(con, arms: list[str], window: tuple[dt.date, dt.date], path: Path) -> Path:
    """Each arm's median and bands of the SERIES the runs have (scope all), with the window shaded."""
    present = {m for (m,) in con.execute("SELECT DISTINCT metric FROM arm_runs WHERE scope = 'all'").fetchall()}
    series = [s for s in SERIES if s[1] in present]
    fig = Figure(figsize=(10, 2.6 * max(len(series), 1)))
    for k, (title, metric, how) in enumerate(series):
        ax = fig.add_subplot(len(series), 1, k + 1)
        if how == "weekly":
            inner = ("SELECT arm, run_id, date_trunc('week', date) AS x, sum(value) AS v FROM arm_runs "
                     "WHERE metric = ? AND scope = 'all' GROUP BY ALL")
        elif how == "cumulative":
            inner = ("SELECT arm, run_id, date AS x, sum(value) OVER (PARTITION BY run_id ORDER BY date) AS v "
                     "FROM arm_runs WHERE metric = ? AND scope = 'all'")
        else:
            inner = "SELECT arm, run_id, date AS x, value AS v FROM arm_runs WHERE metric = ? AND scope = 'all'"
        bands = band_rows(con, f"SELECT arm, x, quantile_cont(v, [{QS}]) FROM ({inner}) GROUP BY ALL ORDER BY 1, 2",
                          [metric])
        for j, arm in enumerate(arms):
            if arm in bands:
                draw_bands(ax, *bands[arm], ARM_COLORS[j % len(ARM_COLORS)], arm, step=how == "weekly")
        ax.axvspan(np.datetime64(window[0], "D"), np.datetime64(window[1], "D") + 1, color="#ffd700", alpha=0.08, lw=0)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)
