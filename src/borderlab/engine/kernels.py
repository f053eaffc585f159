"""Numba kernels for the per-person hot paths.

Kernels take their random numbers as inputs (Covasim's rule), so the same kernel gives the
same answer for the same draws, and tests can feed them hand-made numbers.
"""

from __future__ import annotations

import numba as nb
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@nb.njit(cache=True, inline="always")
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@nb.njit(cache=True)
def hashed_uniforms(key, ids, out):
    """out[i] = uniform in [0, 1) determined only by (key, ids[i]).

    A counter-based generator (SplitMix64 finaliser over key + id·φ): each person's draw
    depends on their slot, not on how many others draw, so adding people or modules does
    not shift anyone's random numbers.
    """
    k = np.uint64(key)
    scale = 1.0 / 9007199254740992.0  # 2**-53
    for i in range(ids.shape[0]):
        z = _mix64(k + (np.uint64(ids[i]) + np.uint64(1)) * GOLDEN)
        out[i] = np.float64(z >> np.uint64(11)) * scale


@nb.njit(cache=True)
def advance_travellers(ids, node, dest, ti_next, status, day, next_hop, travel_days, arrive_status):
    """Move travellers whose hop ends today one hop on; mark those who reached `dest`.

    Returns a boolean mask over `ids` of people who arrived at their final node today;
    their status is set from `arrive_status[node type]` by the caller's table.
    """
    arrived = np.zeros(ids.shape[0], dtype=np.bool_)
    for j in range(ids.shape[0]):
        i = ids[j]
        # several short hops may finish on the same day
        while ti_next[i] <= day:
            here = node[i]
            if here == dest[i]:
                arrived[j] = True
                status[i] = arrive_status[here]
                break
            nxt = next_hop[here, dest[i]]
            if nxt < 0:  # unreachable: stay where they are (validated away at load)
                arrived[j] = True
                status[i] = arrive_status[here]
                break
            node[i] = nxt
            ti_next[i] = ti_next[i] + travel_days[here, nxt]
    return arrived


@nb.njit(cache=True)
def deplete_health(ids, health, vulnerable, days_in_zone, loss_today, node_exposure, node,
                   vulnerable_mult, hunger_per_day, restore):
    """One day of exposure: health -= exposure·loss·(vulnerable mult)·hunger + restore.

    `loss_today` is the cold/wet loss for a healthy adult fully exposed today; hunger grows
    the loss with days spent in the zone; `restore` (aid, shelter) adds back, capped at 1.
    """
    for j in range(ids.shape[0]):
        i = ids[j]
        e = node_exposure[node[i]]
        loss = e * loss_today * (1.0 + hunger_per_day * days_in_zone[i])
        if vulnerable[i]:
            loss *= vulnerable_mult
        h = health[i] - loss + restore[j]
        if h > 1.0:
            h = 1.0
        health[i] = h


@nb.njit(cache=True)
def poisson_from_uniforms(u, lam, out):
    """Poisson draws by inverse transform, one uniform per draw (counter-based friendly).

    For large means the draw is split into pieces of mean ≤ 500 (a sum of independent
    Poissons is Poisson), each using its own uniform from `u[i, piece]`.
    """
    for i in range(lam.shape[0]):
        total = 0
        mean = lam[i]
        if mean > 0.0:
            pieces = int(np.ceil(mean / 500.0))
            m = mean / pieces
            for k in range(pieces):
                target = u[i, k]
                p = np.exp(-m)
                cdf = p
                x = 0
                while target > cdf and x < 100000:
                    x += 1
                    p *= m / x
                    cdf += p
                    if p < 1e-300 and x > m:
                        break
                total += x
        out[i] = total


@nb.njit(cache=True)
def classify_attempts(group_of, answered, detected, hold, stop_frac, passability, u_stop):
    """Per person: 0 intercepted, 1 held at the line in sight, 2 held unseen, 3 crossed seen,
    4 crossed unseen — from group outcomes and one uniform per person."""
    n = group_of.shape[0]
    code = np.empty(n, dtype=np.int8)
    for j in range(n):
        g = group_of[j]
        u = u_stop[j]
        h = hold[j]
        if answered[g]:
            if u < 1.0 - (1.0 - stop_frac[g]) * (1.0 - h):
                code[j] = 0
            else:
                code[j] = 3
        elif detected[g]:
            code[j] = 1 if u < h else 3
        else:
            code[j] = 2 if u < 1.0 - (1.0 - h) * passability[j] else 4
    return code
