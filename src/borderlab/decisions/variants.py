"""Variant files: a named list of changes to a base scenario (a counterfactual).

```yaml
name: early-route-bans
description: Airlines and transit states bar migrants from mid-August, not mid-November.
set:                                   # the paths `--set` takes, with YAML values
  defenders.PL.detection_k: 0.004
timeline:                              # edits of the base scenario's events, by event id
  - move: ban-turkey                   # the event (and its `until`) shifted to a new date
    to: 2021-08-15
  - change: pl-emergency               # new values for some of its fields
    values: {aid_access: 1.0}
  - remove: pl-pushback-law
  - add: {id: early-shelter, type: open_shelter, date: 2021-10-01, node: bruzgi, capacity: 2000}
```

A variant is checked against its base like a scenario: the file's own schema first, then
every edit (an unknown `set` path, an event id the base does not have, a date outside the
simulated period), then the edited scenario through the scenario schema and references —
every problem at once, each with the variant's file:line where the variant caused it.

How a variant reaches a run: as `--set` assignments (`Variant.assignments`), so a run spec
stays a small picklable value and runs on any Dask worker. Timeline edits become one
assignment `events=[…]` (the whole edited event list) placed first; the variant's `set`
values come after every other override, so the variant's value holds even where an
ensemble draws that parameter.

Ordering: an added or moved event is placed after every event dated on or before its new
date (events later in the list win where their days overlap, as in the base timeline).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from ..errors import InputFileError, Problem, ScenarioError
from ..scenario.loader import LoadedScenario, ParsedScenario, _translate, _with_default_tables, parse_scenario
from ..scenario.overrides import _pick, apply_overrides
from ..scenario.params import Strict
from ..scenario.yamlfile import LineMap, load_yaml

VARIANTS_DIR = "variants"  # next to a scenario.yaml: built-in variants, addressable by name
_EDIT_VERBS = ("add", "remove", "move", "change")


class TimelineEdit(Strict):
    """One edit of the base timeline: exactly one of add, remove, move (with `to`), change (with `values`)."""

    add: dict[str, Any] | None = Field(None, description="A new event, written as in the scenario's `events:`.")
    remove: str | None = Field(None, description="Id of an event to delete.")
    move: str | None = Field(None, description="Id of an event to shift to `to` (its `until` shifts with it).")
    to: dt.date | None = Field(None, description="move: the event's new date.")
    change: str | None = Field(None, description="Id of an event whose fields `values` replace.")
    values: dict[str, Any] | None = Field(None, description="change: field → new value.")
    note: str | None = None

    @model_validator(mode="after")
    def _one_verb(self):
        given = [v for v in _EDIT_VERBS if getattr(self, v) is not None]
        if len(given) != 1:
            raise ValueError(f"an edit has exactly one of {', '.join(_EDIT_VERBS)}; found "
                             f"{', '.join(given) if given else 'none'}")
        if (self.to is not None) != (self.move is not None):
            raise ValueError("`to` goes with `move` (move: EVENT_ID, to: DATE)")
        if (self.values is not None) != (self.change is not None):
            raise ValueError("`values` goes with `change` (change: EVENT_ID, values: {field: value})")
        if self.values is not None and {"id", "type", "date"} & set(self.values):
            raise ValueError("`change` cannot set id, type or date: use move for the date, remove + add for the rest")
        return self

    @property
    def verb(self) -> str:
        return next(v for v in _EDIT_VERBS if getattr(self, v) is not None)


class VariantFile(Strict):
    """The schema of a variant file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", description="Short name, used as the arm's label.")
    description: str = ""
    set_: dict[str, Any] = Field(default_factory=dict, alias="set",
                                 description="Parameter overrides: `--set` paths → YAML values.")
    timeline: list[TimelineEdit] = Field(default_factory=list)
    source: str | None = None
    note: str | None = None


