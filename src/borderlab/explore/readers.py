"""Reading the explorer's numbers from the folders its runs wrote: a run's daily series, and for
a small ensemble the median (and 5–95 % range) of each run's totals and the daily bands that
`borderlab ensemble` already wrote to quantiles.parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from ..studies.store import runs_glob, sql_text
from .metrics import PEAK_IN_ZONE, KEY_METRICS, SERIES


def ensemble_summary(folder: Path) -> dict:
    """A summary.json-shaped dict whose totals are medians over runs, with `range` (5 %, 95 %)."""
    metrics = ", ".join(sql_text(m) for m in KEY_METRICS)
    rows = duckdb.sql(
        f"SELECT scope, metric, run_id, sum(value) AS total, max(value) AS peak "
        f"FROM read_parquet({sql_text(runs_glob(folder))}) WHERE metric IN ({metrics}, 'n_in_zone') "
        f"GROUP BY scope, metric, run_id").fetchall()
    per: dict[tuple[str, str], list[float]] = {}
    for scope, metric, _, total, peak in rows:
        per.setdefault((scope, metric), []).append(peak if metric == "n_in_zone" else total)
    countries: dict = {}
    for (scope, metric), values in sorted(per.items()):
        lo, mid, hi = (round(float(x), 3) for x in np.quantile(values, [0.05, 0.5, 0.95]))
        entry = countries.setdefault(scope, {"totals": {}, "peaks": {}, "range": {}})
        if metric == "n_in_zone":
            entry["peaks"]["n_in_zone"] = {"value": mid}
            entry["range"][PEAK_IN_ZONE] = [lo, hi]
        else:
            entry["totals"][metric] = mid
            entry["range"][metric] = [lo, hi]
    return {"countries": countries, "runs": len({r[2] for r in rows})}


def series_bands(folder: Path) -> dict:
    """(scope, metric) → {"date", "q05", "q50", "q95"} lists for the charted series (scope `all`)."""
    return _charted(Path(folder) / "quantiles.parquet", ("q05", "q50", "q95"))


def run_series(folder: Path) -> dict:
    """(scope, metric) → {"date", "value"} lists of a run's daily.parquet, for the charted series."""
    return _charted(Path(folder) / "daily.parquet", ("value",))


def _charted(file: Path, columns: tuple[str, ...]) -> dict:
    metrics = ", ".join(sql_text(m) for m, _, _ in SERIES)
    rows = duckdb.sql(
        f"SELECT metric, date, {', '.join(columns)} FROM read_parquet({sql_text(str(file))}) "
        f"WHERE scope = 'all' AND metric IN ({metrics}) ORDER BY metric, date").fetchall()
    out: dict = {}
    for metric, *values in rows:
        line = out.setdefault(("all", metric), {k: [] for k in ("date", *columns)})
        for key, value in zip(("date", *columns), values):
            line[key].append(value)
    return out


def segment_totals(folder: Path, segments: list[str], metric: str = "new_attempts") -> dict[str, float]:
    """Segment id → the run's total of `metric` there (what the map colours the segments by)."""
    if not segments:
        return {}
    ids = ", ".join(sql_text(s) for s in segments)
    rows = duckdb.sql(
        f"SELECT scope, sum(value) FROM read_parquet({sql_text(str(Path(folder) / 'daily.parquet'))}) "
        f"WHERE metric = {sql_text(metric)} AND scope IN ({ids}) GROUP BY scope").fetchall()
    return {scope: float(total) for scope, total in rows}
