"""The files a scenario names (`observed:`, `humanitarian.temperature.csv`), read at load
time with the same readers `run` uses, so `check` reports a missing, binary or wrongly laid
out file before a simulation runs rather than after it."""

from __future__ import annotations

from pathlib import Path

from ..errors import BorderlabError, ScenarioError
from .schema import Scenario


def _load_observations(path: Path):
    """analysis.observations.load_observations, imported only for a scenario that names an
    `observed:` file (docs/performance.md, "Startup")."""
    from ..analysis.observations import load_observations

    return load_observations(path)


def check_input_files(sc: Scenario, folder: Path) -> list[tuple[tuple, str, str]]:
    """(field path, message, hint) for each named input file that cannot be used."""
    from ..models.temperature import read_temperature_csv

    out = []
    named = [(("observed",), sc.observed, _load_observations),
             (("humanitarian", "temperature", "csv"), sc.humanitarian.temperature.csv, read_temperature_csv)]
    for field, rel, reader in named:
        if not rel:
            continue
        try:
            reader(Path(folder) / rel)
        except ScenarioError as exc:
            out.extend((field, f"{p.where}: {p.message}", p.hint) for p in exc.problems)
        except BorderlabError as exc:
            text = str(exc)
            message, _, hint = text.partition("\n    hint: ")
            out.append((field, message.replace("\n", " "), hint or f"{rel} is relative to the scenario file"))
    return out
