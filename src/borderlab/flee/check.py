"""`borderlab check` on a Flee case: everything `borderlab flee run` would refuse, without running.

A Flee folder or a converted `model: flee` YAML is read and validated as a run reads it,
then the engine is built with `check_only`, which builds the UNHCR tables and the
conflicts table and applies the day and people limits but allocates no agents, so a
case that `check` accepts is one `run` can start.
"""

from __future__ import annotations

from pathlib import Path


def check_flee(source: str | Path, assignments: list[str] | None = None) -> str:
    """A one-line summary of a valid Flee case; raises BorderlabError listing its problems."""
    from .cli import _overrides
    from .engine import FleeSim
    from .scenario_file import load_flee

    loaded = load_flee(source, overrides=_overrides(assignments))
    sc = loaded.scenario
    FleeSim(sc, base_dir=loaded.base_dir, locate=loaded.locate, check_only=True)
    camps = sum(1 for loc in sc.locations if loc.type in ("camp", "idpcamp"))
    return (f"[green]OK[/] {source}: Flee case {sc.name}, {sc.start_date}, {sc.days} days, {len(sc.locations)} locations "
            f"({camps} camps), {len(sc.routes)} routes, {len(sc.validation.series)} UNHCR series")
