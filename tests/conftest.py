"""Shared fixtures and helpers for the borderlab test suite.

Simulations are cached per (scenario, overrides, seed) for the whole session: numba
compiles each kernel once per process and a toy run then takes milliseconds, so most
tests share a handful of built-and-run sims. Tests must not mutate a cached sim.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

from borderlab.engine.graph import TYPE_CODE
from borderlab.engine.sim import Sim
from borderlab.engine.status import TERMINAL, Status
from borderlab.scenario.loader import load_scenario
from borderlab.scenario.registry import SCENARIO_ROOT
from borderlab.simulation import build_sim

TOY = "toy-border"
TOY_PATH = SCENARIO_ROOT / TOY / "scenario.yaml"
BELARUS = "belarus-eu-2021"
BELARUS_PATH = SCENARIO_ROOT / BELARUS / "scenario.yaml"

# A stochastic variant of toy-border: random arrivals and dwell times, imperfect detection,
# saturated response, coercion, detention turnover, inland detection, voluntary returns,
# noisy temperatures cold enough to hospitalise people, five weeks long.
STOCHASTIC = [
    "end=2021-10-05",
    "supply.arrivals=poisson",
    "supply.vulnerable_share=0.3",
    "supply.routes.hub-capital.weekly_seats=280",
    "transit.capital_dwell_days=2.5",
    "transit.staging_dwell_days=1.5",
    "orchestrator.coercion=0.6",
    "orchestrator.retry_days=2",
    "orchestrator.tactics.0.group_size.min=3",
    "orchestrator.tactics.0.group_size.max=9",
    "orchestrator.tactics.0.intensity=0.7",
    "defenders.AA.detection_k=0.08",
    "defenders.AA.response_per_guard=0.05",
    "defenders.AA.stop_per_guard=0.5",
    "defenders.AA.fatigue.build_rate=0.2",
    "defenders.AA.fatigue.sustainable_load=0.5",
    "defenders.AA.pushback_share=0.6",
    "defenders.AA.reception_capacity=40",
    "defenders.AA.detention_days=5",
    "defenders.AA.abscond_share=0.4",
    "defenders.AA.inland_detection=0.15",
    "onward.interior_days=2",
    "humanitarian.temperature.seasonal.mean_c=2",
    "humanitarian.temperature.seasonal.noise_sd_c=3",
    "humanitarian.exposure.cold_loss_at_0c=0.12",
    "humanitarian.exposure.hunger_per_day=0.05",
    "humanitarian.exposure.aid_restore=0.01",
    "humanitarian.exposure.find_prob=0.8",
    "returns.voluntary.base_rate=0.01",
    "returns.voluntary.per_day=0.002",
    "returns.voluntary.max_rate=0.05",
    "returns.voluntary.zone_factor=0.5",
]


def need_belarus() -> Path:
    """The belarus-eu-2021 scenario file, or skip the calling test if it is not there yet."""
    if not BELARUS_PATH.exists():
        pytest.skip("belarus-eu-2021 scenario not written yet")
    return BELARUS_PATH


def build(scenario=TOY, overrides=(), seed=None) -> tuple[Sim, np.ndarray]:
    """A built (not run) sim and its status counts before day 0."""
    sim = build_sim(load_scenario(scenario, list(overrides)), seed=seed)
    return sim, sim.pop.counts().copy()


_CACHE: dict = {}


def run_cached(scenario=TOY, overrides=(), seed=None) -> tuple[Sim, np.ndarray]:
    """A fully run sim (shared across the session; do not mutate) and its day-0 counts."""
    key = (str(scenario), tuple(overrides), seed)
    if key not in _CACHE:
        sim, initial = build(scenario, overrides, seed)
        sim.run()
        _CACHE[key] = (sim, initial)
    return _CACHE[key]


def series(sim: Sim, metric: str, scope: str = "all") -> np.ndarray:
    return sim.results.series(metric, scope)


def day_of(sim: Sim, date: str) -> int:
    return sim.calendar.day(dt.date.fromisoformat(date))


def assert_conserved(sim: Sim, initial: np.ndarray) -> None:
    """Every day, stocks move exactly by the recorded flows and creations; nobody is lost."""
    n_days = sim.day
    assert n_days > 0
    prev = initial
    people = int(initial.sum())
    n_people = sim.results.series("n_people", "all")
    for d in range(n_days):
        flows = sim.flow_log[d]
        created = sim.created_log[d]
        counts = sim.status_counts[d]
        expected = prev + created + flows.sum(axis=0) - flows.sum(axis=1)
        assert np.array_equal(counts, expected), f"day {d}: {counts} != {expected}"
        assert (counts >= 0).all(), f"day {d}: negative stock {counts}"
        assert (flows >= 0).all() and (created >= 0).all(), f"day {d}: negative flow"
        people += int(created.sum())
        assert counts.sum() == people, f"day {d}: {counts.sum()} people in statuses, {people} exist"
        assert n_people[d] == people
        prev = counts
    # terminal statuses are absorbing: no one ever leaves them
    for st in TERMINAL:
        out = sim.flow_log[:n_days, int(st), :].copy()
        out[:, int(st)] = 0
        assert out.sum() == 0, f"people left absorbing status {st.name}"


# where each status lives: the node type a person with that status must be at
PLACE = {Status.CAPITAL: "capital", Status.STAGING: "staging", Status.ZONE: "border_zone",
         Status.INTERIOR: "interior", Status.DETAINED: "interior", Status.RECEPTION: "interior",
         Status.ONWARD: "destination", Status.RETURNED: "origin"}


def assert_people_where_their_status_says(sim) -> None:
    pop = sim.pop
    node_type = sim.graph.type_code[pop.node]
    for status, place in PLACE.items():
        bad = (pop.status == status) & (node_type != TYPE_CODE[place])
        assert not bad.any(), f"day {sim.day}: {bad.sum()} {status.name} people not at a {place} node"
    # in the zone you face the zone's country; across the line you belong to a country
    zone = pop.status == Status.ZONE
    faces = {sim.graph.index[n.id]: sim.index.defender[n.faces] for n in sim.scenario.nodes if n.faces}
    expected = np.array([faces.get(int(k), -9) for k in pop.node[zone]], dtype=np.int64)
    assert np.array_equal(pop.country[zone].astype(np.int64), expected)
    for status in (Status.INTERIOR, Status.DETAINED, Status.RECEPTION):
        assert (pop.country[pop.status == status] >= 0).all(), status.name
    for status in (Status.CAPITAL, Status.STAGING):
        assert (pop.country[pop.status == status] == -1).all(), status.name


def check_every_day(sim) -> None:
    """Run the placement check at the end of every day (wraps the last phase)."""
    name, step = sim.loop[-1]

    def checked(day, step=step):
        step(day)
        assert_people_where_their_status_says(sim)
    sim.loop[-1] = (name, checked)


def load_yaml_data(path: Path = TOY_PATH) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def pytest_terminal_summary(terminalreporter):
    """Print the fuzz corpus tallies (cases, clean errors, accepted, tracebacks, hangs) after a run
    that included tests/fuzz. Lives here, not in tests/fuzz/conftest.py, because a second
    `conftest` module would shadow this one for the tests that import helpers from it."""
    import sys

    harness = sys.modules.get("fuzz_harness")
    if harness is None or not harness.TALLY:
        return
    terminalreporter.section("borderlab fuzz corpus")
    for key in sorted(harness.TALLY, key=lambda k: (":" in k, k)):
        terminalreporter.write_line(f"{key}: {harness.TALLY[key]}")
