"""Runs behind a Flee calibration: one case read once per process, simulated with given settings.

Reading a folder and building its UNHCR tables takes longer than a short run, so a process
keeps each case it has read (`case_for`) and a trial only copies the settings in. Every
trial uses the same seeds (common random numbers: two trials differ by their settings, not
their luck). A training run is a run of the folder **as it stood on DAY**: it stops after
DAY, starts and spawns from the UNHCR series as reported by DAY (`validation.reported_by`:
rows up to DAY, corrections dated up to DAY) and is scored against them — not against
Flee's whole-period tables, whose later corrections rescale earlier rows and whose days
before DAY are interpolated towards later reports. Nothing after DAY can reach the fit. The functions at the bottom are what Dask workers call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .calibration_params import with_values
from .engine import FleeSim
from .scenario_file import LoadedFlee, load_flee
from .validation import ValidationData, as_run_input, build_validation, reported_by, reported_daily, total_error

_CASES: dict[str, "FleeCase"] = {}   # per process: source → case


@dataclass
class CaseRun:
    """One run's camp series and the UNHCR side (days × camps), as Flee scores them."""

    sim_camp: np.ndarray
    data_camp: np.ndarray
    raw_total: np.ndarray
    camps: list[str]

    @property
    def total_error(self) -> np.ndarray:
        return total_error(self.sim_camp, self.data_camp, self.raw_total)


class FleeCase:
    """A Flee case read once; `run(values, seed, days)` simulates it with other settings."""

    def __init__(self, source: str | Path):
        from .runner import _ensure_warm

        _ensure_warm()
        self.loaded: LoadedFlee = load_flee(source)
        sc = self.loaded.scenario
        self.validation: ValidationData = build_validation(sc, self.loaded.base_dir, self.loaded.locate)
        self._as_of: dict[int, tuple[ValidationData, ValidationData]] = {}   # day → (reported, run input)

    @property
    def scenario(self):
        return self.loaded.scenario

    def run(self, values: dict[str, float], seed: int, days: int | None = None, as_of: int | None = None) -> CaseRun:
        """The case with `values` applied, seed `seed`, days 0 … days−1 (default: the whole period);
        with `as_of`, the folder as it stood on that day (days default to 0 … as_of)."""
        sc = with_values(self.scenario, values)
        validation = self.validation
        if as_of is not None:
            validation = self._tables_as_of(as_of)[1]
            days = as_of + 1 if days is None else days
        sim = FleeSim(sc, seed=seed, days=days, base_dir=self.loaded.base_dir, locate=self.loaded.locate,
                      validation=validation)
        sim.run()
        return CaseRun(sim.sim_camp.copy(), sim.data_camp.copy(), sim.plan.raw_total.copy(), list(sim.camp_names))

    def reported(self, day: int, camps: list[str]) -> np.ndarray:
        """The camps' daily UNHCR values on days 0 … `day` as reported by `day` (NaN: no report yet)."""
        return reported_daily(self._tables_as_of(day)[0], camps, day + 1)

    def _tables_as_of(self, day: int) -> tuple[ValidationData, ValidationData]:
        if day not in self._as_of:
            reported = reported_by(self.scenario, self.loaded.base_dir, self.loaded.locate, day)
            self._as_of[day] = (reported, as_run_input(reported))
        return self._as_of[day]


def case_for(source: str) -> FleeCase:
    case = _CASES.get(source)
    if case is None:
        case = _CASES[source] = FleeCase(source)
    return case


def training_errors(source: str, values: dict[str, float], seeds: list[int], until: int) -> np.ndarray:
    """Flee's daily total error on days 0 … `until` of runs of the folder as it stood on `until`,
    against the series as reported by then; one row per seed."""
    case = case_for(source)
    rows = []
    for s in seeds:
        run = case.run(values, s, as_of=until)
        rows.append(total_error(run.sim_camp, case.reported(until, run.camps), run.raw_total))
    return np.stack(rows)


def full_run(source: str, values: dict[str, float], seed: int) -> CaseRun:
    """A run over the whole period (the forecast after DAY included)."""
    return case_for(source).run(values, seed)
