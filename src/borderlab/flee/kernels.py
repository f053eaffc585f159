"""Numba kernels for Flee's daily agent update: move or stay, choose a route, travel.

Agents are processed one after another in creation order, exactly as Flee walks its agent
list, because occupancy is shared state: an agent leaving a camp or arriving at one changes
the capacity multiplier the next agent sees. The kernels therefore run serially, but in
compiled code over structure-of-arrays state, with no Python per agent.

Randomness comes in as stream keys, not as a generator: every draw is the project's
counter-based uniform `hashed_uniform_one(key, agent · SLOTS + k)`, where the key is the
day's key of a named stream ("flee.move", "flee.route", "flee.walk") and `k` numbers the
draws of one agent within the day (0 in the morning, 1, 2, … for each further stop on a
long day). A run is thus fixed by its seed, and a draw depends only on (seed, stream, day,
agent, k) — not on how many other agents drew before.
"""

from __future__ import annotations


from ..engine.kernels import hashed_uniform_one
from ..engine.numba_cache import cached_njit

SLOTS = 128        # draw slots per agent per day
MAX_STOPS = 100    # most stops (evolveMore steps) in one day; guards zero-length routes


@cached_njit(inline="always")
def capacity_multiplier(n_here, capacity, buffer):
    """Flee's getCapMultiplier: 1 below buffer·capacity, 0 at capacity, linear between;
    1 for places without a capacity (< 1)."""
    if capacity < 1.0:
        return 1.0
    if n_here <= buffer * capacity:
        return 1.0
    if n_here >= capacity:
        return 0.0
    return 1.0 - (n_here - buffer * capacity) / (capacity * (1.0 - buffer))


@cached_njit(inline="always")
def wants_to_move(i, k, force_town, here, movechance, is_town, key_move):
    """Flee's move-chance roll (1 for a town on a forced move)."""
    mc = 1.0 if (force_town and is_town[here]) else movechance[here]
    if mc <= 0.0:
        return False
    return hashed_uniform_one(key_move, i * SLOTS + k) < mc


AT_PLACE = -1      # link[i] of an agent resting at a location
DEACTIVATED = -2   # link[i] of an agent a sink camp deactivated (still counted there)


