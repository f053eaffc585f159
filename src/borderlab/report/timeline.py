"""The scenario's events as a strip of rows (tactics, border, policy, routes, facts), drawn
on the same date axis as the time-series charts so a jump can be read against its cause."""

from __future__ import annotations

import datetime as dt

from .inputs import as_scenario
from .style import base_layout, date_chart_margins, esc, hover_text, short_date_ticks

ROWS = {  # event type → row of the strip
    "close_crossing": "border & barriers", "open_crossing": "border & barriers", "build_barrier": "border & barriers",
    "exclusion_zone": "zone access", "open_aid_access": "zone access", "set_zone_aid": "zone access",
    "withdraw_from_zone": "zone access", "open_shelter": "zone access",
    "set_pushback": "policy & troops", "deploy_troops": "policy & troops", "set_reception_capacity": "policy & troops",
    "ban_route": "routes & flights", "set_route_seats": "routes & flights", "set_visa_factor": "routes & flights",
    "repatriation_flight": "routes & flights",
    "annotation": "other facts",
}
ORDER = ["orchestrator tactics", "border & barriers", "zone access", "policy & troops", "routes & flights", "other facts"]
TACTIC_COLOUR = {"mass": "#d62728", "siege": "#9467bd", "adaptive": "#ff7f0e"}
ROW_COLOUR = {"border & barriers": "#8c564b", "zone access": "#2ca02c", "policy & troops": "#1f77b4",
              "routes & flights": "#17becf", "other facts": "#7f7f7f"}


def x_range_of(sc) -> list[str]:
    """The date axis every time chart of a scenario shares: first day to the day after the last."""
    return [str(sc.start), str(sc.end + dt.timedelta(days=1))]


def timeline_figure(scenario, x_range: list | None = None, title: str | None = "timeline"):
    """Events and the orchestrator's tactic phases, one row per kind; hover for label, dates
    and source. Events with `until` are drawn as bars over their span."""
    import plotly.graph_objects as go

    sc = as_scenario(scenario)
    end = sc.end + dt.timedelta(days=1)
    rows = [r for r in ORDER if r == "orchestrator tactics" and sc.orchestrator.tactics
            or any(ROWS.get(e.type, "other facts") == r for e in sc.events)]
    fig = go.Figure()
    for t in sc.orchestrator.tactics:
        stop = (t.end + dt.timedelta(days=1)) if t.end else end
        pressure = ", ".join(f"{c} {w:g}" for c, w in t.countries.items())
        fig.add_trace(go.Scatter(
            x=[t.start, stop], y=["orchestrator tactics"] * 2, mode="lines",
            line={"color": TACTIC_COLOUR.get(t.tactic, "#555"), "width": 14}, opacity=0.55, showlegend=False,
            hovertemplate=f"<b>{t.tactic}</b> {t.start} → {t.end or sc.end}<br>pressure: {pressure}"
                          f"<br>intensity {float(t.intensity):g}" + (f"<br>{esc(t.note)}" if t.note else "") +
                          "<extra></extra>"))
    for row in rows[1 if sc.orchestrator.tactics else 0:]:
        events = [e for e in sc.events if ROWS.get(e.type, "other facts") == row]
        colour = ROW_COLOUR[row]
        for e in events:
            if e.until:
                fig.add_trace(go.Scatter(x=[e.date, e.until], y=[row, row], mode="lines", opacity=0.3,
                                         line={"color": colour, "width": 10}, hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=[e.date for e in events], y=[row] * len(events), mode="markers", showlegend=False,
            marker={"symbol": "line-ns-open", "size": 16, "color": colour, "line": {"width": 2, "color": colour}},
            customdata=[e.source if (e.source or "").startswith("http") else "" for e in events],
            hovertext=[_hover(e) for e in events], hovertemplate="%{hovertext}<extra></extra>"))
    layout = base_layout(title, height=70 + 34 * max(len(rows), 1))
    layout.update(hovermode="closest", showlegend=False, margin=date_chart_margins(30 if title else 10))
    fig.update_layout(**layout)
    fig.update_xaxes(range=x_range or x_range_of(sc), type="date")
    short_date_ticks(fig, (sc.end - sc.start).days + 1)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), type="category")
    return fig


def _hover(e) -> str:
    span = f"{e.date} → {e.until}" if e.until else str(e.date)
    return hover_text(f"<b>{esc(e.label or e.type.replace('_', ' '))}</b><br>{e.type} · {span}", e.note, e.source)


