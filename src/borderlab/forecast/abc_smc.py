"""ABC-SMC over a scenario's free parameters, with the observation noise model as the kernel.

Method (pyabc 0.13, `StochasticAcceptor` + a Student-t kernel (`StudentTKernel`) + `Temperature`):
each particle is one stochastic run of the scenario, stopped after the cut-off day, whose
training figures are aggregated like for like (`analysis/validation.compare`, the map
calibration and validation use) and put on the ln(x + 1) scale. A particle is accepted
with probability proportional to the likelihood of the observed figures under the noise
model of `observation_model.py`, raised to 1/T; the temperature T falls over the
generations and reaches 1 in the last one. At T = 1 the accepted particles are a sample of
the exact posterior of the model "observed = one simulated run + observation noise"
(Wilkinson 2013, "Approximate Bayesian computation gives exact results under the
assumption of model error"); the simulator's own randomness enters through the single run
per particle. Assumptions: the noise model (see observation_model.py), independent
figures given the run, and the priors below.

Priors: each free parameter (`calibration/free_params.py`) is uniform over its declared
`range`, or log-uniform when the range spans ≥ 10× with a positive low end (the same rule
the Optuna search uses). pyabc samples them on an unbounded logistic scale that maps
exactly onto these priors (`prior`, `to_range`), so that its perturbations never leave the
prior's support; abc.db therefore holds the unbounded coordinates, posterior.parquet the
parameter values.

Where it runs: `workers=1` in this process with pyabc's SingleCoreSampler — reproducible
from `seed`; `workers>1` in local processes with pyabc's MulticoreEvalParallelSampler;
`scheduler` on a running Dask cluster (`studies.ensemble.dask_client`) with pyabc's
DaskDistributedSampler. Parallel fits are not bit-for-bit reproducible (which particle is
accepted first depends on timing).

The budget: `max_simulations` caps each generation at that many simulations (pyabc's
`min_acceptance_rate` = population / budget; a generation that cannot fill its population
within it is dropped and the fit ends with the one before, at a higher temperature; the
first generation is always completed) and the whole fit between generations. The local samplers enforce the cap inside a generation;
pyabc's Dask sampler does not (it samples until the population is full), so a fit on a Dask
scheduler can overrun its budget by one generation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..analysis.measures import LOG_OFFSET
from ..analysis.observations import Observation
from ..calibration.free_params import FreeParam
from ..errors import BorderlabError
from .observation_model import log_likelihood

_RUNNERS: dict = {}   # per process: (scenario, until, figure ids) → TrialRunner (parsing the YAML is slow)


class ParticleModel:
    """pyabc model protocol shared by the scenario and Flee fits: a particle (its unbounded
    coordinates, see `prior`) → {figure key: ln(simulated + 1)} of ONE run with a fresh seed
    drawn from numpy's global generator (which pyabc seeds). Subclasses hold `keys`,
    `calls`, `progress` and `ranges` (path → (low, high, log), set by `run_abc_smc`) and
    give `simulate(values, seed)`."""

    keys: list[str]
    calls: int
    progress: Callable[[int], None] | None
    ranges: dict[str, tuple[float, float, bool]] | None

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        raise NotImplementedError

    def __call__(self, parameter) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**31 - 1))   # pyabc seeds numpy's global generator
        self.calls += 1
        if self.progress is not None:
            self.progress(self.calls)
        values = {k: float(parameter[k]) for k in parameter}
        if self.ranges is not None:
            values = {k: to_range(z, *self.ranges[k]) for k, z in values.items()}
        return self.simulate(values, seed)

    def __getstate__(self):
        return {**self.__dict__, "progress": None}


@dataclass
class FigureSimulator(ParticleModel):
    """pyabc model: parameters → {figure id: ln(simulated + 1)} of one run to the cut-off.

    Picklable (it holds a scenario path and the observations, never a parsed scenario), so
    Dask workers rebuild the runner once per process.
    """

    scenario: str
    until: dt.date
    observations: list[Observation]
    keys: list[str]
    calls: int = 0
    progress: Callable[[int], None] | None = None
    ranges: dict[str, tuple[float, float, bool]] | None = None   # path → (low, high, log): particles are on the unbounded scale

    def runner(self):
        from ..calibration.trials import TrialRunner
        from ..scenario.loader import load_scenario

        cache_key = (self.scenario, self.until, tuple(self.keys))
        if cache_key not in _RUNNERS:
            _RUNNERS[cache_key] = TrialRunner(load_scenario(self.scenario), self.until, [0], self.observations)
        return _RUNNERS[cache_key]

    def simulate_all(self, values: dict[str, float], seed: int) -> dict[str, float]:
        """ln(simulated + 1) of every training figure the run can be compared with."""
        v = self.runner().evaluate(values, seeds=[seed])
        return {p.obs.id: float(np.log(max(p.simulated, 0.0) + LOG_OFFSET)) for p in v.points}

    def simulate(self, values: dict[str, float], seed: int) -> dict[str, float]:
        got = self.simulate_all(values, seed)
        missing = [k for k in self.keys if k not in got]
        if missing:
            raise BorderlabError(f"{self.scenario}: the run gives no value for observed figures {missing[:5]}\n"
                                 "    hint: report this as a bug")
        return {k: got[k] for k in self.keys}


def prior(params: list[FreeParam]):
    """pyabc prior on the unbounded scale: z ~ Logistic(0, 1) for every parameter, so that
    σ(z) = 1/(1 + e^(−z)) is Uniform(0, 1) and `to_range` maps it onto the declared range
    (uniform, or log-uniform for log-scale parameters) — exactly the prior of the range.

    Why not sample the range itself: pyabc perturbs particles with a multivariate normal,
    and with 38 parameters near the edges of their boxes 99.95 % of the proposals fell
    outside the box at belarus-eu-2021's second generation (measured on its particles), so
    the sampler spun on rejected proposals instead of simulating. On the logistic scale
    every proposal is inside the prior's support."""
    import pyabc

    for p in params:
        if p.high <= p.low:
            raise BorderlabError(f"{p.path}: range [{p.low:g}, {p.high:g}] is empty; nothing to infer")
    return pyabc.Distribution(**{p.path: pyabc.RV("logistic", 0.0, 1.0) for p in params})


