"""The explorer's figures, drawn with the report's builders (borderlab.report) so that the page
and report.html show the same map, timeline, assumptions and series."""

from __future__ import annotations

import itertools

from .metrics import SERIES
from .state import Outcome

BASE_COLOUR = "#7f7f7f"
VARIANT_COLOUR = "#d62728"
ALIGNED_MARGIN = {"l": 140, "r": 20}   # the report timeline's left margin (its row labels)


def comparison_figure(base: Outcome | None, variant: Outcome | None, scenario):
    """One panel per charted series: the unchanged base run (grey, dashed) and the variant
    (its median and 5–95 % band when it is an ensemble)."""
    from ..report.series import Line, Panel, series_figure
    from ..report.timeline import x_range_of
    from .readers import run_series

    lines: dict[str, list] = {m: [] for m, _, _ in SERIES}
    for outcome, name, colour, dash in ((base, "base run", BASE_COLOUR, "dash"), (variant, "variant", VARIANT_COLOUR, None)):
        if outcome is None:
            continue
        if outcome.bands:
            for metric, _, cumulative in SERIES:
                band = outcome.bands.get(("all", metric))
                if band:
                    lo, mid, hi = (_cumulative(band[q], cumulative) for q in ("q05", "q50", "q95"))
                    lines[metric].append(Line(f"{name} (median of {outcome.runs}, 5–95 %)", band["date"], mid,
                                              colour, band=(lo, hi), dash=dash))
        else:
            series = run_series(outcome.folder)
            for metric, _, cumulative in SERIES:
                s = series.get(("all", metric))
                if s:
                    lines[metric].append(Line(name, s["date"], _cumulative(s["value"], cumulative), colour, dash=dash))
    panels = [Panel(title, lines[metric]) for metric, title, _ in SERIES]
    fig = series_figure(panels, x_range=x_range_of(scenario), panel_height=170)
    # legend on top and the timeline's margins, so the two share one date axis on screen
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
                      margin={**ALIGNED_MARGIN, "t": 50})   # room above the plots for the legend
    named = set()
    for trace in fig.data:   # one legend entry per line name, not one per panel
        if trace.showlegend is not False and trace.name:
            trace.showlegend = trace.name not in named
            named.add(trace.name)
    return fig


def _cumulative(values, cumulative: bool) -> list[float]:
    """Running total of a daily series (bands are summed quantile by quantile: a guide, not
    the quantile of the running total)."""
    return list(itertools.accumulate(values)) if cumulative else list(values)


def map_figure(scenario, crossings: dict[str, float] | None):
    from ..report.map import map_figure as report_map

    return report_map(scenario, crossings=crossings, title=None)


def timeline_figure(scenario):
    from ..report.timeline import timeline_figure as report_timeline

    fig = report_timeline(scenario, title=None)
    fig.update_layout(margin=ALIGNED_MARGIN)
    return fig


def assumptions_html(scenario) -> str:
    """The assumptions table (every parameter with value, range, source, confidence) as HTML."""
    from ..report.assumptions import assumptions_rows
    from ..report.style import esc

    cols = ("path", "value", "range", "unit", "source", "confidence")
    head = "".join(f"<th>{c}</th>" for c in cols)
    body = "".join(
        "<tr" + (' class="contested"' if r.get("contested") else "") + ">"
        + "".join(f"<td>{esc('' if r.get(c) is None else r.get(c))}</td>" for c in cols) + "</tr>"
        for r in assumptions_rows(scenario))
    return f'<table class="assumptions" data-testid="assumptions"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
