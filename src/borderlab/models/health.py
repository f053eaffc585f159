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
from scipy.special import ndtri

from ..engine import kernels
from ..engine.graph import TYPE_CODE
from ..engine.module import Module
from ..engine.population import Column
from ..engine.status import Status
from .temperature import daily_temperature


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
        self.nd = nd

    def on_create(self, uids, day):
        if self.frailty_sd > 0:
            z = ndtri(self.sim.streams["health.frailty"].uniform(0, uids))
            self.sim.pop.frailty[uids] = np.exp(self.frailty_sd * z - 0.5 * self.frailty_sd ** 2)

    def orch_code(self) -> str:
        return next((c.code for c in self.sim.scenario.countries if c.role == "orchestrator"), "BY")

    def phases(self):
        return [("health.shelter", self.shelter), ("health.exposure", self.expose), ("health.discharge", self.discharge)]

    def _scope(self, country: np.ndarray) -> np.ndarray:
        """Scope row per person: their defending country, or the orchestrator's (last row)."""
        return np.where(country >= 0, country, self.nd)

    # -- shelters ----------------------------------------------------------------------------
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

    # -- exposure, hospital, death --------------------------------------------------------------
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
            res.rec("new_deaths", day, np.bincount(self._scope(pop.country[dead]), minlength=ns))
        if need.size:
            found = sim.streams["health.found"].uniform(day, need) < self.find_prob * access
            who = need[found]
            if who.size:
                pop.transition(who, Status.HOSPITAL, "found and hospitalised")
                pop.ti_next[who] = day + self.geometric_days("health.hospital_days", day, who, self.hospital_days)
                res.rec("new_hospitalised", day, np.bincount(self._scope(pop.country[who]), minlength=ns))

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
        admitted = sim.module("reception").detain(due, c, pop.node[due], day)
        # found inland after an unseen crossing: the defender records them like an inland
        # apprehension (a detention, or a release when detention is full)
        self._count_by_segment(("new_detentions", "new_attempts"), due[admitted], day)
        overflow = due[~admitted]
        self._count_by_segment(("new_released", "new_attempts"), overflow, day)
        if overflow.size:
            # no place in detention: released inland and moving on
            sim.module("onward").enter(overflow, pop.country[overflow], pop.node[overflow], day)

    def _count_by_segment(self, metrics: tuple[str, ...], uids: np.ndarray, day: int) -> None:
        if uids.size == 0:
            return
        seg = self.sim.pop.segment[uids]
        counts = np.bincount(seg[seg >= 0], minlength=self.n_segments).astype(float)
        for name in metrics:
            self.sim.results.add(name, day, counts)
