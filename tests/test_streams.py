"""Named random streams: reproducible, independent by name/day/seed/id, well distributed."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.engine.module import geometric_from_uniform
from borderlab.engine.streams import Stream, Streams, stable_id

N = 100_000


def test_same_key_gives_same_uniforms():
    ids = np.arange(1000)
    a = Stream(7, "border.detect").uniform(3, ids)
    b = Stream(7, "border.detect").uniform(3, ids)
    assert np.array_equal(a, b)
    # and the registry hands out the same stream for the same name
    s = Streams(7)
    assert s["border.detect"] is s["border.detect"]
    assert np.array_equal(s["border.detect"].uniform(3, ids), a)
    assert s.names() == ["border.detect"]


@pytest.mark.parametrize("other", [
    dict(seed=8, name="border.detect", day=3),
    dict(seed=7, name="border.stop", day=3),
    dict(seed=7, name="border.detect", day=4),
])
def test_different_seed_name_or_day_gives_different_uniforms(other):
    ids = np.arange(N)
    a = Stream(7, "border.detect").uniform(3, ids)
    b = Stream(other["seed"], other["name"]).uniform(other["day"], ids)
    assert not np.any(a == b)
    # not just different but unrelated: correlation near zero
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02


def test_different_ids_get_different_uniforms():
    u = Stream(1, "x").uniform(0, np.arange(N))
    assert np.unique(u).size == N


def test_uniforms_are_uniform():
    u = Stream(123, "supply.nationality").uniform(11, np.arange(N))
    assert u.min() >= 0.0 and u.max() < 1.0
    se_mean = np.sqrt(1 / 12 / N)
    assert abs(u.mean() - 0.5) < 5 * se_mean
    # variance of U(0,1) is 1/12; sd of the sample variance is sqrt(1/180/N)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / N)
    # Kolmogorov–Smirnov distance against U(0,1); 1.95/sqrt(n) is the 0.1 % critical value
    s = np.sort(u)
    grid = np.arange(1, N + 1) / N
    d = max(np.max(grid - s), np.max(s - (grid - 1 / N)))
    assert d < 1.95 / np.sqrt(N)
    # equal-width bins hold about N/10 each (chi-square with 9 df, 0.1 % level is 27.9)
    counts = np.bincount((u * 10).astype(int), minlength=10)
    chi2 = ((counts - N / 10) ** 2 / (N / 10)).sum()
    assert chi2 < 27.9
    # consecutive ids are not correlated
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.02


def test_a_persons_draw_does_not_depend_on_who_else_draws():
    st = Stream(5, "orchestrator.coercion")
    everyone = st.uniform(9, np.arange(10_000))
    alone = st.uniform(9, np.array([4321]))
    some = st.uniform(9, np.array([17, 4321, 9999, 3]))
    reversed_ = st.uniform(9, np.arange(10_000)[::-1])
    assert alone[0] == everyone[4321]
    assert some.tolist() == [everyone[17], everyone[4321], everyone[9999], everyone[3]]
    assert np.array_equal(reversed_[::-1], everyone)
    # and not on how many calls came before (no hidden state)
    st.uniform(9, np.arange(50_000))
    assert st.uniform(9, np.array([4321]))[0] == everyone[4321]


def test_empty_ids():
    assert Stream(1, "x").uniform(0, np.array([], dtype=np.int64)).size == 0
    assert Stream(1, "x").poisson(0, np.array([], dtype=np.int64), np.array([])).size == 0


@pytest.mark.parametrize("lam", [0.3, 4.0, 60.0, 499.0, 501.0, 1800.0, 12_000.0])
def test_poisson_mean_and_variance(lam):
    n = 20_000
    x = Stream(42, "supply.arrivals").poisson(2, np.arange(n), np.full(n, lam))
    assert x.dtype.kind == "i" and (x >= 0).all()
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / n)
    # sd of the sample variance of a Poisson ≈ sqrt((2 λ² + λ) / n)
    assert abs(x.var() - lam) < 5 * np.sqrt((2 * lam**2 + lam) / n)


def test_poisson_draw_is_per_id_and_zero_mean_gives_zero():
    st = Stream(3, "supply.arrivals")
    lam = np.array([0.0, 5.0, 700.0, 50.0])
    ids = np.array([11, 12, 13, 14])
    x = st.poisson(0, ids, lam)
    assert x[0] == 0
    # one id's draw does not depend on the other ids' means (even when they need more pieces)
    alone = st.poisson(0, ids[1:2], lam[1:2])
    assert alone[0] == x[1]
    again = st.poisson(0, ids, lam)
    assert np.array_equal(again, x)
    assert not np.array_equal(st.poisson(1, ids, lam), x)  # another day, other draws


def test_generator_is_reproducible_per_day():
    st = Stream(9, "health.temperature")
    a = st.generator(0).normal(size=5)
    b = Stream(9, "health.temperature").generator(0).normal(size=5)
    c = st.generator(1).normal(size=5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stable_id_is_stable_and_distinct():
    assert stable_id("PL-kuznica") == stable_id("PL-kuznica")
    assert stable_id("PL-kuznica") != stable_id("PL-kuznicb")
    assert 0 <= stable_id("anything") < 2**46


@pytest.mark.parametrize("mean", [1.5, 3.0, 7.5, 40.0])
def test_geometric_from_uniform_has_the_requested_mean(mean):
    u = Stream(1, "g").uniform(0, np.arange(N))
    days = geometric_from_uniform(u, mean)
    assert days.min() >= 1
    p = 1 / mean
    sd = np.sqrt((1 - p) / p**2 / N)
    assert abs(days.mean() - mean) < 5 * sd
    # P(X = 1) = p for a geometric on {1, 2, …}
    assert abs((days == 1).mean() - p) < 5 * np.sqrt(p * (1 - p) / N)


def test_geometric_with_mean_at_most_one_is_exactly_one():
    u = np.array([0.0, 0.5, 0.999999])
    assert geometric_from_uniform(u, 1.0).tolist() == [1, 1, 1]
    assert geometric_from_uniform(u, 0.3).tolist() == [1, 1, 1]


def test_geometric_by_hand():
    # mean 2 → p = 1/2: X = 1 + floor(log(1-u) / log(1/2)); u = 0.4 → 1, 0.6 → 2, 0.8 → 3
    assert geometric_from_uniform(np.array([0.4, 0.6, 0.8]), 2.0).tolist() == [1, 2, 3]


def test_geometric_with_one_mean_per_draw_matches_the_scalar_form():
    """Per-person means (detention length by country) give each draw what its own mean would."""
    u = Stream(3, "g").uniform(0, np.arange(3000))
    means = np.array([0.5, 1.0, 2.0, 45.0, 200.0, 1e12])[np.arange(3000) % 6]
    mixed = geometric_from_uniform(u, means)
    for m in np.unique(means):
        sel = means == m
        assert (mixed[sel] == geometric_from_uniform(u[sel], float(m))).all(), m
    assert geometric_from_uniform(np.array([0.4, 0.6, 0.8]), np.array([2.0, 2.0, 1.0])).tolist() == [1, 2, 1]
