"""Write a Flee run's folder: out.csv (Flee's layout), the tidy daily table, summary,
manifest and plots — atomically, like every borderlab run folder.

    RUN/
    ├── out.csv                 Flee's run-script output: per camp sim/data/error, Total error, …
    ├── daily.parquet, daily.csv  tidy table: date, scope, metric, value
    ├── summary.json            ARD, agents, agent-days/s, per-camp end values, warnings
    ├── manifest.json           version, source, content hash, seed, settings as run, ignored keys
    └── plots/                  camps.png (each camp: simulated vs UNHCR), total_error.png
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import __version__
from ..reporting.outdir import replace_folder
from ..reporting.run_folder import RUN_KIND, check_out_dir

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def out_csv_text(run) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(run.out_csv_rows())
    return buf.getvalue()


def build_manifest(run) -> dict:
    from ..engine.ahead_of_time import built_status, numba_version
    import pydantic
    loaded = run.loaded
    return {
        "borderlab_version": __version__,
        "model": "flee",
        "case": run.name,
        "source": loaded.source,
        "source_kind": loaded.kind,
        "case_sha256": loaded.sha256,
        "seed": run.seed,
        "days": run.days,
        "overrides": {k: v for k, v in run.overrides.items()},
        "settings": loaded.scenario.settings.model_dump(mode="json"),
        "ignored_settings": loaded.ignored_settings,
        "warnings": loaded.warnings,
        "random_streams": sorted(s.name for s in run.sim.streams.values()),
        "wall_time_s": round(run.wall_s, 4),
        "build_time_s": round(run.build_s, 4),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {"numpy": np.__version__, "numba": numba_version(), "pydantic": pydantic.__version__},
        "kernels": built_status(),   # built ahead of time, or numba JIT and why
        "provenance": loaded.scenario.provenance,
    }


def camp_panels(names: list[str]) -> tuple[Figure, list]:
    """A figure with one small titled panel per camp, four to a row."""
    from matplotlib.figure import Figure   # matplotlib only when plotting (docs/performance.md)
    k = max(len(names), 1)
    cols = min(4, k)
    rows = math.ceil(k / cols)
    fig = Figure(figsize=(3.6 * cols, 2.4 * rows))
    axes = []
    for c, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, c + 1)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=6, axis="both")
        ax.tick_params(axis="x", labelrotation=30)
        axes.append(ax)
    return fig, axes


def plot_camps(run, path: Path) -> Path:
    """One panel per camp: simulated agents against the UNHCR series."""
    from ..reporting.plots import save_figure
    fig, axes = camp_panels(run.camp_names)
    dates = run.dates
    for c, ax in enumerate(axes):
        ax.plot(dates, run.sim_camp[:, c], color="#1f77b4", lw=1.2, label="borderlab")
        ax.plot(dates, run.data_camp[:, c], color="k", lw=1.0, ls="--", label="UNHCR")
    if axes:
        axes[0].legend(fontsize=6, frameon=False)
    hasten = run.loaded.scenario.settings.hasten
    fig.suptitle(f"{run.name}: agents per camp, simulated vs UNHCR" + (f" (÷{hasten}, hasten)" if hasten > 1 else ""),
                 fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_total_error(run, path: Path) -> Path:
    """Flee's daily total error, with its mean (ARD)."""
    from matplotlib.figure import Figure

    from ..reporting.plots import save_figure
    fig = Figure(figsize=(8, 3))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(run.dates, run.total_error, color="#d62728", lw=1.2)
    ax.axhline(run.ard, color="#555555", ls=":", lw=1)
    ax.text(run.dates[0], run.ard, f" ARD {run.ard:.3f}", va="bottom", fontsize=8, color="#555555")
    ax.set_ylabel("Σ|sim − data| / UNHCR total")
    ax.set_title(f"{run.name}: total error per day (seed {run.seed})", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def write_flee_run(run, out: Path, plots: bool = True, force: bool = False, report: bool = False) -> dict:
    """Write everything for `run` into `out` (replaced atomically; with `report`, also report.html); returns the summary."""
    out = Path(out)
    check_out_dir(out, force)
    table = run.daily_table()
    summary = run.summary()
    manifest = build_manifest(run)
    with replace_folder(out, RUN_KIND, force) as tmp:
        (tmp / "out.csv").write_text(out_csv_text(run), encoding="utf-8")
        pq.write_table(table, tmp / "daily.parquet")
        pacsv.write_csv(table, tmp / "daily.csv")
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if plots:
            (tmp / "plots").mkdir()
            plot_camps(run, tmp / "plots" / "camps.png")
            plot_total_error(run, tmp / "plots" / "total_error.png")
        manifest["outputs"] = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()) + ["manifest.json"] \
            + (["report.html"] if report else [])
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        if report:   # last: it reads the folder; inside the atomic folder, so never half written
            from ..report.cli import add_report
            add_report(tmp, kind=RUN_KIND)
    return summary
