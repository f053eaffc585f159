"""The Flee settings `borderlab calibrate FLEE_FOLDER` fits, with their ranges and sources.

A Flee folder's simsetting.yml fixes these by hand; the Flee documentation leaves them to
the modeller. Ranges come from Flee's own documentation where it gives one:

- FabFlee's sensitivity-analysis tutorial (djgroen/flee,
  docs/Sensitivity_analysis_of_parameters_using_EasyVVUQ.md) varies max_move_speed
  U(100, 500), conflict_move_chance U(0.1, 1), default_move_chance U(0.1, 1),
  camp_move_chance U(0.0001, 1), camp_weight U(1, 10), conflict_weight U(0.1, 1), and its
  params.json bounds awareness_level to the integers 0–2;
- Flee's settings page (docs/Simulation_settings.md) describes awareness levels up to 3,
  says capacity_buffer "should range between 0.0 and 1.0", gives idpcamp_movechance 0.1 and
  foreign_weight 1 as defaults, and recommends conflict_spawn_decay [1, 1, 1, 0.5, 0.1]
  ("empirically derived", ITFLOWS D3.4).

Where borderlab narrows or sets a range itself the `source` says so. A parameter is fitted
only where it can change the folder's result (idpcamp_movechance needs an IDP camp,
conflict_spawn_decay a decay list, max_walk_speed walking, the v1 rules override three
others), so the search spends no trials on settings that do nothing.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, replace
from typing import Callable

from ..errors import Problem, ScenarioError
from .location_types import Kind, classify
from .schema import FleeScenario
from .settings import FleeSettings

DECAY_POWER = "spawn_rules.conflict_spawn_decay^power"   # not a Flee key: see FLEE_PARAMS below
FABFLEE_SA = "FabFlee sensitivity tutorial (flee docs/Sensitivity_analysis_of_parameters_using_EasyVVUQ.md)"
FLEE_SETTINGS = "Flee settings page (flee docs/Simulation_settings.md)"


@dataclass(frozen=True)
class FleeFreeParam:
    """One fitted setting: its Flee name, search range, scale and where the range comes from."""

    path: str
    low: float
    high: float
    log: bool
    integer: bool
    source: str
    applies: Callable[[FleeScenario], bool] = lambda sc: True

    def shipped(self, sc: FleeScenario) -> float:
        """The folder's own value (for the decay power: 1, the folder's list as written)."""
        if self.path == DECAY_POWER:
            return 1.0
        section, key = self.path.split(".")
        return float(getattr(getattr(sc.settings, section), key))

    def unit(self, x: float) -> float:
        """`x` on [0, 1] across the range (log scale where searched on a log scale)."""
        lo, hi, v = (math.log(self.low), math.log(self.high), math.log(max(x, self.low))) if self.log else (self.low, self.high, x)
        return (v - lo) / (hi - lo)


def _has_idp_camp(sc: FleeScenario) -> bool:
    return any(classify(loc.type)[0] == Kind.IDPCAMP for loc in sc.locations)


def _decays(sc: FleeScenario) -> bool:
    decay = sc.settings.spawn_rules.conflict_spawn_decay
    return bool(decay) and any(d != 1.0 for d in decay)


def _walks(sc: FleeScenario) -> bool:
    return sc.settings.move_rules.start_on_foot or any(_positive(r.attributes.get("walk_probability")) for r in sc.routes)


def _positive(text) -> bool:
    try:
        return float(text) > 0
    except (TypeError, ValueError):
        return False


def _not_v1(sc: FleeScenario) -> bool:
    return not sc.settings.move_rules.use_v1_rules


FLEE_PARAMS: list[FleeFreeParam] = [
    FleeFreeParam("move_rules.conflict_movechance", 0.1, 1.0, False, False, FABFLEE_SA),
    FleeFreeParam("move_rules.default_movechance", 0.1, 1.0, False, False, FABFLEE_SA),
    FleeFreeParam("move_rules.camp_movechance", 0.0001, 0.1, True, False,
                  FABFLEE_SA + "; upper end narrowed from 1 to 0.1 (Flee's IDP-camp default), so camps stay destinations"),
    FleeFreeParam("move_rules.idpcamp_movechance", 0.01, 0.5, True, False,
                  FLEE_SETTINGS + " default 0.1; range borderlab's (×10 either side, capped at 0.5)", _has_idp_camp),
    FleeFreeParam("move_rules.camp_weight", 1.0, 10.0, True, False, FABFLEE_SA, _not_v1),
    FleeFreeParam("move_rules.conflict_weight", 0.1, 1.0, True, False, FABFLEE_SA, _not_v1),
    FleeFreeParam("move_rules.foreign_weight", 0.5, 5.0, True, False,
                  FLEE_SETTINGS + " default 1; range borderlab's (÷2 to ×5)"),
    FleeFreeParam("move_rules.awareness_level", 1, 3, False, True,
                  FLEE_SETTINGS + " levels up to 3; FabFlee params.json 0–2; 0 excluded (Flee 3.1 moves nobody at 0, docs/flee.md)"),
    FleeFreeParam("move_rules.max_move_speed", 100.0, 500.0, False, False, FABFLEE_SA, _not_v1),
    FleeFreeParam("move_rules.max_walk_speed", 10.0, 100.0, False, False, FABFLEE_SA, _walks),
    FleeFreeParam("move_rules.capacity_buffer", 0.5, 1.0, False, False,
                  FLEE_SETTINGS + " (0–1); lower end borderlab's"),
    FleeFreeParam(DECAY_POWER, 0.0, 3.0, False, False,
                  "each entry of the folder's conflict_spawn_decay raised to this power: 1 = as shipped (Flee's "
                  "recommended [1, 1, 1, 0.5, 0.1], " + FLEE_SETTINGS + "), 0 = no decay, 3 = much faster decay; range borderlab's",
                  _decays),
]


def free_flee_params(sc: FleeScenario, only: list[str] | None = None) -> list[FleeFreeParam]:
    """The parameters fitted on `sc` (those that can change its result), optionally only
    those whose name matches one of the `only` globs."""
    found = [_covering(p, p.shipped(sc)) for p in FLEE_PARAMS if p.applies(sc)]
    if only:
        found = [p for p in found if any(fnmatch.fnmatchcase(p.path, pattern) for pattern in only)]
        if not found:
            raise ScenarioError([Problem("--only", f"no fitted Flee setting matches {', '.join(only)}",
                                         "choose among " + ", ".join(p.path for p in FLEE_PARAMS))])
    return found


def _covering(p: FleeFreeParam, shipped: float) -> FleeFreeParam:
    """`p` with its range widened to hold the folder's own value (trial 0 is the folder as shipped)."""
    if p.low <= shipped <= p.high or (p.log and shipped <= 0):
        return p
    return replace(p, low=min(p.low, shipped), high=max(p.high, shipped))


