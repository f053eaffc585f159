"""Benchmark (not a test): size of belarus-eu-2021's report.html and its render time in Chromium.

Targets (issue #11): the report is under 10 MB and renders in a browser in under 3 s. Prints
the file size, the time to build the page in Python, and for each of `--loads` page loads in
one headless Chromium (the system `chromium`, as the browser tests use): navigation start →
DOMContentLoaded (plotly.js parsed, every figure script run) and navigation start → every
chart drawn (each plot div holds its SVG and traces; timed inside the page, so polling adds
nothing). The same is timed for a page holding only plotly.js and one tiny chart, the floor
any plotly report starts from. The machine's load averages are printed too: on a shared
machine they explain slow figures.

    .venv/bin/python benchmarks/report_render.py                     # runs belarus-eu-2021 first
    .venv/bin/python benchmarks/report_render.py --folder runs/bel    # an existing output folder
    .venv/bin/python benchmarks/report_render.py --json figures.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# resolves (in page time) once every plot div has drawn its traces
ALL_DRAWN = """(n) => new Promise(resolve => {
  const drawn = () => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(d => d.querySelector('.main-svg') && d.querySelector('.cartesianlayer .trace, .barlayer .trace')).length;
  const check = () => drawn() >= n ? resolve(performance.now()) : requestAnimationFrame(check);
  check();
})"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", type=Path, help="An output folder to report on (default: run belarus-eu-2021).")
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--loads", type=int, default=3, help="Page loads to time (the first is cold).")
    ap.add_argument("--json", type=Path, help="Also write the figures here.")
    args = ap.parse_args()

    from browser_support import browser_page

    from borderlab.report import build_report

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "run"
            subprocess.run([sys.executable, "-m", "borderlab.cli", "run", args.scenario, "--out", str(folder), "-q",
                            "--no-report"], check=True)
        t0 = time.perf_counter()
        html = build_report(folder)
        build_s = time.perf_counter() - t0
        page_path = Path(tmp) / "report.html"
        page_path.write_text(html, encoding="utf-8")
        n = int(html.split('name="borderlab-figures" content="')[1].split('"')[0])
        baseline_path = Path(tmp) / "plotly-only.html"   # the floor: plotly.js parsed, one tiny chart drawn
        import plotly.graph_objects as go
        go.Figure(go.Scatter(x=[0, 1], y=[0, 1])).write_html(baseline_path, include_plotlyjs=True, include_mathjax=False)
        loads, baseline = [], []
        with browser_page() as (page, errors, requests):
            for _ in range(args.loads):
                for path, count, into in ((page_path, n, loads), (baseline_path, 1, baseline)):
                    page.goto(path.as_uri(), wait_until="commit")
                    drawn_ms = page.evaluate(ALL_DRAWN, count)
                    dcl_ms = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
                    into.append({"dom_content_loaded_s": round(dcl_ms / 1000, 3), "all_drawn_s": round(drawn_ms / 1000, 3)})
        figures = {
            "folder": str(folder), "size_mb": round(page_path.stat().st_size / 1e6, 2), "figures": n,
            "build_s": round(build_s, 2), "loads": loads, "plotly_js_only_loads": baseline,
            "network_requests": [u for u in requests if not u.startswith("file://")], "console_errors": errors,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
