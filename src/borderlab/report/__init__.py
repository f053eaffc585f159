"""Self-contained HTML reports of borderlab outputs (`borderlab report`, docs/report.md).

The figure builders here are public so that the explorer (`borderlab explore`) draws the
same map, timeline, assumptions table and time series as the report. Plotly is imported
only inside them, so importing this package costs nothing.

    map_figure(scenario, crossings=None)      geography: nodes, segments by crossings, routes
    timeline_figure(scenario, x_range=None)   events strip: policies, bans, closures, tactic phases
    assumptions_rows(scenario)                every parameter: path, value, range, source, confidence
    series_figure(panels, x_range=None)       stacked time-series panels (Panel, Line, ObservedMark)
    write_report_for(folder)                  report.html for an output folder (atomic)
"""

from __future__ import annotations

_WHERE = {"assumptions_rows": "assumptions", "map_figure": "map", "Line": "series", "ObservedMark": "series",
          "Panel": "series", "series_figure": "series", "timeline_figure": "timeline", "REPORT_FILE": "write",
          "build_report": "write", "write_report_for": "write"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    """Import on first use, so `borderlab --help` (which registers `report`) stays fast."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
