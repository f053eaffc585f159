"""`borderlab backtest` and `borderlab forecast` (the early warning)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..console import LazyConsole

out = LazyConsole()   # rich is imported when something is printed (console.py)
err = LazyConsole(stderr=True)


def _settings(runs: int, population: int, generations: int, max_simulations: int, seed: int, params,
              method: str = "abc", trials: int = 60):
    from ..errors import Problem, ScenarioError
    from .origin import FitSettings

    if method not in METHODS:
        raise ScenarioError([Problem("--method", f"{method!r} is not one of {', '.join(METHODS)}",
                                     "abc: the ABC-SMC posterior; optuna: the fallback (best Optuna trials)")])

    problems = [Problem(name, f"{value} is below {low}", hint) for name, value, low, hint in (
        ("--runs", runs, 1, "give the number of posterior runs, e.g. 40"),
        ("--population", population, 2, "give ABC-SMC particles per generation, e.g. 60"),
        ("--generations", generations, 1, "give e.g. 4"),
        ("--max-simulations", max_simulations, 0, "0 means no limit; e.g. 600"),
        ("--trials", trials, 1, "give Optuna trials per origin, e.g. 60")) if value < low]
    if problems:
        raise ScenarioError(problems)
    return FitSettings(runs=runs, population=population, generations=generations,
                       max_simulations=max_simulations or None, seed=seed, params=tuple(params) if params else None,
                       method=method, trials=trials)


METHODS = ("abc", "optuna")


RUNS = typer.Option(40, "--runs", help="Posterior draws, one run each: the forecast ensemble.")
POPULATION = typer.Option(60, "--population", help="ABC-SMC particles per generation of each posterior fit.")
GENERATIONS = typer.Option(4, "--generations", help="ABC-SMC generations (the last reaches temperature 1 unless stopped early).")
MAX_SIMS = typer.Option(600, "--max-simulations", help="Stop a posterior fit after this many simulations (0: no limit); a stopped fit is wider than exact.")
SEED = typer.Option(0, "--seed", min=0, help="Seed of the fits and of the forecast runs.")
ONLY = typer.Option(None, "--only", help="Fit only free parameters matching this glob (repeatable).")
WORKERS = typer.Option(1, "--workers", min=1, help="Processes (a Dask LocalCluster when > 1) for the fits and the runs.")
SCHEDULER = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler (tcp://host:port) instead of local processes.")
PLOTS = typer.Option(True, "--plots/--no-plots", help="Write PNG figures.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress lines or summary.")
FORCE = typer.Option(False, "--force", help="Replace --out even if it holds something borderlab did not write for this command (its contents are deleted).")
METHOD = typer.Option("abc", "--method", help="abc: ABC-SMC posterior at each origin; optuna: FALLBACK, the best 20 % of an Optuna calibration's trials with equal weights (not a calibrated posterior; docs/backtests.md).")
TRIALS = typer.Option(60, "--trials", help="Optuna trials per fit (--method optuna).")


def backtest(
    scenario: str = typer.Argument(..., help="Built-in scenario name or YAML path (with `observed:` and free parameters)."),
    origins: str = typer.Option(..., "--origins", help="Forecast origins, comma-separated YYYY-MM-DD, e.g. 2021-07-31,2021-08-31,2021-09-30."),
    horizon: int = typer.Option(30, "--horizon", help="Days after each origin to forecast and score."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the backtest; rerun with the same folder to resume."),
    weeks: int = typer.Option(6, "--weeks", help="Horizon of the weekly early-warning comparison with the baselines."),
    runs: int = RUNS, population: int = POPULATION, generations: int = GENERATIONS, max_simulations: int = MAX_SIMS,
    seed: int = SEED, only: Optional[list[str]] = ONLY, method: str = METHOD, trials: int = TRIALS,
    workers: int = WORKERS, scheduler: Optional[str] = SCHEDULER, plots: bool = PLOTS, quiet: bool = QUIET,
    force: bool = FORCE,
):
    """Rolling-origin backtest: at each origin fit the posterior on earlier figures only,
    forecast the horizon, and score it against the figures that follow (CRPS, coverage,
    |log ratio| of monthly attempts; weekly skill against statistical baselines)."""
    from .backtest import backtest as run_backtest, parse_origins

    settings = _settings(runs, population, generations, max_simulations, seed, only, method, trials)
    summary = run_backtest(scenario, parse_origins(origins), horizon, out_dir, settings=settings, weeks=weeks,
                           workers=workers, scheduler=scheduler, plots=plots, log=None if quiet else err.print,
                           force=force)
    if quiet:
        return
    from .backtest import markdown

    out.print("\n".join(markdown(summary)), highlight=False)
    out.print(f"wrote {out_dir}")


def forecast(
    scenario: str = typer.Argument(..., help="Built-in scenario name or YAML path (with `observed:` and free parameters)."),
    as_of: str = typer.Option(..., "--as-of", help="The forecast date (YYYY-MM-DD): only figures whose period ends by then are used."),
    weeks: int = typer.Option(6, "--weeks", help="Weeks to forecast after --as-of."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the forecast; rerun with the same folder to resume."),
    posterior: Optional[Path] = typer.Option(None, "--posterior", help="Reuse this posterior (a `calibrate --method abc` folder) fitted on or before --as-of, instead of fitting one."),
    runs: int = RUNS, population: int = POPULATION, generations: int = GENERATIONS, max_simulations: int = MAX_SIMS,
    seed: int = SEED, only: Optional[list[str]] = ONLY, method: str = METHOD, trials: int = TRIALS,
    workers: int = WORKERS, scheduler: Optional[str] = SCHEDULER, plots: bool = PLOTS, quiet: bool = QUIET,
    force: bool = FORCE,
):
    """Early warning: weekly attempts, turn-backs and people in the zone per country for the
    next weeks, with posterior bands, next to statistical baselines."""
    from ..analysis.validate_cli import parse_date
    from .early_warning import early_warning, markdown

    settings = _settings(runs, population, generations, max_simulations, seed, only, method, trials)
    result = early_warning(scenario, parse_date(as_of, "--as-of"), weeks, out_dir, settings=settings,
                           posterior_dir=posterior, workers=workers, scheduler=scheduler, plots=plots,
                           log=None if quiet else err.print, force=force)
    if not quiet:
        out.print("\n".join(markdown({**result, "baselines": []})), highlight=False)
        out.print(f"wrote {out_dir} (baselines in baselines.csv and forecast.md)")
