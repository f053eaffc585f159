"""Run one fuzz case in-process and judge what happened.

A case is a set of input files written into a fresh folder, a `borderlab` argument list
and what an honest reading of the mutation expects: `REJECT` (the input is wrong in a way
the docs forbid: exit 2 is required), `ACCEPT` (the input means the same as a valid one:
exit 0 is required) or `EITHER` (it may or may not be valid; both are fine, a traceback is
not). Whatever the expectation, the promise of docs/guarantees.md holds for every case:
exit 0 or 2 only, never a traceback, a bounded time, an error message that names the input
at fault, and nothing at `--out` after an error.

The CLI runs in this process (typer's CliRunner): a subprocess per case would cost more
than the case. A SIGALRM time bound turns a hang into a reported outcome.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from borderlab.cli import app

REJECT, ACCEPT, EITHER = "reject", "accept", "either"
# a check takes milliseconds and the hangs of issue 10 ran for minutes; the bounds are
# generous so that a busy CI machine does not turn slowness into a reported hang
CHECK_BOUND_S = 120.0
RUN_BOUND_S = 300.0
# lower every bound (benchmarks/fuzz_nightly.py --bound, or this variable for pytest)
BOUND_CAP_S = float(os.environ.get("BORDERLAB_FUZZ_BOUND_S", "inf"))

# what happened (Outcome.kind)
ACCEPTED, CLEAN_ERROR, TRACEBACK, HANG, UNNAMED, BAD_EXIT = (
    "accepted", "clean error", "traceback", "hang", "error not naming the input", "other exit code")


@dataclass
class Case:
    """One generated input: files (relative path → bytes) and CLI arguments in which
    `{root}` stands for the folder the files are written to."""

    label: str
    args: list[str]
    files: dict[str, bytes | None] = field(default_factory=dict)   # None: delete the file
    copy_from: dict[str, Path] = field(default_factory=dict)   # relative folder → source folder
    expect: str = EITHER
    names: tuple[str, ...] = ("{root}",)  # a clean error must mention one of these
    writes: str | None = None             # what a successful run may create under {root}
    bound_s: float = CHECK_BOUND_S


@dataclass
class Outcome:
    kind: str
    exit_code: int | None
    output: str
    seconds: float


class _Hang(BaseException):
    """Raised by the time bound; a BaseException so that no `except Exception` swallows it."""


@contextlib.contextmanager
def time_bound(seconds: float):
    def on_alarm(signum, frame):
        raise _Hang()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Runner(CliRunner):
    """typer's CliRunner, building the click command once instead of on every invoke
    (building it costs more than most cases)."""

    _command = None

    def invoke(self, app_, args=None, **kw):
        import typer.testing as typer_testing
        if _Runner._command is None:
            _Runner._command = typer_testing._get_command(app_)
        saved = typer_testing._get_command
        typer_testing._get_command = lambda _app: _Runner._command
        try:
            return super().invoke(app_, args, **kw)
        finally:
            typer_testing._get_command = saved


_runner = _Runner()


def materialise(case: Case, root: Path) -> None:
    import shutil
    for rel, src in case.copy_from.items():
        shutil.copytree(src, root / rel, dirs_exist_ok=True)
    for rel, content in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(content)


def invoke(case: Case, root: Path) -> Outcome:
    """Run `case` with its files under `root` and classify the result."""
    args = [a.replace("{root}", str(root)) for a in case.args]
    names = [n.replace("{root}", str(root)) for n in case.names]
    bound = min(case.bound_s, BOUND_CAP_S)
    t0 = time.perf_counter()
    try:
        with time_bound(bound):
            result = _runner.invoke(app, args)
    except _Hang:
        return Outcome(HANG, None, f"still running after {bound} s", time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    output = result.output
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return Outcome(TRACEBACK, result.exit_code, output + "\n" + text, seconds)
    if "Traceback (most recent call last)" in output:
        return Outcome(TRACEBACK, result.exit_code, output, seconds)
    if result.exit_code == 0:
        return Outcome(ACCEPTED, 0, output, seconds)
    if result.exit_code == 2:
        if not any(n in output for n in names):
            return Outcome(UNNAMED, 2, output, seconds)
        return Outcome(CLEAN_ERROR, 2, output, seconds)
    return Outcome(BAD_EXIT, result.exit_code, output, seconds)


def run_case(case: Case) -> tuple[Outcome, str | None]:
    """(outcome, what is wrong with it or None), in a fresh temporary folder."""
    with tempfile.TemporaryDirectory(prefix="blfuzz") as tmp:
        root = Path(tmp)
        materialise(case, root)
        before = _listing(root)
        outcome = invoke(case, root)
        problem = judge(case, outcome)
        if problem is None:
            allowed = root / case.writes if case.writes and outcome.kind == ACCEPTED else None
            left = [p for p in _listing(root) - before if allowed is None or not (p == allowed or allowed in p.parents)]
            if left:
                problem = f"exit {outcome.exit_code} left {sorted(str(p.relative_to(root)) for p in left)} behind"
    return outcome, problem


def _listing(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not p.name.endswith(".lock")}


def judge(case: Case, outcome: Outcome) -> str | None:
    if outcome.kind in (TRACEBACK, HANG, UNNAMED, BAD_EXIT):
        return outcome.kind
    if case.expect == REJECT and outcome.kind == ACCEPTED:
        return "invalid input accepted (exit 0)"
    if case.expect == ACCEPT and outcome.kind != ACCEPTED:
        return "valid input refused"
    return None


def explain(case: Case, outcome: Outcome, problem: str) -> str:
    return (f"{problem}: {case.label}\n  borderlab {' '.join(case.args)}\n  expected: {case.expect}; "
            f"exit {outcome.exit_code} after {outcome.seconds:.2f} s\n{outcome.output[-3000:]}")


# -- tallies (printed at the end of the pytest run and by benchmarks/fuzz_nightly.py) ----
TALLY: Counter = Counter()


def record(suite: str, outcome: Outcome, problem: str | None) -> None:
    TALLY["cases"] += 1
    TALLY[f"{suite}: cases"] += 1
    TALLY[outcome.kind] += 1
    if problem is not None:
        TALLY[f"failed: {problem.split(':')[0]}"] += 1


def check_case(case: Case, suite: str) -> None:
    """The assertion every generated case makes (used by the test modules)."""
    outcome, problem = run_case(case)
    record(suite, outcome, problem)
    assert problem is None, explain(case, outcome, problem)
