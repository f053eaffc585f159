"""A cheap stand-in for the ABC-SMC posterior: the best trials of an Optuna calibration.

FALLBACK, NOT A CALIBRATED POSTERIOR. On a shared 2-core machine the ABC-SMC fit of
belarus-eu-2021 (`posterior.py`) did not finish one origin's second generation in 15
minutes, so a backtest over three origins could not run within its 30-minute target. This
method keeps the backtest and the early warning running end to end: at the origin it runs
an Optuna search with the calibration's objective (`calibration/trials.py`: TPE, the
scenario's seed, figures up to the origin only) and keeps the best `TOP_SHARE` of its trials (at least
`MIN_KEPT`) with equal weights — rejection ABC with the calibration score as the distance
and the TPE proposals as the sampler. Its spread reflects how flat the score is near the
optimum, not a probability statement: whether its bands are calibrated is exactly what the
backtest measures. It is written in the posterior folder format (`posterior.json`,
`posterior.parquet`; `method` says what it is), so every consumer of a posterior reads it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import optuna
import pyarrow as pa

from ..scenario.loader import load_scenario
from ..studies.store import write_atomic, write_table_atomic
from .posterior import DESCRIPTION_FILE, FORMAT, SAMPLE_FILE, WEIGHT, Posterior, load_posterior

TOP_SHARE = 0.2
MIN_KEPT = 5
METHOD = "optuna-top-trials (fallback: best trials of an Optuna calibration, equal weights; not a calibrated posterior)"


def fit_top_trials(scenario: str, until: dt.date, out: Path, *, trials: int, seed: int = 0,
                   params: list[str] | None = None) -> Posterior:
    """Run `trials` Optuna trials on the figures up to `until`; write the kept ones as a posterior in OUT."""
    from ..analysis.observations import load_observations
    from ..calibration.free_params import find_free_params, select_params
    from ..calibration.trials import TrialRunner
    from ..errors import BorderlabError

    out = Path(out)
    if (out / DESCRIPTION_FILE).is_file():
        done = load_posterior(out, "--out")
        if done.description.get("method") == METHOD and done.description.get("trials") == trials \
                and done.description.get("until") == str(until):
            return done
    loaded = load_scenario(scenario)
    sc = loaded.scenario
    free = select_params(find_free_params(sc), params, str(loaded.path))
    runner = TrialRunner(loaded, until, [sc.seed], load_observations(loaded.folder / sc.observed))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.enqueue_trial({p.path: p.value for p in free})     # the scenario as written

    def objective(trial: optuna.Trial) -> float:
        values = {p.path: trial.suggest_float(p.path, p.low, p.high, log=p.log) for p in free}
        v = runner.evaluate(values)
        trial.set_user_attr("figures", len(v.points))
        return v.score

    study.optimize(objective, n_trials=trials, catch=(BorderlabError,))
    complete = sorted((t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE),
                      key=lambda t: (t.value, t.number))
    if not complete:
        raise BorderlabError(f"{scenario}: no Optuna trial completed at {until}\n    hint: check the scenario runs")
    kept = complete[:max(MIN_KEPT, int(round(TOP_SHARE * len(complete))))]
    cols = {p.path: pa.array([float(t.params[p.path]) for t in kept], pa.float64()) for p in free}
    cols[WEIGHT] = pa.array([1.0 / len(kept)] * len(kept), pa.float64())
    desc = {"format": FORMAT, "scenario": sc.name, "scenario_file": str(loaded.path.resolve()),
            "scenario_file_sha256": loaded.file_sha256, "until": str(until), "method": METHOD, "trials": trials,
            "params": [{"path": p.path, "low": p.low, "high": p.high, "log": p.log, "value": p.value} for p in free],
            "result": {"simulations": len(study.trials), "kept_trials": len(kept),
                       "training_figures": kept[0].user_attrs.get("figures"),
                       "scores": [round(float(t.value), 5) for t in kept]},
            "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    out.mkdir(parents=True, exist_ok=True)
    write_table_atomic(out / SAMPLE_FILE, pa.table(cols))
    write_atomic(out / DESCRIPTION_FILE, json.dumps(desc, indent=2))
    return load_posterior(out, "--out")
