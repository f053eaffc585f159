"""Benchmark (not a test): what a user waits for, measured as whole processes (issue #12).

A planner's loop is "change, run, look": the figure that matters is the whole command —
interpreter start, imports, numba's cache, the simulation, writing the folder — not the
simulation alone. Each case runs as a fresh process, several times; the table shows the
median wall time, the median CPU time (user + system: less disturbed by other work on a
shared machine) and the median peak resident memory of that process (`os.wait4`).

    .venv/bin/python benchmarks/latency.py                         # startup cases + belarus sim.run()
    .venv/bin/python benchmarks/latency.py --repeats 7 --profile   # + import and numba profile per command
    .venv/bin/python benchmarks/latency.py --ensemble-runs 200 --workers 1 2   # + ensembles (minutes)
    .venv/bin/python benchmarks/latency.py --bench                 # + `borderlab bench --json` (minutes)
    git archive HEAD src | tar -x -C /tmp/base    # before/after, both under the same load:
    .venv/bin/python benchmarks/latency.py --baseline-src /tmp/base/src --sim-repeats 0
    .venv/bin/python benchmarks/latency.py --baseline-env BORDERLAB_KERNELS=jit   # built kernels vs numba's JIT

Figures from different machines differ by the machine, so the host yardstick is printed
with them: `borderlab bench`'s pure-Python loop (host_python_mloops_per_s, higher is faster)
and a fixed NumPy workload (seconds, best of 5), and the
load averages before and after (the machine may be shared). To measure another checkout
with the same environment, set PYTHONPATH=OTHER/src. Writes benchmarks/results/latency.json
(or --json). docs/performance.md lists the figures and what they mean.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "pandas", "duckdb", "dask", "distributed", "optuna", "pyabc", "statsforecast",
         "scoringrules", "plotly", "scipy", "numba", "pyarrow", "pydantic")

# run the CLI in-process for the profile: which heavy packages and numba kernels it loaded
_PROFILE_CHILD = r"""
import importlib.abc, json, sys, time
timing = {"numba_compile_or_load_s": 0.0}

class _Watch(importlib.abc.MetaPathFinder):
    # time numba's Dispatcher.compile (a cache load or a compilation) once numba is imported
    def find_spec(self, name, path, target=None):
        if name != "numba.core.dispatcher":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            real = module.Dispatcher.compile
            def compile(self, sig):
                t = time.perf_counter()
                try:
                    return real(self, sig)
                finally:
                    timing["numba_compile_or_load_s"] += time.perf_counter() - t
            module.Dispatcher.compile = compile
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _Watch())
report_to = sys.argv.pop(1)
sys.argv[0] = "borderlab"
from borderlab.cli import main
try:
    main()
except SystemExit:
    pass
kernels = []
if "numba" in sys.modules:
    from numba.core.registry import CPUDispatcher
    seen = set()
    for name, mod in list(sys.modules.items()):
        if not name.startswith("borderlab") or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, CPUDispatcher) and id(obj) not in seen:
                seen.add(id(obj))
                kernels.append({"name": f"{obj.py_func.__module__}.{obj.py_func.__name__}",
                                "signatures": len(obj.overloads),
                                "cache_hits": sum(obj.stats.cache_hits.values()),
                                "cache_misses": sum(obj.stats.cache_misses.values())})
from borderlab.engine import ahead_of_time
built = {"status": ahead_of_time.built_status(),
         "kernels_called": sum(k.calls_built > 0 for k in ahead_of_time.kernels().values()),
         "calls": sum(k.calls_built for k in ahead_of_time.kernels().values())}
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(%r))
json.dump({"heavy_imported": heavy, "kernels": kernels, "built": built, **timing}, open(report_to, "w"))
""" % (HEAVY,)

_SIM_CHILD = r"""
import json, statistics, sys, time
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim
scenario, seed, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
loaded = load_scenario(scenario)
build_sim(loaded, seed=seed).run()   # warm-up: imports, numba cache
times = []
for _ in range(repeats):
    sim = build_sim(loaded, seed=seed)
    t = time.perf_counter()
    sim.run()
    times.append(time.perf_counter() - t)
