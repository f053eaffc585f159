"""`borderlab allocate` and `borderlab tradeoffs` (registered in borderlab/cli.py, which
turns input errors into one message and exit code 2). Heavy modules load inside."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..report.cli import NO_REPORT_HELP, add_report
from ..reporting.outdir import FORCE_HELP
from ..console import LazyConsole
from ..studies.cli import SCHEDULER_HELP, _workers

err = LazyConsole(stderr=True)   # rich is imported when something is printed (console.py)
out = LazyConsole()
WORKERS_HELP = "Worker processes on this machine (a Dask LocalCluster); 1 (default) runs in this process."


def allocate(
    scenario: str = typer.Argument(..., help="Built-in scenario name or path to a YAML scenario."),
    country: str = typer.Option(..., "--country", "-c", help="Defending country whose guards are placed (e.g. PL)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Study folder (created; an unfinished one is resumed)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    guards: Optional[float] = typer.Option(None, "--guards", help="Border guards of the country, constant over the period "
                                           "(default: the scenario's own schedule)."),
    window: Optional[str] = typer.Option(None, "--window", help="START:END (ISO dates) the outcomes and payoffs are counted "
                                         "over; default the whole period."),
    runs: int = typer.Option(20, "--runs", "-n", help="Runs per arm (the same seeds in every arm)."),
    search_budget: Optional[int] = typer.Option(None, "--search-budget", help="Runs the Optuna search may use "
                                                "(default: --runs, as many as the game's estimate used)."),
    seen_weight: float = typer.Option(1.0, "--seen-weight", help="Defender's loss for a seen-but-not-stopped crossing, "
                                      "relative to an unseen one (1: zero-sum in crossings)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed (default: the scenario's)."),
    workers: int = typer.Option(1, "--workers", "-w", help=WORKERS_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write allocation.png (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or tables."),
):
    """Where should a defender put its guards? Solve a Stackelberg security game for the
    shares per segment, then check them in the full simulation against the scenario's own
    allocation, uniform per km, last month's pressure and an Optuna search (paired runs)."""
    from .allocate import allocate as run_allocate

    n = _workers(workers, scheduler)
    say = None if quiet else (lambda msg: err.print(f"[dim]{msg}[/]"))
    result = run_allocate(scenario, country, out_dir, guards=guards, window=window, runs=runs, seed=seed,
                          search_budget=search_budget, seen_weight=seen_weight, workers=n, scheduler=scheduler,
                          plots=plots, force=force, progress=say)
    add_report(out_dir, plots and report)
    if quiet:
        return
    from rich.table import Table

    table = Table(title=f"allocate {country}: {result['window'][0]} … {result['window'][1]}, {runs} paired runs per arm",
                  box=None, header_style="bold underline")
    for col in ("arm", "outcome", "mean [90 %]", "vs scenario [90 %]", "runs lower"):
        table.add_column(col, justify="left" if col in ("arm", "outcome") else "right", no_wrap=True)
    for r in result["comparison"]:
        if r["outcome"] == "mean_fatigue":
            continue
        fmt = "{:.2f}" if "fatigue" in r["outcome"] else "{:,.0f}"
        table.add_row(r["arm"], r["outcome"], f"{fmt.format(r['mean'])} [{fmt.format(r['low'])}, {fmt.format(r['high'])}]",
                      "" if r["arm"] == "scenario" else
                      f"{fmt.format(r['diff'])} [{fmt.format(r['diff_low'])}, {fmt.format(r['diff_high'])}]",
                      "" if r["arm"] == "scenario" else f"{r['share_lower']:.0%}")
    out.print(table)
    out.print(result["finding"], highlight=False)
    out.print(f"wrote {out_dir} (allocation.csv, comparison.csv, manifest.json) in {result['wall_s']:.0f} s")


def tradeoffs(
    scenario: str = typer.Argument(..., help="Built-in scenario name or path to a YAML scenario."),
    lever: list[str] = typer.Option(..., "--lever", "-l", help="PATH=LOW:HIGH, a --set path and its range "
                                    "(numbers, or ISO dates for an event's date); repeatable."),
    objective: list[str] = typer.Option(..., "--objective", help="NAME[:SCOPE] to minimise, e.g. crossings:PL, deaths "
                                        "(scope default: all); at least two."),
    trials: int = typer.Option(..., "--trials", help="Trials in the study (a rerun with more adds trials)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Study folder (an existing one with the same settings is resumed)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    runs_per_trial: int = typer.Option(4, "--runs-per-trial", "-k", help="Runs per trial (the same seeds in every trial)."),
    window: Optional[str] = typer.Option(None, "--window", help="START:END the objectives are counted over; default the period."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed (default: the scenario's)."),
    workers: int = typer.Option(1, "--workers", "-w", help=WORKERS_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write tradeoffs.png (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or table."),
):
    """Multi-objective search over policy levers (Optuna NSGA-II); writes every trial, the
    Pareto front with 90 % intervals, a plot and the runs behind it. Resumable."""
    from .tradeoffs import tradeoffs as run_tradeoffs

    n = _workers(workers, scheduler)
    say = None if quiet else (lambda done, total: err.print(f"[dim]trial {done}/{total}[/]"))
    result = run_tradeoffs(scenario, lever, objective, trials, out_dir, runs_per_trial=runs_per_trial, window=window,
                           seed=seed, workers=n, scheduler=scheduler, plots=plots, force=force, progress=say)
    add_report(out_dir, plots and report)
    if quiet:
        return
    from rich.table import Table

    table = Table(title=f"Pareto front: {len(result['front'])} of {result['trials']} trials", box=None,
                  header_style="bold underline")
    labels = result["objectives"]
    for col in ["trial"] + [p for p, *_ in result["levers"]] + labels:
        table.add_column(col, justify="right", no_wrap=True)
    for r in result["front"]:
        levers = [f"{r[p]:.4g}" if isinstance(r[p], float) else str(r[p]) for p, *_ in result["levers"]]
        objs = [f"{r[o]:,.3g} [{r[o + ' low']:,.3g}, {r[o + ' high']:,.3g}]" for o in labels]
        table.add_row(str(r["trial"]), *levers, *objs)
    out.print(table)
    out.print(f"wrote {out_dir} (trials.csv, pareto.csv, tradeoffs.png, manifest.json) in {result['wall_s']:.0f} s")
