"""Conservation of people: every day, stocks change exactly by the recorded flows.

Checked on the sim's own logs (status_counts, flow_log, created_log) and on the published
results (stocks vs cumulative flows), for toy-border, a stochastic variant, belarus-eu-2021
when present, and random valid parameter sets (hypothesis).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderlab.engine.sim import ConservationError
from borderlab.engine.status import Status
from conftest import (BELARUS, STOCHASTIC, TOY, assert_conserved, assert_people_where_their_status_says,
                      build, check_every_day, need_belarus, run_cached)


def assert_results_consistent(sim, initial) -> None:
    """Published stocks equal the status counts, and cumulative stocks grow by the flows."""
    res = sim.results
    counts = sim.status_counts[: sim.day]
    assert np.array_equal(res.series("n_people"), counts.sum(axis=1))
    for stock, status in (("n_dead", Status.DEAD), ("n_onward", Status.ONWARD),
                          ("n_returned", Status.RETURNED), ("n_in_transit", Status.TRANSIT)):
        assert np.array_equal(res.series(stock), counts[:, status]), stock
    for stock, status in (("n_in_zone", Status.ZONE), ("n_in_capital", Status.CAPITAL),
                          ("n_at_staging", Status.STAGING), ("n_detained", Status.DETAINED),
                          ("n_interior", Status.INTERIOR), ("n_reception", Status.RECEPTION),
                          ("n_hospital", Status.HOSPITAL)):
        assert np.array_equal(res.series(stock, "all"), counts[:, status]), stock
    # absorbing stocks grow by exactly the day's published flow into them
    for stock, flow, status in (("n_dead", "new_deaths", Status.DEAD),
                                ("n_onward", "new_onward", Status.ONWARD),
                                ("n_returned", "new_returns", Status.RETURNED)):
        s = res.series(stock)
        growth = s - np.concatenate([[initial[status]], s[:-1]])
        assert np.array_equal(growth, res.series(flow)), (stock, flow)
    # after day 0 boarders are the only people who enter the model
    assert np.array_equal(sim.created_log[: sim.day].sum(axis=1), res.series("new_boarded"))


@pytest.mark.parametrize("seed", [1, 2])
def test_people_are_where_their_status_says(seed):
    sim, initial = build(TOY, STOCHASTIC, seed)
    check_every_day(sim)
    sim.run()
    assert_conserved(sim, initial)


def test_people_are_where_their_status_says_in_belarus():
    need_belarus()
    sim, _ = run_cached(BELARUS, (), 7)
    assert_people_where_their_status_says(sim)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_toy_border_conserves_people(seed):
    sim, initial = run_cached(TOY, (), seed)
    assert_conserved(sim, initial)
    assert_results_consistent(sim, initial)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_stochastic_variant_conserves_people(seed):
    sim, initial = run_cached(TOY, STOCHASTIC, seed)
    assert_conserved(sim, initial)
    assert_results_consistent(sim, initial)
    # and the run really moved people through most statuses
    visited = (sim.status_counts > 0).any(axis=0)
    for status in (Status.TRANSIT, Status.CAPITAL, Status.STAGING, Status.ZONE, Status.DETAINED,
                   Status.RECEPTION, Status.INTERIOR, Status.ONWARD, Status.HOSPITAL, Status.RETURNED):
        assert visited[status], status.name


@pytest.mark.parametrize("seed", [7, 8])
def test_belarus_conserves_people(seed):
    need_belarus()
    sim, initial = run_cached(BELARUS, (), seed)
    assert_conserved(sim, initial)
    assert_results_consistent(sim, initial)


def test_the_sim_notices_a_person_moved_without_a_flow():
    """The built-in check is live: a status change behind the population's back raises."""
    sim, _ = build(TOY)
    for k, (name, step) in enumerate(sim.loop):
        if name == "stocks.record":
            def sneaky(day, step=step):
                sim.pop.status[0] = int(Status.DEAD)  # no transition(): no flow counted
                step(day)
            sim.loop[k] = (name, sneaky)
    with pytest.raises(ConservationError, match="day 0"):
        sim.run()


def test_the_sim_notices_a_person_created_without_a_count():
    sim, _ = build(TOY)
    for k, (name, step) in enumerate(sim.loop):
        if name == "stocks.record":
            def sneaky(day, step=step):
                sim.pop.add(1, status=int(Status.ZONE))
                sim.pop.created_today[:] = 0  # hide it
                step(day)
            sim.loop[k] = (name, sneaky)
    with pytest.raises(ConservationError):
        sim.run()


