"""The docs that are generated from code stay in step with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_scenario_reference_is_up_to_date():
    """docs/scenario-format.md is generated from the schema: regenerate it after a schema change
    with `make docs` (or `python docs/generate_scenario_reference.py`)."""
    proc = subprocess.run([sys.executable, str(REPO / "docs" / "generate_scenario_reference.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_builtin_scenario_has_a_readme():
    from borderlab.scenario.registry import describe_builtins

    for name, _, path in describe_builtins():
        assert (Path(path).parent / "README.md").is_file(), name
