"""Population arrays: growth keeps values, transitions count flows, tracing tells a story."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.engine.population import CORE_COLUMNS, NODE, Column, Population, node_dtype
from borderlab.engine.status import N_STATUS, Status


def make(capacity=16, extra=()):
    return Population(list(CORE_COLUMNS) + [Column("health", "float32", 1.0), *extra], capacity)


def test_new_people_get_column_defaults_and_given_values():
    pop = make()
    uids = pop.add(3, status=int(Status.ZONE), node=np.array([4, 5, 6]))
    assert uids.tolist() == [0, 1, 2]
    assert pop.n == 3
    assert pop.status.tolist() == [Status.ZONE] * 3
    assert pop.node.tolist() == [4, 5, 6]
    assert pop.dest.tolist() == [-1, -1, -1]  # default of the core column
    assert np.allclose(pop.health, 1.0)  # default of a module column
    assert pop.add(0).size == 0 and pop.n == 3


def test_growth_keeps_every_value_and_defaults_new_slots():
    pop = make(capacity=16)
    first = pop.add(10, status=int(Status.CAPITAL), node=np.arange(10))
    pop.health[first] = np.linspace(0.1, 1.0, 10)
    before_health = pop.health.copy()
    # far beyond capacity: several doublings at once
    second = pop.add(1000, status=int(Status.ZONE), node=7)
    assert pop.capacity >= 1010
    assert pop.n == 1010
    assert second[0] == 10 and second[-1] == 1009
    assert pop.node[:10].tolist() == list(range(10))
    assert pop.status[:10].tolist() == [Status.CAPITAL] * 10
    assert np.array_equal(pop.health[:10], before_health)
    assert (pop.node[10:] == 7).all()
    assert np.allclose(pop.health[10:], 1.0)  # new slots take the default, not garbage
    assert len(pop.column("health")) == 1010


def test_reserve_never_shrinks():
    pop = make(capacity=64)
    pop.reserve(10)
    assert pop.capacity == 64
    pop.reserve(65)
    assert pop.capacity >= 128  # amortised doubling


def test_counts_and_created_today():
    pop = make()
    pop.start_day(0)
    pop.add(4, status=int(Status.ZONE))
    pop.add(2, status=int(Status.CAPITAL))
    counts = pop.counts()
    assert counts.shape == (N_STATUS,)
    assert counts[Status.ZONE] == 4 and counts[Status.CAPITAL] == 2 and counts.sum() == 6
    assert pop.created_today[Status.ZONE] == 4 and pop.created_today[Status.CAPITAL] == 2
    assert (pop.ti_created == 0).all()
    pop.start_day(3)
    assert pop.created_today.sum() == 0
    uids = pop.add(1, status=int(Status.TRANSIT))
    assert pop.ti_created[uids[0]] == 3


def test_transition_counts_flows_from_each_persons_status():
    pop = make()
    pop.add(3, status=int(Status.ZONE))
    pop.add(2, status=int(Status.INTERIOR))
    pop.start_day(1)
    pop.transition(np.array([0, 1, 3]), Status.DETAINED, "caught")
    assert pop.flows[Status.ZONE, Status.DETAINED] == 2
    assert pop.flows[Status.INTERIOR, Status.DETAINED] == 1
    assert pop.flows.sum() == 3
    assert pop.status.tolist() == [Status.DETAINED, Status.DETAINED, Status.ZONE,
                                   Status.DETAINED, Status.INTERIOR]
    # the balance equation holds for the day
    before = np.bincount([Status.ZONE] * 3 + [Status.INTERIOR] * 2, minlength=N_STATUS)
    assert np.array_equal(pop.counts(), before + pop.flows.sum(axis=0) - pop.flows.sum(axis=1))
    pop.transition(np.array([], dtype=np.int64), Status.DEAD)
    assert pop.flows.sum() == 3
    pop.start_day(2)
    assert pop.flows.sum() == 0


def test_duplicate_and_unknown_columns_are_errors():
    with pytest.raises(ValueError, match="twice"):
        Population(list(CORE_COLUMNS) + [Column("status", "int8", 0)])
    pop = make()
    with pytest.raises(KeyError, match="nope"):
        pop.add(1, nope=3)
    with pytest.raises(AttributeError):
        pop.not_a_column


def test_story_of_traced_people():
    pop = make()
    pop.start_day(0)
    pop.add(3, status=int(Status.CAPITAL))
    pop.trace([1])
    pop.start_day(2)
    pop.transition(np.array([0, 1]), Status.TRANSIT, "bussed")
    pop.start_day(5)
    pop.transition(np.array([1, 2]), Status.ZONE)
    story = pop.story(1)
    assert story == [(2, "transit (bussed)"), (5, "zone")]
    assert pop.story(0) == []  # not traced
    assert pop.story(99) == []


def test_story_starts_at_creation_when_traced_before():
    pop = make()
    pop.trace(0)
    pop.start_day(4)
    pop.add(2, status=int(Status.ZONE), node=3)
    story = pop.story(0)
    assert len(story) == 1 and story[0][0] == 4 and story[0][1].startswith("created")
    assert pop.story(1) == []


def test_story_in_a_running_sim():
    """A traced person in toy-border: pushed back (no status change) until 8 Sep, then
    either detained or, detention being full, released inland and on to the destination."""
    from conftest import build, day_of

    sim, _ = build()
    sim.pop.trace(0)  # one of the 60 people in the zone on day 0
    sim.run()
    story = sim.pop.story(0)
    assert story, "a traced person's changes must be recorded"
    days = [d for d, _ in story]
    assert days == sorted(days)
    first_day, first = story[0]
    assert first_day == day_of(sim, "2021-09-08")
    assert first.startswith("detained") or first.startswith("interior")
    if first.startswith("interior"):
        assert story[-1] == (day_of(sim, "2021-09-10"), "arrived: onward")


def test_node_columns_are_as_narrow_as_the_graph_allows():
    """A graph of up to 32,767 nodes keeps node ids (and −1) in two bytes; a larger one, or
    a population told nothing of its graph, in four; other columns keep their dtype."""
    assert (node_dtype(3), node_dtype(2**15 - 1), node_dtype(2**15)) == ("int16", "int16", "int32")
    columns = list(CORE_COLUMNS) + [Column("target", NODE, -1)]
    small, large, unknown = (Population(columns, 16, n_nodes=n) for n in (500, 40_000, None))
    assert {name: small.column(name).dtype.name for name in ("node", "dest", "target", "ti_next")} == {
        "node": "int16", "dest": "int16", "target": "int16", "ti_next": "int32"}
    assert large.column("node").dtype.name == "int32" and large.column("target").dtype.name == "int32"
    assert unknown.column("dest").dtype.name == "int32"
    uids = small.add(2, node=np.array([32_766, -1], dtype=np.int32))
    assert small.node[uids].tolist() == [32_766, -1] and small.target[uids].tolist() == [-1, -1]
