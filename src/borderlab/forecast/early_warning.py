"""Early warning: `borderlab forecast SCENARIO --as-of DATE --weeks 6 --out DIR`.

What a planner asks on a Monday: how many attempts, turn-backs and people in the zone per
country in each of the next weeks, and how sure is that? The forecast uses only what was
known on DATE: the scenario's inputs (flights, visas, the timeline's policies are inputs)
and the observed figures whose period ends on or before DATE — the posterior is fitted on
those alone (`origin.py`), or an existing posterior fitted no later than DATE is reused
(`--posterior`). The posterior ensemble then runs to DATE + weeks; its members give each
week's band (flows: the week's total; people in the zone: the count on the week's last day).

Beside it, the statistical baselines (`baselines.py`) forecast the same weeks from the
observed weekly series known on DATE, so a reader sees at once where the simulator and a
model that only extrapolates disagree. How the two have compared in the past is the
weekly skill of `borderlab backtest` (docs/validation.md, "Early warning").

Writes OUT/forecast.csv (one row per week, country and quantity: q05 … q95),
OUT/baselines.csv, OUT/forecast.json, OUT/forecast.md and OUT/plots/forecast.png, beside
OUT/posterior/ and OUT/forecast/ (the ensemble).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Callable

import numpy as np

from .. import __version__
from ..analysis.run_data import LEVELS, QUANTILES
from ..analysis.validation import _csv
from ..errors import Problem, ScenarioError
from ..studies.store import write_atomic
from .backtest import training_end
from .observed_series import observed_series
from .origin import FitSettings, forecast_from, load_with_observations
from .predictive import BANDS, model_error_at, weekly_samples
from .weekly_skill import baseline_forecasts, defenders, history, simulator_weeks, weekly_keys

FLOWS = ("new_attempts", "new_turnbacks")
STOCK = "n_in_zone"
BASELINE_COLORS = {"naive": "#ff7f0e", "ETS": "#2ca02c", "ARIMA": "#d62728"}
LABELS = {"new_attempts": "attempts", "new_turnbacks": "turn-backs", "new_detentions": "detentions",
          STOCK: "people in the zone (end of week)"}


def check_request(start: dt.date, end: dt.date, last: dt.date, as_of: dt.date, weeks: int) -> None:
    problems = []
    if weeks <= 0:
        problems.append(Problem("--weeks", f"{weeks}: need at least 1 week", "e.g. --weeks 6"))
    if as_of > last:
        problems.append(Problem("--as-of", f"{as_of} is after the last observed figure ({last}): nothing after it is known",
                                f"choose a date on or before {last}"))
    elif as_of < start:
        problems.append(Problem("--as-of", f"{as_of} is before the scenario starts ({start})",
                                "choose a date inside the simulated period"))
    elif weeks > 0 and as_of + dt.timedelta(days=7 * weeks) > end:
        problems.append(Problem("--weeks", f"{weeks} weeks from {as_of} run past the scenario's end {end}",
                                "forecast fewer weeks"))
    if problems:
        raise ScenarioError(problems)


def stock_weeks(data, key: tuple[str, str], as_of: dt.date, weeks: int) -> np.ndarray | None:
    """[weeks, members] value on the last day of each week after `as_of`."""
    m = data.members.get(key)
    if m is None or not len(m):
        return None
    last = [data.calendar.day(as_of) + 7 * (h + 1) for h in range(weeks)]
    return np.stack([m[:, d] if d < m.shape[1] else np.full(len(m), np.nan) for d in last])


def week_label(as_of: dt.date, h: int) -> tuple[str, str]:
    a = as_of + dt.timedelta(days=7 * h + 1)
    return str(a), str(a + dt.timedelta(days=6))


def band_rows(data, as_of: dt.date, weeks: int, countries: list[str], discrepancy: float = 0.0) -> list[dict]:
    """Per week, country and quantity: the band of the figure a source will report (q05 … q95:
    the members seen through report noise and the model error, `predictive.py`) and the
    model's own band (model_q05 … model_q95: parameter and run-to-run spread only)."""
    rows = []
    for country in countries:
        for metric in FLOWS + (STOCK,):
            key = (metric, country)
            members = stock_weeks(data, key, as_of, weeks) if metric == STOCK else simulator_weeks(data, key, as_of, weeks)
            if members is None:
                continue
            for h in range(weeks):
                q = np.quantile(weekly_samples(members[h], discrepancy, f"{key}@{as_of}+{h}"), LEVELS)
                start, end = week_label(as_of, h)
                rows.append({"week": h + 1, "week_start": start, "week_end": end, "country": country,
                             "quantity": LABELS[metric], "metric": metric,
                             **{name: round(float(v), 1) for name, v in zip(QUANTILES, q)},
                             **{f"model_{name}": round(float(v), 1)
                                for name, v in zip(QUANTILES, np.quantile(members[h], LEVELS))}})
    return rows


