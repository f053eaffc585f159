"""What a report reads from an output folder: the manifest, JSON files, the scenario, the
observed figures — each read tolerantly where a part is optional, strictly where it is not."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import BorderlabError, InputFileError


def read_json(path: Path, required: bool = False):
    """A JSON file's content; None when it is absent and not required."""
    path = Path(path)
    if not path.is_file():
        if required:
            raise InputFileError(f"{path}: missing\n    hint: the folder is unfinished or not a borderlab output; rerun the command")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{path}: unreadable JSON ({exc})\n    hint: rerun the command to rewrite the folder") from None


def scenario_of_manifest(manifest: dict):
    """The scenario as run: the manifest's resolved copy (runs), or its file loaded again with
    the same overrides (studies); None when neither is at hand (a moved scenario file)."""
    from ..scenario.schema import Scenario

    resolved = manifest.get("scenario_resolved")
    if isinstance(resolved, dict):
        try:
            return Scenario.model_validate(resolved)
        except ValueError:
            pass
    from ..scenario.loader import load_scenario

    for key in ("scenario_file", "scenario", "source"):
        name = manifest.get(key)
        if not isinstance(name, str) or not name:
            continue
        overrides = manifest.get("overrides") or []
        overrides = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, dict) else list(overrides)
        try:
            return load_scenario(name, overrides).scenario
        except (BorderlabError, OSError):
            continue
    return None


def observations_of(data) -> list:
    """The observed figures the run's scenario names (none when it names none or they are gone)."""
    from ..analysis.observations import load_observations, resolve_conflicts
    from ..analysis.run_data import observations_path

    try:
        return resolve_conflicts([o for o in load_observations(observations_path(data)) if o.role != "input"])
    except BorderlabError:
        return []
