"""Builds of one loaded scenario reuse what depends on the scenario alone (the graph's next
hops), but never share a mutable array, and give the same run as a fresh build."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.engine import graph as graph_module
from borderlab.engine.results import Results
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim


@pytest.fixture(scope="module")
def loaded():
    return load_scenario("toy-border")


def _arrays(obj) -> dict[str, np.ndarray]:
    return {k: v for k, v in vars(obj).items() if isinstance(v, np.ndarray)}


def test_two_builds_share_no_array(loaded):
    a, b = build_sim(loaded, seed=1), build_sim(loaded, seed=1)
    pairs = [(a.graph, b.graph)] + [(a.module(name), b.module(name)) for name in a.modules]
    for x, y in pairs:
        for name, arr in _arrays(x).items():
            other = getattr(y, name)
            if arr.size:
                assert not np.shares_memory(arr, other), f"{type(x).__name__}.{name} is shared"
    for name in a.results.metrics:
        assert not np.shares_memory(a.results.metrics[name].data, b.results.metrics[name].data)
    # writing into one sim's graph leaves the next build alone
    a.graph.next_hop[:] = -7
    a.graph.dist[:] = -7.0
    c = build_sim(loaded, seed=1)
    assert (c.graph.next_hop != -7).any() and (c.graph.dist != -7.0).any()


def _outcome(sim):
    sim.run()
    return {name: m.data.copy() for name, m in sim.results.metrics.items()}, sim.status_counts.copy()


def test_a_build_with_the_next_hops_kept_runs_like_a_fresh_one(loaded):
    graph_module._HOPS.clear()
    fresh = build_sim(loaded, seed=3)
    assert len(graph_module._HOPS) == 1
    kept = build_sim(loaded, seed=3)
    np.testing.assert_array_equal(fresh.graph.next_hop, kept.graph.next_hop)
    np.testing.assert_array_equal(fresh.graph.dist, kept.graph.dist)
    series_a, counts_a = _outcome(fresh)
    series_b, counts_b = _outcome(kept)
    np.testing.assert_array_equal(counts_a, counts_b)
    assert series_a.keys() == series_b.keys()
    for name in series_a:
        np.testing.assert_array_equal(series_a[name], series_b[name], err_msg=name)


def test_a_metric_recorded_before_it_is_packed_keeps_its_values():
    res = Results(4)
    res.define("new_a", ["x", "y"], "flow", "a")
    res.define("new_b", ["x"], "flow", "b")
    res.define("new_c", ["x"], "flow", "c")
    res.rec("new_a", 1, [2.0, 3.0])
    data, rows = res.pack(["new_a", "new_b"])
    np.testing.assert_array_equal(res.metrics["new_a"].data[:, 1], [2.0, 3.0, 0.0])
    assert np.shares_memory(res.metrics["new_a"].data, data)
    assert rows.tolist() == [0, 1, 3]
    # a metric never written reads as zeros, with its `all` row
    assert res.metrics["new_c"].data.shape == (2, 4) and not res.metrics["new_c"].data.any()
    res.finalize()
    np.testing.assert_array_equal(res.series("new_a", "all"), [0.0, 5.0, 0.0, 0.0])
