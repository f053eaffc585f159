"""UNHCR series as Flee reads them, and Flee's error measures.

This is a port of Flee 3.1's `DataTable`/`RefugeeTable` arithmetic, because the accuracy
figure is only comparable if the "data" side is computed identically:

- a series is a list of (day offset, count ÷ hasten) rows in file order;
- a camp with several files sums them with `AddCSVTables` (which pairs rows by date in
  its own particular way — reproduced as is);
- a registration correction on date D multiplies every earlier row by
  value(D) / value(row before D) (level-1 registrations were over-counted);
- the value on a day is linearly interpolated between rows and truncated to an integer;
  before the first row it is the first value, after the last row the last value.

Flee's per-day 'Total error' is Σ over camps |sim − data| ÷ the UNHCR total that day;
the headline accuracy (ARD) is its mean over all simulated days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import Problem, ScenarioError
from .schema import FleeScenario, Series


def series_rows(points, start: dt.date, hasten: int) -> np.ndarray:
    """[(day offset, count / hasten)] as a float array of shape (k, 2)."""
    if not points:
        return np.zeros((0, 2))
    return np.array([[float((d - start).days), c / float(hasten)] for d, c in points], dtype=np.float64)


def add_tables(table1: np.ndarray, table2: np.ndarray) -> np.ndarray:
    """Flee's `AddCSVTables(table1, table2)`, row for row (rows of table1 after the last
    row of table2 are dropped, as in Flee)."""
    if len(table1) == 0:
        return table2.copy()
    out = []
    offset = 0
    last_c2 = (0.0, 0.0)
    for c2 in table2:
        while c2[0] > table1[offset][0]:
            out.append((table1[offset][0], last_c2[1] + table1[offset][1]))
            if offset < len(table1) - 1:
                offset += 1
            else:
                break
        if c2[0] == table1[offset][0]:
            out.append((c2[0], c2[1] + table1[offset][1]))
            if offset < len(table1) - 1:
                offset += 1
            last_c2 = c2
            continue
        if c2[0] < table1[offset][0]:
            out.append((c2[0], c2[1] + table1[offset][1]))
            last_c2 = c2
            continue
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def correct_registrations(table: np.ndarray, day: int) -> tuple[int, bool]:
    """Flee's `correctLevel1Registrations`: rescale rows before each row dated `day`.
    Returns how many rows matched (Flee crashes when none does) and whether a row before
    the date was 0: Flee then multiplies the earlier rows by value/0 (NumPy: inf, or NaN
    for 0/0), leaving them unusable; they are set to NaN here, to be read by no day."""
    matched, by_zero = 0, False
    for i in range(len(table)):
        if int(table[i, 0]) == int(day) and i > 0:
            matched += 1
            last_level_1 = table[i - 1, 1]
            if last_level_1 == 0:
                table[0:i, 1] = np.nan
                by_zero = True
                continue
            table[0:i, 1] *= table[i, 1] / last_level_1
        elif int(table[i, 0]) == int(day):
            matched += 1  # the first row: nothing before it to rescale
    return matched, by_zero


def interpolate_days(table: np.ndarray, n_days: int) -> np.ndarray:
    """Flee's `get_interpolated_data` for days 0 … n_days−1, as int64."""
    days = np.arange(n_days, dtype=np.float64)
    d, v = table[:, 0], table[:, 1]
    out = np.empty(n_days, dtype=np.float64)
    before = days <= d[0]
    out[before] = v[0]
    if len(d) > 1:
        later = days[:, None] < d[None, 1:]          # day < d[i] for i ≥ 1
        has = later.any(axis=1)
        i = np.argmax(later, axis=1) + 1              # first such i
        old_d, old_v = d[i - 1], v[i - 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = (days - old_d) / (d[i] - old_d)
        value = old_v + fraction * (v[i] - old_v)
        value = np.where(fraction > 1.0, -1.0, value)  # Flee's error return for unsorted rows
        sel = ~before & has
        out[sel] = value[sel]
        out[~before & ~has] = v[-1]
    else:
        out[~before] = v[0]
    return np.trunc(out).astype(np.int64)


@dataclass
class ValidationData:
    """The UNHCR tables of one case, after hasten, summing and corrections."""

    names: list[str]
    tables: dict[str, np.ndarray]
    notes: list[str] = field(default_factory=list)   # warnings: Flee behaviour matched on odd input

    def daily(self, name: str, n_days: int) -> np.ndarray:
        return interpolate_days(self.tables[name], n_days)

    def daily_difference(self, names: list[str], n_days: int) -> np.ndarray:
        """Flee's `get_daily_difference` for each day: the day-0 value, then day-on-day changes."""
        level = sum((self.daily(n, n_days) for n in names), np.zeros(n_days, np.int64))
        out = level.copy()
        out[1:] = level[1:] - level[:-1]
        return out


def build_validation(sc: FleeScenario, base_dir: Path | None, locate) -> ValidationData:
    """Tables for every series of `sc` (files relative to `base_dir`); `locate(path)` names
    the file:line of a model path in error messages."""
    from .reader import read_series_file

    hasten = sc.settings.hasten
    problems: list[Problem] = []
    tables: dict[str, np.ndarray] = {}
    for k, s in enumerate(sc.validation.series):
        parts = []
        for j, src in enumerate(s.sources):
            points = src.points
            if src.file is not None:
                path = Path(src.file)
                if not path.is_absolute() and base_dir is not None:
                    path = base_dir / path
                points = read_series_file(path, problems, locate(("validation", "series", k, "sources", j)))
            parts.append(series_rows(points or [], sc.start_date, hasten))
        if any(len(p) == 0 for p in parts):
            if not problems:
                problems.append(Problem(locate(("validation", "series", k)), f"series '{s.name}' has no data rows",
                                        "give at least one YYYY-MM-DD,<count> row"))
            continue
        table = parts[0]
        for extra in parts[1:]:
            table = add_tables(table, extra)
        tables[s.name] = table
    if problems:
        raise ScenarioError(problems)
    notes: list[str] = []
    read_by_flee = {"total"} | {loc.name for loc in sc.locations}
    for i, c in enumerate(sc.validation.registration_corrections):
        day = (c.date - sc.start_date).days
        matched, by_zero = correct_registrations(tables[c.camp], day)
        at = locate(("validation", "registration_corrections", i))
        if by_zero and day > 0 and c.camp in read_by_flee:
            problems.append(Problem(at, f"{c.camp} {c.date}: the row before that date is 0, so Flee 3.1 rescales the "
                                        "earlier rows by a division by 0 (inf/NaN) and, reading them for day 0, stops "
                                        "with a ValueError (int of NaN): this case would crash in Flee",
                                    "remove the correction, or give the row before the date its count"))
            continue
        if by_zero:
            where = "on or before the start date" if day <= 0 else "in a series no camp reads"
            notes.append(f"{at}: {c.camp} {c.date}: the row before that date is 0, so Flee 3.1 divides by 0 when "
                         f"rescaling the earlier rows; they lie {where}, so no simulated day reads them and the "
                         "run goes on, as in Flee")
        if matched == 0:
            problems.append(Problem(locate(("validation", "registration_corrections", i)),
                                    f"{c.date} is not a date in {c.camp}'s series",
                                    "a correction names the first date of level-2 registration, which must be a row of the camp's series"))
    if problems:
        raise ScenarioError(problems)
    return ValidationData([s.name for s in sc.validation.series], tables, notes)


def reported_by(sc: FleeScenario, base_dir: Path | None, locate, day: int) -> ValidationData:
    """The tables as they stood on day `day`: the rows dated day 0 … `day`, and only the
    registration corrections dated on or before it.

    What a calibration to day `day` may know. Flee's own tables (`build_validation`) hold
    the whole period, and two things in them reach back from later reports: a correction
    dated after `day` rescales every earlier row by the ratio of two later reports, and a
    day between the last report before `day` and the first after it is interpolated towards
    the later one. Here a camp's value after its last known report is that report (Flee's
    rule after a series' last row); a camp with no report by `day` has an empty table.
    """
    cut = sc.start_date + dt.timedelta(days=day)
    corrections = [c for c in sc.validation.registration_corrections if c.date <= cut]
    known = sc.model_copy(update={"validation": sc.validation.model_copy(update={"registration_corrections": corrections})})
    full = build_validation(known, base_dir, locate)
    return ValidationData(full.names, {name: t[t[:, 0] <= day] for name, t in full.tables.items()}, full.notes)


def as_run_input(reported: ValidationData) -> ValidationData:
    """`reported_by` tables a run can start from: a series with no report yet counts 0 from
    day 0 (nobody placed there on day 0, nothing spawned from it)."""
    tables = {name: t if len(t) else np.zeros((1, 2)) for name, t in reported.tables.items()}
    return ValidationData(reported.names, tables, reported.notes)


def reported_daily(validation: ValidationData, camps: list[str], n_days: int) -> np.ndarray:
    """(n_days × camps) daily values of `reported_by` tables; NaN for a camp with no report yet."""
    out = np.full((n_days, len(camps)), np.nan)
    for c, name in enumerate(camps):
        table = validation.tables.get(name)
        if table is not None and len(table):
            out[:, c] = validation.daily(name, n_days)
    return out


# -- Flee's error measures ------------------------------------------------------------------
def relative_errors(sim: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Flee's `rel_error`: |sim/data − 1| rounded to 4 digits; 0 where data < 1e-5."""
    sim = np.asarray(sim, dtype=np.float64)
    data = np.asarray(data, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.round(np.abs(sim / data - 1.0), 4)
    return np.where(data < 0.00001, 0.0, rel)


def total_error(sim: np.ndarray, data: np.ndarray, raw_total: np.ndarray) -> np.ndarray:
    """Flee's daily 'Total error': Σ_camps |sim − data| ÷ UNHCR total (0 where it is ≤ 0).
    `sim`, `data`: (days, camps); `raw_total`: (days,). A NaN in `data` (a camp not yet
    reported, `reported_daily`) adds nothing."""
    abs_sum = np.nansum(np.round(np.abs(np.asarray(sim, np.float64) - np.asarray(data, np.float64)), 4), axis=1)
    raw = np.asarray(raw_total, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(raw > 0, abs_sum / np.where(raw > 0, raw, 1.0), 0.0)


def ard(daily_total_error: np.ndarray) -> float:
    """The headline accuracy: mean of the daily total error over the simulated days."""
    return float(np.mean(daily_total_error)) if len(daily_total_error) else float("nan")


def series_for(sc: FleeScenario, name: str) -> Series | None:
    return next((s for s in sc.validation.series if s.name == name), None)
