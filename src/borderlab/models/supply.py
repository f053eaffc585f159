"""Supply (orchestrator, part 1): visas and flight seats bring people to the capital.

Each day and route, boarders ~ Poisson(weekly seats / 7 × migrant share × visa factor).
Demand is not the limit in 2021; seats and visas are (MODEL.md §3).
"""

from __future__ import annotations

import numpy as np

from ..engine.kernels import depart_people, hashed_uniform_one, poisson_from_uniforms
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.streams import stable_id
from ..engine.population import Column
from ..engine.status import Status
from .route_mix import RouteMix, pick_nationality

_TRANSIT = int(Status.TRANSIT)
BOARDER_COLUMNS = ("by_air", "dest", "nationality", "node", "ti_next")  # what `fly_boarders` writes


def make_room_for_boarders(sim) -> None:
    """Room for the boarders expected over the run (and some), made while the sim is built
    rather than by doubling every column mid-run (`Population.expect`); at most the
    capacity again or a million, in case the run is cut short. Called once the events are
    applied: route and nationality bans cut the seats (belarus-eu-2021 expects 45,000
    boarders after them, 104,000 before, and every slot of room is written at build)."""
    sup = sim.module("supply")
    expected = float((sup.seats / 7.0 * sup.share[:, None] * sup.visa[None, :]).sum())
    if np.isfinite(expected):
        sim.pop.expect(min(int(expected * 1.05) + 256, max(sim.pop.capacity, 1 << 20)))


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
        self.boarded = sim.results.metrics["new_boarded"].data[: len(self.routes)]
        self.keys = sim.streams.day_keys(("supply.arrivals", "supply.nationality"), cal.n_days)
        self.route_of = np.arange(len(self.routes))
        # the room for the expected boarders is made once the events are applied
        # (`make_room_for_boarders`)

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
        """Today's boarders per route (Poisson, or the expected number carried over when
        arrivals are fixed), their nationalities from the route's mix, and their flights."""
        sim = self.sim
        first = sim.pop.n  # uids the new people will get
        if self.fixed:
            total = self.carry + self.expected(day)
            counts = np.floor(total + 1e-9).astype(np.int64)
            self.carry = total - counts
            route = np.repeat(self.route_of, counts)
            u = sim.streams["supply.nationality"].uniform(day, np.arange(first, first + route.size))
            nat = self.mix.pick(route, day, u)
            hub, to = self.hub[route], self.to[route]
            self.boarded[:, day] = counts
        else:
            k_arrivals, k_nationality = self.keys[day]
            hub, to, nat = board_flights(k_arrivals, self.route_ids, self.seats, self.share, self.visa, day,
                                         k_nationality, first, self.mix.p[:, day], self.mix.code, self.hub, self.to,
                                         self.boarded)
        if nat.size == 0:
            return
        pop, g = sim.pop, sim.graph

        def fly(uids):  # their columns and first hop, in one compiled call (`fly_boarders`)
            bad = fly_boarders(uids, hub, to, nat, day, pop.status, pop.node, pop.dest, pop.ti_next,
                               pop.nationality, pop.by_air, pop.flows, g.next_hop, g.travel_days, _TRANSIT)
            if bad >= 0:
                raise RuntimeError(f"person {uids[bad]}: no route from node {g.ids[hub[bad]]} to {g.ids[to[bad]]}")

        uids = sim.add_people(nat.size, day, write=(BOARDER_COLUMNS, fly), status=_TRANSIT)
        if pop.traced:
            pop._trace(uids, "transit (boarded a flight)")

    def drawn_at_creation(self):
        return {"vulnerable": self.vulnerable_of}

    def vulnerable_of(self, uids):
        """Whether the person with each uid is vulnerable (a draw by uid, day-0 key)."""
        return self.sim.streams["supply.vulnerable"].uniform(0, uids) < self.vulnerable_share


@cached_njit()
def fly_boarders(uids, hub, to, nationality_of, day, status, node, dest_col, ti_next, nationality, by_air, flows,
                 next_hop, travel_days, transit_code):
    """Today's boarders (new people, uids in order, travelling): from hub[j] towards to[j]
    by air with nationality_of[j], setting off today (`kernels.depart_people`: the first
    hop, its arrival day, the flow counted). Returns −1, or the position of the first with
    no route (then nobody has left)."""
    for j in range(uids.shape[0]):
        i = uids[j]
        node[i] = hub[j]
        dest_col[i] = to[j]
        ti_next[i] = day
        nationality[i] = nationality_of[j]
        by_air[i] = True
    return depart_people(uids, to, status, node, dest_col, ti_next, next_hop, travel_days, day, transit_code, flows)


@cached_njit()
def board_flights(key_arrivals, route_ids, seats, share, visa, day, key_nationality, first_uid, p_day, code,
                  hub, to, boarded):
    """`Supply.arrive`'s draws in one call: boarders per route ~ Poisson(`Supply.expected`,
    the same arithmetic in the same order) (the draws `Stream.poisson` makes: uniforms for
    id·1024 + piece), then each boarder's route and nationality (`RouteMix.pick` on the
    uniform of the uid they will get). Writes the counts per route to `boarded[:, day]`;
    returns, for each boarder, the hub they fly from, the node they fly to, their
    nationality."""
    n_routes = route_ids.shape[0]
    lam = np.empty(n_routes, dtype=np.float64)
    for r in range(n_routes):
        lam[r] = seats[r, day] / 7.0 * share[r] * visa[day]
    pieces = max(1, int(np.ceil(lam.max() / 500.0))) if n_routes else 1
    u = np.empty((n_routes, pieces), dtype=np.float64)
    for r in range(n_routes):
        for k in range(pieces):
            u[r, k] = hashed_uniform_one(key_arrivals, route_ids[r] * 1024 + k)
    counts = np.zeros(n_routes, dtype=np.int64)
    poisson_from_uniforms(u, lam, counts)
    route = np.empty(counts.sum(), dtype=np.int64)
    u_nat = np.empty(route.shape[0], dtype=np.float64)
    j = 0
    for r in range(n_routes):
        for _ in range(counts[r]):
            route[j] = r
            u_nat[j] = hashed_uniform_one(key_nationality, first_uid + j)
            j += 1
    hubs = np.empty(route.shape[0], dtype=hub.dtype)
    dests = np.empty(route.shape[0], dtype=to.dtype)
    for j in range(route.shape[0]):
        hubs[j] = hub[route[j]]
        dests[j] = to[route[j]]
    for r in range(n_routes):
        boarded[r, day] = counts[r]
    return hubs, dests, pick_nationality(p_day, code, route, u_nat)
