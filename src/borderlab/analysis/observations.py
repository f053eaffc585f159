"""Observed figures and how each maps to a model output with the same definition.

The Polish Border Guard counts attempts (events, repeat attempts included); Lithuania counts
entries (people detained after crossing) and turn-backs (events); Germany counts onward
arrivals; deaths are cumulative. `OBSERVATION_MAP` pairs each observed metric with the
model metric, scope and aggregation that match it like for like.

Conflicting figures for one period (e.g. four values for Poland's October attempts) are
resolved by `resolve_conflicts`: keep the row with the latest `source_date` (the final
figure supersedes provisional ones); ties keep the later row in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputFileError

# (country, observed metric) → (model metric, model scope, aggregation)
# aggregation: "sum" = total of a flow over [period_start, period_end]; "stock" = value on period_end
OBSERVATION_MAP: dict[tuple[str, str], tuple[str, str, str]] = {
    ("PL", "attempts_illegal_crossing_monthly"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_daily"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_cumulative"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_weekend"): ("new_attempts", "PL", "sum"),
    ("PL", "detained_migrants_monthly"): ("new_detentions", "PL", "sum"),
    ("PL", "detained_migrants_partial_month"): ("new_detentions", "PL", "sum"),
    ("PL", "detained_migrants_cumulative"): ("new_detentions", "PL", "sum"),
    ("PL", "persons_in_guarded_centres"): ("n_detained", "PL", "stock"),
    ("PL", "hospital_admissions_monthly"): ("new_hospitalised", "PL", "sum"),
    ("LT", "irregular_entries_monthly"): ("new_detentions", "LT", "sum"),
    ("LT", "irregular_entries_partial_month"): ("new_detentions", "LT", "sum"),
    ("LT", "irregular_entries_daily"): ("new_detentions", "LT", "sum"),
    ("LT", "irregular_entries_cumulative"): ("new_detentions", "LT", "sum"),
    ("LT", "turnbacks_monthly"): ("new_turnbacks", "LT", "sum"),
    ("LT", "turnbacks_partial_month"): ("new_turnbacks", "LT", "sum"),
    ("LT", "turnbacks_daily"): ("new_turnbacks", "LT", "sum"),
    ("LT", "turnbacks_cumulative"): ("new_turnbacks", "LT", "sum"),
    ("LV", "turnbacks_cumulative"): ("new_turnbacks", "LV", "sum"),
    ("LV", "turnbacks_daily"): ("new_turnbacks", "LV", "sum"),
    ("LV", "detained_illegal_crossing"): ("new_detentions", "LV", "sum"),
    ("LV", "detained_illegal_crossing_daily"): ("new_detentions", "LV", "sum"),
    ("LV", "detained_illegal_crossing_cumulative"): ("new_detentions", "LV", "sum"),
    ("DE", "unauthorized_entries_belarus_route"): ("new_onward", "all", "sum"),
    ("multi", "deaths_cumulative"): ("new_deaths", "all", "sum"),
    ("BY", "migrants_in_belarus_estimate"): ("n_stranded", "all", "stock"),
    ("PL", "migrants_in_belarus_estimate"): ("n_stranded", "all", "stock"),
}


@dataclass
class Observation:
    id: str
    country: str
    metric: str
    start: dt.date
    end: dt.date
    value: float
    unit: str
    role: str
    source_url: str
    source_date: str
    notes: str

    @property
    def model(self) -> tuple[str, str, str] | None:
        return OBSERVATION_MAP.get((self.country, self.metric))

    @property
    def grain(self) -> str:
        """monthly, daily, cumulative or point (stocks) — the series' own time grain."""
        if self.model and self.model[2] == "stock":
            return "point"
        if self.start == self.end:
            return "daily"
        if self.metric.endswith("_monthly"):
            return "monthly"
        return "cumulative"


def load_observations(path: Path) -> list[Observation]:
    """Read observed.csv; errors name the file and line."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: observations file not found")
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"id", "country", "metric", "period_start", "period_end", "value", "role"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise InputFileError(f"{path}:1: missing columns {sorted(need - set(reader.fieldnames or []))}")
        for line, row in enumerate(reader, start=2):
            try:
                out.append(Observation(
                    row["id"], row["country"], row["metric"],
                    dt.date.fromisoformat(row["period_start"]), dt.date.fromisoformat(row["period_end"]),
                    float(row["value"]), row.get("unit", ""), row["role"], row.get("source_url", ""),
                    row.get("source_date", ""), row.get("notes", "")))
            except ValueError as exc:
                raise InputFileError(f"{path}:{line}: {exc}\n    hint: dates YYYY-MM-DD, value a number") from None
    return out


def resolve_conflicts(obs: list[Observation]) -> list[Observation]:
    """One observation per (country, metric, period): the one with the latest source_date."""
    best: dict[tuple, Observation] = {}
    for o in obs:
        key = (o.country, o.metric, o.start, o.end)
        if key not in best or o.source_date >= best[key].source_date:
            best[key] = o
    return list(best.values())


def simulated_value(o: Observation, results, calendar) -> tuple[float, float] | None:
    """The model's value for an observation, and the share of its period inside the run."""
    if o.model is None:
        return None
    metric, scope, agg = o.model
    try:
        series = results.series(metric, scope)
    except KeyError:
        return None
    lo, hi = calendar.day(o.start), calendar.day(o.end)
    if agg == "stock":
        if not 0 <= hi < calendar.n_days:
            return None
        return float(series[hi]), 1.0
    a, b = max(lo, 0), min(hi, calendar.n_days - 1)
    if b < a:
        return None
    coverage = (b - a + 1) / (hi - lo + 1)
    return float(series[a : b + 1].sum()), coverage
