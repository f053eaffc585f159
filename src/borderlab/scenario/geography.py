"""Schema of the geography: countries, nodes, edges, border segments, terrain, barriers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from .basis import Basis
from .params import NonNeg, Positive, Prob, Schedule, ScheduleFlag, ScheduleNonNeg, ScheduleProb, Strict

NodeType = Literal[
    "origin", "air_hub", "capital", "staging", "border_zone", "interior", "destination"
]
Mode = Literal["flight", "bus", "car", "train", "walk"]
CountryRole = Literal["orchestrator", "defender", "destination", "origin", "transit"]

DEFAULT_EXPOSURE = {
    "origin": 0.0, "air_hub": 0.0, "capital": 0.0, "staging": 0.25,
    "border_zone": 1.0, "interior": 0.6, "destination": 0.0,
}


class Country(Strict):
    """A state in the scenario and its role."""

    code: str = Field(description="Short code used everywhere else (e.g. PL).", pattern=r"^[A-Z]{2,3}$")
    name: str
    role: CountryRole


class Node(Strict):
    """A place people can be: a city, a hub, a staging area, a stretch of border zone."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    type: NodeType
    country: str = Field(description="Country code of the territory the node lies in.")
    faces: str | None = Field(
        None, description="border_zone only: the defending country this stretch of zone faces."
    )
    exposure: Prob | None = Field(
        None,
        description="Share of full outdoor exposure people suffer here (1 = open forest). "
        "Default by type: border_zone 1, interior 0.6, staging 0.25, others 0.",
    )
    weight: NonNeg = Field(
        1.0, description="border_zone only: relative share of releases towards this zone within its country."
    )
    name: str | None = None
    lat: float | None = None
    lon: float | None = None


class Edge(Strict):
    """A link between two nodes, travelled in ceil(km / speed[mode]) days (at least 1)."""

    from_: str = Field(alias="from")
    to: str
    km: Positive
    mode: Mode = "bus"
    both_ways: bool = Field(True, description="Also add the reverse link.")


class Terrain(Strict):
    """How a kind of ground changes detection and crossing."""

    visibility: Prob = Field(description="Multiplier on the detection hazard (open ground 1).")
    passability: Prob = Field(
        1.0, description="Chance an unseen group gets across the ground itself (a river may turn people back)."
    )


class Barrier(Strict):
    """A kind of physical barrier and its effect."""

    detect_mult: NonNeg = Field(1.0, description="Multiplier on the detection hazard (time spent at the barrier).")
    hold: Prob = Field(0.0, description="Chance the barrier stops a person who is not helped across.")


DEFAULT_TERRAINS = {
    "open": {"visibility": {"value": 1.0, "confidence": "assumption"}, "passability": 1.0},
    "forest": {"visibility": {"value": 0.6, "range": [0.4, 0.8], "confidence": "assumption"}, "passability": 1.0},
    "marsh": {"visibility": {"value": 0.5, "range": [0.3, 0.7], "confidence": "assumption"}, "passability": 0.9},
    "river": {"visibility": {"value": 0.9, "range": [0.7, 1.0], "confidence": "assumption"}, "passability": 0.7},
}
DEFAULT_BARRIERS = {
    "none": {"detect_mult": 1.0, "hold": 0.0},
    "wire": {"detect_mult": {"value": 1.3, "range": [1.0, 2.0], "confidence": "assumption"},
             "hold": {"value": 0.2, "range": [0.05, 0.4], "confidence": "assumption"}},
    "fence": {"detect_mult": {"value": 1.6, "range": [1.2, 2.5], "confidence": "assumption"},
              "hold": {"value": 0.45, "range": [0.2, 0.7], "confidence": "assumption"}},
    "wall": {"detect_mult": {"value": 2.0, "range": [1.5, 3.0], "confidence": "assumption"},
             "hold": {"value": 0.8, "range": [0.6, 0.95], "confidence": "assumption"}},
}


class BarrierPoint(Strict):
    """From `date`, `km` of the segment carry barrier `type`."""

    date: dt.date
    type: str
    km: float | None = Field(None, ge=0, description="Length covered; default the whole segment.")
    source: str | None = None
    basis: Basis | None = Field(None, description="Timeline rows, data rows or a stated assumption this step rests on.")


class CrossingPoint(Strict):
    """An official crossing point on a segment: a gap in the barrier while open."""

    name: str
    open: ScheduleFlag = Field(default_factory=lambda: Schedule(value=1.0), description="1 (or true) open, 0 (or false) closed, by date.")
    gap: Prob = Field(0.5, description="While open, the barrier's hold on this segment is reduced by this share.")
    closed_hold: Prob = Field(0.9, description="While closed, gates and reinforcement hold at least this share.")
    intake_per_day: NonNeg = Field(0.0, description="Asylum claims accepted at the checkpoint per day while open.")


class Segment(Strict):
    """A stretch of border that one defender guards and reports on."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    country: str = Field(description="Defending country code.")
    zone: str = Field(description="border_zone node whose people attempt here.")
    interior: str = Field(description="interior node people reach after crossing here.")
    length_km: Positive
    terrain: str = "forest"
    barrier: list[BarrierPoint] = Field(default_factory=list, description="Barrier by date (none before the first point).")
    sensors: ScheduleNonNeg = Field(default_factory=Schedule, description="Extra detection hazard from sensors and cameras, by date.")
    crossing_point: CrossingPoint | None = None
    name: str | None = None
    division: str | None = Field(None, description="Reporting unit (e.g. a Border Guard division).")

    @field_validator("barrier", mode="before")
    @classmethod
    def _single_barrier(cls, v):
        if isinstance(v, str):
            return [{"date": "1900-01-01", "type": v}]
        return v
