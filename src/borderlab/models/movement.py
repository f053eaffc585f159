"""Movement along the graph: people travel hop by hop to their destination node.

Travelling people have status TRANSIT, `node` = the end of the current hop, `ti_next` = the
day they reach it. On reaching `dest` their status becomes the one of the node's type
(capital → CAPITAL, border_zone → ZONE, destination → ONWARD, …).
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.graph import TYPE_CODE
from ..engine.kernels import advance_travellers, find_status_due
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import Status
from .day_lists import TRAVELLING, make_at_day_start, morning_people

ARRIVAL_STATUS = {
    "origin": Status.RETURNED, "air_hub": Status.TRANSIT, "capital": Status.CAPITAL,
    "staging": Status.STAGING, "border_zone": Status.ZONE, "interior": Status.INTERIOR,
    "destination": Status.ONWARD,
}


_TRANSIT, _CAPITAL, _ONWARD, _INTERIOR = (np.int8(s) for s in (Status.TRANSIT, Status.CAPITAL, Status.ONWARD,
                                                               Status.INTERIOR))


class Movement(Module):
    name = "movement"

    def init(self, sim):
        super().init(sim)
        g = sim.graph
        table = np.zeros(len(TYPE_CODE), dtype=np.int8)
        for t, code in TYPE_CODE.items():
            table[code] = ARRIVAL_STATUS[t]
        self.arrive_status = table[g.type_code].astype(np.int8)  # per node
        self.capital_mask = g.type_code == TYPE_CODE["capital"]
        countries = [c.code for c in sim.scenario.countries if c.role == "defender"]
        self.countries = countries
        self.orchestrator_code = next((c.code for c in sim.scenario.countries if c.role == "orchestrator"), "BY")
        sim.results.define("new_arrivals_capital", [self.orchestrator_code], "flow",
                           "People arriving in the orchestrator's capital (flights).")
        sim.results.define("new_onward", countries, "flow",
                           "People reaching the destination country, by the defending country they crossed.")
        self.landed = sim.results.metrics["new_arrivals_capital"].data[0]
        self.onward = sim.results.metrics["new_onward"].data[: len(countries)]
        self.no_by_air = np.zeros(0, dtype=bool)
        make_at_day_start(sim.pop)  # made while the day's live list is compacted

    def phases(self):
        return [("movement.advance", self.advance)]

    def depart(self, uids: np.ndarray, dest, day: int, why: str = "") -> None:
        """Send people from their current node towards `dest` (scalar or per person)."""
        if uids.size == 0:
            return
        pop, g = self.sim.pop, self.sim.graph
        uids = np.ascontiguousarray(uids, dtype=np.int64)
        dest = (np.full(uids.size, dest, dtype=np.int32) if np.ndim(dest) == 0
                else np.ascontiguousarray(dest, dtype=np.int32))
        # one compiled pass: route check, status change with its flow, next hop, arrival day
        bad = kernels.depart_people(uids, dest, pop.status, pop.node, pop.dest, pop.ti_next, g.next_hop,
                                    g.travel_days, int(day), int(Status.TRANSIT), pop.flows)
        if bad >= 0:
            raise RuntimeError(f"person {uids[bad]}: no route from node {g.ids[pop.node[uids[bad]]]} "
                               f"to {g.ids[dest[bad]]}")
        if pop.traced:
            pop._trace(uids, "transit" + (f" ({why})" if why else ""))

    def advance(self, day: int) -> None:
        """Everyone whose hop ends today moves on (`kernels.advance_travellers`); those who
        reach their destination take the status of its node type. Today's arrivals (uids
        and new statuses, in uid order) go to `sim.today["arrived"]`. One compiled call."""
        pop, g = self.sim.pop, self.sim.graph
        by_air = pop.by_air if "by_air" in pop.columns else self.no_by_air
        ids, new_status, inland = advance_day(
            pop.status, pop.node, pop.dest, pop.ti_next, pop.country, by_air, pop.flows, np.int32(day), g.next_hop,
            g.travel_days, self.arrive_status, _TRANSIT, _CAPITAL, _ONWARD, _INTERIOR, len(self.countries),
            morning_people(pop, TRAVELLING), self.landed, self.onward)
        self.sim.today["arrived"] = (ids, new_status)
        # arrived inland: onward.inland walks them today (models/day_lists.py)
        pop.joined(inland, Status.INTERIOR, ascending=True)
        if pop.traced:
            for st in np.unique(new_status):
                pop._trace(ids[new_status == st], f"arrived: {Status(st).name.lower()}")


@cached_njit()
def advance_day(status, node, dest, ti_next, country, by_air, flows, day, next_hop, travel_days, arrive_status,
                transit_code, capital_code, onward_code, interior_code, n_countries, live, landed_series,
                onward_series):
    """`Movement.advance`; returns (arrived uids, their new status, those of them now
    inland, all in uid order) and writes today's people landed in the capital by air
    (`landed_series[day]`) and onward arrivals per country crossed (`onward_series[:, day]`)."""
    moving = find_status_due(status, transit_code, ti_next, day, live)
    done = advance_travellers(moving, node, dest, ti_next, status, day, next_hop, travel_days, arrive_status)
    ids = moving[done]
    new_status = np.empty(ids.shape[0], dtype=np.int8)
    inland = np.empty(ids.shape[0], dtype=np.int64)
    n_inland = 0
    landed = 0
    onward = np.zeros(n_countries, dtype=np.float64)
    for j in range(ids.shape[0]):
        i = ids[j]
        st = status[i]
        new_status[j] = st
        if st == interior_code:
            inland[n_inland] = i
            n_inland += 1
        if st != transit_code:
            flows[transit_code, st] += 1
        if st == capital_code and by_air.shape[0] > 0 and by_air[i]:
            by_air[i] = False  # people sent back from a closed shelter do not count
            landed += 1
        elif st == onward_code and 0 <= country[i] < n_countries:
            onward[country[i]] += 1
    landed_series[day] = landed
    for c in range(n_countries):
        onward_series[c, day] = onward[c]
    return ids, new_status, inland[:n_inland]