def yaml_text(value) -> str:
    """`value` as one line of YAML that reads back as the same value (for `--set` texts)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=2**31 - 1, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


@dataclass
class Variant:
    """A parsed variant file: its changes, and where each was written (for error messages)."""

    spec: VariantFile
    path: Path
    lines: LineMap
    base: LoadedScenario | None = None  # set by `load_variant` once checked against it
    _assignments: list[str] = field(default_factory=list, repr=False)  # set by `load` for its base

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def description(self) -> str:
        return " ".join(self.spec.description.split())

    @property
    def has_timeline(self) -> bool:
        return bool(self.spec.timeline)

    def set_assignments(self) -> list[str]:
        """The `set:` entries as `path=value` texts."""
        return [f"{path}={yaml_text(value)}" for path, value in self.spec.set_.items()]

    def assignments(self) -> list[str]:
        """What a run spec needs to run this variant, as `--set` texts, in this order: the edited
        event list (if the timeline changes), then the `set` entries (put these last)."""
        return list(self._assignments)

    def apply(self, data: dict) -> dict:
        """The raw scenario `data` (parsed YAML) with this variant's changes (a copy; not validated)."""
        out, problems, _ = self._edit(copy.deepcopy(data), [])
        if problems:
            raise ScenarioError(problems)
        return out

    # -- checking against a base ------------------------------------------------------
    def load(self, base: ParsedScenario, overrides: list[str] | None = None) -> LoadedScenario:
        """The base with `overrides` (`--set` texts) and this variant applied, validated by the
        scenario schema; raises ScenarioError with every problem (variant lines where it caused them)."""
        data = copy.deepcopy(base.data)
        data, problems, lines = self._edit(data, list(overrides or []), base)
        if problems:  # check what could be applied too, so every problem is reported at once
            try:
                ParsedScenario(base.path, data, lines, base.file_sha256).load()
            except ScenarioError as exc:
                problems += [p for p in exc.problems if p not in problems]
            raise ScenarioError(problems)
        loaded = ParsedScenario(base.path, data, lines, base.file_sha256).load()
        loaded.overrides = [tuple(a.split("=", 1)) for a in (overrides or [])] + \
            [(p, v) for p, v in self.spec.set_.items()]
        return loaded

    def _edit(self, data: dict, base_overrides: list[str], base: ParsedScenario | None = None):
        """Apply timeline edits, base overrides, then `set`; return (data, problems, line map)."""
        problems: list[Problem] = []
        events = data.get("events") or []
        origin: list[tuple] = [("base", i) for i in range(len(events))]  # where each event's lines are
        if self.spec.timeline:
            if not isinstance(events, list):
                events = []
            start, end = data.get("start"), data.get("end")
            for j, edit in enumerate(self.spec.timeline):
                self._edit_one(j, edit, events, origin, start, end, problems)
            data["events"] = events
        self._assignments = ([f"events={yaml_text(events)}"] if self.spec.timeline else []) + self.set_assignments()
        if base_overrides:
            _with_default_tables(data)
            apply_overrides(data, base_overrides)  # checked when the base was opened
        set_paths: dict[tuple, tuple] = {}
        if self.spec.set_:
            _with_default_tables(data)
        for path, value in self.spec.set_.items():
            where = ("set", path)
            try:
                apply_overrides(data, [f"{path}={yaml_text(value)}"])
            except ScenarioError as exc:
                problems += [Problem(self.lines.locate(where), p.message.replace("--set ", ""),
                                     p.hint) for p in exc.problems]
                continue
            resolved = _resolve(data, path)
            if resolved is not None:
                set_paths[resolved] = where
        lines = _MergedLines(base.lines if base else LineMap(str(self.path)), self.lines, origin, set_paths)
        return data, problems, lines

    def _edit_one(self, j, edit: TimelineEdit, events: list, origin: list, start, end, problems) -> None:
        here = ("timeline", j)

        def bad(sub, msg, hint=""):
            problems.append(Problem(self.lines.locate(here + sub), msg, hint))

        def find(event_id) -> int | None:
            for k, ev in enumerate(events):
                if isinstance(ev, dict) and str(ev.get("id")) == str(event_id):
                    return k
            ids = [str(ev["id"]) for ev in events if isinstance(ev, dict) and ev.get("id") is not None]
            close = difflib.get_close_matches(str(event_id), ids, n=1)
            bad((edit.verb,), f"no event with id '{event_id}' in the base scenario",
                (f"did you mean '{close[0]}'? " if close else "")
                + ("events are named by their `id:`; " + (f"the base has: {', '.join(ids[:8])}{' …' if len(ids) > 8 else ''}"
                                                          if ids else "the base scenario's events have no ids; add `id:` to them")))
            return None

        def in_period(date, sub) -> bool:
            if isinstance(date, dt.date) and isinstance(start, dt.date) and isinstance(end, dt.date) \
                    and not start <= date <= end:
                bad(sub, f"date {date} is outside the simulated period {start} … {end}",
                    "pick a date inside the period (an event outside it would never act)")
                return False
            return True

        if edit.verb == "add":
            ev = copy.deepcopy(edit.add)
            if "id" in ev and any(isinstance(e, dict) and str(e.get("id")) == str(ev["id"]) for e in events):
                bad(("add", "id"), f"the base already has an event with id '{ev['id']}'", "choose another id, or use change")
                return
            if not in_period(ev.get("date"), ("add", "date")):
                return
            k = _position(events, ev.get("date"))
            events.insert(k, ev)
            origin.insert(k, ("variant", here + ("add",)))
            return
        k = find(getattr(edit, edit.verb))
        if k is None:
            return
        if edit.verb == "remove":
            events.pop(k)
            origin.pop(k)
        elif edit.verb == "change":
            events[k] = {**events[k], **copy.deepcopy(edit.values)}
            origin[k] = ("changed", origin[k], here + ("values",))
        elif edit.verb == "move":
            if not in_period(edit.to, ("to",)):
                return
            ev, src = events.pop(k), origin.pop(k)
            old = ev.get("date")
            ev = {**ev, "date": edit.to}
            if isinstance(old, dt.date) and isinstance(ev.get("until"), dt.date):
                ev["until"] = ev["until"] + (edit.to - old)
            pos = _position(events, edit.to)
            events.insert(pos, ev)
            origin.insert(pos, ("changed", src, here + ("to",)))


