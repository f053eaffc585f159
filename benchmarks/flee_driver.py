"""Drive Flee 3.1 (the PyPI package) the way its v3.1 run scripts do, inside Flee's own venv.

This file is run by the Python of the separate Flee environment (never by borderlab's), so
it imports only the standard library and `flee`. It is our own driver, not a copy of Flee's
scripts: the PyPI wheel of flee 3.1 ships neither `runscripts/run.py` nor
`flee_benchmark_tests/test_par.py`, so we call the same package functions in the same order
those scripts do (see benchmarks/README.md for the sequence and the commits it follows):

- `folder` mode = runscripts/run.py: read settings, conflicts, locations, routes, closures;
  pre-place day-0 camp populations; then each day add conflict zones, spawn the day's new
  refugees from the UNHCR total, refresh spawn weights, enact closures, evolve, and write one
  row with per-camp `sim, data, error`, `Total error` (Σ|sim − data| ÷ UNHCR total) and the
  simulation's agent count. Run it with the conflict folder as the working directory, since
  Flee looks up `input_csv/demographics_*.csv` relative to it.
- `synthetic` mode = flee_benchmark_tests/test_par.py: the pflee (MPI-capable) ecosystem on
  a small network, N initial agents spawned in the conflict zone, +M per day, no data.

Both write the table to --out (not stdout, so Flee's own prints cannot corrupt it) and the
timings (`setup_s`, `loop_s`) as JSON to --timing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta


def run_folder(days: int, settings: str, out: str, timing: str) -> None:
    t0 = time.perf_counter()
    import numpy as np
    from flee import InputGeography, flee, spawning
    from flee.datamanager import handle_refugee_data, read_period
    from flee.postprocessing import analysis
    from flee.SimulationSettings import SimulationSettings

    start_date, end_time = read_period.read_conflict_period("input_csv/conflict_period.csv")
    if days > 0:
        end_time = days

    SimulationSettings.ReadFromYML(settings)
    SimulationSettings.ConflictInputFile = "input_csv/conflicts.csv"

    e = flee.Ecosystem()
    ig = InputGeography.InputGeography()
    # flee 3.1 reads conflicts.csv only when asked; without it no place ever turns into a
    # conflict zone and spawning fails.
    ig.ReadConflictInputCSV(SimulationSettings.ConflictInputFile)
    ig.ReadLocationsFromCSV("input_csv/locations.csv")
    ig.ReadLinksFromCSV("input_csv/routes.csv")
    ig.ReadClosuresFromCSV("input_csv/closures.csv")
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    if SimulationSettings.spawn_rules.get("read_from_agents_csv_file"):
        ig.ReadAgentsFromCSV(e, "input_csv/agents.csv")

    d = handle_refugee_data.RefugeeTable(
        csvformat="generic",
        data_directory="source_data",
        start_date=start_date,
        data_layout="data_layout.csv",
        population_scaledown_factor=SimulationSettings.optimisations["PopulationScaleDownFactor"],
    )
    d.ReadL1Corrections("input_csv/registration_corrections.csv")

    camps = e.get_camp_names()
    header = ["Day", "Date"]
    for name in camps:
        spawning.add_initial_refugees(e, d, lm[name])
        header += [f"{name} sim", f"{name} data", f"{name} error"]
    header += [
        "Total error",
        "refugees in camps (UNHCR)",
        "total refugees (simulation)",
        "raw UNHCR refugee count",
        "refugees in camps (simulation)",
        "refugee_debt",
    ]
    t1 = time.perf_counter()

    start = datetime.strptime(start_date, "%Y-%m-%d")
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(",".join(header) + "\n")
        for t in range(end_time):
            ig.AddNewConflictZones(e, t)
            _, refugees_raw, refugee_debt = spawning.spawn_daily_displaced(e, t, d)
            spawning.refresh_spawn_weights(e)
            e.enact_border_closures(t)
            e.evolve()

            data = [d.get_field(name, t) for name in camps]
            sims = [lm[name].numAgents for name in camps]
            abs_errors = [analysis.abs_error(s, x) for s, x in zip(sims, data)]
            row = [str(t), (start + timedelta(days=t)).strftime("%Y-%m-%d")]
            for s, x in zip(sims, data):
                row += [str(s), str(x), str(analysis.rel_error(s, x))]
            total_error = float(np.sum(abs_errors)) / float(refugees_raw) if refugees_raw > 0 else 0.0
            row += [
                str(total_error),
                str(int(sum(data))),
                str(e.numAgents()),
                str(refugees_raw),
                str(sum(sims)),
                str(refugee_debt),
            ]
            fh.write(",".join(row) + "\n")
    t2 = time.perf_counter()
    _write_timing(timing, t1 - t0, t2 - t1)


def run_synthetic(inputdir: str, initial: int, per_day: int, days: int, out: str, timing: str) -> None:
    t0 = time.perf_counter()
    from flee import InputGeography, pflee, spawning
    from flee.SimulationSettings import SimulationSettings

    SimulationSettings.ReadFromYML(os.path.join(inputdir, "simsetting.yml"))
    e = pflee.Ecosystem()
    e.parallel_mode = "loc-par"  # test_par.py's default "advanced" mode
    e.latency_mode = "high_latency"
    ig = InputGeography.InputGeography()
    ig.ReadLocationsFromCSV(os.path.join(inputdir, "locations.csv"))
    ig.ReadLinksFromCSV(os.path.join(inputdir, "routes.csv"))
    ig.ReadClosuresFromCSV(os.path.join(inputdir, "closures.csv"))
    e, lm = ig.StoreInputGeographyInEcosystem(e)
    camps = e.get_camp_names()
    ig.AddNewConflictZones(e, 0)
    spawning.spawn_agents(e, initial)
    t1 = time.perf_counter()

    with open(out, "w", encoding="utf-8") as fh:
        fh.write(",".join(["Day"] + [f"{c} sim" for c in camps] + ["total refugees (simulation)", "refugees in camps (simulation)"]) + "\n")
        for t in range(days):
            if t > 0:
                ig.AddNewConflictZones(e, t)
            spawning.spawn_agents(e, per_day)
            spawning.refresh_spawn_weights(e)
            e.enact_border_closures(time=t)
            e.evolve()
            sims = [lm[c].numAgents for c in camps]
            fh.write(",".join([str(t)] + [str(s) for s in sims] + [str(e.numAgents()), str(sum(sims))]) + "\n")
    t2 = time.perf_counter()
    _write_timing(timing, t1 - t0, t2 - t1)


def _write_timing(path: str, setup_s: float, loop_s: float) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"setup_s": setup_s, "loop_s": loop_s}, fh)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="mode", required=True)
    f = sub.add_parser("folder", help="run a conflict folder (cwd) like runscripts/run.py")
    f.add_argument("--days", type=int, default=0, help="0 = the folder's own length")
    f.add_argument("--settings", default="simsetting.yml")
    s = sub.add_parser("synthetic", help="Flee's synthetic benchmark like test_par.py")
    s.add_argument("--inputdir", required=True)
    s.add_argument("--initial", type=int, default=500_000)
    s.add_argument("--per-day", type=int, default=10_000)
    s.add_argument("--days", type=int, default=10)
    for sp in (f, s):
        sp.add_argument("--out", required=True)
        sp.add_argument("--timing", required=True)
    a = p.parse_args(argv)
    if a.mode == "folder":
        run_folder(a.days, a.settings, a.out, a.timing)
    else:
        run_synthetic(a.inputdir, a.initial, a.per_day, a.days, a.out, a.timing)


if __name__ == "__main__":
    main(sys.argv[1:])
