"""Runs behind a Flee calibration: one case read once per process, simulated with given settings.

Reading a folder and building its UNHCR tables takes longer than a short run, so a process
keeps each case it has read (`case_for`) and a trial only copies the settings in. Every
trial uses the same seeds (common random numbers: two trials differ by their settings, not
their luck). A training run stops after DAY: nothing later can change the training error,
and nothing later is looked at. The functions at the bottom are what Dask workers call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .calibration_params import with_values
from .engine import FleeSim
from .scenario_file import LoadedFlee, load_flee
from .validation import ValidationData, build_validation, total_error

_CASES: dict[str, "FleeCase"] = {}   # per process: source → case


@dataclass
class CaseRun:
    """One run's camp series and the UNHCR side (days × camps), as Flee scores them."""

    sim_camp: np.ndarray
    data_camp: np.ndarray
    raw_total: np.ndarray

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

    @property
    def scenario(self):
        return self.loaded.scenario

    def run(self, values: dict[str, float], seed: int, days: int | None = None) -> CaseRun:
        """The case with `values` applied, seed `seed`, days 0 … days−1 (default: the whole period)."""
        sc = with_values(self.scenario, values)
        sim = FleeSim(sc, seed=seed, days=days, base_dir=self.loaded.base_dir, locate=self.loaded.locate,
                      validation=self.validation)
        sim.run()
        return CaseRun(sim.sim_camp.copy(), sim.data_camp.copy(), sim.plan.raw_total.copy())


def case_for(source: str) -> FleeCase:
    case = _CASES.get(source)
    if case is None:
        case = _CASES[source] = FleeCase(source)
    return case


def training_errors(source: str, values: dict[str, float], seeds: list[int], until: int) -> np.ndarray:
    """Flee's daily total error on days 0 … `until`, one row per seed (runs stop after `until`)."""
    case = case_for(source)
    return np.stack([case.run(values, s, until + 1).total_error for s in seeds])


def full_run(source: str, values: dict[str, float], seed: int) -> CaseRun:
    """A run over the whole period (the forecast after DAY included)."""
    return case_for(source).run(values, seed)
