"""Reports of studies: calibration (fit table, forecast bands), sensitivity (ranking), Flee
runs and ensembles (camps against UNHCR, ARD), compare / allocate / tradeoffs (their tables
and a chart of each), backtest and forecast (their tables and figures).

Each reads what its command writes (docs/studies.md, decisions.md, flee.md, backtests.md);
the PNGs a command drew are inlined too, so nothing of the folder is lost in the report.
"""

from __future__ import annotations

from pathlib import Path

from .detect import report_kind
from .common_sections import assumptions_section, map_section, png_blocks, provenance_section, timeline_section
from .flee_calibration_sections import flee_calibration_sections, is_flee_calibration
from .folder_data import read_json, scenario_of_manifest
from .page import Section, Table
from .style import base_layout, esc, shown_folder

MAX_ROWS = 500   # a table longer than this shows its first rows (the CSV beside the report has all)


def csv_table(path: Path, caption: str = "", max_rows: int = MAX_ROWS) -> Table | None:
    """A CSV written by a study as a report table; None when the file is absent."""
    import pyarrow.csv as pacsv

    if not Path(path).is_file():
        return None
    rows = pacsv.read_csv(path).to_pylist()
    cols = list(rows[0]) if rows else []
    more = f" (first {max_rows} of {len(rows)} rows; all in {Path(path).name})" if len(rows) > max_rows else ""
    return Table(cols, [[r[c] for c in cols] for r in rows[:max_rows]], caption=(caption or Path(path).name) + more)


def _csv_rows(path: Path) -> list[dict]:
    import pyarrow.csv as pacsv
    return pacsv.read_csv(path).to_pylist() if Path(path).is_file() else []


def _scenario_sections(manifest: dict) -> list[Section]:
    sc = scenario_of_manifest(manifest)
    if sc is None:
        return []
    x_range = [str(sc.start), str(sc.end)]
    return [timeline_section(sc, x_range), map_section(sc, None), assumptions_section(sc)]


def _header(folder: Path, manifest: dict, what: str) -> tuple[str, str]:
    name = manifest.get("scenario") or manifest.get("case") or manifest.get("source") or Path(folder).name
    return f"borderlab report: {name}", f"{esc(what)} · {esc(shown_folder(folder))}"


def _study_page(folder: Path, manifest: dict, what: str, sections: list[Section]):
    """A study's page: its own sections, then the scenario's (map, timeline, assumptions) and the provenance."""
    return (*_header(folder, manifest, what), sections + _scenario_sections(manifest) + [provenance_section(folder, manifest)])


def _tables_section(title: str, intro: str, folder: Path, files: list[tuple[str, str]], extra=()) -> Section:
    blocks = list(extra) + [t for t in (csv_table(Path(folder) / f, cap) for f, cap in files) if t is not None]
    return Section(title, intro, blocks)


def calibration_report(folder: Path):
    folder = Path(folder)
    fit = read_json(folder / "fit_report.json", required=True)
    manifest = {**fit, "study": "calibration"}
    if is_flee_calibration(fit):
        sections = flee_calibration_sections(folder, fit) + [Section("Calibration figures", "", png_blocks(folder)),
                                                              provenance_section(folder, manifest)]
        return (*_header(folder, manifest, f"Flee calibration up to day {fit.get('until_day')}"), sections)
    sections = [_fit_section(fit)]
    sections += _forecast_sections(folder, ("forecast_ensemble", "forecast"), fit.get("until"),
                                   "From the calibrated scenario ({sub}/), fitted on observed figures up to {until}; "
                                   "after that date it is a forecast. ")
    sc = scenario_of_manifest({"scenario_file": str(folder / "calibrated.yaml")}) if (folder / "calibrated.yaml").is_file() else None
    if sc is not None:
        sections.append(assumptions_section(sc))
    sections += [Section("Calibration figures", "The PNG figures the calibration drew.", png_blocks(folder))]
    sections.append(provenance_section(folder, manifest))
    return (*_header(folder, manifest, f"calibration up to {fit.get('until')}"), sections)


FORECAST_SECTIONS = {"Summary per country", "Timeline", "Crossings", "People in the zone", "Deaths", "Guard fatigue",
                     "Map", "Camps against UNHCR", "Error (ARD)"}


