"""The compiled day (issue #12): each phase compiled into one kernel must give exactly the
run its former NumPy version gave — same random draws in the same roles, same outcomes.

The former versions live in tests/numpy_phases.py. A run with one phase put back to NumPy
is compared with the all-compiled run: every result series, every person's columns and
the daily status counts and flows must be equal (not close: equal). Small hand-made cases
check what each kernel does on its own.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import numpy_phases
from borderlab.engine.kernels import hashed_uniform_one, numpy_sum
from borderlab.engine.status import N_STATUS, Status
from borderlab.models.border import SEGMENT_FLOWS, resolve_crossings
from borderlab.models.health import smallest_first
from borderlab.models.orchestrator import form_groups
from borderlab.models.transit import dispatch_people
from conftest import BELARUS, STOCHASTIC, TOY, TOY_PATH, build, load_yaml_data, need_belarus, write_yaml

# belarus-eu-2021 through the siege, adaptive and mass phases (Kuźnica, 8 Nov), with the
# contested trained groups switched on so that their detection multiplier is used too
BELARUS_SHORT = ["end=2021-11-20", "orchestrator.trained_groups.enabled=true",
                 "orchestrator.trained_groups.share=0.05"]
# Kuźnica admitting 3 asylum seekers a day until it closed on 9 Nov (the scenario admits none)
CASES = {"belarus": (BELARUS, BELARUS_SHORT + ["segments.PL-kuznica.crossing_point.intake_per_day=3"]),
         "toy-stochastic": (TOY, STOCHASTIC)}
REFERENCE = {  # test name → the phases put back to NumPy together
    "orchestrator.launch": [("orchestrator.launch", "orchestrator", numpy_phases.launch)],
    "border.resolve": [("border.resolve", "border", numpy_phases.resolve)],
    "transit.dispatch": [("transit.dispatch", "transit", numpy_phases.dispatch)],
    "health.shelter": [("health.shelter", "health", numpy_phases.shelter)],
    "health.exposure": [("health.exposure", "health", numpy_phases.expose)],
    "reception.release": [("reception.release", "reception", numpy_phases.release)],
    "onward.inland": [("onward.inland", "onward", numpy_phases.inland_step)],
    "movement.advance": [("movement.advance", "movement", numpy_phases.advance),
                         ("transit.arrivals", "transit", numpy_phases.on_arrivals)],
    "returns.voluntary": [("returns.voluntary", "returns", numpy_phases.voluntary)],
    "orchestrator.coerce": [("orchestrator.coerce", "orchestrator", numpy_phases.coerce)],
    "health.discharge": [("health.discharge", "health", numpy_phases.discharge)],
    "border.checkpoint": [("border.checkpoint", "border", numpy_phases.checkpoint)],
    "supply.arrive": [("supply.arrive", "supply", numpy_phases.arrive)],
    "defenders.deploy": [("defenders.deploy", "defenders", numpy_phases.deploy)],
    "defenders.fatigue": [("defenders.fatigue", "defenders", numpy_phases.update_fatigue)],
    "orchestrator.learn": [("orchestrator.learn", "orchestrator", numpy_phases.learn)],
    "stocks.record": [("stocks.record", "stocks", numpy_phases.record)],
}


def run(case: str, numpy_phase: str | None = None, scenario=None):
    scenario, overrides = (scenario, STOCHASTIC) if scenario is not None else CASES[case]
    if scenario == BELARUS:
        need_belarus()
    sim, _ = build(scenario, overrides, seed=7)
    for phase, module, step in REFERENCE.get(numpy_phase, []):
        k = [name for name, _ in sim.loop].index(phase)
        sim.loop[k] = (phase, functools.partial(step, sim.module(module)))
    sim.run()
    return sim


@functools.lru_cache(maxsize=None)
def compiled_run(case: str):
    return run(case)


def assert_same_run(a, b):
    assert a.pop.n == b.pop.n
    np.testing.assert_array_equal(a.status_counts, b.status_counts)
    np.testing.assert_array_equal(a.flow_log, b.flow_log)
    for name in a.pop.columns:
        np.testing.assert_array_equal(a.pop.column(name), b.pop.column(name), err_msg=name)
    for name, metric in a.results.metrics.items():
        np.testing.assert_array_equal(metric.data, b.results.metrics[name].data, err_msg=name)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("phase", sorted(REFERENCE))
def test_compiled_phase_gives_the_numpy_run(case, phase):
    compiled = compiled_run(case)
    assert compiled.results.series("new_groups").sum() > 0  # the case exercises the border
    if case == "belarus":
        assert compiled.results.series("new_asylum_at_checkpoint").sum() > 0
    assert_same_run(compiled, run(case, phase))


# -- orchestrator.launch: form_groups -------------------------------------------------------------
def groups_of(status, node, zone_n_segments, seg_zone, lo, hi, intensity=1.0, weights=None, trained=None):
    n = status.size
    seg_by_zone = np.argsort(seg_zone, kind="stable")
    zone_seg_start = np.concatenate([[0], np.cumsum(zone_n_segments)[:-1]])
    w = np.ones(seg_zone.size) if weights is None else weights
    group, segment, attempts = np.full(n, -1, np.int32), np.full(n, -1, np.int16), np.zeros(n, np.int16)
    trained = np.zeros(n, bool) if trained is None else trained
    out = form_groups(status, np.zeros(n, np.int32), node, np.int32(0), np.int8(Status.ZONE), intensity, lo, hi,
                      np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4), zone_n_segments, zone_seg_start,
                      seg_zone, seg_by_zone, w, group, segment, attempts, trained, np.int64(10), True, 0.5,
                      np.arange(n))
    return out, group, segment, attempts


def test_form_groups_cuts_each_zone_into_groups_of_the_drawn_size():
    """Zone node 1 has 7 people and segments 0, 1; zone node 2 has 2 people and segment 2;
    node 0 has a person but no segment; one person is in transit. With sizes fixed at 3,
    zone 1 gives groups of 3, 3, 1 and zone 2 one group of 2."""
    status = np.array([Status.ZONE] * 10 + [Status.TRANSIT], dtype=np.int8)
    node = np.array([1, 2, 1, 1, 0, 1, 1, 2, 1, 1, 1], dtype=np.int32)
    zone_n_segments = np.array([0, 2, 1])
    seg_zone = np.array([1, 1, 2], dtype=np.int32)
    trained = np.zeros(11, bool)
    trained[7] = True
    (uids, group_of, group_seg, size, lead, detect_mult), group, segment, attempts = groups_of(
        status, node, zone_n_segments, seg_zone, 3, 3, trained=trained)
    assert sorted(uids.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8, 9]  # not 4 (no segment), not 10
    assert size.tolist() == [3, 3, 1, 2]
    assert group_of.tolist() == [0, 0, 0, 1, 1, 1, 2, 3, 3]
    assert node[uids].tolist() == [1] * 7 + [2] * 2  # by zone
    assert set(group_seg[:3].tolist()) <= {0, 1} and group_seg[3] == 2
    assert lead.tolist() == uids[[0, 3, 6, 7]].tolist()
    assert detect_mult.tolist() == [1.0, 1.0, 1.0, 0.5]  # person 7 (trained) is in zone 2's group
    assert (group[uids] == 10 + group_of).all() and (segment[uids] == group_seg[group_of]).all()
    assert attempts.sum() == 9 and group[4] == -1 and group[10] == -1


def test_form_groups_sends_nobody_with_zero_intensity_and_follows_segment_weights():
    status = np.full(6, Status.ZONE, dtype=np.int8)
    node = np.zeros(6, dtype=np.int32)
    (uids, *_), *_ = groups_of(status, node, np.array([3]), np.zeros(3, np.int32), 2, 2, intensity=0.0)
    assert uids.size == 0
    (uids, _, group_seg, size, *_), *_ = groups_of(status, node, np.array([3]), np.zeros(3, np.int32), 2, 2,
                                                   weights=np.array([0.0, 1.0, 0.0]))
    assert size.tolist() == [2, 2, 2] and group_seg.tolist() == [1, 1, 1]


# -- border.resolve: resolve_crossings -----------------------------------------------------------
def crossing(n_people, group_size, *, k_det, capacity, stop_per_guard, pushback, places, hold=0.0,
             passability=1.0, violence=0.0):
    """One segment (country 0) facing groups of `group_size`; people in the zone at node 5,
    the segment's interior node is 9."""
    group_of = np.arange(n_people) // group_size
    ng = group_of[-1] + 1
    size = np.bincount(group_of).astype(np.int64)
    uids = np.arange(n_people, dtype=np.int64)
    status = np.full(n_people, Status.ZONE, dtype=np.int8)
    country, node = np.full(n_people, -1, np.int8), np.full(n_people, 5, np.int32)
    ti_next, flows = np.zeros(n_people, np.int32), np.zeros((N_STATUS, N_STATUS), np.int64)
    n_detained = np.zeros(1, np.int64)
    one = np.ones(1)
    flow_data = np.zeros((len(SEGMENT_FLOWS), 5))  # day 3's column receives the rows of the one segment
    back, crossed, outcome, tried, got_across, incidents = resolve_crossings(
        uids, group_of, np.zeros(ng, np.int64), size, uids[np.searchsorted(group_of, np.arange(ng))], np.ones(ng),
        0.0, violence, 3, np.arange(1, 9, dtype=np.uint64), np.array([77], np.int64), np.zeros(1, np.int64),
        one, one, np.array([passability]), np.array([9], np.int32), one, np.zeros(1), np.array([hold]),
        np.array([k_det]), np.array([10.0]), np.zeros(1), np.zeros(1), np.array([capacity]),
        np.array([stop_per_guard]), np.array([pushback]), one, np.array([2.0]), np.array([3.0]),
        np.array([places], np.int64), n_detained, np.array([1.0]), 1.0,
        status, country, node, ti_next, np.zeros(n_people, bool), flows, np.int8(Status.DETAINED),
        np.int8(Status.INTERIOR), flow_data, np.arange(len(SEGMENT_FLOWS)))
    assert not flow_data[:, [0, 1, 2, 4]].any()
    assert sorted(crossed.tolist()) == uids[status == Status.INTERIOR].tolist()
    rows = {name: flow_data[i, 3] for i, name in enumerate(SEGMENT_FLOWS)}
    assert tried[0] == rows["new_attempts_all"] == n_people
    assert got_across[0] == rows["new_undetected"] + rows["new_unstopped"] + rows["new_released"]
    return back, outcome, rows, incidents, status, country, node, ti_next, flows, n_detained


