"""Whether a source names a Flee case: a question `borderlab run`, `check` and `calibrate`
ask of every source before anything else.

Kept apart from scenario_file.py, whose Flee schema (pydantic models) and readers a
borderlab scenario never needs: `borderlab run toy-border` asks here and imports nothing
more (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path


def is_flee_source(source: str | Path) -> bool:
    """True for a Flee input folder (it holds input_csv/) or a YAML whose top says `model: flee`,
    so that `borderlab run` and ensembles can hand such a source to the Flee engine."""
    path = Path(source)
    if path.is_dir():
        return (path / "input_csv").is_dir()
    if path.is_file() and path.suffix in (".yaml", ".yml"):
        try:
            with path.open(encoding="utf-8") as fh:
                head = fh.read(4096)
        except (OSError, UnicodeDecodeError):
            return False  # not a Flee YAML; the scenario loader reports what is wrong with it
        return any(line.split("#")[0].strip() in ("model: flee", "model: 'flee'", 'model: "flee"')
                   for line in head.splitlines())
    return False
