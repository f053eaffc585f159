"""`borderlab calibrate SCENARIO --until DATE --trials N --out OUT`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

out = Console()
err = Console(stderr=True)


def calibrate(
    scenario: str = typer.Argument(..., help="Built-in scenario name or path to a YAML file whose parameters carry `free: true` and a `range`."),
    until: str = typer.Option(..., "--until", help="Cut-off (YYYY-MM-DD): only observed figures whose period ends on or before it are fitted."),
    trials: int = typer.Option(50, "--trials", min=0, help="Trials to add to the study (each runs the scenario up to the cut-off once per seed)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for study.journal, calibrated.yaml, fit_report.*, forecast/. Rerun with the same folder to resume."),
    seeds: int = typer.Option(2, "--seeds", min=1, help="Runs per trial (seeds scenario seed, +1, …); their mean is scored."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Fit only free parameters whose path matches this glob (repeatable), e.g. 'orchestrator.*'."),
    sampler_seed: int = typer.Option(0, "--sampler-seed", help="Seed of the TPE sampler (reproducible trials)."),
    observed: Optional[Path] = typer.Option(None, "--observed", help="Observed figures CSV (default: the scenario's `observed:` file)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG figures for the forecast."),
    forecast_runs: int = typer.Option(20, "--forecast-runs", min=0, help="Seeds in the forecast ensemble of the calibrated scenario (bands after the cut-off); 0: single-seed forecast only."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes for the forecast ensemble (dask LocalCluster when > 1)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
):
    """Fit the scenario's free parameters to observations up to --until (Optuna, resumable).

    Writes the calibrated scenario, a fit report and the forecast after the cut-off.
    """
    from ..analysis.validate_cli import parse_date
    from .calibrate import calibrate as run_calibration

    cut = parse_date(until, "--until")
    with Progress(TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(), TextColumn("best {task.fields[best]}"),
                  TimeElapsedColumn(), console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("trials", total=trials, best="—")
        result = run_calibration(scenario, cut, trials, out_dir, seeds=seeds, only=only, sampler_seed=sampler_seed,
                                 observed=observed, plots=plots, forecast_runs=forecast_runs, workers=workers,
                                 progress=lambda n, best: bar.update(task, completed=n, best=f"{best:.4f}"))
    if quiet:
        return
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
