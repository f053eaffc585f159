"""Built-in scenarios shipped with the package; a path to a YAML file works wherever a name does."""

from __future__ import annotations

from pathlib import Path

import yaml

from .yamlfile import safe_load

SCENARIO_ROOT = Path(__file__).resolve().parent.parent / "scenarios"


def builtin_names() -> list[str]:
    return sorted(p.parent.name for p in SCENARIO_ROOT.glob("*/scenario.yaml"))


def describe_builtins() -> list[tuple[str, str, Path]]:
    """(name, one-line description, path) of each built-in scenario."""
    out = []
    for name in builtin_names():
        path = SCENARIO_ROOT / name / "scenario.yaml"
        try:
            desc = (safe_load(path.read_text(encoding="utf-8")) or {}).get("description", "")  # the one bounded loader
        except yaml.YAMLError:
            desc = "(unreadable)"
        out.append((name, " ".join(str(desc).split())[:100], path))
    return out


def resolve(name_or_path: str | Path) -> Path:
    """A built-in name → its scenario.yaml; anything else is taken as a path."""
    text = str(name_or_path)
    if text in builtin_names():
        return SCENARIO_ROOT / text / "scenario.yaml"
    path = Path(text)
    if path.is_dir() and (path / "scenario.yaml").exists():
        return path / "scenario.yaml"
    return path
