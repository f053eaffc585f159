"""`borderlab allocate`: where should a defender put its guards? Solve a Stackelberg
security game for the segments' shares, then check the answer in the full simulation.

Steps (all runs share seeds: run i of every arm uses derive_seed(base_seed, i); the arms
run on the one arm runner, arms.py: each arm in OUT/arms/ARM, each search trial in
OUT/search/trials/NNNNN, so a rerun reuses every finished run):

1. run the scenario as written (`scenario` arm) over the period up to the window's end;
2. estimate each segment's payoffs (payoffs.py) from the compiled arrays and those runs,
   and solve the game (game.py) for the guards' shares (`game` arm);
3. baselines: `uniform` per km; `pressure`, fixed shares ∝ the person-attempts each segment
   saw in the 30 days before the window (in the scenario runs); `search`, an Optuna TPE
   search over shares given as many runs as the game consumed (the `scenario` runs);
4. run every arm with the same seeds in the full simulation (adaptive orchestrator
   included) and report crossings (the game's objective), unseen crossings, deaths and guard
   fatigue over the window: each arm's mean with its interval and its paired difference to
   the scenario's own allocation, and a finding that says where the game wins or loses.

A fixed allocation applies for the whole period (the schema has one allocation per
defender); outcomes count only the window.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from .. import __version__
from ..errors import Problem, ScenarioError
from ..scenario.loader import load_scenario
from ..reporting.outdir import check_output, study_folder
from ..scenario.loader import ParsedScenario, parse_scenario
from ..studies.plan import EnsemblePlan, Source, plan_ensemble
from ..studies.store import write_atomic, write_table_atomic
from .allocation_search import search_allocation, weights_override
from .arms import ArmsResult, make_arm, open_until, run_planned, shared_cluster
from .game import solve
from .outcomes import CROSSED, parse_window
from .paired_stats import mean_interval, paired_difference
from .payoffs import static_payoffs, with_run_estimates

PLAN_FILE = "plan.json"
STUDY = "allocate"
ARMS_STUDY = "allocate-arms"  # the kind of each OUT/arms/ARM and OUT/search/trials/NNNNN
PRESSURE_DAYS = 30
# (name, metric, how) — how: "sum" over the window, "max"/"mean" of a daily ratio
OUTCOMES = (("crossings", CROSSED, "sum"), ("unseen_crossings", "new_undetected", "sum"),
            ("deaths", "new_deaths", "sum"), ("peak_fatigue", "guard_fatigue", "max"),
            ("mean_fatigue", "guard_fatigue", "mean"))
SEGMENT_METRICS = ("new_groups", "new_undetected", "new_unstopped", "new_released", "new_attempts_all", "guards_per_km")


# -- input checks -----------------------------------------------------------------------
def check_country(loaded, country: str) -> None:
    codes = [d.country for d in loaded.scenario.defenders]
    if country not in codes:
        raise ScenarioError([Problem("--country", f"'{country}' is not a defending country of {loaded.scenario.name}",
                                     f"choose one of {', '.join(codes)}")])


def check_counts(runs: int, guards: float | None, search_budget: int | None, seen_weight: float = 1.0) -> None:
    problems = []
    if not (np.isfinite(seen_weight) and seen_weight >= 0):
        problems.append(Problem("--seen-weight", f"{seen_weight}: must be a number ≥ 0", "1 counts every crossing alike"))
    if runs < 3:
        problems.append(Problem("--runs", f"{runs}: paired intervals need at least 3 runs per arm", "e.g. --runs 20"))
    if guards is not None and not (np.isfinite(guards) and guards >= 0):
        problems.append(Problem("--guards", f"{guards}: must be a number of guards ≥ 0", "e.g. --guards 4000"))
    if search_budget is not None and search_budget < 1:
        problems.append(Problem("--search-budget", f"{search_budget}: must be ≥ 1 run", ""))
    if problems:
        raise ScenarioError(problems)


def normalise(w: np.ndarray, length: np.ndarray) -> np.ndarray:
    w = np.maximum(np.asarray(w, float), 0.0)
    return w / w.sum() if w.sum() > 0 else length / length.sum()


# -- the study --------------------------------------------------------------------------
@dataclass
class Context:
    source: Source
    parsed: ParsedScenario
    country: str
    window: tuple[dt.date, dt.date]
    runs: int
    seed: int
    out: Path
    scheduler: str | None
    segments: list[str]
    length: np.ndarray

    def plan(self, runs: int) -> EnsemblePlan:
        """`runs` pairs: seeds derive_seed(seed, i); the scenario as written (no branches, no draws)."""
        return plan_ensemble(self.source, runs, seed=self.seed, branches=False)

    def run(self, name: str, texts: list[str], plan: EnsemblePlan | None = None, folder: Path | None = None) -> ArmsResult:
        """Run one arm (the base changed by `--set` texts) with common random numbers (arms.py),
        in OUT/arms/NAME by default: an arm's own folder, so running arms one by one as the
        study finds them never discards another arm's finished runs."""
        arm = make_arm(name, texts, self.source, self.parsed)
        return run_planned(plan or self.plan(self.runs), [arm], folder or self.out / "arms" / name, study=ARMS_STUDY,
                           scheduler=self.scheduler)

    def totals(self, result: ArmsResult, arm: str, start=None, end=None):
        return result.window_totals(start or self.window[0], end or self.window[1],
                                    {m for _, ms, _ in OUTCOMES for m in _names(ms)} | set(SEGMENT_METRICS))[arm]

    def segment_matrix(self, tot, key: str) -> np.ndarray:
        """[segment, run] array of one totals key."""
        n = len(next(iter(tot.values()))) if tot else 0
        return np.array([tot.get((key, s), np.zeros(n)) for s in self.segments])

    def outcome(self, tot, name: str) -> np.ndarray:
        _, metrics, how = next(o for o in OUTCOMES if o[0] == name)
        n = len(next(iter(tot.values())))
        return sum(tot.get((m if how == "sum" else f"{m}:{how}", self.country), np.zeros(n)) for m in _names(metrics))

    def crossings_by_segment(self, tot) -> np.ndarray:
        """[segment] mean crossings over runs."""
        return sum(self.segment_matrix(tot, m) for m in CROSSED).mean(axis=1)


