"""A synthetic scenario of any size, for benchmarks and scaling tests.

`synthetic_scenario(people, nodes, days)` builds a valid scenario dict: a capital, air hubs,
staging areas, border zones (two segments each) and interiors spread over four defending
countries, with most people starting in the zones so that every mechanism is busy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from .scenario.loader import LoadedScenario
from .scenario.references import check_references
from .scenario.schema import Scenario

DEFENDERS = ["DA", "DB", "DC", "DD"]


def synthetic_scenario(people: int = 1_000_000, nodes: int = 500, days: int = 100) -> dict:
    fixed = 3 + 10  # home, capital, destination and 10 air hubs
    free = max(nodes - fixed, 12)
    n_staging = max(len(DEFENDERS), free // 10)
    n_zone = max(len(DEFENDERS), (free - n_staging) // 2)
    n_interior = max(len(DEFENDERS), free - n_staging - n_zone)
    start = dt.date(2021, 9, 1)
    end = start + dt.timedelta(days=days - 1)
    countries = [{"code": "OR", "name": "Orchestria", "role": "orchestrator"},
                 {"code": "DE", "name": "Destinia", "role": "destination"},
                 {"code": "HO", "name": "Homeland", "role": "origin"}]
    countries += [{"code": c, "name": f"Defender {c}", "role": "defender"} for c in DEFENDERS]
    nodes_ = [{"id": "home", "type": "origin", "country": "HO"},
              {"id": "capital", "type": "capital", "country": "OR"},
              {"id": "dest", "type": "destination", "country": "DE"}]
    edges = [{"from": "capital", "to": "home", "km": 3000, "mode": "flight"}]
    routes = []
    for h in range(10):
        nodes_.append({"id": f"hub{h}", "type": "air_hub", "country": "HO"})
        edges.append({"from": f"hub{h}", "to": "capital", "km": 2500, "mode": "flight"})
        routes.append({"id": f"route{h}", "hub": f"hub{h}", "to": "capital", "weekly_seats": 700,
                       "nationality_mix": {"A": 0.6, "B": 0.3, "C": 0.1}})
    segments = []
    for i in range(n_staging):
        c = DEFENDERS[i % len(DEFENDERS)]
        nodes_.append({"id": f"staging{i}", "type": "staging", "country": "OR"})
        edges.append({"from": "capital", "to": f"staging{i}", "km": 250 + 5 * i, "mode": "bus"})
    for i in range(n_interior):
        c = DEFENDERS[i % len(DEFENDERS)]
        nodes_.append({"id": f"inland{i}", "type": "interior", "country": c})
        edges.append({"from": f"inland{i}", "to": "dest", "km": 600 + 3 * i, "mode": "car"})
    for i in range(n_zone):
        c = DEFENDERS[i % len(DEFENDERS)]
        stg = f"staging{i % n_staging}"
        nodes_.append({"id": f"zone{i}", "type": "border_zone", "country": "OR", "faces": c})
        edges.append({"from": stg, "to": f"zone{i}", "km": 20, "mode": "walk"})
        inland = [k for k in range(n_interior) if DEFENDERS[k % len(DEFENDERS)] == c]
        for j in range(2):
            segments.append({"id": f"seg{i}-{j}", "country": c, "zone": f"zone{i}",
                             "interior": f"inland{inland[(i + j) % len(inland)]}",
                             "length_km": 5 + (i * 7 + j * 3) % 20,
                             "terrain": ["forest", "open", "marsh", "river"][(i + j) % 4],
                             "barrier": [{"date": str(start), "type": "none"},
                                         {"date": str(start + dt.timedelta(days=days // 2)), "type": "wire"}]})
    # fix staging edges so each zone's staging connects: staging i serves zones i, i+n_staging, …
    per_zone = people * 6 // 10 // n_zone
    initial = [{"node": f"zone{i}", "count": per_zone} for i in range(n_zone)]
    rest = people - per_zone * n_zone
    initial.append({"node": "capital", "count": rest // 2})
    initial.append({"node": "staging0", "count": rest - rest // 2})
    defenders = [{
        "country": c, "border_guards": 3000, "troops": [{"date": str(start + dt.timedelta(days=days // 3)), "value": 6000}],
        "troop_effectiveness": 0.5, "duty_fraction": 0.3,
        "allocation": {"rule": "pressure", "pressure_weight": 0.5, "memory_days": 7},
        "detection_k": 5.0, "response_per_guard": 0.5, "stop_per_guard": 2.0,
        "fatigue": {"sustainable_load": 0.8, "build_rate": 0.05, "recovery_rate": 0.05, "max_effect": 0.5},
        "pushback_share": 0.97, "reception_capacity": 20_000, "detention_days": 20,
        "abscond_share": 0.5, "inland_detection": 0.1,
    } for c in DEFENDERS]
    return {
        "name": "synthetic", "description": f"Synthetic benchmark: {people} people, {len(nodes_)} nodes, {days} days.",
        "start": str(start), "end": str(end), "seed": 1,
        "countries": countries, "nodes": nodes_, "edges": edges, "segments": segments,
        "supply": {"migrant_share": 1.0, "vulnerable_share": 0.3, "routes": routes},
        "transit": {"capital_dwell_days": 4, "staging_dwell_days": 2, "transport_capacity": 20_000},
        "orchestrator": {"coercion": 0.98, "retry_days": 3, "learning_rate": 3.0, "memory_days": 10,
                         "tactics": [{"start": str(start), "tactic": "siege", "countries": {c: 1 for c in DEFENDERS},
                                      "intensity": 0.05},
                                     {"start": str(start + dt.timedelta(days=days // 2)), "tactic": "adaptive",
                                      "countries": {c: 1 for c in DEFENDERS}, "intensity": 0.05}]},
        "defenders": defenders,
        "humanitarian": {
            "temperature": {"seasonal": {"mean_c": 4, "amplitude_c": 10, "noise_sd_c": 2}},
            "exposure": {"base_loss": 0.005, "cold_loss_at_0c": 0.02, "hunger_per_day": 0.02, "vulnerable_mult": 1.8,
                         "aid_restore": 0.02, "hospital_threshold": 0.25, "find_prob": 0.3, "hospital_days": 5},
        },
        "returns": {"home": "home", "voluntary": {"base_rate": 0.001, "per_day": 0.0002, "max_rate": 0.02, "zone_factor": 0.3}},
        "onward": {"destination": "dest", "interior_days": 3},
        "initial_population": initial,
    }


def load_synthetic(people: int = 1_000_000, nodes: int = 500, days: int = 100) -> LoadedScenario:
    """The synthetic scenario validated like any YAML file."""
    data = synthetic_scenario(people, nodes, days)
    sc = Scenario.model_validate(data)
    problems = check_references(sc)
    if problems:  # a bug in the generator, not user input
        raise AssertionError(f"synthetic scenario invalid: {problems[:3]}")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return LoadedScenario(sc, Path("synthetic.yaml").resolve(), digest)