def baseline_rows(observations, as_of: dt.date, weeks: int, countries: list[str]) -> list[dict]:
    """The baselines' median and 90 % interval for each observed border flow."""
    rows = []
    flows = weekly_keys(countries)
    for key, series in observed_series(observations, as_of).items():
        if key not in flows:
            continue
        forecasts, n_hist, gap = baseline_forecasts(series, as_of, weeks)
        for name, members in forecasts.items():
            for h in range(weeks):
                start, end = week_label(as_of, h)
                rows.append({"week": h + 1, "week_start": start, "week_end": end, "country": key[1],
                             "quantity": LABELS.get(key[0], key[0]), "metric": key[0], "baseline": name,
                             "q05": round(float(members[h][0]), 1), "q50": round(float(np.median(members[h])), 1),
                             "q95": round(float(members[h][-1]), 1), "history_weeks": n_hist,
                             "gap_weeks": gap})
    return rows


def early_warning(scenario: str, as_of: dt.date, weeks: int, out: Path, *, settings: FitSettings = FitSettings(),
                  posterior_dir: Path | None = None, workers: int = 1, scheduler: str | None = None,
                  plots: bool = True, log: Callable[[str], None] | None = None, force: bool = False) -> dict:
    """Fit (or reuse) the posterior as of `as_of`, forecast `weeks` weeks, write OUT (`force`:
    replace an `out` that holds something else)."""
    from ..reporting.outdir import study_folder

    loaded, observations = load_with_observations(scenario, "the forecast is fitted to the figures known on --as-of")
    sc = loaded.scenario
    check_request(sc.start, sc.end, training_end(observations), as_of, weeks)
    posterior = None
    if posterior_dir is not None:
        from .posterior import load_posterior

        posterior = load_posterior(Path(posterior_dir))
        posterior.check_scenario(loaded)
        if posterior.until > as_of:
            raise ScenarioError([Problem(f"--posterior {posterior_dir}", f"was fitted on figures up to {posterior.until}, "
                                         f"after --as-of {as_of}", "use a posterior fitted on or before --as-of, "
                                         "or leave --posterior out to fit one")])
    end = as_of + dt.timedelta(days=7 * weeks)
    countries = defenders(sc)
    keys = set(weekly_keys(countries)) | {(STOCK, c) for c in countries}
    with study_folder(Path(out), "forecast", force) as out:
        fc = forecast_from(scenario, as_of, end, out, settings, keys=keys, workers=workers, scheduler=scheduler,
                           posterior=posterior)
        model_error, _ = model_error_at(observations, fc.data, as_of)
        bands = band_rows(fc.data, as_of, weeks, countries, model_error.sd)
        baselines = baseline_rows(observations, as_of, weeks, countries)
        result = {"borderlab_version": __version__, "scenario": sc.name, "as_of": str(as_of), "weeks": weeks,
                  "posterior": str(fc.posterior.folder), "posterior_until": str(fc.posterior.until),
                  "runs": settings.runs, "simulations_fit": fc.simulations, "bands_are": BANDS,
                  "model_error": model_error.as_dict(),
                  "known_figures": sum(1 for o in observations if o.role != "input" and o.end <= as_of),
                  "bands": bands, "baselines": baselines}
        write_atomic(out / "forecast.csv", _csv(bands))
        write_atomic(out / "baselines.csv", _csv(baselines))
        write_atomic(out / "forecast.md", "\n".join(markdown(result)) + "\n")
        if plots:
            plot_forecast(result, observed_series(observations, as_of), out / "plots" / "forecast.png")
        write_atomic(out / "forecast.json", json.dumps(result, indent=2))
    if log:
        log(f"forecast as of {as_of}: {len(bands)} weekly bands, {len(baselines)} baseline rows → {out}")
    return result


