"""People as typed, growable NumPy arrays (one slot per person, slot index = uid).

Modules declare the columns they need (`Column`); the population grows them together.
Every status change goes through `transition`, which counts flows and traces the people
being followed, so stocks and flows stay consistent and `story(uid)` can narrate a life.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from . import kernels
from .status import ABSORBING, N_STATUS, Status

# IS_ABSORBED[s]: nobody leaves status s, so the daily passes can skip its people
IS_ABSORBED = np.zeros(N_STATUS, dtype=np.bool_)
IS_ABSORBED[[int(s) for s in ABSORBING]] = True


# countries 0 … ANY_COUNTRY − 1 (an int8 column, −1: none): the widest count by country
ANY_COUNTRY = 128

# slots filled at a time by `Population.fill_ahead`'s draws (or an eighth of those filled)
FILL_AHEAD = 4096


NODE = "node"  # a column dtype: the narrowest integer holding every node of the graph (`node_dtype`)


@dataclass(frozen=True)
class Column:
    """A per-person state array: its dtype (or NODE) and the value new people start with."""

    name: str
    dtype: str
    default: float | int | bool = 0

    def for_graph(self, n_nodes: int | None) -> "Column":
        """This column with a NODE dtype made concrete for a graph of `n_nodes`."""
        return replace(self, dtype=node_dtype(n_nodes)) if self.dtype == NODE else self


def node_dtype(n_nodes: int | None) -> str:
    """int16 where every node id (and −1) fits, else int32 (or when the graph is not
    known): the node columns are walked every day, and two bytes less a person is less
    memory to stream."""
    return "int16" if n_nodes is not None and n_nodes < 2**15 else "int32"


CORE_COLUMNS = (
    Column("status", "int8", int(Status.TRANSIT)),
    Column("node", NODE, -1),  # current node, or the node being travelled to
    Column("dest", NODE, -1),  # final node of the current journey
    Column("ti_next", "int32", 0),  # day of the next scheduled action
    Column("ti_created", "int32", 0),  # day the person entered the model
    Column("country", "int8", -1),  # defending country faced, crossed into or held by
)


class Population:
    """Fixed-capacity arrays that double when full; `n` people are in use."""

    def __init__(self, columns: list[Column], capacity: int = 1024, n_nodes: int | None = None):
        columns = [c.for_graph(n_nodes) for c in columns]  # NODE columns: int32 unless told the graph
        names = [c.name for c in columns]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"columns declared twice: {sorted(dupes)}")
        self.columns = {c.name: c for c in columns}
        self.capacity = max(int(capacity), 16)
        self.n = 0
        self._data = {
            c.name: np.full(self.capacity, c.default, dtype=c.dtype) for c in columns
        }
        self.flows = np.zeros((N_STATUS, N_STATUS), dtype=np.int64)  # today's flows
        self.created_today = np.zeros(N_STATUS, dtype=np.int64)
        self.traced: dict[int, list[tuple[int, str]]] = {}
        self.day = 0
        # uids not in an absorbing status when the day started, and everyone created since, in
        # ascending order: the daily passes look only at these (most people end absorbed)
        # kept in a buffer that grows like the columns: a day's newcomers are appended and the
        # absorbed dropped in place, instead of copying the whole list every day
        self._live = np.empty(self.capacity, dtype=np.int64)
        self.n_live = 0
        self.live = self._live[:0]
        # the people dropped from `live`, by status and country + 1 (−1 … 127): absorbed,
        # so these counts stand for the rest of the run (`count_status_country`)
        self.dropped = np.zeros((N_STATUS, ANY_COUNTRY + 1), dtype=np.int64)
        self._groups: dict = {}  # live_groups of the day: key → (which, lists)
        self._day_start_groups: list = []  # [(key, number of groups)] made while `live` is compacted
        self._day_start_which = np.full(N_STATUS, -1, dtype=np.int64)  # their groups, numbered on
        self._which: dict = {}  # key → the group of each status (groups are fixed per key)
        self._prepared = None  # (day, start, uids): that day's groups, made by the day-end walk
        self._fillers: dict = {}  # column → values(uids): starting values drawn by uid (`fill_ahead`)
        self._filled = 0  # slots below this hold their filler columns' values already
        clash = [n for n in names if hasattr(type(self), n) or n in self.__dict__]
        if clash:
            raise ValueError(f"column names clash with Population attributes: {clash}")
        self._refresh_views()

    # -- column access -------------------------------------------------------------
    def _refresh_views(self) -> None:
        """`pop.status` etc. are plain attributes holding views of length `n`, renewed
        whenever `n` or the storage changes (attribute access is on every hot path)."""
        for name, arr in self._data.items():
            self.__dict__[name] = arr[: self.n]

    def column(self, name: str) -> np.ndarray:
        """The live view of one column (length `n`)."""
        return self._data[name][: self.n]

    @property
    def nbytes(self) -> int:
        """Bytes held by the person arrays (capacity included)."""
        return sum(a.nbytes for a in self._data.values())

    @property
    def bytes_per_slot(self) -> int:
        return sum(a.itemsize for a in self._data.values())

    # -- growth --------------------------------------------------------------------
    def expect(self, more: int) -> None:
        """Make room now for `more` people beyond the current capacity (no doubling): a
        module that knows roughly how many people it will create during the run sizes the
        arrays while the sim is built, instead of doubling them — copying everyone — mid-run."""
        if more > 0:
            self.reserve(self.capacity + int(more), exact=True)
            if self._live.shape[0] < self.capacity:
                grown = np.empty(self.capacity, dtype=np.int64)
                grown[: self.n_live] = self._live[: self.n_live]
                self._live = grown
                self.live = self._live[: self.n_live]

    def fill_ahead(self, name: str, values_of) -> None:
        """Column `name` starts, for the person who will take slot uid, at values_of(uids)[k]
        — a draw keyed by uid alone (frailty, vulnerable): `add` fills slots ahead, at least
        `FILL_AHEAD` at a time, instead of a module drawing for each day's few newcomers.
        A value given to `add` for the column wins."""
        if name not in self._data:
            raise KeyError(f"unknown population column: {name}")
        self._fillers[name] = values_of

    def _fill_to(self, stop: int) -> None:
        end = min(self.capacity, max(stop, self._filled + FILL_AHEAD, self._filled + self._filled // 8))
        uids = np.arange(self._filled, end, dtype=np.int64)
        for name, values_of in self._fillers.items():
            self._data[name][self._filled:end] = values_of(uids)
        self._filled = end

    def reserve(self, capacity: int, exact: bool = False) -> None:
        """Grow every column to at least `capacity` slots (amortised doubling; `exact`:
        to `capacity` itself)."""
        if capacity <= self.capacity:
            return
        new_cap = capacity if exact else max(capacity, 2 * self.capacity)
        for name in list(self._data):
            arr = self._data[name]
            self.__dict__.pop(name, None)  # drop the view so the old array is freed column by column
            col = self.columns[name]
            grown = np.full(new_cap, col.default, dtype=arr.dtype)
            keep = max(self.n, self._filled)  # slots filled ahead keep their values
            grown[:keep] = arr[:keep]
            self._data[name] = grown
            del arr
        self.capacity = new_cap
        self._refresh_views()

    def add(self, count: int, also_set: tuple[str, ...] = (), **values) -> np.ndarray:
        """Create `count` people; keyword arrays or scalars set their columns. Returns uids.
        `also_set`: columns the caller writes itself right after (named in the trace).
        (Called every day for the day's boarders: kept to plain slices, no per-person work.)"""
        count = int(count)
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        data = self._data
        if not data.keys() >= values.keys():
            raise KeyError(f"unknown population columns: {sorted(set(values) - set(data))}")
        start = self.n
        stop = start + count
        if stop > self.capacity:
            self.reserve(stop)
            data = self._data
        if stop > self._filled and self._fillers:
            self._fill_to(stop)
        for name, value in values.items():
            data[name][start:stop] = value
        data["ti_created"][start:stop] = self.day
        self.n = stop
        self._refresh_views()
        uids = np.arange(start, stop, dtype=np.int64)
        n_live = self.n_live
        if n_live + count > self._live.shape[0]:
            grown = np.empty(max(n_live + count, 2 * self._live.shape[0]), dtype=np.int64)
            grown[:n_live] = self._live[:n_live]
            self._live = grown
        self._live[n_live:n_live + count] = uids
        self.n_live = n_live + count
        self.live = self._live[:self.n_live]
        one = values.get("status", self.columns["status"].default)
        if not (isinstance(one, (list, tuple)) or (isinstance(one, np.ndarray) and one.ndim)):  # all in one status
            one = int(one)
            for which, lists in self._groups.values():  # newcomers join today's lists of their status
                g = which[one]
                if g >= 0:
                    lists[g] = np.concatenate((lists[g], uids))
            self.created_today[one] += count
        else:
            status = data["status"][start:stop]
            for which, lists in self._groups.values():
                group = which[status]
                for g in range(len(lists)):
                    if (group == g).any():
                        lists[g] = np.concatenate((lists[g], uids[group == g]))
            self.created_today += np.bincount(status, minlength=N_STATUS)
        if self.traced:
            self._trace(uids, "created as " + ", ".join(sorted({*values, *also_set})))
        self._prepared = None  # made before these people existed
        return uids

    # -- status changes ------------------------------------------------------------
    def transition(self, uids: np.ndarray, to: Status, why: str = "") -> None:
        """Move `uids` to status `to`, counting the flow from each one's current status."""
        if len(uids) == 0:
            return
        status = self._data["status"]
        old = status[uids]
        self.flows[:, int(to)] += np.bincount(old, minlength=N_STATUS)
        status[uids] = int(to)
        self._prepared = None  # tomorrow's groups, if made already, no longer hold
        if self.traced:
            self._trace(uids, f"{Status(int(to)).name.lower()}" + (f" ({why})" if why else ""))

    def start_day(self, day: int, flows: np.ndarray | None = None, created: np.ndarray | None = None) -> None:
        """Reset today's flow counters — or count today into `flows` and `created`, zeros
        given by the caller (the sim's logs for the day: nothing to copy at its end); drop
        people absorbed since yesterday from `live` (and make the `live_groups` asked for at
        the start of the day in the same pass) — unless yesterday's day-end walk did both
        already (`end_of_day_counts`)."""
        self.day = day
        if flows is None:
            self.flows = np.zeros((N_STATUS, N_STATUS), dtype=np.int64)
            self.created_today = np.zeros(N_STATUS, dtype=np.int64)
        else:
            self.flows, self.created_today = flows, created
        self._groups = {}
        prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared[0] == day:
            self._deal_day_start_groups(prepared[1], prepared[2])
        elif not self._day_start_groups:
            self.n_live = kernels.keep_live(self._live, self.n_live, self.status, IS_ABSORBED, self.country,
                                            self.dropped)
        else:
            self.n_live, start, uids, _ = kernels.keep_live_split_count(
                self._live, self.n_live, self.status, IS_ABSORBED, self.country, self.dropped,
                self._day_start_which, self._n_day_start_groups(), N_STATUS, ANY_COUNTRY)
            self._deal_day_start_groups(start, uids)
        self.live = self._live[: self.n_live]

    def _n_day_start_groups(self) -> int:
        return sum(n for _, n in self._day_start_groups)

    def _deal_day_start_groups(self, start: np.ndarray, uids: np.ndarray) -> None:
        """Today's lists of each day-start key from one walk's groups (numbered key after key)."""
        bounds = start.tolist()
        at = 0
        for key, n in self._day_start_groups:
            self._groups[key] = (self._which[key], [uids[bounds[at + g]:bounds[at + g + 1]] for g in range(n)])
            at += n

    def make_at_day_start(self, key, groups: tuple[tuple[Status, ...], ...]) -> None:
        """Make `live_groups(key, groups)` each day while `start_day` walks everyone live
        anyway (several keys may ask, with no status in two of them; their users must hold
        the lists valid from the start of the day: people created during the day are added
        to them, and people a phase moves into a listed status join them if the phase says
        so, `joined`)."""
        if any(k == key for k, _ in self._day_start_groups):
            return
        which = _group_of_status(groups)
        if ((which >= 0) & (self._day_start_which >= 0)).any():
            raise ValueError(f"day-start groups {key!r} share a status with another key's")
        self._which[key] = which
        offset = self._n_day_start_groups()
        self._day_start_which[which >= 0] = which[which >= 0] + offset
        self._day_start_groups.append((key, len(groups)))

    def joined(self, uids: np.ndarray, status: Status, ascending: bool = False) -> None:
        """People a phase has just moved into `status` join today's lists of that status,
        in uid order (for a list made at the start of the day that a later pass needs
        complete; see `models/day_lists.py`). `ascending`: `uids` are sorted already."""
        if uids.size == 0:
            return
        for which, lists in self._groups.values():
            g = which[int(status)]
            if g >= 0:
                lists[g] = kernels.merge_ascending(lists[g], uids if ascending else np.sort(uids))

    def end_of_day_counts(self, n_country: int) -> np.ndarray:
        """`count_status_country(n_country)` from the walk that also does tomorrow's
        `start_day` work (drop the absorbed, make the day-start lists): for the last phase of
        a day only — nothing may change a status between it and the next `start_day`
        (`add` and `transition` cancel the prepared lists if something does). Today's lists
        are let go first (no pass uses them after the last phase; memory per person)."""
        self._groups = {}
        self.n_live, start, uids, table = kernels.keep_live_split_count(
            self._live, self.n_live, self.status, IS_ABSORBED, self.country, self.dropped, self._day_start_which,
            self._n_day_start_groups(), N_STATUS, n_country)
        self.live = self._live[: self.n_live]
        self._prepared = (self.day + 1, start, uids)
        return table

    def live_groups(self, key, groups: tuple[tuple[Status, ...], ...]) -> list[np.ndarray]:
        """The live uids (ascending) whose status is in each of `groups` (no status in two
        groups), from one pass, remembered under `key` until the next day starts: several
        later passes of the same day then walk their own few people, not everyone live.

        A group's list is a superset of the people in its statuses for as long as no one
        enters those statuses — each user says why that holds where it uses the lists (a
        kernel still checks every person's status, so people who left since are skipped)."""
        found = self._groups.get(key)
        if found is None:
            which = self._which.get(key)
            if which is None:
                which = self._which[key] = _group_of_status(groups)
            start, uids = kernels.split_live(self.live, self.status, which, len(groups))
            found = self._groups[key] = (which, [uids[start[g]:start[g + 1]] for g in range(len(groups))])
        return found[1]

    def find(self, status: Status) -> np.ndarray:
        """uids of people with this status."""
        if IS_ABSORBED[int(status)]:
            return kernels.find_status(self.status, np.int8(status))
        return kernels.find_status(self.status, np.int8(status), self.live)

    def due(self, status: Status, day: int) -> np.ndarray:
        """uids of people with this status whose next action is due today or earlier."""
        if IS_ABSORBED[int(status)]:
            return kernels.find_status_due(self.status, np.int8(status), self.ti_next, np.int32(day))
        return kernels.find_status_due(self.status, np.int8(status), self.ti_next, np.int32(day), self.live)

    def find_any(self, *statuses: Status) -> np.ndarray:
        """uids of people whose status is any of these."""
        codes = np.array([int(s) for s in statuses], dtype=np.int64)
        if IS_ABSORBED[codes].any():
            return kernels.find_statuses(self.status, codes)
        return kernels.find_statuses(self.status, codes, self.live)

    def count_status_country(self, n_country: int) -> np.ndarray:
        """table[s, c + 1]: people with status s facing or held by country c (column 0: none),
        countries 0 … n_country − 1; from one pass over `live` only (`dropped` counts the rest)."""
        return kernels.count_live_status_country(self.status, self.country, self.live, self.dropped, N_STATUS,
                                                 n_country)

    def counts(self) -> np.ndarray:
        """Number of people in each status now."""
        return kernels.count_statuses(self.status, N_STATUS)

    # -- tracing (debugging aid) ---------------------------------------------------
    def trace(self, uids) -> None:
        """Follow these people: every later status change of theirs is recorded."""
        for uid in np.atleast_1d(uids):
            self.traced.setdefault(int(uid), [])

    def traced_changes(self, *changes: tuple[np.ndarray, str]) -> None:
        """Record what a compiled phase did to traced people: (uids, text) pairs, with the
        texts `transition` would have written ("detained (detained)")."""
        if self.traced:
            for uids, text in changes:
                self._trace(uids, text)

    def _trace(self, uids: np.ndarray, text: str) -> None:
        if not self.traced:
            return
        for uid in np.intersect1d(uids, np.fromiter(self.traced, dtype=np.int64)):
            self.traced[int(uid)].append((self.day, text))

    def story(self, uid: int) -> list[tuple[int, str]]:
        """The recorded history of one traced person: (day, what happened)."""
        return list(self.traced.get(int(uid), []))


def _group_of_status(groups) -> np.ndarray:
    """which[s]: the group status s is in, or −1 (`Population.live_groups`)."""
    which = np.full(N_STATUS, -1, dtype=np.int64)
    for g, statuses in enumerate(groups):
        for s in statuses:
            if which[int(s)] >= 0:
                raise ValueError(f"status {Status(int(s)).name} is in two groups")
            which[int(s)] = g
    return which
