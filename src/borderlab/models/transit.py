"""Transit (orchestrator logistics): dwell in the capital, buses to staging, into the zone.

Arrivals in the capital wait a geometric number of days (hotel packages), then the
orchestrator moves up to `transport_capacity` people a day to the staging area serving the
border zone it picked for them (by the tactic's country weights); after a staging dwell
they are led into that zone. Sheltered people are not released while their shelter is open.
"""

from __future__ import annotations

import numpy as np

from ..engine.kernels import (cumulative_shares, depart_people, geometric_wait_given, hashed_uniform_one,
                              wait_denominator)
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.population import NODE, Column
from ..engine.status import Status
from .day_lists import AT_STAGING, IN_CAPITAL, morning_people


_CAPITAL, _STAGING, _ZONE, _TRANSIT = (np.int8(s) for s in (Status.CAPITAL, Status.STAGING, Status.ZONE,
                                                            Status.TRANSIT))


class Transit(Module):
    name = "transit"
    columns = (Column("target", NODE, -1),)  # the border-zone node the orchestrator assigned

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
        self.dispatched = sim.results.metrics["new_dispatched"].data
        self._cdf, self._cdf_of = None, None  # zone_cdf and the weights it was made from
        self.keys = sim.streams.day_keys(("transit.capital_dwell", "transit.staging_dwell", "transit.zone_choice",
                                          "transit.zone_rechoice"), cal.n_days)

    def phases(self):
        return [("transit.arrivals", self.on_arrivals), ("transit.dispatch", self.dispatch)]

    def on_arrivals(self, day: int) -> None:
        """Schedule the next move of people who reached the capital, staging or the zone
        today: a geometric dwell in the capital and at staging; in the zone, ready
        tomorrow, facing the zone's country. One compiled pass (`schedule_arrivals`)."""
        ids, new_status = self.sim.today.get("arrived", (np.empty(0, np.int64), np.empty(0, np.int8)))
        pop = self.sim.pop
        k_capital, k_staging = self.keys[day, :2]
        schedule_arrivals(ids, new_status, pop.ti_next, pop.node, pop.country, np.int32(day),
                          k_capital, self.capital_dwell, k_staging, self.staging_dwell, self.zones, self.zone_country,
                          _CAPITAL, _STAGING, _ZONE)

    def zone_cdf(self, day: int) -> np.ndarray:
        """Cumulative chance of each border zone as a destination today (empty: none)."""
        orch = self.sim.module("orchestrator")
        w = orch.zone_weights(day, self.zones, self.zone_country, self.zone_weight)
        if w is not self._cdf_of:  # the orchestrator keeps its weights while they do not change
            self._cdf = cumulative_shares(w)
            self._cdf_of = w
        return self._cdf

    def dispatch(self, day: int) -> None:
        """Capital → staging, up to the buses available today (first come, first served),
        each person bound for a zone drawn from the orchestrator's weights; staging → the
        zone assigned in the capital (re-drawn for those sent back), not out of an open
        shelter. One compiled pass (`dispatch_people`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        k = -1  # no buses today
        if self.capacity[day] > 0:
            k = int(np.floor(self.capacity[day]))
            frac = self.capacity[day] - k
            if frac > 0 and sim.streams["transit.capacity"].uniform(day, np.zeros(1, np.int64))[0] < frac:
                k += 1
        k_choice, k_rechoice = self.keys[day, 2:]
        bad, bussed, led = dispatch_people(
            pop.status, pop.ti_next, pop.node, pop.dest, pop.target, pop.flows, np.int32(day), k,
            self.zone_cdf(day), self.zones, self.staging_of, self.is_shelter,
            k_choice, k_rechoice, g.next_hop, g.travel_days, _CAPITAL, _STAGING, _TRANSIT,
            morning_people(pop, IN_CAPITAL), morning_people(pop, AT_STAGING))
        g.check_routed(bad, pop.node, "onwards")
        pop.traced_changes((bussed, "transit (bussed towards the border)"),
                            (led, "transit (led into the border zone)"))
        self.dispatched[0, day] = bussed.size
        self.dispatched[1, day] = led.size


@cached_njit()
def _pick_zone(cdf, zones, u):
    """The zone for uniform `u` from the cumulative weights (searchsorted, last catches all)."""
    return zones[min(np.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)]


@cached_njit()
def dispatch_people(status, ti_next, node, dest_col, target, flows, day, k, cdf, zones, staging_of, is_shelter,
                    key_choice, key_rechoice, next_hop, travel_days, capital_code, staging_code, transit_code,
                    in_capital, at_staging):
    """`Transit.dispatch` in one pass over the people in the capital and at staging (each
    list ascending, `day_lists`); returns (−1 or the uid of someone with no route, the
    uids bussed from the capital, the uids led from staging into the zone)."""
    # the first k people due in the capital (most wait there for a bus: only k are kept)
    seats = max(k, 0)
    cap_due = np.empty(min(seats, in_capital.shape[0]), dtype=np.int64)
    stg_due = np.empty(at_staging.shape[0], dtype=np.int64)
    n_cap = n_stg = 0
    any_cap = False
    for i in in_capital:
        if ti_next[i] <= day and status[i] == capital_code:
            any_cap = True
            if n_cap < seats:
                cap_due[n_cap] = i
                n_cap += 1
            else:
                break  # the buses are full: nobody else in the capital goes today
    for i in at_staging:
        if ti_next[i] <= day and status[i] == staging_code and not is_shelter[node[i]]:
            stg_due[n_stg] = i
            n_stg += 1
    # capital → staging (or straight to the zone where it has no staging area)
    bussed = np.empty(0, dtype=np.int64)
    if any_cap and k >= 0 and cdf.shape[0] > 0:
        bussed = cap_due[:n_cap].copy()
        dest = np.empty(bussed.shape[0], dtype=np.int32)
        for j in range(bussed.shape[0]):
            z = _pick_zone(cdf, zones, hashed_uniform_one(key_choice, bussed[j]))
            target[bussed[j]] = z
            dest[j] = staging_of[z] if staging_of[z] >= 0 else z
        bad = depart_people(bussed, dest, status, node, dest_col, ti_next, next_hop, travel_days, day,
                            transit_code, flows)
        if bad >= 0:
            return bussed[bad], bussed, bussed[:0]
    # staging → zone: the zone assigned in the capital; re-drawn for those sent back
    led = np.empty(n_stg, dtype=np.int64)
    dest = np.empty(n_stg, dtype=np.int32)
    m = 0
    for j in range(n_stg):
        i = stg_due[j]
        z = target[i]
        if z < 0 and cdf.shape[0] > 0:
            z = _pick_zone(cdf, zones, hashed_uniform_one(key_rechoice, i))
        if z >= 0:
            target[i] = z
            led[m] = i
            dest[m] = z
            m += 1
    led, dest = led[:m].copy(), dest[:m]
    bad = depart_people(led, dest, status, node, dest_col, ti_next, next_hop, travel_days, day, transit_code, flows)
    if bad >= 0:
        return led[bad], bussed, led
    return -1, bussed, led


@cached_njit()
def schedule_arrivals(ids, new_status, ti_next, node, country, day, key_capital, capital_dwell, key_staging,
                      staging_dwell, zones, zone_country, capital_code, staging_code, zone_code):
    """`Transit.on_arrivals` for today's arrivals (uids and new statuses)."""
    capital_q, staging_q = wait_denominator(capital_dwell), wait_denominator(staging_dwell)
    for j in range(ids.shape[0]):
        i = ids[j]
        if new_status[j] == capital_code:
            ti_next[i] = day + geometric_wait_given(hashed_uniform_one(key_capital, i), capital_dwell, capital_q)
        elif new_status[j] == staging_code:
            ti_next[i] = day + geometric_wait_given(hashed_uniform_one(key_staging, i), staging_dwell, staging_q)
        elif new_status[j] == zone_code:
            ti_next[i] = day + 1
            country[i] = zone_country[np.searchsorted(zones, node[i])]
