"""`calibrate --method abc`: a posterior sample of the free parameters instead of one best trial.

Writes into CAL_DIR: posterior.parquet/.json and abc.db (forecast/posterior.py), a
calibrated.yaml holding the posterior medians (one representative scenario, for single
runs), forecast/ (one run of it) and forecast_ensemble/ — runs whose parameters are drawn
from the posterior, several seeds per draw, so the bands after the cut-off carry parameter
and run-to-run uncertainty, and the report says which dominates — and fit_report.json/.md.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..analysis.observations import load_observations
from ..analysis.validation import Validation, fmt_number
from ..forecast.posterior import Posterior, fit_posterior
from ..forecast.variance import describe
from ..reporting.atomic import write_text_atomic
from ..reporting.outdir import prepare_study_folder
from ..scenario.loader import load_scenario
from .calibrate import file_sha256, write_calibrated, write_forecast
from .calibrated_yaml import rounded
from .free_params import find_free_params
from .report import ensemble_lines, monthly_forecast
from .study import CALIBRATION_KIND
from .trials import TrialRunner

DEFAULT_DISCREPANCY = 0.3


@dataclass
class PosteriorCalibration:
    out: Path
    posterior: Posterior
    before: Validation      # training fit of the scenario as written (mean of 2 seeds)
    after: Validation       # training fit of the posterior medians (mean of 2 seeds)
    ensemble: dict | None
    report: dict


def calibrate_posterior(scenario: str | Path, until: dt.date, out: Path, *, population: int = 100,
                        generations: int = 6, max_simulations: int | None = None, seed: int = 0,
                        discrepancy: float = DEFAULT_DISCREPANCY, only: list[str] | None = None,
                        observed: Path | None = None, plots: bool = True, forecast_runs: int = 20,
                        per_draw: int = 2, workers: int = 1, scheduler: str | None = None, force: bool = False,
                        progress: Callable[[int], None] | None = None) -> PosteriorCalibration:
    """Fit the posterior (or reuse the one in OUT with the same settings), then forecast from it."""
    out = prepare_study_folder(Path(out), CALIBRATION_KIND, force)
    base = load_scenario(scenario)
    sc = base.scenario
    obs_path = Path(observed) if observed else (base.folder / sc.observed if sc.observed else None)
    post = fit_posterior(scenario, until, out, params=only, population=population, generations=generations,
                         max_simulations=max_simulations, seed=seed, workers=workers, scheduler=scheduler,
                         observations=obs_path, discrepancy=discrepancy, progress=progress)
    observations = load_observations(obs_path)
    free = [p for p in find_free_params(sc) if p.path in post.paths]
    baseline = {p.path: p.value for p in free}
    medians = {p.path: rounded(post.medians()[p.path], p.low, p.high) for p in free}
    seeds = [sc.seed, sc.seed + 1]
    runner = TrialRunner(base, until, seeds, observations)
    before, after = runner.evaluate(baseline), runner.evaluate(medians)
    r = post.description["result"]
    calibrated = write_calibrated(base, sc, free, medians, baseline, out, until, seeds, 0, before.score, after.score,
                                  obs_path, method=f"posterior medians of ABC-SMC ({r['particles']} particles, "
                                                   f"{r['simulations']} simulations; posterior.json)")
    fc = write_forecast(calibrated, sc, out, observations, obs_path, until, plots=plots, forecast_runs=forecast_runs,
                        workers=workers, posterior=out, per_draw=per_draw)
    report = {
        "scenario": sc.name, "scenario_file": str(base.path), "scenario_file_sha256": base.file_sha256,
        "method": "abc", "calibrated_scenario": "calibrated.yaml (posterior medians)", "until": str(until),
        "observations": {"path": str(obs_path), "sha256": file_sha256(obs_path),
                         "training_figures": len(post.description["figures"])},
        "posterior": {"folder": ".", "settings": {k: post.description[k] for k in
                                                  ("population", "generations", "max_simulations", "seed",
                                                   "discrepancy")},
                      "result": r, "summary": post.summary()},
        "training": {"seeds": seeds, "before": before.score, "posterior_medians": after.score,
                     "series": [e.as_dict() for e in after.series]},
        "forecast": {"folder": "forecast", "seed": fc.run.seed, "monthly": monthly_forecast(fc.run, until),
                     "ensemble": fc.ensemble},
    }
    write_text_atomic(out / "fit_report.json", json.dumps(report, indent=2, default=str))
    write_text_atomic(out / "fit_report.md", to_markdown(report))
    return PosteriorCalibration(out, post, before, after, fc.ensemble, report)


def to_markdown(r: dict) -> str:
    p = r["posterior"]
    res = p["result"]
    lines = [f"# Posterior calibration of {r['scenario']} on observations up to {r['until']}", "",
             f"- method: ABC-SMC (pyabc) with the observation noise model as its kernel (docs/validation.md, "
             f"Posterior calibration); settings {json.dumps(p['settings'])}",
             f"- {res['simulations']} simulations over {res['generations']} generations; temperatures "
             + ", ".join(f"{t:.3g}" for t in res["temperatures"])
             + (" — reached 1: the exact posterior of the noise model" if res["exact"] else
                " — stopped above 1: the posterior is tempered, i.e. wider than the exact one"),
             f"- {res['particles']} particles, effective sample size {res['effective_size']:.0f}; "
             f"{r['observations']['training_figures']} training figures",
             f"- training score (mean of seeds {r['training']['seeds']}): scenario as written "
             f"{fmt_number(r['training']['before'])} → posterior medians {fmt_number(r['training']['posterior_medians'])}",
             "", "## Posterior (median and 90 % interval; prior = declared range)", "",
             "| parameter | scenario | median | 5 % | 95 % | prior range | scale |", "|---|---:|---:|---:|---:|---|---|"]
    for s in p["summary"]:
        lines.append(f"| `{s['path']}` | {s['scenario_value']:.4g} | {s['median']:.4g} | {s['q05']:.4g} | {s['q95']:.4g} | "
                     f"[{s['low']:g}, {s['high']:g}] | {'log' if s['log'] else 'linear'} |")
    ens = r["forecast"].get("ensemble")
    if ens:
        lines += ensemble_lines(ens, f"{ens['runs']} runs drawing from the posterior "
                                     f"({ens['posterior']['per_draw']} seeds per draw)")
        if ens.get("variance"):
            v = ens["variance"]
            lines += ["", f"**Which uncertainty dominates after the cut-off:** {describe(v)}.", "",
                      "| series | parameter share of variance (median over months) |", "|---|---:|"]
            lines += [f"| {k} | {'—' if s is None else f'{s:.0%}'} |" for k, s in v["median_parameter_share"].items()]
    return "\n".join(lines) + "\n"