def _forecast_sections(folder: Path, subs: tuple[str, ...], until, intro: str) -> list[Section]:
    """The charts of the first of `subs` that holds a run or ensemble (a study's forecast),
    each titled "Forecast: …" with a dashed line at the cut-off `until`."""
    from .run_sections import run_report

    for sub in subs:
        if not (folder / sub / "manifest.json").is_file():
            continue
        flee = report_kind(folder / sub).startswith("flee")
        _, _, forecast = (flee_report if flee else run_report)(folder / sub)
        out = []
        for s in forecast:
            if s.title in FORECAST_SECTIONS:
                s.title = f"Forecast: {s.title.lower()}"
                _mark_cutoff(s, until)
                s.intro = intro.format(sub=sub, until=until) + s.intro
                out.append(s)
        return out
    return []


def _mark_cutoff(section: Section, until) -> None:
    """A dashed line at the cut-off on every date chart: fitted before it, forecast after."""
    if not until:
        return
    for fig in section.blocks:
        if hasattr(fig, "add_vline") and fig.layout.xaxis.type == "date":
            fig.add_vline(x=str(until), line_dash="dash", line_color="#555555", line_width=1)


def _fit_section(fit: dict) -> Section:
    params = Table(["parameter", "original", "calibrated", "low", "high", "log scale", "source"],
                   [[p.get("path"), p.get("original"), p.get("calibrated"), p.get("low"), p.get("high"),
                     "yes" if p.get("log_scale") else "", p.get("source")] for p in fit.get("parameters", [])],
                   caption="free parameters: the value as written and the best fit within the range")
    training = fit.get("training", {})
    before = {_series_key(e): e for e in training.get("before", {}).get("series", [])}
    rows = []
    for e in training.get("after", {}).get("series", []):
        b = before.get(_series_key(e), {})
        rows.append([_series_key(e), e.get("figures") or e.get("n"), _score(b), _score(e)])
    series = Table(["series", "figures", "error before", "error after"], rows,
                   caption=f"fit to the training figures (overall score before {training.get('before', {}).get('score')}, "
                           f"after {training.get('after', {}).get('score')}; lower is better)")
    trials = fit.get("trials", {})
    return Section("Fit", f"What calibration fitted ({trials.get('complete', '?')} complete trials, best #"
                   f"{trials.get('best', '?')}) and how close the model comes to the observed figures up to "
                   f"{esc(fit.get('until'))}, before and after.", [params, series])


def _series_key(e: dict) -> str:
    key = " ".join(str(e.get(k)) for k in ("country", "metric", "series") if e.get(k))
    return key + (f" ↔ {e['model']}" if e.get("model") else "")


def _score(e: dict):
    for k in ("score", "log_accuracy", "mean_abs_log_ratio", "error", "mase", "relative_error"):
        if isinstance(e.get(k), (int, float)):
            return e[k]
    return None


def sensitivity_report(folder: Path):
    import plotly.graph_objects as go

    folder = Path(folder)
    manifest = read_json(folder / "manifest.json", required=True)
    rows = _csv_rows(folder / "indices.csv")
    blocks = []
    if rows:
        key = next((k for k in ("ST", "mu_star", "S1") if k in rows[0]), None)
        if key:
            group = [k for k in ("metric", "scope", "output") if k in rows[0]]
            first = tuple(rows[0][k] for k in group)
            top = sorted((r for r in rows if tuple(r[k] for k in group) == first),
                         key=lambda r: r[key] or 0)[-30:]
            conf = f"{key}_conf" if f"{key}_conf" in rows[0] else None
            fig = go.Figure(go.Bar(x=[r[key] for r in top], y=[r["parameter"] for r in top], orientation="h",
                                   error_x={"type": "data", "array": [r[conf] for r in top]} if conf else None,
                                   marker_color="#1f77b4"))
            layout = base_layout(f"ranking by {key}" + (f" ({', '.join(map(str, first))})" if group else ""),
                                 height=120 + 22 * len(top))
            layout.update(margin={"l": 260, "r": 20, "t": 40, "b": 35}, hovermode="closest")
            fig.update_layout(**layout)
            blocks.append(fig)
    table = csv_table(folder / "indices.csv", "every index (indices.csv)")
    blocks += [table] if table else []
    sections = [Section("Sensitivity ranking", "Which parameters move the output most over their declared ranges "
                        "(Sobol: total index ST; Morris: μ*, the mean absolute elementary effect), with confidence "
                        "intervals as error bars.", blocks),
                Section("Sensitivity figures", "", png_blocks(folder))]
    return _study_page(folder, manifest, f"sensitivity study ({manifest.get('runs', '?')} runs)", sections)


