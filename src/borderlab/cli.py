"""The `borderlab` command line: run, check, scenarios, bench.

Library code raises typed errors; this is the one place that turns them into messages and
exit codes (2 for bad input), so users never see a traceback for a mistake of theirs.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .console import LazyConsole
from .errors import BorderlabError
from .report.cli import NO_REPORT_HELP
from .reporting.outdir import FORCE_HELP

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="borderlab: simulate instrumentalised migration crises at land borders.")
err = LazyConsole(stderr=True)   # rich is imported when something is printed (console.py)
out = LazyConsole()


def user_errors(fn):
    """Turn BorderlabError, and any OSError (unwritable folder, full disk, name too long …:
    os_errors.py), into a clear message and exit code 2."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (BorderlabError, OSError) as exc:
            from rich.markup import escape   # a path may hold [brackets]: print it as it is

            from .os_errors import describe_os_error
            text = str(exc) if isinstance(exc, BorderlabError) else describe_os_error(exc)
            err.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            if _caused_by_ctrl_c(exc):   # Ctrl-C inside a numba call arrives wrapped in a SystemError
                raise KeyboardInterrupt from None
            raise
    return wrapper


def _caused_by_ctrl_c(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is somewhere in the exception's cause chain, so that Ctrl-C
    exits 130 like everywhere else even when a library wrapped it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@app.command()
@user_errors
def run(
    scenario: str = typer.Argument(..., help="Built-in scenario name (see `borderlab scenarios`) or path to a YAML file."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder to write (replaced atomically if it is an earlier run folder)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    seed: Optional[int] = typer.Option(None, "--seed", min=0, help="Random seed ≥ 0 (default: the scenario's)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a parameter: path=value (repeatable)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG figures (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary table."),
):
    """Run a scenario and write daily.parquet/csv, summary.json, manifest.json, plots/ and report.html.

    A Flee input folder or a `model: flee` YAML runs with the Flee engine (`borderlab flee run`)."""
    from .flee.source_kind import is_flee_source
    from .reporting.run_folder import check_out_dir, write_run
    from .runner import run_scenario
    from .scenario.loader import load_scenario

    if is_flee_source(scenario):
        from .flee.cli import run_cmd
        return run_cmd(source=Path(scenario), out_dir=out_dir, seed=seed or 0, days=None, set_=set_,
                       input_csv=None, source_data=None, settings=None, plots=plots, quiet=quiet, force=force,
                       report=report)

    check_out_dir(out_dir, force)   # refused before the simulation, not after it
    loaded = load_scenario(scenario, set_ or [])
    if quiet:   # no bar: rich's progress module is not even imported
        result = run_scenario(loaded, seed=seed)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        n_days = (loaded.scenario.end - loaded.scenario.start).days + 1
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("days"), TimeElapsedColumn(), console=err.console, transient=True) as bar:
            task = bar.add_task(loaded.scenario.name, total=n_days)
            result = run_scenario(loaded, seed=seed, progress=lambda d: bar.update(task, completed=d + 1))
    summary = write_run(result, out_dir, plots=plots, force=force, report=plots and report)
    if not quiet:
        from .engine.kernels import compiled_signatures
        _print_summary(summary, result, out_dir, compiled=compiled_signatures())


def _print_summary(summary: dict, result, out_dir: Path, compiled: int = 0) -> None:
    from rich.table import Table

    table = Table(title=f"{summary['scenario']} (seed {summary['seed']}), {summary['period'][0]} → {summary['period'][1]}",
                  box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
    cols = [("attempts", "new_attempts"), ("turnback", "new_turnbacks"), ("detained", "new_detentions"),
            ("unseen", "new_undetected"), ("onward", "new_onward"), ("deaths", "new_deaths")]
    table.add_column("")
    for label, _ in cols:
        table.add_column(label, justify="right", min_width=len(label))
    table.add_column("zone max", justify="right", min_width=8)
    table.add_column("fatigue", justify="right", min_width=7)
    for scope, entry in summary["countries"].items():
        if "new_attempts" not in entry["totals"]:
            continue
        t, p = entry["totals"], entry["peaks"]
        zone = p.get("n_in_zone", {})
        fat = p.get("guard_fatigue", {})
        table.add_row(scope, *[f"{t.get(m, 0):,.0f}" for _, m in cols],
                      f"{zone.get('value', 0):,.0f}" if zone else "",
                      f"{fat.get('value', 0):.2f}" if fat else "")
    out.print(table)
    for flag in summary.get("unverified_assumptions", []):
        out.print(f"[yellow]warning:[/] {flag}")
    note = (f", including compiling {compiled} numba kernel signatures once; later runs load them from the cache"
            if compiled else "")
    out.print(f"wrote {out_dir} in {result.wall_s:.2f} s (simulation{note})")


@app.command()
@user_errors
def check(
    scenario: str = typer.Argument(..., help="Scenario name or YAML path to validate."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Apply overrides before checking."),
    show: bool = typer.Option(False, "--show", help="Print every parameter path and value."),
    free: bool = typer.Option(False, "--free", help="List the free parameters (what calibrate, ensemble --vary and sensitivity vary)."),
):
    """Validate a scenario without running it (exit code 2 and every problem if invalid).

    A Flee input folder or a `model: flee` YAML is checked as `borderlab flee run` reads it."""
    from .flee.source_kind import is_flee_source
    from .reporting.summary import flatten_params
    from .scenario.loader import load_scenario

    if is_flee_source(scenario):
        from .flee.check import check_flee
        out.print(check_flee(scenario, set_), highlight=False)
        return
    loaded = load_scenario(scenario, set_ or [])
    sc = loaded.scenario
    out.print(f"[green]OK[/] {loaded.path}: {sc.name}, {sc.start} → {sc.end}, {len(sc.nodes)} nodes, "
              f"{len(sc.segments)} segments, {len(sc.supply.routes)} routes, {len(sc.events)} events")
    if sc.branches:  # ensembles run their mixture (docs/branches.md)
        out.print(f"{len(sc.branches)} branches: " + ", ".join(f"{b.name} (weight {b.weight:g})" for b in sc.branches),
                  highlight=False)
    if show:
        for path, value in flatten_params(sc.model_dump(mode="json", by_alias=True)).items():
            out.print(f"{path} = {value}", highlight=False)
    if free:
        from rich.table import Table

        from .calibration.free_params import find_free_params

        table = Table(title=f"free parameters of {sc.name}")
        for col in ("path", "value", "range", "confidence"):
            table.add_column(col)
        for p in find_free_params(sc):
            table.add_row(p.path, f"{p.value:g}", f"[{p.low:g}, {p.high:g}]" + (" log" if p.log else ""),
                          p.confidence or "")
        out.print(table)


@app.command()
def scenarios():
    """List the built-in scenarios."""
    from rich.table import Table

    from .scenario.registry import describe_builtins

    table = Table(title="built-in scenarios")
    table.add_column("name")
    table.add_column("description")
    for name, desc, _ in describe_builtins():
        table.add_row(name, desc)
    out.print(table)


@app.command()
@user_errors
def bench(
    as_json: bool = typer.Option(False, "--json", help="Print the figures as one JSON object."),
    people: int = typer.Option(1_000_000, min=1, help="People in the synthetic scaling case."),
    nodes: int = typer.Option(500, min=1, help="Nodes in the synthetic graph."),
    days: int = typer.Option(100, min=1, help="Days in the synthetic scaling case."),
):
    """Benchmark: one belarus-eu-2021 run, and person-days per second on a synthetic scenario."""
    from .bench import run_benchmarks
    from .scenario.limits import limit, over_limit

    for option, name, value in (("--people", "max_people", people), ("--nodes", "max_nodes", nodes),
                                ("--days", "max_days", days)):
        if value > limit(name):   # refused before the minutes of work, not after them
            raise BorderlabError(f"{option}: {over_limit(name, 'the synthetic case', value)}")
    figures = run_benchmarks(people=people, nodes=nodes, days=days, log=None if as_json else err.print)
    if as_json:
        print(json.dumps(figures))
    else:
        from rich.table import Table

        table = Table(title="borderlab bench")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for k, v in figures.items():
            table.add_row(k, f"{v:,.4g}" if isinstance(v, float) else str(v))
        out.print(table)


from .analysis.validate_cli import validate as _validate  # noqa: E402  (evidence commands, own modules)
from .calibration.cli import calibrate as _calibrate  # noqa: E402

app.command("validate")(user_errors(_validate))
app.command("calibrate")(user_errors(_calibrate))

from .studies.cli import ensemble as _ensemble, sensitivity as _sensitivity  # noqa: E402

app.command("ensemble")(user_errors(_ensemble))
app.command("sensitivity")(user_errors(_sensitivity))

from .forecast.cli import backtest as _backtest, forecast as _forecast  # noqa: E402  (docs/validation.md)

app.command("backtest")(user_errors(_backtest))
app.command("forecast")(user_errors(_forecast))

from .decisions.cli import compare as _compare  # noqa: E402  (decisions: docs/decisions.md)

app.command("compare")(user_errors(_compare))

from .decisions.allocation_cli import allocate as _allocate, tradeoffs as _tradeoffs  # noqa: E402  (docs/decisions-allocation.md)

app.command("allocate")(user_errors(_allocate))
app.command("tradeoffs")(user_errors(_tradeoffs))


from .explore.cli import explore as _explore  # noqa: E402  (the local web app: docs/explore.md)

app.command("explore")(user_errors(_explore))

from .report.cli import report as _report  # noqa: E402  (self-contained report.html: docs/report.md)

app.command("report")(user_errors(_report))

from .flee.cli import flee_app  # noqa: E402  (Flee input folders: borderlab flee run|convert)
app.add_typer(flee_app, name="flee")


@app.callback(invoke_without_command=True)
def _version(version: bool = typer.Option(False, "--version", help="Print the version and exit.")):
    if version:
        out.print(f"borderlab {__version__}")
        raise typer.Exit(0)


def main() -> None:
    from . import interrupts

    interrupts.install()
    try:
        app()
    except SystemExit as exc:
        if interrupts.pending() and exc.code in (0, None):   # a Ctrl-C a finalizer swallowed
            raise SystemExit(130) from None
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
