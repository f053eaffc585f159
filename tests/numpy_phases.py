"""The NumPy phases the compiled kernels replaced, kept as the oracle for
tests/test_compiled_phases.py (issue #12, "the compiled day").

Each function is the former method verbatim (`self` is the module); a test puts it into
a sim's loop in place of the compiled phase and checks that the run does not change.
"""

from __future__ import annotations

import numpy as np

from borderlab.engine import kernels
from borderlab.engine.status import N_STATUS, Status
from borderlab.models.border import SEGMENT_FLOWS
from borderlab.models.orchestrator import Attempts, sorted_runs

# per-person outcome codes of kernels.classify_attempts
INTERCEPTED, HELD_SEEN, HELD_UNSEEN, CROSSED_SEEN, CROSSED_UNSEEN = range(5)


# -- orchestrator.launch -------------------------------------------------------------------------
def launch(self, day: int) -> None:
    """Form today's groups from people ready in the zone and give each a segment."""
    sim, pop = self.sim, self.sim.pop
    ph = self.phase(day)
    sim.today["attempts"] = None
    if ph is None:
        return
    ready = pop.due(Status.ZONE, day)
    if ready.size == 0:
        return
    go = sim.streams["orchestrator.launch"].uniform(day, ready) < float(ph.intensity)
    ready = ready[go]
    if ready.size == 0:
        return
    # order people by zone, randomly within a zone
    zone_of = pop.node[ready]
    shuffle = sim.streams["orchestrator.shuffle"].uniform(day, ready)
    order = np.lexsort((shuffle, zone_of))
    ready, zone_of = ready[order], zone_of[order]
    zones, start, n_z, _ = sorted_runs(zone_of)
    has_seg = self.zone_n_segments[zones] > 0
    if not has_seg.all():  # zones without segments: nobody is sent from there
        keep = np.repeat(has_seg, n_z)
        ready, zone_of = ready[keep], zone_of[keep]
        zones, start, n_z, _ = sorted_runs(zone_of)
        if ready.size == 0:
            return
    zrank = np.repeat(np.arange(zones.size), n_z)
    pos = np.arange(ready.size) - start[zrank]
    # group sizes per zone, uniform in [lo, hi], from the zone's own draws
    lo, hi = ph.group_size.min, ph.group_size.max
    m_z = n_z // lo + 1
    draw_zone = np.repeat(np.arange(zones.size), m_z)
    k = np.arange(draw_zone.size) - np.repeat(np.cumsum(m_z) - m_z, m_z)
    ids = zones[draw_zone].astype(np.int64) * (1 << 32) + k
    sizes = lo + np.floor(sim.streams["orchestrator.group_size"].uniform(day, ids) * (hi - lo + 1)).astype(np.int64)
    csum = np.cumsum(sizes)
    within = csum - np.repeat(csum[np.cumsum(m_z) - m_z] - sizes[np.cumsum(m_z) - m_z], m_z)
    BIG = np.int64(1 << 32)
    cut_keys = draw_zone.astype(np.int64) * BIG + within
    slot = np.searchsorted(cut_keys, zrank.astype(np.int64) * BIG + pos, side="right")
    used, _, group_size, group_of = sorted_runs(slot)  # slot is non-decreasing
    group_zone = zones[draw_zone[used]]
    # each group picks a segment of its zone
    w = self.segment_weights(day, ph)
    cw = np.cumsum(w[self.seg_by_zone])
    zstart = self.zone_seg_start[self.seg_zone[self.seg_by_zone]]
    base = np.concatenate([[0.0], cw])[zstart]
    tot = np.bincount(self.seg_zone[self.seg_by_zone], weights=w[self.seg_by_zone], minlength=len(self.zone_n_segments))
    frac = (cw - base) / np.maximum(tot[self.seg_zone[self.seg_by_zone]], 1e-300)
    keys = self.seg_zone[self.seg_by_zone] + np.minimum(frac, 1.0)
    u = sim.streams["orchestrator.segment"].uniform(day, group_zone.astype(np.int64) * (1 << 32) + k[used])
    pick = np.searchsorted(keys, group_zone + u * (1 - 1e-12), side="right")
    pick = np.minimum(pick, self.zone_seg_start[group_zone] + self.zone_n_segments[group_zone] - 1)
    group_seg = self.seg_by_zone[pick].astype(np.int64)
    uids = ready
    lead = uids[np.concatenate([[0], np.cumsum(group_size)[:-1]])]  # people are sorted by group
    gid = self.next_group + np.arange(group_size.size)
    self.next_group += group_size.size
    pop.group[uids] = gid[group_of]
    pop.segment[uids] = group_seg[group_of]
    pop.n_attempts[uids] += 1
    trained = np.zeros(group_size.size, dtype=bool)
    if self.trained_on:
        np.logical_or.at(trained, group_of, pop.trained[uids])
    sim.today["attempts"] = Attempts(uids, group_of, group_seg, group_size, lead,
                                     float(ph.assistance), np.where(trained, self.trained_mult, 1.0),
                                     float(ph.violence))


