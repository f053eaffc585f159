"""`borderlab calibrate FLEE_FOLDER --until DAY --method abc`: a posterior of a Flee folder's
free settings given its UNHCR camp reports up to DAY, and the forecast it gives.

The scenario posterior's machinery (forecast/abc_smc.py, forecast/posterior.py) on Flee's
data: ABC-SMC with pyabc's stochastic acceptor and Student-t(3) kernel, each particle one
run of the folder with the particle's settings and a fresh seed, stopped after DAY, scored
on each camp report dated day 0 … DAY (camp_figures.py: the figures and their noise).
At temperature 1 the weighted particles are a sample of the exact posterior of
"UNHCR report = the camp's agents in one run + noise".

Priors: the free settings of calibration_params.FLEE_PARAMS with their ranges, uniform or
log-uniform as the Optuna search samples them, sampled by pyabc on the unbounded logistic
scale of `abc_smc.prior`. An integer setting (awareness_level, 1 … 3) is a continuous
latent over [low − ½, high + ½] rounded to the nearest level, so each level has the same
prior mass; its posterior column holds the level.

The forecast and report are the Optuna path's (calibration_forecast.forecast_and_report):
the calibrated arm is posterior draws (resampled by weight) × `per_draw` seeds, the shipped
arm the folder's settings on the same seeds, and simsetting.yml holds the posterior's
marginal medians (an integer setting's median is a level).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..calibration.study import CALIBRATION_KIND, STUDY_FILE, check_out
from ..errors import InputFileError, Problem, ScenarioError
from ..forecast.abc_smc import ParticleModel, run_abc_smc
from ..forecast.posterior import DB_FILE, FORMAT, SETTINGS, Posterior, result_description, save_posterior, stored_posterior
from ..reporting.outdir import prepare_study_folder
from .calibration import evaluator, fit_case
from .calibration_params import FleeFreeParam
from .calibration_trials import case_for
from .camp_figures import CampFigure, camp_figures, figure_json, figures_sha256

DEFAULT_DISCREPANCY = 0.3    # σ_model on ln(x + 1), as calibrate --method abc for scenarios
ABC_SETTINGS = SETTINGS + ("until_day",)


@dataclass
class CampCountSimulator(ParticleModel):
    """pyabc model: settings → {figure key: ln(camp agents + 1)} of one run stopped after DAY."""

    source: str
    day: int
    figures: list[tuple[str, int, int]]          # (key, day, camp column)
    integers: dict[str, tuple[float, float]]     # integer setting → its (low, high)
    keys: list[str]
    calls: int = 0
    progress: Callable[[int], None] | None = None
    ranges: dict[str, tuple[float, float, bool]] | None = None

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        values = {k: _level(v, *self.integers[k]) if k in self.integers else v for k, v in values.items()}
        camp = case_for(self.source).run(values, seed, as_of=self.day).sim_camp
        return {key: float(np.log(max(camp[d, c], 0) + 1.0)) for key, d, c in self.figures}


def _level(x: float, low: float, high: float) -> float:
    """The integer level of a latent value on [low − ½, high + ½]."""
    return float(min(max(math.floor(x + 0.5), low), high))


def latent(p: FleeFreeParam) -> FleeFreeParam:
    """The prior range pyabc samples: an integer setting's widened by ½ each side."""
    return replace(p, low=p.low - 0.5, high=p.high + 0.5) if p.integer else p


@dataclass
class FleeAbcCalibration:
    """What `calibrate_flee_abc` produced (all of it is also written to OUT; the settings,
    shipped and medians, are in `report`)."""

    posterior: Posterior
    figures: list[CampFigure]
    reused: bool
    report: dict


def _check_options(population: int, generations: int, max_simulations: int | None, discrepancy: float,
                   forecast_runs: int, per_draw: int) -> None:
    problems = []
    if population < 2:
        problems.append(Problem("--population", f"{population} is below 2", "give e.g. 100 particles"))
    if generations < 1:
        problems.append(Problem("--generations", f"{generations} is below 1", "give e.g. 6 generations"))
    if max_simulations is not None and max_simulations < population:
        problems.append(Problem("--max-simulations", f"{max_simulations} is below the population ({population})",
                                "the first generation alone needs at least one simulation per particle"))
    if not (math.isfinite(discrepancy) and discrepancy >= 0):
        problems.append(Problem("--discrepancy", f"{discrepancy} is not a number ≥ 0",
                                f"give the model-error s.d. on the log scale, e.g. {DEFAULT_DISCREPANCY}"))
    if forecast_runs < 0:
        problems.append(Problem("--forecast-runs", f"{forecast_runs} is below 0", "give a number ≥ 0"))
    if per_draw < 1:
        problems.append(Problem("--seeds-per-draw", f"{per_draw} is below 1", "give e.g. 2"))
    if problems:
        raise ScenarioError(problems)


