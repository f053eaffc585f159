"""Paired differences between two arms run with common random numbers, with 90 % intervals.

For pairs i = 1…n with reference outcome r_i and variant outcome v_i (same seed, same
parameter draw), the effect is estimated by the mean difference d̄ = mean(v_i − r_i) and
the relative change d̄ / mean(r_i). Their 90 % intervals are **BCa bootstrap** intervals
(bias-corrected and accelerated; Efron 1987) over the pairs, resampled jointly
(`scipy.stats.bootstrap`, `paired=True`): they reflect the run-to-run (and, with --vary,
parameter) variation of the *average* effect over the runs, given the model. They say
nothing about the model's structural error. With few pairs (< 20) BCa intervals are too
narrow; where BCa cannot be computed (a constant difference, a degenerate jackknife) the
percentile interval is used, and where every difference is identical the interval is that
difference.

The share of pairs in which the variant is better counts v_i < r_i (or >, by the
outcome's direction); ties are neither better nor worse.

One arm's (or one trial's) mean over its runs gets `mean_interval`: a 90 % percentile
bootstrap over the runs (2,000 resamples, fixed seed), exact when every run gives the same
value; with few runs (< 10) it is too narrow.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.90
N_RESAMPLES = 4999
METHOD = "BCa bootstrap over paired runs (scipy.stats.bootstrap, paired=True), 90 %"


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class PairedDifference:
    n: int
    diff: Interval  # variant − reference, mean over pairs
    rel: Interval  # (mean variant − mean reference) / mean reference; nan where the reference mean is 0
    share_lower: float
    share_higher: float
    share_equal: float
    method: str


def spread(values: np.ndarray, level: float = LEVEL) -> Interval:
    """Mean and the central `level` range of per-run values (how outcomes vary run to run)."""
    v = np.asarray(values, float)
    a = (1 - level) / 2
    return Interval(float(v.mean()), float(np.quantile(v, a)), float(np.quantile(v, 1 - a)))


def _interval(stat, data: tuple[np.ndarray, ...], estimate: float, seed: int, level: float,
              resamples: int = N_RESAMPLES) -> tuple[Interval, str]:
    if not np.isfinite(estimate):
        return Interval(estimate, np.nan, np.nan), "none"
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = stats.bootstrap(data, stat, paired=True, vectorized=True, confidence_level=level,
                                      n_resamples=resamples, method=method, rng=np.random.default_rng(seed))
            except (ValueError, FloatingPointError, ZeroDivisionError):
                continue
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if np.isfinite(lo) and np.isfinite(hi):
            return Interval(estimate, lo, hi), method
    return Interval(estimate, np.nan, np.nan), "none"


def paired_difference(reference: np.ndarray, variant: np.ndarray, *, level: float = LEVEL,
                      seed: int = 0, resamples: int = N_RESAMPLES) -> PairedDifference:
    """The paired difference variant − reference with bootstrap intervals (see module doc)."""
    r = np.asarray(reference, float)
    v = np.asarray(variant, float)
    if r.shape != v.shape or r.ndim != 1 or r.size == 0:
        raise ValueError("reference and variant need the same number (≥ 1) of paired values")
    d = v - r
    n = d.size
    mean_d = float(d.mean())
    mean_r = float(r.mean())
    rel_est = mean_d / mean_r if mean_r != 0 else np.nan
    if np.all(d == d[0]):  # no variation to resample: the difference is known exactly
        rel = Interval(rel_est, rel_est, rel_est) if np.all(r == r[0]) or d[0] == 0 else None
        diff, method = Interval(mean_d, mean_d, mean_d), "exact (every paired difference equal)"
        if rel is None:
            rel, _ = _interval(_rel_stat, (r, v), rel_est, seed, level, resamples)
    elif n < 3:
        diff = Interval(mean_d, np.nan, np.nan)
        rel = Interval(rel_est, np.nan, np.nan)
        method = "none (fewer than 3 pairs)"
    else:
        diff, m1 = _interval(lambda x, y, axis=-1: np.mean(y - x, axis=axis), (r, v), mean_d, seed, level, resamples)
        rel = _interval(_rel_stat, (r, v), rel_est, seed + 1, level, resamples)[0] if mean_r != 0 \
            else Interval(np.nan, np.nan, np.nan)
        method = METHOD if m1 == "BCa" else f"{m1} bootstrap over paired runs, {level:.0%}"
    return PairedDifference(n, diff, rel, float(np.mean(d < 0)), float(np.mean(d > 0)), float(np.mean(d == 0)), method)


def _rel_stat(x, y, axis=-1):
    mx = np.mean(x, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.mean(y, axis=axis) - mx) / mx


MEAN_RESAMPLES = 2000


def mean_interval(values, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high) of the mean of `values` over runs, 90 % percentile bootstrap."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if x.size < 2 or np.all(x == x[0]):
        return mean, mean, mean
    res = stats.bootstrap((x,), np.mean, confidence_level=LEVEL, n_resamples=MEAN_RESAMPLES, method="percentile",
                          random_state=np.random.default_rng(seed))
    return mean, float(res.confidence_interval.low), float(res.confidence_interval.high)
