"""Returns: repatriation flights with dates and seats, and voluntary return.

A flight takes its seats from people in the capital and at staging (shelters included),
longest-stranded first, optionally only one nationality. Voluntary return: daily chance
min(max_rate, base_rate + per_day · days since arrival), times zone_factor in the zone
(the orchestrator keeps people there).
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import Status


_CAPITAL, _STAGING, _ZONE, _RETURNED = (np.int8(s) for s in (Status.CAPITAL, Status.STAGING, Status.ZONE,
                                                             Status.RETURNED))


class Returns(Module):
    name = "returns"

    def init(self, sim):
        super().init(sim)
        sc = sim.scenario
        self.repatriation_seats = np.zeros(sim.calendar.n_days)
        self.flights: dict[int, list[tuple[int, int]]] = {}  # day → [(seats, nationality code or −1)]
        v = sc.returns.voluntary
        self.base = float(v.base_rate)
        self.per_day = float(v.per_day)
        self.max_rate = float(v.max_rate)
        self.zone_factor = float(v.zone_factor)
        self.home = sim.index.node[sc.returns.home]
        res = sim.results
        res.define("new_repatriated", ["all"], "flow", "People flown home on repatriation flights.", total=False)
        res.define("new_voluntary_returns", ["all"], "flow", "People who gave up and went home.", total=False)
        res.define("new_returns", ["all"], "flow", "All returns home (repatriation + voluntary).", total=False)
        self.repatriated = res.metrics["new_repatriated"].data[0]
        self.voluntary_data, rows = res.pack(("new_voluntary_returns", "new_returns"))
        self.voluntary_rows = tuple(rows.tolist())  # (voluntary, all returns): two plain writes a day
        self.keys = sim.streams["returns.voluntary"].day_keys(sim.calendar.n_days)

    def phases(self):
        return [("returns.repatriate", self.repatriate), ("returns.voluntary", self.voluntary)]

    def add_flight(self, date, seats: float, nationality: str | None) -> None:
        """Schedule a repatriation flight (used by the repatriation_flight event)."""
        day = self.sim.calendar.day(date)
        if not 0 <= day < self.sim.calendar.n_days:
            return
        code = -1 if nationality is None else self.sim.index.nationality.setdefault(nationality, len(self.sim.index.nationality))
        self.flights.setdefault(day, []).append((int(seats), code))
        self.repatriation_seats[day] += seats

    def _go_home(self, uids, why):
        pop = self.sim.pop
        pop.transition(uids, Status.RETURNED, why)
        pop.node[uids] = self.home
        pop.dest[uids] = self.home

    def repatriate(self, day: int) -> None:
        """Fill today's flights from the capital and staging, longest-stranded first."""
        n = 0
        for seats, nat in self.flights.get(day, []):
            pop = self.sim.pop
            cand = pop.find_any(Status.CAPITAL, Status.STAGING)
            if nat >= 0:
                cand = cand[pop.nationality[cand] == nat]
            if cand.size and seats > 0:
                order = np.argsort(pop.ti_created[cand], kind="stable")
                take = cand[order[:seats]]
                self._go_home(take, "repatriation flight")
                n += take.size
        self.repatriated[day] = n
        self.sim.today["repatriated"] = n

    def rule(self, day: int) -> tuple:
        """Today's voluntary-return rule for `kernels.gives_up`: (day key, base, per_day,
        max_rate, zone_factor) — for the exposure pass that draws the returns (`Health.expose`)."""
        return self.keys[day], self.base, self.per_day, self.max_rate, self.zone_factor

    def voluntary(self, day: int) -> None:
        """Stranded people who give up today go home (`kernels.voluntary_returns`), in one
        compiled call (`return_voluntarily`) — or, where health.exposure already drew them in
        its pass over everyone (`Health.fused_returns`), just sent home (`send_home`)."""
        pop = self.sim.pop
        gone = self.sim.today.get("giving_up")
        if gone is None:
            gone = return_voluntarily(
                pop.status, pop.ti_created, pop.node, pop.dest, pop.flows, day,
                self.keys[day], self.base, self.per_day, self.max_rate,
                self.zone_factor, self.home, _CAPITAL, _STAGING, _ZONE, _RETURNED, pop.live)
        else:
            send_home(gone, pop.status, pop.node, pop.dest, pop.flows, self.home, _RETURNED)
        pop.traced_changes((gone, "returned (gave up and went home)"))
        voluntary, returns = self.voluntary_rows
        self.voluntary_data[voluntary, day] = gone.size
        self.voluntary_data[returns, day] = gone.size + self.sim.today.get("repatriated", 0)


@cached_njit()
def return_voluntarily(status, ti_created, node, dest, flows, day, key, base, per_day, max_rate, zone_factor,
                       home, capital_code, staging_code, zone_code, returned_code, live):
    """`Returns.voluntary`: the uids who went home today."""
    gone = kernels.voluntary_returns(status, ti_created, day, key, base, per_day, max_rate, zone_factor,
                                     capital_code, staging_code, zone_code, live)
    send_home(gone, status, node, dest, flows, home, returned_code)
    return gone


@cached_njit()
def send_home(gone, status, node, dest, flows, home, returned_code):
    """The people in `gone` return home (status, place, the flow counted)."""
    for i in gone:
        flows[status[i], returned_code] += 1
        status[i] = returned_code
        node[i] = home
        dest[i] = home
