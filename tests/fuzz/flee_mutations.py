"""Structure-aware mutations of the shared Flee folders (mali2012, burundi2015, car2013).

A case copies one folder (input_csv/, source_data/, simsetting.yml; a few hundred KB)
into its temporary root, changes one thing and runs `borderlab check {root}/case`, which
reads and validates the case as `borderlab flee run` does without simulating. The
expectation comes from the mutation alone:

- REJECT: NaN, ±inf, text or a number beyond the documented limits in a number column
  that is read, a required file deleted or not UTF-8, a broken name in routes.csv, a
  Length of 10⁹ days, a UNHCR count of 2.5×10¹², an alias bomb or a Python tag in
  simsetting.yml, `true` where a setting is a number;
- EITHER: deleted, duplicated or truncated rows, extreme finite values, unknown settings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import strategies as st

from fuzz_harness import EITHER, REJECT, Case
from scenario_mutations import NOT_A_NUMBER, TAGGED, alias_bomb, nested

SHARED_FLEE = Path(__file__).resolve().parents[3] / "shared" / "data" / "flee"
FOLDERS = ("mali2012", "burundi2015", "car2013")

# the number columns the reader reads (file → {column index: what}); conflict_date is
# read for conflict zones only, so it is left to EITHER
NUMBER_COLUMNS = {
    "input_csv/locations.csv": {3: "latitude", 4: "longitude", 7: "population"},
    "input_csv/routes.csv": {2: "distance"},
    "input_csv/closures.csv": {3: "closure_start", 4: "closure_end"},
}
REQUIRED = ("input_csv/locations.csv", "input_csv/routes.csv", "input_csv/sim_period.csv", "source_data/data_layout.csv",
            "simsetting.yml")
BAD_CELLS = ["nan", "inf", "-inf", "1e300", "lots", "9" * 30, "2.5e12", "1e9"]
ODD_CELLS = ["", "-1", "0", "1e-300", "  7 ", '"quoted"', "ñ-ü", "#", "x" * 3000, "1.5", "-0"]


def available() -> bool:
    return all((SHARED_FLEE / f / "input_csv").is_dir() for f in FOLDERS)


@lru_cache(maxsize=None)
def files_of(folder: str) -> tuple[str, ...]:
    root = SHARED_FLEE / folder
    return tuple(sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()))


@lru_cache(maxsize=None)
def read(folder: str, rel: str) -> bytes:
    return (SHARED_FLEE / folder / rel).read_bytes()


def rows(folder: str, rel: str) -> list[list[str]]:
    return list(csv.reader(read(folder, rel).decode("utf-8-sig").splitlines()))


def write_rows(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return buf.getvalue().encode("utf-8")


@lru_cache(maxsize=None)
def series_files(folder: str) -> list[str]:
    """The series files data_layout.csv names (others in source_data/ are never read)."""
    named = {f.strip() for r in rows(folder, "source_data/data_layout.csv") if r and not r[0].startswith("#") for f in r[1:]}
    return [f"source_data/{f}" for f in sorted(named) if f and f"source_data/{f}" in files_of(folder)]


def check_case(folder: str, label: str, files: dict, expect: str, extra_args: list[str] | None = None) -> Case:
    return Case(label=f"{folder}: {label}", args=["check", "{root}/case", *(extra_args or [])],
                files={f"case/{rel}": content for rel, content in files.items()},
                copy_from={"case": SHARED_FLEE / folder}, expect=expect)


@st.composite
def csv_mutations(draw) -> Case:
    """One cell, row or whole CSV file of a Flee folder changed."""
    folder = draw(st.sampled_from(FOLDERS))
    csvs = [f for f in files_of(folder) if f.endswith(".csv") and "demographics" not in f]
    rel = draw(st.sampled_from(csvs))
    table = rows(folder, rel)
    data_rows = [i for i, r in enumerate(table) if r and not r[0].lstrip().startswith("#")]
    op = draw(st.sampled_from(["cell", "cell", "cell", "delete-row", "duplicate-row", "drop-column", "file"]))
    if op == "file" or not data_rows:
        what = draw(st.sampled_from(["delete", "empty", "latin-1", "utf-16", "binary", "truncate"]))
        required = rel in REQUIRED or rel in series_files(folder)
        if not (rel.startswith("input_csv/") or rel in series_files(folder) or rel == "source_data/data_layout.csv"):
            return check_case(folder, f"{rel} (not read) replaced by binary", {rel: b"\x80\xff"}, EITHER)
        text = read(folder, rel).decode("utf-8-sig")
        if what == "delete":
            return check_case(folder, f"{rel} deleted", {rel: None}, REJECT if required else EITHER)
        if what == "empty":
            return check_case(folder, f"{rel} emptied", {rel: b""}, REJECT if required else EITHER)
        if what == "latin-1":
            return check_case(folder, f"{rel} in latin-1 with an accent", {rel: ("#Tombouctou, Ségou\n" + text).encode("latin-1", "replace")},
                              REJECT)
        if what == "utf-16":
            return check_case(folder, f"{rel} in UTF-16", {rel: text.encode("utf-16")}, REJECT)
        if what == "binary":
            return check_case(folder, f"{rel} binary", {rel: b"\x80\xff\x00" + draw(st.binary(max_size=300))}, REJECT)
        at = draw(st.integers(0, len(text)))
        return check_case(folder, f"{rel} truncated at {at}", {rel: text[:at].encode()}, EITHER)
    i = draw(st.sampled_from(data_rows))
    if op == "delete-row":
        del table[i]
        return check_case(folder, f"{rel}: row {i + 1} deleted", {rel: write_rows(table)}, EITHER)
    if op == "duplicate-row":
        table.insert(i, list(table[i]))
        return check_case(folder, f"{rel}: row {i + 1} duplicated", {rel: write_rows(table)}, EITHER)
    if op == "drop-column":
        if not table[i]:
            return check_case(folder, f"{rel}: unchanged", {}, EITHER)
        j = draw(st.integers(0, len(table[i]) - 1))
        del table[i][j]
        return check_case(folder, f"{rel}: row {i + 1} lost column {j + 1}", {rel: write_rows(table)}, EITHER)
    row = table[i]
    if not row:
        return check_case(folder, f"{rel}: unchanged", {}, EITHER)
    j = draw(st.integers(0, len(row) - 1))
    numeric = _is_read_number(folder, rel, table, i, j)
    bad = draw(st.booleans())
    new = draw(st.sampled_from(BAD_CELLS if bad else ODD_CELLS))
    expect = REJECT if numeric and bad and _out_of_bounds(rel, new) else EITHER
    row[j] = new
    return check_case(folder, f"{rel}: row {i + 1} column {j + 1} → {new[:20]!r}", {rel: write_rows(table)}, expect)


def _is_read_number(folder: str, rel: str, table, i: int, j: int) -> bool:
    """Is cell (i, j) a number the reader must read? (conflict columns: every one but #Day)."""
    if rel in NUMBER_COLUMNS:
        if rel.endswith("locations.csv") and j == 7 and not table[i][7].strip():
            return False  # an empty population is allowed; a value there must be a number
        return j in NUMBER_COLUMNS[rel]
    if rel == "input_csv/conflicts.csv":
        header = table[0] if table else []
        return i > 0 and 0 < j < len(header) and bool(header[j].strip())
    if rel == "input_csv/sim_period.csv":
        return j == 1 and table[i][0].strip().lower() == "length"
    if rel in series_files(folder):
        return j == 1 and _series_row(table[i])
    return False


def _series_row(row: list[str]) -> bool:
    """A row of a UNHCR series the reader reads: a date and a count, not a '#' comment."""
    return len(row) >= 2 and any(ch.isdigit() for ch in row[0]) and not row[0].lstrip().startswith("#") and bool(row[1].strip())


def _out_of_bounds(rel: str, cell: str) -> bool:
    """Is a BAD_CELLS value outside what this number column may hold? Counts, populations,
    Length and closure days are whole numbers (so '1e9' and '2.5e12' are not); coordinates,
    distances and counts have limits below 10³⁰; a conflict intensity may be large (≤ 10¹²)
    and a closure day may be any whole number (a day after the end never comes)."""
    if rel == "input_csv/conflicts.csv":
        return cell not in ("1e9",)
    if rel == "input_csv/closures.csv":
        return cell != "9" * 30
    return True


@st.composite
def flee_limit_cases(draw) -> Case:
    """The allocation class of issue 10: numbers a Flee case must refuse before allocating."""
    folder = draw(st.sampled_from(FOLDERS))
    op = draw(st.sampled_from(["length", "count", "population", "days"]))
    if op == "length":
        n = draw(st.sampled_from([10**9, 10**7, 3661, 10**18, 10**30]))
        body = rows(folder, "input_csv/sim_period.csv")
        body = [[r[0], str(n)] if r and r[0].strip().lower() == "length" else r for r in body]
        return check_case(folder, f"Length {n}", {"input_csv/sim_period.csv": write_rows(body)}, REJECT)
    if op == "count":
        rel = draw(st.sampled_from(series_files(folder)))
        table = rows(folder, rel)
        data = [i for i, r in enumerate(table) if _series_row(r)]
        if not data:
            return check_case(folder, "unchanged", {}, EITHER)
        i = draw(st.sampled_from(data))
        n = draw(st.sampled_from([2_500_000_000_000, 10**10, 10**20, 1_000_000_001]))
        table[i][1] = str(n)
        return check_case(folder, f"{rel}: count {n} on row {i + 1}", {rel: write_rows(table)}, REJECT)
    if op == "population":
        table = rows(folder, "input_csv/locations.csv")
        data = [i for i, r in enumerate(table) if len(r) >= 8 and not r[0].startswith("#")]
        i = draw(st.sampled_from(data))
        n = draw(st.sampled_from([10**10, 10**19, 10**40]))
        table[i][7] = str(n)
        return check_case(folder, f"population {n} on row {i + 1}", {"input_csv/locations.csv": write_rows(table)}, REJECT)
    # the UNHCR total pushed up so the run would need more agents than the people limit
    layout = rows(folder, "source_data/data_layout.csv")
    total = next(r[1].strip() for r in layout if r and r[0].strip() == "total")
    table = rows(folder, f"source_data/{total}")
    period = {r[0].strip(): r[1].strip() for r in rows(folder, "input_csv/sim_period.csv") if len(r) >= 2}
    start = dt.date.fromisoformat(period["StartDate"])
    end = str(start + dt.timedelta(days=int(period["Length"]) - 1))
    inside = [i for i, r in enumerate(table) if len(r) >= 2 and str(start) < r[0].strip() <= end]
    if len(inside) < 2:
        return check_case(folder, "unchanged", {}, EITHER)
    for i in inside[len(inside) // 2:]:   # a jump in mid-period: new agents, not a day-0 level
        table[i][1] = str(999_000_000)
    return check_case(folder, "UNHCR total 999,000,000 from mid-period (more agents than the people limit)",
                      {f"source_data/{total}": write_rows(table)}, REJECT)


# -- simsetting.yml -------------------------------------------------------------------------
@lru_cache(maxsize=None)
def settings_of(folder: str) -> str:
    return read(folder, "simsetting.yml").decode("utf-8")


@st.composite
def settings_mutations(draw) -> Case:
    folder = draw(st.sampled_from(FOLDERS))
    data = yaml.safe_load(settings_of(folder))
    keys = [(s, k) for s, body in data.items() if isinstance(body, dict) and s in ("move_rules", "spawn_rules", "optimisations")
            for k in body]
    op = draw(st.sampled_from(["number", "number", "extreme", "delete", "unknown", "bomb", "deep", "tag", "recursive", "text"]))
    section, key = draw(st.sampled_from(keys))
    value = data[section][key]
    where = f"{section}.{key}"
    expect = EITHER
    marker = "__FUZZ_VALUE__"
    if op == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        new, why = draw(st.sampled_from(NOT_A_NUMBER))
        data[section][key] = new
        label, expect = f"{where} → {why}", REJECT
    elif op == "extreme":
        new = draw(st.sampled_from([1e300, -1e300, -1, 0, 10**30, 2.5e12, 1e-300, None, [], {}, "x"]))
        data[section][key] = new
        label = f"{where} → {new!r}"
    elif op == "delete":
        del data[section][key]
        label = f"{where} deleted"
    elif op == "unknown":
        data[section]["zz_" + key] = value
        label = f"unknown key {section}.zz_{key}"
    elif op in ("bomb", "deep", "tag", "recursive"):
        data[section][key] = marker
        text = yaml.safe_dump(data, sort_keys=False)
        if op == "bomb":
            levels, width = draw(st.sampled_from([(9, 9), (30, 2), (6, 40)]))
            text, label = text.replace(marker, alias_bomb(levels, width)), f"alias bomb at {where}"
        elif op == "deep":
            depth = draw(st.sampled_from([1000, 5000, 50_000]))
            text, label = text.replace(marker, nested(depth, "list")), f"{depth}-deep nesting at {where}"
        elif op == "recursive":
            text, label = text.replace(marker, "&r [1, *r]"), f"recursive alias at {where}"
        else:
            tag, why, always = draw(st.sampled_from(TAGGED))
            text, label = text.replace(marker, tag), f"{why} at {where}"
            if not (always or isinstance(value, (int, float))):
                return check_case(folder, label, {"simsetting.yml": text.encode()}, EITHER)
        return check_case(folder, label, {"simsetting.yml": text.encode()}, REJECT)
    else:
        text = settings_of(folder)
        at = draw(st.integers(0, len(text)))
        return check_case(folder, f"simsetting.yml truncated at {at}", {"simsetting.yml": text[:at].encode()}, EITHER)
    return check_case(folder, label, {"simsetting.yml": yaml.safe_dump(data, sort_keys=False).encode()}, expect)


@st.composite
def agents_csv_cases(draw) -> Case:
    """agents.csv read on day 0: broken files are refused (a good one is tested by hand)."""
    folder = draw(st.sampled_from(FOLDERS))
    data = yaml.safe_load(settings_of(folder))
    data.setdefault("spawn_rules", {})["read_from_agents_csv_file"] = True
    names = [r[0] for r in rows(folder, "input_csv/locations.csv") if r and not r[0].startswith("#")]
    op = draw(st.sampled_from(["missing", "unknown-name", "binary", "empty"]))
    files = {"simsetting.yml": yaml.safe_dump(data, sort_keys=False).encode()}
    if op == "unknown-name":
        files["input_csv/agents.csv"] = ("#location,age\n" + f"{names[0]},20\nAtlantis,30\n").encode()
    elif op == "binary":
        files["input_csv/agents.csv"] = b"\x80\xff" + draw(st.binary(max_size=100))
    elif op == "empty":
        files["input_csv/agents.csv"] = b""
    return check_case(folder, f"agents.csv: {op}", files, REJECT)
