"""Run one scenario: load, build, run — the single run loop every command uses."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from .engine.sim import Sim
from .scenario.loader import LoadedScenario, load_scenario
from .simulation import build_sim


@dataclass
class Run:
    loaded: LoadedScenario
    sim: Sim
    seed: int
    wall_s: float
    build_s: float

    @property
    def results(self):
        return self.sim.results


def run_scenario(scenario: str | LoadedScenario, seed: int | None = None,
                 overrides: list[str] | None = None,
                 progress: Callable[[int], None] | None = None) -> Run:
    """Load (unless given loaded), build and run to the end."""
    t0 = time.perf_counter()
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, overrides)
    sim = build_sim(loaded, seed=seed)
    t1 = time.perf_counter()
    sim.run(progress=progress)
    t2 = time.perf_counter()
    return Run(loaded, sim, sim.seed, wall_s=t2 - t0, build_s=t1 - t0)
