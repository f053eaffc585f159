"""Numba kernels on hand-made inputs with hand-made random numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from borderlab.engine import kernels
from borderlab.engine.status import Status

# -- advance_travellers -------------------------------------------------------------------
# A line 0 → 1 → 2 → 3 with travel days 1, 2, 1; node 0 cannot reach 3 in this table.
T = int(Status.TRANSIT)
NEXT_HOP = np.array([
    [0, 1, -1, -1],
    [0, 1, 2, 2],
    [1, 1, 2, 3],
    [2, 2, 2, 3],
], dtype=np.int32)
TRAVEL = np.array([
    [0, 1, 9, 9],
    [1, 0, 2, 9],
    [9, 2, 0, 1],
    [9, 9, 1, 0],
], dtype=np.int32)
ARRIVE = np.array([Status.RETURNED, Status.CAPITAL, Status.STAGING, Status.ZONE], dtype=np.int8)


def travellers():
    #            p0  p1  p2  p3  p4  p5
    node = np.array([1, 3, 1, 1, 0, 1], dtype=np.int32)   # end of the current hop
    dest = np.array([3, 3, 3, 3, 3, 3], dtype=np.int32)
    ti = np.array([5, 5, 1, 6, 5, 0], dtype=np.int32)     # day they reach `node`
    status = np.full(6, T, dtype=np.int8)
    return node, dest, ti, status


def test_advance_travellers_by_hand():
    node, dest, ti, status = travellers()
    ids = np.array([0, 1, 2, 3, 4], dtype=np.int64)  # p5 is due but not asked about
    arrived = kernels.advance_travellers(ids, node, dest, ti, status, 5, NEXT_HOP, TRAVEL, ARRIVE)
    # p0 reaches node 1 today and sets off on the 2-day hop to node 2: there on day 7
    assert (node[0], ti[0], status[0], arrived[0]) == (2, 7, T, False)
    # p1 reaches its destination (node 3, a zone)
    assert (node[1], status[1], arrived[1]) == (3, Status.ZONE, True)
    # p2 was overdue since day 1: 1 → 2 (day 3) → 3 (day 4) → arrived, all in one call
    assert (node[2], ti[2], status[2], arrived[2]) == (3, 4, Status.ZONE, True)
    # p3 is still on the road (due day 6): untouched
    assert (node[3], ti[3], status[3], arrived[3]) == (1, 6, T, False)
    # p4 cannot go on (no next hop): stops where it is, with that node's status
    assert (node[4], status[4], arrived[4]) == (0, Status.RETURNED, True)
    # p5 was not in `ids`
    assert (node[5], ti[5], status[5]) == (1, 0, T)
    assert arrived.dtype == np.bool_ and arrived.tolist() == [False, True, True, False, True]


def test_advance_travellers_nobody():
    node, dest, ti, status = travellers()
    out = kernels.advance_travellers(np.array([], dtype=np.int64), node, dest, ti, status, 5,
                                     NEXT_HOP, TRAVEL, ARRIVE)
    assert out.size == 0


# -- expose_and_triage -------------------------------------------------------------------
def test_expose_and_triage_by_hand():
    Z, I, S, C = 4, 5, 3, 2  # zone, interior, staging, capital status codes (any distinct ints)
    status = np.array([Z, Z, I, S, Z, C], dtype=np.int8)
    node = np.array([0, 0, 0, 1, 0, 0], dtype=np.int32)
    country = np.array([0, 0, 1, -1, 0, 0], dtype=np.int8)
    health = np.array([0.9, 0.9, 0.9, 0.5, 0.05, 0.9], dtype=np.float32)
    vulnerable = np.array([False, True, False, False, False, False])
    frailty = np.array([1.0, 1.0, 2.0, 1.0, 1.0, 1.0], dtype=np.float32)
    days = np.array([2, 2, 0, 0, 0, 0], dtype=np.int16)
    exposure = np.array([1.0, 0.0])  # node 0 open forest, node 1 indoors
    aid_interior = np.array([0.0, 0.5])
    # loss = e · L · (1 + hunger · days_in_zone) · (vulnerable mult) · frailty − restore · access
    dead, need, access, cold, zsum, zcnt = kernels.expose_and_triage(
        status, node, country, health, vulnerable, frailty, days, exposure, 0.1, 0.5, 2.0,
        aid_interior, 0.2, 0.1, 0.3, np.int8(Z), np.int8(I), np.int8(S), 3, True, np.int8(C))
    # zone people count one more day first: days 3 → loss 0.1 · 2.5 = 0.25, + 0.1 · 0.2 aid
    assert health[0] == pytest.approx(0.9 - 0.25 + 0.02, abs=1e-6)
    assert health[1] == pytest.approx(0.9 - 0.5 + 0.02, abs=1e-6)  # vulnerable ×2
    assert health[2] == pytest.approx(0.9 - 0.1 * 2.0 + 0.1 * 0.5, abs=1e-6)  # frailty 2, inland aid 0.5
    assert health[3] == pytest.approx(0.5 + 0.1, abs=1e-6)  # indoors: full recovery rate
    assert health[4] < 0 and health[5] == pytest.approx(0.9 + 0.1)  # capital: hotels, full aid rate
    assert days.tolist() == [3, 3, 0, 0, 1, 0]
    assert dead.tolist() == [4]
    assert need.tolist() == []  # nobody alive is below 0.3
    # person-days below 0 °C by scope (country, last = orchestrator side): only the exposed
    assert cold.tolist() == [3, 1, 0]
    # zone health sums exclude the dead
    assert zcnt.tolist() == [2, 0, 0]
    assert zsum[0] == pytest.approx(health[0] + health[1], abs=1e-6)


# -- classify_attempts --------------------------------------------------------------------
def test_classify_attempts_by_hand():
    # group 0 answered (stop share 0.5), group 1 seen but unanswered, group 2 unseen,
    # group 3 answered with enough guards to stop everyone
    answered = np.array([True, False, False, True])
    detected = np.array([True, True, False, True])
    stop_frac = np.array([0.5, 0.5, 0.5, 1.0])
    group_of = np.array([0, 0, 1, 1, 2, 2, 2, 3])
    hold = np.array([0.2, 0.2, 0.3, 0.3, 0.2, 0.2, 0.0, 0.0])
    passability = np.array([1, 1, 1, 1, 0.5, 0.5, 1.0, 1.0])
    u = np.array([0.59, 0.61, 0.29, 0.31, 0.59, 0.61, 0.001, 0.999])
    code = kernels.classify_attempts(group_of, answered, detected, hold, stop_frac, passability, u)
    # answered: stopped with q = 1 − (1 − 0.5)(1 − 0.2) = 0.6 → u 0.59 intercepted (0), 0.61 crossed seen (3)
    # unanswered: held by the barrier alone, hold 0.3 → 0.29 held in sight (1), 0.31 crossed seen (3)
    # unseen: blocked with 1 − (1 − 0.2)·0.5 = 0.6 → 0.59 held unseen (2), 0.61 crossed unseen (4);
    #         no barrier, passable ground: nobody is blocked even with u = 0.001
    # answered with stop share 1: intercepted whatever u is
    assert code.tolist() == [0, 3, 1, 3, 2, 4, 4, 0]


# -- poisson_from_uniforms -----------------------------------------------------------------
def test_poisson_from_uniforms_is_the_inverse_cdf():
    rng = np.random.default_rng(0)
    u = rng.uniform(0.001, 0.999, size=300)
    for lam in (0.7, 2.0, 35.0, 480.0):
        out = np.zeros(u.size, dtype=np.int64)
        kernels.poisson_from_uniforms(u[:, None], np.full(u.size, lam), out)
        assert np.array_equal(out, poisson.ppf(u, lam).astype(np.int64)), lam


def test_poisson_from_uniforms_by_hand():
    # λ = 2: P(0) = 0.135, P(≤1) = 0.406, P(≤2) = 0.677, P(≤5) = 0.983, P(≤6) = 0.9955
    u = np.array([[0.1], [0.2], [0.5], [0.99]])
    out = np.zeros(4, dtype=np.int64)
    kernels.poisson_from_uniforms(u, np.full(4, 2.0), out)
    assert out.tolist() == [0, 1, 2, 6]
    # λ = 1200 is drawn as three pieces of mean 400, one uniform each
    u = np.array([[0.5, 0.5, 0.5]])
    out = np.zeros(1, dtype=np.int64)
    kernels.poisson_from_uniforms(u, np.array([1200.0]), out)
    assert out[0] == 3 * int(poisson.ppf(0.5, 400))
    kernels.poisson_from_uniforms(np.array([[0.7]]), np.array([0.0]), out)
    assert out[0] == 0


def test_hashed_uniforms_match_the_stream():
    from borderlab.engine.streams import Stream

    st = Stream(11, "k")
    ids = np.array([0, 5, 123456789], dtype=np.int64)
    out = np.empty(3)
    kernels.hashed_uniforms(st.day_key(4), ids, out)
    assert np.array_equal(out, st.uniform(4, ids))


def test_a_second_run_compiles_no_new_kernel_signatures():
    """Kernels are called with stable argument types, so numba compiles (or loads) each
    signature once per process; a second run adds none (the CLI's first-run note relies on it)."""
    from borderlab.engine.ahead_of_time import activate_jit
    from borderlab.engine.ahead_of_time import kernels as all_kernels
    from borderlab.runner import run_scenario

    def cache_hits() -> int:
        jitted = [k._dispatcher for k in all_kernels().values() if k._dispatcher is not None]
        return sum(sum(d.stats.cache_hits.values()) for d in jitted)

    activate_jit()   # the JIT path (a process with the built kernels compiles nothing at all)
    run_scenario("toy-border", seed=1)
    before, hits_before = kernels.compiled_signatures(), cache_hits()
    run_scenario("toy-border", seed=2)
    assert kernels.compiled_signatures() == before and cache_hits() == hits_before


def test_depart_people_moves_counts_flows_and_refuses_unroutable_batches():
    # graph 0 → 1 → 2 (one day a hop); node 3 is cut off
    next_hop = np.array([[0, 1, 1, -1], [0, 1, 2, -1], [1, 1, 2, -1], [-1, -1, -1, 3]], dtype=np.int32)
    travel = np.array([[0, 1, 2, 99], [1, 0, 1, 99], [2, 1, 0, 99], [99, 99, 99, 0]], dtype=np.int32)
    status = np.array([Status.CAPITAL, Status.STAGING, Status.ZONE], dtype=np.int8)
    node = np.array([0, 1, 3], dtype=np.int32)
    dest = np.full(3, -1, dtype=np.int32)
    ti_next = np.zeros(3, dtype=np.int32)
    flows = np.zeros((len(Status), len(Status)), dtype=np.int64)
    T = int(Status.TRANSIT)
    uids = np.array([0, 1], dtype=np.int64)
    bad = kernels.depart_people(uids, np.array([2, 2], np.int32), status, node, dest, ti_next, next_hop, travel, 10, T, flows)
    assert bad == -1
    assert list(status[:2]) == [T, T] and list(node[:2]) == [1, 2] and list(dest[:2]) == [2, 2]
    assert list(ti_next[:2]) == [11, 11]        # the first hop's arrival day
    assert flows[Status.CAPITAL, T] == 1 and flows[Status.STAGING, T] == 1 and flows.sum() == 2
    # person 2 sits on the cut-off node: the whole batch is refused, nothing changes
    before = (status.copy(), node.copy(), flows.copy())
    bad = kernels.depart_people(np.array([0, 2], np.int64), np.array([0, 0], np.int32), status, node, dest, ti_next,
                                next_hop, travel, 11, T, flows)
    assert bad == 1
    assert (status == before[0]).all() and (node == before[1]).all() and (flows == before[2]).all()


def test_admit_in_order_fills_each_country_in_the_order_given():
    country = np.array([1, 0, 1, 1, 0, 2], dtype=np.int64)
    admitted, taken = kernels.admit_in_order(country, np.array([1, 2, 0], dtype=np.int64))
    assert admitted.tolist() == [True, True, True, False, False, False]
    assert taken.tolist() == [1, 2, 0]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2**32 - 1))
