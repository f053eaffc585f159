"""Hostile Flee folders (issue 10): limits checked before anything is allocated, numbers
that must be finite, agents.csv headers, every problem in one pass, `borderlab check`."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.flee.reader import read_flee_folder
from borderlab.scenario.limits import limit, over_limit
from flee_case import LOCATIONS, ROUTES, SETTINGS, settings_with, write_case

runner = CliRunner()


def refused(*args) -> str:
    """`borderlab ARGS` exits 2 with a message, no traceback, nothing written."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    return result.output


def test_check_accepts_a_good_folder_and_says_what_it_holds(tmp_path):
    result = runner.invoke(app, ["check", str(write_case(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Flee case" in result.output and "6 days" in result.output and "3 locations (1 camps)" in result.output


def test_a_length_of_a_billion_days_is_refused_with_the_limit(tmp_path):
    case = write_case(tmp_path, period=["StartDate,2020-01-01", "Length,1000000000"])
    out = refused("check", case)
    assert "sim_period.csv:2" in out and over_limit("max_days", "Length", 10**9) in out


def test_days_beyond_the_limit_on_the_command_line(tmp_path):
    case = write_case(tmp_path)
    out = refused("flee", "run", case, "--days", 10**9, "--out", tmp_path / "run", "-q", "--no-plots")
    assert "days" in out and "BORDERLAB_LIMIT_MAX_DAYS" in out
    assert not (tmp_path / "run").exists()


def test_a_unhcr_count_of_2_5e12_is_refused_before_allocating(tmp_path):
    case = write_case(tmp_path, total={0: 0, 1: 2_500_000_000_000})
    out = refused("check", case)
    assert "refugees.csv:3" in out and over_limit("max_count", "count", 2_500_000_000_000) in out


def test_more_agents_than_the_people_limit_is_refused_with_the_way_out(tmp_path):
    n = int(limit("max_people")) + 1
    case = write_case(tmp_path, total={0: 0, 1: n})
    out = refused("check", case)
    assert "data_layout.csv" in out and "BORDERLAB_LIMIT_MAX_PEOPLE" in out and "hasten" in out


@pytest.mark.parametrize("cell", ["nan", "inf", "-inf", "1e300"])
def test_non_finite_or_huge_numbers_in_the_csv_files(tmp_path, cell):
    locs = LOCATIONS[:2] + [f"B,rb,X,{cell},1.0,town,,"] + LOCATIONS[3:]
    routes = ROUTES[:1] + [f"A,B,{cell},0", ROUTES[2]]
    conflicts = ["#Day,A"] + [f"{d},{cell if d == 2 else 1}" for d in range(11)]
    out = refused("check", write_case(tmp_path, locations=locs, routes=routes, conflicts=conflicts))
    assert "locations.csv:3" in out and "routes.csv:2" in out and "conflicts.csv:4" in out
    assert "3 problems found" in out


@pytest.mark.parametrize("value, message", [(".nan", "finite"), (".inf", "finite"), ("true", "expected a number, got true"),
                                            ("1e300", "BORDERLAB_LIMIT_MAX_VALUE")])
def test_settings_numbers_must_be_finite_numbers(tmp_path, value, message):
    case = write_case(tmp_path)
    text = (case / "simsetting.yml").read_text().replace("camp_weight: 1.0", f"camp_weight: {value}")
    (case / "simsetting.yml").write_text(text)
    out = refused("check", case)
    assert "simsetting.yml:" in out and "camp_weight" in out and message in out


def test_an_alias_bomb_in_simsetting_is_refused_at_once(tmp_path):
    case = write_case(tmp_path)
    bomb = "[" + ", ".join(["&a0 [" + ", ".join(["lol"] * 9) + "]"]
                           + [f"&a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 9)]) + "]"
    with (case / "simsetting.yml").open("a") as fh:
        fh.write(f"flood_rules: {bomb}\n")
    out = refused("check", case)
    assert "simsetting.yml:" in out and "BORDERLAB_LIMIT_MAX_YAML_NODES" in out


@pytest.mark.parametrize("header", ["#location,age", "location,age"])
def test_agents_csv_keeps_the_first_agent_whatever_the_header(tmp_path, header):
    settings = yaml.safe_load(yaml.safe_dump(SETTINGS))
    settings["spawn_rules"]["read_from_agents_csv_file"] = True
    case = write_case(tmp_path, settings=settings)
    (case / "input_csv" / "agents.csv").write_text(f"{header}\nA,20\n# a comment\nA,30\n\nB,40\n")
    assert read_flee_folder(case).scenario.initial_agents == {"A": 2, "B": 1}


def test_agents_csv_problems_name_the_line(tmp_path):
    settings = yaml.safe_load(yaml.safe_dump(SETTINGS))
    settings["spawn_rules"]["read_from_agents_csv_file"] = True
    case = write_case(tmp_path, settings=settings)
    (case / "input_csv" / "agents.csv").write_text("#location,age\nA,20\n,30\nAtlantis,40\n")
    out = refused("check", case)
    assert "agents.csv:3: empty location" in out and "unknown location 'Atlantis'" in out


def test_three_problems_in_three_files_are_all_reported(tmp_path):
    locs = LOCATIONS[:2] + ["B,rb,X,0.0,1.0,village,,"] + LOCATIONS[3:]
    case = write_case(tmp_path, locations=locs, routes=ROUTES + ["C,Q,40,0"], settings=settings_with(camp_weight=-1))
    out = refused("check", case)
    assert "3 problems found" in out
    assert "simsetting.yml" in out and "locations.csv:3: unknown location_type 'village'" in out
    assert "routes.csv:4: unknown location 'Q'" in out
    assert "unknown location 'B'" not in out   # B's row is broken: its routes are not blamed on it


def test_missing_settings_and_bad_rows_together(tmp_path):
    case = write_case(tmp_path, period=["StartDate,2020-01-01", "Length,0"])
    (case / "simsetting.yml").unlink()
    out = refused("check", case)
    assert "simsetting.yml: file not found" in out and "sim_period.csv:2: Length" in out


def test_data_problems_and_a_short_conflicts_table_together(tmp_path):
    case = write_case(tmp_path, camps={"C": {0: 0, 3: 10}}, corrections=["C,2020-01-05"],
                      conflicts=["#Day,A", "0,1", "1,1"])
    out = refused("check", case)
    assert "2 problems found" in out and "is not a date in C's series" in out and "conflicts.csv has 2 day rows" in out


def test_an_empty_routes_file_is_refused(tmp_path):
    out = refused("check", write_case(tmp_path, routes=["#name1,name2,distance,forced_redirection"]))
    assert "routes.csv: no routes" in out


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    case = write_case(tmp_path)
    path = case / "input_csv" / "routes.csv"
    path.write_bytes(path.read_bytes() + "B,Ségou,10,0\n".encode("latin-1"))
    out = refused("check", case)
    assert "routes.csv:4: not UTF-8" in out


def test_convert_refuses_a_folder_as_its_target(tmp_path):
    case = write_case(tmp_path / "case")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("keep")
    out = refused("flee", "convert", case, "--out", tmp_path / "d")
    assert str(tmp_path / "d") in out
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["keep.txt"]


def test_conflict_driven_spawning_beyond_the_people_limit_is_refused(tmp_path):
    settings = yaml.safe_load(yaml.safe_dump(SETTINGS))
    per_day = int(limit("max_people")) // 6 + 1          # one conflict zone, 6 days, intensity 1
    settings["spawn_rules"]["conflict_driven_spawning"] = {"spawn_mode": "constant", "displaced_per_conflict_day": per_day}
    out = refused("check", write_case(tmp_path / "over", settings=settings))
    assert "conflict-driven spawning" in out and "BORDERLAB_LIMIT_MAX_PEOPLE" in out
    settings["spawn_rules"]["conflict_driven_spawning"]["displaced_per_conflict_day"] = per_day - 2
    assert runner.invoke(app, ["check", str(write_case(tmp_path / "under", settings=settings))]).exit_code == 0
