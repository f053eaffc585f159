"""The one study runner: execute run specs in this process or on a Dask cluster, store each
run's table, and (for `borderlab ensemble`) summarise them as quantile bands and plots.

Where runs execute:

- `workers=1`, no scheduler: here, one after another (no cluster, no extra processes);
- `workers=K`: a `dask.distributed.LocalCluster` of K single-threaded worker processes;
- `scheduler=ADDRESS`: an existing Dask cluster (`Client(ADDRESS)`).

All three call the same `run_batch` on the same specs, so they write the same files. Tasks
are small batches of specs; each worker writes its runs' files itself when it can see the
output folder (always on this machine; on a cluster with a shared file system), otherwise
it sends the tables back and this process writes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import platform
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


from .. import __version__, interrupts
from ..engine.ahead_of_time import MANY_RUNS, prefer_jit_for_many_runs
from ..errors import BorderlabError
from .plan import EnsemblePlan, open_source, plan_ensemble
from .quantiles import write_quantiles
from ..reporting.outdir import study_folder
from .runspec import RunSpec, execute_timed, load_cached
from .store import (
    check_study_dir, finished_runs, remove_strays, write_atomic, write_duckdb, write_run_file, write_table_atomic,
)

log = logging.getLogger(__name__)
PLAN_FILE = "plan.json"
TIMING_KEYS = ("load_s", "build_s", "sim_s", "table_s", "write_s")
CONNECT_TIMEOUT_S = 5.0  # how long to wait for a --scheduler before saying it is unreachable
_RUNS_IN_PROCESS = [0]  # runs executed by this process so far (marks each process's first run)


# -- the task a worker runs ----------------------------------------------------------
def run_batch(specs: list[RunSpec], out: str | None) -> list[dict]:
    """Execute specs in order; write each run file under `out` (or return the tables when
    `out` is None). Returns one small record per run: id, timings, pid."""
    records = []
    for spec in specs:
        interrupts.check()
        table, times = execute_timed(spec)
        t0 = time.perf_counter()
        record = {"run_id": spec.run_id, "pid": os.getpid(), "first": _RUNS_IN_PROCESS[0] == 0, **times}
        if out is None:
            record["table"] = table
        else:
            write_run_file(Path(out), spec, table)
        record["write_s"] = time.perf_counter() - t0
        _RUNS_IN_PROCESS[0] += 1
        records.append(record)
    return records


def _warm(source: str, kind: str, overrides: list[str], many_runs: bool = False) -> float:
    """Import the engine and parse the scenario once per worker, before the first run; a
    worker with many runs ahead switches to numba's JIT (engine/ahead_of_time.py)."""
    t0 = time.perf_counter()
    from .. import simulation  # noqa: F401  (imports the kernels)
    if many_runs:
        from ..engine.ahead_of_time import prefer_jit_for_many_runs
        prefer_jit_for_many_runs()
    if kind == "scenario":
        load_cached(source, overrides)
    return time.perf_counter() - t0


def store_returned(records: list[dict], specs: dict[int, RunSpec], out: Path) -> list[dict]:
    """Write the tables workers sent back (when they cannot see OUT); returns the records."""
    for r in records:
        if "table" in r:
            t = time.perf_counter()
            write_run_file(out, specs[r["run_id"]], r.pop("table"))
            r["write_s"] += time.perf_counter() - t
    return records