def flee_report(folder: Path):
    from ..analysis.run_data import load_run_data
    from .series import Line, Panel, series_figure

    folder = Path(folder)
    data = load_run_data(folder)
    manifest = data.manifest
    summary = read_json(folder / "summary.json") or {}
    dates = data.dates()
    camps = sorted({s for m, s in data.central if m == "sim_refugees" and s != "all"})
    panels = []
    for camp in camps + (["all"] if ("sim_refugees", "all") in data.central else []):
        band = data.band("sim_refugees", camp)
        lines = [Line("simulated", dates, data.series("sim_refugees", camp), "#d62728",
                      band=(band["q05"], band["q95"]) if band else None,
                      inner=(band["q25"], band["q75"]) if band else None)]
        if ("data_refugees", camp) in data.central:
            lines.append(Line("UNHCR", dates, data.series("data_refugees", camp), "#111111", dash="dash"))
        panels.append(Panel("all camps" if camp == "all" else camp, lines, [], "refugees"))
    stats = (manifest.get("outputs") or {}).get("ard_stats") if isinstance(manifest.get("outputs"), dict) else None
    if stats:      # an ensemble: the runs' ARDs
        ard_text = f"ARD {stats['mean']:.3f} ± {stats['sd']:.3f} over {stats['n']} runs"
    else:
        ard = summary.get("ard")
        ard_text = f"ARD {ard:.3f}" if isinstance(ard, (int, float)) else ""
    error = []
    if ("total_error", "all") in data.central:
        band = data.band("total_error", "all")
        error.append(Panel(f"total error per day ({ard_text})" if ard_text else "total error per day",
                           [Line("Σ|sim − UNHCR| / UNHCR total", dates, data.series("total_error", "all"), "#d62728",
                                 band=(band["q05"], band["q95"]) if band else None)], [], "error"))
    sections = [Section("Camps against UNHCR", "Refugees in each camp, simulated (red" +
                        (": median and 25–75 % / 5–95 % bands of the runs" if band else "") +
                        ") against UNHCR's registered figures (black dashed).", [series_figure(panels, panel_height=200)]),
                Section("Error (ARD)", "Flee's validation measure: each day the total absolute difference between "
                        "simulated and UNHCR camp figures over the UNHCR total; the ARD is its mean over the days" +
                        (" (ensemble: median and bands of the daily error; the table gives each run's ARD)." if stats
                         else "."),
                        ([series_figure(error)] if error else []) +
                        [t for t in [csv_table(folder / "ard.csv", "each run's ARD (ard.csv)")] if t])]
    head = [[k, v] for k, v in summary.items() if isinstance(v, (int, float, str)) and k != "case"]
    if head:
        sections.insert(0, Section("Summary", "", [Table(["figure", "value"], head)]))
    sections += [Section("Flee figures", "", png_blocks(folder)), provenance_section(folder, manifest)]
    what = f"Flee {'ensemble' if data.kind == 'ensemble' else 'run'} · {dates[0]} → {dates[-1]}"
    return (*_header(folder, manifest, what), sections)


def compare_report(folder: Path):
    folder = Path(folder)
    manifest = read_json(folder / "manifest.json", required=True)
    chart = _difference_blocks(folder, "diff_mean", "difference from the reference arm (mean, 90 % interval)")
    sections = [_tables_section("Comparison", "Each arm against the reference on the planner's outcomes: mean over "
                                "paired runs (common random numbers) and the paired difference with its 90 % "
                                "bootstrap interval; `better` says which direction is good.", folder,
                                [("comparison.csv", "comparison.csv")], chart),
                Section("Comparison figures", "", png_blocks(folder))]
    return _study_page(folder, manifest, f"comparison of arms ({manifest.get('runs', '?')} runs each)", sections)


def allocate_report(folder: Path):
    folder = Path(folder)
    manifest = read_json(folder / "manifest.json", required=True)
    blocks = _difference_blocks(folder, "diff", "difference from the scenario's own allocation")
    sections = [_tables_section("Allocation", "Guards per segment under each strategy (allocation.csv) and the "
                                "outcomes of each arm checked on full runs (comparison.csv).", folder,
                                [("allocation.csv", "allocation per segment"), ("comparison.csv", "arms checked")],
                                blocks),
                Section("Allocation figure", "", [b for b in png_blocks(folder)] + _top_pngs(folder))]
    return _study_page(folder, manifest, "allocation of guards", sections)


