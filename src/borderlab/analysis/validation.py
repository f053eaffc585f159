"""Validation: compare a run (or an ensemble's median) with observed figures, like for like.

Each observed outcome row that maps onto a model output (see `observations.py`) becomes one
comparison `Point`: the model series aggregated over the row's period (a flow summed, a
stock read on the end day). Points are grouped into series — (role, country, metric,
grain) — scored on their own grain with the measures in `measures.py`, and the series are
averaged into one overall score per role (`train` for the training rows). Calibration uses
the same function on in-memory runs, so the number it minimises is the number reported here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputFileError
from ..reporting.outdir import check_output, replace_folder
from .measures import SeriesError, log_accuracy_ratio, overall_score, relative_error, series_error
from .observations import Observation, select_outcomes, window
from .run_data import QUANTILES, RunData

RESULT_FILE = "validation.json"
VALIDATION_KIND = "validation"


@dataclass
class Point:
    """One observed figure and the model's value for it."""

    obs: Observation
    simulated: float
    coverage: float                     # share of the figure's period inside the run
    band: dict[str, float] = field(default_factory=dict)   # ensemble quantiles, aggregated alike
    members: np.ndarray | None = None   # each member run's value, aggregated alike (ensembles)

    @property
    def log_ratio(self) -> float:
        return float(log_accuracy_ratio(self.simulated, self.obs.value))

    @property
    def rel_error(self) -> float:
        return float(relative_error(self.simulated, self.obs.value))


@dataclass
class Validation:
    """Every comparison, the per-series errors and the overall score per role."""

    kind: str
    points: list[Point]
    series: list[SeriesError]
    scores: dict[str, float]
    skipped: list[tuple[Observation, str]]
    until: dt.date | None = None

    @property
    def score(self) -> float:
        """The headline score: the training rows' if there are any, else the first role's."""
        if "train" in self.scores:
            return self.scores["train"]
        return next(iter(self.scores.values()), math.nan)

    def points_of(self, s: SeriesError) -> list[Point]:
        return [p for p in self.points if series_key(p.obs) == (s.role, s.country, s.metric, s.grain)]


def series_key(o: Observation) -> tuple[str, str, str, str]:
    return (o.role, o.country, o.metric, o.grain)


def compare(observations: list[Observation], data: RunData, until: dt.date | None = None) -> Validation:
    """Score `data` against the outcome rows of `observations` (ending on or before `until`)."""
    points, skipped = [], []
    for o in select_outcomes(observations, until):
        metric, scope, _ = o.model
        try:
            data.series(metric, scope)  # raises KeyError when the run lacks it
        except KeyError:
            skipped.append((o, f"the run has no series {metric}@{scope}"))
            continue
        w = window(o, data.calendar)
        if w is None:
            skipped.append((o, f"{o.start} → {o.end} lies outside the run ({data.calendar.start} → {data.calendar.end})"))
            continue
        a, b, coverage = w
        value, band = data.window(metric, scope, a, b)
        points.append(Point(o, value, coverage, band, data.member_sums(metric, scope, a, b)))
    groups: dict[tuple, list[Point]] = {}
    for p in points:
        groups.setdefault(series_key(p.obs), []).append(p)
    errors = []
    for (role, country, metric, grain), pts in groups.items():
        pts.sort(key=lambda p: (p.obs.end, p.obs.start))
        m, scope, agg = pts[0].obs.model
        errors.append(series_error([p.simulated for p in pts], [p.obs.value for p in pts],
                                   role=role, country=country, metric=metric, grain=grain,
                                   model=f"{m}@{scope} ({agg})", coverage=[p.coverage for p in pts]))
    errors.sort(key=lambda e: (e.role, e.country, e.metric, e.grain))
    scores = {role: overall_score([e for e in errors if e.role == role])
              for role in sorted({e.role for e in errors})}
    return Validation(data.kind, points, errors, scores, skipped, until)


