"""Wiring: a validated scenario → a ready-to-run `Sim` with the standard modules.

This is the only place that knows both the scenario schema and the engine.
"""

from __future__ import annotations

import numpy as np

from .engine.calendar import Calendar
from .engine.graph import Graph
from .engine.sim import Index, Sim
from .engine.status import Status
from .errors import Problem, ScenarioError
from .models.border import Border
from .models.defenders import Defenders
from .models.health import Health
from .models.movement import ARRIVAL_STATUS, Movement
from .models.onward import Onward
from .models.orchestrator import Orchestrator
from .models.reception import Reception
from .models.returns import Returns
from .models.stocks import Stocks
from .models.supply import Supply, make_room_for_boarders
from .models.transit import Transit
from .scenario.geography import DEFAULT_EXPOSURE
from .scenario.loader import LoadedScenario


def standard_modules():
    """The mechanisms of MODEL.md §2–8, in the order their phases are declared."""
    return [Supply(), Movement(), Transit(), Orchestrator(), Defenders(), Border(),
            Reception(), Onward(), Health(), Returns(), Stocks()]


def build_graph(sc) -> Graph:
    ids = [n.id for n in sc.nodes]
    index = {n: i for i, n in enumerate(ids)}
    exposure = np.array([float(n.exposure) if n.exposure is not None else DEFAULT_EXPOSURE[n.type] for n in sc.nodes])
    edges = []
    for e in sc.edges:
        edges.append((index[e.from_], index[e.to], float(e.km), e.mode))
        if e.both_ways:
            edges.append((index[e.to], index[e.from_], float(e.km), e.mode))
    return Graph(ids, [n.type for n in sc.nodes], exposure, edges, sc.transit.speeds_km_per_day)


def build_sim(loaded: LoadedScenario, seed: int | None = None, check: bool = True,
              capacity: int | None = None) -> Sim:
    """A Sim for `loaded`, seeded with `seed` (default: the scenario's), events applied."""
    sc = loaded.scenario
    if seed is not None and not 0 <= int(seed) < 2**63:
        raise ScenarioError([Problem("seed", f"seed {seed} is out of range", "use a whole number from 0 to 2**63-1")])
    graph = build_graph(sc)
    index = Index(
        node=dict(graph.index),
        segment={s.id: i for i, s in enumerate(sc.segments)},
        route={r.id: i for i, r in enumerate(sc.supply.routes)},
        defender={c.code: i for i, c in enumerate([c for c in sc.countries if c.role == "defender"])},
    )
    calendar = Calendar(sc.start, sc.end)
    initial = sum(g.count for g in sc.initial_population)
    sim = Sim(sc, calendar, graph, index, standard_modules(),
              seed=sc.seed if seed is None else seed, check=check,
              capacity=capacity or max(4096, int(initial * 1.1)), folder=loaded.folder)
    sim.apply_events(sc.events)
    make_room_for_boarders(sim)
    _place_initial_population(sim)
    return sim


def _place_initial_population(sim: Sim) -> None:
    sc = sim.scenario
    nodes = {n.id: n for n in sc.nodes}
    defenders = list(sim.index.defender)
    default_vuln = float(sc.supply.vulnerable_share)
    for k, g in enumerate(sc.initial_population):
        if g.count == 0:
            continue
        node = nodes[g.node]
        status = ARRIVAL_STATUS[node.type]
        if node.type == "border_zone":
            country = defenders.index(node.faces)
        elif node.type == "interior" and node.country in defenders:
            country = defenders.index(node.country)
        else:
            country = -1
        nat = sim.index.nationality.setdefault(g.nationality, len(sim.index.nationality))
        uids = sim.add_people(g.count, 0, status=int(status), node=sim.index.node[g.node],
                              dest=sim.index.node[g.node], ti_next=0, country=country,
                              nationality=nat, health=float(g.health))
        share = default_vuln if g.vulnerable_share is None else float(g.vulnerable_share)
        u = sim.streams[f"initial.vulnerable.{k}"].uniform(0, uids)
        sim.pop.vulnerable[uids] = u < share
        if status == Status.INTERIOR:
            onward = sim.module("onward")
            sim.pop.ti_next[uids] = onward.geometric_days("initial.interior_days", 0, uids, onward.interior_days)
    sim.pop.created_today[:] = 0
