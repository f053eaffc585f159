"""Posterior predictive bands (forecast/predictive.py): the model error is recovered from
in-sample misses, and bands of reported figures widen by exactly the noise model."""

import datetime as dt

import numpy as np
import pytest

from borderlab.analysis.observations import Observation
from borderlab.analysis.validation import Point
from borderlab.forecast.predictive import (NOISE_DRAWS, TAIL_DF, estimate_discrepancy, figure_rng,
                                           in_sample_discrepancy, predictive_points, predictive_samples)


def test_a_model_that_hits_every_figure_has_no_model_error():
    members = [np.full(10, v) for v in (10.0, 200.0, 3000.0)]
    d = estimate_discrepancy([10.0, 200.0, 3000.0], members, [0.05, 0.05, 0.05])
    assert d.sd < 0.01 and d.figures == 3 and d.rms_log_residual == 0.0


@pytest.mark.parametrize("scale", [0.2, 0.6])
def test_the_model_error_is_recovered_from_student_t_misses(scale):
    rng = np.random.default_rng(7)
    truth = rng.uniform(3, 9, size=400)                      # ln(x + 1) of the model's values
    observed = np.exp(truth + scale * rng.standard_t(TAIL_DF, size=400)) - 1
    members = [np.full(5, np.exp(t) - 1) for t in truth]
    d = estimate_discrepancy(list(observed), members, [0.0] * 400)
    assert d.sd == pytest.approx(scale, rel=0.15)


def test_figure_noise_counts_towards_the_misses_before_the_model_error():
    rng = np.random.default_rng(3)
    truth = rng.uniform(3, 9, size=300)
    observed = np.exp(truth + 0.3 * rng.standard_t(TAIL_DF, size=300)) - 1
    members = [np.full(5, np.exp(t) - 1) for t in truth]
    alone = estimate_discrepancy(list(observed), members, [0.0] * 300).sd
    with_noise = estimate_discrepancy(list(observed), members, [0.25] * 300).sd
    assert with_noise < alone - 0.05      # √(0.3² − 0.25²) ≈ 0.17 of the misses is left to the model


def test_samples_without_noise_are_the_members_and_with_noise_are_reproducible():
    members = np.array([0.0, 10.0, 100.0])
    assert np.array_equal(predictive_samples(members, 0.0, figure_rng("a")), members)
    a = predictive_samples(members, 0.5, figure_rng("B21-0001"))
    b = predictive_samples(members, 0.5, figure_rng("B21-0001"))
    assert len(a) == 3 * NOISE_DRAWS and np.array_equal(a, b) and (a >= 0).all()
    assert not np.array_equal(a, predictive_samples(members, 0.5, figure_rng("B21-0002")))


def _point(fid: str, value: float, members, end=dt.date(2021, 8, 31)) -> Point:
    o = Observation(id=fid, country="PL", metric="attempts_illegal_crossing_monthly", start=end.replace(day=1),
                    end=end, value=value, unit="people", role="train", source_url="", source_date="", notes="",
                    mapping=("new_attempts", "PL", "sum"), line=2)
    if members is None:
        return Point(o, value, 1.0)
    return Point(o, float(np.median(members)), 1.0, {}, np.asarray(members, float))


def test_predictive_bands_contain_the_model_band_and_leave_runs_without_members_alone():
    members = np.linspace(900, 1100, 40)
    p, single = _point("F1", 1000, members), _point("F2", 1000, None)
    q, same = predictive_points([p, single], {"F1": 0.1}, discrepancy=0.3)
    assert same is single
    assert q.band["q05"] < 900 and q.band["q95"] > 1100 and q.band["q05"] < q.band["q50"] < q.band["q95"]
    assert len(q.members) == 40 * NOISE_DRAWS and p.members is members     # the input point is not changed


def test_only_training_figures_known_at_the_origin_inform_the_model_error():
    origin = dt.date(2021, 8, 31)
    good = _point("F1", 1000, np.full(10, 1000.0), end=origin)
    after = _point("F2", 50, np.full(10, 1000.0), end=dt.date(2021, 9, 30))   # a big miss, after the origin
    d = in_sample_discrepancy([good, after], origin, {"F1": 0.05, "F2": 0.05})
    assert d.figures == 1 and d.sd < 0.01
