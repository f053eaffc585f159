"""Numba kernels for the per-person hot paths.

Kernels take their random numbers as inputs (Covasim's rule), so the same kernel gives the
same answer for the same draws, and tests can feed them hand-made numbers.
"""

from __future__ import annotations

import numpy as np

from .numba_cache import cached_njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@cached_njit(inline="always")
def _mix64(z):
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@cached_njit()
def hashed_uniforms(key, ids, out):
    """out[i] = uniform in [0, 1) determined only by (key, ids[i]).

    A counter-based generator (SplitMix64 finaliser over key + id·φ): each person's draw
    depends on their slot, not on how many others draw, so adding people or modules does
    not shift anyone's random numbers.
    """
    k = np.uint64(key)
    scale = 1.0 / 9007199254740992.0  # 2**-53
    for i in range(ids.shape[0]):
        z = _mix64(k + (np.uint64(ids[i]) + np.uint64(1)) * GOLDEN)
        out[i] = np.float64(z >> np.uint64(11)) * scale


@cached_njit()
def advance_travellers(ids, node, dest, ti_next, status, day, next_hop, travel_days, arrive_status):
    """Move travellers whose hop ends today one hop on; mark those who reached `dest`.

    Returns a boolean mask over `ids` of people who arrived at their final node today;
    their status is set from `arrive_status[node type]` by the caller's table.
    """
    arrived = np.zeros(ids.shape[0], dtype=np.bool_)
    for j in range(ids.shape[0]):
        i = ids[j]
        # several short hops may finish on the same day
        while ti_next[i] <= day:
            here = node[i]
            if here == dest[i]:
                arrived[j] = True
                status[i] = arrive_status[here]
                break
            nxt = next_hop[here, dest[i]]
            if nxt < 0:  # unreachable: stay where they are (validated away at load)
                arrived[j] = True
                status[i] = arrive_status[here]
                break
            node[i] = nxt
            ti_next[i] = ti_next[i] + travel_days[here, nxt]
    return arrived


@cached_njit()
def poisson_from_uniforms(u, lam, out):
    """Poisson draws by inverse transform, one uniform per draw (counter-based friendly).

    For large means the draw is split into pieces of mean ≤ 500 (a sum of independent
    Poissons is Poisson), each using its own uniform from `u[i, piece]`.
    """
    for i in range(lam.shape[0]):
        total = 0
        mean = lam[i]
        if mean > 0.0:
            pieces = int(np.ceil(mean / 500.0))
            m = mean / pieces
            for k in range(pieces):
                target = u[i, k]
                p = np.exp(-m)
                cdf = p
                x = 0
                while target > cdf and x < 100000:
                    x += 1
                    p *= m / x
                    cdf += p
                    if p < 1e-300 and x > m:
                        break
                total += x
        out[i] = total


@cached_njit()
def classify_attempts(group_of, answered, detected, hold, stop_frac, passability, u_stop):
    """Per person: 0 intercepted, 1 held at the line in sight, 2 held unseen, 3 crossed seen,
    4 crossed unseen — from group outcomes and one uniform per person."""
    n = group_of.shape[0]
    code = np.empty(n, dtype=np.int8)
    for j in range(n):
        g = group_of[j]
        code[j] = classify_one(answered[g], detected[g], hold[j], stop_frac[g], passability[j], u_stop[j])
    return code


@cached_njit(inline="always")
def classify_one(answered, detected, hold, stop_frac, passability, u):
    """One person's outcome code (see `classify_attempts`)."""
    if answered:
        return 0 if u < 1.0 - (1.0 - stop_frac) * (1.0 - hold) else 3
    if detected:
        return 1 if u < hold else 3
    return 2 if u < 1.0 - (1.0 - hold) * passability else 4


MAX_WAIT_DAYS = 1 << 30  # ~2.9 million years: day + wait still fits in int32