def test_unanswered_groups_cross_in_sight():
    """Everyone is seen (huge detection rate) and no one can answer (capacity 0): with no
    barrier all 12 people in 2 groups get across, seen but not stopped."""
    back, outcome, rows, incidents, status, country, node, ti_next, flows, _ = crossing(
        12, 6, k_det=1e9, capacity=0.0, stop_per_guard=1.0, pushback=1.0, places=0)
    assert back.size == 0
    assert (rows["new_groups"], rows["new_incidents"], rows["new_unanswered"]) == (2, 2, 2)
    assert (rows["new_attempts_all"], rows["new_unstopped"], rows["new_attempts"]) == (12, 12, 0)
    assert incidents[0] == 2
    assert (status == Status.INTERIOR).all() and (country == 0).all() and (node == 9).all()
    assert (ti_next == 4).all()  # interior_days mean 1: on tomorrow
    assert flows[Status.ZONE, Status.INTERIOR] == 12 and flows.sum() == 12


def test_answered_groups_are_pushed_back_or_detained_in_order_then_released():
    """Seen, answered (capacity 5 ≥ 2 groups) and all stopped (10 guards × 1 per 6 people).
    With pushbacks everyone is back in the zone; without, detention takes the first 4 in
    order and, pushbacks not allowed, the other 8 are released inland."""
    back, outcome, rows, *_ = crossing(12, 6, k_det=1e9, capacity=5.0, stop_per_guard=1.0, pushback=1.0, places=4)
    assert back.tolist() == list(range(12))
    assert (rows["new_pushbacks"], rows["new_turnbacks"], rows["new_attempts"]) == (12, 12, 12)
    assert rows["new_unanswered"] == 0 and rows["new_detentions"] == 0
    back, outcome, rows, incidents, status, country, node, ti_next, flows, n_detained = crossing(
        12, 6, k_det=1e9, capacity=5.0, stop_per_guard=1.0, pushback=0.0, places=4, violence=1.0)
    assert back.size == 0
    assert status[:4].tolist() == [Status.DETAINED] * 4 and (status[4:] == Status.INTERIOR).all()
    assert n_detained[0] == 4 and (ti_next[:4] == 4).all()  # detention_days 1: out tomorrow
    assert (rows["new_detentions"], rows["new_released"], rows["new_attempts"]) == (4, 8, 12)
    # both answered groups were violent: 2 injuries each, and each weighs 3 incidents
    assert (rows["new_violent_incidents"], rows["new_defender_injuries"]) == (2, 4)
    assert incidents[0] == 2 + 2 * (3.0 - 1.0)


