"""Dates ↔ day indices, and step schedules compiled to one value per day."""

from __future__ import annotations

import datetime as dt

import numpy as np


class Calendar:
    """Simulation days 0..n_days-1 from `start` to `end` inclusive."""

    def __init__(self, start: dt.date, end: dt.date):
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        self.start = start
        self.end = end
        self.n_days = (end - start).days + 1

    def day(self, date: dt.date) -> int:
        """Day index of `date` (may be negative or past the end)."""
        return (date - self.start).days

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def dates(self) -> np.ndarray:
        return np.arange(
            np.datetime64(self.start, "D"), np.datetime64(self.end, "D") + 1, dtype="datetime64[D]"
        )

    def clip(self, day: int) -> int:
        return min(max(day, 0), self.n_days)

    def step(self, points: list[tuple[dt.date, float]], before: float = 0.0) -> np.ndarray:
        """A daily array holding each point's value from its date until the next point.

        Days before the first point take `before`.
        """
        out = np.full(self.n_days, before, dtype=np.float64)
        for date, value in sorted(points, key=lambda p: p[0]):
            out[self.clip(self.day(date)) :] = value
        return out

    def set_from(self, arr: np.ndarray, date: dt.date, value: float,
                 until: dt.date | None = None) -> None:
        """Set `arr` to `value` from `date` (inclusive) to `until` (exclusive) or the end."""
        lo = self.clip(self.day(date))
        hi = self.n_days if until is None else self.clip(self.day(until))
        arr[lo:hi] = value
