"""Supply (orchestrator, part 1): visas and flight seats bring people to the capital.

Each day and route, boarders ~ Poisson(weekly seats / 7 × migrant share × visa factor).
Demand is not the limit in 2021; seats and visas are (MODEL.md §3).
"""

from __future__ import annotations

import numpy as np

from ..engine.module import Module
from ..engine.streams import stable_id
from ..engine.population import Column
from ..engine.status import Status
from .route_mix import RouteMix


class Supply(Module):
    name = "supply"
    columns = (
        Column("nationality", "int16", 0),
        Column("vulnerable", "bool", False),
        Column("by_air", "bool", False),  # on the flight leg; cleared on landing in the capital
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
        self.mix = RouteMix(self.mix_codes, self.mix_p, cal.n_days)  # by day: bans edit it
        self.route_ids = np.array([stable_id(r.id) for r in self.routes], dtype=np.int64)
        v = sup.visa_factor
        self.visa = cal.step([(p.date, p.value) for p in v.points], before=v.value)
        self.vulnerable_share = float(sup.vulnerable_share)
        self.fixed = sup.arrivals == "fixed"
        self.carry = np.zeros(len(self.routes))  # fixed arrivals: fractional people carried over
        sim.results.define("new_boarded", [r.id for r in self.routes], "flow",
                           "People boarding flights to the capital, by route.")

    def phases(self):
        return [("supply.arrive", self.arrive)]

    def ban_nationalities(self, route: int, days: slice, nationalities: list[str]) -> None:
        """These nationalities stop boarding `route` on `days`: their share of its migrant
        seats goes (ban_route with `nationalities`)."""
        codes = [self.sim.index.nationality[n] for n in nationalities if n in self.sim.index.nationality]
        self.seats[route, days] *= self.mix.ban(route, days, codes)

    def expected(self, day: int) -> np.ndarray:
        """Expected boarders per route today."""
        return self.seats[:, day] / 7.0 * self.share * self.visa[day]

    def arrive(self, day: int) -> None:
        sim = self.sim
        lam = self.expected(day)
        if self.fixed:
            total = self.carry + lam
            counts = np.floor(total + 1e-9).astype(np.int64)
            self.carry = total - counts
        else:
            counts = sim.streams["supply.arrivals"].poisson(day, self.route_ids, lam)
        n = int(counts.sum())
        sim.results.rec("new_boarded", day, counts)
        if n == 0:
            return
        route = np.repeat(np.arange(len(self.routes)), counts)
        first = sim.pop.n  # uids the new people will get
        u = sim.streams["supply.nationality"].uniform(day, np.arange(first, first + n))
        nat = self.mix.pick(route, day, u)
        uids = sim.add_people(n, day, status=int(Status.TRANSIT), node=self.hub[route],
                              dest=self.to[route], ti_next=day, nationality=nat, by_air=True)
        sim.module("movement").depart(uids, self.to[route], day, why="boarded a flight")

    def on_create(self, uids, day):
        u = self.sim.streams["supply.vulnerable"].uniform(0, uids)
        self.sim.pop.vulnerable[uids] = u < self.vulnerable_share
