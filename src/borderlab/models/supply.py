"""Supply (orchestrator, part 1): visas and flight seats bring people to the capital.

Each day and route, boarders ~ Poisson(weekly seats / 7 × migrant share × visa factor).
Demand is not the limit in 2021; seats and visas are (MODEL.md §3).
"""

from __future__ import annotations

import numpy as np

from ..engine.module import Module
from ..engine.population import Column
from ..engine.status import Status


class Supply(Module):
    name = "supply"
    columns = (
        Column("nationality", "int16", 0),
        Column("vulnerable", "bool", False),
    )

    def init(self, sim):
        super().init(sim)
        sc, cal = sim.scenario, sim.calendar
        sup = sc.supply
        self.routes = sup.routes
        self.seats = np.zeros((len(self.routes), cal.n_days))
        self.share = np.zeros(len(self.routes))
        self.hub = np.zeros(len(self.routes), dtype=np.int32)
        self.to = np.zeros(len(self.routes), dtype=np.int32)
        self.mix_codes, self.mix_p = [], []
        for r, route in enumerate(self.routes):
            s = route.weekly_seats
            self.seats[r] = cal.step([(p.date, p.value) for p in s.points], before=s.value)
            self.share[r] = float(route.migrant_share if route.migrant_share is not None else sup.migrant_share)
            self.hub[r] = sim.index.node[route.hub]
            self.to[r] = sim.index.node[route.to]
            codes = [sim.index.nationality.setdefault(k, len(sim.index.nationality)) for k in route.nationality_mix]
            p = np.array(list(route.nationality_mix.values()), dtype=float)
            self.mix_codes.append(np.array(codes, dtype=np.int16))
            self.mix_p.append(p / p.sum())
        v = sup.visa_factor
        self.visa = cal.step([(p.date, p.value) for p in v.points], before=v.value)
        self.vulnerable_share = float(sup.vulnerable_share)
        self.fixed = sup.arrivals == "fixed"
        self.carry = np.zeros(len(self.routes))
        sim.results.define("new_boarded", [r.id for r in self.routes], "flow",
                           "People boarding flights to the capital, by route.")

    def phases(self):
        return [("supply.arrive", self.arrive)]

    def expected(self, day: int) -> np.ndarray:
        """Expected boarders per route today."""
        return self.seats[:, day] / 7.0 * self.share * self.visa[day]

    def arrive(self, day: int) -> None:
        sim = self.sim
        lam = self.expected(day)
        counts = np.zeros(len(self.routes), dtype=np.int64)
        movement = sim.module("movement")
        for r, route in enumerate(self.routes):
            if lam[r] <= 0:
                continue
            rng = sim.streams[f"supply.arrivals.{route.id}"].generator(day)
            if self.fixed:
                total = self.carry[r] + lam[r]
                n = int(np.floor(total + 1e-9))
                self.carry[r] = total - n
            else:
                n = int(rng.poisson(lam[r]))
            if n == 0:
                continue
            nat = self.mix_codes[r][rng.choice(len(self.mix_p[r]), size=n, p=self.mix_p[r])]
            uids = sim.add_people(n, day, status=int(Status.TRANSIT), node=self.hub[r],
                                  dest=self.to[r], ti_next=day, nationality=nat)
            movement.depart(uids, self.to[r], day, why=f"boarded {route.id}")
            counts[r] = n
        sim.results.rec("new_boarded", day, counts)

    def on_create(self, uids, day):
        u = self.sim.streams["supply.vulnerable"].uniform(0, uids)
        self.sim.pop.vulnerable[uids] = u < self.vulnerable_share
