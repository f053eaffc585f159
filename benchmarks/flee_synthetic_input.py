"""The small network of Flee's synthetic benchmark, written out as a Flee input folder.

Flee's `flee_benchmark_tests/test_par.py` runs on `test_data/test_input_csv` of its
repository (BSD 3-Clause, (c) Derek Groen and Brunel University London), which the PyPI
wheel does not ship. Its topology is tiny and written down here as data: conflict zone A
(where every agent spawns), a second conflict zone B that only starts on day 10 (so, in a
10-day run, a town), towns C and C2, camps D, E, F (capacities 30,000 / 20,000 / 10,000),
and nine links. The settings file keeps Flee's defaults except that every log is off.
"""

from __future__ import annotations

from pathlib import Path

LOCATIONS = [
    # name, region, country, lat, lon, location_type, conflict_date, population/capacity
    ("A", "AB", "ABC", 1.0, 1.0, "conflict_zone", "0", "100000"),
    ("B", "AB", "ABC", 1.0, 1.0, "conflict_zone", "10", "500000"),
    ("C", "C", "ABC", 1.0, 1.0, "town", "0", ""),
    ("C2", "C", "ABC", 1.0, 1.0, "town", "0", ""),
    ("D", "D", "DEF", 1.0, 1.0, "camp", "", "30000"),
    ("E", "EF", "DEF", 1.0, 1.0, "camp", "", "20000"),
    ("F", "EF", "DEF", 1.0, 1.0, "camp", "", "10000"),
]

ROUTES = [
    ("A", "B", 100), ("A", "C", 200), ("B", "C2", 75), ("C", "D", 150), ("C", "E", 180),
    ("C2", "C", 140), ("C2", "F", 250), ("D", "E", 40), ("E", "F", 310),
]

SETTINGS = """\
log_levels:
  agent: 0
  link: 0
  camp: 0
  init: 0
  conflict: 0
  idp_totals: 0
"""


def write_synthetic_input(folder: Path) -> Path:
    """Write locations.csv, routes.csv, closures.csv and simsetting.yml into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["#name,region,country,lat,lon,location_type,conflict_date,population"]
    lines += [",".join(str(v) for v in row) for row in LOCATIONS]
    (folder / "locations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["#name1,name2,distance,forced_redirection"]
    lines += [f"{a},{b},{d},0" for a, b, d in ROUTES]
    (folder / "routes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "closures.csv").write_text(
        "#closure_type,name1,name2,closure_start,closure_end\n", encoding="utf-8"
    )
    (folder / "simsetting.yml").write_text(SETTINGS, encoding="utf-8")
    return folder
