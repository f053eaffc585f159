"""One calibration trial: the scenario with the trial's values, run up to the cut-off over
fixed seeds, scored against the training figures with the validation measures.

The scenario file is parsed once (`parse_scenario`); each trial applies its values with
the ordinary `--set` override mechanism and validates them with the one schema
(`ParsedScenario.load`): parsing the YAML takes longer than a belarus run to the cut-off. Runs stop after the cut-off day: nothing later can
affect the training figures, and nothing later is looked at. Every trial uses the same
seeds (common random numbers), so two trials differ by their parameters, not their luck.
"""

from __future__ import annotations

import datetime as dt

from ..analysis.observations import Observation, select_outcomes
from ..analysis.validation import Validation, average_runs, compare
from ..engine.calendar import Calendar
from ..scenario.loader import LoadedScenario, parse_scenario
from ..simulation import build_sim
from .free_params import as_overrides


class TrialRunner:
    """Runs one scenario with given parameter values to the cut-off and scores it."""

    def __init__(self, base: LoadedScenario, until: dt.date, seeds: list[int], observations: list[Observation]):
        from ..engine.ahead_of_time import prefer_jit_for_many_runs

        prefer_jit_for_many_runs()   # a calibration runs hundreds of simulations
        self.base = base
        self.until = until
        self.seeds = list(seeds)
        self.parsed = parse_scenario(base.path)
        sc = base.scenario
        self.calendar = Calendar(sc.start, sc.end)
        self.stop = self.calendar.day(until) + 1      # run days 0 … cut-off
        self.training = select_outcomes(observations, until)
        self.needed = {(o.model[0], o.model[1]) for o in self.training}

    def loaded(self, values: dict[str, float]) -> LoadedScenario:
        """The scenario with `values` applied, validated like `load_scenario` would."""
        return self.parsed.load(as_overrides(values))

    def evaluate(self, values: dict[str, float], seeds: list[int] | None = None) -> Validation:
        """Mean of the seeds' runs (the runner's, or `seeds`) up to the cut-off, compared with
        the training figures."""
        loaded = self.loaded(values)
        results = []
        for seed in (self.seeds if seeds is None else seeds):
            sim = build_sim(loaded, seed=seed)
            sim.run(until=self.stop)
            sim.results.finalize()     # country and `all` rows of the days run
            results.append(sim.results)
        data = average_runs(results, self.calendar, self.needed)
        return compare(self.training, data, self.until)
