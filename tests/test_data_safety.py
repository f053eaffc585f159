"""Data safety: `--out` never deletes a user's data, OS errors are user errors, killed or
concurrent writers never leave something incomplete that looks complete (docs/guarantees.md).

Every command that writes is tried against pre-existing foreign folders, other kinds of
borderlab output, files, impossible paths; `run` and `ensemble` are killed (SIGKILL) at
random points and run twice at once in separate processes.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import InputFileError
from borderlab.os_errors import describe_os_error
from borderlab.reporting import outdir
from borderlab.reporting.outdir import MARKER, check_output, output_kind, replace_file, replace_folder
from flee_case import write_case
from forecast_case import TINY_FIT, make_case

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
BORDERLAB = [sys.executable, "-m", "borderlab.cli"]
TOY = "toy-border"


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("toyrun") / "run"
    result = invoke("run", TOY, "--out", out, "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def toy_observed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("obs") / "observed.csv"
    path.write_text("id,country,metric,period_start,period_end,value,unit,role,source_url,source_date,notes,"
                    "model_metric,model_scope,aggregation\n"
                    "w1,AA,attempts_weekly,2021-09-01,2021-09-07,430,attempts,train,u,2021-10-01,,new_attempts,AA,sum\n")
    return path


@pytest.fixture(scope="module")
def flee_folder(tmp_path_factory) -> Path:
    return write_case(tmp_path_factory.mktemp("flee") / "case")


@pytest.fixture(scope="module")
def forecast_scenario(tmp_path_factory) -> Path:
    return make_case(tmp_path_factory.mktemp("fc") / "case")


@pytest.fixture(scope="module")
def noop_variant(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("variant") / "noop.yaml"
    path.write_text("name: noop\nset: {}\n")
    return path


def writer_args(command: str, out: Path, toy_run: Path, flee_folder: Path, observed: Path,
                forecast: Path | None = None, variant: Path | None = None) -> list:
    """The command line of each writing command, with `out` as its --out."""
    return {
        "compare": ["compare", TOY, "--variant", variant, "--runs", 2, "-w", 1, "--out", out, "--no-plots", "-q"],
        "allocate": ["allocate", TOY, "--country", "AA", "--runs", 3, "-w", 1, "--out", out, "--no-plots", "-q"],
        "tradeoffs": ["tradeoffs", TOY, "--lever", "defenders.AA.detection_k=0.1:0.5", "--objective", "deaths",
                      "--objective", "crossings", "--trials", 1, "--out", out, "--no-plots", "-q"],
        "backtest": ["backtest", forecast, "--origins", "2021-09-28", "--horizon", 7, "--weeks", 1, *TINY_FIT,
                     "--out", out, "-q"],
        "forecast": ["forecast", forecast, "--as-of", "2021-09-28", "--weeks", 1, *TINY_FIT, "--out", out, "-q"],
        "run": ["run", TOY, "--out", out, "--no-plots", "-q"],
        "flee run": ["flee", "run", flee_folder, "--out", out, "--no-plots", "-q"],
        "flee convert": ["flee", "convert", flee_folder, "--out", out],
        "ensemble": ["ensemble", TOY, "--runs", 2, "-w", 1, "--out", out, "--no-plots", "-q"],
        "sensitivity": ["sensitivity", TOY, "--method", "morris", "--samples", 2, "--metric", "new_attempts",
                        "-w", 1, "--out", out, "--no-plots", "-q"],
        "calibrate": ["calibrate", TOY, "--until", "2021-09-10", "--trials", 1, "--out", out, "-q"],
        "calibrate FLEE_FOLDER": ["calibrate", flee_folder, "--until", 3, "--trials", 1, "--out", out, "-q", "--no-plots"],
        "calibrate FLEE_FOLDER --method abc": ["calibrate", flee_folder, "--until", 3, "--method", "abc", "--population", 2,
                                               "--generations", 1, "--forecast-runs", 1, "--out", out, "-q", "--no-plots"],
        "validate": ["validate", toy_run, "--observed", observed, "--out", out, "--no-plots", "-q"],
    }[command]


WRITERS = ["run", "flee run", "flee convert", "ensemble", "sensitivity", "calibrate", "calibrate FLEE_FOLDER",
           "calibrate FLEE_FOLDER --method abc", "validate",
           "compare", "allocate", "tradeoffs", "backtest", "forecast"]


# -- class 1: --out never deletes a user's data ---------------------------------------------
@pytest.mark.parametrize("command", WRITERS)
def test_every_writer_refuses_a_folder_it_did_not_write(command, tmp_path, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    result = invoke(*writer_args(command, target, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant))
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert str(target) in text and "hint:" in text
    assert ("not written by borderlab" in text and "--force" in text) if command != "flee convert" else "is a folder" in text
    assert snapshot(target) == {"thesis.tex": b"years of work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]   # no lock, partial or temp file left


@pytest.mark.parametrize("command", [c for c in WRITERS if c != "flee convert"])
def test_every_writer_refuses_a_file_at_out(command, tmp_path, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    result = invoke(*writer_args(command, target, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant))
    assert result.exit_code == 2 and "is a file, not a folder" in result.output, result.output
    assert target.read_text() == "keep"


def test_an_ensemble_is_not_replaced_by_a_run_unless_forced(tmp_path):
    """The issue's example: `ensemble --out E` then `run --out E` deleted the ensemble."""
    ens = tmp_path / "E"
    assert invoke("ensemble", TOY, "--runs", 2, "-w", 1, "--out", ens, "--no-plots", "-q").exit_code == 0
    before = snapshot(ens)
    assert output_kind(ens) == "ensemble"
    result = invoke("run", TOY, "--out", ens, "--no-plots", "-q")
    assert result.exit_code == 2 and "another kind of borderlab output (ensemble, not run)" in " ".join(result.output.split())
    assert snapshot(ens) == before
    # and the other way round
    run_dir = tmp_path / "R"
    assert invoke("run", TOY, "--out", run_dir, "--no-plots", "-q").exit_code == 0
    run_before = snapshot(run_dir)
    result = invoke("ensemble", TOY, "--runs", 2, "-w", 1, "--out", run_dir, "--no-plots", "-q")
    assert result.exit_code == 2 and "(run, not ensemble)" in result.output
    assert snapshot(run_dir) == run_before
    # --force replaces it, and the result is a whole run folder
    assert invoke("run", TOY, "--out", ens, "--no-plots", "-q", "--force").exit_code == 0
    assert output_kind(ens) == "run" and not (ens / "runs").exists()
    assert set(json.loads((ens / "manifest.json").read_text())["outputs"]) <= set(snapshot(ens))
    # a study forced onto a folder of another kind starts afresh there
    assert invoke("ensemble", TOY, "--runs", 2, "-w", 1, "--out", run_dir, "--no-plots", "-q", "--force").exit_code == 0
    assert output_kind(run_dir) == "ensemble" and not (run_dir / "daily.csv").exists()
    assert json.loads((run_dir / "manifest.json").read_text())["runs"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E", "R"]


def test_a_path_with_brackets_is_printed_as_it_is(tmp_path):
    odd = tmp_path / "[bold]mine"
    odd.mkdir()
    (odd / "f").write_text("keep")
    result = invoke("run", TOY, "--out", odd, "--no-plots", "-q")
    assert result.exit_code == 2 and f"{odd}: exists and was not written by borderlab" in result.output.replace("\n", "")


def test_output_kinds_and_states(tmp_path):
    assert check_output(tmp_path / "new", "run") == "new"
    (tmp_path / "empty").mkdir()
    assert check_output(tmp_path / "empty", "run") == "empty"
    with replace_folder(tmp_path / "r", "run") as tmp:
        (tmp / "daily.csv").write_text("x")
    assert json.loads((tmp_path / "r" / MARKER).read_text())["kind"] == "run"
    assert check_output(tmp_path / "r", "run") == "same"
    with pytest.raises(InputFileError, match=r"another kind of borderlab output \(run, not validation\)"):
        check_output(tmp_path / "r", "validation")
    assert check_output(tmp_path / "r", "validation", force=True) == "forced"
    # folders written before the marker existed are recognised by what only borderlab writes
    legacy = {"run": {"manifest.json": "{}", "daily.parquet": ""}, "flee-run": {"manifest.json": "{}", "out.csv": ""},
              "ensemble": {"manifest.json": '{"study": "ensemble"}'}, "sensitivity": {"plan.json": '{"study": "sensitivity"}'},
              "validation": {"validation.json": "{}"}, "calibration": {"study.journal": ""}, "foreign": {"manifest.json": "{}"}}
    expected = {"run": "run", "flee-run": "run", "ensemble": "ensemble", "sensitivity": "sensitivity",
                "validation": "validation", "calibration": "calibration", "foreign": None}
    for name, files in legacy.items():
        for f, text in files.items():
            (tmp_path / name).mkdir(exist_ok=True)
            (tmp_path / name / f).write_text(text)
        assert output_kind(tmp_path / name) == expected[name], name


def test_force_never_deletes_the_root_home_or_working_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "sub" / "keep.txt").write_text("keep")
    monkeypatch.chdir(work / "sub")
    for target in (".", "..", str(Path.home()), "/"):
        with pytest.raises(InputFileError, match="--force never deletes it"):
            check_output(Path(target), "run", force=True)
    result = invoke("run", TOY, "--out", "..", "--force", "--no-plots", "-q")
    assert result.exit_code == 2 and (work / "sub" / "keep.txt").read_text() == "keep"


