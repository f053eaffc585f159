"""`borderlab flee run|convert`: Flee input folders on the command line.

Registered in borderlab/cli.py with `app.add_typer(flee_app, name="flee")`. Errors in the
input become one message naming file, line and fix, and exit code 2 (via `user_errors`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..reporting.outdir import FORCE_HELP

flee_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="Run Flee input folders (input_csv/, source_data/, simsetting.yml) with borderlab's engine.")


def _overrides(assignments: list[str] | None) -> dict:
    from ..scenario.overrides import parse_assignment
    out = {}
    for text in assignments or []:
        path, value = parse_assignment(text)
        out[path] = value
    return out


@flee_app.command("run")
def run_cmd(
    source: Optional[Path] = typer.Argument(None, help="Flee folder (input_csv/, source_data/, simsetting.yml) or a converted YAML."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Run folder to write (default runs/flee-<case>), replaced atomically."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed ≥ 0."),
    days: Optional[int] = typer.Option(None, "--days", min=1, help="Simulate this many days (default: sim_period.csv)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help="Override a Flee setting: section.key=value, e.g. move_rules.camp_weight=2 (repeatable)."),
    input_csv: Optional[Path] = typer.Option(None, "--input-csv", help="The input_csv folder, if not FOLDER/input_csv."),
    source_data: Optional[Path] = typer.Option(None, "--source-data", help="The source_data folder, if not FOLDER/source_data."),
    settings: Optional[Path] = typer.Option(None, "--settings", help="The simsetting.yml, if not FOLDER/simsetting.yml."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG figures (--no-plots: no report.html either)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary table."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write report.html, the self-contained HTML report (docs/report.md); --no-report skips it."),
):
    """Run a Flee case; write out.csv (Flee's columns), daily.parquet/csv, summary.json, manifest.json, plots/, report.html."""
    from ..cli import err, out, user_errors
    from ..errors import InputFileError

    @user_errors
    def go():
        if source is None and input_csv is None:
            raise InputFileError("give a Flee folder (or --input-csv, --source-data and --settings)\n"
                                 "    hint: borderlab flee run path/to/mali2012")
        from ..reporting.run_folder import check_out_dir
        from .outputs import write_flee_run
        if out_dir is not None:
            check_out_dir(out_dir, force)   # refused before the simulation, not after it
        from .runner import run_flee
        inputs = dict(seed=seed, days=days, overrides=_overrides(set_), input_csv=input_csv,
                      source_data=source_data, settings=settings)
        if quiet:   # no bar: rich's progress module is not even imported
            run = run_flee(source, **inputs)
        else:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("[bold]flee"), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                          TimeElapsedColumn(), console=err.console, transient=True) as bar:
                task = bar.add_task("flee", total=None)

                def progress(day: int, total: int) -> None:
                    bar.update(task, completed=day + 1, total=total)

                run = run_flee(source, progress=progress, **inputs)
        target = out_dir or Path("runs") / f"flee-{run.name}"
        summary = write_flee_run(run, target, plots=plots, force=force, report=plots and report)
        for w in run.warnings:
            err.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
        if not quiet:
            _print(summary, run, target, out)
    go()


def _print(summary: dict, run, target: Path, out) -> None:
    from rich.table import Table

    table = Table(title=f"{summary['case']} (seed {summary['seed']}), {summary['period'][0]} → {summary['period'][1]}",
                  box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
    for col, just in (("camp", "left"), ("sim (end)", "right"), ("UNHCR (end)", "right"), ("mean |sim−data|", "right")):
        table.add_column(col, justify=just)
    for camp, e in summary["camps"].items():
        table.add_row(camp, f"{e['sim_end']:,}", f"{e['data_end']:,}", f"{e['mean_abs_error']:,.0f}")
    out.print(table)
    out.print(f"ARD (mean daily total error) {summary['ard']:.4f}; {summary['agents_end']:,} agents at the end; "
              f"{summary['agent_days']:,.0f} agent-days in {run.wall_s:.2f} s ({summary['agent_days_per_s']:,.0f}/s)")
    out.print(f"wrote {target}")


@flee_app.command("convert")
def convert_cmd(
    source: Optional[Path] = typer.Argument(None, help="Flee folder (input_csv/, source_data/, simsetting.yml)."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="YAML file to write (default <case>.flee.yaml); an existing file is replaced only if flee convert wrote it."),
    force: bool = typer.Option(False, "--force", help="Replace --out even if it is a file that flee convert did not write."),
    input_csv: Optional[Path] = typer.Option(None, "--input-csv", help="The input_csv folder, if not FOLDER/input_csv."),
    source_data: Optional[Path] = typer.Option(None, "--source-data", help="The source_data folder, if not FOLDER/source_data."),
    settings: Optional[Path] = typer.Option(None, "--settings", help="The simsetting.yml, if not FOLDER/simsetting.yml."),
    link_series: bool = typer.Option(False, "--link-series", help="Refer to the UNHCR series files by path instead of copying their rows."),
):
    """Convert a Flee folder to one borderlab scenario YAML (model: flee) that `borderlab flee run` accepts."""
    from ..cli import err, out, user_errors
    from ..errors import InputFileError

    @user_errors
    def go():
        if source is None and input_csv is None:
            raise InputFileError("give a Flee folder\n    hint: borderlab flee convert path/to/mali2012")
        from .convert import convert_folder
        name = (source.resolve().name if source is not None else input_csv.resolve().parent.name)
        target = out_file or Path(f"{name}.flee.yaml")
        path, warnings = convert_folder(source, target, input_csv=input_csv, source_data=source_data,
                                        settings=settings, link_series=link_series, force=force)
        for w in warnings:
            err.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)
        out.print(f"wrote {path}")
    go()
