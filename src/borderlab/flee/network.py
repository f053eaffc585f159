"""Locations and routes compiled to arrays, and the route choices an agent can see.

Every undirected route of routes.csv becomes two directed links (as Flee's `linkUp`).
A link is open or closed; `epoch` counts how often it was closed, so an agent who boarded
it before a closure is sent back on arrival even if it has reopened since (Flee keeps the
closed link object the agent is on and appends a fresh copy on reopening).

`route_choices` reproduces Flee's `selectRoute`/`calculateLinkWeight` enumeration: from
an origin, every open link is a candidate route to its end point; with
`awareness_level` > 1 the enumeration continues along open links (never back to a place
already on the path), each longer path being a further candidate whose distance is the sum
of its links. Markers are never candidates themselves and do not count towards the
awareness depth. The per-candidate weight needs the destination's score and occupancy,
which change daily, so the table stores only what is fixed: the path, the destination and
the distance term (softening + distance)^distance_power.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .location_types import EXACT, Kind
from .schema import FleeScenario


@dataclass
class Network:
    """Static arrays of one case (after `hasten`)."""

    names: list[str]
    index: dict[str, int]
    kind: np.ndarray           # int8 Kind at the start (conflict zones with a later date start as towns)
    listed_kind: np.ndarray    # int8 Kind as written in locations.csv
    country: np.ndarray        # int32 index into `countries`
    countries: list[str]
    foreign: np.ndarray        # bool: country differs from the first location's
    latitude: np.ndarray
    longitude: np.ndarray
    population: np.ndarray     # int64 population // hasten (towns, conflict zones; 0 for camps)
    capacity: np.ndarray       # float64 capacity // hasten (camps; −1 elsewhere, as Flee)
    conflict_date: np.ndarray  # int64 (−1 if none)
    intensity_attr: np.ndarray  # float64 conflict_intensity column (1 if absent)
    deactivation: np.ndarray   # float64 deactivation_probability column (0 if absent)
    link_src: np.ndarray       # int32
    link_dst: np.ndarray       # int32
    link_dist: np.ndarray      # float64 km
    link_speed: np.ndarray     # float64 km/day (max_move_speed column or setting)
    link_walk: np.ndarray      # float64 walk_probability column (0 if absent)
    out_ptr: np.ndarray        # int64 CSR of directed links by start point
    out_link: np.ndarray       # int32

    @property
    def n_locations(self) -> int:
        return len(self.names)

    @property
    def n_links(self) -> int:
        return len(self.link_src)


def _attr_float(attrs: dict, key: str, default: float, where: str) -> float:
    raw = attrs.get(key, "")
    if raw is None or str(raw).strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        from ..errors import Problem, ScenarioError
        raise ScenarioError([Problem(where, f"{key} must be a number, got {raw!r}", "write a number or leave it empty")]) from None


def build_network(sc: FleeScenario, locate=lambda p: "") -> Network:
    """Arrays for `sc`; `locate(path)` names file:line for attribute errors."""
    hasten = sc.settings.hasten
    names = [loc.name for loc in sc.locations]
    index = {n: i for i, n in enumerate(names)}
    countries: list[str] = []
    cidx: dict[str, int] = {}
    home = sc.locations[0].country or "unknown"
    n = len(names)
    kind = np.zeros(n, np.int8)
    listed = np.zeros(n, np.int8)
    country = np.zeros(n, np.int32)
    foreign = np.zeros(n, np.bool_)
    population = np.zeros(n, np.int64)
    capacity = np.full(n, -1.0)
    conflict_date = np.full(n, -1, np.int64)
    intensity = np.ones(n)
    deact = np.zeros(n)
    for i, loc in enumerate(sc.locations):
        k = EXACT[loc.type]
        listed[i] = k
        c = loc.country or "unknown"
        if c not in cidx:
            cidx[c] = len(countries)
            countries.append(c)
        country[i] = cidx[c]
        foreign[i] = c != home
        pop = (loc.population or 0) // hasten
        if k == Kind.CONFLICT_ZONE:
            conflict_date[i] = loc.conflict_date if loc.conflict_date is not None else 0
            if conflict_date[i] > 0:
                k = Kind.TOWN  # Flee: a conflict zone whose conflict begins later starts as a town
        kind[i] = k
        if k in (Kind.CAMP, Kind.IDPCAMP):
            capacity[i] = float(pop)
        else:
            population[i] = pop
        where = locate(("locations", i))
        intensity[i] = _attr_float(loc.attributes, "conflict_intensity", 1.0, where)
        deact[i] = _attr_float(loc.attributes, "deactivation_probability", 0.0, where)

    src, dst, dist, speed, walk = [], [], [], [], []
    default_speed = sc.settings.move_rules.max_move_speed
    for r_i, r in enumerate(sc.routes):
        a, b = index[r.name1], index[r.name2]
        where = locate(("routes", r_i))
        s = _attr_float(r.attributes, "max_move_speed", default_speed, where)
        w = _attr_float(r.attributes, "walk_probability", 0.0, where)
        for x, y in ((a, b), (b, a)):
            src.append(x)
            dst.append(y)
            dist.append(float(r.distance))
            speed.append(s)
            walk.append(w)
    link_src = np.array(src, np.int32)
    link_dst = np.array(dst, np.int32)
    order = np.argsort(link_src, kind="stable")
    out_ptr = np.zeros(n + 1, np.int64)
    np.add.at(out_ptr, link_src.astype(np.int64) + 1, 1)
    out_ptr = np.cumsum(out_ptr)
    return Network(
        names=names, index=index, kind=kind, listed_kind=listed, country=country, countries=countries,
        foreign=foreign, latitude=np.array([loc.latitude for loc in sc.locations], float),
        longitude=np.array([loc.longitude for loc in sc.locations], float), population=population,
        capacity=capacity, conflict_date=conflict_date, intensity_attr=intensity, deactivation=deact,
        link_src=link_src, link_dst=link_dst, link_dist=np.array(dist, float), link_speed=np.array(speed, float),
        link_walk=np.array(walk, float), out_ptr=out_ptr, out_link=order.astype(np.int32),
    )


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance with Flee's earth radius (6373 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2) - math.radians(lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6373.0 * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))


@dataclass
class RouteChoices:
    """Candidate routes per origin (CSR): the path's locations after the origin, its
    destination, and the fixed factors of its weight."""

    ptr: np.ndarray        # int64 [n_loc + 1]
    dest: np.ndarray       # int32
    denom: np.ndarray      # float64 (softening + distance)^distance_power
    home: np.ndarray       # float64 stay_close_to_home factor (1 if off)
    path_ptr: np.ndarray   # int64 [n_cand + 1]
    path: np.ndarray       # int32 locations after the origin, first hop first
    max_len: int
    max_fan: int           # most candidates of one origin


def route_choices(net: Network, link_open: np.ndarray, is_marker: np.ndarray, awareness: int, softening: float,
                  distance_power: float, stay_close_to_home: bool = False, home_distance_power: float = 0.5,
                  max_candidates: int = 200_000) -> RouteChoices:
    """Enumerate candidates as Flee's calculateLinkWeight recursion does (see module doc).
    Awareness 0 (Flee: a random link) is read as: every open link, equally weighted by
    the caller."""
    n = net.n_locations
    ptr = [0]
    dest: list[int] = []
    dists: list[float] = []
    homes: list[float] = []
    path_ptr = [0]
    path: list[int] = []
    depth = max(awareness, 1)

    def open_links(x):
        for j in range(net.out_ptr[x], net.out_ptr[x + 1]):
            lk = net.out_link[j]
            if link_open[lk]:
                yield lk

    for origin in range(n):
        # iterative version of calculateLinkWeight(link, prior, origin_names, step)
        stack = [(lk, 0.0, (origin,), 1, ()) for lk in reversed(list(open_links(origin)))]
        while stack:
            lk, prior, seen, step, hops = stack.pop()
            e = int(net.link_dst[lk])
            d = prior + float(net.link_dist[lk])
            hops = hops + (e,)
            if not is_marker[e]:
                dest.append(e)
                dists.append(d)
                if stay_close_to_home:
                    km = haversine_km(net.latitude[e], net.longitude[e], net.latitude[origin], net.longitude[origin])
                    homes.append(1.0 / max(1.0, km) ** home_distance_power)
                else:
                    homes.append(1.0)
                path.extend(hops)
                path_ptr.append(len(path))
                if len(dest) > max_candidates:
                    from ..errors import BorderlabError
                    raise BorderlabError(f"awareness_level {awareness} enumerates more than {max_candidates} routes; "
                                         "lower move_rules.awareness_level")
            else:
                step -= 1
            if depth > step:
                nxt = [l2 for l2 in open_links(e) if int(net.link_dst[l2]) not in seen]
                for l2 in reversed(nxt):
                    stack.append((l2, d, seen + (e,), step + 1, hops))
        ptr.append(len(dest))
    ptr_a = np.array(ptr, np.int64)
    dist_a = np.array(dists, float)
    fan = int(np.diff(ptr_a).max()) if n else 0
    pp = np.array(path_ptr, np.int64)
    max_len = int(np.diff(pp).max()) if len(pp) > 1 else 1
    return RouteChoices(ptr=ptr_a, dest=np.array(dest, np.int32), denom=(softening + dist_a) ** distance_power,
                        home=np.array(homes, float), path_ptr=pp, path=np.array(path, np.int32),
                        max_len=max(max_len, 1), max_fan=max(fan, 1))
