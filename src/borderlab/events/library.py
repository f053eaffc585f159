"""The library of timeline verbs. Each edits the daily arrays of exactly one module."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from .base import Event


class _Instant(Event):
    """An event that happens once (a flight) or stays (a barrier): `until` has no meaning."""

    @model_validator(mode="after")
    def _no_until(self):
        if self.until is not None:
            raise ValueError(f"`until` does not apply to {self.type} (it {self._lasts}); remove it")
        return self


class CloseCrossing(Event):
    """Close an official crossing point (e.g. Kuźnica, 9 Nov 2021)."""

    module = "border"
    type: Literal["close_crossing"]
    segment: str

    def refs(self):
        return [("segment", self.segment, "segment")]

    def apply(self, sim):
        sim.module("border").crossing_open[sim.index.segment[self.segment], self.span(sim)] = 0.0


class OpenCrossing(CloseCrossing):
    """Reopen an official crossing point."""

    type: Literal["open_crossing"]

    def apply(self, sim):
        sim.module("border").crossing_open[sim.index.segment[self.segment], self.span(sim)] = 1.0


class BuildBarrier(_Instant):
    """Barrier of `barrier` type on `km` of each listed segment (all of it if km is omitted)."""

    module = "border"
    _lasts = "stays once built"
    type: Literal["build_barrier"]
    segments: list[str]
    barrier: str
    km: float | None = Field(None, ge=0)

    def refs(self):
        return [("segment", s, "segments") for s in self.segments] + [("barrier", self.barrier, "barrier")]

    def apply(self, sim):
        border = sim.module("border")
        for seg in self.segments:
            border.add_barrier(sim.index.segment[seg], self.date, self.barrier, self.km)


class BanRoute(Event):
    """Cut a share of the migrant seats on flight routes (airline or state bans), or bar
    some nationalities: their share of each route's mix stops boarding."""

    module = "supply"
    type: Literal["ban_route"]
    routes: list[str]
    share: float | None = Field(None, ge=0, le=1, description="Share of migrant seats removed (default 1: all).")
    nationalities: list[str] | None = Field(
        None, description="Bar only these nationalities (codes of the routes' nationality_mix); the share "
                          "removed follows from the mix, so `share` is left out.")

    @model_validator(mode="after")
    def _share_or_nationalities(self):
        if self.nationalities is not None and self.share is not None:
            raise ValueError("give `share` or `nationalities`, not both: a nationality ban removes those "
                             "nationalities' share of the mix")
        if self.nationalities is not None and not self.nationalities:
            raise ValueError("`nationalities` is empty; name at least one, or leave it out to ban the route")
        return self

    def refs(self):
        return [("route", r, "routes") for r in self.routes] + \
            [("nationality", n, "nationalities") for n in self.nationalities or []]

    def apply(self, sim):
        supply = sim.module("supply")
        for r in self.routes:
            if self.nationalities is not None:
                supply.ban_nationalities(sim.index.route[r], self.span(sim), self.nationalities)
            else:
                supply.seats[sim.index.route[r], self.span(sim)] *= 1.0 - (1.0 if self.share is None else self.share)


class SetRouteSeats(Event):
    """Set the weekly seats of one route."""

    module = "supply"
    type: Literal["set_route_seats"]
    route: str
    weekly_seats: float = Field(ge=0)

    def refs(self):
        return [("route", self.route, "route")]

    def apply(self, sim):
        sim.module("supply").seats[sim.index.route[self.route], self.span(sim)] = self.weekly_seats


class SetVisaFactor(Event):
    """Change the share of would-be travellers who get a visa."""

    module = "supply"
    type: Literal["set_visa_factor"]
    value: float = Field(ge=0, le=1)

    def apply(self, sim):
        sim.module("supply").visa[self.span(sim)] = self.value


class DeployTroops(Event):
    """Set the number of soldiers (and optionally border guards) a defender has at the border."""

    module = "defenders"
    type: Literal["deploy_troops"]
    country: str
    troops: float | None = Field(None, ge=0)
    border_guards: float | None = Field(None, ge=0)

    def refs(self):
        return [("defender", self.country, "country")]

    def apply(self, sim):
        d = sim.module("defenders")
        c = sim.index.defender[self.country]
        if self.troops is not None:
            d.troops[c, self.span(sim)] = self.troops
        if self.border_guards is not None:
            d.guards[c, self.span(sim)] = self.border_guards


