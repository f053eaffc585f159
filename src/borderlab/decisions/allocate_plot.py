"""The `allocate` figure: guard shares per segment for each arm, and each arm's paired
difference to the scenario's own allocation with its 90 % interval."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..reporting.plots import save_figure

FOREST = ("crossings", "unseen_crossings", "deaths", "peak_fatigue")


def save_atomic(fig: Figure, path: Path) -> Path:
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    save_figure(fig, tmp)
    os.replace(tmp, path)
    return path


def plot_allocation(out: Path, ctx, shares: dict, comparison: list[dict]) -> Path:
    fig = Figure(figsize=(13, 5.5))
    ax = fig.add_subplot(1, 2, 1)
    names = list(shares)
    x = np.arange(len(ctx.segments))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        ax.bar(x + (k - (len(names) - 1) / 2) * width, shares[name], width, label=name)
    ax.set_xticks(x, ctx.segments, rotation=70, fontsize=7)
    ax.set_ylabel(f"share of {ctx.country}'s guards on duty")
    ax.set_title(f"allocations, {ctx.country}")
    ax.legend(fontsize=8)
    for j, outcome in enumerate(FOREST):
        axf = fig.add_subplot(len(FOREST), 2, 2 * (j + 1))
        rows = [r for r in comparison if r["outcome"] == outcome and r["arm"] != "scenario"]
        y = np.arange(len(rows))
        d = np.array([r["diff"] for r in rows])
        err = np.array([[r["diff"] - r["diff_low"] for r in rows], [r["diff_high"] - r["diff"] for r in rows]])
        axf.errorbar(d, y, xerr=err, fmt="o", capsize=3)
        axf.axvline(0, color="grey", lw=0.8)
        axf.set_yticks(y, [r["arm"] for r in rows], fontsize=8)
        axf.set_title(f"{outcome}: arm − scenario (90 % interval)", fontsize=9)
    fig.suptitle(f"{ctx.window[0]} … {ctx.window[1]}, {ctx.runs} paired runs per arm")
    fig.tight_layout()
    return save_atomic(fig, Path(out) / "allocation.png")
