"""Reading a user's text input (scenario YAML, observed.csv, a temperature CSV) safely.

Every reader goes through here so that the same things are refused the same way, before
any parsing: a file over the size limit, a file that is not UTF-8 (named with its line and
a hint, never a UnicodeDecodeError), a CSV the csv module cannot split (a NUL byte, a field
over its size limit) — each as a BorderlabError naming the file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

from .errors import InputFileError, Problem, ScenarioError
from .scenario.limits import limit, over_limit


def read_text_checked(path: Path) -> str:
    """The text of a UTF-8 input file (a leading byte-order mark dropped), refusing one over
    the size limit or not UTF-8 with the file, line and a hint."""
    path = Path(path)
    most = int(limit("max_yaml_bytes"))
    try:
        if path.exists() and not path.is_file():  # a device or pipe could be endless or block
            raise InputFileError(f"{path}: not a regular file\n    hint: point at a text file")
        with path.open("rb") as fh:
            raw = fh.read(most + 1)  # never more than the limit, whatever stat says
        if len(raw) > most:
            size = max(path.stat().st_size, len(raw))
            raise ScenarioError([Problem(str(path), over_limit("max_yaml_bytes", "the file", size),
                                         "is this the right file? split it, or raise the limit if it is genuine")])
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Problem(f"{path}:{line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                                     "save the file as UTF-8 (most editors: File → Save with encoding)")]) from None


def finite(x: float) -> float:
    """`x`, or ValueError for NaN and infinity (which `float()` accepts from text)."""
    if not math.isfinite(x):
        raise ValueError(f"{x} is not a finite number")
    return x


@contextlib.contextmanager
def csv_dict_reader(path: Path):
    """`with csv_dict_reader(path) as reader:` — a csv.DictReader over a checked UTF-8 file;
    a csv.Error while reading becomes an InputFileError naming the file and line."""
    reader = csv.DictReader(io.StringIO(read_text_checked(path), newline=""))
    try:
        yield reader
    except csv.Error as exc:
        raise InputFileError(f"{path}:{reader.line_num}: not a readable CSV ({exc})\n"
                             "    hint: is this a text CSV file? save it as comma-separated UTF-8") from None
