"""Numba's JIT with its on-disk cache where one can be written; a private temp folder, or none, where not.

`cached_njit` is how every kernel is declared. It returns an `ahead_of_time.Kernel`, which
runs the kernel's built machine code when there is one; numba itself is only imported here,
when a kernel needs the JIT (no build, a changed source, new argument types).

numba caches compiled kernels beside their source (`__pycache__`), else under
`~/.cache/numba` (or `NUMBA_CACHE_DIR`). A read-only install run by a user whose home
cannot be written has none of these, and numba then refuses to define a `cache=True`
function ("cannot cache function '_mix64'") — the import fails. `cached_njit` keeps numba's
own choice where it works, else caches in a private folder under the temp directory, else
compiles without a cache (every run then compiles once, a few seconds), with one notice.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("borderlab")


def _load_numpy_support_without_blas() -> None:
    """Import numba's NumPy support without its BLAS probe.

    On first use numba imports `numba.np.arraymath`, which at import time checks for a BLAS
    by importing `scipy.linalg.cython_blas` — all of SciPy's linear algebra, about 0.15 s and
    16 MiB on every `borderlab flee run`. Our kernels use no `np.dot` or `np.linalg`, so the
    probe is skipped by hiding that one module while numba looks; numba then only refuses to
    compile BLAS calls. If SciPy's BLAS is already loaded, nothing is hidden.
    """
    blas = "scipy.linalg.cython_blas"
    if blas in sys.modules:
        import numba.np.arraymath  # noqa: F401
        return
    sys.modules[blas] = None  # makes `import scipy.linalg.cython_blas` raise ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get(blas, 0) is None:
            del sys.modules[blas]


_state: dict[str, object] = {"fallback": None, "numba": False}   # fallback: None: not needed yet; a path; False: no cache


def cached_njit(**options):
    """Declare a kernel: `numba.njit(cache=True, **options)`, run from the ahead-of-time
    build when it has one (`ahead_of_time.Kernel`)."""
    from . import ahead_of_time

    def decorate(fn):
        if ahead_of_time.jit_active():   # numba is in use already: a dispatcher, so jitted callers can see it
            return jit_dispatcher(fn, options)
        return ahead_of_time.Kernel(fn, options)
    return decorate


def _numba():
    """Import numba once, with its NumPy support loaded without the BLAS probe."""
    import numba as nb
    if not _state["numba"]:
        _load_numpy_support_without_blas()
        _state["numba"] = True
    return nb


def jit_dispatcher(fn, options: dict):
    """`numba.njit(cache=True, **options)(fn)` that falls back instead of failing."""
    nb = _numba()
    if _state["fallback"] is not False:
        try:
            return nb.njit(cache=True, **options)(fn)
        except RuntimeError as exc:
            if "cannot cache" not in str(exc):
                raise
        if _state["fallback"] is None:
            dispatcher = _cache_in_private_folder(fn, options)
            if dispatcher is not None:
                return dispatcher
        _state["fallback"] = False
        log.warning("notice: numba cannot cache compiled kernels anywhere; compiling them in each run")
    return nb.njit(**options)(fn)


def _cache_in_private_folder(fn, options):
    nb = _numba()
    from numba.core import config
    folder = private_cache_folder()
    if folder is None:
        return None
    before, config.CACHE_DIR = config.CACHE_DIR, str(folder)
    try:
        dispatcher = nb.njit(cache=True, **options)(fn)
    except RuntimeError:
        config.CACHE_DIR = before
        return None
    _state["fallback"] = folder
    log.warning(f"notice: the numba cache beside borderlab is not writable; caching in {folder}")
    return dispatcher


def private_cache_folder() -> Path | None:
    """TMPDIR/borderlab-numba-UID, made if needed; None unless it is ours, private and writable
    (numba loads compiled code from its cache, so never from a folder others can write)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    folder = Path(tempfile.gettempdir()) / f"borderlab-numba-{uid}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.lstat()
        if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != uid) or st.st_mode & 0o022:
            return None
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return None
    return folder
