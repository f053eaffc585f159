"""End to end through the command line: run, check, scenarios."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab import __version__
from borderlab.cli import app
from borderlab.scenario.loader import load_scenario
from conftest import BELARUS_PATH, TOY_PATH

runner = CliRunner()

REQUIRED_METRICS = [
    "new_arrivals_capital", "n_in_capital", "n_in_zone", "new_attempts", "new_turnbacks",
    "new_detentions", "new_undetected", "new_onward", "new_hospitalised", "new_deaths",
    "new_returns", "guard_utilisation", "guard_fatigue",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "toy"
    result = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return out


def test_run_writes_the_folder(run_dir):
    assert (run_dir / "daily.parquet").is_file()
    assert (run_dir / "daily.csv").is_file()
    assert (run_dir / "summary.json").is_file()
    assert (run_dir / "manifest.json").is_file()
    pngs = sorted((run_dir / "plots").glob("*.png"))
    assert len(pngs) >= 3
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    # nothing half-written is left next to it
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".toy")]


def test_daily_parquet_is_tidy_and_complete(run_dir):
    table = pq.read_table(run_dir / "daily.parquet")
    assert table.column_names == ["date", "scope", "metric", "value"]
    metrics = set(table.column("metric").to_pylist())
    for m in REQUIRED_METRICS:
        assert m in metrics, m
    rows = table.to_pylist()
    dates = sorted({str(r["date"]) for r in rows})
    assert dates[0] == "2021-09-01" and dates[-1] == "2021-09-14" and len(dates) == 14
    keys = [(str(r["date"]), r["scope"], r["metric"]) for r in rows]
    assert len(set(keys)) == len(keys)  # one value per (date, scope, metric)
    # the values are the toy's hand-computed ones
    zone = [r["value"] for r in rows if r["metric"] == "n_in_zone" and r["scope"] == "AA"]
    assert zone == [60, 60, 60, 60, 60, 70, 80] + [10] * 7
    onward = [r["value"] for r in rows if r["metric"] == "new_onward" and r["scope"] == "all"]
    assert onward == [0] * 9 + [30] + [10] * 4


def test_daily_csv_matches_parquet(run_dir):
    csv = pacsv.read_csv(run_dir / "daily.csv")
    par = pq.read_table(run_dir / "daily.parquet")
    assert csv.column_names == par.column_names
    assert csv.num_rows == par.num_rows
    assert np.allclose(csv.column("value").to_numpy(), par.column("value").to_numpy())
    assert csv.column("metric").to_pylist() == par.column("metric").to_pylist()


def test_manifest(run_dir):
    m = json.loads((run_dir / "manifest.json").read_text())
    assert m["seed"] == 3
    assert m["borderlab_version"] == __version__
    assert m["scenario"] == "toy-border"
    assert m["scenario_sha256"] == load_scenario("toy-border").sha256
    assert len(m["scenario_sha256"]) == 64
    assert isinstance(m["wall_time_s"], float) and m["wall_time_s"] > 0
    params = m["parameters"]
    assert params["defenders.AA.detection_k"] == 10.0
    assert params["defenders.AA.reception_capacity"] == 50.0
    assert "supply.routes.hub-capital.weekly_seats" in params
    assert "daily.parquet" in m["outputs"] and "summary.json" in m["outputs"]
    assert m["overrides"] == []


def test_summary(run_dir):
    s = json.loads((run_dir / "summary.json").read_text())
    assert s["seed"] == 3 and s["scenario"] == "toy-border"
    assert s["period"] == ["2021-09-01", "2021-09-14"]
    aa = s["countries"]["AA"]
    # 60×6 + 70 + 80 + 10×6 attempts; 60×6 + 70 turned back; 50 detained; 30 + 10×4 onward
    assert aa["totals"]["new_attempts"] == 570
    assert aa["totals"]["new_turnbacks"] == 430
    assert aa["totals"]["new_detentions"] == 50
    assert aa["totals"]["new_onward"] == 70
    assert aa["peaks"]["n_in_zone"] == {"value": 80.0, "date": "2021-09-07"}
    assert s["countries"]["all"]["totals"]["new_attempts"] == 570
    assert s["end_state"]["n_people"] == 200


def test_run_prints_a_summary_table(tmp_path):
    result = runner.invoke(app, ["run", "toy-border", "--out", str(tmp_path / "o"), "--no-plots"])
    assert result.exit_code == 0, result.output
    assert "AA" in result.output and "570" in result.output
    assert not (tmp_path / "o" / "plots").exists()
    quiet = runner.invoke(app, ["run", "toy-border", "--out", str(tmp_path / "q"), "--quiet", "--no-plots"])
    assert quiet.exit_code == 0 and "570" not in quiet.output
    assert (tmp_path / "q" / "daily.parquet").is_file()


def test_run_with_overrides_records_them(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--no-plots", "-q",
                                 "--set", "defenders.AA.reception_capacity=1000"])
    assert result.exit_code == 0, result.output
    m = json.loads((out / "manifest.json").read_text())
    assert m["overrides"] == ["defenders.AA.reception_capacity=1000"]
    assert m["parameters"]["defenders.AA.reception_capacity"] == 1000.0
    assert m["scenario_sha256"] != load_scenario("toy-border").sha256
    s = json.loads((out / "summary.json").read_text())
    assert s["countries"]["AA"]["totals"]["new_detentions"] == 140  # 80 + 6 × 10


def test_run_replaces_an_earlier_run_folder(tmp_path):
    out = tmp_path / "o"
    first = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--no-plots", "-q", "--seed", "8"])
    assert first.exit_code == 0, first.output
    (out / "stale.txt").write_text("from the earlier run")
    result = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--no-plots", "-q", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert not (out / "stale.txt").exists()  # replaced, not merged
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_run_never_replaces_a_folder_of_other_files(tmp_path, monkeypatch):
    """`--out .` (or a typo naming a real folder) must not delete what is there."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("precious")
    monkeypatch.chdir(project)
    for target in (".", str(project)):
        result = runner.invoke(app, ["run", "toy-border", "--out", target, "--no-plots", "-q"])
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
        assert "not written by borderlab" in result.output and "hint:" in result.output
    assert (project / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in project.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    result = runner.invoke(app, ["run", "toy-border", "--out", "notes.txt", "--no-plots", "-q"])
    assert result.exit_code == 2 and "not a folder" in result.output
    assert (project / "notes.txt").read_text() == "precious"
    # an empty folder is fine to fill
    (project / "empty").mkdir()
    result = runner.invoke(app, ["run", "toy-border", "--out", "empty", "--no-plots", "-q"])
    assert result.exit_code == 0, result.output
    assert (project / "empty" / "manifest.json").is_file()


def test_check_good_file():
    result = runner.invoke(app, ["check", str(TOY_PATH)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "toy-border" in result.output
    result = runner.invoke(app, ["check", "toy-border", "--show"])
    assert result.exit_code == 0
    assert "defenders.AA.detection_k = 10.0" in result.output


def test_check_set_reaches_every_path_check_show_lists():
    """`check --show` lists default tables (barriers, terrains): `--set` must reach them."""
    result = runner.invoke(app, ["check", "toy-border", "--show"])
    assert "barriers.wire.hold = 0.2" in result.output
    result = runner.invoke(app, ["check", "toy-border", "--set", "barriers.wire.hold=0.3",
                                 "--set", "terrains.forest.visibility=0.5", "--show"])
    assert result.exit_code == 0, result.output
    assert "barriers.wire.hold = 0.3" in result.output
    assert "barriers.wall.hold = 0.8" in result.output  # the rest of the table is kept
    assert "terrains.forest.visibility = 0.5" in result.output


def test_set_reaches_sections_left_out_of_the_file(tmp_path):
    """toy-border does not write orchestrator.trained_groups: --set still switches it on,
    and the contested assumption is flagged in summary.json."""
    out = tmp_path / "o"
    result = runner.invoke(app, ["run", "toy-border", "--out", str(out), "--no-plots",
                                 "--set", "orchestrator.trained_groups.enabled=true",
                                 "--set", "orchestrator.trained_groups.share=0.05"])
    assert result.exit_code == 0, result.output
    assert "UNVERIFIED" in result.output
    s = json.loads((out / "summary.json").read_text())
    assert any("trained_groups" in flag for flag in s["unverified_assumptions"])
    m = json.loads((out / "manifest.json").read_text())
    assert m["parameters"]["orchestrator.trained_groups.share"] == 0.05


def test_numbers_in_exponent_notation():
    """PyYAML reads `1e-3` (no dot) as text; parameters still take it as a number."""
    result = runner.invoke(app, ["check", "toy-border", "--set", "defenders.AA.detection_k=1e-3",
                                 "--set", "defenders.AA.reception_capacity=1e3", "--show"])
    assert result.exit_code == 0, result.output
    assert "defenders.AA.detection_k = 0.001" in result.output
    assert "defenders.AA.reception_capacity = 1000.0" in result.output


def test_check_belarus():
    if not BELARUS_PATH.exists():
        pytest.skip("belarus-eu-2021 scenario not written yet")
    result = runner.invoke(app, ["check", "belarus-eu-2021"])
    assert result.exit_code == 0, result.output


def test_check_free_lists_free_parameters_with_current_values():
    """`check --free` shows what calibrate/--vary/sensitivity will vary, after --set."""
    result = runner.invoke(app, ["check", "belarus-eu-2021", "--free",
                                 "--set", "defenders.PL.detection_k=2.5"])
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") >= 4}
    assert "defenders.PL.detection_k" in lines and "transit.capital_dwell_days" in lines
    assert "2.5" in lines["defenders.PL.detection_k"] and "[0.3, 6] log" in lines["defenders.PL.detection_k"]
    assert "supply.migrant_share" in lines and "defenders.PL.personnel" not in " ".join(lines)


def test_scenarios_lists_builtins():
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0
    assert "toy-border" in result.output
    if BELARUS_PATH.exists():
        assert "belarus-eu-2021" in result.output


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_console_script_end_to_end(tmp_path):
    """The installed `borderlab` command, in its own process."""
    exe = Path(sys.executable).with_name("borderlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "borderlab.cli"]
    out = tmp_path / "run"
    proc = subprocess.run(cmd + ["run", "toy-border", "--out", str(out), "--seed", "3", "--no-plots"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 3
    table = pq.read_table(out / "daily.parquet")
    assert table.column_names == ["date", "scope", "metric", "value"]


def test_ctrl_c_wrapped_by_a_library_still_exits_130(monkeypatch):
    """numba turns a KeyboardInterrupt that lands inside a compiled call into a SystemError;
    the CLI must still treat it as Ctrl-C (exit 130), not print a traceback."""
    import typer
    from typer.testing import CliRunner

    from borderlab.cli import user_errors

    def interrupted():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise SystemError("CPUDispatcher(<function expose_and_triage>) returned a result with an exception set") from exc

    app = typer.Typer()
    app.command()(user_errors(interrupted))
    result = CliRunner().invoke(app, [])
    assert isinstance(result.exception, KeyboardInterrupt) or result.exit_code in (1, 130)
    assert not isinstance(result.exception, SystemError)
