"""`borderlab calibrate FLEE_FOLDER --until DAY --method abc`: progress, and the posterior and
ARD tables on the terminal (calibration_cli.py hands --method abc over to it)."""

from __future__ import annotations

from pathlib import Path

from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .calibration_cli import err, out, print_ard


def calibrate_flee_abc_command(source: str, until: str, out_dir: Path, *, force: bool, only, plots: bool,
                               forecast_runs: int, workers: int, quiet: bool, population: int, generations: int,
                               max_simulations: int | None, seed: int, discrepancy: float, per_draw: int) -> None:
    from ..reporting.outdir import output_lock
    from .calibration_abc import calibrate_flee_abc

    with output_lock(out_dir), Progress(TextColumn("[bold]simulations"), TextColumn("{task.completed}"),
                                        TimeElapsedColumn(), console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("abc", total=None)
        result = calibrate_flee_abc(source, until, out_dir, population=population, generations=generations,
                                    max_simulations=max_simulations, seed=seed, discrepancy=discrepancy, only=only,
                                    forecast_runs=forecast_runs, per_draw=per_draw, workers=workers, plots=plots,
                                    force=force, progress=lambda n: bar.update(task, completed=n))
    if quiet:
        return
    r = result.report
    p = r["posterior"]
    table = Table(title=f"posterior of {r['case']}'s settings given its UNHCR camp reports, days 0 … {r['until_day']} "
                        f"({r['until_date']}) — median [90 % interval]", box=None, pad_edge=False, padding=(0, 1),
                  header_style="bold underline")
    for name, justify in [("setting", "left"), ("shipped", "right"), ("median", "right"), ("90 % interval", "left"),
                          ("prior", "left")]:
        table.add_column(name, justify=justify, no_wrap=name == "setting")
    for s in p["summary"]:
        table.add_row(s["path"], f"{s['scenario_value']:.4g}", f"{s['median']:.4g}", f"[{s['q05']:.4g}, {s['q95']:.4g}]",
                      f"[{s['low']:g}, {s['high']:g}]")
    out.print(table)
    out.print(f"ABC-SMC: {p['simulations_run']} simulations, {p['generations']} generations kept, final temperature "
              f"{p['final_temperature']:.3g}" + ("" if p["reached_1"] else " (stopped early: tempered, wider than exact)")
              + f"; effective sample size {p['effective_size']:.0f}" + (" (reused)" if p["reused"] else ""))
    print_ard(r)
    gain = r["after_improvement"]
    if gain is not None:
        out.print(f"after DAY: posterior ensemble's ARD [bold]{abs(gain) * 100:.1f} % {'lower' if gain >= 0 else 'higher'}[/] "
                  "than the shipped settings'")
    out.print(f"wrote {out_dir}/posterior.parquet/.json, abc.db, simsetting.yml (posterior medians), fit_report.md/.json, "
              "forecast.parquet" + (", plots/forecast_camps.png" if r["forecast"]["plot"] else ""))
