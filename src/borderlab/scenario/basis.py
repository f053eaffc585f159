"""What a tactic phase, event or schedule step rests on: timeline rows, data rows, or a
stated assumption with its source.

A regime change in a forecast should come from the timeline (a ban, a law, a closure),
not from a phase fitted on summer running on into winter. `basis:` makes that link
checkable: a timeline row is cited by its date (`2021-11-18`), or — where several rows
share a date — by `date/N`, the N-th of them in file order (`2021-11-18/2`); data rows by
their id (`B21-0112`). The loader checks that every cited row exists (`check_basis`);
`missing_basis` and `uncited_rows` let a scenario's tests demand full coverage.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import typing
from pathlib import Path

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _as_text(v):
    # YAML reads a bare 2021-11-18 as a date; a row reference is text
    return v.isoformat() if isinstance(v, dt.date) else v


RowRef = Annotated[str, BeforeValidator(_as_text)]


class Basis(BaseModel):
    """Timeline rows, data rows, and/or an assumption (with a source) behind a choice."""

    model_config = ConfigDict(extra="forbid")  # as params.Strict (which imports this module)

    timeline: list[RowRef] = Field(
        default_factory=list,
        description="Rows of the scenario's `timeline:` file: `YYYY-MM-DD`, or `YYYY-MM-DD/N` (the N-th row "
                    "of that date, in file order) where a date has several rows.")
    data: list[str] = Field(default_factory=list, description="Row ids of the `observed:` file (e.g. B21-0112).")
    assumption: str | None = Field(None, description="What is assumed where no row fixes the choice; needs a source.")
    source: str | None = Field(None, description="Where the assumption comes from (URL, citation, seed file).")

    @model_validator(mode="after")
    def _says_something(self):
        if not (self.timeline or self.data or self.assumption):
            raise ValueError("an empty basis: cite timeline rows, data rows, or state an assumption")
        if self.assumption and not (self.source or self.timeline or self.data):
            raise ValueError("an assumption needs a source (source:, or the timeline/data rows it rests on)")
        return self


# -- the rows a basis may cite ------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _read_csv(path: str, stamp: tuple) -> tuple[dict, ...]:
    with open(path, newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def read_rows(path: Path) -> list[dict]:
    """The CSV's rows (cached per file version)."""
    st = path.stat()
    return list(_read_csv(str(path), (st.st_mtime_ns, st.st_size)))


def timeline_ids(rows: list[dict]) -> dict[str, dict]:
    """Row id → row: the date where it is unique, `date/N` always (N from 1)."""
    by_date: dict[str, list[dict]] = {}
    for r in rows:
        by_date.setdefault(r["date"], []).append(r)
    out = {}
    for date, same in by_date.items():
        if len(same) == 1:
            out[date] = same[0]
        for n, r in enumerate(same, 1):
            out[f"{date}/{n}"] = r
    return out


def _holds_models(tp) -> bool:
    """Whether a field of this type can hold schema objects (so a `basis` may lie below)."""
    args = typing.get_args(tp)
    if not args:
        return isinstance(tp, type) and issubclass(tp, BaseModel)
    return any(_holds_models(a) for a in args)


@functools.lru_cache(maxsize=None)
def _fields_to_walk(cls) -> tuple[str, ...]:
    return tuple(n for n, f in cls.model_fields.items() if n == "basis" or _holds_models(f.annotation))


def _bases(obj, path=()):
    """(field path, basis) for every `basis` anywhere in a validated scenario."""
    if isinstance(obj, BaseModel):
        for name in _fields_to_walk(type(obj)):
            v = getattr(obj, name)
            if name == "basis" and isinstance(v, Basis):
                yield path + ("basis",), v
            elif v is not None:
                yield from _bases(v, path + (name,))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _bases(v, path + (i,))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _bases(v, path + (k,))


def _file_rows(sc, folder: Path, key: str, out: list) -> list[dict] | None:
    rel = getattr(sc, key)
    if not rel:
        return None
    path = folder / rel
    try:
        return read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        out.append(((key,), f"cannot read {rel}: {exc}", f"put the CSV next to the scenario, or fix `{key}:`"))
        return []


