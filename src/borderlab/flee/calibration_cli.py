"""`borderlab calibrate FLEE_FOLDER --until DAY …`: the Flee branch of the calibrate command
(calibration/cli.py hands a Flee folder or `model: flee` YAML over to it)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import Problem, ScenarioError

out = Console()
err = Console(stderr=True)


def calibrate_flee_command(source: str, until: str, trials: int, out_dir: Path, *, force: bool, seeds: int, only,
                           sampler_seed: int, observed, plots: bool, forecast_runs: int, workers: int, method: str,
                           penalty: float | None, quiet: bool, abc: dict | None = None, holdout: int | None = None) -> None:
    """`abc`: the options of --method abc (population, generations, max_simulations, seed,
    discrepancy, per_draw); calibration_abc_cli.py runs that method."""
    from ..reporting.outdir import output_lock
    from .calibration import DEFAULT_PENALTY, calibrate_flee

    if observed is not None:
        raise ScenarioError([Problem("--observed", "a Flee folder is fitted to its own UNHCR camp series (source_data/)",
                                     "drop --observed; edit source_data/data_layout.csv to fit other series")])
    if method == "abc":
        from .calibration_abc_cli import calibrate_flee_abc_command

        calibrate_flee_abc_command(source, until, out_dir, force=force, only=only, plots=plots, forecast_runs=forecast_runs,
                                   workers=workers, quiet=quiet, **(abc or {}))
        return
    with output_lock(out_dir), Progress(TextColumn("[bold]trials"), BarColumn(), MofNCompleteColumn(),
                                        TextColumn("best {task.fields[best]}"), TimeElapsedColumn(), console=err,
                                        transient=True, disable=quiet) as bar:
        task = bar.add_task("trials", total=trials, best="—")
        result = calibrate_flee(source, until, trials, out_dir, seeds=seeds, only=only, sampler_seed=sampler_seed,
                                penalty=DEFAULT_PENALTY if penalty is None else penalty, forecast_runs=forecast_runs,
                                workers=workers, plots=plots, force=force, holdout=holdout,
                                progress=lambda n, best: bar.update(task, completed=n, best=f"{best:.4f}"))
    if quiet:
        return
    r = result.report
    table = Table(title=f"calibration of {r['case']} on its UNHCR camp series, days 0 … {r['until_day']} ({r['until_date']})",
                  box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
    for name, justify in [("setting", "left"), ("shipped", "right"), ("fitted", "right"), ("range", "left")]:
        table.add_column(name, justify=justify, no_wrap=name == "setting")
    for p in result.params:
        table.add_row(p.path, f"{result.shipped[p.path]:.4g}", f"{result.best[p.path]:.4g}", f"[{p.low:g}, {p.high:g}]")
    out.print(table)
    print_ard(r)
    gain = r["after_improvement"]
    if gain is not None:
        out.print(f"after DAY: calibrated ARD [bold]{abs(gain) * 100:.1f} % {'lower' if gain >= 0 else 'higher'}[/] than shipped "
                  f"({r['trials']['in_study']} trials in the study, {r['trials']['new']} this run)")
    out.print(f"wrote {out_dir}/simsetting.yml, fit_report.md/.json, forecast.parquet"
              + (", plots/forecast_camps.png" if r["forecast"]["plot"] else ""))


def print_ard(r: dict) -> None:
    """The shipped vs calibrated ARD table, training window and after DAY."""
    ard = r["ard"]
    errors = Table(title=f"Flee's ARD, mean ± sd of {r['forecast']['runs_per_arm']} runs each", box=None, pad_edge=False,
                   padding=(0, 1), header_style="bold underline")
    for name in ("settings", "training window", "after DAY (forecast)"):
        errors.add_column(name, justify="left" if name == "settings" else "right")
    for arm in ("shipped", "calibrated"):
        errors.add_row(arm, *(f"{ard[arm][w]['mean']:.4f} ± {ard[arm][w]['sd']:.4f}" for w in ("training", "after")))
    out.print(errors)
