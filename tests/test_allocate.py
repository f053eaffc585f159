"""`borderlab allocate` on a two-segment stochastic toy border: outputs, common random
numbers, resuming, and clear errors for bad input."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.decisions.allocate import allocate
from borderlab.errors import BorderlabError
from borderlab.scenario.overrides import apply_overrides

from conftest import TOY_PATH

runner = CliRunner()
TWO_SEGMENTS = [
    "end=2021-09-21",
    "supply.arrivals=poisson",
    "orchestrator.coercion=0.7",
    "orchestrator.retry_days=2",
    "orchestrator.tactics.0.group_size.min=3",
    "orchestrator.tactics.0.group_size.max=9",
    "defenders.AA.detection_k=0.3",
    "defenders.AA.response_per_guard=0.1",
    "defenders.AA.stop_per_guard=0.5",
    "defenders.AA.border_guards=40",
]


@pytest.fixture(scope="module")
def two_segment_toy(tmp_path_factory):
    """toy-border with a second, longer forest segment and imperfect detection."""
    data = yaml.safe_load(TOY_PATH.read_text(encoding="utf-8"))
    apply_overrides(data, TWO_SEGMENTS)
    data["segments"].append({"id": "AA-2", "country": "AA", "zone": "zone", "interior": "inland",
                             "length_km": 30, "terrain": "forest"})
    path = tmp_path_factory.mktemp("toy2") / "toy2.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def study(two_segment_toy, tmp_path_factory):
    out = tmp_path_factory.mktemp("alloc") / "out"
    result = allocate(str(two_segment_toy), "AA", out, runs=3, window="2021-09-08:2021-09-21")
    return out, result


def rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_writes_the_tables_plot_and_manifest(study):
    out, result = study
    for name in ("allocation.csv", "comparison.csv", "comparison.parquet", "allocation.png", "manifest.json"):
        assert (out / name).is_file(), name
    alloc = rows(out / "allocation.csv")
    assert [r["segment"] for r in alloc] == ["AA-1", "AA-2"]
    for arm in ("scenario", "uniform", "pressure", "game", "search"):
        assert sum(float(r[f"share_{arm}"]) for r in alloc) == pytest.approx(1.0, abs=1e-5)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["window"] == ["2021-09-08", "2021-09-21"]
    assert manifest["game"]["programs_feasible"] >= 1
    assert manifest["arms"]["game"][0] == ["defenders.AA.allocation.rule", "fixed"]
    assert "crossings into AA" in manifest["finding"]


def test_arms_share_seeds_so_an_identical_arm_differs_by_exactly_zero(study):
    # toy-border's own rule is `uniform`: the uniform arm is the scenario itself, run for run
    _, result = study
    for r in result["comparison"]:
        if r["arm"] in ("scenario", "uniform"):
            assert r["diff"] == 0.0 and r["diff_low"] == 0.0 and r["diff_high"] == 0.0, r


def test_a_rerun_resumes_without_running_again(study, two_segment_toy):
    out, result = study
    files = {p: p.stat().st_mtime_ns for p in out.rglob("run-*.parquet")}
    assert len([p for p in files if p.parent.parent.parent == out / "arms"]) == 5 * 3  # every arm's runs
    again = allocate(str(two_segment_toy), "AA", out, runs=3, window="2021-09-08:2021-09-21")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("run-*.parquet")} == files
    assert again["comparison"] == result["comparison"]


@pytest.mark.parametrize("args, message", [
    (["--country", "XX"], "not a defending country"),
    (["--country", "AA", "--guards", "-5"], "--guards"),
    (["--country", "AA", "--window", "2021-08-01:2021-09-05"], "outside the simulated period"),
    (["--country", "AA", "--window", "2021-09-10"], "START:END"),
    (["--country", "AA", "--runs", "2"], "at least 3 runs"),
    (["--country", "AA", "--seen-weight", "-1"], "--seen-weight"),
])
def test_bad_input_is_one_clear_error(tmp_path, args, message):
    res = runner.invoke(app, ["allocate", "toy-border", "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_a_folder_of_another_kind_is_refused(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine")
    with pytest.raises(BorderlabError, match="not written by borderlab"):
        allocate("toy-border", "AA", tmp_path / "o", runs=3)


def test_stopping_runs_at_the_window_end_changes_nothing_before_it(two_segment_toy):
    # allocate and tradeoffs run with end=<window end>; every day up to it must be as in a full run
    import datetime as dt

    from borderlab.studies.runspec import RunSpec, execute

    full = execute(RunSpec(0, 3, str(two_segment_toy))).to_pandas()
    cut = execute(RunSpec(0, 3, str(two_segment_toy), overrides=(("end", "2021-09-12"),))).to_pandas()
    full = full[full.date <= dt.date(2021, 9, 12)]
    both = full.merge(cut, on=["date", "scope", "metric"], suffixes=("_full", "_cut"))
    assert len(both) == len(full) == len(cut)
    assert (both.value_full == both.value_cut).all()
