"""Calibration: free parameters, the calibrated YAML, recovery of known parameters on a
toy-border variant from synthetic observations, resuming a study, and exit 2 on bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from borderlab.analysis.observations import load_observations
from borderlab.calibration.calibrated_yaml import substitute
from borderlab.calibration.free_params import as_overrides, find_free_params, select_params, yaml_number
from borderlab.calibration.trials import TrialRunner
from borderlab.cli import app
from borderlab.errors import ScenarioError
from borderlab.runner import run_scenario
from borderlab.scenario.loader import load_scenario
from conftest import BELARUS, load_yaml_data, write_yaml

runner = CliRunner()

# The known parameters the synthetic observations are generated from, and the tolerance
# within which calibration must recover them (relative error).
TRUTH = {"defenders.AA.detection_k": 0.08, "supply.migrant_share": 0.6}
TOLERANCE = 0.10
TRIALS = 60
CUTOFF = "2021-09-21"


# -- free parameters ----------------------------------------------------------------------------
def test_belarus_free_parameters_round_trip_through_overrides():
    loaded = load_scenario(BELARUS)
    params = find_free_params(loaded.scenario)
    assert 4 <= len(params)
    paths = [p.path for p in params]
    assert "defenders.PL.detection_k" in paths and "orchestrator.tactics.4.intensity" in paths
    assert all(p.low <= p.value <= p.high for p in params)
    # every path reaches its own parameter: set each to its range midpoint and read it back
    mid = {p.path: (p.low + p.high) / 2 for p in params}
    back = {p.path: p.value for p in find_free_params(load_scenario(BELARUS, as_overrides(mid)).scenario)}
    assert back == pytest.approx(mid)
    assert select_params(params, ["defenders.*.detection_k"], "x") == [p for p in params if p.path.endswith("detection_k")]
    with pytest.raises(ScenarioError, match="matches no free parameter"):
        select_params(params, ["defenders.XX.*"], "x")
    with pytest.raises(ScenarioError, match="no free parameters"):
        select_params([], None, "toy.yaml")


def test_yaml_number_reads_back_as_a_float():
    for x in (1e-05, 0.5, 3.0, 2.5e12, 1234567.0):
        assert yaml.safe_load(yaml_number(x)) == x
        assert isinstance(yaml.safe_load(yaml_number(x)), float)


def test_substitute_edits_only_the_values_and_keeps_comments():
    text = ("# header\n"
            "a:\n"
            "  k: {value: 3.0, range: [0.3, 6], free: true, source: \"x\"}   # note\n"
            "  block:\n"
            "    value: 0.5\n"
            "    range: [0, 1]\n"
            "items:\n"
            "  - {id: one, p: {value: 1.0, range: [0, 2], free: true}}\n"
            "  - {id: two, p: {value: 1.5, range: [0, 2], free: true, source: \"multi\n"
            "      line\"}}\n")
    out = substitute(text, {"a.k": 4.25, "a.block": 0.75, "items.two.p": 0.125, "items.0.p": 2.0},
                     {"a.k": "calibrated (was 3)", "a.block": "calibrated (was 0.5)"})
    data = yaml.safe_load(out)
    assert data["a"]["k"]["value"] == 4.25 and data["a"]["k"]["range"] == [0.3, 6]
    assert data["a"]["block"]["value"] == 0.75
    assert [i["p"]["value"] for i in data["items"]] == [2.0, 0.125]
    assert data["items"][1]["p"]["source"] == "multi line"
    assert out.startswith("# header\n") and "# note" in out and "# calibrated (was 3)" in out
    with pytest.raises(KeyError):
        substitute(text, {"a.nothing": 1.0})


# -- recovery on a toy-border variant --------------------------------------------------------
def _synthetic(folder: Path) -> Path:
    """toy-border, four weeks, 100 arrivals a day × migrant share, single walkers (one detection
    draw each, so the counts are smooth), pushbacks throughout; detection_k and migrant_share free,
    starting away from the truth. Observations: weekly turn-backs and onward arrivals, the mean of
    three seeds (101–103) that calibration never uses, generated from TRUTH."""
    folder.mkdir(parents=True, exist_ok=True)
    d = load_yaml_data()
    d["end"] = "2021-09-28"
    d["events"] = [e for e in d["events"] if e["type"] != "set_pushback"]
    d["supply"]["routes"][0]["weekly_seats"] = 700
    d["supply"]["migrant_share"] = {"value": 1.0, "range": [0.2, 1.0], "free": True}
    d["defenders"][0]["detection_k"] = {"value": 0.2, "range": [0.01, 0.5], "free": True}
    d["orchestrator"]["tactics"][0]["group_size"] = {"min": 1, "max": 1}
    d["initial_population"] = [{"node": "zone", "count": 600}]
    path = write_yaml(folder / "scenario.yaml", d)  # `observed:` is added once the file exists (checked at load)
    runs = [run_scenario(str(path), seed=s, overrides=as_overrides(TRUTH)) for s in (101, 102, 103)]
    rows = []
    for metric, scope in (("new_turnbacks", "AA"), ("new_onward", "all")):
        y = np.mean([r.results.series(metric, scope) for r in runs], axis=0)
        for w in range(4):
            a = dt.date(2021, 9, 1) + dt.timedelta(days=7 * w)
            rows.append({"id": f"{metric}-{w}", "country": "AA", "metric": f"{metric}_weekly",
                         "period_start": a, "period_end": a + dt.timedelta(days=6),
                         "value": round(float(y[7 * w: 7 * w + 7].sum()), 1), "role": "train",
                         "source_date": "2021-10-01", "model_metric": metric, "model_scope": scope,
                         "aggregation": "sum"})
    with (folder / "observed.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    d["observed"] = "observed.csv"
    return write_yaml(path, d)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return _synthetic(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def calibrated(synthetic, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cal") / "out"
    result = runner.invoke(app, ["calibrate", str(synthetic), "--until", CUTOFF, "--trials", str(TRIALS),
                                 "--out", str(out), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "training score" in result.output and "Traceback" not in result.output
    return out


def test_calibration_recovers_known_parameters(calibrated):
    report = json.loads((calibrated / "fit_report.json").read_text())
    fitted = {p["path"]: p["calibrated"] for p in report["parameters"]}
    assert set(fitted) == set(TRUTH)
    for path, true in TRUTH.items():
        assert abs(fitted[path] - true) / true <= TOLERANCE, (path, fitted[path], true)
    before, after = report["training"]["before"]["score"], report["training"]["after"]["score"]
    assert after < 0.05 < 0.5 < before      # from far off to close
    # only the three weeks up to the cut-off are fitted; the fourth is scored as held out
    assert report["observations"]["training_figures"] == 6
    assert report["forecast"]["held_out"]["figures"] == 2
    # the forecast (seed 1, a seed the truth did not use) stays close out of sample too
    assert report["forecast"]["training_scores_single_seed"]["train"] < 0.1
    assert report["forecast"]["held_out"]["scores"]["train"] < 0.2
    # the calibrated scenario loads and holds exactly the reported values, marked as calibrated
    text = (calibrated / "calibrated.yaml").read_text()
    assert text.startswith("# CALIBRATED by `borderlab calibrate`") and text.count("# calibrated (was") == 2
    loaded = load_scenario(calibrated / "calibrated.yaml")
    assert {p.path: p.value for p in find_free_params(loaded.scenario)} == fitted
    assert (calibrated / "observed.csv").is_file()           # the relative input travels along
    assert (calibrated / "forecast" / "daily.parquet").is_file()
    assert (calibrated / "forecast" / "validation" / "validation.json").is_file()
    assert json.loads((calibrated / "forecast" / "validation" / "validation.json").read_text())["cutoff"] == CUTOFF
    assert "Forecast after the cut-off" in (calibrated / "fit_report.md").read_text()


def test_forecast_ensemble_gives_bands_after_the_cutoff(calibrated):
    """The default forecast is 20 seeds of calibrated.yaml; its bands are quantiles of each
    run's total over the days after the cut-off (22–28 Sep), checked against the run files."""
    report = json.loads((calibrated / "fit_report.json").read_text())
    ens = report["forecast"]["ensemble"]
    assert ens["runs"] == 20 and ens["folder"] == "forecast_ensemble" and ens["held_out_figures"] == 2
    assert [row["month"] for row in ens["monthly"]] == ["2021-09 (from 2021-09-22)"]
    row = ens["monthly"][0]
    assert list(row) == ["month", "new_attempts@AA", "new_detentions@all", "new_onward@all", "new_deaths@all"]
    totals = duckdb.sql(f"""SELECT run_id, sum(value) AS v FROM read_parquet('{calibrated}/forecast_ensemble/runs/*.parquet')
                            WHERE metric = 'new_onward' AND scope = 'all' AND date > DATE '{CUTOFF}' GROUP BY run_id""").fetchnumpy()["v"]
    assert totals.size == 20 and totals.std() > 0          # seeds differ
    q05, q50, q95 = row["new_onward@all"]
    assert q50 == pytest.approx(np.median(totals), abs=0.05)
    assert q05 == pytest.approx(np.quantile(totals, 0.05), abs=0.05) and q95 == pytest.approx(np.quantile(totals, 0.95), abs=0.05)
    assert (calibrated / "forecast_ensemble" / "quantiles.parquet").is_file()
    assert json.loads((calibrated / "forecast_ensemble" / "validation" / "validation.json").read_text())["cutoff"] == CUTOFF
    md = (calibrated / "fit_report.md").read_text()
    assert "With uncertainty: 20 seeds" in md and f"{q50:,.0f} [{q05:,.0f}, {q95:,.0f}]" in md


