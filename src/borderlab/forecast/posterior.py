"""A posterior sample of a scenario's free parameters: fit it, store it, load it, draw from it.

Public API (used by `calibrate --method abc`, `ensemble --posterior`, backtests and the
early-warning forecast):

    post = fit_posterior("belarus-eu-2021", date(2021, 10, 31), Path("cal"), population=200,
                         generations=6, seed=0)
    post = load_posterior(Path("cal"))          # a folder holding posterior.json/.parquet
    post.draw(20, seed=1)   # → [{"defenders.PL.detection_k": 2.7, …}, …]  (`--set` overrides)
    post.summary()          # → [{"path", "median", "q05", "q95", "low", "high", "log"}, …]

A folder holds `posterior.parquet` (one row per particle: a column per parameter path and
`weight`), `posterior.json` (what was fitted to what, how, and the result's diagnostics)
and `abc.db` (pyabc's full history of every generation). Both posterior files are written
atomically, the JSON last: a folder with posterior.json holds a finished posterior.
Re-running `fit_posterior` with the same settings on that folder returns it without
simulating again; an interrupted fit (abc.db but no posterior.json) starts again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..analysis.observations import Observation, load_observations
from ..calibration.free_params import FreeParam, find_free_params, load_fit_target
from ..errors import BorderlabError, InputFileError, Problem, ScenarioError
from ..scenario.loader import LoadedScenario
from ..studies.sampling import derive_seed
from ..studies.store import write_atomic, write_table_atomic
from .abc_smc import FigureSimulator, observed_stats, run_abc_smc
from .observation_model import figure_noise

FORMAT = "borderlab-posterior/1"
SAMPLE_FILE = "posterior.parquet"
DESCRIPTION_FILE = "posterior.json"
DB_FILE = "abc.db"
WEIGHT = "weight"
INTERVAL = (0.05, 0.95)   # the 90 % interval the summary reports
# settings that define a fit: a rerun with the same ones reuses the stored posterior
SETTINGS = ("scenario", "scenario_file_sha256", "observations_sha256", "until", "params", "population",
            "generations", "max_simulations", "seed", "discrepancy")


@dataclass
class Posterior:
    """Weighted particles of the free parameters, and where they came from."""

    folder: Path
    description: dict
    paths: list[str]
    samples: np.ndarray      # [particles, params]
    weights: np.ndarray      # sums to 1

    @property
    def scenario(self) -> str:
        return self.description["scenario"]

    @property
    def until(self) -> dt.date:
        return dt.date.fromisoformat(self.description["until"])

    @property
    def params(self) -> list[dict]:
        return self.description["params"]

    @property
    def effective_size(self) -> float:
        """Kish effective sample size of the weighted particles."""
        return float(1.0 / np.sum(self.weights ** 2))

    def draw(self, n: int, seed: int) -> list[dict[str, float]]:
        """`n` parameter sets resampled by weight (with replacement), reproducible from `seed`."""
        if n < 0:
            raise BorderlabError(f"cannot draw {n} parameter sets")
        rng = np.random.default_rng(derive_seed(seed, 0, "posterior"))
        idx = rng.choice(len(self.weights), size=n, p=self.weights)
        return [{p: float(self.samples[i, j]) for j, p in enumerate(self.paths)} for i in idx]

    def quantiles(self, qs) -> np.ndarray:
        """[len(qs), params] weighted quantiles (the inverse of the weighted empirical CDF)."""
        out = np.empty((len(qs), len(self.paths)))
        for j in range(len(self.paths)):
            order = np.argsort(self.samples[:, j], kind="stable")
            cdf = np.cumsum(self.weights[order])
            for i, q in enumerate(qs):
                out[i, j] = self.samples[order[min(np.searchsorted(cdf, q * cdf[-1]), len(cdf) - 1)], j]
        return out

    def summary(self) -> list[dict]:
        """Per parameter: weighted median and 90 % interval, with the prior range."""
        q = self.quantiles([INTERVAL[0], 0.5, INTERVAL[1]])
        return [{"path": p["path"], "median": float(q[1, j]), "q05": float(q[0, j]), "q95": float(q[2, j]),
                 "low": p["low"], "high": p["high"], "log": p["log"], "scenario_value": p.get("value")}
                for j, p in enumerate(self.params)]

    def medians(self) -> dict[str, float]:
        return {s["path"]: s["median"] for s in self.summary()}

    def check_scenario(self, loaded: LoadedScenario, where: str = "--posterior") -> list[str]:
        """Refuse a posterior fitted to another scenario or to parameters it no longer has free;
        return warnings (e.g. the scenario file changed since the fit)."""
        sc = loaded.scenario
        if sc.name != self.scenario:
            raise ScenarioError([Problem(f"{where} {self.folder}", f"this posterior is of scenario "
                                         f"{self.scenario!r}, not {sc.name!r}",
                                         "calibrate this scenario with `borderlab calibrate … --method abc`, "
                                         "or pass the posterior of the scenario you run")])
        free = {p.path for p in find_free_params(sc)}
        gone = [p for p in self.paths if p not in free]
        if gone:
            raise ScenarioError([Problem(f"{where} {self.folder}", f"parameters {', '.join(gone[:5])} of the "
                                         f"posterior are not free parameters of {sc.name}",
                                         "the scenario changed since the fit: calibrate it again")])
        if loaded.path.resolve().parent == self.folder.resolve():
            return []   # the calibrated.yaml written beside the posterior
        if loaded.file_sha256 != self.description.get("scenario_file_sha256"):
            return [f"{sc.name}: the scenario file changed since the posterior was fitted "
                    f"({self.description.get('created_utc', '?')})"]
        return []


def load_posterior(folder: Path, where: str = "--posterior") -> Posterior:
    """The posterior stored in `folder` (a CAL_DIR), with a clear error if there is none."""
    folder = Path(folder)
    desc_path, sample_path = folder / DESCRIPTION_FILE, folder / SAMPLE_FILE
    if not folder.is_dir():
        raise InputFileError(f"{where} {folder}: no such folder\n"
                             "    hint: give the --out folder of `borderlab calibrate … --method abc`")
    if not desc_path.is_file() or not sample_path.is_file():
        raise InputFileError(f"{where} {folder}: holds no posterior ({DESCRIPTION_FILE} and {SAMPLE_FILE})\n"
                             "    hint: calibrate with `--method abc` to get one (an Optuna calibration "
                             "gives a single best trial, not a posterior)")
    try:
        desc = json.loads(desc_path.read_text(encoding="utf-8"))
        table = pq.read_table(sample_path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise InputFileError(f"{where} {folder}: cannot read the posterior ({exc})\n"
                             "    hint: calibrate again into a new folder") from None
    if desc.get("format") != FORMAT:
        raise InputFileError(f"{where} {desc_path}: format {desc.get('format')!r}, expected {FORMAT!r}")
    paths = [p["path"] for p in desc["params"]]
    missing = [c for c in paths + [WEIGHT] if c not in table.column_names]
    if missing or table.num_rows == 0:
        raise InputFileError(f"{where} {sample_path}: " + (f"missing columns {missing}" if missing else "no particles")
                             + "\n    hint: calibrate again into a new folder")
    samples = np.column_stack([table.column(p).to_numpy() for p in paths]).astype(float)
    weights = table.column(WEIGHT).to_numpy().astype(float)
    if not (np.all(np.isfinite(samples)) and np.all(weights >= 0) and weights.sum() > 0):
        raise InputFileError(f"{where} {sample_path}: non-finite values or weights\n"
                             "    hint: calibrate again into a new folder")
    return Posterior(folder, desc, paths, samples, weights / weights.sum())


def _observations(observations, loaded: LoadedScenario) -> tuple[list[Observation], str]:
    """The observation rows and a hash identifying them."""
    if observations is None:
        sc = loaded.scenario
        if not sc.observed:
            raise InputFileError(f"{loaded.path}: the scenario names no observed figures (`observed:`)\n"
                                 "    hint: pass --observed FILE")
        observations = loaded.folder / sc.observed
    if isinstance(observations, (str, Path)):
        path = Path(observations)
        rows = load_observations(path)
        return rows, hashlib.sha256(path.read_bytes()).hexdigest()
    rows = list(observations)
    text = json.dumps([[o.id, o.country, o.metric, str(o.start), str(o.end), o.value, o.role, o.notes,
                        o.source_date, o.mapping] for o in rows])
    return rows, hashlib.sha256(text.encode()).hexdigest()


def fit_posterior(scenario: str | Path, until: dt.date, out: Path, *, params: list[str] | None = None,
                  population: int = 100, generations: int = 6, max_simulations: int | None = None,
                  seed: int = 0, workers: int = 1, scheduler: str | None = None, observations=None,
                  discrepancy: float = 0.0, min_acceptance_rate: float = 0.0,
                  progress: Callable[[int], None] | None = None) -> Posterior:
    """ABC-SMC posterior of the free parameters (all, or those matching the globs in `params`)
    given the training figures ending on or before `until`; written to `out` and returned.

    `observations`: None (the scenario's `observed:` file), a CSV path, or Observation rows.
    `discrepancy`: model-error σ on the ln(x + 1) scale added to every figure's noise.
    `max_simulations` / `min_acceptance_rate` stop early (the last temperature is then > 1
    and the posterior wider than exact; posterior.json says so); a generation that would need
    more than `max_simulations` on its own is abandoned and the previous one kept.
    `progress(simulations)`.
    """
    if population < 2:
        raise ScenarioError([Problem("--population", f"{population} is below 2", "give e.g. 100 particles")])
    if generations < 1:
        raise ScenarioError([Problem("--generations", f"{generations} is below 1", "give e.g. 6 generations")])
    if not (math.isfinite(discrepancy) and discrepancy >= 0):
        raise ScenarioError([Problem("--discrepancy", f"{discrepancy} is not a number ≥ 0",
                                     "give the model-error s.d. on the log scale, e.g. 0.3")])
    loaded, free = load_fit_target(scenario, until, params)
    sc = loaded.scenario
    rows, obs_hash = _observations(observations, loaded)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out}: exists and is not a folder\n    hint: choose another --out")
    settings = {"scenario": sc.name, "scenario_file_sha256": loaded.file_sha256, "observations_sha256": obs_hash,
                "until": str(until), "params": [_param_json(p) for p in free], "population": population,
                "generations": generations, "max_simulations": max_simulations, "seed": seed,
                "discrepancy": discrepancy}
    done = stored_posterior(out, settings)
    if done is not None:
        return done
    model = FigureSimulator(str(loaded.path), until, rows, [], progress=progress)
    comparable = model.simulate_all({p.path: p.value for p in free}, seed)   # fails fast here, not in a worker
    figures = [f for f in figure_noise(rows, until, discrepancy) if f.key in comparable]
    if not figures:
        raise InputFileError(f"{loaded.path}: no observed outcome on or before {until} can be compared with "
                             f"{sc.name} ({sc.start} → {sc.end})\n"
                             "    hint: choose a later --until, or check the observations file")
    x0, sds = observed_stats(figures)
    model.keys = list(x0)
    if max_simulations and not min_acceptance_rate:
        # pyabc checks the budget only between generations: cap each one at the whole budget,
        # so a generation at a temperature the data make hopeless ends instead of running on
        min_acceptance_rate = population / max_simulations
    out.mkdir(parents=True, exist_ok=True)
    result = run_abc_smc(model, free, x0, sds, out / DB_FILE, population=population, generations=generations,
                         max_simulations=max_simulations, seed=seed, workers=workers, scheduler=scheduler,
                         min_acceptance_rate=min_acceptance_rate)
    desc = {"format": FORMAT, **settings, "scenario_file": str(loaded.path.resolve()),
            "method": "ABC-SMC (pyabc StochasticAcceptor, Student-t(3) kernel on ln(x+1), Temperature)",
            "observation_model": "ln(obs+1) = ln(sim+1) + N(0, sd²); docs/validation.md, Posterior calibration",
            "result": result_description(result),
            "figures": [{"id": f.obs.id, "country": f.obs.country, "metric": f.obs.metric, "start": str(f.obs.start),
                         "end": str(f.obs.end), "observed": f.obs.value, "sd": round(f.sd, 5),
                         "parts": {k: round(v, 5) for k, v in f.parts.items() if v}} for f in figures],
            "workers": workers, "scheduler": scheduler}
    return save_posterior(out, desc, [p.path for p in free], result)


def stored_posterior(out: Path, settings: dict, keys=SETTINGS) -> Posterior | None:
    """The finished posterior in `out` if it was fitted with these `settings` (compared on
    `keys`), None if `out` holds none; a posterior fitted otherwise is refused, not mixed."""
    if not (Path(out) / DESCRIPTION_FILE).is_file():
        return None
    done = load_posterior(Path(out), "--out")
    differ = [k for k in keys if json.dumps(done.description.get(k), sort_keys=True)
              != json.dumps(settings[k], sort_keys=True)]
    if not differ:
        return done
    raise InputFileError(f"{out}: holds a posterior fitted with other settings ({differ[0]}: "
                         f"{json.dumps(done.description.get(differ[0]))[:60]}, now {json.dumps(settings[differ[0]])[:60]})\n"
                         "    hint: choose a new --out folder")


def result_description(result) -> dict:
    """posterior.json's "result": how far the fit went (T = 1 reached or not) and at what cost."""
    final_t = result.temperatures[-1] if result.temperatures else math.nan
    return {"generations": result.generations, "temperatures": result.temperatures,
            "final_temperature": final_t, "exact": bool(final_t == 1.0),
            "simulations": result.simulations, "simulations_run": result.simulations_run,
            "acceptance_rates": result.acceptance_rates, "particles": int(len(result.weights)),
            "effective_size": float(1.0 / np.sum(result.weights ** 2))}


def save_posterior(out: Path, desc: dict, paths: list[str], result) -> Posterior:
    """Write posterior.parquet, then posterior.json (`desc` + versions, time and summary) last,
    both atomically; the scenario and Flee fits share this format."""
    import pyabc

    desc = {**desc, "borderlab_version": __version__, "pyabc_version": pyabc.__version__,
            "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    cols = {path: pa.array(result.samples[:, j], pa.float64()) for j, path in enumerate(paths)}
    cols[WEIGHT] = pa.array(result.weights, pa.float64())
    write_table_atomic(Path(out) / SAMPLE_FILE, pa.table(cols))
    post = Posterior(Path(out), desc, list(paths), result.samples, result.weights)
    desc["summary"] = post.summary()
    write_atomic(Path(out) / DESCRIPTION_FILE, json.dumps(desc, indent=2, default=str))
    return post


def _param_json(p: FreeParam) -> dict:
    return {"path": p.path, "low": p.low, "high": p.high, "log": p.log, "value": p.value}
