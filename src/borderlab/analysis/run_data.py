"""The simulated series validation needs, from a run folder, an ensemble folder or memory.

A run folder (`borderlab run`) holds `daily.parquet` (date, scope, metric, value) and
`manifest.json`; an ensemble folder holds `quantiles.parquet` (date, scope, metric, q05,
q25, q50, q75, q95), `manifest.json` and usually its member runs (`runs/run-*.parquet`).
Either becomes a `RunData`: one central daily series per (metric, scope) — the value, or
the ensemble median q50 — plus, for ensembles, the daily quantile bands and, when they
are read, the member runs (so sums over a period get exact quantiles). It answers
`series(metric, scope)` like `Results`, so the observation helpers work on it unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..engine.calendar import Calendar
from ..errors import BorderlabError, InputFileError
from ..scenario.registry import builtin_names, resolve

QUANTILES = ("q05", "q25", "q50", "q75", "q95")
LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
MEMBER_DIR = "runs"          # an ensemble's member runs, one Parquet file each
RUN_FILE, ENSEMBLE_FILE, MANIFEST = "daily.parquet", "quantiles.parquet", "manifest.json"


@dataclass
class RunData:
    """Central daily series (and ensemble bands) of one run or ensemble."""

    kind: str                                   # "run", "ensemble" or "memory"
    calendar: Calendar
    central: dict[tuple[str, str], np.ndarray]
    bands: dict[tuple[str, str], dict[str, np.ndarray]] = field(default_factory=dict)
    folder: Path | None = None
    manifest: dict = field(default_factory=dict)
    members: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # ensemble: runs × days

    def series(self, metric: str, scope: str = "all") -> np.ndarray:
        """The central daily series; KeyError if the run has no such series."""
        try:
            return self.central[(metric, scope)]
        except KeyError:
            raise KeyError(f"no series {metric}@{scope}") from None

    def band(self, metric: str, scope: str) -> dict[str, np.ndarray]:
        """{q05: …, q95: …} for an ensemble, {} for a single run."""
        return self.bands.get((metric, scope), {})

    def dates(self) -> np.ndarray:
        return self.calendar.dates()

    def window(self, metric: str, scope: str, a: int, b: int) -> tuple[float, dict[str, float]]:
        """The series summed over days a…b, and its band: for an ensemble whose member runs
        are at hand, the quantiles of the members' sums (exact); otherwise the sums of the
        daily quantiles (an approximation: the median of a sum is not the sum of medians)."""
        m = self.members.get((metric, scope))
        if m is not None and len(m):
            band = dict(zip(QUANTILES, (float(x) for x in np.quantile(m[:, a : b + 1].sum(axis=1), LEVELS))))
            return band["q50"], band
        band = {q: float(arr[a : b + 1].sum()) for q, arr in self.band(metric, scope).items()}
        return float(self.series(metric, scope)[a : b + 1].sum()), band

    def member_sums(self, metric: str, scope: str, a: int, b: int) -> np.ndarray | None:
        """Each member run's series summed over days a…b (what proper scores need), or None
        when the member runs are not at hand (a single run, or an ensemble read without them)."""
        m = self.members.get((metric, scope))
        if m is None or not len(m):
            return None
        return m[:, a : b + 1].sum(axis=1)

    def load_members(self, keys: set[tuple[str, str]]) -> None:
        """Read the ensemble's member runs (OUT/runs/run-*.parquet: date, scope, metric, value,
        run_id) for `keys`, if the folder has them; a plain run folder has none."""
        if self.kind != "ensemble" or self.folder is None:
            return
        files = sorted((self.folder / MEMBER_DIR).glob("run-*.parquet"))
        if not files:
            return
        metrics = {m for m, _ in keys}
        tables = [_read_table(f, ["date", "scope", "metric", "value", "run_id"], metrics) for f in files]
        table = pa.concat_tables(tables)
        if not table.num_rows:
            return
        days = _day_index(table, self.calendar)
        run_ids = table.column("run_id").to_numpy(zero_copy_only=False)
        runs, run_row = np.unique(run_ids, return_inverse=True)
        metric_col = table.column("metric").to_numpy(zero_copy_only=False).astype(str)
        scope_col = table.column("scope").to_numpy(zero_copy_only=False).astype(str)
        values = table.column("value").to_numpy(zero_copy_only=False).astype(float)
        for metric, scope in keys:
            rows = (metric_col == metric) & (scope_col == scope)
            if rows.any():
                arr = np.zeros((len(runs), self.calendar.n_days))
                arr[run_row[rows], days[rows]] = values[rows]
                self.members[(metric, scope)] = arr


def load_run_data(folder: Path, metrics: set[str] | None = None) -> RunData:
    """Read a run or ensemble folder; `metrics` limits what is read. Bad input → InputFileError."""
    folder = Path(folder)
    hint = "give a folder written by `borderlab run` (daily.parquet) or an ensemble (quantiles.parquet)"
    if not folder.exists():
        raise InputFileError(f"{folder}: run folder not found\n    hint: {hint}")
    if not folder.is_dir():
        raise InputFileError(f"{folder}: is a file, not a run folder\n    hint: {hint}")
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise InputFileError(f"{folder}: not a borderlab run folder (no {MANIFEST})\n    hint: {hint}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{manifest_path}: unreadable manifest ({exc})\n    hint: rerun to rewrite the folder") from None
    if not isinstance(manifest, dict):
        raise InputFileError(f"{manifest_path}: a manifest must be a JSON object\n    hint: rerun to rewrite the folder")
    if (folder / ENSEMBLE_FILE).is_file():
        kind, path, columns = "ensemble", folder / ENSEMBLE_FILE, list(QUANTILES)
    elif (folder / RUN_FILE).is_file():
        kind, path, columns = "run", folder / RUN_FILE, ["value"]
    else:
        raise InputFileError(f"{folder}: has {MANIFEST} but neither {RUN_FILE} nor {ENSEMBLE_FILE}\n    hint: {hint}")
    table = _read_table(path, ["date", "scope", "metric"] + columns, metrics)
    calendar = _calendar(manifest, table, path)
    central, bands = {}, {}
    if table.num_rows:
        days = _day_index(table, calendar)
        metric_col = table.column("metric").to_numpy(zero_copy_only=False).astype(str)
        scope_col = table.column("scope").to_numpy(zero_copy_only=False).astype(str)
        values = {c: table.column(c).to_numpy(zero_copy_only=False).astype(float) for c in columns}
        keys = np.char.add(np.char.add(metric_col, "\t"), scope_col)
        uniq, inverse = np.unique(keys, return_inverse=True)
        for k, key in enumerate(uniq):
            rows = inverse == k
            metric, scope = str(key).split("\t", 1)
            arrays = {}
            for c in columns:
                arr = np.zeros(calendar.n_days)
                arr[days[rows]] = values[c][rows]
                arrays[c] = arr
            if kind == "run":
                central[(metric, scope)] = arrays["value"]
            else:
                central[(metric, scope)] = arrays["q50"]
                bands[(metric, scope)] = arrays
    return RunData(kind, calendar, central, bands, folder, manifest)


def _read_table(path: Path, columns: list[str], metrics: set[str] | None) -> pa.Table:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})\n    hint: rerun to rewrite the folder") from None
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise InputFileError(f"{path}: missing columns {missing} (has {schema.names})\n"
                             f"    hint: expected columns {columns}")
    try:
        table = pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException) as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    for name in ("scope", "metric"):      # dictionary-encoded text (as DuckDB and some writers give) → plain
        if name in table.column_names and pa.types.is_dictionary(table.schema.field(name).type):
            table = table.set_column(table.schema.get_field_index(name), name, pc.cast(table.column(name), pa.string()))
    if metrics is not None:
        table = table.filter(pc.is_in(table.column("metric"), pa.array(sorted(metrics), type=pa.string())))
    return table


def _calendar(manifest: dict, table: pa.Table, path: Path) -> Calendar:
    """The run's period: from the manifest's scenario if it says, else from the table's dates."""
    sc = manifest.get("scenario_resolved") or {}
    period = manifest.get("period") or [sc.get("start"), sc.get("end")]
    try:
        if period and period[0] and period[1]:
            return Calendar(dt.date.fromisoformat(str(period[0])), dt.date.fromisoformat(str(period[1])))
    except (ValueError, TypeError):
        pass
    if not table.num_rows:
        raise InputFileError(f"{path}: no rows and no period in the manifest\n    hint: rerun to rewrite the folder")
    lo, hi = pc.min_max(table.column("date")).values()
    return Calendar(_as_date(lo.as_py(), path), _as_date(hi.as_py(), path))


