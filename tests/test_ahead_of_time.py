"""Kernels built ahead of time (engine/ahead_of_time.py, engine/kernel_build.py).

The built code checks no argument types itself, so the lookup key must be exactly numba's
type of every argument; a command with the build must not import numba at all and must
give the JIT's numbers; a stale, failed or foreign build must not be used.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

from borderlab.engine import ahead_of_time as aot
from borderlab.engine.kernel_build import key_for
from flee_case import write_case


def _arrays():
    """Arrays of every dtype the kernels use, in every layout numba tells apart."""
    out = []
    for dtype in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64, np.float32, np.float64):
        base = np.arange(24).astype(dtype)
        readonly = base.copy()
        readonly.setflags(write=False)
        out += [base, base[::2], readonly, base.reshape(4, 6), base.reshape(4, 6).T, base.reshape(4, 6)[:, ::2],
                base[:0], base.reshape(2, 3, 4), np.asarray(base[3])]
    return out


SCALARS = [True, 3, -(2 ** 62), 2.5, np.bool_(False), np.int8(1), np.int32(7), np.int64(-3), np.uint64(5),
           np.float32(0.5), np.float64(1.5)]


@pytest.mark.parametrize("value", _arrays() + SCALARS, ids=lambda v: f"{type(v).__name__}")
def test_the_key_of_a_value_is_the_key_of_its_numba_type(value):
    assert aot.signature_key((value,)) == key_for((numba.typeof(value),))


def test_values_of_different_numba_types_never_share_a_key():
    typed: dict[tuple, set] = {}
    for value in _arrays() + SCALARS:
        typed.setdefault(aot.signature_key((value,)), set()).add(str(numba.typeof(value)))
    assert all(len(types) == 1 for types in typed.values()), [t for t in typed.values() if len(t) > 1]


def test_values_the_keys_do_not_describe_have_no_key():
    big_endian = np.arange(3, dtype=">i8")
    for args in [([1, 2],), (2 ** 64,), (big_endian,), ("text",), (None,), (np.arange(3), {"a": 1})]:
        assert aot.signature_key(args) is None


def _built_kernel(name: str) -> aot.Kernel:
    table = aot.built_table()
    assert table, f"no usable build ({aot.built_status()}): run `make` or `python -m borderlab.engine.kernel_build`"
    return aot.kernels()[name]


def test_other_argument_types_run_on_the_jit_not_the_built_code():
    """merge_ascending is built for C-contiguous writeable int64 arrays only: int32,
    strided and read-only arrays must not reach that code (it would misread them)."""
    merge = _built_kernel("borderlab.engine.kernels.merge_ascending")
    a, b = np.array([1, 4, 9, 12], np.int64), np.array([2, 4, 10], np.int64)
    expected = [1, 2, 4, 9, 10, 12]
    before = merge.calls_built
    assert merge(a, b).tolist() == expected
    assert merge.calls_built == before + 1
    wide = np.array([1, 0, 4, 0, 9, 0, 12, 0], np.int64)
    readonly = b.copy()
    readonly.setflags(write=False)
    for args in [(a.astype(np.int32), b.astype(np.int32)), (wide[::2], b), (a, readonly)]:
        assert merge(*args).tolist() == expected
    assert merge.calls_built == before + 1


def test_arrays_returned_by_the_built_code_unpickle_nothing(monkeypatch):
    """numba's ahead-of-time runtime unpickles numpy.ndarray to box every array a kernel
    returns; it must find it remembered (`_import_remembering_types`), not call pickle."""
    merge = _built_kernel("borderlab.engine.kernels.merge_ascending")
    assert not isinstance(pickle.loads, aot._RememberedLoads)   # restored for everyone else
    calls = []
    original = pickle.loads
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(a) or original(*a, **k))
    before = merge.calls_built
    out = merge(np.array([1, 5], np.int64), np.array([2, 5, 7], np.int64))
    assert merge.calls_built == before + 1
    assert type(out) is np.ndarray and out.dtype == np.int64 and out.tolist() == [1, 2, 5, 7]
    assert calls == []


def test_the_remembering_loader_shares_classes_and_dtypes_only():
    loads = aot._RememberedLoads(pickle.loads)
    for value in (np.ndarray, np.dtype("int16")):
        data = pickle.dumps(value)
        assert loads(data) is loads(data) and loads(data) == value
    data = pickle.dumps([1, 2])
    first = loads(data)
    first.append(3)   # a mutable object is never shared: the next unpickling is fresh
    assert loads(data) == [1, 2]
    assert loads(pickle.dumps(np.float32), fix_imports=True) is np.float32


CHILD = """
import hashlib, json, sys
from conftest import STOCHASTIC
from borderlab.engine.ahead_of_time import built_status, kernels
from borderlab.flee.runner import run_flee
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim

digest = hashlib.sha256()
sim = build_sim(load_scenario("toy-border", STOCHASTIC), seed=3)
sim.run()
for a in [sim.status_counts, sim.flow_log, *(sim.pop.column(c) for c in sim.pop.columns),
          *(m.data for m in sim.results.metrics.values())]:
    digest.update(a.tobytes())
flee = run_flee(sys.argv[1], seed=2)
digest.update(flee.sim_camp.tobytes())
print(json.dumps({"digest": digest.hexdigest(), "numba": "numba" in sys.modules, "kernels": built_status(),
                  "built_calls": sum(k.calls_built for k in kernels().values())}))
