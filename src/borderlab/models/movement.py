"""Movement along the graph: people travel hop by hop to their destination node.

Travelling people have status TRANSIT, `node` = the end of the current hop, `ti_next` = the
day they reach it. On reaching `dest` their status becomes the one of the node's type
(capital → CAPITAL, border_zone → ZONE, destination → ONWARD, …).
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.graph import TYPE_CODE
from ..engine.module import Module
from ..engine.status import N_STATUS, Status

ARRIVAL_STATUS = {
    "origin": Status.RETURNED, "air_hub": Status.TRANSIT, "capital": Status.CAPITAL,
    "staging": Status.STAGING, "border_zone": Status.ZONE, "interior": Status.INTERIOR,
    "destination": Status.ONWARD,
}


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
        pop, g = self.sim.pop, self.sim.graph
        status = pop.status
        moving = pop.due(Status.TRANSIT, day)
        arrived = {}
        if moving.size:
            done = kernels.advance_travellers(moving, pop.node, pop.dest, pop.ti_next, status,
                                              day, g.next_hop, g.travel_days, self.arrive_status)
            ids = moving[done]
            new_status = status[ids]
            pop.flows[Status.TRANSIT, :] += np.bincount(new_status, minlength=N_STATUS)
            pop.flows[Status.TRANSIT, Status.TRANSIT] -= np.count_nonzero(new_status == Status.TRANSIT)
            for st in np.unique(new_status):
                arrived[int(st)] = ids[new_status == st]
            if pop.traced:
                for st, who in arrived.items():
                    pop._trace(who, f"arrived: {Status(st).name.lower()}")
        self.sim.today["arrived"] = arrived
        res = self.sim.results
        cap = arrived.get(int(Status.CAPITAL), np.empty(0, np.int64))
        if cap.size and "by_air" in pop.columns:
            landed = cap[pop.by_air[cap]]  # people sent back from a closed shelter do not count
            pop.by_air[landed] = False
            res.rec("new_arrivals_capital", day, landed.size)
        else:
            res.rec("new_arrivals_capital", day, 0)
        onward = arrived.get(int(Status.ONWARD), np.empty(0, np.int64))
        if onward.size:
            c = pop.country[onward]
            c = c[c >= 0]
            res.rec("new_onward", day, np.bincount(c, minlength=len(self.countries))[: len(self.countries)])
