"""Observed figures and how each maps to a model output with the same definition.

The Polish Border Guard counts attempts (events, repeat attempts included); Lithuania counts
entries (people detained after crossing) and turn-backs (events); Germany counts onward
arrivals; deaths are cumulative. `OBSERVATION_MAP` pairs each observed metric with the
model metric, scope and aggregation that match it like for like. A CSV may also name the
model output itself, in optional columns `model_metric`, `model_scope` and `aggregation`
(for scenarios other than belarus-eu-2021, and for synthetic observations in tests).

Conflicting figures for one period (e.g. four values for Poland's October attempts) are
resolved by `resolve_conflicts`: among the rows that measure the same model quantity over
the same period, keep the one with the latest `source_date` (the final figure supersedes
provisional ones); ties keep the later row in the file.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError
from ..inputfiles import csv_dict_reader

# (country, observed metric) → (model metric, model scope, aggregation)
# aggregation: "sum" = total of a flow over [period_start, period_end]; "stock" = value on period_end
OBSERVATION_MAP: dict[tuple[str, str], tuple[str, str, str]] = {
    ("PL", "attempts_illegal_crossing_monthly"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_daily"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_cumulative"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_illegal_crossing_weekend"): ("new_attempts", "PL", "sum"),
    ("PL", "attempts_prevented_monthly"): ("new_turnbacks", "PL", "sum"),
    ("PL", "detained_migrants_monthly"): ("new_detentions", "PL", "sum"),
    ("PL", "detained_migrants_partial_month"): ("new_detentions", "PL", "sum"),
    ("PL", "detained_migrants_cumulative"): ("new_detentions", "PL", "sum"),
    ("PL", "persons_in_guarded_centres"): ("n_detained", "PL", "stock"),
    ("PL", "hospital_admissions_monthly"): ("new_hospitalised", "PL", "sum"),
    ("PL", "hospitalised_stock"): ("n_hospital", "PL", "stock"),
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

AGGREGATIONS = ("sum", "stock")
# rows with this role are facts the scenario uses as inputs, not outcomes to compare with
INPUT_ROLE = "input"
MAPPING_COLUMNS = ("model_metric", "model_scope", "aggregation")


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
    mapping: tuple[str, str, str] | None = None  # from the CSV's own mapping columns, if given
    line: int = 0                                 # line in the file, for messages

    @property
    def model(self) -> tuple[str, str, str] | None:
        """(model metric, scope, aggregation) with the same definition, or None."""
        return self.mapping or OBSERVATION_MAP.get((self.country, self.metric))

    @property
    def grain(self) -> str:
        """The series' own time grain: `point` (a stock on a day), `daily` (one day's flow),
        `monthly` (a calendar month's total) or `cumulative` (a total over any other window:
        running totals from a start date, partial months, a weekend)."""
        if self.model and self.model[2] == "stock":
            return "point"
        if self.start == self.end:
            return "daily"
        if self.metric.endswith("_monthly") or is_calendar_month(self.start, self.end):
            return "monthly"
        return "cumulative"


def is_calendar_month(start: dt.date, end: dt.date) -> bool:
    """True if [start, end] is exactly one calendar month."""
    nxt = end + dt.timedelta(days=1)
    return start.day == 1 and nxt.day == 1 and (start.year, start.month) == (end.year, end.month)


def load_observations(path: Path) -> list[Observation]:
    """Read observed.csv; errors name the file and line."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: observations file not found")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not an observations CSV")
    out = []
    with csv_dict_reader(path) as reader:  # size, UTF-8 and csv errors name the file and line
        need = {"id", "country", "metric", "period_start", "period_end", "value", "role"}
        if reader.fieldnames is None or not need <= set(reader.fieldnames):
            raise InputFileError(f"{path}:1: missing columns {sorted(need - set(reader.fieldnames or []))}")
        for line, row in enumerate(reader, start=2):
            try:
                o = Observation(
                    row["id"], row["country"], row["metric"],
                    dt.date.fromisoformat(row["period_start"]), dt.date.fromisoformat(row["period_end"]),
                    float(row["value"]), row.get("unit") or "", row["role"], row.get("source_url") or "",
                    row.get("source_date") or "", row.get("notes") or "", _mapping(row), line)
            except (ValueError, TypeError) as exc:
                raise InputFileError(f"{path}:{line}: {exc}\n    hint: dates YYYY-MM-DD, value a number, "
                                     f"aggregation one of {', '.join(AGGREGATIONS)}") from None
            if not math.isfinite(o.value):
                raise InputFileError(f"{path}:{line}: value {row['value']} is not a finite number\n"
                                     "    hint: leave the row out if the figure is unknown")
            if o.end < o.start:
                raise InputFileError(f"{path}:{line}: period_end {o.end} is before period_start {o.start}\n"
                                     "    hint: swap them")
            if o.model is not None and o.role != INPUT_ROLE and not o.value >= 0:
                raise InputFileError(f"{path}:{line}: value {row['value']} is not a count ≥ 0 "
                                     f"(it maps to the model output {o.model[0]})\n"
                                     "    hint: observed outcomes are counts of people or events")
            out.append(o)
    return out


