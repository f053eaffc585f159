"""An ensemble whose runs draw their parameters from a posterior (`ensemble --posterior`).

Runs come in groups of `per_draw` (of one branch, in a branched scenario): each group
shares one parameter set resampled from the posterior, and every run has its own seed (`derive_seed(base, run)`, as any ensemble). So
the spread of the ensemble holds both parameter uncertainty (between groups) and run-to-run
noise (within groups), and the two can be told apart (`variance.py`). The draw behind each
run is recorded in draws.parquet (column `draw`, and one column per parameter).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..errors import BorderlabError
from ..studies.plan import EnsemblePlan
from ..studies.sampling import RangedParam
from .posterior import Posterior, load_posterior


def with_posterior(plan: EnsemblePlan, folder: Path, per_draw: int = 2) -> tuple[EnsemblePlan, Posterior, list[str]]:
    """The plan with posterior parameter draws added to its runs; also the posterior and warnings."""
    if per_draw < 1:
        raise BorderlabError(f"--seeds-per-draw {per_draw}: need at least 1")
    if plan.varied:
        raise BorderlabError("--posterior with --vary/--param: choose one source of parameter values\n"
                             "    hint: --posterior draws the fitted parameters; --vary draws their prior ranges")
    loaded = plan.source.loaded
    if loaded is None:
        raise BorderlabError("--posterior: only borderlab scenarios have a posterior (this is a Flee input folder)")
    post = load_posterior(folder)
    warnings = post.check_scenario(loaded)
    fixed = set().union(*(b.set_paths() for b in plan.branch_specs)) if plan.branch_specs else set()
    keep = [j for j, p in enumerate(post.paths) if p not in fixed]
    draw_ids = group_runs(plan.branches or [""] * len(plan.specs), per_draw)
    n_draws = max(draw_ids) + 1
    drawn = post.draw(n_draws, plan.base_seed)
    params = [post.params[j] for j in keep]
    draws = np.array([[d[p["path"]] for p in params] for d in drawn]).reshape(n_draws, len(params))
    specs = [dataclasses.replace(s, overrides=tuple(s.overrides) + tuple((p["path"], float(draws[draw_ids[i], j]))
                                                                         for j, p in enumerate(params)))
             for i, s in enumerate(plan.specs)]
    varied = [RangedParam(p["path"], p["low"], p["high"], p.get("value", np.nan)) for p in params]
    new = dataclasses.replace(plan, specs=specs, varied=varied, draws=draws[draw_ids], draw_ids=draw_ids,
                              posterior={"folder": str(Path(folder).resolve()), "per_draw": per_draw,
                                         "draws": n_draws, "particles": len(post.weights),
                                         "effective_size": round(post.effective_size, 1),
                                         "until": str(post.until), "fitted": post.description.get("created_utc"),
                                         "warnings": warnings})
    return new, post, warnings


def group_runs(branches: list[str], per_draw: int) -> list[int]:
    """Each run's draw: consecutive groups of `per_draw` runs of the same branch share one,
    so the seeds of a draw differ only by their luck (not by their branch)."""
    ids, next_id = [0] * len(branches), 0
    for branch in dict.fromkeys(branches):
        runs = [i for i, b in enumerate(branches) if b == branch]
        for k in range(0, len(runs), per_draw):
            for i in runs[k:k + per_draw]:
                ids[i] = next_id
            next_id += 1
    return ids
