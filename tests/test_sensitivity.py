"""Sensitivity analysis: metric choice and reduction, Morris and Sobol indices over declared
ranges, outputs, and CLI errors."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import BorderlabError
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim
from borderlab.studies.sampling import derive_seed
from borderlab.studies.sensitivity import choose_metric, run_sensitivity
from conftest import STOCHASTIC, TOY

runner = CliRunner()

SHORT = [*STOCHASTIC, "end=2021-09-21"]
RANGED = [*SHORT, "defenders.AA.detection_k={value: 0.08, range: [0.02, 0.3]}",
          "orchestrator.coercion={value: 0.6, range: [0.2, 0.9]}"]
DRAWN = ["defenders.AA.detection_k", "orchestrator.coercion"]


def test_metric_choice_and_default_reduction():
    loaded = load_scenario(TOY)
    assert choose_metric(loaded, "new_attempts").reduce == "total"
    assert choose_metric(loaded, "n_in_zone", "AA").reduce == "peak"
    assert choose_metric(loaded, "guard_fatigue", "AA").reduce == "mean"
    assert choose_metric(loaded, "n_in_zone", reduce="final").reduce == "final"
    with pytest.raises(BorderlabError, match="did you mean new_attempts"):
        choose_metric(loaded, "new_attempt")
    with pytest.raises(BorderlabError, match="(?s)has no scope 'all'.*use one of AA"):
        choose_metric(loaded, "guard_fatigue")  # ratios have no `all` row
    with pytest.raises(BorderlabError, match="--reduce"):
        choose_metric(loaded, "new_attempts", reduce="median")


def test_morris_indices_for_each_declared_parameter(tmp_path):
    out = tmp_path / "morris"
    manifest, table = run_sensitivity(TOY, out, method="morris", samples=3, metric="new_attempts",
                                      params=DRAWN, overrides=RANGED, workers=1, seed=1)
    assert sorted(table["parameter"].to_pylist()) == sorted(DRAWN)
    assert table.column_names == ["parameter", "low", "high", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert manifest["execution"]["executed"] == 3 * (len(DRAWN) + 1)  # N·(D+1) runs
    mu_star = dict(zip(table["parameter"].to_pylist(), table["mu_star"].to_pylist()))
    assert all(np.isfinite(v) and v >= 0 for v in mu_star.values())
    assert table["mu_star"].to_pylist() == sorted(table["mu_star"].to_pylist(), reverse=True)
    assert pq.read_table(out / "indices.parquet").equals(table)
    assert (out / "indices.csv").read_text().splitlines()[0].startswith('"parameter","low","high","mu"')
    assert (out / "plots" / "indices.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the per-sample outputs are the reduced metric of the runs, one per sample row
    outputs = pq.read_table(out / "outputs.parquet")
    y = outputs["total:new_attempts:all"].to_numpy()
    first = pq.read_table(out / "runs" / "run-000000.parquet").to_pylist()
    assert y[0] == sum(r["value"] for r in first if r["metric"] == "new_attempts" and r["scope"] == "all")
    # every run of the study uses the same seed (common random numbers)
    assert set(pq.read_table(out / "draws.parquet")["seed"].to_pylist()) == {derive_seed(1, 0)}
    assert json.loads((out / "manifest.json").read_text())["study"] == "sensitivity"


def test_a_parameter_that_cannot_matter_has_zero_effect(tmp_path):
    """toy-border's segment is open terrain: forest visibility cannot change anything."""
    _, table = run_sensitivity(TOY, tmp_path / "m", method="morris", samples=2, metric="new_attempts",
                               params=["terrains.forest.visibility"], workers=1)
    row = table.to_pylist()[0]
    assert row["mu_star"] == 0 and row["sigma"] == 0
    manifest, table = run_sensitivity(TOY, tmp_path / "s", method="sobol", samples=4, metric="new_attempts",
                                      params=["terrains.forest.visibility", "terrains.marsh.visibility"], workers=1)
    assert table["ST"].to_pylist() == [0.0, 0.0] and table["S1"].to_pylist() == [0.0, 0.0]
    assert manifest["outputs"]["metric_constant"] is True
    assert manifest["execution"]["executed"] == 4 * (2 + 2)  # N·(D+2) runs


def test_sobol_indices_with_confidence_intervals(tmp_path):
    manifest, table = run_sensitivity(TOY, tmp_path / "s", method="sobol", samples=8, metric="new_detentions",
                                      params=DRAWN, overrides=RANGED, workers=1)
    assert table.column_names == ["parameter", "low", "high", "S1", "S1_conf", "ST", "ST_conf"]
    assert sorted(table["parameter"].to_pylist()) == sorted(DRAWN)
    assert all(np.isfinite(table[c].to_numpy()).all() for c in ("S1", "S1_conf", "ST", "ST_conf"))
    assert (table["ST_conf"].to_numpy() >= 0).all()
    assert manifest["execution"]["executed"] == 8 * (len(DRAWN) + 2)


def test_reduction_over_the_period_is_what_it_says(tmp_path):
    """peak of a stock = the maximum of its daily values in the run."""
    _, _ = run_sensitivity(TOY, tmp_path / "p", method="morris", samples=2, metric="n_in_zone", scope="AA",
                           params=["orchestrator.coercion"], overrides=RANGED, workers=1, plots=False)
    y = pq.read_table(tmp_path / "p" / "outputs.parquet")["peak:n_in_zone:AA"].to_numpy()
    draws = pq.read_table(tmp_path / "p" / "draws.parquet")
    sim = build_sim(load_scenario(TOY, [*RANGED, f"orchestrator.coercion={draws['orchestrator.coercion'][0].as_py()!r}"]),
                    seed=draws["seed"][0].as_py())
    sim.run()
    assert y[0] == sim.results.series("n_in_zone", "AA").max()


@pytest.mark.parametrize("args, message", [
    (["--metric", "new_atempts"], "did you mean new_attempts"),
    (["--metric", "new_attempts", "--samples", "1"], "--samples 1"),
    (["--metric", "new_attempts", "--param", "nothing.like.this"], "no parameter with a range matches"),
    (["--metric", "new_attempts", "--scope", "XX"], "has no scope 'XX'"),
    (["--metric", "new_attempts", "--levels", "3"], "--levels 3"),
])
def test_cli_bad_input_exits_2(tmp_path, args, message):
    base = ["sensitivity", TOY, "--method", "morris", "--samples", "2", "--out", str(tmp_path / "o"), "-q", "-w", "1"]
    result = runner.invoke(app, base + args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_prints_the_indices(tmp_path):
    result = runner.invoke(app, ["sensitivity", TOY, "--method", "morris", "--samples", "2", "--metric", "new_attempts",
                                 "--param", "orchestrator.coercion", "--out", str(tmp_path / "o"), "-w", "1",
                                 *sum((["--set", s] for s in RANGED), [])])
    assert result.exit_code == 0, result.output
    assert "orchestrator.coercion" in result.output and "mu_star" in result.output
