"""The geography as arrays: node attributes, travel days between neighbours, next hops.

Inside the engine everything is indexed by node number; names exist only at the edges.
Routes follow the quickest path (travel days, then km), precomputed once with SciPy.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

NODE_TYPES = ("origin", "air_hub", "capital", "staging", "border_zone", "interior", "destination")
TYPE_CODE = {t: i for i, t in enumerate(NODE_TYPES)}
NO_EDGE = np.int32(1 << 20)

# (n, travel days, km) → (next hops, distances) of the last few graphs built in this process
_HOPS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
_HOPS_KEPT = 8


class Graph:
    """Nodes, directed edges and the quickest-path next-hop table."""

    def __init__(self, ids: list[str], types: list[str], exposure: np.ndarray,
                 edges: list[tuple[int, int, float, str]], speeds: dict[str, float]):
        n = len(ids)
        self.ids = list(ids)
        self.index = {name: i for i, name in enumerate(ids)}
        self.n = n
        self.type_code = np.array([TYPE_CODE[t] for t in types], dtype=np.int8)
        self.exposure = np.asarray(exposure, dtype=np.float64)
        self.km = np.full((n, n), np.inf)
        self.travel_days = np.full((n, n), NO_EDGE, dtype=np.int32)
        np.fill_diagonal(self.travel_days, 0)
        for a, b, km, mode in edges:
            days = max(1, math.ceil(km / speeds[mode]))
            if days < self.travel_days[a, b] or (days == self.travel_days[a, b] and km < self.km[a, b]):
                self.travel_days[a, b] = days
                self.km[a, b] = km
        self.next_hop = self._next_hops()

    def _next_hops(self) -> np.ndarray:
        """The next-hop table (and `dist`), each a copy of the one computed for the same
        travel days and km: every run of an ensemble builds the same graph, and the shortest
        paths were most of its build (≈0.4 ms of 0.45 for belarus-eu-2021's 27 nodes)."""
        key = (self.n, self.travel_days.tobytes(), self.km.tobytes())
        found = _HOPS.get(key)
        if found is None:
            found = self._compute_next_hops()
            if len(_HOPS) >= _HOPS_KEPT:
                _HOPS.pop(next(iter(_HOPS)))
            _HOPS[key] = found
        hop, dist = found
        self.dist = dist.copy()
        return hop.copy()

    def _compute_next_hops(self) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        has = (self.travel_days < NO_EDGE) & ~np.eye(n, dtype=bool)
        rows, cols = np.nonzero(has)
        # quickest in days; km breaks ties (scaled so it never outweighs a day)
        weight = self.travel_days[rows, cols] + np.minimum(self.km[rows, cols], 1e5) * 1e-6
        m = csr_matrix((weight, (rows, cols)), shape=(n, n))
        dist = shortest_path(m, directed=True)
        hop = np.full((n, n), -1, dtype=np.int32)
        for i in range(n):
            nbrs = cols[rows == i]
            hop[i, i] = i
            if nbrs.size == 0:
                continue
            w = self.travel_days[i, nbrs] + np.minimum(self.km[i, nbrs], 1e5) * 1e-6
            total = w[:, None] + dist[nbrs, :]
            best = np.argmin(total, axis=0)
            ok = np.isfinite(total[best, np.arange(n)])
            hop[i, ok] = nbrs[best[ok]]
            hop[i, i] = i
        return hop, dist

    def check_routed(self, bad: int, node: np.ndarray, towards: str) -> None:
        """Raise for the person a compiled phase could not route (`bad` ≥ 0: their uid);
        load-time checks make this a bug, not bad input."""
        if bad >= 0:
            raise RuntimeError(f"person {bad}: no route from node {self.ids[node[bad]]} {towards}")

    def days_between(self, a: int, b: int) -> int:
        """Travel days along the quickest path from a to b (−1 if unreachable)."""
        if a == b:
            return 0
        days, here = 0, a
        for _ in range(self.n):
            nxt = self.next_hop[here, b]
            if nxt < 0:
                return -1
            days += int(self.travel_days[here, nxt])
            here = nxt
            if here == b:
                return days
        return -1

    def of_type(self, node_type: str) -> np.ndarray:
        return np.flatnonzero(self.type_code == TYPE_CODE[node_type])
