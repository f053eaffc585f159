"""Early warning: the observed series baselines see, the baselines themselves, the weekly
skill table, and `borderlab forecast` end to end on a tiny case (bad input → exit 2)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from borderlab.analysis.observations import Observation
from borderlab.cli import app
from borderlab.forecast.baselines import forecast_baselines, quantile_members
from borderlab.forecast.observed_series import reconstruct
from borderlab.forecast.weekly_skill import skill_table
from forecast_case import TINY_FIT, make_case

runner = CliRunner()
D = dt.date.fromisoformat


def _fig(start, end, value, oid="x"):
    return Observation(oid, "AA", "m", D(start), D(end), value, "", "train", "", "", "", ("new_attempts", "AA", "sum"))


def test_reconstruction_matches_the_figures_and_marks_resolved_days():
    figures = [_fig("2021-09-01", "2021-09-07", 70, "w1"), _fig("2021-09-08", "2021-09-14", 140, "w2"),
               _fig("2021-09-15", "2021-11-10", 570, "long")]       # 57 days: too long to pin a week down
    s = reconstruct(figures, D("2021-09-21"))
    assert s.start == D("2021-09-01") and len(s.values) == 21
    assert s.values[:7].sum() == pytest.approx(70, rel=0.02)
    assert s.values[7:14].sum() == pytest.approx(140, rel=0.02)
    assert s.resolved[:14].all() and not s.resolved[14:].any()
    sums, ok = s.weekly(D("2021-09-14"), 2)
    assert sums == pytest.approx([70, 140], rel=0.02) and ok.tolist() == [True, True]
    # two running totals from one start pin down the days between their ends
    running = [_fig("2021-01-01", "2021-09-07", 1000), _fig("2021-01-01", "2021-09-14", 1070)]
    r = reconstruct(running, D("2021-09-14"))
    assert r.resolved[r.day(D("2021-09-08")):].all() and not r.resolved[r.day(D("2021-09-07"))]
    assert r.values[r.day(D("2021-09-08")):].sum() == pytest.approx(70, rel=0.05)


def test_quantile_members_are_ordered_levels():
    lo_hi = {lv: (np.array([50.0 - lv / 2]), np.array([50.0 + lv / 2])) for lv in (10, 30, 50, 70, 90)}
    assert quantile_members(lo_hi)[0].tolist() == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
    assert quantile_members({lv: (np.array([-9.0]), np.array([1.0])) for lv in lo_hi})[0].min() == 0.0   # counts ≥ 0


def test_naive_baseline_repeats_the_last_week():
    members = forecast_baselines(np.array([3.0, 8.0, 12.0]), 2, names=("naive",))["naive"]
    assert members.shape == (2, 10)
    assert np.median(members, axis=1).tolist() == pytest.approx([12.0, 12.0])
    assert forecast_baselines(np.array([3.0, 8.0]), 2, names=("ARIMA",)) == {}   # too short to fit


def test_skill_is_relative_to_the_best_baseline_per_horizon():
    rows = [{"horizon_weeks": 1, "model": m, "crps_log": c, "in_90": True}
            for m, c in (("simulator", 0.2), ("naive", 0.5), ("ETS", 0.4), ("ARIMA", 0.8))]
    rows += [{"horizon_weeks": 2, "model": m, "crps_log": c, "in_90": m != "naive"}
             for m, c in (("simulator", 0.6), ("naive", 0.3), ("ETS", 0.9), ("ARIMA", 0.9))]
    table = skill_table(rows, 2)
    assert [(r["best_baseline"], r["skill_vs_best_baseline"]) for r in table] == [("ETS", 0.5), ("naive", -1.0)]
    assert table[1]["coverage90_naive"] == 0.0 and table[0]["cases"] == 1


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return make_case(tmp_path_factory.mktemp("ew-case"))


@pytest.fixture(scope="module")
def forecast_dir(case, tmp_path_factory):
    out = tmp_path_factory.mktemp("ew") / "fc"
    result = runner.invoke(app, ["forecast", str(case), "--as-of", "2021-09-21", "--weeks", "2", "--out", str(out),
                                 *TINY_FIT])
    assert result.exit_code == 0, result.output
    return out


def test_forecast_writes_weekly_bands_per_country_and_quantity(forecast_dir):
    result = json.loads((forecast_dir / "forecast.json").read_text())
    assert result["as_of"] == "2021-09-21" and result["posterior_until"] == "2021-09-21"
    # AA × (attempts, turn-backs, people in the zone) × 2 weeks, starting the day after as-of
    with (forecast_dir / "forecast.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 and {r["week_start"] for r in rows} == {"2021-09-22", "2021-09-29"}
    for r in rows:
        assert float(r["q05"]) <= float(r["q50"]) <= float(r["q95"])
    # baselines forecast the observed flows (attempts and turn-backs of AA)
    assert {(r["metric"], r["baseline"]) for r in result["baselines"]} >= {("new_attempts", "naive"),
                                                                          ("new_turnbacks", "naive")}
    assert (forecast_dir / "forecast" / "quantiles.parquet").is_file()


@pytest.mark.parametrize("args, needle", [
    (["--as-of", "2021-10-10"], "after the last observed figure"),
    (["--as-of", "2021-09-21", "--weeks", "0"], "at least 1 week"),
    (["--as-of", "2021-10-01", "--weeks", "6"], "run past the scenario's end"),
    (["--as-of", "21.09.2021"], "not a date"),
])
def test_forecast_bad_input_exits_2(case, tmp_path, args, needle):
    result = runner.invoke(app, ["forecast", str(case), "--out", str(tmp_path / "fc"), *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output


def test_forecast_refuses_a_posterior_fitted_after_as_of(case, forecast_dir, tmp_path):
    result = runner.invoke(app, ["forecast", str(case), "--as-of", "2021-09-14", "--weeks", "2", "--out", str(tmp_path / "fc"),
                                 "--posterior", str(forecast_dir / "posterior"), "--no-plots"])
    assert result.exit_code == 2, result.output
    assert "after --as-of 2021-09-14" in result.output


def test_optuna_fallback_is_labelled_and_fits_only_known_figures(case, tmp_path):
    out = tmp_path / "fc"
    result = runner.invoke(app, ["forecast", str(case), "--as-of", "2021-09-14", "--weeks", "1", "--out", str(out),
                                 "--method", "optuna", "--trials", "6", "--runs", "3", "--no-plots"])
    assert result.exit_code == 0, result.output
    desc = json.loads((out / "posterior" / "posterior.json").read_text())
    assert desc["method"].startswith("optuna-top-trials (fallback") and desc["until"] == "2021-09-14"
    assert desc["result"]["kept_trials"] == 5          # at least five of the six trials are kept
    assert desc["result"]["training_figures"] == 2 * 14   # 1–14 Sep, two daily series: nothing later
