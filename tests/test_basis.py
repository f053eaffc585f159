"""`basis:` — what a phase, event or schedule step rests on — and the checks on it, for a
small scenario and for the built-in belarus-eu-2021 (every choice cites the timeline, the
data, or a stated assumption with its source)."""

from __future__ import annotations

import datetime as dt

import pytest

from borderlab.errors import ScenarioError
from borderlab.scenario.basis import dated_without_basis, missing_basis, uncited_rows
from borderlab.scenario.loader import load_scenario
from conftest import BELARUS, TOY_PATH, load_yaml_data, need_belarus, write_yaml

TIMELINE = """date,actor,event,detail,source_url
2021-09-02,AA,Guards sent,,https://example.org/a
2021-09-05,OR,Camp opens,,https://example.org/b
2021-09-05,AA,Crossing closed,,https://example.org/c
2021-10-20,AA,Wall planned,,https://example.org/d
"""
OBSERVED = """id,country,metric,period_start,period_end,value,unit,definition,source_url,source_date,notes,role
T-0001,AA,troops,2021-09-02,2021-09-02,40,soldiers,,https://example.org/a,2021-09-02,,input
"""


def toy(tmp_path, events=(), phase_basis=None, timeline=True):
    data = load_yaml_data(TOY_PATH)
    if timeline:
        (tmp_path / "timeline.csv").write_text(TIMELINE, encoding="utf-8")
        data["timeline"] = "timeline.csv"
    (tmp_path / "observed.csv").write_text(OBSERVED, encoding="utf-8")
    data["observed"] = "observed.csv"
    if phase_basis is not None:
        data["orchestrator"]["tactics"][0]["basis"] = phase_basis
    data["events"] = list(events)
    return write_yaml(tmp_path / "scenario.yaml", data)


def note(date, basis):
    return {"type": "annotation", "date": date, "basis": basis}


def test_rows_cited_by_date_or_date_n_load(tmp_path):
    path = toy(tmp_path, [note("2021-09-02", {"timeline": ["2021-09-02"], "data": ["T-0001"]}),
                          note("2021-09-05", {"timeline": ["2021-09-05/2"]})],
               phase_basis={"assumption": "siege from day 0", "source": "README.md"})
    sc = load_scenario(path).scenario
    assert sc.events[1].basis.timeline == ["2021-09-05/2"]
    assert missing_basis(sc) == []
    # the rows inside the run (1-14 Sep) not cited: the first of 5 Sep; 20 Oct is after the end
    assert uncited_rows(sc, tmp_path) == ["2021-09-05/1: Camp opens"]


def test_a_yaml_date_is_a_row_reference(tmp_path):
    (tmp_path / "s.yaml").write_text(toy(tmp_path).read_text().replace(
        "events: []", "events:\n- {type: annotation, date: 2021-09-02, basis: {timeline: [2021-09-02]}}"))
    assert load_scenario(tmp_path / "s.yaml").scenario.events[0].basis.timeline == ["2021-09-02"]


@pytest.mark.parametrize("basis, message, hint", [
    ({"timeline": ["2021-09-03"]}, "no timeline row 2021-09-03", "nearest dates: 2021-09-02, 2021-09-05"),
    ({"timeline": ["2021-09-05"]}, "no timeline row 2021-09-05", "2021-09-05 has 2 rows; cite one: 2021-09-05/1 (Camp opens); 2021-09-05/2"),
    ({"timeline": ["2021-09-05/3"]}, "no timeline row 2021-09-05/3", "rows of that date: 2021-09-05/1, 2021-09-05/2"),
    ({"data": ["T-0002"]}, "no row with id T-0002 in observed.csv", "did you mean T-0001?"),
])
def test_unknown_rows_are_scenario_errors_with_a_line(tmp_path, basis, message, hint):
    path = toy(tmp_path, [note("2021-09-02", basis)])
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    problem, = exc.value.problems
    assert message in problem.message and hint in problem.hint
    assert problem.where.startswith(f"{path}:") and "events[0].basis" in problem.where


def test_rows_need_a_timeline_file(tmp_path):
    with pytest.raises(ScenarioError, match="names no timeline file") as exc:
        load_scenario(toy(tmp_path, [note("2021-09-02", {"timeline": ["2021-09-02"]})], timeline=False))
    assert "timeline: inputs/timeline.csv" in exc.value.problems[0].hint


@pytest.mark.parametrize("basis, message", [
    ({}, "an empty basis"),
    ({"assumption": "guards double"}, "an assumption needs a source"),
    ({"timeline": ["2021-09-02"], "sources": "x"}, "unknown field 'sources'"),
])
def test_a_basis_must_say_something_checkable(tmp_path, basis, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(toy(tmp_path, [note("2021-09-02", basis)]))


def test_dated_steps_after_a_cutoff_need_a_basis(tmp_path):
    path = toy(tmp_path, [note("2021-09-02", {"timeline": ["2021-09-02"]}), {"type": "annotation", "date": "2021-09-10"}])
    sc = load_scenario(path).scenario
    assert missing_basis(sc) == ["orchestrator.tactics.0 (2021-09-01 siege)", "events.1 (2021-09-10 annotation)"]
    assert dated_without_basis(sc, dt.date(2021, 9, 5)) == ["events.1 (2021-09-10)"]


# -- the built-in scenario ---------------------------------------------------------------
@pytest.fixture(scope="module")
def belarus():
    need_belarus()
    return load_scenario(BELARUS)  # loading checks that every cited row exists


def test_every_phase_and_event_of_belarus_cites_rows_or_an_assumption(belarus):
    assert missing_basis(belarus.scenario) == []


def test_every_timeline_row_inside_the_belarus_run_is_represented(belarus):
    assert uncited_rows(belarus.scenario, belarus.folder) == []


def test_no_belarus_choice_after_the_training_window_is_silent(belarus):
    assert dated_without_basis(belarus.scenario, dt.date(2021, 10, 31)) == []
    # no tactic phase fitted on summer and autumn runs into winter
    for t in belarus.scenario.orchestrator.tactics:
        if t.start <= dt.date(2021, 10, 31):
            assert t.end is not None and t.end < dt.date(2021, 11, 8), t
