"""Flee 3.1's agent demographics: the `demographics_*.csv` files and the two rules that read them.

What Flee 3.1 does (flee 3.1 wheel, `flee/spawning.py`: `read_demographics`,
`read_demographic_csv`, `draw_sample`, `draw_samples`; `flee/moving.py`: `getEndPointScore`):

- Every file `input_csv/demographics_<attribute>[_…].csv` is one attribute; its name is the
  part of the file name after the first '_' up to the next '_' or '.'. The file is a table
  read with pandas: a header line `<attribute>,Default[,<location>…]`, then one row per
  value with its weight in each column.
- Every agent Flee creates from the data (day-0 camp agents, spawned agents, conflict-driven
  agents) draws one value of every attribute, with the weights of the column named after
  the location it appears at, or the `Default` column if there is none (pandas
  `DataFrame.sample(n=1, weights=…)`: weights are normalised, empty cells count 0).
- `getEndPointScore`: with `move_rules.ChildrenAvoidHazards`, an agent younger than 19 sees
  each destination's base score squared (safety matters more to children); inside that same
  switch, `BoysTakeRisk` gives a male older than 14 a base score of 1 for every destination
  (safety does not steer him). The other endpoint factors (home distance, ethnicity ×10,
  population) multiply afterwards, as for everyone.

borderlab reads and checks every file the same way and, when ChildrenAvoidHazards is on,
draws each new agent's age (and gender, with BoysTakeRisk) from its own random stream
("flee.demographics.<attribute>"), so turning the rule on changes no other draw. Attributes no
honoured rule reads (ethnicity: Flee 3.1's ratio is a stub returning 1) are read and checked
but not drawn. Where Flee 3.1 would stop with an exception at the first agent (a missing
column, weights that sum to 0, a rule whose file is missing, a non-numeric age), borderlab
stops before the run with the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Problem
from ..scenario.limits import limit
from .location_types import EXACT
from .schema import Demographic, FleeScenario

DEFAULT_COLUMN = "Default"
CHILD_AGE = 19        # Flee: age < 19 is a child (ChildrenAvoidHazards)
RISK_AGE = 14         # Flee: a male with age > 14 takes risks (BoysTakeRisk)
ADULT, CHILD, RISK_TAKER = 0, 1, 2   # per-agent class the movement kernel reads


def attribute_of(path: Path) -> str:
    """Flee's attribute name for a demographics file: `demographics_age_v2.csv` → `age`."""
    return path.name.split(".")[0].split("_")[1] if "_" in path.name else ""


def read_demographics(input_csv: Path, problems: list[Problem], where: dict, open_rows) -> list[Demographic]:
    """Every `demographics_*.csv` of `input_csv`, as Flee 3.1 finds them (sorted by name).
    `open_rows(path, problems)` is the reader's CSV opener (size, encoding and quoting checks)."""
    out: list[Demographic] = []
    seen: dict[str, Path] = {}
    for path in sorted(input_csv.glob("demographics_*.csv")):
        attribute = attribute_of(path)
        if not attribute:
            problems.append(Problem(str(path), "no attribute name after 'demographics_'",
                                    "name the file demographics_<attribute>.csv, e.g. demographics_age.csv"))
            continue
        if attribute in seen:
            problems.append(Problem(str(path), f"a second file for attribute '{attribute}' (first: {seen[attribute].name})",
                                    "Flee 3.1 keeps whichever file the file system lists last: keep one"))
            continue
        seen[attribute] = path
        table = _read_table(path, attribute, problems, open_rows)
        if table is not None:
            where[("demographics", len(out))] = f"{path}:1"
            out.append(table)
    return out


