"""The typed form of a Flee case: what the folder reader produces and a `model: flee`
scenario YAML holds.

One model for both inputs means the engine has one entry point: a folder is read into a
`FleeScenario`, a converted YAML is validated into the same class, and `convert` writes
it back out. The model keeps Flee's raw numbers (populations before `hasten`, the series
rows as they appear in the files), so converting loses nothing and the engine applies the
same scaling either way. Cross-reference checks (`check_references`) report paths in the
model, which each input turns into its own `file:line`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from ..scenario.limits import limit
from .location_types import EXACT
from .settings import FleeSettings, _Strict

Count = Annotated[int, Field(ge=0, le=int(limit("max_count")))]
Intensity = Annotated[float, Field(ge=0, le=limit("max_value"))]


class Location(_Strict):
    """One row of locations.csv."""

    name: str = Field(min_length=1)
    region: str = ""
    country: str = ""
    latitude: float = Field(0.0, ge=-90, le=90)
    longitude: float = Field(0.0, ge=-180, le=180)
    type: str = Field(description="conflict_zone, town, camp, idpcamp, forwarding_hub or marker.")
    conflict_date: int | None = Field(None, ge=-limit("max_value"), le=limit("max_value"),
                                      description="Day a conflict zone's conflict begins (it is a town before).")
    population: Count | None = Field(None, description="Population (towns, conflict zones) or capacity (camps), before hasten.")
    attributes: dict[str, str] = Field(default_factory=dict, description="Extra columns (conflict_intensity, deactivation_probability, …).")

    @model_validator(mode="after")
    def _known_type(self):
        if self.type not in EXACT:
            raise ValueError(f"unknown location type '{self.type}'; use one of: {', '.join(sorted(EXACT))}")
        return self


class Route(_Strict):
    """One row of routes.csv: an undirected link."""

    name1: str = Field(min_length=1)
    name2: str = Field(min_length=1)
    distance: float = Field(ge=0, le=limit("max_km"), description="km.")
    forced_redirection: int = Field(0, ge=0, le=2, description="Flee 3.1 stores it but no movement rule reads it.")
    attributes: dict[str, str] = Field(default_factory=dict, description="Extra columns (max_move_speed, walk_probability, …).")


ClosureType = Literal["location", "country", "link", "camp", "idpcamp", "remove_forced_redirection"]


class Closure(_Strict):
    """One row of closures.csv; start and end are day numbers (−1: never)."""

    type: ClosureType
    name1: str = Field(min_length=1)
    name2: str = ""
    start: int
    end: int


class Conflicts(_Strict):
    """conflicts.csv compressed to change points: for each location, (day, intensity)
    whenever the intensity differs from the day before (day 0 always listed)."""

    days: int = Field(ge=0, le=int(limit("max_days")) * 100, description="Day rows in the table.")
    changes: dict[str, list[tuple[int, Intensity]]]

    def table(self, names: list[str]) -> dict[str, list[float]]:
        out = {}
        for name in names:
            pts = self.changes.get(name)
            if pts is None:
                continue
            row, k, value = [], 0, 0.0
            for day in range(self.days):
                while k < len(pts) and pts[k][0] <= day:
                    value = pts[k][1]
                    k += 1
                row.append(value)
            out[name] = row
        return out


class SeriesSource(_Strict):
    """One file of a series: the file (relative to the scenario YAML) or its rows inline."""

    file: str | None = None
    points: list[tuple[dt.date, Count]] | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.file is None) == (self.points is None):
            raise ValueError("give exactly one of 'file' or 'points'")
        return self


class Series(_Strict):
    """A UNHCR series: 'total' or a camp; several sources are added as Flee adds them."""

    name: str = Field(min_length=1)
    sources: list[SeriesSource] = Field(min_length=1)


class Correction(_Strict):
    """registration_corrections.csv: rescale a camp's series before this date."""

    camp: str
    date: dt.date


class Validation(_Strict):
    series: list[Series]
    registration_corrections: list[Correction] = Field(default_factory=list)


