"""The outcomes a planner weighs (PRODUCT.md, "Users and the questions they bring"), one
number per run, per defending country and in total, over the period or a window.

Each outcome reduces one daily metric of docs/outputs.md: `total` sums a flow (or a stock,
giving person-days or guard-days) over the window's days, `peak` takes its largest daily
value. `better` says which way is better for the planner, so that "better in 97 % of paired
runs" means something; outcomes where it depends on the goal (detentions are the lawful
alternative to pushbacks; repatriations end suffering but also journeys) say neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..errors import BorderlabError

TOTAL = "all"
CROSSED = ("new_undetected", "new_unstopped", "new_released")  # every way across the line: unseen, seen, released


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str
    metric: str
    reduce: str  # "total", "peak" or "mean" (over the window's days)
    better: str | None  # "lower", "higher" or None (depends on the goal)
    unit: str = "people"


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("attempts", "attempts recorded", "new_attempts", "total", "lower"),
    Outcome("unseen_crossings", "unseen crossings", "new_undetected", "total", "lower"),
    Outcome("onward_arrivals", "onward arrivals", "new_onward", "total", "lower"),
    Outcome("detentions", "detentions", "new_detentions", "total", None),
    Outcome("deaths", "deaths", "new_deaths", "total", "lower"),
    Outcome("peak_in_zone", "peak people in the zone", "n_in_zone", "peak", "lower"),
    Outcome("person_days_below_0c", "person-days in the zone below 0 °C", "person_days_below_0c", "total", "lower",
            "person-days"),
    Outcome("guard_days", "guard-days on duty", "guards_on_duty", "total", "lower", "guard-days"),
    Outcome("peak_fatigue", "peak guard fatigue", "guard_fatigue", "peak", "lower", "0–1"),
    Outcome("repatriations", "repatriations", "new_repatriated", "total", None),
)
# Flee input folders have no border: what a comparison of their settings can report
FLEE_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("peak_in_camps", "peak people in camps", "sim_refugees", "peak", None),
    Outcome("peak_agents", "peak agents", "n_agents", "peak", None),
    Outcome("mean_total_error", "mean total error vs UNHCR (ARD)", "total_error", "mean", "lower", "share"),
)
BY_NAME = {o.name: o for o in OUTCOMES + FLEE_OUTCOMES}


def parse_window(text: str | None, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """`A:B` (ISO dates, inclusive; either side may be empty) → the window, inside the period."""
    if not text:
        return start, end
    if ":" not in text:
        raise BorderlabError(f"--window {text}: expected START:END, e.g. 2021-10-01:2021-11-30")
    a, b = text.split(":", 1)
    try:
        lo = dt.date.fromisoformat(a.strip()) if a.strip() else start
        hi = dt.date.fromisoformat(b.strip()) if b.strip() else end
    except ValueError:
        raise BorderlabError(f"--window {text}: dates are written YYYY-MM-DD, e.g. 2021-10-01:2021-11-30") from None
    if lo > hi:
        raise BorderlabError(f"--window {text}: starts after it ends")
    if lo < start or hi > end:
        raise BorderlabError(f"--window {text}: outside the simulated period {start} … {end}")
    return lo, hi


REDUCED = {"total": "", "peak": ":max", "mean": ":mean"}  # outcome reduce → key suffix of ArmsResult.window_totals


def run_outcomes(result, window: tuple[dt.date, dt.date], countries: list[str],
                 outcomes: tuple[Outcome, ...] = OUTCOMES) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """{(outcome, scope): {arm: values by pair}} of an ArmsResult (its `window_totals`).

    Scopes are the defending `countries` and `all`; a peak over `all` of a per-country ratio
    (fatigue) is the largest country's peak. Outcomes whose metric the runs lack are left out."""
    scopes = list(countries) + [TOTAL]
    totals = result.window_totals(window[0], window[1], {o.metric for o in outcomes}, scopes)
    cells: dict[tuple[str, str, str], np.ndarray] = {}
    for arm, by_key in totals.items():
        for o in outcomes:
            for scope in scopes:
                if (o.metric + REDUCED[o.reduce], scope) in by_key:
                    cells[(o.name, scope, arm)] = by_key[(o.metric + REDUCED[o.reduce], scope)]
    for o in outcomes:  # a total over countries of a ratio's peak: the worst country
        if o.reduce == "peak" and not any(k[0] == o.name and k[1] == TOTAL for k in cells):
            per_arm: dict[str, list[np.ndarray]] = {}
            for (name, scope, arm), v in cells.items():
                if name == o.name:
                    per_arm.setdefault(arm, []).append(v)
            for arm, vs in per_arm.items():
                cells[(o.name, TOTAL, arm)] = np.max(np.vstack(vs), axis=0)
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for o in outcomes:
        for scope in scopes:
            arms = {arm: v for (name, s, arm), v in cells.items() if name == o.name and s == scope}
            if arms:
                out[(o.name, scope)] = arms
    return out
