"""Health: an exposure reserve depleted by cold, wet, hunger and time outdoors.

Each person has a reserve h (1 healthy, 0 dead). Per day outdoors at a node with exposure e:
    h ← min(1, h − e · L(T) · (1 + hunger_per_day · days_in_zone) · v + aid_restore · access)
    L(T) = base_loss + cold_loss_at_0c · exp(−T / e_fold_c)
v = vulnerable_mult for vulnerable people, times a per-person frailty f ~ lognormal(mean 1,
log-sd frailty_sd) drawn once (people differ: the first deaths come with the first cold
nights, not all together weeks later); T the day's minimum temperature; e_fold_c = 12.7
°C from Tikuisis (1995): predicted survival 9 h at 0 °C vs 4.1 h at −10 °C (a factor 2.2
per 10 °C). The scale (cold_loss_at_0c) is calibrated: clothed people who move, make fires
and get some help survive days, not hours. Below `hospital_threshold` a person is found
and hospitalised with daily chance find_prob · access; at h ≤ 0 they die. Shelters take
people out of the zone and stop the loss; indoors (exposure 0, the capital's hotels)
people recover at the full aid rate.
"""

from __future__ import annotations

import numpy as np

from ..engine.graph import TYPE_CODE
from ..engine.kernels import depart_people, expose_and_give_up, geometric_wait, hashed_uniform_one, merge_ascending
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.population import Column
from ..engine.status import Status
from .day_lists import AT_STAGING, IN_HOSPITAL, IN_ZONE, evening_people, morning_people
from .reception import detain_one
from .temperature import daily_temperature


_STAGING, _ZONE, _TRANSIT, _INTERIOR, _CAPITAL, _DEAD, _HOSPITAL, _DETAINED = (np.int8(s) for s in (
    Status.STAGING, Status.ZONE, Status.TRANSIT, Status.INTERIOR, Status.CAPITAL, Status.DEAD, Status.HOSPITAL,
    Status.DETAINED))
_NOBODY = (np.empty(0, dtype=np.int64), None)  # no arrivals today (no movement module)
NO_RETURNS = (np.uint64(0), 0.0, 0.0, 0.0, 0.0)  # expose_day's voluntary-return rule when not fused
# what `Health.expose` records each day, in this order (one write: Results.pack)
EXPOSE_SERIES = ("temperature_c", "person_days_below_0c", "mean_health_zone", "new_deaths", "new_hospitalised")