def test_sort_stable_by_key_is_a_stable_argsort(n, seed):
    """Many equal keys (0..5) over lengths that cross the runs of 16 and the merges, for
    indices in any order inside a larger array: the order is NumPy's stable argsort's."""
    key = np.random.default_rng(seed).integers(0, 6, n).astype(np.float64)
    whole = np.concatenate(([-1], np.random.default_rng(seed).permutation(key.size), [-1]))
    idx = whole[1:-1]
    expected = idx[np.argsort(key[idx], kind="mergesort")]
    kernels.sort_stable_by_key(idx, key, np.empty(key.size + 3, dtype=np.int64))
    assert idx.tolist() == expected.tolist() and whole[0] == whole[-1] == -1


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.integers(0, 300), st.sampled_from([1000, 4097])), st.integers(0, 2**32 - 1))
def test_cumulative_shares_match_numpy_to_the_last_bit(n, seed):
    """Values over six orders of magnitude, so the order of the additions shows in the last
    bits: the kernel adds as NumPy's pairwise sum does (`numpy_sum`)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n)
    w = np.abs(a)
    expected = np.cumsum(w / w.sum()) if w.sum() > 0 else np.empty(0)
    assert kernels.cumulative_shares(w).tolist() == expected.tolist()
    assert kernels.cumulative_shares(np.zeros(3)).size == 0