def _read_table(path: Path, attribute: str, problems: list[Problem], open_rows) -> Demographic | None:
    rows = open_rows(path, problems)
    if rows is None:
        return None
    rows = [(line, [c.strip() for c in row]) for line, row in rows if row and any(c.strip() for c in row)]
    if not rows:
        problems.append(Problem(str(path), "empty file", f"first line: {attribute},Default; then <value>,<weight> rows"))
        return None
    head_line, header = rows[0]
    while len(header) > 1 and header[-1] == "":
        header = header[:-1]                  # trailing commas
    at = f"{path}:{head_line}"
    if header[0] != attribute:
        problems.append(Problem(at, f"the first column is named {header[0]!r}, but Flee 3.1 takes the value from the "
                                    f"column named after the file ('{attribute}') and stops with a KeyError at the first agent",
                                f"write the header as {attribute},Default[,<location>…]"))
        return None
    columns = header[1:]
    if not columns or any(c == "" for c in columns) or len(set(columns)) < len(columns):
        problems.append(Problem(at, "weight columns must have distinct, non-empty names",
                                f"write the header as {attribute},Default[,<location>…]"))
        return None
    values: list[str] = []
    weights: dict[str, list[float]] = {c: [] for c in columns}
    n0 = len(problems)
    for line, row in rows[1:]:
        at = f"{path}:{line}"
        if row[0].startswith("#"):
            continue
        extra = row[len(header):]
        if any(extra):
            problems.append(Problem(at, f"{len(row)} values but the header names {len(header)} columns",
                                    "give one weight per column of the header"))
            continue
        values.append(row[0])
        for k, c in enumerate(columns):
            text = row[k + 1] if k + 1 < len(row) else ""
            w = _weight(text)
            if w is None:
                problems.append(Problem(at, f"weight {text!r} in column '{c}' is not a finite number ≥ 0 "
                                            "(Flee 3.1's pandas sample stops with a ValueError)",
                                        "write a weight ≥ 0 (an empty cell counts 0)"))
                w = 0.0
            weights[c].append(w)
    if len(problems) > n0:
        return None
    if not values:
        problems.append(Problem(str(path), "no value rows", f"write <{attribute} value>,<weight> rows under the header"))
        return None
    return Demographic(attribute=attribute, values=values, weights=weights)


def _weight(text: str) -> float | None:
    if text == "":
        return 0.0                            # pandas reads an empty cell as NaN; sample() counts it 0
    from .reader import _float  # the reader imports this module
    x = _float(text)
    return x if x is not None and 0.0 <= x <= limit("max_value") else None


# -- checks against the rest of the case ----------------------------------------------------
def check_demographics(sc: FleeScenario) -> tuple[list[tuple[tuple, str, str]], list[tuple[tuple, str]]]:
    """(errors, warnings) as (model path, message[, hint]): what would stop Flee 3.1 at the
    first agent, and the rule settings that need files."""
    errors: list[tuple[tuple, str, str]] = []
    warnings: list[tuple[tuple, str]] = []
    names = {loc.name for loc in sc.locations}
    drawn_at = _places_agents_appear(sc)
    for k, d in enumerate(sc.demographics):
        for c in d.weights:
            if c != DEFAULT_COLUMN and c not in names:
                warnings.append((("demographics", k), f"demographics_{d.attribute}: column '{c}' is not a location; "
                                                      "ignored (as Flee does)"))
        for c, w in d.weights.items():
            if len(w) != len(d.values):
                errors.append((("demographics", k), f"column '{c}' has {len(w)} weights for {len(d.values)} values",
                               "give one weight per value"))
        for place in sorted(drawn_at):
            col = place if place in d.weights else DEFAULT_COLUMN
            if col not in d.weights:
                errors.append((("demographics", k), f"no '{DEFAULT_COLUMN}' column and none for '{place}', where agents "
                                                    "appear: Flee 3.1 stops with a KeyError there",
                               f"add a {DEFAULT_COLUMN} column"))
                break
            if not sum(d.weights[col]) > 0.0:
                errors.append((("demographics", k), f"the weights of column '{col}' (used at '{place}') sum to 0: "
                                                    "Flee 3.1's pandas sample stops with a ValueError there",
                               "give at least one value a weight > 0"))
                break
    mr = sc.settings.move_rules
    by_name = {d.attribute: (k, d) for k, d in enumerate(sc.demographics)}
    rule = ("settings", "move_rules", "ChildrenAvoidHazards")
    if mr.ChildrenAvoidHazards:
        if "age" not in by_name:
            errors.append((rule, "ChildrenAvoidHazards needs agent ages, and there is no input_csv/demographics_age.csv: "
                                 "Flee 3.1 stops with a KeyError ('age') at the first route choice",
                           "add demographics_age.csv (age,Default then <age>,<weight> rows), or turn the rule off"))
        else:
            k, d = by_name["age"]
            from .reader import _float  # the reader imports this module
            bad = [v for v in d.values if _float(v) is None]
            if bad:
                errors.append((("demographics", k), f"age {bad[0]!r} is not a number: Flee 3.1 compares ages with 19 "
                                                    "and stops with a TypeError", "write ages as numbers of years"))
        if not any(EXACT[loc.type].name in ("CAMP", "IDPCAMP") for loc in sc.locations):
            errors.append((rule, "ChildrenAvoidHazards without a camp: Flee 3.1 reads the demographics files only when "
                                 "it places each camp's day-0 agents, so its agents get no age and it stops with a "
                                 "KeyError ('age')", "add a camp (with its UNHCR series), or turn the rule off"))
        if mr.BoysTakeRisk and "gender" not in by_name:
            errors.append((("settings", "move_rules", "BoysTakeRisk"),
                           "BoysTakeRisk needs agent genders, and there is no input_csv/demographics_gender.csv: "
                           "Flee 3.1 stops with a KeyError ('gender') at the first route choice",
                           "add demographics_gender.csv (gender,Default then male,<w> and female,<w>), or turn the rule off"))
        if sc.initial_agents and sc.settings.spawn_rules.read_from_agents_csv_file:
            errors.append((rule, "ChildrenAvoidHazards with agents from agents.csv: Flee 3.1 gives those agents the "
                                 "text of agents.csv's columns, compares it with 19 and stops with a TypeError",
                           "turn the rule off, or start without agents.csv (read_from_agents_csv_file: false)"))
    elif mr.BoysTakeRisk:
        warnings.append((("settings", "move_rules", "BoysTakeRisk"),
                         "BoysTakeRisk has no effect without ChildrenAvoidHazards (Flee 3.1 nests it inside that rule)"))
    return errors, warnings


