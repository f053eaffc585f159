"""Scale-aware error measures for comparing simulated with observed figures.

Observed series range from single deaths to 17,000 attempts a month, so errors are measured
relative to each figure's own size; one overall score aggregates the series with equal
weight. Definitions (s = simulated, o = observed, one pair per observed figure):

- relative error            RE  = (s − o) / o              (undefined when o = 0)
- log accuracy ratio        Q   = ln((s + 1) / (o + 1))    (Tofallis 2015; +1 keeps zeros finite,
                                                            negligible for counts in the hundreds)
- mean absolute scaled error MASE = mean|s − o| / mean|o_t − o_{t−1}|   (Hyndman & Koehler 2006;
                              the scale is the naive "same as the previous observed day" error over
                              the series' consecutive observed days; daily series with ≥ 2 points)
- series error              E_k = mean |Q| over the series' figures
- overall score             mean of E_k over series (each series weighs the same, however many
                            figures it has); exp(score) is the typical factor between model and data.

A score of 0 is a perfect fit; 0.1 ≈ typically 10 % off, 0.69 ≈ typically a factor of 2.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

LOG_OFFSET = 1.0


def relative_error(sim, obs) -> np.ndarray:
    """(s − o) / o; NaN where o = 0."""
    s, o = np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o != 0, (s - o) / np.where(o != 0, o, 1.0), np.nan)


def log_accuracy_ratio(sim, obs) -> np.ndarray:
    """ln((s + 1) / (o + 1)): symmetric in over- and under-prediction, defined at zero."""
    s, o = np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)
    return np.log((np.maximum(s, 0.0) + LOG_OFFSET) / (np.maximum(o, 0.0) + LOG_OFFSET))


def mase(sim, obs) -> float:
    """Mean absolute scaled error of figures in date order; NaN with < 2 figures or a flat series."""
    s, o = np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)
    if len(o) < 2:
        return math.nan
    scale = float(np.mean(np.abs(np.diff(o))))
    if scale <= 0:
        return math.nan
    return float(np.mean(np.abs(s - o)) / scale)


@dataclass
class SeriesError:
    """Errors of one observed series (role, country, metric) on its own time grain."""

    role: str
    country: str
    metric: str
    grain: str
    model: str          # "metric@scope (aggregation)"
    n: int              # figures compared
    mean_log_ratio: float   # signed: > 0 the model is high
    error: float        # E_k = mean |log accuracy ratio| — the series' headline error
    bias: float         # mean relative error (signed)
    mare: float         # mean absolute relative error
    mase: float         # daily series only (NaN otherwise or when undefined)
    min_coverage: float  # smallest share of a figure's period inside the run

    @property
    def key(self) -> str:
        return f"{self.role}:{self.country}:{self.metric}"

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def series_error(sim, obs, *, role: str, country: str, metric: str, grain: str, model: str,
                 coverage=None) -> SeriesError:
    """All measures for one series; `sim` and `obs` in date order."""
    s, o = np.asarray(sim, dtype=float), np.asarray(obs, dtype=float)
    q = log_accuracy_ratio(s, o)
    re = relative_error(s, o)
    finite = re[np.isfinite(re)]
    return SeriesError(
        role=role, country=country, metric=metric, grain=grain, model=model, n=len(o),
        mean_log_ratio=float(q.mean()) if len(q) else math.nan,
        error=float(np.abs(q).mean()) if len(q) else math.nan,
        bias=float(finite.mean()) if len(finite) else math.nan,
        mare=float(np.abs(finite).mean()) if len(finite) else math.nan,
        mase=mase(s, o) if grain == "daily" else math.nan,
        min_coverage=float(np.min(coverage)) if coverage is not None and len(coverage) else 1.0,
    )


def overall_score(errors: list[SeriesError]) -> float:
    """Mean of the series errors (equal weight per series); NaN if there are none."""
    vals = [e.error for e in errors if e.n > 0 and not math.isnan(e.error)]
    return float(np.mean(vals)) if vals else math.nan
