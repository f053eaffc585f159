"""Mechanisms one at a time, on tiny numbers worked out by hand (equations in the module
docstrings of borderlab.models)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderlab.engine.status import Status
from conftest import TOY, TOY_PATH, build, load_yaml_data, run_cached, series, write_yaml

D = dt.date
SEP = lambda day: D(2021, 9, day)  # noqa: E731
N_DAYS = 14


# -- border: barrier compilation ------------------------------------------------------------
# toy-border's one segment is 10 km. Default barrier types: wire hold 0.2 / detect ×1.3,
# fence 0.45 / ×1.6, wall 0.8 / ×2.0. Uncovered km keep hold 0 and detect ×1.
def barrier_arrays(*points):
    sim, _ = build()
    border = sim.module("border")
    for date, kind, km in points:
        border.add_barrier(0, date, kind, km)
    return border.hold[0].round(10).tolist(), border.detect_mult[0].round(10).tolist()


def test_no_barrier():
    hold, dm = barrier_arrays()
    assert hold == [0.0] * N_DAYS and dm == [1.0] * N_DAYS


def test_barrier_from_its_date_over_the_whole_segment():
    hold, dm = barrier_arrays((SEP(4), "wire", None))
    assert hold == [0.0] * 3 + [0.2] * 11
    assert dm == [1.0] * 3 + [1.3] * 11


def test_partial_barrier_mixes_with_open_km():
    # 5 of 10 km wire: hold 0.5·0.2 = 0.1, detect 0.5·1.3 + 0.5·1 = 1.15
    hold, dm = barrier_arrays((SEP(1), "wire", 5.0))
    assert hold == [0.1] * N_DAYS and dm == [1.15] * N_DAYS
    # km beyond the segment length count as the whole segment
    hold, dm = barrier_arrays((SEP(1), "wire", 50.0))
    assert hold == [0.2] * N_DAYS


def test_stronger_barrier_replaces_weaker_on_its_km():
    # wire everywhere from 1 Sep; a 4 km fence from 4 Sep covers 4 km of it:
    # hold 0.4·0.45 + 0.6·0.2 = 0.30, detect 0.4·1.6 + 0.6·1.3 = 1.42
    hold, dm = barrier_arrays((SEP(1), "wire", None), (SEP(4), "fence", 4.0))
    assert hold == [0.2] * 3 + [0.3] * 11
    assert dm == [1.3] * 3 + [1.42] * 11


def test_strongest_barrier_covers_its_km_first_whatever_the_order_built():
    # a 3 km wall, then a fence along the whole segment: the wall keeps its 3 km,
    # the fence covers the other 7: hold 0.3·0.8 + 0.7·0.45 = 0.555, detect 0.6 + 1.12 = 1.72
    expected_hold = [0.24] * 4 + [0.555] * 10  # before 5 Sep only the wall: 0.3·0.8
    expected_dm = [1.3] * 4 + [1.72] * 10  # 0.3·2 + 0.7·1
    hold, dm = barrier_arrays((SEP(1), "wall", 3.0), (SEP(5), "fence", None))
    assert hold == expected_hold and dm == expected_dm
    # listing them the other way round changes nothing (compiled by date)
    hold2, dm2 = barrier_arrays((SEP(5), "fence", None), (SEP(1), "wall", 3.0))
    assert (hold2, dm2) == (hold, dm)


def test_crossing_point_gap_and_closure():
    sim, _ = build(TOY, ["segments.AA-1.crossing_point={name: cp, gap: 0.5, closed_hold: 0.9}",
                         "segments.AA-1.barrier=wire"])
    border = sim.module("border")
    assert border.hold_today(0)[0] == pytest.approx(0.2 * 0.5)  # open: a gap in the wire
    border.crossing_open[0, 3] = 0.0
    assert border.hold_today(3)[0] == pytest.approx(0.9)  # closed: gates and reinforcement


def test_barrier_holds_unseen_people_in_a_run():
    """No guards (nobody seen) and a wall whose hold is 1 on the whole segment: nobody gets
    across; everyone is blocked and retries (coercion 1)."""
    sim, _ = run_cached(TOY, ("defenders.AA.border_guards=0", "barriers.wall.hold={value: 1}",
                              "segments.AA-1.barrier=wall"))
    assert series(sim, "new_undetected").sum() == 0
    assert series(sim, "new_attempts_all")[:5].tolist() == [60] * 5
    assert series(sim, "n_in_zone")[:5].tolist() == [60] * 5


# -- defenders: fatigue and reinforcement ------------------------------------------------------
FATIGUE = ("defenders.AA.fatigue.build_rate=0.5", "defenders.AA.fatigue.sustainable_load=0.05")


def expected_fatigue(incidents, personnel, build=0.5, sustainable=0.05, recovery=0.1,
                     max_effect=0.5, resp=1.0):
    """F ← clip(F + build·max(0, load − sustainable) − recovery·F, 0, 1), with
    load = incidents ÷ (personnel · duty 1 · (1 − max_effect·F) · response per guard), and
    F ← F · old/new when the force grows."""
    F, prev, out, loads = 0.0, None, [], []
    for inc, p in zip(incidents, personnel):
        if prev is not None and p > prev:
            F *= prev / p
        prev = p
        cap = p * (1 - max_effect * F) * resp
        load = inc / cap
        F = min(1.0, max(0.0, F + build * max(0.0, load - sustainable) - recovery * F))
        out.append(F)
        loads.append(load)
    return np.array(out), np.array(loads)


def test_fatigue_rule_by_hand():
    sim, _ = run_cached(TOY, FATIGUE)
    f = series(sim, "guard_fatigue", "AA")
    # day 0: 10 incidents / 100 → load 0.1; F = 0 + 0.5·(0.1 − 0.05) − 0 = 0.025
    assert f[0] == pytest.approx(0.025)
    # day 1: effectiveness 1 − 0.5·0.025 → capacity 98.75; load 10/98.75
    assert f[1] == pytest.approx(0.025 + 0.5 * (10 / 98.75 - 0.05) - 0.1 * 0.025)
    inc = series(sim, "new_incidents", "AA")
    exp_f, exp_load = expected_fatigue(inc, [100.0] * N_DAYS)
    assert np.allclose(f, exp_f)
    assert np.allclose(series(sim, "guard_utilisation", "AA"), exp_load)
    assert np.allclose(series(sim, "guard_effectiveness", "AA"), 1 - 0.5 * exp_f)


def test_reinforcement_dilutes_fatigue():
    sets = FATIGUE + ("defenders.AA.border_guards={value: 100, points: [{date: 2021-09-05, value: 200}]}",)
    sim, _ = run_cached(TOY, sets)
    personnel = [100.0] * 4 + [200.0] * 10
    assert series(sim, "guards_on_duty", "AA").tolist() == personnel
    f = series(sim, "guard_fatigue", "AA")
    exp_f, _ = expected_fatigue(series(sim, "new_incidents", "AA"), personnel)
    assert np.allclose(f, exp_f)
    # the doubling halves the fatigue carried into day 4 before that day's update
    no_dilution = f[3] + 0.5 * max(0.0, 10 / (200 * (1 - 0.5 * f[3])) - 0.05) - 0.1 * f[3]
    assert f[4] < no_dilution
    assert f[4] == pytest.approx(f[3] / 2 + 0.5 * max(0.0, 10 / (200 * (1 - 0.25 * f[3])) - 0.05) - 0.1 * f[3] / 2)


def test_fatigue_recovers_when_load_is_sustainable():
    """From 9 Sep only the 2 groups of newcomers come each day: load ≈ 0.02 < 0.05, so no
    build-up and fatigue sheds recovery_rate = 10 % a day: F_d = 0.9 · F_(d−1)."""
    sim, _ = run_cached(TOY, FATIGUE)
    f = series(sim, "guard_fatigue", "AA")
    assert f[7] > 0.1  # built up by the 60–80 attempts a day
    assert (series(sim, "guard_utilisation", "AA")[8:] < 0.05).all()
    assert np.allclose(f[8:], 0.9 * f[7:-1])
    # and with a sustainable load above any load, fatigue never starts
    sim, _ = run_cached(TOY, ("defenders.AA.fatigue.build_rate=5",))  # sustainable_load 1000
    assert series(sim, "guard_fatigue", "AA").tolist() == [0.0] * N_DAYS


def test_troops_count_with_their_effectiveness():
    sim, _ = run_cached(TOY, ("defenders.AA.troops=100", "defenders.AA.duty_fraction=0.5"))
    # (100 guards + 0.5 × 100 troops) × duty 0.5 = 75 on duty, 7.5 per km
    assert series(sim, "guards_on_duty", "AA").tolist() == [75.0] * N_DAYS
    assert series(sim, "guards_per_km", "AA-1").tolist() == [7.5] * N_DAYS


# -- health: the loss equation -----------------------------------------------------------------
HEALTH = (
    "humanitarian.temperature.seasonal.noise_sd_c=3",
    "humanitarian.exposure.base_loss=0.01",
    "humanitarian.exposure.e_fold_c=8",
    "humanitarian.exposure.hunger_per_day=0.1",
    "humanitarian.exposure.aid_restore=0",
    "supply.vulnerable_share=1",
    "humanitarian.exposure.vulnerable_mult=1.5",
    "orchestrator.tactics.0.intensity=0",  # nobody leaves the zone
)


def test_daily_loss_follows_temperature():
    sim, _ = run_cached(TOY, HEALTH)
    temp = series(sim, "temperature_c")
    assert temp.std() > 0.5  # the noise is on
    loss = sim.module("health").loss
    assert np.allclose(loss, 0.01 + 0.05 * np.exp(-temp / 8))


def test_health_loss_equation_in_the_zone():
    """h ← min(1, h − e·L(T)·(1 + hunger·days_in_zone)·v + restore), e = 1 in the zone,
    v = 1.5 (everyone vulnerable); days_in_zone counts today (1 on the first day)."""
    sim, _ = run_cached(TOY, HEALTH)
    temp = series(sim, "temperature_c")
    h, expected = 1.0, []
    for d in range(5):  # the 60 are alone in the zone until day 5
        h -= (0.01 + 0.05 * math.exp(-temp[d] / 8)) * (1 + 0.1 * (d + 1)) * 1.5
        expected.append(h)
    assert np.allclose(series(sim, "mean_health_zone", "AA")[:5], expected, atol=1e-5)


def test_aid_restores_health():
    sets = ("humanitarian.exposure.aid_restore=0.5", "humanitarian.zone_aid_access=1")
    sim, _ = run_cached(TOY, sets)
    # restore 0.5 a day beats a loss of 0.0228: health stays capped at 1
    assert np.allclose(series(sim, "mean_health_zone", "AA")[:5], 1.0)


def test_cold_kills_and_hospitalises():
    """At −30 °C the loss is 0.05·e^(30/12.7) ≈ 0.53 a day: after two days everyone in the
    zone is at or below zero and dies (nobody reaches them: zone aid access 0)."""
    sets = ("humanitarian.temperature.seasonal.mean_c=-30", "humanitarian.zone_aid_access=0",
            "orchestrator.tactics.0.intensity=0")
    sim, initial = run_cached(TOY, sets)
    loss = 0.05 * math.exp(30 / 12.7)
    assert 1 - 2 * loss <= 0 < 1 - loss
    deaths = series(sim, "new_deaths")
    assert deaths[0] == 0 and deaths[1] == 60
    assert series(sim, "n_dead")[-1] == deaths.sum()
    assert series(sim, "new_hospitalised").sum() == 0
    assert series(sim, "person_days_below_0c")[0] == 60


def test_found_people_are_hospitalised():
    """find_prob 1 and full aid access in the zone: people below the threshold are all found
    the day they fall below it (before dying)."""
    sets = ("humanitarian.temperature.seasonal.mean_c=-10", "humanitarian.zone_aid_access=1",
            "humanitarian.exposure.hospital_threshold=0.5", "orchestrator.tactics.0.intensity=0")
    sim, initial = run_cached(TOY, sets)
    loss = 0.05 * math.exp(10 / 12.7)  # ≈ 0.110 a day
    first_day = next(d for d in range(10) if 1 - (d + 1) * loss < 0.5)
    hosp = series(sim, "new_hospitalised")
    assert hosp[:first_day].sum() == 0 and hosp[first_day] == 60
    assert series(sim, "new_deaths").sum() == 0


# -- returns: the voluntary rate --------------------------------------------------------------
def test_voluntary_return_rate():
    """rate = min(max_rate, base + per_day · days since arrival) × zone_factor in the zone."""
    sim, _ = build(TOY, ["returns.voluntary.base_rate=0.02", "returns.voluntary.per_day=0.01",
                         "returns.voluntary.max_rate=0.3", "returns.voluntary.zone_factor=0.5"])
    day = 13
    capital = sim.index.node["capital"]
    zone = sim.index.node["zone"]
    n = 20_000
    groups = {  # (status, node, days since arrival) → expected daily rate
        "capital_new": (Status.CAPITAL, capital, 0, 0.02),
        "capital_10": (Status.CAPITAL, capital, 10, 0.12),
        "capital_old": (Status.CAPITAL, capital, 60, 0.30),  # 0.62 capped at 0.3
        "zone_10": (Status.ZONE, zone, 10, 0.06),
        "zone_old": (Status.ZONE, zone, 60, 0.15),
    }
    sim.pop.start_day(day)
    uids = {}
    for key, (status, node, age, _) in groups.items():
        u = sim.add_people(n, day, status=int(status), node=node, dest=node, ti_next=day + 100, country=0)
        sim.pop.ti_created[u] = day - age
        uids[key] = u
    before = sim.pop.status.copy()
    sim.module("returns").voluntary(day)
    total = 0
    for key, (_, _, _, rate) in groups.items():
        went = (sim.pop.status[uids[key]] == Status.RETURNED).mean()
        assert abs(went - rate) < 5 * math.sqrt(rate * (1 - rate) / n), (key, went, rate)
        total += int((sim.pop.status[uids[key]] == Status.RETURNED).sum())
    # the 60 original zone people (age 13: rate 0.15 × 0.5) may go too; all counted
    returned = int(((sim.pop.status == Status.RETURNED) & (before != Status.RETURNED)).sum())
    assert returned >= total
    assert series(sim, "new_voluntary_returns")[day] == returned
    assert sim.pop.flows[:, Status.RETURNED].sum() == returned
    went = sim.pop.status == Status.RETURNED
    assert (sim.pop.node[went] == sim.index.node["home"]).all()


def test_no_voluntary_returns_when_rates_are_zero():
    sim, _ = run_cached(TOY)
    assert series(sim, "new_voluntary_returns").sum() == 0


# -- supply, transit, reception, onward ---------------------------------------------------------
def test_fixed_arrivals_carry_fractions():
    # 10 seats a week = 10/7 a day: cumulative boarders are floor(10·(d+1)/7)
    sim, _ = run_cached(TOY, ("supply.routes.hub-capital.weekly_seats=10",))
    cum = [math.floor(10 * (d + 1) / 7 + 1e-9) for d in range(N_DAYS)]
    assert series(sim, "new_boarded").tolist() == np.diff([0] + cum).tolist()
    assert series(sim, "new_boarded").sum() == 20


def test_visa_factor_and_migrant_share_scale_arrivals():
    sim, _ = run_cached(TOY, ("supply.visa_factor=0.5",))
    assert series(sim, "new_boarded").tolist() == [5] * N_DAYS
    sim, _ = run_cached(TOY, ("supply.migrant_share=0.2",))
    assert series(sim, "new_boarded").tolist() == [2] * N_DAYS


def test_poisson_arrivals_average_the_expected_number():
    sim, _ = run_cached(TOY, ("supply.arrivals=poisson", "end=2021-12-31"))
    b = series(sim, "new_boarded")
    assert len(set(b.tolist())) > 3  # really random
    assert abs(b.mean() - 10) < 5 * math.sqrt(10 / len(b))


def test_transport_capacity_limits_dispatch():
    sim, _ = run_cached(TOY, ("transit.transport_capacity=3",))
    assert series(sim, "new_dispatched", "capital").tolist() == [0, 0] + [3] * 12
    # 10 land a day from day 1, 3 leave a day from day 2
    assert series(sim, "n_in_capital", "OR").tolist() == [0, 10] + [10 + 7 * k for k in range(1, 13)]


def test_fractional_transport_capacity_rounds_randomly():
    sim, _ = run_cached(TOY, ("transit.transport_capacity=2.5", "end=2021-11-30"))
    sent = series(sim, "new_dispatched", "capital")[2:]
    assert set(sent.tolist()) == {2.0, 3.0}
    assert abs(sent.mean() - 2.5) < 5 * 0.5 / math.sqrt(len(sent))


def test_inland_detection_catches_crossers_the_day_they_cross():
    """No guards, inland_detection 1, room for all: the 60 who cross unseen on day 0 are
    all caught inland that day — counted as detentions and attempts at their segment."""
    sim, initial = run_cached(TOY, ("defenders.AA.border_guards=0", "defenders.AA.inland_detection=1",
                                    "defenders.AA.reception_capacity=1000"))
    assert series(sim, "new_undetected")[0] == 60
    assert series(sim, "new_inland_detentions", "AA")[0] == 60
    assert series(sim, "new_detentions", "AA-1")[0] == 60
    assert series(sim, "new_attempts", "AA")[0] == 60
    assert series(sim, "new_onward").sum() == 0
    assert series(sim, "n_detained", "AA")[0] == 60


def test_detention_release_and_abscond():
    """detention_days 1 → released the next day; abscond_share 1 → all move on (interior →
    destination, one day) and reach the destination the day after release."""
    sim, initial = run_cached(TOY, ("defenders.AA.detention_days=1", "defenders.AA.abscond_share=1",
                                    "defenders.AA.pushback_share=0"))
    # day 0: 50 of the 60 detained, 10 released inland; day 1: the 50 abscond
    assert series(sim, "new_detentions")[0] == 50
    assert series(sim, "new_absconded", "AA")[:2].tolist() == [0, 50]
    assert series(sim, "n_detained", "AA")[:2].tolist() == [50, 0]
    assert series(sim, "new_onward")[2] == 10 + 50
    assert series(sim, "n_reception", "AA").sum() == 0


def test_released_detainees_stay_in_reception_without_absconding():
    sim, _ = run_cached(TOY, ("defenders.AA.detention_days=1", "defenders.AA.pushback_share=0"))
    assert series(sim, "n_reception", "AA")[1] == 50
    assert series(sim, "new_absconded").sum() == 0


# -- orchestrator: groups and segments -------------------------------------------------------------
def two_segment_toy(tmp_path, tactic="siege", **defender):
    data = load_yaml_data(TOY_PATH)
    data["segments"].append({"id": "AA-2", "country": "AA", "zone": "zone", "interior": "inland",
                             "length_km": 30, "terrain": "open"})
    ph = data["orchestrator"]["tactics"][0]
    ph["tactic"] = tactic
    if tactic == "mass":
        ph["target_segment"] = "AA-2"
    data["defenders"][0].update(defender)
    return write_yaml(tmp_path / f"two-{tactic}.yaml", data)


def capture_attempts(sim):
    """Record sim.today['attempts'] every day, by wrapping the border.resolve phase."""
    seen = []
    for k, (name, step) in enumerate(sim.loop):
        if name == "border.resolve":
            def wrapped(day, step=step):
                seen.append((day, sim.today.get("attempts")))
                step(day)
            sim.loop[k] = (name, wrapped)
    return seen


def test_groups_partition_the_people_sent():
    from conftest import STOCHASTIC

    sim, _ = build(TOY, STOCHASTIC, 11)
    seen = capture_attempts(sim)
    sim.run()
    n_groups = 0
    for day, att in seen:
        if att is None:
            continue
        sizes = att.group_size
        assert sizes.sum() == att.uids.size
        assert np.unique(att.uids).size == att.uids.size  # nobody in two groups
        assert np.array_equal(np.bincount(att.group_of), sizes)
        assert (sizes[:-1] >= 3).all() and (sizes <= 9).all()  # the last group takes the rest
        assert (sizes >= 1).all()
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        assert np.array_equal(att.lead, att.uids[starts])
        assert (sim.pop.segment[att.uids] >= 0).all()
        n_groups += sizes.size
    assert n_groups == series(sim, "new_groups").sum() > 50


def test_siege_spreads_groups_by_segment_length(tmp_path):
    path = two_segment_toy(tmp_path, "siege")
    sim, initial = build(path, ["orchestrator.tactics.0.group_size.min=1",
                                "orchestrator.tactics.0.group_size.max=1", "end=2021-10-31"])
    sim.run()
    g1, g2 = series(sim, "new_groups", "AA-1").sum(), series(sim, "new_groups", "AA-2").sum()
    share = g2 / (g1 + g2)
    n = g1 + g2
    assert abs(share - 0.75) < 5 * math.sqrt(0.75 * 0.25 / n)  # 30 km of 40
    # uniform allocation: the same guards per km on both segments
    assert np.allclose(series(sim, "guards_per_km", "AA-1"), 2.5)
    assert np.allclose(series(sim, "guards_per_km", "AA-2"), 2.5)


def test_mass_tactic_sends_everyone_to_the_target(tmp_path):
    path = two_segment_toy(tmp_path, "mass")
    sim, initial = build(path)
    sim.run()
    assert series(sim, "new_groups", "AA-1").sum() == 0
    assert series(sim, "new_attempts_all", "AA-2")[0] == 60


def test_fixed_allocation(tmp_path):
    path = two_segment_toy(tmp_path, "siege", allocation={"rule": "fixed", "weights": {"AA-1": 1, "AA-2": 1}})
    sim, _ = build(path)
    sim.run(until=1)
    # 100 guards split half and half: 50/10 km and 50/30 km
    assert series(sim, "guards_per_km", "AA-1")[0] == pytest.approx(5.0)
    assert series(sim, "guards_per_km", "AA-2")[0] == pytest.approx(50 / 30)


def test_people_found_in_the_zone_go_back_to_staging_after_hospital():
    """Found in the zone (the orchestrator's side), hospitalised, discharged after 1 day:
    they are walked back to staging — never detained or released at the zone node
    (which has no route to the destination)."""
    from conftest import assert_conserved, assert_people_where_their_status_says, check_every_day

    sets = ["humanitarian.temperature.seasonal.mean_c=-5", "humanitarian.zone_aid_access=1",
            "humanitarian.exposure.hospital_threshold=0.7", "humanitarian.exposure.hospital_days=1",
            "defenders.AA.reception_capacity=0", "orchestrator.tactics.0.intensity=0"]
    sim, initial = build(TOY, sets)
    check_every_day(sim)
    sim.run()
    assert series(sim, "new_hospitalised")[:5].sum() == 60
    assert series(sim, "n_detained").sum() == 0
    assert series(sim, "n_interior").sum() == 0
    assert series(sim, "new_deaths").sum() == 0
    assert_conserved(sim, initial)
    assert_people_where_their_status_says(sim)


def test_pressure_allocation_follows_yesterdays_incidents(tmp_path):
    """rule pressure, weight 1, memory 1 day: the force goes where yesterday's incidents were.
    Day 0 has no history: per km (2.5 guards/km on both); the mass tactic sends every group
    to AA-2, so from day 1 all 100 guards stand on AA-2's 30 km."""
    path = two_segment_toy(tmp_path, "mass", allocation={"rule": "pressure", "pressure_weight": 1,
                                                         "memory_days": 1})
    sim, _ = build(path)
    sim.run()
    assert series(sim, "guards_per_km", "AA-1")[:3].tolist() == pytest.approx([2.5, 0, 0])
    assert series(sim, "guards_per_km", "AA-2")[:3].tolist() == pytest.approx([2.5, 100 / 30, 100 / 30])


def test_tactic_phase_end_is_inclusive():
    sim, _ = run_cached(TOY, ("orchestrator.tactics.0.end=2021-09-03",))
    assert series(sim, "new_attempts_all").tolist() == [60, 60, 60] + [0] * 11
    assert series(sim, "orchestrator_weight", "AA").tolist() == [1, 1, 1] + [0] * 11


def test_asylum_at_an_open_crossing_point():
    """intake 5 a day at an open crossing point: 5 of those ready in the zone claim asylum
    (→ reception) before the day's launch, so 55, 50, 45, … attempt; newcomers are ready on day 6."""
    sim, initial = run_cached(TOY, ("segments.AA-1.crossing_point={name: cp, intake_per_day: 5}",))
    assert series(sim, "new_asylum_at_checkpoint", "AA-1")[:7].tolist() == [5] * 7
    assert series(sim, "new_attempts_all")[:7].tolist() == [55, 50, 45, 40, 35, 30, 35]
    assert series(sim, "n_reception", "AA")[:7].tolist() == [5 * (d + 1) for d in range(7)]
    from conftest import assert_conserved
    assert_conserved(sim, initial)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=40), max_size=60))
