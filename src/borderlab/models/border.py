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

from ..engine.kernels import classify_one, geometric_wait_given, hashed_uniform_one, wait_denominator
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import Status
from ..engine.streams import stable_id
from .day_lists import IN_ZONE, morning_people
from .reception import detain_one

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
        # each type's hold and detection multiplier as plain floats: `_compile_barrier` runs
        # for every segment and every build_barrier event, and read them through the
        # scenario's parameter objects was most of its cost
        self.barrier_hold = {k: float(b.hold) for k, b in sc.barriers.items()}
        self.barrier_detect = {k: float(b.detect_mult) for k, b in sc.barriers.items()}
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
        # today's SEGMENT_FLOWS in one write; the day keys of `resolve_crossings`' streams
        self.flow_data, self.flow_rows = sim.results.pack(SEGMENT_FLOWS)
        self.resolve_keys = sim.streams.day_keys(RESOLVE_STREAMS, nt)
        self._by_day = None  # segments_today's tables
        self._open_by_day = None  # checkpoints_open's lists

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
        hold_of, detect_of = self.barrier_hold, self.barrier_detect
        covered: dict[str, float] = {}
        self.hold[seg] = 0.0
        self.detect_mult[seg] = 1.0
        for date, kind, km in sorted(self.barrier_points[seg], key=lambda p: p[0]):
            covered[kind] = L if km is None else min(float(km), L)
            left, hold, dm = L, 0.0, 0.0
            for k in sorted(covered, key=lambda k: -hold_of[k]):
                part = min(covered[k], left)
                left -= part
                hold += part / L * hold_of[k]
                dm += part / L * detect_of[k]
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

    def segments_today(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(detection multiplier, sensors, hold) per segment today, as contiguous rows of
        by-day tables made at the first crossing (after the events, which set them)."""
        if self._by_day is None:
            ns, nt = self.hold.shape
            hold = self.hold.copy()
            is_open = self.crossing_open > 0.5
            gap = self.has_cp[:, None] & is_open
            hold[gap] *= np.broadcast_to((1.0 - self.gap)[:, None], (ns, nt))[gap]
            closed = self.has_cp[:, None] & ~is_open
            hold[closed] = np.maximum(hold[closed], np.broadcast_to(self.closed_hold[:, None], (ns, nt))[closed])
            self._by_day = (np.ascontiguousarray(self.detect_mult.T), np.ascontiguousarray(self.sensors.T),
                            np.ascontiguousarray(hold.T))
        detect_mult, sensors, hold = self._by_day
        return detect_mult[day], sensors[day], hold[day]

    # -- asylum at open crossing points ---------------------------------------------------
    def checkpoint(self, day: int) -> None:
        """At each open crossing point with an intake, up to `intake_per_day` people due in
        its zone (first come, first served) enter asylum reception in its country."""
        active = self.checkpoints_open(day)
        if active.size == 0:  # no crossing point takes anyone today: the series stays 0
            return
        sim, pop = self.sim, self.sim.pop
        counts = np.zeros(len(self.seg_ids))
        taken = admit_at_checkpoints(active, self.zone, self.intake, self.seg_country, self.interior,
                                     pop.status, pop.node, pop.ti_next, pop.country, pop.flows, day, counts,
                                     _ZONE, _RECEPTION, morning_people(pop, IN_ZONE))
        pop.traced_changes((taken, "reception (asylum at a crossing point)"))
        sim.results.rec("new_asylum_at_checkpoint", day, counts)

    def checkpoints_open(self, day: int) -> np.ndarray:
        """The segments whose crossing point is open and takes people today: one list a day,
        made at the first call (after the events, which open and close crossing points)."""
        if self._open_by_day is None:
            takes = self.has_cp & (self.intake > 0)
            is_open = (self.crossing_open > 0.5) & takes[:, None]
            self._open_by_day = [np.flatnonzero(is_open[:, d]) for d in range(is_open.shape[1])]
        return self._open_by_day[day]

    # -- the crossing ---------------------------------------------------------------------------
    def resolve(self, day: int) -> None:
        """Today's attempts, group by group and person by person (`resolve_crossings`):
        detection, response up to capacity, stopping, then pushback, detention (capacity
        permitting) or release, and the crossers start walking inland."""
        sim, pop = self.sim, self.sim.pop
        ns = len(self.seg_ids)
        att = sim.today.get("attempts")
        sim.today["back_in_zone"] = np.empty(0, np.int64)
        if att is None:
            self.flow_data[self.flow_rows, day] = 0.0
            sim.today["incidents"] = np.zeros(ns)
            sim.today["outcome"] = (np.zeros(ns), np.zeros(ns))
            return
        dfd, reception, onward = sim.module("defenders"), sim.module("reception"), sim.module("onward")
        back, crossed, outcome, tried, got_across, incidents = resolve_crossings(
            att.uids, att.group_of, att.group_seg, att.group_size, att.lead, att.detect_mult,
            float(att.assistance), float(att.violence), day, self.resolve_keys[day], self.seg_keys,
            self.seg_country, self.length, self.visibility, self.passability, self.interior,
            *self.segments_today(day),
            dfd.k_det, dfd.seg_guards, dfd.size_exp, dfd.sensor_hazard, dfd.seg_capacity, dfd.stop_per_guard,
            dfd.pushback_on(day), dfd.vuln_factor, dfd.injuries_per_violent, dfd.violent_load,
            reception.places(day), reception.n_detained, reception.detention_days, onward.interior_days,
            pop.status, pop.country, pop.node, pop.ti_next, pop.vulnerable, pop.flows,
            _DETAINED, _INTERIOR, self.flow_data, self.flow_rows)
        if pop.traced:
            pop.traced_changes((att.uids[outcome == DETAINED], "detained (detained)"),
                               (att.uids[outcome <= RELEASED], "interior (crossed the border)"))
        pop.joined(crossed, Status.INTERIOR)  # onward.inland walks them today
        sim.today["back_in_zone"] = back
        # violent incidents weigh more in the load that tires the force
        sim.today["incidents"] = incidents
        sim.today["outcome"] = (tried, got_across)


# streams of `resolve_crossings`, in the order of its `keys`
RESOLVE_STREAMS = ("border.detect", "border.capacity", "border.respond", "border.stop", "border.outcome",
                   "reception.detention", "onward.interior_days", "border.violence")
ROW = {name: i for i, name in enumerate(SEGMENT_FLOWS)}
_ZONE, _RECEPTION, _DETAINED, _INTERIOR = (np.int8(s) for s in (Status.ZONE, Status.RECEPTION, Status.DETAINED,
                                                                 Status.INTERIOR))
N_ROWS = len(ROW)
# per-person outcomes after the border, as `resolve_crossings` returns them
CROSSED_UNSEEN, CROSSED_SEEN, RELEASED, DETAINED, PUSHED, HELD_IN_SIGHT, HELD = range(7)
_R_ALL, _R_GROUPS, _R_INC, _R_UNANS, _R_ATT, _R_TURN, _R_PUSH, _R_DET, _R_UNDET, _R_UNSTOP, _R_REL, _R_VIOL, _R_INJ = (
    ROW[name] for name in SEGMENT_FLOWS)
# kernels.classify_one's codes (intercepted, held in sight, held unseen, crossed seen, crossed
# unseen) → outcome; the intercepted (−1) are pushed back, detained or released
OUTCOME_OF_CODE = np.array([-1, HELD_IN_SIGHT, HELD, CROSSED_SEEN, CROSSED_UNSEEN], dtype=np.int8)
# outcome → the SEGMENT_FLOWS row it counts in (−1: none); in sight adds to turnbacks
ROW_OF_OUTCOME = np.array([_R_UNDET, _R_UNSTOP, _R_REL, _R_DET, _R_PUSH, _R_TURN, -1], dtype=np.int64)


@cached_njit()
def resolve_crossings(uids, group_of, group_seg, group_size, lead, group_detect_mult, assistance, violence,
                      day, keys, seg_keys, seg_country, length, visibility, passability, interior,
                      detect_mult, sensors, hold_today, k_det, seg_guards, size_exp, sensor_hazard,
                      seg_capacity, stop_per_guard, pushback, vuln_factor, injuries_per_violent, violent_load,
                      places, n_detained, detention_days, interior_days,
                      status, country, node, ti_next, vulnerable, flows, detained_code, interior_code,
                      flow_data, flow_rows):
    """`Border.resolve` in one pass (see the module docstring for the rules). Draws, each
    from its named stream (`keys` in RESOLVE_STREAMS order): detect, respond and violence
    per group lead, capacity per segment, stop and outcome per person, detention stay and
    inland days per person. Changes the people's status, country, node and next day and
    counts the flows; adds the SEGMENT_FLOWS rows to today's column of `flow_data` (its
    `flow_rows`, row after row); returns (people back in the zone, the crossers, outcome
    per person, and per segment: people who tried, people who got across —
    unseen, unstopped or released —, today's incident load)."""
    ns = seg_country.shape[0]
    ng = group_seg.shape[0]
    n = uids.shape[0]
    table = np.zeros((N_ROWS, ns), dtype=np.float64)
    # detection, per group: P = 1 − exp(−λ)
    detected = np.zeros(ng, dtype=np.bool_)
    for g in range(ng):
        s = group_seg[g]
        c = seg_country[s]
        lam = (k_det[c] * seg_guards[s] / length[s] * visibility[s] * detect_mult[s]
               * (group_size[g] / 6.0) ** size_exp[c] * group_detect_mult[g] + sensors[s] + sensor_hazard[c])
        detected[g] = hashed_uniform_one(keys[0], lead[g]) < -np.expm1(-lam)
        table[_R_GROUPS, s] += 1
    # response capacity, per segment: detected groups answered in a random order up to capacity
    cap_int = np.empty(ns, dtype=np.float64)
    for s in range(ns):
        whole = np.floor(seg_capacity[s])
        cap_int[s] = whole + (1.0 if hashed_uniform_one(keys[1], seg_keys[s]) < seg_capacity[s] - whole else 0.0)
    idx = np.flatnonzero(detected)
    u_respond = np.empty(idx.shape[0], dtype=np.float64)
    seg_det = np.empty(idx.shape[0], dtype=np.int64)
    for j in range(idx.shape[0]):
        u_respond[j] = hashed_uniform_one(keys[2], lead[idx[j]])
        seg_det[j] = group_seg[idx[j]]
    o1 = np.argsort(u_respond, kind="mergesort")
    order = o1[np.argsort(seg_det[o1], kind="mergesort")]
    answered = np.zeros(ng, dtype=np.bool_)
    rank, prev = 0, -1
    for j in range(order.shape[0]):
        s = seg_det[order[j]]
        rank = rank + 1 if s == prev else 0
        prev = s
        answered[idx[order[j]]] = rank < cap_int[s]
    for g in range(ng):
        s = group_seg[g]
        if detected[g]:
            table[_R_INC, s] += 1
            if not answered[g]:
                table[_R_UNANS, s] += 1
        if violence > 0 and answered[g] and hashed_uniform_one(keys[7], lead[g]) < violence:
            table[_R_VIOL, s] += 1
    # per person: stopped, held or across; the intercepted pushed back or detained
    outcome = np.empty(n, dtype=np.int8)
    n_back = 0
    for j in range(n):
        i = uids[j]
        g = group_of[j]
        s = group_seg[g]
        c = seg_country[s]
        stop_frac = min(1.0, seg_guards[s] * stop_per_guard[c] / group_size[g])
        code = classify_one(answered[g], detected[g], hold_today[s] * (1.0 - assistance), stop_frac,
                            passability[s], hashed_uniform_one(keys[3], i))
        if code == 0:  # intercepted
            share = pushback[c] * (vuln_factor[c] if vulnerable[i] else 1.0)
            if hashed_uniform_one(keys[4], i) < share:
                outcome[j] = PUSHED
            elif detain_one(i, c, interior[s], day, places, n_detained, status, country, node, ti_next, flows,
                            detention_days, keys[5], detained_code):
                outcome[j] = DETAINED
            else:  # detention full: pushed back where pushbacks are allowed, else released
                outcome[j] = PUSHED if pushback[c] > 0 else RELEASED
        else:
            outcome[j] = OUTCOME_OF_CODE[code]
        if outcome[j] >= PUSHED:
            n_back += 1
    # the crossers start walking inland (after all detentions, as before)
    back = np.empty(n_back, dtype=np.int64)
    crossed = np.empty(n - n_back, dtype=np.int64)
    interior_q = wait_denominator(interior_days)
    k = 0
    n_crossed = 0
    for j in range(n):
        i = uids[j]
        s = group_seg[group_of[j]]
        o = outcome[j]
        if o <= RELEASED:
            crossed[n_crossed] = i
            n_crossed += 1
            c = seg_country[s]
            flows[status[i], interior_code] += 1
            status[i] = interior_code
            country[i] = c
            node[i] = interior[s]
            ti_next[i] = day + geometric_wait_given(hashed_uniform_one(keys[6], i), interior_days, interior_q)
        else:
            if o >= PUSHED:
                back[k] = i
                k += 1
        table[_R_ALL, s] += 1
        if ROW_OF_OUTCOME[o] >= 0:
            table[ROW_OF_OUTCOME[o], s] += 1
    incidents = np.empty(ns, dtype=np.float64)
    for s in range(ns):
        table[_R_TURN, s] = table[_R_PUSH, s] + table[_R_TURN, s]
        table[_R_ATT, s] = table[_R_TURN, s] + table[_R_DET, s] + table[_R_REL, s]
        c = seg_country[s]
        table[_R_INJ, s] = table[_R_VIOL, s] * injuries_per_violent[c]
        incidents[s] = table[_R_INC, s] + table[_R_VIOL, s] * (violent_load[c] - 1.0)
    for r in range(N_ROWS):
        for s in range(ns):
            flow_data[flow_rows[r * ns + s], day] += table[r, s]
    got_across = table[_R_UNDET] + table[_R_UNSTOP] + table[_R_REL]
    return back, crossed[:n_crossed], outcome, table[_R_ALL].copy(), got_across, incidents


@cached_njit()
def admit_at_checkpoints(active, zone, intake, seg_country, interior, status, node, ti_next, country, flows, day,
                         counts, zone_code, reception_code, live):
    """`Border.checkpoint` for the open crossing points `active`, one after the other;
    fills `counts` per segment and returns the uids admitted."""
    taken = np.empty(0, dtype=np.int64)
    for s in active:
        room = int(intake[s])
        take = np.empty(min(room, live.shape[0]), dtype=np.int64)
        k = 0
        for i in live:
            if k == take.shape[0]:
                break
            if status[i] == zone_code and node[i] == zone[s] and ti_next[i] <= day:
                take[k] = i
                k += 1
        for i in take[:k]:
            flows[status[i], reception_code] += 1
            status[i] = reception_code
            country[i] = seg_country[s]
            node[i] = interior[s]
        counts[s] = k
        taken = np.concatenate((taken, take[:k]))
    return taken
