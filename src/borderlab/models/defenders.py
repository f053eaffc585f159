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

from ..engine.kernels import numpy_sum
from ..engine.module import Module
from ..engine.numba_cache import cached_njit


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
        self._pushback_by_day = None  # pushback_on's table
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
        self.deploy_data, self.deploy_rows = res.pack(("guards_on_duty", "guards_per_km"))
        self.fatigue_data, self.fatigue_rows = res.pack(("guard_utilisation", "guard_fatigue", "guard_effectiveness"))
        # what allocation() needs that never changes: each country's segments, their share by length
        self.country_segments = [self.seg_country == c for c in range(nd)]
        self.per_km = self.seg_length / np.bincount(self.seg_country, weights=self.seg_length,
                                                    minlength=nd)[self.seg_country]
        self.rule_code = np.array([RULE_CODE.get(r, PER_KM) for r in self.rule], dtype=np.int64)
        self.fixed_share = self.per_km.copy()  # the fixed rule's shares: its weights, normalised
        for c, m in enumerate(self.country_segments):
            w = self.fixed[m]
            if self.rule[c] == "fixed" and w.sum() > 0:
                self.fixed_share[m] = w / w.sum()
        self.prev_personnel = np.zeros(nd)
        self.has_prev = False
        self.no_incidents = np.zeros(len(segs))

    def phases(self):
        return [("defenders.deploy", self.deploy), ("defenders.fatigue", self.update_fatigue)]

    def pushback_on(self, day: int) -> np.ndarray:
        """Each country's pushback share on `day`: a row of a by-day table made at the first
        call (after the events, which set the shares), contiguous for the compiled border."""
        if self._pushback_by_day is None:
            self._pushback_by_day = np.ascontiguousarray(self.pushback.T)
        return self._pushback_by_day[day]

    def deploy(self, day: int) -> None:
        """Today's force on duty, its effectiveness and its spread over segments (the module
        docstring's rules; allocation per km, fixed weights or recent pressure). One
        compiled call (`deploy_forces`) that also records guards_on_duty and guards_per_km."""
        deploy_forces(day, self.guards, self.troops, self.troop_eff, self.duty, self.max_effect, self.fatigue,
                      self.prev_personnel, self.has_prev, self.seg_country, self.per_km, self.rule_code,
                      self.fixed_share, self.pressure, self.pressure_w, self.resp_per_guard, self.seg_length,
                      self.on_duty, self.effectiveness, self.seg_guards, self.seg_capacity,
                      self.deploy_data, self.deploy_rows)
        self.has_prev = True

    def update_fatigue(self, day: int) -> None:
        """Fatigue from today's load (detected incidents ÷ response capacity) and the
        pressure memory, in one compiled call (`tire_forces`) that also records utilisation,
        fatigue and effectiveness."""
        incidents = self.sim.today.get("incidents")
        if incidents is None:
            incidents = self.no_incidents
        tire_forces(day, incidents, self.seg_country, self.seg_capacity, self.sustainable, self.build,
                    self.recover, self.max_effect, self.fatigue, self.pressure, self.pressure_alpha,
                    self.fatigue_data, self.fatigue_rows)


PER_KM, FIXED, PRESSURE = 0, 1, 2  # allocation rules as `deploy_forces` takes them
RULE_CODE = {"fixed": FIXED, "pressure": PRESSURE}  # any other rule: per km of segment


@cached_njit()
def deploy_forces(day, guards, troops, troop_eff, duty, max_effect, fatigue, prev_personnel, has_prev,
                  seg_country, per_km, rule_code, fixed_share, pressure, pressure_w, resp_per_guard, seg_length,
                  on_duty, effectiveness, seg_guards, seg_capacity, data, rows):
    """`Defenders.deploy`: personnel P = guards + troop_eff · troops (reinforcement dilutes
    fatigue: F ← F · P_yesterday / P), on duty P · duty, effectiveness 1 − max_effect · F,
    then each segment's effective guards and response capacity. Updates the arrays in
    place and writes guards_on_duty and guards_per_km for `day` into `data[rows]`."""
    nd = duty.shape[0]
    ns = seg_country.shape[0]
    for c in range(nd):
        personnel = guards[c, day] + troop_eff[c] * troops[c, day]
        if has_prev and personnel > prev_personnel[c]:
            fatigue[c] *= prev_personnel[c] / personnel
        prev_personnel[c] = personnel
        on_duty[c] = personnel * duty[c]
        effectiveness[c] = 1.0 - max_effect[c] * fatigue[c]
        data[rows[c], day] = on_duty[c]
    share = per_km.copy()
    p = np.empty(ns, dtype=np.float64)
    for c in range(nd):
        if rule_code[c] == FIXED:
            for s in range(ns):
                if seg_country[s] == c:
                    share[s] = fixed_share[s]
        elif rule_code[c] == PRESSURE:  # (1 − w) · per km + w · pressure share, once there is pressure
            m = 0
            for s in range(ns):
                if seg_country[s] == c:
                    p[m] = pressure[s]
                    m += 1
            total = numpy_sum(p[:m])
            if total > 0:
                for s in range(ns):
                    if seg_country[s] == c:
                        share[s] = (1 - pressure_w[c]) * per_km[s] + pressure_w[c] * pressure[s] / total
    for s in range(ns):
        c = seg_country[s]
        seg_guards[s] = on_duty[c] * share[s] * effectiveness[c]
        seg_capacity[s] = seg_guards[s] * resp_per_guard[c]
        data[rows[nd + s], day] = seg_guards[s] / seg_length[s]


@cached_njit()
def tire_forces(day, incidents, seg_country, seg_capacity, sustainable, build, recover, max_effect, fatigue,
                pressure, pressure_alpha, data, rows):
    """`Defenders.update_fatigue`: load = incidents ÷ capacity per country (∞ with incidents
    and no capacity), F ← clip(F + build · max(0, min(load, 1000) − sustainable) −
    recover · F, 0, 1); the pressure memory moves towards today's incidents. Writes
    guard_utilisation, guard_fatigue and guard_effectiveness for `day` into `data[rows]`."""
    nd = fatigue.shape[0]
    cap = np.zeros(nd, dtype=np.float64)
    demand = np.zeros(nd, dtype=np.float64)
    for s in range(seg_country.shape[0]):
        cap[seg_country[s]] += seg_capacity[s]
        demand[seg_country[s]] += incidents[s]
    for c in range(nd):
        load = demand[c] / cap[c] if cap[c] > 0 else (np.inf if demand[c] > 0 else 0.0)
        load = min(load, 1e3)
        excess = max(0.0, load - sustainable[c])
        f = fatigue[c] + build[c] * excess - recover[c] * fatigue[c]
        fatigue[c] = min(max(f, 0.0), 1.0)
        data[rows[c], day] = load
        data[rows[nd + c], day] = fatigue[c]
        data[rows[2 * nd + c], day] = 1.0 - max_effect[c] * fatigue[c]
    for s in range(seg_country.shape[0]):
        a = pressure_alpha[seg_country[s]]
        pressure[s] = (1 - a) * pressure[s] + a * incidents[s]
