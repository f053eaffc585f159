"""Startup: a command imports only the libraries it uses (docs/performance.md).

Plotting, pandas, DuckDB, Dask, Optuna, plotly … take 0.3–1 s each to import; a
`borderlab run … --no-plots` never touches them. Each check runs a fresh interpreter (this
test process has imported everything already) and reads its `sys.modules` at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from flee_case import write_case

UNUSED_BY_A_PLAIN_RUN = ("matplotlib", "pandas", "duckdb", "dask", "distributed", "optuna", "pyabc",
                         "statsforecast", "scoringrules", "plotly")

# run the CLI as the console script does, then list the top-level packages it imported
CHILD = """
import json, sys
sys.argv = ["borderlab", *json.loads(sys.argv[1])]
from borderlab.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def packages_loaded_by(args: list[str], cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, None), proc.stderr[-3000:]
    return set(result["modules"])


def packages_loaded_by_import(module: str, cwd: Path) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout))


def test_importing_the_cli_loads_no_library_beyond_typer(tmp_path):
    """rich too is imported only when something is printed (borderlab/console.py)."""
    loaded = packages_loaded_by_import("borderlab.cli", tmp_path)
    assert "typer" in loaded
    assert loaded.isdisjoint({*UNUSED_BY_A_PLAIN_RUN, "numpy", "numba", "scipy", "pyarrow", "pydantic", "yaml",
                              "rich"})


def test_run_without_plots_loads_no_plotting_or_table_library(tmp_path):
    out = tmp_path / "run"
    loaded = packages_loaded_by(["run", "toy-border", "--set", "end=2021-09-12", "-q", "--no-plots",
                                 "--out", str(out)], tmp_path)
    assert pq.read_table(out / "daily.parquet").num_rows > 0   # it did run and write its table
    assert "pyarrow" in loaded
    assert loaded.isdisjoint(UNUSED_BY_A_PLAIN_RUN), sorted(loaded & set(UNUSED_BY_A_PLAIN_RUN))
    assert "rich" not in loaded   # -q prints nothing: no progress bar, no table


def test_flee_run_without_plots_loads_no_plotting_or_table_library(tmp_path):
    case = write_case(tmp_path / "case")
    out = tmp_path / "flee"
    loaded = packages_loaded_by(["flee", "run", str(case), "-q", "--no-plots", "--out", str(out)], tmp_path)
    assert (out / "out.csv").is_file() and pq.read_table(out / "daily.parquet").num_rows > 0
    assert loaded.isdisjoint(UNUSED_BY_A_PLAIN_RUN), sorted(loaded & set(UNUSED_BY_A_PLAIN_RUN))


def test_plots_still_load_matplotlib(tmp_path):
    """The lazy import is taken when plots are asked for (the check above can tell)."""
    out = tmp_path / "run"
    loaded = packages_loaded_by(["run", "toy-border", "--set", "end=2021-09-12", "-q", "--no-report", "--out", str(out)],
                                tmp_path)
    assert "matplotlib" in loaded
    assert any((out / "plots").glob("*.png"))


def test_the_module_a_dask_worker_imports_loads_no_plotting_library(tmp_path):
    """Each worker imports studies.ensemble (for run_batch) before its first run."""
    loaded = packages_loaded_by_import("borderlab.studies.ensemble", tmp_path)
    assert loaded.isdisjoint({"matplotlib", "pandas", "plotly", "optuna", "pyabc", "statsforecast"}), loaded


def test_flee_run_skips_numbas_blas_probe_and_its_scipy_linalg(tmp_path):
    """numba's BLAS probe imports all of scipy.linalg (0.15 s, 16 MiB); our kernels need no BLAS.
    (With the kernels built ahead of time numba is not imported at all: this is the JIT path.)"""
    case = write_case(tmp_path / "case")
    child = CHILD.replace("sorted({m.split(\".\")[0] for m in sys.modules})", "sorted(sys.modules)")
    args = ["flee", "run", str(case), "-q", "--no-plots", "--out", str(tmp_path / "flee")]
    proc = subprocess.run([sys.executable, "-c", child, json.dumps(args)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, env={**os.environ, "BORDERLAB_KERNELS": "jit"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    modules = set(json.loads(proc.stdout.strip().splitlines()[-1])["modules"])
    assert "numba.np.arraymath" in modules            # the kernels did load numba's NumPy support
    assert "scipy.linalg" not in modules and "scipy.linalg.cython_blas" not in modules


def test_blas_stays_available_to_numba_when_scipy_linalg_was_loaded_first(tmp_path):
    code = ("import scipy.linalg.cython_blas, borderlab.engine.numba_cache as c; c._numba(); "
            "import numba.np.arraymath as a, sys; "
            "print(a._HAVE_BLAS, sys.modules['scipy.linalg.cython_blas'] is not None)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]