# -- border.resolve -------------------------------------------------------------------------
def resolve(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    ns = len(self.seg_ids)
    flows = {name: np.zeros(ns) for name in SEGMENT_FLOWS}
    att = sim.today.get("attempts")
    sim.today["back_in_zone"] = np.empty(0, np.int64)
    if att is None:
        for name, v in flows.items():
            sim.results.rec(name, day, v)
        sim.today["incidents"] = np.zeros(ns)
        sim.today["outcome"] = (np.zeros(ns), np.zeros(ns))
        return
    dfd = sim.module("defenders")
    seg, size, lead = att.group_seg, att.group_size, att.lead
    c = self.seg_country[seg]
    # detection, per group
    lam = (dfd.k_det[c] * dfd.seg_guards[seg] / self.length[seg] * self.visibility[seg]
           * self.detect_mult[seg, day] * (size / 6.0) ** dfd.size_exp[c] * att.detect_mult
           + self.sensors[seg, day] + dfd.sensor_hazard[c])
    detected = sim.streams["border.detect"].uniform(day, lead) < -np.expm1(-lam)
    # response capacity, per segment: answered in a random order up to capacity
    cap = dfd.seg_capacity
    cap_int = np.floor(cap) + (sim.streams["border.capacity"].uniform(day, self.seg_keys) < cap - np.floor(cap))
    answered = np.zeros(seg.size, dtype=bool)
    idx = np.flatnonzero(detected)
    if idx.size:
        u = sim.streams["border.respond"].uniform(day, lead[idx])
        order = np.lexsort((u, seg[idx]))
        sseg = seg[idx][order]
        first = np.searchsorted(sseg, sseg, side="left")
        rank = np.arange(sseg.size) - first
        answered[idx[order]] = rank < cap_int[sseg]
    # per person
    g = att.group_of
    uids = att.uids
    pseg = seg[g]
    pc = self.seg_country[pseg]
    hold = self.hold_today(day)[pseg] * (1.0 - att.assistance)
    stop_frac = np.minimum(1.0, dfd.seg_guards[seg] * dfd.stop_per_guard[c] / size)
    code = kernels.classify_attempts(g, answered, detected, hold, stop_frac, self.passability[pseg],
                                     sim.streams["border.stop"].uniform(day, uids))
    intercepted = code == INTERCEPTED
    seen_held = code == HELD_SEEN
    unseen_blocked = code == HELD_UNSEEN
    crossed_seen = code == CROSSED_SEEN
    crossed_unseen = code == CROSSED_UNSEEN
    # outcome of interception: pushback or detention (capacity permitting)
    ic = np.flatnonzero(intercepted)
    share = dfd.pushback[pc[ic], day] * np.where(pop.vulnerable[uids[ic]], dfd.vuln_factor[pc[ic]], 1.0)
    push = sim.streams["border.outcome"].uniform(day, uids[ic]) < share
    pushed = ic[push]
    to_detain = ic[~push]
    reception = sim.module("reception")
    admitted = detain(reception, uids[to_detain], pc[to_detain], self.interior[pseg[to_detain]], day)
    detained_mask = np.zeros(uids.size, dtype=bool)
    detained_mask[to_detain[admitted]] = True
    released = np.zeros(uids.size, dtype=bool)
    if not admitted.all():
        of = to_detain[~admitted]
        can_push = dfd.pushback[pc[of], day] > 0
        pushed = np.concatenate([pushed, of[can_push]])
        released[of[~can_push]] = True
    pushed_mask = np.zeros(uids.size, dtype=bool)
    pushed_mask[pushed] = True
    crossed = crossed_seen | crossed_unseen | released
    onward = sim.module("onward")
    enter(onward, uids[crossed], pc[crossed], self.interior[pseg[crossed]], day)
    sim.today["back_in_zone"] = uids[pushed_mask | seen_held | unseen_blocked]

    # per-segment counts of every person-level outcome in one pass
    outcome = np.full(uids.size, 6, dtype=np.int64)  # 6: held (barrier/terrain, unseen or seen)
    outcome[crossed_unseen] = 0
    outcome[crossed_seen & ~released] = 1
    outcome[released] = 2
    outcome[detained_mask] = 3
    outcome[pushed_mask] = 4
    outcome[seen_held] = 5
    table = np.bincount(outcome * ns + pseg, minlength=7 * ns).reshape(7, ns).astype(float)
    flows["new_attempts_all"] = table.sum(axis=0)
    flows["new_groups"] = np.bincount(seg, minlength=ns).astype(float)
    flows["new_incidents"] = np.bincount(seg[detected], minlength=ns).astype(float)
    flows["new_unanswered"] = np.bincount(seg[detected & ~answered], minlength=ns).astype(float)
    flows["new_undetected"] = table[0]
    flows["new_unstopped"] = table[1]
    flows["new_released"] = table[2]
    flows["new_detentions"] = table[3]
    flows["new_pushbacks"] = table[4]
    flows["new_turnbacks"] = table[4] + table[5]
    flows["new_attempts"] = flows["new_turnbacks"] + flows["new_detentions"] + flows["new_released"]
    crossed_per_seg = table[0] + table[1] + table[2]
    violent = np.zeros(seg.size, dtype=bool)
    if att.violence > 0:
        violent = answered & (sim.streams["border.violence"].uniform(day, lead) < att.violence)
    flows["new_violent_incidents"] = np.bincount(seg[violent], minlength=ns).astype(float)
    seg_c = self.seg_country
    flows["new_defender_injuries"] = flows["new_violent_incidents"] * dfd.injuries_per_violent[seg_c]
    for name, v in flows.items():
        sim.results.add(name, day, v)
    # violent incidents weigh more in the load that tires the force
    sim.today["incidents"] = flows["new_incidents"] + flows["new_violent_incidents"] * (dfd.violent_load[seg_c] - 1.0)
    sim.today["outcome"] = (flows["new_attempts_all"], crossed_per_seg)


# -- transit.dispatch ------------------------------------------------------------------------
def choose_zones(self, day: int, uids: np.ndarray, stream: str) -> np.ndarray:
    """Pick a border zone per person from the orchestrator's weights today."""
    orch = self.sim.module("orchestrator")
    w = orch.zone_weights(day, self.zones, self.zone_country, self.zone_weight)
    if w.sum() <= 0:
        return np.full(uids.size, -1, dtype=np.int32)
    cdf = np.cumsum(w / w.sum())
    u = self.sim.streams[stream].uniform(day, uids)
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    return self.zones[pick].astype(np.int32)

def dispatch(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    movement = sim.module("movement")
    # capital → staging, limited by the buses available today (first come, first served)
    ready = pop.due(Status.CAPITAL, day)
    n_cap = 0
    if ready.size and self.capacity[day] > 0:
        k = int(np.floor(self.capacity[day]))
        frac = self.capacity[day] - k
        if frac > 0 and sim.streams["transit.capacity"].uniform(day, np.zeros(1, np.int64))[0] < frac:
            k += 1
        ready = ready[:k]
        zones = choose_zones(self, day, ready, "transit.zone_choice")
        go = zones >= 0
        ready, zones = ready[go], zones[go]
        pop.target[ready] = zones
        dest = np.where(self.staging_of[zones] >= 0, self.staging_of[zones], zones)
        movement.depart(ready, dest, day, why="bussed towards the border")
        n_cap = ready.size
    # staging → zone (not out of an open shelter)
    ready = pop.due(Status.STAGING, day)
    if ready.size and self.shelter_nodes:
        ready = ready[~self.is_shelter[pop.node[ready]]]
    n_stg = 0
    if ready.size:
        # keep the zone assigned in the capital; re-plan for those sent back from the zone
        zones = pop.target[ready].copy()
        fresh = zones < 0
        if fresh.any():
            zones[fresh] = choose_zones(self, day, ready[fresh], "transit.zone_rechoice")
        go = zones >= 0
        ready, zones = ready[go], zones[go]
        pop.target[ready] = zones
        movement.depart(ready, zones, day, why="led into the border zone")
        n_stg = ready.size
    sim.results.rec("new_dispatched", day, [n_cap, n_stg])


# -- health.shelter and health.exposure -------------------------------------------------------
def shelter(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    if not len(self.shelters):
        return
    movement = sim.module("movement")
    sheltered = np.zeros(len(self.shelters))
    for k in range(len(self.shelters)):
        if self.shelter_cap[k, day] <= 0 and (day == 0 or self.shelter_cap[k, day - 1] <= 0):
            continue  # closed yesterday and today: nobody inside, nobody to take in
        node = self.shelter_node[k]
        staging = pop.find(Status.STAGING)
        inside = staging[pop.node[staging] == node]
        cap = int(self.shelter_cap[k, day])
        if inside.size > cap:  # shelter shrinks or closes: people go back to the capital
            out = inside[cap:]
            if self.capital >= 0:
                movement.depart(out, self.capital, day, why="shelter closed")
            inside = inside[:cap]
        room = cap - inside.size
        if room > 0:
            zone = pop.find(Status.ZONE)
            cand = zone[np.isin(pop.node[zone], self.shelter_from[k])]
            if cand.size:
                take = cand[np.argsort(pop.health[cand], kind="stable")[:room]]
                movement.depart(take, node, day, why="moved into a shelter")
                pop.country[take] = -1
        sheltered[k] = inside.size
    sim.results.rec("n_sheltered", day, sheltered)

def expose(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    res = sim.results
    res.rec("temperature_c", day, self.temperature[day])
    ns = self.nd + 1
    exposure = self.exposure
    if len(self.shelters):
        exposure = exposure.copy()
        exposure[self.shelter_node[self.shelter_cap[:, day] > 0]] = 0.0
    dead, need, access, cold, zsum, zcnt = kernels.expose_and_triage(
        pop.status, pop.node, pop.country, pop.health, pop.vulnerable, pop.frailty, pop.days_in_zone, exposure,
        self.loss[day], self.hunger, self.vuln_mult, self.aid[:, day].copy(), self.zone_aid[day],
        self.aid_restore, self.threshold, np.int8(Status.ZONE), np.int8(Status.INTERIOR),
        np.int8(Status.STAGING), ns, self.temperature[day] < 0, np.int8(Status.CAPITAL))
    res.rec("person_days_below_0c", day, cold)
    res.rec("mean_health_zone", day, np.divide(zsum[: self.nd], zcnt[: self.nd], out=np.zeros(self.nd),
                                               where=zcnt[: self.nd] > 0))
    if dead.size:
        pop.transition(dead, Status.DEAD, "died of exposure")
        res.rec("new_deaths", day, np.bincount(_scope(self, pop.country[dead]), minlength=ns))
    if need.size:
        found = sim.streams["health.found"].uniform(day, need) < self.find_prob * access
        who = need[found]
        if who.size:
            pop.transition(who, Status.HOSPITAL, "found and hospitalised")
            pop.ti_next[who] = day + self.geometric_days("health.hospital_days", day, who, self.hospital_days)
            res.rec("new_hospitalised", day, np.bincount(_scope(self, pop.country[who]), minlength=ns))


# -- reception.release -------------------------------------------------------------------------
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


# -- onward.inland -------------------------------------------------------------------------
def inland_step(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    nd = len(self.defenders)
    inside = pop.find(Status.INTERIOR)
    caught_c = np.zeros(nd)
    if inside.size:
        c = pop.country[inside]
        caught = sim.streams["onward.inland"].uniform(day, inside) < self.inland[c]
        cand = inside[caught]
        admitted = detain(sim.module("reception"), cand, c[caught], pop.node[cand], day)
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


# -- movement.advance and transit.arrivals (the arrivals as a dict by status) ------------------
def advance(self, day: int) -> None:
    pop, g = self.sim.pop, self.sim.graph
    status = pop.status
    moving = pop.due(Status.TRANSIT, day)
    arrived = {}
    ids, new_status = np.empty(0, np.int64), np.empty(0, np.int8)
    if moving.size:
        done = kernels.advance_travellers(moving, pop.node, pop.dest, pop.ti_next, status,
                                          day, g.next_hop, g.travel_days, self.arrive_status)
        ids = moving[done]
        new_status = status[ids]
        pop.flows[Status.TRANSIT, :] += np.bincount(new_status, minlength=N_STATUS)
        pop.flows[Status.TRANSIT, Status.TRANSIT] -= np.count_nonzero(new_status == Status.TRANSIT)
        for st in np.unique(new_status):
            arrived[int(st)] = ids[new_status == st]
        pop.joined(arrived.get(int(Status.INTERIOR), ids[:0]), Status.INTERIOR)  # models/day_lists.py
        if pop.traced:
            for st, who in arrived.items():
                pop._trace(who, f"arrived: {Status(st).name.lower()}")
    self.sim.today["arrived"] = (ids, new_status)  # as movement.advance leaves them (uid order)
    res = self.sim.results
    cap = arrived.get(int(Status.CAPITAL), np.empty(0, np.int64))
    if cap.size and "by_air" in pop.columns:
        landed = cap[pop.by_air[cap]]  # people sent back from a closed shelter do not count
        pop.by_air[landed] = False
        res.rec("new_arrivals_capital", day, landed.size)
    else:
        res.rec("new_arrivals_capital", day, 0)
    onward = arrived.get(int(Status.ONWARD), np.empty(0, np.int64))
    if onward.size:
        c = pop.country[onward]
        c = c[c >= 0]
        res.rec("new_onward", day, np.bincount(c, minlength=len(self.countries))[: len(self.countries)])


def on_arrivals(self, day: int) -> None:
    """Schedule the next move of people who reached the capital, staging or the zone today."""
    ids, new_status = self.sim.today.get("arrived", (np.empty(0, np.int64), np.empty(0, np.int8)))
    arrived = {int(st): ids[new_status == st] for st in np.unique(new_status)}
    pop = self.sim.pop
    cap = arrived.get(int(Status.CAPITAL))
    if cap is not None and cap.size:
        pop.ti_next[cap] = day + self.geometric_days("transit.capital_dwell", day, cap, self.capital_dwell)
    stg = arrived.get(int(Status.STAGING))
    if stg is not None and stg.size:
        pop.ti_next[stg] = day + self.geometric_days("transit.staging_dwell", day, stg, self.staging_dwell)
    zone = arrived.get(int(Status.ZONE))
    if zone is not None and zone.size:
        pop.ti_next[zone] = day + 1
        zi = np.searchsorted(self.zones, pop.node[zone])
        pop.country[zone] = self.zone_country[zi]


# -- returns.voluntary ------------------------------------------------------------------------
def voluntary(self, day: int) -> None:
    pop = self.sim.pop
    gone = kernels.voluntary_returns(
        pop.status, pop.ti_created, day, self.sim.streams["returns.voluntary"].day_key(day),
        self.base, self.per_day, self.max_rate, self.zone_factor,
        np.int8(Status.CAPITAL), np.int8(Status.STAGING), np.int8(Status.ZONE))
    self._go_home(gone, "gave up and went home")
    res = self.sim.results
    res.rec("new_voluntary_returns", day, gone.size)
    res.rec("new_returns", day, gone.size + self.sim.today.get("repatriated", 0))


# -- orchestrator.coerce ----------------------------------------------------------------------
def coerce(self, day: int) -> None:
    """Failed attempters: kept in the zone (retry later) or taken back to staging."""
    sim, pop = self.sim, self.sim.pop
    back = sim.today.get("back_in_zone")
    if back is None or back.size == 0:
        return
    kept = sim.streams["orchestrator.coercion"].uniform(day, back) < self.coercion[day]
    stay, leave = back[kept], back[~kept]
    pop.ti_next[stay] = day + self.geometric_days("orchestrator.retry", day, stay, self.retry_days)
    if leave.size:
        staging = sim.module("transit").staging_of[pop.node[leave]]
        has = staging >= 0
        pop.target[leave[has]] = -1
        pop.country[leave[has]] = -1
        sim.module("movement").depart(leave[has], staging[has], day, why="taken back to staging")
        rest = leave[~has]
        pop.ti_next[rest] = day + self.geometric_days("orchestrator.retry", day, rest, self.retry_days)


# -- health.discharge -------------------------------------------------------------------------
def discharge(self, day: int) -> None:
    """After hospital: people found after crossing enter detention in that country;
    people found in the zone (orchestrator side) go back to staging."""
    sim, pop = self.sim, self.sim.pop
    hosp = pop.find(Status.HOSPITAL)
    due = hosp[pop.ti_next[hosp] <= day]
    if due.size == 0:
        return
    pop.health[due] = 1.0
    crossed = self.sim.graph.type_code[pop.node[due]] == self.interior_code
    back = due[~crossed]
    if back.size:
        staging = sim.module("transit").staging_of[pop.node[back]]
        dest = np.where(staging >= 0, staging, self.capital)
        pop.country[back] = -1
        pop.target[back] = -1
        sim.module("movement").depart(back, dest, day, why="discharged, back to staging")
    due = due[crossed]
    c = pop.country[due]
    admitted = detain(sim.module("reception"), due, c, pop.node[due], day)
    # found inland after an unseen crossing: the defender records them like an inland
    # apprehension (a detention, or a release when detention is full)
    _count_by_segment(self, ("new_detentions", "new_attempts"), due[admitted], day)
    overflow = due[~admitted]
    _count_by_segment(self, ("new_released", "new_attempts"), overflow, day)
    if overflow.size:
        # no place in detention: released inland and moving on
        enter(sim.module("onward"), overflow, pop.country[overflow], pop.node[overflow], day)

def _count_by_segment(self, metrics: tuple[str, ...], uids: np.ndarray, day: int) -> None:
    if uids.size == 0:
        return
    seg = self.sim.pop.segment[uids]
    counts = np.bincount(seg[seg >= 0], minlength=self.n_segments).astype(float)
    for name in metrics:
        self.sim.results.add(name, day, counts)


def _scope(self, country: np.ndarray) -> np.ndarray:
    """Scope row per person: their defending country, or the orchestrator's (last row)."""
    return np.where(country >= 0, country, self.nd)


# -- Reception.detain and Onward.enter, called by the phases above ---------------------------
def detain(self, uids: np.ndarray, country: np.ndarray, node, day: int) -> np.ndarray:
    """Detain whom capacity allows, in the order given; return the mask of those admitted."""
    admitted = np.zeros(uids.size, dtype=bool)
    if uids.size == 0:
        return admitted
    admitted, taken = kernels.admit_in_order(np.ascontiguousarray(country, dtype=np.int64),
                                             self.free_places(day))
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


def enter(self, uids: np.ndarray, country: np.ndarray, node: np.ndarray, day: int) -> None:
    """People who crossed today start walking inland."""
    if uids.size == 0:
        return
    pop = self.sim.pop
    pop.transition(uids, Status.INTERIOR, "crossed the border")
    pop.joined(uids, Status.INTERIOR)  # onward.inland walks them today (models/day_lists.py)
    pop.country[uids] = country
    pop.node[uids] = node
    pop.ti_next[uids] = day + self.geometric_days("onward.interior_days", day, uids, self.interior_days)


# -- border.checkpoint --------------------------------------------------------------------------
def checkpoint(self, day: int) -> None:
    sim, pop = self.sim, self.sim.pop
    counts = np.zeros(len(self.seg_ids))
    active = np.flatnonzero(self.has_cp & (self.crossing_open[:, day] > 0.5) & (self.intake > 0))
    for s in active:
        ready = np.flatnonzero((pop.status == Status.ZONE) & (pop.node == self.zone[s]) & (pop.ti_next <= day))
        take = ready[: int(self.intake[s])]
        if take.size:
            pop.transition(take, Status.RECEPTION, "asylum at a crossing point")
            pop.country[take] = self.seg_country[s]
            pop.node[take] = self.interior[s]
            counts[s] = take.size
    sim.results.rec("new_asylum_at_checkpoint", day, counts)


# -- supply.arrive ------------------------------------------------------------------------------
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


# -- defenders.deploy and defenders.fatigue ----------------------------------------------------------
def allocation(self) -> np.ndarray:
    """Share of each country's on-duty force per segment (sums to 1 within a country)."""
    nd = len(self.codes)
    per_km = self.seg_length / np.bincount(self.seg_country, weights=self.seg_length, minlength=nd)[self.seg_country]
    share = per_km.copy()
    for c, rule in enumerate(self.rule):
        m = self.seg_country == c
        if rule == "fixed":
            w = self.fixed[m]
            share[m] = w / w.sum() if w.sum() > 0 else per_km[m]
        elif rule == "pressure":
            p = self.pressure[m]
            if p.sum() > 0:
                share[m] = (1 - self.pressure_w[c]) * per_km[m] + self.pressure_w[c] * p / p.sum()
    return share


def deploy(self, day: int) -> None:
    personnel = self.guards[:, day] + self.troop_eff * self.troops[:, day]
    if self.has_prev:  # was: `self.prev_personnel is not None`
        grew = personnel > self.prev_personnel
        self.fatigue[grew] *= self.prev_personnel[grew] / personnel[grew]
    self.prev_personnel, self.has_prev = personnel, True
    self.on_duty = personnel * self.duty
    self.effectiveness = 1.0 - self.max_effect * self.fatigue
    share = allocation(self)
    c = self.seg_country
    self.seg_guards = self.on_duty[c] * share * self.effectiveness[c]
    self.seg_capacity = self.seg_guards * self.resp_per_guard[c]
    res = self.sim.results
    res.rec("guards_on_duty", day, self.on_duty)
    res.rec("guards_per_km", day, self.seg_guards / self.seg_length)


def update_fatigue(self, day: int) -> None:
    nd = len(self.codes)
    incidents = self.sim.today.get("incidents")
    if incidents is None:
        incidents = np.zeros(len(self.seg_length))
    cap = np.bincount(self.seg_country, weights=self.seg_capacity, minlength=nd)
    demand = np.bincount(self.seg_country, weights=incidents, minlength=nd)
    load = np.divide(demand, cap, out=np.zeros(nd), where=cap > 0)
    load[(cap <= 0) & (demand > 0)] = np.inf
    excess = np.maximum(0.0, np.minimum(load, 1e3) - self.sustainable)
    self.fatigue = np.clip(self.fatigue + self.build * excess - self.recover * self.fatigue, 0.0, 1.0)
    a = self.pressure_alpha[self.seg_country]
    self.pressure = (1 - a) * self.pressure + a * incidents
    res = self.sim.results
    res.rec("guard_utilisation", day, np.minimum(load, 1e3))
    res.rec("guard_fatigue", day, self.fatigue)
    res.rec("guard_effectiveness", day, 1.0 - self.max_effect * self.fatigue)


# -- orchestrator.learn --------------------------------------------------------------------------
def learn(self, day: int) -> None:
    out = self.sim.today.get("outcome")
    if out is None:
        return
    tried, crossed = out
    a = self.alpha
    m = tried > 0
    self.seg_success[m] = (1 - a) * self.seg_success[m] + a * crossed[m] / tried[m]
    nd = len(self.defenders)
    ct = np.bincount(self.seg_country, weights=tried, minlength=nd)
    cc = np.bincount(self.seg_country, weights=crossed, minlength=nd)
    m = ct > 0
    self.country_success[m] = (1 - a) * self.country_success[m] + a * cc[m] / ct[m]


# -- stocks.record -------------------------------------------------------------------------------
def record(self, day: int) -> None:
    pop, res = self.sim.pop, self.sim.results
    nd = len(self.defenders)
    table = kernels.count_status_country(pop.status, pop.country, N_STATUS, nd)
    total = table.sum(axis=1)
    res.rec("n_in_capital", day, total[Status.CAPITAL])
    res.rec("n_at_staging", day, total[Status.STAGING])
    res.rec("n_in_zone", day, table[Status.ZONE, 1:])
    res.rec("n_in_transit", day, total[Status.TRANSIT])
    res.rec("n_interior", day, table[Status.INTERIOR, 1:])
    res.rec("n_detained", day, table[Status.DETAINED, 1:])
    res.rec("n_reception", day, table[Status.RECEPTION, 1:])
    res.rec("n_hospital", day, np.append(table[Status.HOSPITAL, 1:], table[Status.HOSPITAL, 0]))
    res.rec("n_stranded", day, total[Status.CAPITAL] + total[Status.STAGING] + total[Status.ZONE])
    res.rec("n_onward", day, total[Status.ONWARD])
    res.rec("n_returned", day, total[Status.RETURNED])
    res.rec("n_dead", day, total[Status.DEAD])
    res.rec("n_people", day, pop.n)


# -- the starting draws (on_create), now filled ahead by uid (Module.drawn_at_creation) -----------------
def supply_on_create(self, uids, day):
    u = self.sim.streams["supply.vulnerable"].uniform(0, uids)
    self.sim.pop.vulnerable[uids] = u < self.vulnerable_share


def health_on_create(self, uids, day):
    from scipy.special import ndtri

    if self.frailty_sd > 0:
        z = ndtri(self.sim.streams["health.frailty"].uniform(0, uids))
        self.sim.pop.frailty[uids] = np.exp(self.frailty_sd * z - 0.5 * self.frailty_sd ** 2)


def orchestrator_on_create(self, uids, day):
    if self.trained_on:
        u = self.sim.streams["orchestrator.trained"].uniform(0, uids)
        self.sim.pop.trained[uids] = u < self.trained_share
