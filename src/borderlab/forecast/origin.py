"""One forecast origin: fit the posterior on the figures known by then, run the posterior
ensemble past it. Shared by the rolling backtest and the early-warning forecast.

OUT/posterior/ holds the ABC-SMC posterior (`posterior.py`, resumed by a rerun with the
same settings), OUT/forecast/ the ensemble (an ordinary ensemble folder, resumed run by
run). Nothing dated after the origin enters the fit: `fit_posterior` reads only figures
whose period ends on or before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from ..analysis.observations import Observation, load_observations
from ..analysis.run_data import RunData
from ..errors import Problem, ScenarioError
from ..scenario.loader import LoadedScenario, load_scenario
from .posterior_runs import run_posterior_ensemble

POSTERIOR_DIR, FORECAST_DIR = "posterior", "forecast"


def load_with_observations(scenario: str | Path, why: str) -> tuple[LoadedScenario, list[Observation]]:
    """The scenario and its observed figures; a scenario without `observed:` is a user error,
    since every forecast origin is fitted to (and scored against) those figures."""
    loaded = load_scenario(scenario)
    if not loaded.scenario.observed:
        raise ScenarioError([Problem(str(loaded.path), "the scenario names no observed figures (`observed:`)", why)])
    return loaded, load_observations(loaded.folder / loaded.scenario.observed)


@dataclass(frozen=True)
class FitSettings:
    """How much the posterior fit and the forecast ensemble may cost."""

    runs: int = 40                    # posterior draws = ensemble runs
    population: int = 60              # ABC-SMC particles per generation
    generations: int = 4
    max_simulations: int | None = 600  # per origin; the fit stops early (wider posterior) past it
    seed: int = 0
    params: tuple[str, ...] | None = None   # globs of the free parameters to fit (None: all)
    method: str = "abc"               # "abc": ABC-SMC posterior; "optuna": best Optuna trials (fallback)
    trials: int = 60                  # Optuna trials per origin (method "optuna")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["params"] = list(self.params) if self.params else None
        return d


@dataclass
class OriginForecast:
    origin: dt.date
    data: RunData
    posterior: object              # forecast.posterior.Posterior
    simulations: int               # scenario runs spent on the fit (0 when it was reused)


def forecast_from(scenario: str, origin: dt.date, end: dt.date, folder: Path, settings: FitSettings, *,
                  keys: set[tuple[str, str]], workers: int = 1, scheduler: str | None = None,
                  posterior=None) -> OriginForecast:
    """Fit (or reuse `posterior`) at `origin`, then run the posterior ensemble to `end`."""
    from .posterior import fit_posterior

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if posterior is None and settings.method == "optuna":
        from .optuna_fallback import fit_top_trials

        posterior = fit_top_trials(scenario, origin, folder / POSTERIOR_DIR, trials=settings.trials, seed=settings.seed,
                                   params=list(settings.params) if settings.params else None)
    if posterior is None:
        posterior = fit_posterior(scenario, origin, folder / POSTERIOR_DIR,
                                  params=list(settings.params) if settings.params else None,
                                  population=settings.population, generations=settings.generations,
                                  max_simulations=settings.max_simulations, seed=settings.seed,
                                  workers=workers, scheduler=scheduler)
    simulations = int((posterior.description.get("result") or {}).get("simulations") or 0)
    data = run_posterior_ensemble(scenario, posterior.folder, settings.runs, folder / FORECAST_DIR, end=end,
                                  seed=settings.seed, workers=workers, scheduler=scheduler, keys=keys)
    return OriginForecast(origin, data, posterior, simulations)