def test_sorted_runs_is_unique_without_the_sort(values):
    from borderlab.models.orchestrator import sorted_runs

    a = np.sort(np.array(values, dtype=np.int64))
    vals, start, counts, inverse = sorted_runs(a)
    u, i, inv, c = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    assert vals.tolist() == u.tolist() and start.tolist() == i.tolist()
    assert counts.tolist() == c.tolist() and inverse.tolist() == inv.reshape(-1).tolist()


def test_the_seasonal_curve_counts_days_of_the_year_across_a_leap_day_and_new_year():
    """T = mean − amplitude·cos(2π (doy − coldest) / 365.25), doy 1 on 1 January."""
    import datetime as dt
    from types import SimpleNamespace

    from borderlab.engine.calendar import Calendar
    from borderlab.models.temperature import seasonal_curve

    spec = SimpleNamespace(seasonal=SimpleNamespace(mean_c=2.0, amplitude_c=10.0, coldest_day_of_year=60))
    cal = Calendar(dt.date(2024, 2, 28), dt.date(2024, 3, 2))   # 2024 is a leap year: doy 59, 60, 61, 62
    doy = np.array([59, 60, 61, 62], dtype=float)
    expected = 2.0 - 10.0 * np.cos(2 * np.pi * (doy - 60) / 365.25)
    np.testing.assert_array_equal(seasonal_curve(spec, cal), expected)
    cal = Calendar(dt.date(2021, 12, 31), dt.date(2022, 1, 1))
    np.testing.assert_array_equal(seasonal_curve(spec, cal),
                                  2.0 - 10.0 * np.cos(2 * np.pi * (np.array([365.0, 1.0]) - 60) / 365.25))
