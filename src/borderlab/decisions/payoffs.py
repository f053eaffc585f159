"""Each segment's payoffs in the guard-allocation game, read from the simulator itself.

The defender's resource is the share x_i of its effective guards on duty placed on segment
i (what a fixed allocation sets). On day d that is r = x_i·G_d guards, G_d the force on duty
that day (fatigue included). The border module then decides a group's fate
(models/border.py):

    detected with  c = 1 − exp(−λ0 − κ·r),  κ = k·visibility·barrier_detect(d)·(n/6)^γ / L,
                   λ0 = sensors(d) + sensor_hazard, n the day's mean group size there;
    answered while the segment has response capacity: a = min(1, r·response / (N·c)),
                   N the groups sent there that day;
    an answered person is stopped unless (1 − s)(1 − h) lets them through,
                   s = min(1, r·stop_per_guard / n), h the day's hold (less assistance);
    an unanswered one crosses (seen) unless the barrier holds;
    an unseen one crosses unless barrier and terrain hold: (1 − h)·passability.

A person sent to segment i gets across with probability (1 − h)·[(1 − c)·pass + c·(a(1 − s)
+ (1 − a))], averaged over the window's days weighted by the people who tried there that
day. That is the orchestrator's utility (its adaptive tactic learns this success rate); the
defender's is −[unseen + seen_weight × seen crossings] (seen_weight 1: zero-sum in
crossings). Hold, barrier detection and sensors come from the compiled daily arrays of a
built simulation (events included); G_d, N, n and the people per segment and day come from
runs of the scenario as written (the `scenario` arm), since they depend on the pressure
that arrives, which the game itself does not model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..scenario.loader import LoadedScenario
from .game import Game

GRID_POINTS = 24  # force shares per segment: 0 and 24 geometric steps from 1e-4 to 1


@dataclass
class SegmentPayoffs:
    country: str
    segments: list[str]
    length_km: np.ndarray
    passability: np.ndarray
    hold: np.ndarray  # [segment, day] hold, less the orchestrator's assistance
    detect_mult: np.ndarray  # [segment, day] barrier detection multiplier
    base_hazard: np.ndarray  # [segment, day] sensors + sensor hazard
    detection_k: float
    visibility: np.ndarray
    size_exponent: float
    stop_per_guard: float
    response_per_guard: float
    phase_size: np.ndarray  # [day] mean group size of the day's tactic (where runs saw no group)
    groups: np.ndarray | None = None  # [segment, day] groups sent (runs)
    people: np.ndarray | None = None  # [segment, day] person-attempts (runs)
    force: np.ndarray | None = None  # [day] effective guards on duty (runs)

    def outcomes(self, i: int, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unseen, seen) crossing probability of a person sent to segment i, for each share
        of the force placed there (people-weighted mean over the window's days)."""
        x = np.asarray(share, float)[:, None]
        n_days = self.hold.shape[1]
        groups = np.zeros(n_days) if self.groups is None else self.groups[i]
        people = np.zeros(n_days) if self.people is None else self.people[i]
        force = np.zeros(n_days) if self.force is None else self.force
        with np.errstate(divide="ignore", invalid="ignore"):
            size = np.where(groups > 0, people / groups, self.phase_size)
        r = x * force
        kappa = self.detection_k * self.visibility[i] * self.detect_mult[i] * (size / 6.0) ** self.size_exponent / self.length_km[i]
        c = -np.expm1(-(self.base_hazard[i] + kappa * r))
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(groups * c > 0, np.minimum(1.0, r * self.response_per_guard / (groups * c)), 1.0)
        s = np.minimum(1.0, r * self.stop_per_guard / size)
        through = 1.0 - self.hold[i]
        unseen = through * (1 - c) * self.passability[i]
        seen = through * c * (a * (1 - s) + (1 - a))
        w = people if people.sum() > 0 else np.ones(n_days)
        return unseen @ w / w.sum(), seen @ w / w.sum()

    def game(self, seen_weight: float = 1.0) -> Game:
        """Utilities on a grid of force shares per segment; the budget is the whole force (1)."""
        grid = np.concatenate([[0.0], np.geomspace(1e-4, 1.0, GRID_POINTS)])
        att, dfd = [], []
        for i in range(len(self.segments)):
            unseen, seen = self.outcomes(i, grid)
            att.append(unseen + seen)
            dfd.append(-(unseen + seen_weight * seen))
        return Game(tuple(grid for _ in self.segments), tuple(att), tuple(dfd), 1.0)

    def rows(self) -> list[dict]:
        out = []
        for i, s in enumerate(self.segments):
            none = sum(self.outcomes(i, np.array([0.0])))[0]
            uniform = sum(self.outcomes(i, np.array([self.length_km[i] / self.length_km.sum()])))[0]
            out.append({"segment": s, "length_km": float(self.length_km[i]), "passability": float(self.passability[i]),
                        "mean_hold": float(self.hold[i].mean()),
                        "people_in_scenario_runs": None if self.people is None else float(self.people[i].sum()),
                        "cross_prob_no_guards": float(none), "cross_prob_per_km_share": float(uniform)})
        return out


def static_payoffs(loaded: LoadedScenario, country: str, start: dt.date, end: dt.date) -> SegmentPayoffs:
    """The parts that follow from the scenario's compiled daily arrays over the window."""
    from ..simulation import build_sim

    sim = build_sim(loaded, seed=0)
    border, dfd, orch = sim.module("border"), sim.module("defenders"), sim.module("orchestrator")
    c = dfd.codes.index(country)
    segs = np.flatnonzero(border.seg_country == c)
    days = np.arange(sim.calendar.day(start), sim.calendar.day(end) + 1)
    hold = np.zeros((segs.size, days.size))
    phase_size = np.full(days.size, 6.0)
    for k, d in enumerate(days):
        ph = orch.phase(int(d))
        assist = float(ph.assistance) if ph is not None else 0.0
        hold[:, k] = border.hold_today(int(d))[segs] * (1.0 - assist)
        if ph is not None:
            phase_size[k] = (ph.group_size.min + ph.group_size.max) / 2.0
    return SegmentPayoffs(country=country, segments=[border.seg_ids[i] for i in segs], length_km=border.length[segs],
                          passability=border.passability[segs], hold=hold,
                          detect_mult=border.detect_mult[segs][:, days],
                          base_hazard=border.sensors[segs][:, days] + dfd.sensor_hazard[c],
                          detection_k=float(dfd.k_det[c]), visibility=border.visibility[segs],
                          size_exponent=float(dfd.size_exp[c]), stop_per_guard=float(dfd.stop_per_guard[c]),
                          response_per_guard=float(dfd.resp_per_guard[c]), phase_size=phase_size)


def with_run_estimates(p: SegmentPayoffs, groups: np.ndarray, people: np.ndarray, force: np.ndarray) -> SegmentPayoffs:
    """Add what depends on the pressure that arrives, from runs of the scenario over the
    window: groups and person-attempts per [segment, day], effective guards on duty per day."""
    p.groups, p.people, p.force = (np.asarray(v, float) for v in (groups, people, force))
    return p
