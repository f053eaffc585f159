"""Graph next hops and travel days on a tiny graph; the calendar's day arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from borderlab.engine.calendar import Calendar
from borderlab.engine.graph import NO_EDGE, Graph

SPEEDS = {"walk": 25.0, "bus": 400.0, "flight": 5000.0}
IDS = ["cap", "s1", "s2", "z", "home", "far"]
TYPES = ["capital", "staging", "staging", "border_zone", "origin", "staging"]


def tiny() -> Graph:
    i = {n: k for k, n in enumerate(IDS)}
    edges = [
        # two 2-day ways from cap to z: via s1 (300 + 24 km) and via s2 (350 + 5 km)
        (i["cap"], i["s1"], 300.0, "bus"), (i["s1"], i["z"], 24.0, "walk"),
        (i["cap"], i["s2"], 350.0, "bus"), (i["s2"], i["z"], 5.0, "walk"),
        # a slow way that is shorter in km: 3 days on foot
        (i["cap"], i["far"], 40.0, "walk"), (i["far"], i["z"], 30.0, "walk"),
        # one-way flight home; two parallel edges cap→home where the faster one wins
        (i["cap"], i["home"], 2000.0, "flight"), (i["cap"], i["home"], 2000.0, "walk"),
    ]
    return Graph(IDS, TYPES, np.zeros(len(IDS)), edges, SPEEDS)


def test_travel_days_are_ceil_km_over_speed_at_least_one():
    g = tiny()
    ix = g.index
    assert g.travel_days[ix["cap"], ix["s1"]] == 1  # 300 / 400 → 1
    assert g.travel_days[ix["s1"], ix["z"]] == 1  # 24 / 25 → 1
    assert g.travel_days[ix["cap"], ix["far"]] == 2  # 40 / 25 = 1.6 → 2
    assert g.travel_days[ix["far"], ix["z"]] == 2  # 30 / 25 = 1.2 → 2
    assert g.travel_days[ix["cap"], ix["home"]] == 1  # the flight beats an 80-day walk
    assert g.km[ix["cap"], ix["home"]] == 2000.0
    assert g.travel_days[ix["home"], ix["cap"]] == NO_EDGE  # edges are directed
    assert (np.diag(g.travel_days) == 0).all()


def test_next_hops_follow_the_quickest_path_and_km_breaks_ties():
    g = tiny()
    ix = g.index
    # cap → z: via s1 (2 days, 324 km), via s2 (2 days, 355 km), via far (4 days, 70 km)
    assert g.next_hop[ix["cap"], ix["z"]] == ix["s1"]
    assert g.days_between(ix["cap"], ix["z"]) == 2
    assert g.next_hop[ix["s1"], ix["z"]] == ix["z"]
    assert g.next_hop[ix["far"], ix["z"]] == ix["z"]
    assert g.days_between(ix["far"], ix["z"]) == 2
    assert g.next_hop[ix["cap"], ix["home"]] == ix["home"]
    for n in range(g.n):
        assert g.next_hop[n, n] == n
        assert g.days_between(n, n) == 0


def test_unreachable_nodes_have_no_next_hop():
    g = tiny()
    ix = g.index
    assert g.next_hop[ix["home"], ix["cap"]] == -1
    assert g.next_hop[ix["z"], ix["cap"]] == -1
    assert g.days_between(ix["z"], ix["cap"]) == -1


def test_next_hop_changes_when_a_quicker_edge_exists():
    i = {n: k for k, n in enumerate(IDS)}
    g = Graph(IDS, TYPES, np.zeros(len(IDS)),
              [(i["cap"], i["s1"], 300.0, "bus"), (i["s1"], i["z"], 24.0, "walk"),
               (i["cap"], i["z"], 100.0, "bus")], SPEEDS)
    assert g.next_hop[i["cap"], i["z"]] == i["z"]  # 1 day direct beats 2 days via s1
    assert g.days_between(i["cap"], i["z"]) == 1


def test_of_type():
    g = tiny()
    assert [g.ids[k] for k in g.of_type("staging")] == ["s1", "s2", "far"]
    assert [g.ids[k] for k in g.of_type("border_zone")] == ["z"]
    assert g.of_type("destination").size == 0


def test_toy_border_graph():
    """In toy-border: hub → capital 1 day, capital → staging 1, staging → zone 1, inland → dest 1."""
    from conftest import build

    sim, _ = build()
    g = sim.graph
    ix = g.index
    assert g.days_between(ix["hub"], ix["capital"]) == 1
    assert g.days_between(ix["capital"], ix["zone"]) == 2
    assert g.next_hop[ix["capital"], ix["zone"]] == ix["staging"]
    assert g.days_between(ix["zone"], ix["capital"]) == 2  # edges are both ways by default
    assert g.days_between(ix["inland"], ix["dest"]) == 1
    assert g.days_between(ix["zone"], ix["dest"]) == -1  # crossing is not an edge


# -- calendar ------------------------------------------------------------------------------
D = dt.date


def test_calendar_days_and_dates():
    cal = Calendar(D(2021, 9, 1), D(2021, 9, 14))
    assert cal.n_days == 14
    assert cal.day(D(2021, 9, 8)) == 7
    assert cal.date(7) == D(2021, 9, 8)
    assert cal.day(D(2021, 8, 31)) == -1
    dates = cal.dates()
    assert len(dates) == 14 and dates.dtype == np.dtype("datetime64[D]")
    assert str(dates[0]) == "2021-09-01" and str(dates[-1]) == "2021-09-14"
    assert Calendar(D(2021, 9, 1), D(2021, 9, 1)).n_days == 1
    with pytest.raises(ValueError, match="before"):
        Calendar(D(2021, 9, 2), D(2021, 9, 1))


def test_calendar_step():
    cal = Calendar(D(2021, 9, 1), D(2021, 9, 10))
    out = cal.step([(D(2021, 9, 6), 5.0), (D(2021, 9, 3), 2.0)], before=1.0)  # unsorted on purpose
    assert out.tolist() == [1, 1, 2, 2, 2, 5, 5, 5, 5, 5]
    # a point before the start applies from day 0; one after the end changes nothing
    out = cal.step([(D(2021, 8, 1), 3.0), (D(2021, 12, 1), 9.0)], before=1.0)
    assert out.tolist() == [3.0] * 10
    assert cal.step([], before=4.0).tolist() == [4.0] * 10


def test_calendar_set_from():
    cal = Calendar(D(2021, 9, 1), D(2021, 9, 10))
    arr = np.zeros(10)
    cal.set_from(arr, D(2021, 9, 3), 7.0, until=D(2021, 9, 5))  # until is exclusive
    assert arr.tolist() == [0, 0, 7, 7, 0, 0, 0, 0, 0, 0]
    cal.set_from(arr, D(2021, 9, 9), 1.0)
    assert arr.tolist() == [0, 0, 7, 7, 0, 0, 0, 0, 1, 1]
