"""Daily and weekly series reconstructed from the observed figures known by a date.

Statistical baselines and weekly skill scores need a regular series, but the border guards
published irregular figures: monthly totals, running totals since 1 January, partial
months, single days. `reconstruct` finds the non-negative daily series whose sums over the
figures' periods match the figures (relative least squares, so a 17,000 and a 36 weigh
alike), with a small penalty on day-to-day jumps that fills the days no figure pins down
(scipy's bounded least squares). A day counts as **resolved** when some figure — or the
difference of two running totals from the same start — covers a window of at most
`RESOLVED_WINDOW_DAYS` around it; weekly values are only used where every day is resolved.

Only flows (aggregation `sum`) are reconstructed; stocks (people in centres) are points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import lsq_linear

from ..analysis.observations import Observation, select_outcomes

RESOLVED_WINDOW_DAYS = 35       # a monthly figure resolves its days; a running total since January does not
SMOOTHNESS = 0.05               # weight of the day-to-day jump penalty against the figures' relative misfit
RELATIVE_FLOOR = 10.0           # misfit is (sum − figure) / (figure + floor): small figures do not dominate


@dataclass
class ObservedSeries:
    """A reconstructed daily series of one model quantity (metric, scope)."""

    metric: str
    scope: str
    start: dt.date
    values: np.ndarray       # daily, from `start` to the as-of date
    resolved: np.ndarray     # bool per day
    figures: int             # figures it was reconstructed from

    @property
    def key(self) -> tuple[str, str]:
        return (self.metric, self.scope)

    def day(self, date: dt.date) -> int:
        return (date - self.start).days

    def weekly(self, origin: dt.date, weeks: int) -> tuple[np.ndarray, np.ndarray]:
        """Sums over `weeks` weeks ending on `origin` (oldest first) and whether each is resolved;
        weeks reaching before the series' start are dropped."""
        end = self.day(origin)
        sums, ok = [], []
        for w in range(weeks, 0, -1):
            a, b = end - 7 * w + 1, end - 7 * (w - 1)
            if a < 0 or b >= len(self.values):
                continue
            sums.append(float(self.values[a : b + 1].sum()))
            ok.append(bool(self.resolved[a : b + 1].all()))
        return np.array(sums), np.array(ok, dtype=bool)

    def ahead(self, origin: dt.date, weeks: int) -> tuple[np.ndarray, np.ndarray]:
        """Sums over the `weeks` weeks after `origin` (NaN past the series) and whether resolved."""
        start = self.day(origin) + 1
        sums, ok = np.full(weeks, np.nan), np.zeros(weeks, dtype=bool)
        for h in range(weeks):
            a, b = start + 7 * h, start + 7 * h + 6
            if a >= 0 and b < len(self.values):
                sums[h] = self.values[a : b + 1].sum()
                ok[h] = self.resolved[a : b + 1].all()
        return sums, ok


def flow_figures(observations: list[Observation], until: dt.date) -> dict[tuple[str, str], list[Observation]]:
    """Training figures of flows ending on or before `until`, grouped by model quantity."""
    groups: dict[tuple[str, str], list[Observation]] = {}
    for o in select_outcomes(observations, until):
        metric, scope, agg = o.model
        if agg == "sum":
            groups.setdefault((metric, scope), []).append(o)
    return groups


def reconstruct(figures: list[Observation], until: dt.date) -> ObservedSeries:
    """The daily series (first figure's start → `until`) that best matches `figures`."""
    start = min(o.start for o in figures)
    n = (until - start).days + 1
    rows, targets, weights = [], [], []
    for o in figures:
        a, b = (o.start - start).days, (min(o.end, until) - start).days
        row = np.zeros(n)
        row[a : b + 1] = 1.0
        rows.append(row)
        targets.append(o.value)
        weights.append(1.0 / (o.value + RELATIVE_FLOOR))
    A = sparse.csr_matrix(np.array(rows) * np.array(weights)[:, None])
    y = np.array(targets) * np.array(weights)
    level = max(max(o.value / ((o.end - o.start).days + 1) for o in figures), 1.0)
    jumps = sparse.diags([-1.0, 1.0], [0, 1], shape=(n - 1, n)) * (SMOOTHNESS / level)
    fit = lsq_linear(sparse.vstack([A, jumps]).tocsr(), np.concatenate([y, np.zeros(n - 1)]), bounds=(0.0, np.inf),
                     lsmr_tol="auto", tol=1e-8)
    return ObservedSeries(figures[0].model[0], figures[0].model[1], start, fit.x, resolved_days(figures, start, n),
                          len(figures))


def resolved_days(figures: list[Observation], start: dt.date, n: int) -> np.ndarray:
    """Days inside a window ≤ RESOLVED_WINDOW_DAYS that a figure, or two running totals with a
    common start, pin down."""
    windows = [((o.start - start).days, (o.end - start).days) for o in figures]
    by_start: dict[dt.date, list[int]] = {}
    for o in figures:
        by_start.setdefault(o.start, []).append((o.end - start).days)
    for ends in by_start.values():
        ends = sorted(set(ends))
        windows += [(e1 + 1, e2) for e1, e2 in zip(ends, ends[1:])]
    ok = np.zeros(n, dtype=bool)
    for a, b in windows:
        if b - a + 1 <= RESOLVED_WINDOW_DAYS:
            ok[max(a, 0) : min(b, n - 1) + 1] = True
    return ok


def observed_series(observations: list[Observation], until: dt.date) -> dict[tuple[str, str], ObservedSeries]:
    """Every flow quantity with figures up to `until`, reconstructed."""
    return {key: reconstruct(figs, until) for key, figs in sorted(flow_figures(observations, until).items())}