def _position(events: list, date) -> int:
    """Index after the last event dated on or before `date` (the end if dates are not comparable)."""
    if not isinstance(date, dt.date):
        return len(events)
    k = 0
    for i, ev in enumerate(events):
        d = ev.get("date") if isinstance(ev, dict) else None
        if isinstance(d, dt.date) and d <= date:
            k = i + 1
    return k


def _resolve(data, dotted: str) -> tuple | None:
    """The data path (keys and list indices) a `--set` path names, as `apply_overrides` picks it."""
    node, out = data, []
    for part in [p for p in dotted.split(".") if p]:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and (i := _pick(node, part)) is not None:
            out.append(i)
            node = node[i]
        else:
            return None
    return tuple(out)


class _MergedLines(LineMap):
    """Locates a problem in the edited scenario: in the variant file where the variant wrote
    that part (an added or changed event, a `set` value), otherwise in the base file."""

    def __init__(self, base: LineMap, variant: LineMap, origin: list[tuple], set_paths: dict[tuple, tuple]):
        super().__init__(base.filename)
        self.base, self.variant, self.origin, self.set_paths = base, variant, origin, set_paths

    def locate(self, path: tuple) -> str:
        path = tuple(path)
        for k in range(len(path), 0, -1):
            if path[:k] in self.set_paths:
                return self.variant.locate(self.set_paths[path[:k]])
        for written, where in self.set_paths.items():  # e.g. an unknown section the set created
            if path and written[:len(path)] == path:
                return self.variant.locate(where)
        if len(path) >= 2 and path[0] == "events" and isinstance(path[1], int) and path[1] < len(self.origin):
            src, rest = self.origin[path[1]], path[2:]
            if src[0] == "variant":
                return self.variant.locate(src[1] + rest)
            if src[0] == "changed":
                if rest and rest[0] in _changed_fields(self.variant, src[2]):
                    return self.variant.locate(src[2] + rest)
                if src[2][-1] == "to" and rest[:1] in (("date",), ("until",)):
                    return self.variant.locate(src[2])
                src = src[1]
            return self.base.locate(("events", src[1]) + rest)
        return self.base.locate(path)


def _changed_fields(variant: LineMap, values_path: tuple) -> set:
    """Field names written under a `change`'s values (from the variant's line map)."""
    n = len(values_path)
    return {p[n] for p in variant.lines if len(p) > n and p[:n] == values_path}


# -- finding and loading ------------------------------------------------------------
def builtin_variants(base: ParsedScenario | LoadedScenario) -> dict[str, Path]:
    """Variant files shipped next to the base scenario (SCENARIO_FOLDER/variants/*.yaml), by name."""
    folder = Path(base.path).parent / VARIANTS_DIR
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def resolve_variant(path_or_name: str | Path, base: ParsedScenario | LoadedScenario) -> Path:
    """A path to a variant file, or the name of one shipped with the base scenario."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    named = builtin_variants(base)
    if str(path_or_name) in named:
        return named[str(path_or_name)]
    choices = ", ".join(named) or "none"
    raise InputFileError(f"--variant {path_or_name}: no such file, and {Path(base.path).parent.name} has no variant of that name\n"
                         f"    hint: give the path to a variant YAML file, or one of this scenario's variants: {choices}")


def read_variant(path: str | Path) -> Variant:
    """Parse and schema-check a variant file (not yet checked against a base)."""
    data, lines = load_yaml(Path(path))
    if not isinstance(data, dict):
        raise ScenarioError([Problem(str(path), "a variant must be a YAML mapping with name, set and/or timeline",
                                     "see docs/decisions.md#variant-files")])
    try:
        spec = VariantFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_translate(exc, data, lines, root=VariantFile)) from None
    return Variant(spec, Path(path), lines)


def load_variant(path_or_name: str | Path, base: str | Path | ParsedScenario,
                 overrides: list[str] | None = None) -> Variant:
    """Read a variant (a file, or a name shipped with the base scenario) and check it against
    `base` with `overrides`; raises ScenarioError with every problem, each with file:line.

    The returned variant's `assignments()` are ready for run specs and `base` is the validated
    edited scenario."""
    parsed = base if isinstance(base, ParsedScenario) else parse_scenario(base)
    variant = read_variant(resolve_variant(path_or_name, parsed))
    variant.base = variant.load(parsed, overrides)
    return variant
