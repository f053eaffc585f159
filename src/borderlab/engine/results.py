"""Results: named daily series per scope, stored as arrays, exported as a tidy long table.

Names follow Covasim: `n_<stock>`, `new_<flow>`, `frac_<ratio>`; a flow recorded per
segment is summed to its country and to `all` when the run ends, so every total is the sum
of the places it is made of.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


@dataclass
class Metric:
    name: str
    scopes: list[str]
    kind: str  # "flow", "stock" or "ratio"
    description: str
    groups: dict[str, list[int]]  # aggregate scope → member rows
    n_days: int
    _data: np.ndarray | None = field(default=None, repr=False)

    @property
    def data(self) -> np.ndarray:
        """[len(scopes) + len(groups), n_days], zeros until recorded. Made at first use:
        most metrics are packed (`Results.pack`) straight after they are defined, and
        zeroing each one's own array first was most of the cost of defining them."""
        if self._data is None:
            self._data = np.zeros((len(self.scopes) + len(self.groups), self.n_days), dtype=np.float64)
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        self._data = value

    @property
    def rows(self) -> int:
        return len(self.scopes) + len(self.groups)


class Results:
    """All series of one run. `rec` stores one day's values for a metric's base scopes."""

    def __init__(self, n_days: int):
        self.n_days = n_days
        self.metrics: dict[str, Metric] = {}

    def define(self, name: str, scopes: list[str], kind: str, description: str,
               parents: list[str] | None = None, total: bool | None = None) -> None:
        """Declare a metric over `scopes`. `parents[i]` names the group row i sums into;
        `total` (default: not for ratios) adds an `all` row summing the base scopes."""
        if name in self.metrics:
            raise ValueError(f"metric {name} defined twice")
        if kind not in ("flow", "stock", "ratio"):
            raise ValueError(f"unknown metric kind {kind}")
        groups: dict[str, list[int]] = {}
        if parents is not None:
            base = set(scopes)
            for i, p in enumerate(parents):
                if p is not None and p not in base:
                    groups.setdefault(p, []).append(i)
        if total is None:
            total = kind != "ratio"
        if total and "all" not in scopes:
            groups["all"] = list(range(len(scopes)))
        self.metrics[name] = Metric(name, list(scopes), kind, description, groups, self.n_days)

    def rec(self, name: str, day: int, values) -> None:
        """Store today's value(s) for the metric's base scopes (scalar if it has one scope)."""
        m = self.metrics[name]
        m.data[: len(m.scopes), day] = values

    def add(self, name: str, day: int, values) -> None:
        """Add to today's value(s) (for flows counted in several places)."""
        m = self.metrics[name]
        m.data[: len(m.scopes), day] += values

    def pack(self, names) -> tuple[np.ndarray, np.ndarray]:
        """Keep these metrics in one [rows, n_days] array (each metric's `data` becomes a
        view of its rows) and return it with the rows of their base scopes, in order: a
        phase then records all of them for a day with one write, `data[rows, day] = values`
        (values: the base scopes of each metric in turn), instead of one `rec` per metric."""
        metrics = [self.metrics[name] for name in names]
        data = np.zeros((sum(m.rows for m in metrics), self.n_days), dtype=np.float64)
        rows: list[int] = []
        at = 0
        for m in metrics:
            k = m.rows
            if m._data is not None:  # recorded before it was packed (not made yet: zeros)
                data[at:at + k] = m._data
            m.data = data[at:at + k]
            rows.extend(range(at, at + len(m.scopes)))
            at += k
        return data, np.array(rows, dtype=np.intp)

    def finalize(self, upto: int | None = None) -> None:
        """Compute aggregate rows (country and `all` sums)."""
        for m in self.metrics.values():
            base = len(m.scopes)
            for k, (g, members) in enumerate(m.groups.items()):
                m.data[base + k] = m.data[members].sum(axis=0)

    def scopes_of(self, name: str) -> list[str]:
        m = self.metrics[name]
        return m.scopes + list(m.groups)

    def series(self, name: str, scope: str = "all") -> np.ndarray:
        """One daily series; raises KeyError naming what exists."""
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r}; have: {', '.join(sorted(self.metrics))}")
        scopes = self.scopes_of(name)
        if scope not in scopes:
            raise KeyError(f"metric {name!r} has no scope {scope!r}; have: {', '.join(scopes)}")
        return self.metrics[name].data[scopes.index(scope)]

    def to_table(self, dates: np.ndarray, upto: int | None = None) -> pa.Table:
        """Tidy long table: date, scope, metric, value (one row per day × scope × metric)."""
        from ..reporting.arrow_columns import date_column, numeric_column, string_column

        n = self.n_days if upto is None else upto
        labels: dict[str, int] = {}   # scope and metric names → codes (columns built without pandas)
        date_col, scope_col, metric_col, value_col = [], [], [], []
        for m in self.metrics.values():
            scopes = m.scopes + list(m.groups)
            k = len(scopes)
            date_col.append(np.tile(dates[:n], k))
            scope_col.append(np.repeat([labels.setdefault(s, len(labels)) for s in scopes], n))
            metric_col.append(np.full(k * n, labels.setdefault(m.name, len(labels))))
            value_col.append(m.data[:, :n].reshape(-1))
        names = list(labels)
        return pa.table({
            "date": date_column(np.concatenate(date_col)),
            "scope": string_column(names, np.concatenate(scope_col)),
            "metric": string_column(names, np.concatenate(metric_col)),
            "value": numeric_column(np.concatenate(value_col)),
        })

    def describe(self) -> list[tuple[str, str, str, list[str]]]:
        """(name, kind, description, scopes) of every metric, for docs and `--help`."""
        return [(m.name, m.kind, m.description, m.scopes + list(m.groups)) for m in self.metrics.values()]
