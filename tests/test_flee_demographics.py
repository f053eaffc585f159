"""Flee 3.1's demographic rules (ChildrenAvoidHazards, BoysTakeRisk) and demographics_*.csv,
on a hand-made fork where each class of agent's choice can be worked out by hand.

The fork: conflict zone A (country X) links to town B (X, 50 km) and camp C (Y, 140 km).
Flee's route weight is (score / (10 + km))^weight_power; with weight_power 100 the larger
weight wins for certain (the other's chance is below 1e-9). Base scores: B 1, C camp_weight.

camp_weight 2: adult B 1/60 > C 2/150 → B; child (score²) C 4/150 > 1/60 → C;
               risk-taker (score 1) 1/60 > 1/150 → B.
camp_weight 3: adult C 3/150 > 1/60 → C; child C; risk-taker B.
Speed 1 km/day keeps everyone on the first link, whose end point is the choice.
"""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.errors import ScenarioError
from borderlab.flee.demographics import ADULT, CHILD, RISK_TAKER, AttributeSampler, classes
from borderlab.flee.engine import FleeSim
from borderlab.flee.runner import run_flee
from borderlab.flee.scenario_file import load_flee
from borderlab.flee.schema import Demographic
from flee_case import settings_with, write_case

FORK_LOCATIONS = [
    "#name,region,country,lat,lon,location_type,conflict_date,population",
    "A,ra,X,0.0,0.0,conflict_zone,0,1000",
    "B,rb,X,0.0,1.0,town,,",
    "C,rc,Y,0.0,2.0,camp,,100000",
]
FORK_ROUTES = ["#name1,name2,distance", "A,B,50", "A,C,140"]


def fork(tmp_path, *, camp_weight=2.0, age="age,Default\n10,1\n30,0\n", gender="gender,Default\nmale,1\nfemale,0\n",
         total=None, **rules):
    folder = write_case(tmp_path, locations=FORK_LOCATIONS, routes=FORK_ROUTES, total=total or {0: 0, 1: 40},
                        settings=settings_with(camp_weight=camp_weight, weight_power=100.0, max_move_speed=1.0, **rules),
                        days=3)
    if age is not None:
        (folder / "input_csv" / "demographics_age.csv").write_text(age)
    if gender is not None:
        (folder / "input_csv" / "demographics_gender.csv").write_text(gender)
    return folder


def destinations(folder, seed=0, **overrides):
    """Where each agent is heading at the end of day 1 (all spawn at A on day 1)."""
    loaded = load_flee(folder, overrides={f"move_rules.{k}": v for k, v in overrides.items()})
    sim = FleeSim(loaded.scenario, seed=seed, days=2, locate=loaded.locate)
    sim.run()
    a, net = sim.agents, sim.net
    assert a.n == 40 and (a.link[: a.n] >= 0).all()
    dest = net.link_dst[a.link[: a.n]]
    return {name: int((dest == net.index[name]).sum()) for name in ("B", "C")}


def test_classes_follow_flee_age_and_gender_thresholds():
    """getEndPointScore: age < 19 is a child; with BoysTakeRisk a male over 14 takes risks."""
    age = np.array([0, 14, 15, 18, 19, 40, 14, 15, 18, 19])
    male = np.array([True] * 6 + [False] * 4)
    assert classes(age, None).tolist() == [CHILD] * 4 + [ADULT] * 2 + [CHILD] * 3 + [ADULT]
    assert classes(age, male).tolist() == [CHILD, CHILD, RISK_TAKER, RISK_TAKER, RISK_TAKER, RISK_TAKER,
                                           CHILD, CHILD, CHILD, ADULT]


def test_rules_off_every_agent_takes_the_adult_choice(tmp_path):
    assert destinations(fork(tmp_path)) == {"B": 40, "C": 0}


def test_children_see_squared_scores(tmp_path):
    """Ages all 10: the camp's score 2 becomes 4, enough to outweigh its distance."""
    assert destinations(fork(tmp_path), ChildrenAvoidHazards=True) == {"B": 0, "C": 40}


def test_adults_are_unaffected_by_the_children_rule(tmp_path):
    folder = fork(tmp_path, age="age,Default\n10,0\n30,1\n")
    assert destinations(folder, ChildrenAvoidHazards=True) == {"B": 40, "C": 0}