def test_a_killed_writer_leaves_only_hidden_leftovers_and_the_next_writer_clears_them(tmp_path):
    target = tmp_path / "r"
    with replace_folder(target, "run") as tmp:
        (tmp / "a.txt").write_text("first")
    # what a writer killed before its rename leaves: a hidden partial folder beside the target
    (tmp_path / ".r.partial-dead1").mkdir()
    (tmp_path / ".r.partial-dead1" / "a.txt").write_text("half")
    with pytest.raises(RuntimeError):
        with replace_folder(target, "run") as tmp:
            (tmp / "a.txt").write_text("second")
            raise RuntimeError("crash while writing")
    assert (target / "a.txt").read_text() == "first"          # the old folder is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]   # the dead writer's partial is gone too


KILLED_MID_WRITE = """
import os, signal, sys
from borderlab.reporting.outdir import replace_folder
with replace_folder(sys.argv[1], "run") as tmp:
    (tmp / "daily.csv").write_text("half of a new run")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_writer_killed_in_the_middle_of_writing_leaves_the_old_folder_whole(tmp_path):
    target = tmp_path / "R"
    with replace_folder(target, "run") as tmp:
        (tmp / "daily.csv").write_text("the old run")
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_WRITE, str(target)], timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert (target / "daily.csv").read_text() == "the old run" and output_kind(target) == "run"
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name != "R")
    assert len(hidden) == 2 and hidden[0] == ".R.lock" and hidden[1].startswith(".R.partial-")
    with replace_folder(target, "run", wait_s=5) as tmp:      # the dead writer's lock is free
        (tmp / "daily.csv").write_text("the new run")
    assert (target / "daily.csv").read_text() == "the new run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R"]


def test_one_file_outputs_replace_only_their_own_files(tmp_path, flee_folder):
    mine = tmp_path / "notes.yaml"
    mine.write_text("my: notes\n")
    with pytest.raises(InputFileError, match="not written by borderlab"):
        replace_file(mine, "x", "converted by borderlab flee convert")
    assert mine.read_text() == "my: notes\n"
    result = invoke("flee", "convert", flee_folder, "--out", mine)
    assert result.exit_code == 2 and "--force" in result.output and mine.read_text() == "my: notes\n"
    ours = tmp_path / "case.flee.yaml"
    assert invoke("flee", "convert", flee_folder, "--out", ours).exit_code == 0
    assert invoke("flee", "convert", flee_folder, "--out", ours).exit_code == 0     # its own file: replaced
    assert invoke("flee", "convert", flee_folder, "--out", mine, "--force").exit_code == 0
    assert mine.read_text() == ours.read_text()
    # onto a folder: a clear error, and no temporary file left (issue 10, class 7)
    (tmp_path / "dir").mkdir()
    result = invoke("flee", "convert", flee_folder, "--out", tmp_path / "dir")
    assert result.exit_code == 2 and "is a folder; --out names the file to write" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.flee.yaml", "dir", "notes.yaml"]
    assert list((tmp_path / "dir").iterdir()) == []


HOLD_LOCK = """
import sys, time
from borderlab.reporting.outdir import output_lock
with output_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_writer_is_refused_while_the_first_holds_the_target(tmp_path):
    target = tmp_path / "E"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(target), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputFileError, match=rf"another borderlab process \(pid {holder.pid}\) is writing here"):
            with outdir.output_lock(target, wait_s=0.2):
                pass
    finally:
        holder.kill()          # SIGKILL: the kernel releases its lock
        holder.wait()
    assert [p.name for p in tmp_path.iterdir()] == [".E.lock"]   # left by the killed holder, unlocked
    with outdir.output_lock(target, wait_s=5):
        with outdir.output_lock(target):   # re-entrant within one process
            pass
    assert list(tmp_path.iterdir()) == []   # a holder deletes the lock file when done


