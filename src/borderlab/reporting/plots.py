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


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def monthly(dates: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum a daily series by calendar month → (month start dates, totals)."""
    months = dates.astype("datetime64[M]")
    keys, inv = np.unique(months, return_inverse=True)
    return keys.astype("datetime64[D]"), np.bincount(inv, weights=values)


def _annotate(ax, sim, max_labels: int = 12) -> None:
    shown = [e for e in sim.events_applied if e.label]
    for e in shown[:max_labels]:
        x = np.datetime64(e.date, "D")
        ax.axvline(x, color="#999999", lw=0.6, ls=":")
        ax.text(x, 1.0, e.label, transform=ax.get_xaxis_transform(), rotation=90, fontsize=6,
                va="top", ha="right", color="#555555")


def plot_attempts(run, observations, path: Path) -> Path:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    defenders = list(sim.index.defender)
    fig = Figure(figsize=(10, 2.8 * len(defenders)))
    obs = [o for o in resolve_conflicts(observations or []) if o.model and o.grain == "monthly"]
    for k, c in enumerate(defenders):
        ax = fig.add_subplot(len(defenders), 1, k + 1)
        for metric, style in (("new_attempts", "-"), ("new_turnbacks", "--"), ("new_detentions", ":")):
            m, v = monthly(dates, res.series(metric, c))
            ax.step(m, v, where="post", ls=style, color=COLORS.get(c, "k"), label=f"model {metric} (monthly)")
        for o in obs:
            metric, scope, _ = o.model
            if scope == c:
                mid = np.datetime64(o.start, "D")
                ax.plot([mid, np.datetime64(o.end, "D")], [o.value, o.value], color="k", lw=2)
                ax.plot(mid, o.value, "ko", ms=4)
                ax.annotate(f"{o.metric} ({o.country})", (mid, o.value), fontsize=6, xytext=(2, 3),
                            textcoords="offset points")
        ax.set_title(f"{c}: attempts, turn-backs and detentions per month; observed monthly figures in black", fontsize=9)
        ax.set_ylabel("people / events per month")
        ax.legend(fontsize=7, loc="upper left")
        _annotate(ax, sim)
    fig.tight_layout()
    return _save(fig, path)


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
    ax.legend(fontsize=7)
    _annotate(ax, sim)
    fig.tight_layout()
    return _save(fig, path)


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
    return _save(fig, path)


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
    return _save(fig, path)


def make_plots(run, folder: Path, observations=None) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        plot_attempts(run, observations, folder / "attempts.png"),
        plot_zone(run, folder / "zone.png"),
        plot_deaths(run, observations, folder / "deaths.png"),
        plot_fatigue(run, folder / "fatigue.png"),
    ]
