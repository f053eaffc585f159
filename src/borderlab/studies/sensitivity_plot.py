"""Tornado chart of sensitivity indices: one bar per parameter, most influential on top,
with 95 % confidence intervals as error bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure

from ..reporting.plots import save_figure

MAX_BARS = 30


def plot_indices(table: pa.Table, method: str, what: str, path: Path) -> Path:
    rows = table.slice(0, MAX_BARS).to_pylist()[::-1]  # most influential at the top
    names = [r["parameter"] for r in rows]
    y = np.arange(len(rows))
    fig = Figure(figsize=(9, 1.2 + 0.32 * max(len(rows), 1)))
    ax = fig.add_subplot(1, 1, 1)
    if method == "sobol":
        ax.barh(y + 0.2, [r["ST"] for r in rows], height=0.4, xerr=[r["ST_conf"] for r in rows],
                color="#d62728", label="ST (total effect)", capsize=2)
        ax.barh(y - 0.2, [r["S1"] for r in rows], height=0.4, xerr=[r["S1_conf"] for r in rows],
                color="#1f77b4", label="S1 (first order)", capsize=2)
        ax.set_xlabel("share of output variance")
        ax.axvline(0, color="k", lw=0.5)
    else:
        ax.barh(y + 0.15, [r["mu_star"] for r in rows], height=0.5, xerr=[r["mu_star_conf"] for r in rows],
                color="#d62728", label="mu* (mean |elementary effect|)", capsize=2)
        ax.barh(y - 0.25, [r["sigma"] for r in rows], height=0.25, color="#999999",
                label="sigma (spread: interactions, non-linearity)")
        ax.set_xlabel("effect on the metric over each parameter's range (metric units)")
    ax.set_yticks(y, names, fontsize=7)
    more = f" (top {MAX_BARS} of {table.num_rows})" if table.num_rows > MAX_BARS else ""
    ax.set_title(f"{method.capitalize()} sensitivity of {what}{more}; bars show 95 % CIs", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return save_figure(fig, path)
