"""Who may write where: `--out` never deletes a user's data.

Every folder borderlab writes holds a small marker file, `.borderlab.json`, naming the
*kind* of output (`run`, `ensemble`, `sensitivity`, `calibration`, `validation`, …). A
command replaces (or resumes) an existing `--out` only when it is empty or holds the marker
of the same kind; anything else is refused with a message naming the path and the fix, and
`--force` overrides. One writer at a time per target: an OS lock on `.NAME.lock` beside
it (released by the kernel if the process dies, deleted when the writer is done), so two
processes never race in the atomic rename.

The API (docs/architecture.md, "Writing outputs"):

    check_output(out, kind, force)      refuse early, before any work (no lock)
    with replace_folder(out, kind, force) as tmp:   write into tmp; it becomes `out` whole
    with study_folder(out, kind, force) as out:     a resumable folder written in place
    with output_lock(out): … prepare_study_folder(out, kind, force)   the same, in two steps
    check_output_file(path, signature, force)       the same for a single-file output (e.g. flee convert)
    replace_file(path, text, signature, force)      write it atomically
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import json
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

from ..errors import InputFileError
from .atomic import atomic_folder, remove_path, write_text_atomic

MARKER = ".borderlab.json"
LOCK_WAIT_S = 120.0   # a folder replacement waits this long for another writer of the same target
_SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
FORCE_HELP = "Replace --out even if it holds something borderlab did not write there for this command (its contents are deleted)."


def output_kind(folder: Path) -> str | None:
    """The kind of borderlab output in `folder`, or None if it is not one.

    Read from the marker; folders written before markers existed are recognised by the
    files that only borderlab writes there."""
    folder = Path(folder)
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))["kind"]
    except FileNotFoundError:
        return _kind_without_marker(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _kind_without_marker(folder: Path) -> str | None:
    for name in ("manifest.json", "plan.json"):   # ensembles and sensitivity studies say which they are
        try:
            study = json.loads((folder / name).read_text(encoding="utf-8")).get("study")
        except (OSError, ValueError, AttributeError):
            continue
        if study:
            return str(study)
    if (folder / "manifest.json").is_file() and ((folder / "daily.parquet").is_file() or (folder / "out.csv").is_file()):
        return "run"
    if (folder / "validation.json").is_file():
        return "validation"
    if (folder / "study.journal").is_file():
        return "calibration"
    return None


def check_output(out: Path, kind: str, force: bool = False) -> str:
    """May a `kind` output be written at `out`? Returns "new", "empty", "same" or "forced";
    raises InputFileError (naming the path and the fix) if not."""
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        check_parent(out)
        return "new"
    if out.is_dir() and not any(out.iterdir()):
        return "empty"
    found = output_kind(out) if out.is_dir() else None
    if found == kind:
        return "same"
    if force:
        _refuse_dangerous(out)
        return "forced"
    if not out.is_dir():
        raise InputFileError(f"{out}: exists and is a file, not a folder; not replacing it\n"
                             "    hint: choose a new --out folder, or add --force to replace the file")
    if found is None:
        raise InputFileError(f"{out}: exists and was not written by borderlab (no {MARKER}); not replacing it\n"
                             "    hint: choose a new --out folder, or add --force to replace it (its contents are deleted)")
    raise InputFileError(f"{out}: holds another kind of borderlab output ({found}, not {kind}); not replacing it\n"
                         "    hint: choose a new --out folder, or add --force to replace it (its contents are deleted)")


def check_parent(out: Path) -> None:
    """The nearest existing folder above `out` must be a folder we may write in (checked
    before any work, so a run is not lost for want of a place to put it)."""
    above = Path(os.path.abspath(out)).parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputFileError(f"{out}: {above} is a file, so it cannot hold this folder\n"
                             "    hint: choose an --out whose parents are folders (or are still to be made)")
    if any(Path(os.path.realpath(above)).is_relative_to(p) for p in _SYSTEM_FOLDERS):
        raise InputFileError(f"{out}: {above} belongs to the operating system (its files are not real files)\n"
                             "    hint: choose an ordinary folder, e.g. under your home folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputFileError(f"{out}: you may not write in {above}\n"
                             "    hint: choose a folder you own (e.g. under your home folder), or fix its permissions")


def _refuse_dangerous(out: Path) -> None:
    """--force replaces a folder, never the root, the home folder, or the working folder
    (or a folder above it)."""
    target = out.resolve()
    cwd = Path.cwd().resolve()
    home = Path(os.path.expanduser("~")).resolve()
    if target == Path(target.anchor) or target == home or target == cwd or target in cwd.parents:
        raise InputFileError(f"{out}: is the root, home or working folder (or above it); --force never deletes it\n"
                             "    hint: choose a new --out folder")


def write_marker(folder: Path, kind: str) -> None:
    from .. import __version__
    write_text_atomic(Path(folder) / MARKER, json.dumps(
        {"kind": kind, "borderlab_version": __version__,
         "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}, indent=2) + "\n")


@contextlib.contextmanager
def output_lock(out: Path, wait_s: float = 0.0):
    """Hold the lock of target `out` (file `.NAME.lock` beside it) for the block.

    An OS lock (flock): the kernel releases it when its holder dies, even by SIGKILL. The
    holder deletes the file before unlocking, and a process that locked a file no longer at
    that path tries again, so no lock file is left behind and no two writers ever both
    hold one. Re-entrant within one process; another process waits up to `wait_s` seconds
    and then gets a clear error."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f".{out.name}.lock"
    key = str(path)
    if key in _held:
        _held[key][1] += 1
        try:
            yield out
        finally:
            _held[key][1] -= 1
        return
    fd = _acquire(path, out, wait_s)
    _held[key] = [fd, 1]
    try:
        yield out
    finally:
        del _held[key]
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(fd)


