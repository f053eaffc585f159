"""Numbers in the scenario schema: never true/false, always within the limits.

Two checks every schema object (`params.Strict`) runs on every field, so that no field
can be forgotten — a new count added to an event gets its bound by its name here:

- `refuse_bool_as_number`: YAML `true` would otherwise be taken as 1 by a float field;
- `check_field_limits`: counts (seats, guards, places, people) and lengths (km) have their
  own bound from scenario/limits.py, every other number the general `max_value`.

NaN and infinity are refused by the schema config (`allow_inf_nan=False`).
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing

from .limits import limit, over_limit

# field name → the limit that bounds it (every other number: max_value)
COUNT_FIELDS = frozenset({
    "weekly_seats", "seats", "border_guards", "troops", "transport_capacity",
    "reception_capacity", "capacity", "intake_per_day",
})
PEOPLE_FIELDS = frozenset({"count"})
KM_FIELDS = frozenset({"km", "length_km"})
UNBOUNDED_FIELDS = frozenset({"seed"})  # any 64-bit seed is a valid seed


@functools.lru_cache(maxsize=None)
def limit_for(field: str) -> str | None:
    if field in UNBOUNDED_FIELDS:
        return None
    if field in COUNT_FIELDS:
        return "max_count"
    if field in PEOPLE_FIELDS:
        return "max_people"
    if field in KM_FIELDS:
        return "max_km"
    return "max_value"


def _numbers(v) -> list[float]:
    """The numbers a validated field value carries: a number, a Param (value and range), a
    Schedule (all its values), or a dict/list/tuple of numbers. Models check their own."""
    if isinstance(v, bool):
        return []
    if isinstance(v, (int, float)):
        return [v]
    if hasattr(v, "all_values"):
        return v.all_values()
    if hasattr(v, "value") and hasattr(v, "range"):
        return [v.value] + list(v.range or ())
    if isinstance(v, dict):
        return [x for x in v.values() if isinstance(x, (int, float)) and not isinstance(x, bool)]
    if isinstance(v, (list, tuple)):
        return [x for x in v if isinstance(x, (int, float)) and not isinstance(x, bool)]
    return []


def check_field_limits(field: str, v):
    if v is None or isinstance(v, (str, bool, dt.date)):
        return v  # the common case, first: most fields hold no number
    name = limit_for(field)
    if name is None:
        return v
    cap = limit(name)
    for x in _numbers(v):
        if abs(x) > cap:
            raise ValueError(over_limit(name, field, x))
    return v


@functools.lru_cache(maxsize=None)
def _numeric_shape(model: type, field: str) -> str:
    """'number' for a float/int field, 'container' for a dict/list/tuple of numbers,
    '' otherwise (models, text, dates, anything that may legitimately hold true/false)."""
    info = model.model_fields.get(field)
    if info is None:
        return ""
    return _shape(info.annotation)


def _shape(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _shape(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        shapes = {_shape(a) for a in typing.get_args(tp) if a is not type(None)}
        return shapes.pop() if len(shapes) == 1 else ""
    if tp in (int, float):
        return "number"
    if origin in (dict, list, tuple):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        return "container" if args and _shape(args[-1]) == "number" and all(
            _shape(a) == "number" for a in (args if origin is not dict else args[1:])) else ""
    return ""


def refuse_bool_as_number(model: type, data):
    """Turn true/false given where a number is expected into the text 'true'/'false', so
    the field's own number parsing refuses it at its exact path ("expected a number, got
    'true'"). A model-level hook, because pydantic forbids field hooks that run before the
    event `type` discriminator."""
    if not isinstance(data, dict) or not any(isinstance(v, (bool, dict, list, tuple)) for v in data.values()):
        return data
    out = None
    for key, v in data.items():
        shape = _numeric_shape(model, key)
        if not shape:
            continue
        if shape == "number" and isinstance(v, bool):
            new = _as_text(v)
        elif shape == "container" and isinstance(v, dict) and any(isinstance(x, bool) for x in v.values()):
            new = {k: _as_text(x) for k, x in v.items()}
        elif shape == "container" and isinstance(v, (list, tuple)) and any(isinstance(x, bool) for x in v):
            new = [_as_text(x) for x in v]
        else:
            continue
        out = dict(data) if out is None else out
        out[key] = new
    return data if out is None else out


def _as_text(x):
    return ("true" if x else "false") if isinstance(x, bool) else x
