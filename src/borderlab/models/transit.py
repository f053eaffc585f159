"""Transit (orchestrator logistics): dwell in the capital, buses to staging, into the zone.

Arrivals in the capital wait a geometric number of days (hotel packages), then the
orchestrator moves up to `transport_capacity` people a day to the staging area serving the
border zone it picked for them (by the tactic's country weights); after a staging dwell
they are led into that zone. Sheltered people are not released while their shelter is open.
"""

from __future__ import annotations

import numpy as np

from ..engine.module import Module
from ..engine.population import Column
from ..engine.status import Status


class Transit(Module):
    name = "transit"
    columns = (Column("target", "int32", -1),)  # the border-zone node the orchestrator assigned

    def init(self, sim):
        super().init(sim)
        sc, cal, g = sim.scenario, sim.calendar, sim.graph
        tr = sc.transit
        self.capital_dwell = float(tr.capital_dwell_days)
        self.staging_dwell = float(tr.staging_dwell_days)
        cap = tr.transport_capacity
        self.capacity = cal.step([(p.date, p.value) for p in cap.points], before=cap.value)
        self.zones = g.of_type("border_zone")
        self.staging_nodes = g.of_type("staging")
        defenders = [c.code for c in sc.countries if c.role == "defender"]
        nodes = {n.id: n for n in sc.nodes}
        self.zone_country = np.array([defenders.index(nodes[g.ids[z]].faces) for z in self.zones], dtype=np.int8)
        self.zone_weight = np.array([float(nodes[g.ids[z]].weight) for z in self.zones])
        capital = g.of_type("capital")
        self.capital = int(capital[0]) if capital.size else -1
        # staging serving each zone: the staging neighbour of the zone quickest from the capital
        self.staging_of = np.full(g.n, -1, dtype=np.int32)
        for z in self.zones:
            best, best_days = -1, None
            for s in self.staging_nodes:
                if g.travel_days[s, z] < (1 << 20):
                    d = g.days_between(self.capital, s) if self.capital >= 0 else 0
                    if best_days is None or d < best_days:
                        best, best_days = int(s), d
            self.staging_of[z] = best
        self.shelter_nodes = {sim.index.node[s.node] for s in sc.humanitarian.shelters}
        self.is_shelter = np.zeros(g.n, dtype=bool)
        self.is_shelter[list(self.shelter_nodes)] = True
        sim.results.define("new_dispatched", ["capital", "staging"], "flow",
                           "People the orchestrator moves on today: capital → staging, staging → zone.", total=False)

    def phases(self):
        return [("transit.arrivals", self.on_arrivals), ("transit.dispatch", self.dispatch)]

    def on_arrivals(self, day: int) -> None:
        """Schedule the next move of people who reached the capital, staging or the zone today."""
        arrived = self.sim.today.get("arrived", {})
        pop = self.sim.pop
        cap = arrived.get(int(Status.CAPITAL))
        if cap is not None and cap.size:
            pop.ti_next[cap] = day + self.geometric_days("transit.capital_dwell", day, cap, self.capital_dwell)
        stg = arrived.get(int(Status.STAGING))
        if stg is not None and stg.size:
            pop.ti_next[stg] = day + self.geometric_days("transit.staging_dwell", day, stg, self.staging_dwell)
        zone = arrived.get(int(Status.ZONE))
        if zone is not None and zone.size:
            pop.ti_next[zone] = day + 1
            zi = np.searchsorted(self.zones, pop.node[zone])
            pop.country[zone] = self.zone_country[zi]

    def choose_zones(self, day: int, uids: np.ndarray, stream: str) -> np.ndarray:
        """Pick a border zone per person from the orchestrator's weights today."""
        orch = self.sim.module("orchestrator")
        w = orch.zone_weights(day, self.zones, self.zone_country, self.zone_weight)
        if w.sum() <= 0:
            return np.full(uids.size, -1, dtype=np.int32)
        cdf = np.cumsum(w / w.sum())
        u = self.sim.streams[stream].uniform(day, uids)
        pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
        return self.zones[pick].astype(np.int32)

    def dispatch(self, day: int) -> None:
        sim, pop = self.sim, self.sim.pop
        movement = sim.module("movement")
        # capital → staging, limited by the buses available today (first come, first served)
        ready = pop.due(Status.CAPITAL, day)
        n_cap = 0
        if ready.size and self.capacity[day] > 0:
            k = int(np.floor(self.capacity[day]))
            frac = self.capacity[day] - k
            if frac > 0 and sim.streams["transit.capacity"].uniform(day, np.zeros(1, np.int64))[0] < frac:
                k += 1
            ready = ready[:k]
            zones = self.choose_zones(day, ready, "transit.zone_choice")
            go = zones >= 0
            ready, zones = ready[go], zones[go]
            pop.target[ready] = zones
            dest = np.where(self.staging_of[zones] >= 0, self.staging_of[zones], zones)
            movement.depart(ready, dest, day, why="bussed towards the border")
            n_cap = ready.size
        # staging → zone (not out of an open shelter)
        ready = pop.due(Status.STAGING, day)
        if ready.size and self.shelter_nodes:
            ready = ready[~self.is_shelter[pop.node[ready]]]
        n_stg = 0
        if ready.size:
            # keep the zone assigned in the capital; re-plan for those sent back from the zone
            zones = pop.target[ready].copy()
            fresh = zones < 0
            if fresh.any():
                zones[fresh] = self.choose_zones(day, ready[fresh], "transit.zone_rechoice")
            go = zones >= 0
            ready, zones = ready[go], zones[go]
            pop.target[ready] = zones
            movement.depart(ready, zones, day, why="led into the border zone")
            n_stg = ready.size
        sim.results.rec("new_dispatched", day, [n_cap, n_stg])
