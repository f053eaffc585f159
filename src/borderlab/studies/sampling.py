"""What varies across an ensemble, and how: run seeds, declared parameter ranges, and a
Latin hypercube over them.

- Seeds: run i of an ensemble with base seed b gets `derive_seed(b, i)`, a hash of (b, i).
  It depends on nothing else (not on the runner, the worker count or the order runs
  finish), so the same base seed gives the same runs everywhere, and ensembles with
  neighbouring base seeds do not share runs.
- Parameters: every scenario parameter written with a `range: [low, high]` can vary (its
  `value` is what a single run uses). `--param PATTERN` keeps only matching paths
  (shell-style wildcards: `segments.*.length_km`).
- Draws: a Latin hypercube (scipy.stats.qmc, seeded): for N runs, each parameter's range is
  cut into N equal strata and each stratum is drawn exactly once, so even a small ensemble
  covers every range evenly.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from ..errors import BorderlabError

ID_KEYS = ("id", "code", "country", "node", "name")  # as scenario/overrides.py picks list items


def derive_seed(base_seed: int, index: int, purpose: str = "run") -> int:
    """A 31-bit seed for item `index` of a study with `base_seed` (stable everywhere)."""
    digest = hashlib.blake2b(f"borderlab/{purpose}/{int(base_seed)}/{int(index)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF


@dataclass(frozen=True)
class RangedParam:
    """A scenario parameter with a declared plausible range."""

    path: str  # dotted, as `--set` takes it (list items by id)
    low: float
    high: float
    value: float


def ranged_params(scenario) -> list[RangedParam]:
    """Every parameter of a validated scenario that declares a range, in file order."""
    out: list[RangedParam] = []
    _walk(scenario.model_dump(mode="json", by_alias=True), "", out)
    return out


def _walk(node, prefix: str, out: list[RangedParam]) -> None:
    if isinstance(node, dict):
        if "value" in node and "range" in node and isinstance(node.get("range"), (list, tuple)):
            lo, hi = node["range"]
            out.append(RangedParam(prefix, float(lo), float(hi), float(node["value"])))
            return
        for k, v in node.items():
            _walk(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{prefix}.{_item_key(node, i)}", out)


def _item_key(items: list, i: int) -> str:
    """The id `--set` would use for items[i]: its id/code/… if that picks it uniquely, else i."""
    item = items[i]
    if isinstance(item, dict):
        for k in ID_KEYS:
            v = item.get(k)
            if isinstance(v, str):
                first = next(j for j, other in enumerate(items)
                             if isinstance(other, dict) and any(str(other.get(kk)) == v for kk in ID_KEYS))
                if first == i:
                    return v
    return str(i)


def select_params(params: list[RangedParam], patterns: list[str] | None) -> list[RangedParam]:
    """Parameters that can vary (low < high), kept when they match any pattern (all if none)."""
    varying = [p for p in params if p.high > p.low]
    if not patterns:
        return varying
    chosen, unmatched = [], []
    for pat in patterns:
        hits = [p for p in varying if fnmatch.fnmatchcase(p.path, pat)]
        if not hits:
            unmatched.append(pat)
        chosen.extend(h for h in hits if h not in chosen)
    if unmatched:
        paths = [p.path for p in varying]
        lines = []
        for pat in unmatched:
            close = difflib.get_close_matches(pat, paths, n=3)
            lines.append(f"--param {pat}: no parameter with a range matches"
                         + (f"; did you mean {', '.join(close)}?" if close else ""))
        raise BorderlabError("\n".join(lines) + "\n    hint: list them with `borderlab check SCENARIO --show`; "
                             "only parameters written with `range: [low, high]` can vary")
    return [p for p in varying if p in chosen]  # file order


def latin_hypercube(params: list[RangedParam], n: int, seed: int) -> np.ndarray:
    """[n, len(params)] draws, one per stratum of each range, reproducible from `seed`."""
    if not params:
        return np.zeros((n, 0))
    unit = qmc.LatinHypercube(d=len(params), rng=np.random.default_rng(derive_seed(seed, 0, "lhs"))).random(n)
    lo = np.array([p.low for p in params])
    hi = np.array([p.high for p in params])
    return lo + unit * (hi - lo)
