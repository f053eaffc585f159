"""Write a run's folder: daily.parquet/csv, summary.json, manifest.json, plots/ — atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..analysis.observations import load_observations
from ..errors import InputFileError
from .atomic import atomic_folder
from .plots import make_plots
from .summary import build_manifest, build_summary


def observations_for(run):
    """The scenario's observed figures, if it names a file (relative to the scenario)."""
    rel = run.loaded.scenario.observed
    if not rel:
        return []
    return load_observations(run.loaded.folder / rel)


def check_out_dir(out: Path) -> None:
    """`out` is replaced wholesale: refuse unless it is new, empty or an earlier run folder
    (so `--out .` or a typo never deletes a folder of other files)."""
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise InputFileError(f"{out}: exists and is not a borderlab run folder (no manifest.json); not replacing it\n"
                             "    hint: choose a new --out folder, or remove this one first")
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out}: exists and is not a folder\n    hint: choose a new --out folder")


def write_run(run, out: Path, plots: bool = True) -> dict:
    """Write everything for `run` into `out`; returns the summary."""
    check_out_dir(out)
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