# -- class 5: operating-system errors are user errors ----------------------------------------
def bad_targets(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "afile").write_text("x")
    return {"parent is a file": tmp_path / "afile" / "out",
            "name too long": tmp_path / ("n" * 300),
            "under /proc": Path("/proc/borderlab-test-out")}


@pytest.mark.parametrize("command", WRITERS)
def test_impossible_out_paths_are_one_clear_error(command, tmp_path, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant):
    for why, target in bad_targets(tmp_path).items():
        result = invoke(*writer_args(command, target, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant))
        assert result.exit_code == 2, (why, result.output)
        assert result.output.startswith("error:") and "hint:" in result.output, (why, result.output)
        assert str(target)[:40] in result.output.replace("\n", ""), (why, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through any permission")
def test_a_read_only_parent_is_one_clear_error(tmp_path, toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        for command in WRITERS:
            result = invoke(*writer_args(command, parent / "out", toy_run, flee_folder, toy_observed, forecast_scenario, noop_variant))
            assert result.exit_code == 2 and "you may not write" in result.output, (command, result.output)
    finally:
        parent.chmod(0o755)


def test_a_scenario_path_component_too_long_is_a_user_error(tmp_path):
    for command in (["check"], ["run", "--out", tmp_path / "o", "-q"]):
        result = invoke(*command[:1], tmp_path / ("s" * 300) / "scenario.yaml", *command[1:])
        assert result.exit_code == 2 and "hint:" in result.output, result.output


def test_an_os_error_deep_inside_a_command_is_a_user_error(tmp_path, monkeypatch):
    import borderlab.reporting.run_folder as run_folder

    def disk_full(run, out, plots=True, force=False, report=False):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "daily.parquet"))

    monkeypatch.setattr(run_folder, "write_run", disk_full)
    result = invoke("run", TOY, "--out", tmp_path / "o", "-q")
    assert result.exit_code == 2
    assert f"{tmp_path / 'o' / 'daily.parquet'}: No space left on device" in result.output.replace("\n", "")
    assert "the disk is full" in result.output


