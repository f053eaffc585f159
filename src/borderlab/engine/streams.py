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

    def day_key(self, day: int) -> int:
        return int(kernels.mix_key(np_u64(self.key), np_u64(day)))

    def uniform(self, day: int, ids: np.ndarray) -> np.ndarray:
        """One uniform in [0, 1) per id, fixed by (seed, stream name, day, id)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.shape[0], dtype=np.float64)
        if ids.shape[0]:
            kernels.hashed_uniforms(np_u64(self.day_key(day)), ids, out)
        self.n_calls += 1
        return out

    def generator(self, day: int) -> np.random.Generator:
        """A NumPy Generator for draws that are not tied to a person (e.g. daily counts)."""
        self.n_calls += 1
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.key, int(day)])))


def np_u64(x: int) -> np.uint64:
    return np.uint64(int(x) & 0xFFFFFFFFFFFFFFFF)


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

    def names(self) -> list[str]:
        return sorted(self._streams)
