"""Run Flee 3.1 on a conflict folder (or its synthetic benchmark) and measure it.

Each run happens in a fresh temporary copy of the folder, prepared the way Flee 3.1 needs it:
`input_csv/sim_period.csv` is copied to `conflict_period.csv` (the name v3.1 reads), and the
copied `simsetting.yml` has `log_levels.agent` and `log_levels.link` set to 0 so Flee spends
its time simulating rather than writing per-agent logs (car2013's agent log reaches
gigabytes). Everything else, including `optimisations.hasten` (mali2012: populations,
capacities and UNHCR series divided by 10), is left as the folder says. The shared data
folder itself is only read.

What we take from Flee's own output table (written by benchmarks/flee_driver.py):
- ARD: the mean over simulated days of its `Total error` column
  (Σ over camps |sim − UNHCR| ÷ the UNHCR total that day);
- agent-days: the sum over days of `total refugees (simulation)` (Flee's agent count after
  the day's step), the same count Flee's benchmark uses;
- per camp and day: simulated and UNHCR counts (saved for camp-by-camp comparison).
Wall time is the whole Flee process (interpreter start, imports, input reading, run), as a
user experiences it; the driver also reports setup and main-loop times separately.

Flee is not seeded, so each repetition differs; summaries are medians over repetitions.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from flee_synthetic_input import write_synthetic_input

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "flee_driver.py"
RESULTS = HERE / "results"
LOGS_OFF = ("agent", "link")
_LOAD: list[float] = []
_CPU: list[float] = []


class FleeRunError(RuntimeError):
    """Flee's process failed; the message carries the tail of its stderr."""


def prepare_folder(source: Path, dest: Path) -> list[str]:
    """Copy a Flee conflict folder to `dest` and adapt it for v3.1; return the changes made."""
    shutil.copytree(source, dest)
    for p in dest.rglob("*"):  # the shared copy may be read-only
        p.chmod(p.stat().st_mode | 0o200)
    changes = []
    period = dest / "input_csv" / "sim_period.csv"
    target = dest / "input_csv" / "conflict_period.csv"
    if period.exists() and not target.exists():
        shutil.copyfile(period, target)
        changes.append("input_csv/sim_period.csv copied to conflict_period.csv")
    settings_path = dest / "simsetting.yml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
    levels = settings.setdefault("log_levels", {}) or {}
    settings["log_levels"] = levels
    for key in LOGS_OFF:
        if levels.get(key, 0) != 0:
            changes.append(f"log_levels.{key}: {levels[key]} -> 0")
        levels[key] = 0
    settings_path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return changes


def folder_length(source: Path) -> int:
    for row in csv.reader((source / "input_csv" / "sim_period.csv").open(encoding="utf-8")):
        if row and row[0].strip().lower() == "length":
            return int(row[1])
    raise ValueError(f"{source}/input_csv/sim_period.csv has no Length row")


def folder_hasten(source: Path) -> int:
    settings = yaml.safe_load((source / "simsetting.yml").read_text(encoding="utf-8")) or {}
    return int((settings.get("optimisations") or {}).get("hasten", 1))


def run_flee_once(python: Path, source: Path, days: int | None = None) -> dict:
    """One Flee run of a conflict folder; returns timings, ARD, agent-days and daily rows."""
    with tempfile.TemporaryDirectory(prefix="flee-run-") as tmp:
        work = Path(tmp) / source.name
        changes = prepare_folder(source, work)
        out, timing = work / "out.csv", work / "timing.json"
        cmd = [str(python), str(DRIVER), "folder", "--days", str(days or 0),
               "--out", str(out), "--timing", str(timing)]
        wall = _run(cmd, work)
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        times = json.loads(timing.read_text(encoding="utf-8"))
    if not rows:
        raise FleeRunError(f"Flee wrote no rows for {source}")
    camps = [c[: -len(" sim")] for c in rows[0] if c.endswith(" sim")]
    total_error = [float(r["Total error"]) for r in rows]
    agents = [int(r["total refugees (simulation)"]) for r in rows]
    return {
        "wall_s": wall,
        "setup_s": times["setup_s"],
        "loop_s": times["loop_s"],
        "cpu_s": _CPU[-1],
        "load_avg_1min_before": _LOAD[-1],
        "days": len(rows),
        "agent_days": sum(agents),
        "agent_days_per_s": sum(agents) / wall,
        "ard": statistics.fmean(total_error),
        "changes": changes,
        "daily_total_error": total_error,
        "daily_agents": agents,
        "camps": {
            c: {"sim": [int(r[f"{c} sim"]) for r in rows], "data": [float(r[f"{c} data"]) for r in rows]}
            for c in camps
        },
        "dates": [r["Date"] for r in rows],
    }