def test_unseen_people_are_held_by_the_barrier_with_its_hold():
    """Never seen (no detection): with a full barrier (hold 1) all stay in the zone; with
    none they all get across unseen."""
    back, _, rows, *_ = crossing(7, 7, k_det=0.0, capacity=5.0, stop_per_guard=1.0, pushback=1.0, places=0, hold=1.0)
    assert back.size == 7 and rows["new_incidents"] == 0 and rows["new_turnbacks"] == 0
    back, _, rows, *_ = crossing(7, 7, k_det=0.0, capacity=5.0, stop_per_guard=1.0, pushback=1.0, places=0)
    assert back.size == 0 and rows["new_undetected"] == 7


# -- transit.dispatch: dispatch_people -------------------------------------------------------------
def test_dispatch_buses_the_first_in_the_capital_and_leads_staging_to_their_zone():
    """Graph 0 capital → 1 staging → 2 zone, one day a hop. Five people due in the capital,
    two buses: people 0 and 1 go to staging. At staging: person 5 was assigned zone 2,
    person 6 is inside a shelter (node 3, not released), person 7 is not due yet."""
    next_hop = np.array([[0, 1, 1, 1], [0, 1, 2, 3], [1, 1, 2, 1], [1, 1, 1, 3]], dtype=np.int32)
    travel_days = np.ones((4, 4), dtype=np.int32)
    status = np.array([Status.CAPITAL] * 5 + [Status.STAGING] * 3, dtype=np.int8)
    node = np.array([0] * 5 + [1, 3, 1], dtype=np.int32)
    ti_next = np.array([0] * 7 + [9], dtype=np.int32)
    dest, target = np.full(8, -1, np.int32), np.array([-1] * 5 + [2, 2, 2], dtype=np.int32)
    flows = np.zeros((N_STATUS, N_STATUS), np.int64)
    bad, bussed, led = dispatch_people(
        status, ti_next, node, dest, target, flows, np.int32(4), 2, np.array([1.0]), np.array([2]),
        np.array([-1, -1, 1, -1], np.int32), np.array([False, False, False, True]), np.uint64(5), np.uint64(6),
        next_hop, travel_days, np.int8(Status.CAPITAL), np.int8(Status.STAGING), np.int8(Status.TRANSIT),
        np.arange(5), np.arange(5, 8))
    assert bad == -1 and bussed.tolist() == [0, 1] and led.tolist() == [5]
    assert target[:2].tolist() == [2, 2] and dest[:2].tolist() == [1, 1] and node[:2].tolist() == [1, 1]
    assert dest[5] == 2 and node[5] == 2 and ti_next[5] == 5
    assert status.tolist() == [Status.TRANSIT] * 2 + [Status.CAPITAL] * 3 + [Status.TRANSIT] + [Status.STAGING] * 2
    assert flows[Status.CAPITAL, Status.TRANSIT] == 2 and flows[Status.STAGING, Status.TRANSIT] == 1


