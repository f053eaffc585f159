"""summary.json and manifest.json: totals and peaks per country; what was run, exactly."""

from __future__ import annotations

import datetime as dt
import platform
import sys

import numpy as np

from .. import __version__

TOTALS = ["new_attempts", "new_turnbacks", "new_pushbacks", "new_detentions", "new_undetected",
          "new_unstopped", "new_onward", "new_hospitalised", "new_deaths", "new_attempts_all"]
PEAKS = ["n_in_zone", "n_detained", "guard_utilisation", "guard_fatigue", "guards_on_duty"]


def _peak(series: np.ndarray, dates) -> dict:
    i = int(np.argmax(series))
    return {"value": round(float(series[i]), 4), "date": str(dates[i])}


def build_summary(run) -> dict:
    res, sim = run.results, run.sim
    dates = sim.calendar.dates()
    defenders = list(sim.index.defender)
    orch = next((c.code for c in sim.scenario.countries if c.role == "orchestrator"), "BY")
    out: dict = {"scenario": sim.scenario.name, "seed": run.seed,
                 "period": [str(sim.calendar.start), str(sim.calendar.end)], "countries": {}}
    for scope in defenders + ["all"]:
        entry = {"totals": {}, "peaks": {}}
        for m in TOTALS:
            if scope in res.scopes_of(m):
                entry["totals"][m] = round(float(res.series(m, scope).sum()), 3)
        for m in PEAKS:
            if scope in res.scopes_of(m):
                entry["peaks"][m] = _peak(res.series(m, scope), dates)
        if scope == "all":
            entry["totals"]["person_days_below_0c"] = float(res.series("person_days_below_0c", "all").sum())
        out["countries"][scope] = entry
    out["countries"][orch] = {
        "totals": {"new_arrivals_capital": float(res.series("new_arrivals_capital", orch).sum()),
                   "new_returns": float(res.series("new_returns", "all").sum()),
                   "new_repatriated": float(res.series("new_repatriated", "all").sum())},
        "peaks": {"n_stranded": _peak(res.series("n_stranded", "all"), dates),
                  "n_in_capital": _peak(res.series("n_in_capital", orch), dates)},
    }
    last = {m: float(res.series(m, "all")[-1]) for m in ("n_people", "n_onward", "n_returned", "n_dead", "n_stranded")}
    out["end_state"] = last
    out["unverified_assumptions"] = unverified(sim.scenario)
    return out


def unverified(sc) -> list[str]:
    """Contested claims switched on in this run (provenance flows into results)."""
    flags = []
    if sc.orchestrator.trained_groups.enabled:
        flags.append("orchestrator.trained_groups: UNVERIFIED claim (contested source) is ON")
    return flags


def flatten_params(obj, prefix="") -> dict:
    """Every numeric parameter as dotted path → value (lists keyed by id where they have one)."""
    out = {}
    if isinstance(obj, dict):
        if "value" in obj and isinstance(obj["value"], (int, float)) and not isinstance(obj["value"], bool):
            out[prefix] = obj["value"]
            for p in obj.get("points") or []:
                out[f"{prefix}@{p['date']}"] = p["value"]
            return out
        for k, v in obj.items():
            out.update(flatten_params(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = i
            if isinstance(v, dict):
                key = next((v[k] for k in ("id", "code", "country", "node") if k in v and isinstance(v[k], str)), i)
            out.update(flatten_params(v, f"{prefix}.{key}"))
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        out[prefix] = obj
    return out


def build_manifest(run, extra: dict | None = None) -> dict:
    sc_json = run.loaded.scenario.model_dump(mode="json", by_alias=True)
    from ..engine.ahead_of_time import built_status, numba_version
    import numpy
    import pydantic
    return {
        "borderlab_version": __version__,
        "scenario": run.loaded.scenario.name,
        "scenario_file": str(run.loaded.path),
        "scenario_file_sha256": run.loaded.file_sha256,
        "scenario_sha256": run.loaded.sha256,
        "seed": run.seed,
        "overrides": [f"{p}={v}" for p, v in run.loaded.overrides],
        "wall_time_s": round(run.wall_s, 4),
        "build_time_s": round(run.build_s, 4),
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {"numpy": numpy.__version__, "numba": numba_version(), "pydantic": pydantic.__version__},
        "kernels": built_status(),   # built ahead of time, or numba JIT and why
        "loop": [name for name, _ in run.sim.loop],
        "random_streams": run.sim.streams.names(),
        "parameters": flatten_params(sc_json),
        "scenario_resolved": sc_json,
        **(extra or {}),
    }
