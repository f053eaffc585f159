"""`calibrate`: fit a scenario's free parameters to the observed figures up to a cut-off.

Steps: load the scenario and its free parameters (`free: true`, within their `range`); take
the observed outcome rows whose period ends on or before the cut-off (nothing later is read
into the objective); let Optuna's TPE sampler propose values, each trial scored by the
validation score of the mean of a few seeded runs up to the cut-off; write the calibrated
scenario, a fit report (training error before and after, every trial) and a forecast: a
normal run folder of the calibrated scenario over the whole period, validated with the
cut-off marked, so that what comes after it is shown as a forecast.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import optuna

from .. import __version__, interrupts
from ..analysis.observations import load_observations, select_outcomes
from ..analysis.run_data import load_run_data
from ..analysis.validation import Validation, compare, write_validation
from ..errors import BorderlabError, InputFileError, Problem, ScenarioError
from ..reporting.atomic import write_text_atomic
from ..reporting.run_folder import write_run
from ..runner import run_scenario
from ..scenario.loader import load_scenario
from .calibrated_yaml import calibrated_text, rounded
from .forecast import forecast_ensemble
from .free_params import FreeParam, find_free_params, load_fit_target
from .report import write_report
from .study import STUDY_FILE, check_out, open_study
from .trials import TrialRunner

OBJECTIVE_VERSION = 1   # bump when the score's definition changes, so old studies are not resumed
CALIBRATED_FILE = "calibrated.yaml"
FORECAST_DIR = "forecast"


@dataclass
class Calibration:
    """What a calibration produced (all of it is also written to OUT)."""

    out: Path
    params: list[FreeParam]
    best: dict[str, float]            # fitted values as written to calibrated.yaml
    baseline: dict[str, float]        # the scenario's own values
    before: Validation                # training fit of the scenario as written (mean of seeds)
    after: Validation                 # training fit of the calibrated scenario (mean of seeds)
    study: optuna.Study
    new_trials: int
    forecast: Path
    forecast_validation: Validation   # every outcome figure vs the forecast run (single seed)
    forecast_training: Validation     # the training figures vs the forecast run (single seed)
    held_out: Validation | None       # figures after the cut-off, if the observations hold any
    forecast_ensemble: dict | None = None  # the forecast ensemble's report section (forecast.py)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def calibrate(scenario: str | Path, until: dt.date, trials: int, out: Path, *, seeds: int = 2,
              only: list[str] | None = None, sampler_seed: int = 0, observed: Path | None = None,
              plots: bool = True, forecast_runs: int = 20, workers: int = 1,
              progress: Callable[[int, float], None] | None = None, force: bool = False) -> Calibration:
    """Fit, write OUT/{study.journal, calibrated.yaml, fit_report.*, forecast/, forecast_ensemble/}; resumable."""
    if trials < 0:
        raise ScenarioError([Problem("--trials", f"{trials} is negative", "give a number of trials ≥ 1")])
    if forecast_runs < 0:
        raise ScenarioError([Problem("--forecast-runs", f"{forecast_runs} is negative",
                                     "give 0 (single-seed forecast only) or a number of runs, e.g. 20")])
    if seeds < 1:
        raise ScenarioError([Problem("--seeds", f"{seeds} is below 1", "give a number of seeds ≥ 1")])
    out = Path(out)
    check_out(out, force)
    base, params = load_fit_target(scenario, until, only)
    sc = base.scenario
    obs_path = Path(observed) if observed else (base.folder / sc.observed if sc.observed else None)
    if obs_path is None:
        raise InputFileError(f"{base.path}: the scenario names no observed figures (`observed:`)\n"
                             "    hint: pass --observed FILE")
    observations = load_observations(obs_path)
    seed_list = [sc.seed + k for k in range(seeds)]
    runner = TrialRunner(base, until, seed_list, observations)
    baseline = {p.path: p.value for p in params}
    before = runner.evaluate(baseline)
    if not before.points:
        raise InputFileError(f"{obs_path}: no observed outcome on or before {until} can be compared with "
                             f"{sc.name} ({sc.start} → {sc.end})\n"
                             "    hint: choose a later --until, or check the observations file")
    settings = {
        "objective_version": OBJECTIVE_VERSION,
        "scenario_file": str(base.path.resolve()),
        "scenario_file_sha256": base.file_sha256,
        "observations_sha256": file_sha256(obs_path),
        "until": str(until),
        "seeds": seed_list,
        "params": [[p.path, p.low, p.high, p.log] for p in params],
    }
    study, created = open_study(out, settings, sampler_seed, force)
    if created:
        study.enqueue_trial(baseline)   # trial 0: the scenario as written, so the best is never worse

    def objective(trial: optuna.Trial) -> float:
        interrupts.check()   # a Ctrl-C a finalizer swallowed (interrupts.py)
        values = {p.path: trial.suggest_float(p.path, p.low, p.high, log=p.log) for p in params}
        v = runner.evaluate(values)
        trial.set_user_attr("series", {e.key + ":" + e.grain: round(e.error, 5) for e in v.series})
        return v.score

    done = [0]

    def callback(st: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        done[0] += 1
        if progress is not None:
            best = _best_value(st)
            progress(done[0], best)

    if trials:
        study.optimize(objective, n_trials=trials, callbacks=[callback], catch=(BorderlabError,))
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise InputFileError(f"{out / STUDY_FILE}: no trial completed\n    hint: run with --trials ≥ 1")
    best_trial = min(complete, key=lambda t: (t.value, t.number))
    best = {p.path: rounded(best_trial.params.get(p.path, p.value), p.low, p.high) for p in params}
    after = runner.evaluate(best)

    calibrated = write_calibrated(base, sc, params, best, baseline, out, until, seed_list, len(study.trials),
                                  before.score, after.score, obs_path)
    fc = write_forecast(calibrated, sc, out, observations, obs_path, until, plots=plots,
                        forecast_runs=forecast_runs, workers=workers)
    result = Calibration(out, params, best, baseline, before, after, study, done[0], fc.folder,
                         fc.validation, fc.training, fc.held_out, fc.ensemble)
    write_report(result, settings, base, obs_path, until, fc.run)
    return result


@dataclass
class Forecast:
    """The single-seed forecast run of the calibrated scenario and its ensemble section."""

    run: object
    folder: Path
    validation: Validation     # every outcome figure vs the forecast run (single seed)
    training: Validation       # the training figures vs the forecast run
    held_out: Validation | None
    ensemble: dict | None


def write_forecast(calibrated: Path, sc, out: Path, observations, obs_path: Path, until: dt.date, *, plots: bool,
                   forecast_runs: int, workers: int, posterior: Path | None = None, per_draw: int = 2) -> Forecast:
    """OUT/forecast (one run of calibrated.yaml, validated with the cut-off marked) and
    OUT/forecast_ensemble (`forecast_runs` runs; parameters drawn from `posterior` if given)."""
    forecast_dir = out / FORECAST_DIR
    run = run_scenario(str(calibrated), seed=sc.seed)
    write_run(run, forecast_dir, plots=plots)
    data = load_run_data(forecast_dir)
    forecast_validation = compare(observations, data)
    write_validation(forecast_validation, data, forecast_dir / "validation", observed_path=obs_path,
                     plots=plots, cutoff=until)
    later = [o for o in select_outcomes(observations) if o.end > until]
    held_out = compare(later, data) if later else None
    ensemble = None
    if forecast_runs:
        countries = [c.code for c in sc.countries if c.role == "defender"]
        ensemble = forecast_ensemble(calibrated, forecast_runs, out, observations, obs_path, until, countries,
                                     workers=workers, plots=plots, posterior=posterior, per_draw=per_draw)
    return Forecast(run, forecast_dir, forecast_validation, compare(observations, data, until), held_out, ensemble)


def _best_value(study: optuna.Study) -> float:
    values = [t.value for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE and t.value is not None]
    return min(values) if values else math.nan


def write_calibrated(base, sc, params, best, baseline, out: Path, until, seeds, n_trials, before_score,
                     after_score, obs_path: Path, method: str | None = None) -> Path:
    """OUT/calibrated.yaml (and copies of the scenario's relative input files beside it);
    `method` replaces the line naming the Optuna trials (e.g. for a posterior's medians)."""
    text = base.path.read_text(encoding="utf-8")
    header = [
        f"CALIBRATED by `borderlab calibrate` (borderlab {__version__}) on {dt.date.today()}",
        f"from {base.path} (sha256 {base.file_sha256[:16]}…).",
        f"Fitted on the observed figures ending on or before {until} only ({obs_path.name}); seeds {seeds};",
        f"{method or f'{n_trials} trials in study.journal'}; training score {before_score:.4f} → {after_score:.4f}",
        "(mean |ln((sim+1)/(obs+1))| per series, averaged over series; docs/validation.md).",
        "Fitted values (each also marked `# calibrated` on its line):",
    ] + [f"  {p.path} = {best[p.path]:g} (was {baseline[p.path]:g}; range [{p.low:g}, {p.high:g}])" for p in params] + [""]
    extra = {}
    for path, rel in _relative_inputs(sc):
        src = base.folder / rel
        inside = not Path(rel).is_absolute() and ".." not in Path(rel).parts
        if inside and src.is_file():
            dst = out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
        elif not Path(rel).is_absolute():
            extra[path] = str(src.resolve())
    content = calibrated_text(text, best, baseline, header, extra)
    target = out / "calibrated.yaml"
    write_text_atomic(target, content)
    check = load_scenario(target)       # must load, with exactly the fitted values
    got = {p.path: p.value for p in find_free_params(check.scenario)}
    wrong = [k for k, v in best.items() if not math.isclose(got.get(k, math.nan), v, rel_tol=1e-9, abs_tol=1e-12)]
    if wrong:
        raise InputFileError(f"{target}: written values do not read back for {wrong}\n"
                             "    hint: report this as a bug; the study is kept and can be resumed")
    return target


def _relative_inputs(sc) -> list[tuple[str, str]]:
    """(override path, file) of the scenario's inputs given relative to the scenario file."""
    found = []
    if sc.observed:
        found.append(("observed", sc.observed))
    if getattr(sc, "timeline", None):
        found.append(("timeline", sc.timeline))
    for i, branch in enumerate(getattr(sc, "branches", None) or []):
        if getattr(branch, "variant", None):
            found.append((f"branches.{i}.variant", branch.variant))
    csv = getattr(getattr(sc.humanitarian, "temperature", None), "csv", None)
    if csv:
        found.append(("humanitarian.temperature.csv", csv))
    return found
