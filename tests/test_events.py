"""Timeline verbs: each edits the daily arrays of exactly one module, over [date, until)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from borderlab.events.library import EVENT_TYPES
from conftest import TOY_PATH, build, load_yaml_data, series, write_yaml

N_DAYS = 14


def base_data() -> dict:
    """toy-border with a crossing point and a (closed) shelter, so every verb has a target."""
    data = load_yaml_data(TOY_PATH)
    # open until 7 Sep, then closed; aid access 0.5: so that both closing and opening change something
    data["segments"][0]["crossing_point"] = {"name": "cp", "gap": 0.5, "closed_hold": 0.9,
                                             "open": {"value": 1, "points": [{"date": "2021-09-07", "value": 0}]}}
    data["defenders"][0]["aid_access"] = 0.5
    data["humanitarian"]["shelters"] = [{"node": "staging", "capacity": 0, "draws_from": ["zone"]}]
    data["events"] = []
    return data


def sim_with(tmp_path, events, name="events"):
    data = base_data()
    data["events"] = events
    path = write_yaml(tmp_path / f"{name}.yaml", data)
    sim, _ = build(path)
    return sim


EXAMPLES = {
    "close_crossing": {"segment": "AA-1"},
    "open_crossing": {"segment": "AA-1"},
    "build_barrier": {"segments": ["AA-1"], "barrier": "fence", "km": 5},
    "ban_route": {"routes": ["hub-capital"], "share": 0.5},
    "set_route_seats": {"route": "hub-capital", "weekly_seats": 14},
    "set_visa_factor": {"value": 0.5},
    "deploy_troops": {"country": "AA", "troops": 40, "border_guards": 120},
    "set_pushback": {"country": "AA", "share": 0.3},
    "set_reception_capacity": {"country": "AA", "capacity": 20},
    "exclusion_zone": {"country": "AA"},
    "open_aid_access": {"country": "AA", "aid_access": 1.0},
    "open_shelter": {"node": "staging", "capacity": 25},
    "set_zone_aid": {"aid_access": 0.5},
    "withdraw_from_zone": {"share": 0.5},
    "repatriation_flight": {"seats": 5},
    "annotation": {"label": "talks"},
}


def test_every_event_type_has_an_example():
    assert set(EXAMPLES) == set(EVENT_TYPES)


def snapshot(sim) -> dict:
    out = {}
    for name, mod in sim.modules.items():
        for attr, value in vars(mod).items():
            if isinstance(value, np.ndarray):
                out[(name, attr)] = value.copy()
            elif attr == "flights":
                out[(name, attr)] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    return snapshot(sim_with(tmp_path_factory.mktemp("base"), []))


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_event_touches_only_its_module(kind, tmp_path, baseline):
    event = {"type": kind, "date": "2021-09-05", **EXAMPLES[kind]}
    sim = sim_with(tmp_path, [event], kind)
    after = snapshot(sim)
    changed = set()
    for key, before in baseline.items():
        now = after[key]
        same = np.array_equal(before, now) if isinstance(before, np.ndarray) else before == now
        if not same:
            changed.add(key[0])
    module = EVENT_TYPES[kind].module
    if kind == "annotation":
        assert changed == set() and module == ""
    else:
        assert changed == {module}, f"{kind} changed {changed}, declares {module!r}"


def test_event_spans(tmp_path):
    """Each verb edits its array from `date` (inclusive) to `until` (exclusive)."""
    events = [
        {"type": "close_crossing", "date": "2021-09-05", "until": "2021-09-08", "segment": "AA-1"},
        {"type": "build_barrier", "date": "2021-09-03", "segments": ["AA-1"], "barrier": "fence", "km": 5},
        {"type": "ban_route", "date": "2021-09-10", "routes": ["hub-capital"], "share": 0.5},
        {"type": "set_route_seats", "date": "2021-09-03", "until": "2021-09-05", "route": "hub-capital",
         "weekly_seats": 14},
        {"type": "set_visa_factor", "date": "2021-09-12", "value": 0.5},
        {"type": "deploy_troops", "date": "2021-09-06", "country": "AA", "troops": 40},
        {"type": "set_pushback", "date": "2021-09-08", "country": "AA", "share": 0.0},
        {"type": "set_reception_capacity", "date": "2021-09-09", "until": "2021-09-11", "country": "AA",
         "capacity": 20},
        {"type": "exclusion_zone", "date": "2021-09-04", "country": "AA"},
        {"type": "open_aid_access", "date": "2021-09-07", "until": "2021-09-09", "country": "AA"},
        {"type": "open_shelter", "date": "2021-09-13", "node": "staging", "capacity": 25},
        {"type": "set_zone_aid", "date": "2021-09-02", "until": "2021-09-04", "aid_access": 0.7},
        {"type": "repatriation_flight", "date": "2021-09-11", "seats": 5},
        {"type": "deploy_troops", "date": "2021-08-01", "until": "2021-09-03", "country": "AA",
         "border_guards": 150},  # starts before the run: clipped to day 0
    ]
    sim = sim_with(tmp_path, events)
    border, supply = sim.module("border"), sim.module("supply")
    dfd, health, ret = sim.module("defenders"), sim.module("health"), sim.module("returns")
    assert border.crossing_open[0].tolist() == [1] * 4 + [0] * 10
    assert border.hold[0].tolist() == [0, 0] + [0.5 * 0.45] * 12
    assert supply.seats[0].tolist() == [70, 70, 14, 14] + [70] * 5 + [35] * 5
    assert supply.visa.tolist() == [1] * 11 + [0.5] * 3
    assert dfd.troops[0].tolist() == [0] * 5 + [40] * 9
    assert dfd.guards[0].tolist() == [150, 150] + [100] * 12
    assert dfd.pushback[0].tolist() == [1] * 7 + [0] * 7
    assert dfd.reception_cap[0].tolist() == [50] * 8 + [20, 20] + [50] * 4
    # aid: closed from 4 Sep, reopened 7–8 Sep (events apply in date order), closed again
    assert health.aid[0].tolist() == [0.5] * 3 + [0, 0, 0, 1, 1] + [0] * 6
    assert health.shelter_cap[0].tolist() == [0] * 12 + [25, 25]
    z = float(sim.scenario.humanitarian.zone_aid_access.value)  # the default, before and after
    assert health.zone_aid.tolist() == [z, 0.7, 0.7] + [z] * 11 and z != 0.7
    assert ret.repatriation_seats.tolist() == [0] * 10 + [5] + [0] * 3
    assert len(sim.events_applied) == len(events)
    dates = [e.date for e in sim.events_applied]
    assert dates == sorted(dates)


def test_event_outside_the_run_changes_nothing(tmp_path):
    sim = sim_with(tmp_path, [{"type": "set_visa_factor", "date": "2022-01-01", "value": 0.0},
                              {"type": "repatriation_flight", "date": "2020-01-01", "seats": 9}])
    assert sim.module("supply").visa.tolist() == [1.0] * N_DAYS
    assert sim.module("returns").repatriation_seats.sum() == 0


def test_events_change_outcomes(tmp_path):
    """The verbs act through their mechanisms in a run."""
    sim = sim_with(tmp_path, [
        {"type": "set_visa_factor", "date": "2021-09-03", "value": 0.5},
        {"type": "repatriation_flight", "date": "2021-09-05", "seats": 7},
    ])
    sim.run()
    assert series(sim, "new_boarded").tolist() == [10, 10] + [5] * 12
    # a flight takes 7 from the capital and staging, longest-stranded first
    d = sim.calendar.day(__import__("datetime").date(2021, 9, 5))
    assert series(sim, "new_repatriated")[d] == 7
    assert series(sim, "new_returns")[d] == 7
    assert series(sim, "n_returned")[-1] == 7


def test_shelter_takes_people_out_of_the_cold(tmp_path):
    """A shelter with 25 places opens on 3 Sep: the 25 weakest in the zone are walked to it
    (one day), where they are not exposed and are not led back to the zone while it is open."""
    sim = sim_with(tmp_path, [{"type": "open_shelter", "date": "2021-09-03", "node": "staging",
                               "capacity": 25}])
    sim.run()
    sheltered = series(sim, "n_sheltered", "staging")
    assert sheltered[:3].tolist() == [0, 0, 0]
    assert sheltered[3] == 25
    assert (sheltered[3:] <= 25).all()
    # the 60 in the zone: 35 left after the shelter took 25 on day 2
    assert series(sim, "n_in_zone")[2] == 35


def test_unknown_reference_in_an_event_is_an_input_error(tmp_path):
    from borderlab.errors import ScenarioError
    from borderlab.scenario.loader import load_scenario

    data = base_data()
    data["events"] = [{"type": "close_crossing", "date": "2021-09-05", "segment": "PL-nowhere"}]
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(ScenarioError, match="unknown segment 'PL-nowhere'"):
        load_scenario(path)


@pytest.mark.parametrize("kind", ["build_barrier", "repatriation_flight"])
def test_until_is_rejected_where_it_has_no_meaning(kind, tmp_path):
    from borderlab.errors import ScenarioError
    from borderlab.scenario.loader import load_scenario

    data = base_data()
    data["events"] = [{"type": kind, "date": "2021-09-05", "until": "2021-09-07", **EXAMPLES[kind]}]
    path = write_yaml(tmp_path / "bad.yaml", data)
    with pytest.raises(ScenarioError, match=f"`until` does not apply to {kind}.*remove it"):
        load_scenario(path)


def test_withdraw_from_zone_takes_people_to_the_capital(tmp_path):
    """On 3 Sep (day 2) all 60 in the zone are taken back: none attempt that day's evening or
    the next; they reach the capital after 300 km by bus + 10 km walk (staging → capital: 2 days)."""
    sim = sim_with(tmp_path, [{"type": "withdraw_from_zone", "date": "2021-09-03", "share": 1.0}])
    sim.run()
    assert series(sim, "new_withdrawn", "none")[2] + series(sim, "new_withdrawn", "AA")[2] == 60
    assert series(sim, "new_withdrawn").sum() == 60
    assert series(sim, "n_in_zone")[2] == 0
    assert series(sim, "new_attempts")[:3].tolist() == [60, 60, 60]  # attempts come before the withdrawal
    assert series(sim, "new_attempts")[3] == 0


def test_phase_coercion_overrides_the_global_value(tmp_path):
    data = base_data()
    data["orchestrator"]["tactics"][0]["coercion"] = 0.0  # nobody kept in the zone after a pushback
    path = write_yaml(tmp_path / "coercion.yaml", data)
    from conftest import build
    sim, _ = build(path)
    assert sim.module("orchestrator").coercion.tolist() == [0.0] * N_DAYS
    sim.run()
    # the 60 pushed back on day 0 are all taken back to staging: nobody attempts on day 1
    assert series(sim, "new_attempts")[:2].tolist() == [60, 0]
