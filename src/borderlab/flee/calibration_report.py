"""fit_report.json and fit_report.md of a Flee calibration: settings, and the error of the
shipped and calibrated settings side by side, in the training window and after it."""

from __future__ import annotations

import json
from pathlib import Path

from ..reporting.atomic import write_text_atomic


def _ms(x: dict) -> str:
    return f"{x['mean']:.4f} ± {x['sd']:.4f}"


def report_markdown(r: dict) -> str:
    ship, cal = r["ard"]["shipped"], r["ard"]["calibrated"]
    gain = r["after_improvement"]
    lines = [
        f"# Calibration of {r['case']} (Flee folder)",
        "",
        f"Source `{r['source']}` (case sha256 {r['case_sha256'][:16]}…), {r['days']} days "
        f"{r['period'][0]} → {r['period'][1]}.",
        f"Fitted on the UNHCR camp series of days 0 … {r['until_day']} ({r['until_date']}, {r['training_days']} days) only, "
        "as reported by then (reports and registration corrections dated after it left out); "
        f"the {r['forecast_days']} days after are a forecast, scored against the folder's final series.",
        "",
        *_fit_lines(r),
        "",
        "## Flee's ARD, shipped vs calibrated settings",
        "",
        f"Mean ± sd over {r['forecast']['runs_per_arm']} runs each (seeds {r['forecast']['seeds'][0]}–"
        f"{r['forecast']['seeds'][-1]}, not the training seeds; calibrated: {_sets(r)} × {r['forecast']['seeds_per_set']} seeds).",
        "",
        "| settings | training window (days 0 … DAY, against the series as reported by DAY) | after DAY (forecast) |",
        "|---|---|---|",
        f"| shipped (simsetting.yml of the folder) | {_ms(ship['training'])} | {_ms(ship['after'])} |",
        f"| calibrated | {_ms(cal['training'])} | {_ms(cal['after'])} |",
        "",
        (f"After DAY the calibrated settings' ARD is {abs(gain) * 100:.1f} % {'lower' if gain >= 0 else 'higher'} "
         "than the shipped settings'." if gain is not None else "The shipped settings' after-DAY ARD is 0."),
        "",
        "## After DAY, per camp",
        "",
        "Each camp's share of the after-DAY ARD (mean over those days of |sim − UNHCR| ÷ UNHCR total; "
        "the shares add up to the ARD).",
        "",
        "| camp | shipped | calibrated |",
        "|---|---|---|",
    ]
    lines += [f"| {c['camp']} | {c['shipped']:.4f} | {c['calibrated']:.4f} |" for c in r["camps_after"]]
    lines += ["", "## Settings", "", "| setting | shipped | fitted | range | source of the range |", "|---|---|---|---|---|"]
    for p in r["params"]:
        scale = ", log" if p["log"] else (", integer" if p["integer"] else "")
        lines.append(f"| `{p['path']}` | {p['shipped']:.4g} | {p['fitted']:.4g} | [{p['low']:g}, {p['high']:g}]{scale} | {p['source']} |")
    lines += ["", "Files: `simsetting.yml` (the calibrated settings: `borderlab flee run FOLDER --settings "
              "simsetting.yml`), `forecast.parquet` (bands per camp and day, both settings), "
              "`plots/forecast_camps.png`, " + ("`posterior.parquet`/`.json` (weighted particles), `abc.db` (pyabc's "
              "history)." if r.get("method") == "abc" else "`study.journal` (every trial; rerun the command to add trials)."),
              "", "Spawning follows the folder's UNHCR total over the whole period in both ensembles (Flee's design), "
              "so the after-DAY error measures where people go, not how many leave.", ""]
    return "\n".join(lines)


def _fit_lines(r: dict) -> list[str]:
    if r.get("method") == "abc":
        from .calibration_abc_report import abc_fit_lines

        return abc_fit_lines(r)
    return [
        f"Objective: {r['objective']['what']}; penalty {r['objective']['penalty']:g}, seeds {r['objective']['seeds']}.",
        f"Trials: {r['trials']['in_study']} in study.journal ({r['trials']['new']} this run, "
        f"{r['trials']['fit_wall_s']:.1f} s wall, {r['trials']['fit_cpu_s']:.1f} s CPU in the simulations, "
        f"{r['trials']['workers']} worker(s), load average {r['trials']['load_average'][0]:.1f} at the end); "
        f"calibrated: trial #{r['trials']['best']['number']}.",
        *_selection_lines(r),
    ]


def _selection_lines(r: dict) -> list[str]:
    sel, best = r.get("selection") or {}, r["trials"]["best"]
    if not sel.get("holdout_days"):
        return ["Selection: the trial with the best objective (no days held out: `--holdout 0`)."]
    ship = sel.get("shipped_validation_ard")
    return [f"Selection (guard against overfitting): days {sel['held_out'][0]} … {sel['held_out'][1]} were held out of "
            f"the objective; {sel['what']}. Its ARD there: {best['validation_ard']:.4f}"
            + (f" (shipped settings: {ship:.4f})." if ship is not None else ".")]


def write_fit_report(out: Path, report: dict) -> None:
    write_text_atomic(Path(out) / "fit_report.json", json.dumps(report, indent=2, default=float) + "\n")
    write_text_atomic(Path(out) / "fit_report.md", report_markdown(report))


def _sets(r: dict) -> str:
    n = r["forecast"]["settings_sets"]
    if r.get("method") == "abc":
        return f"the {n} posterior draws"
    return "the chosen settings" if n == 1 else f"the {n} best distinct settings"