def _as_date(v, path) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        raise InputFileError(f"{path}: column date holds {v!r}, not a date") from None


def _day_index(table: pa.Table, calendar: Calendar) -> np.ndarray:
    col = table.column("date")
    if not (pa.types.is_date(col.type) or pa.types.is_timestamp(col.type)):
        col = pc.cast(col, pa.date32())
    dates = col.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    days = (dates - np.datetime64(calendar.start, "D")).astype(np.int64)
    ok = (days >= 0) & (days < calendar.n_days)
    if not ok.all():
        raise InputFileError(f"dates outside the run period {calendar.start} → {calendar.end} in the table\n"
                             "    hint: the manifest and the table disagree; rerun to rewrite the folder")
    return days


def observations_path(data: RunData, given: Path | None = None) -> Path:
    """The observed figures to compare with: `given`, else the file the run's scenario names
    in `observed:` (found through the manifest's scenario file or built-in name)."""
    if given is not None:
        return Path(given)
    m = data.manifest
    observed = (m.get("scenario_resolved") or {}).get("observed") or m.get("observed")
    candidates = []
    for key in ("scenario_file", "scenario"):
        v = m.get(key)
        if isinstance(v, str) and v:
            candidates.append(v)
    for c in candidates:
        path = resolve(c) if c in builtin_names() else Path(c)
        if path.is_dir():
            path = path / "scenario.yaml"
        if path.is_file():
            if not observed:
                observed = _observed_from_yaml(path)
            if observed:
                return path.parent / observed
    where = data.folder or "the run"
    if not observed:
        raise InputFileError(f"{where}: its scenario names no observed figures (`observed:`)\n"
                             "    hint: pass --observed FILE (a CSV like inputs/observed.csv of belarus-eu-2021)")
    raise InputFileError(f"{where}: cannot find the scenario file named in {MANIFEST} to locate {observed}\n"
                         "    hint: pass --observed FILE")


def _observed_from_yaml(path: Path) -> str | None:
    from ..scenario.yamlfile import load_yaml
    try:
        data, _ = load_yaml(path)
    except BorderlabError:  # an unreadable scenario just means "not found here"
        return None
    return data.get("observed") if isinstance(data, dict) else None
