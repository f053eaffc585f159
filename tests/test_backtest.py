"""Rolling-origin backtest: which figures an origin is scored on, the weekly origins, bad
requests (exit 2), and a tiny end-to-end backtest that resumes without recomputing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from borderlab.analysis.observations import Observation
from borderlab.cli import app
from borderlab.forecast.backtest import in_horizon, parse_origins, weekly_origins
from borderlab.errors import ScenarioError
from forecast_case import LAST_FIGURE, TINY_FIT, make_case

runner = CliRunner()
D = dt.date.fromisoformat


def _obs(start, end):
    return Observation("x", "PL", "attempts_illegal_crossing_monthly", D(start), D(end), 1.0, "", "train", "", "", "")


def test_figures_in_the_horizon():
    origin = D("2021-07-31")
    assert in_horizon(_obs("2021-08-01", "2021-08-31"), origin, 30)       # 30 of 31 days inside, ends a day late
    assert in_horizon(_obs("2021-08-18", "2021-08-18"), origin, 30)       # a day inside
    assert not in_horizon(_obs("2021-07-01", "2021-07-31"), origin, 30)   # known at the origin
    assert not in_horizon(_obs("2021-07-20", "2021-08-05"), origin, 30)   # mostly before the origin (5 of 17 days)
    assert not in_horizon(_obs("2021-08-01", "2021-09-30"), origin, 30)   # mostly after the horizon
    assert not in_horizon(_obs("2021-09-01", "2021-09-07"), origin, 30)   # ends more than a week after it


def test_origins_are_parsed_sorted_and_checked():
    assert parse_origins("2021-08-31, 2021-07-31,2021-08-31") == [D("2021-07-31"), D("2021-08-31")]
    with pytest.raises(ScenarioError, match="not a date"):
        parse_origins("2021-07-31,31/08/2021")
    with pytest.raises(ScenarioError, match="no dates"):
        parse_origins(" , ")


def test_weekly_origins_run_until_the_next_origin_or_the_data_end():
    assert weekly_origins(D("2021-09-01"), D("2021-09-15"), D("2021-10-31")) == [D("2021-09-01"), D("2021-09-08")]
    # the last origin: weekly while a full week of data is left after it
    assert weekly_origins(D("2021-10-10"), None, D("2021-10-31")) == [D("2021-10-10"), D("2021-10-17"), D("2021-10-24")]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return make_case(tmp_path_factory.mktemp("bt-case"))


@pytest.mark.parametrize("args, needle", [
    (["--origins", "2021-10-10", "--horizon", "7"], "outside the period that can be scored"),   # after the last figure
    (["--origins", "2021-08-01", "--horizon", "7"], "outside the period that can be scored"),   # before the start
    (["--origins", "2021-09-14", "--horizon", "0"], "at least 1 day"),
    (["--origins", "2021-09-14", "--horizon", "60"], "runs past the scenario's end"),
    (["--origins", "2021-09-14", "--runs", "0"], "--runs"),
    (["--origins", "2021-09-14", "--method", "mcmc"], "--method"),
])
def test_bad_requests_exit_2(case, tmp_path, args, needle):
    result = runner.invoke(app, ["backtest", str(case), "--out", str(tmp_path / "bt"), *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "bt").exists()


def test_tiny_backtest_scores_each_origin_and_resumes(case, tmp_path):
    out = tmp_path / "bt"
    args = ["backtest", str(case), "--origins", "2021-09-14,2021-09-21", "--horizon", "7", "--weeks", "2",
            "--out", str(out), *TINY_FIT]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "backtest.json").read_text())
    assert [s["origin"] for s in summary["origins"]] == ["2021-09-14", "2021-09-21"]
    for s in summary["origins"]:
        # 7 days × (turn-backs, attempts) after each origin; 4 posterior runs each
        assert s["figures"] == 14 and s["forecast_runs"] == 4
        assert 0 <= s["coverage_90"] <= 1 and s["simulations"] >= 4
        assert (out / f"origin-{s['origin']}" / "scores.json").is_file()
        assert (out / f"origin-{s['origin']}" / "forecast" / "quantiles.parquet").is_file()
    # weekly cases: origins 14 and 21 Sep (the next origin stops the first); data end 5 Oct
    weekly = [r for r in summary["weekly_skill"]]
    assert [r["horizon_weeks"] for r in weekly] == [1, 2]
    assert all(r["best_baseline"] in ("naive", "ETS", "ARIMA") for r in weekly)
    for name in ("origins.csv", "figures.csv", "weekly.csv", "weekly_skill.csv", "backtest.md"):
        assert (out / name).is_file(), name
    assert LAST_FIGURE.isoformat() == summary["request"]["training_end"]
    # a rerun finds every origin complete and recomputes nothing
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("complete, skipped") == 2
    assert json.loads((out / "backtest.json").read_text())["origins"] == summary["origins"]
