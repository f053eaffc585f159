"""Onward movement of those who crossed: days walking inland, inland detection, then on.

People who cross arrive at the segment's interior node and walk for a geometric number of
days (mean `interior_days`); each day there a share `inland_detection` of them is caught
and detained (counted as detentions and attempts at the segment they crossed). The rest
are picked up and travel to the destination (e.g. Germany), where they count as onward.
"""

from __future__ import annotations

import numpy as np

from ..engine.kernels import depart_people, hashed_uniform_one
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import Status
from .day_lists import INLAND, evening_people
from .reception import detain_one


_INTERIOR, _DETAINED, _TRANSIT = (np.int8(s) for s in (Status.INTERIOR, Status.DETAINED, Status.TRANSIT))


class Onward(Module):
    name = "onward"

    def init(self, sim):
        super().init(sim)
        sc = sim.scenario
        self.defenders = [c.code for c in sc.countries if c.role == "defender"]
        by_code = {d.country: d for d in sc.defenders}
        self.inland = np.array([float(by_code[c].inland_detection) for c in self.defenders])
        self.interior_days = float(sc.onward.interior_days)
        self.destination = sim.index.node[sc.onward.destination]
        self.n_segments = len(sc.segments)
        sim.results.define("new_inland_detentions", self.defenders, "flow", "People caught inland after crossing.")
        self.inland_detentions = sim.results.metrics["new_inland_detentions"].data[: len(self.defenders)]
        self.keys = sim.streams.day_keys(("onward.inland", "reception.detention"), sim.calendar.n_days)

    def phases(self):
        return [("onward.inland", self.inland_step)]

    def inland_step(self, day: int) -> None:
        """People walking inland: each is caught with chance `inland_detection` of their
        country and detained if there is a place; the others whose walk ends today are
        picked up and move on. One compiled pass (`walk_inland`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        reception = sim.module("reception")
        k_inland, k_detention = self.keys[day]
        bad, detained, leave, seg_counts = walk_inland(
            pop.status, pop.ti_next, pop.country, pop.node, pop.dest, pop.segment, pop.flows, np.int32(day),
            self.inland, k_inland, reception.places(day),
            reception.n_detained, reception.detention_days, k_detention,
            self.destination, self.n_segments, g.next_hop, g.travel_days,
            _INTERIOR, _DETAINED, _TRANSIT, evening_people(pop, INLAND), self.inland_detentions)
        g.check_routed(bad, pop.node, "to the destination")
        pop.traced_changes((detained, "detained (detained)"),
                            (leave, "transit (picked up, moving on)"))
        if detained.size:
            sim.results.add("new_detentions", day, seg_counts)
            sim.results.add("new_attempts", day, seg_counts)


@cached_njit()
def walk_inland(status, ti_next, country, node, dest_col, segment, flows, day, inland, key_inland, places,
                n_detained, detention_days, key_stay, destination, n_segments, next_hop, travel_days,
                interior_code, detained_code, transit_code, live, caught_series):
    """`Onward.inland_step`; returns (−1 or the uid of someone with no route, the detained,
    those moving on, detentions per segment crossed) and writes the detentions per country
    to `caught_series[:, day]`."""
    n = live.shape[0]
    detained = np.empty(n, dtype=np.int64)
    leave = np.empty(n, dtype=np.int64)
    n_det = n_leave = 0
    seg_counts = np.zeros(n_segments, dtype=np.float64)
    caught_c = np.zeros(inland.shape[0], dtype=np.float64)
    for i in live:
        if status[i] != interior_code:
            continue
        c = country[i]
        if hashed_uniform_one(key_inland, i) < inland[c] and detain_one(
                i, c, node[i], day, places, n_detained, status, country, node, ti_next, flows, detention_days,
                key_stay, detained_code):
            detained[n_det] = i
            n_det += 1
            if segment[i] >= 0:
                seg_counts[segment[i]] += 1
            caught_c[c] += 1
        elif ti_next[i] <= day:
            leave[n_leave] = i
            n_leave += 1
    leave = leave[:n_leave].copy()
    bad = depart_people(leave, np.full(n_leave, destination, dtype=np.int32), status, node, dest_col, ti_next,
                        next_hop, travel_days, day, transit_code, flows)
    for c in range(caught_c.shape[0]):
        caught_series[c, day] = caught_c[c]
    return (leave[bad] if bad >= 0 else -1), detained[:n_det].copy(), leave, seg_counts
