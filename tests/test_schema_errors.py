"""Bad input, one class at a time, through the CLI: exit code 2, no traceback, and a message
that names the file, the line, the field path and gives a hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from conftest import TOY_PATH

runner = CliRunner()


def cli(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def assert_user_error(result) -> str:
    """Exit code 2, no traceback, no crash; returns the message."""
    out = result.output
    assert result.exit_code == 2, out
    assert "Traceback" not in out
    # typer turns the user error into SystemExit(2); anything else is a crash
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error" in out
    return out


def broken(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> tuple[Path, int]:
    """toy-border with `old` (a unique piece of text) replaced; returns the file and the line."""
    text = TOY_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    at = text.index(old) + len(old) - len(old.lstrip("\n"))  # where its first line starts
    line = text[:at].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


# -- one test per class of bad input ---------------------------------------------------------
def test_malformed_yaml(tmp_path):
    path, line = broken(tmp_path, "  migrant_share: 1.0\n", "   migrant_share: 1.0\n")
    out = assert_user_error(cli("check", path))
    assert "malformed YAML" in out
    assert f"broken.yaml:{line + 1}" in out or f"broken.yaml:{line}" in out
    assert "hint:" in out and "indentation" in out


def test_unknown_field_suggests_the_right_one(tmp_path):
    path, line = broken(tmp_path, "  capital_dwell_days: 1", "  capital_dwel_days: 1")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (transit.capital_dwel_days)" in out
    assert "unknown field 'capital_dwel_days'" in out
    assert "did you mean 'capital_dwell_days'?" in out
    assert "allowed here:" in out and "staging_dwell_days" in out


def test_negative_capacity(tmp_path):
    path, line = broken(tmp_path, "    reception_capacity: 50", "    reception_capacity: -5")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (defenders[0].reception_capacity)" in out
    assert "-5" in out and "≥ 0" in out
    assert "hint:" in out


@pytest.mark.parametrize("old,new,field,name", [
    ("{from: inland, to: dest, km: 500, mode: car}", "{from: inland, to: nowhere, km: 500, mode: car}",
     "edges[4].to", "nowhere"),
    ("    zone: zone\n", "    zone: zonex\n", "segments[0].zone", "zonex"),
    ("    interior: inland\n", "    interior: inlandx\n", "segments[0].interior", "inlandx"),
    ("      hub: hub\n", "      hub: hubx\n", "supply.routes[0].hub", "hubx"),
], ids=["edge", "segment-zone", "segment-interior", "route"])
def test_reference_to_a_node_that_does_not_exist(tmp_path, old, new, field, name):
    path, line = broken(tmp_path, old, new)
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} ({field})" in out
    assert f"unknown node '{name}'" in out
    assert "hint: use one of:" in out and "capital" in out and "zone" in out


def test_unknown_event_type(tmp_path):
    path, line = broken(tmp_path, "type: annotation", "type: invade")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (events[1])" in out
    assert "unknown event type 'invade'" in out
    assert "hint: use one of:" in out and "close_crossing" in out and "set_pushback" in out


@pytest.mark.parametrize("bad", ["2021-13-01", "2021-02-30", "not-a-date", "01.09.2021"])
def test_bad_date(tmp_path, bad):
    path, line = broken(tmp_path, "\nstart: 2021-09-01", f"\nstart: {bad}")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (start)" in out
    assert "expected a date" in out and bad in out
    assert "YYYY-MM-DD" in out


def test_bad_date_in_an_event(tmp_path):
    path, line = broken(tmp_path, "date: 2021-09-08, country", "date: 2021-09-31, country")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (events[0].date)" in out
    assert "expected a date" in out


def test_missing_required_field(tmp_path):
    path, _ = broken(tmp_path, "  migrant_share: 1.0\n", "")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line_of(path, 'supply:')} (supply.migrant_share)" in out
    assert "missing required field 'migrant_share'" in out
    assert "hint:" in out


def test_duplicate_key(tmp_path):
    path, line = broken(tmp_path, "seed: 1\n", "seed: 1\nseed: 2\n")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line + 1}" in out
    assert f"key 'seed' appears twice (first on line {line})" in out
    assert "hint:" in out


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    out = assert_user_error(cli("check", missing))
    assert str(missing) in out and "not found" in out
    assert "hint:" in out and "borderlab scenarios" in out


def test_unknown_builtin_name(tmp_path):
    target = tmp_path / "out"
    out = assert_user_error(cli("run", "belarus-eu-2099", "--out", target))
    assert "belarus-eu-2099" in out and "not found" in out
    assert "hint:" in out and "borderlab scenarios" in out
    assert not target.exists()


@pytest.mark.parametrize("assignment,expected", [
    ("defenders.ZZ.detection_k=3", "nothing called 'ZZ' under defenders"),
    ("segments.AA-9.length_km=3", "nothing called 'AA-9' under segments"),
    ("noequals", "expected PATH=VALUE"),
])
def test_bad_set_path(assignment, expected):
    out = assert_user_error(cli("check", "toy-border", "--set", assignment))
    assert f"--set {assignment.split('=')[0]}" in out
    assert expected in out
    assert "hint:" in out


def test_bad_set_path_inside_a_section_is_named_with_what_is_allowed():
    out = assert_user_error(cli("check", "toy-border", "--set", "transit.capital_dwell.x=3"))
    assert "(transit.capital_dwell)" in out
    assert "unknown field 'capital_dwell'" in out
    assert "did you mean 'capital_dwell_days'?" in out


def test_set_unknown_leaf_field_is_named_with_a_suggestion():
    out = assert_user_error(cli("check", "toy-border", "--set", "defenders.AA.detection_kk=3"))
    assert "(defenders[0].detection_kk)" in out
    assert "did you mean 'detection_k'?" in out


@pytest.mark.parametrize("value,expected", [("abc", "expected a number, got 'abc'"),
                                            ("nan", "expected a finite number, got 'nan'")])
def test_set_value_that_is_not_a_number(value, expected):
    out = assert_user_error(cli("check", "toy-border", "--set", f"defenders.AA.detection_k={value}"))
    assert "(defenders[0].detection_k)" in out
    assert expected in out
    assert "hint:" in out


def test_exponent_notation_in_a_file_is_a_number(tmp_path):
    path, _ = broken(tmp_path, "    detection_k: 10.0", "    detection_k: 1e1")
    result = cli("check", path, "--show")
    assert result.exit_code == 0, result.output
    assert "defenders.AA.detection_k = 10.0" in result.output


def test_range_that_does_not_contain_the_value(tmp_path):
    path, line = broken(tmp_path, "    detection_k: 10.0", "    detection_k: {value: 10.0, range: [1, 5]}")
    out = assert_user_error(cli("check", path))
    assert f"broken.yaml:{line} (defenders[0].detection_k)" in out
    assert "value 10.0 lies outside its range [1.0, 5.0]" in out
    assert "hint:" in out


def test_range_via_set():
    out = assert_user_error(cli("check", "toy-border", "--set",
                                "defenders.AA.detection_k={value: 10, range: [1, 5]}"))
    assert "outside its range" in out and "(defenders[0].detection_k)" in out


def test_several_errors_reported_at_once(tmp_path):
    text = TOY_PATH.read_text(encoding="utf-8")
    text = text.replace("    reception_capacity: 50", "    reception_capacity: -5")
    text = text.replace("  capital_dwell_days: 1", "  capital_dwel_days: 1")
    text = text.replace("    detection_k: 10.0", "    detection_k: -1")
    path = tmp_path / "several.yaml"
    path.write_text(text, encoding="utf-8")
    out = assert_user_error(cli("check", path))
    problems = [ln for ln in out.splitlines() if ln.lstrip().startswith("- ")]
    assert len(problems) >= 3, out
    assert "problems found" in out
    assert "capital_dwel_days" in out and "reception_capacity" in out and "detection_k" in out


def test_several_reference_errors_reported_at_once(tmp_path):
    text = TOY_PATH.read_text(encoding="utf-8")
    text = text.replace("    interior: inland\n", "    interior: inlandx\n")
    text = text.replace("      hub: hub\n", "      hub: hubx\n")
    path = tmp_path / "refs.yaml"
    path.write_text(text, encoding="utf-8")
    out = assert_user_error(cli("check", path))
    assert "2 problems found" in out
    assert "unknown node 'inlandx'" in out and "unknown node 'hubx'" in out


def test_other_structural_errors(tmp_path):
    path, _ = broken(tmp_path, "end: 2021-09-14", "end: 2021-08-14")
    out = assert_user_error(cli("check", path))
    assert "end 2021-08-14 is before start 2021-09-01" in out
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    out = assert_user_error(cli("check", path))
    assert "YAML mapping" in out
    out = assert_user_error(cli("check", tmp_path))  # a folder without scenario.yaml
    assert "folder" in out


def test_run_with_bad_input_writes_nothing(tmp_path):
    path, _ = broken(tmp_path, "    reception_capacity: 50", "    reception_capacity: -5")
    target = tmp_path / "out"
    assert_user_error(cli("run", path, "--out", target))
    assert not target.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


# -- the real command, in a real process ----------------------------------------------------------
BORDERLAB = Path(sys.executable).with_name("borderlab")


@pytest.mark.parametrize("old,new", [
    ("\nstart: 2021-09-01", "\nstart: 2021-13-01"),
    ("  migrant_share: 1.0\n", "   migrant_share: 1.0\n"),
])
def test_real_process_exits_2_without_traceback(tmp_path, old, new):
    path, _ = broken(tmp_path, old, new)
    cmd = [str(BORDERLAB)] if BORDERLAB.exists() else [sys.executable, "-m", "borderlab.cli"]
    proc = subprocess.run(cmd + ["check", str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "broken.yaml:" in proc.stderr