class Demographic(_Strict):
    """One demographics_<attribute>.csv: the attribute's values and, per column (`Default`
    or a location name), one weight per value (an empty cell is 0, as in Flee)."""

    attribute: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)
    weights: dict[str, list[Intensity]] = Field(min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _numbers_as_text(cls, v):
        """A YAML `values: [0, 1, 2]` holds numbers; the CSV holds their text."""
        if isinstance(v, list):
            return [str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in v]
        return v


class FleeScenario(_Strict):
    """A complete Flee case, self-contained."""

    model: Literal["flee"] = "flee"
    name: str = Field(min_length=1)
    description: str = ""
    start_date: dt.date
    days: int = Field(ge=1, le=int(limit("max_days")), description="Simulated days (sim_period.csv Length).")
    settings: FleeSettings = Field(default_factory=FleeSettings)
    locations: list[Location] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    closures: list[Closure] = Field(default_factory=list)
    conflicts: Conflicts | None = None
    initial_agents: dict[str, Annotated[int, Field(ge=0, le=int(limit("max_people")))]] = Field(
        default_factory=dict, description="agents.csv: agents per location on day 0.")
    validation: Validation
    demographics: list[Demographic] = Field(default_factory=list, description="demographics_*.csv (docs/flee.md).")
    provenance: dict[str, str] = Field(default_factory=dict, description="Where the case came from (folder, licence).")


# -- cross references ---------------------------------------------------------------------
def check_references(sc: FleeScenario, unsure_names: set[str] | None = frozenset(), series_complete: bool = True,
                     ) -> tuple[list[tuple[tuple, str, str]], list[tuple[tuple, str]]]:
    """(errors, warnings) as (model path, message[, hint]); the caller adds file:line.

    A reader that met broken rows passes the names those rows may have defined as
    `unsure_names` (None: any name, the file was unreadable) and `series_complete=False`
    if data_layout.csv or a series file was broken, so that the name checks still run
    without blaming a reference on a definition that is already reported."""
    errors: list[tuple[tuple, str, str]] = []
    warnings: list[tuple[tuple, str]] = []
    names: dict[str, int] = {}
    for i, loc in enumerate(sc.locations):
        if loc.name in names:
            errors.append((("locations", i, "name"), f"location '{loc.name}' is defined twice (first as location {names[loc.name] + 1})",
                           "give every location a unique name"))
        names.setdefault(loc.name, i)
        if loc.type in ("conflict_zone", "conflict") and loc.conflict_date is None:
            errors.append((("locations", i, "conflict_date"), f"conflict zone '{loc.name}' has no conflict_date",
                           "write the day its conflict begins (0 = from the start)"))
    countries = {loc.country for loc in sc.locations}
    camps = [loc.name for loc in sc.locations if EXACT[loc.type].name in ("CAMP", "IDPCAMP")]

    def known(path, name, what="location"):
        if name not in names and (unsure_names is None or name in unsure_names):
            return False  # possibly defined on a broken row, reported there
        if name not in names:
            errors.append((path, f"unknown {what} '{name}'", _suggest(name, names)))
            return False
        return True

    for i, r in enumerate(sc.routes):
        ok1 = known(("routes", i, "name1"), r.name1)
        ok2 = known(("routes", i, "name2"), r.name2)
        if ok1 and ok2 and r.name1 == r.name2:
            errors.append((("routes", i), f"route from '{r.name1}' to itself", "remove the row"))
    for i, c in enumerate(sc.closures):
        if c.type == "country":
            for k, n in (("name1", c.name1), ("name2", c.name2)):
                if n not in countries and unsure_names is not None and not unsure_names:
                    errors.append((("closures", i, k), f"unknown country '{n}'", _suggest(n, countries)))
        elif c.type in ("link", "remove_forced_redirection"):
            known(("closures", i, "name1"), c.name1)
            known(("closures", i, "name2"), c.name2)
        else:
            known(("closures", i, "name1"), c.name1)
        if c.end < -1 or c.start < 0:
            errors.append((("closures", i), f"closure days must be ≥ 0 (end may be −1 for never), got start {c.start}, end {c.end}",
                           "write day numbers counted from the start date"))
    if sc.conflicts is not None:
        for name in sc.conflicts.changes:
            if name not in names:
                warnings.append((("conflicts", "changes", name),
                                 f"conflicts.csv names '{name}', which is not a location; ignored (as Flee does)"))
    for name in sc.initial_agents:
        known(("initial_agents", name), name)
    series_names = {}
    for i, s in enumerate(sc.validation.series):
        if s.name in series_names:
            errors.append((("validation", "series", i, "name"), f"series '{s.name}' listed twice", "keep one row per camp"))
        series_names[s.name] = i
        if s.name != "total" and s.name not in names:
            warnings.append((("validation", "series", i, "name"),
                             f"series '{s.name}' is not a location; ignored (as Flee does). {_suggest(s.name, names)}"))
    from .demographics import check_demographics  # imports this module
    more_errors, more_warnings = check_demographics(sc)
    errors += more_errors
    warnings += more_warnings
    if not series_complete:
        return errors, warnings  # series named on broken rows of data_layout.csv are reported there
    if "total" not in series_names and sc.settings.spawn_rules.conflict_driven_spawning is not None:
        warnings.append((("validation", "series"), "no 'total' series: under conflict-driven spawning Flee 3.1 never "
                                                   "reads it, and its total error is 0 every day; so is borderlab's"))
    elif "total" not in series_names:
        errors.append((("validation", "series"), "no 'total' series", "add a row 'total,refugees.csv' to data_layout.csv"))
    for c in camps:
        if c not in series_names:
            errors.append((("validation", "series"), f"camp '{c}' has no UNHCR series",
                           f"add a row '{c},<file>.csv' to data_layout.csv (Flee needs one per camp)"))
    for i, c in enumerate(sc.validation.registration_corrections):
        if c.camp not in series_names:
            errors.append((("validation", "registration_corrections", i), f"correction for '{c.camp}', which has no series",
                           _suggest(c.camp, series_names)))
    return errors, warnings


def _suggest(name, pool) -> str:
    import difflib
    close = difflib.get_close_matches(str(name), [str(p) for p in pool], n=1)
    return f"did you mean '{close[0]}'?" if close else "check the spelling against locations.csv"
