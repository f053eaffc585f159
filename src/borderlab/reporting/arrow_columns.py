"""NumPy arrays as Arrow columns, without pyarrow's pandas probe.

`pa.array(ndarray)` (and `pa.array(list)`) asks pyarrow's pandas shim whether the input is a
pandas object, and that imports pandas: 0.3–0.7 s of a 1 s command that never uses it
(docs/performance.md). Wrapping the array's memory with `pa.Array.from_buffers` gives the
same column without the probe. Strings come as labels plus integer codes (a run's tables
repeat a few scope and metric names over many rows), laid out as Arrow's offsets and bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_NUMERIC = {np.dtype(np.float64): pa.float64(), np.dtype(np.float32): pa.float32(),
            np.dtype(np.int64): pa.int64(), np.dtype(np.int32): pa.int32(),
            np.dtype(np.int16): pa.int16(), np.dtype(np.int8): pa.int8(),
            np.dtype(np.uint64): pa.uint64(), np.dtype(np.uint32): pa.uint32(),
            np.dtype(np.uint16): pa.uint16(), np.dtype(np.uint8): pa.uint8()}


def numeric_column(values: np.ndarray, dtype=np.float64) -> pa.Array:
    """A numeric column (no nulls; NaN stays NaN) holding `values` cast to `dtype`."""
    arr = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(_NUMERIC[arr.dtype], len(arr), [None, pa.py_buffer(arr)])


def date_column(values: np.ndarray) -> pa.Array:
    """A date32 column (days since 1970-01-01) from datetime64 values."""
    days = np.ascontiguousarray(np.asarray(values, dtype="datetime64[D]").astype(np.int32))
    return pa.Array.from_buffers(pa.date32(), len(days), [None, pa.py_buffer(days)])


def string_column(labels: Sequence[str], codes: np.ndarray) -> pa.Array:
    """A string column whose row i is labels[codes[i]]."""
    encoded = [str(s).encode("utf-8") for s in labels]
    label_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    label_len = np.array([len(e) for e in encoded], dtype=np.int64)
    label_start = np.concatenate([[0], np.cumsum(label_len)[:-1]]).astype(np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    if len(codes) and (codes.min() < 0 or codes.max() >= len(labels)):
        raise IndexError(f"string codes must lie in [0, {len(labels)}): got {codes.min()}…{codes.max()}")
    row_len = label_len[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(row_len, out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise OverflowError("string column over 2 GiB")
    # byte j of row i is label_bytes[label_start[codes[i]] + j]
    gather = np.repeat(label_start[codes] - offsets[:-1], row_len) + np.arange(offsets[-1])
    data = np.ascontiguousarray(label_bytes[gather]) if len(gather) else np.zeros(0, dtype=np.uint8)
    return pa.Array.from_buffers(pa.string(), len(codes),
                                 [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])
