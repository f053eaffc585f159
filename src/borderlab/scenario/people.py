"""Schema of what happens to people: health, returns, onward movement, initial population."""

from __future__ import annotations

from pydantic import Field

from .params import NonNeg, P, Positive, Prob, Schedule, ScheduleNonNeg, ScheduleProb, Strict
import datetime as dt


class TemperatureSeason(Strict):
    """Daily minimum temperature as a seasonal cosine plus noise."""

    mean_c: P = Field(description="Annual mean of the daily minimum (°C).")
    amplitude_c: NonNeg = Field(description="Half the summer-winter difference (°C).")
    coldest_day_of_year: P = Field(20.0, description="Day of year of the coldest point of the curve.")
    noise_sd_c: NonNeg = Field(0.0, description="Day-to-day noise (°C, AR(1) with persistence 0.7).")


class TemperaturePoint(Strict):
    date: dt.date
    temp_c: float


class Temperature(Strict):
    """The temperature series: a seasonal curve, optionally pinned by observed points or a CSV."""

    seasonal: TemperatureSeason
    points: list[TemperaturePoint] = Field(
        default_factory=list, description="Observed values; the curve is shifted to pass through them (linear in between)."
    )
    csv: str | None = Field(None, description="CSV file with columns date,temp_c (relative to the scenario file).")


class Exposure(Strict):
    """The exposure reserve: 1 healthy, 0 dead. Anchored on Tikuisis (1995) survival times."""

    base_loss: NonNeg = Field(description="Daily loss in the open at mild temperatures (wet, hunger, injuries).")
    cold_loss_at_0c: NonNeg = Field(description="Extra daily loss at 0 °C for a healthy clothed adult in the open.")
    e_fold_c: Positive = Field(
        12.7, description="Cold loss multiplies by e for each this many °C colder (Tikuisis 1995: 9 h at 0 °C vs 4.1 h at −10 °C)."
    )
    hunger_per_day: NonNeg = Field(description="Relative increase of loss per day already spent in the zone.")
    vulnerable_mult: Positive = Field(description="Loss multiplier for vulnerable people.")
    frailty_sd: NonNeg = Field(
        0.0, description="Spread of individual frailty: each person's loss is multiplied by a lognormal "
        "factor with mean 1 and this log-scale standard deviation (0: everyone alike).")
    aid_restore: NonNeg = Field(description="Reserve restored per day at full aid access.")
    hospital_threshold: Prob = Field(description="Below this reserve a person needs hospital care if found.")
    find_prob: Prob = Field(description="Daily chance a person in need is found at full aid access.")
    hospital_days: Positive = Field(description="Mean days in hospital (geometric).")


class Shelter(Strict):
    """A heated shelter (e.g. the Bruzgi logistics centre) that takes people from the zone."""

    node: str = Field(description="staging node where the shelter is.")
    capacity: ScheduleNonNeg
    draws_from: list[str] = Field(description="border_zone nodes whose people are moved in.")
    source: str | None = None


class Humanitarian(Strict):
    temperature: Temperature
    exposure: Exposure
    zone_aid_access: ScheduleProb = Field(
        default_factory=lambda: Schedule(value=0.1),
        description="Aid reaching people in the border zone (the orchestrator's side of the line), by date. "
        "People who crossed get the defender's aid_access instead.",
    )
    shelters: list[Shelter] = Field(default_factory=list)


class VoluntaryReturn(Strict):
    """People give up and go home at a daily rate rising with days stranded."""

    base_rate: Prob = Field(description="Daily rate on arrival.")
    per_day: NonNeg = Field(description="Added daily rate per day stranded.")
    max_rate: Prob
    zone_factor: Prob = Field(description="Multiplier for people in the zone (the orchestrator keeps them there).")


class Returns(Strict):
    home: str = Field(description="origin node returnees go to.")
    voluntary: VoluntaryReturn


class Onward(Strict):
    """Movement of those who crossed towards the destination country."""

    destination: str = Field(description="destination node (e.g. Germany).")
    interior_days: Positive = Field(description="Mean days walking inland before a pick-up (geometric).")


class InitialGroup(Strict):
    """People present on day 0."""

    node: str
    count: int = Field(ge=0)
    vulnerable_share: Prob | None = None
    nationality: str = "other"
    health: Prob = 1.0
