"""Flee's `simsetting.yml` as typed settings under Flee's own names.

Flee 3.1 reads its settings with silent defaults: a misspelt key is simply not read. Here
every key is either *honoured* (it changes what borderlab computes, the way Flee 3.1 uses
it), *accepted* (read, but it has no effect on results — logging switches, keys Flee 3.1
itself never uses) or *unknown* (warned about and ignored, as Flee would). `HONOURED` and
`ACCEPTED` below are the lists `docs/flee.md` documents; `warnings` on the parsed
settings says which keys of a given file were ignored and why.

The models are strict (extra='forbid') so the same classes validate the `settings:`
block of a converted scenario YAML, where an unknown key is an error.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import Problem, ScenarioError
from ..scenario.limits import limit, over_limit

SQRT_TEN = 3.16227766017  # Flee's SimulationSettings.sqrt_ten


class _Strict(BaseModel):
    """Unknown keys, NaN and ±inf are errors; so are `true` where a number belongs (YAML
    would make it 1) and numbers beyond the shared `max_value` limit."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v, info):
        field = cls.model_fields.get(info.field_name)
        if isinstance(v, bool) and field is not None and field.annotation in (int, float):
            raise ValueError(f"expected a number, got {str(v).lower()}")
        return v

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, v, info):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) > limit("max_value"):
            raise ValueError(over_limit("max_value", info.field_name, v))
        return v


class MoveRules(_Strict):
    """`move_rules`: move chances, route weights, speeds, capacity (Flee 3.1 defaults)."""

    max_move_speed: float = Field(360.0, gt=0, description="km a traveller covers per day (vehicle).")
    max_walk_speed: float = Field(35.0, gt=0, description="km per day on foot (start_on_foot, walk_probability).")
    max_crossing_speed: float = Field(20.0, gt=0, description="Read by Flee 3.1 but never used; no effect.")
    foreign_weight: float = Field(1.0, ge=0, description="Attraction multiplier of locations outside the home country.")
    camp_weight: float = Field(1.0, ge=0, description="Attraction multiplier of camps.")
    conflict_weight: float = Field(1.0 / SQRT_TEN, ge=0, description="Attraction multiplier of conflict zones (raised to decay×intensity).")
    conflict_movechance: float = Field(1.0, ge=0, le=1, description="Daily chance of leaving a conflict zone.")
    camp_movechance: float = Field(0.001, ge=0, le=1, description="Daily chance of leaving a camp.")
    idpcamp_movechance: float = Field(0.1, ge=0, le=1, description="Daily chance of leaving an IDP camp.")
    default_movechance: float = Field(0.3, ge=0, le=1, description="Daily chance of leaving a town.")
    awareness_level: int = Field(1, ge=0, le=6, description="Route choice looks this many links ahead (markers do not count).")
    capacity_buffer: float = Field(0.9, ge=0, le=1, description="A camp counts as nearly full above this share of its capacity.")
    capacity_scaling: float = Field(1.0, gt=0, description="Multiplies every capacity (Flee ≥ 3.2 name; Flee 3.1 ignores it).")
    avoid_short_stints: bool = Field(False, description="Force a further move from a town after a short day's travel.")
    start_on_foot: bool = Field(False, description="The first link of every journey is walked (max_walk_speed).")
    use_v1_rules: bool = Field(False, description="Flee 1.0 rules: max_move_speed 200, camp_weight 2, conflict_weight 0.25, no walking start, no short-stint rule.")
    softening: float = Field(10.0, ge=0, description="km added to every route distance in the weight (DistanceSoftening).")
    weight_softening: float = Field(0.0, ge=0, description="Constant added to every destination score in the weight.")
    weight_power: float = Field(1.0, ge=0, description="Exponent applied to each route weight.")
    distance_power: float = Field(1.0, ge=0, description="Exponent of the (softened) distance in the weight.")
    stay_close_to_home: bool = Field(False, description="Divide a destination's score by its straight-line distance^home_distance_power.")
    home_distance_power: float = Field(0.5, ge=0, description="Exponent for stay_close_to_home.")
    use_pop_for_loc_weight: bool = Field(False, description="Multiply non-camp scores by min(1, population)^pop_power_for_loc_weight (as Flee 3.1).")
    pop_power_for_loc_weight: float = Field(0.1, ge=0, description="Exponent for use_pop_for_loc_weight.")
    movechance_pop_base: float = Field(10000.0, gt=0, description="Population base of the move-chance population scaling.")
    movechance_pop_scale_factor: float = Field(0.0, ge=0, description="Move chance × (max(pop, capacity)/base)^factor.")
    ChildrenAvoidHazards: bool = Field(False, description="Agents under 19 see destination scores squared (ages from demographics_age.csv).")
    BoysTakeRisk: bool = Field(False, description="With ChildrenAvoidHazards: males over 14 see every destination score as 1 (demographics_gender.csv).")
    MatchCampEthnicity: bool = Field(False, description="Camp scores ×10 (Flee 3.1 stubs the ethnicity ratio at 1).")
    MatchTownEthnicity: bool = Field(False, description="Town scores ×10 (Flee 3.1 stubs the ethnicity ratio at 1).")
    MatchConflictEthnicity: bool = Field(False, description="Conflict-zone scores ×10 (Flee 3.1 stubs the ethnicity ratio at 1).")

    @model_validator(mode="after")
    def _v1(self):
        # Flee applies use_v1_rules after reading everything else, overwriting those keys
        if self.use_v1_rules:
            object.__setattr__(self, "max_move_speed", 200.0)
            object.__setattr__(self, "start_on_foot", False)
            object.__setattr__(self, "avoid_short_stints", False)
            object.__setattr__(self, "camp_weight", 2.0)
            object.__setattr__(self, "conflict_weight", 0.25)
        return self