def test_resuming_adds_trials_to_the_same_study(calibrated):
    result = runner.invoke(app, ["calibrate", str(_scenario_of(calibrated)), "--until", CUTOFF, "--trials", "3",
                                 "--out", str(calibrated), "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((calibrated / "fit_report.json").read_text())
    assert report["trials"]["total"] == TRIALS + 3 and report["trials"]["this_run"] == 3
    assert [h["number"] for h in report["history"]] == list(range(TRIALS + 3))
    # a different objective is refused rather than mixed into the study
    result = runner.invoke(app, ["calibrate", str(_scenario_of(calibrated)), "--until", "2021-09-14",
                                 "--trials", "1", "--out", str(calibrated), "-q"])
    assert result.exit_code == 2 and "different settings (until" in result.output


def _scenario_of(out: Path) -> Path:
    report = json.loads((out / "fit_report.json").read_text())
    return Path(report["scenario_file"])


def test_figures_after_the_cutoff_do_not_enter_the_objective(synthetic, tmp_path):
    loaded = load_scenario(synthetic)
    obs = load_observations(synthetic.parent / "observed.csv")
    changed = load_observations(synthetic.parent / "observed.csv")
    for o in changed:
        if o.end > dt.date.fromisoformat(CUTOFF):
            o.value *= 10          # wildly wrong held-out figures
    a = TrialRunner(loaded, dt.date.fromisoformat(CUTOFF), [1], obs)
    b = TrialRunner(loaded, dt.date.fromisoformat(CUTOFF), [1], changed)
    assert all(o.end <= dt.date.fromisoformat(CUTOFF) for o in b.training)
    assert len(b.training) == 6
    assert a.evaluate(TRUTH).score == b.evaluate(TRUTH).score
    # trials are reproducible: same values, same seeds → same score
    assert a.evaluate(TRUTH).score == TrialRunner(loaded, dt.date.fromisoformat(CUTOFF), [1], obs).evaluate(TRUTH).score


@pytest.mark.parametrize("args, needle", [
    (["toy-border", "--until", "2021-09-10"], "no free parameters"),
    (["SYN", "--until", "2022-01-01"], "lies outside the scenario"),
    (["SYN", "--until", "2021-09-03"], "no observed outcome on or before 2021-09-03"),
    (["SYN", "--until", "31/10/2021"], "is not a date"),
    (["SYN", "--until", CUTOFF, "--only", "onward.*"], "matches no free parameter"),
    (["SYN", "--until", CUTOFF, "--out", "FILE"], "is a file, not a folder"),
    (["SYN", "--until", CUTOFF, "--out", "FULL"], "not written by borderlab"),
    (["SYN", "--until", CUTOFF, "--forecast-runs", "-1"], "--forecast-runs"),
])
def test_calibrate_bad_input_exits_2(args, needle, synthetic, tmp_path):
    args = [str(synthetic) if a == "SYN" else a for a in args]
    if "--out" in args:
        (tmp_path / "file").write_text("x")
        (tmp_path / "full").mkdir()
        (tmp_path / "full" / "notes.txt").write_text("keep me")
        args = [str(tmp_path / "file") if a == "FILE" else str(tmp_path / "full") if a == "FULL" else a for a in args]
    else:
        args += ["--out", str(tmp_path / "o")]
    result = runner.invoke(app, ["calibrate", *args, "--trials", "1", "-q"])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
