"""Run named arms (base + overrides) with common random numbers, and total their outcomes
over a window — the small piece `allocate` and `tradeoffs` need from the study machinery.

Run i of every arm uses the same seed (`derive_seed(base_seed, i)`), so arms differ by their
overrides, not by their luck, and differences are paired. Runs go through the one study
runner (`studies.ensemble.execute_plan`): one Parquet file per run, resumable, in-process or
on Dask. `shared_cluster` keeps one LocalCluster for a whole command, so many small batches
do not each pay for starting worker processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from ..studies.ensemble import execute_plan
from ..studies.plan import Source
from ..studies.runspec import RunSpec
from ..studies.sampling import derive_seed
from ..studies.store import run_path, sql_text

CROSSED = ("new_undetected", "new_unstopped", "new_released")  # every way across the line: unseen, seen, released


@dataclass(frozen=True)
class Arm:
    name: str
    overrides: tuple[tuple[str, str], ...] = ()  # (path, value text), applied after the source's own


def arm_specs(source: Source, arm: Arm, runs: int, base_seed: int) -> list[RunSpec]:
    """Run i of the arm: seed derive_seed(base_seed, i), run_id i (each arm has its own folder)."""
    return [RunSpec(run_id=i, seed=derive_seed(base_seed, i), source=source.source, kind=source.kind,
                    overrides=source.base_pairs() + arm.overrides, fingerprint=source.fingerprint)
            for i in range(runs)]


@contextlib.contextmanager
def shared_cluster(workers: int, scheduler: str | None):
    """The scheduler address every execute_plan call of a command should use (None: in-process)."""
    if scheduler or workers <= 1:
        yield scheduler
        return
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def execute(specs: list[RunSpec], out: Path, source: Source, scheduler: str | None) -> None:
    """Run the specs not already stored under OUT/runs (in-process when scheduler is None)."""
    execute_plan(specs, Path(out), workers=1, scheduler=scheduler,
                 warm=(source.source, source.kind, source.overrides) if scheduler else None)


def _query(out: Path, specs: list[RunSpec], start: dt.date, end: dt.date, metrics: list[str],
           columns: str) -> list[tuple]:
    """Rows of `SELECT columns … GROUP BY ALL` over the specs' run files, days in [start, end]."""
    files = ", ".join(sql_text(str(run_path(out, s.run_id))) for s in specs)
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT {columns} FROM read_parquet([{files}]) WHERE date BETWEEN ? AND ? "
                           f"AND metric IN ({', '.join(sql_text(m) for m in metrics)}) GROUP BY ALL",
                           [start, end]).fetchall()
    finally:
        con.close()


def window_totals(out: Path, specs: list[RunSpec], start: dt.date, end: dt.date,
                  metrics: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """{(metric, scope): values per spec, in spec order}: flows summed over [start, end],
    ratios and stocks as their maximum and their mean (keys metric + ':max' / ':mean')."""
    pos = {s.run_id: k for k, s in enumerate(specs)}
    rows = _query(out, specs, start, end, metrics,
                  "run_id, metric::VARCHAR, scope::VARCHAR, sum(value), max(value), avg(value)")
    table: dict[tuple[str, str], np.ndarray] = {}
    for run_id, metric, scope, total, peak, mean in rows:
        for key, value in (((metric, scope), total), ((metric + ":max", scope), peak), ((metric + ":mean", scope), mean)):
            table.setdefault(key, np.zeros(len(specs)))[pos[run_id]] = value
    return table


def daily_means(out: Path, specs: list[RunSpec], start: dt.date, end: dt.date,
                metrics: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """{(metric, scope): mean over the runs for each day of [start, end]}."""
    n_days = (end - start).days + 1
    table: dict[tuple[str, str], np.ndarray] = {}
    for metric, scope, date, mean in _query(out, specs, start, end, metrics, "metric::VARCHAR, scope::VARCHAR, date, avg(value)"):
        table.setdefault((metric, scope), np.zeros(n_days))[(date - start).days] = mean
    return table
