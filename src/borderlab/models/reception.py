"""Detention and reception: guarded centres with a capacity, then asylum or moving on.

Detained people stay a geometric number of days (mean `detention_days`); on release a
share `abscond_share` moves on towards the destination, the rest stay in reception
(asylum procedure, absorbing within the simulated period).
"""

from __future__ import annotations

import numpy as np

from ..engine.kernels import depart_people, geometric_wait, hashed_uniform_one
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import Status
from .day_lists import DETAINED, evening_people


_DETAINED, _RECEPTION, _TRANSIT = (np.int8(s) for s in (Status.DETAINED, Status.RECEPTION, Status.TRANSIT))


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
        self._places_day, self._places = -1, None  # detention places today (asked thrice a day)
        res = sim.results
        res.define("new_absconded", self.defenders, "flow", "Released detainees who move on towards the destination.")
        self.absconded = res.metrics["new_absconded"].data[: len(self.defenders)]
        self.keys = sim.streams["reception.abscond"].day_keys(sim.calendar.n_days)

    def phases(self):
        return [("reception.release", self.release)]

    def places(self, day: int) -> np.ndarray:
        """Places in detention today, per country, taken or not (read-only; the kernels that
        detain compare it with `n_detained`, which they keep up to date: `detain_one`)."""
        if day != self._places_day:
            cap = self.sim.module("defenders").reception_cap[:, day]
            self._places, self._places_day = np.floor(np.minimum(cap, 2.0**62)).astype(np.int64), day
        return self._places

    def free_places(self, day: int) -> np.ndarray:
        """Places left in detention today, per country."""
        return np.maximum(0, self.places(day) - self.n_detained)

    def release(self, day: int) -> None:
        """Detainees whose stay ends today: a share `abscond` moves on towards the
        destination, the rest stay in reception. One compiled pass (`release_detainees`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        bad, stay, leave = release_detainees(
            pop.status, pop.ti_next, pop.country, pop.node, pop.dest, pop.flows, np.int32(day), self.n_detained,
            self.abscond, self.keys[day], self.destination, g.next_hop,
            g.travel_days, _DETAINED, _RECEPTION, _TRANSIT, evening_people(pop, DETAINED), self.absconded)
        g.check_routed(bad, pop.node, "to the destination")
        pop.traced_changes((stay, "reception (released into reception)"),
                            (leave, "transit (absconded towards the destination)"))


@cached_njit(inline="always")
def detain_one(i, c, here, day, places, n_detained, status, country, node, ti_next, flows, detention_days,
               key_stay, detained_code):
    """Detain person `i` in country `c` at node `here` if a place is free (n_detained <
    places: `Reception.detain` for one person, in a fused kernel); the stay is drawn from
    `reception.detention`."""
    if n_detained[c] >= places[c]:
        return False
    n_detained[c] += 1
    flows[status[i], detained_code] += 1
    status[i] = detained_code
    country[i] = c
    node[i] = here
    ti_next[i] = day + geometric_wait(hashed_uniform_one(key_stay, i), detention_days[c])
    return True


@cached_njit()
def release_detainees(status, ti_next, country, node, dest_col, flows, day, n_detained, abscond, key_abscond,
                      destination, next_hop, travel_days, detained_code, reception_code, transit_code, live,
                      absconded_series):
    """`Reception.release`; returns (−1 or the uid of someone with no route, the uids who
    stay in reception, the uids who abscond) and writes the absconders per country to
    `absconded_series[:, day]`."""
    n = live.shape[0]
    stay = np.empty(n, dtype=np.int64)
    leave = np.empty(n, dtype=np.int64)
    n_stay = n_leave = 0
    absconded = np.zeros(n_detained.shape[0], dtype=np.float64)
    for i in live:
        if status[i] == detained_code and ti_next[i] <= day:
            c = country[i]
            n_detained[c] -= 1
            if hashed_uniform_one(key_abscond, i) < abscond[c]:
                leave[n_leave] = i
                n_leave += 1
                absconded[c] += 1
            else:
                stay[n_stay] = i
                n_stay += 1
    stay, leave = stay[:n_stay].copy(), leave[:n_leave].copy()
    for i in stay:
        flows[status[i], reception_code] += 1
        status[i] = reception_code
    bad = depart_people(leave, np.full(n_leave, destination, dtype=np.int32), status, node, dest_col, ti_next,
                        next_hop, travel_days, day, transit_code, flows)
    for c in range(absconded.shape[0]):
        absconded_series[c, day] = absconded[c]
    return (leave[bad] if bad >= 0 else -1), stay, leave