def test_hashed_uniform_one_is_the_streams_uniform():
    from borderlab.engine.streams import Stream

    stream = Stream(3, "border.detect")
    ids = np.array([0, 5, 2**40], dtype=np.int64)
    expected = stream.uniform(11, ids)
    assert [hashed_uniform_one(stream.day_key(11), i) for i in ids] == expected.tolist()


# -- Population.live: the daily passes skip absorbed people ---------------------------------------
def test_live_people_drop_the_absorbed_at_the_start_of_a_day_and_gain_the_new():
    from borderlab.engine.population import CORE_COLUMNS, Population

    pop = Population(list(CORE_COLUMNS))
    pop.start_day(0)
    pop.add(4, status=int(Status.ZONE))
    pop.transition(np.array([1]), Status.DEAD)
    pop.transition(np.array([2]), Status.ONWARD)
    assert pop.live.tolist() == [0, 1, 2, 3]  # absorbed today: dropped tomorrow
    pop.start_day(1)
    assert pop.live.tolist() == [0, 3]
    pop.add(2, status=int(Status.CAPITAL))
    assert pop.live.tolist() == [0, 3, 4, 5]
    assert pop.find(Status.ZONE).tolist() == [0, 3]
    assert pop.find(Status.DEAD).tolist() == [1]  # absorbing statuses: everyone is looked at
    assert pop.find_any(Status.ONWARD, Status.CAPITAL).tolist() == [2, 4, 5]


def test_leaving_an_absorbing_status_breaks_conservation():
    from borderlab.engine.sim import ConservationError

    sim, _ = build(TOY, ["end=2021-09-03"])
    sim.run(until=1)
    dead = sim.pop.find(Status.ZONE)[:1]
    sim.pop.start_day(1)
    sim.pop.transition(dead, Status.DEAD)
    sim.pop.transition(dead, Status.ZONE)  # a bug: the dead walk again
    with pytest.raises(ConservationError, match="left an absorbing status"):
        sim._check_conservation(1, sim.status_counts[0], sim.pop.counts())


