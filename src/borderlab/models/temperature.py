"""The daily minimum temperature: a seasonal curve, AR(1) noise, pinned to observed points.

T(d) = mean − amplitude · cos(2π (doy(d) − coldest_day) / 365.25) + noise(d) + pin(d)
where pin(d) blends the offsets (observed − curve) of nearby observed points with a
triangular kernel of ±15 days, so a reported −14 °C pulls its fortnight down, not the year.
A CSV (date,temp_c) replaces the curve on the days it covers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ..errors import InputFileError
from ..inputfiles import csv_dict_reader, finite

PIN_HALF_WIDTH_DAYS = 15.0
AR1_PERSISTENCE = 0.7


def seasonal_curve(spec, cal) -> np.ndarray:
    s = spec.seasonal
    dates = cal.dates()
    doy = ((dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1).astype(float)   # day of the year, 1 …
    return float(s.mean_c) - float(s.amplitude_c) * np.cos(2 * np.pi * (doy - float(s.coldest_day_of_year)) / 365.25)


def daily_temperature(spec, cal, stream, folder: Path | None) -> np.ndarray:
    curve = seasonal_curve(spec, cal)
    base = curve
    sd = float(spec.seasonal.noise_sd_c)
    if sd > 0:
        eps = stream.generator(0).normal(0.0, sd * np.sqrt(1 - AR1_PERSISTENCE**2), cal.n_days)
        # the recursion in Python floats (the same IEEE arithmetic as NumPy's scalars, a
        # fifth of the time: it is run at every build)
        x = float(stream.generator(1).normal(0.0, sd))
        noise = [x]
        for e in eps[1:].tolist():
            x = AR1_PERSISTENCE * x + e
            noise.append(x)
        base = base + np.array(noise, dtype=np.float64)
    if spec.points:
        days = np.arange(cal.n_days)
        weights = np.zeros(cal.n_days)
        offsets = np.zeros(cal.n_days)
        for p in spec.points:
            d = cal.day(p.date)
            w = np.maximum(0.0, 1.0 - np.abs(days - d) / PIN_HALF_WIDTH_DAYS)
            at = curve[d] if 0 <= d < cal.n_days else float(np.interp(d, days, curve))
            offsets += w * (p.temp_c - at)
            weights += w
        pin = np.divide(offsets, weights, out=np.zeros(cal.n_days), where=weights > 0) * np.minimum(weights, 1.0)
        base = np.where(weights > 0, curve + pin + (base - curve) * (1 - np.minimum(weights, 1.0)), base)
    if spec.csv:
        path = (Path(folder) / spec.csv) if folder else Path(spec.csv)
        for date, value in read_temperature_csv(path):
            d = cal.day(date)
            if 0 <= d < cal.n_days:
                base[d] = value
    return base


def read_temperature_csv(path: Path) -> list[tuple[dt.date, float]]:
    """Rows of date,temp_c; errors name the file and line."""
    if not path.exists():
        raise InputFileError(f"{path}: temperature file not found\n    hint: humanitarian.temperature.csv is relative to the scenario file")
    out = []
    with csv_dict_reader(path) as reader:  # size, UTF-8 and csv errors name the file and line
        if reader.fieldnames is None or not {"date", "temp_c"} <= set(reader.fieldnames):
            raise InputFileError(f"{path}:1: expected columns date,temp_c, found {reader.fieldnames}")
        for i, row in enumerate(reader, start=2):
            try:
                out.append((dt.date.fromisoformat(row["date"].strip()), finite(float(row["temp_c"]))))
            except (ValueError, AttributeError, TypeError):
                raise InputFileError(f"{path}:{i}: bad row {row!r}\n    hint: write YYYY-MM-DD,number") from None
    return out
