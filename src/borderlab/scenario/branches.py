"""Scenario branches: where an actor's later behaviour is genuinely unknown on the forecast
date, the scenario lists the alternatives, each a variant file with a prior weight.

A forecast then runs the mixture — an ensemble gives each branch runs in proportion to its
weight (studies/branches.py) — and shows every branch next to the mixture, instead of
letting one phase fitted on the past run silently on into the future. A branch's weight is
a judgement, so it must say what it rests on (`basis:`, as for phases and events).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from .basis import Basis
from .params import Strict

WEIGHT_TOLERANCE = 1e-6


class Branch(Strict):
    """One alternative future: a variant file (changes to the base) and its prior weight."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9\-_]*$", description="Short name, used as the branch's label.")
    variant: str = Field(description="Variant file (set: / timeline: edits of this scenario), relative to the scenario file.")
    weight: float = Field(ge=0, le=1, description="Prior probability of this branch; the weights of all branches sum to 1 "
                                                  "(0 leaves a branch out, e.g. `--set branches.NAME.weight=0`).")
    basis: Basis = Field(description="What the weight rests on: timeline rows, data rows, an assumption with its source.")
    description: str = ""


def check_branches(sc, folder: Path) -> list[tuple[tuple, str, str]]:
    """(field path, message, hint) for duplicate names, weights that do not sum to 1 and
    missing variant files. (The variant's content is checked when a study loads it.)"""
    out: list[tuple[tuple, str, str]] = []
    branches = getattr(sc, "branches", None) or []
    if not branches:
        return out
    seen = set()
    for i, b in enumerate(branches):
        if b.name in seen:
            out.append((("branches", i, "name"), f"duplicate branch name '{b.name}'", "names must be unique"))
        seen.add(b.name)
        if not (folder / b.variant).is_file():
            out.append((("branches", i, "variant"), f"no variant file {b.variant}",
                        "give the path of a variant YAML file relative to the scenario file"))
    total = sum(b.weight for b in branches)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        out.append((("branches",), f"branch weights sum to {total:g}, not 1",
                    "weights are prior probabilities of the alternatives: make them sum to 1"))
    return out


def allocate_runs(weights: list[float], runs: int) -> list[int]:
    """Branch index of each run: every prefix of the runs keeps the branches as close to
    their weights as whole runs allow (run i goes to the branch furthest below its share),
    so `--runs 10` with weights 0.6/0.4 gives 6 and 4, and a resumed or longer ensemble
    keeps the allocation of the runs it already has."""
    counts = [0] * len(weights)
    out = []
    for i in range(runs):
        deficit = [w * (i + 1) - c for w, c in zip(weights, counts)]
        k = max(range(len(weights)), key=lambda j: (deficit[j], -j))
        counts[k] += 1
        out.append(k)
    return out