# -- defenders: the allocation rules, and NumPy's float sums ------------------------------------------
def test_fixed_and_pressure_allocation_give_the_numpy_run(tmp_path):
    """toy-border with three segments: the fixed rule (weights 1, 3, 0) and the pressure
    rule (its sums over a country's segments) deploy exactly as the NumPy phases did."""
    for allocation in ({"rule": "fixed", "weights": {"AA-1": 1, "AA-2": 3, "AA-3": 0}},
                       {"rule": "pressure", "pressure_weight": 0.6, "memory_days": 3}):
        data = load_yaml_data(TOY_PATH)
        for k, km in ((2, 30), (3, 12)):
            data["segments"].append({"id": f"AA-{k}", "country": "AA", "zone": "zone", "interior": "inland",
                                     "length_km": km, "terrain": "open"})
        data["defenders"][0]["allocation"] = allocation
        path = write_yaml(tmp_path / f"{allocation['rule']}.yaml", data)
        compiled = run("", scenario=path)
        assert compiled.results.series("new_incidents").sum() > 0
        guards = [compiled.results.series("guards_per_km", f"AA-{k}")[5] for k in (1, 2, 3)]
        if allocation["rule"] == "fixed":
            assert guards[2] == 0 and guards[0] > 0 and guards[1] > 0  # weight 0: nobody there
        for phase in ("defenders.deploy", "defenders.fatigue"):
            assert_same_run(compiled, run("", phase, scenario=path))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4099])
def test_numpy_sum_adds_in_numpys_order(n):
    """Pairwise summation gives other bits than a plain loop for n ≥ 8; the compiled sum
    must give exactly NumPy's (values spread over 12 orders of magnitude make order show)."""
    rng = np.random.default_rng(n)
    for _ in range(5):
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
        assert numpy_sum(a) == a.sum()
    plain = 0.0
    a = np.full(n, 0.1)
    for v in a:
        plain += v
    if n >= 16:
        assert a.sum() != plain or n == 16  # the order does matter here
    assert numpy_sum(a) == a.sum()


# -- health.shelter: the weakest first ---------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 1, 3, 5, 8, 9])
def test_smallest_first_is_a_stable_argsort_prefix(k):
    """Ties (the 0.2s, the 0.5s) keep their positions' order, as a stable sort does."""
    values = np.array([0.5, 0.2, 0.9, 0.2, 0.1, 0.5, 0.2, 0.7, 0.5], dtype=np.float32)
    expected = np.argsort(values, kind="mergesort")[:k]
    assert smallest_first(values, k).tolist() == expected.tolist()
    if k == 5:
        assert expected.tolist() == [4, 1, 3, 6, 0]


# -- the day's plumbing: live groups, day keys, packed results ------------------------------------------
def test_live_groups_lists_each_groups_live_people_in_order():
    from borderlab.engine.population import CORE_COLUMNS, Population

    pop = Population(list(CORE_COLUMNS), 16)
    pop.add(7, status=np.array([Status.INTERIOR, Status.DEAD, Status.DETAINED, Status.INTERIOR, Status.ZONE,
                                Status.HOSPITAL, Status.DETAINED], dtype=np.int8))
    pop.start_day(0)  # the dead person leaves the live list
    groups = ((Status.INTERIOR,), (Status.DETAINED, Status.HOSPITAL), (Status.DEAD,))
    inland, detained, hospital = pop.live_groups("k", groups)
    assert inland.tolist() == [0, 3] and detained.tolist() == [2, 5, 6] and hospital.tolist() == []
    pop.status[0] = Status.ZONE  # remembered for the day: the lists are a superset from here on
    assert pop.live_groups("k", ())[0].tolist() == [0, 3]
    pop.start_day(1)
    assert pop.live_groups("k", groups)[0].tolist() == [3]
    with pytest.raises(ValueError, match="two groups"):
        pop.live_groups("bad", ((Status.ZONE,), (Status.ZONE, Status.CAPITAL)))
    # made at the start of the day, while the absorbed leave the live list; newcomers join
    pop.make_at_day_start("m", ((Status.ZONE,), (Status.DETAINED, Status.INTERIOR)))
    pop.status[2] = Status.RECEPTION  # absorbed: gone from the live list and the lists
    pop.start_day(2)
    assert pop.live.tolist() == [0, 3, 4, 5, 6]
    zone, held = pop.live_groups("m", ())
    assert zone.tolist() == [0, 4] and held.tolist() == [3, 6]
    pop.add(3, status=np.array([Status.DETAINED, Status.TRANSIT, Status.ZONE], dtype=np.int8))
    zone, held = pop.live_groups("m", ())
    assert zone.tolist() == [0, 4, 9] and held.tolist() == [3, 6, 7]