# -- clients ---------------------------------------------------------------------------
@contextlib.contextmanager
def dask_client(workers: int, scheduler: str | None, timeout_s: float | None = None):
    """A Client on an existing scheduler, or on a LocalCluster of `workers` processes."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=f"{timeout_s or CONNECT_TIMEOUT_S}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise _unreachable(scheduler, exc) from None
        with client:
            yield client
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


def check_scheduler(scheduler: str) -> None:
    """Refuse an address that is not host:port before anything starts (a Client given one
    fails half-built and later prints a TimeoutError traceback while it is collected)."""
    from distributed.comm.addressing import get_address_host_port

    try:
        get_address_host_port(scheduler)
    except ValueError as exc:
        raise _unreachable(scheduler, exc) from None


def _unreachable(scheduler: str, exc: Exception) -> BorderlabError:
    return BorderlabError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc})\n"
                          "    hint: start one with `dask scheduler` (and workers with `dask worker ADDRESS`), "
                          "give its tcp://host:port address, or leave --scheduler out to use this machine")


def _workers_see(client, out: Path) -> bool:
    """Whether every worker sees `out` (same machine or shared file system)."""
    probe = Path(out).resolve() / f".probe-{uuid.uuid4().hex}"
    probe.write_text("probe", encoding="utf-8")
    try:
        seen = client.run(os.path.exists, str(probe))
    finally:
        probe.unlink(missing_ok=True)
    return bool(seen) and all(seen.values())


def _n_workers(client) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})))


def batch_size(todo: int, workers: int) -> int:
    """Runs per task: enough that scheduling costs nothing next to the runs, few enough
    that the last tasks finish together (≤ 4 runs; ≈32 tasks per worker)."""
    return max(1, min(4, math.ceil(todo / (workers * 32))))


# -- the runner ----------------------------------------------------------------------
@dataclass
class ExecStats:
    planned: int
    skipped: int
    executed: int = 0
    workers: int = 1
    runner: str = "in-process"
    wall_s: float = 0.0
    start_s: float = 0.0  # cluster start and worker warm-up
    totals: dict = field(default_factory=lambda: dict.fromkeys(TIMING_KEYS, 0.0))
    first_run_extra_s: float = 0.0  # first run in each process beyond the mean of the others
    steady: dict = field(default_factory=dict)  # mean seconds per run, first run of each process excluded
    removed: int = 0

    def to_json(self) -> dict:
        n = max(self.executed, 1)
        return {"planned": self.planned, "skipped_finished": self.skipped, "executed": self.executed,
                "runner": self.runner, "workers": self.workers, "wall_s": round(self.wall_s, 3),
                "cluster_start_s": round(self.start_s, 3),
                "runs_per_s": round(self.executed / self.wall_s, 3) if self.wall_s else None,
                "seconds_total": {k: round(v, 3) for k, v in self.totals.items()},
                "seconds_per_run": {k: round(v / n, 4) for k, v in self.totals.items()},
                "seconds_per_run_steady": {k: round(v, 4) for k, v in self.steady.items()},
                "first_run_extra_s": round(self.first_run_extra_s, 3),
                "stray_files_removed": self.removed}


def execute_plan(specs: list[RunSpec], out: Path, *, workers: int = 1, scheduler: str | None = None,
                 progress: Callable[[int, int], None] | None = None, batch: int | None = None,
                 warm: tuple[str, str, list[str]] | None = None) -> ExecStats:
    """Run every spec whose file is not already in OUT/runs; `progress(done, total)`."""
    out = Path(out)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if workers < 1:
        raise BorderlabError(f"--workers {workers}: need at least 1")
    stats = ExecStats(planned=len(specs), skipped=0)
    stats.removed = remove_strays(out, specs)
    done = finished_runs(out, specs)
    todo = [s for s in specs if s.run_id not in done]
    stats.skipped = len(specs) - len(todo)
    log.info("%s: %d runs planned, %d already done, %d stray files removed", out, len(specs), stats.skipped, stats.removed)
    if progress:
        progress(stats.skipped, len(specs))
    records: list[dict] = []
    t0 = time.perf_counter()
    if not todo:
        return stats
    workers = min(workers, len(todo))  # no idle processes for a small study
    if scheduler is None and workers == 1:
        if len(todo) >= MANY_RUNS:
            prefer_jit_for_many_runs()
        for spec in todo:
            records.extend(run_batch([spec], str(out)))
            if progress:
                progress(stats.skipped + len(records), len(specs))
    else:
        records = _execute_dask(todo, out, workers, scheduler, batch, warm, stats,
                                lambda n: progress(stats.skipped + n, len(specs)) if progress else None)
    stats.wall_s = time.perf_counter() - t0
    stats.executed = len(records)
    for r in records:
        for k in TIMING_KEYS:
            stats.totals[k] += r[k]
    firsts = [r for r in records if r["first"]]
    rest = [r for r in records if not r["first"]]
    if rest:
        stats.steady = {k: sum(r[k] for r in rest) / len(rest) for k in TIMING_KEYS}
    if firsts and rest:
        per = lambda rs: sum(sum(r[k] for k in TIMING_KEYS) for r in rs) / len(rs)  # noqa: E731
        stats.first_run_extra_s = per(firsts) - per(rest)
    return stats


def _execute_dask(todo, out, workers, scheduler, batch, warm, stats, progress) -> list[dict]:
    from dask.distributed import as_completed

    t0 = time.perf_counter()
    with dask_client(workers, scheduler) as client:
        n = _n_workers(client) if scheduler else workers
        stats.workers, stats.runner = n, (f"dask scheduler {scheduler}" if scheduler else f"dask LocalCluster ({n} processes)")
        if warm:
            client.run(_warm, *warm, len(todo) >= MANY_RUNS * n)
        stats.start_s = time.perf_counter() - t0
        target = str(out.resolve()) if _workers_see(client, out) else None
        size = batch or batch_size(len(todo), n)
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        futures = [client.submit(run_batch, chunk, target, pure=False) for chunk in chunks]
        records: list[dict] = []
        try:
            by_id = {s.run_id: s for s in todo}
            for fut in as_completed(futures, loop=client.loop):
                interrupts.check()
                records.extend(store_returned(fut.result(), by_id, out))
                if progress:
                    progress(len(records))
        except BaseException:
            client.cancel(futures)
            raise
    return records


# -- borderlab ensemble ----------------------------------------------------------------
def run_ensemble(scenario: str, runs: int, out: Path, *, seed: int | None = None, vary: bool = False,
                 params: list[str] | None = None, overrides: list[str] | None = None, workers: int = 1,
                 scheduler: str | None = None, plots: bool = True, batch: int | None = None,
                 progress: Callable[[int, int], None] | None = None, force: bool = False,
                 branches: bool = True, posterior: Path | None = None, per_draw: int = 2) -> dict:
    """Plan, execute (resuming), then write quantiles, views, plots and the manifest. A
    branched scenario's runs are spread over its branches (studies/branches.py). With
    `posterior` (a CAL_DIR), runs draw parameters from it, `per_draw` seeds per draw
    (forecast/posterior_plan.py), and the manifest splits the variance (forecast/variance.py)."""
    out = Path(out)
    check_study_dir(out, "ensemble", force)
    source = open_source(scenario, overrides)
    plan = plan_ensemble(source, runs, seed=seed, vary=vary, params=params, branches=branches)
    if posterior is not None:
        from ..forecast.posterior_plan import with_posterior
        plan = with_posterior(plan, posterior, per_draw)[0]

    def summarise(out: Path) -> dict:
        outputs = {"quantiles": write_quantiles(out).name}
        if source.kind == "flee":
            from .flee_ensemble import summarise_flee
            return {**outputs, **summarise_flee(out, source.name, len(plan.specs), plots)}
        if plots:
            from .ensemble_plots import make_ensemble_plots
            outputs["plots"] = [str(p.relative_to(out)) for p in make_ensemble_plots(out, plan)]
        if plan.branches:  # the quantiles above are the mixture's; add each branch's
            from .branches import summarise_branches
            outputs.update(summarise_branches(out, plan, plots))
        if plan.draw_ids:
            from ..forecast.variance import decompose
            outputs["variance"] = decompose(out)
        return outputs

    return run_plan(plan, out, summarise, study="ensemble", workers=workers, scheduler=scheduler,
                    batch=batch, progress=progress, force=force)


def run_plan(plan: EnsemblePlan, out: Path, summarise: Callable[[Path], dict], *, study: str,
             workers: int = 1, scheduler: str | None = None, batch: int | None = None,
             progress: Callable[[int, int], None] | None = None, force: bool = False) -> dict:
    """Write the plan and draws, execute the runs, summarise, and write the manifest last
    (a folder with a manifest.json is a finished study). One writer at a time (outdir.py)."""
    with study_folder(Path(out), study, force) as out:
        return _run_plan(plan, out, summarise, study, workers, scheduler, batch, progress)


def _run_plan(plan, out: Path, summarise, study: str, workers, scheduler, batch, progress) -> dict:
    (out / "manifest.json").unlink(missing_ok=True)  # not finished until written again
    t0 = time.perf_counter()
    write_atomic(out / PLAN_FILE, json.dumps({"study": study, **plan.describe()}, indent=2))
    write_table_atomic(out / "draws.parquet", plan.draws_table())
    src = plan.source
    stats = execute_plan(plan.specs, out, workers=workers, scheduler=scheduler, progress=progress, batch=batch,
                         warm=(src.source, src.kind, src.overrides))
    interrupts.check()   # no manifest after a Ctrl-C, even one a finalizer swallowed
    t1 = time.perf_counter()
    outputs = summarise(out)
    write_duckdb(out)
    t2 = time.perf_counter()
    manifest = build_study_manifest(plan, stats, study, {"summarise_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3)})
    manifest["outputs"] = {"runs": "runs/run-*.parquet", "draws": "draws.parquet", "views": "ensemble.duckdb",
                           **outputs}
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
    return manifest


def build_study_manifest(plan: EnsemblePlan, stats: ExecStats, study: str, extra: dict) -> dict:
    import dask
    from ..engine.ahead_of_time import built_status, numba_version
    import numpy

    loaded = plan.source.loaded
    return {
        "borderlab_version": __version__,
        "study": study,
        **plan.describe(),
        "scenario_file": str(loaded.path) if loaded else plan.source.source,
        "scenario_sha256": loaded.sha256 if loaded else None,
        "period": [str(loaded.scenario.start), str(loaded.scenario.end)] if loaded else None,
        "observed": loaded.scenario.observed if loaded else None,  # relative to the scenario file
        "seeds": "run i uses derive_seed(base_seed, i) (borderlab.studies.sampling); every seed is in draws.parquet",
        "execution": {**stats.to_json(), **extra},
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {"numpy": numpy.__version__, "numba": numba_version(), "dask": dask.__version__},
        "kernels": built_status(),   # built ahead of time, or numba JIT and why
    }