@cached_njit()
def advance_day(n_agents, loc, link, on_link, epoch_at, first_leg, recent, route, route_len, count,
                trav, n_trav, new_trav, merged,
                movechance, is_town, is_camp, capacity, buffer,
                c_ptr, c_dest, c_denom, c_home, c_path_ptr, c_path,
                out_ptr, out_link, link_src, link_dst, link_dist, link_speed, link_walk, link_open, link_epoch,
                score, w_soft, w_power, uniform_choice, walk_speed, max_move_speed, start_on_foot, avoid_short_stints,
                multi_hop, track_epochs, key_move, key_route, key_walk, wbuf, use_demo, demo, base_score, after_score):
    """One Flee day for all agents, in two passes in creation order.

    Pass 0 (Flee's evolve loop): every agent at a location rolls its move chance and, if
    it moves, sets off (below). Pass 1 (Flee's finish_travel loop): every traveller adds the
    day's speed to its progress on the link; on arriving (progress > distance) it is sent
    back if the link was closed since it boarded, otherwise it reaches the end point and,
    if it has covered less than that day's speed, rolls again there (evolveMore) and may set
    off at once, a full day's speed being credited to the new link, as in Flee.

    Setting off (the rest of Flee's Person.evolve): with no planned route, choose one by
    Flee's selectRoute weights ((weight_softening + score·home) / (softening + km)^power ×
    capacity multiplier, all to weight_power; equal weights if all are zero); then take
    the route's next link unless it is closed or the route ends at a camp whose capacity
    multiplier is below 0.5. The set-off code appears once, inside the loop, because a
    helper function taking this many arrays would pay reference counting on every call.

    Pass 1 visits only travellers: `trav[:n_trav]` lists (ascending) those still on a link
    from earlier days, pass 0 lists those who set off, and the two are merged, so the
    agents resting in camps cost one roll a day. (With avoid_short_stints every agent is
    visited, since everyone's recent-travel index decays.) On return `trav` lists the
    agents on a link at the end of the day. Returns (arrivals, agents on a link).

    Demographic rules (`use_demo`, demographics.py): `demo[i]` is the agent's class; a
    CHILD sees base_score² × after_score, a RISK_TAKER after_score alone (Flee's base score
    set to 1), an ADULT the full `score` (= base_score × after_score).

    Memory an event does not need is not touched: routes are stored only when some route
    has several links (`multi_hop`), closure counts only when links can close
    (`track_epochs`), the first-leg flag only with start_on_foot."""
    stops = 0
    n_new = 0
    n_merged = 0
    n_next = 0
    for phase in range(2):
        if phase == 1:
            # merge yesterday's travellers with today's departures, both ascending
            a_i = 0
            b_i = 0
            while a_i < n_trav or b_i < n_new:
                if b_i >= n_new or (a_i < n_trav and trav[a_i] < new_trav[b_i]):
                    merged[n_merged] = trav[a_i]
                    a_i += 1
                else:
                    merged[n_merged] = new_trav[b_i]
                    b_i += 1
                n_merged += 1
        n_visit = n_agents if (phase == 0 or avoid_short_stints) else n_merged
        for q in range(n_visit):
            i = q if (phase == 0 or avoid_short_stints) else merged[q]
            hop = 0
            moved = 0.0
            pending = False
            if phase == 0:
                if link[i] != AT_PLACE or not wants_to_move(i, 0, False, loc[i], movechance, is_town, key_move):
                    continue
                pending = True
            elif link[i] == DEACTIVATED:
                continue
            while True:
                if pending:
                    pending = False
                    here = loc[i]
                    n = route_len[i] if multi_hop else 0
                    chosen = True
                    nxt = -1
                    final = -1
                    if n == 0:
                        a = c_ptr[here]
                        b = c_ptr[here + 1]
                        if a == b:
                            chosen = False
                        else:
                            u = hashed_uniform_one(key_route, i * SLOTS + hop)
                            pick = b - 1
                            total = 0.0
                            if not uniform_choice:
                                for c in range(a, b):
                                    d = c_dest[c]
                                    sd = score[d]
                                    if use_demo:
                                        g = demo[i]
                                        if g == 1:
                                            sd = base_score[d] * base_score[d] * after_score[d]
                                        elif g == 2:
                                            sd = after_score[d]
                                    w = ((w_soft + sd * c_home[c]) / c_denom[c]
                                         * capacity_multiplier(count[d], capacity[d], buffer))
                                    if w_power != 1.0:
                                        w = w ** w_power
                                    wbuf[c - a] = w
                                    total += w
                            if total > 0.0:
                                target = u * total
                                acc = 0.0
                                for c in range(a, b):
                                    acc += wbuf[c - a]
                                    if target < acc:
                                        pick = c
                                        break
                            else:  # awareness 0, or all weights zero: equal weights
                                pick = a + int(u * (b - a))
                            p0 = c_path_ptr[pick]
                            n = c_path_ptr[pick + 1] - p0
                            nxt = c_path[p0]
                            final = c_path[p0 + n - 1]
                            if n > 1:  # a multi-link route is remembered (awareness > 1, markers)
                                for j in range(n):
                                    route[i, j] = c_path[p0 + j]
                                route_len[i] = n
                    else:
                        nxt = route[i, 0]
                        final = route[i, n - 1]
                    if chosen:  # take_next_step
                        found = -1
                        for j in range(out_ptr[here], out_ptr[here + 1]):
                            lk = out_link[j]
                            if link_open[lk] and link_dst[lk] == nxt:
                                found = lk
                                break
                        if found < 0 or (is_camp[final] and capacity_multiplier(count[final], capacity[final], buffer) < 0.5):
                            if multi_hop:
                                route_len[i] = 0
                        else:
                            if multi_hop:
                                for j in range(n - 1):
                                    route[i, j] = route[i, j + 1]
                                route_len[i] = n - 1
                            count[here] -= 1
                            link[i] = found
                            on_link[i] = 0.0
                            if track_epochs:
                                epoch_at[i] = link_epoch[found]
                            if phase == 0:
                                new_trav[n_new] = i
                                n_new += 1
                    if phase == 0:
                        break
                # travel (pass 1 only)
                lk = link[i]
                if lk < 0:
                    break
                speed = link_speed[lk]
                if start_on_foot and first_leg[i]:
                    speed = walk_speed
                if link_walk[lk] > 0.0 and hashed_uniform_one(key_walk, i * SLOTS + hop) < link_walk[lk]:
                    speed = walk_speed
                on_link[i] += speed
                moved += speed
                if on_link[i] <= link_dist[lk]:
                    break
                if start_on_foot:
                    first_leg[i] = False
                moved += link_dist[lk] - on_link[i]
                link[i] = AT_PLACE
                on_link[i] = 0.0
                if track_epochs and link_epoch[lk] != epoch_at[i]:  # closed since boarding: back to the start
                    loc[i] = link_src[lk]
                    count[link_src[lk]] += 1
                    break
                loc[i] = link_dst[lk]
                count[link_dst[lk]] += 1
                stops += 1
                if moved >= speed or hop >= MAX_STOPS:
                    break
                hop += 1
                force = avoid_short_stints and (recent[i] + moved / max_move_speed) / 2.0 < 0.5
                if not wants_to_move(i, hop, force, loc[i], movechance, is_town, key_move):
                    break
                pending = True
            if phase == 1:
                if avoid_short_stints:
                    recent[i] = (recent[i] + moved / max_move_speed) / 2.0
                if link[i] >= 0:
                    trav[n_next] = i
                    n_next += 1
    return stops, n_next


@cached_njit()
def deactivate_in_camps(n_agents, loc, link, is_camp, probability, key):
    """camps_are_sinks: an agent resting in a camp stops moving with that camp's
    deactivation_probability. As in Flee it stays in the camp's count. Returns how many."""
    k = 0
    for i in range(n_agents):
        if link[i] == AT_PLACE:
            here = loc[i]
            if is_camp[here] and probability[here] > 0.0:
                if hashed_uniform_one(key, i) < probability[here]:
                    link[i] = DEACTIVATED
                    k += 1
    return k
