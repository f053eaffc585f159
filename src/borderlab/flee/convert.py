"""`borderlab flee convert`: a Flee folder → one self-contained scenario YAML (model: flee).

The YAML holds the locations, routes, closures, conflicts (as change points), the settings
as borderlab runs them (every honoured key written out, ignored ones dropped), and the
UNHCR series — inline by default, or as paths relative to the YAML with `link_series`.
`borderlab flee run` accepts it like a folder, with line-numbered errors if it is edited
into something invalid.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..reporting.outdir import check_output_file, replace_file
from .schema import FleeScenario

SIGNATURE = "converted by borderlab flee convert"   # first line of every file it writes


class _Dumper(yaml.SafeDumper):
    """Block style for mappings and long lists; short number/date pairs stay on one line."""


def _represent_list(dumper, data):
    flow = len(data) <= 12 and all(not isinstance(x, (dict, list, tuple)) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


def scenario_dict(sc: FleeScenario, link_series_from: Path | None = None, yaml_dir: Path | None = None,
                  series_files: dict[tuple[str, int], Path] | None = None) -> dict:
    """The YAML mapping for `sc` (defaults of locations and routes left out)."""
    data = sc.model_dump(mode="json")
    for loc in data["locations"]:
        for key in ("attributes", "conflict_date", "population", "region"):
            if loc.get(key) in ({}, None, ""):
                loc.pop(key)
    for r in data["routes"]:
        if r.get("forced_redirection") == 0:
            r.pop("forced_redirection")
        if not r.get("attributes"):
            r.pop("attributes")
    for c in data["closures"]:
        if c.get("name2") == "":
            c.pop("name2")
    if not data["initial_agents"]:
        data.pop("initial_agents")
    if data.get("conflicts") is None:
        data.pop("conflicts", None)
    if not data.get("demographics"):
        data.pop("demographics", None)
    if series_files:
        for s in data["validation"]["series"]:
            for j, src in enumerate(s["sources"]):
                path = series_files.get((s["name"], j))
                if path is not None:
                    src.pop("points", None)
                    src["file"] = os.path.relpath(path, yaml_dir) if yaml_dir is not None else str(path)
    for s in data["validation"]["series"]:
        for src in s["sources"]:
            if src.get("file") is None:
                src.pop("file", None)
            if src.get("points") is None:
                src.pop("points", None)
    order = ["model", "name", "description", "provenance", "start_date", "days", "settings", "locations", "routes",
             "closures", "conflicts", "initial_agents", "validation", "demographics"]
    return {k: data[k] for k in order if k in data}


def scenario_yaml(sc: FleeScenario, header: str = "", **kw) -> str:
    body = yaml.dump(scenario_dict(sc, **kw), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return header + body


def convert_folder(folder: Path | None, out: Path, *, input_csv=None, source_data=None, settings=None,
                   link_series: bool = False, force: bool = False) -> tuple[Path, list[str]]:
    """Read a Flee folder and write its scenario YAML to `out`; returns (out, warnings).
    An existing `out` is replaced only if flee convert wrote it (or with `force`)."""
    from .reader import FleePaths, read_flee_folder

    check_output_file(out, SIGNATURE, force)   # refused with the fix before the folder is read
    result = read_flee_folder(folder, input_csv=input_csv, source_data=source_data, settings=settings)
    sc = result.scenario
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    series_files = None
    if link_series:
        paths = FleePaths.from_folder(folder, input_csv, source_data, settings)
        series_files = _series_files(paths.source_data)
    source = sc.provenance.get("folder") or sc.provenance.get("input_csv", "")
    header = (f"# Flee case '{sc.name}' {SIGNATURE} from {source}\n"
              "# Run it with: borderlab flee run THIS_FILE.  Settings are written out in full (Flee's names);\n"
              "# keys of simsetting.yml that borderlab does not honour were dropped:\n"
              + "".join(f"#   {line}\n" for line in result.ignored_settings)
              + "# Keep the licence notice of the source data with any copy of this file.\n")
    replace_file(out, scenario_yaml(sc, header=header, yaml_dir=out.parent.resolve(), series_files=series_files),
                 SIGNATURE, force)
    return out, result.warnings


def _series_files(source_data: Path) -> dict[tuple[str, int], Path]:
    """(series name, source index) → file, from data_layout.csv (same reading rules)."""
    import csv
    out = {}
    text = (source_data / "data_layout.csv").read_text(encoding="utf-8-sig")
    for row in csv.reader(text.splitlines()):
        if len(row) < 2 or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        files = [f.strip() for f in row[1:] if f.strip()]
        for j, f in enumerate(files):
            out[(row[0].strip(), j)] = (source_data / f).resolve()
    return out
