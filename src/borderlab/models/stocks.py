"""End-of-day stocks: how many people are in each status, by country where it matters."""

from __future__ import annotations

import numpy as np

from ..engine.module import Module
from ..engine.numba_cache import cached_njit
from ..engine.status import N_STATUS, Status

# recorded each day, in this order (one write: Results.pack; `stock_values` fills it)
STOCK_SERIES = ("n_in_capital", "n_at_staging", "n_in_zone", "n_in_transit", "n_interior", "n_detained",
                "n_reception", "n_hospital", "n_stranded", "n_onward", "n_returned", "n_dead", "n_people")
_CAPITAL, _STAGING, _ZONE, _TRANSIT, _INTERIOR, _DETAINED, _RECEPTION, _HOSPITAL, _ONWARD, _RETURNED, _DEAD = (
    int(s) for s in (Status.CAPITAL, Status.STAGING, Status.ZONE, Status.TRANSIT, Status.INTERIOR, Status.DETAINED,
                     Status.RECEPTION, Status.HOSPITAL, Status.ONWARD, Status.RETURNED, Status.DEAD))


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
        self.data, self.rows = res.pack(STOCK_SERIES)

    def phases(self):
        return [("stocks.record", self.record)]

    def record(self, day: int) -> None:
        """Today's stocks from one scan of everyone live (`Population.count_status_country`;
        the absorbed are counted as they leave the live list) and one write. The
        people per status go to `sim.today["end_counts"]`: the last phase's count is the
        day's end count the sim checks conservation with (no second scan). As the day's last
        phase, the same walk does tomorrow's start (`Population.end_of_day_counts`)."""
        pop, nd = self.sim.pop, len(self.defenders)
        last = self.sim.end_counts_phase == "stocks.record"
        table = pop.end_of_day_counts(nd) if last else pop.count_status_country(nd)
        self.sim.today["end_counts"] = stock_values(table, pop.n, nd, self.data, self.rows, day)


@cached_njit()
def stock_values(table, n_people, nd, series, rows, day):
    """STOCK_SERIES' values for today, in order, into column `day` of `series` (its `rows`),
    from the people per status and country (`kernels.count_status_country`'s table);
    returns the people per status. `Stocks.record`."""
    total = table.sum(axis=1)
    out = np.empty(9 + 5 * nd, dtype=np.float64)
    out[0] = total[_CAPITAL]
    out[1] = total[_STAGING]
    k = 2
    for c in range(nd):
        out[k + c] = table[_ZONE, 1 + c]
    k += nd
    out[k] = total[_TRANSIT]
    k += 1
    for row in (_INTERIOR, _DETAINED, _RECEPTION, _HOSPITAL):
        for c in range(nd):
            out[k + c] = table[row, 1 + c]
        k += nd
    out[k] = table[_HOSPITAL, 0]  # found on the orchestrator's side
    out[k + 1] = total[_CAPITAL] + total[_STAGING] + total[_ZONE]
    out[k + 2] = total[_ONWARD]
    out[k + 3] = total[_RETURNED]
    out[k + 4] = total[_DEAD]
    out[k + 5] = n_people
    for j in range(out.shape[0]):
        series[rows[j], day] = out[j]
    return total
