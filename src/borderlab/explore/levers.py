"""The controls the explorer offers: the scenario's free parameters and its key policy levers.

Every control is a `--set` path with bounds, so a change in the page is exactly the override
`borderlab run SCENARIO --set PATH=VALUE` applies. Bounds:

- a parameter with a declared `range` (every free parameter has one) keeps to that range;
- a key lever without one keeps to the schema's limits and a span around its base value:
  a probability to [0, 1], a count (guards, places) to [0, 3 × base], a positive rate to
  [base / 10, 10 × base].

A lever written as a dated schedule (with `points:`) is not offered: one number cannot say
which step to change, so such a change belongs in a variant file's `set` or `timeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..calibration.free_params import find_free_params, yaml_number
from ..scenario.params import Param, Schedule

# (field of a defender, label, kind) — the levers a border planner pulls (docs/explore.md)
DEFENDER_LEVERS = (
    ("border_guards", "border guards", "count"),
    ("detection_k", "detection per guard-km", "positive"),
    ("pushback_share", "pushback share", "prob"),
    ("reception_capacity", "reception places", "count"),
)
# (path, label, kind) — the orchestrator's and the supply's levers
GLOBAL_LEVERS = (
    ("orchestrator.coercion", "coercion (kept in the zone)", "prob"),
    ("supply.migrant_share", "share of seats taken by migrants", "prob"),
)


@dataclass(frozen=True)
class Lever:
    """One control: its `--set` path, base value and bounds."""

    path: str
    label: str
    value: float
    low: float
    high: float
    integer: bool = False
    free: bool = False          # a calibration free parameter (range declared in the scenario)
    key: bool = True            # one of the key policy levers (else only a free parameter)
    source: str | None = None

    def assignment(self, value: float) -> str:
        """The `--set` text for `value` (an integer lever as an integer)."""
        return f"{self.path}={int(round(value)) if self.integer else yaml_number(value)}"

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high


def find_levers(scenario) -> list[Lever]:
    """Key levers first (defenders in file order, then the global ones), then free parameters
    not already listed; each path once."""
    levers: list[Lever] = []
    for d in scenario.defenders:
        for name, label, kind in DEFENDER_LEVERS:
            lever = _lever(f"defenders.{d.country}.{name}", f"{d.country}: {label}", getattr(d, name, None), kind)
            if lever is not None:
                levers.append(lever)
    for path, label, kind in GLOBAL_LEVERS:
        obj = scenario
        for part in path.split("."):
            obj = getattr(obj, part, None)
        lever = _lever(path, label, obj, kind)
        if lever is not None:
            levers.append(lever)
    seen = {lv.path for lv in levers}
    for fp in find_free_params(scenario):
        if fp.path in seen:
            levers = [replace(lv, low=fp.low, high=fp.high, free=True, source=fp.source)
                      if lv.path == fp.path else lv for lv in levers]
        else:
            levers.append(Lever(fp.path, fp.path, fp.value, fp.low, fp.high, free=True, key=False, source=fp.source))
    return levers


def _lever(path: str, label: str, obj, kind: str) -> Lever | None:
    if isinstance(obj, Schedule):
        if obj.points:   # a dated schedule: not one number (see the module docstring)
            return None
        value, declared, source = float(obj.value), None, obj.source
    elif isinstance(obj, Param):
        value, declared, source = float(obj.value), obj.range, obj.source
    else:
        return None
    if declared is not None:
        low, high = float(declared[0]), float(declared[1])
    elif kind == "prob":
        low, high = 0.0, 1.0
    elif kind == "count":
        low, high = 0.0, max(3.0 * value, 1.0)
    else:
        low, high = value / 10.0, value * 10.0
    return Lever(path, label, value, low, high, integer=kind == "count", source=source)