def transition(params: list[FreeParam], population: int):
    """pyabc's perturbation kernel: a multivariate normal fitted to the particles, or — when
    the particles are too few to estimate a covariance (fewer than 5 per parameter, e.g. 40
    particles for belarus-eu-2021's 38 parameters) — independent normals per parameter.
    A covariance from about as many particles as dimensions is singular: its density
    underflows, the importance weights become 0/0 and pyabc stops with "total weight nan"."""
    import pyabc

    if population >= 5 * len(params):
        return pyabc.MultivariateNormalTransition()
    return pyabc.AggregatedTransition({p.path: pyabc.MultivariateNormalTransition() for p in params})


def to_range(z: float, low: float, high: float, log: bool) -> float:
    """The parameter value of a particle's unbounded coordinate z (see `prior`)."""
    u = 0.5 * (1.0 + math.tanh(0.5 * z))          # σ(z), without overflow
    if log:
        return math.exp(math.log(low) + (math.log(high) - math.log(low)) * u)
    return low + (high - low) * u


@contextlib.contextmanager
def sampler(workers: int, scheduler: str | None):
    """SingleCoreSampler here, MulticoreEvalParallelSampler on local processes, or
    DaskDistributedSampler on a running Dask scheduler."""
    from pyabc.sampler import DaskDistributedSampler, SingleCoreSampler

    if workers <= 1 and not scheduler:
        yield SingleCoreSampler(check_max_eval=True)
        return
    if not scheduler:
        from pyabc.sampler import MulticoreEvalParallelSampler

        yield MulticoreEvalParallelSampler(n_procs=workers, check_max_eval=True)
        return
    from ..studies.ensemble import dask_client

    with dask_client(workers, scheduler) as client:
        yield DaskDistributedSampler(dask_client=client, batch_size=4)


@dataclass
class AbcResult:
    samples: np.ndarray          # [population, params]
    weights: np.ndarray          # normalised
    generations: int
    temperatures: list[float]
    simulations: int
    acceptance_rates: list[float]
    simulations_run: int = 0     # including a generation abandoned at the budget (not in `simulations`)


