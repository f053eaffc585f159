"""The one scenario schema: every YAML scenario passes through `Scenario`.

Pydantic checks types, ranges and unknown keys; `check_references` then checks that every
name used (a node in an edge, a segment in an event, a country in a tactic) exists and that
routes lead somewhere. Both report every problem with its field path.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from ..events.library import AnyEvent
from .actors import Defender, Orchestrator, Supply, Transit
from .branches import Branch
from .geography import (
    DEFAULT_BARRIERS, DEFAULT_TERRAINS, Barrier, Country, Edge, Node, Segment, Terrain,
)
from .limits import limit, over_limit
from .params import Strict
from .people import Humanitarian, InitialGroup, Onward, Returns


class Scenario(Strict):
    """A whole scenario: geography, actors, people, events, and the simulated period."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$")
    description: str = ""
    start: dt.date
    end: dt.date
    seed: int = Field(1, ge=0, le=2**63 - 1)  # what the random streams take
    countries: list[Country] = Field(min_length=1)
    nodes: list[Node] = Field(min_length=1)
    edges: list[Edge] = Field(min_length=1)
    segments: list[Segment] = Field(min_length=1)
    terrains: dict[str, Terrain] = Field(default_factory=lambda: dict(DEFAULT_TERRAINS))
    barriers: dict[str, Barrier] = Field(default_factory=lambda: dict(DEFAULT_BARRIERS))
    supply: Supply
    transit: Transit
    orchestrator: Orchestrator
    defenders: list[Defender] = Field(min_length=1)
    humanitarian: Humanitarian
    returns: Returns
    onward: Onward
    initial_population: list[InitialGroup] = Field(default_factory=list)
    events: list[AnyEvent] = Field(default_factory=list)
    observed: str | None = Field(None, description="CSV of observed figures to overlay on plots (relative path).")
    timeline: str | None = Field(None, description="CSV of dated policy events (date, actor, event, …) that `basis:` entries cite (relative path).")
    branches: list[Branch] = Field(
        default_factory=list,
        description="Alternative futures where behaviour is unknown on the forecast date: variant files with prior "
                    "weights; an ensemble runs their mixture (docs/branches.md).")

    @field_validator("end")
    @classmethod
    def _period(cls, end, info):
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"end {end} is before start {start}; swap them or fix the year")
        if start is not None and (end - start).days + 1 > limit("max_days"):
            raise ValueError(over_limit("max_days", f"the period {start} → {end}", (end - start).days + 1))
        return end

    @model_validator(mode="before")
    @classmethod
    def _merge_default_tables(cls, data):
        # user terrains/barriers extend the defaults rather than replace them
        if isinstance(data, dict):
            for key, defaults in (("terrains", DEFAULT_TERRAINS), ("barriers", DEFAULT_BARRIERS)):
                if isinstance(data.get(key), dict):
                    data = {**data, key: {**defaults, **data[key]}}
        return data