def markdown(result: dict) -> list[str]:
    lines = [f"# Early warning: {result['scenario']} as of {result['as_of']}", "",
             f"Posterior fitted on the figures known by {result['posterior_until']}; {result['runs']} posterior runs. "
             "Median and 90 % band of each week's total (people in the zone: on the week's last day) as a source "
             "would report it: the posterior runs seen through report noise and the model error "
             f"(σ = {result['model_error']['sd']:.2f} on the ln(1 + x) scale, estimated from the "
             f"{result['model_error']['figures']} figures known by then; docs/validation.md, \"Posterior predictive bands\"). "
             "The model's own band, without them, is in forecast.csv (model_q05 … model_q95).", "",
             "| week | from | country | quantity | q05 | median | q95 |", "|---:|---|---|---|---:|---:|---:|"]
    for r in result["bands"]:
        lines.append(f"| {r['week']} | {r['week_start']} | {r['country']} | {r['quantity']} | {r['q05']:,.0f} | "
                     f"{r['q50']:,.0f} | {r['q95']:,.0f} |")
    if result["baselines"]:
        lines += ["", "## Statistical baselines on the observed weekly series", "",
                  "| week | country | quantity | baseline | q05 | median | q95 |", "|---:|---|---|---|---:|---:|---:|"]
        for r in result["baselines"]:
            lines.append(f"| {r['week']} | {r['country']} | {r['quantity']} | {r['baseline']} | {r['q05']:,.0f} | "
                         f"{r['q50']:,.0f} | {r['q95']:,.0f} |")
    return lines


def plot_forecast(result: dict, known: dict, path: Path) -> Path:
    """Per country and quantity: the simulator's weekly bands, the baselines' medians and the
    observed weekly history (reconstructed) before the as-of date."""
    from matplotlib.figure import Figure

    from ..reporting.plots import save_figure

    panels = sorted({(r["country"], r["metric"]) for r in result["bands"]})
    cols = 3
    rows = max(1, -(-len(panels) // cols))
    fig = Figure(figsize=(4 * cols, 2.8 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    as_of = dt.date.fromisoformat(result["as_of"])
    for ax, (country, metric) in zip(axes, panels):
        band = [r for r in result["bands"] if (r["country"], r["metric"]) == (country, metric)]
        x = [r["week"] for r in band]
        ax.fill_between(x, [r["q05"] for r in band], [r["q95"] for r in band], alpha=0.2, label="simulator 90 %")
        ax.plot(x, [r["q50"] for r in band], marker="o", label="simulator median")
        for name in sorted({r["baseline"] for r in result["baselines"]}):
            b = [r for r in result["baselines"] if (r["country"], r["metric"], r["baseline"]) == (country, metric, name)]
            if b:
                ax.plot([r["week"] for r in b], [r["q50"] for r in b], ls="--", lw=1, label=name,
                        color=BASELINE_COLORS.get(name))
        series = known.get((metric, country))
        if series is not None:
            hist, gap = history(series, as_of)
            hist = hist[-8:]
            ax.plot(np.arange(-len(hist) + 1, 1) - gap, hist, color="black", marker=".", lw=1, label="observed (reconstructed)")
        ax.axvline(0.5, color="#444444", ls=":", lw=0.8)
        ax.set_title(f"{country}: {LABELS[metric]}", fontsize=8)
        ax.set_xlabel(f"weeks after {as_of}", fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=len(handles), fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path)
    return path