def test_os_error_messages_name_the_path_and_the_fix():
    text = describe_os_error(PermissionError(errno.EACCES, "Permission denied", "/srv/x"))
    assert text.startswith("/srv/x: Permission denied\n    hint: you may not write")
    text = describe_os_error(OSError(errno.EXDEV, "Invalid cross-device link", "/a", None, "/b"))
    assert text.startswith("/a → /b: Invalid cross-device link")
    assert "hint:" in describe_os_error(TimeoutError("timed out"))


# -- class 6: a read-only install run by a non-root user --------------------------------------
@pytest.mark.parametrize("where", ["private folder", "nowhere"])
def test_kernels_compile_where_numba_cannot_cache_beside_them(where, tmp_path, monkeypatch, caplog):
    """Simulated: numba finds no cache location it may write (a read-only install and an
    unwritable home); with a writable temp dir the cache moves there, else caching is off."""
    import numba
    import numpy as np
    from numba.core import caching, config

    from borderlab.engine import numba_cache

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes",
                        [caching.UserProvidedCacheLocator] if where == "private folder" else [])
    monkeypatch.setattr(numba_cache, "_state", {"fallback": None, "numba": True})
    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.setattr(numba_cache.tempfile, "gettempdir", lambda: str(tmp_path))
    with pytest.raises(RuntimeError, match="cannot cache function"):
        numba.njit(cache=True)(lambda x: x)   # what numba alone does here

    def twice(x):
        return 2 * x

    def thrice(x):
        return 3 * x

    with caplog.at_level("WARNING", logger="borderlab"):
        kernels = [numba_cache.jit_dispatcher(twice, {}), numba_cache.jit_dispatcher(thrice, {})]
    assert [k(np.int64(7)) for k in kernels] == [14, 21]
    notices = [r.getMessage() for r in caplog.records]
    folder = tmp_path / f"borderlab-numba-{os.getuid()}"
    if where == "private folder":
        assert notices == [f"notice: the numba cache beside borderlab is not writable; caching in {folder}"]
        assert any(folder.rglob("*.nbi"))
    else:
        assert notices == ["notice: numba cannot cache compiled kernels anywhere; compiling them in each run"]


