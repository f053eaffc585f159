"""Validation: measures on hand-computed examples, the observation map and conflict rule,
comparisons on hand-checkable runs, and `borderlab validate` end to end (exit 2 on bad input)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.analysis.measures import (log_accuracy_ratio, mase, overall_score, relative_error,
                                         series_error)
from borderlab.analysis.observations import (OBSERVATION_MAP, Observation, is_calendar_month, load_observations,
                                             resolve_conflicts, select_outcomes)
from borderlab.analysis.run_data import RunData, load_run_data
from borderlab.analysis.validation import compare
from borderlab.cli import app
from borderlab.engine.calendar import Calendar
from borderlab.errors import InputFileError
from conftest import BELARUS_PATH

runner = CliRunner()
D = dt.date.fromisoformat
HEADER = "id,country,metric,period_start,period_end,value,unit,role,source_url,source_date,notes"
MAPPED_HEADER = HEADER + ",model_metric,model_scope,aggregation"


# -- measures ---------------------------------------------------------------------------------
def test_relative_error_and_log_accuracy_ratio_by_hand():
    assert np.allclose(relative_error([110, 90, 5], [100, 100, 0])[:2], [0.1, -0.1])
    assert math.isnan(relative_error([5], [0])[0])
    # ln((s+1)/(o+1)): 99 vs 199 is exactly a factor 2 low; 0 vs 0 is perfect
    assert log_accuracy_ratio([99, 0, 399], [199, 0, 99]).tolist() == pytest.approx([-math.log(2), 0.0, math.log(4)])


def test_mase_by_hand():
    # |s−o| = 1, 1, 1 → 1; naive scale mean(|6−2|, |6−6|) = 2 → 0.5
    assert mase([3, 5, 7], [2, 6, 6]) == pytest.approx(0.5)
    assert math.isnan(mase([3], [2]))          # one point: no naive scale
    assert math.isnan(mase([3, 4], [5, 5]))    # flat observed series: scale 0


def test_series_error_and_equal_weight_overall_score():
    e = series_error([99, 399], [199, 99], role="train", country="PL", metric="m", grain="daily", model="x",
                     coverage=[1.0, 0.5])
    assert e.n == 2
    assert e.error == pytest.approx((math.log(2) + math.log(4)) / 2)
    assert e.mean_log_ratio == pytest.approx((-math.log(2) + math.log(4)) / 2)
    assert e.bias == pytest.approx(((99 - 199) / 199 + (399 - 99) / 99) / 2)
    assert e.mase == pytest.approx(((100 + 300) / 2) / 100)
    assert e.min_coverage == 0.5
    monthly = series_error([10], [10], role="train", country="PL", metric="n", grain="monthly", model="x")
    assert math.isnan(monthly.mase) and monthly.error == 0
    # each series weighs the same, however many figures it has
    assert overall_score([e, monthly]) == pytest.approx(e.error / 2)
    assert math.isnan(overall_score([]))


# -- observations: mapping, grain, conflicts -----------------------------------------------------
def test_map_matches_published_definitions():
    assert OBSERVATION_MAP[("PL", "attempts_illegal_crossing_monthly")] == ("new_attempts", "PL", "sum")   # events
    assert OBSERVATION_MAP[("LT", "irregular_entries_monthly")] == ("new_detentions", "LT", "sum")         # people
    assert OBSERVATION_MAP[("LT", "turnbacks_monthly")] == ("new_turnbacks", "LT", "sum")                  # events
    assert OBSERVATION_MAP[("DE", "unauthorized_entries_belarus_route")] == ("new_onward", "all", "sum")   # onward
    assert OBSERVATION_MAP[("multi", "deaths_cumulative")] == ("new_deaths", "all", "sum")                 # cumulative
    assert OBSERVATION_MAP[("PL", "persons_in_guarded_centres")][2] == "stock"


def _obs(metric, start, end, value=1.0, country="PL", role="train", source_date="", oid="x", mapping=None):
    return Observation(oid, country, metric, D(start), D(end), value, "", role, "", source_date, "", mapping)


def test_grain_follows_the_period():
    assert _obs("attempts_illegal_crossing_daily", "2021-09-03", "2021-09-03").grain == "daily"
    assert _obs("attempts_illegal_crossing_monthly", "2021-09-01", "2021-09-30").grain == "monthly"
    # a whole calendar month is monthly whatever the metric is called
    assert _obs("unauthorized_entries_belarus_route", "2021-09-01", "2021-09-30", country="DE").grain == "monthly"
    assert _obs("unauthorized_entries_belarus_route", "2021-01-01", "2021-07-31", country="DE").grain == "cumulative"
    assert _obs("persons_in_guarded_centres", "2021-10-17", "2021-10-17").grain == "point"
    assert is_calendar_month(D("2021-02-01"), D("2021-02-28")) and not is_calendar_month(D("2021-02-01"), D("2021-02-27"))


def test_conflict_rule_on_the_belarus_file():
    obs = load_observations(BELARUS_PATH.parent / "inputs" / "observed.csv")
    kept = select_outcomes(obs, D("2021-10-31"))
    october = [o for o in kept if o.metric == "attempts_illegal_crossing_monthly" and o.start == D("2021-10-01")]
    # four values (17,300 / 17,500 / 17,400 / 17,447): the latest source (7 Jan 2022, final) wins
    assert [(o.id, o.value) for o in october] == [("B21-0009", 17447.0)]
    september = [o for o in kept if o.metric == "attempts_illegal_crossing_monthly" and o.start == D("2021-09-01")]
    assert [o.id for o in september] == ["B21-0005"]
    # two sources estimating the same model quantity (n_stranded in October) under BY and PL: one kept
    stranded = [o for o in kept if o.model[0] == "n_stranded"]
    assert [(o.id, o.value) for o in stranded] == [("B21-0242", 12500.0)]
    assert all(o.role != "input" and o.end <= D("2021-10-31") for o in kept)
    assert len(kept) < len([o for o in obs if o.model and o.role == "train"])


def test_select_outcomes_cuts_at_until_and_drops_inputs():
    obs = [_obs("attempts_illegal_crossing_daily", "2021-10-30", "2021-10-30", oid="a"),
           _obs("attempts_illegal_crossing_daily", "2021-11-01", "2021-11-01", oid="b"),
           _obs("attempts_illegal_crossing_daily", "2021-10-02", "2021-10-02", role="input", oid="c"),
           _obs("troops_deployed", "2021-10-02", "2021-10-02", oid="d")]
    assert [o.id for o in select_outcomes(obs, D("2021-10-31"))] == ["a"]
    assert [o.id for o in select_outcomes(obs)] == ["a", "b"]


def test_csv_mapping_columns_and_bad_rows(tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text(MAPPED_HEADER + "\n"
                    "a,AA,weekly_attempts,2021-09-01,2021-09-07,430,attempts,train,u,2021-10-01,,new_attempts,AA,sum\n"
                    "b,AA,in_detention,2021-09-14,2021-09-14,50,persons,train,u,2021-10-01,,n_detained,AA,stock\n"
                    "c,PL,attempts_illegal_crossing_monthly,2021-09-01,2021-09-30,5,attempts,train,u,2021-10-01,,,,\n")
    a, b, c = load_observations(path)
    assert a.model == ("new_attempts", "AA", "sum") and a.grain == "cumulative"
    assert b.model == ("n_detained", "AA", "stock") and b.grain == "point"
    assert c.model == OBSERVATION_MAP[("PL", "attempts_illegal_crossing_monthly")]   # empty columns: the map
    bad = tmp_path / "bad.csv"
    bad.write_text(MAPPED_HEADER + "\na,AA,w,2021-09-01,2021-09-07,4,x,train,u,,,new_attempts,AA,mean\n")
    with pytest.raises(InputFileError, match=r"bad.csv:2: aggregation 'mean'"):
        load_observations(bad)
    bad.write_text(HEADER + "\na,PL,attempts_illegal_crossing_daily,2021-09-01,2021-09-01,-4,x,train,u,,\n")
    with pytest.raises(InputFileError, match=r"bad.csv:2: value -4 is not a count"):
        load_observations(bad)
    bad.write_text(HEADER + "\na,PL,attempts_illegal_crossing_daily,2021-09-05,2021-09-01,4,x,train,u,,\n")
    with pytest.raises(InputFileError, match=r"bad.csv:2: period_end 2021-09-01 is before period_start"):
        load_observations(bad)
    # negative inputs (temperatures) are fine: they are not outcomes
    bad.write_text(HEADER + "\na,PL,temperature_min_c,2021-09-05,2021-09-05,-4,C,input,u,,\n")
    assert load_observations(bad)[0].value == -4


def test_resolve_conflicts_prefers_latest_source_date_then_later_row():
    rows = [_obs("attempts_illegal_crossing_monthly", "2021-10-01", "2021-10-31", 17300, source_date="2021-11-01", oid="p"),
            _obs("attempts_illegal_crossing_monthly", "2021-10-01", "2021-10-31", 17447, source_date="2022-01-07", oid="f"),
            _obs("attempts_illegal_crossing_monthly", "2021-10-01", "2021-10-31", 17500, source_date="2021-12", oid="r"),
            _obs("attempts_illegal_crossing_monthly", "2021-10-01", "2021-10-31", 17450, source_date="2022-01-07", oid="t")]
    assert [o.id for o in resolve_conflicts(rows)] == ["t"]


# -- comparison on a hand-made run ---------------------------------------------------------------
def _memory_run() -> RunData:
    cal = Calendar(D("2021-09-01"), D("2021-09-10"))
    central = {("new_attempts", "PL"): np.full(10, 10.0), ("n_detained", "PL"): np.arange(10.0)}
    return RunData("memory", cal, central)


def test_compare_aggregates_on_each_grain_by_hand():
    obs = [_obs("attempts_illegal_crossing_daily", "2021-09-03", "2021-09-03", 12, oid="d1"),
           _obs("attempts_illegal_crossing_daily", "2021-09-04", "2021-09-04", 8, oid="d2"),
           _obs("attempts_illegal_crossing_cumulative", "2021-08-27", "2021-09-05", 50, oid="c"),  # half before the run
           _obs("persons_in_guarded_centres", "2021-09-10", "2021-09-10", 7, oid="s"),
           _obs("persons_in_guarded_centres", "2021-09-20", "2021-09-20", 7, oid="late"),
           _obs("hospital_admissions_monthly", "2021-09-01", "2021-09-30", 3, oid="nometric")]
    v = compare(obs, _memory_run())
    sim = {p.obs.id: (p.simulated, p.coverage) for p in v.points}
    assert sim == {"d1": (10.0, 1.0), "d2": (10.0, 1.0), "c": (50.0, 0.5), "s": (9.0, 1.0)}
    assert sorted(o.id for o, _ in v.skipped) == ["late", "nometric"]
    errors = {e.metric: e for e in v.series}
    daily = errors["attempts_illegal_crossing_daily"]
    assert daily.error == pytest.approx((abs(math.log(11 / 13)) + abs(math.log(11 / 9))) / 2)
    assert daily.mase == pytest.approx(2 / 4)   # mean |s−o| = 2; naive scale |8 − 12| = 4
    assert errors["attempts_illegal_crossing_cumulative"].error == 0.0
    assert errors["attempts_illegal_crossing_cumulative"].min_coverage == 0.5
    assert errors["persons_in_guarded_centres"].error == pytest.approx(math.log(10 / 8))
    assert v.score == pytest.approx((daily.error + 0 + math.log(10 / 8)) / 3)
    # a cut-off drops the later figures before scoring
    assert {p.obs.id for p in compare(obs, _memory_run(), D("2021-09-03")).points} == {"d1"}


# -- borderlab validate ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def toy_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("val") / "toy"
    result = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    return out


def _toy_observations(path: Path) -> Path:
    # toy-border by hand: attempts 60 a day on days 0–5 and 70 on day 6 → 430 in the first week;
    # 50 detained from 8 Sep on; 30 onward on 10 Sep then 10 a day → 70 by 14 Sep
    path.write_text(MAPPED_HEADER + "\n"
                    "w1,AA,attempts_weekly,2021-09-01,2021-09-07,430,attempts,train,u,2021-10-01,,new_attempts,AA,sum\n"
                    "dd,AA,in_detention,2021-09-14,2021-09-14,99,persons,train,u,2021-10-01,,n_detained,AA,stock\n"
                    "on,AA,onward,2021-09-10,2021-09-14,70,persons,train,u,2021-10-01,,new_onward,all,sum\n"
                    "ff,AA,attempts_daily,2021-09-02,2021-09-02,60,attempts,test,u,2021-10-01,,new_attempts,AA,sum\n")
    return path


def test_validate_cli_scores_a_toy_run_by_hand(toy_run, tmp_path):
    obs = _toy_observations(tmp_path / "toy_obs.csv")
    result = runner.invoke(app, ["validate", str(toy_run), "--observed", str(obs)])
    assert result.exit_code == 0, result.output
    assert "overall score (train)" in result.output and "Traceback" not in result.output
    folder = toy_run / "validation"
    report = json.loads((folder / "validation.json").read_text())
    points = {p["id"]: p for p in report["points"]}
    assert (points["w1"]["simulated"], points["dd"]["simulated"], points["on"]["simulated"]) == (430, 50, 70)
    # only the detention figure is off: ln(51/100); three train series, one test series
    assert report["scores"]["train"] == pytest.approx(abs(math.log(51 / 100)) / 3, abs=1e-4)
    assert report["scores"]["test"] == 0.0 and report["score"] == report["scores"]["train"]
    for name in ("series.csv", "points.csv", "validation.md", "plots/series.png", "plots/scatter.png"):
        assert (folder / name).is_file(), name
    assert (folder / "plots" / "series.png").read_bytes()[:4] == b"\x89PNG"


def test_validate_an_ensemble_folder_uses_the_median_and_bands(toy_run, tmp_path):
    daily = pq.read_table(toy_run / "daily.parquet")
    value = np.asarray(daily.column("value").to_numpy(), dtype=float)
    ens = tmp_path / "ens"
    ens.mkdir()
    pq.write_table(pa.table({"date": daily.column("date"), "scope": daily.column("scope"),
                             "metric": daily.column("metric"), "q05": value * 0.5, "q25": value * 0.75,
                             "q50": value, "q75": value * 1.25, "q95": value * 1.5}), ens / "quantiles.parquet")
    manifest = json.loads((toy_run / "manifest.json").read_text())
    (ens / "manifest.json").write_text(json.dumps({"scenario": "toy-border", "scenario_file": manifest["scenario_file"],
                                                   "period": ["2021-09-01", "2021-09-14"]}))
    data = load_run_data(ens)
    assert data.kind == "ensemble"
    obs = _toy_observations(tmp_path / "toy_obs.csv")
    result = runner.invoke(app, ["validate", str(ens), "--observed", str(obs), "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "v" / "validation.json").read_text())
    w1 = next(p for p in report["points"] if p["id"] == "w1")
    assert (w1["simulated"], w1["q05"], w1["q95"]) == (430, 215, 645)
    assert report["kind"] == "ensemble" and (tmp_path / "v" / "plots" / "series.png").is_file()


def test_ensemble_member_runs_give_exact_quantiles_of_period_sums(toy_run, tmp_path):
    daily = pq.read_table(toy_run / "daily.parquet")
    value = np.asarray(daily.column("value").to_numpy(), dtype=float)
    ens = tmp_path / "ens"
    (ens / "runs").mkdir(parents=True)
    cols = {"date": daily.column("date"), "scope": daily.column("scope"), "metric": daily.column("metric")}
    # daily quantiles that disagree with the members, to show which one is used
    pq.write_table(pa.table({**cols, **{q: value * 0.9 for q in ("q05", "q25", "q50", "q75", "q95")}}),
                   ens / "quantiles.parquet")
    # member runs as the ensemble writes them: scope and metric dictionary-encoded
    encoded = {**cols, "scope": cols["scope"].dictionary_encode(), "metric": cols["metric"].dictionary_encode()}
    for run_id, factor in enumerate((0.5, 1.0, 2.0)):
        pq.write_table(pa.table({**encoded, "value": value * factor, "run_id": np.full(len(value), run_id, dtype=np.int32)}),
                       ens / "runs" / f"run-{run_id:06d}.parquet")
    (ens / "manifest.json").write_text(json.dumps({"scenario": "toy-border"}))
    obs = _toy_observations(tmp_path / "toy_obs.csv")
    result = runner.invoke(app, ["validate", str(ens), "--observed", str(obs), "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    w1 = next(p for p in json.loads((tmp_path / "v" / "validation.json").read_text())["points"] if p["id"] == "w1")
    # the members' first-week sums are 215, 430 and 860: median 430, q05 = 215 + 0.1 · 215
    assert (w1["simulated"], w1["q05"], w1["q95"]) == (430, 236.5, 860 - 0.1 * 430)


def test_validate_finds_the_scenario_observations_and_honours_until(tmp_path):
    out = tmp_path / "b"
    result = runner.invoke(app, ["run", "belarus-eu-2021", "--out", str(out), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(out), "--until", "2021-08-31", "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "validation" / "validation.json").read_text())
    assert report["observations"]["path"].endswith("inputs/observed.csv")
    assert report["points"] and all(p["period_end"] <= "2021-08-31" for p in report["points"])
    assert 0 < report["score"] < 2


@pytest.mark.parametrize("case, needle", [
    ("missing", "run folder not found"),
    ("no_manifest", "not a borderlab run folder"),
    ("no_table", "neither daily.parquet nor quantiles.parquet"),
    ("corrupt", "not a readable Parquet file"),
    ("missing_observed", "observations file not found"),
    ("bad_until", "is not a date"),
    ("no_observed", "pass --observed"),
    ("no_overlap", "no observed figure"),
])
def test_validate_bad_input_exits_2_with_one_message(case, needle, tmp_path, toy_run):
    args = ["validate"]
    if case == "missing":
        args.append(str(tmp_path / "nowhere"))
    elif case == "no_manifest":
        (tmp_path / "x").mkdir()
        (tmp_path / "x" / "daily.parquet").write_text("")
        args.append(str(tmp_path / "x"))
    elif case == "no_table":
        (tmp_path / "x").mkdir()
        (tmp_path / "x" / "manifest.json").write_text("{}")
        args.append(str(tmp_path / "x"))
    elif case == "corrupt":
        (tmp_path / "x").mkdir()
        (tmp_path / "x" / "manifest.json").write_text("{}")
        (tmp_path / "x" / "daily.parquet").write_text("not parquet")
        args.append(str(tmp_path / "x"))
    elif case == "missing_observed":
        args += [str(toy_run), "--observed", str(tmp_path / "none.csv")]
    elif case == "bad_until":
        args += [str(toy_run), "--until", "2021-13-01"]
    elif case == "no_observed":
        args.append(str(toy_run))      # toy-border names no observed file
    elif case == "no_overlap":
        path = tmp_path / "o.csv"
        path.write_text(HEADER + "\na,PL,attempts_illegal_crossing_daily,2021-09-01,2021-09-01,4,x,train,u,,\n")
        args += [str(toy_run), "--observed", str(path)]   # the toy run has no PL series
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output
