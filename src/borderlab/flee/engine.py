"""The Flee-equivalent daily loop over structure-of-arrays agents.

Each day follows Flee 3.1's run script and `Ecosystem.evolve`, in this order:

1. conflicts: a location whose conflicts.csv intensity rises from 0 becomes a conflict
   zone that day (conflict move chance, intensity, onset day); one whose intensity falls
   from 1 to 0 becomes a town again;
2. spawning: new agents (see spawning.py) appear in conflict zones;
3. closures.csv actions dated that day: borders, locations and links close or reopen,
   camps close (become towns) or reopen;
4. movement (kernels.advance_day): location scores for the day
   (foreign × camp × conflict_weight^(decay × intensity)), then every agent at a place may
   set off and every traveller advances;
5. camps_are_sinks deactivations;
6. the day's record: agents per location, new agents, travellers.

Agents live in arrays sized once from the data (data-driven spawning knows every day's
count in advance) and grown by doubling otherwise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..engine.streams import Stream
from ..errors import BorderlabError, Problem, ScenarioError
from ..scenario.limits import limit, over_limit
from . import kernels
from .demographics import DemographicDraws
from .location_types import Kind
from .network import Network, RouteChoices, build_network, route_choices
from .schema import FleeScenario
from .spawning import conflict_decay, conflict_driven_counts, data_driven_plan, place, spawn_weights
from .validation import ValidationData, build_validation

CONFLICT_ON = 0.000001  # Flee's threshold for "in conflict" in conflicts.csv


@dataclass
class Agents:
    """Per-agent state (structure of arrays); the first `n` rows are in use."""

    n: int
    loc: np.ndarray         # int32 location (the start point while travelling)
    link: np.ndarray        # int32 directed link travelled; −1 at a location, −2 deactivated by a sink
    on_link: np.ndarray     # float64 km credited on the current link
    epoch_at: np.ndarray    # int32 the link's closure count when boarded
    first_leg: np.ndarray   # bool: still on the first link of its journey
    recent: np.ndarray      # float64 recent travel index (avoid_short_stints), length 1 if unused
    demo: np.ndarray        # int8 demographic class (demographics.py), length 1 if the rules are off
    route: np.ndarray       # int32 (capacity, max route length): planned locations ahead
    route_len: np.ndarray   # int16
    trav: np.ndarray        # int32 agents on a link at the end of the last day, ascending (first n_trav)
    new_trav: np.ndarray    # int32 scratch for the kernel
    merged: np.ndarray      # int32 scratch for the kernel
    n_trav: int = 0

    PER_AGENT = ("loc", "link", "on_link", "epoch_at", "first_leg", "route_len", "trav", "new_trav", "merged")

    @classmethod
    def empty(cls, capacity: int, route_len: int, track_recent: bool, track_demo: bool = False) -> "Agents":
        c = max(int(capacity), 16)
        return cls(0, np.zeros(c, np.int32), np.full(c, kernels.AT_PLACE, np.int32), np.zeros(c), np.zeros(c, np.int32),
                   np.zeros(c, np.bool_), np.zeros(c if track_recent else 1), np.zeros(c if track_demo else 1, np.int8),
                   np.zeros((c, max(route_len, 1)), np.int32),
                   np.zeros(c, np.int16), np.zeros(c, np.int32), np.zeros(c, np.int32), np.zeros(c, np.int32))

    @property
    def capacity(self) -> int:
        return len(self.loc)

    def grow(self, need: int, route_len: int) -> None:
        """Make room for `need` agents and routes of `route_len` locations."""
        cap = self.capacity
        if need > cap:
            cap = max(need, 2 * cap)
        if cap == self.capacity and route_len <= self.route.shape[1]:
            return
        for name in self.PER_AGENT:
            old = getattr(self, name)
            new = np.full(cap, kernels.AT_PLACE, old.dtype) if name == "link" else np.zeros(cap, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        for name in ("recent", "demo"):   # per-agent only when in use
            old = getattr(self, name)
            if len(old) > 1:
                new = np.zeros(cap, old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
        route = np.zeros((cap, max(route_len, self.route.shape[1])), np.int32)
        route[: self.route.shape[0], : self.route.shape[1]] = self.route
        self.route = route

    def add(self, locations: np.ndarray, route_len: int, demo: np.ndarray | None = None) -> None:
        k = len(locations)
        self.grow(self.n + k, route_len)
        s = slice(self.n, self.n + k)
        self.loc[s] = locations
        self.link[s] = kernels.AT_PLACE
        self.on_link[s] = 0.0
        self.first_leg[s] = True
        self.route_len[s] = 0
        if len(self.recent) > 1:
            self.recent[s] = 0.0
        if demo is not None:
            self.demo[s] = demo
        self.n += k


class FleeSim:
    """One run of a Flee case: build with a scenario and seed, then `run()`."""

    def __init__(self, sc: FleeScenario, seed: int = 0, days: int | None = None, base_dir: Path | None = None,
                 locate: Callable[[tuple], str] | None = None, validation: ValidationData | None = None,
                 check_only: bool = False):
        """`check_only`: validate everything a run needs (data tables, conflicts, limits)
        and stop before the agents are allocated (`borderlab check` on a Flee case)."""
        locate = locate or (lambda p: ".".join(map(str, p)))
        self.sc = sc
        self.seed = int(seed)
        self.days = int(days) if days is not None else sc.days
        if self.days < 1:
            raise ScenarioError([Problem("days", f"days must be ≥ 1, got {self.days}", "simulate at least one day")])
        if self.days > limit("max_days"):  # before any per-day array is allocated
            raise ScenarioError([Problem("days" if days is not None else locate(("days",)),
                                         over_limit("max_days", "days", self.days), "simulate fewer days (--days)")])
        mr, sr = sc.settings.move_rules, sc.settings.spawn_rules
        self.mr, self.sr = mr, sr
        self.net: Network = build_network(sc, locate)
        problems: list[Problem] = []  # the data tables and the conflicts table, reported together
        try:
            self.validation = validation or build_validation(sc, base_dir, locate)
        except ScenarioError as exc:
            problems += exc.problems
        try:
            self._conflict_events = self._compile_conflicts(locate)
        except ScenarioError as exc:
            problems += exc.problems
        if problems:
            raise ScenarioError(problems)
        net = self.net
        self.start = np.datetime64(sc.start_date, "D")
        self.dates = self.start + np.arange(self.days)
        n_days = self.days

        # location state (Flee's Location.__init__)
        k = net.kind
        self.is_camp = np.isin(k, [Kind.CAMP, Kind.IDPCAMP])
        self.is_idp = k == Kind.IDPCAMP
        self.is_town = k == Kind.TOWN
        self.is_marker = k == Kind.MARKER
        self.movechance = np.select(
            [k == Kind.CAMP, k == Kind.IDPCAMP, k == Kind.CONFLICT_ZONE, k == Kind.FORWARDING_HUB, k == Kind.MARKER],
            [mr.camp_movechance, mr.idpcamp_movechance, mr.conflict_movechance, 1.0, 1.0], mr.default_movechance)
        auto_camp = (self.movechance < 0.005) & ~self.is_camp
        self.is_camp |= auto_camp            # Flee: places almost nobody leaves are camps
        self.is_town &= ~auto_camp
        self.conflict = np.where(k == Kind.CONFLICT_ZONE, net.intensity_attr, -1.0)
        self.time_of_conflict = np.full(net.n_locations, -1, np.int64)
        self.population = net.population.copy()
        self.capacity_raw = net.capacity.copy()
        self.capacity = net.capacity * mr.capacity_scaling
        self.count = np.zeros(net.n_locations, np.int64)

        # the camps Flee reports (its get_camp_names on day 0: places that are camps then,
        # including towns made camps by a tiny move chance if they have a series)
        self.camps = np.array([i for i in range(net.n_locations) if self.is_camp[i]
                               and (net.kind[i] in (Kind.CAMP, Kind.IDPCAMP) or net.names[i] in self.validation.tables)],
                              np.int64)
        self.camp_names = [net.names[i] for i in self.camps]
        # the data side: camp series, the total Flee divides by, daily spawn counts
        self.data_camp = (np.stack([self.validation.daily(n, n_days) for n in self.camp_names], axis=1)
                          if len(self.camps) else np.zeros((n_days, 0), np.int64))
        # sum_from_camps adds every series of data_layout.csv but the total, as Flee does
        spawn_from = [n for n in self.validation.names if n != "total"] if sr.sum_from_camps else ["total"]
        # under conflict-driven spawning Flee 3.1 never reads the total, which may then be absent
        spawn_from = [n for n in spawn_from if n in self.validation.tables]
        self.plan = data_driven_plan(self.validation.daily_difference(spawn_from, n_days), sr.insert_day0)

        self.link_open = np.ones(net.n_links, np.bool_)
        self.link_epoch = np.zeros(net.n_links, np.int32)
        self._closure_actions = self._compile_closures()
        self._links_can_close = any(c.type in ("country", "location", "link") for c in sc.closures)
        self.choices: RouteChoices = self._route_choices()

        # agents: day-0 agents, then the data's daily counts (known in advance), within the
        # people limit before anything is allocated for them
        expected = self._expected_agents(locate)
        if check_only:
            return
        self.initial = self._initial_agents()
        self.demographics = DemographicDraws.for_scenario(sc, list(net.names), self.seed)
        self.agents = Agents.empty(expected, self.choices.max_len, mr.avoid_short_stints, self.demographics is not None)
        for locs in self.initial:
            self._add_agents(locs, 0)
        self.streams = {name: Stream(self.seed, f"flee.{name}") for name in ("move", "route", "walk", "spawn", "sink")}

        # records
        self.day = 0
        self.loc_counts = np.zeros((n_days, net.n_locations), np.int64)
        self.n_agents = np.zeros(n_days, np.int64)
        self.new_agents = np.zeros(n_days, np.int64)
        self.n_travelling = np.zeros(n_days, np.int64)
        self.n_deactivated = np.zeros(n_days, np.int64)
        self.stops = np.zeros(n_days, np.int64)
        self._deactivated = 0
        self._wbuf = np.zeros(self.choices.max_fan + 1)

    # -- building blocks ------------------------------------------------------------------
    def _compile_conflicts(self, locate) -> list[list[tuple[int, float | None]]]:
        """Per day, the conflict zones that start (loc, intensity) or end (loc, None)."""
        sc, net = self.sc, self.net
        events: list[list] = [[] for _ in range(self.days)]
        if sc.conflicts is None:
            for i in range(net.n_locations):
                d = int(net.conflict_date[i])
                if net.listed_kind[i] == Kind.CONFLICT_ZONE and 0 < d < self.days:
                    events[d].append((i, float(net.intensity_attr[i])))
            return events
        if sc.conflicts.days < self.days:
            raise ScenarioError([Problem(locate(("conflicts",)),
                                         f"conflicts.csv has {sc.conflicts.days} day rows but the run needs {self.days}",
                                         "add rows up to the last simulated day, or run fewer days (--days)")])
        table = sc.conflicts.table([n for n in sc.conflicts.changes if n in net.index])
        for name, row in table.items():
            i = net.index[name]
            for t in range(self.days):
                cur = row[t]
                prev = row[t - 1] if t > 0 else 0.0
                if cur > CONFLICT_ON and (t == 0 or prev < CONFLICT_ON):
                    events[t].append((i, cur))
                if cur < CONFLICT_ON and t > 0 and prev == 1:
                    events[t].append((i, None))
        return events

    def _compile_closures(self) -> dict[int, list[tuple[str, object]]]:
        """Per day, closures.csv actions in Flee's order (each row: close on start, reopen on end)."""
        out: dict[int, list] = {}
        for c in self.sc.closures:
            out.setdefault(c.start, []).append(("close", c))
            if c.end >= 0:
                out.setdefault(c.end, []).append(("reopen", c))
        return out

    def _route_choices(self) -> RouteChoices:
        mr = self.mr
        ch = route_choices(self.net, self.link_open, self.is_marker, mr.awareness_level, mr.softening,
                           mr.distance_power, mr.stay_close_to_home, mr.home_distance_power)
        # once any route has several links, agents may carry one: keep storing routes
        self._multi_hop = getattr(self, "_multi_hop", False) or ch.max_len > 1
        return ch

    def _expected_agents(self, locate) -> int:
        """Room for agents to allocate up front: day-0 agents plus data-driven spawns (known
        exactly). Over `max_people` (for conflict-driven spawning: an upper bound) is an error."""
        sr = self.sr
        day0 = sum(self.sc.initial_agents.values())
        if sr.insert_day0 and len(self.camps):
            day0 += int(np.maximum(self.data_camp[0], 0).sum())
        if sr.conflict_driven_spawning is None:
            spawned, where = int(self.plan.new.sum()), locate(("validation", "series"))
            what = "the number of agents the UNHCR series spawn (after hasten)"
        else:
            cds = sr.conflict_driven_spawning
            peak = np.zeros(self.net.n_locations)
            for day in self._conflict_events:
                for i, intensity in day:
                    peak[i] = max(peak[i], intensity or 0.0)
            peak = np.maximum(peak, np.where(self.conflict > 0, self.conflict, 0.0))
            per_zone = cds.displaced_per_conflict_day * peak * (self.population if cds.spawn_mode == "pop_ratio" else 1.0)
            spawned, where = float(per_zone.sum()) * self.days, locate(("settings",))
            what = "the number of agents conflict-driven spawning may add"
        if day0 + spawned > limit("max_people"):
            raise ScenarioError([Problem(where, over_limit("max_people", what, day0 + spawned),
                                         "scale the case down with optimisations.hasten (or fewer --days)")])
        return day0 + (int(spawned) if sr.conflict_driven_spawning is None else 0)  # the arrays grow for the rest

    def _initial_agents(self) -> list[np.ndarray]:
        out = []
        for name, k in self.sc.initial_agents.items():
            out.append(np.full(k, self.net.index[name], np.int32))
        if self.sr.insert_day0:
            for c, i in enumerate(self.camps):
                out.append(np.full(max(int(self.data_camp[0, c]), 0), i, np.int32))
        return out

    def _add_agents(self, locs: np.ndarray, day: int) -> None:
        if len(locs) == 0:
            return
        demo = None
        if self.demographics is not None:  # ChildrenAvoidHazards: each new agent draws its age (and gender)
            ids = np.arange(self.agents.n, self.agents.n + len(locs), dtype=np.int64)
            demo = self.demographics.draw(day, ids, locs)
        self.agents.add(locs, self.choices.max_len, demo)
        self.count += np.bincount(locs, minlength=self.net.n_locations)

    # -- the day's steps --------------------------------------------------------------------
    def _apply_conflicts(self, t: int) -> bool:
        mr = self.mr
        for i, intensity in self._conflict_events[t]:
            if intensity is None:   # remove_conflict_zone
                self.movechance[i] = mr.default_movechance
                self.conflict[i] = -1.0
                self.is_town[i] = True
            else:                   # add_conflict_zone
                self.movechance[i] = mr.conflict_movechance
                self.conflict[i] = intensity
                self.is_town[i] = False
                self.time_of_conflict[i] = t
        return bool(self._conflict_events[t])

    def _spawn(self, t: int, conflict_changed: bool) -> int:
        sr = self.sr
        if sr.conflict_driven_spawning is not None:
            cds = sr.conflict_driven_spawning
            stream = self.streams["spawn"]

            def poisson(lam):
                return stream.poisson(t, np.arange(len(lam), dtype=np.int64), lam)

            counts = conflict_driven_counts(cds.spawn_mode, cds.displaced_per_conflict_day, self.population,
                                            self.conflict, poisson)
            locs = np.repeat(np.arange(self.net.n_locations, dtype=np.int32), counts)
        else:
            n_new = int(self.plan.new[t])
            if n_new == 0:
                return 0
            when = t if conflict_changed else max(t - 1, 0)  # Flee refreshes weights at the previous day's evolve
            weights = spawn_weights(self.population, self.conflict, self.time_of_conflict, when, sr.conflict_spawn_decay)
            ids = np.arange(self.agents.n, self.agents.n + n_new, dtype=np.int64)
            locs = place(weights, self.streams["spawn"].uniform(t, ids), t)
        if sr.take_from_population and len(locs):
            taken = np.bincount(locs, minlength=self.net.n_locations) * (self.conflict > 0.0)
            self.population -= taken
            if (self.population < 0).any():
                bad = self.net.names[int(np.flatnonzero(self.population < 0)[0])]
                raise BorderlabError(f"day {t}: take_from_population: more agents spawned at {bad} than its population\n"
                                     "    hint: raise the conflict zones' populations in locations.csv, or turn "
                                     "spawn_rules.take_from_population off")
        self._add_agents(locs, t)
        return len(locs)

    def _apply_closures(self, t: int) -> None:
        actions = self._closure_actions.get(t)
        if not actions:
            return
        net, mr = self.net, self.mr
        rebuild = False
        cidx = {c: i for i, c in enumerate(net.countries)}
        for verb, c in actions:
            if c.type in ("camp", "idpcamp"):
                i = net.index[c.name1]
                if verb == "close":      # Flee close_camp: the camp becomes a town
                    self.movechance[i] = mr.default_movechance
                    self.is_camp[i] = self.is_idp[i] = False
                    self.is_town[i] = True
                else:                    # open_camp
                    idp = c.type == "idpcamp"
                    self.movechance[i] = mr.idpcamp_movechance if idp else mr.camp_movechance
                    self.is_camp[i] = True
                    self.is_idp[i] = idp
                    self.is_town[i] = False
                self.conflict[i] = -1.0
                rebuild |= bool(self.is_marker[i])
                self.is_marker[i] = False
                continue
            if c.type == "remove_forced_redirection":
                continue  # no movement rule of Flee 3.1 reads forced_redirection
            src, dst = net.link_src, net.link_dst
            if c.type == "country":
                a, b = net.country[src], net.country[dst]
                c1, c2 = cidx[c.name1], cidx[c.name2]
                mask = ((a == c1) & (b == c2)) | ((a == c2) & (b == c1))
            elif c.type == "location":
                i = net.index[c.name1]
                mask = (src == i) | (dst == i)
            else:  # link, both directions
                i, j = net.index[c.name1], net.index[c.name2]
                mask = ((src == i) & (dst == j)) | ((src == j) & (dst == i))
            if verb == "close":
                hit = mask & self.link_open
                self.link_open[hit] = False
                self.link_epoch[hit] += 1
            else:
                hit = mask & ~self.link_open
                self.link_open[hit] = True
            rebuild |= bool(hit.any())
        if rebuild:
            self.choices = self._route_choices()
            self.agents.grow(self.agents.n, self.choices.max_len)
            if len(self._wbuf) <= self.choices.max_fan:
                self._wbuf = np.zeros(self.choices.max_fan + 1)

    def scores(self, t: int) -> np.ndarray:
        """Flee's location score (scores[1]) with the endpoint factors of getEndPointScore."""
        base, conf = self._base_scores(t)
        return self._after_factors(base, conf)

    def score_parts(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, base, after): the full endpoint score; Flee's base score (scores[1], which
        the demographic rules square or set to 1); the factors getEndPointScore applies after
        it. `score` is computed in the same order as `scores`, so it is bit-identical."""
        base, conf = self._base_scores(t)
        return self._after_factors(base.copy(), conf), base, self._after_factors(np.ones(len(base)), conf)

    def _base_scores(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Flee's scores[1] (foreign × camp × conflict weights) and the conflict-zone mask."""
        mr = self.mr
        s = np.ones(self.net.n_locations)
        s[self.net.foreign] *= mr.foreign_weight
        s[self.is_camp] *= mr.camp_weight
        conf = self.conflict > 0.0
        if conf.any():
            decay = conflict_decay(self.sr.conflict_spawn_decay, t - self.time_of_conflict)
            s[conf] *= mr.conflict_weight ** (decay[conf] * self.conflict[conf])
        return s, conf

    def _after_factors(self, s: np.ndarray, conf: np.ndarray) -> np.ndarray:
        """getEndPointScore's factors after the base score: ethnicity ×10, population weight."""
        mr = self.mr
        if mr.MatchCampEthnicity:
            s[self.is_camp] *= 10.0
        if mr.MatchConflictEthnicity:
            s[~self.is_camp & conf] *= 10.0
        if mr.MatchTownEthnicity:
            s[~self.is_camp & ~conf] *= 10.0
        if mr.use_pop_for_loc_weight:
            s[~self.is_camp] *= np.minimum(1.0, self.population[~self.is_camp]) ** mr.pop_power_for_loc_weight
        return s

    def movechances(self) -> np.ndarray:
        mr = self.mr
        if mr.movechance_pop_scale_factor == 0.0:
            return self.movechance
        size = np.maximum(self.population.astype(float), self.capacity_raw)
        return self.movechance * (size / mr.movechance_pop_base) ** mr.movechance_pop_scale_factor

    def _move(self, t: int) -> int:
        a, net, ch, mr = self.agents, self.net, self.choices, self.mr
        keys = [np.uint64(self.streams[s].day_key(t)) for s in ("move", "route", "walk")]
        if self.demographics is not None:
            score, base, after = self.score_parts(t)
        else:
            score = base = after = self.scores(t)
        stops, a.n_trav = kernels.advance_day(
            a.n, a.loc, a.link, a.on_link, a.epoch_at, a.first_leg, a.recent, a.route, a.route_len, self.count,
            a.trav, a.n_trav, a.new_trav, a.merged,
            self.movechances(), self.is_town, self.is_camp, self.capacity, mr.capacity_buffer,
            ch.ptr, ch.dest, ch.denom, ch.home, ch.path_ptr, ch.path,
            net.out_ptr, net.out_link, net.link_src, net.link_dst, net.link_dist, net.link_speed, net.link_walk,
            self.link_open, self.link_epoch,
            score, mr.weight_softening, mr.weight_power, mr.awareness_level == 0,
            mr.max_walk_speed, mr.max_move_speed, mr.start_on_foot, mr.avoid_short_stints,
            self._multi_hop, self._links_can_close,
            keys[0], keys[1], keys[2], self._wbuf, self.demographics is not None, a.demo, base, after)
        return stops

    def step(self) -> None:
        """Simulate day `self.day`."""
        t = self.day
        changed = self._apply_conflicts(t)
        self.new_agents[t] = self._spawn(t, changed)
        self._apply_closures(t)
        self.stops[t] = self._move(t)
        a = self.agents
        if self.sr.camps_are_sinks:
            self._deactivated += kernels.deactivate_in_camps(a.n, a.loc, a.link, self.is_camp, self.net.deactivation,
                                                             np.uint64(self.streams["sink"].day_key(t)))
        self.loc_counts[t] = self.count
        self.n_agents[t] = a.n
        self.n_travelling[t] = a.n_trav
        self.n_deactivated[t] = self._deactivated
        self.day += 1

    def run(self, progress: Callable[[int, int], None] | None = None) -> "FleeSim":
        """Simulate to the end; `progress(day, days)` is called after each day."""
        while self.day < self.days:
            self.step()
            if progress is not None:
                progress(self.day - 1, self.days)
        return self

    # -- results ------------------------------------------------------------------------------
    @property
    def sim_camp(self) -> np.ndarray:
        return self.loc_counts[:, self.camps]