def student_t_kernel(sds: np.ndarray, keys: list[str]):
    """pyabc kernel: the observation model's log-likelihood (independent t₃ errors of scale σᵢ)."""
    from pyabc.distance import StochasticKernel

    class StudentTKernel(StochasticKernel):
        def __init__(self):
            super().__init__(ret_scale="SCALE_LOG", keys=keys)
            self.sds = np.asarray(sds, dtype=float)

        def initialize(self, t, get_sample, x_0, total_sims):
            super().initialize(t=t, get_sample=get_sample, x_0=x_0, total_sims=total_sims)
            self.pdf_max = self(x_0, x_0)          # the density's peak: every figure hit exactly

        def __call__(self, x, x_0, t=None, par=None):
            return log_likelihood(np.array([x[k] - x_0[k] for k in self.keys], dtype=float), self.sds)

    return StudentTKernel()


def run_abc_smc(model: FigureSimulator, params: list[FreeParam], observed: dict[str, float], sds: np.ndarray,
                db: Path, *, population: int, generations: int, max_simulations: int | None, seed: int,
                workers: int = 1, scheduler: str | None = None, min_acceptance_rate: float = 0.0) -> AbcResult:
    """Run ABC-SMC into the SQLite database `db` (replaced); return the last generation."""
    import pyabc
    from pyabc.acceptor import StochasticAcceptor
    from pyabc.epsilon import Temperature

    for name in ("ABC", "Sampler", "Epsilon", "Acceptor", "Distance", "Population", "History", "Adaptation"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    logging.getLogger("ABC").setLevel(logging.ERROR)   # "many proposals outside the prior": expected in many dimensions
    model.ranges = {p.path: (p.low, p.high, p.log) for p in params}
    np.random.seed(seed % 2**32)
    db = Path(db)
    db.unlink(missing_ok=True)
    with sampler(workers, scheduler) as smp:
        abc = pyabc.ABCSMC(model, prior(params), student_t_kernel(sds, list(observed)),
                           population_size=population, acceptor=StochasticAcceptor(), eps=Temperature(),
                           sampler=smp, transitions=transition(params, population))
        evaluations = _count_evaluations(smp)
        abc.new(f"sqlite:///{db.resolve()}", observed)
        if max_simulations:
            min_acceptance_rate = max(min_acceptance_rate, population / max_simulations)
        history = abc.run(max_nr_populations=generations, min_acceptance_rate=min_acceptance_rate,
                          max_total_nr_simulations=max_simulations if max_simulations else np.inf)
        if history.max_t < 0:       # not even the first generation fitted in the budget: finish it uncapped
            history = abc.run(max_nr_populations=1, min_acceptance_rate=0.0)
    frame, w = history.get_distribution(m=0, t=history.max_t)
    samples = np.array([[to_range(z, p.low, p.high, p.log) for z in frame[p.path].to_numpy(dtype=float)]
                        for p in params]).T.reshape(len(frame), len(params))
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    temps = [float(x) for x in pops["epsilon"]]
    rates = [float(n) for n in (population / pops["samples"]).where(pops["samples"] > 0, math.nan)]
    return AbcResult(samples, np.asarray(w, dtype=float) / float(np.sum(w)), int(history.max_t) + 1, temps,
                     int(history.total_nr_simulations), rates, int(sum(evaluations)))


def _count_evaluations(smp) -> list[int]:
    """Simulations per generation attempted, kept or not: pyabc's history counts only the
    generations it kept, so a generation abandoned at the budget would go unreported."""
    evaluations: list[int] = []
    sample = smp.sample_until_n_accepted

    def counted(*args, **kwargs):
        try:
            return sample(*args, **kwargs)
        finally:
            evaluations.append(int(smp.nr_evaluations_))

    smp.sample_until_n_accepted = counted
    return evaluations


def observed_stats(figures) -> tuple[dict[str, float], np.ndarray]:
    """x_0 for pyabc (figure id → ln(observed + 1)) and the noise s.d. of each, in order."""
    return {f.key: f.log_value for f in figures}, np.array([f.sd for f in figures])

