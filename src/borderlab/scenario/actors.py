"""Schema of the actors: supply and transit, the orchestrator's tactics, the defenders."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .basis import Basis
from .params import NonNeg, Positive, Prob, Schedule, ScheduleNonNeg, ScheduleProb, Strict


class Route(Strict):
    """A flight route into the orchestrator's capital with its weekly seats by date."""

    id: str
    hub: str = Field(description="Node the flights leave from (air_hub or origin).")
    to: str = Field(description="Node the flights land at (the capital).")
    weekly_seats: ScheduleNonNeg
    migrant_share: Prob | None = Field(None, description="Overrides supply.migrant_share for this route.")
    nationality_mix: dict[str, float] = Field(
        default_factory=lambda: {"other": 1.0}, description="Share of passengers by nationality (normalised)."
    )
    source: str | None = None


class Supply(Strict):
    """How people are brought: visas and seats (demand is not the limit)."""

    migrant_share: Prob = Field(description="Share of seats taken by people heading for the border.")
    visa_factor: ScheduleProb = Field(
        default_factory=lambda: Schedule(value=1.0), description="Share of would-be travellers who get a visa, by date."
    )
    vulnerable_share: Prob = Field(description="Share of arrivals who are children, women travelling alone, elderly or sick.")
    arrivals: Literal["poisson", "fixed"] = Field(
        "poisson", description="poisson: random daily boarders; fixed: the expected number, rounded with carry (for hand checks)."
    )
    routes: list[Route] = Field(default_factory=list)


class Transit(Strict):
    """Dwell in the capital, then the orchestrator's buses to staging and on to the zone."""

    capital_dwell_days: Positive = Field(description="Mean days in the capital before transport (geometric, ≥ 1).")
    staging_dwell_days: Positive = Field(description="Mean days at staging before being led into the zone (geometric, ≥ 1).")
    transport_capacity: ScheduleNonNeg = Field(description="People the orchestrator moves from the capital per day.")
    speeds_km_per_day: dict[str, float] = Field(
        default_factory=lambda: {"walk": 25.0, "bus": 400.0, "car": 600.0, "train": 500.0, "flight": 5000.0},
        description="Travel speed by mode.",
    )


class GroupSize(Strict):
    """Group size drawn uniformly in [min, max]."""

    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class TacticPhase(Strict):
    """What the orchestrator does from `start` to `end`."""

    start: dt.date
    end: dt.date | None = Field(None, description="Inclusive; open-ended if omitted.")
    tactic: Literal["mass", "siege", "adaptive"]
    countries: dict[str, float] = Field(description="Relative pressure put on each defending country.")
    group_size: GroupSize = Field(default_factory=lambda: GroupSize(min=5, max=7))
    intensity: Prob = Field(description="Share of people ready in the zone sent to cross each day.")
    target_segment: str | None = Field(None, description="mass: the segment (often a crossing point) to mass at.")
    assistance: Prob = Field(0.0, description="Wire cutting and escorts: reduces the barrier's hold by this share.")
    violence: Prob = Field(
        0.0, description="Share of answered incidents in which the group resists with stones or stun grenades (seed: breitbart-lithuanian-mp-2021)."
    )
    coercion: Prob | None = Field(
        None, description="Share of pushed-back people kept in the zone during this phase (default: orchestrator.coercion).")
    source: str | None = None
    note: str | None = None
    basis: Basis | None = Field(None, description="Timeline rows, data rows or a stated assumption this phase rests on.")

    @model_validator(mode="after")
    def _mass_needs_target(self):
        if self.tactic == "mass" and not self.target_segment:
            raise ValueError("a mass tactic needs target_segment")
        return self

    @field_validator("end")
    @classmethod
    def _ends_after_start(cls, end, info):
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise ValueError(f"end {end} is before start {start}")
        return end


