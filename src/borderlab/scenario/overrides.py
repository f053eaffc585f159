"""`--set path=value` overrides, applied to the raw scenario data before validation.

Paths are dotted; list items are picked by their id (or code, country, node) or by index:
`defenders.PL.detection_k=0.4`, `segments.PL-kuznica.length_km=25`, `transit.capital_dwell_days=3`.
Setting a parameter written as `{value: …, range: …}` changes only its value.
"""

from __future__ import annotations

import yaml

from ..errors import Problem, ScenarioError
from .yamlfile import safe_load

_ID_KEYS = ("id", "code", "country", "node", "name")


def _pick(items: list, key: str):
    for i, item in enumerate(items):
        if isinstance(item, dict) and any(str(item.get(k)) == key for k in _ID_KEYS):
            return i
    if key.lstrip("-").isdigit() and -len(items) <= int(key) < len(items):
        return int(key)
    return None


def parse_assignment(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise ScenarioError([Problem(f"--set {text}", "expected PATH=VALUE", "e.g. --set defenders.PL.detection_k=0.4")])
    path, raw = text.split("=", 1)
    try:
        value = safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return path.strip(), value


def apply_overrides(data: dict, assignments: list[str]) -> list[tuple[str, object]]:
    """Edit `data` in place; return the (path, value) pairs applied. Errors name the path."""
    applied, problems = [], []
    for text in assignments:
        try:
            path, value = parse_assignment(text)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        parts = [p for p in path.split(".") if p]
        node, ok = data, bool(parts)
        for depth, part in enumerate(parts[:-1]):
            nxt = None
            if isinstance(node, dict) and part in node:
                nxt = node[part]
            elif isinstance(node, dict):
                # a section left out of the file (all defaults, e.g. orchestrator.trained_groups):
                # create it; the schema fills the rest and names any misspelt key
                nxt = node[part] = {}
            elif isinstance(node, list):
                i = _pick(node, part)
                nxt = node[i] if i is not None else None
            if nxt is None:
                where = ".".join(parts[:depth]) or "the top level"
                problems.append(Problem(f"--set {path}", f"nothing called '{part}' under {where}",
                                        "check the path against `borderlab check --show` or docs/scenario-format.md"))
                ok = False
                break
            node = nxt
        if not ok:
            continue
        last = parts[-1]
        if isinstance(node, list):
            i = _pick(node, last)
            if i is None:
                problems.append(Problem(f"--set {path}", f"no item '{last}' in the list", "use an id or an index"))
                continue
            node[i] = value
        elif isinstance(node, dict):
            current = node.get(last)
            if isinstance(current, dict) and "value" in current and not isinstance(value, dict):
                current["value"] = value
            else:
                node[last] = value
        else:
            problems.append(Problem(f"--set {path}", "cannot set a field inside a plain value", ""))
            continue
        applied.append((path, value))
    if problems:
        raise ScenarioError(problems)
    return applied
