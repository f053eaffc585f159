"""Onward movement of those who crossed: days walking inland, inland detection, then on.

People who cross arrive at the segment's interior node and walk for a geometric number of
days (mean `interior_days`); each day there a share `inland_detection` of them is caught
and detained (counted as detentions and attempts at the segment they crossed). The rest
are picked up and travel to the destination (e.g. Germany), where they count as onward.
"""

from __future__ import annotations

import numpy as np

from ..engine.module import Module
from ..engine.status import Status


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

    def phases(self):
        return [("onward.inland", self.inland_step)]

    def enter(self, uids: np.ndarray, country: np.ndarray, node: np.ndarray, day: int) -> None:
        """People who crossed today start walking inland."""
        if uids.size == 0:
            return
        pop = self.sim.pop
        pop.transition(uids, Status.INTERIOR, "crossed the border")
        pop.country[uids] = country
        pop.node[uids] = node
        pop.ti_next[uids] = day + self.geometric_days("onward.interior_days", day, uids, self.interior_days)

    def inland_step(self, day: int) -> None:
        sim, pop = self.sim, self.sim.pop
        nd = len(self.defenders)
        inside = pop.find(Status.INTERIOR)
        caught_c = np.zeros(nd)
        if inside.size:
            c = pop.country[inside]
            caught = sim.streams["onward.inland"].uniform(day, inside) < self.inland[c]
            cand = inside[caught]
            admitted = sim.module("reception").detain(cand, c[caught], pop.node[cand], day)
            done = cand[admitted]
            if done.size:
                seg = pop.segment[done]
                counts = np.bincount(seg[seg >= 0], minlength=self.n_segments).astype(float)
                sim.results.add("new_detentions", day, counts)
                sim.results.add("new_attempts", day, counts)
                caught_c = np.bincount(pop.country[done], minlength=nd).astype(float)
            still = np.ones(inside.size, dtype=bool)
            still[np.flatnonzero(caught)[admitted]] = False
            leave = inside[still]
            leave = leave[pop.ti_next[leave] <= day]
            sim.module("movement").depart(leave, self.destination, day, why="picked up, moving on")
        sim.results.rec("new_inland_detentions", day, caught_c)
