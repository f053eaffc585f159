"""Write a run's folder: daily.parquet/csv, summary.json, manifest.json, plots/ — atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..analysis.observations import load_observations
from .atomic import atomic_folder
from .plots import make_plots
from .summary import build_manifest, build_summary


def observations_for(run):
    """The scenario's observed figures, if it names a file (relative to the scenario)."""
    rel = run.loaded.scenario.observed
    if not rel:
        return []
    return load_observations(run.loaded.folder / rel)


def write_run(run, out: Path, plots: bool = True) -> dict:
    """Write everything for `run` into `out`; returns the summary."""
    observations = observations_for(run)
    table = run.results.to_table(run.sim.calendar.dates())
    summary = build_summary(run)
    manifest = build_manifest(run)
    with atomic_folder(Path(out)) as tmp:
        pq.write_table(table, tmp / "daily.parquet")
        pacsv.write_csv(table, tmp / "daily.csv")
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if plots:
            make_plots(run, tmp / "plots", observations)
        manifest["outputs"] = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return summary
