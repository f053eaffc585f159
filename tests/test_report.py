"""report.html (`borderlab report`, docs/report.md): one self-contained page per output folder,
written by the commands unless --no-report (or --no-plots), and the figure builders the
explorer reuses (map, timeline, assumptions, time series)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.report import (Line, ObservedMark, Panel, assumptions_rows, build_report, map_figure, series_figure,
                              timeline_figure, write_report_for)
from borderlab.report.layout_geo import node_places, region
from borderlab.report.page import SIGNATURE
from borderlab.reporting.summary import flatten_params
from borderlab.scenario.loader import load_scenario
from conftest import BELARUS, TOY

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "toy"
    result = invoke("run", TOY, "--out", out, "--seed", 3, "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def belarus():
    return load_scenario(BELARUS).scenario


def figure_count(html: str) -> int:
    return int(re.search(r'<meta name="borderlab-figures" content="(\d+)">', html).group(1))


def outside_plotly(html: str) -> str:
    """The page without the inlined plotly.js (whose source mentions URLs it never fetches here)."""
    from plotly.offline import get_plotlyjs
    assert html.count(get_plotlyjs()) == 1     # inlined exactly once
    return html.replace(get_plotlyjs(), "")


# -- the page ------------------------------------------------------------------------------

def test_run_writes_a_self_contained_report(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>" + SIGNATURE)
    assert "report.html" in json.loads((run_dir / "manifest.json").read_text())["outputs"]
    rest = outside_plotly(html)
    n = figure_count(html)
    assert n >= 6 and rest.count("Plotly.newPlot(") == n and rest.count('class="plotly-graph-div"') == n
    # nothing is fetched: no external script, style, font, image or MathJax
    assert not re.search(r'<script[^>]+src=|<link\b|@import|url\(|src="http|cdn\.plot\.ly|mathjax', rest, re.I)
    assert '"displaylogo": false' in rest
    for title in ("Summary per country", "Timeline", "Crossings", "People in the zone", "Deaths", "Guard fatigue",
                  "Map", "Assumptions", "Provenance"):
        assert f"<h2>{title}</h2>" in rest


def test_summary_table_holds_the_runs_totals(run_dir):
    from borderlab.report.run_sections import run_report

    summary = json.loads((run_dir / "summary.json").read_text())
    _, _, sections = run_report(run_dir)
    table = sections[0].blocks[0]
    rows = {r[0]: dict(zip(table.columns, r)) for r in table.rows}
    for scope in ("AA", "all"):
        totals = summary["countries"][scope]["totals"]
        assert rows[scope]["attempts"] == f"{totals['new_attempts']:,.0f}"
        assert rows[scope]["turnbacks"] == f"{totals['new_turnbacks']:,.0f}"
        assert rows[scope]["onward"] == f"{totals['new_onward']:,.0f}"


def test_provenance_names_the_seed_hashes_and_the_final_folder(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    rest = outside_plotly((run_dir / "report.html").read_text(encoding="utf-8"))
    assert manifest["scenario_sha256"] in rest and manifest["scenario_file_sha256"] in rest
    assert f"<td>seed</td><td>{manifest['seed']}</td>" in rest
    assert f"<td>folder</td><td>{run_dir.resolve()}</td>" in rest      # not the temporary .toy.partial-* name
    assert ".partial-" not in rest


def test_no_report_and_no_plots_write_none(tmp_path):
    for flag, name in (("--no-report", "a"), ("--no-plots", "b")):
        out = tmp_path / name
        assert invoke("run", TOY, "--out", out, flag, "-q").exit_code == 0
        assert not (out / "report.html").exists()
        assert "report.html" not in json.loads((out / "manifest.json").read_text())["outputs"]


def test_report_command_rewrites_and_writes_elsewhere(run_dir, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(run_dir, folder)
    (folder / "report.html").unlink()
    result = invoke("report", folder)
    assert result.exit_code == 0 and (folder / "report.html").is_file()
    target = tmp_path / "shared" / "toy.html"
    assert invoke("report", folder, "--out", target).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>" + SIGNATURE)
    assert invoke("report", folder, "--out", target).exit_code == 0      # its own report: replaced
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my notes</html>")
    refused = invoke("report", folder, "--out", mine)
    assert refused.exit_code == 2 and "not written by borderlab" in refused.output
    assert mine.read_text() == "<html>my notes</html>"
    assert invoke("report", folder, "--out", mine, "--force").exit_code == 0
    assert SIGNATURE in mine.read_text(encoding="utf-8")


def test_report_refuses_what_is_not_an_output_folder(tmp_path):
    missing = invoke("report", tmp_path / "nothing")
    assert missing.exit_code == 2 and "folder not found" in missing.output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("x")
    foreign = invoke("report", plain)
    assert foreign.exit_code == 2 and "not a borderlab output folder" in foreign.output
    validation = tmp_path / "val"
    validation.mkdir()
    (validation / ".borderlab.json").write_text(json.dumps({"kind": "validation"}))
    other = invoke("report", validation)
    assert other.exit_code == 2 and "a validation folder has no report" in other.output
    assert not (plain / "report.html").exists() and not (validation / "report.html").exists()


# -- the figure builders the explorer reuses ---------------------------------------------------

def test_assumptions_rows_list_every_parameter_with_its_provenance(belarus):
    rows = assumptions_rows(belarus)
    by_path = {r["path"]: r for r in rows}
    flat = flatten_params(belarus.model_dump(mode="json", by_alias=True))
    plain = [r for r in rows if isinstance(r["value"], float)]
    assert plain and all(flat[r["path"]] == r["value"] for r in plain)
    seg = next(s for s in belarus.segments if s.id == "PL-plaska")
    row = by_path["segments.PL-plaska.length_km"]
    assert (row["value"], row["source"], row["confidence"], row["contested"]) == (
        seg.length_km.value, seg.length_km.source, "official", False)
    assert by_path["orchestrator.trained_groups.share"]["contested"]      # the UNVERIFIED claim
    assert by_path["orchestrator.trained_groups.share"]["range"] == [0.0, 0.05]
    free = {r["path"] for r in rows if r["free"]}
    from borderlab.calibration.free_params import find_free_params
    assert free == {p.path for p in find_free_params(belarus)}


def test_map_places_nodes_at_their_coordinates_and_colours_segments(belarus):
    crossings = {s.id: float(i) for i, s in enumerate(belarus.segments)}
    fig = map_figure(belarus, crossings)
    capital = next(t for t in fig.data if t.name == "capital")
    minsk = next(n for n in belarus.nodes if n.id == "minsk")
    assert (capital.x[0], capital.y[0]) == (minsk.lon, minsk.lat)
    segments = next(t for t in fig.data if t.name == "border segments")
    assert list(segments.marker.color) == [crossings[s.id] for s in belarus.segments]
    assert segments.marker.cmax == max(crossings.values())
    places, geographic = node_places(belarus)
    x0, x1, y0, y1 = region(places, belarus)
    assert geographic
    far = [n.id for n in belarus.nodes if places[n.id].how == "pinned"]
    assert "baghdad" in far and "minsk" not in far
    assert all(x0 - 1e-9 <= places[n].x <= x1 + 1e-9 and y0 - 1e-9 <= places[n].y <= y1 + 1e-9 for n in far)


def test_map_of_a_scenario_without_coordinates_is_schematic():
    toy = load_scenario(TOY).scenario
    fig = map_figure(toy)
    assert "schematic" in fig.layout.title.text
    places, geographic = node_places(toy)
    assert not geographic and {p.how for p in places.values()} == {"schematic"}


def test_timeline_shows_every_event_and_tactic_phase(belarus):
    fig = timeline_figure(belarus)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in markers) == len(belarus.events)
    urls = [u for t in markers for u in t.customdata if u]
    assert len(urls) == sum(1 for e in belarus.events if (e.source or "").startswith("http"))
    bars = [t for t in fig.data if t.mode == "lines" and t.y[0] == "orchestrator tactics"]
    assert len(bars) == len(belarus.orchestrator.tactics)
    assert list(fig.layout.xaxis.range) == [str(belarus.start), str(belarus.end + dt.timedelta(days=1))]


def test_series_figure_draws_bands_observed_figures_and_one_legend_entry_per_name():
    x = np.arange("2021-09-01", "2021-09-11", dtype="datetime64[D]")
    y = np.arange(10.0)
    band = (y - 1, y + 1)
    mark = ObservedMark("observed", dt.date(2021, 9, 2), dt.date(2021, 9, 4), 5.0, "https://example.org/fig")
    panels = [Panel("a", [Line("model", x, y, band=band, inner=(y - 0.5, y + 0.5))], [mark]),
              Panel("b", [Line("model", x, 2 * y)])]
    fig = series_figure(panels)
    fills = [t for t in fig.data if t.fill == "tonexty"]
    assert len(fills) == 2 and list(fills[0].y) == list(band[0])
    central = [t for t in fig.data if t.name == "model"]
    assert [t.showlegend for t in central] == [True, False]
    assert [tuple(c) for c in central[0].customdata] == list(zip(band[0], band[1]))
    observed = next(t for t in fig.data if t.name == "observed")
    assert list(observed.customdata) == ["https://example.org/fig"] and list(observed.y) == [5.0]


# -- studies -------------------------------------------------------------------------------

def test_ensemble_report_draws_the_quantile_bands(tmp_path):
    from borderlab.report.run_sections import run_report

    out = tmp_path / "ens"
    assert invoke("ensemble", TOY, "--runs", 3, "-w", 1, "--out", out, "-q").exit_code == 0
    assert (out / "report.html").is_file()
    _, _, sections = run_report(out)
    crossings = next(s for s in sections if s.title == "Crossings").blocks[0]
    q = pq.read_table(out / "quantiles.parquet").to_pandas()
    q = q[(q.metric == "new_attempts") & (q.scope == "AA")].sort_values("date")
    outer = [t for t in crossings.data if t.fill == "tonexty"][0]     # first band: attempts 5–95 %
    assert np.allclose(outer.y, q.q05) and np.allclose(crossings.data[0].y, q.q95)
    attempts = next(t for t in crossings.data if t.name == "model attempts")
    assert np.allclose(attempts.y, q.q50)
    quiet = tmp_path / "ens-no-report"
    assert invoke("ensemble", TOY, "--runs", 1, "-w", 1, "--out", quiet, "-q", "--no-report").exit_code == 0
    assert (quiet / "quantiles.parquet").is_file() and not (quiet / "report.html").exists()


@pytest.mark.parametrize("kind, args, section", [
    ("sensitivity", ["sensitivity", TOY, "--method", "morris", "--samples", 2, "--metric", "new_attempts",
                     "-w", 1, "-q"], "Sensitivity ranking"),
    ("compare", ["compare", TOY, "--variant", "{variant}", "--runs", 2, "-w", 1, "-q"], "Comparison"),
    ("tradeoffs", ["tradeoffs", TOY, "--lever", "defenders.AA.detection_k=0.1:0.5", "--objective", "deaths",
                   "--objective", "crossings", "--trials", 2, "-q"], "Trade-offs"),
])
def test_studies_write_their_report(tmp_path, kind, args, section):
    variant = tmp_path / "noop.yaml"
    variant.write_text("name: noop\nset: {}\n")
    out = tmp_path / kind
    result = invoke(*[str(variant) if a == "{variant}" else a for a in args], "--out", out)
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"<h2>{section}</h2>" in html and "<h2>Provenance</h2>" in html
    assert figure_count(html) >= 1


def test_calibration_report_has_the_fit_table_and_marks_the_cut_off(run_dir, tmp_path):
    from borderlab.report.study_sections import calibration_report

    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / ".borderlab.json").write_text(json.dumps({"kind": "calibration"}))
    shutil.copytree(run_dir, folder / "forecast")
    fit = {"scenario": "toy-border", "until": "2021-09-07",
           "parameters": [{"path": "defenders.AA.detection_k", "original": 0.2, "calibrated": 0.31, "low": 0.01,
                           "high": 0.5, "log_scale": True, "source": None}],
           "trials": {"complete": 4, "best": 2},
           "training": {"before": {"score": 0.9, "series": [{"country": "AA", "metric": "m", "n": 2, "error": 0.9}]},
                        "after": {"score": 0.2, "series": [{"country": "AA", "metric": "m", "n": 2, "error": 0.2}]}}}
    (folder / "fit_report.json").write_text(json.dumps(fit))
    _, _, sections = calibration_report(folder)
    params, series = sections[0].blocks
    assert params.rows == [["defenders.AA.detection_k", 0.2, 0.31, 0.01, 0.5, "yes", None]]
    assert series.rows == [["AA m", 2, 0.9, 0.2]]
    crossings = next(s for s in sections if s.title == "Forecast: crossings").blocks[0]
    assert [s.x0 for s in crossings.layout.shapes] == ["2021-09-07"]
    assert build_report(folder).count("Plotly.newPlot(") >= 6


def test_flee_run_report_shows_camps_against_unhcr(tmp_path):
    from flee_case import write_case

    case = write_case(tmp_path / "case")
    out = tmp_path / "flee"
    assert invoke("flee", "run", case, "--out", out, "-q").exit_code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    ard = json.loads((out / "summary.json").read_text())["ard"]
    assert "<h2>Camps against UNHCR</h2>" in html and f"ARD {ard:.3f}" in html
    write_report_for(out)   # rewriting in place works too


def test_flee_calibration_report_compares_shipped_and_calibrated_settings(tmp_path):
    from borderlab.flee.calibration_forecast import band_table
    from borderlab.report.study_sections import calibration_report

    folder = tmp_path / "fcal"
    folder.mkdir()
    dates = np.arange("2020-01-01", "2020-01-05", dtype="datetime64[D]")
    q = np.arange(20.0).reshape(5, 4, 1)           # 5 quantiles × 4 days × 1 camp
    pq.write_table(band_table(dates, ["C"], {"shipped": q, "calibrated": q + 1}, np.full((4, 1), 7.0)),
                   folder / "forecast.parquet")
    fit = {"format": "borderlab-flee-calibration/1", "case": "line", "until_day": 1, "until_date": "2020-01-02",
           "params": [{"path": "move_rules.default_movechance", "shipped": 0.1, "fitted": 0.6, "low": 0.1, "high": 1.0,
                       "log": False, "integer": False, "source": "tutorial"}],
           "ard": {"shipped": {"training": {"mean": 0.4, "sd": 0.01}, "after": {"mean": 0.3, "sd": 0.02}},
                   "calibrated": {"training": {"mean": 0.1, "sd": 0.0}, "after": {"mean": 0.05, "sd": 0.01}}},
           "camps_after": [{"camp": "C", "shipped": 0.3, "calibrated": 0.05}], "forecast": {"runs_per_arm": 2}}
    (folder / "fit_report.json").write_text(json.dumps(fit))
    _, _, sections = calibration_report(folder)
    params, ard, camps = sections[0].blocks
    assert params.rows == [["move_rules.default_movechance", 0.1, 0.6, 0.1, 1.0, "", "tutorial"]]
    assert ard.rows == [["shipped", "0.4000 ± 0.0100", "0.3000 ± 0.0200"], ["calibrated", "0.1000 ± 0.0000", "0.0500 ± 0.0100"]]
    fig = sections[1].blocks[0]
    calibrated = next(t for t in fig.data if t.name == "calibrated")
    assert list(calibrated.y) == list(q[2, :, 0] + 1)                 # the median
    assert list(next(t for t in fig.data if t.name == "UNHCR").y) == [7.0] * 4
    assert [s.x0 for s in fig.layout.shapes] == ["2020-01-02"]
