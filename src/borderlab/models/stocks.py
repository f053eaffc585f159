"""End-of-day stocks: how many people are in each status, by country where it matters."""

from __future__ import annotations

import numpy as np

from ..engine import kernels
from ..engine.module import Module
from ..engine.status import N_STATUS, Status


class Stocks(Module):
    name = "stocks"

    def init(self, sim):
        super().init(sim)
        sc = sim.scenario
        self.defenders = [c.code for c in sc.countries if c.role == "defender"]
        orch = next((c.code for c in sc.countries if c.role == "orchestrator"), "BY")
        res = sim.results
        res.define("n_in_capital", [orch], "stock", "People in the orchestrator's capital.")
        res.define("n_at_staging", [orch], "stock", "People at staging areas and shelters (orchestrator side).")
        res.define("n_in_zone", self.defenders, "stock", "People in the border zone, by the country it faces.")
        res.define("n_in_transit", ["all"], "stock", "People travelling between places.", total=False)
        res.define("n_interior", self.defenders, "stock", "People who crossed and are moving inland.")
        res.define("n_detained", self.defenders, "stock", "People held in guarded centres.")
        res.define("n_reception", self.defenders, "stock", "People in asylum reception after detention.")
        res.define("n_hospital", self.defenders + [orch], "stock", "People in hospital (by the border they were found at).")
        res.define("n_stranded", ["all"], "stock", "People in the capital, at staging or in the zone.", total=False)
        res.define("n_onward", ["all"], "stock", "People who reached the destination (cumulative).", total=False)
        res.define("n_returned", ["all"], "stock", "People who returned home (cumulative).", total=False)
        res.define("n_dead", ["all"], "stock", "Deaths (cumulative).", total=False)
        res.define("n_people", ["all"], "stock", "Everyone who has entered the model.", total=False)

    def phases(self):
        return [("stocks.record", self.record)]

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