def test_day_keys_are_the_streams_day_keys():
    from borderlab.engine.streams import Streams

    streams = Streams(2**62 + 5)
    table = streams.day_keys(["border.detect", "supply.arrivals"], 400)
    assert table.shape == (400, 2) and table.dtype == np.uint64
    for day in (0, 1, 199, 399):
        assert table[day, 0] == streams["border.detect"].day_key(day)
        assert table[day, 1] == streams["supply.arrivals"].day_key(day)


def test_packed_results_record_in_one_write():
    from borderlab.engine.results import Results

    res = Results(3)
    res.define("a", ["x", "y"], "flow", "", parents=["P", "P"])
    res.define("b", ["z"], "stock", "")
    data, rows = res.pack(["a", "b"])
    data[rows, 1] = [1.0, 2.0, 5.0]
    res.add("a", 1, [10.0, 0.0])
    res.finalize()
    assert res.series("a", "x").tolist() == [0, 11, 0] and res.series("a", "P").tolist() == [0, 13, 0]
    assert res.series("a", "all").tolist() == [0, 13, 0] and res.series("b").tolist() == [0, 5, 0]


# -- round 3: fused exposure and voluntary returns, lists by status, counts of the absorbed ---------
@pytest.mark.parametrize("case", sorted(CASES))
def test_voluntary_returns_drawn_in_the_exposure_pass_give_the_separate_run(case):
    """health.exposure draws who gives up in its own pass (`Health.fused_returns`); with the
    fusion switched off, returns.voluntary walks everyone live itself — the same run."""
    compiled = compiled_run(case)
    assert compiled.results.series("new_voluntary_returns").sum() > 0  # the case exercises returns
    scenario, overrides = CASES[case]
    if scenario == BELARUS:
        need_belarus()
    separate, _ = build(scenario, overrides, seed=7)
    separate.module("health")._fused_returns = False
    separate.run()
    assert_same_run(compiled, separate)


def test_fusion_needs_nothing_but_discharge_between_exposure_and_returns():
    sim, _ = build(TOY, STOCHASTIC, seed=1)
    health = sim.module("health")
    assert health.fused_returns() is sim.module("returns")
    names = [name for name, _ in sim.loop]
    k = names.index("returns.voluntary")
    sim.loop.insert(k, ("orchestrator.withdraw", sim.loop[names.index("orchestrator.withdraw")][1]))
    health._fused_returns = None
    assert health.fused_returns() is None  # another phase in between: returns draw their own


def test_counts_by_status_and_country_from_the_live_list_and_the_dropped():
    """`Population.count_status_country` walks only the live list; the absorbed are counted
    as they leave it. Every day it must equal a count of everyone."""
    from borderlab.engine import kernels

    sim, _ = build(TOY, STOCHASTIC, seed=3)
    nd = len(sim.module("stocks").defenders)
    while sim.day < sim.calendar.n_days:
        sim.run(until=sim.day + 1)
        expected = kernels.count_status_country(sim.pop.status, sim.pop.country, N_STATUS, nd)
        np.testing.assert_array_equal(sim.pop.count_status_country(nd), expected)
    assert sim.pop.dropped.sum() > 0  # people were absorbed and left the live list


def test_expect_makes_room_without_doubling_and_keeps_everyone():
    from borderlab.engine.population import CORE_COLUMNS, Population

    pop = Population(list(CORE_COLUMNS), 16)
    pop.add(10, status=int(Status.ZONE), node=np.arange(10))
    pop.expect(100)
    assert pop.capacity == 116 and pop.n == 10 and pop._live.shape[0] >= 116
    assert pop.node.tolist() == list(range(10)) and pop.live.tolist() == list(range(10))
    pop.add(100, status=int(Status.CAPITAL))
    assert pop.capacity == 116 and pop.live.size == 110  # no growth needed


def test_by_day_tables_hold_each_days_values():
    """`Border.segments_today` and `Health.outdoors_today` read rows of tables made once;
    each row must be what the day's columns give (holds at open and closed crossing
    points; no exposure in an open shelter)."""
    need_belarus()
    sim, _ = build(BELARUS, [], seed=1)
    border, health = sim.module("border"), sim.module("health")
    assert border.has_cp.any() and len(health.shelters)
    for day in range(sim.calendar.n_days):
        detect_mult, sensors, hold = border.segments_today(day)
        np.testing.assert_array_equal(hold, border.hold_today(day))
        np.testing.assert_array_equal(detect_mult, border.detect_mult[:, day])
        np.testing.assert_array_equal(sensors, border.sensors[:, day])
        exposure, aid = health.outdoors_today(day)
        expected = health.exposure.copy()
        expected[health.shelter_node[health.shelter_cap[:, day] > 0]] = 0.0
        np.testing.assert_array_equal(exposure, expected)
        np.testing.assert_array_equal(aid, health.aid[:, day])