def tradeoffs_report(folder: Path):
    import plotly.graph_objects as go

    folder = Path(folder)
    manifest = read_json(folder / "manifest.json", required=True)
    rows = _csv_rows(folder / "trials.csv")
    blocks = []
    objectives = [c for c in (rows[0] if rows else {}) if ":" in c and not c.endswith((" low", " high"))]
    if len(objectives) >= 2:
        a, b = objectives[:2]
        fig = go.Figure()
        for pareto, colour, name in ((False, "#bbbbbb", "other trials"), (True, "#d62728", "Pareto front")):
            pts = [r for r in rows if bool(r.get("pareto")) == pareto]
            fig.add_trace(go.Scatter(x=[r[a] for r in pts], y=[r[b] for r in pts], mode="markers", name=name,
                                     marker={"color": colour, "size": 9},
                                     text=[f"trial {r['trial']}" for r in pts], hovertemplate="%{text}: %{x}, %{y}"))
        layout = base_layout(f"{a} against {b}", height=420)
        layout.update(hovermode="closest")
        fig.update_layout(**layout)
        fig.update_xaxes(title=a)
        fig.update_yaxes(title=b)
        blocks.append(fig)
    sections = [_tables_section("Trade-offs", "Each trial's levers and outcomes; the Pareto front is the set no other "
                                "trial beats on every objective.", folder,
                                [("pareto.csv", "Pareto front"), ("trials.csv", "all trials")], blocks),
                Section("Trade-off figure", "", png_blocks(folder) + _top_pngs(folder))]
    return _study_page(folder, manifest, "trade-offs between objectives", sections)


def backtest_report(folder: Path):
    folder = Path(folder)
    kind = "backtest" if (folder / "backtest.json").is_file() else "forecast"
    manifest = read_json(folder / "manifest.json") or read_json(folder / f"{kind}.json") or {}
    files = [(f.name, f.name) for f in sorted(folder.glob("*.csv"))]
    sections = [_tables_section("Scores and forecasts", "The tables the command wrote.", folder, files),
                Section("Figures", "", png_blocks(folder) + _top_pngs(folder))]
    forecast = _forecast_sections(folder, ("forecast",), manifest.get("as_of"),
                                  "The forecast ensemble ({sub}/) drawing its parameters from the posterior fitted "
                                  "on figures up to {until}; after that date it is a forecast. ")
    sections += forecast or _scenario_sections(manifest)
    sections.append(provenance_section(folder, manifest))
    return (*_header(folder, manifest, kind), sections)


def _top_pngs(folder: Path) -> list:
    from .page import Image
    return [Image(f, f.name) for f in sorted(Path(folder).glob("*.png"))]


def _difference_blocks(folder: Path, diff: str, title: str) -> list:
    """A chart of comparison.csv's paired differences (column `diff`, with diff_low/diff_high), if any."""
    rows = [r for r in _csv_rows(Path(folder) / "comparison.csv") if r.get(diff) is not None]
    return [_difference_chart(rows, "arm", diff, "diff_low", "diff_high", title)] if rows else []


def _difference_chart(rows: list[dict], arm: str, mean: str, low: str, high: str, title: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    outcomes = list(dict.fromkeys(f"{r.get('outcome')} {r.get('scope') or ''}".strip() for r in rows))
    for name in dict.fromkeys(r[arm] for r in rows):
        pts = [r for r in rows if r[arm] == name]
        fig.add_trace(go.Bar(
            name=str(name), y=[f"{r.get('outcome')} {r.get('scope') or ''}".strip() for r in pts],
            x=[r[mean] for r in pts], orientation="h",
            error_x={"type": "data", "symmetric": False, "array": [(r[high] or 0) - (r[mean] or 0) for r in pts],
                     "arrayminus": [(r[mean] or 0) - (r[low] or 0) for r in pts]}))
    layout = base_layout(title, height=140 + 26 * len(outcomes) * max(1, len(fig.data)))
    layout.update(barmode="group", hovermode="closest", margin={"l": 200, "r": 20, "t": 40, "b": 35})
    fig.update_layout(**layout)
    return fig
