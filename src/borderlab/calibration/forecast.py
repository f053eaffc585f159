"""The forecast with uncertainty: an ensemble of the calibrated scenario past the cut-off.

One run shows one possible future; the forecast that a calibration reports is an ensemble of
`runs` seeds of `calibrated.yaml` (the ordinary `borderlab ensemble`, so it resumes and can
be opened with DuckDB), validated with the cut-off marked, and summarised as monthly totals
of the headline flows after the cut-off — median and 5–95 % band, per run first, then
across runs (the band of a monthly total is not the sum of daily bands).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..analysis.observations import select_outcomes
from ..analysis.run_data import load_run_data
from ..analysis.validation import compare, write_validation
from ..studies.ensemble import run_ensemble
from ..forecast.variance import decompose
from ..studies.store import open_ensemble

ENSEMBLE_DIR = "forecast_ensemble"
HEADLINE = ("new_attempts", "new_detentions", "new_onward", "new_deaths")


def forecast_ensemble(calibrated: Path, runs: int, out: Path, observations, observed_path: Path,
                      until: dt.date, countries: list[str], *, workers: int = 1, plots: bool = True,
                      posterior: Path | None = None, per_draw: int = 2) -> dict:
    """Run and validate the ensemble in OUT/forecast_ensemble; return its report section.
    With `posterior`, runs draw their parameters from it (`per_draw` seeds each) and the
    section says how much of the spread after the cut-off is parameter uncertainty."""
    folder = Path(out) / ENSEMBLE_DIR
    manifest = run_ensemble(str(calibrated), runs, folder, workers=workers, plots=plots, posterior=posterior,
                            per_draw=per_draw)
    data = load_run_data(folder)
    write_validation(compare(observations, data), data, folder / "validation", observed_path=observed_path,
                     plots=plots, cutoff=until)
    later = [o for o in select_outcomes(observations) if o.end > until]
    held = compare(later, data) if later else None
    return {"folder": ENSEMBLE_DIR, "runs": runs, "base_seed": manifest["base_seed"],
            "training_score_of_median": compare(observations, data, until).scores.get("train"),
            "held_out_figures": len(held.points) if held is not None else 0,
            "monthly": monthly_bands(folder, until, countries),
            **({"posterior": manifest.get("posterior"),
                "variance": decompose(folder, after=until, scopes=countries + ["all"])} if posterior else {})}


def monthly_bands(folder: Path, until: dt.date, countries: list[str]) -> list[dict]:
    """[{month, 'metric@scope': [q05, q50, q95]}, …] for the months after `until`."""
    scopes = countries + ["all"]
    con = open_ensemble(folder)
    try:
        rows = con.execute("""
            SELECT month, first_day, metric, scope, quantile_cont(v, [0.05, 0.5, 0.95]) FROM (
                SELECT run_id, metric::VARCHAR AS metric, scope::VARCHAR AS scope,
                       date_trunc('month', date)::DATE AS month, min(date) AS first_day, sum(value) AS v
                FROM runs WHERE date > ? AND metric IN (SELECT unnest(?)) AND scope IN (SELECT unnest(?))
                GROUP BY ALL)
            GROUP BY ALL ORDER BY month""", [until, list(HEADLINE), scopes]).fetchall()
    finally:
        con.close()
    by_month: dict = {}
    for month, first, metric, scope, q in rows:
        # attempts per country; the other flows for all countries together, as in the single-run table
        if (metric == "new_attempts") != (scope != "all"):
            continue
        label = f"{month:%Y-%m}" + ("" if first == month else f" (from {first})")
        by_month.setdefault(label, {"month": label})[f"{metric}@{scope}"] = [round(float(x), 1) for x in q]
    order = [f"new_attempts@{c}" for c in countries] + [f"{m}@all" for m in HEADLINE[1:]]
    return [{"month": row["month"], **{k: row[k] for k in order if k in row}} for row in by_month.values()]
