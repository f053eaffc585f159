"""PNG figures of one run, with observed figures overlaid where definitions match.

Uses matplotlib's object API (Figure + Agg canvas): no global pyplot state, no backend
switching at import time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.observations import resolve_conflicts

COLORS = {"PL": "#d62728", "LT": "#2ca02c", "LV": "#9467bd", "all": "#333333", "BY": "#1f77b4"}


def save_figure(fig: Figure, path: Path, dpi: int = 110) -> Path:
    """Render with the Agg canvas (no display needed) and write a tightly cropped PNG."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def monthly(dates: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum a daily series by calendar month → (month start dates, totals)."""
    months = dates.astype("datetime64[M]")
    keys, inv = np.unique(months, return_inverse=True)
    return keys.astype("datetime64[D]"), np.bincount(inv, weights=values)


def _annotate(ax, sim, labels: bool = False) -> None:
    """Dotted lines at timeline events; with `labels`, the texts of well-separated ones."""
    events = [e for e in sim.events_applied if e.label]
    lo, hi = sim.calendar.start, sim.calendar.end
    events = [e for e in events if lo <= e.date <= hi]
    last = None
    for e in events:
        x = np.datetime64(e.date, "D")
        ax.axvline(x, color="#999999", lw=0.6, ls=":")
        # label only events at least 12 days after the last labelled one, so texts do not overlap
        if labels and (last is None or (x - last) >= np.timedelta64(12, "D")):
            ax.text(x, 0.99, e.label, transform=ax.get_xaxis_transform(), rotation=90, fontsize=5.5,
                    va="top", ha="right", color="#555555")
            last = x


OBSERVED_STYLE = {"new_attempts": "k", "new_turnbacks": "#7f0000", "new_detentions": "#08306b"}


def plot_attempts(run, observations, path: Path) -> Path:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    defenders = list(sim.index.defender)
    fig = Figure(figsize=(10, 2.8 * len(defenders)))
    obs = [o for o in resolve_conflicts(observations or [])
           if o.model and o.grain == "monthly" and o.model[0] in OBSERVED_STYLE]
    by_month = sim.calendar.n_days >= 90
    for k, c in enumerate(defenders):
        ax = fig.add_subplot(len(defenders), 1, k + 1)
        for j, (metric, color) in enumerate((("new_attempts", "#d62728"), ("new_turnbacks", "#ff9896"),
                                             ("new_detentions", "#1f77b4"))):
            if by_month:
                m, v = monthly(dates, res.series(metric, c))
                ax.bar(m + np.timedelta64(2 + 8 * j, "D"), v, width=8, align="edge", color=color,
                       label=f"model {metric} (per month)")
            else:
                ax.plot(dates, res.series(metric, c), color=color, label=f"model {metric} (per day)")
        shown = set()
        for o in obs if by_month else []:
            metric, scope, _ = o.model
            if scope == c:
                lo, hi = np.datetime64(o.start, "D"), np.datetime64(o.end, "D") + 1
                ax.plot([lo, hi], [o.value, o.value], color=OBSERVED_STYLE[metric], lw=2.5,
                        label=None if metric in shown else f"observed ↔ {metric}")
                shown.add(metric)
        ax.set_xlim(dates[0], dates[-1] + 1)
        ax.set_title(f"{c}: attempts, turn-backs and detentions" + ("; observed monthly figures as dark lines" if by_month else ""), fontsize=9)
        ax.set_ylabel("per month" if by_month else "per day")
        ax.legend(fontsize=7, loc="upper left")
        _annotate(ax, sim)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_zone(run, path: Path) -> Path:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    orch = res.scopes_of("n_in_capital")[0]
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 1, 1)
    for c in sim.index.defender:
        ax.plot(dates, res.series("n_in_zone", c), color=COLORS.get(c), label=f"in zone facing {c}")
    ax.plot(dates, res.series("n_in_zone", "all"), color="k", lw=2, label="in zone, all")
    ax.plot(dates, res.series("n_at_staging", orch), color="#1f77b4", ls="--", label="at staging / shelters")
    ax.plot(dates, res.series("n_in_capital", orch), color="#17becf", ls=":", label="in the capital")
    ax.set_title("People in the border zone and waiting on the orchestrator's side", fontsize=9)
    ax.set_ylabel("people")
    ax.legend(fontsize=7, loc="upper right")
    _annotate(ax, sim, labels=True)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_deaths(run, observations, path: Path) -> Path:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(dates, np.cumsum(res.series("new_deaths", "all")), color="k", lw=2, label="model: cumulative deaths")
    ax.plot(dates, np.cumsum(res.series("new_hospitalised", "all")), color="#ff7f0e", label="model: cumulative hospitalised")
    for o in resolve_conflicts(observations or []):
        if o.model and o.model[0] == "new_deaths":
            ax.plot(np.datetime64(o.end, "D"), o.value, "rs", ms=5)
    ax.plot([], [], "rs", label="observed cumulative deaths")
    ax.set_ylabel("people")
    ax.set_yscale("symlog", linthresh=10)
    ax2 = ax.twinx()
    ax2.plot(dates, res.series("temperature_c", "all"), color="#1f77b4", lw=0.8, alpha=0.6)
    ax2.axhline(0, color="#1f77b4", lw=0.5, ls=":")
    ax2.set_ylabel("daily minimum °C", color="#1f77b4")
    ax.set_title("Deaths and hospitalisations (cumulative) and temperature", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_fatigue(run, path: Path) -> Path:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    fig = Figure(figsize=(10, 5))
    ax1 = fig.add_subplot(2, 1, 1)
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax1)
    for c in sim.index.defender:
        ax1.plot(dates, res.series("guard_fatigue", c), color=COLORS.get(c), label=c)
        ax2.plot(dates, res.series("guard_utilisation", c), color=COLORS.get(c), label=c)
    ax1.set_ylabel("fatigue (0–1)")
    ax1.set_title("Guard fatigue and load (detected incidents ÷ response capacity)", fontsize=9)
    ax2.axhline(1.0, color="k", lw=0.5, ls=":")
    ax2.set_ylabel("load")
    ax1.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def make_plots(run, folder: Path, observations=None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        plot_attempts(run, observations, folder / "attempts.png"),
        plot_zone(run, folder / "zone.png"),
        plot_deaths(run, observations, folder / "deaths.png"),
        plot_fatigue(run, folder / "fatigue.png"),
    ]
