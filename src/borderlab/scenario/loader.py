"""Load a scenario: YAML → overrides → schema → references, with every problem reported."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError
from .geography import DEFAULT_BARRIERS, DEFAULT_TERRAINS
from .basis import check_basis
from .branches import check_branches
from .feasibility import check_feasibility
from .input_files import check_input_files
from .overrides import apply_overrides
from .references import check_references
from .registry import resolve
from .schema import Scenario
from .yamlfile import LineMap, _dotted, load_yaml


@dataclass
class LoadedScenario:
    """A validated scenario with where it came from."""

    scenario: Scenario
    path: Path
    file_sha256: str
    overrides: list[tuple[str, object]] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def sha256(self) -> str:
        """Hash of the scenario as run (after overrides), independent of YAML layout."""
        blob = json.dumps(self.scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def load_scenario(name_or_path: str | Path, overrides: list[str] | None = None) -> LoadedScenario:
    """Resolve a built-in name or a path, apply `--set` overrides, validate. Raises ScenarioError."""
    return parse_scenario(name_or_path).load(overrides)


def parse_scenario(name_or_path: str | Path) -> "ParsedScenario":
    """Read and parse a scenario file once; `.load(overrides)` validates a variant of it.

    Parsing the YAML of a large scenario costs more than validating it, so studies that
    run many variants of one file (calibration trials, ensembles) parse it once."""
    path = resolve(name_or_path)
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), "a scenario must be a YAML mapping (key: value at the top level)",
                                     "start from a built-in: borderlab scenarios")])
    return ParsedScenario(path, data, lines, hashlib.sha256(path.read_bytes()).hexdigest())


@dataclass
class ParsedScenario:
    """A scenario file as parsed YAML (not yet validated), with its line map and hash."""

    path: Path
    data: dict
    lines: LineMap
    file_sha256: str

    def load(self, overrides: list[str] | None = None) -> LoadedScenario:
        """Apply `--set` overrides to a copy of the data and validate it; errors name file:line."""
        data = copy.deepcopy(self.data)
        if overrides:
            _with_default_tables(data)
        resolved: list[tuple[tuple, str]] = []
        applied = apply_overrides(data, overrides or [], resolved)
        lines = OverriddenLines(self.lines, resolved) if resolved else self.lines
        try:
            sc = Scenario.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(_translate(exc, data, lines)) from None
        refs = check_references(sc) or (check_basis(sc, self.path.parent)  # cited rows exist
                                         + check_branches(sc, self.path.parent))
        refs = refs or check_feasibility(sc) + check_input_files(sc, self.path.parent)  # what run needs
        if refs:
            raise ScenarioError([Problem(lines.locate(p), m, h) for p, m, h in refs])
        return LoadedScenario(sc, self.path, self.file_sha256, applied)


class OverriddenLines:
    """A LineMap that names the `--set` for a problem inside a value it set, so the user
    sees their own typo ("--set defenders.PL.detection_k=abc"), not a line of the file."""

    def __init__(self, lines: LineMap, resolved: list[tuple[tuple, str]]):
        self.lines = lines
        self.resolved = resolved

    def locate(self, path: tuple) -> str:
        path = tuple(path)
        for prefix, text in reversed(self.resolved):  # the last --set of a path wins
            if path[: len(prefix)] == prefix:
                return f"--set {text} ({_dotted(path)})"
        return self.lines.locate(path)


def _with_default_tables(data: dict) -> None:
    """Give `data` the default terrain and barrier tables (as the schema will), so that
    `--set barriers.wall.hold=…` reaches the entries `borderlab check --show` lists."""
    for key, defaults in (("terrains", DEFAULT_TERRAINS), ("barriers", DEFAULT_BARRIERS)):
        user = data.get(key)
        if user is None or isinstance(user, dict):
            data[key] = {**copy.deepcopy(defaults), **(user or {})}


# -- pydantic errors → problems with file:line and a hint ---------------------------
def _data_path(loc: tuple, data) -> tuple:
    """Keep the parts of a pydantic `loc` that name places in the data (drop union tags)."""
    out, node = [], data
    for k, part in enumerate(loc):
        if part == "from_":
            part = "from"
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif k == len(loc) - 1:
            out.append(part)  # a missing field
        # else: a union tag or validator name inserted by pydantic
    return tuple(out)


def _model_at(path: tuple, data, root: type[BaseModel] | None = None) -> type[BaseModel] | None:
    """The schema class expected at `path` (best effort), for listing allowed fields."""
    tp: object = root or Scenario
    node = data
    for part in path:
        tp = _unwrap(tp, node)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(part) or tp.model_fields.get(f"{part}_")
            if f is None:
                return None
            tp = f.annotation
        elif typing.get_origin(tp) in (list, dict):
            args = typing.get_args(tp)
            tp = args[-1] if args else None
        node = node.get(part) if isinstance(node, dict) else (node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None)
    tp = _unwrap(tp, node)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unwrap(tp, node):
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            if isinstance(node, dict) and "type" in node:
                for a in options:
                    a = _unwrap(a, None)
                    if isinstance(a, type) and issubclass(a, BaseModel) and "type" in a.model_fields:
                        if node["type"] in typing.get_args(a.model_fields["type"].annotation):
                            return a
            tp = options[0] if options else None
        else:
            return tp


def _translate(exc: ValidationError, data, lines: LineMap, root: type[BaseModel] | None = None) -> list[Problem]:
    """pydantic errors of `root` (default: Scenario) → problems with file:line and a hint."""
    problems = []
    for err in exc.errors():
        path = _data_path(err["loc"], data)
        kind, msg = err["type"], err["msg"]
        hint = ""
        if kind == "extra_forbidden":
            key = path[-1]
            model = _model_at(path[:-1], data, root)
            allowed = sorted(model.model_fields) if model else []
            allowed = [a.rstrip("_") for a in allowed]
            close = difflib.get_close_matches(str(key), allowed, n=1)
            msg = f"unknown field '{key}'"
            hint = (f"did you mean '{close[0]}'? " if close else "") + (f"allowed here: {', '.join(allowed)}" if allowed else "remove it")
        elif kind == "missing":
            msg = f"missing required field '{path[-1]}'"
            hint = "add it (see docs/scenario-format.md)"
        elif kind == "too_short":
            msg = f"'{path[-1]}' is empty: a scenario needs at least one entry here"
            hint = "add one (see docs/scenario-format.md and the built-in toy-border)"
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
            msg = f"expected a number, got {err.get('input')!r}"
            hint = "write a plain number, e.g. 0.5"
        elif kind == "finite_number":
            msg = f"expected a finite number, got {err.get('input')!r}"
            hint = "NaN and infinity are not allowed: write a plain number"
        elif kind.startswith("date") or kind.startswith("datetime"):
            msg = f"expected a date, got {err.get('input')!r}"
            hint = "write dates as YYYY-MM-DD"
        elif kind == "union_tag_invalid":
            from ..events.library import EVENT_TYPES
            msg = f"unknown event type {err.get('input', {}).get('type') if isinstance(err.get('input'), dict) else err.get('input')!r}"
            hint = "use one of: " + ", ".join(sorted(EVENT_TYPES))
        elif kind == "union_tag_not_found":
            msg = "an event needs a 'type'"
            from ..events.library import EVENT_TYPES
            hint = "use one of: " + ", ".join(sorted(EVENT_TYPES))
        elif kind == "literal_error":
            hint = "pick one of the allowed values"
        elif kind == "string_pattern_mismatch":
            msg = f"{err.get('input')!r} is not a valid name here"
            hint = "use letters, digits, '-' and '_' only (country codes: 2-3 capital letters)"
        elif kind == "value_error":
            msg = msg.removeprefix("Value error, ")
            hint = "lower the value, or raise the limit as the message says" if "BORDERLAB_LIMIT_" in msg else "fix the value"
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            hint = "fix the value"
        problems.append(Problem(lines.locate(path), msg, hint))
    return problems
