"""Simulation-based calibration of the posterior: does the 90 % interval hold the truth 90 % of the time?

Each replicate draws "true" parameters from the prior, simulates one run of a small toy
scenario with them, turns its figures into observations with the noise model
(observation_model.py, forwards), fits the posterior to those observations exactly as
`calibrate --method abc` would, and records whether each parameter's 90 % posterior
interval contains the truth. If the method is calibrated, the share of intervals holding
the truth is 0.9 up to binomial noise (Talts et al. 2018, "Validating Bayesian inference
algorithms with simulation-based calibration"; here in its coverage form).

The toy: toy-border for two weeks with 100 single walkers a day × `supply.migrant_share`,
pushbacks throughout, and two free parameters — `supply.migrant_share` (uniform on
[0.3, 1]) and `defenders.AA.detection_k` (log-uniform on [0.03, 0.3]). Observed: weekly
turn-backs and weekly onward arrivals (4 figures, each "approximate": σ ≈ 0.11 on ln(x+1)).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

from ..analysis.observations import Observation
from ..scenario.registry import SCENARIO_ROOT
from ..studies.sampling import derive_seed
from .abc_smc import FigureSimulator
from .observation_model import figure_noise, perturb
from .posterior import fit_posterior

TOY_START, TOY_END = dt.date(2021, 9, 1), dt.date(2021, 9, 14)
FREE = {"supply.migrant_share": (0.3, 1.0), "defenders.AA.detection_k": (0.03, 0.3)}
SERIES = (("new_turnbacks", "AA"), ("new_onward", "all"))
LEVEL = 0.9


def write_toy(folder: Path) -> Path:
    """The SBC toy scenario (YAML) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    d = yaml.safe_load((SCENARIO_ROOT / "toy-border" / "scenario.yaml").read_text(encoding="utf-8"))
    d["name"] = "toy-border-sbc"
    d["end"] = str(TOY_END)
    d["events"] = [e for e in d["events"] if e["type"] != "set_pushback"]
    d["supply"]["routes"][0]["weekly_seats"] = 700
    (lo, hi), (klo, khi) = FREE["supply.migrant_share"], FREE["defenders.AA.detection_k"]
    d["supply"]["migrant_share"] = {"value": hi, "range": [lo, hi], "free": True}
    d["defenders"][0]["detection_k"] = {"value": 0.1, "range": [klo, khi], "free": True}
    d["orchestrator"]["tactics"][0]["group_size"] = {"min": 1, "max": 1}
    d["initial_population"] = [{"node": "zone", "count": 300}]
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False), encoding="utf-8")
    return path


def template() -> list[Observation]:
    """The observed figures' definitions (weekly sums), with placeholder values."""
    rows = []
    for metric, scope in SERIES:
        for w in range(2):
            a = TOY_START + dt.timedelta(days=7 * w)
            rows.append(Observation(f"{metric}-w{w}", "AA", f"{metric}_weekly", a, a + dt.timedelta(days=6), 1.5, "",
                                    "train", "", "2021-09-30", "approximate (synthetic)", (metric, scope, "sum")))
    return rows


def draw_truth(rng: np.random.Generator) -> dict[str, float]:
    """Parameters from the prior the fit uses (log-uniform where the range spans ≥ 10×)."""
    out = {}
    for path, (lo, hi) in FREE.items():
        out[path] = float(math.exp(rng.uniform(math.log(lo), math.log(hi)))) if hi / lo >= 10 else float(rng.uniform(lo, hi))
    return out


def synthetic_observations(scenario: Path, truth: dict[str, float], rng: np.random.Generator) -> list[Observation]:
    """One run at `truth` plus observation noise, as observation rows."""
    rows = template()
    model = FigureSimulator(str(scenario), TOY_END, rows, [o.id for o in rows])
    sim = model.simulate(truth, int(rng.integers(0, 2**31 - 1)))
    figures = figure_noise(rows, TOY_END)
    noisy = perturb(np.array([sim[f.key] for f in figures]), np.array([f.sd for f in figures]), rng)
    by_id = dict(zip([f.key for f in figures], noisy))
    return [Observation(o.id, o.country, o.metric, o.start, o.end, float(np.expm1(by_id[o.id])), o.unit, o.role,
                        o.source_url, o.source_date, o.notes, o.mapping) for o in rows]


@dataclass
class Replicate:
    index: int
    truth: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    simulations: int
    final_temperature: float

    @property
    def covered(self) -> dict[str, bool]:
        return {p: lo <= self.truth[p] <= hi for p, (lo, hi) in self.intervals.items()}


def run_replicate(index: int, folder: Path, *, seed: int, population: int, generations: int) -> Replicate:
    """Draw a truth, simulate its observations, fit, and report the 90 % intervals."""
    folder = Path(folder)
    scenario = write_toy(folder)
    rng = np.random.default_rng(derive_seed(seed, index, "sbc"))
    truth = draw_truth(rng)
    rows = synthetic_observations(scenario, truth, rng)
    post = fit_posterior(scenario, TOY_END, folder / f"rep-{index:03d}", population=population,
                         generations=generations, seed=derive_seed(seed, index, "sbc-fit"), observations=rows)
    q = post.quantiles([(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    r = post.description["result"]
    return Replicate(index, truth, {p: (float(q[0, j]), float(q[1, j])) for j, p in enumerate(post.paths)},
                     r["simulations"], r["final_temperature"])


def coverage(replicates: list[Replicate]) -> dict:
    """Share of 90 % intervals holding the truth, per parameter and overall, with a 95 %
    binomial (Clopper–Pearson) interval for the overall share."""
    per = {p: float(np.mean([r.covered[p] for r in replicates])) for p in FREE}
    hits = sum(sum(r.covered.values()) for r in replicates)
    n = sum(len(r.covered) for r in replicates)
    ci = stats.binomtest(hits, n).proportion_ci(0.95)
    return {"replicates": len(replicates), "intervals": n, "covered": hits, "coverage": hits / n,
            "coverage_ci95": [round(ci.low, 4), round(ci.high, 4)], "per_parameter": per, "level": LEVEL}
