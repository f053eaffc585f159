"""Benchmark (not a test): belarus-eu-2021 `sim.run()` of several code versions, interleaved.

The figure issue #12 sets for the simulation alone (`sim.run()`, seed 1, ≤ 0.12 s on its
"fast host", 3.4× the code it was filed on) moves by ±20 % from minute to minute on a
shared 2-core machine, so versions are only comparable when measured in the same minutes.
Each version gets one warm worker process (imports, numba's cache and one run done first);
the workers then run one `sim.run()` each, in turn, for `--rounds` rounds. The medians, the
ratio of the medians to the first version's, and the median of the rounds' own ratios
(each round's versions ran within a second of each other, so a slow minute slows both)
come out together:

    git archive 6b53aed src | tar -x -C /tmp/filed                 # the code the issue was filed on
    .venv/bin/python benchmarks/sim_run_interleaved.py \
        filed=PYTHONPATH=/tmp/filed/src  jit=BORDERLAB_KERNELS=jit  built=  --rounds 21

A version is NAME=ENV, where ENV is empty or comma-separated KEY=VALUE pairs for its worker
(PYTHONPATH=DIR runs another checkout's `src` with this environment's packages).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_WORKER = r"""
import sys, time
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim
loaded = load_scenario(sys.argv[1])
seed = int(sys.argv[2])
build_sim(loaded, seed=seed).run()   # warm: imports, kernels, file cache
print("ready", flush=True)
for line in sys.stdin:
    sim = build_sim(loaded, seed=seed)
    t = time.perf_counter()
    sim.run()
    print(time.perf_counter() - t, flush=True)
"""


def parse_version(text: str) -> tuple[str, dict[str, str]]:
    name, _, env_text = text.partition("=")
    if not name:
        raise SystemExit(f"usage: a version is NAME=ENV (ENV may be empty), got {text!r}")
    env = {}
    for pair in filter(None, env_text.split(",")):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"usage: {text!r}: ENV is comma-separated KEY=VALUE pairs")
        env[key] = value
    return name, env


def start_worker(env_extra: dict[str, str], scenario: str, seed: int) -> subprocess.Popen:
    env = {**os.environ, **env_extra}
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, scenario, str(seed)], cwd=ROOT, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        raise SystemExit(f"worker with {env_extra} did not start (exit {proc.wait()})")
    return proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("versions", nargs="+", help="NAME=ENV, the first is the reference")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--scenario", default="belarus-eu-2021")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    a = ap.parse_args()
    versions = [parse_version(v) for v in a.versions]
    load_before = os.getloadavg()
    workers = {name: start_worker(env, a.scenario, a.seed) for name, env in versions}
    times: dict[str, list[float]] = {name: [] for name in workers}
    try:
        for r in range(a.rounds):
            order = list(workers) if r % 2 == 0 else list(reversed(workers))  # neither always first
            for name in order:
                proc = workers[name]
                proc.stdin.write("\n")
                proc.stdin.flush()
                times[name].append(float(proc.stdout.readline()))
    finally:
        for proc in workers.values():
            proc.stdin.close()
            proc.wait()
    ref = statistics.median(times[versions[0][0]])
    out = {"scenario": a.scenario, "seed": a.seed, "rounds": a.rounds, "when_utc": time.strftime("%Y-%m-%d %H:%M:%S",
                                                                                                 time.gmtime()),
           "load_before": load_before, "load_after": os.getloadavg(), "versions": {}}
    print(f"{a.scenario} sim.run(), seed {a.seed}, {a.rounds} interleaved rounds; load {load_before[0]:.2f} -> "
          f"{out['load_after'][0]:.2f}")
    first = times[versions[0][0]]
    for name, env in versions:
        med = statistics.median(times[name])
        paired = sorted(f / t for f, t in zip(first, times[name]))
        quart = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
        out["versions"][name] = {"env": env, "median_s": round(med, 4), "min_s": round(min(times[name]), 4),
                                 "speedup_vs_first": round(ref / med, 3),
                                 "paired_speedup_median": round(statistics.median(paired), 3),
                                 "paired_speedup_quartiles": [round(quart[0], 3), round(quart[2], 3)]}
        print(f"  {name:12s} median {med:.4f} s  min {min(times[name]):.4f} s  {ref / med:.2f}x the first "
              f"(paired by round: {statistics.median(paired):.2f}x, quartiles {quart[0]:.2f}-{quart[2]:.2f})")
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
