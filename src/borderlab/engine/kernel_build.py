"""Build the kernels ahead of time: `python -m borderlab.engine.kernel_build` (`make` runs it).

1. Run the shipped workloads under numba's JIT — every built-in scenario, a small synthetic
   case, Flee's warm-up and synthetic cases, and the Flee folders in ../shared/data/flee when
   they are there — and read which argument types each kernel was called with.
2. Compile every kernel for each of those signatures with numba's ahead-of-time compiler
   (`numba.pycc`) into one extension module, for this machine's CPU as the JIT would.
3. Write the module and `manifest.json` (which kernel, which argument-type keys, the source
   fingerprint) into `engine/_built/`, replacing the previous build only once both are
   complete.

Kernels called later with other argument types, or from changed sources, run through the
JIT as before (`engine/ahead_of_time.py`); the build only removes numba from the start of
a command. Takes about a minute on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .ahead_of_time import (ALIGNED, BUILD_FOLDER, C_CONTIGUOUS, F_CONTIGUOUS, KEY_FORMAT, MANIFEST, PACKAGE, SCALAR,
                            WRITEABLE,
                            _fingerprint, numba_version, activate_jit, cpu_identity, key_to_json)

MODULE_NAME = "borderlab_kernels"
# how kernels are declared and dispatched, not what they compute (KEY_FORMAT covers the keys)
MACHINERY = {"engine/ahead_of_time.py", "engine/numba_cache.py", "engine/kernel_build.py"}
SHARED_FLEE = Path(__file__).resolve().parents[4] / "shared" / "data" / "flee"


def run_workloads(flee_folders: list[Path], log=print) -> None:
    """Call every kernel the way the commands do (the JIT records each signature)."""
    from ..flee.engine import warm_kernels
    from ..flee.runner import run_flee, run_flee_synthetic
    from ..scenario.loader import load_scenario
    from ..scenario.registry import builtin_names
    from ..simulation import build_sim
    from ..synthetic import load_synthetic

    for name in builtin_names():
        t = time.perf_counter()
        sim = build_sim(load_scenario(name), seed=1)
        sim.run()
        depart_again(sim)
        log(f"  ran {name} ({time.perf_counter() - t:.1f} s)")
    build_sim(load_synthetic(20_000, 50, 20), check=False).run()
    warm_kernels()
    run_flee_synthetic(initial_agents=2_000, new_per_day=200, days=5)
    for folder in flee_folders:
        t = time.perf_counter()
        run_flee(folder, seed=0)
        log(f"  ran Flee folder {folder.name} ({time.perf_counter() - t:.1f} s)")


def depart_again(sim) -> None:
    """Movement.depart as events call it (withdraw_from_zone), which no built-in scenario's
    days do: someone still on the road sets off again towards where they are going."""
    from .status import Status

    pop = sim.pop
    on_the_road = pop.find(Status.TRANSIT)
    on_the_road = on_the_road[pop.node[on_the_road] != pop.dest[on_the_road]][:1]
    if on_the_road.size:
        sim.module("movement").depart(on_the_road, int(pop.dest[on_the_road[0]]), sim.day - 1)


def dispatchers() -> dict[str, object]:
    """Every numba dispatcher in borderlab's modules, by the name `Kernel` gives it."""
    from numba.core.registry import CPUDispatcher

    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("borderlab"):
            continue
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher):
                fn = value.py_func
                found[f"{fn.__module__}.{fn.__qualname__}"] = value
    return found


def kernel_sources(found: dict) -> list[str]:
    """The files a build depends on, relative to the package: each kernel's module and the
    borderlab modules it imports from (numba compiles their constants into the kernels).
    One level, like numba's own cache, which looks at the kernel's file alone."""
    import ast
    import importlib.util

    modules = {d.py_func.__module__ for d in found.values()}
    for name in sorted(modules):
        tree = ast.parse(Path(sys.modules[name].__file__).read_text())
        package = name.rsplit(".", 1)[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("borderlab")):
                target = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                    if node.level else node.module
                if target in sys.modules:
                    modules.add(target)
                for alias in node.names:   # `from . import kernels`
                    if f"{target}.{alias.name}" in sys.modules:
                        modules.add(f"{target}.{alias.name}")
    files = {Path(sys.modules[m].__file__).resolve().relative_to(PACKAGE).as_posix() for m in modules}
    return sorted(files - MACHINERY)


def key_for(argtypes) -> tuple | None:
    """The `signature_key` of arguments numba types as `argtypes`; None if a type is one
    the keys do not describe."""
    from numba.core import types
    from numba.np.numpy_support import as_dtype

    key: tuple = ()
    for t in argtypes:
        if isinstance(t, types.Array):
            if not t.aligned or t.dtype not in types.number_domain | {types.boolean}:
                return None
            layout = {"C": C_CONTIGUOUS, "F": F_CONTIGUOUS, "A": 0}[t.layout]
            key += (as_dtype(t.dtype), t.ndim, ALIGNED | (WRITEABLE if t.mutable else 0) | layout)
        elif isinstance(t, (types.Integer, types.Float, types.Boolean)):
            key += (as_dtype(t), SCALAR, 0)
        else:
            return None
    return key


