"""A Stackelberg security game over targets (segments), solved by multiple LPs/MILPs.

The defender commits to resources r_i on each target i (Σ r_i ≤ budget); the attacker (the
orchestrator) sees the commitment and pushes where its own expected utility is highest.
Each target's utilities are functions of the resources placed there, given at grid points
r_i0 < … < r_iK and linear in between:

    U_a(i, r_i)   attacker's utility if it attacks i      U_d(i, r_i)   defender's

The classic coverage form (Kiekintveld et al. 2009, "Computing optimal randomized resource
allocations for massive security games", AAMAS — ORIGAMI/ERASER) is the case K = 1 with
r ∈ [0, 1] the coverage: U(i, c) = c·U_cov(i) + (1 − c)·U_unc(i) (`coverage_game`).

A strong Stackelberg equilibrium (ties broken in the defender's favour) is found with the
multiple-LPs method of Conitzer & Sandholm (2006, "Computing the optimal strategy to commit
to", EC '06): for every target j, one program finds the commitment that maximises U_d(j)
subject to j being an attacker best response, U_a(i) ≤ U_a(j) for all i; the best feasible
program is the equilibrium. The piecewise-linear utilities are written with SOS2 weights
(w_ik ≥ 0, Σ_k w_ik = 1, at most two adjacent non-zero, enforced with one binary per piece),
so each program is a small MILP; its LP relaxation is solved first and kept when its weights
already satisfy SOS2 (then it is optimal). With one piece per target it is the plain LP of
the coverage form. Solved with SciPy's HiGHS (`scipy.optimize.milp`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import BorderlabError


@dataclass(frozen=True)
class Game:
    """Per target i: resource grid `resources[i]` (increasing, K_i + 1 points) and the
    attacker's and defender's utilities at those points; the defender's budget."""

    resources: tuple[np.ndarray, ...]
    attacker: tuple[np.ndarray, ...]
    defender: tuple[np.ndarray, ...]
    budget: float

    @property
    def n(self) -> int:
        return len(self.resources)


@dataclass(frozen=True)
class Solution:
    resources: np.ndarray  # r_i: resources placed on each target
    target: int  # the attacker's best response
    defender_utility: float
    attacker_utility: float
    attacker_utilities: np.ndarray  # U_a(i, r_i) for every target
    defender_utilities: np.ndarray
    programs_feasible: int


def coverage_game(attacker_covered, attacker_uncovered, defender_covered, defender_uncovered,
                  budget: float) -> Game:
    """The classic game: coverage c_i ∈ [0, 1] costs c_i units of the budget."""
    n = len(attacker_uncovered)
    grid = tuple(np.array([0.0, 1.0]) for _ in range(n))
    att = tuple(np.array([attacker_uncovered[i], attacker_covered[i]], float) for i in range(n))
    dfd = tuple(np.array([defender_uncovered[i], defender_covered[i]], float) for i in range(n))
    return Game(grid, att, dfd, float(budget))


def check_game(game: Game) -> None:
    if game.n == 0:
        raise BorderlabError("security game: no targets")
    for i in range(game.n):
        r, a, d = (np.asarray(x, float) for x in (game.resources[i], game.attacker[i], game.defender[i]))
        if r.size < 2 or a.shape != r.shape or d.shape != r.shape:
            raise BorderlabError(f"security game: target {i} needs ≥ 2 grid points and a utility for each")
        if not (np.isfinite(r).all() and np.isfinite(a).all() and np.isfinite(d).all()):
            raise BorderlabError(f"security game: target {i} has a utility or resource that is not a finite number")
        if (np.diff(r) <= 0).any() or r[0] < 0:
            raise BorderlabError(f"security game: target {i}'s resource grid must start ≥ 0 and increase")
    if not np.isfinite(game.budget) or game.budget < 0:
        raise BorderlabError(f"security game: budget {game.budget} must be a finite number ≥ 0")


def _sos2(w: np.ndarray, tol: float = 1e-9) -> bool:
    """At most two non-zero weights, and next to each other."""
    nz = np.flatnonzero(w > tol)
    return nz.size <= 1 or (nz.size == 2 and nz[1] - nz[0] == 1)


