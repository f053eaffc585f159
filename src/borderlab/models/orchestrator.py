"""Tactics (orchestrator, part 2): who is sent to cross, where, in what groups; coercion.

- siege: groups of 5–7 spread over every segment of the zone at once (weights ∝ length);
- mass: everyone sent to one target segment (often a crossing point) in large groups;
- adaptive: like siege, but pressure shifts towards segments and countries where crossings
  succeeded recently: weight × exp(learning_rate × success), success an EWMA of the share of
  attempters who got across (a softmax bandit).
- coercion: people who failed are kept in the zone with probability `coercion`; the rest are
  taken back to staging and re-planned (so adaptive weights move them between countries).
"""

from __future__ import annotations

import numpy as np

from ..engine.kernels import (depart_people, geometric_wait_given, hashed_uniform_one, sort_stable_by_key,
                              wait_denominator)
from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.population import Column
from ..engine.status import Status
from .day_lists import IN_ZONE, morning_people

TACTICS = ("siege", "mass", "adaptive")
_ZONE, _TRANSIT = np.int8(Status.ZONE), np.int8(Status.TRANSIT)
# the streams of `form_groups` and of `coerce_failed`, in the order they take their day keys
LAUNCH_STREAMS = ("orchestrator.launch", "orchestrator.shuffle", "orchestrator.group_size", "orchestrator.segment")
COERCE_STREAMS = ("orchestrator.coercion", "orchestrator.retry")