print(json.dumps({"median_s": statistics.median(times), "min_s": min(times), "runs_s": times}))
"""


# -- host yardstick ---------------------------------------------------------------------
def host_yardstick() -> dict:
    """`borderlab bench`'s pure-Python yardstick (million loop iterations per second, the
    figure the other docs quote) and a fixed NumPy workload (seconds, best of 5)."""
    import numpy as np

    from borderlab.bench import host_python_speed

    def best(fn) -> float:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    rng = np.random.default_rng(0)
    data = rng.random(1_000_000)
    idx = rng.integers(0, 1_000_000, 1_000_000)

    def numpy_work() -> None:
        np.sort(data)
        np.bincount(idx, weights=data)
        np.cumsum(data[idx])

    return {"host_python_mloops_per_s": round(host_python_speed(), 2),
            "numpy_sort_bincount_gather_1M_s": round(best(numpy_work), 4),
            "cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine()}


# -- whole processes --------------------------------------------------------------------
def cli() -> list[str]:
    """The `borderlab` console script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("borderlab")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from borderlab.cli import main; sys.argv[0] = 'borderlab'; main()"]


def run_process(cmd: list[str], timeout: float | None = None) -> dict:
    """Run `cmd`; exit code, wall seconds and its output (for the unmeasured helper runs)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    wall = time.perf_counter() - t
    return {"rc": proc.returncode, "wall_s": wall, "stdout": out.decode(errors="replace"),
            "stderr": err.decode(errors="replace")}


def run_measured(cmd: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Like run_process, with that process's own rusage from os.wait4 (peak RSS, CPU): what
    `/usr/bin/time -v` reports, without needing it installed."""
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, cwd=ROOT, env=env)
        deadline = None if timeout is None else t + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise TimeoutError(f"{' '.join(cmd)}: over {timeout} s")
            time.sleep(0.002)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        return {"rc": proc.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mib": usage.ru_maxrss / 1024, "stdout": fout.read().decode(errors="replace"),
                "stderr": ferr.read().decode(errors="replace")}


