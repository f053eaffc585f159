"""Where new agents come from and how many (Flee's spawning.py).

Data-driven spawning (the default): each day the number of new agents is the day-on-day
increase of the UNHCR total (after `hasten`), less any "debt" left by earlier decreases;
on day 0 nobody is spawned when `insert_day0` puts each camp's day-0 count into the camp
instead. New agents are spread over conflict zones in proportion to
population × intensity × decay(days since the conflict began), where the decay is the
`conflict_spawn_decay` entry for each whole 30 days.

Conflict-driven spawning (`spawn_rules.conflict_driven_spawning`) ignores the data: each
conflict zone spawns displaced_per_conflict_day × intensity agents a day (× population
for pop_ratio, or a Poisson draw with that mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import BorderlabError


def conflict_decay(decay: list[float] | None, time_since: np.ndarray) -> np.ndarray:
    """Flee's get_conflict_decay for each location: decay[min(⌊days/30⌋, len−1)]."""
    time_since = np.asarray(time_since)
    if not decay:
        return np.ones(time_since.shape)
    table = np.asarray(decay, dtype=np.float64)
    i = np.clip(np.trunc(time_since / 30.0).astype(np.int64), 0, len(table) - 1)
    return table[i]


def spawn_weights(population: np.ndarray, conflict: np.ndarray, time_of_conflict: np.ndarray, time: int,
                  decay: list[float] | None) -> np.ndarray:
    """Flee's refresh_spawn_weights: population × intensity × decay in conflict zones, else 0."""
    w = population.astype(np.float64) * conflict * conflict_decay(decay, time - time_of_conflict)
    return np.where(conflict > 0.0, w, 0.0)


@dataclass
class DataDrivenPlan:
    """Per day: agents to spawn, the running UNHCR total Flee divides by, and the debt."""

    new: np.ndarray        # int64
    raw_total: np.ndarray  # int64 ('raw UNHCR refugee count' in out.csv)
    debt: np.ndarray       # int64 ('refugee_debt')


def data_driven_plan(daily_difference: np.ndarray, insert_day0: bool) -> DataDrivenPlan:
    """Flee's spawn_daily_displaced bookkeeping, which depends only on the data."""
    n = len(daily_difference)
    new = np.zeros(n, np.int64)
    raw = np.zeros(n, np.int64)
    debts = np.zeros(n, np.int64)
    debt = 0
    total = 0
    for t in range(n):
        diff = int(daily_difference[t])
        refs = diff - debt
        total += diff
        if insert_day0 and t == 0:
            refs = 0
        if refs < 0:
            debt = -refs
            refs = 0
        elif debt > 0:
            debt = 0
        new[t], raw[t], debts[t] = refs, total, debt
    return DataDrivenPlan(new, raw, debts)


def place(weights: np.ndarray, uniforms: np.ndarray, day: int) -> np.ndarray:
    """Location of each new agent: the inverse of the weights' cumulative distribution."""
    total = float(weights.sum())
    if len(uniforms) == 0:
        return np.zeros(0, np.int32)
    if not total > 0.0:
        raise BorderlabError(f"day {day}: {len(uniforms)} new agents but no conflict zone with a population to "
                             "spawn them from\n    hint: give the conflict zones a population in locations.csv "
                             "(or check conflicts.csv and spawn_rules.take_from_population)")
    cum = np.cumsum(weights)
    idx = np.searchsorted(cum, uniforms * total, side="right")
    last = int(np.flatnonzero(weights > 0)[-1])
    return np.minimum(idx, last).astype(np.int32)


def conflict_driven_counts(mode: str, rate: float, population: np.ndarray, conflict: np.ndarray,
                           poisson_draw=None) -> np.ndarray:
    """Agents each location spawns today under conflict-driven spawning."""
    active = conflict > 0.0
    if mode == "constant":
        counts = np.where(active, np.trunc(rate * conflict), 0.0)
    elif mode == "pop_ratio":
        counts = np.where(active, np.trunc(rate * population * conflict), 0.0)
    else:  # poisson
        lam = np.where(active, rate * conflict, 0.0)
        counts = poisson_draw(lam) if poisson_draw is not None else np.zeros_like(lam)
    return np.maximum(counts, 0).astype(np.int64)