def compile_module(found: dict, out_dir: Path, log=print) -> list[dict]:
    """Export each kernel's recorded signatures into one extension module in out_dir."""
    from numba.pycc import CC

    cc = CC(MODULE_NAME)
    cc.output_dir = str(out_dir)
    cc.target_cpu = "host"   # built where it runs, like numba's JIT; the manifest names the CPU
    exports = []
    for name, dispatcher in sorted(found.items()):
        if dispatcher.targetoptions.get("inline") == "always":
            continue   # inlined into its callers, never called from Python
        for i, argtypes in enumerate(dispatcher.signatures):
            key = key_for(argtypes)
            if key is None:
                log(f"  skipped {name}{argtypes}: argument types the keys do not describe")
                continue
            export = f"k{len(exports)}_{dispatcher.py_func.__name__}"
            signature = dispatcher.overloads[argtypes].signature
            cc.export(export, signature)(dispatcher.py_func)
            exports.append({"kernel": name, "export": export, "signature": str(signature),
                            "key": key_to_json(key)})
    cc.compile()
    return exports


def build(flee_folders: list[Path] | None = None, log=print) -> Path:
    """Run the workloads, compile, and install the build atomically; returns the manifest path."""
    t0 = time.perf_counter()
    activate_jit()   # every kernel defined from here on is a numba dispatcher
    if flee_folders is None:
        flee_folders = sorted(p for p in SHARED_FLEE.glob("*") if (p / "simsetting.yml").is_file()) \
            if SHARED_FLEE.is_dir() else []
    log("recording kernel signatures")
    run_workloads(flee_folders, log)
    found = dispatchers()
    version = numba_version()
    sources = kernel_sources(found)
    fingerprint = _fingerprint(version, sources)
    BUILD_FOLDER.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=BUILD_FOLDER, prefix=".build-") as tmp:
        t1 = time.perf_counter()
        log(f"compiling {sum(len(d.signatures) for d in found.values())} signatures of {len(found)} kernels")
        exports = compile_module(found, Path(tmp), log)
        built = next(Path(tmp).glob(f"{MODULE_NAME}*"))
        final = BUILD_FOLDER / f"{MODULE_NAME}-{fingerprint[:12]}{built.name[len(MODULE_NAME):]}"
        os.replace(built, final)
        manifest = {"module": MODULE_NAME, "file": final.name, "fingerprint": fingerprint, "numba": version,
                    "sources": sources, "key_format": KEY_FORMAT,
                    "cpu": cpu_identity(), "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "record_s": round(t1 - t0, 1), "compile_s": round(time.perf_counter() - t1, 1),
                    "exports": exports}
        staged = Path(tmp) / MANIFEST.name
        staged.write_text(json.dumps(manifest, indent=1))
        os.replace(staged, MANIFEST)
    for old in BUILD_FOLDER.glob(f"{MODULE_NAME}-*"):
        if old != final:
            old.unlink(missing_ok=True)
    log(f"built {len(exports)} kernel signatures into {final} in {time.perf_counter() - t0:.0f} s")
    return MANIFEST


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m borderlab.engine.kernel_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flee", type=Path, nargs="*", default=None,
                        help="Flee folders to record signatures on (default: ../shared/data/flee/* when present)")
    parser.add_argument("--remove", action="store_true", help="remove the build (every kernel then runs on the JIT)")
    a = parser.parse_args(argv)
    if a.remove:
        shutil.rmtree(BUILD_FOLDER, ignore_errors=True)
        print(f"removed {BUILD_FOLDER}")
        return 0
    for folder in a.flee or []:   # a mistyped folder is the user's error, not a failed build
        if not (folder / "simsetting.yml").is_file():
            print(f"error: --flee {folder}: not a Flee input folder (no simsetting.yml there)\n"
                  "    hint: give folders like ../shared/data/flee/mali2012, or leave --flee out", file=sys.stderr)
            return 2
    try:
        build(a.flee)
    except Exception as exc:   # no C compiler, a numba without pycc …: the JIT still works
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        try:
            record_failure(reason)
        except OSError:   # a read-only install: nothing to record, nothing stale to read either
            pass
        print(f"notice: the kernels could not be built ahead of time ({reason}); "
              "they will run on numba's JIT, about 0.3 s slower to start", file=sys.stderr)
    return 0


def record_failure(reason: str) -> None:
    """A manifest that says the build failed and why (so `make` does not retry every time,
    and manifests show the reason); the kernels then run on the JIT."""
    BUILD_FOLDER.mkdir(parents=True, exist_ok=True)
    staged = BUILD_FOLDER / f".{MANIFEST.name}.tmp"
    staged.write_text(json.dumps({"failed": reason, "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    os.replace(staged, MANIFEST)


if __name__ == "__main__":
    sys.exit(main())
