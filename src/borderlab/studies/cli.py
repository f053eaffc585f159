"""`borderlab ensemble` and `borderlab sensitivity` (registered in borderlab/cli.py, which
wraps them so that input errors become one message and exit code 2)."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..console import LazyConsole
from ..errors import BorderlabError
from ..report.cli import NO_REPORT_HELP, add_report
from ..reporting.outdir import FORCE_HELP

err = LazyConsole(stderr=True)   # rich is imported when something is printed (console.py)
out = LazyConsole()

SCENARIO_HELP = "Built-in scenario name, path to a YAML scenario, or a Flee input folder."
WORKERS_HELP = ("Worker processes on this machine (a Dask LocalCluster); 1 runs in this process. "
                "Default: the number of cores.")
SCHEDULER_HELP = "Run on an existing Dask cluster: the scheduler's address (tcp://host:8786). --workers is then ignored."


class Method(str, Enum):
    sobol = "sobol"
    morris = "morris"


def _progress(label: str, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("runs"),
                   TimeElapsedColumn(), TimeRemainingColumn(), console=err.console, transient=True, disable=quiet)
    task = bar.add_task(label, total=None)
    return bar, lambda done, total: bar.update(task, completed=done, total=total)


def _workers(workers: Optional[int], scheduler: Optional[str] = None) -> int:
    """The local worker count; also refuses a --scheduler that is no address, before anything is written."""
    n = (os.cpu_count() or 1) if workers is None else workers
    if n < 1:
        raise BorderlabError(f"--workers {n}: need at least 1")
    if scheduler:
        from .ensemble import check_scheduler
        check_scheduler(scheduler)
    return n


def _where(workers: int, scheduler: Optional[str]) -> str:
    if scheduler:
        return f"on the Dask cluster at {scheduler}"
    return "in this process" if workers == 1 else f"on {workers} local worker processes (Dask)"


def ensemble(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP),
    runs: int = typer.Option(..., "--runs", "-n", help="Number of runs."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Study folder (created; an unfinished one is resumed)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    vary: bool = typer.Option(False, "--vary", help="Draw parameters over their declared ranges (Latin hypercube), one draw per run."),
    param: Optional[list[str]] = typer.Option(None, "--param", help="Vary only parameters matching this path or pattern (repeatable; implies --vary)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed (default: the scenario's); run i uses a seed derived from it."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a parameter in every run: path=value (repeatable)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=WORKERS_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write band plots (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    branches: bool = typer.Option(True, "--branches/--no-branches",
                                  help="For a scenario with `branches:`, spread the runs over them by prior weight "
                                       "(default); --no-branches runs the base scenario only."),
    posterior: Optional[Path] = typer.Option(None, "--posterior", help="CAL_DIR of `borderlab calibrate … --method abc`: "
                                             "each run draws its parameters from that posterior (its own seed too)."),
    per_draw: int = typer.Option(2, "--seeds-per-draw", help="With --posterior: runs (seeds) per parameter draw, "
                                 "so parameter and run-to-run variance can be told apart."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
):
    """Run an ensemble: replicates over seeds, or parameter draws with --vary; writes run files,
    quantiles.parquet (5/25/50/75/95 % bands), a DuckDB view, plots and manifest.json. Over a
    branched scenario the bands are the mixture's; quantiles_by_branch.parquet and
    plots/branches.png show each branch."""
    from .ensemble import run_ensemble

    n = _workers(workers, scheduler)
    if runs < 1:
        raise BorderlabError(f"--runs {runs}: an ensemble needs at least 1 run")
    if not quiet:
        draws = " with parameter draws" if vary or param else f" drawing from the posterior in {posterior}" if posterior else ""
        err.print(f"{runs} runs of {scenario}{draws} {_where(n, scheduler)} → {out_dir}")
    bar, progress = _progress(scenario, quiet)
    with bar:
        manifest = run_ensemble(scenario, runs, out_dir, seed=seed, vary=vary, params=param, overrides=set_ or [],
                                workers=n, scheduler=scheduler, plots=plots, progress=progress, force=force,
                                branches=branches, posterior=posterior, per_draw=per_draw)
    add_report(out_dir, plots and report)
    if not quiet:
        _print_ensemble(manifest, out_dir)
        if "variance" in manifest["outputs"]:
            from ..forecast.variance import describe
            for w in manifest.get("posterior", {}).get("warnings", []):
                out.print(f"[yellow]warning:[/] {w}")
            out.print(describe(manifest["outputs"]["variance"]))


def _print_branches(manifest: dict, out_dir: Path) -> None:
    """One line per branch: weight, runs, and its median total of attempts (all countries)."""
    from .store import open_ensemble

    con = open_ensemble(out_dir)
    try:
        med = dict(con.execute("""
            SELECT d.branch, median(t.total) FROM (
                SELECT run_id, sum(value) AS total FROM runs WHERE metric = 'new_attempts' AND scope = 'all'
                GROUP BY run_id) t JOIN draws d USING (run_id) GROUP BY d.branch""").fetchall())
    finally:
        con.close()
    out.print("The bands above are the mixture of the scenario's branches (each: plots/branches.png, "
              "quantiles_by_branch.parquet):")
    for b in manifest["branches"]:
        total = med.get(b["name"])
        out.print(f"  {b['name']}: prior weight {b['weight']:g}, {b['runs']} runs"
                  + (f", median attempts {total:,.0f}" if total is not None else ""))


def _print_ensemble(manifest: dict, out_dir: Path) -> None:
    from .store import open_ensemble

    ex = manifest["execution"]
    varied = manifest["varied"]
    con = open_ensemble(out_dir)
    try:
        rows = con.execute("""
            SELECT scope, metric, quantile_cont(total, [0.05, 0.5, 0.95]) FROM (
                SELECT run_id, scope::VARCHAR AS scope, metric::VARCHAR AS metric, sum(value) AS total FROM runs
                WHERE metric IN ('new_attempts', 'new_detentions', 'new_turnbacks', 'new_onward', 'new_deaths')
                GROUP BY ALL)
            GROUP BY ALL ORDER BY scope, metric""").fetchall()
    finally:
        con.close()
    from rich.table import Table

    table = Table(title=f"{manifest['scenario']}: {manifest['runs']} runs, totals over the period — median [5 %, 95 %]",
                  box=None, header_style="bold underline")
    metrics = ["new_attempts", "new_turnbacks", "new_detentions", "new_onward", "new_deaths"]
    # defending countries and `all` (segments have longer ids; the orchestrator records no attempts)
    scopes = sorted({s for s, m, _ in rows if m == "new_attempts" and len(s) <= 3}, key=lambda s: (s == "all", s))
    cells = {(s, m): q for s, m, q in rows}
    if scopes:
        table.add_column("")
        for m in metrics:
            table.add_column(m.removeprefix("new_"), justify="right")
        for s in scopes:
            table.add_row(s, *[f"{q[1]:,.0f} [{q[0]:,.0f}, {q[2]:,.0f}]" if (q := cells.get((s, m))) else ""
                               for m in metrics])
        out.print(table)
    if manifest.get("branches"):
        _print_branches(manifest, out_dir)
    ard = manifest["outputs"].get("ard_stats")
    if ard and ard.get("n"):
        out.print(f"ARD (Flee's mean daily total error) over {ard['n']} runs: {ard['mean']:.4f} ± {ard['sd']:.4f} "
                  f"(range {ard['min']:.4f}–{ard['max']:.4f}); per run in {out_dir / manifest['outputs']['ard']}")
    what = f"{len(varied)} parameters drawn" if varied else "replicates"
    out.print(f"wrote {out_dir}: {ex['executed']} runs executed, {ex['skipped_finished']} already done ({what}); "
              f"{ex['wall_s']:.1f} s, {ex['runs_per_s'] or 0:.2f} runs/s {ex['runner']}")


def sensitivity(
    scenario: str = typer.Argument(..., help=SCENARIO_HELP),
    method: Method = typer.Option(..., "--method", help="sobol (variance shares S1, ST) or morris (elementary effects)."),
    samples: int = typer.Option(..., "--samples", help="sobol: base samples N (runs = N·(D+2)); morris: trajectories (runs = N·(D+1))."),
    metric: str = typer.Option(..., "--metric", help="Output metric (docs/outputs.md), e.g. new_attempts."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Study folder (created; an unfinished one is resumed)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    scope: str = typer.Option("all", "--scope", help="Scope of the metric: all, a country code, a segment id …"),
    reduce: str = typer.Option("auto", "--reduce", help="One number per run: auto (flows total, stocks peak, ratios mean), total, peak, mean, final."),
    param: Optional[list[str]] = typer.Option(None, "--param", help="Analyse only parameters matching this path or pattern (repeatable)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed (default: the scenario's)."),
    replicates: int = typer.Option(1, "--replicates", help="Seeds per sample row; the metric is averaged over them."),
    levels: int = typer.Option(4, "--levels", help="morris: grid levels (even)."),
    second_order: bool = typer.Option(False, "--second-order", help="sobol: also sample for second-order indices (more runs)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a parameter in every run: path=value (repeatable)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=WORKERS_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the tornado plot (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
):
    """Global sensitivity analysis (SALib) of one metric over the declared parameter ranges;
    writes indices.csv/.parquet with 95 % confidence intervals and plots/indices.png."""
    from .sensitivity import run_sensitivity

    n = _workers(workers, scheduler)
    bar, progress = _progress(f"{method.value} {metric}", quiet)

    def announce(plan):
        if not quiet:
            err.print(f"{method.value}: {len(plan.varied)} parameters, {len(plan.specs)} runs of {scenario} "
                      f"{_where(n, scheduler)} → {out_dir}")

    with bar:
        manifest, table = run_sensitivity(
            scenario, out_dir, method=method.value, samples=samples, metric=metric, scope=scope, reduce=reduce,
            params=param, seed=seed, overrides=set_ or [], replicates=replicates, levels=levels,
            second_order=second_order, workers=n, scheduler=scheduler, plots=plots, progress=progress,
            on_plan=announce, force=force)
    add_report(out_dir, plots and report)
    if quiet:
        return
    info = manifest["outputs"]
    m = info["metric"]
    from rich.table import Table

    t = Table(title=f"{method.value} indices of {m['reduce']} {m['name']} ({m['scope']}), 95 % CI half-widths",
              box=None, header_style="bold underline")
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if method is Method.sobol else ["mu_star", "mu_star_conf", "mu", "sigma"]
    t.add_column("parameter", no_wrap=True)
    for c in cols:
        t.add_column(c, justify="right")
    for r in table.slice(0, 15).to_pylist():
        t.add_row(r["parameter"], *[f"{r[c]:.3g}" for c in cols])
    out.print(t)
    if table.num_rows > 15:
        out.print(f"… {table.num_rows - 15} more in {out_dir / 'indices.csv'}")
    if info.get("metric_constant"):
        out.print(f"[yellow]warning:[/] {m['name']} ({m['scope']}) was the same in every run: all indices are 0")
    out.print(f"wrote {out_dir} ({manifest['execution']['executed']} runs executed, "
              f"{manifest['execution']['skipped_finished']} already done)")
