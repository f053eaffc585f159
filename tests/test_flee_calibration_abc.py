"""`borderlab calibrate FLEE_FOLDER --until DAY --method abc`: the camp figures, the posterior
and the forecast report."""

from __future__ import annotations

import json
import math

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.flee.calibration_abc import _level, latent
from borderlab.flee.calibration_params import free_flee_params
from borderlab.flee.calibration_trials import FleeCase
from borderlab.flee.camp_figures import camp_figures
from borderlab.flee.settings import parse_simsetting
from borderlab.forecast.abc_smc import to_range
from flee_case import settings_with, write_case

runner = CliRunner()

# A (conflict) — B (town) — C (camp); UNHCR reports C on days 0, 3 … 14 and 23
DAYS = 24
DAY = 12
TOTAL = {0: 0, **{d: 20 * d for d in range(1, 13)}, 23: 240}
CAMP = {0: 0, **{d: 20 * (d - 2) for d in range(3, 15)}, 23: 240}
FILES = ("posterior.parquet", "posterior.json", "abc.db", "simsetting.yml", "fit_report.json", "fit_report.md",
         "forecast.parquet")


def case(root, camp=CAMP, corrections=None):
    return write_case(root, days=DAYS, total=TOTAL, camps={"C": camp}, corrections=corrections,
                      settings=settings_with(default_movechance=0.1))


def _abc(folder, out, *extra):
    return runner.invoke(app, ["calibrate", str(folder), "--until", str(DAY), "--method", "abc", "--out", str(out),
                               "--only", "move_rules.default_movechance", "--only", "move_rules.awareness_level",
                               "--population", "8", "--generations", "2", "--max-simulations", "60",
                               "--forecast-runs", "4", "--no-plots", *extra])


def test_figures_are_the_camp_reports_up_to_day_with_their_noise(tmp_path):
    figs = camp_figures(FleeCase(case(tmp_path)), ["C"], DAY, 0.3)
    assert [f.day for f in figs] == [0, *range(3, DAY + 1)]            # no interpolated days, nothing after DAY
    assert [f.value for f in figs] == [CAMP[d] for d in [0, *range(3, DAY + 1)]]
    f20 = next(f for f in figs if f.value == 20)                        # "20": rounded to 10 → σ = 10/√12 ÷ 21
    assert f20.parts == pytest.approx({"report": 0.05, "rounding": 10 / math.sqrt(12) / 21, "model": 0.3})
    assert f20.sd == pytest.approx(math.sqrt(0.05 ** 2 + (10 / math.sqrt(12) / 21) ** 2 + 0.3 ** 2))
    f_exact = next(f for f in figs if f.value == 0)
    assert f_exact.sd == pytest.approx(math.hypot(0.05, 0.3))


def test_a_registration_correction_after_day_is_not_applied(tmp_path):
    # a correction on day 14 rescales the earlier rows by 240 / 220: a figure from after DAY = 12
    folder = case(tmp_path, corrections=["C,2020-01-15"])
    c = FleeCase(folder)
    before = {f.day: f.value for f in camp_figures(c, ["C"], DAY, 0.3)}
    assert before[5] == CAMP[5]
    after = {f.day: f.value for f in camp_figures(c, ["C"], 14, 0.3)}
    assert after[5] == pytest.approx(CAMP[5] * 240 / 220) and after[14] == CAMP[14]


def test_integer_setting_levels_have_equal_prior_mass(tmp_path):
    sc = FleeCase(case(tmp_path)).scenario
    (aw,) = free_flee_params(sc, ["move_rules.awareness_level"])
    lat = latent(aw)
    assert (lat.low, lat.high) == (0.5, 3.5)
    # logistic z → uniform u → latent → level: each third of u is one level
    levels = [_level(to_range(math.log(u / (1 - u)), lat.low, lat.high, lat.log), aw.low, aw.high)
              for u in (0.01, 0.32, 0.34, 0.65, 0.67, 0.99)]
    assert levels == [1, 1, 2, 2, 3, 3]
    assert _level(3.5, 1, 3) == 3 and _level(0.5, 1, 3) == 1


