"""Posterior predictive bands: what the *reported figure* may be, not only what the model does.

A forecast is scored against published figures, and a published figure is the model's
quantity seen through the observation model (`observation_model.py`): rounding, vague
wording, ranges, conflicting reports and the model's own error. Bands made only of the
ensemble members' spread (parameter + run-to-run uncertainty) leave that out, and are too
narrow for a planner to trust (the 2021 backtests: 60 % of figures inside nominal 90 %
bands). The predictive distribution of a figure is

    ln(figure + 1) = ln(member + 1) + ε,   ε ~ Normal(0, σ_figure² + σ_model²)

with σ_figure from the figure's own noise parts and σ_model, the model discrepancy,
estimated from the training figures by maximising the marginal likelihood of the
in-sample residuals (empirical Bayes):

    σ̂_model = argmax_σ  Σ_i ln( mean_j  φ( y_i ; ln(m_ij + 1), s_i² + σ² ) )

over the figures i known at the forecast origin and the ensemble members j. It is the
smallest model error that makes the ensemble's in-sample misses plausible. Assumptions:
the model error is the same on every series and does not grow with the horizon (the
backtests in docs/validation.md show whether that holds), and the in-sample figures are
independent given the members.

Draws are reproducible: each figure's noise comes from a generator seeded by the figure id.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp
from scipy.stats import t as student_t

from ..analysis.measures import LOG_OFFSET
from .observation_model import TAIL_DF

NOISE_DRAWS = 20            # noise draws per member: members × draws predictive samples
MAX_DISCREPANCY = 3.0       # search bound for σ_model on the ln(x + 1) scale
BANDS = f"posterior predictive, Student-t({TAIL_DF:g}) model error (forecast/predictive.py)"  # part of a study's request


@dataclass(frozen=True)
class Discrepancy:
    """The estimated model error and what it rests on (written into the forecast's report)."""

    sd: float
    figures: int               # in-sample figures it was estimated from
    rms_log_residual: float    # of the ensemble median, for comparison

    def as_dict(self) -> dict:
        return {"sd": round(self.sd, 4), "figures": self.figures,
                "rms_log_residual": round(self.rms_log_residual, 4),
                "method": "empirical Bayes: marginal likelihood of in-sample figures (forecast/predictive.py)"}


def _log(x) -> np.ndarray:
    return np.log(np.maximum(np.asarray(x, dtype=float), 0.0) + LOG_OFFSET)


def estimate_discrepancy(observed: list[float], members: list[np.ndarray], figure_sds: list[float]) -> Discrepancy:
    """σ_model from in-sample figures: observed values, each figure's member values, its noise σ."""
    y = [float(_log(v)) for v in observed]
    m = [_log(v) for v in members]
    s2 = np.square(np.asarray(figure_sds, dtype=float))
    if not y:
        return Discrepancy(0.0, 0, math.nan)

    def negative_log_likelihood(sd: float) -> float:
        total = 0.0
        for yi, mi, si2 in zip(y, m, s2):
            ll = student_t.logpdf(yi - mi, TAIL_DF, scale=math.sqrt(si2 + sd * sd))
            total += logsumexp(ll) - math.log(len(mi))
        return -total

    fit = minimize_scalar(negative_log_likelihood, bounds=(0.0, MAX_DISCREPANCY), method="bounded",
                          options={"xatol": 1e-4})
    rms = float(np.sqrt(np.mean([(yi - np.median(mi)) ** 2 for yi, mi in zip(y, m)])))
    return Discrepancy(float(fit.x), len(y), rms)


def figure_rng(figure_id: str) -> np.random.Generator:
    seed = int.from_bytes(hashlib.sha256(figure_id.encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(seed)


def predictive_samples(members: np.ndarray, sd: float, rng: np.random.Generator,
                       draws: int = NOISE_DRAWS) -> np.ndarray:
    """members × draws samples of the reported figure (figure units, ≥ 0)."""
    if sd <= 0:
        return np.maximum(np.asarray(members, dtype=float), 0.0)
    base = _log(members)
    noisy = base[:, None] + sd * rng.standard_t(TAIL_DF, size=(len(base), draws))
    return np.maximum(np.exp(noisy.ravel()) - LOG_OFFSET, 0.0)


def figure_sds(observations, discrepancy: float = 0.0) -> dict[str, float]:
    """Each outcome figure's observation-noise σ (ln scale), by figure id, plus `discrepancy`."""
    from .observation_model import figure_noise

    return {f.key: math.sqrt(f.sd ** 2 + discrepancy ** 2) for f in figure_noise(observations)}


def in_sample_discrepancy(points, origin, sds: dict[str, float]) -> Discrepancy:
    """σ_model from the training figures that end on or before `origin` (members at hand)."""
    use = [p for p in points if p.obs.role == "train" and p.obs.end <= origin and p.members is not None
           and len(p.members) and p.obs.id in sds and p.coverage >= 0.999]
    return estimate_discrepancy([p.obs.value for p in use], [p.members for p in use], [sds[p.obs.id] for p in use])


def predictive_points(points, sds: dict[str, float], discrepancy: float) -> list:
    """The points with members and bands replaced by the predictive samples of the figure."""
    from dataclasses import replace

    from ..analysis.run_data import LEVELS, QUANTILES

    out = []
    for p in points:
        if p.members is None or not len(p.members):
            out.append(p)
            continue
        sd = math.sqrt(sds.get(p.obs.id, 0.0) ** 2 + discrepancy ** 2)
        samples = predictive_samples(p.members, sd, figure_rng(p.obs.id))
        band = dict(zip(QUANTILES, (float(x) for x in np.quantile(samples, LEVELS))))
        out.append(replace(p, band=band, members=samples))
    return out


def model_error_at(observations, data, origin) -> tuple[Discrepancy, dict[str, float]]:
    """σ_model estimated from the figures known at `origin` against the ensemble `data`,
    and every figure's observation-noise σ (for `predictive_points`)."""
    from ..analysis.validation import compare

    sds = figure_sds(observations)
    points = compare([o for o in observations if o.end <= origin], data).points
    return in_sample_discrepancy(points, origin, sds), sds


def weekly_samples(members: np.ndarray, discrepancy: float, label: str) -> np.ndarray:
    """Predictive samples of a weekly figure (report noise and model error) from its members."""
    from .observation_model import REPORT_SD

    if not np.all(np.isfinite(members)):
        return np.full(len(members) * NOISE_DRAWS, np.nan)
    return predictive_samples(members, math.hypot(REPORT_SD, discrepancy), figure_rng(label))


def predictive_scores(points, observations):
    """Proper scores of the predictive bands of every point, the model error estimated from the
    points of role `train` (the calibration's figures); (None, None) without member runs."""
    import datetime as dt

    from ..analysis.score_report import score_points

    sds = figure_sds(observations)
    error = in_sample_discrepancy(points, dt.date.max, sds)
    scores = score_points(predictive_points(points, sds, error.sd))
    return (scores, error) if scores is not None else (None, None)