@cached_njit(inline="always")
def geometric_wait(u, mean):
    """One waiting time ≥ 1 day with mean `mean`: `module.geometric_from_uniform` for a
    single draw, with the same arithmetic (for fused kernels)."""
    return geometric_wait_given(u, mean, wait_denominator(mean))


@cached_njit(inline="always")
def wait_denominator(mean):
    """log1p(−1/mean), `geometric_wait`'s denominator: a kernel drawing many waits with one
    mean works it out once (LLVM does not hoist the libm call out of the loop)."""
    return np.log1p(-(1.0 / mean)) if mean > 1.0 else 0.0


@cached_njit(inline="always")
def geometric_wait_given(u, mean, denominator):
    """`geometric_wait(u, mean)` with `denominator = wait_denominator(mean)`."""
    if mean <= 1.0:
        return np.int32(1)
    days = 1 + np.floor(np.log1p(-u) / denominator)
    return np.int32(min(days, MAX_WAIT_DAYS))


@cached_njit()
def _trimmed(out, k):
    """The first k found: a view when most of the buffer is used, else a small copy, so a
    kept result does not pin a buffer the size of the population (memory per person)."""
    if 2 * k >= out.shape[0]:
        return out[:k]
    return out[:k].copy()


@cached_njit(inline="always")
def people(status, live):
    """The uids a pass looks at: `live` (ascending; see `Population.live`), or everyone."""
    if live is None:
        return np.arange(status.shape[0])
    return live


@cached_njit()
def keep_live(live, n, status, absorbed, country, dropped):
    """Drop from `live[:n]`, in place, the people now in an absorbing status (`absorbed[s]`),
    counting each in dropped[status, country + 1]; returns how many are left (in order)."""
    k = 0
    for j in range(n):
        i = live[j]
        s = status[i]
        live[k] = i
        if absorbed[s]:
            dropped[s, country[i] + 1] += 1
        else:
            k += 1
    return k


@cached_njit()
def keep_live_split_count(live, n, status, absorbed, country, dropped, which, n_groups, n_status, n_country):
    """The day-end walk, once for two jobs: today's `count_live_status_country` table and
    tomorrow's start — `keep_live`, and `split_live` into the groups `which[status]` (−1:
    none) — since nothing changes between the end of one day and the start of the next.
    Returns (how many are left, start, uids, table); group g is uids[start[g]:start[g + 1]].
    (`Population.start_day` calls it too when no day-end walk came first.)"""
    width = n_country + 1
    tally = np.zeros((4, n_status * width), dtype=np.int64)
    group = np.empty(n, dtype=np.int8)
    count = np.zeros(n_groups, dtype=np.int64)
    k = 0
    for j in range(n):
        i = live[j]
        s = status[i]
        live[k] = i
        if absorbed[s]:
            dropped[s, country[i] + 1] += 1  # counted in the table through `dropped`
        else:
            tally[j & 3, s * width + country[i] + 1] += 1
            g = which[s]
            group[k] = g
            if g >= 0:
                count[g] += 1
            k += 1
    start, uids = _gather_groups(live, group, k, count)
    return k, start, uids, _with_dropped(tally, dropped, n_status, width)


@cached_njit()
def _with_dropped(tally, dropped, n_status, width):
    """The table of everyone: the live people's interleaved tallies plus those dropped."""
    table = tally.sum(axis=0).reshape(n_status, width)
    for s in range(n_status):
        for c in range(width):
            table[s, c] += dropped[s, c]
    return table


