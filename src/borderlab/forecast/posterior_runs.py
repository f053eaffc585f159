"""The forecast ensemble of one origin: runs drawing their parameters from its posterior.

Backtests and the early-warning forecast need bands that carry parameter uncertainty as
well as run-to-run noise. The plan is the ordinary ensemble plan (`plan_ensemble`, with the
scenario's branches spread by prior weight) with posterior draws added
(`posterior_plan.with_posterior`), every run stopping at `end` — nothing after the forecast
horizon is simulated. The runs go through the one study runner (`studies.ensemble.run_plan`:
this process, a Dask LocalCluster or a Dask scheduler; resumed run by run), which writes an
ordinary ensemble folder that `borderlab validate` and DuckDB read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ..analysis.run_data import RunData, load_run_data
from ..studies.ensemble import run_plan
from ..studies.plan import open_source, plan_ensemble
from ..studies.quantiles import write_quantiles
from .posterior_plan import with_posterior

STUDY = "ensemble"


def run_posterior_ensemble(scenario: str, posterior_folder: Path, runs: int, out: Path, *, end: dt.date,
                           seed: int = 0, per_draw: int = 1, workers: int = 1, scheduler: str | None = None,
                           keys: set[tuple[str, str]] | None = None,
                           progress: Callable[[int, int], None] | None = None) -> RunData:
    """Run (or resume) the ensemble in `out`; return its data with the member runs of `keys` loaded."""
    plan = plan_ensemble(open_source(scenario, [f"end={end.isoformat()}"]), runs, seed=seed)
    plan, _, _ = with_posterior(plan, Path(posterior_folder), per_draw=per_draw)
    run_plan(plan, Path(out), lambda folder: {"quantiles": write_quantiles(folder).name}, study=STUDY,
             workers=workers, scheduler=scheduler, progress=progress)
    data = load_run_data(Path(out))
    if keys:
        data.load_members(keys)
    return data
