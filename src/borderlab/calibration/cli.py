"""`borderlab calibrate SCENARIO --until DATE --trials N --out OUT`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ..console import LazyConsole
from ..report.cli import NO_REPORT_HELP, add_report
from ..reporting.outdir import FORCE_HELP

out = LazyConsole()   # rich is imported when something is printed (console.py)
err = LazyConsole(stderr=True)


class Method(str, Enum):
    optuna = "optuna"
    abc = "abc"


def calibrate(
    scenario: str = typer.Argument(..., help="Built-in scenario name or path to a YAML file whose parameters carry `free: true` and a `range`; or a Flee folder (docs/flee.md, section 8)."),
    until: str = typer.Option(..., "--until", help="Cut-off (YYYY-MM-DD): only observed figures whose period ends on or before it are fitted. Flee folder: a day number (or a date); its UNHCR camp series up to that day are fitted."),
    trials: int = typer.Option(50, "--trials", min=0, help="Trials to add to the study (each runs the scenario up to the cut-off once per seed)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for study.journal, calibrated.yaml, fit_report.*, forecast/. Rerun with the same folder to resume."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    seeds: int = typer.Option(2, "--seeds", min=1, help="Runs per trial (seeds scenario seed, +1, …); their mean is scored."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Fit only free parameters whose path matches this glob (repeatable), e.g. 'orchestrator.*'."),
    sampler_seed: int = typer.Option(0, "--sampler-seed", help="Seed of the TPE sampler (reproducible trials)."),
    observed: Optional[Path] = typer.Option(None, "--observed", help="Observed figures CSV (default: the scenario's `observed:` file)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG figures for the forecast (--no-plots: no report.html either)."),
    forecast_runs: int = typer.Option(20, "--forecast-runs", min=0, help="Seeds in the forecast ensemble of the calibrated scenario (bands after the cut-off); 0: single-seed forecast only."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes for the forecast ensemble (dask LocalCluster when > 1); with --method abc also for the fit; for a Flee folder also the trials, in batches of this size."),
    method: Method = typer.Option(Method.optuna, "--method", help="optuna: one best parameter set (TPE search); abc: a posterior sample (ABC-SMC, pyabc) whose draws drive the forecast ensemble."),
    population: int = typer.Option(100, "--population", help="abc: particles per generation."),
    generations: int = typer.Option(6, "--generations", help="abc: generations; the last one is at temperature 1 (the exact posterior of the noise model)."),
    max_simulations: Optional[int] = typer.Option(None, "--max-simulations", help="abc: stop after about this many simulations (the posterior is then tempered, i.e. wider)."),
    discrepancy: float = typer.Option(0.3, "--discrepancy", help="abc: model-error s.d. on the ln(x+1) scale, added to every figure's observation noise."),
    per_draw: int = typer.Option(2, "--seeds-per-draw", min=1, help="abc: forecast runs (seeds) per posterior draw."),
    seed: int = typer.Option(0, "--seed", help="abc: seed of the ABC-SMC run (reproducible with --workers 1)."),
    penalty: Optional[float] = typer.Option(None, "--penalty", help="Flee folders: weight of the pull towards the folder's own settings (added to the training ARD; default 0.05)."),
    holdout: Optional[int] = typer.Option(None, "--holdout", help="Flee folders: days at the end of the training window left out of the objective and used to choose the calibrated settings among the best trials (default: a third of the window; 0: fit and choose on the whole window)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
):
    """Fit the scenario's free parameters to observations up to --until: one best set (Optuna,
    resumable) or, with --method abc, a posterior sample.

    Writes the calibrated scenario, a fit report and the forecast after the cut-off.
    """
    from ..analysis.validate_cli import parse_date
    from ..flee.source_kind import is_flee_source
    from ..reporting.outdir import output_lock
    from .calibrate import calibrate as run_calibration
    from .study import check_out

    if is_flee_source(scenario):
        from ..flee.calibration_cli import calibrate_flee_command

        calibrate_flee_command(scenario, until, trials, out_dir, force=force, seeds=seeds, only=only,
                               sampler_seed=sampler_seed, observed=observed, plots=plots, forecast_runs=forecast_runs,
                               workers=workers, method=method.value, penalty=penalty, holdout=holdout, quiet=quiet,
                               abc={"population": population, "generations": generations, "max_simulations": max_simulations,
                                    "seed": seed, "discrepancy": discrepancy, "per_draw": per_draw})
        add_report(out_dir, plots and report)
        return

    cut = parse_date(until, "--until")
    check_out(out_dir, force)
    if method is Method.abc:
        with output_lock(out_dir):
            _calibrate_abc(scenario, cut, out_dir, population=population, generations=generations,
                           max_simulations=max_simulations, seed=seed, discrepancy=discrepancy, only=only,
                           observed=observed, plots=plots, forecast_runs=forecast_runs, per_draw=per_draw,
                           workers=workers, force=force, quiet=quiet)
        add_report(out_dir, plots and report)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with output_lock(out_dir), Progress(TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(), TextColumn("best {task.fields[best]}"),
                  TimeElapsedColumn(), console=err.console, transient=True, disable=quiet) as bar:
        task = bar.add_task("trials", total=trials, best="—")
        result = run_calibration(scenario, cut, trials, out_dir, seeds=seeds, only=only, sampler_seed=sampler_seed,
                                 observed=observed, plots=plots, forecast_runs=forecast_runs, workers=workers,
                                 force=force, progress=lambda n, best: bar.update(task, completed=n, best=f"{best:.4f}"))
    add_report(out_dir, plots and report)
    if quiet:
        return
    from rich.table import Table

    table = Table(title=f"calibration of {scenario} on figures up to {cut}", box=None, pad_edge=False,
                  padding=(0, 1), header_style="bold underline")
    for name, justify in [("parameter", "left"), ("was", "right"), ("fitted", "right"), ("range", "left")]:
        table.add_column(name, justify=justify, no_wrap=name == "parameter")
    for p in result.params:
        table.add_row(p.path, f"{p.value:.4g}", f"{result.best[p.path]:.4g}", f"[{p.low:g}, {p.high:g}]")
    out.print(table)
    total = len(result.study.trials)
    out.print(f"training score {result.before.score:.4f} → [bold]{result.after.score:.4f}[/] "
              f"(mean of seeds; {total} trials in the study, {result.new_trials} this run)")
    out.print(f"wrote {out_dir}/calibrated.yaml, fit_report.md/.json, forecast/"
              + (f" and forecast_ensemble/ ({forecast_runs} seeds, bands)" if forecast_runs else "")
              + f" (after {cut}: a forecast, not scored)")


def _calibrate_abc(scenario: str, cut, out_dir: Path, *, quiet: bool, **options) -> None:
    from rich.progress import Progress, TextColumn, TimeElapsedColumn

    from ..forecast.variance import describe
    from .posterior_calibration import calibrate_posterior

    with Progress(TextColumn("[bold]simulations"), TextColumn("{task.completed}"), TimeElapsedColumn(),
                  console=err.console, transient=True, disable=quiet) as bar:
        task = bar.add_task("abc", total=None)
        result = calibrate_posterior(scenario, cut, out_dir, progress=lambda n: bar.update(task, completed=n), **options)
    if quiet:
        return
    r = result.posterior.description["result"]
    from rich.table import Table

    table = Table(title=f"posterior of {scenario} given figures up to {cut} — median [90 % interval]", box=None,
                  pad_edge=False, padding=(0, 1), header_style="bold underline")
    for name, justify in [("parameter", "left"), ("was", "right"), ("median", "right"), ("90 % interval", "left"),
                          ("prior", "left")]:
        table.add_column(name, justify=justify, no_wrap=name == "parameter")
    for s in result.posterior.summary():
        table.add_row(s["path"], f"{s['scenario_value']:.4g}", f"{s['median']:.4g}", f"[{s['q05']:.4g}, {s['q95']:.4g}]",
                      f"[{s['low']:g}, {s['high']:g}]")
    out.print(table)
    out.print(f"ABC-SMC: {r['simulations']} simulations, {r['generations']} generations, final temperature "
              f"{r['final_temperature']:.3g}" + ("" if r["exact"] else " (stopped early: tempered, wider than exact)")
              + f"; effective sample size {r['effective_size']:.0f}")
    out.print(f"training score {result.before.score:.4f} → [bold]{result.after.score:.4f}[/] (posterior medians, mean of 2 seeds)")
    if result.ensemble and result.ensemble.get("variance"):
        out.print("forecast after the cut-off: " + describe(result.ensemble["variance"]))
    out.print(f"wrote {out_dir}/posterior.parquet/.json, calibrated.yaml (medians), fit_report.md/.json, forecast/"
              + (" and forecast_ensemble/ (posterior draws, bands)" if result.ensemble else ""))
