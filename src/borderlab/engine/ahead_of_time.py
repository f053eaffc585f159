"""Kernels compiled ahead of time, so that a command need not import numba.

Why: every kernel is a numba function. Importing numba loads LLVM (a 180 MB shared
library) and each kernel is then read back from numba's cache and linked in memory: about
0.3 s and 120 MiB in every process, more than the whole of a `flee run` on mali2012
(docs/performance.md, "Kernels built ahead of time"). `make` therefore builds the kernels
once into one extension module with numba's own ahead-of-time compiler
(`engine/kernel_build.py`), for the argument types the shipped workloads use.

A `Kernel` is what `cached_njit` returns. Called from Python, it runs the built code when
the build has this kernel for these argument types and the sources are those it was built
from; otherwise — no build, a source changed since, other argument types, keywords — it
imports numba and runs the kernel through numba's JIT and on-disk cache as before. Both
paths compile the same Python with the same compiler, so they give the same numbers
(`tests/test_ahead_of_time.py` compares whole runs). The built code checks no types itself
(an array of the wrong dtype would be read as garbage), so the exact numba type of every
argument is part of the lookup key (`signature_key`).

`BORDERLAB_KERNELS=jit` turns the built kernels off (numba's JIT only).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import pickle
import sys
from pathlib import Path

import numpy as np

log = logging.getLogger("borderlab")

PACKAGE = Path(__file__).resolve().parents[1]          # .../borderlab
BUILD_FOLDER = PACKAGE / "engine" / "_built"
MANIFEST = BUILD_FOLDER / "manifest.json"
ENV_SWITCH = "BORDERLAB_KERNELS"

# numpy's array flags (ndarray.flags.num) that decide numba's array type
C_CONTIGUOUS, F_CONTIGUOUS, ALIGNED, WRITEABLE = 0x0001, 0x0002, 0x0100, 0x0400
TYPE_FLAGS = C_CONTIGUOUS | F_CONTIGUOUS | ALIGNED | WRITEABLE
SCALAR = -1                                              # "ndim" of a scalar in a key
KEY_FORMAT = 1                                           # bump when signature_key changes


def _canonical(flags: int) -> int:
    """numba's layout is C if C-contiguous, else F if F-contiguous, else A (a 1-d contiguous
    array is both): keep one contiguity bit, with the aligned and writeable bits."""
    layout = C_CONTIGUOUS if flags & C_CONTIGUOUS else flags & F_CONTIGUOUS
    return layout | (flags & (ALIGNED | WRITEABLE))


_CANONICAL = [_canonical(f) for f in range(TYPE_FLAGS + 1)]   # indexed by flags & TYPE_FLAGS

_INT64, _FLOAT64, _BOOL = np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.bool_)
_NUMPY_SCALARS = {t: np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                           np.uint32, np.uint64, np.float32, np.float64)}


def signature_key(args) -> tuple | None:
    """The argument types as numba would type them, as a flat hashable tuple: (dtype, ndim,
    flags) per argument (ndim −1 and flags 0 for a scalar); None for anything else."""
    key: list = []
    for a in args:
        t = type(a)
        if t is np.ndarray:
            d = a.dtype
            if not d.isnative:
                return None
            key += (d, a.ndim, _CANONICAL[a.flags.num & TYPE_FLAGS])
        elif t is bool:
            key += (_BOOL, SCALAR, 0)
        elif t is int:
            if not -(1 << 63) <= a < (1 << 63):
                return None
            key += (_INT64, SCALAR, 0)
        elif t is float:
            key += (_FLOAT64, SCALAR, 0)
        elif t in _NUMPY_SCALARS:
            key += (_NUMPY_SCALARS[t], SCALAR, 0)
        else:
            return None
    return tuple(key)


def numba_version() -> str:
    """numba's version without importing numba (for manifests)."""
    from importlib.metadata import version
    return version("numba")


def _fingerprint(numba_version: str, sources: list[str]) -> str:
    """sha256 over the kernels' source files (paths relative to the package, listed by the
    build: each kernel's module and the borderlab modules it imports from, whose constants
    numba compiles in) and the versions that compile them (≈1 ms)."""
    h = hashlib.sha256()
    h.update(f"{sys.version}|{np.__version__}|{numba_version}".encode())
    for rel in sources:
        h.update(rel.encode())
        try:
            h.update((PACKAGE / rel).read_bytes())
        except OSError:
            h.update(b"missing")
    return h.hexdigest()


def cpu_identity() -> str:
    """sha256 of this CPU's model and feature flags: code built for one CPU ("host", as
    numba's JIT does) may not run on another."""
    try:
        with open("/proc/cpuinfo") as f:
            lines = [line for line in f.read(200_000).splitlines()
                     if line.startswith(("model name", "flags", "Features", "CPU part"))]
        text = "\n".join(dict.fromkeys(lines))
    except OSError:
        import platform
        text = f"{platform.machine()}|{platform.processor()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _Built:
    """The built module's kernels: name -> {signature key: compiled function}."""

    table: dict[str, dict[tuple, object]] | None = None
    loaded = False
    reason = "not looked for yet"