def test_abc_runs_end_to_end_and_writes_every_file(tmp_path):
    folder = case(tmp_path / "case")
    res = _abc(folder, tmp_path / "cal")
    assert res.exit_code == 0, res.output
    out = tmp_path / "cal"
    for name in FILES:
        assert (out / name).is_file(), name
    report = json.loads((out / "fit_report.json").read_text())
    post = report["posterior"]
    assert report["method"] == "abc" and report["until_day"] == DAY
    assert post["simulations_run"] >= post["simulations"] >= 8 and post["temperatures"] and post["temperatures"][-1] >= 1
    assert post["reached_1"] == (post["temperatures"][-1] == 1)
    assert report["forecast"]["settings_sets"] == 2 and report["forecast"]["seeds_per_set"] == 2
    table = pq.read_table(out / "posterior.parquet").to_pydict()
    assert set(table) == {"move_rules.default_movechance", "move_rules.awareness_level", "weight"}
    assert all(0.1 <= x <= 1.0 for x in table["move_rules.default_movechance"])
    assert set(table["move_rules.awareness_level"]) <= {1.0, 2.0, 3.0}
    assert sum(table["weight"]) == pytest.approx(1.0)
    desc = json.loads((out / "posterior.json").read_text())
    assert desc["until_day"] == DAY and {f["day"] for f in desc["figures"]} == {0, *range(3, DAY + 1)}
    # simsetting.yml holds the medians, awareness as a whole level
    medians = {s["path"]: s["median"] for s in post["summary"]}
    back = parse_simsetting(yaml.safe_load((out / "simsetting.yml").read_text()), "simsetting.yml").settings
    assert back.move_rules.default_movechance == pytest.approx(medians["move_rules.default_movechance"])
    assert back.move_rules.awareness_level == medians["move_rules.awareness_level"]
    assert "posterior draws" in (out / "fit_report.md").read_text()
    # a rerun reuses the stored posterior; other settings in the same folder are refused
    res = _abc(folder, out)
    assert res.exit_code == 0 and json.loads((out / "fit_report.json").read_text())["posterior"]["reused"]
    res = _abc(folder, out, "--discrepancy", "0.5")
    assert res.exit_code == 2 and "other settings (discrepancy" in res.output


def test_posterior_ignores_reports_after_day(tmp_path):
    """Same seed, one worker: a changed report after DAY gives the same posterior, a changed one before it does not."""
    later = {**CAMP, 23: 900}
    earlier = {**CAMP, 6: 200}
    tables = {}
    for name, camp in (("as_is", CAMP), ("later", later), ("earlier", earlier)):
        res = _abc(case(tmp_path / name, camp), tmp_path / f"cal-{name}", "--forecast-runs", "1")
        assert res.exit_code == 0, res.output
        tables[name] = pq.read_table(tmp_path / f"cal-{name}" / "posterior.parquet").to_pydict()
    assert tables["later"] == tables["as_is"]
    assert tables["earlier"] != tables["as_is"]


def test_bad_input_is_refused_with_a_clear_message(tmp_path):
    folder = case(tmp_path / "case")
    for extra, message in ((["--population", "1"], "--population: 1 is below 2"),
                           (["--max-simulations", "3"], "below the population"),
                           (["--discrepancy", "-1"], "--discrepancy")):
        res = _abc(folder, tmp_path / "cal", *extra)
        assert res.exit_code == 2 and message in res.output, res.output
        assert not (tmp_path / "cal").exists()
    late = case(tmp_path / "late", camp={20: 100, 23: 240})          # C first reported on day 20
    res = _abc(late, tmp_path / "cal")
    assert res.exit_code == 2 and "no camp has a UNHCR report dated day 0 … 12" in res.output, res.output
