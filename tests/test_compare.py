"""`borderlab compare`: common random numbers (a no-op variant gives exactly zero
differences; more guards leave unrelated random streams untouched), interval coverage on
a case with a known difference, and the command end to end on toy-border."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.decisions.arms import run_arms
from borderlab.decisions.compare import run_compare
from borderlab.decisions.paired_stats import paired_difference

# toy-border made random: Poisson arrivals, detection well below certain (hazard 0.05 × 10 guards/km)
RANDOM_TOY = ["supply.arrivals=poisson", "defenders.AA.detection_k=0.05", "transit.capital_dwell_days=2"]


def _variant(tmp_path, name: str, body: str = ""):
    p = tmp_path / f"{name}.yaml"
    p.write_text(f"name: {name}\n{body}", encoding="utf-8")
    return str(p)


def test_noop_variant_gives_exactly_zero_differences(tmp_path):
    noop = _variant(tmp_path, "noop", "description: changes nothing\n")
    manifest, table = run_compare("toy-border", [noop], 4, tmp_path / "cmp", overrides=RANDOM_TOY, plots=False)
    rows = [r for r in table.to_pylist() if r["arm"] == "noop"]
    assert rows and all(r["diff_mean"] == r["diff_low"] == r["diff_high"] == 0.0 for r in rows)
    assert all(r["share_equal"] == 1.0 for r in rows)
    # the runs really vary between pairs (so zero differences come from pairing, not from a constant model)
    base_attempts = [r for r in table.to_pylist() if r["arm"] == "base" and r["outcome"] == "attempts"
                     and r["scope"] == "all"][0]
    assert base_attempts["q05"] < base_attempts["q95"]
    assert manifest["runs_per_arm"] == 4 and [a["name"] for a in manifest["arms"]] == ["base", "noop"]


def test_more_guards_leaves_unrelated_streams_untouched(tmp_path):
    guards = _variant(tmp_path, "guards", "set:\n  defenders.AA.border_guards: 300\n")
    result = run_arms("toy-border", {"base": [], "guards": guards}, 3, tmp_path / "arms", overrides=RANDOM_TOY)
    con = result.connect()
    try:
        def series(metric, scope="all"):
            rows = con.execute("SELECT arm, pair, list(value ORDER BY date) FROM arm_runs WHERE metric = ? AND scope = ? "
                               "GROUP BY ALL ORDER BY arm, pair", [metric, scope]).fetchall()
            return {(a, p): np.array(v) for a, p, v in rows}

        for metric in ("new_boarded", "new_arrivals_capital", "temperature_c"):  # supply and weather streams
            s = series(metric)
            for pair in range(3):
                np.testing.assert_array_equal(s[("base", pair)], s[("guards", pair)], err_msg=metric)
        boarded = series("new_boarded")
        assert not np.array_equal(boarded[("base", 0)], boarded[("base", 1)])  # pairs differ: seeds differ
        detected = series("new_incidents", "AA-1")
        assert any(not np.array_equal(detected[("base", p)], detected[("guards", p)]) for p in range(3))
    finally:
        con.close()


def test_interval_coverage_with_a_known_difference():
    """Outcome pairs (r, r + 5 + noise): the 90 % interval of the mean difference should hold
    the true 5 in about 90 % of repeated experiments; the relative interval holds 5 / 100."""
    rng = np.random.default_rng(2024)
    reps, n = 200, 40
    hit_diff = hit_rel = 0
    for k in range(reps):
        ref = rng.normal(100.0, 20.0, n)
        var = ref + 5.0 + rng.normal(0.0, 4.0, n)
        p = paired_difference(ref, var, seed=k, resamples=999)
        hit_diff += p.diff.low <= 5.0 <= p.diff.high
        hit_rel += p.rel.low <= 0.05 <= p.rel.high
    assert 0.84 <= hit_diff / reps <= 0.96
    assert 0.80 <= hit_rel / reps <= 0.97  # the ratio's interval also carries the noise of the base mean


def test_paired_difference_edge_cases():
    same = paired_difference(np.arange(5.0), np.arange(5.0))
    assert (same.diff.estimate, same.diff.low, same.diff.high, same.share_equal) == (0.0, 0.0, 0.0, 1.0)
    shifted = paired_difference(np.full(4, 10.0), np.full(4, 7.0))
    assert (shifted.diff.low, shifted.diff.high, shifted.rel.estimate, shifted.share_lower) == (-3.0, -3.0, -0.3, 1.0)
    with pytest.raises(ValueError):
        paired_difference(np.arange(3.0), np.arange(4.0))


def test_compare_command_end_to_end(tmp_path):
    guards = _variant(tmp_path, "few-guards", "description: a third of the guards\nset:\n  defenders.AA.border_guards: 33\n")
    out = tmp_path / "cmp"
    args = ["compare", "toy-border", "--variant", guards, "--runs", "3", "--out", str(out), "--workers", "1",
            "--window", "2021-09-03:2021-09-14"] + [a for s in RANDOM_TOY for a in ("--set", s)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "few-guards vs base" in text and "guard-days on duty −67 % [−67 %, −67 %], better in 100 % of paired runs" in text
    for name in ("comparison.parquet", "comparison.csv", "outcomes.parquet", "manifest.json", "arms.parquet",
                 "plots/differences.png", "plots/timeseries.png"):
        assert (out / name).is_file(), name
    table = pq.read_table(out / "comparison.parquet").to_pylist()
    gd = [r for r in table if r["outcome"] == "guard_days" and r["scope"] == "all"]
    # guards on duty per day = 100 (base) vs 33, over the 12 days of the window, in every run
    assert [(r["arm"], r["mean"]) for r in gd] == [("base", 1200.0), ("few-guards", 396.0)]
    assert gd[1]["diff_mean"] == -804.0 and gd[1]["share_better"] == 1.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["window"] == ["2021-09-03", "2021-09-14"] and manifest["statistics"]["level"] == 0.9
    assert len(list((out / "runs").glob("run-*.parquet"))) == 6
    again = CliRunner().invoke(app, args)  # resumes: nothing left to run
    assert again.exit_code == 0 and "0 runs executed, 6 already done" in " ".join(again.output.split())
    bad = CliRunner().invoke(app, [a if a != "2021-09-03:2021-09-14" else "2021-08-01:2021-09-02" for a in args])
    assert bad.exit_code == 2 and "outside the simulated period" in " ".join(bad.output.split())
