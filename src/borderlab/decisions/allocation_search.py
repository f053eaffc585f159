"""The simulation-based baseline of `allocate`: an Optuna search over guard shares, given a
fixed budget of runs, scored by crossings (the game's objective) in the full simulation over the window.

Each trial proposes a weight in [0.05, 1] per segment (normalised to shares) and is scored
by the mean over `seeds_per_trial` runs that use the first seeds of the comparison (common
random numbers, so trials differ by their shares, not their luck). The study lives in
OUT/search/study.journal and its runs in OUT/search/trials/NNNNN/runs, so an interrupted
search resumes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from .outcomes import CROSSED

STUDY_NAME = "borderlab-allocation-search"
LOW_WEIGHT = 0.05


def weights_override(country: str, segments: list[str], shares: np.ndarray) -> list[str]:
    """--set texts that give `country` a fixed allocation with these shares."""
    mapping = ", ".join(f"{s}: {float(w):.6g}" for s, w in zip(segments, shares))
    return [f"defenders.{country}.allocation.rule=fixed", f"defenders.{country}.allocation.weights={{{mapping}}}"]



def trial_folder(number: int) -> str:
    """Each trial's runs in their own folder (the study runner keeps one plan per folder)."""
    return f"trials/{number:05d}"


def open_journal_study(path: Path, name: str, **create) -> optuna.Study:
    """Load or create a study kept in an Optuna journal file (appends; survives interruption)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature notices
        storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True, **create)
    for t in study.trials:  # asked but never told (an interrupted command): not part of the study
        if t.state == optuna.trial.TrialState.RUNNING:
            study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    return study


def search_allocation(ctx, budget: int, seed: int = 0) -> dict:
    """Best shares found with `budget` runs: trials of min(2, budget) runs each."""
    folder = Path(ctx.out) / "search"
    per_trial = min(2, budget)
    n_trials = max(1, budget // per_trial)
    study = open_journal_study(folder / "study.journal", STUDY_NAME, direction="minimize")
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    plan = ctx.plan(per_trial)
    while len(done) < n_trials:
        t = study.ask()
        w = np.array([t.suggest_float(s, LOW_WEIGHT, 1.0) for s in ctx.segments])
        shares = w / w.sum()
        t.set_user_attr("shares", shares.tolist())
        arm = f"trial-{t.number}"
        result = ctx.run(arm, weights_override(ctx.country, ctx.segments, shares), plan, folder / trial_folder(t.number))
        study.tell(t, float(np.mean(ctx.outcome(result.window_totals(*ctx.window, CROSSED)[arm], "crossings"))))
        done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best = study.best_trial
    return {"shares": np.array(best.user_attrs["shares"]), "trials": n_trials, "runs_per_trial": per_trial,
            "runs_used": n_trials * per_trial, "best_trial": best.number, "best_crossings_in_search": best.value,
            "sampler": "optuna TPESampler", "study": "search/study.journal"}