class Orchestrator(Module):
    name = "orchestrator"
    columns = (
        Column("n_attempts", "int16", 0),
        Column("segment", "int16", -1),  # segment of the last attempt
        Column("group", "int32", -1),  # group of the last attempt
        Column("trained", "bool", False),  # contested variant, off by default
    )

    def init(self, sim):
        super().init(sim)
        sc, cal = sim.scenario, sim.calendar
        o = sc.orchestrator
        self.defenders = [c.code for c in sc.countries if c.role == "defender"]
        nd = len(self.defenders)
        self.phase_of_day = np.full(cal.n_days, -1, dtype=np.int32)
        self.phases_ = o.tactics
        self.base_weights = np.zeros((len(o.tactics), nd))
        for k, ph in enumerate(o.tactics):
            lo = cal.clip(cal.day(ph.start))
            hi = cal.n_days if ph.end is None else cal.clip(cal.day(ph.end) + 1)
            self.phase_of_day[lo:hi] = k  # later phases override earlier ones
            for code, w in ph.countries.items():
                self.base_weights[k, self.defenders.index(code)] = w
        # coercion per day: the phase's own value where it sets one, else the global one
        self.coercion = np.full(cal.n_days, float(o.coercion))
        for k, ph in enumerate(o.tactics):
            if ph.coercion is not None:
                self.coercion[self.phase_of_day == k] = float(ph.coercion)
        # withdraw_from_zone events: share of people in the zone taken back, per day and country
        self.withdraw = np.zeros((cal.n_days, nd + 1))  # last column: people facing no country yet
        self.withdraw_to = np.full(cal.n_days, -1, dtype=np.int32)  # -1: the capital
        self._withdraw_days = None  # withdraw_from_zone's days with a withdrawal
        self.retry_days = float(o.retry_days)
        self.beta = float(o.learning_rate)
        self.alpha = 1.0 / max(float(o.memory_days), 1.0)
        self.trained_on = o.trained_groups.enabled
        self.trained_share = float(o.trained_groups.share)
        self.trained_mult = float(o.trained_groups.detection_mult)
        # geography of attempts
        segs = sc.segments
        self.seg_zone = np.array([sim.index.node[s.zone] for s in segs], dtype=np.int32)
        self.seg_country = np.array([self.defenders.index(s.country) for s in segs], dtype=np.int32)
        self.seg_length = np.array([float(s.length_km) for s in segs])
        self.seg_success = np.full(len(segs), 0.5)
        n_nodes = sim.graph.n
        self.seg_by_zone = np.argsort(self.seg_zone, kind="stable")  # segments grouped by zone node
        self.zone_n_segments = np.bincount(self.seg_zone, minlength=n_nodes)
        self.zone_seg_start = np.concatenate([[0], np.cumsum(self.zone_n_segments)[:-1]])
        has = self.zone_n_segments > 0  # where each zone's run starts in seg_by_zone, and its length
        self._zone_runs, self._zone_run_len = self.zone_seg_start[has], self.zone_n_segments[has]
        self.country_success = np.full(nd, 0.5)
        self.next_group = 0
        self._weights_day = -1
        self._zone_weights_day = -1
        self.launch_keys = sim.streams.day_keys(LAUNCH_STREAMS, cal.n_days)
        self._zone_shares = None
        self._fixed_weights: dict[int, np.ndarray] = {}  # tactic phase → its country weights
        self._zone_weights_basis = None
        self.coerce_keys = sim.streams.day_keys(COERCE_STREAMS, cal.n_days)
        sim.results.define("orchestrator_weight", self.defenders, "ratio",
                           "Share of the orchestrator's pressure aimed at each country today.")
        sim.results.define("new_withdrawn", self.defenders + ["none"], "flow",
                           "People taken out of the border zone by the orchestrator (withdraw_from_zone events).")
        self.weight_data = sim.results.metrics["orchestrator_weight"].data[:nd]

    def phases(self):
        return [("orchestrator.plan", self.plan), ("orchestrator.launch", self.launch),
                ("orchestrator.coerce", self.coerce), ("orchestrator.learn", self.learn),
                ("orchestrator.withdraw", self.withdraw_from_zone)]

    def drawn_at_creation(self):
        return {"trained": self.trained_of} if self.trained_on else {}

    def trained_of(self, uids):
        """Whether each uid is trained (the contested variant; a draw by uid, day-0 key)."""
        return self.sim.streams["orchestrator.trained"].uniform(0, uids) < self.trained_share

    # -- today's plan -----------------------------------------------------------------
    def phase(self, day: int):
        k = self.phase_of_day[day]
        return None if k < 0 else self.phases_[k]

    def country_weights(self, day: int) -> np.ndarray:
        """Share of pressure per defending country today (computed once a day; once per
        tactic phase where it does not learn). Read-only: the same array may come back."""
        if day == self._weights_day:
            return self._weights
        k = int(self.phase_of_day[day])
        learning = k >= 0 and self.phases_[k].tactic == "adaptive" and self.beta > 0
        if learning:
            self._weights = self._country_weights(day)
        else:
            if k not in self._fixed_weights:
                self._fixed_weights[k] = self._country_weights(day)
            self._weights = self._fixed_weights[k]
        self._weights_day = day
        return self._weights

    def _country_weights(self, day: int) -> np.ndarray:
        k = self.phase_of_day[day]
        if k < 0:
            return np.zeros(len(self.defenders))
        w = self.base_weights[k]
        if self.phases_[k].tactic == "adaptive" and self.beta > 0:  # NumPy's exp: libm's differs in the last bit
            return normalised(w * np.exp(beta_times_gap(self.country_success, self.beta)))
        return normalised(w)

    def zone_weights(self, day, zones, zone_country, zone_weight) -> np.ndarray:
        """Weight of each border zone as a destination for people released today (cached per
        day, and kept while the tactic phase and the country weights stay the same)."""
        if self._zone_weights_day != day:
            weights = self.country_weights(day)  # one array per tactic phase unless it learns
            if weights is not self._zone_weights_basis:
                self._zone_weights = self._compute_zone_weights(day, zones, zone_country, zone_weight)
                self._zone_weights_basis = weights
            self._zone_weights_day = day
        return self._zone_weights

    def _compute_zone_weights(self, day, zones, zone_country, zone_weight) -> np.ndarray:
        ph = self.phase(day)
        if ph is None:
            return np.zeros(len(zones))
        if ph.tactic == "mass":
            target_zone = self.seg_zone[self.sim.index.segment[ph.target_segment]]
            return (zones == target_zone).astype(float)
        cw = self.country_weights(day)
        if self._zone_shares is None:  # each zone's country, weight and its country's total (fixed for the run)
            tot = np.array([zone_weight[zone_country == c].sum() for c in range(len(cw))])[zone_country]
            # a country whose zones all weigh 0 gives them 0 (weights are ≥ 0: 0 / 1, not 0 / 0)
            self._zone_shares = (zone_country.astype(np.intp), zone_weight, np.where(tot > 0, tot, 1.0))
        country, weight, tot = self._zone_shares
        return cw[country] * weight / tot

    def plan(self, day: int) -> None:
        self.weight_data[:, day] = self.country_weights(day)

    # -- sending groups -----------------------------------------------------------------
    def launch(self, day: int) -> None:
        """Form today's groups from people ready in the zone and give each a segment.

        Each person due in the zone goes today with chance `intensity`; those going are
        ordered by zone, randomly within a zone, and cut into groups of uniform size in
        [lo, hi] from the zone's own draws; each group picks a segment of its zone with
        chance ∝ `segment_weights`. All in one compiled pass (`form_groups`)."""
        sim, pop = self.sim, self.sim.pop
        ph = self.phase(day)
        sim.today["attempts"] = None
        if ph is None:
            return
        w = self.segment_weights(day, ph)
        k_launch, k_shuffle, k_size, k_segment = self.launch_keys[day]
        uids, group_of, group_seg, group_size, lead, detect_mult = form_groups(
            pop.status, pop.ti_next, pop.node, np.int32(day), _ZONE, float(ph.intensity),
            int(ph.group_size.min), int(ph.group_size.max), k_launch, k_shuffle, k_size, k_segment,
            self.zone_n_segments, self.zone_seg_start, self.seg_zone, self.seg_by_zone, w,
            pop.group, pop.segment, pop.n_attempts, pop.trained, np.int64(self.next_group), self.trained_on,
            self.trained_mult, morning_people(pop, IN_ZONE))
        if uids.size == 0:
            return
        self.next_group += group_size.size
        sim.today["attempts"] = Attempts(uids, group_of, group_seg, group_size, lead, float(ph.assistance),
                                         detect_mult, float(ph.violence))

    def segment_weights(self, day: int, ph) -> np.ndarray:
        """Relative chance a group picks each segment of its zone today."""
        w = self.seg_length
        if ph.tactic == "adaptive" and self.beta > 0:
            # β × (each segment's success − its zone's best)
            w = w * np.exp(beta_times_gap_in_zone(self.seg_success, self.beta, self.seg_by_zone, self._zone_runs,
                                                  self._zone_run_len))
        if ph.tactic == "mass":
            w = w.copy()
            t = self.sim.index.segment[ph.target_segment]
            same = self.seg_zone == self.seg_zone[t]
            w[same] = 0.0
            w[t] = 1.0
        return w

    # -- after the border ------------------------------------------------------------------
    def coerce(self, day: int) -> None:
        """Failed attempters: kept in the zone with chance `coercion` (retry after a
        geometric wait) or taken back to staging, to be re-planned there. One compiled
        pass (`coerce_failed`)."""
        sim, pop, g = self.sim, self.sim.pop, self.sim.graph
        back = sim.today.get("back_in_zone")
        if back is None or back.size == 0:
            return
        k_coercion, k_retry = self.coerce_keys[day]
        bad, taken_back = coerce_failed(
            back, pop.status, pop.node, pop.dest, pop.ti_next, pop.target, pop.country, pop.flows, day,
            self.coercion[day], k_coercion, k_retry,
            self.retry_days, sim.module("transit").staging_of, g.next_hop, g.travel_days, _TRANSIT)
        g.check_routed(bad, pop.node, "to staging")
        pop.traced_changes((taken_back, "transit (taken back to staging)"))

    def withdraw_from_zone(self, day: int) -> None:
        """withdraw_from_zone events: take a share of the people in the zone away from the line
        (to the capital's hotels, or to a named node such as a logistics centre)."""
        if self._withdraw_days is None:  # days with a withdrawal, made at the first call (after the events)
            self._withdraw_days = self.withdraw.any(axis=1).tolist()
        if not self._withdraw_days[day]:
            return
        share = self.withdraw[day]
        sim, pop = self.sim, self.sim.pop
        zone = pop.find(Status.ZONE)
        c = pop.country[zone]
        col = np.where(c >= 0, c, share.size - 1)
        go = sim.streams["orchestrator.withdraw"].uniform(day, zone) < share[col]
        who = zone[go]
        if who.size == 0:
            return
        sim.results.rec("new_withdrawn", day, np.bincount(col[go], minlength=share.size))
        to = self.withdraw_to[day]
        dest = to if to >= 0 else sim.module("health").capital
        pop.country[who] = -1
        pop.target[who] = -1
        sim.module("movement").depart(who, dest, day, why="withdrawn from the zone")

    def learn(self, day: int) -> None:
        """Update the success memory from today's outcomes (used by the adaptive tactic)."""
        out = self.sim.today.get("outcome")
        if out is None:
            return
        tried, crossed = out
        learn_success(tried, crossed, self.alpha, self.seg_country, self.seg_success, self.country_success)