# -- round 4: the starting draws filled ahead by uid ---------------------------------------------------
@pytest.mark.parametrize("case", sorted(CASES))
def test_starting_draws_filled_ahead_give_the_per_creation_run(case, monkeypatch):
    """vulnerable, frailty and trained are draws by uid (`Module.drawn_at_creation`), filled
    ahead in chunks; drawing them for each day's newcomers (the former `on_create`) must give
    the same run. The belarus case has frailty and the trained groups switched on."""
    from borderlab.models.health import Health
    from borderlab.models.orchestrator import Orchestrator
    from borderlab.models.supply import Supply

    compiled = compiled_run(case)
    assert compiled.pop.vulnerable.any()
    if case == "belarus":
        assert compiled.pop.trained.any() and np.unique(compiled.pop.frailty).size > 1000
    scenario, overrides = CASES[case]
    if scenario == BELARUS:
        need_belarus()
    for cls, on_create in ((Supply, numpy_phases.supply_on_create), (Health, numpy_phases.health_on_create),
                           (Orchestrator, numpy_phases.orchestrator_on_create)):
        monkeypatch.setattr(cls, "drawn_at_creation", lambda self: {})
        monkeypatch.setattr(cls, "on_create", on_create)
    former, _ = build(scenario, overrides, seed=7)
    assert not former.pop._fillers and len(former._on_create) == 3
    former.run()
    assert_same_run(compiled, former)


