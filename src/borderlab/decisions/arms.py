"""Run named arms — the base and its variants, or plain override sets — with common random
numbers, on the ensemble runner (in-process, LocalCluster, `--scheduler`; resumable).

Pairing: run i of every arm uses the same seed `derive_seed(base_seed, i)` and, with
`vary`, the same Latin-hypercube parameter draw. The engine draws every random number from
named counter-based streams keyed by person, group or segment id (engine/streams.py), so
a change in one mechanism does not shift the random numbers of the others: the difference
between two arms in pair i is the effect of the change under the same luck, and a variant
that changes nothing gives exactly the base's numbers.

```text
OUT/plan.json         the study (kind, base, arms with their assignments, runs, seed)
OUT/arms.parquet      run_id, arm, pair, seed, and the drawn parameters of the pair
OUT/runs/run-*.parquet  one file per (arm, pair): run_id = arm index × 1,000,000 + pair
```

Each run's key includes its overrides, so a finished run is reused only by the same arm,
pair, draw and scenario version (resume = run the command again).

Commands that run many small batches of arms — `allocate` (the scenario arm first, then the
others once the game is solved; each search trial) and `tradeoffs` (one arm per trial) —
plan once and call `run_planned` per batch, each batch in its own folder (a folder keeps
only the runs of the arms last run there), inside one `shared_cluster` so the batches do
not each start worker processes; `open_until` stops their runs at the window's end, and
`ArmsResult.window_totals` / `daily_means` reduce the runs over the window.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pyarrow as pa

from ..errors import BorderlabError
from ..reporting.outdir import study_folder
from ..scenario.loader import ParsedScenario, parse_scenario
from ..studies.ensemble import PLAN_FILE, ExecStats, execute_plan
from ..studies.plan import EnsemblePlan, Source, open_source, plan_ensemble
from ..studies.runspec import RunSpec
from ..studies.store import check_study_dir, create_views, sql_text, write_atomic, write_table_atomic
from .variants import Variant, load_variant, read_variant

ARM_STRIDE = 1_000_000  # run_id = arm index × stride + pair: one folder holds every arm
ARMS_FILE = "arms.parquet"
_ARM_NAME = r"^[A-Za-z0-9][A-Za-z0-9\-_]*$"


@dataclass
class Arm:
    """One arm: a name and the `--set` texts that turn the base into it.

    `first` go before the study's own overrides and draws (the edited event list of a
    variant), `last` after them (a variant's `set`, or an override-only arm's texts), so the
    arm's stated values hold in every run."""

    name: str
    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    description: str = ""
    variant_file: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "description": self.description, "variant_file": self.variant_file,
                "set": self.last, "edits_timeline": bool(self.first)}


def make_arm(name: str, what: list[str] | Variant | str | Path, source: Source,
             parsed: ParsedScenario | None = None) -> Arm:
    """An Arm from override texts, a Variant, or a variant file/name (checked against the base)."""
    if isinstance(what, (list, tuple)):
        texts = [str(t) for t in what]
        if source.kind == "scenario" and texts:
            (parsed or parse_scenario(source.source)).load(list(source.overrides) + texts)  # every problem, file:line
        elif texts:
            open_source(source.source, list(source.overrides) + texts)  # checks the Flee settings
        return Arm(name, [], texts, description="; ".join(texts) or "the base scenario")
    if source.kind != "scenario":
        variant = what if isinstance(what, Variant) else read_variant(what)
        if variant.has_timeline:
            raise BorderlabError(f"{variant.path}: timeline edits need a borderlab scenario; {source.source} is a Flee "
                                 "input folder\n    hint: for Flee inputs a variant can only `set` simulation settings")
        texts = variant.set_assignments()
        open_source(source.source, list(source.overrides) + texts)
        return Arm(name, [], texts, variant.description, str(variant.path))
    parsed = parsed or parse_scenario(source.source)
    if isinstance(what, Variant):
        variant = what
        variant.base = variant.load(parsed, source.overrides)  # (re)computes its assignments for this base
    else:
        variant = load_variant(what, parsed, source.overrides)
    texts = variant.assignments()
    n_first = 1 if variant.has_timeline else 0
    return Arm(name, texts[:n_first], texts[n_first:], variant.description, str(variant.path))