@cached_njit()
def numpy_sum(a):
    """`a.sum()` as NumPy computes it, so a compiled phase adds floats in the same order and
    gives the same bits: pairwise — blocks of up to 128 summed with eight running sums, the
    halves of a longer array (cut at a multiple of 8) summed apart and added. NumPy recurses;
    this walks the same tree with an explicit stack (numba's cache mishandles recursion)."""
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    stage = np.zeros(64, dtype=np.int64)  # 0: not split yet, 1: left half being summed, 2: right half
    left = np.empty(64, dtype=np.float64)
    top = 0
    los[0] = 0
    ns[0] = a.shape[0]
    while True:
        if ns[top] > 128 and stage[top] == 0:
            stage[top] = 1
            los[top + 1] = los[top]
            ns[top + 1] = _left_half(ns[top])
            stage[top + 1] = 0
            top += 1
            continue
        v = _block_sum(a, los[top], ns[top])
        top -= 1
        while top >= 0:
            if stage[top] == 1:  # the left half is done: sum the right half next
                left[top] = v
                stage[top] = 2
                half = _left_half(ns[top])
                los[top + 1] = los[top] + half
                ns[top + 1] = ns[top] - half
                stage[top + 1] = 0
                top += 1
                break
            v = left[top] + v
            top -= 1
        if top < 0:
            return v


@cached_njit(inline="always")
def _left_half(n):
    half = n // 2
    return half - half % 8


@cached_njit()
def _block_sum(a, lo, n):
    """NumPy's sum of up to 128 values: a plain loop under 8, else eight running sums."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r = a[lo:lo + 8].copy()
    i = 8
    while i < n - (n % 8):
        for k in range(8):
            r[k] += a[lo + i + k]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@cached_njit()
def cumulative_shares(w):
    """np.cumsum(w / w.sum()), to the last bit, or an empty array where the sum is not
    positive: the cumulative chance of each option weighted by w."""
    total = numpy_sum(w)
    if total <= 0.0:
        return np.empty(0, dtype=np.float64)
    out = np.empty(w.shape[0], dtype=np.float64)
    acc = 0.0
    for j in range(w.shape[0]):
        acc += w[j] / total
        out[j] = acc
    return out


@cached_njit(inline="always")
def sort_stable_by_key(idx, key, scratch):
    """Sort `idx` in place by key[idx], equal keys keeping their order: what
    `idx[:] = idx[np.argsort(key[idx], kind="mergesort")]` does, without its three
    arrays — insertion sort on runs of 16, then bottom-up merges through `scratch`
    (at least as long as `idx`). For keys that are never NaN."""
    n = idx.shape[0]
    run = 16
    for lo in range(0, n, run):
        hi = min(lo + run, n)
        for j in range(lo + 1, hi):
            x = idx[j]
            kx = key[x]
            m = j - 1
            while m >= lo and key[idx[m]] > kx:
                idx[m + 1] = idx[m]
                m -= 1
            idx[m + 1] = x
    width = run
    src, dst = idx, scratch[:n]
    in_scratch = False  # where the sorted runs are
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if key[src[j]] < key[src[i]]:  # the left run wins ties: stable
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
        src, dst = dst, src
        in_scratch = not in_scratch
        width *= 2
    if in_scratch:
        idx[:] = src


@cached_njit()
def merge_ascending(a, b):
    """The ascending union of two ascending uid lists (a uid in both is kept once)."""
    out = np.empty(a.shape[0] + b.shape[0], dtype=np.int64)
    i = j = k = 0
    while i < a.shape[0] and j < b.shape[0]:
        if a[i] < b[j]:
            out[k] = a[i]
            i += 1
        elif b[j] < a[i]:
            out[k] = b[j]
            j += 1
        else:
            out[k] = a[i]
            i += 1
            j += 1
        k += 1
    while i < a.shape[0]:
        out[k] = a[i]
        i += 1
        k += 1
    while j < b.shape[0]:
        out[k] = b[j]
        j += 1
        k += 1
    return out[:k]


@cached_njit()
def split_live(live, status, which, n_groups):
    """One pass over `live`: the uids of each group g (ascending), where a person's group is
    which[status] (−1: none). Returns (start, uids): group g is uids[start[g]:start[g + 1]]."""
    n = live.shape[0]
    group = np.empty(n, dtype=np.int8)
    count = np.zeros(n_groups, dtype=np.int64)
    for j in range(n):
        g = which[status[live[j]]]
        group[j] = g
        if g >= 0:
            count[g] += 1
    return _gather_groups(live, group, n, count)


@cached_njit()
def _gather_groups(live, group, n, count):
    """The uids live[j] (j < n) of each group, group after group, each in order: (start,
    uids); group[j] is live[j]'s group (−1: none), count[g] its size. A byte per person
    between the two passes, not a buffer of everyone per group (memory per person)."""
    n_groups = count.shape[0]
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        start[g + 1] = start[g] + count[g]
    items = np.empty(start[n_groups], dtype=np.int64)
    fill = start[:-1].copy()
    for j in range(n):
        g = group[j]
        if g >= 0:
            items[fill[g]] = live[j]
            fill[g] += 1
    return start, items


@cached_njit()
def find_status(status, code, live=None):
    """Indices of people with status `code` (one pass, no temporary mask)."""
    ids = people(status, live)
    out = np.empty(ids.shape[0], dtype=np.int64)
    k = 0
    for i in ids:
        if status[i] == code:
            out[k] = i
            k += 1
    return _trimmed(out, k)


@cached_njit()
def find_status_due(status, code, ti_next, day, live=None):
    """Indices of people with status `code` whose next action is due (ti_next <= day)."""
    ids = people(status, live)
    out = np.empty(ids.shape[0], dtype=np.int64)
    k = 0
    for i in ids:
        if status[i] == code and ti_next[i] <= day:
            out[k] = i
            k += 1
    return _trimmed(out, k)


@cached_njit()
def find_statuses(status, codes, live=None):
    """Indices of people whose status is any of `codes`."""
    hit = np.zeros(128, dtype=np.bool_)
    for c in codes:
        hit[c] = True
    ids = people(status, live)
    out = np.empty(ids.shape[0], dtype=np.int64)
    k = 0
    for i in ids:
        if hit[status[i]]:
            out[k] = i
            k += 1
    return _trimmed(out, k)


@cached_njit()
def count_statuses(status, n_status):
    """Number of people in each status (a bincount without converting int8 to intp)."""
    return count_status_country(status, np.zeros(0, dtype=np.int8), n_status, 0).sum(axis=1)


@cached_njit()
def count_status_country(status, country, n_status, n_country):
    """table[s, c + 1] = people with status s and country c (column 0: no country; all
    people in column 0 when `country` is empty). Four interleaved tallies, so that runs
    of equal values do not wait on each other's increments (one full pass a day)."""
    width = n_country + 1
    tally = np.zeros((4, n_status * width), dtype=np.int64)
    n = status.shape[0]
    by_country = country.shape[0] > 0
    for i in range(n):
        cell = status[i] * width + (country[i] + 1 if by_country else 0)
        tally[i & 3, cell] += 1
    return tally.sum(axis=0).reshape(n_status, width)