def built_table() -> dict[str, dict[tuple, object]]:
    """Load the build once per process; {} (and the reason in `built_status`) if there is
    none, it is switched off, or it was built from other sources."""
    if _Built.loaded:
        return _Built.table or {}
    _Built.loaded = True
    _Built.table, _Built.reason = _load()
    if not _Built.table:
        log.debug(f"kernels built ahead of time not used: {_Built.reason}")
    return _Built.table or {}


def built_status() -> str:
    """One line for manifests and `bench`: whether the built kernels are in use, and why not."""
    built_table()
    if not _Built.table:
        return f"numba JIT ({_Built.reason})"
    return "built ahead of time" + (f", then numba JIT ({_Jit.reason})" if _Jit.active else "")


def _load() -> tuple[dict | None, str]:
    if os.environ.get(ENV_SWITCH, "").lower() == "jit":
        return None, f"{ENV_SWITCH}=jit"
    try:
        manifest = json.loads(MANIFEST.read_text())
    except FileNotFoundError:
        return None, "no build (run `make` or `python -m borderlab.engine.kernel_build`)"
    except (OSError, ValueError) as exc:
        return None, f"unreadable {MANIFEST}: {exc}"
    if manifest.get("failed"):
        return None, f"the build failed: {manifest['failed']}"
    if manifest.get("key_format") != KEY_FORMAT:
        return None, "built by another version of borderlab (rerun `make`)"
    try:
        if manifest.get("fingerprint") != _fingerprint(manifest.get("numba", ""), manifest.get("sources", [])):
            return None, "the kernel sources changed since the build (rerun `make`)"
        if numba_version() != manifest.get("numba"):
            return None, "numba changed since the build (rerun `make`)"
        if cpu_identity() != manifest.get("cpu"):
            return None, "built on another CPU (rerun `make`)"
        spec = importlib.util.spec_from_file_location(manifest["module"], BUILD_FOLDER / manifest["file"])
        module = _import_remembering_types(spec)
    except Exception as exc:  # a build from another machine or Python: fall back, never fail
        return None, f"the build cannot be loaded: {exc}"
    table: dict[str, dict[tuple, object]] = {}
    for entry in manifest["exports"]:
        fn = getattr(module, entry["export"], None)
        if fn is None:
            return None, f"the build lacks {entry['export']}"
        table.setdefault(entry["kernel"], {})[_key_from_json(entry["key"])] = fn
    return table, "in use"


class _RememberedLoads:
    """`pickle.loads` that unpickles a class or a dtype once: for the built module's
    boxing of every array a kernel returns (`_import_remembering_types`)."""

    def __init__(self, loads):
        self.loads = loads
        self.memo: dict[bytes, object] = {}

    def __call__(self, data, *args, **kwargs):
        if args or kwargs or type(data) is not bytes:
            return self.loads(data, *args, **kwargs)
        found = self.memo.get(data)
        if found is None:
            found = self.loads(data)
            if isinstance(found, (type, np.dtype)) and len(self.memo) < 1024:   # immutable: safe to share
                self.memo[data] = found
        return found


def _import_remembering_types(spec):
    """The built module, imported while `pickle.loads` remembers classes and dtypes.

    Why: numba's ahead-of-time runtime boxes every array a kernel returns by unpickling
    the `numpy.ndarray` class from bytes (`numba_unpickle` in numba's _helperlib.c: under
    PYCC_COMPILING it calls `pickle.loads`, with no cache where the JIT keeps one): ≈0.9 µs,
    ≈15,000 times in a belarus-eu-2021 run. The runtime looks `pickle.loads` up once, when
    the module is created (it unpickles its environments then), and keeps what it found:
    so the module keeps the remembering loader, and `pickle.loads` is restored at once for
    everyone else. Objects other than classes and dtypes are unpickled afresh each time."""
    original = pickle.loads
    pickle.loads = _RememberedLoads(original)
    try:
        module = importlib.util.module_from_spec(spec)
    finally:
        pickle.loads = original
    spec.loader.exec_module(module)
    return module


def _key_from_json(key: list) -> tuple:
    out: list = []
    for dtype, ndim, flags in key:
        out += (np.dtype(dtype), ndim, flags)
    return tuple(out)


def key_to_json(key: tuple) -> list:
    return [[key[i].str, key[i + 1], key[i + 2]] for i in range(0, len(key), 3)]


def _converts(arg: tuple, param: tuple) -> bool:
    """Whether an argument of key `arg` may be passed as `param` (numba's safe array conversions)."""
    if arg == param:
        return True
    dtype, ndim, flags = arg
    p_dtype, p_ndim, p_flags = param
    if ndim == SCALAR or dtype != p_dtype or ndim != p_ndim or not flags & ALIGNED:
        return False
    layout, p_layout = flags & (C_CONTIGUOUS | F_CONTIGUOUS), p_flags & (C_CONTIGUOUS | F_CONTIGUOUS)
    writeable, p_writeable = flags & WRITEABLE, p_flags & WRITEABLE
    return (p_layout == 0 or p_layout == layout) and (writeable or not p_writeable)