def _pairs(texts: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple(tuple(t.split("=", 1)) for t in texts)  # type: ignore[misc]


def arm_specs(plan: EnsemblePlan, arms: list[Arm]) -> list[RunSpec]:
    """Every arm's run specs: pair i of each arm has plan run i's seed and draw. Ordered pair
    by pair (pair 0 of every arm, then pair 1 …), so an interrupted study holds whole pairs."""
    if any(a.first for a in arms) and any(p == "events" for s in plan.specs for p, _ in s.overrides):
        raise BorderlabError("a variant edits the timeline, and so does a branch of the base scenario: the branch's "
                             "event list would replace the variant's\n    hint: run with --no-branches, or compare "
                             "within one branch by giving its variant's changes to the arms")
    texts = [(_pairs(a.first), _pairs(a.last)) for a in arms]
    return [RunSpec(run_id=k * ARM_STRIDE + s.run_id, seed=s.seed, source=s.source, kind=s.kind,
                    overrides=first + s.overrides + last, fingerprint=s.fingerprint)
            for s in plan.specs for k, (first, last) in enumerate(texts)]


def arms_table(plan: EnsemblePlan, arms: list[Arm]) -> pa.Table:
    """run_id, arm, pair, seed and the pair's drawn parameters, for every run of every arm."""
    draws = plan.draws_table()
    n = draws.num_rows
    cols = {"run_id": pa.array([k * ARM_STRIDE + i for k in range(len(arms)) for i in range(n)], pa.int32()),
            "arm": pa.array([a.name for a in arms for _ in range(n)], pa.string()),
            "pair": pa.array([i for _ in arms for i in range(n)], pa.int32())}
    for name in draws.column_names:
        if name != "run_id":
            cols[name] = pa.concat_arrays([draws.column(name).combine_chunks()] * len(arms))
    return pa.table(cols)


@dataclass
class ArmsResult:
    """The runs of a multi-arm study. `connect()` gives DuckDB views over them:
    `runs` (every run file), `arms` (run_id → arm, pair, seed, draws) and `arm_runs`
    (runs joined with arms: date, scope, metric, value, run_id, arm, pair, …)."""

    out: Path
    arms: list[Arm]
    plan: EnsemblePlan
    stats: ExecStats
    reference: str

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.arms]

    @property
    def runs(self) -> int:
        return len(self.plan.specs)

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        create_views(con, self.out)
        con.execute(f"CREATE OR REPLACE VIEW arms AS SELECT * FROM read_parquet({sql_text(str(Path(self.out).resolve() / ARMS_FILE))})")
        con.execute("CREATE OR REPLACE VIEW arm_runs AS SELECT r.date, r.scope::VARCHAR AS scope, "
                    "r.metric::VARCHAR AS metric, r.value, r.run_id, a.arm, a.pair FROM runs r JOIN arms a USING (run_id)")
        return con

    def window_totals(self, start: dt.date, end: dt.date, metrics, scopes=None) -> dict[str, dict[tuple[str, str], np.ndarray]]:
        """{arm: {(metric, scope): values by pair}} over the days [start, end]: each metric
        summed (flows; stocks give person- or guard-days), and its daily maximum and mean
        under the keys metric + ':max' / ':mean'; only `scopes` if given. A pair without rows
        counts 0. The one window reduction of `compare`, `allocate` and `tradeoffs`."""
        table: dict[str, dict[tuple[str, str], np.ndarray]] = {a.name: {} for a in self.arms}
        for arm, pair, metric, scope, total, peak, mean in self._rows(
                "arm, pair, metric, scope, sum(value), max(value), avg(value)", start, end, metrics, scopes):
            for key, value in (((metric, scope), total), ((metric + ":max", scope), peak),
                               ((metric + ":mean", scope), mean)):
                table[arm].setdefault(key, np.zeros(self.runs))[pair] = value
        return table

    def daily_means(self, arm: str, start: dt.date, end: dt.date, metrics) -> dict[tuple[str, str], np.ndarray]:
        """{(metric, scope): the arm's mean over its runs on each day of [start, end]}."""
        table: dict[tuple[str, str], np.ndarray] = {}
        for a, metric, scope, date, mean in self._rows("arm, metric, scope, date, avg(value)", start, end, metrics):
            if a == arm:
                table.setdefault((metric, scope), np.zeros((end - start).days + 1))[(date - start).days] = mean
        return table

    def _rows(self, columns: str, start: dt.date, end: dt.date, metrics, scopes=None) -> list[tuple]:
        """`SELECT columns … GROUP BY ALL` over arm_runs: days in [start, end], the given
        metrics (and scopes)."""
        con = self.connect()
        where, args = "date BETWEEN ? AND ? AND metric IN (SELECT unnest(?))", [start, end, sorted(metrics)]
        if scopes is not None:
            where, args = where + " AND scope IN (SELECT unnest(?))", args + [sorted(scopes)]
        try:
            return con.execute(f"SELECT {columns} FROM arm_runs WHERE {where} GROUP BY ALL", args).fetchall()
        finally:
            con.close()

    def describe(self) -> dict:
        return {**self.plan.describe(), "reference": self.reference, "arms": [a.to_json() for a in self.arms],
                "pairing": "pair i of every arm: seed derive_seed(base_seed, i) and draw i (common random numbers)",
                "run_ids": f"arm index × {ARM_STRIDE} + pair (arms in the order listed)"}


