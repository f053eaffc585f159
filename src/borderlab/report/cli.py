"""`borderlab report PATH`: write one self-contained report.html for an output folder.

Also `add_report(folder, enabled, kind)`, the one call every writing command makes at its
end (unless `--no-report`), so all of them write their report the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

NO_REPORT_HELP = ("Write report.html, the self-contained HTML report (docs/report.md); --no-report skips it "
                  "(`borderlab report` writes it later).")


def report(
    path: Path = typer.Argument(..., help="An output folder: a run, ensemble, calibration, sensitivity, Flee run or "
                                          "ensemble, compare, allocate, tradeoffs, backtest or forecast."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (default: PATH/report.html)."),
    force: bool = typer.Option(False, "--force", help="Replace --out even if it is a file borderlab did not write."),
):
    """Write one self-contained report.html for an output folder: interactive charts, map,
    timeline, assumptions and provenance; it opens from disk with no network."""
    from rich.console import Console

    from .write import write_report_for

    written = write_report_for(path, out, force)
    Console().print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)", highlight=False)


def add_report(folder: Path, enabled: bool = True, kind: str | None = None) -> Path | None:
    """Write FOLDER/report.html when `enabled` (a command's `--report/--no-report`); `kind`
    when the folder's marker is not written yet (inside an atomic folder)."""
    if not enabled:
        return None
    from ..reporting.outdir import LOCK_WAIT_S, output_lock
    from .write import write_report_for
    if kind is not None:        # a folder being built: no other writer can see it
        return write_report_for(folder, kind=kind)
    with output_lock(folder, LOCK_WAIT_S):   # a finished study folder: one writer at a time
        return write_report_for(folder)