class SetPushback(Event):
    """Set the share of intercepted people pushed back (pushback laws and regulations)."""

    module = "defenders"
    type: Literal["set_pushback"]
    country: str
    share: float = Field(ge=0, le=1)

    def refs(self):
        return [("defender", self.country, "country")]

    def apply(self, sim):
        sim.module("defenders").pushback[sim.index.defender[self.country], self.span(sim)] = self.share


class SetReceptionCapacity(Event):
    """Set the places in guarded centres."""

    module = "defenders"
    type: Literal["set_reception_capacity"]
    country: str
    capacity: float = Field(ge=0)

    def refs(self):
        return [("defender", self.country, "country")]

    def apply(self, sim):
        sim.module("defenders").reception_cap[sim.index.defender[self.country], self.span(sim)] = self.capacity


class ExclusionZone(Event):
    """State of emergency / exclusion zone: aid workers and journalists kept out."""

    module = "health"
    type: Literal["exclusion_zone"]
    country: str
    aid_access: float = Field(0.0, ge=0, le=1, description="Aid access left inside the zone.")

    def refs(self):
        return [("defender", self.country, "country")]

    def apply(self, sim):
        sim.module("health").aid[sim.index.defender[self.country], self.span(sim)] = self.aid_access


class OpenAidAccess(ExclusionZone):
    """Let aid workers and medics reach the border area."""

    type: Literal["open_aid_access"]
    aid_access: float = Field(1.0, ge=0, le=1)


class WithdrawFromZone(Event):
    """The orchestrator takes people out of the border zone: each day from `date` to `until`
    (one day if `until` is omitted) this share of those in the zone — facing `country`, or
    all — is moved to `to` (default: the capital's hotels), from where transit may send them
    back later."""

    module = "orchestrator"
    type: Literal["withdraw_from_zone"]
    share: float = Field(1.0, ge=0, le=1, description="Share of the people in the zone taken away each day.")
    country: str | None = Field(None, description="Only the zone facing this defending country.")
    to: str | None = Field(None, description="Node they are taken to (default: the capital).")

    def refs(self):
        return ([("defender", self.country, "country")] if self.country else []) + \
            ([("node", self.to, "to")] if self.to else [])

    def apply(self, sim):
        o = sim.module("orchestrator")
        if self.until is not None:
            span = self.span(sim)
        else:  # a one-day operation
            d = sim.calendar.day(self.date)
            if not 0 <= d < sim.calendar.n_days:
                return
            span = slice(d, d + 1)
        cols = [sim.index.defender[self.country]] if self.country else slice(None)
        o.withdraw[span, cols] = self.share
        if self.to:
            o.withdraw_to[span] = sim.index.node[self.to]


class SetZoneAid(Event):
    """Aid access for people stranded in the border zone on the orchestrator's side
    (e.g. the Belarusian Red Cross let into a camp); edits `humanitarian.zone_aid_access`."""

    module = "health"
    type: Literal["set_zone_aid"]
    aid_access: float = Field(ge=0, le=1, description="Aid access in the zone from `date` (until `until`).")

    def apply(self, sim):
        sim.module("health").zone_aid[self.span(sim)] = self.aid_access


class OpenShelter(Event):
    """Open (or resize) a shelter that takes people out of the zone."""

    module = "health"
    type: Literal["open_shelter"]
    node: str
    capacity: float = Field(ge=0)

    def refs(self):
        return [("shelter", self.node, "node")]

    def apply(self, sim):
        sim.module("health").shelter_cap[sim.index.shelter[self.node], self.span(sim)] = self.capacity


class RepatriationFlight(_Instant):
    """A repatriation flight from the capital home, with its seats."""

    module = "returns"
    _lasts = "flies on its date; add one event per flight"
    type: Literal["repatriation_flight"]
    seats: float = Field(ge=0)
    nationality: str | None = Field(None, description="Only people of this nationality board (e.g. IQ).")

    def apply(self, sim):
        sim.module("returns").add_flight(self.date, self.seats, self.nationality)


class Annotation(Event):
    """A dated fact with no mechanism (sanctions, threats, talks), shown on plots."""

    module = ""
    type: Literal["annotation"]

    def apply(self, sim):
        return None


AnyEvent = Annotated[
    Union[
        CloseCrossing, OpenCrossing, BuildBarrier, BanRoute, SetRouteSeats, SetVisaFactor,
        DeployTroops, SetPushback, SetReceptionCapacity, ExclusionZone, OpenAidAccess,
        SetZoneAid, OpenShelter, WithdrawFromZone, RepatriationFlight, Annotation,
    ],
    Field(discriminator="type"),
]

EVENT_TYPES = {
    cls.model_fields["type"].annotation.__args__[0]: cls
    for cls in AnyEvent.__origin__.__args__
}
