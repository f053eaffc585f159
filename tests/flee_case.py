"""Small hand-made Flee folders for the flee tests (written into tmp_path).

The default case is a line A — B — C: A a conflict zone (population 1000), B a town,
C a camp (capacity 1000), 100 km and 150 km apart, in countries X (A, B) and Y (C).
Every move chance is 1 except the camp's (0) and nobody ever walks back towards the
conflict (conflict_weight 0), so where each agent is on each day can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

SHARED_FLEE = Path(__file__).resolve().parents[2] / "shared" / "data" / "flee"

START = dt.date(2020, 1, 1)

LOCATIONS = [
    '#"name","region","country","latitude","longitude","location_type","conflict_date","population"',
    "A,ra,X,0.0,0.0,conflict_zone,0,1000",
    "B,rb,X,0.0,1.0,town,,",
    "C,rc,Y,0.0,2.0,camp,,1000",
]
ROUTES = ["#name1,name2,distance,forced_redirection", "A,B,100,0", "B,C,150,0"]
SETTINGS = {
    "log_levels": {"agent": 0},
    "spawn_rules": {"take_from_population": False, "insert_day0": True},
    "move_rules": {"max_move_speed": 120.0, "max_walk_speed": 35.0, "conflict_weight": 0.0, "camp_weight": 1.0,
                   "conflict_movechance": 1.0, "default_movechance": 1.0, "camp_movechance": 0.0,
                   "awareness_level": 1, "capacity_buffer": 0.9},
    "optimisations": {"hasten": 1},
}


def write_case(root: Path, *, locations=None, routes=None, closures=None, conflicts="default", total=None,
               camps=None, corrections=None, settings=None, days=6, layout=None, period=None) -> Path:
    """Write a Flee folder under `root` and return it. `total` and `camps` are
    {date offset: count}; `conflicts` is a list of CSV lines, None for no file, or
    'default' (every conflict zone of `locations` at 1 on every day)."""
    root = Path(root)
    inp, src = root / "input_csv", root / "source_data"
    inp.mkdir(parents=True, exist_ok=True)
    src.mkdir(parents=True, exist_ok=True)
    locations = LOCATIONS if locations is None else locations
    (inp / "locations.csv").write_text("\n".join(locations) + "\n")
    (inp / "routes.csv").write_text("\n".join(ROUTES if routes is None else routes) + "\n")
    (inp / "closures.csv").write_text("\n".join(["#closure_type,name1,name2,closure_start,closure_end"] + (closures or [])) + "\n")
    if conflicts == "default":
        zones = [line.split(",")[0] for line in locations[1:] if "conflict" in line]
        conflicts = ["#Day," + ",".join(zones)] + [f"{d}," + ",".join("1" for _ in zones) for d in range(days + 5)]
    if conflicts is not None:
        (inp / "conflicts.csv").write_text("\n".join(conflicts) + "\n")
    (inp / "sim_period.csv").write_text("\n".join(period or [f"StartDate,{START}", f"Length,{days}"]) + "\n")
    (inp / "registration_corrections.csv").write_text("\n".join(corrections or []) + "\n")
    total = {0: 0, 1: 10, 2: 30} if total is None else total
    camps = {"C": {0: 0}} if camps is None else camps
    _series(src / "refugees.csv", total)
    rows = ["total,refugees.csv"]
    for name, series in camps.items():
        _series(src / f"{name}.csv", series)
        rows.append(f"{name},{name}.csv")
    (src / "data_layout.csv").write_text("\n".join(layout or rows) + "\n")
    (root / "simsetting.yml").write_text(yaml.safe_dump(settings or SETTINGS, sort_keys=False))
    return root


def _series(path: Path, points: dict) -> None:
    lines = ["Date,Refugee_numbers"] + [f"{START + dt.timedelta(days=d)},{c}" for d, c in sorted(points.items())]
    path.write_text("\n".join(lines) + "\n")


def settings_with(**move_rules) -> dict:
    s = yaml.safe_load(yaml.safe_dump(SETTINGS))
    s["move_rules"].update(move_rules)
    return s
