"""Benchmark (not a test): `borderlab compare` of belarus-eu-2021 with 2 variants × 100
paired runs on a LocalCluster of 2 workers, end to end (cluster start, 300 runs, outcomes,
bootstrap intervals, plots, manifest).

Target (issue #9): ≤ 2 minutes on a 2-core machine. Prints the wall time, runs per second,
the machine's load averages before and after (other work on the machine slows the runs),
and the per-run time split from the manifest. The same folder is the worked example of
docs/decisions.md (earlier route bans; aid access to the exclusion zone).

    .venv/bin/python benchmarks/compare_bench.py                          # 100 runs per arm, 2 workers
    .venv/bin/python benchmarks/compare_bench.py --runs 20 --keep runs/cmp  # smaller; keep the folder
    .venv/bin/python benchmarks/compare_bench.py --json figures.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ("early-route-bans", "aid-in-zone")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--variant", action="append", help=f"variant (repeatable; default: {', '.join(VARIANTS)})")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="write the study here and keep it (default: a temporary folder)")
    ap.add_argument("--json", type=Path, help="write the figures to this file")
    args = ap.parse_args()
    variants = args.variant or list(VARIANTS)
    tmp = None
    if args.keep:
        out = args.keep
        if out.exists():
            sys.exit(f"{out} exists: the benchmark times a fresh study; choose a new --keep folder")
    else:
        tmp = Path(tempfile.mkdtemp(prefix="compare-bench-"))
        out = tmp / "cmp"
    borderlab = Path(sys.executable).with_name("borderlab")
    cmd = [str(borderlab), "compare", args.scenario, *[a for v in variants for a in ("--variant", v)],
           "--runs", str(args.runs), "--workers", str(args.workers), "--out", str(out)]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()
    if proc.returncode != 0:
        sys.exit(f"compare failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ex = manifest["execution"]
    runs_total = args.runs * (len(variants) + 1)
    figures = {
        "command": " ".join(["borderlab", *cmd[1:]]),
        "arms": len(variants) + 1, "runs_per_arm": args.runs, "runs_total": runs_total, "workers": args.workers,
        "wall_s": round(wall, 1), "target_s": 120, "meets_target": wall <= 120,
        "runs_per_s": round(runs_total / wall, 2),
        "execution_wall_s": ex["wall_s"], "cluster_start_s": ex["cluster_start_s"],
        "summarise_s": ex.get("summarise_s"), "seconds_per_run_steady": ex["seconds_per_run_steady"],
        "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in load_after],
        "cpu_count": os.cpu_count(),
    }
    print(proc.stdout)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
