"""report.html in a real browser (headless Chromium): every chart renders, nothing is fetched
from the network, no console errors, and zooming one date chart zooms the others.

Skips with a message when Chromium or Playwright is missing (browser_support.py). The
screenshot is kept in tests/artifacts/report-toy.png (not committed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from browser_support import artifact_path, browser_page, chromium_path
from conftest import TOY

RENDER_TIMEOUT_MS = 60_000   # generous: a loaded 2-core CI machine; speed is measured in benchmarks/


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    chromium_path()   # skip before running anything when there is no browser
    out = tmp_path_factory.mktemp("browser") / "toy"
    result = CliRunner().invoke(app, ["run", TOY, "--out", str(out), "--seed", "3", "-q"])
    assert result.exit_code == 0, result.output
    return out / "report.html"


RENDERED = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(d => d.querySelector('.main-svg') && d.querySelector('.cartesianlayer .trace, .barlayer .trace')).length"""


def test_every_chart_renders_offline_and_zooms_together(report):
    expected = int(re.search(r'name="borderlab-figures" content="(\d+)"', report.read_text(encoding="utf-8")).group(1))
    window = ["2021-09-03", "2021-09-08"]
    with browser_page() as (page, errors, requests):
        page.goto(report.as_uri())
        page.wait_for_function(f"({RENDERED})() >= {expected}", timeout=RENDER_TIMEOUT_MS)
        assert page.evaluate(RENDERED) == expected == page.locator(".js-plotly-plot").count()
        assert page.locator("section h2").all_inner_texts()[:3] == ["Summary per country", "Timeline", "Crossings"]
        page.screenshot(path=str(artifact_path("report-toy.png")), full_page=True)
        # zoom the timeline: every chart on dates follows, the map (in degrees) does not
        page.evaluate("(w) => Plotly.relayout(plotIn('Timeline'), {'xaxis.range': w})".replace(
            "plotIn", PLOT_IN), window)
        page.wait_for_timeout(300)
        ranges = page.evaluate("""() => { const p = (PLOT_IN)('Crossings');
            return Object.keys(p.layout).filter(k => /^xaxis\\d*$/.test(k)).map(k => p.layout[k].range); }"""
                               .replace("PLOT_IN", PLOT_IN))
        map_range = page.evaluate(f"() => ({PLOT_IN})('Map').layout.xaxis.range")
    assert ranges and all([str(r[0])[:10], str(r[1])[:10]] == window for r in ranges), ranges
    assert not str(map_range[0]).startswith("2021")
    assert errors == []
    assert requests and all(url.startswith("file://") for url in requests), requests


PLOT_IN = """(title => Array.from(document.querySelectorAll('h2')).find(h => h.textContent === title)
    .closest('section').querySelector('.js-plotly-plot'))"""
