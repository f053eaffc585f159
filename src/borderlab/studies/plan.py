"""An ensemble plan: the list of run specs to execute, and the parameter draws behind them.

Planning happens once, in the process the user started, and validates everything up front
(the scenario, `--set` overrides, `--param` patterns, run counts), so a mistake is one
clear message before any worker starts — never a failure in run 731 of 1,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import BorderlabError, InputFileError
from ..scenario.loader import LoadedScenario, load_scenario
from ..scenario.registry import builtin_names
from .branches import PlannedBranch, branch_of_runs, describe_branches, plan_branches
from .runspec import RunSpec, detect_kind, flee_settings, source_fingerprint
from .sampling import RangedParam, derive_seed, latin_hypercube, ranged_params, select_params


@dataclass
class Source:
    """What every run of a study starts from: the input, its kind, user overrides."""

    source: str  # a built-in name, or an absolute path (workers may run elsewhere)
    kind: str
    overrides: list[str]  # --set texts, applied to every run before any drawn value
    fingerprint: str
    loaded: LoadedScenario | None  # the validated base scenario (kind "scenario")

    @property
    def name(self) -> str:
        return self.loaded.scenario.name if self.loaded else Path(self.source).name

    @property
    def default_seed(self) -> int:
        return int(self.loaded.scenario.seed) if self.loaded else 0

    def base_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(tuple(t.split("=", 1)) for t in self.overrides)  # type: ignore[misc]

    def ranged(self) -> list[RangedParam]:
        if self.loaded is None:
            raise BorderlabError(f"{self.source}: parameter ranges can only be varied for borderlab scenarios; "
                                 "this is a Flee input folder\n    hint: run replicates without --vary")
        return ranged_params(self.loaded.scenario)

    def spec(self, run_id: int, seed: int, drawn: tuple[tuple[str, float], ...] = ()) -> RunSpec:
        return RunSpec(run_id=run_id, seed=seed, source=self.source, kind=self.kind,
                       overrides=self.base_pairs() + drawn, fingerprint=self.fingerprint)


def open_source(source: str, overrides: list[str] | None = None) -> Source:
    """Resolve and validate a study's input (raises the loader's errors for a bad scenario)."""
    overrides = list(overrides or [])
    kind = detect_kind(source)
    text = source if source in builtin_names() else str(Path(source).resolve())
    if kind == "scenario":
        loaded = load_scenario(source, overrides)  # every problem, with file:line
        return Source(text, kind, overrides, source_fingerprint(source, kind), loaded)
    if not Path(source).exists():
        raise InputFileError(f"{source}: not found")
    for t in overrides:
        if "=" not in t:
            raise BorderlabError(f"--set {t}: expected PATH=VALUE")
    from ..flee.scenario_file import load_flee  # read and check the inputs and settings once, here
    load_flee(source, overrides=flee_settings(tuple(t.split("=", 1)) for t in overrides) or None)
    return Source(text, kind, overrides, source_fingerprint(source, kind), None)


@dataclass
class EnsemblePlan:
    source: Source
    base_seed: int
    specs: list[RunSpec]
    varied: list[RangedParam] = field(default_factory=list)
    draws: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # [runs, varied]
    branches: list[str] = field(default_factory=list)  # each run's branch (empty: no branches)
    branch_specs: list[PlannedBranch] = field(default_factory=list)
    draw_ids: list[int] = field(default_factory=list)  # each run's posterior draw (--posterior)
    posterior: dict | None = None                      # where the draws came from (--posterior)

    def draws_table(self) -> pa.Table:
        """run_id, seed, the run's branch (for a branched scenario) and one column per
        varied parameter (its dotted path)."""
        cols = {"run_id": pa.array([s.run_id for s in self.specs], pa.int32()),
                "seed": pa.array([s.seed for s in self.specs], pa.int64())}
        if self.branches:
            cols["branch"] = pa.array(self.branches, pa.string())
        if self.draw_ids:
            cols["draw"] = pa.array(self.draw_ids, pa.int32())
        for j, p in enumerate(self.varied):
            cols[p.path] = pa.array(self.draws[:, j], pa.float64())
        return pa.table(cols)

    def describe(self) -> dict:
        return {"source": self.source.source, "kind": self.source.kind, "scenario": self.source.name,
                "fingerprint": self.source.fingerprint, "overrides": self.source.overrides,
                "base_seed": self.base_seed, "runs": len(self.specs),
                "varied": [{"path": p.path, "low": p.low, "high": p.high, "value": p.value} for p in self.varied],
                **({"branches": describe_branches(self.branch_specs, [[b.name for b in self.branch_specs].index(n)
                                                                      for n in self.branches])}
                   if self.branch_specs else {}),
                **({"posterior": self.posterior} if self.posterior else {})}


def plan_ensemble(source: Source, runs: int, seed: int | None = None, vary: bool = False,
                  params: list[str] | None = None, branches: bool = True) -> EnsemblePlan:
    """`runs` runs with seeds derived from the base seed; with `vary`, one Latin-hypercube
    draw of the ranged parameters (all, or those matching `params`) per run. A scenario
    with `branches:` spreads the runs over them by prior weight (unless `branches` is
    False); parameters a branch sets are not drawn."""
    if runs < 1:
        raise BorderlabError(f"--runs {runs}: an ensemble needs at least 1 run")
    base = source.default_seed if seed is None else int(seed)
    if base < 0:
        raise BorderlabError(f"--seed {base}: seeds are ≥ 0")
    varied: list[RangedParam] = []
    draws = np.zeros((runs, 0))
    planned = plan_branches(source.loaded, source.overrides) if branches else []
    which = branch_of_runs(planned, runs)
    if vary or params:
        fixed = set().union(*(b.set_paths() for b in planned))
        varied = [p for p in select_params(source.ranged(), params) if p.path not in fixed]
        if not varied:
            raise BorderlabError(f"{source.name}: no parameter declares a range, so nothing can vary\n"
                                 "    hint: write parameters as {value: …, range: [low, high]} in the scenario, "
                                 "or drop --vary to run replicates")
        draws = latin_hypercube(varied, runs, base)
    specs = []
    for i in range(runs):
        drawn = tuple((p.path, float(draws[i, j])) for j, p in enumerate(varied))
        branch = planned[which[i]].pairs if planned else ()
        specs.append(source.spec(i, derive_seed(base, i), branch + drawn))
    return EnsemblePlan(source, base, specs, varied, draws, [planned[k].name for k in which], planned)