@cached_njit()
def count_live_status_country(status, country, live, dropped, n_status, n_country):
    """`count_status_country` of everyone, from one pass over `live` and the people dropped
    from it (`dropped`, counted by `keep_live`: nobody leaves an absorbing status or changes
    country there, so their counts stand)."""
    width = n_country + 1
    tally = np.zeros((4, n_status * width), dtype=np.int64)
    for j in range(live.shape[0]):
        i = live[j]
        tally[j & 3, status[i] * width + country[i] + 1] += 1
    return _with_dropped(tally, dropped, n_status, width)


@cached_njit()
def conservation_gaps(before, created, flows, after, absorbed):
    """The day's bookkeeping in one pass: (people who left an absorbing status, None or
    per status after − (before + created + inflows − outflows))."""
    n = before.shape[0]
    left = 0
    gap = np.zeros(n, dtype=np.int64)
    bad = False
    for s in range(n):
        expected = before[s] + created[s]
        for r in range(n):
            expected += flows[r, s] - flows[s, r]
            if absorbed[s] and r != s:
                left += flows[s, r]
        gap[s] = after[s] - expected
        bad = bad or gap[s] != 0
    return left, (gap if bad else None)


@cached_njit()
def hashed_uniform_one(key, uid):
    """The uniform `hashed_uniforms` gives for one id (for fused kernels)."""
    z = _mix64(np.uint64(key) + (np.uint64(uid) + np.uint64(1)) * GOLDEN)
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@cached_njit()
def expose_and_triage(status, node, country, health, vulnerable, frailty, days_in_zone, node_exposure,
                      loss_today, hunger_per_day, vulnerable_mult, aid_interior, zone_aid, aid_restore,
                      threshold, zone_code, interior_code, staging_code, n_scopes, freezing,
                      capital_code=-1, live=None):
    """One day outdoors for everyone in the zone, inland or at staging, in one pass.

    health -= exposure·loss·(1 + hunger·days_in_zone)·(vulnerable mult)·frailty − aid_restore·access
    (capped at 1); days_in_zone += 1 in the zone. Where exposure is 0 (indoors, a shelter)
    and in the capital's hotels, access is 1: people recover at the full aid rate. Returns the dead, those in need of care
    with their aid access, person-days below 0 °C per scope, and zone health sums/counts.
    """
    dead, need, need_access, cold_days, zone_sum, zone_cnt, _ = expose_and_give_up(
        status, node, country, health, vulnerable, frailty, days_in_zone, node_exposure, loss_today,
        hunger_per_day, vulnerable_mult, aid_interior, zone_aid, aid_restore, threshold, zone_code, interior_code,
        staging_code, n_scopes, freezing, capital_code, live, False, np.zeros(0, dtype=np.int32), 0,
        np.uint64(0), 0.0, 0.0, 0.0, 0.0)
    return dead, need, need_access, cold_days, zone_sum, zone_cnt