def _nobody_can_run_python() -> bool:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", "pass"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _nobody_can_run_python(), reason="needs root, setpriv and an interpreter user nobody may run")
def test_a_non_root_user_with_no_writable_home_can_run():
    """For real: user nobody, HOME=/nonexistent, the install (this checkout) not writable by it."""
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="borderlab-nobody-", dir="/tmp"))
    try:
        shared.chmod(0o777)
        env = dict(os.environ, HOME="/nonexistent", TMPDIR=str(shared), MPLCONFIGDIR=str(shared / "mpl"))
        env.pop("NUMBA_CACHE_DIR", None)
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *BORDERLAB, "run", TOY,
                               "--out", str(shared / "o"), "--no-plots", "-q"],
                              capture_output=True, text=True, env=env, timeout=300, cwd=shared)
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.strip() == ("notice: the numba cache beside borderlab is not writable; "
                                       f"caching in {shared}/borderlab-numba-65534")
        assert (shared / "o" / "manifest.json").is_file()
        # and a parent folder that user may not write is one clear error, before any work
        (shared / "ro").mkdir(mode=0o755)
        proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *BORDERLAB, "run", TOY,
                               "--out", str(shared / "ro" / "o"), "--no-plots", "-q"],
                              capture_output=True, text=True, env=env, timeout=300, cwd=shared)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert f"{shared}/ro/o: you may not write in {shared}/ro" in proc.stderr
        assert list((shared / "ro").iterdir()) == []
    finally:
        shutil.rmtree(shared, ignore_errors=True)


# -- class 7: small CLI items -----------------------------------------------------------------
@pytest.mark.parametrize("args, needle", [(["--people", "-5"], "Invalid value for '--people'"),
                                          (["--days", "0"], "Invalid value for '--days'"),
                                          (["--nodes", "0"], "Invalid value for '--nodes'"),
                                          (["--people", "100000000"], "above the limit of 50,000,000 people")])
def test_bench_refuses_impossible_sizes_before_any_work(args, needle, monkeypatch):
    import borderlab.bench

    monkeypatch.setattr(borderlab.bench, "run_benchmarks", lambda **kw: pytest.fail("bench started work"))
    result = runner.invoke(app, ["bench", *args], terminal_width=200)
    assert result.exit_code == 2 and needle in result.output and "Traceback" not in result.output


def test_a_scheduler_that_is_no_address_is_refused_before_anything_starts(tmp_path, monkeypatch):
    import dask.distributed

    def no_client(*a, **k):
        raise AssertionError("a Client was started for an address that cannot work")

    monkeypatch.setattr(dask.distributed, "Client", no_client)
    result = invoke("ensemble", TOY, "--runs", 2, "--scheduler", "not a url", "--out", tmp_path / "E", "-q")
    assert result.exit_code == 2 and "--scheduler not a url: cannot reach a Dask scheduler" in result.output
    assert not (tmp_path / "E").exists()


# -- killed and concurrent writers (separate processes) ---------------------------------------
def _cli(*args) -> list[str]:
    return [*BORDERLAB, *[str(a) for a in args]]


