"""fit_report.json and fit_report.md: what was fitted, how well, and what it forecasts.

Training error is reported before (the scenario as written) and after (calibrated), per
series and overall, on the same seeds. The period after the cut-off is reported as a
forecast only: its observed figures are held out, so it is scored only if the observations
file happens to hold some (the built-in one does not).
"""

from __future__ import annotations

import json
import math

import numpy as np
import optuna

from ..analysis.validation import fmt_number, series_table_md
from ..reporting.atomic import write_text_atomic

FORECAST_METRICS = [("new_attempts", "countries"), ("new_detentions", "all"), ("new_onward", "all"),
                    ("new_deaths", "all")]


def _num(x, digits=5):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)


def monthly_forecast(run, until) -> list[dict]:
    """Monthly totals of the headline flows over the days after the cut-off (the forecast)."""
    res, cal = run.results, run.sim.calendar
    dates = cal.dates()
    after = dates > np.datetime64(until, "D")
    months = dates.astype("datetime64[M]")
    columns = []
    for metric, scopes in FORECAST_METRICS:
        for scope in (list(run.sim.index.defender) if scopes == "countries" else [scopes]):
            if metric in res.metrics and scope in res.scopes_of(metric):
                columns.append((metric, scope))
    rows = []
    for m in np.unique(months[after]):
        sel = (months == m) & after
        first = dates[sel][0]
        row = {"month": str(m) + ("" if first == m.astype("datetime64[D]") else f" (from {first})")}
        for metric, scope in columns:
            row[f"{metric}@{scope}"] = round(float(res.series(metric, scope)[sel].sum()), 1)
        rows.append(row)
    return rows


def write_report(cal, settings: dict, base, obs_path, until, run) -> None:
    study = cal.study
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    best_trial = min(complete, key=lambda t: (t.value, t.number))
    held = cal.held_out
    after_scores = ({"figures": len(held.points), "series": len(held.series), "scores": {k: _num(v) for k, v in held.scores.items()}}
                    if held is not None and held.points else {})
    forecast_train = {r: _num(s) for r, s in cal.forecast_training.scores.items()}
    report = {
        "scenario": base.scenario.name,
        "scenario_file": str(base.path),
        "scenario_file_sha256": base.file_sha256,
        "calibrated_scenario": "calibrated.yaml",
        "until": str(until),
        "seeds": settings["seeds"],
        "observations": {"path": str(obs_path), "sha256": settings["observations_sha256"],
                         "training_figures": len(cal.after.points), "training_series": len(cal.after.series)},
        "trials": {"total": len(study.trials), "complete": len(complete), "this_run": cal.new_trials,
                   "best": best_trial.number},
        "parameters": [{"path": p.path, "original": p.value, "calibrated": cal.best[p.path], "low": p.low,
                        "high": p.high, "log_scale": p.log, "source": p.source} for p in cal.params],
        "training": {
            "before": {"score": _num(cal.before.score), "series": [e.as_dict() for e in cal.before.series]},
            "after": {"score": _num(cal.after.score), "series": [e.as_dict() for e in cal.after.series]},
        },
        "forecast": {
            "folder": "forecast", "seed": run.seed,
            "training_scores_single_seed": forecast_train,
            "held_out": after_scores or None,
            "note": ("observed figures after the cut-off are held out and not in the observations file; "
                     "the period after the cut-off is a forecast, not scored") if not after_scores else
                    "figures after the cut-off found in the observations file are scored in held_out "
                    "(single seed) and shown in forecast/validation",
            "monthly": monthly_forecast(run, until),
            "ensemble": cal.forecast_ensemble,
        },
        "history": [{"number": t.number, "state": t.state.name, "score": _num(t.value), "params": t.params}
                    for t in study.trials],
    }
    write_text_atomic(cal.out / "fit_report.json", json.dumps(report, indent=2, default=str))
    write_text_atomic(cal.out / "fit_report.md", to_markdown(cal, report))


