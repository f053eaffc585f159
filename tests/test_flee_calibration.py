"""`borderlab calibrate FLEE_FOLDER --until DAY`: fitted settings, objective, forecast report."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import ScenarioError
from types import SimpleNamespace

from borderlab.flee.calibration import _score, parse_holdout, parse_until, selection
from borderlab.flee.calibration_forecast import run_errors
from borderlab.flee.calibration_params import (DECAY_POWER, FLEE_PARAMS, distance_penalty, free_flee_params,
                                               settings_with)
from borderlab.flee.calibration_trials import CaseRun, case_for, training_errors
from borderlab.flee.scenario_file import load_flee
from borderlab.flee.settings import parse_simsetting
from flee_case import SETTINGS, settings_with as case_settings, write_case

runner = CliRunner()

# a line A (conflict) — B (town) — C (camp): the UNHCR series put everyone in C within days,
# so a town that keeps people (default_movechance 0.1) fits badly and one that lets them go fits well
DAYS = 24
TOTAL = {0: 0, **{d: 20 * d for d in range(1, 13)}, 23: 240}
CAMP = {0: 0, **{d: 20 * (d - 2) for d in range(3, 15)}, 23: 240}


def slow_town_case(root):
    return write_case(root, days=DAYS, total=TOTAL, camps={"C": CAMP}, settings=case_settings(default_movechance=0.1))


def test_only_settings_that_can_matter_are_fitted(tmp_path):
    sc = load_flee(write_case(tmp_path / "a")).scenario
    names = [p.path for p in free_flee_params(sc)]
    assert "move_rules.idpcamp_movechance" not in names          # no IDP camp
    assert DECAY_POWER not in names                               # no conflict_spawn_decay list
    assert "move_rules.max_walk_speed" not in names               # nobody walks
    assert "move_rules.camp_weight" in names and "move_rules.awareness_level" in names
    walking = case_settings(start_on_foot=True)
    walking["spawn_rules"]["conflict_spawn_decay"] = [1.0, 0.5]
    sc = load_flee(write_case(tmp_path / "b", settings=walking)).scenario
    names = [p.path for p in free_flee_params(sc)]
    assert "move_rules.max_walk_speed" in names and DECAY_POWER in names
    sc = load_flee(write_case(tmp_path / "c", settings=case_settings(use_v1_rules=True))).scenario
    names = [p.path for p in free_flee_params(sc)]
    assert not {"move_rules.camp_weight", "move_rules.conflict_weight", "move_rules.max_move_speed"} & set(names)


def test_every_parameter_names_the_source_of_its_range():
    for p in FLEE_PARAMS:
        assert p.low < p.high, p.path
        assert "flee docs/" in p.source or "borderlab's" in p.source, p.path


def test_range_is_widened_to_hold_the_shipped_value_and_only_filters(tmp_path):
    sc = load_flee(write_case(tmp_path / "a", settings=case_settings(camp_weight=20.0))).scenario
    camp_weight = {p.path: p for p in free_flee_params(sc)}["move_rules.camp_weight"]
    assert (camp_weight.low, camp_weight.high) == (1.0, 20.0)
    assert [p.path for p in free_flee_params(sc, ["*movechance"])] == [
        "move_rules.conflict_movechance", "move_rules.default_movechance", "move_rules.camp_movechance"]
    with pytest.raises(ScenarioError, match="no fitted Flee setting matches"):
        free_flee_params(sc, ["nothing.*"])


def test_settings_with_applies_decay_power_and_whole_awareness(tmp_path):
    s = case_settings()
    s["spawn_rules"]["conflict_spawn_decay"] = [1.0, 0.5, 0.1]
    sc = load_flee(write_case(tmp_path, settings=s)).scenario
    got = settings_with(sc, {DECAY_POWER: 2.0, "move_rules.awareness_level": 2.4, "move_rules.camp_weight": 3.0})
    assert got.spawn_rules.conflict_spawn_decay == pytest.approx([1.0, 0.25, 0.01])
    assert got.move_rules.awareness_level == 2 and got.move_rules.camp_weight == 3.0
    assert settings_with(sc, {DECAY_POWER: 0.0}).spawn_rules.conflict_spawn_decay == [1.0, 1.0, 1.0]


def test_penalty_is_zero_at_the_shipped_settings_and_one_at_the_far_corner(tmp_path):
    sc = load_flee(write_case(tmp_path)).scenario
    params = free_flee_params(sc, ["move_rules.default_movechance", "move_rules.camp_weight"])
    shipped = {"move_rules.default_movechance": 0.1, "move_rules.camp_weight": 1.0}
    assert distance_penalty(params, shipped, shipped) == 0.0
    assert distance_penalty(params, {"move_rules.default_movechance": 1.0, "move_rules.camp_weight": 10.0}, shipped) == pytest.approx(1.0)
    # half-way on the log scale of camp_weight (√10), default_movechance unchanged: 0.5² / 2
    assert distance_penalty(params, {"move_rules.default_movechance": 0.1, "move_rules.camp_weight": 10 ** 0.5}, shipped) == pytest.approx(0.125)


def test_until_is_a_day_or_a_date_inside_the_period(tmp_path):
    sc = load_flee(write_case(tmp_path, days=10)).scenario
    assert parse_until("4", sc) == 4
    assert parse_until("2020-01-05", sc) == 4
    for bad, message in (("9", "outside 1 … 8"), ("0", "outside"), ("soon", "neither a day number nor a date")):
        with pytest.raises(ScenarioError, match=message):
            parse_until(bad, sc)


def test_run_errors_split_flee_total_error_by_window_and_camp():
    sim = np.array([[0, 0], [10, 0], [10, 10], [20, 20]])
    data = np.array([[0, 0], [10, 10], [20, 0], [20, 10]])
    raw = np.array([0, 20, 20, 40])
    e = run_errors(CaseRun(sim, data, raw, ["C", "D"]), day=1)
    assert e["training"] == pytest.approx((0 + 10 / 20) / 2)
    assert e["after"] == pytest.approx((20 / 20 + 10 / 40) / 2)
    assert e["camps_after"] == pytest.approx([(10 / 20 + 0) / 2, (10 / 20 + 10 / 40) / 2])
    assert e["camps_after"].sum() == pytest.approx(e["after"])


def test_run_errors_score_the_training_window_against_the_series_as_reported_by_day():
    sim = np.array([[0, 0], [10, 0], [10, 10], [20, 20]])
    data = np.array([[0, 0], [10, 10], [20, 0], [20, 10]])
    raw = np.array([0, 20, 20, 40])
    reported = np.array([[0, np.nan], [12, np.nan]])     # camp D not reported by day 1; C revised later
    e = run_errors(CaseRun(sim, data, raw, ["C", "D"]), day=1, reported=reported)
    assert e["training"] == pytest.approx((0 + 2 / 20) / 2)
    assert e["after"] == pytest.approx((20 / 20 + 10 / 40) / 2)      # after DAY: the final series, as Flee


def test_training_target_is_the_series_as_reported_by_day(tmp_path):
    """Reports and registration corrections dated after DAY cannot reach the fit."""
    from borderlab.flee.validation import as_run_input, reported_by, reported_daily

    camp = {0: 10, 3: 20, 9: 140, 15: 240, 23: 240}
    folder = write_case(tmp_path / "a", days=DAYS, total=TOTAL, camps={"C": camp, "D": {14: 5, 23: 5}},
                        corrections=["C,2020-01-16"], settings=case_settings(default_movechance=0.1))
    loaded = load_flee(folder)
    tables = reported_by(loaded.scenario, loaded.base_dir, loaded.locate, 12)
    daily = reported_daily(tables, ["C", "D"], 13)
    # rows up to day 12 only, no correction (it is dated day 15): days 10 … 12 keep the day-9 report
    # instead of leaning on day 15's; D has no report by day 12
    assert daily[:, 0].tolist() == [10, 13, 16, 20, 40, 60, 80, 100, 120, 140, 140, 140, 140]
    assert np.isnan(daily[:, 1]).all()
    assert as_run_input(tables).daily("D", 13).tolist() == [0] * 13      # a run places and spawns nobody there
    source = str(folder.resolve())
    values = {"move_rules.default_movechance": 0.1}
    before = training_errors(source, values, [0], 12)
    assert np.isfinite(before).all()
    # a training run starts from the day-0 report as it stood (10), not as the later correction
    # rescaled it (10 × 240 / 140 → 17)
    case = case_for(source)
    assert case.run(values, 0).data_camp[0].tolist() == [17]
    assert case.run(values, 0, as_of=12).data_camp[0].tolist() == [10]
    # the same folder with every report after day 12 changed, and the correction removed: the same target
    later = write_case(tmp_path / "b", days=DAYS, total=TOTAL, camps={"C": {**camp, 15: 999, 23: 50}, "D": {14: 900, 23: 1}},
                       settings=case_settings(default_movechance=0.1))
    assert training_errors(str(later.resolve()), values, [0], 12) == pytest.approx(before)
    # a report before day 12 changed: another target
    earlier = write_case(tmp_path / "c", days=DAYS, total=TOTAL, camps={"C": {**camp, 9: 100}, "D": {14: 5, 23: 5}},
                         corrections=["C,2020-01-16"], settings=case_settings(default_movechance=0.1))
    assert not np.allclose(training_errors(str(earlier.resolve()), values, [0], 12), before)


def _calibrate(folder, out, *extra):
    return runner.invoke(app, ["calibrate", str(folder), "--until", "12", "--trials", "12", "--out", str(out),
                               "--only", "move_rules.default_movechance", "--seeds", "1", "--forecast-runs", "2",
                               "--no-plots", *extra])


def test_calibration_frees_the_slow_town_and_beats_the_shipped_settings_after_day(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    res = _calibrate(folder, tmp_path / "cal")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "cal" / "fit_report.json").read_text())
    (p,) = report["params"]
    assert p["shipped"] == 0.1 and p["fitted"] > 0.3
    ard = report["ard"]
    assert ard["calibrated"]["training"]["mean"] < ard["shipped"]["training"]["mean"]
    assert ard["calibrated"]["after"]["mean"] < ard["shipped"]["after"]["mean"]
    assert report["after_improvement"] > 0 and report["until_day"] == 12 and report["forecast_days"] == DAYS - 13
    assert [c["camp"] for c in report["camps_after"]] == ["C"]
    md = (tmp_path / "cal" / "fit_report.md").read_text()
    assert "| calibrated |" in md and "after DAY" in md
    # the calibrated simsetting.yml reads back to the fitted value, everything else as shipped
    written = yaml.safe_load((tmp_path / "cal" / "simsetting.yml").read_text())
    back = parse_simsetting(written, "simsetting.yml").settings
    assert back.move_rules.default_movechance == pytest.approx(p["fitted"])
    assert back.move_rules.camp_weight == SETTINGS["move_rules"]["camp_weight"]
    # the forecast table: both settings' bands for every day
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "cal" / "forecast.parquet")
    assert table.num_rows == 2 * DAYS and set(table.column("arm").to_pylist()) == {"shipped", "calibrated"}


def test_calibration_resumes_is_reproducible_and_refuses_other_settings(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    assert _calibrate(folder, tmp_path / "one").exit_code == 0
    assert _calibrate(folder, tmp_path / "two").exit_code == 0
    one = json.loads((tmp_path / "one" / "fit_report.json").read_text())
    two = json.loads((tmp_path / "two" / "fit_report.json").read_text())
    assert one["params"] == two["params"] and one["ard"] == two["ard"]
    res = runner.invoke(app, ["calibrate", str(folder), "--until", "12", "--trials", "2", "--out", str(tmp_path / "one"),
                              "--only", "move_rules.default_movechance", "--seeds", "1", "--forecast-runs", "2", "--no-plots"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "one" / "fit_report.json").read_text())["trials"]["in_study"] == 14
    res = runner.invoke(app, ["calibrate", str(folder), "--until", "10", "--trials", "2", "--out", str(tmp_path / "one"),
                              "--only", "move_rules.default_movechance", "--seeds", "1", "--no-plots"])
    assert res.exit_code == 2 and "different settings" in res.output


def test_flee_calibration_refuses_observed_and_a_day_outside_the_period(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    base = ["calibrate", str(folder), "--trials", "1", "--out", str(tmp_path / "cal")]
    for extra, message in ((["--until", "12", "--observed", str(folder / "simsetting.yml")], "own UNHCR camp series"),
                           (["--until", "12", "--method", "abc", "--observed", str(folder / "simsetting.yml")],
                            "own UNHCR camp series"),
                           (["--until", "40"], "outside 1 … 22")):
        res = runner.invoke(app, base + extra)
        assert res.exit_code == 2 and message in res.output, res.output


def test_trials_run_in_batches_on_dask_workers(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    res = _calibrate(folder, tmp_path / "cal", "--workers", "2", "--trials", "4")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "cal" / "fit_report.json").read_text())
    assert report["trials"]["in_study"] == 4 and report["trials"]["workers"] == 2
    assert report["ard"]["calibrated"]["training"]["mean"] <= report["ard"]["shipped"]["training"]["mean"]


def _trial(number, objective, held):
    return SimpleNamespace(number=number, value=objective, user_attrs={"validation_ard": held})


def test_selection_picks_the_best_held_out_error_among_the_best_tenth_and_the_shipped_settings():
    # 30 trials: objective = number / 100 (trial 1 fits best), held-out error falls with the number
    trials = [_trial(n, 1.0 if n == 0 else n / 100, 2.0 if n == 0 else 1.0 - n / 100) for n in range(30)]
    ranked, score = selection(trials, holdout=5)
    # candidates: the best max(5, ⌈10 % of 30⌉) = 5 by objective (trials 1–5) and trial 0
    assert sorted(t.number for t in ranked) == [0, 1, 2, 3, 4, 5]
    assert [t.number for t in ranked][:2] == [5, 4] and score(ranked[0]) == pytest.approx(0.95)
    # trial 25 forecasts the held-out days best but fits poorly: it is not a candidate
    assert 25 not in {t.number for t in ranked}
    # the shipped settings win when they forecast the held-out days best …
    trials[0].user_attrs["validation_ard"] = 0.1
    assert selection(trials, holdout=5)[0][0].number == 0
    # … and when the best candidate's gain over them is under 25 % (chosen from 0.95 ÷ 0.75 ≈ 1.267 up)
    trials[0].user_attrs["validation_ard"] = 1.18
    ranked, _ = selection(trials, holdout=5)
    assert [t.number for t in ranked][:2] == [0, 5]
    trials[0].user_attrs["validation_ard"] = 1.3          # a 27 % gain: the candidate is chosen
    assert selection(trials, holdout=5)[0][0].number == 5
    # without a holdout: every trial, by objective
    ranked, score = selection(trials, holdout=0)
    assert [t.number for t in ranked][:3] == [1, 2, 3] and len(ranked) == 30 and score(ranked[0]) == 0.01


def test_holdout_defaults_to_a_third_of_the_window_and_is_bounded():
    assert parse_holdout(None, 12) == 4 and parse_holdout(None, 150) == 50 and parse_holdout(0, 12) == 0
    assert parse_holdout(11, 12) == 11
    for bad in (-1, 12):
        with pytest.raises(ScenarioError, match="--holdout"):
            parse_holdout(bad, 12)


def test_trial_score_splits_the_training_window_into_fit_and_held_out_days(tmp_path):
    source = str(slow_town_case(tmp_path / "case").resolve())
    values = {"move_rules.default_movechance": 0.1}
    daily = training_errors(source, values, [0, 1], 12)
    assert daily.shape == (2, 13)
    (fit, held, whole), _ = _score(source, values, [0, 1], 12, 4)
    mean = daily.mean(axis=0)
    assert fit == pytest.approx(mean[:9].mean()) and held == pytest.approx(mean[9:].mean())
    assert whole == pytest.approx(mean.mean())
    (fit0, held0, whole0), _ = _score(source, values, [0, 1], 12, 0)
    assert held0 is None and fit0 == pytest.approx(whole0) == pytest.approx(whole)
    # a run stopped after DAY reads nothing later: the same errors as the first days of a full run
    full = case_for(source).run(values, 0).total_error
    assert daily[0] == pytest.approx(full[:13])


def test_report_says_which_days_were_held_out_and_refuses_a_holdout_too_long(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    res = _calibrate(folder, tmp_path / "cal", "--holdout", "3")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "cal" / "fit_report.json").read_text())
    sel = report["selection"]
    assert sel["holdout_days"] == 3 and sel["held_out"] == [10, 12]
    assert sel["candidates"] == 6          # the best 5 of 12 by objective, and the shipped trial (it fits worst here)
    assert "days 0 … 9" in report["objective"]["what"]
    assert report["trials"]["best"]["validation_ard"] is not None
    assert "held out of the objective" in (tmp_path / "cal" / "fit_report.md").read_text()
    res = _calibrate(folder, tmp_path / "bad", "--holdout", "12")
    assert res.exit_code == 2 and "--holdout" in res.output and "Traceback" not in res.output
