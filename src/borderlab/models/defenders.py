"""Defence: forces over time, shifts, allocation over segments, fatigue.

Each day a country has P = border guards + troop_effectiveness × troops; a share
`duty_fraction` is on duty, spread over segments by the allocation rule (per km, by recent
pressure, or fixed weights). Effectiveness is 1 − max_effect × fatigue. Fatigue F grows
with load above a sustainable level and recovers with rest:
    F ← clip(F + build_rate · max(0, load − sustainable_load) − recovery_rate · F, 0, 1),
load = detected incidents ÷ response capacity; reinforcement dilutes F (fresh people).
"""

from __future__ import annotations

import numpy as np

from ..engine.module import Module


def _daily(cal, schedule) -> np.ndarray:
    return cal.step([(p.date, p.value) for p in schedule.points], before=schedule.value)


class Defenders(Module):
    name = "defenders"

    def init(self, sim):
        super().init(sim)
        sc, cal = sim.scenario, sim.calendar
        self.codes = [c.code for c in sc.countries if c.role == "defender"]
        by_code = {d.country: d for d in sc.defenders}
        self.spec = [by_code[c] for c in self.codes]
        nd, nt = len(self.codes), cal.n_days
        self.guards = np.zeros((nd, nt))
        self.troops = np.zeros((nd, nt))
        self.pushback = np.zeros((nd, nt))
        self.reception_cap = np.zeros((nd, nt))
        for c, d in enumerate(self.spec):
            self.guards[c] = _daily(cal, d.border_guards)
            self.troops[c] = _daily(cal, d.troops)
            self.pushback[c] = _daily(cal, d.pushback_share)
            self.reception_cap[c] = _daily(cal, d.reception_capacity)

        def vec(get):
            return np.array([float(get(d)) for d in self.spec])

        self.troop_eff = vec(lambda d: d.troop_effectiveness)
        self.duty = vec(lambda d: d.duty_fraction)
        self.k_det = vec(lambda d: d.detection_k)
        self.size_exp = vec(lambda d: d.size_exponent)
        self.sensor_hazard = vec(lambda d: d.sensor_hazard)
        self.resp_per_guard = vec(lambda d: d.response_per_guard)
        self.stop_per_guard = vec(lambda d: d.stop_per_guard)
        self.sustainable = vec(lambda d: d.fatigue.sustainable_load)
        self.build = vec(lambda d: d.fatigue.build_rate)
        self.recover = vec(lambda d: d.fatigue.recovery_rate)
        self.max_effect = vec(lambda d: d.fatigue.max_effect)
        self.vuln_factor = vec(lambda d: d.vulnerable_pushback_factor)
        self.injuries_per_violent = vec(lambda d: d.injuries_per_violent_incident)
        self.violent_load = vec(lambda d: d.violent_incident_load)
        segs = sc.segments
        self.seg_country = np.array([self.codes.index(s.country) for s in segs], dtype=np.int64)
        self.seg_length = np.array([float(s.length_km) for s in segs])
        seg_ids = [s.id for s in segs]
        self.rule = [d.allocation.rule for d in self.spec]
        self.fixed = np.zeros(len(segs))
        for d in self.spec:
            for sid, w in d.allocation.weights.items():
                self.fixed[seg_ids.index(sid)] = w
        self.pressure_w = vec(lambda d: d.allocation.pressure_weight)
        self.pressure_alpha = 1.0 / np.maximum(vec(lambda d: d.allocation.memory_days), 1.0)
        self.pressure = np.zeros(len(segs))
        self.fatigue = np.zeros(nd)
        self.prev_personnel = None
        # today's deployment, read by the border module
        self.on_duty = np.zeros(nd)
        self.effectiveness = np.ones(nd)
        self.seg_guards = np.zeros(len(segs))  # effective guards on duty per segment
        self.seg_capacity = np.zeros(len(segs))  # incidents answerable today per segment
        res = sim.results
        res.define("guards_on_duty", self.codes, "stock", "Personnel on duty (guards + troops × troop effectiveness).")
        res.define("guard_utilisation", self.codes, "ratio",
                   "Load on the force: detected incidents ÷ incidents it can answer (above 1 = saturated).")
        res.define("guard_fatigue", self.codes, "ratio", "Fatigue of the force, 0 rested … 1 exhausted.")
        res.define("guard_effectiveness", self.codes, "ratio", "1 − max_effect × fatigue.")
        res.define("guards_per_km", seg_ids, "ratio", "Effective guards on duty per km of segment.")

    def phases(self):
        return [("defenders.deploy", self.deploy), ("defenders.fatigue", self.update_fatigue)]

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
        if self.prev_personnel is not None:
            grew = personnel > self.prev_personnel
            self.fatigue[grew] *= self.prev_personnel[grew] / personnel[grew]
        self.prev_personnel = personnel
        self.on_duty = personnel * self.duty
        self.effectiveness = 1.0 - self.max_effect * self.fatigue
        share = self.allocation()
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
