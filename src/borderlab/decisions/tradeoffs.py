"""`borderlab tradeoffs`: multi-objective search over policy levers, with the Pareto front.

Each lever is a `--set` path with a range (`defenders.PL.border_guards=3000:6000`,
`defenders.PL.pushback_share=0:1`, a date `events.ban.date=2021-08-15:2021-11-15`). Optuna's
NSGA-II sampler (Deb et al. 2002) proposes lever values; each trial runs the scenario
`runs_per_trial` times with the same seeds as every other trial (common random numbers) and
scores each objective as the mean over those runs, with a 90 % bootstrap interval. All
objectives are minimised. Trials run on the one arm runner (arms.py), inside one shared
cluster. The study is kept in OUT/study.journal and each trial's runs in OUT/trials/NNNNN/runs,
so a rerun with the same settings resumes and adds trials; different settings are refused.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import optuna
import pyarrow as pa

from .. import __version__
from ..errors import BorderlabError, InputFileError, Problem, ScenarioError
from ..reporting.outdir import check_output, study_folder
from ..scenario.loader import load_scenario, parse_scenario
from ..studies.plan import plan_ensemble
from ..studies.store import write_atomic, write_table_atomic
from .allocate import csv_text
from .allocation_search import open_journal_study, trial_folder
from .arms import make_arm, open_until, run_planned, shared_cluster
from .outcomes import CROSSED, parse_window
from .paired_stats import mean_interval

STUDY_FILE = "study.journal"
STUDY_NAME = "borderlab-tradeoffs"
STUDY_KIND = "tradeoffs"
TRIAL_KIND = "tradeoffs-trial"  # the kind of each OUT/trials/NNNNN
# objective name → (metrics summed, how): "sum" over the window, "max" of a daily value
OBJECTIVES = {
    "crossings": (CROSSED, "sum"),
    "unseen_crossings": (("new_undetected",), "sum"),
    "attempts": (("new_attempts",), "sum"),
    "detentions": (("new_detentions",), "sum"),
    "deaths": (("new_deaths",), "sum"),
    "onward": (("new_onward",), "sum"),
    "repatriations": (("new_repatriated",), "sum"),
    "person_days_below_0c": (("person_days_below_0c",), "sum"),
    "guard_days": (("guards_on_duty",), "sum"),
    "peak_fatigue": (("guard_fatigue",), "max"),
    "peak_in_zone": (("n_in_zone",), "max"),
}


@dataclass(frozen=True)
class Lever:
    path: str
    low: float
    high: float
    kind: str  # "float", "int" or "date"
    origin: dt.date | None = None  # dates: day 0

    def suggest(self, trial: optuna.Trial) -> str:
        if self.kind == "float":
            return repr(trial.suggest_float(self.path, self.low, self.high))
        k = trial.suggest_int(self.path, int(self.low), int(self.high))
        return (self.origin + dt.timedelta(days=k)).isoformat() if self.kind == "date" else str(k)

    def shown(self, value) -> str | float:
        if self.kind == "date":
            return (self.origin + dt.timedelta(days=int(value))).isoformat()
        return value


@dataclass(frozen=True)
class Objective:
    name: str
    scope: str

    @property
    def label(self) -> str:
        return f"{self.name}:{self.scope}"

    def value(self, totals: dict, n: int) -> np.ndarray:
        metrics, how = OBJECTIVES[self.name]
        keys = [(m if how == "sum" else f"{m}:{how}", self.scope) for m in metrics]
        missing = [k for k in keys if k not in totals]
        if len(missing) == len(keys):
            scopes = sorted({s for (m, s) in totals if m in {k[0] for k in keys}})
            raise BorderlabError(f"--objective {self.label}: the runs have no scope '{self.scope}' for it\n"
                                 f"    hint: use one of {', '.join(scopes) or 'the countries'}")
        return sum(totals.get(k, np.zeros(n)) for k in keys)


def parse_lever(text: str) -> Lever:
    m = re.fullmatch(r"\s*([^=\s]+)\s*=\s*([^:]+?)\s*:\s*([^:]+?)\s*", text)
    if not m:
        raise ScenarioError([Problem(f"--lever {text}", "expected PATH=LOW:HIGH", "e.g. --lever defenders.PL.border_guards=3000:6000")])
    path, lo, hi = m.groups()
    try:
        a, b = dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)
        lever = Lever(path, 0, (b - a).days, "date", a)
    except ValueError:
        try:
            kind = "int" if re.fullmatch(r"-?\d+", lo) and re.fullmatch(r"-?\d+", hi) else "float"
            lever = Lever(path, float(lo), float(hi), kind)
        except ValueError:
            raise ScenarioError([Problem(f"--lever {text}", f"'{lo}:{hi}' is not a range of numbers or dates",
                                         "e.g. 0.2:0.9, 3000:6000 or 2021-08-15:2021-11-15")]) from None
    if not (np.isfinite(lever.low) and np.isfinite(lever.high)) or lever.high < lever.low:
        raise ScenarioError([Problem(f"--lever {text}", "LOW must not exceed HIGH (and both be finite)", "")])
    return lever


def parse_objective(text: str) -> Objective:
    name, _, scope = text.partition(":")
    if name not in OBJECTIVES:
        raise ScenarioError([Problem(f"--objective {text}", f"unknown objective '{name}'", f"choose from {', '.join(OBJECTIVES)}")])
    return Objective(name, scope or "all")


def check_levers(scenario: str, levers: list[Lever], overrides: list[str]) -> None:
    """Both ends of every lever must give a valid scenario (every problem at once)."""
    problems = []
    for lv in levers:
        for end in (lv.low, lv.high):
            value = lv.shown(end) if lv.kind == "date" else (int(end) if lv.kind == "int" else end)
            try:
                load_scenario(scenario, overrides + [f"{lv.path}={value}"])
            except ScenarioError as exc:
                problems.extend(Problem(f"--lever {lv.path}", f"at {value}: {p.where}: {p.message}", p.hint) for p in exc.problems)
    if problems:
        raise ScenarioError(problems)


def tradeoffs(scenario: str, levers: list[str], objectives: list[str], trials: int, out: Path, *,
              runs_per_trial: int = 4, window: str | None = None, seed: int | None = None, workers: int = 1,
              scheduler: str | None = None, plots: bool = True, force: bool = False,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """Run (or resume) the search; write OUT/{trials,pareto}.{csv,parquet}, tradeoffs.png, manifest.json."""
    t0 = time.perf_counter()
    if not levers:
        raise ScenarioError([Problem("--lever", "no lever given", "e.g. --lever defenders.PL.pushback_share=0:1")])
    if len(objectives or []) < 2:
        raise ScenarioError([Problem("--objective", "give at least two objectives to trade off",
                                     f"e.g. --objective crossings:PL --objective deaths (choices: {', '.join(OBJECTIVES)})")])
    if trials < 1 or runs_per_trial < 2:
        raise ScenarioError([Problem("--trials/--runs-per-trial", f"{trials} trials of {runs_per_trial} runs",
                                     "need ≥ 1 trial and ≥ 2 runs per trial (for an interval)")])
    lv = [parse_lever(t) for t in levers]
    obj = [parse_objective(t) for t in objectives]
    base = load_scenario(scenario, [])
    a, b = parse_window(window, base.scenario.start, base.scenario.end)
    out = Path(out)
    check_output(out, STUDY_KIND, force)  # refused before any work
    check_levers(scenario, lv, [f"end={b.isoformat()}"])
    source = open_until(scenario, b)  # nothing after the window can matter
    base_seed = source.default_seed if seed is None else int(seed)
    settings = {"scenario": Path(source.source).name, "fingerprint": source.fingerprint,
                "levers": [[x.path, x.low, x.high, x.kind, str(x.origin)] for x in lv],
                "objectives": [o.label for o in obj], "runs_per_trial": runs_per_trial,
                "window": [a.isoformat(), b.isoformat()], "base_seed": base_seed}
    with study_folder(out, STUDY_KIND, force):
        study = open_journal_study(out / STUDY_FILE, STUDY_NAME, directions=["minimize"] * len(obj))
        old = study.user_attrs.get("settings")
        if old is None:
            study.set_user_attr("settings", settings)
        elif json.dumps(old, sort_keys=True) != json.dumps(settings, sort_keys=True):
            diff = next(k for k in settings if json.dumps(old.get(k)) != json.dumps(settings[k]))
            raise InputFileError(f"{out / STUDY_FILE}: this study was run with different settings ({diff}: "
                                 f"{json.dumps(old.get(diff))[:80]}, now {json.dumps(settings[diff])[:80]})\n"
                                 "    hint: use a new --out folder, or rerun with the study's settings")
        (out / "manifest.json").unlink(missing_ok=True)
        study.sampler = optuna.samplers.NSGAIISampler(population_size=max(4, min(20, trials // 3)),
                                                      seed=base_seed + len(study.trials))
        complete = lambda: [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]  # noqa: E731
        plan = plan_ensemble(source, runs_per_trial, seed=base_seed, branches=False)  # run r: derive_seed(base_seed, r)
        parsed = parse_scenario(source.source)
        metrics = {m for o in obj for m in OBJECTIVES[o.name][0]}
        with shared_cluster(workers, scheduler) as address:
            # Runs are paired (same seeds in every trial), so a setting NSGA-II proposes again
            # gives exactly the same results: reuse them instead of running it again.
            setting = lambda tr: tuple(tr.params[x.path] for x in lv)  # noqa: E731
            known = {}
            for tr in complete():
                known.setdefault(setting(tr), tr)
            while len(complete()) < trials:
                t = study.ask()
                assignments = [f"{x.path}={x.suggest(t)}" for x in lv]
                same = known.get(setting(t))
                if same is not None:
                    for o in obj:
                        t.set_user_attr(o.label, same.user_attrs[o.label])
                    t.set_user_attr("same_as_trial", same.number)
                    study.tell(t, [same.user_attrs[o.label][0] for o in obj])
                    if progress:
                        progress(len(complete()), trials)
                    continue
                arm = make_arm(f"trial-{t.number}", assignments, source, parsed)
                runs = run_planned(plan, [arm], out / trial_folder(t.number), study=TRIAL_KIND, scheduler=address)
                tot = runs.window_totals(a, b, metrics)[arm.name]
                means = []
                for k, o in enumerate(obj):
                    mean, low, high = mean_interval(o.value(tot, runs_per_trial), seed=k)
                    t.set_user_attr(o.label, [mean, low, high])
                    means.append(mean)
                study.tell(t, means)
                known[setting(t)] = study.trials[t.number]
                if progress:
                    progress(len(complete()), trials)
        rows, front = trial_rows(study, lv, obj)
        write_table_atomic(out / "trials.parquet", pa.Table.from_pylist(rows))
        write_atomic(out / "trials.csv", csv_text(rows))
        write_atomic(out / "pareto.csv", csv_text(front))
        outputs = {"trials": "trials.csv", "pareto": "pareto.csv", "runs": "trials/NNNNN/runs/run-*.parquet",
                   "study": STUDY_FILE}
        if plots:
            from .tradeoffs_plot import plot_front
            outputs["plot"] = plot_front(out, rows, obj).name
        manifest = {"borderlab_version": __version__, "study": "tradeoffs", **settings, "trials": len(rows),
                    "pareto_trials": len(front), "sampler": "optuna NSGAIISampler",
                    "seeds": "run r of every trial uses derive_seed(base_seed, r) (common random numbers)",
                    "intervals": "90 % percentile bootstrap of the mean over a trial's runs",
                    "outputs": outputs, "wall_s": round(time.perf_counter() - t0, 2),
                    "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
        return {**manifest, "front": front}


def trial_rows(study: optuna.Study, levers: list[Lever], objectives: list[Objective]) -> tuple[list[dict], list[dict]]:
    best = {t.number for t in study.best_trials}
    rows = []
    for t in study.trials:
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        row = {"trial": t.number, "pareto": t.number in best, "same_as_trial": t.user_attrs.get("same_as_trial")}
        for x in levers:
            row[x.path] = x.shown(t.params[x.path])
        for o in objectives:
            mean, low, high = t.user_attrs[o.label]
            row[o.label], row[f"{o.label} low"], row[f"{o.label} high"] = mean, low, high
        rows.append(row)
    return rows, [r for r in rows if r["pareto"] and r["same_as_trial"] is None]