def test_fill_ahead_gives_each_slot_its_uids_value_across_chunks_and_growth():
    from borderlab.engine.population import CORE_COLUMNS, FILL_AHEAD, Column, Population

    asked = []

    def mark_of(uids):
        asked.append(uids.copy())
        return uids * 3 + 1

    pop = Population(list(CORE_COLUMNS) + [Column("mark", "int64", -1)], 16)
    pop.fill_ahead("mark", mark_of)
    pop.add(5, status=int(Status.ZONE))
    assert pop.mark.tolist() == [1, 4, 7, 10, 13] and asked[0].tolist() == list(range(16))  # up to the capacity
    pop.add(3, status=int(Status.ZONE), mark=np.zeros(3, dtype=np.int64))  # a value given wins
    for _ in range(12):  # past several chunks, the columns doubling on the way
        pop.add(FILL_AHEAD // 3, status=int(Status.CAPITAL))
    expected = np.arange(pop.n) * 3 + 1
    expected[5:8] = 0
    assert pop.mark.tolist() == expected.tolist()
    together = np.concatenate(asked)
    assert together.tolist() == list(range(together.size)) and together.size >= pop.n  # each slot drawn once
    assert len(asked) < 14  # fewer draws than adds, even while the columns double
    with pytest.raises(KeyError):
        pop.fill_ahead("nope", mark_of)
    asked.clear()
    roomy = Population(list(CORE_COLUMNS) + [Column("mark", "int64", -1)], 100_000)
    roomy.fill_ahead("mark", mark_of)
    for _ in range(100):  # a run's daily boarders: one draw for the first FILL_AHEAD of them
        roomy.add(30, status=int(Status.TRANSIT))
    assert len(asked) == 1 and asked[0].size == FILL_AHEAD
    assert roomy.mark.tolist() == (np.arange(3000) * 3 + 1).tolist()


# -- round 5: the day-end walk does the next morning's work; the evening lists from the morning ----------
def test_the_day_end_count_prepares_the_next_day_in_the_same_walk(monkeypatch):
    """`Population.end_of_day_counts` counts everyone by status and country (as a count of
    everyone would), drops the absorbed from the live list and makes tomorrow's day-start
    lists, so that `start_day` walks nobody; `add` or `transition` after it cancel them."""
    from borderlab.engine import kernels
    from borderlab.engine.population import CORE_COLUMNS, Population

    pop = Population(list(CORE_COLUMNS), 16)
    pop.make_at_day_start("m", ((Status.ZONE,), (Status.CAPITAL, Status.STAGING)))
    pop.make_at_day_start("e", ((Status.INTERIOR,), (Status.DETAINED,)))
    with pytest.raises(ValueError, match="share a status"):
        pop.make_at_day_start("clash", ((Status.DETAINED,),))
    pop.add(9, status=np.array([Status.ZONE, Status.DEAD, Status.INTERIOR, Status.CAPITAL, Status.ZONE,
                                Status.DETAINED, Status.STAGING, Status.ONWARD, Status.ZONE], dtype=np.int8),
            country=np.array([0, 1, 1, -1, 2, 0, -1, 1, 0], dtype=np.int8))
    pop.start_day(0)
    pop.transition(np.array([4]), Status.DEAD)
    pop.transition(np.array([2]), Status.DETAINED)
    expected = kernels.count_status_country(pop.status, pop.country, N_STATUS, 3)
    np.testing.assert_array_equal(pop.end_of_day_counts(3), expected)
    assert pop.live.tolist() == [0, 2, 3, 5, 6, 8]  # the absorbed are gone already

    def no_walk(*args):
        raise AssertionError("start_day walked everyone live again")

    monkeypatch.setattr(kernels, "keep_live_split_count", no_walk)
    pop.start_day(1)
    zone, waiting = pop.live_groups("m", ())
    inland, detained = pop.live_groups("e", ())
    assert zone.tolist() == [0, 8] and waiting.tolist() == [3, 6]
    assert inland.tolist() == [] and detained.tolist() == [2, 5]
    monkeypatch.undo()
    np.testing.assert_array_equal(pop.end_of_day_counts(3), expected)  # nobody moved on day 1
    pop.add(1, status=int(Status.ZONE))  # after the day-end walk: tomorrow's lists are made again
    pop.start_day(2)
    assert pop.live_groups("m", ())[0].tolist() == [0, 8, 9]
    pop.end_of_day_counts(3)
    pop.transition(np.array([0]), Status.CAPITAL)
    pop.start_day(3)
    assert pop.live_groups("m", ())[0].tolist() == [8, 9] and pop.live_groups("m", ())[1].tolist() == [0, 3, 6]


def test_joined_people_enter_todays_lists_in_uid_order():
    from borderlab.engine import kernels
    from borderlab.engine.population import CORE_COLUMNS, Population

    assert kernels.merge_ascending(np.array([1, 4, 9]), np.array([0, 4, 5, 12])).tolist() == [0, 1, 4, 5, 9, 12]
    assert kernels.merge_ascending(np.zeros(0, np.int64), np.array([3])).tolist() == [3]
    pop = Population(list(CORE_COLUMNS), 16)
    pop.make_at_day_start("e", ((Status.INTERIOR,), (Status.DETAINED,)))
    pop.add(6, status=np.array([Status.ZONE, Status.INTERIOR, Status.ZONE, Status.ZONE, Status.INTERIOR,
                                Status.ZONE], dtype=np.int8))
    pop.start_day(0)
    pop.status[[5, 2]] = Status.INTERIOR  # crossed, in the order their groups went
    pop.joined(np.array([5, 2]), Status.INTERIOR)
    pop.joined(np.array([3]), Status.CAPITAL)  # in no list: nothing to do
    assert pop.live_groups("e", ())[0].tolist() == [1, 2, 4, 5]


@pytest.mark.parametrize("case", sorted(CASES))
def test_evening_lists_made_in_the_morning_walk_give_the_run_made_at_onward_inland(case, monkeypatch):
    """The evening lists (interior, detained, patients) come from the day-start walk with
    today's crossers and inland arrivals joined (`models/day_lists.py`); made by a walk of
    their own when onward.inland first asks, as before, the run is the same — and each day
    the people the passes take are the same in both."""
    from borderlab.engine import kernels
    from borderlab.models import day_lists, health, onward, reception

    compiled = compiled_run(case)
    scenario, overrides = CASES[case]
    if scenario == BELARUS:
        need_belarus()
    checked = []
    statuses = (Status.INTERIOR, Status.DETAINED, Status.HOSPITAL)

    def checked_evening_people(pop, group):
        made = day_lists.evening_people(pop, group)
        start, uids = kernels.split_live(pop.live, pop.status, pop._which["evening"], 3)
        walked = uids[start[group]:start[group + 1]]
        due = (lambda ids: pop.status[ids] == statuses[group]) if group == day_lists.INLAND else (
            lambda ids: (pop.status[ids] == statuses[group]) & (pop.ti_next[ids] <= pop.day))
        assert made[due(made)].tolist() == walked[due(walked)].tolist()
        checked.append(int(due(made).sum()))
        return made

    for module in (onward, reception, health):
        monkeypatch.setattr(module, "evening_people", checked_evening_people)
    morning_made, _ = build(scenario, overrides, seed=7)
    morning_made.run()
    assert_same_run(compiled, morning_made)
    assert sum(checked) > 0
    monkeypatch.undo()
    walked, _ = build(scenario, overrides, seed=7)
    walked.pop._day_start_groups = [g for g in walked.pop._day_start_groups if g[0] != "evening"]
    walked.pop._day_start_which[[int(s) for s in statuses]] = -1
    walked.run()
    assert "evening" not in [key for key, _ in walked.pop._day_start_groups]
    assert_same_run(compiled, walked)
