"""Folders Flee 3.1 runs are run: the spellings public FabFlee configurations use (header
names, conflict_period.csv, trailing commas, extra correction columns) and inputs where Flee
has defined behaviour (a registration correction after a 0); what Flee would crash on later
is refused, saying so."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import ScenarioError
from borderlab.flee.runner import run_flee
from borderlab.flee.scenario_file import load_flee
from flee_case import LOCATIONS, ROUTES, SETTINGS, START, write_case

runner = CliRunner()


def same_case(a, b) -> bool:
    """Two folders read into the same case (names and provenance aside)."""
    da, db = (load_flee(f).scenario.model_dump(exclude={"name", "provenance"}) for f in (a, b))
    return da == db


@pytest.mark.parametrize("header", [
    "#name,region,country,lat,lon,location_type,conflict_date,pop/cap",
    "#name,region,country,latitude,longitude,location_type,conflict_date,population",
    '#"name","region","country","latitude","longitude","location_type","conflict_date","population/capacity"',
])
def test_location_header_spellings(tmp_path, header):
    assert same_case(write_case(tmp_path / "a"), write_case(tmp_path / "b", locations=[header] + LOCATIONS[1:]))


def test_header_lines_without_hash_are_skipped_with_a_warning(tmp_path):
    folder = write_case(tmp_path / "b", locations=["name,region,country,lat,lon,location_type,conflict_date,population"]
                        + LOCATIONS[1:], routes=["name1,name2,distance,forced_redirection"] + ROUTES[1:])
    assert same_case(write_case(tmp_path / "a"), folder)
    warnings = load_flee(folder).warnings
    assert any("locations.csv:1: header line without a leading '#'" in w for w in warnings)
    assert any("routes.csv:1: header line without a leading '#'" in w for w in warnings)


def test_trailing_commas_everywhere_change_nothing(tmp_path):
    plain = write_case(tmp_path / "a", closures=["country,X,Y,0,3"], corrections=["C,2020-01-03"],
                       camps={"C": {0: 4, 2: 8, 5: 16}})
    commas = write_case(tmp_path / "b", closures=["country,X,Y,0,3"], corrections=["C,2020-01-03"],
                        camps={"C": {0: 4, 2: 8, 5: 16}})
    for path in list((commas / "input_csv").glob("*.csv")) + list((commas / "source_data").glob("*.csv")):
        lines = path.read_text().splitlines()
        path.write_text("".join(f"{line}," + "\n" for line in lines))
    assert same_case(plain, commas)
    a, b = run_flee(plain, seed=1), run_flee(commas, seed=1)
    assert a.out_csv_rows() == b.out_csv_rows()


def test_a_named_extra_column_is_kept_even_when_empty(tmp_path):
    header = LOCATIONS[0] + ",conflict_intensity,IPC"
    folder = write_case(tmp_path, locations=[header] + [f"{line},,3," for line in LOCATIONS[1:]])
    assert [loc.attributes for loc in load_flee(folder).scenario.locations] == [{"conflict_intensity": "", "IPC": "3"}] * 3


def test_conflict_period_csv_is_read_when_sim_period_is_missing(tmp_path):
    folder = write_case(tmp_path, days=4)
    (folder / "input_csv" / "sim_period.csv").rename(folder / "input_csv" / "conflict_period.csv")
    sc = load_flee(folder).scenario
    assert (sc.start_date, sc.days) == (START, 4)


def test_both_period_files_differing_warns_and_uses_sim_period(tmp_path):
    folder = write_case(tmp_path, days=4)
    (folder / "input_csv" / "conflict_period.csv").write_text(f"StartDate,{START}\nLength,9\n")
    loaded = load_flee(folder)
    assert loaded.scenario.days == 4
    assert any("conflict_period.csv: StartDate/Length differ from sim_period.csv's" in w for w in loaded.warnings)
    (folder / "input_csv" / "conflict_period.csv").write_text(f"StartDate,{START}\nLength,4\n")
    assert not any("conflict_period" in w for w in load_flee(folder).warnings)


def test_fabflee_correction_rows_with_a_third_column(tmp_path):
    """FabFlee's car config writes `Amboko,2015-09-30,"normalize"`; Flee reads the first two."""
    folder = write_case(tmp_path, camps={"C": {0: 4, 2: 8, 5: 16}}, corrections=['C,2020-01-03,"normalize"'])
    # rows before day 2 × 8 / 4: day 0 is 8; day 1 interpolates 8 → 8
    assert run_flee(folder, seed=0, days=3).sim.data_camp[:, 0].tolist() == [8, 8, 8]


def test_correction_after_a_zero_before_the_start_is_run_with_a_warning(tmp_path):
    """The row before 2020-01-01 is 0: Flee 3.1 divides by 0 rescaling the rows before the
    start, which no simulated day reads, and runs; so does borderlab, saying so."""
    folder = write_case(tmp_path, camps={"C": {-20: 0, -10: 0, 0: 5, 3: 11}}, corrections=["C,2020-01-01"])
    run = run_flee(folder, seed=0, days=5)
    assert run.sim.data_camp[:, 0].tolist() == [5, 7, 9, 11, 11]
    assert any("registration_corrections.csv:1: C 2020-01-01: the row before that date is 0" in w
               and "no simulated day reads them" in w for w in run.warnings)


def test_correction_after_a_zero_read_by_the_run_is_refused_as_a_flee_crash(tmp_path):
    folder = write_case(tmp_path, camps={"C": {0: 0, 3: 10}}, corrections=["C,2020-01-04"])
    with pytest.raises(ScenarioError) as exc:
        run_flee(folder, seed=0)
    msg = str(exc.value)
    assert "registration_corrections.csv:1" in msg and "the row before that date is 0" in msg
    assert "would crash in Flee" in msg
    out = runner.invoke(app, ["check", str(folder)])
    assert out.exit_code == 2 and "would crash in Flee" in out.output and "Traceback" not in out.output


def test_no_total_series_under_conflict_driven_spawning(tmp_path):
    """Flee 3.1 reads the total only to spawn from data: without it, conflict-driven cases
    run, with a total error of 0 (Flee's raw count stays 0)."""
    settings = yaml.safe_load(yaml.safe_dump(SETTINGS))
    settings["spawn_rules"]["conflict_driven_spawning"] = {"spawn_mode": "constant", "displaced_per_conflict_day": 5}
    folder = write_case(tmp_path, settings=settings, layout=["C,C.csv"], days=4)
    run = run_flee(folder, seed=0)
    assert run.sim.new_agents.tolist() == [5, 5, 5, 5]
    assert run.ard == 0.0
    assert any("no 'total' series: under conflict-driven spawning" in w for w in run.warnings)
    settings["spawn_rules"].pop("conflict_driven_spawning")
    folder = write_case(tmp_path / "data", settings=settings, layout=["C,C.csv"], days=4)
    with pytest.raises(ScenarioError, match="no 'total' series"):
        load_flee(folder)
