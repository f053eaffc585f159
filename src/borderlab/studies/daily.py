"""A run's daily tidy table (date, scope, metric, value), built cheaply for studies.

`Results.to_table` builds the scope and metric columns as plain strings, one per row (it
once built them from Python-object arrays, ~40 ms per belarus-eu-2021 run, paid by every run
of an ensemble). Here they are dictionary-encoded (small integer codes plus one list of
names), which builds in ~2 ms and writes to Parquet several times faster. Values are
identical: cast to plain strings, the table equals `Results.to_table` row for row
(tests/test_ensemble.py checks it). The date, scope and metric columns depend only on the
layout (the metrics, their scopes, the dates), so an ensemble's runs share them, made once
(Arrow arrays are immutable): a run adds only its values (≈0.4 ms instead of ≈1.4 ms).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pyarrow as pa

from ..reporting.arrow_columns import date_column, numeric_column, string_column

LAYOUT_KEY = b"borderlab.layout"  # schema metadata: same value ⇔ same (date, scope, metric) rows

# the schema every run file of an ensemble has (plus `run_id`, added by the store)
DAILY_SCHEMA = pa.schema([
    ("date", pa.date32()),
    ("scope", pa.dictionary(pa.int32(), pa.string())),
    ("metric", pa.dictionary(pa.int32(), pa.string())),
    ("value", pa.float64()),
])


def daily_table(results, dates: np.ndarray) -> pa.Table:
    """Every metric × scope × day of `results`, in `Results.to_table` row order."""
    n = results.n_days
    # which (date, scope, metric) each row holds follows from the metric list, their scopes
    # and the dates: hash those (microseconds) rather than the columns (milliseconds)
    layout = hashlib.blake2b(json.dumps([[[m.name, m.scopes + list(m.groups)] for m in results.metrics.values()],
                                         str(dates[0]) if n else "", n]).encode(), digest_size=16).hexdigest()
    keys = _LAYOUT_COLUMNS.get(layout)
    if keys is None:  # every run of a scenario has the same rows: their columns are made once
        keys = _key_columns(results, dates)
        if len(_LAYOUT_COLUMNS) >= 8:
            _LAYOUT_COLUMNS.pop(next(iter(_LAYOUT_COLUMNS)))
        _LAYOUT_COLUMNS[layout] = keys
    values = np.concatenate([m.data[:, :n].reshape(-1) for m in results.metrics.values()]) \
        if results.metrics else np.empty(0)
    return pa.table([*keys, numeric_column(values)],
                    schema=DAILY_SCHEMA.with_metadata({LAYOUT_KEY: f"daily:{layout}".encode()}))


_LAYOUT_COLUMNS: dict[str, tuple] = {}  # layout hash → (date, scope, metric) columns (immutable Arrow arrays)


def _key_columns(results, dates: np.ndarray) -> tuple:
    """The date, scope and metric columns of `daily_table`'s rows."""
    n = results.n_days
    scope_codes: dict[str, int] = {}
    scope_idx, metric_idx = [], []
    rows = 0
    for k, m in enumerate(results.metrics.values()):
        scopes = m.scopes + list(m.groups)
        codes = np.array([scope_codes.setdefault(s, len(scope_codes)) for s in scopes], dtype=np.int32)
        scope_idx.append(np.repeat(codes, n))
        metric_idx.append(np.full(len(scopes) * n, k, dtype=np.int32))
        rows += len(scopes) * n
    return (date_column(np.tile(np.asarray(dates[:n], dtype="datetime64[D]"), rows // n if n else 0)),
            _names(list(scope_codes), np.concatenate(scope_idx) if scope_idx else np.empty(0, np.int32)),
            _names(list(results.metrics), np.concatenate(metric_idx) if metric_idx else np.empty(0, np.int32)))


def _names(names: list[str], codes: np.ndarray) -> pa.DictionaryArray:
    """A dictionary column: int32 codes into `names` (built without pandas: arrow_columns.py)."""
    return pa.DictionaryArray.from_arrays(numeric_column(codes, np.int32), string_column(names, np.arange(len(names))))


def conform(table: pa.Table) -> pa.Table:
    """Any daily table (e.g. a Flee run's, plain strings) in the ensemble's schema."""
    missing = [c for c in DAILY_SCHEMA.names if c not in table.column_names]
    if missing:
        raise ValueError(f"a daily table needs columns {DAILY_SCHEMA.names}; missing {missing}")
    table = table.select(DAILY_SCHEMA.names)
    cols = []
    for field in DAILY_SCHEMA:
        col = table.column(field.name)
        if pa.types.is_dictionary(field.type) and not pa.types.is_dictionary(col.type):
            col = col.cast(pa.string()).dictionary_encode()
        cols.append(col.cast(field.type))
    return pa.table(cols, schema=DAILY_SCHEMA)
