"""Batching runs into Dask tasks changes where runs execute, never what they produce:
the same seeds give byte-identical run files, batched or not (docs/performance.md). The
LocalCluster with tasks of 3 runs is checked against in-process runs in test_ensemble.py
(test_local_cluster_gives_the_same_files_as_in_process)."""

from __future__ import annotations

from pathlib import Path

from borderlab.studies import ensemble as ens
from borderlab.studies.plan import open_source, plan_ensemble
from conftest import STOCHASTIC, TOY

SHORT = [*STOCHASTIC, "end=2021-09-18"]   # a random three-week toy run: milliseconds


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "runs").glob("run-*.parquet"))}


def test_one_batch_writes_the_files_single_runs_write(tmp_path):
    specs = plan_ensemble(open_source(TOY, SHORT), runs=5, seed=9).specs
    records = ens.run_batch(specs, str(tmp_path / "batched"))
    for spec in specs:
        ens.run_batch([spec], str(tmp_path / "single"))
    assert [r["run_id"] for r in records] == [0, 1, 2, 3, 4]
    files = _bytes(tmp_path / "batched")
    assert len(files) == 5 and files == _bytes(tmp_path / "single")
    assert len(set(files.values())) == 5   # five seeds, five different runs


def test_batch_size_keeps_tasks_small_and_workers_busy():
    assert ens.batch_size(5, 2) == 1          # few runs: one per task, both workers busy
    assert ens.batch_size(200, 2) == 4        # 50 tasks of 4
    assert ens.batch_size(1000, 2) == 4       # never more than 4: the last tasks end together
    assert ens.batch_size(1, 8) == 1
