"""The event base class: a dated verb that edits one module's daily parameter arrays.

Events are applied once, when the simulation is built, to the daily arrays their module
compiled from the scenario (`apply`). A run is then a pure function of those arrays, so
running to day 50 and on equals one full run, and an event touches only its module.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from ..scenario.basis import Basis
from ..scenario.params import Strict

if TYPE_CHECKING:  # pragma: no cover
    from ..engine.sim import Sim


class Event(Strict):
    """Base of every timeline verb."""

    module: ClassVar[str] = ""  # the module whose arrays this event edits
    id: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_]*$",
                           description="Stable name of this event, so a variant can remove, move or change it (docs/decisions.md).")
    date: dt.date
    until: dt.date | None = Field(None, description="Exclusive end date; open-ended if omitted.")
    label: str | None = Field(None, description="Short text shown on plots.")
    source: str | None = None
    note: str | None = None
    basis: Basis | None = Field(None, description="Timeline rows, data rows or a stated assumption this event rests on.")

    def refs(self) -> list[tuple[str, str, str]]:
        """(kind, id, field) of every scenario object this event names, for checking."""
        return []

    def apply(self, sim: "Sim") -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def span(self, sim: "Sim") -> slice:
        """The days this event covers, clipped to the run."""
        cal = sim.calendar
        lo = cal.clip(cal.day(self.date))
        hi = cal.n_days if self.until is None else cal.clip(cal.day(self.until))
        return slice(lo, max(lo, hi))
