"""The report of a Flee calibration (`borderlab calibrate FLEE_FOLDER`, docs/flee.md): the
fitted settings, Flee's ARD of the shipped and calibrated settings before and after the
cut-off day, and each camp's forecast bands of both against UNHCR."""

from __future__ import annotations

from pathlib import Path

from .page import Section, Table
from .series import Line, Panel, series_figure

FORMAT = "borderlab-flee-calibration"
ARM_COLOUR = {"shipped": "#888888", "calibrated": "#d62728"}


def is_flee_calibration(fit: dict) -> bool:
    return str(fit.get("format", "")).startswith(FORMAT)


def flee_calibration_sections(folder: Path, fit: dict) -> list[Section]:
    params = Table(["setting", "shipped", "fitted", "low", "high", "scale", "source of the range"],
                   [[p["path"], p["shipped"], p["fitted"], p["low"], p["high"],
                     "log" if p.get("log") else "integer" if p.get("integer") else "", p.get("source")]
                    for p in fit.get("params", [])], caption="the settings calibration fitted, within their ranges")
    ard = fit.get("ard", {})
    rows = [[arm, _ms(ard[arm]["training"]), _ms(ard[arm]["after"])] for arm in ("shipped", "calibrated") if arm in ard]
    errors = Table(["settings", f"ARD days 0 … {fit.get('until_day')} (training)", "ARD after (forecast)"], rows,
                   caption=f"Flee's ARD, mean ± sd over {fit.get('forecast', {}).get('runs_per_arm', '?')} runs each, "
                           "seeds not used in the fit")
    camps = Table(["camp", "shipped", "calibrated"], [[c["camp"], c["shipped"], c["calibrated"]]
                                                      for c in fit.get("camps_after", [])],
                  caption="each camp's share of the after-cut-off ARD")
    sections = [Section("Fit", f"Settings fitted on the UNHCR camp series of days 0 … {fit.get('until_day')} "
                        f"({fit.get('until_date')}); the days after are a forecast, scored against the folder's "
                        "series.", [params, errors, camps])]
    bands = Path(folder) / "forecast.parquet"
    if bands.is_file():
        sections.append(Section("Forecast: camps against UNHCR", "Agents in each camp across the forecast runs — "
                                "median with 25–75 % and 5–95 % bands — for the shipped (grey) and calibrated (red) "
                                "settings, against UNHCR (black dashed); the dashed line is the cut-off day.",
                                [_camp_figure(bands, fit.get("until_date"))]))
    return sections


def _camp_figure(path: Path, until):
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pydict()
    panels = []
    for camp in dict.fromkeys(table["camp"]):
        lines = []
        for arm in ARM_COLOUR:
            rows = [i for i, (c, a) in enumerate(zip(table["camp"], table["arm"])) if c == camp and a == arm]
            if not rows:
                continue
            col = {k: np.array([table[k][i] for i in rows]) for k in ("date", "q05", "q25", "q50", "q75", "q95", "unhcr")}
            lines.append(Line(arm, col["date"], col["q50"], ARM_COLOUR[arm], band=(col["q05"], col["q95"]),
                              inner=(col["q25"], col["q75"])))
        lines.append(Line("UNHCR", col["date"], col["unhcr"], "#111111", dash="dash"))
        panels.append(Panel(camp, lines, [], "agents"))
    fig = series_figure(panels, panel_height=200)
    if until:
        fig.add_vline(x=str(until), line_dash="dash", line_color="#555555", line_width=1)
    return fig


def _ms(x: dict) -> str:
    return f"{x['mean']:.4f} ± {x['sd']:.4f}"