def test_boys_over_14_ignore_safety(tmp_path):
    """Males aged 30 with camp_weight 3: adults pick the camp, risk-takers the near town."""
    folder = fork(tmp_path, camp_weight=3.0, age="age,Default\n30,1\n")
    assert destinations(folder, ChildrenAvoidHazards=True) == {"B": 0, "C": 40}
    assert destinations(folder, ChildrenAvoidHazards=True, BoysTakeRisk=True) == {"B": 40, "C": 0}


def test_boys_take_risk_needs_children_avoid_hazards(tmp_path):
    """Flee 3.1 nests BoysTakeRisk inside ChildrenAvoidHazards: alone it changes nothing."""
    folder = fork(tmp_path, camp_weight=3.0, age="age,Default\n30,1\n")
    assert destinations(folder, BoysTakeRisk=True) == {"B": 0, "C": 40}
    warnings = load_flee(folder, overrides={"move_rules.BoysTakeRisk": True}).warnings
    assert any("BoysTakeRisk has no effect without ChildrenAvoidHazards" in w for w in warnings)


def test_a_location_column_overrides_default(tmp_path):
    """Agents spawned at A draw from column A (all children), not Default (all adults)."""
    folder = fork(tmp_path, age="age,Default,A\n10,0,1\n30,1,0\n")
    assert destinations(folder, ChildrenAvoidHazards=True) == {"B": 0, "C": 40}


def test_weights_set_the_share_of_children(tmp_path):
    """Ages 10 : 30 weighted 1 : 3 (empty cells count 0): 400 agents, a quarter children;
    the count stays within 4 binomial standard deviations (√(400·¼·¾) ≈ 8.7) of 100."""
    folder = fork(tmp_path, age="age,Default\n10,1\n30,3\n50,\n", total={0: 0, 1: 400})
    loaded = load_flee(folder, overrides={"move_rules.ChildrenAvoidHazards": True})
    sim = FleeSim(loaded.scenario, seed=7, days=2, locate=loaded.locate).run()
    dest = sim.net.link_dst[sim.agents.link[: sim.agents.n]]
    to_camp = int((dest == sim.net.index["C"]).sum())
    assert abs(to_camp - 100) <= 35
    assert to_camp == int((sim.agents.demo[: sim.agents.n] == CHILD).sum())


def test_sampler_inverse_cdf_by_hand():
    d = Demographic(attribute="age", values=["1", "2", "3"], weights={"Default": [1.0, 0.0, 3.0], "Q": [0.0, 2.0, 0.0]})
    s = AttributeSampler.build(d, ["P", "Q"])
    locs = np.array([0, 0, 0, 1, 1])
    assert s.draw(locs, np.array([0.0, 0.2499, 0.25, 0.0, 0.999])).tolist() == [0, 0, 2, 1, 1]


def test_rule_on_does_not_change_other_draws(tmp_path):
    """All adults: the same run, agent for agent, with the rule on or off (own random stream)."""
    folder = fork(tmp_path, camp_weight=2.5, age="age,Default\n30,1\n", total={0: 0, 1: 40})
    off = run_flee(folder, seed=3, days=3)
    on = run_flee(folder, seed=3, days=3, overrides={"move_rules.ChildrenAvoidHazards": True})
    assert np.array_equal(off.sim.agents.link[:40], on.sim.agents.link[:40])
    assert np.array_equal(off.sim.agents.on_link[:40], on.sim.agents.on_link[:40])


def test_day0_camp_agents_draw_from_the_camp_column(tmp_path):
    """insert_day0 agents appear at the camp and draw from its column (Flee's add_initial_refugees)."""
    folder = fork(tmp_path, age="age,Default,C\n10,0,1\n30,1,0\n")
    (folder / "source_data" / "C.csv").write_text("Date,n\n2020-01-01,5\n")
    loaded = load_flee(folder, overrides={"move_rules.ChildrenAvoidHazards": True})
    sim = FleeSim(loaded.scenario, seed=0, days=1, locate=loaded.locate)
    assert sim.agents.n == 5 and (sim.agents.demo[:5] == CHILD).all()


