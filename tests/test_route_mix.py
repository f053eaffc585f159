"""Nationality bans on a route (ban_route with `nationalities`): the banned share follows
from the route's mix, and only the other nationalities still board."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.errors import ScenarioError
from borderlab.models.route_mix import RouteMix
from borderlab.scenario.loader import load_scenario
from conftest import TOY_PATH, build, load_yaml_data, write_yaml


def test_ban_returns_the_share_left_and_renormalises():
    mix = RouteMix([np.array([0, 1, 2], dtype=np.int16)], [np.array([5.0, 3.0, 2.0])], n_days=4)
    left = mix.ban(0, slice(2, 4), [1])
    assert left.tolist() == pytest.approx([0.7, 0.7])
    assert mix.p[0, 1].tolist() == pytest.approx([0.5, 0.3, 0.2])  # before the ban: untouched
    assert mix.p[0, 3].tolist() == pytest.approx([5 / 7, 0.0, 2 / 7])
    # a second ban is a share of what is left that day: 0.2 of the original = 2/7 of the rest
    assert mix.ban(0, slice(3, 4), [0]).tolist() == pytest.approx([2 / 7])
    assert mix.p[0, 3].tolist() == pytest.approx([0.0, 0.0, 1.0])


def test_pick_draws_only_nationalities_with_mass():
    mix = RouteMix([np.array([7, 8, 9], dtype=np.int16)], [np.array([0.5, 0.3, 0.2])], n_days=2)
    u = np.array([0.0, 0.49, 0.5, 0.79, 0.8, 0.999999])
    route = np.zeros(u.size, dtype=np.int64)
    assert mix.pick(route, 0, u).tolist() == [7, 7, 8, 8, 9, 9]
    mix.ban(0, slice(1, 2), [8])
    # day 1: 7 with 5/7, 9 with 2/7
    assert mix.pick(route[:4], 1, np.array([0.0, 0.714, 0.715, 0.999])).tolist() == [7, 7, 9, 9]


def _toy_with_mix(tmp_path, events):
    data = load_yaml_data(TOY_PATH)
    data["supply"]["routes"][0]["nationality_mix"] = {"IQ": 0.5, "SY": 0.3, "other": 0.2}
    data["events"] = events
    return write_yaml(tmp_path / "mix.yaml", data)


def test_a_nationality_ban_cuts_their_share_and_they_stop_boarding(tmp_path):
    path = _toy_with_mix(tmp_path, [
        {"type": "ban_route", "date": "2021-09-04", "routes": ["hub-capital"], "nationalities": ["SY"]},
        {"type": "ban_route", "date": "2021-09-08", "routes": ["hub-capital"], "nationalities": ["IQ"]},
    ])
    sim, _ = build(path)
    sim.run()
    # fixed arrivals, 10 a day: 10 (days 0-2), then 7 (IQ and other), then 2 (other only)
    assert sim.results.series("new_boarded", "hub-capital").tolist() == [10] * 3 + [7] * 4 + [2] * 7
    pop, nat = sim.pop, {v: k for k, v in sim.index.nationality.items()}
    names = np.array([nat[int(c)] for c in pop.nationality[: pop.n]])
    created = pop.ti_created[: pop.n]
    assert set(names[(created >= 3) & (created < 7)]) <= {"IQ", "other"} and "SY" not in names[created >= 3]
    assert set(names[created >= 7]) == {"other"}


def test_share_and_nationalities_are_exclusive_and_codes_checked(tmp_path):
    both = _toy_with_mix(tmp_path, [{"type": "ban_route", "date": "2021-09-04", "routes": ["hub-capital"],
                                     "share": 0.5, "nationalities": ["SY"]}])
    with pytest.raises(ScenarioError, match="`share` or `nationalities`, not both"):
        load_scenario(both)
    typo = _toy_with_mix(tmp_path, [{"type": "ban_route", "date": "2021-09-04", "routes": ["hub-capital"],
                                     "nationalities": ["IRQ"]}])
    with pytest.raises(ScenarioError, match="unknown nationality 'IRQ'") as exc:
        load_scenario(typo)
    assert "IQ" in str(exc.value)  # the hint lists the codes the routes carry
