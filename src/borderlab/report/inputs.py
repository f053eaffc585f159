"""The scenario object a figure builder is given: a Scenario, or anything that holds one."""

from __future__ import annotations


def as_scenario(obj):
    """A `Scenario` from a Scenario, a LoadedScenario (`.scenario`) or a Run (`.loaded.scenario`),
    so callers pass whatever they hold."""
    if hasattr(obj, "loaded"):
        obj = obj.loaded
    if hasattr(obj, "scenario") and not hasattr(obj, "nodes"):
        obj = obj.scenario
    if not hasattr(obj, "nodes"):
        raise TypeError(f"expected a borderlab scenario, got {type(obj).__name__}")
    return obj