class TrainedGroups(Strict):
    """UNVERIFIED claim (seed: opposition politician citing a confidential source).

    Off by default; when on, a share of arrivals are trained, harder to detect and stop.
    """

    enabled: bool = False
    share: Prob = Field(default_factory=lambda: {"value": 0.01, "range": [0.0, 0.05], "confidence": "contested"})
    detection_mult: Prob = Field(default_factory=lambda: {"value": 0.5, "range": [0.2, 1.0], "confidence": "contested"})
    source: str | None = None


class Orchestrator(Strict):
    """The orchestrating state's tactics on a timeline, coercion and learning."""

    tactics: list[TacticPhase] = Field(default_factory=list)
    coercion: Prob = Field(description="Share of pushed-back people kept in the zone rather than taken back to staging.")
    retry_days: Positive = Field(description="Mean days between a pushback and the next attempt (geometric, ≥ 1).")
    learning_rate: NonNeg = Field(0.0, description="adaptive: how strongly pressure shifts towards recent success.")
    memory_days: Positive = Field(14.0, description="adaptive: time scale of the success memory (EWMA).")
    trained_groups: TrainedGroups = Field(default_factory=TrainedGroups)


class Allocation(Strict):
    """How a defender spreads its people on duty over its segments."""

    rule: Literal["uniform", "pressure", "fixed"] = "uniform"
    pressure_weight: Prob = Field(0.5, description="pressure: share allocated by recent detected incidents, rest per km.")
    memory_days: Positive = Field(7.0, description="pressure: time scale of the incident memory.")
    weights: dict[str, float] = Field(default_factory=dict, description="fixed: share per segment id.")


class Fatigue(Strict):
    """Workload above a sustainable level tires the force; rest and reinforcement restore it."""

    sustainable_load: Positive = Field(description="Load (incidents ÷ response capacity) sustainable indefinitely.")
    build_rate: NonNeg = Field(description="Fatigue gained per day per unit of excess load.")
    recovery_rate: Prob = Field(description="Share of fatigue shed per day.")
    max_effect: Prob = Field(description="Share of effectiveness lost at full fatigue.")


class Defender(Strict):
    """One defending country: forces, detection, response, fatigue and outcome policy."""

    country: str
    border_guards: ScheduleNonNeg = Field(description="Border-guard officers assigned to this border, by date.")
    troops: ScheduleNonNeg = Field(default_factory=Schedule, description="Soldiers and police in support, by date.")
    troop_effectiveness: Prob = Field(description="A soldier's worth relative to a border guard.")
    duty_fraction: Prob = Field(description="Share of personnel on duty on a given day (shifts, rest days).")
    allocation: Allocation = Field(default_factory=Allocation)
    detection_k: Positive = Field(description="Detection hazard per effective guard on duty per km.")
    size_exponent: NonNeg = Field(0.5, description="Detection hazard grows as (group size / 6) to this power.")
    sensor_hazard: NonNeg = Field(0.0, description="Baseline detection hazard from patrols outside the allocated force.")
    response_per_guard: Positive = Field(description="Incidents one effective guard on duty can answer per day.")
    stop_per_guard: Positive = Field(description="People one effective guard can stop at one incident.")
    injuries_per_violent_incident: NonNeg = Field(0.5, description="Defenders injured per violent incident (expected).")
    violent_incident_load: NonNeg = Field(3.0, description="A violent incident weighs this many incidents in the load that tires the force.")
    fatigue: Fatigue
    pushback_share: ScheduleProb = Field(description="Share of intercepted people pushed back (rest detained), by date.")
    vulnerable_pushback_factor: Prob = Field(1.0, description="Multiplier on the pushback share for vulnerable people.")
    reception_capacity: ScheduleNonNeg = Field(description="Places in guarded centres, by date.")
    detention_days: Positive = Field(description="Mean days in detention before release (geometric).")
    abscond_share: Prob = Field(description="Share of released detainees who move on to the destination.")
    inland_detection: Prob = Field(description="Daily chance a person who crossed is caught inland.")
    aid_access: ScheduleProb = Field(
        default_factory=lambda: Schedule(value=1.0),
        description="Access of aid workers and medics to the border area, by date (exclusion zones lower it).",
    )
