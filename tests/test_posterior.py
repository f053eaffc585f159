"""Posterior calibration (issue 8 §1): the observation noise model on hand-checkable figures,
ABC-SMC posteriors on the SBC toy (determinism by seed, draws inside the prior, coverage of
the truth), `calibrate --method abc`, `ensemble --posterior`, and exit 2 on a bad CAL_DIR.

The full simulation-based calibration check (≥ 50 replicates) is benchmarks/sbc_check.py;
here two replicates keep the suite fast, with a binomial tolerance (below)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.analysis.observations import load_observations
from borderlab.cli import app
from borderlab.errors import BorderlabError
from borderlab.forecast.observation_model import QUALIFIER_SD, REPORT_SD, figure_noise, range_sd, rounding_unit
from borderlab.forecast.posterior import fit_posterior, load_posterior
from borderlab.forecast.sbc import FREE, TOY_END, coverage, run_replicate, synthetic_observations, write_toy
from conftest import BELARUS_PATH

runner = CliRunner()
POPULATION, GENERATIONS = 12, 2


# -- the observation noise model ------------------------------------------------------------------
def test_rounding_units_follow_trailing_zeros():
    assert [rounding_unit(v) for v in (17447, 960, 3500, 200, 10000, 36, 7.5, 0)] == [1, 10, 500, 100, 5000, 1, 1, 1]


def test_stated_range_is_read_as_log_uniform():
    assert range_sd("range 10,000-15,000; value = midpoint") == pytest.approx(math.log(1.5) / math.sqrt(12))
    assert range_sd("no range here") == 0.0 and range_sd("dates 1-2 Aug") == 0.0


def test_belarus_figures_widen_with_rounding_qualifiers_and_conflicts():
    rows = load_observations(BELARUS_PATH.parent / "inputs" / "observed.csv")
    noise = {f.key: f for f in figure_noise(rows, None, discrepancy=0.3)}
    # Poland's October attempts: four reports (17,300 / 17,500 / 17,400 / 17,447); the final one is kept
    october = noise["B21-0009"]
    logs = np.log(np.array([17300, 17500, 17400, 17447]) + 1.0)
    assert october.obs.value == 17447 and october.parts["conflict"] == pytest.approx(np.std(logs))
    assert october.parts["rounding"] == 0 and october.parts["qualifier"] == 0
    assert october.sd == pytest.approx(math.sqrt(REPORT_SD ** 2 + np.std(logs) ** 2 + 0.3 ** 2))
    # July: "approximate (0.2 thousand)" → rounded to 100 and qualified
    july = noise["B21-0001"]
    assert july.parts["rounding"] == pytest.approx(100 / math.sqrt(12) / 201) and july.parts["qualifier"] == QUALIFIER_SD
    # the 10,000–15,000 estimate of people in Belarus carries its range
    assert noise["B21-0242"].parts["range"] == pytest.approx(math.log(1.5) / math.sqrt(12))
    assert all(f.sd >= math.hypot(REPORT_SD, 0.3) for f in noise.values())


# -- posteriors on the SBC toy --------------------------------------------------------------------
@pytest.fixture(scope="module")
def replicates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sbc")
    return folder, [run_replicate(i, folder, seed=7, population=POPULATION, generations=GENERATIONS) for i in range(2)]


def test_posterior_is_reproducible_and_inside_the_prior(replicates, tmp_path):
    folder, reps = replicates
    again = run_replicate(0, tmp_path, seed=7, population=POPULATION, generations=GENERATIONS)
    assert again.intervals == reps[0].intervals and again.truth == reps[0].truth
    post = load_posterior(folder / "rep-000")
    again_post = load_posterior(tmp_path / "rep-000")
    assert np.array_equal(post.samples, again_post.samples) and np.array_equal(post.weights, again_post.weights)
    assert post.description["result"]["final_temperature"] == 1.0 and post.weights.sum() == pytest.approx(1.0)
    draws = post.draw(200, seed=3)
    assert draws == post.draw(200, seed=3) and draws != post.draw(200, seed=4)
    for path, (lo, hi) in FREE.items():
        values = [d[path] for d in draws]
        assert lo <= min(values) and max(values) <= hi
        assert len(set(values)) > 1


def test_90_percent_intervals_hold_the_truth(replicates):
    """With calibrated 90 % intervals, P(≤ 1 of 4 hold the truth) = 4·0.9·0.1³ + 0.1⁴ ≈ 0.004;
    the ≥ 50-replicate check (85–95 %) is benchmarks/sbc_check.py (docs/validation.md)."""
    _, reps = replicates
    cov = coverage(reps)
    assert cov["intervals"] == 4 and cov["covered"] >= 2
    for r in reps:   # the truths are prior draws, the intervals inside the prior
        for path, (lo, hi) in FREE.items():
            assert lo <= r.truth[path] <= hi and lo <= r.intervals[path][0] <= r.intervals[path][1] <= hi


def test_a_finished_posterior_is_reused_and_other_settings_refused(replicates):
    folder, _ = replicates
    scenario, post = folder / "scenario.yaml", load_posterior(folder / "rep-001")
    rows = synthetic_observations(scenario, {p: (lo + hi) / 2 for p, (lo, hi) in FREE.items()}, np.random.default_rng(1))
    with pytest.raises(BorderlabError, match="other settings"):
        fit_posterior(scenario, TOY_END, folder / "rep-001", population=POPULATION, generations=GENERATIONS,
                      seed=post.description["seed"], observations=rows)
    calls = []
    same = fit_posterior(scenario, TOY_END, folder / "rep-000", population=POPULATION, generations=GENERATIONS,
                         seed=load_posterior(folder / "rep-000").description["seed"],
                         observations=_rows_of(folder / "rep-000"), progress=calls.append)
    assert calls == [] and np.array_equal(same.samples, load_posterior(folder / "rep-000").samples)


def _rows_of(post_folder: Path):
    """The observation rows a replicate was fitted to, rebuilt from posterior.json."""
    from borderlab.analysis.observations import Observation
    from borderlab.forecast.sbc import template

    observed = {f["id"]: f["observed"] for f in json.loads((post_folder / "posterior.json").read_text())["figures"]}
    return [Observation(o.id, o.country, o.metric, o.start, o.end, observed[o.id], o.unit, o.role, o.source_url,
                        o.source_date, o.notes, o.mapping) for o in template()]


# -- the CLI ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    """`calibrate --method abc` on the toy, fitted to synthetic observations written as a CSV
    (the first week's; the second week is the forecast)."""
    folder = tmp_path_factory.mktemp("abc")
    scenario = write_toy(folder)
    rows = synthetic_observations(scenario, {"supply.migrant_share": 0.6, "defenders.AA.detection_k": 0.08},
                                  np.random.default_rng(5))
    with (folder / "observed.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "country", "metric", "period_start", "period_end", "value", "role", "source_date", "notes",
                    "model_metric", "model_scope", "aggregation"])
        for o in rows:
            w.writerow([o.id, o.country, o.metric, o.start, o.end, o.value, o.role, o.source_date, o.notes, *o.mapping])
    out = folder / "cal"
    result = runner.invoke(app, ["calibrate", str(scenario), "--until", "2021-09-07", "--method", "abc",
                                 "--population", "12", "--generations", "2", "--forecast-runs", "4",
                                 "--observed", str(folder / "observed.csv"), "--out", str(out), "--no-plots"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "90 % interval" in text and "parameter uncertainty is" in text
    return out


def test_calibrate_abc_forecasts_from_posterior_draws(calibrated):
    report = json.loads((calibrated / "fit_report.json").read_text())
    assert report["method"] == "abc" and {s["path"] for s in report["posterior"]["summary"]} == set(FREE)
    ens = report["forecast"]["ensemble"]
    assert ens["runs"] == 4 and ens["posterior"]["per_draw"] == 2 and ens["posterior"]["draws"] == 2
    assert 0 <= ens["variance"]["overall_parameter_share"] <= 1
    draws = pq.read_table(calibrated / "forecast_ensemble" / "draws.parquet").to_pylist()
    assert [d["draw"] for d in draws] == [0, 0, 1, 1] and len({d["seed"] for d in draws}) == 4
    post = load_posterior(calibrated)
    assert [{p: d[p] for p in FREE} for d in draws[::2]] == post.draw(2, 1)    # base seed 1: the toy's seed
    assert "calibrated (was" in (calibrated / "calibrated.yaml").read_text()
    assert "Which uncertainty dominates" in (calibrated / "fit_report.md").read_text()


def test_ensemble_posterior_records_each_runs_draw(calibrated, tmp_path):
    out = tmp_path / "ens"
    result = runner.invoke(app, ["ensemble", str(calibrated / "calibrated.yaml"), "--runs", "3", "--seeds-per-draw", "3",
                                 "--posterior", str(calibrated), "--workers", "1", "--out", str(out), "--no-plots"])
    assert result.exit_code == 0, result.output
    draws = pq.read_table(out / "draws.parquet").to_pylist()
    assert [d["draw"] for d in draws] == [0, 0, 0] and len({d["defenders.AA.detection_k"] for d in draws}) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["per_draw"] == 3 and "variance" in manifest["outputs"]


@pytest.mark.parametrize("case", ["missing", "not-a-posterior", "other-scenario"])
def test_bad_posterior_folder_exits_2(calibrated, tmp_path, case):
    folder = {"missing": tmp_path / "nothing", "not-a-posterior": tmp_path, "other-scenario": calibrated}[case]
    result = runner.invoke(app, ["ensemble", "toy-border", "--runs", "2", "--posterior", str(folder),
                                 "--out", str(tmp_path / "ens"), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    expected = {"missing": "no such folder", "not-a-posterior": "holds no posterior",
                "other-scenario": "is of scenario 'toy-border-sbc', not 'toy-border'"}[case]
    assert expected in " ".join(result.output.split())


def test_the_unbounded_scale_maps_exactly_onto_the_declared_priors():
    """pyabc samples z ~ Logistic(0, 1); to_range(z) must then be uniform (log-uniform) on the range."""
    from scipy import stats

    from borderlab.forecast.abc_smc import to_range

    z = stats.logistic.rvs(size=4000, random_state=np.random.default_rng(5))
    linear = np.array([to_range(v, 2.0, 6.0, False) for v in z])
    logged = np.array([to_range(v, 0.01, 10.0, True) for v in z])
    assert stats.kstest((linear - 2.0) / 4.0, "uniform").pvalue > 0.01
    assert stats.kstest((np.log(logged) - np.log(0.01)) / np.log(1000.0), "uniform").pvalue > 0.01
    assert to_range(0.0, 2.0, 6.0, False) == 4.0 and to_range(0.0, 0.01, 10.0, True) == pytest.approx(0.1 * 10 ** 0.5)
    assert 2.0 <= to_range(-800.0, 2.0, 6.0, False) < to_range(800.0, 2.0, 6.0, False) <= 6.0   # no overflow
