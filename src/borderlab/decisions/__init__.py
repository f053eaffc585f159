"""The decision layer: what-if questions a planner brings, answered with paired ensembles of
the simulator (docs/decisions.md, docs/decisions-allocation.md).

- `borderlab compare` (compare.py): the base scenario and its variants (variants.py: `set`
  overrides and timeline edits) — each outcome's paired difference with a 90 % interval;
- `borderlab allocate` (allocate.py): where a defender's guards should stand — a Stackelberg
  game solved with HiGHS (payoffs.py, game.py), checked in simulation against baselines and
  an Optuna search (allocation_search.py);
- `borderlab tradeoffs` (tradeoffs.py): the Pareto front of policy levers (Optuna NSGA-II).

All three run their arms through one runner, arms.py (common random numbers: run i of every
arm has the same seed and draw; resumable; in-process or on Dask), reduce runs with
`ArmsResult.window_totals` (the outcomes: outcomes.py) and compute intervals in
paired_stats.py. The CLI commands live in cli.py and allocation_cli.py.
"""
