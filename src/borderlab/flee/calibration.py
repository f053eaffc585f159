"""`borderlab calibrate FLEE_FOLDER --until DAY`: fit a Flee case's free settings to its
UNHCR camp series up to DAY, then forecast the rest of the period with bands.

Objective (to minimise): Flee's ARD — the mean of the daily total error
Σ_camps |simulated − UNHCR| ÷ UNHCR total — over the *fit window*, days 0 … DAY − H,
averaged over `seeds` runs stopped after DAY, plus `penalty` × the mean squared distance of
the trial's settings from the folder's own, each setting scaled to [0, 1] over its range
(calibration_params.distance_penalty). The ranges bound the search; the penalty makes a
setting move away from the modeller's value only for a clear gain in fit. Nothing after
DAY is read.

Selection (the guard against overfitting): the last H days of the training window
(`holdout`, default a third of it) are left out of the objective and used as a forecast
test — the same question the calibration must answer after DAY. Among the best 10 % of the
trials by objective (at least 5), and the shipped settings, the one with the lowest ARD on
the held-out days is the calibrated setting, if that ARD is at least SHIPPED_MARGIN below
the shipped settings' (else the shipped settings stay). A search that fits the early days ever more
closely drifts towards settings that forecast worse (burundi2015: 10 trials on the whole
window forecast better than 200); the held-out days catch that. `holdout=0` fits and
selects on the whole window (version 1 of this objective).

The machinery is the scenarios' (calibration/study.py): an Optuna TPE study in
OUT/study.journal, resumable, trial 0 being the folder as shipped, its defining settings
stored with it so a rerun with other ones is refused. With `workers` > 1 trials are
evaluated in batches of that size on the project's Dask runner (reproducible for a given
number of workers). The forecast (calibration_forecast.py) runs the best few distinct
settings × fresh seeds and the shipped settings on the same seeds over the whole period,
and the report gives the ARD after DAY of both, per camp and overall.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import optuna
from optuna.distributions import FloatDistribution, IntDistribution

from ..calibration.calibrate import _best_value
from ..calibration.study import check_out, open_study
from .. import interrupts
from ..errors import BorderlabError, Problem, ScenarioError
from .calibration_params import FleeFreeParam, distance_penalty, free_flee_params
from .calibration_trials import case_for, training_errors

OBJECTIVE_VERSION = 3        # bump when the objective changes, so old studies are not resumed
HOLDOUT_SHARE = 1 / 3        # default held-out share of the training window (the end of it)
CANDIDATE_SHARE = 0.10       # the selection looks at this share of the trials, best objective first …
MIN_CANDIDATES = 5           # … and at least this many
SHIPPED_MARGIN = 0.25        # the folder's settings are left only for a held-out ARD this much lower
DEFAULT_PENALTY = 0.05       # ARD units at the far corner of the box (typical ARDs: 0.1–0.6)
DEFAULT_TOP = 5              # distinct best settings in the forecast ensemble …
TRIALS_PER_SET = 20          # … at most one per this many completed trials
NEAR_BEST = 1.05             # … each within 5 % of the best objective


@dataclass
class FleeCalibration:
    """What a Flee calibration produced (all of it is also written to OUT)."""

    out: Path
    until: int
    params: list[FleeFreeParam]
    shipped: dict[str, float]
    best: dict[str, float]
    study: optuna.Study
    new_trials: int
    report: dict


def parse_until(text: str, sc) -> int:
    """DAY as a day number (0 = the first simulated day) or a date within the period; the
    training window is days 0 … DAY, and at least one day must follow it."""
    text = str(text).strip()
    try:
        day = int(text)
    except ValueError:
        try:
            day = (dt.date.fromisoformat(text) - sc.start_date).days
        except ValueError:
            raise ScenarioError([Problem("--until", f"'{text}' is neither a day number nor a date (YYYY-MM-DD)",
                                         f"e.g. --until {sc.days // 2} (half of the {sc.days}-day period)")]) from None
    if not 1 <= day <= sc.days - 2:
        raise ScenarioError([Problem("--until", f"day {day} is outside 1 … {sc.days - 2} "
                                     f"(the period is {sc.days} days from {sc.start_date})",
                                     f"choose a day with some days after it to forecast, e.g. --until {sc.days // 2}")])
    return day


def parse_holdout(holdout: int | None, day: int) -> int:
    """H, the days at the end of the training window held out of the objective (None: a third)."""
    if holdout is None:
        return (day + 1) // 3 if day >= 2 else 0
    if not 0 <= holdout <= day - 1:
        raise ScenarioError([Problem("--holdout", f"{holdout} days is outside 0 … {day - 1} (the training window is "
                                     f"days 0 … {day}; at least two days must stay in the fit)",
                                     f"e.g. --holdout {(day + 1) // 3} (a third of the window), or 0 to fit the whole window")])
    return int(holdout)


def fit_case(source: str | Path, until: str | int, only: list[str] | None):
    """(absolute source, the case read once per process, DAY, the fitted settings, their
    shipped values): what both fitting methods start from."""
    source = str(Path(source).resolve())
    case = case_for(source)
    day = parse_until(str(until), case.scenario)
    params = free_flee_params(case.scenario, only)
    return source, case, day, params, {p.path: p.shipped(case.scenario) for p in params}


class Evaluator:
    """Maps a function over argument tuples: in this process, or on a Dask LocalCluster."""

    def __init__(self, client=None):
        self.client = client

    def map(self, fn, args: list[tuple]) -> list:
        if self.client is None:
            return [fn(*a) for a in args]
        futures = [self.client.submit(fn, *a, pure=False) for a in args]
        return self.client.gather(futures)


@contextlib.contextmanager
def evaluator(workers: int):
    if workers <= 1:
        yield Evaluator()
        return
    from ..studies.ensemble import dask_client

    with dask_client(workers, None) as client:
        yield Evaluator(client)


def calibrate_flee(source: str | Path, until: str | int, trials: int, out: Path, *, seeds: int = 2,
                   only: list[str] | None = None, sampler_seed: int = 0, penalty: float = DEFAULT_PENALTY,
                   forecast_runs: int = 20, top: int = DEFAULT_TOP, workers: int = 1, plots: bool = True,
                   force: bool = False, holdout: int | None = None,
                   progress: Callable[[int, float], None] | None = None) -> FleeCalibration:
    """Fit, then write OUT/{study.journal, simsetting.yml, fit_report.*, forecast.parquet, plots/}; resumable."""
    for name, value, low in (("--trials", trials, 0), ("--seeds", seeds, 1), ("--forecast-runs", forecast_runs, 0)):
        if value < low:
            raise ScenarioError([Problem(name, f"{value} is below {low}", f"give a number ≥ {low}")])
    if not (math.isfinite(penalty) and penalty >= 0):
        raise ScenarioError([Problem("--penalty", f"{penalty} is not a number ≥ 0",
                                     f"give 0 (no pull towards the folder's settings) or e.g. {DEFAULT_PENALTY}")])
    out = Path(out)
    check_out(out, force)
    source, case, day, params, shipped = fit_case(source, until, only)
    seed_list = list(range(seeds))
    hold = parse_holdout(holdout, day)
    settings = {
        "objective_version": OBJECTIVE_VERSION,
        "model": "flee",
        "scenario_file": source,
        "case_sha256": case.loaded.sha256,
        "until_day": day,
        "holdout_days": hold,
        "seeds": seed_list,
        "penalty": penalty,
        "params": [[p.path, p.low, p.high, p.log, p.integer] for p in params],
    }
    study, created = open_study(out, settings, sampler_seed, force)
    if created:
        study.enqueue_trial(shipped)     # trial 0: the folder as shipped, so the best is never worse
    dists = {p.path: IntDistribution(int(p.low), int(p.high)) if p.integer else FloatDistribution(p.low, p.high, log=p.log)
             for p in params}
    t0 = time.perf_counter()
    done, fit_cpu_s = 0, 0.0
    with evaluator(workers) as ev:
        while done < trials:
            interrupts.check()   # a Ctrl-C a finalizer swallowed (interrupts.py)
            batch = [study.ask(dists) for _ in range(min(max(workers, 1), trials - done))]
            results = ev.map(_score, [(source, dict(t.params), seed_list, day, hold) for t in batch])
            for trial, res in zip(batch, results):
                if isinstance(res, str):
                    trial.set_user_attr("error", res)
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    continue
                (fit_ard, validation_ard, ard), cpu_s = res
                pen = distance_penalty(params, trial.params, shipped)
                trial.set_user_attr("fit_ard", fit_ard)
                trial.set_user_attr("validation_ard", validation_ard)
                trial.set_user_attr("training_ard", ard)
                trial.set_user_attr("penalty", pen)
                trial.set_user_attr("cpu_s", round(cpu_s, 3))
                fit_cpu_s += cpu_s
                study.tell(trial, fit_ard + penalty * pen)
            done += len(batch)
            if progress is not None:
                progress(done, _best_value(study))
        fit_s = time.perf_counter() - t0
        complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
        if not complete:
            raise ScenarioError([Problem(str(out / "study.journal"), "no trial completed",
                                         "run with --trials ≥ 1; a failed trial's error is in its user attributes")])
        ranked, score = selection(complete, hold)
        best = {p.path: float(ranked[0].params.get(p.path, shipped[p.path])) for p in params}
        # the shipped settings chosen: they alone are the forecast (the better-fitting sets lost the test)
        top_n = 1 if ranked[0].number == 0 else min(top, max(1, len(complete) // TRIALS_PER_SET))
        sets = distinct_best(ranked, score, params, shipped, top_n)
        from .calibration_forecast import forecast_and_report, optuna_fit

        fit = optuna_fit(study, settings, done, fit_s, fit_cpu_s, workers, chosen=ranked[0], candidates=len(ranked))
        report = forecast_and_report(ev, case, source, out, day, params, shipped, best, sets, study, settings,
                                     forecast_runs=forecast_runs, plots=plots, fit_s=fit_s, fit_cpu_s=fit_cpu_s, new_trials=done,
                                     workers=workers, fit=fit)
    return FleeCalibration(out, day, params, shipped, best, study, done, report)


def _score(source: str, values: dict, seeds: list[int], day: int, holdout: int):
    """((fit-window ARD, held-out ARD or None, training-window ARD), CPU seconds) of a trial,
    each the mean over seeds, or the error message (a trial's bad settings fail it, not the
    study). CPU time, unlike wall time, says what the trials cost on a shared machine."""
    cpu = time.process_time()
    try:
        errors = training_errors(source, values, seeds, day).mean(axis=0)
    except BorderlabError as exc:
        return str(exc)
    fit_end = day - holdout
    held = float(errors[fit_end + 1:].mean()) if holdout else None
    return (float(errors[: fit_end + 1].mean()), held, float(errors.mean())), time.process_time() - cpu


def selection(complete: list, holdout: int) -> tuple[list, Callable]:
    """The trials the calibrated settings are chosen from, most trusted first, and the score
    that ranks them. Without a holdout: every trial by objective. With one: the best
    CANDIDATE_SHARE by objective (at least MIN_CANDIDATES) and the shipped trial 0, ranked by
    their ARD on the held-out days — a forecast test inside the training window. The shipped
    settings stay first unless the best candidate's held-out ARD is SHIPPED_MARGIN lower than
    theirs: in a backtest inside the training window (benchmarks/flee_selection_backtest.py)
    a smaller held-out gain on car2013 forecast 70 % worse than the shipped settings."""
    ranked = sorted(complete, key=lambda t: (t.value, t.number))
    if not holdout:
        return ranked, lambda t: t.value
    k = max(MIN_CANDIDATES, math.ceil(CANDIDATE_SHARE * len(ranked)))
    candidates = ranked[:k] + [t for t in ranked[k:] if t.number == 0]

    def held(t) -> float:
        return float(t.user_attrs["validation_ard"])

    ranked = sorted(candidates, key=lambda t: (held(t), t.number))
    shipped = next((t for t in candidates if t.number == 0), None)
    if shipped is not None and held(ranked[0]) >= (1 - SHIPPED_MARGIN) * held(shipped):
        # not a clear gain on the held-out days: keep the modeller's settings (backtest in docs/flee.md §8)
        ranked = [shipped] + [t for t in ranked if t is not shipped]
    return ranked, held


def distinct_best(ranked: list, score: Callable, params: list[FleeFreeParam], shipped: dict, top: int) -> list[dict]:
    """Up to `top` of the first `ranked` trials' settings whose `score` is within NEAR_BEST of
    the first's, skipping repeats (trial 0 may be re-proposed): the forecast's spread of
    settings that fit about as well."""
    sets: list[dict] = []
    for t in ranked:
        if score(t) > score(ranked[0]) * NEAR_BEST and sets:
            break
        values = {p.path: float(t.params.get(p.path, shipped[p.path])) for p in params}
        if values not in sets:
            sets.append(values)
        if len(sets) >= top:
            break
    return sets
