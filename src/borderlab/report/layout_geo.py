"""Where to draw each node and border segment on the map, from the scenario alone.

Nodes with lat/lon are drawn there; a node without them sits at the mean of its
neighbours that have a place (edges and segments), and when no node has coordinates
(toy scenarios) the whole graph is drawn schematically, one column per node type. Nodes
far from the border region (origins, air hubs, distant destinations) are pinned to the
edge of the region in the direction they lie, so the border is not squeezed to a dot.
Segments have no geometry in the schema: each (zone, interior) pair gets a short line
across the path between them, cut into its segments by their lengths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TYPE_ORDER = ["origin", "air_hub", "capital", "staging", "border_zone", "interior", "destination"]
CORE_TYPES = {"capital", "staging", "border_zone", "interior"}
KM_PER_DEGREE = 111.0


@dataclass
class Place:
    x: float
    y: float
    how: str            # "given", "estimated", "schematic" or "pinned" (far away, drawn at the edge)


@dataclass
class SegmentPiece:
    id: str
    x: tuple[float, float]
    y: tuple[float, float]


def node_places(sc) -> tuple[dict[str, Place], bool]:
    """Node id → Place, and whether the drawing is geographic (lon/lat) or schematic."""
    given = {n.id: Place(n.lon, n.lat, "given") for n in sc.nodes if n.lat is not None and n.lon is not None}
    if not given:
        return _schematic(sc), False
    places = dict(given)
    neighbours = _neighbours(sc)
    for _ in range(len(sc.nodes)):          # spread positions to nodes without coordinates
        found = {}
        for n in sc.nodes:
            if n.id in places:
                continue
            near = [places[m] for m in neighbours.get(n.id, ()) if m in places]
            if near:
                found[n.id] = Place(sum(p.x for p in near) / len(near), sum(p.y for p in near) / len(near), "estimated")
        if not found:
            break
        places.update(found)
    cx = sum(p.x for p in places.values()) / len(places)
    cy = sum(p.y for p in places.values()) / len(places)
    for n in sc.nodes:                      # unconnected and without coordinates: at the centre
        places.setdefault(n.id, Place(cx, cy, "estimated"))
    _pin_far(sc, places)
    return places, True


def _neighbours(sc) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    pairs = [(e.from_, e.to) for e in sc.edges] + [(s.zone, s.interior) for s in sc.segments] + \
            [(r.hub, r.to) for r in sc.supply.routes]
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def _schematic(sc) -> dict[str, Place]:
    columns: dict[str, list[str]] = {}
    for n in sc.nodes:
        columns.setdefault(n.type, []).append(n.id)
    places = {}
    for col, t in enumerate(TYPE_ORDER):
        ids = columns.get(t, [])
        for row, node_id in enumerate(ids):
            places[node_id] = Place(float(col), (len(ids) - 1) / 2 - row, "schematic")
    return places


def region(places: dict[str, Place], sc) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of the border region: the core nodes with a margin (a schematic
    drawing: all nodes)."""
    schematic = any(p.how == "schematic" for p in places.values())
    core = [places[n.id] for n in sc.nodes if (schematic or n.type in CORE_TYPES) and n.id in places] \
        or list(places.values())
    x0, x1 = min(p.x for p in core), max(p.x for p in core)
    y0, y1 = min(p.y for p in core), max(p.y for p in core)
    pad_x, pad_y = max((x1 - x0) * 0.12, 0.5), max((y1 - y0) * 0.12, 0.5 if schematic else 0.3)
    return x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y


def _pin_far(sc, places: dict[str, Place]) -> None:
    x0, x1, y0, y1 = region(places, sc)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for n in sc.nodes:
        p = places[n.id]
        if n.type in CORE_TYPES or (x0 <= p.x <= x1 and y0 <= p.y <= y1):
            continue
        dx, dy = p.x - cx, p.y - cy
        t = min((x1 - cx) / abs(dx) if dx else math.inf, (y1 - cy) / abs(dy) if dy else math.inf)
        places[n.id] = Place(cx + dx * t, cy + dy * t, "pinned")


def segment_pieces(sc, places: dict[str, Place], geographic: bool) -> list[SegmentPiece]:
    """A short line per segment, across the path from its zone to its interior node."""
    groups: dict[tuple[str, str], list] = {}
    for s in sc.segments:
        groups.setdefault((s.zone, s.interior), []).append(s)
    longest = max(sum(float(s.length_km) for s in g) for g in groups.values())
    pieces = []
    for (zone, interior), segs in groups.items():
        a, b = places[zone], places[interior]
        mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
        scale_x = math.cos(math.radians(my)) if geographic else 1.0   # a degree of longitude is shorter
        dx, dy = (b.x - a.x) * scale_x, b.y - a.y
        norm = math.hypot(dx, dy) or 1.0
        px, py = -dy / norm, dx / norm          # across the path, in km-true directions
        total = sum(float(s.length_km) for s in segs)
        span = total / KM_PER_DEGREE if geographic else 0.4 * total / longest
        pos = -span / 2
        for s in segs:
            step = span * float(s.length_km) / total
            ends = (pos, pos + step)
            pieces.append(SegmentPiece(s.id, tuple(mx + px * e / scale_x for e in ends), tuple(my + py * e for e in ends)))
            pos += step
    return pieces
