"""Write `report.html` for an output folder: detect its kind, build its sections, write the
page atomically (a report never appears half written)."""

from __future__ import annotations

from pathlib import Path

from ..reporting.atomic import write_text_atomic
from ..reporting.outdir import replace_file
from .detect import report_kind
from .page import SIGNATURE, render_page

REPORT_FILE = "report.html"


def _builders():
    from .run_sections import run_report
    from .study_sections import (allocate_report, backtest_report, calibration_report, compare_report,
                                 flee_report, sensitivity_report, tradeoffs_report)
    return {"run": run_report, "ensemble": run_report, "flee-run": flee_report, "flee-ensemble": flee_report,
            "calibration": calibration_report, "sensitivity": sensitivity_report, "compare": compare_report,
            "allocate": allocate_report, "tradeoffs": tradeoffs_report, "backtest": backtest_report,
            "forecast": backtest_report}


def build_report(folder: Path, kind: str | None = None) -> str:
    """The report of `folder` as one HTML string (kind detected from the folder unless given)."""
    kind = report_kind(folder, kind)
    title, subtitle, sections = _builders()[kind](Path(folder))
    return render_page(title, subtitle, sections)


def write_report_for(folder: Path, out: Path | None = None, force: bool = False, kind: str | None = None) -> Path:
    """Write the report of `folder` to `out` (default FOLDER/report.html); returns its path.

    Inside the folder it is written atomically and replaces an earlier report; elsewhere an
    existing file is replaced only if it is a borderlab report (or with `force`)."""
    html = build_report(folder, kind)
    if out is None:
        path = Path(folder) / REPORT_FILE
        write_text_atomic(path, html)
        return path
    return replace_file(Path(out), html, SIGNATURE, force)
