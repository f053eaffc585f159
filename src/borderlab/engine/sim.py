"""The simulation: population, streams, modules and an inspectable loop of phases.

`Sim` knows nothing about any scenario: it is handed a calendar, a graph, name indices,
modules and the (opaque) scenario object modules read their parameters from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .calendar import Calendar
from .graph import Graph
from .module import Module
from . import kernels
from .population import CORE_COLUMNS, IS_ABSORBED, Column, Population
from .results import Results
from .status import N_STATUS, Status
from .streams import Streams


@dataclass
class Index:
    """Name → array position, for everything the scenario names."""

    node: dict[str, int] = field(default_factory=dict)
    segment: dict[str, int] = field(default_factory=dict)
    route: dict[str, int] = field(default_factory=dict)
    defender: dict[str, int] = field(default_factory=dict)  # country code → defender number
    shelter: dict[str, int] = field(default_factory=dict)  # shelter node id → shelter number
    nationality: dict[str, int] = field(default_factory=dict)


class ConservationError(AssertionError):
    """People were created or lost outside the counted flows (a bug, not bad input)."""


class Sim:
    """One run. Build with modules, then `run()` (or `run(until=d)` and `run()` again)."""

    def __init__(self, scenario: Any, calendar: Calendar, graph: Graph, index: Index,
                 modules: list[Module], seed: int, capacity: int = 4096, check: bool = True,
                 folder=None):
        self.scenario = scenario
        self.scenario_folder = folder  # where relative input paths are resolved
        self.calendar = calendar
        self.graph = graph
        self.index = index
        self.seed = int(seed)
        self.streams = Streams(self.seed)
        self.modules = {m.name: m for m in modules}
        self.results = Results(calendar.n_days)
        self.check = check
        columns: list[Column] = list(CORE_COLUMNS)
        for m in modules:
            columns.extend(m.columns)
        self.pop = Population(columns, capacity, n_nodes=graph.n)
        self.day = 0
        self.wall_s = 0.0
        self.status_counts = np.zeros((calendar.n_days, N_STATUS), dtype=np.int64)
        self.flow_log = np.zeros((calendar.n_days, N_STATUS, N_STATUS), dtype=np.int64)
        self.created_log = np.zeros((calendar.n_days, N_STATUS), dtype=np.int64)
        self.today: dict[str, Any] = {}  # scratch shared between phases of one day
        for m in modules:
            m.init(self)
        for m in modules:
            for name, values_of in m.drawn_at_creation().items():
                self.pop.fill_ahead(name, values_of)
        # only the modules that set columns per creation are called for each day's newcomers
        self._on_create = [m for m in modules
                           if type(m).on_create is not Module.on_create or "on_create" in m.__dict__]
        self.loop: list[tuple[str, Callable[[int], None]]] = []
        for m in modules:
            self.loop.extend(m.phases())
        self.loop.sort(key=lambda p: PHASE_ORDER.index(p[0]) if p[0] in PHASE_ORDER else len(PHASE_ORDER))
        # the last phase may leave the day's end counts in today["end_counts"] (stocks.record
        # counts everyone anyway); a phase after it could change them, so only if it is last
        self.end_counts_phase = self.loop[-1][0] if self.loop else None
        self.phase_seconds = {name: 0.0 for name, _ in self.loop}  # filled when timing=True
        self.timing = False
        self.events_applied: list[Any] = []
        self.finalized = False

    # -- wiring -----------------------------------------------------------------------
    def module(self, name: str) -> Module:
        return self.modules[name]

    def apply_events(self, events: list) -> None:
        """Apply timeline events to module arrays (once, before day 0)."""
        for ev in sorted(events, key=lambda e: e.date):
            ev.apply(self)
            self.events_applied.append(ev)

    def add_people(self, count: int, day: int, write=None, **values) -> np.ndarray:
        """Create people and let every module initialise its columns for them. `write`:
        (the columns it sets, a function of the new uids setting them) — a compiled kernel
        writing the newcomers' columns in place of `values`, before the modules see them."""
        uids = self.pop.add(count, also_set=write[0] if write else (), **values)
        if write is not None and uids.size:
            write[1](uids)
        if uids.size:
            for m in self._on_create:
                m.on_create(uids, day)
        return uids

    def describe_loop(self) -> str:
        """The daily loop, one phase a line, in the order it runs."""
        return "\n".join(f"{i + 1:2d}. {name}" for i, (name, _) in enumerate(self.loop))

    # -- running ----------------------------------------------------------------------
    def run(self, until: int | None = None, progress: Callable[[int], None] | None = None) -> Results:
        """Run days up to `until` (exclusive; default the end). Resumable."""
        stop = self.calendar.n_days if until is None else min(int(until), self.calendar.n_days)
        t0 = time.perf_counter()
        pop = self.pop
        while self.day < stop:
            day = self.day
            # yesterday's end-of-day counts are today's starting counts (nothing happens between days)
            before = (self.status_counts[day - 1] if day > 0 else pop.counts()) if self.check else None
            pop.start_day(day, self.flow_log[day], self.created_log[day])  # counted in place
            self.today = {}
            if self.timing:
                for name, step in self.loop:
                    t = time.perf_counter()
                    step(day)
                    self.phase_seconds[name] += time.perf_counter() - t
            else:
                for _, step in self.loop:
                    step(day)
            counts = self.today.get("end_counts") if self.end_counts_phase == "stocks.record" else None
            if counts is None:
                counts = pop.counts()
            self.status_counts[day] = counts
            if self.check:
                self._check_conservation(day, before, counts)
            self.day += 1
            if progress is not None:
                progress(day)
        self.wall_s += time.perf_counter() - t0
        if self.day >= self.calendar.n_days and not self.finalized:
            for m in self.modules.values():
                m.finalize()
            self.results.finalize()
            self.finalized = True
        return self.results

    def _check_conservation(self, day: int, before: np.ndarray, after: np.ndarray) -> None:
        left, gap = kernels.conservation_gaps(before, self.pop.created_today, self.pop.flows, after, IS_ABSORBED)
        if left:  # the daily passes skip absorbed people (Population.live)
            raise ConservationError(f"day {day}: {left} people left an absorbing status")
        if gap is not None:
            diff = {Status(i).name: int(gap[i]) for i in np.flatnonzero(gap)}
            raise ConservationError(f"day {day}: stocks moved without a counted flow: {diff}")


# The order phases run in each day (modules contribute phases by these names).
PHASE_ORDER = [
    "supply.arrive",
    "movement.advance",
    "transit.arrivals",
    "returns.repatriate",
    "orchestrator.plan",
    "transit.dispatch",
    "health.shelter",
    "defenders.deploy",
    "border.checkpoint",
    "orchestrator.launch",
    "border.resolve",
    "orchestrator.coerce",
    "orchestrator.learn",
    "orchestrator.withdraw",
    "defenders.fatigue",
    "onward.inland",
    "reception.release",
    "health.exposure",
    "health.discharge",
    "returns.voluntary",
    "stocks.record",
]
