"""`borderlab flee run|convert` end to end on a hand-made folder."""

from __future__ import annotations

import csv
import json
import shutil

import pyarrow.parquet as pq
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.flee.runner import run_flee
from flee_case import settings_with, write_case

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_run_writes_flee_outputs(tmp_path):
    case = write_case(tmp_path / "case")
    out = tmp_path / "run"
    result = invoke("flee", "run", case, "--out", out, "--seed", 4)
    assert result.exit_code == 0, result.output
    assert "ARD" in result.output
    for f in ("out.csv", "daily.parquet", "daily.csv", "summary.json", "manifest.json", "plots/camps.png",
              "plots/total_error.png"):
        assert (out / f).is_file(), f
    rows = list(csv.reader((out / "out.csv").read_text().splitlines()))
    assert rows[0] == ["Day", "Date", "C sim", "C data", "C error", "Total error", "refugees in camps (UNHCR)",
                       "total refugees (simulation)", "raw UNHCR refugee count", "refugees in camps (simulation)",
                       "refugee_debt"]
    assert [r[2] for r in rows[1:]] == ["0", "0", "10", "30", "30", "30"]       # C sim, worked out by hand
    assert rows[3][1] == "2020-01-03" and float(rows[3][5]) == 10 / 30
    table = pq.read_table(out / "daily.parquet")
    assert table.column_names == ["date", "scope", "metric", "value"]
    assert str(table.schema.field("date").type) == "date32[day]"
    recs = [r for r in table.to_pylist() if r["scope"] == "all" and r["metric"] == "n_agents"]
    assert [r["value"] for r in recs] == [0, 10, 30, 30, 30, 30]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ard"] == round((10 / 30 + 3) / 6, 6) and summary["seed"] == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"] == "flee" and manifest["seed"] == 4 and "out.csv" in manifest["outputs"]
    assert manifest["settings"]["move_rules"]["max_move_speed"] == 120.0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_run_options_days_set_and_separate_parts(tmp_path):
    case = write_case(tmp_path / "case")
    out = tmp_path / "r1"
    result = invoke("flee", "run", case, "--out", out, "--days", 3, "--set", "move_rules.max_move_speed=200", "-q", "--no-plots")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((out / "out.csv").read_text().splitlines()))
    assert [r[2] for r in rows[1:]] == ["0", "10", "30"]                        # 200 km/day: same-day arrival
    # the three parts given one by one, from another layout
    moved = tmp_path / "elsewhere"
    shutil.copytree(case / "input_csv", moved / "geo")
    shutil.copytree(case / "source_data", moved / "unhcr")
    shutil.copy(case / "simsetting.yml", moved / "rules.yml")
    out2 = tmp_path / "r2"
    result = invoke("flee", "run", "--input-csv", moved / "geo", "--source-data", moved / "unhcr",
                    "--settings", moved / "rules.yml", "--out", out2, "--seed", 4, "-q", "--no-plots")
    assert result.exit_code == 0, result.output
    ref = run_flee(case, seed=4)
    assert list(csv.reader((out2 / "out.csv").read_text().splitlines())) == [[str(x) for x in r] for r in ref.out_csv_rows()]


def test_convert_round_trip_gives_the_same_run(tmp_path):
    case = write_case(tmp_path / "case", total={0: 0, 1: 400, 2: 900},
                      settings=settings_with(conflict_weight=0.5, default_movechance=0.4), closures=["country,X,Y,1,2"])
    target = tmp_path / "case.yaml"
    result = invoke("flee", "convert", case, "--out", target)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(target.read_text())
    assert data["model"] == "flee" and data["settings"]["move_rules"]["default_movechance"] == 0.4
    assert {s["name"] for s in data["validation"]["series"]} == {"total", "C"}
    a, b = run_flee(case, seed=11), run_flee(target, seed=11)
    assert a.out_csv_rows() == b.out_csv_rows()
    # with the series left in their files
    linked = tmp_path / "sub" / "linked.yaml"
    assert invoke("flee", "convert", case, "--out", linked, "--link-series").exit_code == 0
    text = linked.read_text()
    assert "file: ../case/source_data/refugees.csv" in text
    assert run_flee(linked, seed=11).out_csv_rows() == a.out_csv_rows()


def test_yaml_errors_name_the_line(tmp_path):
    case = write_case(tmp_path / "case")
    target = tmp_path / "case.yaml"
    invoke("flee", "convert", case, "--out", target)
    text = target.read_text()
    bad = text.replace("  max_move_speed: 120.0", "  max_move_speed: 120.0\n    speed_limit: 3", 1)
    (tmp_path / "bad.yaml").write_text(bad)
    result = invoke("flee", "run", tmp_path / "bad.yaml", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 2
    line = bad.splitlines().index("    speed_limit: 3") + 1
    assert f"bad.yaml:{line}" in result.output and "unknown field 'speed_limit'" in result.output
    bad = text.replace("name2: B", "name2: Bx", 1)
    (tmp_path / "bad2.yaml").write_text(bad)
    result = invoke("flee", "run", tmp_path / "bad2.yaml", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 2 and "unknown location 'Bx'" in result.output
    (tmp_path / "other.yaml").write_text("name: x\n")
    result = invoke("flee", "run", tmp_path / "other.yaml", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 2 and "model: flee" in result.output


def test_parts_without_a_folder_must_all_be_given(tmp_path):
    case = write_case(tmp_path / "case")
    result = invoke("flee", "run", "--input-csv", case / "input_csv", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 2 and "--source-data, --settings missing" in result.output
    result = invoke("flee", "convert", tmp_path / "nowhere")
    assert result.exit_code == 2 and "not found" in result.output


def test_refuses_to_replace_a_folder_that_is_not_a_run(tmp_path):
    case = write_case(tmp_path / "case")
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "a.txt").write_text("keep")
    result = invoke("flee", "run", case, "--out", precious, "-q")
    assert result.exit_code == 2 and "not written by borderlab" in result.output
    assert (precious / "a.txt").read_text() == "keep"


def test_plain_run_hands_a_flee_source_to_the_flee_engine(tmp_path):
    """`borderlab run` takes a Flee folder or a converted YAML wherever it takes a scenario."""
    case = write_case(tmp_path / "case")
    by_flee, by_run = tmp_path / "a", tmp_path / "b"
    assert invoke("flee", "run", case, "--out", by_flee, "--seed", 2, "-q").exit_code == 0
    result = invoke("run", case, "--out", by_run, "--seed", 2, "-q")
    assert result.exit_code == 0, result.output
    assert (by_run / "out.csv").read_text() == (by_flee / "out.csv").read_text()
    yaml_file = tmp_path / "case.flee.yaml"
    assert invoke("flee", "convert", case, "--out", yaml_file).exit_code == 0
    by_yaml = tmp_path / "c"
    assert invoke("run", yaml_file, "--out", by_yaml, "--seed", 2, "-q").exit_code == 0
    assert (by_yaml / "out.csv").read_text() == (by_flee / "out.csv").read_text()
