"""The case of Flee's synthetic benchmark (flee_benchmark_tests/test_par.py), built in memory.

Flee's benchmark runs its small test network (test_data/test_input_csv of the Flee
repository, BSD 3-Clause, © Derek Groen and Brunel University London): conflict zone A
(population 100,000), a second conflict zone B whose conflict begins on day 10 (a town
before), towns C and C2, camps D, E, F (capacities 30,000, 20,000, 10,000) and nine
links. It puts `initialagents` agents into the conflict zones on day 0, adds
`newagentsperstep` more every day (day 0 included), and times the main loop, with Flee's
default settings.

This builds the same case: the UNHCR "total" rises to initial + new on day 0 and by
`new_per_day` each day after, with insert_day0 off, so the data-driven spawning puts
exactly those agents into the conflict zones (weighted by population, as Flee's
`add_agents_to_conflict_zones`); the camps' series are zero. `run_flee_synthetic` times
it like any other case.
"""

from __future__ import annotations

import datetime as dt

from .scenario_file import LoadedFlee
from .schema import FleeScenario, Location, Route, Series, SeriesSource, Validation
from .settings import FleeSettings, SpawnRules

# name, country, type, conflict_date, population or capacity
LOCATIONS = [("A", "ABC", "conflict_zone", 0, 100_000), ("B", "ABC", "conflict_zone", 10, 500_000),
             ("C", "ABC", "town", None, None), ("C2", "ABC", "town", None, None),
             ("D", "DEF", "camp", None, 30_000), ("E", "DEF", "camp", None, 20_000), ("F", "DEF", "camp", None, 10_000)]
# test_data/test_input_csv/routes.csv, km
ROUTES = [("A", "B", 100.0), ("A", "C", 200.0), ("B", "C2", 75.0), ("C", "D", 150.0), ("C", "E", 180.0),
          ("C2", "C", 140.0), ("C2", "F", 250.0), ("D", "E", 40.0), ("E", "F", 310.0)]
START = dt.date(2010, 1, 1)  # test_par's date origin


def synthetic_flee_case(initial_agents: int = 500_000, new_per_day: int = 10_000, days: int = 10,
                        seed: int = 0) -> LoadedFlee:
    """A `LoadedFlee` for Flee's synthetic benchmark case (the seed is only recorded)."""
    locations = [Location(name=n, country=c, latitude=1.0, longitude=1.0, type=t, conflict_date=d, population=p)
                 for n, c, t, d, p in LOCATIONS]
    total = [(START + dt.timedelta(days=t), int(initial_agents) + int(new_per_day) * (t + 1)) for t in range(days)]
    zero = [SeriesSource(points=[(START, 0)])]
    sc = FleeScenario(
        name="flee-synthetic",
        description=f"Flee's synthetic benchmark: {initial_agents} initial agents, +{new_per_day}/day, {days} days",
        start_date=START, days=days, settings=FleeSettings(spawn_rules=SpawnRules(insert_day0=False)),
        locations=locations, routes=[Route(name1=a, name2=b, distance=d) for a, b, d in ROUTES],
        conflicts=None,  # conflicts begin on each zone's conflict_date
        validation=Validation(series=[Series(name="total", sources=[SeriesSource(points=total)])]
                              + [Series(name=n, sources=zero) for n in ("D", "E", "F")]),
        provenance={"synthetic": "Flee flee_benchmark_tests/test_par.py on test_data/test_input_csv", "seed": str(seed)},
    )
    return LoadedFlee(sc, "synthetic", "synthetic", lambda path: "synthetic case", None)