def _mapping(row: dict) -> tuple[str, str, str] | None:
    """The row's own (model_metric, model_scope, aggregation), if the file has them."""
    metric, scope, agg = (str(row.get(c) or "").strip() for c in MAPPING_COLUMNS)
    if not metric:
        return None
    agg = agg or "sum"
    if agg not in AGGREGATIONS:
        raise ValueError(f"aggregation {agg!r} is not one of {', '.join(AGGREGATIONS)}")
    return metric, scope or "all", agg


def resolve_conflicts(obs: list[Observation]) -> list[Observation]:
    """One observation per quantity and period: the one with the latest source_date.

    A quantity is the model output a row maps to (so two sources estimating the same thing
    under different country codes conflict too); unmapped rows are keyed by their own
    country and metric. `source_date` is compared as text YYYY[-MM[-DD]], so a month-only
    date counts as earlier than any day of that month; on a tie the later row wins.
    """
    best: dict[tuple, Observation] = {}
    for o in obs:
        key = (o.model or (o.country, o.metric), o.start, o.end)
        if key not in best or o.source_date >= best[key].source_date:
            best[key] = o
    return list(best.values())


def select_outcomes(obs: list[Observation], until: dt.date | None = None) -> list[Observation]:
    """Outcome rows that map onto a model output (not `role=input`), resolved for conflicts,
    with `period_end` on or before `until` when given — the rows validation and calibration use."""
    keep = [o for o in obs if o.model is not None and o.role != INPUT_ROLE]
    keep = resolve_conflicts(keep)
    if until is not None:
        keep = [o for o in keep if o.end <= until]
    return sorted(keep, key=lambda o: (o.role, o.country, o.metric, o.end, o.start, o.line))


def window(o: Observation, calendar) -> tuple[int, int, float] | None:
    """Day indices [a, b] of the run that the observation's period covers, and the share of
    the period inside the run; None if no part of it is inside (for a stock: if its day is
    outside the run)."""
    lo, hi = calendar.day(o.start), calendar.day(o.end)
    if o.model is not None and o.model[2] == "stock":
        return (hi, hi, 1.0) if 0 <= hi < calendar.n_days else None
    a, b = max(lo, 0), min(hi, calendar.n_days - 1)
    if b < a:
        return None
    return a, b, (b - a + 1) / (hi - lo + 1)


def aggregate(o: Observation, series, calendar) -> tuple[float, float] | None:
    """A daily series aggregated like the observation (sum of a flow over its period, or a
    stock on its end day), and the share of the period covered by the run."""
    w = window(o, calendar)
    if w is None:
        return None
    a, b, coverage = w
    return float(series[a : b + 1].sum()), coverage


def simulated_value(o: Observation, results, calendar) -> tuple[float, float] | None:
    """The model's value for an observation, and the share of its period inside the run."""
    if o.model is None:
        return None
    metric, scope, _ = o.model
    try:
        series = results.series(metric, scope)
    except KeyError:
        return None
    return aggregate(o, series, calendar)
