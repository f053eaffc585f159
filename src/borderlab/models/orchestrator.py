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

from ..engine.module import Module
from ..engine.population import Column
from ..engine.status import Status

TACTICS = ("siege", "mass", "adaptive")


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
        self.country_success = np.full(nd, 0.5)
        self.next_group = 0
        self._weights_day = -1
        self._zone_weights_day = -1
        sim.results.define("orchestrator_weight", self.defenders, "ratio",
                           "Share of the orchestrator's pressure aimed at each country today.")
        sim.results.define("new_withdrawn", self.defenders + ["none"], "flow",
                           "People taken out of the border zone by the orchestrator (withdraw_from_zone events).")

    def phases(self):
        return [("orchestrator.plan", self.plan), ("orchestrator.launch", self.launch),
                ("orchestrator.coerce", self.coerce), ("orchestrator.learn", self.learn),
                ("orchestrator.withdraw", self.withdraw_from_zone)]

    def on_create(self, uids, day):
        if self.trained_on:
            u = self.sim.streams["orchestrator.trained"].uniform(0, uids)
            self.sim.pop.trained[uids] = u < self.trained_share

    # -- today's plan -----------------------------------------------------------------
    def phase(self, day: int):
        k = self.phase_of_day[day]
        return None if k < 0 else self.phases_[k]

    def country_weights(self, day: int) -> np.ndarray:
        """Share of pressure per defending country today (computed once a day)."""
        if day == self._weights_day:
            return self._weights
        self._weights = self._country_weights(day)
        self._weights_day = day
        return self._weights

    def _country_weights(self, day: int) -> np.ndarray:
        k = self.phase_of_day[day]
        if k < 0:
            return np.zeros(len(self.defenders))
        w = self.base_weights[k].copy()
        if self.phases_[k].tactic == "adaptive" and self.beta > 0:
            w *= np.exp(self.beta * (self.country_success - self.country_success.max()))
        s = w.sum()
        return w / s if s > 0 else w

    def zone_weights(self, day, zones, zone_country, zone_weight) -> np.ndarray:
        """Weight of each border zone as a destination for people released today (cached per day)."""
        if self._zone_weights_day != day:
            self._zone_weights = self._compute_zone_weights(day, zones, zone_country, zone_weight)
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
        out = np.zeros(len(zones))
        for c in range(len(cw)):
            m = zone_country == c
            tot = zone_weight[m].sum()
            if tot > 0:
                out[m] = cw[c] * zone_weight[m] / tot
        return out

    def plan(self, day: int) -> None:
        self.sim.results.rec("orchestrator_weight", day, self.country_weights(day))

    # -- sending groups -----------------------------------------------------------------
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

    def segment_weights(self, day: int, ph) -> np.ndarray:
        """Relative chance a group picks each segment of its zone today."""
        w = self.seg_length.copy()
        if ph.tactic == "adaptive" and self.beta > 0:
            best = np.full(self.sim.graph.n, -np.inf)
            np.maximum.at(best, self.seg_zone, self.seg_success)
            w *= np.exp(self.beta * (self.seg_success - best[self.seg_zone]))
        if ph.tactic == "mass":
            t = self.sim.index.segment[ph.target_segment]
            same = self.seg_zone == self.seg_zone[t]
            w[same] = 0.0
            w[t] = 1.0
        return w

    # -- after the border ------------------------------------------------------------------
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

    def withdraw_from_zone(self, day: int) -> None:
        """withdraw_from_zone events: take a share of the people in the zone away from the line
        (to the capital's hotels, or to a named node such as a logistics centre)."""
        share = self.withdraw[day]
        if not share.any():
            return
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
        a = self.alpha
        m = tried > 0
        self.seg_success[m] = (1 - a) * self.seg_success[m] + a * crossed[m] / tried[m]
        nd = len(self.defenders)
        ct = np.bincount(self.seg_country, weights=tried, minlength=nd)
        cc = np.bincount(self.seg_country, weights=crossed, minlength=nd)
        m = ct > 0
        self.country_success[m] = (1 - a) * self.country_success[m] + a * cc[m] / ct[m]


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