class _Jit:
    active = False
    reason = ""


_REGISTRY: dict[str, "Kernel"] = {}


_UNSEEN = object()


class Kernel:
    """A numba kernel that runs its built machine code when it can, else numba's JIT."""

    def __init__(self, fn, options: dict):
        self.py_func = fn
        self.options = options
        self.name = f"{fn.__module__}.{fn.__qualname__}"
        self.__name__, self.__qualname__, self.__module__ = fn.__name__, fn.__qualname__, fn.__module__
        self.__doc__, self.__wrapped__ = fn.__doc__, fn
        self.built = built_table().get(self.name, {})
        self.calls_built = 0
        self._seen: dict[tuple, object] = {}   # raw key -> built function, or None for the JIT
        self._dispatcher = None
        _REGISTRY[self.name] = self

    def __call__(self, *args, **kwargs):
        if self.built and not kwargs:
            # the cheapest key that pins numba's type (the full flags, a scalar by its class);
            # its first sight is resolved through `signature_key` and remembered
            raw = tuple([(a.dtype, a.ndim, a.flags.num) if type(a) is np.ndarray else type(a) for a in args])
            fn = self._seen.get(raw, _UNSEEN)
            if fn is _UNSEEN:
                fn = self._resolve(raw, args)
            if fn is not None:
                self.calls_built += 1
                try:
                    return fn(*args)
                except OverflowError:   # an int beyond int64: refused before the kernel ran
                    if signature_key(args) is not None:
                        raise
                    self.calls_built -= 1
        return self.dispatcher(*args, **kwargs)

    def _resolve(self, raw: tuple, args: tuple):
        key = signature_key(args)
        fn = None if key is None else self.built.get(key) or self._accepting(key)
        if key is not None:   # (a Python int beyond int64 has no key: it is never remembered)
            if len(self._seen) > 4096:
                self._seen.clear()
            self._seen[raw] = fn
        return fn

    def _accepting(self, key: tuple):
        """A built signature these arguments convert to as numba converts them: a
        contiguous array passed where the build takes any layout ("A"), a writeable one
        where it takes a read-only one."""
        for built_key, fn in self.built.items():
            if len(built_key) == len(key) and all(_converts(key[i:i + 3], built_key[i:i + 3])
                                                  for i in range(0, len(key), 3)):
                return fn
        return None

    @property
    def dispatcher(self):
        """numba's JIT dispatcher for this kernel (numba is imported on first need)."""
        if self._dispatcher is None:
            if self.built:
                activate_jit(f"{self.name} called with argument types the build lacks")
            else:
                activate_jit(f"{self.name} is not in the build" if _Built.table else "")
        return self._dispatcher

    def __reduce__(self):   # pickled by name, like a function (Dask sends tasks that hold kernels)
        return (_kernel_named, (self.__module__, self.__qualname__))

    def __repr__(self) -> str:
        return f"<kernel {self.name}: {len(self.built)} built signature(s)>"


def _kernel_named(module: str, qualname: str):
    import importlib
    return getattr(importlib.import_module(module), qualname)


def activate_jit(reason: str = "") -> None:
    """Make numba dispatchers for every kernel, and put them where jitted code looks.

    numba compiles a kernel that calls another by reading the callee from the caller's
    module globals, and it only knows its own dispatchers; so, before the first JIT
    compile, every `Kernel` in a borderlab module's globals is replaced there by its
    dispatcher. Python callers holding the `Kernel` keep working (it forwards), and kernels
    defined later are made dispatchers directly (`cached_njit`).
    """
    if _Jit.active:
        return
    from .numba_cache import jit_dispatcher

    for kernel in _REGISTRY.values():
        kernel._dispatcher = jit_dispatcher(kernel.py_func, kernel.options)
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "borderlab" or name.startswith("borderlab.")):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, Kernel):
                setattr(module, attr, value.dispatcher)
    _Jit.active, _Jit.reason = True, reason


MANY_RUNS = 20   # simulations a process runs before numba's start (≈0.5 s) is repaid


def prefer_jit_for_many_runs() -> None:
    """For a process about to run many simulations (an ensemble's worker, a calibration):
    switch to numba's JIT. The built module's calls cost a few µs more each than numba's
    dispatcher (the type key is computed in Python, the arguments unboxed one by one):
    ≈20 % of a belarus-eu-2021 run, against numba's ≈0.5 s start, once (docs/performance.md,
    "Kernels built ahead of time"). The numbers are the same either way."""
    activate_jit("many runs in this process")


def jit_active() -> bool:
    return _Jit.active


def kernels() -> dict[str, Kernel]:
    """Every kernel defined so far in this process, by module-qualified name."""
    return dict(_REGISTRY)
