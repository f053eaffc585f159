"""The Stackelberg security game solver on games solved by hand, and the segment payoffs
read from the simulator (decisions/game.py, decisions/payoffs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.decisions.game import Game, coverage_game, solve
from borderlab.decisions.payoffs import static_payoffs, with_run_estimates
from borderlab.errors import BorderlabError
from borderlab.scenario.loader import load_scenario


def zero_sum(values, budget):
    v = np.asarray(values, float)
    return coverage_game(np.zeros(v.size), v, np.zeros(v.size), -v, budget)


def test_two_targets_zero_sum_equalises_the_attackers_utility():
    # 2(1 − c1) = 1(1 − c2), c1 + c2 = 1  →  c = (2/3, 1/3), value 2/3
    sol = solve(zero_sum([2.0, 1.0], 1.0))
    np.testing.assert_allclose(sol.resources, [2 / 3, 1 / 3], atol=1e-9)
    assert sol.attacker_utility == pytest.approx(2 / 3)
    assert sol.defender_utility == pytest.approx(-2 / 3)


def test_three_targets_leaves_the_least_attractive_uncovered():
    # 5(1 − c1) = 3(1 − c2) = u, c1 + c2 = 1 → u = 15/8 > 1, so target 3 stays uncovered
    sol = solve(zero_sum([5.0, 3.0, 1.0], 1.0))
    np.testing.assert_allclose(sol.resources, [0.625, 0.375, 0.0], atol=1e-9)
    assert sol.attacker_utility == pytest.approx(1.875)
    assert sol.attacker_utilities[2] == pytest.approx(1.0)


def test_strong_stackelberg_breaks_ties_for_the_defender():
    # the defender loses only at target 0; with c0 ≥ c1 the attacker is indifferent or
    # prefers target 1, and the strong equilibrium sends it there (defender utility 0)
    game = coverage_game(np.zeros(2), np.ones(2), np.zeros(2), np.array([-1.0, 0.0]), 0.5)
    sol = solve(game)
    assert sol.target == 1
    assert sol.defender_utility == pytest.approx(0.0)
    assert sol.resources[0] >= sol.resources[1] - 1e-9


def test_piecewise_linear_utilities():
    # target 0: U = 1, 0.2, 0 at r = 0, 0.5, 1; target 1: U = 0.6(1 − r). Equalise on the first
    # piece: 1 − 1.6 r0 = 0.6 r0 (r1 = 1 − r0) → r0 = 5/11, value 3/11
    game = Game(resources=(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0])),
                attacker=(np.array([1.0, 0.2, 0.0]), np.array([0.6, 0.0])),
                defender=(-np.array([1.0, 0.2, 0.0]), -np.array([0.6, 0.0])), budget=1.0)
    sol = solve(game)
    np.testing.assert_allclose(sol.resources, [5 / 11, 6 / 11], atol=1e-9)
    assert sol.attacker_utility == pytest.approx(3 / 11)


def test_non_convex_utilities_need_the_integer_program():
    # target 0: U = 1, 0.9, 0 at r = 0, 0.5, 1 (concave: its chord from 0 to 1 lies below it,
    # which the LP relaxation would exploit, value 1/3). Exactly: equalise on the second
    # piece, 1.8 − 1.8 r0 = 0.5 (1 − r1) with r1 = 1 − r0 → r0 = 18/23, value 9/23
    game = Game(resources=(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0])),
                attacker=(np.array([1.0, 0.9, 0.0]), np.array([0.5, 0.0])),
                defender=(-np.array([1.0, 0.9, 0.0]), -np.array([0.5, 0.0])), budget=1.0)
    sol = solve(game)
    np.testing.assert_allclose(sol.resources, [18 / 23, 5 / 23], atol=1e-7)
    assert sol.attacker_utility == pytest.approx(9 / 23)


def test_bad_games_are_refused():
    with pytest.raises(BorderlabError, match="budget"):
        solve(zero_sum([1.0, 2.0], -1.0))
    with pytest.raises(BorderlabError, match="finite"):
        solve(zero_sum([1.0, np.nan], 1.0))
    with pytest.raises(BorderlabError, match="increase"):
        solve(Game((np.array([0.0, 0.0]),), (np.array([1.0, 0.0]),), (np.array([-1.0, 0.0]),), 1.0))
    with pytest.raises(BorderlabError, match="exceed the budget"):
        solve(Game((np.array([2.0, 3.0]),), (np.array([1.0, 0.0]),), (np.array([-1.0, 0.0]),), 1.0))


def test_payoffs_follow_the_border_module_on_toy_border():
    # toy-border: one open segment of 10 km (visibility 1, passability 1, no barrier),
    # detection_k 10, groups of 6 → hazard 10 × r / 10 = r per effective guard
    loaded = load_scenario("toy-border")
    p = static_payoffs(loaded, "AA", loaded.scenario.start, loaded.scenario.end)
    days = p.hold.shape[1]
    assert p.segments == ["AA-1"] and days == 14
    with_run_estimates(p, groups=np.full((1, days), 10.0), people=np.full((1, days), 60.0), force=np.full(days, 100.0))
    unseen, seen = p.outcomes(0, np.array([0.0, 0.01, 1.0]))
    # no guards: nobody is seen, everyone crosses (open ground holds no one)
    assert unseen[0] == pytest.approx(1.0) and seen[0] == pytest.approx(0.0)
    # one guard: c = 1 − e^−1; capacity 1 incident for 10c detected groups; stop share 1/6
    c = 1 - np.exp(-1.0)
    a = 1.0 / (10 * c)
    assert unseen[1] == pytest.approx(1 - c)
    assert seen[1] == pytest.approx(c * (a * (1 - 1 / 6) + (1 - a)))
    # the whole force: certain detection, every group answered and stopped
    assert unseen[2] + seen[2] == pytest.approx(0.0, abs=1e-12)