@cached_njit()
def expose_and_give_up(status, node, country, health, vulnerable, frailty, days_in_zone, node_exposure,
                       loss_today, hunger_per_day, vulnerable_mult, aid_interior, zone_aid, aid_restore,
                       threshold, zone_code, interior_code, staging_code, n_scopes, freezing, capital_code, live,
                       returns_on, ti_created, day, key_return, base, per_day, max_rate, zone_factor):
    """`expose_and_triage`, and — when `returns_on` — `voluntary_returns` for the living in
    the same pass (one walk over everyone a day instead of two: `Health.expose`). Returns
    `expose_and_triage`'s results and the uids who give up today (some may be hospitalised
    by the caller afterwards: they do not go)."""
    ids = people(status, live)
    n = ids.shape[0]
    dead = np.empty(n, dtype=np.int64)
    need = np.empty(n, dtype=np.int64)
    need_access = np.empty(n, dtype=np.float64)
    giving_up = np.empty(n if returns_on else 0, dtype=np.int64)
    n_dead = n_need = n_giving_up = 0
    cold_days = np.zeros(n_scopes, dtype=np.int64)
    zone_sum = np.zeros(n_scopes, dtype=np.float64)
    zone_cnt = np.zeros(n_scopes, dtype=np.int64)
    for i in ids:
        st = status[i]
        if st == capital_code:  # hotels in the capital: indoors, recovering at the full aid rate
            if health[i] < 1.0:
                h = health[i] + aid_restore
                health[i] = h if h < 1.0 else 1.0
        elif st == zone_code or st == interior_code or st == staging_code:
            c = country[i]
            scope = c if c >= 0 else n_scopes - 1
            access = 0.0
            if st == zone_code:
                days_in_zone[i] += 1
                access = zone_aid
            elif st == interior_code and c >= 0:
                access = aid_interior[c]
            e = node_exposure[node[i]]
            if e <= 0.0:
                access = 1.0  # indoors (a shelter, a building): full recovery rate
            loss = e * loss_today * (1.0 + hunger_per_day * days_in_zone[i])
            if vulnerable[i]:
                loss *= vulnerable_mult
            loss *= frailty[i]
            h = health[i] - loss + aid_restore * access
            if h > 1.0:
                h = 1.0
            health[i] = h
            if freezing and e > 0.0:
                cold_days[scope] += 1
            if h <= 0.0:
                dead[n_dead] = i
                n_dead += 1
                continue  # the dead neither count in the zone nor go home
            if h < threshold:
                need[n_need] = i
                need_access[n_need] = access
                n_need += 1
            if st == zone_code:
                zone_sum[scope] += h
                zone_cnt[scope] += 1
        if returns_on and gives_up(i, st, day - ti_created[i], key_return, base, per_day, max_rate, zone_factor,
                                   capital_code, staging_code, zone_code):
            giving_up[n_giving_up] = i
            n_giving_up += 1
    return (dead[:n_dead], need[:n_need], need_access[:n_need], cold_days, zone_sum, zone_cnt,
            giving_up[:n_giving_up])


