"""Shared helpers for tests that drive a real browser (headless Chromium through Playwright).

Browsers cannot be downloaded here, so Playwright is pointed at the system Chromium (the
Debian `chromium` package; `.ci/run` installs it). Without it, or without Playwright, the
browser tests skip with a message saying what to install.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"   # screenshots; gitignored, not committed
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    """The system Chromium, or skip the test saying how to get it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("browser test skipped: no system chromium (apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("playwright.sync_api", reason="browser test skipped: playwright is not installed "
                        "(pip install -e '.[test]')")
    return path


@contextmanager
def browser_page(viewport: dict | None = None):
    """A fresh headless Chromium page; yields (page, console_errors, requests) where the lists
    collect console errors, uncaught page errors and every URL the page requested."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            yield page, errors, requests
        finally:
            browser.close()


def artifact_path(name: str) -> Path:
    """Where a test keeps a screenshot (tests/artifacts/NAME)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
