"""Border resolution: detection, response capacity, barriers and outcomes, per group.

For a group of size n at segment s of country c on day d:
    λ = k_c · (effective guards on duty at s / km_s) · visibility_s · barrier_detect_s(d)
        · (n / 6)^γ_c · trained_mult + sensors_s(d) + sensor_hazard_c
    P(detected) = 1 − exp(−λ)
Detected groups beyond the segment's response capacity (guards × incidents per guard) go
unanswered — why siege tactics work. In an answered group each person is stopped with
    q = 1 − (1 − min(1, guards_s · stop_per_guard / n)) · (1 − hold),
hold = the barrier's hold (less `assistance`; an open crossing point is a gap, a closed one
is reinforced). Unanswered people are held by the barrier alone; unseen people by the
barrier and the terrain. Stopped people are pushed back (share by date) or detained.
"""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.module import Module
from ..engine.status import Status
from ..engine.streams import stable_id

# per-person outcome codes of kernels.classify_attempts
INTERCEPTED, HELD_SEEN, HELD_UNSEEN, CROSSED_SEEN, CROSSED_UNSEEN = range(5)

SEGMENT_FLOWS = {
    "new_attempts_all": "Person-attempts made, seen or not (model only; no one counts these).",
    "new_groups": "Groups sent to cross.",
    "new_incidents": "Groups detected (incidents the defender must answer).",
    "new_unanswered": "Detected groups beyond the response capacity (no one came).",
    "new_attempts": "Person-attempts the defender recorded: turned back + detained (+ released); Polish Border Guard definition.",
    "new_turnbacks": "People turned back: pushed back after interception or stopped at the line in sight (events).",
    "new_pushbacks": "People pushed back across the line after interception (events).",
    "new_detentions": "People detained after crossing, at the border or inland (Lithuanian 'entries').",
    "new_undetected": "People who got across unseen.",
    "new_unstopped": "People seen but not stopped (no response, or too many to stop).",
    "new_released": "Intercepted people released inland because detention was full and pushbacks not allowed.",
    "new_violent_incidents": "Answered incidents in which the group resisted (stones, stun grenades).",
    "new_defender_injuries": "Defenders injured in violent incidents (expected number).",
}


class Border(Module):
    name = "border"

    def init(self, sim):
        super().init(sim)
        sc, cal = sim.scenario, sim.calendar
        segs = sc.segments
        self.defenders = [c.code for c in sc.countries if c.role == "defender"]
        ns, nt = len(segs), cal.n_days
        self.seg_ids = [s.id for s in segs]
        self.seg_keys = np.array([stable_id(i) for i in self.seg_ids], dtype=np.int64)
        self.seg_country = np.array([self.defenders.index(s.country) for s in segs], dtype=np.int64)
        self.length = np.array([float(s.length_km) for s in segs])
        self.visibility = np.array([float(sc.terrains[s.terrain].visibility) for s in segs])
        self.passability = np.array([float(sc.terrains[s.terrain].passability) for s in segs])
        self.interior = np.array([sim.index.node[s.interior] for s in segs], dtype=np.int32)
        self.zone = np.array([sim.index.node[s.zone] for s in segs], dtype=np.int32)
        self.barrier_types = sc.barriers
        self.barrier_points = [[(b.date, b.type, b.km) for b in s.barrier] for s in segs]
        self.hold = np.zeros((ns, nt))
        self.detect_mult = np.ones((ns, nt))
        for i in range(ns):
            self._compile_barrier(i)
        self.has_cp = np.array([s.crossing_point is not None for s in segs])
        self.crossing_open = np.zeros((ns, nt))
        self.gap = np.zeros(ns)
        self.closed_hold = np.zeros(ns)
        self.intake = np.zeros(ns)
        self.sensors = np.zeros((ns, nt))
        for i, s in enumerate(segs):
            self.sensors[i] = cal.step([(p.date, p.value) for p in s.sensors.points], before=s.sensors.value)
            cp = s.crossing_point
            if cp is not None:
                self.crossing_open[i] = cal.step([(p.date, p.value) for p in cp.open.points], before=cp.open.value)
                self.gap[i] = float(cp.gap)
                self.closed_hold[i] = float(cp.closed_hold)
                self.intake[i] = float(cp.intake_per_day)
        parents = [self.defenders[c] for c in self.seg_country]
        for name, desc in SEGMENT_FLOWS.items():
            sim.results.define(name, self.seg_ids, "flow", desc, parents=parents)
        sim.results.define("new_asylum_at_checkpoint", self.seg_ids, "flow",
                           "People admitted to asylum procedures at an open crossing point.", parents=parents)

    def phases(self):
        return [("border.checkpoint", self.checkpoint), ("border.resolve", self.resolve)]

    # -- barriers ---------------------------------------------------------------------------
    def add_barrier(self, seg: int, date, barrier: str, km: float | None) -> None:
        """Add a barrier from `date` (used by the build_barrier event) and recompile."""
        self.barrier_points[seg].append((date, barrier, km))
        self._compile_barrier(seg)

    def _compile_barrier(self, seg: int) -> None:
        """Hold and detection multiplier by day: the strongest barriers cover their km first."""
        cal, L = self.sim.calendar, self.length[seg]
        covered: dict[str, float] = {}
        self.hold[seg] = 0.0
        self.detect_mult[seg] = 1.0
        for date, kind, km in sorted(self.barrier_points[seg], key=lambda p: p[0]):
            covered[kind] = L if km is None else min(float(km), L)
            left, hold, dm = L, 0.0, 0.0
            for k in sorted(covered, key=lambda k: -float(self.barrier_types[k].hold)):
                part = min(covered[k], left)
                left -= part
                hold += part / L * float(self.barrier_types[k].hold)
                dm += part / L * float(self.barrier_types[k].detect_mult)
            dm += left / L
            d0 = cal.clip(cal.day(date))
            self.hold[seg, d0:] = hold
            self.detect_mult[seg, d0:] = dm

    def hold_today(self, day: int) -> np.ndarray:
        h = self.hold[:, day].copy()
        cp = self.has_cp
        is_open = self.crossing_open[:, day] > 0.5
        h[cp & is_open] *= 1.0 - self.gap[cp & is_open]
        closed = cp & ~is_open
        h[closed] = np.maximum(h[closed], self.closed_hold[closed])
        return h

    # -- asylum at open crossing points ---------------------------------------------------
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

    # -- the crossing ---------------------------------------------------------------------------
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
        admitted = reception.detain(uids[to_detain], pc[to_detain], self.interior[pseg[to_detain]], day)
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
        onward.enter(uids[crossed], pc[crossed], self.interior[pseg[crossed]], day)
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
