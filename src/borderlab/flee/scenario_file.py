"""Load a Flee case from a folder or a converted `model: flee` YAML into one form.

Both give a `LoadedFlee`: the validated `FleeScenario`, a `locate(path)` that names the
file:line of any part of it (a CSV row, or a YAML line), warnings about ignored input,
and the folder that relative series paths start from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import ValidationError

from ..errors import InputFileError, Problem, ScenarioError
from ..scenario.yamlfile import load_yaml
from .reader import read_flee_folder
from .schema import FleeScenario, check_references
from .settings import merge_overrides
from .source_kind import is_flee_source  # noqa: F401  (re-exported: callers import it from here)


@dataclass
class LoadedFlee:
    scenario: FleeScenario
    source: str
    kind: str                                  # "folder", "yaml" or "synthetic"
    locate: Callable[[tuple], str]
    base_dir: Path | None
    warnings: list[str] = field(default_factory=list)
    ignored_settings: list[str] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Hash of the case as run (after overrides), independent of its file layout."""
        blob = json.dumps(self.scenario.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()


def load_flee(source: str | Path | None, overrides: dict | None = None, input_csv=None, source_data=None,
              settings=None) -> LoadedFlee:
    """A Flee folder (or its parts given separately) or a `model: flee` YAML."""
    path = Path(source) if source is not None else None
    if path is not None and path.is_file():
        if input_csv or source_data or settings:
            raise InputFileError(f"{path}: --input-csv/--source-data/--settings apply to Flee folders, not to a YAML scenario\n"
                                 "    hint: edit the YAML, or point at the folder instead")
        return load_flee_yaml(path, overrides)
    if path is not None and not path.exists() and not input_csv:
        raise InputFileError(f"{path}: not found\n    hint: give a Flee folder (input_csv/, source_data/, simsetting.yml) "
                             "or a scenario YAML written by `borderlab flee convert`")
    result = read_flee_folder(path, input_csv=input_csv, source_data=source_data, settings=settings, overrides=overrides)
    warnings = result.warnings + validation_notes(result.scenario, None, result.locator.locate)
    return LoadedFlee(result.scenario, str(path if path is not None else input_csv), "folder", result.locator.locate,
                      None, warnings, result.ignored_settings, dict(overrides or {}))


def validation_notes(sc: FleeScenario, base_dir: Path | None, locate) -> list[str]:
    """Warnings from building the UNHCR tables (Flee behaviour matched on odd input, such as
    a registration correction after a 0). Their errors are left to the run, which reports
    them together with the conflicts table's."""
    from .validation import build_validation
    try:
        return build_validation(sc, base_dir, locate).notes
    except ScenarioError:
        return []


def load_flee_yaml(path: Path, overrides: dict | None = None) -> LoadedFlee:
    data, lines = load_yaml(path)
    if not isinstance(data, dict) or data.get("model") != "flee":
        raise ScenarioError([Problem(lines.locate(("model",)) if isinstance(data, dict) else str(path),
                                     "not a Flee scenario (expected 'model: flee' at the top)",
                                     "write one with `borderlab flee convert FOLDER`, or run borderlab scenarios with `borderlab run`")])
    if overrides:
        if not isinstance(data.get("settings"), dict):
            data["settings"] = {}
        merge_overrides(data["settings"], overrides)
    try:
        sc = FleeScenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_yaml_problem(err, data, lines) for err in exc.errors()]) from None
    errors, notes = check_references(sc)
    if errors:
        raise ScenarioError([Problem(lines.locate(p), m, h) for p, m, h in errors])
    warnings = [f"{lines.locate(p)}: {m}" for p, m in notes] + validation_notes(sc, path.parent, lines.locate)
    return LoadedFlee(sc, str(path), "yaml", lines.locate, path.parent, warnings, [], dict(overrides or {}))


def _yaml_problem(err: dict, data, lines) -> Problem:
    path, node = [], data
    for part in err["loc"]:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        elif part == err["loc"][-1]:
            path.append(part)
    kind, msg, hint = err["type"], err["msg"].removeprefix("Value error, "), "fix the value (see docs/flee.md)"
    if kind == "extra_forbidden":
        msg = f"unknown field '{path[-1]}'"
        hint = "remove it or check its spelling (see docs/flee.md)"
    elif kind == "missing":
        msg = f"missing required field '{path[-1]}'"
        hint = "add it (a converted folder has every field)"
    elif kind.startswith(("date", "datetime")):
        msg = f"expected a date, got {err.get('input')!r}"
        hint = "write dates as YYYY-MM-DD"
    elif kind in ("float_parsing", "int_parsing", "int_from_float", "float_type", "int_type"):
        msg = f"expected a number, got {err.get('input')!r}"
    elif kind == "less_than_equal":
        hint = "days, counts, distances and other numbers are bounded: docs/guarantees.md lists the limits and how to raise them"
    return Problem(lines.locate(tuple(path)), msg, hint)
