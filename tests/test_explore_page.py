"""The explorer page's handlers without a browser: open, run a lever change, a bad value, downloads.
(The browser test drives the same page in Chromium; this one runs where Chromium is missing.)"""

from __future__ import annotations

import asyncio
import zipfile

import yaml

from borderlab.explore.app import ExplorerPage


def test_the_page_opens_runs_and_answers_a_bad_value_with_the_schema_message(tmp_path):
    page = ExplorerPage("toy-border", seed=5)
    try:
        asyncio.run(page.start())
        assert 'data-testid="status">ready' in page.status.object
        assert page.session.seed == 5
        assert 'data-testid="base-AA-new_detentions" data-value="50.0"' in page.numbers.object

        page.lever_widgets["defenders.AA.reception_capacity"].value = 20
        asyncio.run(page._on_run(None))
        assert 'data-testid="status">done' in page.status.object
        assert 'data-testid="variant-AA-new_detentions" data-value="20.0"' in page.numbers.object
        assert "--set defenders.AA.reception_capacity=20" in page.numbers.object

        text = page._variant_file().getvalue().decode()
        assert yaml.safe_load(text)["set"] == {"defenders.AA.reception_capacity": 20}
        assert "--set defenders.AA.reception_capacity=20 --seed 5 " in text
        with zipfile.ZipFile(page._zip_file()) as zf:
            assert any(n.endswith("/summary.json") for n in zf.namelist())

        page.extra.value = "defenders.AA.pushback_share=1.5"
        asyncio.run(page._on_run(None))
        assert 'data-testid="status">error' in page.status.object
        assert "must be ≤ 1" in page.messages.object and "Traceback" not in page.messages.object
        assert 'data-value="20.0"' in page.numbers.object          # the last good run still shown

        page.path_input.value = str(tmp_path / "missing.yaml")
        session = page.session
        asyncio.run(page._on_open(None))
        assert "missing.yaml: file not found" in page.messages.object
        assert page.session is session                            # the open scenario stays
    finally:
        page.close()
    assert not page.session.workdir.exists()
