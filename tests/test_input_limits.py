"""Scenario numbers finite and bounded, `check` checking everything `run` needs, and `--set`
parsing (issue 10, classes 3 and 4 and `--set`). Each case: exit code 2, the file:line or
the `--set` named with the field, the limit in the message, no traceback."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import ScenarioError
from borderlab.scenario import limits
from borderlab.scenario.feasibility import expected_people, schedule_total
from borderlab.scenario.loader import load_scenario
from borderlab.scenario.params import Schedule
from conftest import TOY_PATH

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[1] / "docs"


def user_error(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "error" in result.output
    return " ".join(result.output.split())  # rich wraps long lines


def toy_edit(tmp_path, old: str, new: str, name: str = "scenario.yaml") -> tuple[Path, int]:
    """toy-border with one unique piece of text replaced; returns the file and that line."""
    text = TOY_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


# -- class 3: finite, not true/false, bounded ---------------------------------------------------
@pytest.mark.parametrize("old,new,field", [
    ("    detection_k: 10.0", "    detection_k: .nan", "defenders[0].detection_k"),
    ("    detection_k: 10.0", "    detection_k: {value: .inf}", "defenders[0].detection_k.value"),
    ("  transport_capacity: 1000", "  transport_capacity: -.inf", "transit.transport_capacity"),
    ("    reception_capacity: 50", "    reception_capacity: [{date: 2021-09-02, value: .nan}]", "defenders[0].reception_capacity"),
    ("      weekly_seats: 70 ", "      nationality_mix: {other: .nan}\n      weekly_seats: 70 ", "supply.routes[0].nationality_mix.other"),
])
def test_nan_and_infinity_are_refused_everywhere(tmp_path, old, new, field):
    path, line = toy_edit(tmp_path, old, new)
    out = user_error("check", path)
    assert re.search(rf"scenario.yaml:\d+ \({re.escape(field)}", out), out
    assert "finite" in out


@pytest.mark.parametrize("old,new,field", [
    ("    detection_k: 10.0", "    detection_k: true", "defenders[0].detection_k"),
    ("  transport_capacity: 1000", "  transport_capacity: true", "transit.transport_capacity"),
    ("share: 0.0, label: pushbacks end", "share: false, label: pushbacks end", "events[0].share"),
    ("  - {node: zone, count: 60}", "  - {node: zone, count: true}", "initial_population[0].count"),
    ("      weekly_seats: 70 ", "      nationality_mix: {other: true}\n      weekly_seats: 70 ", "supply.routes[0].nationality_mix.other"),
])
def test_true_and_false_are_not_numbers(tmp_path, old, new, field):
    path, line = toy_edit(tmp_path, old, new)
    out = user_error("check", path)
    assert f"({field})" in out
    assert "not true/false" in out or "expected a number, got 'true'" in out or "expected a number, got 'false'" in out


def test_true_still_sets_a_true_false_field_and_the_open_flag():
    sc = load_scenario("toy-border", ["orchestrator.trained_groups.enabled=true",
                                      "segments.AA-1.crossing_point={name: gate, open: false}"]).scenario
    assert sc.orchestrator.trained_groups.enabled is True
    assert sc.segments[0].crossing_point.open.value == 0.0


@pytest.mark.parametrize("override,field,limit_text", [
    ("initial_population.0.count=10000000000", "initial_population[0].count", "above the limit of 50,000,000 people"),
    ("supply.routes.hub-capital.weekly_seats=1e300", "supply.routes[0].weekly_seats", "above the limit of"),
    ("supply.routes.hub-capital.weekly_seats=5e9", "supply.routes[0].weekly_seats", "above the limit of 1,000,000,000"),
    ("defenders.AA.border_guards=2e9", "defenders[0].border_guards", "BORDERLAB_LIMIT_MAX_COUNT"),
    ("edges.0.km=1e6", "edges[0].km", "BORDERLAB_LIMIT_MAX_KM"),
    ("defenders.AA.detention_days=1e13", "defenders[0].detention_days", "BORDERLAB_LIMIT_MAX_VALUE"),
])
def test_numbers_above_their_limit_are_refused_with_the_limit(override, field, limit_text):
    out = user_error("check", "toy-border", "--set", override)
    assert f"({field}" in out and limit_text in out


def test_an_end_date_far_in_the_future_is_refused_with_the_limit(tmp_path):
    path, line = toy_edit(tmp_path, "end: 2021-09-14", "end: 9999-12-31")
    out = user_error("check", path)
    days = (dt.date(9999, 12, 31) - dt.date(2021, 9, 1)).days + 1
    assert f"scenario.yaml:{line} (end): the period 2021-09-01 → 9999-12-31 is {days:,} days, above the limit of 3,660 days" in out
    assert "BORDERLAB_LIMIT_MAX_DAYS" in out


def test_the_period_limit_is_inclusive(monkeypatch):
    monkeypatch.setitem(limits._resolved, "max_days", 14)   # toy-border is 14 days
    assert load_scenario("toy-border").scenario.end == dt.date(2021, 9, 14)
    monkeypatch.setitem(limits._resolved, "max_days", 13)
    with pytest.raises(ScenarioError, match="is 14 days, above the limit of 13 days"):
        load_scenario("toy-border")


def test_schedule_total_sums_each_step_over_its_days():
    s = Schedule(value=7, points=[{"date": "2021-09-03", "value": 14}, {"date": "2021-09-10", "value": 0}])
    # 2 days at 7, 7 days at 14, then 0 until the 14th
    assert schedule_total(s, dt.date(2021, 9, 1), dt.date(2021, 9, 14)) == 2 * 7 + 7 * 14
    assert schedule_total(s, dt.date(2021, 9, 5), dt.date(2021, 9, 6)) == 2 * 14
    assert schedule_total(Schedule(value=3, points=[{"date": "2022-01-01", "value": 99}]),
                          dt.date(2021, 9, 1), dt.date(2021, 9, 14)) == 14 * 3


def test_expected_people_is_the_initial_population_plus_expected_arrivals():
    sc = load_scenario("toy-border").scenario
    # 60 on day 0 and 70 seats a week, all migrants, visa factor 1, over 14 days: 60 + 140
    assert math.isclose(expected_people(sc), 200.0)


def test_check_refuses_what_run_cannot_hold(monkeypatch):
    # seats within max_count, but 14 days of them exceed max_people
    monkeypatch.setitem(limits._resolved, "max_people", 199)
    with pytest.raises(ScenarioError) as info:
        load_scenario("toy-border")
    (p,) = info.value.problems
    assert "(supply.routes)" in p.where
    assert "the expected number of people (initial population + arrivals) is 200 people, above the limit of 199 people" in p.message


def test_check_refuses_an_estimated_memory_over_the_limit(monkeypatch):
    monkeypatch.setitem(limits._resolved, "max_memory_gb", 1e-6)   # 1 kB: less than 7 nodes' route table
    with pytest.raises(ScenarioError, match=r"estimated memory of a run \(7 nodes, 200 people\)"):
        load_scenario("toy-border")


def test_a_journey_longer_than_the_period_limit_is_refused(tmp_path):
    path, _ = toy_edit(tmp_path, "  transport_capacity: 1000\n",
                       "  transport_capacity: 1000\n  speeds_km_per_day: {walk: 0.001, bus: 400, car: 600, flight: 5000}\n")
    out = user_error("check", path)
    assert "(edges[3].km): a 10 km journey by walk at 0.001 km/day is 10,000 days" in out
    path, _ = toy_edit(tmp_path, "  transport_capacity: 1000\n",
                       "  transport_capacity: 1000\n  speeds_km_per_day: {walk: 0, bus: 400, car: 600, flight: 5000}\n")
    assert "(transit.speeds_km_per_day.walk): speed 0 km/day must be above 0" in user_error("check", path)


def test_every_limit_is_documented_with_its_variable():
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    for lim in limits.LIMITS:
        assert lim.env in text, lim.env


# -- class 4: check checks everything run needs ---------------------------------------------------
@pytest.mark.parametrize("field", ["segments", "nodes", "edges", "countries", "defenders"])
def test_empty_required_collections_are_refused(field):
    out = user_error("check", "toy-border", "--set", f"{field}=[]")
    assert f"({field}): '{field}' is empty" in out


def test_segments_empty_in_the_file_is_refused_by_check_and_run(tmp_path):
    text = TOY_PATH.read_text(encoding="utf-8")
    start = text.index("segments:\n")
    end = text.index("\nsupply:")
    path = tmp_path / "scenario.yaml"
    path.write_text(text[:start] + "segments: []\n" + text[end:], encoding="utf-8")
    line = text[:start].count("\n") + 1
    for command in (["check", path], ["run", path, "--out", tmp_path / "out", "-q", "--no-plots"]):
        assert f"scenario.yaml:{line} (segments): 'segments' is empty" in user_error(*command)


@pytest.mark.parametrize("content,expected", [
    (None, "observations file not found"),
    (bytes(range(256)) * 4, "not UTF-8 text"),
    (b"a,b\n1,2\n", "missing columns"),
    (b"id,country,metric,period_start,period_end,value,role\nx,AA,m,2021-09-01,2021-09-02,nan,outcome\n", "not a finite number"),
    (b"id,country,metric,period_start,period_end,value,role\nx,AA,m,2021-09-01,2021-09-02,\"" + b"9" * 200_000 + b"\",outcome\n",
     "not a readable CSV"),
])
def test_a_bad_observed_file_is_refused_by_check(tmp_path, content, expected):
    path = tmp_path / "scenario.yaml"
    path.write_text(TOY_PATH.read_text(encoding="utf-8") + "observed: observed.csv\n", encoding="utf-8")
    line = len(path.read_text().splitlines())
    if content is not None:
        (tmp_path / "observed.csv").write_bytes(content)
    out = user_error("check", path)
    assert f"scenario.yaml:{line} (observed)" in out and "observed.csv" in out and expected in out


def test_a_bad_temperature_csv_is_refused_by_check(tmp_path):
    path, _ = toy_edit(tmp_path, "    seasonal: {mean_c: 10, amplitude_c: 0}\n",
                       "    seasonal: {mean_c: 10, amplitude_c: 0}\n    csv: temps.csv\n")
    (tmp_path / "temps.csv").write_text("date,temp_c\n2021-09-02,inf\n", encoding="utf-8")
    out = user_error("check", path)
    assert "(humanitarian.temperature.csv)" in out and "temps.csv:2" in out


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_scenario_that_is_not_utf8_is_named_with_its_line(tmp_path, command):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TOY_PATH.read_bytes().replace(b"name: Aland", "name: Åland".encode("latin-1")))
    line = TOY_PATH.read_text().splitlines().index("  - {code: AA, name: Aland, role: defender}") + 1
    args = [command, path] + (["--out", tmp_path / "out", "-q", "--no-plots"] if command == "run" else [])
    out = user_error(*args)
    assert f"latin1.yaml:{line}: not UTF-8 text" in out and "save the file as UTF-8" in out


# -- --set parsing --------------------------------------------------------------------------------
def test_every_bad_set_is_listed_with_a_hint():
    out = user_error("check", "toy-border", "--set", "=5", "--set", "...=7", "--set", "a..b=1",
                     "--set", "nodez.x=1", "--set", "defenders.AA.detection_k=abc", "--set", "start.day=3",
                     "--set", "supply.routes.nine.weekly_seats=1")
    assert "7 problems found" not in out  # the value error is reported once the paths are right
    assert "--set =5: no path before '='" in out
    assert "--set ...=7: the path '...' has an empty part" in out
    assert "--set a..b=1: the path 'a..b' has an empty part" in out
    assert "--set nodez.x=1 (nodez): unknown field 'nodez' under the top level hint: did you mean 'nodes'?" in out
    assert "--set start.day=3: 'start' is a plain value, it has no field 'day'" in out
    assert "--set supply.routes.nine.weekly_seats=1: nothing called 'nine' under supply.routes" in out
    assert out.count("hint:") == 6


def test_a_value_of_the_wrong_type_names_the_set():
    out = user_error("check", "toy-border", "--set", "defenders.AA.detection_k=abc")
    assert "--set defenders.AA.detection_k=abc (defenders[0].detection_k): expected a number, got 'abc'" in out


def test_a_set_into_a_default_table_keeps_the_other_entries():
    speeds = load_scenario("toy-border", ["transit.speeds_km_per_day.walk=30"]).scenario.transit.speeds_km_per_day
    assert speeds == {"walk": 30.0, "bus": 400.0, "car": 600.0, "train": 500.0, "flight": 5000.0}


# -- reachability (one search per source, not an all-pairs table) --------------------------------
@pytest.mark.parametrize("old,new,message", [
    ("  - {from: staging, to: zone, km: 10, mode: walk}\n", "", "border_zone 'zone' cannot be reached from the capital"),
    ("  - {from: inland, to: dest, km: 500, mode: car}\n", "", "no route from interior 'inland' to destination 'dest'"),
    ("  - {from: capital, to: home, km: 2000, mode: flight}\n", "", "no route from 'capital' home to 'home'"),
    ("  - {from: hub, to: capital, km: 2000, mode: flight}\n", "  - {from: hub, to: dest, km: 2000, mode: flight}\n",
     "no edge path from 'hub' to 'capital'"),
    ("  - {from: capital, to: home, km: 2000, mode: flight}\n",
     "  - {from: capital, to: home, km: 2000, mode: flight, both_ways: false}\n", None),
    ("  - {from: capital, to: home, km: 2000, mode: flight}\n",
     "  - {from: home, to: capital, km: 2000, mode: flight, both_ways: false}\n", "no route from 'capital' home to 'home'"),
])
def test_reachability(tmp_path, old, new, message):
    path, _ = toy_edit(tmp_path, old, new)
    if message is None:
        load_scenario(path)
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert message in str(info.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_not_read_forever():
    assert "/dev/zero: not a regular file" in user_error("check", "/dev/zero")


def test_integers_beyond_any_float_are_refused_cleanly():
    huge = "9" * 400
    out = user_error("check", "toy-border", "--set", f"initial_population.0.count={huge}",
                     "--set", f"defenders.AA.detection_k={huge}")
    assert "count is a 400-digit number people, above the limit of 50,000,000 people" in out
    assert "(defenders[0].detection_k.value): expected a number" in out