class Attempts:
    """Today's crossing attempts: people, their groups, each group's segment and size."""

    __slots__ = ("uids", "group_of", "group_seg", "group_size", "lead", "assistance", "detect_mult", "violence")

    def __init__(self, uids, group_of, group_seg, group_size, lead, assistance, detect_mult, violence=0.0):
        self.violence = violence
        self.uids = uids
        self.group_of = group_of
        self.group_seg = group_seg
        self.group_size = group_size
        self.lead = lead
        self.assistance = assistance
        self.detect_mult = detect_mult


def sorted_runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(a, return_index, return_counts, return_inverse) for an already sorted `a`,
    without sorting again: the distinct values, where each run starts, its length, and the
    run index of every element."""
    if a.size == 0:
        e = np.empty(0, dtype=np.int64)
        return a[:0], e, e, e
    new = np.empty(a.size, dtype=bool)
    new[0] = True
    np.not_equal(a[1:], a[:-1], out=new[1:])
    start = np.flatnonzero(new)
    counts = np.diff(np.append(start, a.size))
    return a[start], start, counts, np.cumsum(new) - 1


@cached_njit()
def normalised(w):
    """w ÷ its sum (a copy of w where the sum is not positive)."""
    s = w.sum()
    return w / s if s > 0 else w.copy()


@cached_njit()
def beta_times_gap(success, beta):
    """β × (success − the best success): the exponent of the adaptive country weights."""
    return beta * (success - success.max())


@cached_njit()
def beta_times_gap_in_zone(seg_success, beta, seg_by_zone, zone_runs, zone_run_len):
    """β × (each segment's success − the best among its zone's segments): the exponent of
    the adaptive segment weights (`seg_by_zone[zone_runs[z]:zone_runs[z] + zone_run_len[z]]`
    are zone z's segments; every segment is in one)."""
    out = np.empty(seg_success.shape[0], dtype=np.float64)
    for z in range(zone_runs.shape[0]):
        first = zone_runs[z]
        top = seg_success[seg_by_zone[first]]
        for j in range(first + 1, first + zone_run_len[z]):
            if seg_success[seg_by_zone[j]] > top:
                top = seg_success[seg_by_zone[j]]
        for j in range(first, first + zone_run_len[z]):
            out[seg_by_zone[j]] = beta * (seg_success[seg_by_zone[j]] - top)
    return out


@cached_njit()
def form_groups(status, ti_next, node, day, zone_code, intensity, lo, hi,
                key_launch, key_shuffle, key_size, key_segment,
                zone_n_segments, zone_seg_start, seg_zone, seg_by_zone, seg_weight,
                group_col, segment_col, n_attempts_col, trained_col, first_group, trained_on, trained_mult, live):
    """`Orchestrator.launch` in one pass; returns (uids sorted by group, group of each,
    segment, size, lead uid and detection multiplier of each group — `trained_mult` for a
    group with a trained member, else 1) and writes the people's group,
    segment and attempt count. Random numbers are the named streams' hashed uniforms:
    launch and shuffle per person, size per (zone, k-th group), segment per (zone, k)."""
    # who goes today: due in the zone, chosen with chance `intensity`, in a zone with segments
    ready = np.empty(live.shape[0], dtype=np.int64)
    zone_of = np.empty(live.shape[0], dtype=np.int64)
    m = 0
    for i in live:
        if status[i] == zone_code and ti_next[i] <= day:
            if hashed_uniform_one(key_launch, i) < intensity:
                z = node[i]
                if zone_n_segments[z] > 0:
                    ready[m] = i
                    zone_of[m] = z
                    m += 1
    ready = ready[:m]
    # order by zone, randomly within a zone: by (zone, shuffle, position) — a stable counting
    # sort on the zone, then a stable sort on the shuffle within each zone
    shuffle = np.empty(m, dtype=np.float64)
    start = np.zeros(zone_n_segments.shape[0] + 1, dtype=np.int64)
    for j in range(m):
        shuffle[j] = hashed_uniform_one(key_shuffle, ready[j])
        start[zone_of[j] + 1] += 1
    for z in range(zone_n_segments.shape[0]):
        start[z + 1] += start[z]
    order = np.empty(m, dtype=np.int64)
    fill = start[:-1].copy()
    for j in range(m):
        order[fill[zone_of[j]]] = j
        fill[zone_of[j]] += 1
    scratch = np.empty(m, dtype=np.int64)
    for z in range(zone_n_segments.shape[0]):
        if start[z + 1] - start[z] > 1:
            sort_stable_by_key(order[start[z]:start[z + 1]], shuffle, scratch)
    uids = ready[order]
    # each zone's segments as keys zone + cumulative weight share, for a search per group
    ns = seg_by_zone.shape[0]
    cw = np.empty(ns, dtype=np.float64)
    tot = np.zeros(zone_n_segments.shape[0], dtype=np.float64)
    acc = 0.0
    for j in range(ns):
        acc += seg_weight[seg_by_zone[j]]
        cw[j] = acc
        tot[seg_zone[seg_by_zone[j]]] += seg_weight[seg_by_zone[j]]
    keys = np.empty(ns, dtype=np.float64)
    for j in range(ns):
        z = seg_zone[seg_by_zone[j]]
        first = zone_seg_start[z]
        base = 0.0 if first == 0 else cw[first - 1]
        frac = (cw[j] - base) / max(tot[z], 1e-300)
        keys[j] = z + min(frac, 1.0)
    # cut each zone's queue into groups of lo..hi people; each group picks a segment
    group_of = np.empty(m, dtype=np.int64)
    group_seg = np.empty(m, dtype=np.int64)
    group_size = np.empty(m, dtype=np.int64)
    lead = np.empty(m, dtype=np.int64)
    detect_mult = np.ones(m, dtype=np.float64)
    group_at = np.empty(m, dtype=np.int64)  # the group of ready[r]
    n_groups = 0
    j = 0
    span = hi - lo + 1
    while j < m:
        z = zone_of[order[j]]
        k = -1
        room = 0
        while j < m and zone_of[order[j]] == z:
            if room == 0:  # the k-th group of this zone starts with this person
                k += 1
                gid = np.int64(z) * (1 << 32) + k
                room = lo + np.int64(np.floor(hashed_uniform_one(key_size, gid) * span))
                target = z + hashed_uniform_one(key_segment, gid) * (1 - 1e-12)
                pick = np.searchsorted(keys, target, side="right")
                last = zone_seg_start[z] + zone_n_segments[z] - 1
                group_seg[n_groups] = seg_by_zone[min(pick, last)]
                group_size[n_groups] = 0
                lead[n_groups] = uids[j]
                n_groups += 1
            g = n_groups - 1
            group_of[j] = g
            group_at[order[j]] = g
            group_size[g] += 1
            room -= 1
            j += 1
    # the people's columns, walking them in uid order (memory forwards, not in queue order)
    for r in range(m):
        i = ready[r]
        g = group_at[r]
        group_col[i] = first_group + g
        segment_col[i] = group_seg[g]
        n_attempts_col[i] += 1
        if trained_on and trained_col[i]:
            detect_mult[g] = trained_mult
    return (uids, group_of, group_seg[:n_groups].copy(), group_size[:n_groups].copy(),
            lead[:n_groups].copy(), detect_mult[:n_groups].copy())


@cached_njit()
def learn_success(tried, crossed, a, seg_country, seg_success, country_success):
    """`Orchestrator.learn`: success ← (1 − a) · success + a · crossed ÷ tried, per segment
    and per country (their segments' sums), where anyone tried today."""
    nd = country_success.shape[0]
    ct = np.zeros(nd, dtype=np.float64)
    cc = np.zeros(nd, dtype=np.float64)
    for s in range(tried.shape[0]):
        if tried[s] > 0:
            seg_success[s] = (1 - a) * seg_success[s] + a * crossed[s] / tried[s]
        ct[seg_country[s]] += tried[s]
        cc[seg_country[s]] += crossed[s]
    for c in range(nd):
        if ct[c] > 0:
            country_success[c] = (1 - a) * country_success[c] + a * cc[c] / ct[c]


@cached_njit()
def coerce_failed(back, status, node, dest_col, ti_next, target, country, flows, day, coercion, key_coercion,
                  key_retry, retry_days, staging_of, next_hop, travel_days, transit_code):
    """`Orchestrator.coerce`; returns (−1 or the uid of someone with no route, the uids
    taken back to staging)."""
    leave = np.empty(back.shape[0], dtype=np.int64)
    staging = np.empty(back.shape[0], dtype=np.int32)
    retry_q = wait_denominator(retry_days)
    m = 0
    for i in back:
        s = staging_of[node[i]]
        if hashed_uniform_one(key_coercion, i) >= coercion and s >= 0:
            target[i] = -1
            country[i] = -1
            leave[m] = i
            staging[m] = s
            m += 1
        else:  # kept in the zone (or nowhere to take them): try again after a wait
            ti_next[i] = day + geometric_wait_given(hashed_uniform_one(key_retry, i), retry_days, retry_q)
    leave = leave[:m].copy()
    bad = depart_people(leave, staging[:m], status, node, dest_col, ti_next, next_hop, travel_days, day,
                        transit_code, flows)
    return (leave[bad] if bad >= 0 else -1), leave
