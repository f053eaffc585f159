"""The explorer page (Panel): one `ExplorerPage` per browser session.

Work (opening a scenario, runs) goes to one shared worker thread, so runs of different tabs
queue rather than share the engine's caches; the page's event loop stays free to show progress
and to take a Cancel. Each session writes into its own temporary folder (state.py), deleted when
the tab closes. No value typed in the page is evaluated: it is a number, or a `--set` text that
the scenario schema checks and answers with its messages.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import panel as pn

from ..errors import BorderlabError
from .state import Cancelled, ExploreSession, MAX_ENSEMBLE_RUNS, Outcome, Progress, problems_text
from .views import messages_html, numbers_html, status_html

log = logging.getLogger(__name__)
WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="borderlab-explore")
POLL_S = 0.2

CSS = """
table.numbers { border-collapse: collapse; font-size: 13px; }
table.numbers th, table.numbers td { padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; }
table.numbers caption { text-align: left; color: #555; padding-bottom: 4px; }
table.numbers th[colspan] { text-align: center; }
.messages.error { color: #a00; }
table.assumptions { border-collapse: collapse; font-size: 12px; }
table.assumptions td, table.assumptions th { padding: 2px 6px; border-bottom: 1px solid #eee; text-align: left; }
table.assumptions tr.contested { background: #fff3cd; }
"""


def slug(path: str) -> str:
    """A CSS-class-safe name for a lever path (`defenders.AA.border_guards` → `defenders-AA-border_guards`)."""
    return "".join(c if c.isalnum() or c in "_-" else "-" for c in path)


class ExplorerPage:
    """Widgets, layout and handlers of one browser session."""

    def __init__(self, source: str | None, seed: int | None = None, root: Path | None = None):
        from ..scenario.registry import builtin_names

        self.session: ExploreSession | None = None
        self.root = root         # the server's folder for session folders (removed when it stops)
        self.first_seed = seed   # --seed of the command; None: each scenario's own seed
        self.variant: Outcome | None = None
        self.progress: Progress | None = None
        self.busy = False
        self.lever_widgets: dict[str, pn.widgets.Widget] = {}
        names = builtin_names()
        self.initial = source or (names[0] if names else None)
        self.scenario_select = pn.widgets.Select(label="Built-in scenario", options=names,
                                                 value=source if source in names else None, css_classes=["scenario-select"])
        self.path_input = pn.widgets.TextInput(label="…or a scenario file (path on this computer)",
                                               value="" if source in names else (source or ""),
                                               css_classes=["scenario-path"])
        self.open_button = pn.widgets.Button(label="Open", color="default", css_classes=["open-button"])
        self.levers_box = pn.Column(sizing_mode="stretch_width")
        self.free_box = pn.Card(title="Free parameters (calibration ranges)", collapsed=True, visible=False,
                                sizing_mode="stretch_width", css_classes=["free-parameters"])
        self.extra = pn.widgets.TextAreaInput(label="More overrides (PATH=VALUE, one a line, as --set)",
                                              height=80, css_classes=["extra-overrides"])
        self.seed_input = pn.widgets.IntInput(label="Seed", start=0, value=0 if seed is None else seed,
                                              css_classes=["seed"])
        self.runs_input = pn.widgets.IntInput(label=f"Runs (1 = one run; 2–{MAX_ENSEMBLE_RUNS} = ensemble with bands)",
                                              start=1, end=MAX_ENSEMBLE_RUNS, value=1, css_classes=["runs"])
        self.run_button = pn.widgets.Button(label="Run", color="primary", css_classes=["run-button"])
        self.cancel_button = pn.widgets.Button(label="Cancel", color="warning", disabled=True,
                                               css_classes=["cancel-button"])
        self.progress_bar = pn.indicators.Progress(value=0, max=1, sizing_mode="stretch_width", visible=False)
        self.status = pn.pane.HTML(status_html("opening"), css_classes=["bl-status"])
        self.messages = pn.pane.HTML(messages_html([]), sizing_mode="stretch_width", css_classes=["bl-messages"],
                                     stylesheets=[CSS])
        self.numbers = pn.pane.HTML(numbers_html(None, None), css_classes=["bl-numbers"], stylesheets=[CSS])
        self.chart = pn.pane.Plotly(None, sizing_mode="stretch_width", css_classes=["bl-chart"])
        self.map_pane = pn.pane.Plotly(None, sizing_mode="stretch_width", css_classes=["bl-map"])
        self.timeline_pane = pn.pane.Plotly(None, sizing_mode="stretch_width", css_classes=["bl-timeline"])
        self.assumptions = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["bl-assumptions"],
                                        stylesheets=[CSS])
        self.variant_download = pn.widgets.FileDownload(callback=self._variant_file, filename="variant.yaml",
                                                        label="Download the variant (YAML)", css_classes=["download-variant"])
        self.zip_download = pn.widgets.FileDownload(callback=self._zip_file, filename="run.zip",
                                                    label="Download the run folder (zip)", css_classes=["download-zip"])
        self.open_button.on_click(self._on_open)
        self.run_button.on_click(self._on_run)
        self.cancel_button.on_click(self._on_cancel)
        sidebar = pn.Column(
            pn.pane.Markdown("## borderlab explore"), self.scenario_select, self.path_input, self.open_button,
            pn.pane.Markdown("### Levers"), self.levers_box, self.free_box, self.extra,
            self.seed_input, self.runs_input, pn.Row(self.run_button, self.cancel_button),
            self.progress_bar, self.status, self.variant_download, self.zip_download, width=360)
        results = pn.Column(self.messages, self.numbers, self.chart, self.timeline_pane, sizing_mode="stretch_width")
        # dynamic: a tab is drawn when shown, so plotly sizes the map to the visible pane
        tabs = pn.Tabs(("Results", results), ("Map", self.map_pane),
                       ("Assumptions", pn.Column(self.assumptions, scroll=True, height=700, sizing_mode="stretch_width")),
                       sizing_mode="stretch_width", dynamic=True)
        self.layout = pn.Row(sidebar, tabs, sizing_mode="stretch_width")

    # -- handlers ----------------------------------------------------------------------
    async def start(self) -> None:
        if self.initial:
            await self._open(self.initial)

    async def _on_open(self, _event) -> None:
        source = self.path_input.value.strip() or self.scenario_select.value
        if source:
            await self._open(source)

    async def _on_run(self, _event) -> None:
        if self.busy or self.session is None:
            return
        session = self.session
        values = {path: w.value for path, w in self.lever_widgets.items()}
        try:
            assignments = session.assignments(values, self.extra.value or "")
        except BorderlabError as exc:
            self._fail(exc)
            return
        seed = session.seed if self.seed_input.value is None else self.seed_input.value
        runs = self.runs_input.value or 1
        self.messages.object = messages_html([])
        outcome = await self._work("running", lambda p: session.run(assignments, seed=seed, runs=runs, progress=p))
        if outcome is not None and session is self.session:
            self.variant = outcome
            self._show_results()
            self.status.object = status_html("done", f"{'1 run' if runs == 1 else f'{runs} runs'}, seed {seed}")

    def _on_cancel(self, _event) -> None:
        if self.progress is not None:
            self.progress.cancel.set()

    # -- work ---------------------------------------------------------------------------
    async def _open(self, source: str) -> None:
        if self.busy:
            return
        seed = self.first_seed
        session = await self._work("opening", lambda p: ExploreSession(source, seed=seed, root=self.root), detail=str(source))
        if session is None:
            return
        if self.session is not None:
            self.session.close()
        self.session, self.variant = session, None
        self.seed_input.value = session.seed
        self._build_levers()
        self._draw_scenario()
        base = await self._work("running", lambda p: session.run_base(p), detail="base run")
        if base is not None:
            self._show_results()
            self.status.object = status_html("ready", f"{session.base.scenario.name}: base run, seed {session.seed}")

    async def _work(self, state: str, fn, detail: str = ""):
        """Run `fn(progress)` on the worker thread, showing progress; None if it failed."""
        self.busy = True
        self.progress = progress = Progress()
        self.status.object = status_html(state, detail)
        self.run_button.disabled, self.open_button.disabled, self.cancel_button.disabled = True, True, False
        self.progress_bar.value, self.progress_bar.visible = 0, True
        future = asyncio.get_running_loop().run_in_executor(WORKER, fn, progress)
        try:
            while not future.done():
                if progress.total:
                    self.progress_bar.max, self.progress_bar.value = progress.total, min(progress.done, progress.total)
                    self.status.object = status_html(state, f"{detail} {progress.done}/{progress.total} {progress.what}".strip())
                await asyncio.wait([future], timeout=POLL_S)
            return future.result()
        except Cancelled:
            self.status.object = status_html("cancelled", "stopped; the page still shows the last finished run")
        except BorderlabError as exc:
            self._fail(exc)
        except OSError as exc:
            from ..os_errors import describe_os_error
            self._fail(BorderlabError(describe_os_error(exc)))
        except Exception as exc:  # a bug: the log gets the traceback, the page a line
            log.exception("explore: unexpected error")
            self._fail(BorderlabError(f"internal error ({type(exc).__name__}): {exc}"))
        finally:
            self.busy, self.progress = False, None
            self.run_button.disabled, self.open_button.disabled, self.cancel_button.disabled = False, False, True
            self.progress_bar.visible = False
        return None

    def _fail(self, exc: BorderlabError) -> None:
        self.messages.object = messages_html(problems_text(exc))
        self.status.object = status_html("error", "see the message")

    # -- drawing ------------------------------------------------------------------------
    def _build_levers(self) -> None:
        """Key levers in the sidebar; free parameters that are not key levers in a folded card."""
        widgets, free = [], []
        self.lever_widgets = {}
        for lv in self.session.levers:
            name = f"{lv.label} [{lv.low:g} – {lv.high:g}]" + (" (free)" if lv.free else "")
            classes = ["lever", f"lever-{slug(lv.path)}"]
            if lv.integer:
                w = pn.widgets.IntInput(label=name, value=int(round(lv.value)), start=math.ceil(lv.low),
                                        end=math.floor(lv.high), css_classes=classes)
            else:
                step = 10 ** math.floor(math.log10((lv.high - lv.low) / 100)) if lv.high > lv.low else 0.01
                w = pn.widgets.FloatInput(label=name, value=lv.value, start=lv.low, end=lv.high, step=step,
                                          css_classes=classes)
            w.description = f"--set {lv.path}=…" + (f"; source: {lv.source}" if lv.source else "")
            self.lever_widgets[lv.path] = w
            (widgets if lv.key else free).append(w)
        if not widgets:
            widgets = [pn.pane.Markdown("No single-valued key levers here; use the free parameters or the overrides box.")]
        self.levers_box.objects = widgets
        self.free_box.objects, self.free_box.visible = free, bool(free)

    def _draw_scenario(self) -> None:
        from .charts import assumptions_html, map_figure, timeline_figure

        sc = self.session.base.scenario
        for pane, draw in ((self.map_pane, lambda: map_figure(sc, None)), (self.timeline_pane, lambda: timeline_figure(sc))):
            try:
                pane.object = draw()
            except Exception as exc:  # a figure that cannot be drawn must not take the page down
                log.exception("explore: figure failed")
                pane.object = None
                self.messages.object = messages_html([f"could not draw a figure: {type(exc).__name__}: {exc}"])
        try:
            self.assumptions.object = assumptions_html(sc)
        except Exception as exc:
            log.exception("explore: assumptions failed")
            self.assumptions.object = f"could not list the assumptions: {type(exc).__name__}: {exc}"

    def _show_results(self) -> None:
        from .charts import comparison_figure, map_figure
        from .readers import segment_totals

        base = self.session.base_outcome
        self.numbers.object = numbers_html(base, self.variant)
        sc = self.session.base.scenario
        try:
            self.chart.object = comparison_figure(base, self.variant, sc)
            shown = self.variant if self.variant is not None and self.variant.runs == 1 else base
            self.map_pane.object = map_figure(sc, segment_totals(shown.folder, [s.id for s in sc.segments]))
        except Exception as exc:
            log.exception("explore: chart failed")
            self.messages.object = messages_html([f"could not draw the charts: {type(exc).__name__}: {exc}"])

    # -- downloads ----------------------------------------------------------------------
    def _variant_file(self):
        if self.session is None:
            return io.BytesIO(b"")
        seed = None
        if self.variant is not None:
            assignments, seed = self.variant.assignments, self.variant.seed
        else:
            try:
                assignments = self.session.assignments({p: w.value for p, w in self.lever_widgets.items()},
                                                       self.extra.value or "")
            except BorderlabError:
                assignments = []
        self.variant_download.filename = f"{self.session.base.scenario.name}-explored.yaml"
        return io.BytesIO(self.session.variant_yaml(assignments, seed).encode("utf-8"))

    def _zip_file(self):
        outcome = self.variant or (self.session.base_outcome if self.session else None)
        if outcome is None:
            return io.BytesIO(b"")
        self.zip_download.filename = f"{outcome.folder.name}.zip"
        return io.BytesIO(ExploreSession.zip_folder(outcome.folder))

    def close(self) -> None:
        if self.progress is not None:
            self.progress.cancel.set()
        if self.session is not None:
            self.session.close()


def warm_up(source: str | None) -> None:
    """Import the engine, the run writer and the figure builders on the worker thread while the
    first browser loads the page, so the first tab does not wait for them (errors surface later,
    in the page)."""
    try:
        import plotly.graph_objects  # noqa: F401

        from .. import runner, simulation  # noqa: F401
        from ..report import assumptions, map, series, timeline  # noqa: F401
        from ..reporting import run_folder  # noqa: F401
        if source:
            from ..scenario.loader import load_scenario
            load_scenario(source)
    except Exception:  # noqa: BLE001  (reported when a tab does the same work)
        log.debug("explore: warm-up failed", exc_info=True)


def create_page(source: str | None, seed: int | None = None, root: Path | None = None):
    """The Panel object for one new browser session (its run folders under `root`)."""
    page = ExplorerPage(source, seed, root)
    pn.state.on_session_destroyed(lambda _ctx: page.close())
    pn.state.onload(page.start)
    return page.layout
