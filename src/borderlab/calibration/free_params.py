"""The parameters a scenario marks as free (`free: true` with a `range`), found by walking it.

Each is named by the `--set` path that reaches it (`defenders.PL.detection_k`,
`orchestrator.tactics.4.intensity`): list items by their id where one identifies them
uniquely, else by index — the same rule `scenario/overrides.py` follows, so a trial's values
are applied with the ordinary override mechanism.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from pydantic import BaseModel

from ..errors import Problem, ScenarioError
from ..scenario.params import Param

ID_KEYS = ("id", "code", "country", "node", "name")   # as scenario/overrides.py picks list items
LOG_SCALE_RATIO = 10.0   # a range spanning ≥ 10× (with a positive low end) is searched on a log scale


@dataclass(frozen=True)
class FreeParam:
    path: str
    value: float
    low: float
    high: float
    source: str | None = None
    confidence: str | None = None

    @property
    def log(self) -> bool:
        return self.low > 0 and self.high / self.low >= LOG_SCALE_RATIO


def find_free_params(scenario: BaseModel) -> list[FreeParam]:
    """Every `Param` with `free: true`, in file order, with its override path."""
    found: list[FreeParam] = []
    _walk(scenario, "", found)
    return found


def _walk(obj, prefix: str, found: list) -> None:
    if isinstance(obj, Param):
        if obj.free and obj.range is not None:
            found.append(FreeParam(prefix, float(obj.value), float(obj.range[0]), float(obj.range[1]),
                                   obj.source, obj.confidence))
        return
    if isinstance(obj, BaseModel):
        for name, info in type(obj).model_fields.items():
            _walk(getattr(obj, name), _join(prefix, info.alias or name), found)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _walk(value, _join(prefix, str(key)), found)
    elif isinstance(obj, (list, tuple)):
        ids = [_item_id(item) for item in obj]
        all_ids = [str(getattr(item, k)) for item in obj for k in ID_KEYS if isinstance(getattr(item, k, None), str)]
        for i, item in enumerate(obj):
            key = ids[i] if ids[i] is not None and all_ids.count(ids[i]) == 1 and not ids[i].lstrip("-").isdigit() else str(i)
            _walk(item, _join(prefix, key), found)


def _item_id(item) -> str | None:
    for k in ID_KEYS:
        v = getattr(item, k, None)
        if isinstance(v, str) and v and "." not in v and "=" not in v:
            return v
    return None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def select_params(params: list[FreeParam], patterns: list[str] | None, where: str) -> list[FreeParam]:
    """Keep the parameters whose path matches any glob in `patterns` (all if none given)."""
    if not params:
        raise ScenarioError([Problem(where, "no free parameters: nothing to calibrate",
                                     "mark uncertain parameters with `free: true` and a `range: [low, high]` "
                                     "(docs/studies.md, Calibration)")])
    if not patterns:
        return list(params)
    problems = [Problem(f"--only {p}", "matches no free parameter",
                        "free parameters: " + ", ".join(q.path for q in params[:12]) + (" …" if len(params) > 12 else ""))
                for p in patterns if not any(fnmatch.fnmatchcase(q.path, p) for q in params)]
    if problems:
        raise ScenarioError(problems)
    return [q for q in params if any(fnmatch.fnmatchcase(q.path, p) for p in patterns)]


def yaml_number(x: float) -> str:
    """A float as YAML 1.1 reads it back as a float (`1e-05` would be text; `1.0e-05` is not)."""
    text = repr(float(x))
    if "e" in text and "." not in text.split("e")[0]:
        mant, exp = text.split("e")
        text = f"{mant}.0e{exp}"
    return text


def as_overrides(values: dict[str, float]) -> list[str]:
    """`--set` assignments for a dict of path → value."""
    return [f"{path}={yaml_number(v)}" for path, v in values.items()]


def load_fit_target(scenario, until, patterns: list[str] | None):
    """The scenario to fit and its free parameters (matching `patterns`), with the cut-off
    checked against the period: shared by the Optuna calibration and the ABC posterior so
    that both refuse the same inputs with the same messages."""
    from ..scenario.loader import load_scenario

    loaded = load_scenario(scenario)
    sc = loaded.scenario
    if not sc.start <= until <= sc.end:
        raise ScenarioError([Problem("--until", f"cut-off {until} lies outside the scenario ({sc.start} → {sc.end})",
                                     "choose a date inside the simulated period, e.g. 2021-10-31")])
    return loaded, select_params(find_free_params(sc), patterns, str(loaded.path))
