"""Scenario branches: prior weights, runs allocated by weight, the mixture and each
branch's bands; the belarus-eu-2021 branches change nothing before they begin."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from borderlab.decisions.variants import load_variant
from borderlab.errors import ScenarioError
from borderlab.scenario.branches import allocate_runs
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim
from borderlab.studies.ensemble import run_ensemble
from borderlab.studies.plan import open_source, plan_ensemble
from conftest import BELARUS, TOY_PATH, load_yaml_data, need_belarus, write_yaml

BASIS = {"assumption": "a test", "source": "tests/test_branches.py"}


def test_runs_follow_the_weights_in_every_prefix():
    assert allocate_runs([0.6, 0.4], 5) == [0, 1, 0, 1, 0]
    runs = allocate_runs([0.5, 0.3, 0.2], 40)
    for n in range(1, 41):
        for k, w in enumerate([0.5, 0.3, 0.2]):
            assert abs(runs[:n].count(k) - w * n) < 1, (n, k)
    assert [runs.count(k) for k in range(3)] == [20, 12, 8]
    assert allocate_runs([0.0, 1.0], 3) == [1, 1, 1]  # a weight of 0 leaves a branch out


def toy_branched(tmp_path, branches=None, variants=None):
    variants = variants or {"half": {"supply.routes.hub-capital.weekly_seats": 35},
                            "double": {"supply.routes.hub-capital.weekly_seats": 140}}
    for name, sets in variants.items():
        write_yaml(tmp_path / f"{name}.yaml", {"name": name, "set": sets})
    data = load_yaml_data(TOY_PATH)
    data["branches"] = branches if branches is not None else [
        {"name": n, "variant": f"{n}.yaml", "weight": 1 / len(variants), "basis": BASIS} for n in variants]
    return write_yaml(tmp_path / "scenario.yaml", data)


@pytest.mark.parametrize("branches, message", [
    ([{"name": "a", "variant": "half.yaml", "weight": 0.5, "basis": BASIS},
      {"name": "b", "variant": "double.yaml", "weight": 0.4, "basis": BASIS}], "branch weights sum to 0.9, not 1"),
    ([{"name": "a", "variant": "half.yaml", "weight": 0.5, "basis": BASIS},
      {"name": "a", "variant": "double.yaml", "weight": 0.5, "basis": BASIS}], "duplicate branch name 'a'"),
    ([{"name": "a", "variant": "gone.yaml", "weight": 1.0, "basis": BASIS}], "no variant file gone.yaml"),
    ([{"name": "a", "variant": "half.yaml", "weight": 1.0}], "missing required field 'basis'"),
])
def test_bad_branches_are_scenario_errors(tmp_path, branches, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(toy_branched(tmp_path, branches))


def test_a_branch_whose_variant_does_not_fit_is_reported_at_planning(tmp_path):
    path = toy_branched(tmp_path, variants={"ok": {"supply.routes.hub-capital.weekly_seats": 35},
                                            "bad": {"supply.routes.no-such-route.weekly_seats": 1}})
    with pytest.raises(ScenarioError) as exc:
        plan_ensemble(open_source(str(path)), runs=2)
    assert any(str(tmp_path / "bad.yaml") in p.where for p in exc.value.problems)


def test_an_ensemble_runs_the_mixture_and_shows_each_branch(tmp_path):
    path = toy_branched(tmp_path)
    out = tmp_path / "ens"
    manifest = run_ensemble(str(path), 3, out, workers=1)
    draws = pq.read_table(out / "draws.parquet").to_pydict()
    assert draws["branch"] == ["half", "double", "half"]  # weights 0.5 / 0.5: ties go to the first
    assert [(b["name"], b["runs"]) for b in manifest["branches"]] == [("half", 2), ("double", 1)]
    assert json.loads((out / "plan.json").read_text())["branches"][1]["changes"] == \
        ["supply.routes.hub-capital.weekly_seats=140"]
    # fixed arrivals: 35 seats a week board 5 a day, 140 board 20
    q = pq.read_table(out / "quantiles_by_branch.parquet").to_pandas()
    boarded = q[(q.metric == "new_boarded") & (q.scope == "hub-capital")]
    assert set(boarded[boarded.branch == "half"].q50) == {5.0}
    assert set(boarded[boarded.branch == "double"].q50) == {20.0}
    mixture = pq.read_table(out / "quantiles.parquet").to_pandas()
    mixed = mixture[(mixture.metric == "new_boarded") & (mixture.scope == "hub-capital")]
    assert set(mixed.q50) == {5.0} and mixed.q95.tolist() == pytest.approx([18.5] * len(mixed))  # 5, 5, 20: 95 % at 1.9 of 2 steps
    assert (out / manifest["outputs"]["branch_plot"]).is_file()
    # --no-branches: the base scenario only (70 seats a week: 10 a day)
    base = run_ensemble(str(path), 2, tmp_path / "base", workers=1, plots=False, branches=False)
    assert "branches" not in base
    assert "branch" not in pq.read_table(tmp_path / "base" / "draws.parquet").column_names


def test_belarus_branches_change_nothing_before_they_begin():
    need_belarus()
    base = load_scenario(BELARUS, ["end=2021-11-24"])
    assert abs(sum(b.weight for b in base.scenario.branches) - 1) < 1e-9
    first = build_sim(base, seed=3)
    first.run()
    cut = first.calendar.day(__import__("datetime").date(2021, 11, 17))
    ref = first.results.series("new_attempts", "all")
    for b in base.scenario.branches:
        sim = build_sim(load_variant(base.folder / b.variant, BELARUS, ["end=2021-11-24"]).base, seed=3)
        sim.run()
        got = sim.results.series("new_attempts", "all")
        assert np.array_equal(got[:cut], ref[:cut]), b.name
        assert not np.array_equal(got[cut:], ref[cut:]), b.name
