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
from .geography import (
    DEFAULT_BARRIERS, DEFAULT_TERRAINS, Barrier, Country, Edge, Node, Segment, Terrain,
)
from .params import Strict
from .people import Humanitarian, InitialGroup, Onward, Returns


class Scenario(Strict):
    """A whole scenario: geography, actors, people, events, and the simulated period."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$")
    description: str = ""
    start: dt.date
    end: dt.date
    seed: int = Field(1, ge=0)
    countries: list[Country]
    nodes: list[Node]
    edges: list[Edge]
    segments: list[Segment]
    terrains: dict[str, Terrain] = Field(default_factory=lambda: dict(DEFAULT_TERRAINS))
    barriers: dict[str, Barrier] = Field(default_factory=lambda: dict(DEFAULT_BARRIERS))
    supply: Supply
    transit: Transit
    orchestrator: Orchestrator
    defenders: list[Defender]
    humanitarian: Humanitarian
    returns: Returns
    onward: Onward
    initial_population: list[InitialGroup] = Field(default_factory=list)
    events: list[AnyEvent] = Field(default_factory=list)
    observed: str | None = Field(None, description="CSV of observed figures to overlay on plots (relative path).")

    @field_validator("end")
    @classmethod
    def _period(cls, end, info):
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"end {end} is before start {start}; swap them or fix the year")
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
