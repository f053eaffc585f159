"""`borderlab compare`: the base and its variants as paired ensembles, and what changes.

Runs every arm with common random numbers (arms.py), reduces each run to the planner's
outcomes (outcomes.py), and compares every variant with the base pair by pair
(paired_stats.py). Writes, in OUT:

```text
comparison.parquet / .csv   one row per outcome × scope × arm (tidy; the base's rows have no difference)
outcomes.parquet            one row per outcome × scope × arm × pair: the per-run values behind it
plots/differences.png       forest plot: relative change of each outcome, 90 % intervals
plots/timeseries.png        each arm's median and 5–95 % band of key daily series
manifest.json               the study, its arms, the statistics used, timings (written last)
runs/, arms.parquet, plan.json   the runs (resumable: run the command again)
```
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import BorderlabError
from ..reporting.outdir import check_output, output_lock
from ..scenario.loader import load_scenario, parse_scenario
from ..studies.runspec import detect_kind
from ..studies.ensemble import build_study_manifest
from ..studies.store import write_atomic, write_duckdb, write_table_atomic
from .arms import ArmsResult, run_arms
from .outcomes import BY_NAME, FLEE_OUTCOMES, OUTCOMES, TOTAL, parse_window, run_outcomes
from .paired_stats import LEVEL, METHOD, paired_difference, spread
from .variants import read_variant, resolve_variant

STUDY = "compare"
BASE = "base"


def variant_arms(base_source: str, variants: list[str]) -> dict[str, str]:
    """{arm name: variant file} — each arm named by its variant's `name:` (unique, not 'base')."""
    parsed = parse_scenario(base_source) if detect_kind(base_source) == "scenario" else None
    arms: dict[str, str] = {}
    for v in variants:
        path = resolve_variant(v, parsed) if parsed is not None else Path(v)
        name = read_variant(path).name
        if name == BASE or name in arms:
            raise BorderlabError(f"--variant {v}: its name '{name}' is "
                                 f"{'reserved for the base' if name == BASE else 'used by another variant'}\n"
                                 "    hint: give each variant file a distinct `name:`")
        arms[name] = str(path)
    return arms


def run_compare(base_source: str, variants: list[str], runs: int, out: Path, *, window: str | None = None,
                seed: int | None = None, vary: bool = False, params: list[str] | None = None,
                overrides: list[str] | None = None, workers: int = 1, scheduler: str | None = None,
                plots: bool = True, force: bool = False, branches: bool = True,
                progress: Callable[[int, int], None] | None = None) -> tuple[dict, pa.Table]:
    """Run the comparison (resuming) and write its outputs; returns (manifest, comparison table)."""
    check_output(out, STUDY, force)  # refuse a wrong --out before checking variants or running anything
    with output_lock(out):  # held while the runs execute (run_arms) and the summary is written
        return _run_compare(base_source, variants, runs, Path(out), window, seed, vary, params, overrides,
                            workers, scheduler, plots, force, branches, progress)


