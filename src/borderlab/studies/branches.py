"""Ensembles over a branched scenario: runs allocated to branches by prior weight, and
bands for the mixture and for each branch.

A scenario's `branches:` (scenario/branches.py) are variant files with prior weights. Each
run of an ensemble belongs to one branch — its spec carries the branch's changes as
`--set` texts (decisions/variants.py) — and runs are spread over the branches in
proportion to their weights, so the pooled runs are a sample of the mixture:
`quantiles.parquet` holds the mixture's bands, `quantiles_by_branch.parquet` each
branch's, and `plots/branches.png` draws them side by side. The draws table names each
run's branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..scenario.branches import allocate_runs
from .quantiles import COLUMNS, LEVELS, run_files, stacked_quantiles
from .store import RUN_FILE, open_ensemble, write_table_atomic

BRANCH_QUANTILES = "quantiles_by_branch.parquet"
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class PlannedBranch:
    """A branch as a study runs it: name, prior weight, and its changes as (path, text) pairs."""

    name: str
    weight: float
    variant: str
    pairs: tuple[tuple[str, str], ...]

    def set_paths(self) -> set[str]:
        return {p for p, _ in self.pairs}


def plan_branches(loaded, overrides: list[str] | None = None) -> list[PlannedBranch]:
    """Load and check every branch's variant against the base scenario (with the study's
    `--set` overrides); raises ScenarioError naming the variant file and line."""
    if loaded is None or not loaded.scenario.branches:
        return []
    from ..decisions.variants import load_variant
    from ..scenario.loader import parse_scenario

    base = parse_scenario(loaded.path)
    out = []
    for b in loaded.scenario.branches:
        variant = load_variant(loaded.folder / b.variant, base, overrides)
        pairs = tuple(tuple(a.split("=", 1)) for a in variant.assignments())
        out.append(PlannedBranch(b.name, b.weight, b.variant, pairs))  # type: ignore[arg-type]
    return out


def branch_of_runs(branches: list[PlannedBranch], runs: int) -> list[int]:
    """Index into `branches` of each run (by prior weight; see allocate_runs)."""
    return allocate_runs([b.weight for b in branches], runs) if branches else []


def describe_branches(branches: list[PlannedBranch], which: list[int]) -> list[dict]:
    return [{"name": b.name, "weight": b.weight, "variant": b.variant, "runs": which.count(k),
             "changes": [f"{p}={v}" if len(v) <= 200 else f"{p}=… ({len(v)} characters)" for p, v in b.pairs]}
            for k, b in enumerate(branches)]


# -- bands per branch ------------------------------------------------------------------
def branch_quantiles(out: Path, run_branch: dict[int, str]) -> pa.Table:
    """The quantile table of each branch's runs, with a `branch` column first."""
    files: dict[str, list[Path]] = {}
    for f in run_files(out):
        run_id = int(RUN_FILE.match(f.name).group(1))
        if run_id in run_branch:
            files.setdefault(run_branch[run_id], []).append(f)
    tables = []
    for name in sorted(files):
        t = stacked_quantiles(files[name])
        tables.append(t.add_column(0, "branch", pa.array([name] * t.num_rows, pa.string())))
    if not tables:
        return pa.table({"branch": pa.array([], pa.string()), **{c: pa.array([]) for c in COLUMNS}})
    return pa.concat_tables(tables)


def write_branch_quantiles(out: Path, run_branch: dict[int, str]) -> Path:
    path = Path(out) / BRANCH_QUANTILES
    write_table_atomic(path, branch_quantiles(out, run_branch))
    return path


def plot_branches(out: Path, plan, path: Path) -> Path:
    """Monthly attempts per defending country: the mixture's 5–95 % band and median in grey,
    each branch's median and 5–95 % band in its colour."""
    sc = plan.source.loaded.scenario
    countries = [c.code for c in sc.countries if c.role == "defender"]
    qs = ", ".join(str(q) for q in LEVELS)
    con = open_ensemble(out)
    try:
        con.register("run_branch", pa.table({"run_id": pa.array([s.run_id for s in plan.specs], pa.int64()),
                                             "branch": pa.array(plan.branches, pa.string())}))
        rows = con.execute(f"""
            WITH monthly AS (
                SELECT r.run_id, b.branch, r.scope::VARCHAR AS scope, date_trunc('month', r.date) AS month,
                       sum(r.value) AS v
                FROM runs r JOIN run_branch b ON r.run_id = b.run_id
                WHERE r.metric = 'new_attempts' AND r.scope IN (SELECT unnest(?)) GROUP BY ALL)
            SELECT branch, scope, month, quantile_cont(v, [{qs}]) FROM monthly GROUP BY ALL
            UNION ALL
            SELECT '(mixture)', scope, month, quantile_cont(v, [{qs}]) FROM monthly GROUP BY ALL
            ORDER BY 1, 2, 3""", [countries]).fetchall()
    finally:
        con.close()
    bands: dict[tuple[str, str], tuple[list, list]] = {}
    for branch, scope, month, q in rows:
        xs, ys = bands.setdefault((branch, scope), ([], []))
        xs.append(np.datetime64(month, "D"))
        ys.append(q)
    for xs, ys in bands.values():  # close the last month's step
        xs.append((xs[-1].astype("datetime64[M]") + 1).astype("datetime64[D]"))
        ys.append(ys[-1])
    from matplotlib.figure import Figure   # only when plotting: plan.py imports this module (docs/performance.md)

    from ..reporting.plots import save_figure
    names = [b.name for b in plan.branch_specs]
    counts = {n: plan.branches.count(n) for n in names}
    fig = Figure(figsize=(10, 2.8 * max(len(countries), 1)))
    for k, c in enumerate(countries):
        ax = fig.add_subplot(len(countries), 1, k + 1)
        if ("(mixture)", c) in bands:
            x, q = bands[("(mixture)", c)]
            q = np.array(q).T
            ax.fill_between(x, q[0], q[4], step="post", color="0.6", alpha=0.25, lw=0, label="mixture 5–95 %")
            ax.step(x, q[2], where="post", color="0.3", lw=2, label="mixture median")
        for j, b in enumerate(plan.branch_specs):
            if (b.name, c) not in bands:
                continue
            x, q = bands[(b.name, c)]
            q = np.array(q).T
            color = COLORS[j % len(COLORS)]
            ax.fill_between(x, q[0], q[4], step="post", color=color, alpha=0.12, lw=0)
            ax.step(x, q[2], where="post", color=color, lw=1.3, ls="--",
                    label=f"{b.name} (weight {b.weight:g}, {counts[b.name]} runs): median, 5–95 %")
        ax.set_title(f"{c}: monthly attempts — the mixture of {len(names)} branches and each branch", fontsize=9)
        ax.set_ylabel("per month")
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)


def summarise_branches(out: Path, plan, plots: bool) -> dict:
    """Branch outputs of a finished ensemble: per-branch quantiles and the branch plot."""
    run_branch = {s.run_id: b for s, b in zip(plan.specs, plan.branches)}
    outputs: dict = {"quantiles_by_branch": write_branch_quantiles(out, run_branch).name}
    if plots:
        folder = Path(out) / "plots"
        folder.mkdir(parents=True, exist_ok=True)
        outputs["branch_plot"] = str(plot_branches(out, plan, folder / "branches.png").relative_to(out))
    return outputs


def read_branch_quantiles(out: Path) -> pa.Table:
    return pq.read_table(Path(out) / BRANCH_QUANTILES)