def value_at(grid: np.ndarray, values: np.ndarray, r: float) -> float:
    return float(np.interp(r, grid, values))


def solve(game: Game) -> Solution:
    """Strong Stackelberg equilibrium: one (MI)LP per attacker target, best feasible one wins."""
    check_game(game)
    n = game.n
    grids = [np.asarray(r, float) for r in game.resources]
    att = [np.asarray(a, float) for a in game.attacker]
    dfd = [np.asarray(d, float) for d in game.defender]
    if sum(g[0] for g in grids) > game.budget + 1e-9:
        raise BorderlabError("security game: the smallest resources on every target already exceed the budget")
    # variables: for each target, weights w_i0..w_iK, then binaries z_i0..z_i,K-1 (one per piece)
    w_at, z_at, nv = [], [], 0
    for g in grids:
        w_at.append(nv + np.arange(g.size))
        nv += g.size
    nw = nv
    for g in grids:
        z_at.append(nv + np.arange(g.size - 1))
        nv += g.size - 1
    integrality = np.zeros(nv)
    for z in z_at:
        integrality[z] = 1

    def row(entries):
        r = np.zeros(nv)
        for idx, val in entries:
            r[idx] += val
        return r

    w_rows, w_lo, w_hi = [], [], []  # rows on the weights only
    z_rows, z_lo, z_hi = [], [], []  # SOS2 rows that need the binaries
    for i in range(n):
        w, z = w_at[i], z_at[i]
        w_rows.append(row([(w, 1.0)])); w_lo.append(1.0); w_hi.append(1.0)  # noqa: E702
        z_rows.append(row([(z, 1.0)])); z_lo.append(1.0); z_hi.append(1.0)  # noqa: E702
        for k in range(w.size):  # SOS2: w_ik ≤ z_i,k-1 + z_ik
            near = [z[p] for p in (k - 1, k) if 0 <= p < z.size]
            z_rows.append(row([(w[k], 1.0)] + [(p, -1.0) for p in near])); z_lo.append(-np.inf); z_hi.append(0.0)  # noqa: E702
    w_rows.append(row([(w_at[i], grids[i]) for i in range(n)])); w_lo.append(-np.inf); w_hi.append(game.budget)  # noqa: E702
    best = None
    feasible = 0
    for j in range(n):
        rows, lo_j, hi_j = list(w_rows), list(w_lo), list(w_hi)
        for i in range(n):
            if i != j:  # U_a(i) − U_a(j) ≤ 0
                rows.append(row([(w_at[i], att[i]), (w_at[j], -att[j])])); lo_j.append(-np.inf); hi_j.append(0.0)  # noqa: E702
        c = row([(w_at[j], -dfd[j])])
        # the LP without binaries first: a relaxation, so where its weights already satisfy
        # SOS2 (as they do for convex utilities) it is the program's optimum
        res = milp(c[:nw], constraints=LinearConstraint(np.vstack(rows)[:, :nw], lo_j, hi_j),
                   bounds=Bounds(np.zeros(nw), np.ones(nw)))
        if res.status == 0 and res.x is not None and not all(_sos2(res.x[w]) for w in w_at):
            res = milp(c, constraints=LinearConstraint(np.vstack(rows + z_rows), lo_j + z_lo, hi_j + z_hi),
                       integrality=integrality, bounds=Bounds(np.zeros(nv), np.ones(nv)))
        if res.status != 0 or res.x is None:
            continue
        feasible += 1
        value = -float(res.fun)
        if best is None or value > best[0] + 1e-9:
            best = (value, j, res.x)
    if best is None:
        raise BorderlabError("security game: no commitment within the budget makes any target a best response")
    value, j, x = best
    r = np.array([float(x[w_at[i]] @ grids[i]) for i in range(n)])
    u_att = np.array([value_at(grids[i], att[i], r[i]) for i in range(n)])
    u_dfd = np.array([value_at(grids[i], dfd[i], r[i]) for i in range(n)])
    return Solution(resources=r, target=j, defender_utility=value, attacker_utility=float(u_att[j]),
                    attacker_utilities=u_att, defender_utilities=u_dfd, programs_feasible=feasible)
