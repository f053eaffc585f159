"""Proper scores of a validated ensemble, per series and overall, and how they are written.

`validate` on an ensemble folder attaches each figure's member values to its comparison
point (`Point.members`); this module scores them (`scores.py`) and writes
`scores.json` (per series and overall), `scores.parquet` (one row per figure), a
"Proper scores" section in validation.md and `plots/pit.png`. A single run has no
members: it keeps the point errors only.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .scores import PIT_BINS, PointScore, ScoreSummary, score_figures, summarise

SCORES_JSON, SCORES_TABLE, PIT_PLOT = "scores.json", "scores.parquet", "pit.png"
PREDICTIVE = "predictive"     # file stem of the posterior predictive scores (forecast/predictive.py)


@dataclass
class ProperScores:
    """Per-figure scores with their points, per-series and overall summaries (per role)."""

    rows: list[tuple[object, PointScore]]           # (validation Point, its scores)
    series: dict[tuple[str, str, str, str], ScoreSummary]
    overall: dict[str, ScoreSummary]                # per role

    def to_json(self) -> dict:
        return {
            "measures": "CRPS of the members' empirical distribution (scoringrules) in the figures' units and of ln(1+value); "
                        "interval score and empirical coverage of the central 50 % and 90 % bands; "
                        f"PIT histogram in {PIT_BINS} bins (docs/validation.md, Proper scores)",
            "overall": {role: s.as_dict() for role, s in self.overall.items()},
            "series": [{"role": k[0], "country": k[1], "metric": k[2], "grain": k[3], **s.as_dict()}
                       for k, s in self.series.items()],
        }


def score_points(points) -> ProperScores | None:
    """Score every point that carries member values; None if none does (a single run)."""
    from .validation import series_key

    scored = [p for p in points if p.members is not None and len(p.members)]
    if not scored:
        return None
    rows = []
    for p in scored:
        rows.append((p, score_figures([p.obs.value], [p.members])[0]))
    groups: dict[tuple, list[PointScore]] = {}
    for p, s in rows:
        groups.setdefault(series_key(p.obs), []).append(s)
    series = {k: summarise(v) for k, v in sorted(groups.items())}
    overall = {role: summarise([s for p, s in rows if p.obs.role == role]) for role in sorted({p.obs.role for p, _ in rows})}
    return ProperScores(rows, series, overall)


def write_scores(scores: ProperScores, folder: Path, plots: bool = True, *, stem: str = "",
                 extra: dict | None = None) -> None:
    """scores.json, scores.parquet, a section appended to validation.md, plots/pit.png; with
    `stem` (e.g. "predictive") the files are STEM_scores.json … and the section says so."""
    folder = Path(folder)
    prefix = f"{stem}_" if stem else ""
    (folder / (prefix + SCORES_JSON)).write_text(json.dumps({**scores.to_json(), **(extra or {})}, indent=2),
                                                  encoding="utf-8")
    pq.write_table(points_table(scores), folder / (prefix + SCORES_TABLE))
    md = folder / "validation.md"
    if md.is_file():
        with md.open("a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(markdown(scores, stem, extra)) + "\n")
    if plots:
        plot_pit(scores, folder / "plots" / (prefix + PIT_PLOT))


def points_table(scores: ProperScores) -> pa.Table:
    rows = []
    for p, s in scores.rows:
        o = p.obs
        rows.append({"id": o.id, "role": o.role, "country": o.country, "metric": o.metric, "grain": o.grain,
                     "period_start": o.start, "period_end": o.end, **asdict(s)})
    return pa.Table.from_pylist(rows)


def _f(x, fmt="{:.3f}") -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def markdown(scores: ProperScores, stem: str = "", extra: dict | None = None) -> list[str]:
    if stem == PREDICTIVE:
        error = (extra or {}).get("model_error", {})
        lines = ["## Proper scores of the posterior predictive bands", "",
                 "The same scores for the band of the figure a source would report: each member seen through the "
                 "figure's observation noise and the model error σ = "
                 f"{error.get('sd', float('nan')):.2f} (ln scale) estimated from {error.get('figures', 0)} training "
                 "figures (forecast/predictive.py; docs/validation.md, \"Posterior predictive bands\").", ""]
    else:
        lines = ["## Proper scores", "",
                 "CRPS in the figures' units and of ln(1 + value) (comparable across series), interval score "
                 "(IS) and share of figures inside the ensemble's central 50 % and 90 % bands, PIT histogram "
                 f"({PIT_BINS} bins; flat = calibrated, U-shaped = bands too narrow).", ""]
    for role, s in scores.overall.items():
        lines.append(f"- role `{role}`: {s.n} figures, mean log CRPS **{_f(s.crps_log)}**, "
                     f"coverage 50 % band **{_f(s.coverage_50, '{:.0%}')}**, 90 % band **{_f(s.coverage_90, '{:.0%}')}**, "
                     f"PIT {s.pit_histogram}")
    lines += ["", "| role | country | observed metric | grain | n | CRPS | log CRPS | IS 50 % | IS 90 % | in 50 % | in 90 % |",
              "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (role, country, metric, grain), s in scores.series.items():
        lines.append(f"| {role} | {country} | {metric} | {grain} | {s.n} | {_f(s.crps, '{:,.1f}')} | {_f(s.crps_log)} | "
                     f"{_f(s.interval_50, '{:,.0f}')} | {_f(s.interval_90, '{:,.0f}')} | "
                     f"{_f(s.coverage_50, '{:.0%}')} | {_f(s.coverage_90, '{:.0%}')} |")
    return lines


def plot_pit(scores: ProperScores, path: Path) -> Path:
    """The PIT histogram per role, with the flat line a calibrated forecast would give."""
    from matplotlib.figure import Figure

    from ..reporting.plots import save_figure

    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    edges = np.linspace(0, 1, PIT_BINS + 1)
    for role, s in scores.overall.items():
        ax.stairs(s.pit_histogram, edges, label=f"{role} ({s.n} figures)", lw=1.5)
        ax.axhline(s.n / PIT_BINS, color="#888888", ls=":", lw=0.8)
    ax.set_xlabel("PIT (share of ensemble members below the observed figure)")
    ax.set_ylabel("figures")
    ax.set_title("PIT histogram (flat = calibrated; U = bands too narrow)", fontsize=9)
    ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