# -- writing ---------------------------------------------------------------------------------
def check_validation_out(out: Path, force: bool = False) -> None:
    """`out` is replaced wholesale: refuse anything but an earlier validation (reporting/outdir.py)."""
    check_output(out, VALIDATION_KIND, force)


def write_validation(v: Validation, data: RunData, out: Path, *, observed_path: Path | None = None,
                     plots: bool = True, cutoff: dt.date | None = None, force: bool = False,
                     observations: list[Observation] | None = None) -> Path:
    """Write validation.json, series.csv, points.csv, validation.md and plots/ into `out`
    (atomically); for an ensemble with member runs also its proper scores (score_report.py),
    and, given the `observations` (for their noise), those of its posterior predictive bands."""
    from .score_report import PREDICTIVE, score_points, write_scores

    check_validation_out(out, force)
    scores = score_points(v.points)
    predictive, model_error = (None, None)
    if scores is not None and observations is not None:
        from ..forecast.predictive import predictive_scores

        predictive, model_error = predictive_scores(v.points, observations)
    with replace_folder(Path(out), VALIDATION_KIND, force) as tmp:
        result = to_json(v, data, observed_path, cutoff)
        if scores is not None:
            result["proper_scores"] = scores.to_json()
        if predictive is not None:
            result["predictive_scores"] = {**predictive.to_json(), "model_error": model_error.as_dict()}
        (tmp / RESULT_FILE).write_text(json.dumps(result, indent=2), encoding="utf-8")
        (tmp / "series.csv").write_text(series_csv(v), encoding="utf-8")
        (tmp / "points.csv").write_text(points_csv(v), encoding="utf-8")
        (tmp / "validation.md").write_text(to_markdown(v, data, cutoff), encoding="utf-8")
        if plots and v.points:
            from .validation_plots import make_validation_plots
            make_validation_plots(v, data, tmp / "plots", cutoff=cutoff)
        if scores is not None:
            write_scores(scores, tmp, plots)
        if predictive is not None:
            write_scores(predictive, tmp, plots, stem=PREDICTIVE, extra={"model_error": model_error.as_dict()})
    return Path(out)


def _num(x, digits=4):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def to_json(v: Validation, data: RunData, observed_path: Path | None = None, cutoff: dt.date | None = None) -> dict:
    obs_file = None
    if observed_path is not None and Path(observed_path).is_file():
        obs_file = {"path": str(observed_path),
                    "sha256": hashlib.sha256(Path(observed_path).read_bytes()).hexdigest()}
    return {
        "run": str(data.folder) if data.folder else None,
        "kind": v.kind,
        "scenario": data.manifest.get("scenario"),
        "seed": data.manifest.get("seed"),
        "period": [str(data.calendar.start), str(data.calendar.end)],
        "until": str(v.until) if v.until else None,
        "cutoff": str(cutoff) if cutoff else None,
        "observations": obs_file,
        "score": _num(v.score),
        "scores": {r: _num(s) for r, s in v.scores.items()},
        "typical_factor": _num(math.exp(v.score)) if not math.isnan(v.score) else None,
        "measures": "error = mean |ln((sim+1)/(obs+1))| per series; score = mean of series errors; "
                    "see docs/validation.md",
        "series": [e.as_dict() for e in v.series],
        "points": [point_row(p) for p in v.points],
        "skipped": [{"id": o.id, "country": o.country, "metric": o.metric, "reason": why} for o, why in v.skipped],
    }