def test_converted_yaml_keeps_demographics(tmp_path):
    from borderlab.flee.convert import convert_folder
    folder = fork(tmp_path / "f")
    out = tmp_path / "case.yaml"
    convert_folder(folder, out)
    loaded = load_flee(out, overrides={"move_rules.ChildrenAvoidHazards": True})
    assert [d.attribute for d in loaded.scenario.demographics] == ["age", "gender"]
    assert destinations(out, ChildrenAvoidHazards=True) == {"B": 0, "C": 40}


# -- what Flee 3.1 would stop on: refused before the run, with file and line -----------------
def problems_of(folder, **overrides) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_flee(folder, overrides={f"move_rules.{k}": v for k, v in overrides.items()})
    return str(exc.value)


def test_rule_without_age_file_is_refused(tmp_path):
    msg = problems_of(fork(tmp_path, age=None), ChildrenAvoidHazards=True)
    assert "simsetting.yml" in msg and "no input_csv/demographics_age.csv" in msg and "KeyError" in msg


def test_boys_rule_without_gender_file_is_refused(tmp_path):
    msg = problems_of(fork(tmp_path, gender=None), ChildrenAvoidHazards=True, BoysTakeRisk=True)
    assert "demographics_gender.csv" in msg and "KeyError ('gender')" in msg


def test_non_numeric_age_is_refused_only_when_the_rule_reads_it(tmp_path):
    folder = fork(tmp_path, age="age,Default\n0-4,1\n5-9,1\n")
    load_flee(folder)  # Flee draws the text and never compares it
    msg = problems_of(folder, ChildrenAvoidHazards=True)
    assert "demographics_age.csv:1" in msg and "'0-4' is not a number" in msg


@pytest.mark.parametrize("text, expected", [
    ("years,Default\n10,1\n", "demographics_age.csv:1: the first column is named 'years'"),
    ("age\n10\n", "demographics_age.csv:1: weight columns must have distinct"),
    ("age,Default\n10,-1\n", "demographics_age.csv:2: weight '-1' in column 'Default'"),
    ("age,Default\n10,x\n", "demographics_age.csv:2: weight 'x'"),
    ("age,Default\n10,1,5\n", "demographics_age.csv:2: 3 values but the header names 2 columns"),
    ("age,Default\n10,0\n", "column 'Default' (used at 'A') sum to 0"),
    ("age,B\n10,1\n", "no 'Default' column and none for 'A'"),
])
def test_broken_demographics_files_name_file_and_line(tmp_path, text, expected):
    msg = problems_of(fork(tmp_path, age=text))
    assert expected in msg


def test_tolerated_like_flee(tmp_path):
    """Trailing commas, blank lines and a column naming no location (warned, ignored)."""
    folder = fork(tmp_path, age="age,Default,Nowhere,\n\n10,1,1,\n30,0,0,\n")
    loaded = load_flee(folder, overrides={"move_rules.ChildrenAvoidHazards": True})
    assert any("column 'Nowhere' is not a location" in w for w in loaded.warnings)
    assert destinations(folder, ChildrenAvoidHazards=True) == {"B": 0, "C": 40}


def test_rule_without_a_camp_is_refused(tmp_path):
    """Flee 3.1 reads the files in add_initial_refugees, called once per camp."""
    folder = fork(tmp_path)
    locations = FORK_LOCATIONS[:3] + ["C,rc,Y,0.0,2.0,town,,"]
    (folder / "input_csv" / "locations.csv").write_text("\n".join(locations) + "\n")
    (folder / "source_data" / "data_layout.csv").write_text("total,refugees.csv\n")
    load_flee(folder)
    assert "ChildrenAvoidHazards without a camp" in problems_of(folder, ChildrenAvoidHazards=True)


def test_the_shared_mali_folder_demographics_are_read():
    from flee_case import SHARED_FLEE
    sc = load_flee(SHARED_FLEE / "mali2012").scenario
    by_name = {d.attribute: d for d in sc.demographics}
    assert sorted(by_name) == ["age", "ethnicity", "gender"]
    assert by_name["gender"].values == ["male", "female"] and by_name["gender"].weights == {"Default": [0.995, 1.005]}
    assert by_name["age"].values[:2] == ["0", "1"] and by_name["age"].weights["Default"][:2] == [3.0, 3.0]
