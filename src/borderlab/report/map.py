"""The scenario's geography as a plotly figure: nodes, routes, border segments by crossings.

No tile server and no base map (plotly's geo maps fetch outlines from the network): the
graph is drawn on plain axes in degrees, with each country's nodes outlined by their
convex hull. What the map leaves out is listed in docs/report.md.
"""

from __future__ import annotations

from .inputs import as_scenario
from .layout_geo import node_places, region, segment_pieces
from .style import base_layout, color_of, rgba

NODE_SYMBOL = {"origin": "circle-open", "air_hub": "triangle-up", "capital": "star", "staging": "square",
               "border_zone": "diamond", "interior": "circle", "destination": "hexagram"}
NODE_SIZE = {"capital": 16, "staging": 10, "border_zone": 10, "destination": 13}
LABELLED = {"capital", "staging", "interior", "destination"}   # zones and hubs: hover only (labels would pile up)


def map_figure(scenario, crossings: dict[str, float] | None = None, title: str | None = None,
               value_label: str = "crossing attempts"):
    """Nodes at their lat/lon (capitals, staging areas, zones, interiors), flight routes, and
    border segments coloured by `crossings` (segment id → value over a chosen period, e.g.
    attempts); without `crossings` segments take their defending country's colour."""
    import plotly.graph_objects as go
    from plotly.colors import sample_colorscale

    sc = as_scenario(scenario)
    places, geographic = node_places(sc)
    countries = [c.code for c in sc.countries]
    fig = go.Figure()
    _country_outlines(fig, sc, places, countries)
    _edges(fig, sc, places)
    _routes(fig, sc, places)
    pieces = segment_pieces(sc, places, geographic)
    seg_country = {s.id: s.country for s in sc.segments}
    seg_name = {s.id: s.name or s.id for s in sc.segments}
    values = [float((crossings or {}).get(p.id, 0.0)) for p in pieces]
    top = max(values) if crossings and max(values) > 0 else 1.0
    colours = (sample_colorscale("YlOrRd", [0.15 + 0.85 * v / top for v in values]) if crossings
               else [color_of(seg_country[p.id], countries) for p in pieces])
    for p, colour in zip(pieces, colours):
        fig.add_trace(go.Scatter(x=p.x, y=p.y, mode="lines", line={"color": colour, "width": 5},
                                 hoverinfo="skip", showlegend=False))
    hover = [f"<b>{seg_name[p.id]}</b> ({p.id}, {seg_country[p.id]})" +
             (f"<br>{value_label}: {v:,.0f}" if crossings else "") for p, v in zip(pieces, values)]
    marker = {"size": 6, "color": values if crossings else colours, "line": {"width": 0.5, "color": "#333"}}
    if crossings:
        marker.update(colorscale="YlOrRd", cmin=0, cmax=top, showscale=True,
                      colorbar={"title": {"text": value_label, "side": "right"}, "thickness": 12})
    fig.add_trace(go.Scatter(x=[sum(p.x) / 2 for p in pieces], y=[sum(p.y) / 2 for p in pieces], mode="markers",
                             marker=marker, text=hover, hovertemplate="%{text}<extra></extra>",
                             name="border segments"))
    _nodes(fig, sc, places, countries)
    x0, x1, y0, y1 = region(places, sc)
    if title is None:
        title = f"{sc.name}: geography" + ("" if geographic else " (schematic: no coordinates)")
    layout = base_layout(title, height=560)
    layout.update(hovermode="closest", showlegend=True)
    fig.update_layout(**layout)
    fig.update_xaxes(range=[x0, x1], title="longitude °E" if geographic else None, showgrid=geographic,
                     zeroline=False, showticklabels=geographic)
    fig.update_yaxes(range=[y0, y1], title="latitude °N" if geographic else None, showgrid=geographic,
                     zeroline=False, showticklabels=geographic)
    if geographic:   # true proportions: a degree of latitude is 1/cos(lat) degrees of longitude
        import math
        fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians((y0 + y1) / 2)))
    return fig


def _country_outlines(fig, sc, places, countries) -> None:
    import plotly.graph_objects as go
    from scipy.spatial import ConvexHull, QhullError

    for code in countries:
        pts = [(places[n.id].x, places[n.id].y) for n in sc.nodes
               if n.country == code and places[n.id].how != "pinned"]
        if not pts:
            continue
        cx, cy = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
        name = next((c.name for c in sc.countries if c.code == code), code)
        fig.add_annotation(x=cx, y=cy, text=name, showarrow=False, font={"size": 18, "color": "#bbbbbb"})
        if len(set(pts)) < 3:
            continue
        try:
            hull = ConvexHull(pts)
        except QhullError:   # all in a line
            continue
        ring = [pts[i] for i in hull.vertices] + [pts[hull.vertices[0]]]
        colour = color_of(code, countries)
        fig.add_trace(go.Scatter(x=[x for x, _ in ring], y=[y for _, y in ring], mode="lines", fill="toself",
                                 fillcolor=rgba(colour, 0.05), line={"color": rgba(colour, 0.35), "width": 1},
                                 hoverinfo="skip", showlegend=False))


def _edges(fig, sc, places) -> None:
    import plotly.graph_objects as go

    xs, ys = [], []
    for e in sc.edges:
        a, b = places[e.from_], places[e.to]
        xs += [a.x, b.x, None]
        ys += [a.y, b.y, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#999999", "width": 1},
                             hoverinfo="skip", name="roads and paths"))


def _routes(fig, sc, places) -> None:
    import plotly.graph_objects as go

    xs, ys = [], []
    for r in sc.supply.routes:
        a, b = places[r.hub], places[r.to]
        xs += [a.x, b.x, None]
        ys += [a.y, b.y, None]
    if xs:
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#1f77b4", "width": 1.5, "dash": "dash"},
                                 hoverinfo="skip", name="flight routes"))


def _nodes(fig, sc, places, countries) -> None:
    import plotly.graph_objects as go

    by_type: dict[str, list] = {}
    for n in sc.nodes:
        by_type.setdefault(n.type, []).append(n)
    for t, nodes in by_type.items():
        hover = [f"<b>{n.name or n.id}</b><br>{t.replace('_', ' ')} in {n.country}" +
                 (f", facing {n.faces}" if n.faces else "") +
                 {"given": "", "estimated": "<br>(position estimated from its neighbours)",
                  "schematic": "", "pinned": "<br>(far away: drawn at the map's edge, in its direction)"}[places[n.id].how]
                 for n in nodes]
        fig.add_trace(go.Scatter(
            x=[places[n.id].x for n in nodes], y=[places[n.id].y for n in nodes], mode="markers+text",
            text=[_short(n.name or n.id) if t in LABELLED else "" for n in nodes], textposition="top center", textfont={"size": 9, "color": "#444"},
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", name=t.replace("_", " "),
            marker={"symbol": NODE_SYMBOL.get(t, "circle"), "size": NODE_SIZE.get(t, 9),
                    "color": [color_of(n.country, countries) for n in nodes], "line": {"width": 1, "color": "#222"}}))


def _short(name: str) -> str:
    """'Podlaskie interior (Białystok, …)' → 'Podlaskie interior'."""
    return name.split(" (")[0]
