"""Run a Flee case: load (folder or `model: flee` YAML) → build → run → `FleeRun`.

`run_flee` is the one entry point the CLI, the benchmark harness and ensembles use, so
there is no second copy of the loop. Its signature is public API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from .engine import FleeSim, warm_kernels
from .scenario_file import LoadedFlee, load_flee
from .validation import relative_errors, total_error

_WARM = False


@dataclass
class FleeRun:
    """A finished run: Flee's per-day figures, accuracy, timing and provenance."""

    loaded: LoadedFlee
    sim: FleeSim
    seed: int
    wall_s: float            # simulation only (kernels compiled beforehand)
    build_s: float           # reading, checking and compiling the case
    overrides: dict = field(default_factory=dict)

    # -- Flee's numbers -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    @property
    def days(self) -> int:
        return self.sim.days

    @property
    def dates(self) -> np.ndarray:
        return self.sim.dates

    @property
    def camp_names(self) -> list[str]:
        return self.sim.camp_names

    @property
    def sim_camp(self) -> np.ndarray:
        """(days, camps) agents in each camp at the end of each day."""
        return self.sim.sim_camp

    @property
    def data_camp(self) -> np.ndarray:
        """(days, camps) UNHCR counts (÷ hasten, interpolated) as Flee computes them."""
        return self.sim.data_camp

    @property
    def raw_total(self) -> np.ndarray:
        return self.sim.plan.raw_total

    @property
    def total_error(self) -> np.ndarray:
        """Flee's daily 'Total error'."""
        return total_error(self.sim_camp, self.data_camp, self.raw_total)

    @property
    def ard(self) -> float:
        """Mean of the daily total error over all simulated days (Flee's headline figure)."""
        return float(np.mean(self.total_error))

    @property
    def agent_days(self) -> float:
        """Σ over simulated days of the agents in the simulation that day."""
        return float(self.sim.n_agents.sum())

    @property
    def agent_days_per_s(self) -> float:
        return self.agent_days / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

    # -- tables ---------------------------------------------------------------------------
    def daily_table(self) -> pa.Table:
        """Tidy table: date (date32), scope (camp, location or 'all'), metric, value (float64).

        Metrics — per camp: sim_refugees, data_refugees, error (Flee's relative error);
        per location: n_agents; for 'all': sim_refugees and data_refugees (camp sums),
        total_error, n_agents (agents in the simulation), new_agents, raw_unhcr_total,
        refugee_debt, n_travelling, n_deactivated.
        """
        from ..reporting.arrow_columns import date_column, numeric_column, string_column

        sim = self.sim
        n = self.days
        labels: dict[str, int] = {}   # scope and metric names → codes (columns built without pandas)
        dates, scopes, metrics, values = [], [], [], []

        def put(scope: str, metric: str, series) -> None:
            dates.append(self.dates)
            scopes.append(np.full(n, labels.setdefault(scope, len(labels))))
            metrics.append(np.full(n, labels.setdefault(metric, len(labels))))
            values.append(np.asarray(series, dtype=np.float64))

        rel = relative_errors(self.sim_camp, self.data_camp)
        for c, camp in enumerate(self.camp_names):
            put(camp, "sim_refugees", self.sim_camp[:, c])
            put(camp, "data_refugees", self.data_camp[:, c])
            put(camp, "error", rel[:, c])
        for i, name in enumerate(sim.net.names):
            put(name, "n_agents", sim.loc_counts[:, i])
        put("all", "sim_refugees", self.sim_camp.sum(axis=1))
        put("all", "data_refugees", self.data_camp.sum(axis=1))
        put("all", "total_error", self.total_error)
        put("all", "n_agents", sim.n_agents)
        put("all", "new_agents", sim.new_agents)
        put("all", "raw_unhcr_total", self.raw_total)
        put("all", "refugee_debt", sim.plan.debt)
        put("all", "n_travelling", sim.n_travelling)
        put("all", "n_deactivated", sim.n_deactivated)
        names = list(labels)
        return pa.table({
            "date": date_column(np.concatenate(dates)),
            "scope": string_column(names, np.concatenate(scopes)),
            "metric": string_column(names, np.concatenate(metrics)),
            "value": numeric_column(np.concatenate(values)),
        })

    def out_csv_header(self) -> list[str]:
        head = ["Day", "Date"]
        for camp in self.camp_names:
            head += [f"{camp} sim", f"{camp} data", f"{camp} error"]
        return head + ["Total error", "refugees in camps (UNHCR)", "total refugees (simulation)",
                       "raw UNHCR refugee count", "refugees in camps (simulation)", "refugee_debt"]

    def out_csv_rows(self) -> list[list]:
        """Flee's out.csv as rows, the header first: Day, Date, then per camp
        '<camp> sim', '<camp> data', '<camp> error', then Total error, refugees in camps
        (UNHCR), total refugees (simulation), raw UNHCR refugee count, refugees in camps
        (simulation), refugee_debt — the columns of Flee's run script."""
        sim_c, data_c = self.sim_camp, self.data_camp
        rel = relative_errors(sim_c, data_c)
        tot = self.total_error
        raw, debt = self.raw_total, self.sim.plan.debt
        rows: list[list] = [self.out_csv_header()]
        for t in range(self.days):
            row: list = [t, str(self.dates[t])]
            for c in range(len(self.camp_names)):
                row += [int(sim_c[t, c]), int(data_c[t, c]), float(rel[t, c])]
            if raw[t] > 0:
                row += [float(tot[t]), int(data_c[t].sum()), int(self.sim.n_agents[t]), int(raw[t]),
                        int(sim_c[t].sum()), int(debt[t])]
            else:  # Flee prints zeros before the UNHCR total is positive
                row += [0.0, 0, int(self.sim.n_agents[t]), 0, int(sim_c[t].sum()), 0]
            rows.append(row)
        return rows

    def summary(self) -> dict:
        """Headline figures for summary.json and the CLI."""
        last = self.days - 1
        return {
            "case": self.name, "model": "flee", "seed": self.seed, "days": self.days,
            "period": [str(self.dates[0]), str(self.dates[-1])],
            "ard": round(self.ard, 6),
            "agents_end": int(self.sim.n_agents[last]),
            "agent_days": self.agent_days,
            "wall_s": round(self.wall_s, 4), "build_s": round(self.build_s, 4),
            "agent_days_per_s": round(self.agent_days_per_s, 1),
            "camps": {camp: {"sim_end": int(self.sim_camp[last, c]), "data_end": int(self.data_camp[last, c]),
                             "mean_abs_error": round(float(np.abs(self.sim_camp[:, c] - self.data_camp[:, c]).mean()), 3)}
                      for c, camp in enumerate(self.camp_names)},
            "warnings": list(self.warnings),
        }