def _whole_run(folder: Path) -> int:
    """The seed of a whole run folder (every file its manifest lists is there)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert all((folder / f).is_file() for f in manifest["outputs"]), manifest["outputs"]
    assert output_kind(folder) == "run"
    return manifest["seed"]


def test_a_run_killed_at_random_points_leaves_the_old_folder_or_the_new_one(tmp_path):
    target = tmp_path / "R"
    t0 = time.monotonic()
    subprocess.run(_cli("run", TOY, "--seed", 1, "--out", target, "-q"), check=True, timeout=300)
    duration = time.monotonic() - t0
    rng = random.Random(10)
    for i in range(2):
        proc = subprocess.Popen(_cli("run", TOY, "--seed", 2 + i, "--out", target, "-q"))
        time.sleep(rng.uniform(0.5, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _whole_run(target) in (1, *range(2, 3 + i))
        visible = [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")]
        assert visible == ["R"]


def test_two_runs_at_once_on_one_target_both_finish_and_one_wins(tmp_path):
    target = tmp_path / "R"
    procs = [subprocess.Popen(_cli("run", TOY, "--seed", s, "--out", target, "-q", "--no-plots"),
                              stderr=subprocess.PIPE, text=True) for s in (3, 4)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert _whole_run(target) in (3, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R"]


def test_ensembles_killed_or_run_twice_at_once_never_look_finished_when_they_are_not(tmp_path):
    target = tmp_path / "E"
    args = ("ensemble", TOY, "--runs", 12, "-w", 1, "--out", target, "--no-plots", "-q")
    proc = subprocess.Popen(_cli(*args))
    deadline = time.monotonic() + 120
    while not any((target / "runs").glob("run-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (target / "manifest.json").exists()         # unfinished: no manifest
    assert output_kind(target) == "ensemble"              # …but recognised, so a rerun resumes it
    # two resumptions at once: one does the work, the other is refused or finds it done
    procs = [subprocess.Popen(_cli(*args), stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 2]), errors
    if codes == [0, 2]:
        assert any(re.search(r"another borderlab process \(pid \d+\) is writing here", " ".join(e.split())) for e in errors), errors
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["runs"] == 12 and len(list((target / "runs").glob("run-*.parquet"))) == 12
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E"]


def _ctrl_c_as_in_a_terminal():
    """A shell starts background jobs with SIGINT ignored, and children inherit that (Python
    then installs no handler): give the child the default, as a terminal would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130_and_leaves_no_finished_looking_ensemble(tmp_path):
    target = tmp_path / "E"
    # more runs than could finish if the signal went astray (see the finalizer test below)
    proc = subprocess.Popen(_cli("ensemble", TOY, "--runs", 5000, "-w", 1, "--out", target, "--no-plots", "-q"),
                            stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 120
    while not any((target / "runs").glob("run-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    files = len(list((target / "runs").glob("run-*.parquet")))
    assert proc.returncode == 130, (proc.returncode, files, (target / "manifest.json").exists(), err)
    assert "Traceback" not in err and not (target / "manifest.json").exists()


# -- the guarantees page says what is tested here ----------------------------------------------
def test_the_guarantees_page_matches_the_code():
    text = (REPO / "docs" / "guarantees.md").read_text(encoding="utf-8")
    assert MARKER in text and "--force" in text and "130" in text
    for command in WRITERS:
        assert f"`{command}`" in text, command
        args = command.split() + ["--help"]
        assert "--force" in runner.invoke(app, args, terminal_width=200).output, command
    assert "guarantees.md" in (REPO / "README.md").read_text(encoding="utf-8")
    assert "guarantees.md" in (REPO / "docs" / "index.md").read_text(encoding="utf-8")


LOST_CTRL_C = """
import signal, sys
from borderlab.studies import ensemble

run_one = ensemble.execute_timed


class FreedWhileCompiling:
    # llvmlite frees LLVM objects in finalizers while numba compiles: a Ctrl-C that lands in
    # one is printed as "Exception ignored" and dropped by Python
    def __del__(self):
        signal.raise_signal(signal.SIGINT)


def first_run_loses_a_ctrl_c(spec):
    FreedWhileCompiling()
    return run_one(spec)


ensemble.execute_timed = first_run_loses_a_ctrl_c
sys.argv = ["borderlab", "ensemble", "toy-border", "--runs", "20", "-w", "1", "--out", sys.argv[1], "--no-plots", "-q"]
from borderlab.cli import main
main()
"""


def test_a_ctrl_c_swallowed_by_a_finalizer_still_stops_the_ensemble_with_130(tmp_path):
    target = tmp_path / "E"
    proc = subprocess.run([sys.executable, "-c", LOST_CTRL_C, str(target)], capture_output=True, text=True, timeout=300,
                          preexec_fn=_ctrl_c_as_in_a_terminal)
    assert "Exception ignored" in proc.stderr                 # Python did drop the KeyboardInterrupt
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert not (target / "manifest.json").exists()
    assert len(list((target / "runs").glob("run-*.parquet"))) <= 1   # stopped before the second run