@cached_njit()
def voluntary_returns(status, ti_created, day, key, base, per_day, max_rate, zone_factor,
                      capital_code, staging_code, zone_code, live=None):
    """uids of stranded people who give up today: u < min(max, base + per_day·days)·(zone factor)."""
    ids = people(status, live)
    out = np.empty(ids.shape[0], dtype=np.int64)
    k = 0
    for i in ids:
        if gives_up(i, status[i], day - ti_created[i], key, base, per_day, max_rate, zone_factor, capital_code,
                    staging_code, zone_code):
            out[k] = i
            k += 1
    return _trimmed(out, k)


@cached_njit(inline="always")
def gives_up(i, st, days_stranded, key, base, per_day, max_rate, zone_factor, capital_code, staging_code,
             zone_code):
    """Whether person `i` (status `st`, arrived `days_stranded` days ago) gives up today:
    u < min(max, base + per_day·days)·(zone factor) in the capital, at staging or in the zone."""
    if st != capital_code and st != staging_code and st != zone_code:
        return False
    rate = base + per_day * days_stranded
    if rate > max_rate:
        rate = max_rate
    if st == zone_code:
        rate *= zone_factor
    return rate > 0.0 and hashed_uniform_one(key, i) < rate


@cached_njit()
def depart_people(uids, dest, status, node, dest_col, ti_next, next_hop, travel_days, day, transit_code, flows):
    """Send `uids` towards `dest` (one per person): first hop, arrival day, status TRANSIT,
    the flows from each one's old status counted. Returns −1, or the position of the first
    person with no route (then nothing is changed)."""
    for j in range(uids.shape[0]):
        if next_hop[node[uids[j]], dest[j]] < 0:
            return j
    for j in range(uids.shape[0]):
        i = uids[j]
        here = node[i]
        nxt = next_hop[here, dest[j]]
        flows[status[i], transit_code] += 1
        status[i] = transit_code
        dest_col[i] = dest[j]
        node[i] = nxt
        ti_next[i] = day + travel_days[here, nxt]
    return -1


@cached_njit()
def admit_in_order(country, free):
    """Admit people in the order given while their country has `free` places left; returns
    the admitted mask and the number admitted per country."""
    admitted = np.zeros(country.shape[0], dtype=np.bool_)
    taken = np.zeros(free.shape[0], dtype=np.int64)
    for j in range(country.shape[0]):
        c = country[j]
        if taken[c] < free[c]:
            admitted[j] = True
            taken[c] += 1
    return admitted, taken


def compiled_signatures() -> int:
    """Kernel signatures this process compiled rather than loaded from the ahead-of-time
    build or numba's on-disk cache: non-zero only on the first run after installing (or
    after a kernel changed). Counts these kernels and the phase kernels beside each
    mechanism (borderlab.models)."""
    from .ahead_of_time import jit_active

    if not jit_active():
        return 0   # numba never ran: every kernel came from the build
    import sys

    from numba.core.registry import CPUDispatcher

    spaces = [globals()] + [vars(m) for name, m in list(sys.modules.items())
                            if name.startswith("borderlab.models.") and m is not None]
    dispatchers = {id(d): d for space in spaces for d in space.values() if isinstance(d, CPUDispatcher)}
    return sum(sum(d.stats.cache_misses.values()) for d in dispatchers.values())
