"""The `tradeoffs` figure: every trial in the plane of the first two objectives (colour: the
third, if any), the Pareto front drawn with its 90 % intervals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .allocate_plot import save_atomic


def plot_front(out: Path, rows: list[dict], objectives) -> Path:
    fig = Figure(figsize=(7.5, 5.5))
    ax = fig.add_subplot(1, 1, 1)
    xo, yo = objectives[0].label, objectives[1].label
    x = np.array([r[xo] for r in rows])
    y = np.array([r[yo] for r in rows])
    colour = np.array([r[objectives[2].label] for r in rows]) if len(objectives) > 2 else None
    if colour is not None:
        sc = ax.scatter(x, y, c=colour, s=18, cmap="viridis", label="trials")
        fig.colorbar(sc, ax=ax, label=objectives[2].label)
    else:
        ax.scatter(x, y, color="#999999", s=18, label="trials")
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: r[xo])
    if front:
        fx = np.array([r[xo] for r in front])
        fy = np.array([r[yo] for r in front])
        ax.errorbar(fx, fy, xerr=[fx - [r[f"{xo} low"] for r in front], [r[f"{xo} high"] for r in front] - fx],
                    yerr=[fy - [r[f"{yo} low"] for r in front], [r[f"{yo} high"] for r in front] - fy],
                    fmt="o-", color="#d62728", ms=5, lw=1, capsize=2, label="Pareto front (90 % intervals)")
    ax.set_xlabel(xo)
    ax.set_ylabel(yo)
    ax.legend(fontsize=8)
    ax.set_title(f"{len(rows)} trials, {len(front)} on the front (all objectives minimised)")
    fig.tight_layout()
    return save_atomic(fig, Path(out) / "tradeoffs.png")
