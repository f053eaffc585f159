"""`borderlab validate RUN_DIR`: score a run or ensemble folder against observed figures."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ..console import LazyConsole
from ..errors import Problem, ScenarioError
from ..reporting.outdir import FORCE_HELP

out = LazyConsole()   # rich is imported when something is printed (console.py)

if TYPE_CHECKING:
    from rich.table import Table


def parse_date(text: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value, or a user error naming the option."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError([Problem(option, f"{text!r} is not a date", "write dates as YYYY-MM-DD, e.g. 2021-10-31")]) from None


def series_table(v, title: str) -> Table:
    """A compact rich table of per-series errors (role shown only when there are several)."""
    from rich.table import Table

    roles = len(v.scores) > 1
    table = Table(title=title, box=None, pad_edge=False, padding=(0, 1), header_style="bold underline")
    cols = ([("role", "left")] if roles else []) + [("", "left"), ("observed metric", "left"), ("grain", "left"),
                                                    ("n", "right"), ("error", "right"), ("bias", "right"),
                                                    ("MASE", "right")]
    for name, justify in cols:
        table.add_column(name, justify=justify, no_wrap=name == "observed metric")
    for e in v.series:
        cells = [e.country, e.metric, e.grain, str(e.n), f"{e.error:.3f}",
                 "—" if math.isnan(e.bias) else f"{e.bias:+.0%}",
                 "—" if math.isnan(e.mase) else f"{e.mase:.2f}"]
        table.add_row(*(([e.role] if roles else []) + cells))
    return table


def print_proper_scores(v) -> None:
    """The ensemble's proper scores per series and overall (or why there are none)."""
    from .score_report import score_points

    scores = score_points(v.points)
    if scores is None:
        out.print("no proper scores: the ensemble folder has no member runs (runs/run-*.parquet)")
        return
    from rich.table import Table

    table = Table(title="proper scores (ensemble members)", box=None, pad_edge=False, padding=(0, 1),
                  header_style="bold underline")
    for name in ("", "observed metric", "grain", "n", "CRPS", "log CRPS", "IS 90 %", "in 50 %", "in 90 %"):
        table.add_column(name, justify="left" if name in ("", "observed metric", "grain") else "right",
                         no_wrap=name == "observed metric")
    for (_, country, metric, grain), s in scores.series.items():
        table.add_row(country, metric, grain, str(s.n), f"{s.crps:,.1f}", f"{s.crps_log:.3f}", f"{s.interval_90:,.0f}",
                      f"{s.coverage_50:.0%}", f"{s.coverage_90:.0%}")
    out.print(table)
    for role, s in scores.overall.items():
        out.print(f"proper scores ({role}): mean log CRPS [bold]{s.crps_log:.3f}[/], coverage of the 50 % band "
                  f"{s.coverage_50:.0%}, of the 90 % band [bold]{s.coverage_90:.0%}[/] ({s.n} figures); "
                  f"PIT histogram {s.pit_histogram}")


def print_predictive_scores(folder: Path) -> None:
    """One line per role: the scores of the posterior predictive bands (written by write_validation)."""
    import json

    from .validation import RESULT_FILE

    result = json.loads((Path(folder) / RESULT_FILE).read_text(encoding="utf-8")).get("predictive_scores")
    if not result:
        return
    error = result["model_error"]
    for role, s in result["overall"].items():
        if not s.get("n"):
            continue
        out.print(f"posterior predictive ({role}; model error σ {error['sd']:.2f} from {error['figures']} training figures): "
                  f"mean log CRPS [bold]{s['crps_log']:.3f}[/], coverage of the 50 % band {s['coverage_50']:.0%}, "
                  f"of the 90 % band [bold]{s['coverage_90']:.0%}[/]")


def validate(
    run_dir: Path = typer.Argument(..., help="A run folder (`borderlab run`) or an ensemble folder (quantiles.parquet)."),
    observed: Optional[Path] = typer.Option(None, "--observed", help="Observed figures CSV (default: the file the run's scenario names in `observed:`)."),
    until: Optional[str] = typer.Option(None, "--until", help="Only figures whose period ends on or before this date (YYYY-MM-DD), e.g. the training window."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder to write (default RUN_DIR/validation; replaced atomically)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG figures."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No table."),
):
    """Compare a run or ensemble folder with observed figures: per-series errors, a score, plots.

    Each observed series is scored on its own grain (monthly totals, running totals, daily
    figures, stocks); an ensemble is scored on its median, drawn with its bands, and
    gets proper scores from its member runs (CRPS, interval score, 50 %/90 % coverage, PIT).
    """
    from ..errors import InputFileError
    from .observations import OBSERVATION_MAP, load_observations, select_outcomes
    from .run_data import load_run_data, observations_path
    from .validation import compare, write_validation

    cut = parse_date(until, "--until")
    data = load_run_data(run_dir)
    obs_path = observations_path(data, observed)
    observations = load_observations(obs_path)
    data.load_members({(o.model[0], o.model[1]) for o in select_outcomes(observations, cut)})
    v = compare(observations, data, cut)
    if not v.points:
        reasons = sorted({why for _, why in v.skipped})[:3]
        raise InputFileError(
            f"{run_dir}: no observed figure in {obs_path} could be compared with this run"
            + (f" ({'; '.join(reasons)})" if reasons else " (no outcome rows map onto a model output"
               + (f" up to {cut}" if cut else "") + ")")
            + f"\n    hint: check --observed and --until; mapped metrics are listed in docs/validation.md "
              f"({len(OBSERVATION_MAP)} built in, or give model_metric/model_scope/aggregation columns)")
    target = Path(out_dir) if out_dir is not None else Path(run_dir) / "validation"
    write_validation(v, data, target, observed_path=obs_path, plots=plots, force=force, observations=observations)
    if not quiet:
        out.print(series_table(v, f"validation of {run_dir} ({v.kind}) against {obs_path.name}"
                                  + (f", figures up to {cut}" if cut else "")))
        for role, s in v.scores.items():
            out.print(f"overall score ({role}): [bold]{s:.3f}[/] (mean |log accuracy ratio| over "
                      f"{sum(e.role == role for e in v.series)} series; typical factor {math.exp(s):.2f})")
        if data.kind == "ensemble":
            print_proper_scores(v)
            print_predictive_scores(target)
        if v.skipped:
            out.print(f"{len(v.skipped)} figure(s) not compared (see validation.md)")
        out.print(f"wrote {target}")
