"""`borderlab explore` in headless Chromium: start it on a free localhost port, change a lever,
run, and check the page's numbers against `borderlab run` with the same overrides and seed;
a bad value shows the schema's message; two tabs keep their own runs; nothing leaves 127.0.0.1.

Skips (with a message) without the system chromium or Playwright: tests/browser_support.py."""

from __future__ import annotations

import json
import io
import os
import re
import subprocess
import sys
import threading
import time
import zipfile
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from browser_support import artifact_path, browser_page, chromium_path
from borderlab.cli import app
from borderlab.explore.metrics import KEY_METRICS, key_numbers

LEVER = ".lever-defenders-AA-reception_capacity input"
OVERRIDES = ["defenders.AA.reception_capacity=20", "supply.arrivals=poisson"]
SEED = 7
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def explorer():
    """`borderlab explore toy-border --port 0` as a subprocess: it picks a free port and prints
    the URL, which this reads; yields the URL once the page answers."""
    chromium_path()   # skip before starting a server nobody can look at
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "borderlab.cli", "explore", "toy-border", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(60)
        found = re.search(r"open (http://127\.0\.0\.1:\d+/)", lines[0] if lines else "")
        assert found, f"no URL printed: {lines!r}"
        url = found.group(1)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the explorer did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_status(page, word: str) -> None:
    page.locator("[data-testid=status]").filter(has_text=word).wait_for(timeout=WAIT_MS)


def _numbers(page, which: str) -> dict[str, dict[str, float]]:
    """{scope: {metric: value}} read from the data-value attributes of the numbers table."""
    out: dict = {}
    for scope in ("AA", "all"):
        for metric in KEY_METRICS:
            raw = page.locator(f"[data-testid={which}-{scope}-{metric}]").get_attribute("data-value")
            out.setdefault(scope, {})[metric] = float(raw)
    return out


def _set_and_run(page, reception: int, extra: str, seed: int) -> None:
    page.locator(LEVER).fill(str(reception))
    page.locator(LEVER).press("Enter")
    page.locator(".extra-overrides textarea").fill(extra)
    page.locator(".extra-overrides textarea").press("Tab")
    page.locator(".seed input").fill(str(seed))
    page.locator(".seed input").press("Enter")
    page.locator(".run-button button").click()


def test_levers_run_match_borderlab_run_in_two_tabs_and_bad_values_get_messages(explorer, tmp_path):
    """One browser, two tabs (two sessions): tab A changes a lever and runs; tab B runs another
    value at the same time; A's numbers equal `borderlab run` with the same overrides and seed,
    B's are its own; then a bad value in B shows the schema's message, not a traceback."""
    with browser_page({"width": 1400, "height": 1000}) as (page, errors, requests):
        other = page.context.browser.new_page()
        other.on("request", lambda req: requests.append(req.url))
        page.goto(explorer, wait_until="commit")     # both tabs load at once
        other.goto(explorer, wait_until="commit")
        _wait_status(page, "ready")
        base = _numbers(page, "base")
        assert page.locator(".bl-timeline .js-plotly-plot").count() == 1
        _wait_status(other, "ready")
        _set_and_run(page, 20, "supply.arrivals=poisson", SEED)
        _set_and_run(other, 35, "", 1)
        _wait_status(page, "done")
        _wait_status(other, "done")
        shown = _numbers(page, "variant")
        assert page.locator(".bl-chart .js-plotly-plot").count() == 1
        page.screenshot(path=str(artifact_path("explore.png")), full_page=True)
        page.get_by_text("Map", exact=True).click()            # tabs are drawn when shown
        page.locator(".bl-map .js-plotly-plot").wait_for(timeout=WAIT_MS)
        page.get_by_text("Results", exact=True).click()
        assert _numbers(other, "variant")["AA"]["new_detentions"] == 35

        with page.expect_download() as download:
            page.locator(".download-variant button").click()
        variant_text = Path(download.value.path()).read_text(encoding="utf-8")
        with page.expect_download() as download:
            page.locator(".download-zip button").click()
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as zf:
            (summary_name,) = [n for n in zf.namelist() if n.endswith("/summary.json")]
            zipped_summary = json.loads(zf.read(summary_name))

        out = tmp_path / "cli-run"
        result = CliRunner().invoke(app, ["run", "toy-border", "--out", str(out), "--seed", str(SEED), "--no-plots", "-q",
                                          *[x for a in OVERRIDES for x in ("--set", a)]])
        assert result.exit_code == 0, result.output
        expected = key_numbers(json.loads((out / "summary.json").read_text()), ["AA", "all"])
        assert shown == {s: {m: expected[s][m] for m in KEY_METRICS} for s in ("AA", "all")}
        assert shown["AA"]["new_detentions"] == 20 != base["AA"]["new_detentions"]
        assert key_numbers(zipped_summary, ["AA", "all"]) == expected
        assert "defenders.AA.reception_capacity: 20" in variant_text and "supply.arrivals: poisson" in variant_text

        other.locator(".extra-overrides textarea").fill("defenders.AA.pushback_share=1.5")
        other.locator(".extra-overrides textarea").press("Tab")
        other.locator(".run-button button").click()
        _wait_status(other, "error")
        text = other.locator("[data-testid=messages]").inner_text()
        assert "pushback_share" in text and "must be ≤ 1" in text
        assert "Traceback" not in other.content()
        assert _numbers(page, "variant") == shown          # tab A untouched by B's runs

        assert errors == []
        outside = [u for u in requests if not u.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "blob:", "data:"))]
        assert outside == []
