"""The ensemble result store: one Parquet file per run, a DuckDB view over all of them.

```text
OUT/runs/run-000000.parquet   date, scope, metric, value, run_id — one run's daily table
OUT/draws.parquet             run_id, seed, one column per varied parameter
OUT/ensemble.duckdb           views `runs`, `draws`, `quantiles` over the files above
```

Each run file is written to a temporary sibling and renamed into place, so a file under
its final name is always whole. Its Parquet metadata holds the run spec and its key; an
interrupted ensemble resumes by skipping runs whose file exists, reads, and carries the
key of the run planned now (so a run of an older plan or scenario version is redone).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputFileError
from ..reporting.arrow_columns import numeric_column
from ..reporting.outdir import check_output
from .daily import LAYOUT_KEY as LAYOUT  # same value ⇔ same (date, scope, metric) rows
from .runspec import RunSpec

RUNS = "runs"
RUN_FILE = re.compile(r"^run-(\d+)\.parquet$")
KEY = b"borderlab.run_key"
SPEC = b"borderlab.run_spec"


def run_path(out: Path, run_id: int) -> Path:
    return Path(out) / RUNS / f"run-{run_id:06d}.parquet"


def write_run_file(out: Path, spec: RunSpec, table: pa.Table) -> Path:
    """Write one run's table (plus a run_id column) atomically; returns its path."""
    path = run_path(out, spec.run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.append_column("run_id", numeric_column(np.full(table.num_rows, spec.run_id), np.int32))
    meta = dict(table.schema.metadata or {})
    meta[KEY] = spec.key().encode()
    meta[SPEC] = json.dumps(spec.to_json(), sort_keys=True).encode()
    if LAYOUT not in meta:  # daily_table sets it; other tables (Flee runs) are hashed here
        meta[LAYOUT] = f"columns:{layout_hash(table)}".encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        # dictionary pages only where they pay (scope, metric names): ≈2× faster, smaller;
        # min/max statistics only for run_id (one row group spans every date and name, so
        # theirs skip nothing; they were a third of the write: docs/performance.md)
        buf = pa.BufferOutputStream()
        # (write_batch_size: values handed to the encoders 64 Ki at a time, not 1 Ki: the
        # same bytes, ≈0.2 ms sooner)
        pq.write_table(table, buf, compression=_compression(table), use_dictionary=["scope", "metric"],
                       write_statistics=["run_id"], write_batch_size=1 << 16)
        # encoded in memory, then one write: Arrow's file sink writes page by page
        # (≈0.4 ms more for a belarus-eu-2021 run's 190 KB)
        with open(tmp, "wb") as f:
            f.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _compression(table: pa.Table) -> dict[str, str]:
    """zstd for every column but the dictionary-coded names: their pages are run-length
    codes already (zstd would take 1 KB off 190 and cost ≈0.3 ms a belarus-eu-2021 run)."""
    return {c: "none" if c in ("scope", "metric") else "zstd" for c in table.column_names}


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a small file via a temporary sibling and rename (never half-written)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def write_table_atomic(path: Path, table: pa.Table) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def layout_hash(table: pa.Table) -> str:
    """Same hash ⇔ same (date, scope, metric) in every row: runs whose files share it can be
    stacked row by row (what the fast quantile path does)."""
    h = hashlib.blake2b(digest_size=16)
    for name in ("date", "scope", "metric"):
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            h.update("\x00".join(col.dictionary.to_pylist()).encode())
            col = col.indices
        h.update(np.ascontiguousarray(col.to_numpy(zero_copy_only=False)).view(np.uint8).tobytes())
    h.update(str(table.num_rows).encode())
    return h.hexdigest()


def file_meta(path: Path) -> dict[bytes, bytes] | None:
    """A run file's key-value metadata, or None if it is missing or unreadable."""
    try:
        return pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None


def finished_key(path: Path) -> str | None:
    """The run key stored in a run file, or None if it is missing or unreadable."""
    meta = file_meta(path)
    key = meta.get(KEY) if meta else None
    return key.decode() if key else None


def finished_runs(out: Path, specs: list[RunSpec]) -> set[int]:
    """run_ids whose file is whole and was made by exactly this spec."""
    return {s.run_id for s in specs if finished_key(run_path(out, s.run_id)) == s.key()}


def remove_strays(out: Path, specs: list[RunSpec]) -> int:
    """Delete run files not in the plan and temporary files left by a crash; returns the count.
    (A run file outside the plan would otherwise enter the view and the quantiles.)"""
    folder = Path(out) / RUNS
    if not folder.is_dir():
        return 0
    planned = {s.run_id for s in specs}
    removed = 0
    for p in folder.iterdir():
        m = RUN_FILE.match(p.name)
        if (m and int(m.group(1)) not in planned) or (p.name.startswith(".run-") and ".tmp-" in p.name):
            p.unlink(missing_ok=True)
            removed += 1
    return removed


def check_study_dir(out: Path, study: str, force: bool = False) -> None:
    """Refuse early a folder that holds other things or another kind of output (reporting/outdir.py)."""
    check_output(out, study, force)


def runs_glob(out: Path) -> str:
    return str(Path(out).resolve() / RUNS / "run-*.parquet")


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_views(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Views `runs`, and `draws` and `quantiles` where those files exist."""
    out = Path(out).resolve()
    con.execute(f"CREATE OR REPLACE VIEW runs AS SELECT * FROM read_parquet({sql_text(runs_glob(out))})")
    for name in ("draws", "quantiles"):
        f = out / f"{name}.parquet"
        if f.is_file():
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({sql_text(str(f))})")


def write_duckdb(out: Path) -> Path:
    """OUT/ensemble.duckdb with the views, for the duckdb CLI or any DuckDB client.

    The views name the files by absolute path; after moving the folder, `open_ensemble`
    re-points them."""
    out = Path(out).resolve()
    target = out / "ensemble.duckdb"
    tmp = out / f".ensemble.duckdb.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        create_views(con, out)
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def open_ensemble(out: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with views `runs`, `draws`, `quantiles` over OUT.

    >>> con = open_ensemble("runs/ens")
    >>> con.sql("SELECT run_id, sum(value) FROM runs WHERE metric = 'new_attempts' "
    ...         "AND scope = 'PL' GROUP BY run_id").df()
    """
    out = Path(out)
    if not any((out / RUNS).glob("run-*.parquet")):
        raise InputFileError(f"{out}: no run files under {RUNS}/\n    hint: run `borderlab ensemble` into this folder first")
    con = duckdb.connect()
    create_views(con, out)
    return con