# -- property test: random valid parameters never break conservation --------------------------
def fixed(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.6f}")


@st.composite
def toy_overrides(draw):
    lo = draw(st.integers(1, 8))
    hi = draw(st.integers(lo, lo + 8))
    sets = [
        f"defenders.AA.detection_k={draw(fixed(0.001, 20))}",
        f"defenders.AA.border_guards={draw(st.integers(0, 400))}",
        f"defenders.AA.response_per_guard={draw(fixed(0.01, 2))}",
        f"defenders.AA.stop_per_guard={draw(fixed(0.05, 3))}",
        f"defenders.AA.pushback_share={draw(fixed(0, 1))}",
        f"defenders.AA.reception_capacity={draw(st.integers(0, 300))}",
        f"defenders.AA.detention_days={draw(fixed(1, 30))}",
        f"defenders.AA.abscond_share={draw(fixed(0, 1))}",
        f"defenders.AA.inland_detection={draw(fixed(0, 1))}",
        f"defenders.AA.fatigue.build_rate={draw(fixed(0, 2))}",
        f"defenders.AA.fatigue.sustainable_load={draw(fixed(0.01, 2))}",
        f"orchestrator.coercion={draw(fixed(0, 1))}",
        f"orchestrator.retry_days={draw(fixed(1, 6))}",
        f"orchestrator.tactics.0.intensity={draw(fixed(0, 1))}",
        f"orchestrator.tactics.0.group_size.min={lo}",
        f"orchestrator.tactics.0.group_size.max={hi}",
        f"supply.arrivals={draw(st.sampled_from(['poisson', 'fixed']))}",
        f"supply.routes.hub-capital.weekly_seats={draw(st.integers(0, 700))}",
        f"supply.vulnerable_share={draw(fixed(0, 1))}",
        f"transit.capital_dwell_days={draw(fixed(0.5, 6))}",
        f"transit.transport_capacity={draw(fixed(0, 200))}",
        f"humanitarian.temperature.seasonal.mean_c={draw(fixed(-25, 20))}",
        f"humanitarian.temperature.seasonal.noise_sd_c={draw(fixed(0, 6))}",
        f"humanitarian.exposure.cold_loss_at_0c={draw(fixed(0, 0.6))}",
        f"humanitarian.exposure.find_prob={draw(fixed(0, 1))}",
        f"humanitarian.exposure.hospital_days={draw(fixed(1, 8))}",
        f"humanitarian.zone_aid_access={draw(fixed(0, 1))}",
        f"returns.voluntary.base_rate={draw(fixed(0, 0.2))}",
        f"returns.voluntary.zone_factor={draw(fixed(0, 1))}",
        "returns.voluntary.max_rate=0.5",
        "end=2021-09-30",
    ]
    return draw(st.permutations(sets)), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toy_overrides())
def test_random_valid_parameters_conserve_people(case):
    sets, seed = case
    sim, initial = build(TOY, sets, seed)
    assert sim.check  # the sim checks itself every day and raises ConservationError …
    check_every_day(sim)
    sim.run()
    assert_conserved(sim, initial)  # … and we check the logs independently
    assert_results_consistent(sim, initial)


def ranged_params(obj, prefix="") -> dict:
    """--set paths of every parameter that declares a range, with the range."""
    out = {}
    if isinstance(obj, dict):
        if isinstance(obj.get("value"), (int, float)) and obj.get("range"):
            return {prefix: tuple(obj["range"])}
        for k, v in obj.items():
            out.update(ranged_params(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = i
            if isinstance(v, dict):
                key = next((v[k] for k in ("id", "code", "country", "node") if isinstance(v.get(k), str)), i)
            out.update(ranged_params(v, f"{prefix}.{key}"))
    return out


@pytest.mark.parametrize("draw", [0, 1])
def test_belarus_anywhere_in_its_ranges_conserves_people(draw):
    """An ensemble member: every parameter with a declared range drawn within it."""
    import random

    from borderlab.scenario.loader import load_scenario

    need_belarus()
    ranges = ranged_params(load_scenario(BELARUS).scenario.model_dump(mode="json", by_alias=True))
    assert len(ranges) > 20
    rng = random.Random(draw)
    sets = [f"{path}={rng.uniform(lo, hi):.6f}" for path, (lo, hi) in ranges.items()]
    sim, initial = build(BELARUS, sets, 100 + draw)
    check_every_day(sim)
    sim.run()
    assert_conserved(sim, initial)
    assert_results_consistent(sim, initial)
