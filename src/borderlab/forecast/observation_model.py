"""Each observed figure as a distribution, not a point.

The figures in observed.csv are rounded ("ponad 3,5 tys."), qualified ("about", "over",
"almost"), sometimes given as a range ("10,000-15,000") or reported several times with
different values (four values for Poland's October attempts). The posterior must carry
that uncertainty, so every training figure gets a noise model:

    ln(observed + 1) = ln(simulated + 1) + σ·ε,   ε ~ Student-t with 3 degrees of freedom

on the same log scale as the validation measure (`analysis/measures.py`), with

    σ² = σ_report² + σ_rounding² + σ_qualifier² + σ_range² + σ_conflict² + σ_model²

Assumptions (each a stated modelling choice, not a fact from the data):

- σ_report = 0.05: even an exact official count differs from the model's definition by a
  few per cent (counting rules, late registration).
- σ_rounding: a value with trailing zeros is taken as rounded to the largest of
  1, 5, 10, 50, 100, … that divides it and is at most half of it; the rounding error is
  uniform over ±unit/2, so its standard deviation is unit/√12, divided by (value + 1) on
  the log scale.
- σ_qualifier = 0.10 when the notes or definition say the figure is approximate
  ("approx", "about", "~", "some", "almost", "close to", "over", "more than", "at least",
  "ponad", "blisko", "prawie", "lower bound"), its date is approximate, it is derived, or
  it covers a partial day. One-sided words ("over", "almost") are treated as symmetric
  noise: the direction is not reliable across sources.
- σ_range: a stated range "A-B" (or "A–B") is read as log-uniform, σ = ln(B/A)/√12.
- σ_conflict: when several rows report the same quantity over the same period, the figure
  kept is the latest report (as in `observations.resolve_conflicts`), and the spread of
  ln(value + 1) over all the reports is added.
- σ_model (`discrepancy`, default 0 here; `calibrate --method abc` sets it): the
  simulator is an idealisation, so its best parameters do not reproduce the figures
  exactly. Without this term the posterior of a misspecified model is overconfident. It is
  the same for every figure.
- The error is Student-t (3 degrees of freedom), not Normal: the misses of the 2021 figures
  are heavy-tailed (most within ±25 %, a few off by a factor 2–3, e.g. a detention count
  that a source defines differently). A Normal kernel lets those few figures dominate the
  likelihood — ABC-SMC then needs temperatures in the hundreds and the posterior stays at
  the prior — and fitted to residuals it gives bands that are too wide in the middle. σ is
  the t's scale (its s.d. is σ·√3).
- Figures are independent given the simulation (overlapping cumulative and monthly figures
  of one series in fact share information; treating them as independent weighs such
  series more).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..analysis.measures import LOG_OFFSET
from ..analysis.observations import Observation, select_outcomes

TAIL_DF = 3.0          # degrees of freedom of the Student-t error
REPORT_SD = 0.05
QUALIFIER_SD = 0.10
ROUNDING_UNITS = (1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000, 100000)
QUALIFIERS = re.compile(r"approx|about|~|\bsome\b|almost|close to|\bover\b|more than|at least|nearly|"
                        r"ponad|blisko|prawie|\bok\.|lower bound|upper bound|derived|partial day|estimate",
                        re.IGNORECASE)
RANGE = re.compile(r"(\d[\d,.]*)\s*(?:-|–|to)\s*(\d[\d,.]*)")


@dataclass(frozen=True)
class FigureNoise:
    """One training figure and the width of its noise on the ln(x + 1) scale."""

    obs: Observation
    sd: float
    parts: dict  # name → σ component, for the report

    @property
    def key(self) -> str:
        return self.obs.id

    @property
    def log_value(self) -> float:
        return float(np.log(max(self.obs.value, 0.0) + LOG_OFFSET))


def rounding_unit(value: float) -> int:
    """The rounding unit a figure's trailing zeros suggest (1 for an unrounded count)."""
    if value <= 0 or value != int(value):
        return 1
    v = int(value)
    return max(u for u in ROUNDING_UNITS if v % u == 0 and u <= v / 2 or u == 1)


def rounding_sd(value: float) -> float:
    unit = rounding_unit(value)
    return 0.0 if unit == 1 else unit / math.sqrt(12) / (value + LOG_OFFSET)


def range_sd(text: str) -> float:
    """σ of a log-uniform reading of a stated range 'A-B' in the notes (0 if none)."""
    if "range" not in text.lower():
        return 0.0
    for a, b in RANGE.findall(text):
        try:
            lo, hi = float(a.replace(",", "")), float(b.replace(",", ""))
        except ValueError:
            continue
        if 0 < lo < hi:
            return math.log(hi / lo) / math.sqrt(12)
    return 0.0


def conflict_sd(reports: list[Observation]) -> float:
    """Spread (population s.d.) of ln(value + 1) over conflicting reports of one figure."""
    if len(reports) < 2:
        return 0.0
    logs = np.log(np.maximum([r.value for r in reports], 0.0) + LOG_OFFSET)
    return float(np.std(logs))


def figure_noise(observations: list[Observation], until=None, discrepancy: float = 0.0) -> list[FigureNoise]:
    """The training figures (as validation selects them) with their noise widths."""
    if not discrepancy >= 0:
        raise ValueError(f"discrepancy {discrepancy} must be ≥ 0")
    reports: dict[tuple, list[Observation]] = {}
    for o in observations:
        if o.model is not None and o.role != "input":
            reports.setdefault((o.model, o.start, o.end), []).append(o)
    out = []
    for o in select_outcomes(observations, until):
        text = f"{o.notes} {getattr(o, 'definition', '')}"
        parts = {"report": REPORT_SD, "rounding": rounding_sd(o.value),
                 "qualifier": QUALIFIER_SD if QUALIFIERS.search(text) else 0.0,
                 "range": range_sd(text), "conflict": conflict_sd(reports.get((o.model, o.start, o.end), [o])),
                 "model": float(discrepancy)}
        out.append(FigureNoise(o, math.sqrt(sum(v * v for v in parts.values())), parts))
    return out


def perturb(log_values: np.ndarray, sds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw observed log figures around simulated ones (the noise model, forwards)."""
    return log_values + rng.standard_t(TAIL_DF, size=len(sds)) * sds


def log_likelihood(residuals: np.ndarray, sds: np.ndarray) -> float:
    """ln p(observed | simulated) of independent figures: Σ ln t₃(residual; scale σ)."""
    from scipy.stats import t as student_t

    return float(np.sum(student_t.logpdf(residuals, TAIL_DF, scale=sds)))
