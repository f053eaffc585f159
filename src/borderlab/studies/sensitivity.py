"""Global sensitivity analysis with SALib over the scenario's declared parameter ranges.

Which parameters drive an outcome? The problem is every parameter with a `range` (or those
`--param` selects); SALib draws the sample, the study runner executes one run per sample
row (resumable, in-process or on Dask, like an ensemble), and SALib computes the indices:

- `sobol`: Saltelli's scheme, N·(D+2) runs (N·(2D+2) with second-order indices). S1 is the
  share of the output's variance due to the parameter alone; ST includes its interactions.
- `morris`: N trajectories, N·(D+1) runs. mu_star is the mean absolute elementary effect
  (overall influence, in the metric's units); sigma its spread (non-linearity, interactions).

Each `_conf` column is the half-width of the 95 % bootstrap confidence interval SALib
reports. The metric NAME is reduced to one number per run over the whole period:
flows (`new_*`) → total, stocks (`n_*`) → peak, ratios → mean; `reduce` overrides
(total, peak, mean, final). Runs with the same replicate number share a seed (common random
numbers), so differences between sample rows come from the parameters, not from noise;
`replicates` > 1 averages the metric over that many seeds per row.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import BorderlabError
from .ensemble import PLAN_FILE, run_plan
from .plan import EnsemblePlan, open_source
from .sampling import derive_seed, select_params
from .store import check_study_dir, open_ensemble, write_table_atomic

METHODS = ("sobol", "morris")
REDUCTIONS = {"total": "sum(value)", "peak": "max(value)", "mean": "avg(value)", "final": "arg_max(value, date)"}
AUTO = {"flow": "total", "stock": "peak", "ratio": "mean"}


@dataclass
class MetricChoice:
    name: str
    scope: str
    reduce: str  # a key of REDUCTIONS

    def describe(self) -> str:
        return f"{self.reduce} of {self.name} ({self.scope})"


def choose_metric(loaded, name: str, scope: str = "all", reduce: str = "auto") -> MetricChoice:
    """Check the metric and scope exist in this scenario's runs; pick the reduction."""
    from ..simulation import build_sim

    metrics = build_sim(loaded).results.metrics  # defined when the sim is built; nothing runs
    if name not in metrics:
        close = difflib.get_close_matches(name, list(metrics), n=3)
        raise BorderlabError(f"--metric {name}: no such metric" + (f"; did you mean {', '.join(close)}?" if close else "")
                             + "\n    hint: metrics are listed in docs/outputs.md")
    m = metrics[name]
    scopes = m.scopes + list(m.groups)
    if scope not in scopes:
        raise BorderlabError(f"--scope {scope}: metric {name} has no scope {scope!r}\n    hint: use one of {', '.join(scopes)}")
    if reduce == "auto":
        reduce = AUTO[m.kind]
    if reduce not in REDUCTIONS:
        raise BorderlabError(f"--reduce {reduce}: use auto, {', '.join(REDUCTIONS)}")
    return MetricChoice(name, scope, reduce)


def salib_sample(method: str, problem: dict, samples: int, seed: int, levels: int, second_order: bool) -> np.ndarray:
    if method == "sobol":
        from SALib.sample import sobol
        return sobol.sample(problem, samples, calc_second_order=second_order, seed=seed)
    from SALib.sample import morris
    return morris.sample(problem, samples, num_levels=levels, seed=seed)