def key_value(text: str) -> tuple[str, str]:
    """KEY=VALUE for --baseline-env (argparse turns the ValueError into a usage error, exit 2)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(text)
    return key, value


def median_case(name: str, cmd: list[str], repeats: int, timeout: float, baseline_src: Path | None = None,
                baseline_env: dict | None = None) -> dict:
    """Median figures of `repeats` runs; with `baseline_src` (PYTHONPATH) and/or
    `baseline_env` (extra environment, e.g. BORDERLAB_KERNELS=jit), each repeat also runs
    the baseline, alternately, so both see the same machine load."""
    trees = {"this tree": None}
    if baseline_src is not None or baseline_env:
        trees["baseline"] = dict(os.environ, **(baseline_env or {}))
        if baseline_src is not None:
            trees["baseline"]["PYTHONPATH"] = str(baseline_src)
    cmds = {label: with_no_report(cmd, env) for label, env in trees.items()}
    for label, env in trees.items():
        run_measured(cmds[label], timeout, env)  # warm-up: numba's cache, the OS file cache
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(repeats):
        for label, env in trees.items():
            r = run_measured(cmds[label], timeout, env)
            if r["rc"] != 0:
                raise SystemExit(f"{name} ({label}): exit {r['rc']}\n{' '.join(cmd)}\n{r['stderr'][-3000:]}")
            runs[label].append(r)

    def summary(rs: list[dict]) -> dict:
        return {"wall_s": round(statistics.median(r["wall_s"] for r in rs), 3),
                "wall_min_s": round(min(r["wall_s"] for r in rs), 3),
                "cpu_s": round(statistics.median(r["cpu_s"] for r in rs), 3),
                "peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in rs), 1)}

    case = {"case": name, "command": " ".join(cmds["this tree"]), "repeats": repeats, **summary(runs["this tree"])}
    if "baseline" in trees:
        case["baseline"] = {"pythonpath": str(baseline_src) if baseline_src else None, "env": baseline_env or {},
                            **summary(runs["baseline"])}
    return case


def profile_command(args: list[str], tmp: Path) -> dict:
    """One extra run with -X importtime: top import costs, heavy packages, numba kernels."""
    report = tmp / "profile.json"
    r = run_process([sys.executable, "-X", "importtime", "-c", _PROFILE_CHILD, str(report), *args], timeout=600)
    if r["rc"] != 0 or not report.exists():
        return {"error": r["stderr"][-2000:]}
    found = json.loads(report.read_text())
    entries = []  # (depth, module, cumulative µs) in the order Python prints them
    for line in r["stderr"].splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            _, cum, name = line.split("|")
            entries.append(((len(name) - len(name.lstrip())) // 2, name.strip(), int(cum)))
    total_ms = sum(c for d, _, c in entries if d == 0) / 1000
    entries = [e for e in entries if e[1] != "importlib.abc"]  # the profiling child's own import
    top = sorted(((n, c) for d, n, c in entries if d == 0), key=lambda x: -x[1])[:12]
    kernels = found["kernels"]
    return {"imports_total_ms": round(total_ms), "top_imports_ms": [[n, round(c / 1000)] for n, c in top],
            "first_import_of": {pkg: importer_chain(entries, pkg) for pkg in found["heavy_imported"]},
            "heavy_imported": found["heavy_imported"],
            "built_kernels": found["built"],
            "numba": {"kernels_defined": len(kernels), "kernels_used": sum(k["signatures"] > 0 for k in kernels),
                      "signatures": sum(k["signatures"] for k in kernels),
                      "loaded_from_cache": sum(k["cache_hits"] for k in kernels),
                      "compiled": sum(k["cache_misses"] for k in kernels),
                      "compile_or_load_s": round(found["numba_compile_or_load_s"], 3)}}


def importer_chain(entries: list[tuple[int, str, int]], package: str) -> str:
    """'pkg (ms) <- importer (ms) <- …' for the first import of `package`."""
    for i, (depth, name, cum) in enumerate(entries):
        if name == package:
            chain, d = [f"{name} ({cum // 1000} ms)"], depth
            for dj, nj, cj in entries[i + 1:]:  # a parent is printed after its children
                if dj < d:
                    chain.append(f"{nj} ({cj // 1000} ms)")
                    d = dj
                    if d == 0:
                        break
            return " <- ".join(chain)
    return ""


# -- the cases ----------------------------------------------------------------------------
def startup_cases(data_root: Path, tmp: Path) -> dict[str, list[str]]:
    return {
        "flee run mali2012 -q --no-plots": [*cli(), "flee", "run", str(data_root / "mali2012"), "-q", "--no-plots",
                                            "--out", str(tmp / "mali"), "--force"],
        "run toy-border -q --no-plots": [*cli(), "run", "toy-border", "-q", "--no-plots", "--out", str(tmp / "toy"),
                                         "--force"],
        "run belarus-eu-2021 -q --no-plots": [*cli(), "run", "belarus-eu-2021", "-q", "--no-plots", "--out",
                                              str(tmp / "bel"), "--force"],
    }


def with_no_report(cmd: list[str], env: dict | None = None) -> list[str]:
    """Add --no-report where the command has it (report.html is not part of these cases)."""
    helptext = subprocess.run([*cmd[:cmd.index("--out")], "--help"], capture_output=True, text=True, cwd=ROOT,
                              env=env).stdout
    return [*cmd, "--no-report"] if "--no-report" in helptext else cmd


def ensemble_case(runs: int, workers: int, tmp: Path, timeout: float) -> dict:
    out = tmp / f"ens-{workers}"
    cmd = with_no_report([*cli(), "ensemble", "belarus-eu-2021", "--runs", str(runs), "--workers", str(workers),
                          "--no-plots", "-q", "--out", str(out), "--force"])
    r = run_measured(cmd, timeout)
    if r["rc"] != 0:
        raise SystemExit(f"ensemble: exit {r['rc']}\n{r['stderr'][-3000:]}")
    ex = json.loads((out / "manifest.json").read_text())["execution"]
    steady = ex.get("seconds_per_run_steady") or ex["seconds_per_run"]
    overhead = sum(v for k, v in steady.items() if k != "sim_s")
    shutil.rmtree(out, ignore_errors=True)
    return {"case": f"ensemble belarus-eu-2021 --runs {runs} --workers {workers}", "command": " ".join(cmd),
            "process_wall_s": round(r["wall_s"], 2), "peak_rss_mib_main": round(r["peak_rss_mib"], 1),
            "runs_wall_s": ex["wall_s"], "runs_per_s": ex["runs_per_s"], "cluster_start_s": ex["cluster_start_s"],
            "est_1000_runs_s": round(r["wall_s"] + (1000 - runs) / ex["runs_per_s"], 1) if ex["runs_per_s"] else None,
            "seconds_per_run_steady": steady,
            "overhead_share_of_run": round(overhead / max(steady["sim_s"] + overhead, 1e-9), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5, help="runs per whole-process case (median)")
    ap.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data" / "flee",
                    help="folder holding mali2012/ (default ../shared/data/flee)")
    ap.add_argument("--profile", action="store_true", help="also profile imports and numba kernels per command")
    ap.add_argument("--baseline-env", action="append", default=[], metavar="KEY=VALUE", type=key_value,
                    help="run the baseline with this environment variable too (repeatable), e.g. "
                         "BORDERLAB_KERNELS=jit for the kernels on numba's JIT rather than built ahead of time")
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="also run each startup case with PYTHONPATH=THIS (another checkout's src/), alternating")
    ap.add_argument("--sim-repeats", type=int, default=5, help="belarus-eu-2021 sim.run() repeats (0: skip)")
    ap.add_argument("--ensemble-runs", type=int, default=0, help="also time `borderlab ensemble` with this many runs")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="worker counts for the ensemble case")
    ap.add_argument("--bench", action="store_true", help="also run `borderlab bench --json` (minutes)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latency.json")
    a = ap.parse_args()
    if not (a.data_root / "mali2012").is_dir():
        raise SystemExit(f"--data-root {a.data_root}: no mali2012/ there (give the folder holding the Flee cases)")

    load_before = os.getloadavg()
    figures: dict = {"date_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     "host": host_yardstick(), "load_avg_before": [round(x, 2) for x in load_before],
                     "pythonpath": os.environ.get("PYTHONPATH", ""), "cases": [], "profiles": {}}
    print(f"host: {json.dumps(figures['host'])}\nload average (1, 5, 15 min): {load_before}", flush=True)
    with tempfile.TemporaryDirectory(prefix="borderlab-latency-") as tmpname:
        tmp = Path(tmpname)
        for name, cmd in startup_cases(a.data_root, tmp).items():
            case = median_case(name, cmd, a.repeats, a.timeout, a.baseline_src,
                               dict(a.baseline_env))
            figures["cases"].append(case)
            for label, c in (("", case), ("  baseline", case.get("baseline"))):
                if c:
                    print(f"{name + label:40s} wall {c['wall_s']:6.2f} s (min {c['wall_min_s']:.2f})  cpu {c['cpu_s']:6.2f} s"
                          f"  peak {c['peak_rss_mib']:6.0f} MiB", flush=True)
            if a.profile:
                prof = profile_command(with_no_report(cmd)[len(cli()):], tmp)
                figures["profiles"][name] = prof
                if "error" not in prof:
                    nb, built = prof["numba"], prof["built_kernels"]
                    print(f"    imports {prof['imports_total_ms']} ms; heavy: {', '.join(prof['heavy_imported'])}\n"
                          f"    top: {', '.join(f'{n} {ms}' for n, ms in prof['top_imports_ms'][:8])}\n"
                          f"    kernels: {built['status']}; {built['kernels_called']} built kernels called "
                          f"{built['calls']} times\n"
                          f"    numba: {nb['kernels_used']} of {nb['kernels_defined']} kernels used, "
                          f"{nb['signatures']} signatures ({nb['loaded_from_cache']} from cache, {nb['compiled']} compiled) "
                          f"in {nb['compile_or_load_s']} s", flush=True)
        if a.sim_repeats:
            r = run_process([sys.executable, "-c", _SIM_CHILD, "belarus-eu-2021", "1", str(a.sim_repeats)], a.timeout)
            if r["rc"] != 0:
                raise SystemExit(f"sim.run(): exit {r['rc']}\n{r['stderr'][-3000:]}")
            sim = json.loads(r["stdout"].strip().splitlines()[-1])
            figures["belarus_sim_run"] = {"seed": 1, "repeats": a.sim_repeats, "median_s": round(sim["median_s"], 4),
                                          "min_s": round(sim["min_s"], 4)}
            print(f"{'belarus-eu-2021 sim.run() seed 1':40s} median {sim['median_s']:.3f} s (min {sim['min_s']:.3f})",
                  flush=True)
        for w in (a.workers if a.ensemble_runs else []):
            case = ensemble_case(a.ensemble_runs, w, tmp, a.timeout)
            figures["cases"].append(case)
            print(f"{case['case']:40s} {case['runs_per_s']} runs/s; process {case['process_wall_s']} s; "
                  f"est. 1000 runs {case['est_1000_runs_s']} s; overhead {case['overhead_share_of_run']:.1%} of a run",
                  flush=True)
        if a.bench:
            r = run_process([*cli(), "bench", "--json"], a.timeout)
            if r["rc"] != 0:
                raise SystemExit(f"bench: exit {r['rc']}\n{r['stderr'][-3000:]}")
            figures["bench"] = json.loads(r["stdout"].strip().splitlines()[-1])
            print(f"bench: {figures['bench'].get('person_days_per_s', 0) / 1e6:.1f} M person-days/s", flush=True)
    figures["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    figures["host_after"] = {k: v for k, v in host_yardstick().items() if k.endswith(("_s", "_per_s"))}
    print(f"load average after: {figures['load_avg_after']}; host after: {json.dumps(figures['host_after'])}")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
