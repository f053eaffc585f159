"""Every parameter of a scenario with its value, range, source and confidence.

Walks the validated scenario (not the YAML), so defaults the user never wrote appear too;
list items are keyed by their id as in `--set` paths (docs/scenario-format.md). A row is
`contested` when its confidence says so or the schema marks the claim UNVERIFIED.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..scenario.params import Param, Schedule
from .inputs import as_scenario

_KEYS = ("id", "code", "country", "node")


def assumptions_rows(scenario) -> list[dict]:
    """One dict per parameter: path, value, range, unit, source, confidence, free, contested."""
    rows: list[dict] = []
    _walk(as_scenario(scenario), "", rows, unverified=False)
    return rows


def _walk(obj, path: str, rows: list[dict], unverified: bool) -> None:
    if isinstance(obj, Param):
        rows.append(_row(path, obj.value, obj.range, obj, unverified, free=obj.free))
    elif isinstance(obj, Schedule):
        value = obj.value if not obj.points else \
            f"{obj.value:g}, then " + ", ".join(f"{p.value:g} from {p.date}" for p in obj.points)
        sources = [obj.source] + [p.source for p in obj.points]
        rows.append(_row(path, value, None, obj, unverified, source="; ".join(dict.fromkeys(s for s in sources if s))))
    elif isinstance(obj, BaseModel):
        unverified = unverified or "UNVERIFIED" in (type(obj).__doc__ or "")
        for name in type(obj).model_fields:
            _walk(getattr(obj, name), f"{path}.{name}" if path else name, rows, unverified)
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            key = next((getattr(item, k) for k in _KEYS if isinstance(getattr(item, k, None), str)), i)
            _walk(item, f"{path}.{key}", rows, unverified)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _walk(v, f"{path}.{k}", rows, unverified)


def _row(path, value, rng, obj, unverified: bool, free: bool = False, source: str | None = None) -> dict:
    confidence = obj.confidence or ""
    return {"path": path, "value": value, "range": list(rng) if rng else None, "unit": obj.unit or "",
            "source": source if source is not None else (obj.source or ""), "confidence": confidence,
            "free": free, "contested": confidence == "contested" or unverified}