def settings_with(sc: FleeScenario, values: dict[str, float]) -> FleeSettings:
    """`sc`'s settings with `values` applied (the decay power raises each decay entry to it),
    validated by the one settings schema."""
    data = sc.settings.model_dump()
    for path, value in values.items():
        if path == DECAY_POWER:
            data["spawn_rules"]["conflict_spawn_decay"] = [float(d) ** float(value)
                                                            for d in sc.settings.spawn_rules.conflict_spawn_decay]
            continue
        section, key = path.split(".")
        data[section][key] = int(round(value)) if key == "awareness_level" else float(value)
    return FleeSettings.model_validate(data)


def with_values(sc: FleeScenario, values: dict[str, float]) -> FleeScenario:
    """A copy of the case with `values` applied to its settings."""
    return sc.model_copy(update={"settings": settings_with(sc, values)})


def distance_penalty(params: list[FleeFreeParam], values: dict[str, float], shipped: dict[str, float]) -> float:
    """Mean squared distance from the shipped settings, each parameter scaled to [0, 1] over
    its range: 0 at the folder's settings, at most 1 (every parameter at the far end)."""
    if not params:
        return 0.0
    return sum((p.unit(values[p.path]) - p.unit(shipped[p.path])) ** 2 for p in params) / len(params)