def run_flee_synthetic_once(python: Path, initial: int, per_day: int, days: int) -> dict:
    """One run of Flee's synthetic benchmark (pflee, single process)."""
    with tempfile.TemporaryDirectory(prefix="flee-synth-") as tmp:
        inputdir = write_synthetic_input(Path(tmp) / "input")
        out, timing = Path(tmp) / "out.csv", Path(tmp) / "timing.json"
        cmd = [str(python), str(DRIVER), "synthetic", "--inputdir", str(inputdir),
               "--initial", str(initial), "--per-day", str(per_day), "--days", str(days),
               "--out", str(out), "--timing", str(timing)]
        wall = _run(cmd, Path(tmp))
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        times = json.loads(timing.read_text(encoding="utf-8"))
    agents = [int(r["total refugees (simulation)"]) for r in rows]
    return {
        "wall_s": wall,
        "setup_s": times["setup_s"],
        "loop_s": times["loop_s"],
        "cpu_s": _CPU[-1],
        "load_avg_1min_before": _LOAD[-1],
        "days": len(rows),
        "agent_days": sum(agents),
        "agent_days_per_s": sum(agents) / wall,
        "daily_agents": agents,
        "camps_last_day": {k[: -len(" sim")]: int(v) for k, v in rows[-1].items() if k.endswith(" sim")},
    }


def summarise(name: str, reps: list[dict], **extra) -> dict:
    """Median figures over repetitions, plus what is needed to judge them later."""
    summary = {
        "case": name,
        "source": "measured",
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "reps": len(reps),
        "wall_s": statistics.median(r["wall_s"] for r in reps),
        "cpu_s": statistics.median(r["cpu_s"] for r in reps),
        "setup_s": statistics.median(r["setup_s"] for r in reps),
        "loop_s": statistics.median(r["loop_s"] for r in reps),
        "days": reps[0]["days"],
        "agent_days": statistics.median(r["agent_days"] for r in reps),
        "agent_days_per_s": statistics.median(r["agent_days_per_s"] for r in reps),
        "per_rep": [
            {k: r[k] for k in ("wall_s", "cpu_s", "setup_s", "loop_s", "agent_days", "agent_days_per_s",
                                "ard", "load_avg_1min_before") if k in r}
            for r in reps
        ],
    }
    if "ard" in reps[0]:
        summary["ard"] = statistics.median(r["ard"] for r in reps)
        summary["settings_changes"] = reps[0]["changes"]
        summary["daily_total_error"] = [round(x, 6) for x in reps[0]["daily_total_error"]]
        summary["daily_agents"] = reps[0]["daily_agents"]
    summary.update(extra)
    return summary


def write_camp_series(path: Path, reps: list[dict]) -> None:
    """Flee's per-camp daily series, tidy: rep, day, date, camp, flee_sim, unhcr_data."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rep", "day", "date", "camp", "flee_sim", "unhcr_data"])
        for i, r in enumerate(reps):
            for camp, series in r["camps"].items():
                for day, (sim, data) in enumerate(zip(series["sim"], series["data"])):
                    w.writerow([i, day, r["dates"][day], camp, sim, f"{data:g}"])
    os.replace(tmp, path)


def write_json(path: Path, obj: dict) -> None:
    """Indented JSON with lists of numbers kept on one line, written atomically."""
    text = json.dumps(obj, indent=1)
    text = re.sub(r"\[\s*([-0-9.e+,\s]*?)\s*\]",
                  lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _run(cmd: list[str], cwd: Path) -> float:
    err = cwd / "flee-stderr.txt"
    # The machine may be shared: keep the load and Flee's own CPU time with the wall time.
    _LOAD.append(os.getloadavg()[0])
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with err.open("w", encoding="utf-8") as fh:
        proc = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CPU.append((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime))
    if proc.returncode != 0:
        tail = err.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise FleeRunError(f"Flee exited with {proc.returncode}:\n{tail}")
    return wall
