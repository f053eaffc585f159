"""Read a Flee input folder into a `FleeScenario`, with every problem named by file:line.

The layout is the one Flee's automation (FabFlee) and run script use:

    FOLDER/input_csv/   locations.csv routes.csv closures.csv conflicts.csv sim_period.csv
                        registration_corrections.csv [agents.csv]
    FOLDER/source_data/ data_layout.csv + one series per camp and the total
    FOLDER/simsetting.yml

Each part can be given separately for other layouts. Rows are read the way Flee 3.1 reads
them (comment lines start with '#', positional columns, extra columns named by the header
line), but where Flee would crash, misread or silently skip, this reader stops with a
message naming the file, the line and the fix. All problems found in one pass are
reported together.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import InputFileError, Problem, ScenarioError
from ..scenario.limits import limit, over_limit
from ..scenario.yamlfile import load_yaml
from .demographics import read_demographics
from .location_types import CANONICAL, classify
from .schema import (Closure, Conflicts, Correction, FleeScenario, Location, Route, Series, SeriesSource,
                     Validation, check_references)
from .settings import ParsedSettings, parse_simsetting

LOCATION_COLUMNS = ["name", "region", "country", "latitude", "longitude", "location_type", "conflict_date", "population"]
ROUTE_COLUMNS = ["name1", "name2", "distance", "forced_redirection"]
CLOSURE_COLUMNS = ["closure_type", "name1", "name2", "closure_start", "closure_end"]
DAYS_LIMIT = int(limit("max_days"))     # Length of a case; conflict dates further out never matter
COUNT_LIMIT = int(limit("max_count"))   # populations, capacities, UNHCR counts


@dataclass
class FolderLocator:
    """Model path → 'file:line', so reference errors point into the CSV files."""

    where: dict[tuple, str] = field(default_factory=dict)
    default: str = ""

    def locate(self, path: tuple) -> str:
        path = tuple(path)
        for k in range(len(path), 0, -1):
            hit = self.where.get(path[:k])
            if hit is not None:
                return hit
        return self.default


@dataclass
class ReadResult:
    """A read case: the scenario, where each part came from, and non-fatal notes."""

    scenario: FleeScenario
    locator: FolderLocator
    warnings: list[str]
    ignored_settings: list[str]
    files: dict[str, Path]


@dataclass
class FleePaths:
    """Where the three parts of a Flee case are."""

    input_csv: Path
    source_data: Path
    settings: Path | None

    @classmethod
    def from_folder(cls, folder: Path, input_csv: Path | None = None, source_data: Path | None = None,
                    settings: Path | None = None) -> "FleePaths":
        folder = Path(folder) if folder is not None else None
        if folder is not None and not folder.exists():
            raise InputFileError(f"{folder}: folder not found\n    hint: give a Flee folder holding input_csv/, source_data/ and simsetting.yml")
        if folder is not None and not folder.is_dir():
            raise InputFileError(f"{folder}: is a file, not a Flee folder\n    hint: give the folder that holds input_csv/, "
                                 "or a converted scenario YAML (model: flee)")
        if folder is None:
            missing = [f"--{name.replace('_', '-')}" for name, v in
                       (("input_csv", input_csv), ("source_data", source_data), ("settings", settings)) if not v]
            if missing:
                raise InputFileError(f"no Flee folder given, and {', '.join(missing)} missing\n"
                                     "    hint: give the folder, or all of --input-csv, --source-data and --settings")
        return cls(
            input_csv=Path(input_csv) if input_csv else folder / "input_csv",
            source_data=Path(source_data) if source_data else folder / "source_data",
            settings=Path(settings) if settings else (folder / "simsetting.yml" if folder is not None else None),
        )


# -- CSV helpers --------------------------------------------------------------------------
def _open_rows(path: Path, problems: list[Problem], required: bool = True, hint: str = ""):
    """[(line, row)] of a CSV file; a missing required file is a problem."""
    if not path.is_file():
        if required:
            problems.append(Problem(str(path), "file not found" if not path.is_dir() else "is a folder, expected a CSV file",
                                    hint or "Flee folders hold input_csv/ and source_data/; see docs/flee.md"))
        return None
    try:
        size = path.stat().st_size
        if size > limit("max_yaml_bytes"):
            problems.append(Problem(str(path), over_limit("max_yaml_bytes", "the file has", size) + " bytes",
                                    "is this the right file? raise the limit if it is genuine"))
            return None
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot be read ({exc.strerror or exc})", "check the file's permissions"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(f"{path}:{line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                                "save the file as UTF-8 (most editors: File → Save with encoding)"))
        return None
    rows = []
    reader = csv.reader(text.splitlines())
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        problems.append(Problem(f"{path}:{reader.line_num}", f"malformed CSV ({exc})", "check quotes on this line"))
    return rows


def _is_comment(row: list[str]) -> bool:
    return len(row) == 0 or all(c.strip() == "" for c in row) or row[0].lstrip().startswith("#")


def _bare_header(row: list[str], first: str, numeric: list[int], seen_data: bool) -> bool:
    """A header line written without Flee's leading '#' (`name,region,country,lat,lon,…`):
    the first line, its first cell `first`, and the cells that hold numbers in data rows
    not numbers. Flee 3.1 would read it as data and stop; borderlab skips it with a warning."""
    return (not seen_data and row[0].strip().strip('"').lower() == first
            and all(k < len(row) and _float(row[k]) is None for k in numeric))


def _header_names(row: list[str]) -> list[str]:
    return [c.strip().lstrip("#").strip().strip('"') for c in row]


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _float(text: str) -> float | None:
    """A finite number, or None (NaN and ±inf are not numbers any Flee column can hold)."""
    try:
        x = float(text.strip())
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _bounded_int(text: str, low: int, high: int, what: str, at: str, problems: list[Problem], hint: str) -> int | None:
    """A whole number in [low, high]; otherwise a problem naming the limit (None)."""
    x = _int(text)
    if x is None or x < low:
        problems.append(Problem(at, f"{what} must be a whole number ≥ {low}, got {text.strip()!r}", hint))
        return None
    if x > high:
        name = {DAYS_LIMIT: "max_days", COUNT_LIMIT: "max_count"}.get(high)
        problems.append(Problem(at, over_limit(name, what, x) if name else f"{what} {x} is above {high}", hint))
        return None
    return x


def _row_model(model, at: str, problems: list[Problem], **fields):
    """`model(**fields)` for one CSV row, or None with a problem at the row: the schema's
    own bounds (finite, within the limits) apply to values the column checks let through."""
    try:
        return model(**fields)
    except ValidationError as exc:
        for e in exc.errors():
            field = ".".join(str(p) for p in e["loc"])
            problems.append(Problem(at, f"{field}: {e['msg'].removeprefix('Value error, ')}", "fix the value on this row"))
        return None


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


# -- the files ----------------------------------------------------------------------------
def read_locations(path: Path, problems: list[Problem], warnings: list[str], where: dict,
                   unsure: set[str] | None = None) -> list[Location]:
    """Locations of locations.csv; `unsure` collects the names on rows that had a problem."""
    unsure = set() if unsure is None else unsure
    rows = _open_rows(path, problems)
    if rows is None:
        return []
    extra_names: list[str] = []
    out: list[Location] = []
    seen_data = False
    for line, row in rows:
        at = f"{path}:{line}"
        if not _is_comment(row) and _bare_header(row, "name", [3, 4], seen_data):
            warnings.append(f"{at}: header line without a leading '#' skipped (Flee 3.1 would read it as a location "
                            "and stop); start it with '#'")
            extra_names = _header_names(row)[8:]
            seen_data = True
            continue
        if _is_comment(row):
            if row and row[0].lstrip().startswith("#") and len(row) > 8:
                extra_names = _header_names(row)[8:]
            continue
        seen_data = True
        if len(row) < 8:
            problems.append(Problem(at, f"expected 8 columns ({', '.join(LOCATION_COLUMNS)}), found {len(row)}",
                                    "add the missing columns (leave a value empty with ,,)"))
            unsure.add(row[0].strip())
            continue
        name = row[0].strip()
        n0 = len(problems)
        lat = _float(row[3]) if row[3].strip() else 0.0
        lon = _float(row[4]) if row[4].strip() else 0.0
        if lat is None or lon is None:
            problems.append(Problem(at, f"latitude/longitude must be numbers, got {row[3]!r}, {row[4]!r}",
                                    "header lines must start with '#'; otherwise write decimal degrees"))
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(Problem(at, f"latitude/longitude {lat:g}, {lon:g} are not degrees on Earth",
                                    "latitude is in [−90, 90] and longitude in [−180, 180] (decimal degrees)"))
        kind, note = classify(row[5])
        if kind is None:
            problems.append(Problem(at, f"unknown location_type {row[5]!r}",
                                    "use conflict_zone, town, camp, idpcamp, forwarding_hub or marker"))
        elif note:
            warnings.append(f"{at}: {note}")
        conflict_date = None
        if row[6].strip():
            conflict_date = _int(row[6])
            if conflict_date is None and kind is not None and kind.name == "CONFLICT_ZONE":
                problems.append(Problem(at, f"conflict_date must be a whole day number, got {row[6]!r}",
                                        "write the day (from the start date) the conflict begins, e.g. 0"))
            elif conflict_date is not None and abs(conflict_date) > limit("max_value"):
                problems.append(Problem(at, over_limit("max_value", "conflict_date", conflict_date),
                                        "write the day (from the start date) the conflict begins"))
        elif kind is not None and kind.name == "CONFLICT_ZONE":
            problems.append(Problem(at, f"conflict zone '{name}' has no conflict_date",
                                    "write the day its conflict begins (0 = from the start)"))
        population = None
        if row[7].strip():
            population = _bounded_int(row[7], 0, COUNT_LIMIT, "population", at, problems,
                                      "write the population (towns, conflict zones) or capacity (camps)")
        attributes = {}
        for k, value in enumerate(row[8:]):
            named = k < len(extra_names) and extra_names[k]
            if not named and not value.strip():
                continue  # a trailing comma: no column, no value
            attributes[extra_names[k] if named else f"column{9 + k}"] = value.strip()
        if len(problems) > n0 or kind is None:
            unsure.add(name)
            continue
        if not name:
            problems.append(Problem(at, "empty location name", "every row needs a name in the first column"))
            continue
        loc = _row_model(Location, at, problems, name=name, region=row[1].strip(), country=row[2].strip(), latitude=lat,
                         longitude=lon, type=CANONICAL[kind], conflict_date=conflict_date, population=population,
                         attributes=attributes)
        if loc is None:
            unsure.add(name)
            continue
        where[("locations", len(out))] = at
        out.append(loc)
    if not out and rows is not None and not any(p.where.startswith(str(path)) for p in problems):
        problems.append(Problem(str(path), "no locations", "list one location per line"))
    return out


def read_routes(path: Path, problems: list[Problem], where: dict, warnings: list[str] | None = None) -> list[Route]:
    rows = _open_rows(path, problems)
    if rows is None:
        return []
    extra_names: list[str] = []
    out = []
    for line, row in rows:
        at = f"{path}:{line}"
        if not _is_comment(row) and _bare_header(row, "name1", [2], bool(out)):
            if warnings is not None:
                warnings.append(f"{at}: header line without a leading '#' skipped (Flee 3.1 would read it as a route "
                                "and stop); start it with '#'")
            extra_names = _header_names(row)[4:]
            continue
        if _is_comment(row):
            if row and row[0].lstrip().startswith("#") and len(row) > 4:
                extra_names = _header_names(row)[4:]
            continue
        if len(row) < 3:
            problems.append(Problem(at, f"expected at least 3 columns ({', '.join(ROUTE_COLUMNS[:3])}), found {len(row)}",
                                    "write name1,name2,distance[,forced_redirection]"))
            continue
        distance = _float(row[2])
        if distance is None or distance < 0:
            problems.append(Problem(at, f"distance must be a number of km ≥ 0, got {row[2]!r}", "write the road distance in km"))
            continue
        if distance > limit("max_km"):
            problems.append(Problem(at, over_limit("max_km", "distance", distance), "write the road distance in km"))
            continue
        forced = 0
        if len(row) > 3 and row[3].strip():
            forced = _int(row[3])
            if forced not in (0, 1, 2):
                problems.append(Problem(at, f"forced_redirection must be 0, 1 or 2, got {row[3]!r}", "leave it empty for 0"))
                continue
        attributes = {}
        for k, value in enumerate(row[4:]):
            named = k < len(extra_names) and extra_names[k]
            if not named and not value.strip():
                continue  # a trailing comma: no column, no value
            attributes[extra_names[k] if named else f"column{5 + k}"] = value.strip()
        name1, name2 = row[0].strip(), row[1].strip()
        if not name1 or not name2:
            problems.append(Problem(at, "empty location name in a route", "write both end points"))
            continue
        route = _row_model(Route, at, problems, name1=name1, name2=name2, distance=distance, forced_redirection=forced,
                           attributes=attributes)
        if route is not None:
            where[("routes", len(out))] = at
            out.append(route)
    if not out and not any(p.where.startswith(str(path)) for p in problems):
        problems.append(Problem(str(path), "no routes: nobody could move", "list one link per line: name1,name2,distance"))
    return out


def read_closures(path: Path, problems: list[Problem], where: dict) -> list[Closure]:
    rows = _open_rows(path, problems, required=False)
    if rows is None:
        return []
    out = []
    kinds = ("location", "country", "link", "camp", "idpcamp", "remove_forced_redirection")
    for line, row in rows:
        at = f"{path}:{line}"
        if _is_comment(row):
            continue
        if len(row) < 5:
            problems.append(Problem(at, f"expected 5 columns ({', '.join(CLOSURE_COLUMNS)}), found {len(row)}",
                                    "write closure_type,name1,name2,closure_start,closure_end"))
            continue
        kind = row[0].strip().lower()
        if kind not in kinds:
            problems.append(Problem(at, f"unknown closure_type {row[0]!r}", f"use one of: {', '.join(kinds)}"))
            continue
        start, end = _int(row[3]), _int(row[4])
        if start is None or end is None:
            problems.append(Problem(at, f"closure_start and closure_end must be whole day numbers, got {row[3]!r}, {row[4]!r}",
                                    "days count from the start date; −1 means never"))
            continue
        closure = _row_model(Closure, at, problems, type=kind, name1=row[1].strip(), name2=row[2].strip(), start=start, end=end)
        if closure is not None:
            where[("closures", len(out))] = at
            out.append(closure)
    return out


def read_conflicts(path: Path, problems: list[Problem], where: dict) -> Conflicts | None:
    rows = _open_rows(path, problems, required=False)
    if rows is None:
        return None
    rows = [(line, row) for line, row in rows if row and any(c.strip() for c in row)]
    if not rows:
        problems.append(Problem(str(path), "empty conflicts table", "first line: #Day,<location>,…; then one row per day"))
        return None
    head_line, header = rows[0]
    names = [h.strip() for h in header]
    columns = [(i, n) for i, n in enumerate(names) if i > 0 and n]
    values: dict[str, list[float]] = {n: [] for _, n in columns}
    for line, row in rows[1:]:
        at = f"{path}:{line}"
        if row[0].lstrip().startswith("#"):
            continue
        for i, n in columns:
            if i >= len(row):
                problems.append(Problem(at, f"row has {len(row)} values but the header names {len(names)} columns",
                                        "give every location a value on every day"))
                break
            v = _float(row[i])
            if v is None or not 0 <= v <= limit("max_value"):
                problems.append(Problem(at, f"conflict intensity for '{n}' must be a number ≥ 0, got {row[i]!r}",
                                        "write 0 or 1 (or an intensity)"))
                break
            values[n].append(v)
    days = min((len(v) for v in values.values()), default=0)
    changes = {}
    for n, series in values.items():
        pts, prev = [], None
        for d, v in enumerate(series[:days]):
            if d == 0 or v != prev:
                pts.append((d, v))
            prev = v
        changes[n] = pts
        where[("conflicts", "changes", n)] = f"{path}:{head_line}"
    where[("conflicts",)] = f"{path}:{head_line}"
    return Conflicts(days=days, changes=changes)


def read_sim_period(input_csv: Path, problems: list[Problem],
                    warnings: list[str] | None = None) -> tuple[dt.date | None, int | None, Path]:
    """StartDate and Length from sim_period.csv, or conflict_period.csv (Flee 3.1's name,
    which later Flee versions renamed); when both are there and differ, sim_period.csv is
    used with a warning."""
    path, old = input_csv / "sim_period.csv", input_csv / "conflict_period.csv"
    if not path.is_file() and old.is_file():
        return _read_period_file(old, problems) + (old,)
    start, length = _read_period_file(path, problems)
    if path.is_file() and old.is_file() and warnings is not None:
        scratch: list[Problem] = []
        if _read_period_file(old, scratch) != (start, length) and not scratch:
            warnings.append(f"{old}: StartDate/Length differ from {path.name}'s; borderlab uses {path.name} (later Flee "
                            "versions read it), Flee 3.1 reads conflict_period.csv: keep one of the two")
    return start, length, path


def _read_period_file(path: Path, problems: list[Problem]) -> tuple[dt.date | None, int | None]:
    rows = _open_rows(path, problems, hint="write two lines: StartDate,YYYY-MM-DD and Length,<days>")
    start = length = None
    for line, row in rows or []:
        if len(row) < 2:
            continue
        key = row[0].strip().lower()
        if key == "startdate":
            start = parse_date(row[1])
            if start is None:
                problems.append(Problem(f"{path}:{line}", f"bad date {row[1]!r}", "write the start date as YYYY-MM-DD"))
        elif key == "length":
            length = _bounded_int(row[1], 1, DAYS_LIMIT, "Length", f"{path}:{line}", problems, "e.g. Length,300")
    if rows is not None:
        if start is None and not any(p.where.startswith(str(path)) for p in problems):
            problems.append(Problem(str(path), "no StartDate line", "add: StartDate,YYYY-MM-DD"))
        if length is None and not any(p.where.startswith(str(path)) for p in problems):
            problems.append(Problem(str(path), "no Length line", "add: Length,<days>"))
    return start, length


def read_corrections(path: Path, problems: list[Problem], where: dict) -> list[Correction]:
    rows = _open_rows(path, problems, required=False)
    out = []
    for line, row in rows or []:
        if _is_comment(row) or len(row) < 2:
            continue
        at = f"{path}:{line}"
        date = parse_date(row[1])
        if date is None:
            problems.append(Problem(at, f"bad date {row[1]!r}", "write camp,YYYY-MM-DD (the first date of level-2 registration)"))
            continue
        where[("validation", "registration_corrections", len(out))] = at
        out.append(Correction(camp=row[0].strip(), date=date))
    return out


def read_series_file(path: Path, problems: list[Problem], at_layout: str = "") -> list[tuple[dt.date, int]]:
    """Rows of one UNHCR series file, read as Flee's ConvertCsvFileToNumPyTable does:
    a first line that is not a date is a header; '#' lines and rows without a count are
    skipped; every other row must be YYYY-MM-DD,<whole number>."""
    rows = _open_rows(path, problems, hint=f"{at_layout}: data_layout.csv names this file" if at_layout else "")
    out: list[tuple[dt.date, int]] = []
    for k, (line, row) in enumerate(rows or []):
        at = f"{path}:{line}"
        if len(row) < 2 or row[0].lstrip().startswith("#") or row[1].strip() == "":
            continue
        if k == 0 and not any(ch.isdigit() for ch in row[0]):
            continue  # header line ("Date,Refugee_numbers", ",")
        if not row[0].strip():
            problems.append(Problem(at, "empty date", "write YYYY-MM-DD,<count> or start the line with '#'"))
            continue
        date = parse_date(row[0])
        if date is None:
            problems.append(Problem(at, f"bad date {row[0]!r}", "write dates as YYYY-MM-DD"))
            continue
        count = _bounded_int(row[1], 0, COUNT_LIMIT, "count", at, problems, "write the registered refugees on that date")
        if count is None:
            continue
        out.append((date, count))
    if rows is not None and not out and not any(p.where.startswith(str(path)) for p in problems):
        problems.append(Problem(str(path), "no data rows", "write YYYY-MM-DD,<count> lines"))
    return out


def read_layout(source_data: Path, problems: list[Problem], where: dict) -> list[Series]:
    path = source_data / "data_layout.csv"
    rows = _open_rows(path, problems, hint="first line: total,refugees.csv; then <camp>,<file>.csv per camp")
    out = []
    for line, row in rows or []:
        at = f"{path}:{line}"
        if len(row) < 2 or _is_comment(row):
            continue
        name = row[0].strip()
        files = [f.strip() for f in row[1:] if f.strip()]
        if not name or not files:
            problems.append(Problem(at, "expected <name>,<file>[,<file>…]", "e.g. total,refugees.csv"))
            continue
        sources = []
        for f in files:
            points = read_series_file(source_data / f, problems, at)
            sources.append(SeriesSource(points=points))
        where[("validation", "series", len(out))] = at
        out.append(Series(name=name, sources=sources))
    return out


def read_agents_csv(path: Path, problems: list[Problem]) -> dict[str, int]:
    """Agents per location. The first non-empty line is the header (column names), whether
    or not it starts with '#'; later '#' lines are comments. Taking a '#' header for a
    comment would make the first agent the header and drop it silently."""
    rows = _open_rows(path, problems, hint="spawn_rules.read_from_agents_csv_file is on: write location,<attributes…> rows")
    out: dict[str, int] = {}
    seen_header, total = False, 0
    for line, row in rows or []:
        if len(row) == 0 or all(c.strip() == "" for c in row):
            continue
        if not seen_header:
            seen_header = True
            continue
        if _is_comment(row):
            continue
        name = row[0].strip()
        if not name:
            problems.append(Problem(f"{path}:{line}", "empty location in the first column", "write the agent's location"))
            continue
        out[name] = out.get(name, 0) + 1
        total += 1
        if total > limit("max_people"):
            problems.append(Problem(f"{path}:{line}", over_limit("max_people", "the number of agents listed", total),
                                    "scale the case down (optimisations.hasten does not apply to agents.csv)"))
            break
    if rows is not None and not seen_header:
        problems.append(Problem(str(path), "empty file: no header line",
                                "first line: the column names (location,…); then one agent per line"))
    return out


# -- the whole folder ---------------------------------------------------------------------
def read_flee_folder(folder: Path | None = None, *, input_csv: Path | None = None, source_data: Path | None = None,
                     settings: Path | None = None, overrides: dict | None = None) -> ReadResult:
    """Read a Flee case; raise ScenarioError listing every problem (file:line, fix).

    Every file is read even after a problem in another, and the name checks (routes,
    closures, series) run too, leaving out only names that a broken row or file may have
    defined, so one pass reports everything there is to fix."""
    paths = FleePaths.from_folder(folder, input_csv, source_data, settings)
    problems: list[Problem] = []
    warnings: list[str] = []
    where: dict[tuple, str] = {}
    if not paths.input_csv.is_dir():
        raise InputFileError(f"{paths.input_csv}: folder not found\n    hint: a Flee case has input_csv/ (or point at it with --input-csv)")
    if not paths.source_data.is_dir():
        problems.append(Problem(str(paths.source_data), "folder not found",
                                "a Flee case has source_data/ (or point at it with --source-data)"))
    parsed = _read_settings(paths.settings, overrides, problems)
    if parsed is not None:
        warnings.extend(parsed.warnings)

    unsure: set[str] | None = set()   # location names a broken row may have defined (None: any)
    locations_path = paths.input_csv / "locations.csv"
    locations = read_locations(locations_path, problems, warnings, where, unsure)
    if any(p.where == str(locations_path) or (p.where.startswith(f"{locations_path}:") and p.message.startswith("malformed CSV"))
           for p in problems):
        unsure = None                 # the file itself is missing or unreadable
    routes = read_routes(paths.input_csv / "routes.csv", problems, where, warnings)
    closures = read_closures(paths.input_csv / "closures.csv", problems, where)
    conflicts = read_conflicts(paths.input_csv / "conflicts.csv", problems, where)
    start, length, period_path = read_sim_period(paths.input_csv, problems, warnings)
    corrections = read_corrections(paths.input_csv / "registration_corrections.csv", problems, where)
    n_before = len(problems)
    series = read_layout(paths.source_data, problems, where) if paths.source_data.is_dir() else []
    series_complete = paths.source_data.is_dir() and len(problems) == n_before
    initial = {}
    if parsed is not None and parsed.settings.spawn_rules.read_from_agents_csv_file:
        initial = read_agents_csv(paths.input_csv / "agents.csv", problems)
    demographics = read_demographics(paths.input_csv, problems, where, _open_rows)
    locator = FolderLocator(where, default=str(paths.input_csv))
    where.setdefault(("validation", "series"), str(paths.source_data / "data_layout.csv"))
    where.setdefault(("settings",), str(paths.settings))
    name = Path(folder).resolve().name if folder is not None else paths.input_csv.resolve().parent.name
    parts = dict(name=name, start_date=start, days=length, locations=locations, routes=routes, closures=closures,
                 conflicts=conflicts, initial_agents=initial,
                 validation=Validation(series=series, registration_corrections=corrections), demographics=demographics,
                 provenance={"folder": str(Path(folder).resolve()) if folder is not None else "",
                             "input_csv": str(paths.input_csv.resolve()), "source_data": str(paths.source_data.resolve()),
                             "simsetting": str(paths.settings.resolve()) if paths.settings is not None else ""})
    construct_settings = {"settings": parsed.settings} if parsed is not None else {}
    errors, notes = check_references(FleeScenario.model_construct(**parts, **construct_settings), unsure_names=unsure,
                                     series_complete=series_complete)
    problems.extend(Problem(locator.locate(p), m, h) for p, m, h in errors)
    if problems:
        raise ScenarioError(problems)
    if conflicts is None:
        warnings.append(f"{paths.input_csv / 'conflicts.csv'}: not found; conflicts begin on each conflict zone's conflict_date")
    try:
        sc = FleeScenario(settings=parsed.settings, **parts)
    except ValidationError as exc:  # the readers bound every value; this is a safety net
        raise ScenarioError([Problem(locator.locate(tuple(e["loc"])), e["msg"], "fix the value") for e in exc.errors()]) from None
    warnings.extend(f"{locator.locate(p)}: {m}" for p, m in notes)
    files = {"input_csv": paths.input_csv, "source_data": paths.source_data, "simsetting": paths.settings,
             "sim_period": period_path}
    return ReadResult(sc, locator, warnings, parsed.ignored, files)


def _read_settings(path: Path | None, overrides: dict | None, problems: list[Problem]) -> ParsedSettings | None:
    """simsetting.yml (within the shared YAML limits), or None with its problems added."""
    if path is None or not path.is_file():
        problems.append(Problem(str(path), "file not found" if path is None or not path.is_dir() else "is a folder, expected simsetting.yml",
                                "a Flee case has simsetting.yml (or point at one with --settings)"))
        return None
    try:
        raw, lines = load_yaml(path)
        return parse_simsetting(raw, str(path), lines, overrides)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    except InputFileError as exc:
        head, _, hint = str(exc).partition("\n    hint: ")
        problems.append(Problem(str(path), head.removeprefix(f"{path}: "), hint))
    return None
