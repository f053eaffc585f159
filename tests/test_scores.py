"""Proper scores: CRPS, interval score, coverage and PIT on hand-checkable ensembles, and
`borderlab validate` reporting them for an ensemble folder (and not for a single run)."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.analysis.scores import crps, interval_score, pit, pit_histogram, score_figures, skill, summarise
from borderlab.cli import app

runner = CliRunner()
MAPPED_HEADER = ("id,country,metric,period_start,period_end,value,unit,role,source_url,source_date,notes,"
                 "model_metric,model_scope,aggregation")


def test_crps_of_a_degenerate_ensemble_is_the_absolute_error():
    assert crps([5.0, 3.0], [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]).tolist() == pytest.approx([2.0, 0.0])
    assert crps([5.0], [[8.0]]).tolist() == [3.0]


def test_crps_by_hand():
    # members 1, 2, 3 against 3: E|X − y| = 1; E|X − X'| over all 9 pairs = 8/9; CRPS = 1 − 4/9
    assert crps([3.0], [[1.0, 2.0, 3.0]])[0] == pytest.approx(5 / 9)
    # a wider ensemble around the same figure scores worse
    assert crps([2.0], [[0.0, 2.0, 4.0]])[0] > crps([2.0], [[1.0, 2.0, 3.0]])[0]


def test_interval_score_by_hand():
    # inside: the width; below: width + 2/α · distance
    assert interval_score([5.0], [4.0], [6.0], 0.1)[0] == pytest.approx(2.0)
    assert interval_score([3.0], [4.0], [6.0], 0.1)[0] == pytest.approx(2.0 + 20.0 * 1.0)
    assert interval_score([8.0], [4.0], [6.0], 0.5)[0] == pytest.approx(2.0 + 4.0 * 2.0)


def test_pit_counts_ties_half_and_histogram_bins():
    assert pit([2.0, 0.0, 9.0], [[1, 2, 3, 4]] * 3).tolist() == [0.375, 0.0, 1.0]
    assert pit_histogram([0.0, 0.05, 0.55, 1.0], bins=10) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]


def test_coverage_counts_and_summary():
    members = np.tile(np.arange(1.0, 101.0), (4, 1))           # 1 … 100: q05 = 5.95, q95 = 95.05
    scores = score_figures([50.0, 20.0, 3.0, 99.0], members)
    assert [s.in_90 for s in scores] == [True, True, False, False]
    assert [s.in_50 for s in scores] == [True, False, False, False]   # q25 = 25.75 … q75 = 75.25
    summary = summarise(scores)
    assert (summary.n, summary.coverage_90, summary.coverage_50) == (4, 0.5, 0.25)
    assert sum(summary.pit_histogram) == 4
    assert summarise([]).n == 0 and math.isnan(summarise([]).coverage_90)


def test_skill_score():
    assert skill(0.5, 1.0) == 0.5 and skill(2.0, 1.0) == -1.0
    assert math.isnan(skill(1.0, 0.0))


# -- validate on an ensemble with member runs ----------------------------------------------------
def _toy_ensemble(tmp_path):
    result = runner.invoke(app, ["run", "toy-border", "--out", str(tmp_path / "run"), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    daily = pq.read_table(tmp_path / "run" / "daily.parquet")
    value = np.asarray(daily.column("value").to_numpy(), dtype=float)
    ens = tmp_path / "ens"
    (ens / "runs").mkdir(parents=True)
    cols = {"date": daily.column("date"), "scope": daily.column("scope"), "metric": daily.column("metric")}
    pq.write_table(pa.table({**cols, **{q: value for q in ("q05", "q25", "q50", "q75", "q95")}}), ens / "quantiles.parquet")
    for run_id, factor in enumerate((0.5, 1.0, 2.0)):
        pq.write_table(pa.table({**cols, "value": value * factor, "run_id": np.full(len(value), run_id, dtype=np.int32)}),
                       ens / "runs" / f"run-{run_id:06d}.parquet")
    (ens / "manifest.json").write_text(json.dumps({"scenario": "toy-border", "period": ["2021-09-01", "2021-09-14"]}))
    obs = tmp_path / "obs.csv"
    # toy-border: 430 attempts in the first week; 50 in detention on 14 Sep (observed 99)
    obs.write_text(MAPPED_HEADER + "\n"
                   "w1,AA,attempts_weekly,2021-09-01,2021-09-07,430,attempts,train,u,2021-10-01,,new_attempts,AA,sum\n"
                   "dd,AA,in_detention,2021-09-14,2021-09-14,99,persons,train,u,2021-10-01,,n_detained,AA,stock\n")
    return tmp_path / "run", ens, obs


def test_validate_reports_proper_scores_of_an_ensemble(tmp_path):
    run, ens, obs = _toy_ensemble(tmp_path)
    result = runner.invoke(app, ["validate", str(ens), "--observed", str(obs), "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert "proper scores (train)" in result.output
    report = json.loads((tmp_path / "v" / "validation.json").read_text())["proper_scores"]
    series = {s["metric"]: s for s in report["series"]}
    # members 25, 50, 100 for the stock observed at 99: E|X − y| = 124/3, E|X − X'|/2 = 300/9/2
    dd = series["in_detention"]
    assert dd["crps"] == pytest.approx(124 / 3 - 300 / 18)
    assert (dd["coverage_50"], dd["coverage_90"]) == (0.0, 0.0)     # q95 = 95 < 99
    assert dd["pit_histogram"][6] == 1                               # PIT 2/3
    w1 = series["attempts_weekly"]                                   # members 215, 430, 860 around 430
    assert (w1["coverage_50"], w1["coverage_90"]) == (1.0, 1.0)
    assert report["overall"]["train"]["n"] == 2 and report["overall"]["train"]["coverage_90"] == 0.5
    table = pq.read_table(tmp_path / "v" / "scores.parquet").to_pylist()
    assert {r["id"]: r["pit"] for r in table} == pytest.approx({"w1": 0.5, "dd": 2 / 3})
    assert (tmp_path / "v" / "plots" / "pit.png").read_bytes()[:4] == b"\x89PNG"
    assert "## Proper scores" in (tmp_path / "v" / "validation.md").read_text()
    # posterior predictive: both figures lie within the members' range, so no model error is needed (σ ≈ 0), but
    # each figure's report noise (5 %) around the member at 100 puts 99 inside the predictive 90 % band
    predictive = json.loads((tmp_path / "v" / "validation.json").read_text())["predictive_scores"]
    assert predictive["model_error"]["figures"] == 2 and predictive["model_error"]["sd"] < 0.01
    pseries = {s["metric"]: s for s in predictive["series"]}
    assert pseries["in_detention"]["coverage_90"] == 1.0 and pseries["attempts_weekly"]["coverage_90"] == 1.0
    assert "posterior predictive (train; model error" in result.output
    assert (tmp_path / "v" / "predictive_scores.json").is_file()
    assert "## Proper scores of the posterior predictive bands" in (tmp_path / "v" / "validation.md").read_text()
    # a single run keeps the point errors only
    result = runner.invoke(app, ["validate", str(run), "--observed", str(obs), "--out", str(tmp_path / "v1"), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "proper_scores" not in json.loads((tmp_path / "v1" / "validation.json").read_text())
    assert not (tmp_path / "v1" / "scores.json").exists()
    assert not (tmp_path / "v1" / "predictive_scores.json").exists()