class ConflictDrivenSpawning(_Strict):
    """`spawn_rules.conflict_driven_spawning`: a fixed push per conflict zone instead of data."""

    spawn_mode: Literal["constant", "pop_ratio", "poisson"] = Field(
        "constant", description="constant: displaced_per_conflict_day × intensity; pop_ratio: × population; poisson: Poisson with that mean.")
    displaced_per_conflict_day: float = Field(500, ge=0, le=limit("max_people"), description="Agents per conflict zone per day (a share of the population for pop_ratio).")

    @field_validator("spawn_mode", mode="before")
    @classmethod
    def _lower(cls, v):
        return v.lower() if isinstance(v, str) else v


class SpawnRules(_Strict):
    """`spawn_rules`: where and how many new agents appear each day."""

    take_from_population: bool = Field(False, description="Each spawned agent lowers its conflict zone's population (its spawn weight).")
    insert_day0: bool = Field(True, description="Start each camp with its UNHCR count on day 0 (and spawn nothing on day 0).")
    conflict_zone_spawning_only: bool = Field(True, description="Only conflict zones spawn (Flee 3.1 spawns nowhere else either way).")
    camps_are_sinks: bool = Field(False, description="Camps deactivate agents with their deactivation_probability (Flee 3.1 reads the misspelt key camps_are_sicks).")
    read_from_agents_csv_file: bool = Field(False, description="Add the agents listed in input_csv/agents.csv on day 0.")
    conflict_driven_spawning: ConflictDrivenSpawning | None = Field(None, description="If set, spawn a fixed push per conflict zone instead of following the UNHCR total.")
    conflict_spawn_decay: list[float] | None = Field(None, description="Spawn and conflict-weight multiplier per 30 days since a conflict began.")
    sum_from_camps: bool = Field(False, description="Follow the sum of the camp series instead of the total (Flee ≥ 3.2 name; Flee 3.1 ignores it).")
    flood_zone_spawning_only: bool = Field(False, description="Flood-driven displacement is not supported (error if true).")

    @field_validator("flood_zone_spawning_only")
    @classmethod
    def _no_floods(cls, v):
        if v:
            raise ValueError("flood-driven displacement (flood_zone_spawning_only) is not supported by borderlab")
        return v

    @field_validator("conflict_spawn_decay")
    @classmethod
    def _decay_nonneg(cls, v):
        if v is not None and any((not math.isfinite(x)) or x < 0 for x in v):
            raise ValueError("conflict_spawn_decay values must be numbers ≥ 0")
        return v


class Optimisations(_Strict):
    """`optimisations`: Flee's speed-ups that change the model."""

    hasten: int = Field(1, ge=1, description="Divide populations, capacities and UNHCR series by this factor (PopulationScaleDownFactor).")


class FleeSettings(_Strict):
    """The honoured part of a simsetting.yml; what a converted scenario stores."""

    move_rules: MoveRules = Field(default_factory=MoveRules)
    spawn_rules: SpawnRules = Field(default_factory=SpawnRules)
    optimisations: Optimisations = Field(default_factory=Optimisations)

    @property
    def hasten(self) -> int:
        return self.optimisations.hasten


# -- which keys are honoured, accepted without effect, or unknown -------------------------
HONOURED = {
    "move_rules": [k for k in MoveRules.model_fields if k != "max_crossing_speed"],
    "spawn_rules": [k for k in SpawnRules.model_fields if k != "flood_zone_spawning_only"],
    "optimisations": ["hasten"],
}
# read without effect on results, with the reason given in a warning when set
ACCEPTED = {
    ("move_rules", "max_crossing_speed"): "Flee 3.1 reads it but never uses it",
    ("log_levels", None): "Flee's logging switches; borderlab writes its own outputs",
    ("number_of_steps", None): "Flee 3.1's run script ignores it too (the length comes from sim_period.csv or --days)",
    ("conflict_input_file", None): "Flee 3.1's run script always uses input_csv/conflicts.csv",
}
# keys whose default value is harmless but whose non-default use is not supported
UNSUPPORTED = {
    ("flood_rules", None): "flood-driven movement is not supported by borderlab",
}
ALIASES = {("spawn_rules", "camps_are_sicks"): "camps_are_sinks"}  # Flee 3.1 spells it so


