"""Stacked time-series panels with bands and observed figures: the chart every report and
the explorer draw.

A `Panel` is one chart row: `Line`s (a central series, optionally with an outer band,
e.g. 5–95 %, and an inner band, e.g. 25–75 %), optionally on a right-hand axis (the
temperature beside people in the zone), and `ObservedMark`s: an observed figure drawn as a
horizontal bar over its period, whose hover gives the source and whose click opens it.
`series_figure(panels, x_range)` stacks the panels on one shared date axis.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

from .style import base_layout, date_chart_margins, esc, hover_text, rgba, short_date_ticks


@dataclass
class Line:
    name: str
    x: Sequence                      # dates (datetime64, date or ISO text)
    y: Sequence[float]
    color: str = "#333333"
    band: tuple[Sequence[float], Sequence[float]] | None = None    # outer (low, high)
    inner: tuple[Sequence[float], Sequence[float]] | None = None   # inner (low, high)
    dash: str | None = None
    secondary: bool = False          # right-hand axis
    shape: str = "linear"            # "hv" for per-month steps


@dataclass
class ObservedMark:
    name: str                        # legend group, e.g. "observed attempts"
    start: dt.date
    end: dt.date                     # inclusive
    value: float
    source_url: str = ""
    note: str = ""
    color: str = "#000000"


@dataclass
class Panel:
    title: str
    lines: list[Line]
    observed: list[ObservedMark] = field(default_factory=list)
    y_title: str = ""
    y2_title: str | None = None
    log: bool = False


def series_figure(panels: list[Panel], x_range: list | None = None, title: str | None = None,
                  panel_height: int = 230):
    """One figure, one row per panel, x axes linked (zoom one, all follow)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    n = max(len(panels), 1)
    secondary = [any(line.secondary for line in p.lines) for p in panels]
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=min(0.25 / n, 0.12) + 0.04,
                        subplot_titles=[p.title for p in panels], specs=[[{"secondary_y": s}] for s in secondary])
    shown: set[str] = set()   # one legend entry per name: clicking it toggles that series in every panel
    for row, panel in enumerate(panels, start=1):
        for line in panel.lines:
            _add_line(fig, go, line, row, shown)
        _add_observed(fig, go, panel.observed, row, shown)
        fig.update_yaxes(title_text=panel.y_title, row=row, col=1, secondary_y=False,
                         type="log" if panel.log else None)
        if secondary[row - 1]:
            fig.update_yaxes(title_text=panel.y2_title or "", row=row, col=1, secondary_y=True, showgrid=False,
                             zeroline=False, tickmode="auto")
    layout = base_layout(title, height=60 + panel_height * n)
    layout["margin"] = date_chart_margins(layout["margin"]["t"])
    layout["legend"] = {"font": {"size": 10}, "tracegroupgap": 4, "x": 1.07 if any(secondary) else 1.01,
                        "xanchor": "left", "y": 1, "yanchor": "top"}
    fig.update_layout(**layout)
    fig.update_annotations(font_size=12)
    if any(secondary):   # make_subplots narrows the plot for the right axis; the margin holds it instead
        fig.update_xaxes(domain=[0, 1])
    if x_range:
        fig.update_xaxes(range=x_range)
    fig.update_xaxes(type="date", showticklabels=True)
    xs = [x for p in panels for line in p.lines for x in (line.x[0], line.x[-1])] if panels else []
    if xs:
        import numpy as np
        span = np.datetime64(max(map(str, xs))[:10], "D") - np.datetime64(min(map(str, xs))[:10], "D")
        short_date_ticks(fig, int(span.astype(int)) + 1)
    return fig


def _add_line(fig, go, line: Line, row: int, shown: set[str]) -> None:
    kw = {"row": row, "col": 1, "secondary_y": line.secondary}
    group = line.name
    x = list(line.x)
    for band, alpha in ((line.band, 0.15), (line.inner, 0.3)):
        if band is None:
            continue
        lo, hi = band
        fig.add_trace(go.Scatter(x=x, y=list(hi), mode="lines", line={"width": 0, "shape": line.shape},
                                 legendgroup=group, showlegend=False, hoverinfo="skip"), **kw)
        fig.add_trace(go.Scatter(x=x, y=list(lo), mode="lines", line={"width": 0, "shape": line.shape},
                                 fill="tonexty", fillcolor=rgba(line.color, alpha), legendgroup=group,
                                 showlegend=False, hoverinfo="skip"), **kw)
    hover = "%{y:,.4~g}"
    if line.band is not None:
        hover += " (%{customdata[0]:,.4~g} – %{customdata[1]:,.4~g})"
    fig.add_trace(go.Scatter(
        x=x, y=list(line.y), mode="lines", name=line.name, legendgroup=group, showlegend=_first(line.name, shown),
        line={"color": line.color, "width": 1.8, "dash": line.dash, "shape": line.shape},
        customdata=list(zip(*line.band)) if line.band is not None else None,
        hovertemplate=hover), **kw)


def _first(name: str, shown: set[str]) -> bool:
    new = name not in shown
    shown.add(name)
    return new


def _add_observed(fig, go, marks: list[ObservedMark], row: int, shown: set[str]) -> None:
    by_name: dict[str, list[ObservedMark]] = {}
    for m in marks:
        by_name.setdefault(m.name, []).append(m)
    for name, group in by_name.items():
        colour = group[0].color
        xs, ys = [], []
        for m in group:
            xs += [m.start, m.end + dt.timedelta(days=1), None]
            ys += [m.value, m.value, None]
        key = name
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": colour, "width": 3},
                                 legendgroup=key, showlegend=False, hoverinfo="skip"), row=row, col=1)
        fig.add_trace(go.Scatter(
            x=[m.start + (m.end - m.start) / 2 for m in group], y=[m.value for m in group], mode="markers",
            name=name, legendgroup=key, showlegend=_first(name, shown), marker={"color": colour, "size": 7, "symbol": "square"},
            customdata=[m.source_url if m.source_url.startswith("http") else "" for m in group],
            hovertext=[_hover(m) for m in group], hovertemplate="%{hovertext}<extra></extra>"), row=row, col=1)


def _hover(m: ObservedMark) -> str:
    return hover_text(f"<b>{esc(m.name)}</b>: {m.value:,.0f}<br>{m.start} → {m.end}", m.note, m.source_url)