def to_markdown(cal, report: dict) -> str:
    r = report
    lines = [f"# Calibration of {r['scenario']} on observations up to {r['until']}", "",
             f"- scenario file: `{r['scenario_file']}` (sha256 `{r['scenario_file_sha256'][:16]}…`)",
             f"- observations: `{r['observations']['path']}` — {r['observations']['training_figures']} figures in "
             f"{r['observations']['training_series']} series end on or before {r['until']} (the only ones used)",
             f"- seeds per trial: {r['seeds']} (the mean of their runs is scored); trials: {r['trials']['total']} in "
             f"`study.journal` ({r['trials']['this_run']} in this run), best: #{r['trials']['best']}",
             f"- **training score: {fmt_number(cal.before.score)} → {fmt_number(cal.after.score)}** "
             "(mean over series of mean |ln((sim+1)/(obs+1))|; lower is better; docs/validation.md)", "",
             "## Fitted parameters", "",
             "| parameter | was | calibrated | range | scale |", "|---|---:|---:|---|---|"]
    for p in r["parameters"]:
        lines.append(f"| `{p['path']}` | {p['original']:g} | {p['calibrated']:g} | [{p['low']:g}, {p['high']:g}] | "
                     f"{'log' if p['log_scale'] else 'linear'} |")
    before = {e.key + ":" + e.grain: e for e in cal.before.series}
    lines += ["", "## Training error per series (mean of the seeds)", "",
              "| country | observed metric | grain | n | error before | error after | bias after |",
              "|---|---|---|---:|---:|---:|---:|"]
    for e in cal.after.series:
        b = before.get(e.key + ":" + e.grain)
        lines.append(f"| {e.country} | {e.metric} | {e.grain} | {e.n} | {fmt_number(b.error) if b else '—'} | "
                     f"{fmt_number(e.error)} | {fmt_number(e.bias, pct=True)} |")
    lines += ["", "Full measures after calibration:", ""] + series_table_md(cal.after)
    f = r["forecast"]
    lines += ["", "## Forecast after the cut-off", "",
              f"`forecast/` is a normal run folder of `calibrated.yaml` (seed {f['seed']}) over the whole period; "
              "`forecast/validation/` overlays the observed figures with the cut-off marked. "
              f"Single-seed training score of this run: {', '.join(f'{k} {v}' for k, v in f['training_scores_single_seed'].items())}.",
              "", f"*{f['note']}.*", ""]
    if f["monthly"]:
        cols = [c for c in f["monthly"][0] if c != "month"]
        lines += ["| month | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
        for row in f["monthly"]:
            lines.append(f"| {row['month']} | " + " | ".join(f"{row[c]:,.0f}" for c in cols) + " |")
    ens = f.get("ensemble")
    if ens:
        lines += ensemble_lines(ens, f"{ens['runs']} seeds of the calibrated scenario")
    lines += ["", "## Trials (best 10)", "", "| # | score | " + " | ".join(f"`{p['path']}`" for p in r["parameters"][:6])
              + (" | …" if len(r["parameters"]) > 6 else "") + " |",
              "|---:|---:|" + "---:|" * min(len(r["parameters"]), 6) + ("---|" if len(r["parameters"]) > 6 else "")]
    done = sorted([h for h in r["history"] if h["score"] is not None], key=lambda h: h["score"])[:10]
    for h in done:
        vals = [h["params"].get(p["path"]) for p in r["parameters"][:6]]
        lines.append(f"| {h['number']} | {h['score']:.4f} | " + " | ".join("—" if v is None else f"{v:.4g}" for v in vals)
                     + (" | …" if len(r["parameters"]) > 6 else "") + " |")
    return "\n".join(lines) + "\n"


def ensemble_lines(ens: dict, what: str) -> list[str]:
    """Markdown: the forecast ensemble's monthly bands after the cut-off."""
    if not ens["monthly"]:
        return []
    cols = [c for c in ens["monthly"][0] if c != "month"]
    lines = ["", f"### With uncertainty: {what}", "",
             f"`{ens['folder']}/` is an ensemble folder (`borderlab ensemble`, base seed {ens['base_seed']}): "
             "band plots, `quantiles.parquet`, and `validation/` with the cut-off marked. "
             "Monthly totals after the cut-off, median [5 %, 95 %] over the runs:", "",
             "| month | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for row in ens["monthly"]:
        lines.append(f"| {row['month']} | " + " | ".join(
            f"{row[c][1]:,.0f} [{row[c][0]:,.0f}, {row[c][2]:,.0f}]" if c in row else "—" for c in cols) + " |")
    return lines
