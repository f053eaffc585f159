"""One browser session's state: the scenario, the lever values, its runs — no web framework here.

Each session owns a private temporary folder, so two tabs never write into each other's runs.
A run is the same call chain as `borderlab run SCENARIO --set … --seed S` (load_scenario →
run_scenario → write_run), and an ensemble is `borderlab ensemble`'s runner (run_ensemble),
so the numbers in the page equal the command line's. Long work checks a cancel flag from its
progress callback, which is where it can stop cleanly.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import BorderlabError, Problem, ScenarioError
from ..scenario.overrides import parse_assignment
from .levers import Lever, find_levers

MAX_ENSEMBLE_RUNS = 20   # a small ensemble: a page is not the place for a study (use `borderlab ensemble`)


class Cancelled(BorderlabError):
    """The user pressed Cancel; the work stopped at its next progress report."""


@dataclass
class Outcome:
    """What one press of Run produced: the folder, the summary, and the per-day series."""

    folder: Path
    summary: dict                      # summary.json of a run; medians (and bands) of an ensemble
    assignments: list[str]
    seed: int
    runs: int = 1
    bands: dict | None = None          # (scope, metric) → {"q05": [...], "q50": [...], "q95": [...]}


@dataclass
class Progress:
    """Shared between the worker thread and the page (read by a periodic callback)."""

    done: int = 0
    total: int = 0
    what: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)

    def step(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.cancel.is_set():
            raise Cancelled("cancelled")


def problems_text(exc: BorderlabError) -> list[str]:
    """The schema's messages, one line per problem (what the page shows instead of a traceback)."""
    if isinstance(exc, ScenarioError):
        return [f"{p.where}: {p.message}" + (f" (hint: {p.hint})" if p.hint else "") for p in exc.problems]
    return [str(exc)]


class ExploreSession:
    """A scenario opened in one browser tab."""

    def __init__(self, source: str, seed: int | None = None, root: Path | None = None):
        from ..scenario.loader import load_scenario

        self.source = source
        self.base = load_scenario(source)              # raises ScenarioError for a bad file
        self.levers: list[Lever] = find_levers(self.base.scenario)
        self.seed = int(self.base.scenario.seed if seed is None else seed)
        self.workdir = Path(tempfile.mkdtemp(prefix="borderlab-explore-", dir=root))
        self._count = 0
        self.base_outcome: Outcome | None = None

    # -- what the controls say ----------------------------------------------------------
    def assignments(self, values: dict[str, float], extra: str = "") -> list[str]:
        """`--set` texts: each lever moved from its base value (in lever order), then the extra
        lines typed by the user (blank lines and `#` comments skipped)."""
        out = []
        for lv in self.levers:
            if lv.path in values and values[lv.path] is not None and float(values[lv.path]) != lv.value:
                value = float(values[lv.path])
                if not lv.holds(value):
                    raise ScenarioError([Problem(lv.path, f"{value:g} lies outside the control's range "
                                                 f"[{lv.low:g}, {lv.high:g}]", "choose a value inside the range")])
                out.append(lv.assignment(value))
        for line in extra.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                out.append(line.removeprefix("--set").strip())
        return out

    def check(self, assignments: list[str]):
        """Validate the scenario with these overrides (raises ScenarioError with every problem)."""
        from ..scenario.loader import load_scenario

        return load_scenario(self.source, assignments)

    # -- running ------------------------------------------------------------------------
    def _folder(self, kind: str) -> Path:
        self._count += 1
        return self.workdir / f"{kind}-{self._count:03d}"

    def run(self, assignments: list[str], seed: int | None = None, runs: int = 1,
            progress: Progress | None = None) -> Outcome:
        """One run (`runs` = 1) or a small ensemble with bands; raises Cancelled or ScenarioError."""
        seed = self.seed if seed is None else int(seed)
        progress = progress or Progress()
        if not 1 <= runs <= MAX_ENSEMBLE_RUNS:
            raise ScenarioError([Problem("runs", f"{runs} runs: the explorer runs 1 to {MAX_ENSEMBLE_RUNS}",
                                         "for more, use `borderlab ensemble`")])
        loaded = self.check(assignments)
        if runs == 1:
            return self._run_one(loaded, assignments, seed, progress)
        return self._run_ensemble(assignments, seed, runs, progress)

    def run_base(self, progress: Progress | None = None) -> Outcome:
        """The unchanged scenario at the session's seed: what every variant is drawn next to."""
        self.base_outcome = self._run_one(self.base, [], self.seed, progress or Progress())
        return self.base_outcome

    def _run_one(self, loaded, assignments: list[str], seed: int, progress: Progress) -> Outcome:
        from ..reporting.run_folder import write_run
        from ..runner import run_scenario

        n_days = (loaded.scenario.end - loaded.scenario.start).days + 1
        progress.what = "days"
        result = run_scenario(loaded, seed=seed, progress=lambda d: progress.step(d + 1, n_days))
        folder = self._folder("run")
        summary = write_run(result, folder, plots=False)
        return Outcome(folder, summary, assignments, seed)

    def _run_ensemble(self, assignments: list[str], seed: int, runs: int, progress: Progress) -> Outcome:
        from ..studies.ensemble import run_ensemble
        from .readers import ensemble_summary, series_bands

        folder = self._folder("ensemble")
        progress.what = "runs"
        run_ensemble(self.source, runs, folder, seed=seed, overrides=assignments, workers=1, plots=False,
                     progress=progress.step)
        return Outcome(folder, ensemble_summary(folder), assignments, seed, runs, series_bands(folder))

    # -- downloads ----------------------------------------------------------------------
    def variant_yaml(self, assignments: list[str], seed: int | None = None, name: str = "explored") -> str:
        """The changes as a variant file (decisions/variants.py): `borderlab compare` reads it."""
        seed = self.seed if seed is None else seed
        values = dict(parse_assignment(a) for a in assignments)
        doc = {"name": name,
               "description": f"Levers changed in `borderlab explore` from {self.base.scenario.name}.",
               "set": values}
        header = (f"# Variant of {self.base.scenario.name} written by `borderlab explore`.\n"
                  f"# Same as: borderlab run {self.source} " + "".join(f"--set {a} " for a in assignments)
                  + f"--seed {seed} --out OUT\n")
        return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    @staticmethod
    def zip_folder(folder: Path) -> bytes:
        """A run or ensemble folder as zip bytes (the folder's name as the top entry)."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    zf.write(path, Path(folder.name) / path.relative_to(folder))
        return buf.getvalue()

    def close(self) -> None:
        """Delete the session's folder (the tab closed)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