def _run_compare(base_source, variants, runs, out, window, seed, vary, params, overrides, workers, scheduler,
                 plots, force, branches, progress) -> tuple[dict, pa.Table]:
    if not variants:
        raise BorderlabError("compare needs at least one --variant")
    if runs < 1:
        raise BorderlabError(f"--runs {runs}: need at least 1 run per arm")
    t0 = time.perf_counter()
    arms = {BASE: [], **variant_arms(base_source, variants)}
    if window and detect_kind(base_source) == "scenario":  # a bad window is refused before anything runs
        sc = load_scenario(base_source, overrides).scenario
        parse_window(window, sc.start, sc.end)
    result = run_arms(base_source, arms, runs, out, seed=seed, vary=vary, params=params, overrides=overrides,
                      workers=workers, scheduler=scheduler, study=STUDY, reference=BASE, force=force,
                      branches=branches, progress=progress)
    t1 = time.perf_counter()
    table, per_run, win = summarise(result, window)
    write_table_atomic(out / "comparison.parquet", table)
    buf = pa.BufferOutputStream()
    pacsv.write_csv(table, buf)
    write_atomic(out / "comparison.csv", buf.getvalue().to_pybytes())
    write_table_atomic(out / "outcomes.parquet", per_run)
    write_duckdb(out)
    outputs = {"comparison": "comparison.parquet", "comparison_csv": "comparison.csv", "outcomes": "outcomes.parquet",
               "runs": "runs/run-*.parquet", "arms": "arms.parquet", "views": "ensemble.duckdb"}
    if plots:
        from .compare_plots import make_compare_plots
        outputs["plots"] = [str(p.relative_to(out)) for p in make_compare_plots(result, table, win)]
    t2 = time.perf_counter()
    manifest = build_study_manifest(result.plan, result.stats, STUDY,
                                    {"summarise_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3)})
    manifest.update({
        "arms": [a.to_json() for a in result.arms], "reference": BASE,
        "runs_per_arm": result.runs, "window": [str(win[0]), str(win[1])],
        "pairing": result.describe()["pairing"],
        "statistics": {"difference": METHOD, "level": LEVEL,
                       "arm_interval": f"central {LEVEL:.0%} of per-run values",
                       "share_better": "share of pairs where the variant is better (by the outcome's direction); ties count as neither"},
        "outcomes": {o.name: {"metric": o.metric, "reduce": o.reduce, "better": o.better, "unit": o.unit}
                     for o in _outcomes(result)},
        "outputs": outputs,
    })
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
    return manifest, table


def _countries(result: ArmsResult) -> list[str]:
    loaded = result.plan.source.loaded
    if loaded is None:
        return []
    return [c.code for c in loaded.scenario.countries if c.role == "defender"]


def _outcomes(result: ArmsResult):
    return FLEE_OUTCOMES if result.plan.source.kind == "flee" else OUTCOMES


def _period(result: ArmsResult, con) -> tuple[dt.date, dt.date]:
    loaded = result.plan.source.loaded
    if loaded is not None:
        return loaded.scenario.start, loaded.scenario.end
    lo, hi = con.execute("SELECT min(date), max(date) FROM runs").fetchone()
    return lo, hi


def summarise(result: ArmsResult, window: str | None = None) -> tuple[pa.Table, pa.Table, tuple[dt.date, dt.date]]:
    """(comparison table, per-run outcomes table, window) of a finished ArmsResult."""
    con = result.connect()
    try:
        win = parse_window(window, *_period(result, con))
        cells = run_outcomes(result, win, _countries(result), _outcomes(result))
    finally:
        con.close()
    if not cells:
        raise BorderlabError(f"{result.out}: the runs hold none of the planner's outcome metrics "
                             f"({', '.join(sorted({o.metric for o in _outcomes(result)}))})")
    ref = result.reference
    rows, per_run = [], []
    for k, ((name, scope), by_arm) in enumerate(cells.items()):
        o = BY_NAME[name]
        for arm in result.names:
            if arm not in by_arm:
                continue
            values = by_arm[arm]
            s = spread(values)
            row = {"outcome": name, "label": o.label, "scope": scope, "arm": arm, "reference": ref,
                   "window_start": win[0], "window_end": win[1], "runs": len(values), "better": o.better or "",
                   "mean": s.estimate, "q05": s.low, "q95": s.high}
            if arm != ref and ref in by_arm:
                p = paired_difference(by_arm[ref], values, seed=k)
                better = {"lower": p.share_lower, "higher": p.share_higher}.get(o.better or "")
                row.update({"diff_mean": p.diff.estimate, "diff_low": p.diff.low, "diff_high": p.diff.high,
                            "rel_mean": p.rel.estimate, "rel_low": p.rel.low, "rel_high": p.rel.high,
                            "share_better": better, "share_lower": p.share_lower, "share_higher": p.share_higher,
                            "share_equal": p.share_equal, "method": p.method})
            rows.append(row)
            per_run.extend({"outcome": name, "scope": scope, "arm": arm, "pair": i, "value": float(v)}
                           for i, v in enumerate(values))
    return _table(rows), pa.Table.from_pylist(per_run), win


_COLUMNS = [("outcome", pa.string()), ("label", pa.string()), ("scope", pa.string()), ("arm", pa.string()),
            ("reference", pa.string()), ("window_start", pa.date32()), ("window_end", pa.date32()),
            ("runs", pa.int32()), ("better", pa.string()), ("mean", pa.float64()), ("q05", pa.float64()),
            ("q95", pa.float64()), ("diff_mean", pa.float64()), ("diff_low", pa.float64()),
            ("diff_high", pa.float64()), ("rel_mean", pa.float64()), ("rel_low", pa.float64()),
            ("rel_high", pa.float64()), ("share_better", pa.float64()), ("share_lower", pa.float64()),
            ("share_higher", pa.float64()), ("share_equal", pa.float64()), ("method", pa.string())]


def _table(rows: list[dict]) -> pa.Table:
    schema = pa.schema(_COLUMNS)
    return pa.table({name: pa.array([r.get(name) for r in rows], type_) for name, type_ in _COLUMNS}, schema=schema)


def _pct(x: float) -> str:
    return f"{x * 100:+.0f} %".replace("-", "−") if x == x else "n/a"


def _num(x: float) -> str:
    if x != x:
        return "n/a"
    text = f"{x:+,.0f}" if abs(x) >= 10 else f"{x:+.3g}"
    return text.replace("-", "−")


def verdict(row: dict) -> str:
    """One line: 'deaths −31 % [−44 %, −17 %], better in 97 % of paired runs' (or the absolute
    change where the base's mean is 0)."""
    o = BY_NAME[row["outcome"]]
    if row["rel_mean"] == row["rel_mean"] and row["rel_mean"] is not None:
        change = f"{_pct(row['rel_mean'])} [{_pct(row['rel_low'])}, {_pct(row['rel_high'])}]"
    else:
        change = f"{_num(row['diff_mean'])} [{_num(row['diff_low'])}, {_num(row['diff_high'])}] {o.unit}"
    if row["share_equal"] == 1.0:
        tail = "the same in every paired run"
    elif o.better:
        tail = f"better in {row['share_better'] * 100:.0f} % of paired runs"
    else:
        lower = row["share_lower"]
        tail = f"higher in {row['share_higher'] * 100:.0f} %, lower in {lower * 100:.0f} % of paired runs"
    scope = "" if row["scope"] == TOTAL else f" ({row['scope']})"
    return f"{o.label}{scope} {change}, {tail}"
