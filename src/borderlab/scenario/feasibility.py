"""Can `run` do this scenario? Estimates of people, memory and journey lengths, so that
`check` refuses what would only fail (MemoryError, an endless journey) after minutes of work.

Each estimate is what the engine will allocate, from the validated scenario alone:
people = initial population + expected arrivals (weekly seats / 7 × migrant share × visa
factor, summed over the period); memory = the nodes × nodes route table + the person arrays
with room to double. The limits are in scenario/limits.py.
"""

from __future__ import annotations

import datetime as dt
import math

from .limits import limit, over_limit
from .schema import Scenario

ROUTE_TABLE_BYTES_PER_CELL = 32   # km (8), travel days (4), next hop (4), distances (8), masks
BYTES_PER_PERSON = 3 * 48         # ~45 bytes of columns, ×2 for growth room, ×1.5 while copying


def schedule_total(schedule, start: dt.date, end: dt.date) -> float:
    """Sum over the days start..end (inclusive) of a step schedule (`value` before the first point)."""
    points = sorted((p.date, p.value) for p in schedule.points)
    total, day, value = 0.0, start, schedule.value
    for date, new in points:
        if date > end:
            break
        if date > day:
            total += value * (date - day).days
            day = date
        value = new
    return total + value * ((end - day).days + 1)


def expected_people(sc: Scenario) -> float:
    """Initial population plus the expected arrivals over the whole period."""
    people = float(sum(g.count for g in sc.initial_population))
    visa = _daily_mean(sc.supply.visa_factor, sc.start, sc.end)
    for r in sc.supply.routes:
        share = float(r.migrant_share if r.migrant_share is not None else sc.supply.migrant_share)
        people += schedule_total(r.weekly_seats, sc.start, sc.end) / 7.0 * share * max(visa, 0.0)
    return people


def _daily_mean(schedule, start: dt.date, end: dt.date) -> float:
    return schedule_total(schedule, start, end) / ((end - start).days + 1)


def estimated_memory_bytes(sc: Scenario) -> float:
    return ROUTE_TABLE_BYTES_PER_CELL * len(sc.nodes) ** 2 + BYTES_PER_PERSON * expected_people(sc)


def check_feasibility(sc: Scenario) -> list[tuple[tuple, str, str]]:
    """(field path, message, hint) for each thing `run` could not do within the limits."""
    out = []
    if len(sc.nodes) > limit("max_nodes"):
        out.append((("nodes",), over_limit("max_nodes", "the number of nodes", len(sc.nodes)),
                    "merge places that people move through the same way"))
    people = expected_people(sc)
    if people > limit("max_people"):
        out.append((("supply", "routes") if sc.supply.routes else ("initial_population",),
                    over_limit("max_people", "the expected number of people (initial population + arrivals)", people),
                    "lower weekly_seats or migrant_share, shorten the period, or raise the limit"))
    gb = estimated_memory_bytes(sc) / 1e9
    if gb > limit("max_memory_gb") and not out:
        out.append(((), over_limit("max_memory_gb", f"the estimated memory of a run ({len(sc.nodes):,} nodes, "
                                   f"{people:,.0f} people)", round(gb, 1)),
                    "fewer nodes or people; raise the limit only on a machine with that much memory"))
    max_days = limit("max_days")
    for mode, speed in sc.transit.speeds_km_per_day.items():
        if speed <= 0:
            out.append((("transit", "speeds_km_per_day", mode), f"speed {speed:g} km/day must be above 0",
                        "people travel at a positive speed: e.g. walk 25, bus 400"))
    for i, e in enumerate(sc.edges):
        speed = sc.transit.speeds_km_per_day.get(e.mode, 0.0)
        if speed > 0 and math.ceil(float(e.km) / speed) > max_days:
            out.append((("edges", i, "km"), over_limit("max_days", f"a {float(e.km):g} km journey by {e.mode} at {speed:g} km/day",
                                                       math.ceil(float(e.km) / speed)),
                        f"raise transit.speeds_km_per_day.{e.mode} or shorten the edge"))
    return out
