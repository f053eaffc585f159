"""Benchmark: Flee 3.1 (the reference model) against borderlab's Flee-compatible engine.

Run with borderlab's Python from the repository root, e.g.

    .venv/bin/python benchmarks/flee_vs_borderlab.py --folders mali2012 burundi2015
    .venv/bin/python benchmarks/flee_vs_borderlab.py --synthetic --folders

For each Flee conflict folder it runs Flee 3.1 — installed from PyPI into its own venv
(benchmarks/.flee-venv), never a dependency of borderlab — and borderlab on the same folder,
and prints wall time, agent-days per second, ARD (mean daily `Total error`) for each, the
speed ratio and the ARD ratio, and whether the targets are met (speed ≥ 100× Flee's, ARD ≤
1.10× Flee's). Flee's figures are cached in benchmarks/results/flee_<folder>.json (committed,
so nobody has to rerun car2013's 46 minutes) and reused unless --rerun-flee; with
--skip-flee Flee is never run and, where no cache exists, the figures quoted in the issue
are used, labelled as such. Not part of CI. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from pathlib import Path

from flee_env import DEFAULT_VENV, flee_python
from flee_reference import (
    RESULTS,
    FleeRunError,
    folder_hasten,
    folder_length,
    run_flee_once,
    run_flee_synthetic_once,
    summarise,
    write_camp_series,
    write_json,
)

SPEED_TARGET = 100.0  # borderlab agent-days/s ÷ Flee's
ARD_TARGET = 1.10  # borderlab mean ARD ÷ Flee's ARD
SYNTHETIC = {"initial_agents": 500_000, "new_per_day": 10_000, "days": 10}

# Figures quoted in the issue (Flee 3.1, measured by the lead on this kind of machine,
# single process, agent logs off). Used only with --skip-flee when nothing is cached.
ISSUE_REFERENCE = {
    "mali2012": {"wall_s": 58.0, "agent_days_per_s": 5.0e4, "ard": 0.220},
    "burundi2015": {"wall_s": 530.0, "agent_days_per_s": 1.4e5, "ard": 0.360},
    "car2013": {"wall_s": 46 * 60.0, "agent_days_per_s": 1.0e5, "ard": 0.268},
    "synthetic": {"wall_s": 168.0, "agent_days_per_s": 3.3e4},
}


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit code 2."""


# ---------------------------------------------------------------- Flee side


def cache_path(name: str, days: int | None) -> Path:
    return RESULTS / (f"flee_{name}.json" if not days else f"flee_{name}_first{days}d.json")


def load_cached(name: str, days: int | None, reps: int, any_length: bool = False) -> dict | None:
    """A cached measurement good enough for this request: a full run beats a shorter one.

    With `any_length` (--skip-flee) a shortened run of any length will do, longest first.
    """
    paths = [cache_path(name, None)] + ([cache_path(name, days)] if days else [])
    if any_length:
        shortened = RESULTS.glob(f"flee_{name}_first*d.json")
        paths += sorted(shortened, key=lambda p: -int(p.stem.rsplit("first", 1)[1][:-1]))
    for path in paths:
        if path.exists():
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("reps", 0) >= reps:
                cached["source"] = f"cached measurement ({path.name}, {cached.get('measured_at', '?')})"
                return cached
    return None


