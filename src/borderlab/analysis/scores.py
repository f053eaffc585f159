"""Proper scores of an ensemble forecast against observed figures.

A median that lands near a figure says nothing about whether the bands can be trusted; a
proper score rewards a forecast for being both sharp and honest about its uncertainty.
For every observed figure we have the ensemble's members aggregated like the figure (a flow
summed over its period, a stock on its day) and compute:

- **CRPS** (continuous ranked probability score, Gneiting & Raftery 2007) of the members,
  with `scoringrules`: the exact CRPS of the members' empirical distribution (estimator
  "qd", E|X − y| − ½ E|X − X'| over all pairs), in the figure's own units; for a one-member
  ensemble it is the absolute error;
- **log CRPS**: the CRPS of ln(1 + value), scale-free, so series of four deaths and of
  17,000 attempts can be averaged (the same transform the log accuracy ratio uses);
- the **interval score** (Winkler) of the central 50 % and 90 % bands: width plus 2/α times
  the distance by which the figure falls outside;
- whether the figure lies inside the **50 % and 90 % bands** (empirical coverage: an honest
  90 % band holds about 90 % of figures);
- the **PIT** value: the share of members below the figure (ties count half), whose
  histogram is flat for a calibrated forecast, U-shaped for bands too narrow.

Quantile bands are taken from the members with `numpy.quantile` (linear interpolation), the
same rule `RunData.window` uses for the ensemble's drawn bands.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

BANDS = {"50": (0.25, 0.75), "90": (0.05, 0.95)}   # central band → (lower, upper) quantile level
PIT_BINS = 10
CRPS_ESTIMATOR = "qd"   # the empirical distribution's exact CRPS (scoringrules' default)


def crps(obs, members) -> np.ndarray:
    """CRPS of each row of `members` (figures × members) against `obs` (figures)."""
    import scoringrules as sr

    obs = np.asarray(obs, dtype=float)
    members = np.atleast_2d(np.asarray(members, dtype=float))
    if members.shape[1] == 1:            # one member: the CRPS is the absolute error
        return np.abs(members[:, 0] - obs)
    return np.asarray(sr.crps_ensemble(obs, members, estimator=CRPS_ESTIMATOR, backend="numpy"), dtype=float)


def interval_score(obs, lower, upper, alpha: float) -> np.ndarray:
    """Interval (Winkler) score of the central (1 − α) band [lower, upper]."""
    import scoringrules as sr

    obs = np.atleast_1d(np.asarray(obs, dtype=float))
    score = sr.interval_score(obs, np.asarray(lower, float).reshape(obs.shape), np.asarray(upper, float).reshape(obs.shape),
                              alpha, backend="numpy")
    return np.asarray(score, dtype=float).reshape(obs.shape)   # scoringrules squeezes a single figure


def pit(obs, members) -> np.ndarray:
    """Probability integral transform of each figure: share of members below it, ties half."""
    obs = np.asarray(obs, dtype=float)[:, None]
    members = np.atleast_2d(np.asarray(members, dtype=float))
    below = (members < obs).sum(axis=1)
    ties = (members == obs).sum(axis=1)
    return (below + 0.5 * ties) / members.shape[1]


def pit_histogram(values, bins: int = PIT_BINS) -> list[int]:
    """Counts of PIT values in `bins` equal bins of [0, 1] (1.0 goes in the last)."""
    counts, _ = np.histogram(np.clip(np.asarray(values, float), 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return [int(c) for c in counts]


@dataclass
class PointScore:
    """The scores of one figure."""

    observed: float
    median: float
    crps: float
    crps_log: float
    interval_50: float
    interval_90: float
    in_50: bool
    in_90: bool
    pit: float
    members: int


def score_figures(obs, members) -> list[PointScore]:
    """Scores of each figure (`obs`, figures) against its ensemble (`members`, figures × members)."""
    obs = np.asarray(obs, dtype=float)
    members = np.atleast_2d(np.asarray(members, dtype=float))
    if members.shape[0] != len(obs):
        raise ValueError(f"{members.shape[0]} ensembles for {len(obs)} figures")
    if not len(obs):
        return []
    q = {lv: np.quantile(members, lv, axis=1) for lo_hi in BANDS.values() for lv in lo_hi}
    inside = {k: (q[lo] <= obs) & (obs <= q[hi]) for k, (lo, hi) in BANDS.items()}
    is_ = {k: interval_score(obs, q[lo], q[hi], 1.0 - (hi - lo)) for k, (lo, hi) in BANDS.items()}
    c = crps(obs, members)
    c_log = crps(np.log1p(np.maximum(obs, 0.0)), np.log1p(np.maximum(members, 0.0)))
    p = pit(obs, members)
    med = np.median(members, axis=1)
    return [PointScore(float(obs[i]), float(med[i]), float(c[i]), float(c_log[i]), float(is_["50"][i]),
                       float(is_["90"][i]), bool(inside["50"][i]), bool(inside["90"][i]), float(p[i]),
                       int(members.shape[1])) for i in range(len(obs))]


@dataclass
class ScoreSummary:
    """Scores of a group of figures (one series, or all of them)."""

    n: int
    crps: float          # mean, in the figures' units (only meaningful within one series)
    crps_log: float      # mean CRPS of ln(1 + value): comparable across series
    interval_50: float
    interval_90: float
    coverage_50: float   # share of figures inside the 50 % band
    coverage_90: float
    pit_histogram: list[int]

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def summarise(scores: list[PointScore]) -> ScoreSummary:
    """Means and coverages over `scores` (NaN and an empty histogram when there are none)."""
    if not scores:
        return ScoreSummary(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, [0] * PIT_BINS)

    def mean(name):
        return float(np.mean([getattr(s, name) for s in scores]))

    return ScoreSummary(len(scores), mean("crps"), mean("crps_log"), mean("interval_50"), mean("interval_90"),
                        mean("in_50"), mean("in_90"), pit_histogram([s.pit for s in scores]))


def skill(score: float, reference: float) -> float:
    """Skill score 1 − score / reference: > 0 better than the reference, 1 perfect; NaN if undefined."""
    if reference is None or score is None or not math.isfinite(reference) or reference <= 0 or not math.isfinite(score):
        return math.nan
    return 1.0 - score / reference