def run_arms(base_source: str, arms: dict[str, list[str] | Variant | str], runs: int, out: Path, *,
             seed: int | None = None, vary: bool = False, params: list[str] | None = None,
             overrides: list[str] | None = None, workers: int = 1, scheduler: str | None = None,
             study: str = "arms", reference: str | None = None, force: bool = False, branches: bool = True,
             progress: Callable[[int, int], None] | None = None) -> ArmsResult:
    """Run every arm `runs` times with common random numbers; resume what OUT already holds.

    `arms` maps each arm's name to its change of the base: a list of `--set` texts ([] is the
    base itself), a `Variant`, or a variant file path or built-in variant name. `overrides`
    apply to every arm (before the arm's own). `reference` names the arm others are compared
    with (default: the first). OUT must be new, empty or a `study` folder (`force` replaces
    anything else, reporting/outdir.py). A scenario with `branches:` spreads pairs over them by
    prior weight (pair i is in the same branch in every arm) unless `branches` is False. Returns an `ArmsResult`; nothing is summarised here."""
    out = Path(out)
    if not arms:
        raise BorderlabError("no arms to run\n    hint: give at least a base and one variant")
    for name in arms:
        if not re.match(_ARM_NAME, name):
            raise BorderlabError(f"arm name {name!r}: use letters, digits, '-' and '_'")
    check_study_dir(out, study, force)
    source = open_source(base_source, overrides)
    parsed = parse_scenario(source.source) if source.kind == "scenario" else None
    built = [make_arm(name, what, source, parsed) for name, what in arms.items()]
    if reference and reference not in arms:
        raise BorderlabError(f"reference arm {reference!r} is not among the arms ({', '.join(arms)})")
    plan = plan_ensemble(source, runs, seed=seed, vary=vary, params=params, branches=branches)
    return run_planned(plan, built, out, study=study, reference=reference, workers=workers, scheduler=scheduler,
                       force=force, progress=progress)


def run_planned(plan: EnsemblePlan, arms: list[Arm], out: Path, *, study: str = "arms", reference: str | None = None,
                workers: int = 1, scheduler: str | None = None, force: bool = False,
                progress: Callable[[int, int], None] | None = None) -> ArmsResult:
    """Run built arms on a plan made once (`plan_ensemble`), resuming what OUT holds: pair i
    of every arm is plan run i. OUT keeps only these arms' runs (the study runner removes
    other run files), so give each batch of arms its own folder."""
    out = Path(out)
    source = plan.source
    specs = arm_specs(plan, arms)
    with study_folder(out, study, force):  # one writer at a time; re-entrant for a caller holding it
        (out / "manifest.json").unlink(missing_ok=True)  # a study is finished once its caller writes one
        result = ArmsResult(out, arms, plan, ExecStats(planned=len(specs), skipped=0), reference or arms[0].name)
        write_atomic(out / PLAN_FILE, json.dumps({"study": study, **result.describe()}, indent=2, default=str))
        write_table_atomic(out / ARMS_FILE, arms_table(plan, arms))
        result.stats = execute_plan(specs, out, workers=workers, scheduler=scheduler, progress=progress,
                                    warm=(source.source, source.kind, source.overrides))
    return result


def open_until(scenario: str, end: dt.date, overrides: list[str] | None = None) -> Source:
    """The scenario with its runs stopped at `end` (a window's last day: nothing after it can
    change the window's outcomes), plus `overrides`."""
    return open_source(scenario, [f"end={end.isoformat()}", *(overrides or [])])


@contextlib.contextmanager
def shared_cluster(workers: int, scheduler: str | None):
    """The scheduler address every `run_planned` of one command should use: a LocalCluster of
    `workers` processes started once for all its batches, the user's `--scheduler`, or None
    (in-process) for one worker."""
    if scheduler or workers <= 1:
        yield scheduler
        return
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


__all__ = ["Arm", "ArmsResult", "arm_specs", "make_arm", "open_until", "run_arms", "run_planned", "shared_cluster"]