def flee_folder(args, name: str, source: Path) -> dict:
    length = folder_length(source)
    days = args.flee_days if args.flee_days and args.flee_days < length else None
    if not args.rerun_flee:
        cached = load_cached(name, days, args.flee_reps, any_length=args.skip_flee)
        if cached is not None or args.skip_flee:
            return cached or issue_reference(name)
    python = flee_python(args.flee_venv)
    reps = []
    for i in range(args.flee_reps):
        label = f"first {days} of {length} days" if days else f"{length} days"
        print(f"[flee] {name}: run {i + 1}/{args.flee_reps} ({label}) ...", file=sys.stderr, flush=True)
        reps.append(run_flee_once(python, source, days))
        r = reps[-1]
        print(f"[flee] {name}: {r['wall_s']:.1f} s, {r['agent_days_per_s']:.3g} agent-days/s, ARD {r['ard']:.4f}",
              file=sys.stderr, flush=True)
    summary = summarise(name, reps, folder_length=length, days_limited=bool(days),
                        hasten=folder_hasten(source), flee="flee==3.1 (PyPI)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(cache_path(name, days), summary)
    if not days:
        write_camp_series(RESULTS / f"flee_{name}_camps.csv", reps)
    return summary


def flee_synthetic(args) -> dict:
    path = cache_path("synthetic", None)
    if not args.rerun_flee:
        cached = load_cached("synthetic", None, args.flee_reps)
        if cached is not None or args.skip_flee:
            return cached or issue_reference("synthetic")
    python = flee_python(args.flee_venv, with_mpi=True)
    reps = []
    for i in range(args.flee_reps):
        print(f"[flee] synthetic: run {i + 1}/{args.flee_reps} ...", file=sys.stderr, flush=True)
        reps.append(run_flee_synthetic_once(python, SYNTHETIC["initial_agents"], SYNTHETIC["new_per_day"],
                                            SYNTHETIC["days"]))
        print(f"[flee] synthetic: {reps[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    summary = summarise("synthetic", reps, flee="flee==3.1 (PyPI), pflee single process", **SYNTHETIC,
                        camps_last_day=reps[0]["camps_last_day"], daily_agents=reps[0]["daily_agents"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(path, summary)
    return summary


def issue_reference(name: str) -> dict:
    ref = dict(ISSUE_REFERENCE[name])
    ref.update(case=name, source="issue reference figure (not measured in this run)", reps=0)
    return ref


# ---------------------------------------------------------------- borderlab side


def borderlab_folder(source: Path, seeds: int) -> dict:
    from borderlab.flee.runner import run_flee

    run_flee(source, seed=0, days=5)  # warm-up: imports, numba compilation/cache
    per_seed = []
    for seed in range(seeds):
        t0 = time.perf_counter()
        run = run_flee(source, seed=seed)
        call_s = time.perf_counter() - t0
        per_seed.append({
            "seed": seed, "ard": float(run.ard), "agent_days": int(run.agent_days),
            "wall_s": float(run.wall_s), "build_s": float(getattr(run, "build_s", 0.0)), "call_s": call_s,
        })
    return summarise_borderlab(per_seed)


def _synthetic_runner():
    try:
        from borderlab.flee.runner import run_flee_synthetic
    except ImportError:
        from borderlab.flee.synthetic import run_flee_synthetic
    return run_flee_synthetic


def borderlab_synthetic() -> dict:
    run_flee_synthetic = _synthetic_runner()

    run_flee_synthetic(initial_agents=1000, new_per_day=100, days=2, seed=0)  # warm-up
    t0 = time.perf_counter()
    run = run_flee_synthetic(seed=0, **SYNTHETIC)
    call_s = time.perf_counter() - t0
    one = {"seed": 0, "agent_days": int(run.agent_days), "wall_s": float(run.wall_s),
           "build_s": float(getattr(run, "build_s", 0.0)), "call_s": call_s}
    return summarise_borderlab([one])


def summarise_borderlab(per_seed: list[dict]) -> dict:
    def mean_sd(key):
        xs = [p[key] for p in per_seed]
        return statistics.fmean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)

    out = {"seeds": len(per_seed), "per_seed": per_seed}
    for key in ("agent_days", "wall_s", "build_s", "call_s") + (("ard",) if "ard" in per_seed[0] else ()):
        out[key], out[key + "_sd"] = mean_sd(key)
    # End to end (folder read + build + run), as Flee's wall time is; the engine-only rate
    # (run step alone) is shown too.
    out["agent_days_per_s"] = statistics.median(p["agent_days"] / p["call_s"] for p in per_seed)
    out["engine_agent_days_per_s"] = statistics.median(p["agent_days"] / p["wall_s"] for p in per_seed)
    return out


# ---------------------------------------------------------------- report


def compare(flee: dict, bl: dict | None) -> dict:
    row = {}
    if bl is None:
        return row
    row["speed_ratio"] = bl["agent_days_per_s"] / flee["agent_days_per_s"]
    row["speed_met"] = row["speed_ratio"] >= SPEED_TARGET
    if "ard" in bl and flee.get("ard") is not None:
        if flee.get("days_limited"):
            # A shortened Flee run says nothing about the full-length ARD: judge against the
            # issue's full-length figure instead, and say so.
            ref = ISSUE_REFERENCE.get(flee["case"], {}).get("ard")
            if ref is None:
                return row
            row["ard_reference"] = f"issue's full-length Flee ARD {ref}"
            row["ard_ratio"] = bl["ard"] / ref
        else:
            row["ard_ratio"] = bl["ard"] / flee["ard"]
        row["ard_met"] = row["ard_ratio"] <= ARD_TARGET
    return row


def print_table(name: str, flee: dict, bl: dict | None, cmp: dict, note: str = "") -> None:
    label = flee["source"] if flee.get("source") != "measured" else f"measured now, {flee['reps']} rep(s)"
    if flee.get("days_limited"):
        label += f"; first {flee['days']} of {flee['folder_length']} days"
    print(f"\n== {name}{note}")
    print(f"   Flee 3.1: {label}")
    if bl is not None:
        print(f"   borderlab: {bl['seeds']} seed(s)")
    flee_wall = _f(flee.get("wall_s"), ".1f") + (f" (cpu {flee['cpu_s']:.1f})" if "cpu_s" in flee else "")
    rows = [("wall s", flee_wall,
             f"{bl['call_s']:.3f} ± {bl['call_s_sd']:.3f} (run only {bl['wall_s']:.3f}, build {bl['build_s']:.3f})" if bl else "-"),
            ("agent-days", _f(flee.get("agent_days"), ",.0f"),
             f"{bl['agent_days']:,.0f} ± {bl['agent_days_sd']:,.0f}" if bl else "-"),
            ("agent-days/s", _f(flee.get("agent_days_per_s"), ".3g"),
             f"{bl['agent_days_per_s']:.3g} (run only {bl['engine_agent_days_per_s']:.3g})" if bl else "-")]
    if "ard" in flee or (bl and "ard" in bl):
        flee_ard = _f(flee.get("ard"), ".4f") + (f" (first {flee['days']} days)" if flee.get("days_limited") else "")
        rows.append(("ARD", flee_ard, f"{bl['ard']:.4f} ± {bl['ard_sd']:.4f}" if bl and "ard" in bl else "-"))
    w = max(len("Flee 3.1"), *(len(r[1]) for r in rows)) + 2
    print(f"   {'':14}{'Flee 3.1':<{w}}borderlab")
    for metric, f, b in rows:
        print(f"   {metric:<14}{f:<{w}}{b}")
    if "speed_ratio" in cmp:
        print(f"   speed ratio   {cmp['speed_ratio']:.1f}x   target >= {SPEED_TARGET:.0f}x   "
              f"{'MET' if cmp['speed_met'] else 'NOT MET'}")
    if "ard_ratio" in cmp:
        vs = f"   (vs {cmp['ard_reference']})" if "ard_reference" in cmp else ""
        print(f"   ARD ratio     {cmp['ard_ratio']:.3f}   target <= {ARD_TARGET:.2f}   "
              f"{'MET' if cmp['ard_met'] else 'NOT MET'}{vs}")


def _f(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folders", nargs="*", default=["mali2012", "burundi2015", "car2013"],
                   help="Flee conflict folders under --data-root (none: only --synthetic)")
    p.add_argument("--data-root", default="../shared/data/flee", type=Path)
    p.add_argument("--seeds", type=int, default=10, help="borderlab seeds per folder")
    p.add_argument("--flee-reps", type=int, default=1, help="Flee repetitions (median reported)")
    p.add_argument("--flee-days", type=int, default=None,
                   help="run Flee only this many days (speed only; labelled)")
    p.add_argument("--skip-flee", action="store_true",
                   help="never run Flee: use cached results, else the issue's reference figures")
    p.add_argument("--rerun-flee", action="store_true", help="ignore cached Flee results")
    p.add_argument("--flee-only", action="store_true", help="do not run borderlab")
    p.add_argument("--synthetic", action="store_true",
                   help="also run the synthetic scaling case (500,000 agents, +10,000/day, 10 days)")
    p.add_argument("--flee-venv", type=Path, default=DEFAULT_VENV)
    p.add_argument("--json", type=Path, default=None, help="write all figures to this JSON file")
    a = p.parse_args(argv)
    if a.skip_flee and a.rerun_flee:
        raise UsageError("--skip-flee and --rerun-flee contradict each other: pick one")
    for opt in ("seeds", "flee_reps", "flee_days"):
        v = getattr(a, opt)
        if v is not None and v < 1:
            raise UsageError(f"--{opt.replace('_', '-')} must be at least 1 (got {v})")
    if a.folders:
        if not a.data_root.is_dir():
            alt = Path(__file__).resolve().parents[1] / a.data_root
            if not alt.is_dir():
                raise UsageError(f"--data-root {a.data_root} is not a folder (give the folder holding mali2012/ etc.)")
            a.data_root = alt
        a.data_root = a.data_root.resolve()
        for name in a.folders:
            if not (a.data_root / name / "input_csv" / "sim_period.csv").is_file():
                raise UsageError(f"{a.data_root / name} is not a Flee conflict folder "
                                 "(no input_csv/sim_period.csv); check --folders and --data-root")
    if not a.folders and not a.synthetic:
        raise UsageError("nothing to do: give --folders NAME... and/or --synthetic")
    return a


def borderlab_available(kind: str) -> bool:
    try:
        if kind == "folder":
            importlib.import_module("borderlab.flee.runner")
        else:
            importlib.import_module("borderlab.flee.synthetic")  # the case builder both variants use
            _synthetic_runner()
        return True
    except ImportError as exc:
        print(f"[borderlab] borderlab.flee not usable for the {kind} case ({exc}); showing Flee only",
              file=sys.stderr)
        return False


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = {"targets": {"speed_ratio_min": SPEED_TARGET, "ard_ratio_max": ARD_TARGET}, "cases": {}}
    run_bl = not args.flee_only and bool(args.folders) and borderlab_available("folder")
    try:
        for name in args.folders:
            source = args.data_root / name
            flee = flee_folder(args, name, source)
            bl = borderlab_folder(source, args.seeds) if run_bl else None
            cmp = compare(flee, bl)
            note = f" (hasten {folder_hasten(source)}: Flee runs at 1/{folder_hasten(source)} scale)" \
                if folder_hasten(source) > 1 else ""
            print_table(name, flee, bl, cmp, note)
            report["cases"][name] = {"flee": _slim(flee), "borderlab": bl, **cmp}
        if args.synthetic:
            flee = flee_synthetic(args)
            bl = borderlab_synthetic() if not args.flee_only and borderlab_available("synthetic") else None
            cmp = compare(flee, bl)
            print_table("synthetic", flee, bl, cmp, " (500,000 initial agents, +10,000/day, 10 days)")
            report["cases"]["synthetic"] = {"flee": _slim(flee), "borderlab": bl, **cmp}
    except FleeRunError as exc:
        print(f"error: Flee failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        write_json(args.json, report)
    return 0


def _slim(flee: dict) -> dict:
    return {k: v for k, v in flee.items() if not k.startswith("daily_")}


if __name__ == "__main__":
    sys.exit(main())
