"""Who boards each route, by day: the route's nationality mix, minus banned nationalities.

Airlines and transit states banned some nationalities rather than whole routes (Turkey
barred Iraqis, Syrians and Yemenis from flights to Minsk on 12 Nov 2021; the UAE barred
Afghans, Iraqis, Yemenis and Syrians on 14 Nov). A ban removes those nationalities' share
of the route's migrant passengers — the share follows from the mix, it is not assumed —
and the people who still board are drawn from the remaining nationalities.
"""

from __future__ import annotations

import numpy as np

from ..engine.numba_cache import cached_njit


class RouteMix:
    """Per route and day, the probability of each nationality slot (rows sum to 1)."""

    def __init__(self, codes: list[np.ndarray], probs: list[np.ndarray], n_days: int):
        width = max([len(c) for c in codes], default=1)
        self.code = np.zeros((len(codes), width), dtype=np.int16)
        self.p = np.zeros((len(codes), n_days, width))
        for r, (c, p) in enumerate(zip(codes, probs)):
            self.code[r, : len(c)] = c
            self.code[r, len(c):] = c[-1] if len(c) else 0
            self.p[r, :, : len(p)] = p / p.sum()

    def ban(self, route: int, days: slice, codes) -> np.ndarray:
        """Remove `codes` from `route` on `days`; return, per day, the share of boarders left
        (1 − the banned share of the mix as it stood that day)."""
        banned = np.isin(self.code[route], np.asarray(list(codes), dtype=np.int16))
        p = self.p[route, days]  # a view: edits land in self.p
        left = 1.0 - p[:, banned].sum(axis=1)
        p[:, banned] = 0.0
        ok = left > 1e-12
        p[ok] /= left[ok, None]
        return np.clip(left, 0.0, 1.0)

    def pick(self, route: np.ndarray, day: int, u: np.ndarray) -> np.ndarray:
        """Nationality codes for people boarding `route` today, from uniforms `u`."""
        return pick_nationality(self.p[:, day], self.code, np.ascontiguousarray(route, dtype=np.int64), u)


@cached_njit()
def pick_nationality(p, code, route, u):
    """Inverse-CDF pick over each route's slots; from the last slot with mass on, the slot
    catches all (a guard against rounding: a u just below 1 never falls past the mix)."""
    n_routes, width = p.shape
    cdf = np.empty((n_routes, width), dtype=np.float64)
    for r in range(n_routes):
        acc = 0.0
        last = width - 1
        for k in range(width - 1, -1, -1):
            if p[r, k] > 0:
                last = k
                break
        for k in range(width):
            acc += p[r, k]
            cdf[r, k] = 2.0 if k >= last else acc
    out = np.empty(route.shape[0], dtype=code.dtype)
    for j in range(route.shape[0]):
        r = route[j]
        slot = 0
        for k in range(width):
            if u[j] >= cdf[r, k]:
                slot += 1
        out[j] = code[r, min(slot, width - 1)]
    return out