def _names(metrics) -> tuple[str, ...]:
    return (metrics,) if isinstance(metrics, str) else tuple(metrics)


def allocate(scenario: str, country: str, out: Path, *, guards: float | None = None, window: str | None = None,
             runs: int = 20, seed: int | None = None, search_budget: int | None = None, seen_weight: float = 1.0,
             workers: int = 1, scheduler: str | None = None, plots: bool = True, force: bool = False,
             progress: Callable[[str], None] | None = None) -> dict:
    """Solve, check in simulation, write OUT/{allocation,comparison}.{csv,parquet}, plots, manifest.json."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    check_counts(runs, guards, search_budget, seen_weight)
    base = load_scenario(scenario, [])
    check_country(base, country)
    a, b = parse_window(window, base.scenario.start, base.scenario.end)
    out = Path(out)
    check_output(out, STUDY, force)  # refused before any work
    with study_folder(out, STUDY, force):
        overrides = [] if guards is None else [f"defenders.{country}.border_guards={{value: {float(guards):.6g}}}"]
        source = open_until(scenario, b, overrides)  # nothing after the window can matter
        overrides = source.overrides
        base_seed = source.default_seed if seed is None else int(seed)
        if base_seed < 0:
            raise ScenarioError([Problem("--seed", f"{base_seed}: seeds are ≥ 0", "")])
        static = static_payoffs(source.loaded, country, a, b)
        ctx = Context(source, parse_scenario(source.source), country, (a, b), runs, base_seed, out, None,
                      static.segments, static.length_km)
        settings = {"study": STUDY, "scenario": source.source, "fingerprint": source.fingerprint, "country": country,
                    "window": [a.isoformat(), b.isoformat()], "guards": guards, "runs": runs, "base_seed": base_seed,
                    "search_budget": search_budget or runs, "seen_weight": seen_weight, "overrides": overrides}
        (out / "manifest.json").unlink(missing_ok=True)
        write_atomic(out / PLAN_FILE, json.dumps(settings, indent=2))
        with shared_cluster(workers, scheduler) as address:
            ctx.scheduler = address
            say(f"scenario arm: {runs} runs")
            own_runs = ctx.run("scenario", [])
            own = ctx.totals(own_runs, "scenario")
            daily = own_runs.daily_means("scenario", a, b, ["new_groups", "new_attempts_all", "guards_per_km"])
            per_seg = lambda m: np.array([daily.get((m, s), np.zeros((b - a).days + 1))  # noqa: E731
                                          for s in static.segments])
            payoffs = with_run_estimates(static, per_seg("new_groups"), per_seg("new_attempts_all"),
                                         (per_seg("guards_per_km") * static.length_km[:, None]).sum(axis=0))
            solution = solve(payoffs.game(seen_weight=seen_weight))
            shares = {"scenario": ctx.segment_matrix(own, "guards_per_km:mean").mean(axis=1) * static.length_km,
                      "game": solution.resources, "uniform": static.length_km}
            pressure, pressure_note = pressure_shares(ctx, own_runs, base.scenario.start)
            shares["pressure"] = pressure
            say(f"search: {search_budget or runs} runs")
            search = search_allocation(ctx, search_budget or runs, seed=base_seed)
            shares["search"] = search["shares"]
            shares = {k: normalise(v, static.length_km) for k, v in shares.items()}
            arms = {"scenario": [], "uniform": [f"defenders.{country}.allocation.rule=uniform"]}
            for name in ("pressure", "game", "search"):
                arms[name] = weights_override(country, static.segments, shares[name])
            results = {"scenario": own}
            for name in list(arms)[1:]:
                say(f"{name} arm: {runs} runs")
                results[name] = ctx.totals(ctx.run(name, arms[name]), name)
        comparison = compare_arms(ctx, results)
        allocation = allocation_rows(ctx, payoffs, solution, shares, results)
        rule = next(d.allocation.rule for d in source.loaded.scenario.defenders if d.country == country)
        finding = verdict(ctx, comparison, results, shares, rule)
        write_table_atomic(out / "comparison.parquet", pa.Table.from_pylist(comparison))
        write_atomic(out / "comparison.csv", csv_text(comparison))
        write_table_atomic(out / "allocation.parquet", pa.Table.from_pylist(allocation))
        write_atomic(out / "allocation.csv", csv_text(allocation))
        outputs = {"allocation": "allocation.csv", "comparison": "comparison.csv",
                   "runs": "arms/ARM/runs/run-*.parquet", "search": "search/"}
        if plots:
            from .allocate_plot import plot_allocation
            outputs["plot"] = str(plot_allocation(out, ctx, shares, comparison).relative_to(out))
        manifest = {"borderlab_version": __version__, **settings, "scenario_sha256": source.loaded.sha256,
                    "arms": {n: [t.split("=", 1) for t in texts] for n, texts in arms.items()},
                    "seeds": "run i of every arm uses derive_seed(base_seed, i) (borderlab.studies.sampling)",
                    "game": {"method": "strong Stackelberg equilibrium by multiple LPs (Conitzer & Sandholm 2006); utilities "
                                       "piecewise linear in each segment's share of the force (SOS2 MILPs); SciPy HiGHS",
                             "target": static.segments[solution.target], "defender_utility": solution.defender_utility,
                             "attacker_utility": solution.attacker_utility,
                             "mean_effective_guards_on_duty": float(payoffs.force.mean()),
                             "programs_feasible": solution.programs_feasible},
                    "pressure_baseline": pressure_note, "search": {k: v for k, v in search.items() if k != "shares"},
                    "intervals": "arm means: 90 % percentile bootstrap over runs; differences to the scenario arm: "
                                 "paired bootstrap over runs (both decisions/paired_stats.py)",
                    "finding": finding, "outputs": outputs,
                    "wall_s": round(time.perf_counter() - t0, 2),
                    "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        write_atomic(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
        return {**manifest, "comparison": comparison, "allocation": allocation}


def pressure_shares(ctx: Context, own_runs: ArmsResult, period_start: dt.date) -> tuple[np.ndarray, str]:
    """Person-attempts per segment in the 30 days before the window (scenario runs, mean)."""
    a = ctx.window[0]
    lo = max(a - dt.timedelta(days=PRESSURE_DAYS), period_start)
    if lo >= a:
        return ctx.length.copy(), "the window starts with the period: no month before it, so per km"
    tot = ctx.totals(own_runs, "scenario", lo, a - dt.timedelta(days=1))
    w = ctx.segment_matrix(tot, "new_attempts_all").mean(axis=1)
    if w.sum() <= 0:
        return ctx.length.copy(), f"no attempts on {ctx.country} segments {lo}…{a - dt.timedelta(days=1)}: per km"
    return w, f"∝ person-attempts per segment {lo}…{a - dt.timedelta(days=1)} (mean of the scenario runs)"


def compare_arms(ctx: Context, results: dict) -> list[dict]:
    rows = []
    base = results["scenario"]
    for name, tot in results.items():
        for k, (outcome, _, _) in enumerate(OUTCOMES):
            x = ctx.outcome(tot, outcome)
            mean, low, high = mean_interval(x, seed=k)
            row = {"arm": name, "outcome": outcome, "mean": mean, "low": low, "high": high,
                   "run_p05": float(np.quantile(x, 0.05)), "run_p95": float(np.quantile(x, 0.95))}
            d = paired_difference(ctx.outcome(base, outcome), x, seed=k)
            row.update(diff=d.diff.estimate, diff_low=d.diff.low, diff_high=d.diff.high, share_lower=d.share_lower)
            rows.append(row)
    return rows


def allocation_rows(ctx: Context, payoffs, solution, shares: dict, results: dict) -> list[dict]:
    rows = []
    pay = payoffs.rows()
    for i, seg in enumerate(ctx.segments):
        row = {**pay[i], "game_cross_prob": float(solution.attacker_utilities[i])}
        for name, w in shares.items():
            row[f"share_{name}"] = float(w[i])
        for name, tot in results.items():
            row[f"crossings_{name}"] = float(ctx.crossings_by_segment(tot)[i])
        rows.append(row)
    return rows


def verdict(ctx: Context, comparison: list[dict], results: dict, shares: dict, own_rule: str) -> str:
    """One paragraph: how the game did against each baseline on crossings (its objective),
    and where it lost if it did (the segment with the largest excess of crossings)."""
    by = {(r["arm"], r["outcome"]): r for r in comparison}
    game = ctx.outcome(results["game"], "crossings")
    lines = []
    for name in results:
        if name == "game":
            continue
        d = paired_difference(ctx.outcome(results[name], "crossings"), game, seed=99).diff
        text = f"{d.estimate:+.0f} [{d.low:+.0f}, {d.high:+.0f}]"
        if d.low > 0:
            excess = ctx.crossings_by_segment(results["game"]) - ctx.crossings_by_segment(results[name])
            i = int(np.argmax(excess))
            lines.append(f"the game LOSES to {name}: {text}, most of the excess at {ctx.segments[i]} ({excess[i]:+.0f}), "
                         f"where the game put {shares['game'][i]:.1%} of the guards against {shares[name][i]:.1%}")
        elif d.high < 0:
            lines.append(f"the game beats {name}: {text}")
        else:
            lines.append(f"no clear difference to {name}: {text}")
    g = by[("game", "crossings")]
    text = (f"crossings into {ctx.country} {ctx.window[0]}…{ctx.window[1]} with the game's allocation: "
            f"{g['mean']:.0f} [{g['low']:.0f}, {g['high']:.0f}]; paired differences game − baseline: " + "; ".join(lines) + ".")
    if any("LOSES" in line for line in lines):
        text += (" Why the game can lose: it commits to one fixed allocation against an orchestrator that best-responds"
                 " with the pressure seen in the scenario runs, while the simulated orchestrator spreads groups over the"
                 " segments of each zone by length and recent success (a softmax, not a best response)")
        if own_rule == "pressure":
            text += (", and the scenario's own rule ('pressure') re-deploys guards every day towards recent incidents,"
                     " which no fixed allocation can do")
        text += "."
    return text


def csv_text(rows: list[dict]) -> str:
    """Rows as CSV text (floats to 6 significant digits); "" for no rows."""
    import csv
    import io

    if not rows:
        return ""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    return buf.getvalue()
