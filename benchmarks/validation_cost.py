"""How `borderlab check` scales with the node count (issue 10: 20,000 nodes took 44 s, 3.4 GB).

Writes the synthetic scenario (src/borderlab/synthetic.py) with N nodes as YAML, then loads
it in a fresh process per size (YAML limits, schema, references, feasibility — all of
`check`) and reports wall time, CPU time (steadier on a shared machine) and peak memory. Not part of CI.

    .venv/bin/python benchmarks/validation_cost.py 2000 5000 10000 20000 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

MEASURE = """
import resource, sys, time
from borderlab.scenario.loader import load_scenario
t, c = time.perf_counter(), time.process_time()
load_scenario(sys.argv[1])
print(time.perf_counter() - t, time.process_time() - c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(nodes: int, folder: Path) -> dict:
    from borderlab.synthetic import synthetic_scenario

    path = folder / f"synthetic-{nodes}.yaml"
    path.write_text(yaml.safe_dump(synthetic_scenario(people=1000, nodes=nodes, days=30), sort_keys=False))
    done = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    seconds, cpu, peak_mb = map(float, done.stdout.split())
    return {"nodes": nodes, "yaml_bytes": path.stat().st_size, "check_s": round(seconds, 2), "cpu_s": round(cpu, 2),
            "peak_mb": round(peak_mb)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("nodes", type=int, nargs="+")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, Path(tmp)) for n in args.nodes]
    for r in rows:
        print(f"{r['nodes']:>7,} nodes  {r['yaml_bytes'] / 1e6:6.1f} MB YAML  check {r['check_s']:6.2f} s (CPU {r['cpu_s']:6.2f} s)  peak {r['peak_mb']:6,} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
