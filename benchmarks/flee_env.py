"""Create the separate virtual environment that holds Flee 3.1, the reference model.

Flee is never a dependency of borderlab: it lives in its own venv (default
`benchmarks/.flee-venv`, git-ignored) and is only ever run as a subprocess. The synthetic
benchmark uses Flee's MPI-capable `pflee` module, which imports mpi4py; mpi4py needs an MPI
library at run time, which the `mpich` wheel provides, so that one is installed only when
the synthetic case is asked for.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FLEE_SPEC = "flee==3.1"
MPI_SPEC = "mpich"
DEFAULT_VENV = Path(__file__).resolve().parent / ".flee-venv"


def flee_python(venv: Path = DEFAULT_VENV, *, with_mpi: bool = False, quiet: bool = False) -> Path:
    """Return the Python of Flee's venv, creating it and installing Flee if needed."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed-flee-3.1"
    mpi_stamp = venv / ".installed-mpich"
    if not python.exists():
        _say(f"creating Flee's environment in {venv}", quiet)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not stamp.exists():
        _say(f"installing {FLEE_SPEC} into {venv} (once)", quiet)
        _pip(python, FLEE_SPEC)
        stamp.touch()
    if with_mpi and not mpi_stamp.exists():
        _say(f"installing {MPI_SPEC} into {venv} for the synthetic benchmark (once)", quiet)
        _pip(python, MPI_SPEC)
        mpi_stamp.touch()
    return python


def flee_version(python: Path) -> str:
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('flee'))"],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def _pip(python: Path, spec: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", spec],
        check=True,
    )


def _say(msg: str, quiet: bool) -> None:
    if not quiet:
        print(f"[flee-env] {msg}", file=sys.stderr, flush=True)
