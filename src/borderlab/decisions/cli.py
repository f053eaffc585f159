"""`borderlab compare` (registered in borderlab/cli.py, which turns input errors into one
message and exit code 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import BorderlabError
from ..report.cli import NO_REPORT_HELP, add_report
from ..reporting.outdir import FORCE_HELP
from ..studies.cli import SCHEDULER_HELP, WORKERS_HELP, _progress, _where, _workers, err, out

BASE_HELP = "The base: a built-in scenario name, a path to a YAML scenario, or a Flee input folder."
VARIANT_HELP = ("A variant: path to a variant YAML file, or the name of one shipped with the base scenario "
                "(borderlab compare BASE --list). Repeatable.")


def compare(
    base: str = typer.Argument(..., help=BASE_HELP),
    variant: Optional[list[str]] = typer.Option(None, "--variant", "-v", help=VARIANT_HELP),
    runs: int = typer.Option(40, "--runs", "-n", help="Paired runs per arm (run i of every arm shares its seed and draw)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Study folder (created; an unfinished one is resumed)."),
    window: Optional[str] = typer.Option(None, "--window", help="Outcomes over START:END (inclusive ISO dates) instead of the whole period."),
    vary: bool = typer.Option(False, "--vary", help="Draw parameters over their declared ranges, the same draw for run i of every arm."),
    param: Optional[list[str]] = typer.Option(None, "--param", help="Vary only parameters matching this path or pattern (repeatable; implies --vary)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed (default: the scenario's)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a parameter in every arm: path=value (repeatable)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help=WORKERS_HELP),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the forest plot and the band plots (--no-plots: no report.html either)."),
    report: bool = typer.Option(True, "--report/--no-report", help=NO_REPORT_HELP),
    branches: bool = typer.Option(True, "--branches/--no-branches",
                                  help="For a base with `branches:`, spread the pairs over them by prior weight (pair i: the same branch in every arm)."),
    list_: bool = typer.Option(False, "--list", help="List the variants shipped with BASE and exit."),
    all_scopes: bool = typer.Option(False, "--all-scopes", help="Print every country's rows, not only the totals."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
):
    """Compare the base with one or more variants using paired runs (common random numbers):
    each outcome's mean and 90 % range per arm, and each variant's paired difference to the
    base with a 90 % bootstrap interval and the share of runs where it is better
    (docs/decisions.md)."""
    if list_:
        _list_variants(base)
        return
    if out_dir is None:
        raise BorderlabError("compare needs --out DIR (the study folder)")
    if not variant:
        raise BorderlabError("compare needs at least one --variant FILE_OR_NAME\n"
                             f"    hint: list the variants shipped with {base}: borderlab compare {base} --list")
    from .compare import run_compare

    n = _workers(workers)
    if not quiet:
        err.print(f"{len(variant) + 1} arms × {runs} paired runs of {base}{' with parameter draws' if vary or param else ''} "
                  f"{_where(n, scheduler)} → {out_dir}")
    bar, progress = _progress(base, quiet)
    with bar:
        manifest, table = run_compare(base, list(variant), runs, out_dir, window=window, seed=seed, vary=vary,
                                      params=param, overrides=set_ or [], workers=n, scheduler=scheduler,
                                      plots=plots, force=force, branches=branches, progress=progress)
    add_report(out_dir, plots and report)
    if not quiet:
        print_comparison(manifest, table, out_dir, all_scopes)


def _list_variants(base: str) -> None:
    from ..scenario.loader import parse_scenario
    from .variants import builtin_variants, read_variant

    named = builtin_variants(parse_scenario(base))
    if not named:
        out.print(f"{base} ships no variants (a folder variants/ next to its scenario.yaml holds them)")
        return
    from rich.table import Table

    t = Table(title=f"variants of {base}", box=None, header_style="bold underline")
    t.add_column("name")
    t.add_column("description")
    for name, path in named.items():
        t.add_row(name, read_variant(path).description)
    out.print(t)


def print_comparison(manifest: dict, table, out_dir: Path, all_scopes: bool = False) -> None:
    from .compare import verdict
    from .outcomes import TOTAL

    rows = [r for r in table.to_pylist() if all_scopes or r["scope"] == TOTAL]
    arms = list(dict.fromkeys(r["arm"] for r in rows))
    from rich.table import Table

    t = Table(title=f"{manifest['scenario']}: {manifest['runs_per_arm']} paired runs per arm, "
                    f"{manifest['window'][0]} … {manifest['window'][1]} — mean [5 %, 95 % of runs]",
              box=None, header_style="bold underline")
    t.add_column("outcome")
    for a in arms:
        t.add_column(a, justify="right")
    keys = list(dict.fromkeys((r["outcome"], r["label"], r["scope"]) for r in rows))
    for name, label, scope in keys:
        cells = {r["arm"]: r for r in rows if r["outcome"] == name and r["scope"] == scope}
        t.add_row(label + ("" if scope == TOTAL else f" ({scope})"),
                  *[_cell(cells[a]) if a in cells else "" for a in arms])
    out.print(t)
    for arm in arms:
        lines = [verdict(r) for r in rows if r["arm"] == arm and r["scope"] == TOTAL and r.get("diff_mean") is not None]
        if lines:
            out.print(f"[bold]{arm}[/] vs {manifest['reference']} (mean change [90 % interval]):")
            for line in lines:
                out.print(f"  {line}", highlight=False)
    ex = manifest["execution"]
    out.print(f"wrote {out_dir}: {ex['executed']} runs executed, {ex['skipped_finished']} already done; "
              f"{ex['wall_s']:.1f} s {ex['runner']}")


def _short(x: float) -> str:
    """Three significant figures, with k/M for thousands and millions (keeps the table narrow)."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def _cell(r: dict) -> str:
    return f"{_short(r['mean'])} [{_short(r['q05'])}, {_short(r['q95'])}]"