def check_basis(sc, folder: Path) -> list[tuple[tuple, str, str]]:
    """(field path, message, hint) for every cited row that does not exist."""
    out: list[tuple[tuple, str, str]] = []
    bases = list(_bases(sc))
    if not bases:
        return out
    t_rows = _file_rows(sc, folder, "timeline", out)
    d_rows = _file_rows(sc, folder, "observed", out)
    t_ids = timeline_ids(t_rows) if t_rows else {}
    d_ids = {r.get("id") for r in d_rows or []}
    for path, b in bases:
        for i, ref in enumerate(b.timeline):
            if t_rows is None:
                out.append((path + ("timeline", i), f"cites timeline row {ref} but the scenario names no timeline file",
                            "add `timeline: inputs/timeline.csv` at the top level"))
            elif ref not in t_ids:
                out.append((path + ("timeline", i), f"no timeline row {ref}", _timeline_hint(ref, t_ids)))
        for i, ref in enumerate(b.data):
            if d_rows is None:
                out.append((path + ("data", i), f"cites data row {ref} but the scenario names no observed file",
                            "add `observed: inputs/observed.csv` at the top level"))
            elif ref not in d_ids:
                close = difflib.get_close_matches(ref, sorted(i for i in d_ids if i), n=3)
                out.append((path + ("data", i), f"no row with id {ref} in {sc.observed}",
                            f"did you mean {', '.join(close)}?" if close else "use an id from the `id` column"))
    return out


def _timeline_hint(ref: str, ids: dict[str, dict]) -> str:
    date = ref.split("/", 1)[0]
    same = sorted(k for k in ids if k.startswith(date + "/"))
    if len(same) > 1 and ref == date:
        return f"{date} has {len(same)} rows; cite one: " + "; ".join(
            f"{k} ({ids[k]['event'][:50]})" for k in same)
    if same:
        return "rows of that date: " + ", ".join(k for k in (same if len(same) > 1 else [date]))
    dates = sorted({k.split("/", 1)[0] for k in ids})
    try:
        day = dt.date.fromisoformat(date)
        close = sorted(sorted(dates, key=lambda d: abs((dt.date.fromisoformat(d) - day).days))[:2])
    except ValueError:
        close = difflib.get_close_matches(date, dates, n=2)
    return f"no row on {date}" + (f"; nearest dates: {', '.join(close)}" if close else "") + \
        " (a row is cited by its `date`, or `date/N` where a date has several rows)"


# -- coverage, for a scenario's own tests --------------------------------------------
def missing_basis(sc) -> list[str]:
    """Tactic phases and events that cite nothing (neither rows nor an assumption)."""
    out = [f"orchestrator.tactics.{i} ({t.start} {t.tactic})" for i, t in enumerate(sc.orchestrator.tactics)
           if t.basis is None]
    out += [f"events.{i} ({e.date} {e.type})" for i, e in enumerate(sc.events) if e.basis is None]
    return out


def dated_without_basis(sc, after: dt.date) -> list[str]:
    """Dated steps (schedule points, barrier points, events, phases) after `after` that cite
    nothing: a choice beyond the training window must say what it rests on."""
    out = []

    def walk(obj, path):
        if isinstance(obj, BaseModel):
            fields = type(obj).model_fields
            when = getattr(obj, "date", None) if "date" in fields else getattr(obj, "start", None) if "start" in fields else None
            if "basis" in fields and isinstance(when, dt.date) and when > after and obj.basis is None:
                out.append(".".join(map(str, path)) + f" ({when})")
            for name in fields:
                if name != "basis":
                    walk(getattr(obj, name), path + (name,))
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                walk(v, path + (i,))
        elif isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, path + (k,))

    walk(sc, ())
    return out


def cited_timeline_rows(sc) -> set[str]:
    """Every timeline row id cited anywhere in the scenario, by `date/N` (a unique date
    counts as `date/1`)."""
    cited = set()
    for _, b in _bases(sc):
        for ref in b.timeline:
            cited.add(ref if "/" in ref else f"{ref}/1")
    return cited


def uncited_rows(sc, folder: Path) -> list[str]:
    """Timeline rows dated inside the run that nothing in the scenario cites."""
    rows = read_rows(folder / sc.timeline)
    cited = cited_timeline_rows(sc)
    out = []
    for rid, r in timeline_ids(rows).items():
        if "/" in rid and rid not in cited and sc.start <= dt.date.fromisoformat(r["date"]) <= sc.end:
            out.append(f"{rid}: {r['event']}")
    return out
