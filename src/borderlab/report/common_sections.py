"""The sections every scenario-based report shares: map, timeline, assumptions, provenance."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from .assumptions import assumptions_rows
from .map import map_figure
from .page import Html, Image, Section, Table
from .style import esc, shown_folder
from .timeline import timeline_figure


def timeline_section(sc, x_range) -> Section:
    return Section("Timeline", "The scenario's events on the same dates as the charts (zooming any chart zooms "
                   "them all). Bars are spans (an event with an end date, a tactic phase); hover for the label and "
                   "source, click an event to open its source.", [timeline_figure(sc, x_range, title=None)])


def map_section(sc, crossings: dict[str, float] | None, period: str = "") -> Section:
    from .layout_geo import node_places

    where = "at their coordinates" if node_places(sc)[1] else "drawn schematically (the scenario gives no coordinates)"
    intro = (f"Nodes of the scenario {where}: the capital (star), staging areas (squares), border-zone "
             "stretches (diamonds), interiors (circles), flight routes (dashed). Each border segment is a short bar "
             "across the path from its zone to its interior, its length proportional to the segment's km")
    intro += (f", coloured by crossing attempts {period}." if crossings else ", coloured by defending country.")
    intro += (" The map omits coastlines, rivers, real borders and terrain; see docs/report.md.")
    return Section("Map", intro, [map_figure(sc, crossings, title="")])


def assumptions_section(sc) -> Section:
    rows = assumptions_rows(sc)
    table = Table(["parameter", "value", "range", "unit", "confidence", "free", "source"],
                  [[r["path"], r["value"], "" if r["range"] is None else f"{r['range'][0]:g} – {r['range'][1]:g}",
                    r["unit"], r["confidence"] + (" ⚑" if r["contested"] and r["confidence"] != "contested" else ""),
                    "yes" if r["free"] else "", r["source"]] for r in rows],
                  flag=[r["contested"] for r in rows], filterable=True,
                  caption=f"{len(rows)} parameters; highlighted rows are contested or unverified claims")
    n_contested = sum(r["contested"] for r in rows)
    return Section("Assumptions", f"Every number of the scenario as run, with its plausible range, source and "
                   f"confidence (official / estimate / assumption / contested). {n_contested} rows are contested or "
                   "belong to an unverified claim (highlighted); `free` marks what calibration may fit.", [table])


PROVENANCE_KEYS = ["borderlab_version", "borderlab", "format", "study", "model", "scenario", "case", "source",
                   "scenario_file", "scenario_file_sha256", "scenario_sha256", "case_sha256", "fingerprint", "seed",
                   "base_seed", "runs", "overrides", "command_line", "until", "until_day", "until_date", "as_of",
                   "created_utc", "created", "python", "platform", "packages", "wall_time_s"]


def provenance_section(folder: Path, manifest: dict) -> Section:
    rows = [[k, manifest[k]] for k in PROVENANCE_KEYS if k in manifest and manifest[k] not in (None, "", [], {})]
    rows.append(["command that wrote this report", shlex.join(sys.argv) if sys.argv and sys.argv[0] else "borderlab (library call)"])
    rows.append(["folder", shown_folder(folder)])
    outputs = manifest.get("outputs")
    blocks = [Table(["what", "value"], rows)]
    if outputs:
        blocks.append(Html(f"<p class=\"intro\">files: {esc(', '.join(map(str, outputs)))}</p>"))
    return Section("Provenance", "What was run, exactly (from manifest.json): the version, the scenario file and "
                   "the hash of the scenario as run, the seed, the overrides. The same version, scenario hash, seed "
                   "and overrides give the same numbers.", blocks)


def png_blocks(folder: Path, names: list[str] | None = None) -> list:
    """The PNG figures a command drew (plots/*.png), inlined as images."""
    plots = Path(folder) / "plots"
    files = sorted(plots.glob("*.png")) if plots.is_dir() else []
    if names is not None:
        files = [f for f in files if f.stem in names]
    return [Image(f, f"plots/{f.name}") for f in files]