def _places_agents_appear(sc: FleeScenario) -> set[str]:
    """Locations where Flee creates agents that draw demographics: camps (day-0 agents) and
    every place that is or becomes a conflict zone (spawning)."""
    out = set()
    for loc in sc.locations:
        kind = EXACT[loc.type].name
        if kind == "CONFLICT_ZONE" or (kind in ("CAMP", "IDPCAMP") and sc.settings.spawn_rules.insert_day0):
            out.add(loc.name)
    if sc.conflicts is not None:
        names = {loc.name for loc in sc.locations}
        out |= {n for n, pts in sc.conflicts.changes.items() if n in names and any(v > 0 for _, v in pts)}
    return out


# -- drawing --------------------------------------------------------------------------------
@dataclass
class AttributeSampler:
    """Inverse-CDF draws of one attribute: per location, the cumulative weights of its column."""

    values: list[str]
    cum: np.ndarray          # (columns, values) cumulative weights, each row ending at its total
    column_of: np.ndarray    # int per location: row of `cum` (−1: no column and no Default)

    @classmethod
    def build(cls, d: Demographic, location_names: list[str]) -> "AttributeSampler":
        cols = list(d.weights)
        cum = np.cumsum(np.array([d.weights[c] for c in cols], dtype=np.float64), axis=1)
        default = cols.index(DEFAULT_COLUMN) if DEFAULT_COLUMN in cols else -1
        column_of = np.array([cols.index(n) if n in d.weights else default for n in location_names], np.int64)
        return cls(list(d.values), cum, column_of)

    def draw(self, locs: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
        """Index into `values` for agents appearing at `locs`, one uniform each."""
        rows = self.column_of[locs]
        out = np.zeros(len(locs), np.int64)
        for r in np.unique(rows):
            sel = rows == r
            c = self.cum[r]
            out[sel] = np.minimum(np.searchsorted(c, uniforms[sel] * c[-1], side="right"), len(c) - 1)
        return out


def classes(age: np.ndarray, male: np.ndarray | None) -> np.ndarray:
    """Flee's getEndPointScore branches as a per-agent class: CHILD (age < 19) sees squared
    scores; with BoysTakeRisk (`male` given) a male older than 14 is a RISK_TAKER (score 1)."""
    out = np.where(age < CHILD_AGE, CHILD, ADULT).astype(np.int8)
    if male is not None:
        out[male & (age > RISK_AGE)] = RISK_TAKER
    return out


@dataclass
class DemographicDraws:
    """Draws each new agent's class for the demographic rules (None when they are off)."""

    age: AttributeSampler
    age_values: np.ndarray
    gender: AttributeSampler | None
    is_male: np.ndarray | None
    streams: dict

    @classmethod
    def for_scenario(cls, sc: FleeScenario, location_names: list[str], seed: int) -> "DemographicDraws | None":
        from ..engine.streams import Stream
        mr = sc.settings.move_rules
        if not mr.ChildrenAvoidHazards:
            return None
        by_name = {d.attribute: d for d in sc.demographics}
        age = by_name["age"]
        gender = by_name.get("gender") if mr.BoysTakeRisk else None
        streams = {"age": Stream(seed, "flee.demographics.age"), "gender": Stream(seed, "flee.demographics.gender")}
        return cls(AttributeSampler.build(age, location_names), np.array([float(v) for v in age.values]),
                   AttributeSampler.build(gender, location_names) if gender is not None else None,
                   np.array([v == "male" for v in gender.values]) if gender is not None else None, streams)

    def draw(self, day: int, ids: np.ndarray, locs: np.ndarray) -> np.ndarray:
        """Class of each new agent (ids: their agent numbers, unique over the run)."""
        age = self.age_values[self.age.draw(locs, self.streams["age"].uniform(day, ids))]
        male = None
        if self.gender is not None:
            male = self.is_male[self.gender.draw(locs, self.streams["gender"].uniform(day, ids))]
        return classes(age, male)
