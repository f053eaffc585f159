"""The UNHCR camp counts a Flee posterior is fitted to, each with its noise width.

`calibrate FLEE_FOLDER --method abc` compares one run with the camps' UNHCR reports
themselves — each row of a camp's source_data series, on its own date — not with the
daily values Flee interpolates between them (an interpolated day before DAY leans on the
first report after DAY, and adjacent interpolated days would count one report many times).
Only rows dated day 0 … DAY are used, and only the registration corrections dated on or
before DAY are applied: a later correction rescales the earlier rows by the ratio of two
later reports, which would carry figures from after DAY into the fit.

Each figure gets the project's observation model (forecast/observation_model.py):
ln(count + 1) = ln(simulated + 1) + σ·ε, ε ~ Student-t(3), with

    σ² = σ_report² + σ_rounding² + σ_model²

σ_report = 0.05 and σ_rounding (trailing zeros read as rounding, unit/√12 on the log scale)
as for the scenario figures; σ_model = `discrepancy` (default 0.3, the scenario fit's
default): Flee is an idealisation, and its best settings do not reproduce each camp
exactly. The UNHCR reports carry no qualifiers, ranges or competing values, so those terms
are 0. Figures are taken as independent given the run (as for scenarios: a camp reported
weekly weighs more than one reported monthly).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np

from ..analysis.measures import LOG_OFFSET
from ..forecast.observation_model import REPORT_SD, rounding_sd
from .validation import reported_by


@dataclass(frozen=True)
class CampFigure:
    """One UNHCR report of one camp (count ÷ hasten, as the run counts agents)."""

    key: str
    camp: str
    column: int          # the camp's column in the run's camp table
    day: int
    date: dt.date
    value: float
    sd: float
    parts: dict

    @property
    def log_value(self) -> float:
        return float(np.log(max(self.value, 0.0) + LOG_OFFSET))


def camp_figures(case, camps: list[str], day: int, discrepancy: float) -> list[CampFigure]:
    """Every report of the camps `camps` (in the run's column order) dated day 0 … `day`."""
    sc = case.scenario
    tables = reported_by(sc, case.loaded.base_dir, case.loaded.locate, day).tables
    hasten = sc.settings.hasten
    out = []
    for column, camp in enumerate(camps):
        for i, (offset, value) in enumerate(tables.get(camp, np.zeros((0, 2)))):
            d = int(offset)
            if not (0 <= d <= day and math.isfinite(value)):
                continue
            parts = {"report": REPORT_SD, "rounding": rounding_sd(value * hasten), "model": float(discrepancy)}
            out.append(CampFigure(f"{camp}#{i}", camp, column, d, sc.start_date + dt.timedelta(days=d), float(value),
                                  math.sqrt(sum(v * v for v in parts.values())), parts))
    return out


def figures_sha256(figures: list[CampFigure]) -> str:
    """Identifies the data a posterior was fitted to (a report after DAY does not change it)."""
    text = json.dumps([[f.key, f.day, f.value] for f in figures])
    return hashlib.sha256(text.encode()).hexdigest()


def figure_json(f: CampFigure) -> dict:
    return {"id": f.key, "camp": f.camp, "date": str(f.date), "day": f.day, "observed": f.value, "sd": round(f.sd, 5),
            "parts": {k: round(v, 5) for k, v in f.parts.items() if v}}
