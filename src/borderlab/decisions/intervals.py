"""A 90 % interval for the mean of an outcome over runs (an arm's, or a trial's).

Percentile bootstrap over runs (scipy.stats.bootstrap, 2,000 resamples, fixed seed): no
normality needed, and exact when every run gives the same value. With few runs (< 10) the
interval is too narrow; the runs are what limits it. Paired differences between arms use
paired_stats.py.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import bootstrap

LEVEL = 0.90
RESAMPLES = 2000


def mean_interval(values, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high) of the mean of `values`, 90 % percentile bootstrap."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if x.size < 2 or np.all(x == x[0]):
        return mean, mean, mean
    res = bootstrap((x,), np.mean, confidence_level=LEVEL, n_resamples=RESAMPLES, method="percentile",
                    random_state=np.random.default_rng(seed))
    return mean, float(res.confidence_interval.low), float(res.confidence_interval.high)
