"""Detention and reception: guarded centres with a capacity, then asylum or moving on.

Detained people stay a geometric number of days (mean `detention_days`); on release a
share `abscond_share` moves on towards the destination, the rest stay in reception
(asylum procedure, absorbing within the simulated period).
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.module import Module
from ..engine.status import Status


class Reception(Module):
    name = "reception"

    def init(self, sim):
        super().init(sim)
        self.defenders = [c.code for c in sim.scenario.countries if c.role == "defender"]
        by_code = {d.country: d for d in sim.scenario.defenders}
        spec = [by_code[c] for c in self.defenders]
        self.detention_days = np.array([float(d.detention_days) for d in spec])
        self.abscond = np.array([float(d.abscond_share) for d in spec])
        self.n_detained = np.zeros(len(spec), dtype=np.int64)
        self.destination = sim.index.node[sim.scenario.onward.destination]
        res = sim.results
        res.define("new_absconded", self.defenders, "flow", "Released detainees who move on towards the destination.")

    def phases(self):
        return [("reception.release", self.release)]

    def detain(self, uids: np.ndarray, country: np.ndarray, node, day: int) -> np.ndarray:
        """Detain whom capacity allows, in the order given; return the mask of those admitted."""
        admitted = np.zeros(uids.size, dtype=bool)
        if uids.size == 0:
            return admitted
        cap = self.sim.module("defenders").reception_cap[:, day]
        free = np.maximum(0, np.floor(np.minimum(cap, 2.0**62)).astype(np.int64) - self.n_detained)
        admitted, taken = kernels.admit_in_order(np.ascontiguousarray(country, dtype=np.int64), free)
        self.n_detained += taken
        a = uids[admitted]
        if a.size:
            pop = self.sim.pop
            ca = country[admitted]
            pop.transition(a, Status.DETAINED, "detained")
            pop.country[a] = ca
            pop.node[a] = node[admitted] if np.ndim(node) else node
            # each person's stay, with their country's mean (per-person draws: one call serves all)
            pop.ti_next[a] = day + self.geometric_days("reception.detention", day, a, self.detention_days[ca])
        return admitted

    def release(self, day: int) -> None:
        sim, pop = self.sim, self.sim.pop
        due = pop.due(Status.DETAINED, day)
        nd = len(self.defenders)
        absconded = np.zeros(nd)
        if due.size:
            c = pop.country[due]
            self.n_detained -= np.bincount(c, minlength=nd)
            go = sim.streams["reception.abscond"].uniform(day, due) < self.abscond[c]
            stay = due[~go]
            pop.transition(stay, Status.RECEPTION, "released into reception")
            leave = due[go]
            sim.module("movement").depart(leave, self.destination, day, why="absconded towards the destination")
            absconded = np.bincount(c[go], minlength=nd).astype(float)
        sim.results.rec("new_absconded", day, absconded)
