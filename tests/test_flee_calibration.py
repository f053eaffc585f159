"""`borderlab calibrate FLEE_FOLDER --until DAY`: fitted settings, objective, forecast report."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import ScenarioError
from borderlab.flee.calibration import parse_until
from borderlab.flee.calibration_forecast import run_errors
from borderlab.flee.calibration_params import (DECAY_POWER, FLEE_PARAMS, distance_penalty, free_flee_params,
                                               settings_with)
from borderlab.flee.calibration_trials import CaseRun
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
    e = run_errors(CaseRun(sim, data, raw), day=1)
    assert e["training"] == pytest.approx((0 + 10 / 20) / 2)
    assert e["after"] == pytest.approx((20 / 20 + 10 / 40) / 2)
    assert e["camps_after"] == pytest.approx([(10 / 20 + 0) / 2, (10 / 20 + 10 / 40) / 2])
    assert e["camps_after"].sum() == pytest.approx(e["after"])


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


def test_flee_calibration_refuses_abc_observed_and_a_day_outside_the_period(tmp_path):
    folder = slow_town_case(tmp_path / "case")
    base = ["calibrate", str(folder), "--trials", "1", "--out", str(tmp_path / "cal")]
    for extra, message in ((["--until", "12", "--method", "abc"], "not available for Flee folders"),
                           (["--until", "12", "--observed", str(folder / "simsetting.yml")], "own UNHCR camp series"),
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