def point_row(p: Point) -> dict:
    o = p.obs
    row = {"id": o.id, "role": o.role, "country": o.country, "metric": o.metric, "grain": o.grain,
           "model": f"{o.model[0]}@{o.model[1]} ({o.model[2]})",
           "period_start": str(o.start), "period_end": str(o.end), "observed": o.value,
           "simulated": _num(p.simulated, 3), "coverage": _num(p.coverage),
           "log_ratio": _num(p.log_ratio), "rel_error": _num(p.rel_error)}
    for q in QUANTILES:
        if q in p.band:
            row[q] = _num(p.band[q], 3)
    row["source_date"] = o.source_date
    row["source_url"] = o.source_url
    return row


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    for r in rows[1:]:
        cols += [c for c in r if c not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def series_csv(v: Validation) -> str:
    return _csv([e.as_dict() for e in v.series])


def points_csv(v: Validation) -> str:
    return _csv([point_row(p) for p in v.points])


def fmt_number(x, pct=False, digits=3, signed=True):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if pct:
        return f"{x:+.0%}" if signed else f"{x:.0%}"
    return f"{x:.{digits}f}"


def series_table_md(v: Validation) -> list[str]:
    """The per-series table as Markdown lines (also used by the calibration report)."""
    lines = ["| role | country | observed metric | grain | model | n | error (mean \\|Q\\|) | mean Q | bias (mean RE) | MARE | MASE | min coverage |",
             "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in v.series:
        lines.append(f"| {e.role} | {e.country} | {e.metric} | {e.grain} | {e.model} | {e.n} | {fmt_number(e.error)} | "
                     f"{fmt_number(e.mean_log_ratio, digits=2)} | {fmt_number(e.bias, pct=True)} | {fmt_number(e.mare, pct=True, signed=False)} | "
                     f"{fmt_number(e.mase, digits=2)} | {e.min_coverage:.0%} |")
    return lines


def to_markdown(v: Validation, data: RunData, cutoff: dt.date | None = None) -> str:
    head = [f"# Validation of {data.folder or 'a run'}", "",
            f"Kind: {v.kind}; scenario {data.manifest.get('scenario', '?')}, seed {data.manifest.get('seed', '?')}, "
            f"{data.calendar.start} → {data.calendar.end}."
            + (f" Observations ending on or before {v.until}." if v.until else "")
            + (f" Calibration cut-off {cutoff}: later days are a forecast." if cutoff else ""), ""]
    for role, s in v.scores.items():
        head.append(f"- overall score, role `{role}`: **{fmt_number(s)}** (typical factor {math.exp(s):.2f})"
                    if not math.isnan(s) else f"- overall score, role `{role}`: —")
    head += ["", "Error = mean |ln((sim+1)/(obs+1))| over a series' figures; score = mean over series "
             "(docs/validation.md).", "", "## Series", ""]
    head += series_table_md(v)
    head += ["", "## Figures", "",
             "| id | country | metric | period | observed | simulated | Q | RE | coverage |",
             "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for p in v.points:
        o = p.obs
        band = f" [{p.band['q05']:,.0f}–{p.band['q95']:,.0f}]" if "q05" in p.band else ""
        head.append(f"| {o.id} | {o.country} | {o.metric} | {o.start} → {o.end} | {o.value:,.0f} | "
                    f"{p.simulated:,.0f}{band} | {p.log_ratio:+.2f} | {fmt_number(p.rel_error, pct=True)} | {p.coverage:.0%} |")
    if v.skipped:
        head += ["", "## Not compared", ""]
        head += [f"- {o.id} {o.country} {o.metric}: {why}" for o, why in v.skipped]
    return "\n".join(head) + "\n"


def run_data_from_results(results, calendar, needed: set[tuple[str, str]] | None = None) -> RunData:
    """A RunData over one in-memory run's `Results` (the series observations need)."""
    return average_runs([results], calendar, needed)


def average_runs(results_list, calendar, needed: set[tuple[str, str]] | None = None) -> RunData:
    """The mean daily series over several runs of one scenario (e.g. seeds) as one RunData."""
    central = {}
    first = results_list[0]
    keys = needed if needed is not None else {(m, s) for m in first.metrics for s in first.scopes_of(m)}
    for metric, scope in keys:
        try:
            arrays = [r.series(metric, scope) for r in results_list]
        except KeyError:
            continue
        central[(metric, scope)] = np.mean(arrays, axis=0)
    return RunData("memory", calendar, central)
