"""Flee movement rules on hand-made folders whose outcomes can be worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from borderlab.flee.kernels import capacity_multiplier
from borderlab.flee.network import build_network, route_choices
from borderlab.flee.runner import run_flee
from borderlab.flee.scenario_file import load_flee
from borderlab.flee.spawning import conflict_decay, data_driven_plan, spawn_weights
from flee_case import LOCATIONS, ROUTES, settings_with, write_case


def counts(run, name):
    return run.sim.loc_counts[:, run.sim.net.index[name]].tolist()


def test_line_case_by_hand(tmp_path):
    """Speed 120 km/day: A→B (100 km) is reached on the spawn day with 100 km covered,
    the agent sets off again at once (evolveMore), gets 120 km credit on B→C (150 km) and
    arrives at C the next day. Nobody goes back to A (conflict_weight 0)."""
    run = run_flee(write_case(tmp_path), seed=4)
    assert run.sim.new_agents.tolist() == [0, 10, 20, 0, 0, 0]      # UNHCR total 0, 10, 30 → daily increases
    assert run.sim.n_agents.tolist() == [0, 10, 30, 30, 30, 30]
    assert counts(run, "C") == [0, 0, 10, 30, 30, 30]
    assert run.sim.n_travelling.tolist() == [0, 10, 20, 0, 0, 0]
    assert counts(run, "A") == [0] * 6 and counts(run, "B") == [0] * 6
    # Flee's total error: Σ|sim − data| / UNHCR total; data for C is 0
    assert run.total_error.tolist() == pytest.approx([0, 0, 10 / 30, 1, 1, 1])
    assert run.ard == pytest.approx((10 / 30 + 3) / 6)
    assert run.agent_days == 0 + 10 + 30 * 4


def test_faster_vehicles_arrive_the_same_day(tmp_path):
    run = run_flee(write_case(tmp_path, settings=settings_with(max_move_speed=200.0)), seed=0)
    # 200 > 100: at B with 100 km covered; 200 km credit on B→C (150) → at C the same day
    assert counts(run, "C") == [0, 10, 30, 30, 30, 30]


def test_start_on_foot_walks_the_first_link(tmp_path):
    run = run_flee(write_case(tmp_path, settings=settings_with(start_on_foot=True)), seed=0)
    # day 1: 35, day 2: 70, day 3: 105 > 100 → at B having walked 30 km today (< 35): sets
    # off by vehicle with 120 km credit on B→C; day 4: 240 > 150 → at C
    assert counts(run, "C") == [0, 0, 0, 0, 10, 30]


def test_border_closure_and_reopening(tmp_path):
    """X–Y closed on days 0–2: from B the only open link leads back to A (weight 0, so
    Flee's equal weighting applies); the border reopens at the start of day 3."""
    run = run_flee(write_case(tmp_path, closures=["country,X,Y,0,3"]), seed=1)
    assert counts(run, "C") == [0, 0, 0, 0, 30, 30]
    assert counts(run, "A")[:3] == [0, 10, 30]      # bounced back A→B→A within the day


def test_travellers_on_a_link_that_closes_go_back(tmp_path):
    run = run_flee(write_case(tmp_path, closures=["country,X,Y,2,-1"]), seed=1)
    assert counts(run, "C") == [0] * 6
    assert counts(run, "B")[2] == 10   # the 10 on B→C when it closed are returned to B
    assert counts(run, "A")[2] == 20   # day-2 spawns reach B, find only the way back to A


def test_location_and_link_closures(tmp_path):
    run = run_flee(write_case(tmp_path, closures=["location,C,,0,-1"]), seed=1)
    assert counts(run, "C") == [0] * 6
    run = run_flee(write_case(tmp_path / "b", closures=["link,C,B,0,-1"]), seed=1)   # both directions
    assert counts(run, "C") == [0] * 6


def test_camp_capacity_buffer(tmp_path):
    """Two camps 150 km from B; C1 holds 100 with buffer 0.5. Weights fall linearly from
    50 to 100 occupants, and nobody sets off to a camp whose multiplier is below 0.5
    (77 occupants and more), so C1 stops at 76 while the rest go to C2 or wait at B."""
    locs = LOCATIONS[:3] + ["C1,r,Y,0,2,camp,,100", "C2,r,Y,0,3,camp,,100000"]
    routes = ["#h", "A,B,100", "B,C1,150", "B,C2,150"]
    case = write_case(tmp_path, locations=locs, routes=routes, total={0: 0, 1: 300},
                      camps={"C1": {0: 0}, "C2": {0: 0}}, settings=settings_with(max_move_speed=200.0, capacity_buffer=0.5),
                      days=2)
    run = run_flee(case, seed=2)
    c1, c2, b = counts(run, "C1")[1], counts(run, "C2")[1], counts(run, "B")[1]
    assert c1 == 76
    assert c1 + c2 + b == 300 and c2 > 76


def test_capacity_multiplier_values():
    assert capacity_multiplier(10, -1.0, 0.9) == 1.0        # no capacity
    assert capacity_multiplier(90, 100.0, 0.9) == 1.0
    assert capacity_multiplier(95, 100.0, 0.9) == pytest.approx(0.5)
    assert capacity_multiplier(100, 100.0, 0.9) == 0.0
    assert capacity_multiplier(150, 100.0, 0.9) == 0.0


def test_conflict_onset_from_conflicts_csv(tmp_path):
    """Z becomes a conflict zone on day 3 (conflicts.csv); nobody moves (move chance 0),
    so the spawns stay where they appear: all in A before day 3, in A and Z after."""
    locs = LOCATIONS + ["Z,r,X,0,3,conflict_zone,3,3000"]
    conflicts = ["#Day,A,Z"] + [f"{d},1,{1 if d >= 3 else 0}" for d in range(10)]
    case = write_case(tmp_path, locations=locs, routes=ROUTES + ["Z,B,10"], conflicts=conflicts,
                      total={0: 0, 6: 6000}, settings=settings_with(conflict_movechance=0.0), days=6)
    run = run_flee(case, seed=3)
    z, a = counts(run, "Z"), counts(run, "A")
    assert z[:3] == [0, 0, 0] and a[:3] == [0, 1000, 2000]
    assert z[3] > 0 and z[5] > z[3]
    assert a[5] + z[5] == 5000
    # population-weighted: Z (3000) gets about three quarters of days 3–5 spawns
    assert 0.65 < z[5] / 3000 < 0.85


def test_conflict_date_without_conflicts_csv(tmp_path):
    locs = LOCATIONS + ["Z,r,X,0,3,conflict_zone,3,3000"]
    case = write_case(tmp_path, locations=locs, routes=ROUTES + ["Z,B,10"], conflicts=None,
                      total={0: 0, 6: 6000}, settings=settings_with(conflict_movechance=0.0), days=6)
    run = run_flee(case, seed=3)
    assert counts(run, "Z")[:3] == [0, 0, 0] and counts(run, "Z")[3] > 0
    assert any("conflicts.csv" in w and "conflict_date" in w for w in run.warnings)


def test_camp_closure_makes_a_town(tmp_path):
    """A closed camp is a town: default move chance (1 here) instead of the camp's 0, so
    agents arriving with distance to spare (30 of 120 km) leave again the same day."""
    run = run_flee(write_case(tmp_path, closures=["camp,C,,0,-1"]), seed=0)
    sim = run.sim
    i = sim.net.index["C"]
    assert not sim.is_camp[i] and sim.is_town[i] and sim.movechance[i] == 1.0
    assert counts(run, "C") == [0] * 6
    assert run.camp_names == ["C"]      # still reported: Flee lists the camps of day 0


def test_camps_as_sinks_deactivate_agents(tmp_path):
    """Camp move chance 1 and speed 200: without sinks, agents in C go to B and straight
    back every day (2 stops each); with deactivation_probability 1 they stop for good but
    stay in C's count, as in Flee."""
    locs = LOCATIONS[:3] + ["C,rc,Y,0.0,2.0,camp,,1000,1.0"]
    locs[0] = locs[0] + ',"deactivation_probability"'
    s = settings_with(max_move_speed=200.0, camp_movechance=1.0)
    s["spawn_rules"]["camps_are_sicks"] = True            # Flee 3.1's spelling
    run = run_flee(write_case(tmp_path, locations=locs, settings=s), seed=0)
    assert counts(run, "C") == [0, 10, 30, 30, 30, 30]
    assert run.sim.n_deactivated.tolist() == [0, 10, 30, 30, 30, 30]
    assert run.sim.stops.tolist()[3:] == [0, 0, 0]
    s["spawn_rules"]["camps_are_sicks"] = False
    run = run_flee(write_case(tmp_path / "b", locations=locs, settings=s), seed=0)
    assert counts(run, "C") == [0, 10, 30, 30, 30, 30]
    assert run.sim.stops.tolist()[3:] == [60, 60, 60]


def test_agents_are_conserved_every_day(tmp_path):
    case = write_case(tmp_path, total={0: 0, 1: 500, 3: 2000, 4: 1800, 5: 2600},
                      settings=settings_with(conflict_weight=0.5, default_movechance=0.3), closures=["country,X,Y,2,4"])
    run = run_flee(case, seed=9)
    sim = run.sim
    assert np.array_equal(sim.loc_counts.sum(axis=1) + sim.n_travelling, sim.n_agents)
    # the fall of 200 on day 4 is a debt paid from day 5's rise (Flee's refugee_debt)
    assert sim.new_agents.tolist() == [0, 500, 750, 750, 0, 600]
    assert sim.plan.debt.tolist() == [0, 0, 0, 0, 200, 0]


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    case = write_case(tmp_path, total={0: 0, 1: 1000, 2: 3000}, settings=settings_with(conflict_weight=0.5))
    a, b, c = run_flee(case, seed=5), run_flee(case, seed=5), run_flee(case, seed=6)
    assert a.out_csv_rows() == b.out_csv_rows()
    assert np.array_equal(a.sim.loc_counts, b.sim.loc_counts)
    assert not np.array_equal(a.sim.loc_counts, c.sim.loc_counts)


def test_hasten_scales_populations_capacities_and_data(tmp_path):
    s = settings_with()
    s["optimisations"]["hasten"] = 10
    case = write_case(tmp_path, settings=s, total={0: 0, 1: 105, 2: 305}, camps={"C": {0: 57}})
    loaded = load_flee(case)
    net = build_network(loaded.scenario)
    assert net.population[net.index["A"]] == 100 and net.capacity[net.index["C"]] == 100.0
    run = run_flee(case, seed=0)
    assert run.data_camp[:, 0].tolist() == [5] * 6          # int(57 / 10)
    assert run.raw_total.tolist()[:3] == [0, 10, 30]          # int(10.5), int(30.5)
    assert counts(run, "C")[0] == 5                            # insert_day0 puts the day-0 data in the camp


def test_route_choices_follow_flee_enumeration():
    """Awareness 2 from A: B (1 link), then C and M→D via marker M (markers are never
    destinations and do not count towards the depth); no path returns to A."""
    from borderlab.flee.schema import FleeScenario
    locs = [{"name": n, "type": t} for n, t in (("A", "conflict_zone"), ("B", "town"), ("C", "camp"), ("M", "marker"), ("D", "camp"))]
    for loc in locs:
        loc["conflict_date"] = 0 if loc["type"] == "conflict_zone" else None
    sc = FleeScenario.model_validate({
        "name": "t", "start_date": "2020-01-01", "days": 1, "locations": locs,
        "routes": [{"name1": "A", "name2": "B", "distance": 10}, {"name1": "B", "name2": "C", "distance": 20},
                   {"name1": "B", "name2": "M", "distance": 5}, {"name1": "M", "name2": "D", "distance": 7}],
        "validation": {"series": [{"name": n, "sources": [{"points": [["2020-01-01", 0]]}]} for n in ("total", "C", "D")]}})
    net = build_network(sc)
    marker = np.array([False, False, False, True, False])
    ch = route_choices(net, np.ones(net.n_links, bool), marker, awareness=2, softening=10.0, distance_power=1.0)
    a = net.index["A"]
    got = []
    for c in range(ch.ptr[a], ch.ptr[a + 1]):
        path = [net.names[k] for k in ch.path[ch.path_ptr[c]:ch.path_ptr[c + 1]]]
        got.append((net.names[ch.dest[c]], path, ch.denom[c]))
    assert sorted(got) == [("B", ["B"], 20.0), ("C", ["B", "C"], 40.0), ("D", ["B", "M", "D"], 32.0)]
    ch1 = route_choices(net, np.ones(net.n_links, bool), marker, awareness=1, softening=10.0, distance_power=1.0)
    b = net.index["B"]
    dests = sorted(net.names[ch1.dest[c]] for c in range(ch1.ptr[b], ch1.ptr[b + 1]))
    assert dests == ["A", "C", "D"]      # through the marker to D, not to M itself


def test_spawn_weights_and_decay():
    decay = [1.0, 1.0, 1.0, 0.5, 0.1]
    assert conflict_decay(decay, np.array([0, 89, 90, 119, 120, 1000])).tolist() == [1, 1, 0.5, 0.5, 0.1, 0.1]
    assert conflict_decay(None, np.array([500])).tolist() == [1.0]
    w = spawn_weights(np.array([100, 200, 300]), np.array([1.0, -1.0, 0.5]), np.array([0, 0, 0]), 95, decay)
    assert w.tolist() == [50.0, 0.0, 75.0]


def test_data_driven_plan_with_debt():
    plan = data_driven_plan(np.array([100, 5, -20, 8, 30]), insert_day0=True)
    assert plan.new.tolist() == [0, 5, 0, 0, 18]       # day 0 goes to camps; −20 owed, 8 − 20 < 0 owed again, 30 − 12
    assert plan.debt.tolist() == [0, 0, 20, 12, 0]
    assert plan.raw_total.tolist() == [100, 105, 85, 93, 123]


def test_routes_through_a_marker_are_followed(tmp_path):
    """A — M(arker) — C: the only route from A is [M, C] (markers are never destinations).
    At 50 km/day: progress 50, 100 (arrival needs more than 100), 150 → at M on day 3,
    where Flee counts 50 − (150 − 100) = 0 km as today's travel, less than 50, so the
    stored route goes on at once with 50 km credit on M→C; then 100, 150, 200 → at C on
    day 6."""
    locs = LOCATIONS[:2] + ["M,rm,X,0.0,1.0,marker,,"] + LOCATIONS[3:]
    case = write_case(tmp_path, locations=locs, routes=["#h", "A,M,100", "M,C,150"], total={0: 0, 1: 10},
                      settings=settings_with(max_move_speed=50.0), days=8)
    run = run_flee(case, seed=0)
    assert counts(run, "C") == [0, 0, 0, 0, 0, 0, 10, 10]
    assert counts(run, "M") == [0] * 8        # never rests there: it always has distance to spare


def test_awareness_two_reaches_the_same_camp(tmp_path):
    """With awareness 2 an agent at A may aim at B or straight at C (via B); either way it
    is at C on day 2 (speed 120), as with awareness 1."""
    case = write_case(tmp_path, settings=settings_with(awareness_level=2))
    run = run_flee(case, seed=8)
    assert counts(run, "C") == [0, 0, 10, 30, 30, 30]
    assert run.sim.choices.max_len == 2


def test_agents_csv_adds_day0_agents(tmp_path):
    s = settings_with(max_move_speed=200.0)
    s["spawn_rules"]["read_from_agents_csv_file"] = True
    case = write_case(tmp_path, settings=s)
    (case / "input_csv" / "agents.csv").write_text("location,gender\nB,f\nB,m\nA,f\n")
    run = run_flee(case, seed=0)
    assert run.sim.n_agents[0] == 3
    # day 0: B→C (150 km) within 200 km; from A, B is reached with 100 km covered and
    # B→C gets a full day's 200 km credit, so all three are in C that evening
    assert counts(run, "C")[0] == 3
