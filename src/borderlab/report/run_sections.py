"""The report of a run or an ensemble of the borderlab model: summaries per country, the
crossings against observed figures, guard fatigue, people in the zone with the temperature,
deaths, map, timeline, assumptions and provenance.

Both read the folder through `analysis.run_data` (a run's series, or an ensemble's median
with 5–95 % and 25–75 % bands), so one code path draws both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..reporting.summary import PEAKS, TOTALS
from .common_sections import assumptions_section, map_section, png_blocks, provenance_section, timeline_section
from .folder_data import observations_of, scenario_of_manifest
from .page import Html, Section, Table
from .series import Line, ObservedMark, Panel, series_figure
from .style import color_of, esc, shown_folder

FLOWS = [("new_attempts", "attempts", "#d62728"), ("new_turnbacks", "turn-backs", "#ff7f0e"),
         ("new_detentions", "detentions", "#1f77b4")]
OBSERVED_COLOUR = {"new_attempts": "#5a0000", "new_turnbacks": "#7f3f00", "new_detentions": "#08306b"}
MONTHLY_FROM_DAYS = 90   # runs this long show flows per month (as the observed figures are)
CHARTED = {"n_in_zone", "n_at_staging", "n_in_capital", "temperature_c", "new_deaths", "new_hospitalised",
           "guard_fatigue", "guard_utilisation"}
READ = set(TOTALS) | set(PEAKS) | CHARTED | {m for m, _, _ in FLOWS}   # the metrics a report reads


def run_report(folder: Path) -> tuple[str, str, list[Section]]:
    from ..analysis.run_data import load_run_data

    data = load_run_data(folder, READ)
    if data.kind == "ensemble":
        data.load_members({(m, s) for m, s in data.central if m.startswith("new_")})
    manifest = data.manifest
    sc = scenario_of_manifest(manifest)
    dates = data.dates()
    x_range = [str(dates[0]), str(dates[-1] + np.timedelta64(1, "D"))]
    ensemble = data.kind == "ensemble"
    defenders = [d.country for d in sc.defenders] if sc else sorted(
        {s for m, s in data.central if m == "guard_fatigue"})
    observations = observations_of(data)
    sections = [_summary_section(data, defenders, folder)]
    if sc is not None:
        sections.append(timeline_section(sc, x_range))
    sections += [_crossings_section(data, defenders, observations, x_range),
                 _zone_section(data, defenders, x_range), _deaths_section(data, observations, x_range),
                 _fatigue_section(data, defenders, x_range)]
    if sc is not None:
        crossings = {s.id: data.window("new_attempts", s.id, 0, len(dates) - 1)[0] for s in sc.segments
                     if ("new_attempts", s.id) in data.central}
        period = f"over {dates[0]} → {dates[-1]}" + (" (ensemble median)" if ensemble else "")
        sections += [map_section(sc, crossings or None, period), assumptions_section(sc)]
    else:
        sections.append(Section("Scenario", "The scenario file named in manifest.json is not at hand, so the map, "
                                "timeline and assumptions are left out."))
    if ensemble:
        sections.append(Section("Ensemble figures", "The PNG band plots the ensemble wrote.", png_blocks(folder)))
    sections.append(provenance_section(folder, manifest))
    name = manifest.get("scenario") or manifest.get("source") or Path(folder).name
    what = f"ensemble of {manifest.get('runs', '?')} runs" if ensemble else f"run, seed {manifest.get('seed')}"
    return (f"borderlab report: {name}", f"{esc(what)} · {dates[0]} → {dates[-1]} · {esc(shown_folder(folder))}",
            sections)


def _total(data, metric, scope, n) -> tuple[float, dict]:
    return data.window(metric, scope, 0, n - 1)


def _summary_section(data, defenders: list[str], folder: Path) -> Section:
    n = data.calendar.n_days
    ensemble = data.kind == "ensemble"
    scopes = [s for s in defenders + ["all"] if ("new_attempts", s) in data.central]
    metrics = [m for m in TOTALS if any((m, s) in data.central for s in scopes)]
    peaks = [m for m in PEAKS if any((m, s) in data.central for s in scopes)]
    rows = []
    for s in scopes:
        row = [s]
        for m in metrics:
            if (m, s) not in data.central:
                row.append("")
                continue
            value, band = _total(data, m, s, n)
            row.append(f"{value:,.0f}" + (f" ({band['q05']:,.0f}–{band['q95']:,.0f})" if ensemble and band else ""))
        for m in peaks:
            if (m, s) not in data.central:
                row.append("")
                continue
            series = data.series(m, s)
            i = int(np.argmax(series))
            row.append(f"{series[i]:,.3g} on {data.dates()[i]}")
        rows.append(row)
    blocks = [Table(["scope"] + [m.removeprefix("new_") for m in metrics] + [f"peak {m}" for m in peaks], rows,
                    caption="totals over the run" + (", median (5–95 %) of the runs' totals" if ensemble else ""))]
    from .folder_data import read_json
    summary = read_json(Path(folder) / "summary.json") or {}
    for flag in summary.get("unverified_assumptions", []):
        blocks.append(Html(f'<p class="intro" style="color:#a15c00">⚑ {esc(flag)}</p>'))
    return Section("Summary per country", "Totals of each flow over the whole period and the peak of each stock, per "
                   "defending country and overall" + (" (ensemble: the median and the 5–95 % range of the runs)."
                                                       if ensemble else "."), blocks)


def _line(data, metric, scope, name, colour, monthly: bool, **kw) -> Line:
    dates = data.dates()
    if not monthly:
        band = data.band(metric, scope)
        return Line(name, dates, data.series(metric, scope), colour,
                    band=(band["q05"], band["q95"]) if band else None,
                    inner=(band["q25"], band["q75"]) if band else None, **kw)
    starts = _month_starts(dates)
    values, bands = [], []
    for a, b in zip(starts, list(starts[1:]) + [len(dates)]):
        v, band = data.window(metric, scope, a, b - 1)
        values.append(v)
        bands.append(band)
    x = [dates[a] for a in starts] + [dates[-1] + np.timedelta64(1, "D")]
    values.append(values[-1])        # the last month's step runs to the end of the run
    bands.append(bands[-1])
    have = all(bands)
    return Line(name + " per month", x, values, colour, shape="hv",
                band=([b["q05"] for b in bands], [b["q95"] for b in bands]) if have else None,
                inner=([b["q25"] for b in bands], [b["q75"] for b in bands]) if have else None, **kw)


def _month_starts(dates) -> list[int]:
    months = dates.astype("datetime64[M]")
    return [0] + [i for i in range(1, len(dates)) if months[i] != months[i - 1]]


def _crossings_section(data, defenders, observations, x_range) -> Section:
    monthly = data.calendar.n_days >= MONTHLY_FROM_DAYS
    panels = []
    for c in defenders:
        lines = [_line(data, m, c, f"model {label}", colour, monthly) for m, label, colour in FLOWS
                 if (m, c) in data.central]
        marks = [ObservedMark(f"observed {dict((m, l) for m, l, _ in FLOWS)[o.model[0]]}", o.start, o.end, o.value,
                              o.source_url, o.notes, OBSERVED_COLOUR[o.model[0]])
                 for o in observations if o.model and o.model[1] == c and o.model[0] in OBSERVED_COLOUR
                 and o.grain == ("monthly" if monthly else "daily")]
        if lines:
            panels.append(Panel(f"{c}: attempts, turn-backs, detentions" + (" per month" if monthly else " per day"),
                                lines, marks, "per month" if monthly else "per day"))
    intro = ("Model flows per defending country" + (" summed per calendar month" if monthly else " per day") +
             "; observed figures with the same definition as dark bars over their period (hover for the source, "
             "click to open it). Click a legend entry to hide a series, drag to zoom.")
    if data.kind == "ensemble":
        intro += " Lines are the ensemble median, shaded bands the 25–75 % and 5–95 % ranges of the runs."
    return Section("Crossings", intro, [series_figure(panels, x_range)] if panels else [])


def _zone_section(data, defenders, x_range) -> Section:
    lines = [_line(data, "n_in_zone", c, f"in zone facing {c}", color_of(c, defenders), False)
             for c in defenders if ("n_in_zone", c) in data.central]
    for metric, name, dash in (("n_at_staging", "at staging", "dash"), ("n_in_capital", "in the capital", "dashdot")):
        scope = "all" if (metric, "all") in data.central else None
        if scope:
            lines.append(_line(data, metric, scope, name, "#17becf", False, dash=dash))
    if ("temperature_c", "all") in data.central:
        lines.append(_line(data, "temperature_c", "all", "daily minimum °C", "#1f77b4", False, dash="dot",
                           secondary=True))
    panel = Panel("people in the border zone and waiting, with the temperature", lines, [], "people", "°C")
    return Section("People in the zone", "How many people are in the border zone facing each country, at staging and "
                   "in the capital, each day; the dotted line (right axis) is the daily minimum temperature that "
                   "drives cold exposure.", [series_figure([panel], x_range, panel_height=330)])


def _deaths_section(data, observations, x_range) -> Section:
    lines = []
    for metric, name, colour in (("new_deaths", "deaths (cumulative)", "#111111"),
                                 ("new_hospitalised", "hospitalised (cumulative)", "#ff7f0e")):
        if (metric, "all") in data.central:
            lines.append(_cumulative(data, metric, name, colour))
    marks = [ObservedMark("observed deaths (cumulative)", o.end, o.end, o.value, o.source_url, o.notes, "#d62728")
             for o in observations if o.model and o.model[0] == "new_deaths"]
    panel = Panel("deaths and hospitalisations, cumulative", lines, marks, "people")
    return Section("Deaths", "Cumulative deaths and hospital admissions in the model; red squares are observed "
                   "cumulative death counts on the day they refer to.", [series_figure([panel], x_range)])


def _cumulative(data, metric, name, colour) -> Line:
    dates = data.dates()
    members = data.members.get((metric, "all"))
    if members is not None and len(members):
        q = np.quantile(np.cumsum(members, axis=1), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        return Line(name, dates, q[2], colour, band=(q[0], q[4]), inner=(q[1], q[3]))
    return Line(name, dates, np.cumsum(data.series(metric, "all")), colour)


def _fatigue_section(data, defenders, x_range) -> Section:
    panels = []
    for metric, title, y in (("guard_fatigue", "guard fatigue (0 = rested, 1 = exhausted)", "fatigue"),
                             ("guard_utilisation", "guard load: detected incidents ÷ response capacity", "load")):
        lines = [_line(data, metric, c, c, color_of(c, defenders), False) for c in defenders
                 if (metric, c) in data.central]
        if lines:
            panels.append(Panel(title, lines, [], y))
    return Section("Guard fatigue", "Fatigue builds while the load stays above what guards can sustain and lowers "
                   "detection; a load above 1 means more incidents than the guards on duty can answer.",
                   [series_figure(panels, x_range)] if panels else [])