@dataclass
class ParsedSettings:
    """Settings, the keys of the file that were not honoured (`ignored`, with the reason)
    and the subset worth a warning (`warnings`: unknown keys, or keys set to a value that
    would matter in Flee but is not modelled here)."""

    settings: FleeSettings
    warnings: list[str]
    ignored: list[str]


def parse_simsetting(data, where: str, lines=None, overrides: dict | None = None) -> ParsedSettings:
    """A simsetting.yml mapping → FleeSettings; unknown keys warn, bad values raise.

    `overrides` maps dotted Flee names ("move_rules.camp_weight") to values and is applied
    before validation; an override naming an unknown key is an error (a typo there would
    otherwise silently run the unchanged model).
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(where, "simsetting.yml must be a YAML mapping (section: {key: value})",
                                     "see docs/flee.md for the sections move_rules, spawn_rules, optimisations")])
    data = copy.deepcopy(data)
    warnings: list[str] = []
    ignored: list[str] = []
    kept: dict = {}
    loc = (lambda path: lines.locate(path)) if lines is not None else (lambda path: f"{where} ({'.'.join(map(str, path))})")
    for section, body in data.items():
        if (section, None) in ACCEPTED:
            ignored.append(f"{section}: {ACCEPTED[(section, None)]}")
            continue
        if (section, None) in UNSUPPORTED:
            raise ScenarioError([Problem(loc((section,)), f"'{section}': {UNSUPPORTED[(section, None)]}",
                                         "remove the section: borderlab models conflict-driven displacement only")])
        if section not in FleeSettings.model_fields:
            warnings.append(f"{loc((section,))}: unknown section '{section}' ignored (Flee 3.1 ignores it too)")
            ignored.append(f"{section}: unknown section")
            continue
        if body is None:
            continue
        if not isinstance(body, dict):
            raise ScenarioError([Problem(loc((section,)), f"'{section}' must be a mapping of key: value",
                                         "indent its keys under it")])
        model = FleeSettings.model_fields[section].annotation
        out = {}
        for key, value in body.items():
            key = ALIASES.get((section, key), key)
            if (section, key) in ACCEPTED:
                ignored.append(f"{section}.{key}: {ACCEPTED[(section, key)]}")
                if value and key != "max_crossing_speed":
                    warnings.append(f"{loc((section, key))}: '{section}.{key}' has no effect in borderlab: {ACCEPTED[(section, key)]}")
            if key not in model.model_fields:
                warnings.append(f"{loc((section, key))}: unknown key '{section}.{key}' ignored (Flee 3.1 ignores it too)")
                ignored.append(f"{section}.{key}: unknown key")
                continue
            out[key] = value
        kept[section] = out
    merge_overrides(kept, overrides)
    try:
        settings = FleeSettings.model_validate(kept)
    except ValidationError as exc:
        raise ScenarioError([_problem(err, loc) for err in exc.errors()]) from None
    return ParsedSettings(settings, warnings, ignored)


def merge_overrides(sections: dict, overrides: dict | None) -> None:
    """Set dotted Flee names ("move_rules.camp_weight") in a raw settings mapping; an
    unknown name is an error, since a typo would otherwise run the unchanged model."""
    problems = []
    for path, value in (overrides or {}).items():
        parts = str(path).split(".")
        if len(parts) != 2 or parts[0] not in FleeSettings.model_fields:
            problems.append(Problem(f"override {path}", "expected SECTION.KEY with SECTION one of move_rules, spawn_rules, optimisations",
                                    "e.g. move_rules.camp_weight"))
            continue
        section, key = parts
        key = ALIASES.get((section, key), key)
        if key not in FleeSettings.model_fields[section].annotation.model_fields:
            problems.append(Problem(f"override {path}", f"unknown setting '{path}'",
                                    "see docs/flee.md for the settings borderlab honours"))
            continue
        if not isinstance(sections.get(section), dict):
            sections[section] = {}
        sections[section][key] = value
    if problems:
        raise ScenarioError(problems)


def _problem(err: dict, loc) -> Problem:
    path = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] in ("float_parsing", "int_parsing", "bool_parsing", "int_from_float"):
        msg = f"expected {'a whole number' if 'int' in err['type'] else 'a number' if 'float' in err['type'] else 'true or false'}, got {err.get('input')!r}"
    return Problem(loc(path), msg, "fix the value (Flee's defaults are listed in docs/flee.md)")


def settings_rows() -> list[tuple[str, str, str, str]]:
    """(section, Flee name, default, description) of every honoured setting, for docs."""
    rows = []
    for section, model in (("move_rules", MoveRules), ("spawn_rules", SpawnRules), ("optimisations", Optimisations)):
        for name, f in model.model_fields.items():
            default = f.default if f.default_factory is None else f.default_factory()
            rows.append((section, name, repr(default), f.description or ""))
    return rows
