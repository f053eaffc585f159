"""Parameter and schedule types: every number may carry value, range, source, confidence.

A bare number in YAML is shorthand for `{value: number}`. Ranges feed ensembles,
calibration (`free: true`) and sensitivity analysis; source and confidence travel into the
manifest so a reader can audit every number.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from .basis import Basis
from .numbers import check_field_limits, refuse_bool_as_number

Confidence = Literal["official", "estimate", "assumption", "contested"]


class Strict(BaseModel):
    """Base for every schema object: unknown keys are errors, numbers are finite, not
    true/false, and within the limits of scenario/limits.py (checked by field name there)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_number(cls, data):
        return refuse_bool_as_number(cls, data)

    @field_validator("*", mode="after")
    @classmethod
    def _within_limits(cls, v, info):
        return check_field_limits(info.field_name, v)


class Param(Strict):
    """A number with its provenance and plausible range."""

    value: float = Field(description="The value used in a run.")
    range: tuple[float, float] | None = Field(
        None, description="Plausible [low, high], used by ensembles, calibration and sensitivity."
    )
    source: str | None = Field(None, description="Where the number comes from (URL or citation).")
    confidence: Confidence | None = Field(
        None, description="official / estimate / assumption / contested."
    )
    unit: str | None = Field(None, description="Unit, for readers.")
    free: bool = Field(False, description="Calibration may fit this parameter within `range`.")
    note: str | None = None

    @model_validator(mode="after")
    def _range_holds_value(self):
        if self.range is not None:
            lo, hi = self.range
            if lo > hi:
                raise ValueError(f"range low {lo} is above high {hi}")
            if not lo <= self.value <= hi:
                raise ValueError(f"value {self.value} lies outside its range [{lo}, {hi}]")
        if self.free and self.range is None:
            raise ValueError("a free parameter needs a range to be fitted within")
        return self

    def __float__(self) -> float:
        return float(self.value)


def _number_text(v):
    """YAML 1.1 reads `1e-3` (no dot) as text: take such text as the number it spells."""
    if isinstance(v, str):
        try:
            x = float(v)
        except ValueError:
            raise ValueError(f"expected a number, got {v!r}") from None
        if not math.isfinite(x):
            raise ValueError(f"expected a finite number, got {v!r}")
        return x
    return v


def _as_param(v):
    if isinstance(v, bool):
        raise ValueError("expected a number, not true/false")
    v = _number_text(v)
    if isinstance(v, (int, float)):
        return {"value": v}
    return v


def _bounded(lo: float | None = None, hi: float | None = None, *, open_lo: bool = False):
    def check(p: Param) -> Param:
        for x, what in [(p.value, "value")] + ([(p.range[0], "range low"), (p.range[1], "range high")] if p.range else []):
            if lo is not None and (x < lo or (open_lo and x == lo)):
                raise ValueError(f"{what} {x} must be {'>' if open_lo else '≥'} {lo}")
            if hi is not None and x > hi:
                raise ValueError(f"{what} {x} must be ≤ {hi}")
        return p

    return check


P = Annotated[Param, BeforeValidator(_as_param)]
NonNeg = Annotated[Param, BeforeValidator(_as_param), AfterValidator(_bounded(0.0))]
Positive = Annotated[Param, BeforeValidator(_as_param), AfterValidator(_bounded(0.0, open_lo=True))]
Prob = Annotated[Param, BeforeValidator(_as_param), AfterValidator(_bounded(0.0, 1.0))]


class SchedulePoint(Strict):
    """From `date` on, the value is `value` (until the next point)."""

    date: dt.date
    value: float
    source: str | None = None
    note: str | None = None
    basis: Basis | None = Field(None, description="Timeline rows, data rows or a stated assumption this step rests on.")


class Schedule(Strict):
    """A value that changes by date: a constant, a list of points, or both.

    `value` holds before the first point (and throughout if there are no points).
    """

    value: float = 0.0
    points: list[SchedulePoint] = Field(default_factory=list)
    source: str | None = None
    confidence: Confidence | None = None
    unit: str | None = None
    note: str | None = None

    def all_values(self) -> list[float]:
        return [self.value] + [p.value for p in self.points]


def _as_schedule(v):
    if isinstance(v, bool):
        raise ValueError("expected a number, not true/false (write 1 or 0)")
    v = _number_text(v)
    if isinstance(v, (int, float)):
        return {"value": v}
    if isinstance(v, list):
        return {"points": v}
    return v


def _schedule_bounded(lo: float | None = None, hi: float | None = None):
    def check(s: Schedule) -> Schedule:
        for x in s.all_values():
            if lo is not None and x < lo:
                raise ValueError(f"value {x} must be ≥ {lo}")
            if hi is not None and x > hi:
                raise ValueError(f"value {x} must be ≤ {hi}")
        return s

    return check


ScheduleNonNeg = Annotated[Schedule, BeforeValidator(_as_schedule), AfterValidator(_schedule_bounded(0.0))]
ScheduleProb = Annotated[Schedule, BeforeValidator(_as_schedule), AfterValidator(_schedule_bounded(0.0, 1.0))]


def _as_flag_schedule(v):
    """A genuine on/off flag (a crossing point open or closed): true/false read as 1/0."""
    return _as_schedule(float(v) if isinstance(v, bool) else v)


ScheduleFlag = Annotated[Schedule, BeforeValidator(_as_flag_schedule), AfterValidator(_schedule_bounded(0.0, 1.0))]
