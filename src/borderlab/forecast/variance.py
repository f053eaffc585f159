"""Which uncertainty dominates a posterior ensemble: the parameters, or run-to-run noise?

For a monthly total Y of a run with parameters θ, the law of total variance splits

    Var(Y) = E[Var(Y | θ)]  +  Var(E[Y | θ])
             run-to-run         parameter

An ensemble with `--posterior` runs k seeds per posterior draw, so both terms are
estimated from its runs: within = mean over draws of the seeds' sample variance; between =
sample variance of the draw means minus within / k (the draw means still carry noise),
floored at 0. `parameter_share` = between / (between + within); above 0.5 the parameter
uncertainty dominates. Computed per metric, scope and month on ln(total + 1) — the scale
the validation measures use, so months of 10 and of 10,000 weigh alike — and summarised
per series by the median share over months. In a branched scenario the seeds of a draw
share its branch, so "parameter" there means parameters and branch together.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

KEY_METRICS = ("new_attempts", "new_detentions", "new_onward", "new_deaths")


def components(values: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """(within, between) variance of `values` grouped by draw (groups of ≥ 2 runs only)."""
    ids, counts = np.unique(groups, return_counts=True)
    keep = ids[counts >= 2]
    if len(keep) < 2:
        return math.nan, math.nan
    per = [values[groups == g] for g in keep]
    within = float(np.mean([np.var(v, ddof=1) for v in per]))
    k = float(np.mean([len(v) for v in per]))
    between = max(float(np.var([v.mean() for v in per], ddof=1)) - within / k, 0.0)
    return within, between


def decompose(folder: Path, after: dt.date | None = None, scopes: list[str] | None = None) -> dict:
    """Variance decomposition of monthly totals (after `after`, if given) of KEY_METRICS."""
    from ..studies.store import open_ensemble

    folder = Path(folder)
    con = open_ensemble(folder)
    try:
        rows = con.execute(f"""
            SELECT r.metric, r.scope, r.month, d.draw, r.v FROM (
                SELECT run_id, metric::VARCHAR AS metric, scope::VARCHAR AS scope,
                       strftime(date_trunc('month', date), '%Y-%m') AS month, ln(sum(value) + 1) AS v
                FROM runs WHERE metric IN (SELECT unnest(?)) {"AND date > ?" if after else ""}
                GROUP BY ALL) r
            JOIN read_parquet('{(folder / "draws.parquet").as_posix()}') d USING (run_id)
            ORDER BY ALL""", [list(KEY_METRICS)] + ([after] if after else [])).fetchall()
    finally:
        con.close()
    cells: dict[tuple, list] = {}
    for metric, scope, month, draw, v in rows:
        if scopes is not None and scope not in scopes:
            continue
        cells.setdefault((metric, scope, month), []).append((draw, v))
    table = []
    for (metric, scope, month), pairs in cells.items():
        groups = np.array([p[0] for p in pairs])
        values = np.array([p[1] for p in pairs], dtype=float)
        within, between = components(values, groups)
        total = within + between
        share = between / total if total > 0 else math.nan
        table.append({"metric": metric, "scope": scope, "month": month, "within": _r(within),
                      "between": _r(between), "parameter_share": _r(share)})
    series: dict[str, list[float]] = {}
    for row in table:
        if row["parameter_share"] is not None:
            series.setdefault(f"{row['metric']}@{row['scope']}", []).append(row["parameter_share"])
    summary = {k: _r(float(np.median(v))) for k, v in sorted(series.items())}
    shares = [s for s in summary.values() if s is not None]
    overall = _r(float(np.median(shares))) if shares else None
    return {"scale": "ln(monthly total + 1)", "after": str(after) if after else None,
            "median_parameter_share": summary, "overall_parameter_share": overall,
            "dominant": None if overall is None else ("parameters" if overall > 0.5 else "run-to-run noise"),
            "months": table}


def _r(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


def describe(decomposition: dict) -> str:
    """One line for the CLI and reports."""
    share = decomposition.get("overall_parameter_share")
    if share is None:
        return "variance split: not estimable (need ≥ 2 draws with ≥ 2 seeds each)"
    return (f"parameter uncertainty is {share:.0%} of the variance of monthly totals (median over series; "
            f"run-to-run noise {1 - share:.0%}): {decomposition['dominant']} dominate")
