"""Results: define / rec / add / finalize aggregation and the tidy long table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from borderlab.engine.results import Results


def segment_results() -> Results:
    res = Results(3)
    # three segments: two Polish, one Lithuanian
    res.define("new_attempts", ["PL-1", "PL-2", "LT-1"], "flow", "attempts", parents=["PL", "PL", "LT"])
    res.rec("new_attempts", 0, [1, 2, 4])
    res.rec("new_attempts", 1, [10, 20, 40])
    res.add("new_attempts", 1, [1, 0, 0])
    res.rec("new_attempts", 2, [0, 5, 0])
    return res


def test_segments_sum_to_countries_and_all():
    res = segment_results()
    res.finalize()
    assert res.scopes_of("new_attempts") == ["PL-1", "PL-2", "LT-1", "PL", "LT", "all"]
    assert res.series("new_attempts", "PL-1").tolist() == [1, 11, 0]
    assert res.series("new_attempts", "PL").tolist() == [3, 31, 5]
    assert res.series("new_attempts", "LT").tolist() == [4, 40, 0]
    assert res.series("new_attempts", "all").tolist() == [7, 71, 5]
    # every total is the sum of the places it is made of
    assert np.array_equal(res.series("new_attempts", "all"),
                          res.series("new_attempts", "PL") + res.series("new_attempts", "LT"))


def test_finalize_is_idempotent_and_follows_later_records():
    res = segment_results()
    res.finalize()
    res.finalize()
    assert res.series("new_attempts", "all").tolist() == [7, 71, 5]
    res.rec("new_attempts", 2, [1, 1, 1])
    res.finalize()
    assert res.series("new_attempts", "all").tolist() == [7, 71, 3]


def test_scalar_metric_and_ratio_without_total():
    res = Results(2)
    res.define("n_people", ["all"], "stock", "people", total=False)
    res.define("guard_fatigue", ["PL", "LT"], "ratio", "fatigue")
    res.define("n_in_zone", ["PL", "LT"], "stock", "zone")
    res.rec("n_people", 0, 5)
    res.rec("guard_fatigue", 0, [0.2, 0.4])
    res.rec("n_in_zone", 1, [3, 4])
    res.finalize()
    assert res.scopes_of("n_people") == ["all"]
    assert res.scopes_of("guard_fatigue") == ["PL", "LT"]  # ratios do not sum
    assert res.scopes_of("n_in_zone") == ["PL", "LT", "all"]
    assert res.series("n_people").tolist() == [5, 0]
    assert res.series("n_in_zone", "all").tolist() == [0, 7]


def test_definition_errors_and_helpful_lookups():
    res = Results(2)
    res.define("new_x", ["A"], "flow", "x")
    with pytest.raises(ValueError, match="twice"):
        res.define("new_x", ["A"], "flow", "x")
    with pytest.raises(ValueError, match="kind"):
        res.define("new_y", ["A"], "level", "y")
    with pytest.raises(KeyError, match="new_x"):
        res.series("new_z")
    with pytest.raises(KeyError, match="have: A, all"):
        res.series("new_x", "B")


def test_to_table_is_tidy():
    res = segment_results()
    res.define("guard_fatigue", ["PL", "LT"], "ratio", "fatigue")
    res.rec("guard_fatigue", 2, [0.5, 0.25])
    res.finalize()
    dates = np.arange(np.datetime64("2021-09-01"), np.datetime64("2021-09-04"))
    table = res.to_table(dates)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["date", "scope", "metric", "value"]
    assert table.schema.field("value").type == pa.float64()
    assert table.schema.field("scope").type == pa.string()
    assert table.num_rows == 3 * 6 + 3 * 2  # days × scopes, per metric
    rows = table.to_pylist()
    key = {(str(r["date"]), r["scope"], r["metric"]): r["value"] for r in rows}
    assert len(key) == table.num_rows  # one row per (date, scope, metric)
    assert key[("2021-09-02", "PL", "new_attempts")] == 31
    assert key[("2021-09-02", "all", "new_attempts")] == 71
    assert key[("2021-09-03", "LT", "guard_fatigue")] == 0.25
    # upto cuts the days
    assert res.to_table(dates, upto=2).num_rows == 2 * 6 + 2 * 2


def test_describe_lists_every_metric():
    res = segment_results()
    names = [d[0] for d in res.describe()]
    assert names == ["new_attempts"]
    name, kind, desc, scopes = res.describe()[0]
    assert kind == "flow" and "all" in scopes


def test_sim_results_totals_are_sums_of_parts():
    """On a real run every country row is the sum of its segments and `all` of the countries."""
    from conftest import STOCHASTIC, run_cached

    sim, _ = run_cached("toy-border", STOCHASTIC, 3)
    res = sim.results
    checked = 0
    for name, m in res.metrics.items():
        for group, members in m.groups.items():
            assert np.allclose(m.data[len(m.scopes) + list(m.groups).index(group)],
                               m.data[members].sum(axis=0)), (name, group)
            checked += 1
    assert checked > 20