class Health(Module):
    name = "health"
    columns = (
        Column("health", "float32", 1.0),
        Column("days_in_zone", "int16", 0),
        Column("frailty", "float32", 1.0),  # multiplies the daily loss; mean 1
    )

    def init(self, sim):
        super().init(sim)
        sc, cal, g = sim.scenario, sim.calendar, sim.graph
        self.n_segments = len(sc.segments)
        hu = sc.humanitarian
        ex = hu.exposure
        self.temperature = daily_temperature(hu.temperature, cal, sim.streams["health.temperature"],
                                             sim.scenario_folder)
        self.loss = float(ex.base_loss) + float(ex.cold_loss_at_0c) * np.exp(-self.temperature / float(ex.e_fold_c))
        self.hunger = float(ex.hunger_per_day)
        self.vuln_mult = float(ex.vulnerable_mult)
        self.frailty_sd = float(ex.frailty_sd)
        self.aid_restore = float(ex.aid_restore)
        self.threshold = float(ex.hospital_threshold)
        self.find_prob = float(ex.find_prob)
        self.hospital_days = float(ex.hospital_days)
        self.defenders = [c.code for c in sc.countries if c.role == "defender"]
        by_code = {d.country: d for d in sc.defenders}
        self.aid = np.array([cal.step([(p.date, p.value) for p in by_code[c].aid_access.points],
                                      before=by_code[c].aid_access.value) for c in self.defenders]).reshape(len(self.defenders), cal.n_days)
        za = hu.zone_aid_access
        self.zone_aid = cal.step([(p.date, p.value) for p in za.points], before=za.value)
        self.shelters = hu.shelters
        self.shelter_node = np.array([sim.index.node[s.node] for s in hu.shelters], dtype=np.int32)
        self.shelter_from = [np.array([sim.index.node[z] for z in s.draws_from], dtype=np.int32) for s in hu.shelters]
        self.shelter_cap = np.array([cal.step([(p.date, p.value) for p in s.capacity.points], before=s.capacity.value)
                                     for s in hu.shelters]).reshape(len(hu.shelters), cal.n_days)
        for k, s in enumerate(hu.shelters):
            sim.index.shelter[s.node] = k
        self.shelter_draws = np.zeros((len(hu.shelters), g.n), dtype=bool)  # [shelter, zone node]
        for k, zones in enumerate(self.shelter_from):
            self.shelter_draws[k, zones] = True
        self.exposure = g.exposure.copy()
        self.capital = int(g.of_type("capital")[0]) if g.of_type("capital").size else -1
        self.interior_code = TYPE_CODE["interior"]
        self.staging_of = None
        nd = len(self.defenders)
        res = sim.results
        scopes = self.defenders + [self.orch_code()]
        self.scopes = scopes
        res.define("new_hospitalised", scopes, "flow", "People hospitalised (found in need of care).")
        res.define("new_deaths", scopes, "flow", "Deaths from exposure, by the border they were at.")
        res.define("person_days_below_0c", scopes, "flow", "People outdoors on a day with a minimum below 0 °C.")
        res.define("mean_health_zone", self.defenders, "ratio", "Mean exposure reserve of people in the zone facing each country.")
        res.define("temperature_c", ["all"], "ratio", "Daily minimum temperature used (°C).", total=False)
        res.define("n_sheltered", [s.node for s in hu.shelters] or ["none"], "stock", "People in each shelter.")
        self.expose_data, self.expose_rows = res.pack(EXPOSE_SERIES)
        self.keys = sim.streams.day_keys(("health.found", "health.hospital_days", "reception.detention",
                                          "onward.interior_days"), cal.n_days)
        self.nd = nd
        self._fused_returns = None  # decided at the first exposure (the loop is made after init)
        self._shelter_days = None  # made at the first shelter phase
        self._by_day = None  # outdoors_today's tables

    def drawn_at_creation(self):
        return {"frailty": self.frailty_of} if self.frailty_sd > 0 else {}

    def frailty_of(self, uids):
        """Each uid's frailty: lognormal with mean 1 (a draw by uid, day-0 key). SciPy's
        special functions are imported here: a scenario without frailty (toy-border) never
        loads them (≈20–30 ms; docs/performance.md, "Startup")."""
        from scipy.special import ndtri

        z = ndtri(self.sim.streams["health.frailty"].uniform(0, uids))
        return np.exp(self.frailty_sd * z - 0.5 * self.frailty_sd ** 2)

    def orch_code(self) -> str:
        return next((c.code for c in self.sim.scenario.countries if c.role == "orchestrator"), "BY")

    def phases(self):
        return [("health.shelter", self.shelter), ("health.exposure", self.expose), ("health.discharge", self.discharge)]

    # -- shelters ----------------------------------------------------------------------------
    def shelter(self, day: int) -> None:
        """Each open shelter keeps up to its capacity of the people inside (the rest go back
        to the capital) and fills its free places from the zones it draws from, the
        weakest (lowest reserve) first. One compiled pass (`shelter_people`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        if not len(self.shelters):
            return
        if self._shelter_days is None:  # a shelter open today or yesterday, by day (after the events)
            open_ = (self.shelter_cap > 0).any(axis=0)
            self._shelter_days = open_ | np.concatenate(([False], open_[:-1]))
        if not self._shelter_days[day]:
            sim.results.rec("n_sheltered", day, 0.0)  # all closed yesterday and today: nobody inside
            return
        bad, sheltered, sent_out, taken = shelter_people(
            pop.status, pop.node, pop.country, pop.health, pop.dest, pop.ti_next, pop.flows, g.next_hop,
            g.travel_days, day, self.shelter_node, self.shelter_draws, self.shelter_cap, self.capital,
            _STAGING, _ZONE, _TRANSIT, morning_people(pop, AT_STAGING), morning_people(pop, IN_ZONE),
            sim.today.get("arrived", _NOBODY)[0])
        g.check_routed(bad, pop.node, "to or from a shelter")
        pop.traced_changes((sent_out, "transit (shelter closed)"),
                            (taken, "transit (moved into a shelter)"))
        sim.results.rec("n_sheltered", day, sheltered)

    # -- exposure, hospital, death --------------------------------------------------------------
    def expose(self, day: int) -> None:
        """One day outdoors (`kernels.expose_and_triage`), then the dead and those found in
        need of care (chance find_prob × aid access) — one compiled call (`expose_day`).
        The same pass finds who gives up today (`Returns.voluntary`'s rule, `kernels.gives_up`)
        for returns.voluntary to send home, where nothing between the two phases can move
        anyone into or out of the capital, staging or the zone (`fused_returns`)."""
        sim, pop = self.sim, self.sim.pop
        exposure, aid = self.outdoors_today(day)
        k_found, k_stay = self.keys[day, :2]
        returns = self.fused_returns()
        if returns is None:
            rule = NO_RETURNS
        else:
            rule = returns.rule(day)
        dead, hospitalised, giving_up = expose_day(
            pop.status, pop.node, pop.country, pop.health, pop.vulnerable, pop.frailty, pop.days_in_zone, pop.ti_next,
            pop.flows, exposure, self.loss[day], self.hunger, self.vuln_mult, aid,
            self.zone_aid[day], self.aid_restore, self.threshold, self.nd, self.temperature[day], day,
            self.find_prob, self.hospital_days, k_found, k_stay,
            _ZONE, _INTERIOR, _STAGING, _CAPITAL, _DEAD, _HOSPITAL, pop.live, returns is not None, pop.ti_created,
            self.expose_data, self.expose_rows, *rule)
        if returns is not None:
            sim.today["giving_up"] = giving_up
        pop.traced_changes((dead, "dead (died of exposure)"),
                            (hospitalised, "hospital (found and hospitalised)"))

    def outdoors_today(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """(exposure per node — 0 in an open shelter —, aid access per country) today: rows
        of by-day tables made at the first exposure (after the events, which set them)."""
        if self._by_day is None:
            exposure = np.tile(self.exposure, (self.sim.calendar.n_days, 1))
            for k, node in enumerate(self.shelter_node):
                exposure[self.shelter_cap[k] > 0, node] = 0.0
            self._by_day = (exposure, np.ascontiguousarray(self.aid.T))
        exposure, aid = self._by_day
        return exposure[day], aid[day]

    def fused_returns(self):
        """The returns module when its voluntary returns can be drawn in the exposure pass:
        only health.discharge (hospital → travelling, detained or inland) runs between the
        two phases, so the stranded after exposure are the stranded returns.voluntary sees."""
        if self._fused_returns is None:
            names = [name for name, _ in self.sim.loop]
            fuse = "health.exposure" in names and "returns.voluntary" in names
            if fuse:
                between = names[names.index("health.exposure") + 1:names.index("returns.voluntary")]
                fuse = set(between) <= {"health.discharge"}
            self._fused_returns = self.sim.module("returns") if fuse else False
        return self._fused_returns or None

    def discharge(self, day: int) -> None:
        """After hospital: people found after crossing enter detention in that country (if
        full, they are released inland and move on); people found in the zone (orchestrator
        side) go back to staging. One compiled pass (`discharge_patients`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        reception = sim.module("reception")
        k_detention, k_walk = self.keys[day, 2:]
        bad, back, detained, released, det_counts, rel_counts = discharge_patients(
            pop.status, pop.ti_next, pop.node, pop.dest, pop.country, pop.target, pop.segment, pop.health, pop.flows,
            day, g.type_code, self.interior_code, sim.module("transit").staging_of, self.capital,
            reception.places(day), reception.n_detained, reception.detention_days,
            k_detention, k_walk,
            sim.module("onward").interior_days, self.n_segments, g.next_hop, g.travel_days,
            _HOSPITAL, _DETAINED, _INTERIOR, _TRANSIT, evening_people(pop, IN_HOSPITAL))
        g.check_routed(bad, pop.node, "back to staging")
        pop.traced_changes((back, "transit (discharged, back to staging)"),
                            (detained, "detained (detained)"),
                            (released, "interior (crossed the border)"))
        # found inland after an unseen crossing: the defender records them like an inland
        # apprehension (a detention, or a release when detention is full)
        if detained.size:
            sim.results.add("new_detentions", day, det_counts)
            sim.results.add("new_attempts", day, det_counts)
        if released.size:
            sim.results.add("new_released", day, rel_counts)
            sim.results.add("new_attempts", day, rel_counts)


@cached_njit()
def shelter_people(status, node, country, health, dest_col, ti_next, flows, next_hop, travel_days, day,
                   shelter_node, shelter_draws, shelter_cap, capital, staging_code, zone_code, transit_code,
                   at_staging, in_zone, arrived):
    """`Health.shelter` for every shelter in turn; returns (−1 or the uid of someone with no
    route, people per shelter, the uids sent out, the uids taken in). It looks only at the
    people at staging (inside a shelter) and in the zone (the candidates): the morning
    lists, plus today's arrivals (`day_lists`; all three ascending, so the order is the
    order of everyone live)."""
    n_shelters = shelter_node.shape[0]
    sheltered = np.zeros(n_shelters, dtype=np.float64)
    sent_out = np.empty(0, dtype=np.int64)
    taken = np.empty(0, dtype=np.int64)
    for k in range(n_shelters):
        if shelter_cap[k, day] <= 0 and (day == 0 or shelter_cap[k, day - 1] <= 0):
            continue  # closed yesterday and today: nobody inside, nobody to take in
        here = shelter_node[k]
        # (each list's finds, then today's arrivals', merged: the order of everyone live)
        inside = merge_ascending(_inside(at_staging, status, node, staging_code, here),
                                 _inside(arrived, status, node, staging_code, here))
        cand = merge_ascending(_drawn(in_zone, status, node, zone_code, shelter_draws[k]),
                               _drawn(arrived, status, node, zone_code, shelter_draws[k]))
        n_in, n_cand = inside.shape[0], cand.shape[0]
        cap = int(shelter_cap[k, day])
        if n_in > cap:  # the shelter shrinks or closes: people go back to the capital
            out = inside[cap:n_in].copy()
            if capital >= 0:
                bad = depart_people(out, np.full(out.shape[0], capital, dtype=np.int32), status, node, dest_col,
                                    ti_next, next_hop, travel_days, day, transit_code, flows)
                if bad >= 0:
                    return out[bad], sheltered, sent_out, taken
                sent_out = np.concatenate((sent_out, out))
            n_in = cap
        room = cap - n_in
        if room > 0 and n_cand > 0:
            cand = cand[:n_cand]
            weakest = cand[smallest_first(health[cand], room)]
            bad = depart_people(weakest, np.full(weakest.shape[0], here, dtype=np.int32), status, node, dest_col,
                                ti_next, next_hop, travel_days, day, transit_code, flows)
            if bad >= 0:
                return weakest[bad], sheltered, sent_out, taken
            for i in weakest:
                country[i] = -1
            taken = np.concatenate((taken, weakest))
        sheltered[k] = n_in
    return -1, sheltered, sent_out, taken


@cached_njit(inline="always")
def _inside(uids, status, node, staging_code, here):
    """Those of `uids` at staging inside the shelter at node `here`, in order."""
    out = np.empty(uids.shape[0], dtype=np.int64)
    n = 0
    for i in uids:
        if status[i] == staging_code and node[i] == here:
            out[n] = i
            n += 1
    return out[:n]


@cached_njit(inline="always")
def _drawn(uids, status, node, zone_code, draws_from):
    """Those of `uids` in a zone the shelter draws from (`draws_from[node]`), in order."""
    out = np.empty(uids.shape[0], dtype=np.int64)
    n = 0
    for i in uids:
        if status[i] == zone_code and draws_from[node[i]]:
            out[n] = i
            n += 1
    return out[:n]


@cached_njit()
def smallest_first(values, k):
    """`np.argsort(values, kind="mergesort")[:k]`: the positions of the k smallest values,
    equal values in position order. For k < n by selection — the k-th smallest by a
    partition, the positions below it and the first ties at it, then a stable sort of
    those k — instead of sorting everyone to take a few."""
    n = values.shape[0]
    if k >= n:
        return np.argsort(values, kind="mergesort")
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    for v in values:
        if np.isnan(v):  # NaNs sort last; leave that to argsort
            return np.argsort(values, kind="mergesort")[:k]
    kth = np.partition(values, k - 1)[k - 1]
    pos = np.empty(k, dtype=np.int64)
    m = 0
    for j in range(n):
        if values[j] < kth:
            pos[m] = j
            m += 1
    for j in range(n):
        if m == k:
            break
        if values[j] == kth:
            pos[m] = j
            m += 1
    return pos[np.argsort(values[pos], kind="mergesort")]


@cached_njit()
def expose_day(status, node, country, health, vulnerable, frailty, days_in_zone, ti_next, flows, exposure,
               loss_today, hunger_per_day, vulnerable_mult, aid_interior, zone_aid, aid_restore, threshold, nd,
               temperature, day, find_prob, hospital_days, key_found, key_stay, zone_code, interior_code,
               staging_code, capital_code, dead_code, hospital_code, live, returns_on, ti_created, series, rows,
               key_return, base, per_day, max_rate, zone_factor):
    """`Health.expose`: returns (the dead, the hospitalised, and — when `returns_on` — the
    stranded who give up today, for `Returns.voluntary`), and writes today's EXPOSE_SERIES
    to column `day` of `series` (its `rows`, in order): the temperature, person-days below
    0 °C per scope, mean reserve in the zone per country, deaths and hospitalisations per
    scope; scope = the defending country, or the orchestrator's (last)."""
    ns = nd + 1
    freezing = temperature < 0
    dead, need, access, cold, zsum, zcnt, giving_up = expose_and_give_up(
        status, node, country, health, vulnerable, frailty, days_in_zone, exposure, loss_today, hunger_per_day,
        vulnerable_mult, aid_interior, zone_aid, aid_restore, threshold, zone_code, interior_code, staging_code,
        ns, freezing, capital_code, live, returns_on, ti_created, day, key_return, base, per_day, max_rate,
        zone_factor)
    mean_zone = np.zeros(nd, dtype=np.float64)
    for c in range(nd):
        if zcnt[c] > 0:
            mean_zone[c] = zsum[c] / zcnt[c]
    deaths = np.zeros(ns, dtype=np.int64)
    for i in dead:
        flows[status[i], dead_code] += 1
        status[i] = dead_code
        deaths[country[i] if country[i] >= 0 else nd] += 1
    found = np.zeros(ns, dtype=np.int64)
    hospitalised = np.empty(need.shape[0], dtype=np.int64)
    m = 0
    for j in range(need.shape[0]):
        i = need[j]
        if hashed_uniform_one(key_found, i) < find_prob * access[j]:
            flows[status[i], hospital_code] += 1
            status[i] = hospital_code
            ti_next[i] = day + geometric_wait(hashed_uniform_one(key_stay, i), hospital_days)
            found[country[i] if country[i] >= 0 else nd] += 1
            hospitalised[m] = i
            m += 1
    k = 0  # those taken to hospital do not go home today
    for i in giving_up:
        if status[i] != hospital_code:
            giving_up[k] = i
            k += 1
    series[rows[0], day] = temperature
    for j in range(ns):
        series[rows[1 + j], day] = cold[j]
    for j in range(nd):
        series[rows[1 + ns + j], day] = mean_zone[j]
    for j in range(ns):
        series[rows[1 + ns + nd + j], day] = deaths[j]
        series[rows[1 + 2 * ns + nd + j], day] = found[j]
    return dead, hospitalised[:m], giving_up[:k]


@cached_njit()
def discharge_patients(status, ti_next, node, dest_col, country, target, segment, health, flows, day, type_code,
                       interior_type, staging_of, capital, places, n_detained, detention_days, key_stay, key_walk,
                       interior_days, n_segments, next_hop, travel_days, hospital_code, detained_code, interior_code,
                       transit_code, live):
    """`Health.discharge`; returns (−1 or the uid of someone with no route, the uids sent
    back to staging, detained, released inland, and detentions and releases per segment)."""
    n = live.shape[0]
    back = np.empty(n, dtype=np.int64)
    crossed = np.empty(n, dtype=np.int64)
    n_back = n_crossed = 0
    for i in live:
        if status[i] == hospital_code and ti_next[i] <= day:
            health[i] = 1.0
            if type_code[node[i]] == interior_type:
                crossed[n_crossed] = i
                n_crossed += 1
            else:
                back[n_back] = i
                n_back += 1
    back = back[:n_back].copy()
    dest = np.empty(n_back, dtype=np.int32)
    for j in range(n_back):
        i = back[j]
        s = staging_of[node[i]]
        dest[j] = s if s >= 0 else capital
        country[i] = -1
        target[i] = -1
    bad = depart_people(back, dest, status, node, dest_col, ti_next, next_hop, travel_days, day, transit_code, flows)
    if bad >= 0:
        return back[bad], back, back[:0], back[:0], np.zeros(n_segments), np.zeros(n_segments)
    detained = np.empty(n_crossed, dtype=np.int64)
    released = np.empty(n_crossed, dtype=np.int64)
    n_det = n_rel = 0
    det_counts = np.zeros(n_segments, dtype=np.float64)
    rel_counts = np.zeros(n_segments, dtype=np.float64)
    for j in range(n_crossed):
        i = crossed[j]
        if detain_one(i, country[i], node[i], day, places, n_detained, status, country, node, ti_next, flows,
                      detention_days, key_stay, detained_code):
            detained[n_det] = i
            n_det += 1
            if segment[i] >= 0:
                det_counts[segment[i]] += 1
        else:
            released[n_rel] = i
            n_rel += 1
            if segment[i] >= 0:
                rel_counts[segment[i]] += 1
    for i in released[:n_rel]:  # no place in detention: released inland and moving on
        flows[status[i], interior_code] += 1
        status[i] = interior_code
        ti_next[i] = day + geometric_wait(hashed_uniform_one(key_walk, i), interior_days)
    return -1, back, detained[:n_det].copy(), released[:n_rel].copy(), det_counts, rel_counts