def salib_analyze(method: str, problem: dict, x: np.ndarray, y: np.ndarray, seed: int, levels: int,
                  second_order: bool) -> dict[str, np.ndarray]:
    """Indices and 95 % confidence half-widths per parameter, as arrays."""
    d = problem["num_vars"]
    if method == "sobol":
        if np.ptp(y) == 0:  # the metric never moved: no variance to apportion
            return {k: np.zeros(d) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        from SALib.analyze import sobol
        si = sobol.analyze(problem, y, calc_second_order=second_order, conf_level=0.95, seed=seed)
        return {k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    from SALib.analyze import morris
    si = morris.analyze(problem, x, y, num_levels=levels, conf_level=0.95, seed=seed)
    return {k: np.asarray(si[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}


def metric_values(out: Path, choice: MetricChoice, rows: int, replicates: int) -> np.ndarray:
    """The reduced metric per sample row (mean over its replicates), from the run files."""
    con = open_ensemble(out)
    try:
        got = con.execute(f"SELECT run_id, {REDUCTIONS[choice.reduce]} FROM runs WHERE metric = ? AND scope = ? "
                          "GROUP BY run_id ORDER BY run_id", [choice.name, choice.scope]).fetchall()
    finally:
        con.close()
    values = np.full(rows * replicates, np.nan)
    for run_id, v in got:
        if run_id < values.size:
            values[run_id] = v
    if np.isnan(values).any():
        raise BorderlabError(f"{out}: {int(np.isnan(values).sum())} runs have no {choice.name} ({choice.scope}) values")
    return values.reshape(rows, replicates).mean(axis=1)


def run_sensitivity(scenario: str, out: Path, *, method: str, samples: int, metric: str, scope: str = "all",
                    reduce: str = "auto", params: list[str] | None = None, seed: int | None = None,
                    overrides: list[str] | None = None, replicates: int = 1, levels: int = 4,
                    second_order: bool = False, workers: int = 1, scheduler: str | None = None,
                    plots: bool = True, progress: Callable[[int, int], None] | None = None,
                    on_plan: Callable[[EnsemblePlan], None] | None = None,
                    force: bool = False) -> tuple[dict, pa.Table]:
    """Sample, run, reduce, analyse; writes OUT/indices.{csv,parquet}, plots/indices.png,
    outputs.parquet and manifest.json. Returns (manifest, indices table)."""
    if method not in METHODS:
        raise BorderlabError(f"--method {method}: use one of {', '.join(METHODS)}")
    if samples < 2:
        raise BorderlabError(f"--samples {samples}: need at least 2 (trajectories for morris, base samples for sobol)")
    if replicates < 1:
        raise BorderlabError(f"--replicates {replicates}: need at least 1")
    if method == "morris" and (levels < 2 or levels % 2):
        raise BorderlabError(f"--levels {levels}: Morris needs an even number of grid levels ≥ 2 (e.g. 4)")
    out = Path(out)
    check_study_dir(out, "sensitivity", force)
    source = open_source(scenario, overrides)
    varied = select_params(source.ranged(), params)
    if not varied:
        raise BorderlabError(f"{source.name}: no parameter declares a range, so there is nothing to analyse\n"
                             "    hint: write parameters as {value: …, range: [low, high]} in the scenario")
    choice = choose_metric(source.loaded, metric, scope, reduce)
    base = source.default_seed if seed is None else int(seed)
    problem = {"num_vars": len(varied), "names": [p.path for p in varied],
               "bounds": [[p.low, p.high] for p in varied]}
    x = salib_sample(method, problem, samples, derive_seed(base, 0, "salib"), levels, second_order)
    specs = []
    for i, row in enumerate(x):
        drawn = tuple((p.path, float(v)) for p, v in zip(varied, row))
        for r in range(replicates):
            specs.append(source.spec(i * replicates + r, derive_seed(base, r), drawn))
    plan = EnsemblePlan(source, base, specs, varied, np.repeat(x, replicates, axis=0))
    if on_plan:
        on_plan(plan)
    result: dict = {}

    def summarise(out: Path) -> dict:
        y = metric_values(out, choice, len(x), replicates)
        si = salib_analyze(method, problem, x, y, derive_seed(base, 1, "salib"), levels, second_order)
        table = indices_table(varied, si, method)
        result["table"] = table
        _write_table(out / "indices.parquet", table, csv=out / "indices.csv")
        samples_out = pa.table({"sample": pa.array(np.arange(len(x)), pa.int32()),
                                **{p.path: pa.array(x[:, j]) for j, p in enumerate(varied)},
                                f"{choice.reduce}:{choice.name}:{choice.scope}": pa.array(y)})
        _write_table(out / "outputs.parquet", samples_out)
        outputs = {"indices": ["indices.csv", "indices.parquet"], "outputs": "outputs.parquet",
                   "metric": {"name": choice.name, "scope": choice.scope, "reduce": choice.reduce},
                   "method": method, "samples": samples, "replicates": replicates,
                   "metric_constant": bool(np.ptp(y) == 0)}
        if plots:
            from .sensitivity_plot import plot_indices
            (out / "plots").mkdir(exist_ok=True)
            outputs["plots"] = [str(plot_indices(table, method, choice.describe(), out / "plots" / "indices.png").relative_to(out))]
        return outputs

    manifest = run_plan(plan, out, summarise, study="sensitivity", workers=workers, scheduler=scheduler,
                        progress=progress, force=force)
    return manifest, result["table"]


def indices_table(varied, si: dict[str, np.ndarray], method: str) -> pa.Table:
    """One row per parameter, most influential first."""
    cols = {"parameter": [p.path for p in varied], "low": [p.low for p in varied], "high": [p.high for p in varied],
            **{k: v.tolist() for k, v in si.items()}}
    table = pa.table(cols)
    key = "ST" if method == "sobol" else "mu_star"
    return table.sort_by([(key, "descending"), ("parameter", "ascending")])


def _write_table(path: Path, table: pa.Table, csv: Path | None = None) -> None:
    write_table_atomic(path, table)
    if csv is not None:
        tmp = csv.with_name(f".{csv.name}.tmp-{os.getpid()}")
        pacsv.write_csv(table, tmp)
        os.replace(tmp, csv)
