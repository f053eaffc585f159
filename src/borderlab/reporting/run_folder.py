"""Write a run's folder: daily.parquet/csv, summary.json, manifest.json, plots/ — atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .outdir import check_output, replace_folder
from .summary import build_manifest, build_summary

RUN_KIND = "run"   # also Flee runs: both are run folders (validate reads either)


def observations_for(run):
    """The scenario's observed figures, if it names a file (relative to the scenario); the
    reader is imported only then (toy-border and Flee runs name none: docs/performance.md)."""
    rel = run.loaded.scenario.observed
    if not rel:
        return []
    from ..analysis.observations import load_observations

    return load_observations(run.loaded.folder / rel)


def make_plots(run, folder: Path, observations) -> list[Path]:
    """plots.make_plots, importing matplotlib only when a run writes plots (docs/performance.md)."""
    from .plots import make_plots as plot_run
    return plot_run(run, folder, observations)


def check_out_dir(out: Path, force: bool = False) -> None:
    """Refuse early (before the simulation) an `out` that a run may not replace: see outdir.py."""
    check_output(out, RUN_KIND, force)


def write_run(run, out: Path, plots: bool = True, force: bool = False, report: bool = False) -> dict:
    """Write everything for `run` into `out` (with `report`, also report.html: docs/report.md); returns the summary."""
    check_out_dir(out, force)
    observations = observations_for(run)
    table = run.results.to_table(run.sim.calendar.dates())
    summary = build_summary(run)
    manifest = build_manifest(run)
    with replace_folder(Path(out), RUN_KIND, force) as tmp:
        pq.write_table(table, tmp / "daily.parquet")
        pacsv.write_csv(table, tmp / "daily.csv")
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if plots:
            make_plots(run, tmp / "plots", observations)
        manifest["outputs"] = sorted([str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()]
                                     + (["report.html"] if report else []))
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        if report:   # last: it reads the folder; inside the atomic folder, so never half written
            from ..report.cli import add_report
            add_report(tmp, kind=RUN_KIND)
    return summary
