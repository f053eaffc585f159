"""Simulation-based calibration check of `calibrate --method abc` (issue 8 §1).

Runs R replicates of `borderlab.forecast.sbc` (truth drawn from the prior → one toy run →
observation noise → ABC-SMC posterior) and reports how often the 90 % posterior intervals
hold the truth; target 85–95 %. Each finished replicate is appended to a JSON-lines file,
so an interrupted check resumes where it stopped (and replicates are seeded by their index,
so a replicate computed twice gives the same result).

    .venv/bin/python benchmarks/sbc_check.py --replicates 50 --processes 2 \
        --out benchmarks/results/sbc_check.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from borderlab.forecast.sbc import Replicate, coverage, run_replicate


def one(index: int, seed: int, population: int, generations: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="sbc-") as tmp:
        t0 = time.perf_counter()
        rep = run_replicate(index, Path(tmp), seed=seed, population=population, generations=generations)
        return {**asdict(rep), "covered": rep.covered, "seconds": round(time.perf_counter() - t0, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--population", type=int, default=30)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--first", type=int, default=0, help="start at this replicate (split a check over several commands)")
    ap.add_argument("--report-only", action="store_true", help="summarise the finished replicates; run none")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/sbc_check.json"))
    args = ap.parse_args(argv)
    log = args.out.with_suffix(".jsonl")
    from borderlab.forecast.observation_model import TAIL_DF

    settings = {"population": args.population, "generations": args.generations, "seed": args.seed,
                "noise": f"student-t({TAIL_DF:g})", "sampling_scale": "logistic (abc_smc.prior)"}
    done = {}
    if log.is_file():
        for line in log.read_text().splitlines():
            row = json.loads(line)
            if row.get("settings") == settings:
                done[row["index"]] = row
    todo = [] if args.report_only else [i for i in range(args.first, args.replicates) if i not in done]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.processes) as pool, log.open("a") as fh:
        futures = [pool.submit(one, i, args.seed, args.population, args.generations) for i in todo]
        for fut in as_completed(futures):
            row = {**fut.result(), "settings": settings}
            done[row["index"]] = row
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(f"replicate {row['index']}: covered {row['covered']} ({row['seconds']} s)", file=sys.stderr)
    reps = [Replicate(r["index"], r["truth"], {k: tuple(v) for k, v in r["intervals"].items()}, r["simulations"],
                      r["final_temperature"]) for i, r in sorted(done.items()) if i < args.replicates]
    result = {**coverage(reps), **settings, "target": [0.85, 0.95],
              "passes": 0.85 <= coverage(reps)["coverage"] <= 0.95,
              "simulations_per_replicate": sum(r.simulations for r in reps) / len(reps),
              "wall_s_this_run": round(time.perf_counter() - t0, 1)}
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0 if result["passes"] else 1


if __name__ == "__main__":
    sys.exit(main())