def calibrate_flee_abc(source: str | Path, until: str | int, out: Path, *, population: int = 100, generations: int = 6,
                       max_simulations: int | None = None, seed: int = 0, discrepancy: float = DEFAULT_DISCREPANCY,
                       only: list[str] | None = None, forecast_runs: int = 20, per_draw: int = 2, workers: int = 1,
                       plots: bool = True, force: bool = False,
                       progress: Callable[[int], None] | None = None) -> FleeAbcCalibration:
    """Fit (or reuse the posterior in OUT fitted with the same settings), then forecast and
    write OUT/{posterior.parquet, posterior.json, abc.db, simsetting.yml, fit_report.*,
    forecast.parquet, plots/}."""
    from .calibration_forecast import _camp_names, forecast_and_report

    _check_options(population, generations, max_simulations, discrepancy, forecast_runs, per_draw)
    out = Path(out)
    if check_out(out, force):
        raise InputFileError(f"{out}: holds an Optuna study ({STUDY_FILE}), not a posterior\n"
                             "    hint: choose a new --out folder for --method abc")
    source, case, day, params, shipped = fit_case(source, until, only)
    sc = case.scenario
    cut = sc.start_date + dt.timedelta(days=day)
    figures = camp_figures(case, _camp_names(case), day, discrepancy)
    if not figures:
        raise ScenarioError([Problem(f"{source}/source_data", f"no camp has a UNHCR report dated day 0 … {day} "
                                     f"({sc.start_date} … {cut}), so there is nothing to fit",
                                     "choose a later --until, or check the camp series in source_data/data_layout.csv")])
    settings = {"scenario": sc.name, "scenario_file_sha256": case.loaded.sha256,
                "observations_sha256": figures_sha256(figures), "until": str(cut),
                "until_day": day, "params": [{"path": p.path, "low": p.low, "high": p.high, "log": p.log,
                                              "integer": p.integer, "value": shipped[p.path]} for p in params],
                "population": population, "generations": generations, "max_simulations": max_simulations,
                "seed": seed, "discrepancy": discrepancy}
    prepare_study_folder(out, CALIBRATION_KIND, force)
    t0 = time.perf_counter()
    post = stored_posterior(out, settings, ABC_SETTINGS)
    reused = post is not None
    if post is None:
        post = _fit(source, out, day, params, figures, settings, population=population, generations=generations,
                    max_simulations=max_simulations, seed=seed, workers=workers, progress=progress)
    fit_s = time.perf_counter() - t0
    medians = post.medians()
    draws = post.draw(max(1, math.ceil(max(forecast_runs, 1) / per_draw)), seed=seed)
    with evaluator(workers) as ev:
        report = forecast_and_report(ev, case, source, out, day, params, shipped, medians, draws, None,
                                     {"case_sha256": case.loaded.sha256}, forecast_runs=forecast_runs, plots=plots,
                                     fit_s=fit_s, fit_cpu_s=0.0, new_trials=0, workers=workers,
                                     fit=fit_section(post, figures, reused, fit_s, workers))
    return FleeAbcCalibration(post, figures, reused, report)


def _fit(source: str, out: Path, day: int, params: list[FleeFreeParam], figures: list[CampFigure], settings: dict, *,
         population: int, generations: int, max_simulations: int | None, seed: int, workers: int,
         progress) -> Posterior:
    keyed = [(f.key, f.day, f.column) for f in figures]
    model = CampCountSimulator(source, day, keyed, {p.path: (p.low, p.high) for p in params if p.integer},
                               [f.key for f in figures], progress=progress)
    x0 = {f.key: f.log_value for f in figures}
    sds = np.array([f.sd for f in figures])
    result = run_abc_smc(model, [latent(p) for p in params], x0, sds, out / DB_FILE, population=population,
                         generations=generations, max_simulations=max_simulations, seed=seed, workers=workers)
    for j, p in enumerate(params):
        if p.integer:
            result.samples[:, j] = [_level(x, p.low, p.high) for x in result.samples[:, j]]
    desc = {"format": FORMAT, **settings, "scenario_file": source, "model": "flee",
            "method": "ABC-SMC (pyabc StochasticAcceptor, Student-t(3) kernel on ln(x+1), Temperature)",
            "observation_model": "ln(UNHCR report + 1) = ln(camp agents + 1) + σ·t₃; docs/flee.md section 8, "
                                 "Posterior (--method abc)",
            "result": result_description(result), "figures": [figure_json(f) for f in figures],
            "workers": workers, "scheduler": None, "load_average": [round(x, 2) for x in os.getloadavg()]}
    return save_posterior(out, desc, [p.path for p in params], result)


def fit_section(post: Posterior, figures: list[CampFigure], reused: bool, fit_s: float, workers: int) -> dict:
    """fit_report's description of the fit: method, temperatures, simulations, T = 1 or not."""
    d = post.description
    r = d["result"]
    return {
        "method": "abc",
        "objective": {"what": "ABC-SMC posterior given each camp's UNHCR reports dated day 0 … until_day "
                              "(ln(x + 1) scale, Student-t(3) noise, σ² = 0.05² + rounding² + discrepancy²)",
                      "discrepancy": d["discrepancy"], "figures": len(figures),
                      "camps": sorted({f.camp for f in figures})},
        "posterior": {"population": d["population"], "generations_asked": d["generations"],
                      "max_simulations": d["max_simulations"], "seed": d["seed"],
                      "generations": r["generations"], "temperatures": r["temperatures"],
                      "final_temperature": r["final_temperature"], "reached_1": r["exact"],
                      "simulations": r["simulations"], "simulations_run": r.get("simulations_run"),
                      "acceptance_rates": r["acceptance_rates"],
                      "effective_size": round(r["effective_size"], 2), "reused": reused,
                      "fit_wall_s": round(fit_s, 2), "workers": workers,
                      "load_average": [round(x, 2) for x in os.getloadavg()],
                      "summary": post.summary(), "files": ["posterior.parquet", "posterior.json", "abc.db"]},
        "calibrated_settings_are": "the posterior's marginal medians",
    }
