"""Which kind of borderlab output a folder holds, and so which report it gets."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import BorderlabError, InputFileError
from ..reporting.outdir import output_kind

# the kinds a report is written for (flee-run / flee-ensemble: a run or ensemble of a Flee case)
KINDS = ("run", "flee-run", "ensemble", "flee-ensemble", "calibration", "sensitivity", "compare", "allocate",
         "tradeoffs", "backtest", "forecast")


def report_kind(folder: Path, kind: str | None = None) -> str:
    """The report kind of `folder` (from its marker, or `kind` when the caller knows it,
    e.g. a command writing its own folder before the marker is in place)."""
    folder = Path(folder)
    if not folder.exists():
        raise InputFileError(f"{folder}: folder not found\n    hint: give a folder written by a borderlab command")
    if not folder.is_dir():
        raise InputFileError(f"{folder}: is a file, not an output folder\n"
                             "    hint: give the folder a borderlab command wrote (e.g. runs/belarus)")
    kind = kind or output_kind(folder)
    if kind is None:
        raise BorderlabError(f"{folder}: not a borderlab output folder (no .borderlab.json, no manifest.json)\n"
                             f"    hint: give a folder written by one of: {', '.join(k for k in KINDS if 'flee' not in k)}")
    if kind in ("run", "ensemble") and _is_flee(folder):
        kind = f"flee-{kind}"
    if kind not in KINDS:
        raise BorderlabError(f"{folder}: a {kind} folder has no report\n"
                             f"    hint: reports are written for: {', '.join(k for k in KINDS if 'flee' not in k)}")
    return kind


def _is_flee(folder: Path) -> bool:
    if (folder / "out.csv").is_file():
        return True
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "flee" in (manifest.get("model"), manifest.get("kind"))
