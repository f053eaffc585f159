"""The module base class: one lifecycle for every model part.

define columns → init (compile parameters to daily arrays, define results) → phases
(named steps the loop runs each day) → finalize. `on_create` lets a module set its
columns for people created by another module; `drawn_at_creation` names the columns whose
starting value is a draw by uid, which the population fills ahead instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .kernels import MAX_WAIT_DAYS
from .population import Column

if TYPE_CHECKING:  # pragma: no cover
    from .sim import Sim


class Module:
    """Base class; subclasses set `name`, `columns` and implement `init` and `phases`."""

    name: str = "module"
    columns: tuple[Column, ...] = ()

    def init(self, sim: "Sim") -> None:
        self.sim = sim

    def phases(self) -> list[tuple[str, Callable[[int], None]]]:
        """[(phase name, step(day))] in the order this module wants them; the sim orders modules."""
        return []

    def on_create(self, uids: np.ndarray, day: int) -> None:
        """Initialise this module's columns for newly created people."""

    def drawn_at_creation(self) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
        """{column: values(uids)} for columns whose starting value depends on the uid alone
        (a draw keyed by uid with the day-0 key), asked once the modules are set up. The
        population fills them ahead, for slots nobody holds yet, in large chunks
        (`Population.fill_ahead`), so creating a day's people costs no draw and no call."""
        return {}

    def finalize(self) -> None:
        """Called once after the last day."""

    # helpers shared by modules --------------------------------------------------------
    def geometric_days(self, stream: str, day: int, uids: np.ndarray, mean) -> np.ndarray:
        """Waiting times ≥ 1 day with the given mean (geometric), one per person."""
        u = self.sim.streams[stream].uniform(day, uids)
        return geometric_from_uniform(u, mean)


def geometric_from_uniform(u: np.ndarray, mean) -> np.ndarray:
    """Inverse-CDF geometric on {1, 2, …} with mean `mean` (a number, or one per draw;
    a mean ≤ 1 gives exactly 1)."""
    if np.ndim(mean):
        mean = np.asarray(mean, dtype=np.float64)
        p = 1.0 / np.maximum(mean, np.nextafter(1.0, 2.0))
        days = np.where(mean <= 1.0, 1.0, 1 + np.floor(np.log1p(-u) / np.log1p(-p)))
        return np.minimum(days, MAX_WAIT_DAYS).astype(np.int32)
    if mean <= 1.0:
        return np.ones(u.shape, dtype=np.int32)
    p = 1.0 / mean
    days = 1 + np.floor(np.log1p(-u) / np.log1p(-p))
    # cap so that huge means ("never", e.g. 1e9 days) do not overflow int32 day counters
    return np.minimum(days, MAX_WAIT_DAYS).astype(np.int32)