"""


TESTS = Path(__file__).resolve().parent


def _child(case, env_extra: dict) -> dict:
    env = {**os.environ, **env_extra}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", CHILD, str(case)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_run_with_the_build_imports_no_numba_and_gives_the_jits_numbers(tmp_path):
    _built_kernel("borderlab.engine.kernels.merge_ascending")
    case = write_case(tmp_path / "case")
    built = _child(case, {})
    jit = _child(case, {aot.ENV_SWITCH: "jit"})
    assert built["kernels"] == "built ahead of time" and not built["numba"] and built["built_calls"] > 100
    assert jit["kernels"].startswith("numba JIT") and jit["numba"] and jit["built_calls"] == 0
    assert built["digest"] == jit["digest"]


@pytest.mark.parametrize("change, reason", [
    ({"fingerprint": "0" * 64}, "the kernel sources changed"),
    ({"cpu": "another"}, "built on another CPU"),
    ({"key_format": -1}, "built by another version"),
    ({"failed": "no compiler"}, "the build failed: no compiler"),
    (None, "no build"),
])
def test_a_stale_foreign_failed_or_missing_build_is_not_used(change, reason, tmp_path, monkeypatch):
    manifest = json.loads(aot.MANIFEST.read_text()) if aot.MANIFEST.is_file() else {}
    folder = tmp_path / "_built"
    folder.mkdir()
    if change is not None:
        if not manifest:
            pytest.fail("no build to alter: run `make`")
        (folder / "manifest.json").write_text(json.dumps({**manifest, **change}))
    monkeypatch.setattr(aot, "BUILD_FOLDER", folder)
    monkeypatch.setattr(aot, "MANIFEST", folder / "manifest.json")
    table, why = aot._load()
    assert table is None and why.startswith(reason)


def test_arguments_convert_to_a_built_signature_as_numba_converts_them():
    i8 = np.dtype(np.int64)
    c, f, any_layout = aot.ALIGNED | aot.C_CONTIGUOUS, aot.ALIGNED | aot.F_CONTIGUOUS, aot.ALIGNED
    w = aot.WRITEABLE
    assert aot._converts((i8, 1, c | w), (i8, 1, any_layout | w))        # contiguous where any layout is taken
    assert aot._converts((i8, 2, f | w), (i8, 2, any_layout))            # writeable where read-only is taken
    assert not aot._converts((i8, 1, any_layout | w), (i8, 1, c | w))    # strided where contiguous is assumed
    assert not aot._converts((i8, 1, c), (i8, 1, c | w))                 # read-only where it may be written
    assert not aot._converts((i8, 2, c | w), (i8, 2, f | w))
    assert not aot._converts((np.dtype(np.int32), 1, c | w), (i8, 1, c | w))
    assert not aot._converts((i8, 1, w), (i8, 1, any_layout | w))         # unaligned
    assert not aot._converts((np.dtype(np.int32), aot.SCALAR, 0), (i8, aot.SCALAR, 0))


@pytest.mark.parametrize("runs, kernels", [(2, "built ahead of time"),
                                           (aot.MANY_RUNS, "built ahead of time, then numba JIT (many runs in this process)")])
def test_an_ensemble_with_many_runs_switches_to_the_jit(runs, kernels, tmp_path):
    """numba's dispatch is cheaper per call, its start dearer: a process with many runs ahead switches."""
    _built_kernel("borderlab.engine.kernels.merge_ascending")
    out = tmp_path / "E"
    proc = subprocess.run([sys.executable, "-m", "borderlab.cli", "ensemble", "toy-border", "--runs", str(runs),
                           "--set", "end=2021-09-12", "-w", "1", "--no-plots", "-q", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "manifest.json").read_text())["kernels"] == kernels


def test_a_build_that_fails_says_why_once_and_leaves_the_jit(tmp_path, monkeypatch, capsys):
    """No C compiler, a read-only install …: a notice and a manifest that records why, no traceback."""
    from borderlab.engine import kernel_build

    folder = tmp_path / "_built"
    monkeypatch.setattr(kernel_build, "BUILD_FOLDER", folder)
    monkeypatch.setattr(kernel_build, "MANIFEST", folder / "manifest.json")
    monkeypatch.setattr(kernel_build, "build", lambda flee: (_ for _ in ()).throw(RuntimeError("no C compiler found")))
    assert kernel_build.main([]) == 0
    assert "could not be built ahead of time (RuntimeError: no C compiler found)" in capsys.readouterr().err
    assert json.loads((folder / "manifest.json").read_text())["failed"] == "RuntimeError: no C compiler found"
    def read_only(reason):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(kernel_build, "record_failure", read_only)   # where even that cannot be written
    assert kernel_build.main([]) == 0
    assert "could not be built ahead of time" in capsys.readouterr().err


def test_a_mistyped_flee_folder_is_refused_before_any_work_and_leaves_the_build(tmp_path, capsys):
    from borderlab.engine import kernel_build

    before = aot.MANIFEST.read_bytes() if aot.MANIFEST.is_file() else None
    assert kernel_build.main(["--flee", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "not a Flee input folder (no simsetting.yml there)" in err and "hint:" in err
    assert (aot.MANIFEST.read_bytes() if aot.MANIFEST.is_file() else None) == before