_held: dict[str, list] = {}   # lock path → [fd, depth] of the locks this process holds


def _acquire(path: Path, out: Path, wait_s: float) -> int:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise InputFileError(f"{out}: cannot create files in {out.parent} ({exc.strerror})\n"
                                 "    hint: choose a folder you own on a writable disk, e.g. under your home folder") from None
        if fcntl is None:   # no flock (Windows): one writer per target is then the user's care
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            for _ in range(10):   # the holder writes its pid just after it takes the lock
                if holder:
                    break
                time.sleep(0.01)
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            if time.monotonic() >= deadline:
                raise InputFileError(f"{out}: another borderlab process{f' (pid {holder})' if holder else ''} "
                                     "is writing here\n"
                                     "    hint: wait for it to finish, or choose another --out folder") from None
            time.sleep(0.05)
            continue
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            return fd
        os.close(fd)   # its holder deleted it after we opened it: lock the new one


@contextlib.contextmanager
def replace_folder(out: Path, kind: str, force: bool = False, wait_s: float = LOCK_WAIT_S):
    """Yield an empty temporary folder; when the block ends it holds the marker and replaces
    `out` in one rename. Refused (before the block runs) if `out` may not be replaced."""
    with output_lock(out, wait_s):
        state = check_output(out, kind, force)
        if state == "forced" and not Path(out).is_dir():
            Path(out).unlink()
        remove_leftovers(out)
        with atomic_folder(Path(out)) as tmp:
            yield tmp
            write_marker(tmp, kind)


def remove_leftovers(out: Path) -> int:
    """Delete `.NAME.partial-*` / `.NAME.old-*` left beside `out` by writers that were killed
    (the caller holds the lock, so no live writer owns them); returns how many."""
    out = Path(out).resolve()
    removed = 0
    for p in out.parent.glob(f".{glob.escape(out.name)}.*"):
        if p.name.startswith((f".{out.name}.partial-", f".{out.name}.old-")):
            remove_path(p)
            removed += 1
    return removed


@contextlib.contextmanager
def study_folder(out: Path, kind: str, force: bool = False):
    """Yield `out` as a folder written in place and resumed by a rerun (ensembles,
    sensitivity studies, calibrations). A second writer is refused at once, not queued."""
    with output_lock(out, wait_s=0.0):
        yield prepare_study_folder(out, kind, force)


def prepare_study_folder(out: Path, kind: str, force: bool = False) -> Path:
    """Check `out`, delete it if --force overrides a refusal, create it and mark its kind.
    The caller holds `output_lock(out)`."""
    out = Path(out)
    if check_output(out, kind, force) == "forced":
        remove_path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / MARKER).is_file():
        write_marker(out, kind)
    return out


def check_output_file(path: Path, signature: str, force: bool = False) -> None:
    """May a one-file output be written at `path`? Only over a file whose first line contains
    `signature` (what borderlab writes there), or with `force`; never over a folder."""
    path = Path(path)
    if not path.exists():
        check_parent(path)
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder; --out names the file to write\n"
                             f"    hint: give a file name, e.g. --out {path / 'case.flee.yaml'}")
    if path.exists() and not force and signature not in _first_line(path):
        raise InputFileError(f"{path}: exists and was not written by borderlab; not replacing it\n"
                             "    hint: choose a new --out file, or add --force to replace it")


def replace_file(path: Path, text: str, signature: str, force: bool = False) -> Path:
    """Write a one-file output atomically (see check_output_file), one writer at a time."""
    path = Path(path)
    with output_lock(path, LOCK_WAIT_S):
        check_output_file(path, signature, force)
        write_text_atomic(path, text)
    return path


def _first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.readline()
    except OSError:
        return ""
