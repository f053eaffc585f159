"""Named random streams (common random numbers).

Every stochastic decision draws from its own stream, keyed by the run seed and a stable
name ("border.detect"), re-keyed each day and indexed by person (or group) id. Adding a
module, a person or a policy therefore changes no one else's draws, and two policy variants
differ only by the policy.
"""

from __future__ import annotations

import hashlib

import numpy as np

from . import kernels


def stable_id(name: str) -> int:
    """A 46-bit id for a named thing (route, zone), stable across runs and list orders."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 46) - 1)


def _name_key(seed: int, name: str) -> int:
    digest = hashlib.blake2b(f"{int(seed)}/{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class Stream:
    """One named stream: per-id uniforms for a day, or a NumPy Generator for aggregates."""

    def __init__(self, seed: int, name: str):
        self.seed = int(seed)
        self.name = name
        self.key = _name_key(seed, name)
        self.n_calls = 0
        self._day = None
        self._day_key = np.uint64(0)

    def day_key(self, day: int) -> np.uint64:
        if day != self._day:
            self._day = day
            self._day_key = np.uint64(_mix64_py(self.key + (int(day) + 1) * _GOLDEN))
        return self._day_key

    def day_keys(self, n_days: int) -> np.ndarray:
        """`day_key(d)` for d = 0 … n_days − 1 at once (uint64; a run's phases read their
        day's key from this table instead of mixing it each day)."""
        d = np.arange(1, int(n_days) + 1, dtype=np.uint64)
        return _mix64_np(np.uint64(self.key) + d * np.uint64(_GOLDEN))

    def uniform(self, day: int, ids: np.ndarray) -> np.ndarray:
        """One uniform in [0, 1) per id, fixed by (seed, stream name, day, id)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.shape[0], dtype=np.float64)
        if ids.shape[0]:
            kernels.hashed_uniforms(self.day_key(day), ids, out)
        self.n_calls += 1
        return out

    def poisson(self, day: int, ids: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """One Poisson draw per id with mean `lam` (exact inverse transform on hashed uniforms)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        lam = np.ascontiguousarray(lam, dtype=np.float64)
        pieces = max(1, int(np.ceil(lam.max() / 500.0))) if lam.size else 1
        u = self.uniform(day, (ids[:, None] * 1024 + np.arange(pieces)[None, :]).reshape(-1)).reshape(ids.size, pieces)
        out = np.zeros(ids.size, dtype=np.int64)
        if ids.size:
            kernels.poisson_from_uniforms(u, lam, out)
        return out

    def generator(self, day: int) -> np.random.Generator:
        """A NumPy Generator for draws that are not tied to a person (e.g. daily counts)."""
        self.n_calls += 1
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.key, int(day)])))


_MASK = 0xFFFFFFFFFFFFFFFF
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64_py(z: int) -> int:
    """SplitMix64 finaliser in Python ints (same as kernels._mix64), for per-day keys."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _mix64_np(z: np.ndarray) -> np.ndarray:
    """`_mix64_py` over a uint64 array (NumPy's uint64 arithmetic wraps like the masks)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class Streams:
    """The registry of named streams of one run; `streams["border.detect"]`."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, name)
        return stream

    def day_keys(self, names, n_days: int) -> np.ndarray:
        """[day, stream] table of `day_key` for these streams over a run of `n_days`, computed
        once: a phase passes row `day` (or its items) to its kernel."""
        table = np.empty((int(n_days), len(names)), dtype=np.uint64)
        for k, name in enumerate(names):
            table[:, k] = self[name].day_keys(n_days)
        return table

    def names(self) -> list[str]:
        return sorted(self._streams)
