"""Reading Flee folders: typed inputs, explicit location types, settings, and clear errors
(file, line, fix; exit code 2 from the CLI, never a traceback)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import BorderlabError, ScenarioError
from borderlab.flee.location_types import Kind, classify
from borderlab.flee.reader import read_flee_folder
from borderlab.flee.settings import FleeSettings, parse_simsetting
from flee_case import LOCATIONS, ROUTES, SETTINGS, settings_with, write_case

runner = CliRunner()


def cli_error(folder, *extra) -> str:
    """Run `borderlab flee run` on a broken folder; assert exit 2 and no traceback."""
    result = runner.invoke(app, ["flee", "run", str(folder), "--out", str(folder / "run"), "--no-plots", "-q", *extra])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not (folder / "run").exists()
    return result.output


def test_reads_a_folder_into_typed_inputs(tmp_path):
    res = read_flee_folder(write_case(tmp_path, closures=["country,X,Y,0,3"], days=6))
    sc = res.scenario
    assert [loc.name for loc in sc.locations] == ["A", "B", "C"]
    assert [loc.type for loc in sc.locations] == ["conflict_zone", "town", "camp"]
    assert sc.locations[0].population == 1000 and sc.locations[1].population is None
    assert [(r.name1, r.name2, r.distance) for r in sc.routes] == [("A", "B", 100.0), ("B", "C", 150.0)]
    assert sc.closures[0].model_dump() == {"type": "country", "name1": "X", "name2": "Y", "start": 0, "end": 3}
    assert sc.conflicts.changes == {"A": [(0, 1.0)]} and sc.conflicts.days == 11
    assert sc.days == 6 and str(sc.start_date) == "2020-01-01"
    assert [s.name for s in sc.validation.series] == ["total", "C"]
    assert sc.settings.move_rules.max_move_speed == 120.0
    assert any(item.startswith("log_levels") for item in res.ignored_settings)
    assert res.locator.locate(("routes", 1)).endswith("routes.csv:3")


def test_location_types_are_mapped_explicitly():
    assert classify("conflict_zone") == (Kind.CONFLICT_ZONE, None)
    assert classify(" Town ") == (Kind.TOWN, None)
    assert classify("idpcamp") == (Kind.IDPCAMP, None)
    assert classify("forwarding_hub") == (Kind.FORWARDING_HUB, None)
    kind, note = classify("refugee_camp")          # Flee's substring rule, with a warning
    assert kind == Kind.CAMP and "substring" in note
    assert classify("village") == (None, None)


def test_extra_columns_become_attributes(tmp_path):
    locs = [LOCATIONS[0] + ',"IPC"', LOCATIONS[1] + ",3", LOCATIONS[2] + ",", LOCATIONS[3] + ",4"]
    routes = ["#name1,name2,distance,forced_redirection,max_move_speed", "A,B,100,0,50", "B,C,150,,"]
    sc = read_flee_folder(write_case(tmp_path, locations=locs, routes=routes)).scenario
    assert sc.locations[0].attributes == {"IPC": "3"}
    assert sc.routes[0].attributes == {"max_move_speed": "50"} and sc.routes[1].forced_redirection == 0


def test_missing_file(tmp_path):
    case = write_case(tmp_path)
    (case / "input_csv" / "routes.csv").unlink()
    out = cli_error(case)
    assert "routes.csv: file not found" in out and "hint:" in out


def test_missing_folder_and_settings(tmp_path):
    out = cli_error(tmp_path / "nowhere")
    assert "not found" in out
    case = write_case(tmp_path / "c")
    (case / "simsetting.yml").unlink()
    assert "simsetting.yml: file not found" in cli_error(case)


def test_missing_column(tmp_path):
    locs = LOCATIONS[:2] + ["B,rb,X,0.0,1.0,town,"] + LOCATIONS[3:]
    out = cli_error(write_case(tmp_path, locations=locs))
    assert "locations.csv:3: expected 8 columns" in out and "found 7" in out


def test_unknown_location_in_a_route(tmp_path):
    out = cli_error(write_case(tmp_path, routes=ROUTES + ["B,Cc,40,0"]))
    assert "routes.csv:4" in out and "unknown location 'Cc'" in out and "did you mean 'C'?" in out


def test_bad_dates(tmp_path):
    case = write_case(tmp_path, period=["StartDate,2020-13-01", "Length,6"])
    assert "sim_period.csv:1: bad date '2020-13-01'" in cli_error(case)
    case = write_case(tmp_path / "b")
    (case / "source_data" / "C.csv").write_text("Date,Refugee_numbers\n2020-01-01,0\n2020/01/05,4\n")
    out = cli_error(case)
    assert "C.csv:3: bad date '2020/01/05'" in out and "YYYY-MM-DD" in out
    case = write_case(tmp_path / "c", corrections=["C,31-01-2020"])
    assert "registration_corrections.csv:1: bad date" in cli_error(case)


def test_bad_numbers_and_names(tmp_path):
    locs = LOCATIONS[:2] + ["B,rb,X,0.0,1.0,village,,"] + LOCATIONS[3:]
    out = cli_error(write_case(tmp_path, locations=locs))
    assert "locations.csv:3: unknown location_type 'village'" in out
    out = cli_error(write_case(tmp_path / "b", routes=ROUTES[:2] + ["B,C,-5,0"]))
    assert "routes.csv:3: distance must be a number of km ≥ 0" in out
    out = cli_error(write_case(tmp_path / "c", closures=["border,X,Y,0,3"]))
    assert "closures.csv:2: unknown closure_type 'border'" in out
    out = cli_error(write_case(tmp_path / "d", closures=["country,X,Zed,0,3"]))
    assert "closures.csv:2" in out and "unknown country 'Zed'" in out
    out = cli_error(write_case(tmp_path / "e", locations=LOCATIONS + ["B,rb,X,0.0,1.0,town,,"]))
    assert "locations.csv:5" in out and "defined twice" in out
    locs = LOCATIONS[:1] + ["A,ra,X,0.0,0.0,conflict_zone,,1000"] + LOCATIONS[2:]
    assert "conflict zone 'A' has no conflict_date" in cli_error(write_case(tmp_path / "f", locations=locs))


def test_every_problem_is_reported_at_once(tmp_path):
    case = write_case(tmp_path, routes=ROUTES + ["B,Q,40,0", "A,B,far,0"], period=["StartDate,2020-01-01", "Length,x"])
    out = cli_error(case)
    # every problem at once: the two reading problems and the unknown name on a good row
    assert "routes.csv:5: distance must be" in out and "sim_period.csv:2: Length" in out
    assert "routes.csv:4: unknown location 'Q'" in out and "3 problems found" in out


def test_settings_and_file_problems_are_reported_together(tmp_path):
    settings = settings_with(camp_weight="heavy")
    case = write_case(tmp_path, settings=settings, routes=ROUTES + ["B,Q,40,0"], period=["StartDate,2020-01-01", "Length,x"])
    out = cli_error(case)
    assert "simsetting.yml" in out and "camp_weight" in out
    assert "sim_period.csv:2: Length" in out and "unknown location 'Q'" in out and "3 problems found" in out


def test_a_name_on_a_broken_row_is_not_blamed_twice(tmp_path):
    locs = LOCATIONS[:2] + ["B,rb,X,north,1.0,town,,"] + LOCATIONS[3:]
    out = cli_error(write_case(tmp_path, locations=locs))
    assert "locations.csv:3: latitude/longitude must be numbers" in out
    assert "unknown location 'B'" not in out and "1 problem found" in out


def test_camp_without_series_and_short_conflicts(tmp_path):
    case = write_case(tmp_path, camps={}, layout=["total,refugees.csv"])
    out = cli_error(case)
    assert "data_layout.csv" in out and "camp 'C' has no UNHCR series" in out
    case = write_case(tmp_path / "b", conflicts=["#Day,A", "0,1", "1,1"])
    out = cli_error(case)
    assert "conflicts.csv:1: conflicts.csv has 2 day rows but the run needs 6" in out and "--days" in out


def test_registration_correction_must_match_a_row(tmp_path):
    case = write_case(tmp_path, camps={"C": {0: 0, 3: 10}}, corrections=["C,2020-01-03"])
    out = cli_error(case)
    assert "registration_corrections.csv:1" in out and "2020-01-03 is not a date in C's series" in out


def test_settings_keys(tmp_path):
    raw = {"move_rules": {"camp_weight": 2.0, "capacity_scaling": 0.5, "campweight": 3, "max_crossing_speed": 5},
           "spawn_rules": {"camps_are_sicks": True}, "log_levels": {"agent": 1}, "optimisations": {"hasten": 2},
           "extras": {"x": 1}}
    parsed = parse_simsetting(raw, "simsetting.yml")
    s = parsed.settings
    assert s.move_rules.camp_weight == 2.0 and s.move_rules.capacity_scaling == 0.5
    assert s.spawn_rules.camps_are_sinks is True and s.hasten == 2
    text = "\n".join(parsed.warnings)
    assert "unknown key 'move_rules.campweight'" in text and "unknown section 'extras'" in text
    assert "max_crossing_speed" in "\n".join(parsed.ignored)
    assert FleeSettings().move_rules.conflict_weight == pytest.approx(1 / 3.16227766017)
    v1 = parse_simsetting({"move_rules": {"use_v1_rules": True, "camp_weight": 9}}, "s").settings.move_rules
    assert (v1.camp_weight, v1.conflict_weight, v1.max_move_speed) == (2.0, 0.25, 200.0)


def test_bad_setting_value_names_its_line(tmp_path):
    s = settings_with(max_move_speed="fast")
    out = cli_error(write_case(tmp_path, settings=s))
    assert "simsetting.yml:" in out and "max_move_speed" in out and "expected a number" in out
    s = settings_with()
    s["flood_rules"] = {"max_flood_level": 3}
    assert "flood-driven movement is not supported" in cli_error(write_case(tmp_path / "b", settings=s))


def test_overrides_are_checked(tmp_path):
    case = write_case(tmp_path)
    out = cli_error(case, "--set", "move_rules.camp_wieght=2")
    assert "unknown setting 'move_rules.camp_wieght'" in out
    with pytest.raises(ScenarioError):
        read_flee_folder(case, overrides={"move_rule.camp_weight": 2})
    res = read_flee_folder(case, overrides={"move_rules.camp_weight": 3, "optimisations.hasten": 2})
    assert res.scenario.settings.move_rules.camp_weight == 3 and res.scenario.settings.hasten == 2


def test_errors_are_borderlab_errors(tmp_path):
    with pytest.raises(BorderlabError):
        read_flee_folder(tmp_path / "missing")
    assert SETTINGS["move_rules"]["max_move_speed"] == 120.0   # the shared template was not mutated


def test_docs_list_every_setting_by_its_flee_name():
    from pathlib import Path

    from borderlab.flee.settings import settings_rows
    text = (Path(__file__).resolve().parents[1] / "docs" / "flee.md").read_text(encoding="utf-8")
    missing = [f"{section}.{name}" for section, name, _, _ in settings_rows() if f"`{name}`" not in text]
    assert not missing, f"docs/flee.md does not list: {missing}"