def warm_kernels() -> float:
    """Compile (or load from cache) the kernels on a tiny case, so timings exclude it."""
    t0 = time.perf_counter()
    z = np.zeros
    n = 2
    loc = np.zeros(n, np.int32)
    link = np.full(n, kernels.AT_PLACE, np.int32)
    kernels.advance_day(
        n, loc, link, z(n), z(n, np.int32), np.ones(n, np.bool_), z(1),
        z((n, 1), np.int32), z(n, np.int16), np.array([2, 0], np.int64),
        z(n, np.int32), 0, z(n, np.int32), z(n, np.int32),
        np.array([1.0, 0.0]), np.array([True, False]), np.array([False, True]), np.array([-1.0, 5.0]), 0.9,
        np.array([0, 1, 2], np.int64), np.array([1, 0], np.int32), np.ones(2), np.ones(2),
        np.array([0, 1, 2], np.int64), np.array([1, 0], np.int32),
        np.array([0, 1, 2], np.int64), np.array([0, 1], np.int32), np.array([0, 1], np.int32), np.array([1, 0], np.int32),
        np.array([10.0, 10.0]), np.array([100.0, 100.0]), z(2), np.ones(2, np.bool_), z(2, np.int32),
        np.ones(2), 0.0, 1.0, False, 35.0, 100.0, False, False, False, False,
        np.uint64(1), np.uint64(2), np.uint64(3), z(4), False, z(1, np.int8), np.ones(2), np.ones(2))
    kernels.deactivate_in_camps(n, loc, link, np.array([False, True]), z(2), np.uint64(1))
    return time.perf_counter() - t0
