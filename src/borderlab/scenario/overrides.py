"""`--set path=value` overrides, applied to the raw scenario data before validation.

Paths are dotted; list items are picked by their id (or code, country, node) or by index:
`defenders.PL.detection_k=0.4`, `segments.PL-kuznica.length_km=25`, `transit.capital_dwell_days=3`.
Setting a parameter written as `{value: …, range: …}` changes only its value.
"""

from __future__ import annotations

import copy
import difflib

import yaml

from ..errors import Problem, ScenarioError
from .yamlfile import _dotted, safe_load

_ID_KEYS = ("id", "code", "country", "node", "name")


def _pick(items: list, key: str):
    for i, item in enumerate(items):
        if isinstance(item, dict) and any(str(item.get(k)) == key for k in _ID_KEYS):
            return i
    if key.lstrip("-").isdigit() and -len(items) <= int(key) < len(items):
        return int(key)
    return None


HINT = "write PATH=VALUE with a dotted path, e.g. --set defenders.PL.detection_k=0.4"


def parse_assignment(text: str) -> tuple[str, object]:
    """'a.b=value' → ('a.b', value parsed as YAML). Raises ScenarioError naming the problem."""
    if "=" not in text:
        raise ScenarioError([Problem(f"--set {text}", "expected PATH=VALUE", HINT)])
    path, raw = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError([Problem(f"--set {text}", "no path before '='", HINT)])
    if any(not part.strip() for part in path.split(".")):
        raise ScenarioError([Problem(f"--set {text}", f"the path '{path}' has an empty part (a leading, "
                                     "trailing or doubled '.')", HINT)])
    try:
        value = safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_overrides(data: dict, assignments: list[str],
                    resolved: list[tuple[tuple, str]] | None = None) -> list[tuple[str, object]]:
    """Edit `data` in place; return the (path, value) pairs applied. Every problem names the
    `--set`; `resolved` (if given) receives each override's data path (list items as
    indices) and its text, so schema errors in a set value can name the `--set`."""
    applied, problems = [], []
    for text in assignments:
        try:
            path, value = parse_assignment(text)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        parts = [p.strip() for p in path.split(".")]
        node, ok, at = data, True, []
        for depth, part in enumerate(parts[:-1]):
            nxt = None
            if isinstance(node, dict) and part in node:
                nxt = node[part]
            elif isinstance(node, dict):
                unknown = _unknown_field(data, tuple(at), part, ".".join(parts[:depth]))
                if unknown:
                    problems.append(Problem(f"--set {text} ({_dotted(tuple(at) + (part,))})", *unknown))
                    ok = False
                    break
                # a section left out of the file (all defaults, e.g. orchestrator.trained_groups):
                # create it; the schema fills the rest and names any misspelt key
                nxt = node[part] = _default_table(data, tuple(at), part)
            elif isinstance(node, list):
                i = _pick(node, part)
                nxt = node[i] if i is not None else None
                part = i
            if nxt is None:
                where = ".".join(parts[:depth]) or "the top level"
                problems.append(Problem(f"--set {text}", f"nothing called '{parts[depth]}' under {where}",
                                        "check the path against `borderlab check --show` or docs/scenario-format.md"))
                ok = False
                break
            at.append(part)
            node = nxt
        if not ok:
            continue
        last = parts[-1]
        if isinstance(node, list):
            i = _pick(node, last)
            if i is None:
                problems.append(Problem(f"--set {text}", f"no item '{last}' in the list at {'.'.join(parts[:-1])}",
                                        "use an id or an index"))
                continue
            node[i] = value
            at.append(i)
        elif isinstance(node, dict):
            if last not in node:
                unknown = _unknown_field(data, tuple(at), last, ".".join(parts[:-1]))
                if unknown:
                    problems.append(Problem(f"--set {text} ({_dotted(tuple(at) + (last,))})", *unknown))
                    continue
            current = node.get(last)
            if isinstance(current, dict) and "value" in current and not isinstance(value, dict):
                current["value"] = value
            else:
                node[last] = value
            at.append(last)
        else:
            problems.append(Problem(f"--set {text}", f"'{'.'.join(parts[:-1])}' is a plain value, it has no field '{last}'",
                                    "set the value itself, or check the path with `borderlab check --show`"))
            continue
        applied.append((path, value))
        if resolved is not None:
            resolved.append((tuple(at), text))
    if problems:
        raise ScenarioError(problems)
    return applied


def _unknown_field(data: dict, at: tuple, key: str, shown: str) -> tuple[str, str] | None:
    """(message, hint) if the schema object at `at` has no field `key`; None if it has, or
    if the place takes free keys (a table such as terrains or speeds_km_per_day)."""
    from .loader import _model_at  # the loader imports this module

    model = _model_at(at, data)
    if model is None:
        return None
    fields = {name.rstrip("_") for name in model.model_fields}
    if key in fields:
        return None
    close = difflib.get_close_matches(key, sorted(fields), n=1)
    where = shown or "the top level"
    return (f"unknown field '{key}' under {where}",
            (f"did you mean '{close[0]}'? " if close else "") + f"fields here: {', '.join(sorted(fields))}")


def _default_table(data: dict, at: tuple, key: str) -> dict:
    """What a section left out of the file starts as: a copy of its default table (so
    `--set transit.speeds_km_per_day.walk=30` keeps the other speeds), else empty."""
    from .loader import _model_at

    model = _model_at(at, data)
    info = model.model_fields.get(key) if model is not None else None
    try:
        default = info.get_default(call_default_factory=True) if info is not None else None
    except TypeError:  # a factory that needs the validated data: start empty
        default = None
    return copy.deepcopy(default) if isinstance(default, dict) else {}
