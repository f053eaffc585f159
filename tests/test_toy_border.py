"""toy-border: exact outcomes, worked out by hand from the rules and the YAML comments.

The timeline (day 0 = 2021-09-01, 14 days):

* supply: 70 weekly seats, migrant share 1, fixed arrivals → exactly 10 boarders a day.
  hub → capital is 2000 km by flight at 5000 km/day → ceil(0.4) = 1 day, so the 10 who
  board on day b land in the capital on day b + 1: new_arrivals_capital = 0, then 10/day.
* transit: capital dwell mean 1 → exactly 1 day (geometric with mean ≤ 1 is 1); bus
  capital → staging 300 km / 400 km/day = 1 day; staging dwell 1 day; walk staging → zone
  10 km / 25 km/day = 1 day; in the zone people are ready the next day. Boarders of day b:
  capital b+1, bussed b+2, staging b+3, led into the zone b+4, in the zone b+5, first
  attempt b+6. So the first newcomers (b = 0) join the zone on day 5 (2021-09-06).
* border: λ = k · guards/km · visibility · barrier · (n/6)^0.5 = 10 · 100/10 · 1 · 1 · 1 = 100,
  so every group is detected (1 − e^−100); response capacity 100 guards × 1 = 100 incidents
  ≥ 14 groups; stop share min(1, 100 · 1 / n) = 1, no barrier → every person intercepted.
  Pushback share 1 until the set_pushback event on 2021-09-08 (day 7), then 0.
* orchestrator: coercion 1 and retry mean 1 → the pushed back stay and retry the next day;
  intensity 1, groups of exactly 6 (the last group of a day takes the remainder).
* the 60 people in the zone on day 0 therefore attempt every day; newcomers join them:
  attempts 60 (days 0–5), 70 (day 6), 80 (day 7), then only the 10 newcomers of each day.
* day 7: 80 intercepted, no pushbacks → detention has 50 places (detention 1000 days, so
  none free up): 50 detained; the other 30 cannot be pushed back (share 0) nor held → they
  are released inland (new_released) and count as attempts (turned back + detained +
  released). From day 8 all 10 a day are released. Released people walk inland for
  geometric(mean 1) = 1 day, then go interior → dest (500 km by car at 600 km/day = 1 day):
  released on day t → onward on day t + 2: 30 on 2021-09-10, then 10 a day.
* health: 10 °C every day (amplitude 0, no noise); loss a day in the zone
  L = 0 + 0.05 · exp(−10/12.7) ≈ 0.0228 (no hunger, nobody vulnerable, no aid restore);
  staging has exposure 0. Nobody gets below the hospital threshold 0.3 in two weeks.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import TOY, assert_conserved, day_of, run_cached, series

L = 0.05 * math.exp(-10 / 12.7)
N_DAYS = 14


def steady(head, value, n=N_DAYS):
    return list(head) + [value] * (n - len(head))


@pytest.fixture(scope="module")
def toy():
    sim, initial = run_cached(TOY)
    return sim


def test_period(toy):
    assert toy.calendar.n_days == N_DAYS
    assert day_of(toy, "2021-09-08") == 7


def test_supply_and_flights(toy):
    assert series(toy, "new_boarded").tolist() == [10] * N_DAYS
    assert series(toy, "new_boarded", "hub-capital").tolist() == [10] * N_DAYS
    assert series(toy, "new_arrivals_capital").tolist() == steady([0], 10)
    assert series(toy, "n_in_capital", "OR").tolist() == steady([0], 10)
    assert series(toy, "n_people").tolist() == [70 + 10 * d for d in range(N_DAYS)]


def test_transit(toy):
    # bussed out of the capital from day 2, led out of staging from day 4
    assert series(toy, "new_dispatched", "capital").tolist() == steady([0, 0], 10)
    assert series(toy, "new_dispatched", "staging").tolist() == steady([0, 0, 0, 0], 10)
    assert series(toy, "n_at_staging", "OR").tolist() == steady([0, 0, 0], 10)
    # in transit: boarders (from day 0), bussed (from day 2), led to the zone (from day 4),
    # plus the released walking on to the destination (30 on day 8, 10 a day after)
    assert series(toy, "n_in_transit").tolist() == [10, 10, 20, 20, 30, 30, 30, 30, 60] + [40] * 5


def test_zone(toy):
    assert series(toy, "n_in_zone", "AA").tolist() == steady([60, 60, 60, 60, 60, 70, 80], 10)
    assert series(toy, "n_in_zone").tolist() == steady([60, 60, 60, 60, 60, 70, 80], 10)
    assert series(toy, "n_stranded").tolist() == steady([60, 70, 70, 80, 80, 90, 100], 30)


def test_attempts_and_turnbacks(toy):
    attempts = steady([60] * 6 + [70, 80], 10)
    assert series(toy, "new_attempts", "AA-1").tolist() == attempts
    assert series(toy, "new_attempts", "AA").tolist() == attempts
    assert series(toy, "new_attempts").tolist() == attempts
    assert series(toy, "new_attempts_all").tolist() == attempts
    # turned back (pushed back) until the pushbacks end on 2021-09-08
    assert series(toy, "new_turnbacks", "AA").tolist() == steady([60] * 6 + [70], 0)
    assert series(toy, "new_pushbacks", "AA").tolist() == steady([60] * 6 + [70], 0)
    # groups of 6: 60 → 10 groups, 70 → 11 + a group of 4, 80 → 13 + a group of 2, 10 → 6 + 4
    groups = steady([10] * 6 + [12, 14], 2)
    assert series(toy, "new_groups").tolist() == groups
    assert series(toy, "new_incidents").tolist() == groups  # all detected
    assert series(toy, "new_unanswered").tolist() == [0] * N_DAYS
    assert series(toy, "new_undetected").tolist() == [0] * N_DAYS
    assert series(toy, "new_unstopped").tolist() == [0] * N_DAYS


def test_detention_and_release(toy):
    d = day_of(toy, "2021-09-08")
    detentions = [0] * N_DAYS
    detentions[d] = 50
    assert series(toy, "new_detentions", "AA").tolist() == detentions
    assert series(toy, "n_detained", "AA").tolist() == steady([0] * 7, 50)
    assert series(toy, "new_released", "AA").tolist() == steady([0] * 7 + [30], 10)
    assert series(toy, "n_interior", "AA").tolist() == steady([0] * 7 + [30], 10)
    assert series(toy, "n_reception", "AA").tolist() == [0] * N_DAYS
    assert series(toy, "new_absconded").tolist() == [0] * N_DAYS


def test_onward(toy):
    d = day_of(toy, "2021-09-10")
    assert series(toy, "new_onward", "AA").tolist() == steady([0] * d + [30], 10)
    assert series(toy, "n_onward").tolist() == [0] * d + [30 + 10 * k for k in range(N_DAYS - d)]


def test_defenders(toy):
    assert series(toy, "guards_on_duty", "AA").tolist() == [100] * N_DAYS
    assert series(toy, "guards_per_km", "AA-1").tolist() == [10] * N_DAYS
    # load = incidents ÷ capacity (100 incidents a day)
    groups = np.array(steady([10] * 6 + [12, 14], 2))
    assert np.allclose(series(toy, "guard_utilisation", "AA"), groups / 100)
    assert series(toy, "guard_fatigue", "AA").tolist() == [0] * N_DAYS  # build rate 0
    assert series(toy, "guard_effectiveness", "AA").tolist() == [1] * N_DAYS


def test_health(toy):
    assert series(toy, "temperature_c").tolist() == [10.0] * N_DAYS
    # the 60 lose L a day; newcomers join on day 5 (10 at 1 − L) and day 6; from day 7 the
    # zone holds only the 10 who arrived that day, each at 1 − L
    expected = [1 - (d + 1) * L for d in range(5)]
    expected.append(1 - (60 * 6 + 10 * 1) * L / 70)
    expected.append(1 - (60 * 7 + 10 * 2 + 10 * 1) * L / 80)
    expected += [1 - L] * 7
    assert np.allclose(series(toy, "mean_health_zone", "AA"), expected, atol=1e-6)
    for m in ("new_hospitalised", "new_deaths", "person_days_below_0c", "new_returns"):
        assert series(toy, m).sum() == 0, m


def test_conserved(toy):
    sim, initial = run_cached(TOY)
    assert_conserved(sim, initial)


def test_seed_does_not_matter_when_nothing_is_random():
    a, _ = run_cached(TOY, (), 1)
    b, _ = run_cached(TOY, (), 987)
    for name in ("new_attempts", "new_detentions", "new_onward", "n_in_zone", "mean_health_zone"):
        assert np.array_equal(series(a, name, "AA"), series(b, name, "AA")), name


# -- exact variants via --set ----------------------------------------------------------------
def test_no_guards_nobody_is_seen():
    """border_guards = 0 → hazard 0: every group crosses unseen; no attempt is recorded.

    Unseen people are blocked with 1 − (1 − hold)·passability = 1 − 1·1 = 0 (no barrier, open
    ground), so all 60 cross on day 0, and the newcomers from day 6 on. Onward two days later.
    """
    sim, initial = run_cached(TOY, ("defenders.AA.border_guards=0",))
    assert series(sim, "new_attempts").tolist() == [0] * N_DAYS
    assert series(sim, "new_incidents").tolist() == [0] * N_DAYS
    assert series(sim, "new_turnbacks").tolist() == [0] * N_DAYS
    assert series(sim, "new_detentions").tolist() == [0] * N_DAYS
    undetected = steady([60, 0, 0, 0, 0, 0], 10)
    assert series(sim, "new_undetected", "AA").tolist() == undetected
    assert series(sim, "new_attempts_all").tolist() == undetected
    assert series(sim, "n_in_zone", "AA").tolist() == steady([0] * 5, 10)
    assert series(sim, "new_onward", "AA").tolist() == steady([0, 0, 60, 0, 0, 0, 0, 0], 10)
    assert series(sim, "guard_utilisation", "AA").tolist() == [0] * N_DAYS
    assert_conserved(sim, initial)


def test_no_coercion_sends_the_pushed_back_to_staging():
    """coercion = 0: the pushed back walk to staging (1 day), dwell 1 day, walk back (1 day)
    and retry the day after: a 4-day cycle. The 60 attempt on days 0, 4 and 8; newcomers of
    day b first on day b + 6, and again 4 days later if pushed back.

    day 6: b0 (pushed back; retries day 10). day 7: b1, no pushbacks → 10 detained.
    day 8: the 60 + b2 = 70 → 40 places left, 30 released. day 9: b3; day 10: b4 + b0 = 20.
    """
    sim, initial = run_cached(TOY, ("orchestrator.coercion=0",))
    assert series(sim, "new_attempts").tolist() == [60, 0, 0, 0, 60, 0, 10, 10, 70, 10, 20, 10, 10, 10]
    assert series(sim, "new_turnbacks").tolist() == [60, 0, 0, 0, 60, 0, 10, 0, 0, 0, 0, 0, 0, 0]
    assert series(sim, "new_detentions").tolist() == [0] * 7 + [10, 40] + [0] * 5
    assert series(sim, "new_released").tolist() == [0] * 8 + [30, 10, 20, 10, 10, 10]
    assert series(sim, "n_in_zone").tolist() == [0, 0, 0, 60, 0, 10, 10, 70, 10, 20, 10, 10, 10, 10]
    assert series(sim, "new_onward").tolist() == [0] * 10 + [30, 10, 20, 10]
    assert_conserved(sim, initial)


def test_ample_detention_holds_everyone():
    """reception_capacity = 1000: all 80 detained on 2021-09-08, then 10 a day; nobody released."""
    sim, initial = run_cached(TOY, ("defenders.AA.reception_capacity=1000",))
    assert series(sim, "new_detentions").tolist() == steady([0] * 7 + [80], 10)
    assert series(sim, "n_detained").tolist() == [0] * 7 + [80 + 10 * k for k in range(7)]
    assert series(sim, "new_released").sum() == 0
    assert series(sim, "new_onward").sum() == 0
    assert series(sim, "new_attempts").tolist() == steady([60] * 6 + [70, 80], 10)
    assert_conserved(sim, initial)


def test_no_launches_fill_the_zone():
    """intensity = 0: nobody is sent; the zone grows by 10 a day from day 5."""
    sim, initial = run_cached(TOY, ("orchestrator.tactics.0.intensity=0",))
    assert series(sim, "new_attempts_all").sum() == 0
    assert series(sim, "new_groups").sum() == 0
    assert series(sim, "n_in_zone").tolist() == [60] * 5 + [70 + 10 * k for k in range(9)]
    assert series(sim, "n_detained").sum() == 0
    assert_conserved(sim, initial)


def test_saturated_response_lets_unanswered_groups_through():
    """response_per_guard = 0.05 → 5 incidents answered a day. Day 0: 10 groups seen, 5
    answered (30 pushed back), 5 unanswered; no barrier → those 30 cross seen (unstopped).
    Days 1–5: the 30 left form 5 groups, all answered. Load = 10/5 = 2, then 5/5 = 1."""
    sim, initial = run_cached(TOY, ("defenders.AA.response_per_guard=0.05",))
    assert series(sim, "new_unanswered").tolist()[:6] == [5, 0, 0, 0, 0, 0]
    assert series(sim, "new_unstopped").tolist()[:6] == [30, 0, 0, 0, 0, 0]
    assert series(sim, "new_turnbacks").tolist()[:6] == [30] * 6
    assert series(sim, "new_attempts").tolist()[:6] == [30] * 6  # crossing seen is not an attempt
    assert np.allclose(series(sim, "guard_utilisation", "AA")[:6], [2, 1, 1, 1, 1, 1])
    assert series(sim, "new_onward").tolist()[:3] == [0, 0, 30]
    assert_conserved(sim, initial)


def test_freezing_temperature_scales_the_loss():
    """mean_c = 0 → L = 0.05 exactly: the 60 are at 0.95, 0.90, … in the first five days."""
    sim, _ = run_cached(TOY, ("humanitarian.temperature.seasonal.mean_c=0",))
    assert np.allclose(series(sim, "mean_health_zone", "AA")[:5], [0.95, 0.90, 0.85, 0.80, 0.75], atol=1e-6)
    # and at exactly 0 °C nobody is counted as below zero
    assert series(sim, "person_days_below_0c").sum() == 0


def test_pushbacks_never_allowed():
    """pushback_share = 0 from the start: day 0 fills detention (50), the other 10 are
    released; then everyone who attempts is released (released → onward two days later)."""
    sim, initial = run_cached(TOY, ("defenders.AA.pushback_share=0",))
    assert series(sim, "new_detentions").tolist() == [50] + [0] * 13
    assert series(sim, "new_turnbacks").sum() == 0
    assert series(sim, "new_released").tolist() == [10, 0, 0, 0, 0, 0] + [10] * 8
    assert series(sim, "new_onward").tolist() == [0, 0, 10, 0, 0, 0, 0, 0] + [10] * 6
    assert_conserved(sim, initial)
