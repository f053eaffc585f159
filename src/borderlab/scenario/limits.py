"""Every resource limit on inputs, in one table, so checks, messages and docs agree.

A hostile or mistyped input (an alias bomb, 1e300 seats, an end date in 9999) must be
refused by `borderlab check` with the limit in the message, not run out of memory or time
later. Each limit is generous for real borders (belarus-eu-2021 uses a small fraction of
each) and can be raised for one process with an environment variable
`BORDERLAB_LIMIT_<NAME>` (e.g. `BORDERLAB_LIMIT_MAX_PEOPLE=2e8`), read when borderlab starts.
docs/scenario-format.md lists the table (generated from `LIMITS`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_PREFIX = "BORDERLAB_LIMIT_"


@dataclass(frozen=True)
class Limit:
    """One bound: its name (also the environment variable suffix), value, unit and reason."""

    name: str
    default: float
    unit: str
    why: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def value(self) -> float:
        return _resolved[self.name]


LIMITS: tuple[Limit, ...] = (
    Limit("max_yaml_bytes", 64 * 2**20, "bytes",
          "size of one input file (scenario YAML, simsetting.yml, CSV); a 10,000-node scenario is ~3 MB"),
    Limit("max_yaml_depth", 64, "levels",
          "nesting depth of a YAML file; real scenarios nest fewer than 10 levels"),
    Limit("max_yaml_nodes", 1_000_000, "values",
          "values in a YAML file after expanding aliases (stops 'billion laughs' alias bombs)"),
    Limit("max_days", 3_660, "days",
          "length of the simulated period (start to end): ten years"),
    Limit("max_people", 50_000_000, "people",
          "people in one run (initial population and arrivals); ~45 bytes each in memory"),
    Limit("max_count", 1e9, "",
          "any count or capacity: seats per week, guards, troops, places, transport and intake per day"),
    Limit("max_km", 1e5, "km", "length of an edge or a border segment"),
    Limit("max_value", 1e12, "",
          "any other number (rates, days, multipliers): finite and at most this large"),
    Limit("max_nodes", 20_000, "nodes",
          "places in the network; a run keeps a nodes × nodes route table (~32 bytes a cell: 13 GB at 20,000)"),
    Limit("max_memory_gb", 16, "GB",
          "memory a run is estimated to need (route table, people arrays with room to grow); check refuses more"),
)


def _from_env(limit: Limit) -> float:
    raw = os.environ.get(limit.env)
    if raw is None:
        return limit.default
    try:
        x = float(raw)
    except ValueError:
        return limit.default
    return x if x > 0 and x == x and x != float("inf") else limit.default


_resolved: dict[str, float] = {lim.name: _from_env(lim) for lim in LIMITS}
BY_NAME = {lim.name: lim for lim in LIMITS}


def limit(name: str) -> float:
    """The value of limit `name` in this process (environment override applied)."""
    return _resolved[name]


def over_limit(name: str, what: str, got: float) -> str:
    """'<what> is <got>, above the limit of <limit> (<why>; raise it with <env>=…)'."""
    lim = BY_NAME[name]
    unit = f" {lim.unit}" if lim.unit else ""
    return (f"{what} is {_shown(got)}{unit}, above the limit of {_shown(lim.value)}{unit} "
            f"({lim.why}; raise it with {lim.env}=…)")


def _shown(x: float) -> str:
    """12,345 for whole numbers a reader can take in at a glance, 3.9e+11 beyond."""
    if isinstance(x, int) and abs(x) >= 10**300:  # beyond float: say how many digits
        return f"a {len(str(abs(x)))}-digit number"
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e10 else f"{float(x):.3g}"