def _ensure_warm() -> float:
    global _WARM
    if _WARM:
        return 0.0
    s = warm_kernels()
    _WARM = True
    return s


def run_flee(source: str | Path, seed: int = 0, *, days: int | None = None, overrides: dict | None = None,
             input_csv: str | Path | None = None, source_data: str | Path | None = None,
             settings: str | Path | None = None, progress=None) -> FleeRun:
    """Run a Flee case (a folder with input_csv/, source_data/, simsetting.yml, or a
    converted `model: flee` YAML) with `seed`, for `days` (default: sim_period.csv).

    `overrides` maps Flee setting names to values, e.g. {"move_rules.camp_weight": 2.0}.
    `input_csv`, `source_data`, `settings` point at the parts of other layouts;
    `progress(day, days)` is called after each simulated day.
    Raises borderlab.errors.BorderlabError subclasses for bad input.
    """
    _ensure_warm()
    t1 = time.perf_counter()
    loaded = load_flee(source, overrides=overrides, input_csv=input_csv, source_data=source_data, settings=settings)
    sim = FleeSim(loaded.scenario, seed=seed, days=days, base_dir=loaded.base_dir, locate=loaded.locate)
    t2 = time.perf_counter()
    sim.run(progress=progress)
    t3 = time.perf_counter()
    return FleeRun(loaded, sim, int(seed), wall_s=t3 - t2, build_s=t2 - t1, overrides=dict(overrides or {}))


def run_flee_synthetic(initial_agents: int = 500_000, new_per_day: int = 10_000, days: int = 10, seed: int = 0) -> FleeRun:
    """Time borderlab on the case of Flee's synthetic benchmark (see synthetic.py)."""
    from .synthetic import synthetic_flee_case

    _ensure_warm()
    t1 = time.perf_counter()
    loaded = synthetic_flee_case(initial_agents=initial_agents, new_per_day=new_per_day, days=days, seed=seed)
    sim = FleeSim(loaded.scenario, seed=seed, days=days, base_dir=None, locate=loaded.locate)
    t2 = time.perf_counter()
    sim.run()
    t3 = time.perf_counter()
    return FleeRun(loaded, sim, int(seed), wall_s=t3 - t2, build_s=t2 - t1)
