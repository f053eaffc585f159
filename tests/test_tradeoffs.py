"""`borderlab tradeoffs` on toy-border: the Pareto front, resuming, determinism by seed,
and clear errors for bad levers, objectives and settings."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.decisions.tradeoffs import parse_lever, tradeoffs
from borderlab.errors import BorderlabError, ScenarioError

runner = CliRunner()
LEVERS = ["defenders.AA.border_guards=5:100", "defenders.AA.pushback_share=0.0:1.0"]
OBJECTIVES = ["crossings:AA", "guard_days:AA"]


def rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("tradeoffs") / "out"
    result = tradeoffs("toy-border", LEVERS, OBJECTIVES, 4, out, runs_per_trial=2)
    return out, result


def dominated(a, b, keys):
    """b dominates a: no worse in every objective, better in one."""
    return all(b[k] <= a[k] for k in keys) and any(b[k] < a[k] for k in keys)


def test_front_is_the_non_dominated_trials(study):
    out, result = study
    trials = rows(out / "trials.csv")
    assert len(trials) == 4
    for name in ("pareto.csv", "trials.parquet", "tradeoffs.png", "manifest.json", "study.journal"):
        assert (out / name).is_file(), name
    keys = OBJECTIVES
    vals = [{k: float(t[k]) for k in keys} | {"pareto": t["pareto"] == "True"} for t in trials]
    for v in vals:
        assert v["pareto"] == (not any(dominated(v, w, keys) for w in vals)), v
    for t in trials:  # an interval around every mean
        for k in keys:
            assert float(t[f"{k} low"]) <= float(t[k]) <= float(t[f"{k} high"])
        assert 5 <= int(t["defenders.AA.border_guards"]) <= 100


def test_toy_border_objectives_match_the_hand_worked_outcomes(study):
    # toy-border is deterministic: guard-days are the guards times 14 days (duty fraction 1)
    out, _ = study
    for t in rows(out / "trials.csv"):
        assert float(t["guard_days:AA"]) == pytest.approx(14 * int(t["defenders.AA.border_guards"]))
        assert float(t["guard_days:AA low"]) == float(t["guard_days:AA high"])


def test_a_rerun_with_more_trials_resumes(study):
    out, first = study
    before = rows(out / "trials.csv")
    again = tradeoffs("toy-border", LEVERS, OBJECTIVES, 6, out, runs_per_trial=2)
    after = rows(out / "trials.csv")
    assert again["trials"] == 6 and after[:4] == before
    assert len(list((out / "trials").iterdir())) == 6


def test_same_seed_same_trials(tmp_path):
    a = tradeoffs("toy-border", LEVERS, OBJECTIVES, 2, tmp_path / "a", runs_per_trial=2, seed=7, plots=False)
    b = tradeoffs("toy-border", LEVERS, OBJECTIVES, 2, tmp_path / "b", runs_per_trial=2, seed=7, plots=False)
    assert rows(tmp_path / "a" / "trials.csv") == rows(tmp_path / "b" / "trials.csv")
    assert a["front"] == b["front"]


def test_different_settings_are_not_mixed_into_a_study(study):
    out, _ = study
    with pytest.raises(BorderlabError, match="different settings"):
        tradeoffs("toy-border", LEVERS, OBJECTIVES, 6, out, runs_per_trial=3)


def test_lever_kinds():
    assert parse_lever("a.b=1:5").kind == "int"
    assert parse_lever("a.b=0.1:0.9").kind == "float"
    d = parse_lever("events.ban.date=2021-08-15:2021-11-15")
    assert d.kind == "date" and d.high == 92 and d.shown(92) == "2021-11-15"
    with pytest.raises(ScenarioError, match="PATH=LOW:HIGH"):
        parse_lever("a.b=1")
    with pytest.raises(ScenarioError, match="LOW must not exceed HIGH"):
        parse_lever("a.b=5:1")


@pytest.mark.parametrize("args, message", [
    (["--lever", "defenders.AA.nonsense=0:1", "--objective", "crossings", "--objective", "deaths"], "nonsense"),
    (["--lever", "defenders.AA.pushback_share=0:3", "--objective", "crossings", "--objective", "deaths"], "pushback_share"),
    (["--lever", "defenders.AA.pushback_share=0:1", "--objective", "happiness", "--objective", "deaths"], "unknown objective"),
    (["--lever", "defenders.AA.pushback_share=0:1", "--objective", "deaths"], "at least two objectives"),
    (["--lever", "defenders.AA.pushback_share=0:1", "--objective", "crossings", "--objective", "deaths",
      "--window", "2020-01-01:2020-02-01"], "outside the simulated period"),
])
def test_bad_input_is_one_clear_error(tmp_path, args, message):
    res = runner.invoke(app, ["tradeoffs", "toy-border", "--trials", "2", "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_a_setting_proposed_again_is_not_run_again(tmp_path):
    """Runs are paired, so a repeated setting would give identical results: it is copied from
    the first trial with it, no runs are made for it, and the front lists each setting once."""
    out = tmp_path / "out"
    tradeoffs("toy-border", ["defenders.AA.pushback_share=0:1"], OBJECTIVES, 6, out, runs_per_trial=2)
    trials = rows(out / "trials.csv")
    first = {}
    for t in trials:
        first.setdefault(t["defenders.AA.pushback_share"], t)
    assert len(first) <= 2 < len(trials)                       # an integer lever 0:1 has two settings
    for t in trials:
        original = first[t["defenders.AA.pushback_share"]]
        if t is original:
            assert t["same_as_trial"] == ""
        else:
            assert t["same_as_trial"] == original["trial"]
            assert t["crossings:AA"] == original["crossings:AA"]
    ran = sorted(p.name for p in (out / "trials").iterdir())
    assert ran == sorted(f"{int(t['trial']):05d}" for t in first.values())
    front = rows(out / "pareto.csv")
    assert len({f["defenders.AA.pushback_share"] for f in front}) == len(front)
