"""`--set` values and whole argument lists, generated.

`--set` cases pair a real parameter path of toy-border (or a Flee setting of a shared
folder) with a value written as a user would type it, or an assignment that is broken
as text (`=5`, `...=7`). Argument-list cases take a command line and break one part of it
(a negative seed, an unknown option, a missing --out, an --out whose parent is a file, a
name too long for the file system, a path in /proc, a scheduler that is not an address):
every one is invalid, so each must end with exit 2 and a message naming the bad part,
before any expensive work and without writing anything.
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st

from flee_mutations import FOLDERS, SHARED_FLEE, settings_of
from flee_mutations import csv_mutations as fm_csv_mutations
from fuzz_harness import EITHER, REJECT, RUN_BOUND_S, Case
from scenario_mutations import base_data, get, paths_of

NOT_A_NUMBER_TEXT = ["nan", ".nan", "NaN", "inf", ".inf", "-.inf", "Infinity", "true", "false", "lots", "[1, 2]",
                     "{a: 1}", "5,5", "!!python/object/apply:os.system ['touch {root}/pwned']", "*alias", "0x"]
ODD_TEXT = ["1e300", "-1", "0", "1e10", "2.5e12", "null", "", "'5'", "1_000", "&a 3", "ñ", "0.0000001", "99999999999999999999",
            "2021-09-05", "x" * 2000]
BROKEN_ASSIGNMENTS = ["=5", "...=7", "noequals", "a..b=1", ".=1", "=", " = ", "nodes.=1", "x" * 300 + "=1", "ñ=1",
                      "end=", "==", "defenders..detection_k=1", "seed==3", "zz_unknown=1", "nodes.99.km=1",
                      "supply.routes.nowhere.weekly_seats=3", "start=yesterday", "end=2021-13-45"]


@lru_cache(maxsize=None)
def toy_leaves() -> tuple[tuple[str, object], ...]:
    data = base_data("toy-border")
    out = []
    for p in paths_of("toy-border"):
        v = get(data, p)
        if not isinstance(v, (dict, list)):
            out.append((".".join(map(str, p)), v))
    return tuple(out)


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@st.composite
def set_cases(draw) -> Case:
    kind = draw(st.sampled_from(["scenario", "scenario", "broken", "flee"]))
    if kind == "broken":
        text = draw(st.sampled_from(BROKEN_ASSIGNMENTS))
        path = text.split("=", 1)[0].strip()
        return Case(label=f"--set {text[:40]!r}", args=["check", "toy-border", "--set", text], expect=REJECT,
                    names=("--set",) + ((path,) if path else ()))
    if kind == "scenario":
        path, value = draw(st.sampled_from(toy_leaves()))
        bad = _number(value) and draw(st.booleans())
        text = draw(st.sampled_from(NOT_A_NUMBER_TEXT if bad else ODD_TEXT + NOT_A_NUMBER_TEXT))
        return Case(label=f"--set {path}={text[:40]} (was {value!r})", args=["check", "toy-border", "--set", f"{path}={text}"],
                    expect=REJECT if bad else EITHER, names=("--set", path, "scenario.yaml"))
    folder = draw(st.sampled_from(FOLDERS))
    import yaml
    data = yaml.safe_load(settings_of(folder))
    keys = [(s, k, v) for s in ("move_rules", "spawn_rules", "optimisations") for k, v in (data.get(s) or {}).items()]
    section, key, value = draw(st.sampled_from(keys))
    path = f"{section}.{key}"
    if draw(st.integers(0, 5)) == 0:
        path, value = draw(st.sampled_from([("move_rules.zz_unknown", None), ("nosection", None), ("a.b.c", None)]))
        return Case(label=f"flee --set {path}=1", args=["check", str(SHARED_FLEE / folder), "--set", f"{path}=1"],
                    expect=REJECT, names=(path,))
    bad = _number(value) and draw(st.booleans())
    text = draw(st.sampled_from(NOT_A_NUMBER_TEXT if bad else ODD_TEXT))
    return Case(label=f"flee {folder} --set {path}={text[:40]}", args=["check", str(SHARED_FLEE / folder), "--set", f"{path}={text}"],
                expect=REJECT if bad else EITHER, names=(path, "--set", str(SHARED_FLEE / folder)))


# -- argument lists -------------------------------------------------------------------------
junk = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


@st.composite
def argument_lists(draw) -> Case:
    """A command line with one part broken; always invalid."""
    mali = str(SHARED_FLEE / "mali2012")
    out = ["--out", "{root}/o"]
    word = "zz-" + draw(junk)
    n = draw(st.integers(max_value=-1, min_value=-(2**70)))
    pick = draw(st.integers(0, 28))
    files: dict = {}
    if pick == 0:
        args, names = ["run", "toy-border", *out, "--seed", str(n)], ("--seed",)
    elif pick == 1:
        args, names = ["run", "toy-border", *out, "--seed", word], ("--seed",)
    elif pick == 2:
        args, names = ["run", "toy-border", *out, f"--{word}"], (f"--{word}",)
    elif pick == 3:
        args, names = ["run", "toy-border"], ("--out",)
    elif pick == 4:
        args, names = ["run", word, *out], (word,)
    elif pick == 5:
        args, names = ["check", word], (word,)
    elif pick == 6:
        files = {"f": b"a file, not a folder"}
        args, names = ["run", "toy-border", "--out", "{root}/f/o", "-q", "--no-plots"], ("{root}/f",)
    elif pick == 7:
        args, names = ["run", "toy-border", "--out", "{root}/" + "n" * draw(st.integers(256, 400)), "-q", "--no-plots"], ("{root}",)
    elif pick == 8:
        args, names = ["run", "toy-border", "--out", f"/proc/{word}", "-q", "--no-plots"], ("/proc",)
    elif pick == 9:
        args, names = ["flee", "run", f"{{root}}/{word}", *out], (word,)
    elif pick == 10:
        files = {"d/keep.txt": b"keep me"}
        args, names = ["flee", "convert", mali, "--out", "{root}/d"], ("{root}/d",)
    elif pick == 11:
        option = draw(st.sampled_from(["--people", "--days", "--nodes"]))
        args, names = ["bench", "--json", option, str(draw(st.integers(-5, 0)))], (option,)
    elif pick == 12:
        args, names = ["ensemble", "toy-border", "--runs", str(draw(st.integers(-3, 0))), *out], ("--runs",)
    elif pick == 13:
        args, names = ["validate", f"{{root}}/{word}"], (word,)
    elif pick == 14:
        files = {"f.txt": b"not a run"}
        args, names = ["validate", "{root}/f.txt"], ("{root}/f.txt",)
    elif pick == 15:
        args, names = ["sensitivity", "toy-border", "--method", word, "--samples", "4", "--metric", "new_attempts", *out], ("--method",)
    elif pick == 16:
        args, names = ["flee", "run", mali, "--days", str(draw(st.integers(-3, 0))), *out], ("--days",)
    elif pick == 17:
        days = draw(st.sampled_from([10**9, 10**6, 3661]))
        args, names = ["flee", "run", mali, "--days", str(days), *out, "-q", "--no-plots"], ("days",)
    elif pick == 18:
        args, names = ["run", "toy-border", *out, "--set", draw(st.sampled_from(["=5", "...=7", "=", "x"]))], ("--set",)
    elif pick == 19:
        args, names = [word], (word,)
    elif pick == 22:
        args, names = ["report", f"{{root}}/{word}"], (word,)
    elif pick == 23:
        files = {"f.txt": b"not an output folder"}
        args, names = ["report", "{root}/f.txt"], ("{root}/f.txt",)
    elif pick == 24:
        args, names = ["explore", draw(st.sampled_from(["toy-border", word])), "--port", str(n)], ("--port",)
    elif pick == 25:
        args, names = ["explore", word, "--port", "0"], (word,)
    elif pick == 26:
        day = draw(st.sampled_from(["0", "-4", "99999", "2099-01-01", word]))
        args, names = ["calibrate", mali, "--until", day, "--trials", "1", *out], ("--until",)
    elif pick == 27:
        holdout = draw(st.sampled_from(["-1", "150", "9999"]))
        args, names = ["calibrate", mali, "--until", "150", "--holdout", holdout, "--trials", "1", *out], ("--holdout",)
    elif pick == 28:
        option, value = draw(st.sampled_from([("--population", "1"), ("--population", "0"), ("--discrepancy", "-1")]))
        args, names = ["calibrate", mali, "--until", "150", "--method", "abc", option, value, *out], (option,)
    elif pick == 20:
        args, names = ["check", "toy-border", "--set", draw(st.sampled_from(["end=9999-12-31", "end=3021-01-01"]))], ("end",)
    else:
        path = draw(st.sampled_from(["supply.routes.hub-capital.weekly_seats", "defenders.AA.reception_capacity"]))
        args, names = ["check", "toy-border", "--set", f"{path}={draw(st.sampled_from(['1e300', '1e40']))}"], (path.split('.')[-1],)
    return Case(label=" ".join(args)[:120], args=args, files=files, expect=REJECT, names=names)


# -- end to end -----------------------------------------------------------------------------
RUN_VALUES = ["0", "-1", "0.5", "2", "3", "100", "-0.5", "nan", ".inf", "true", "1e300"]


@st.composite
def run_cases(draw) -> Case:
    """A few whole runs: toy-border with one parameter changed, or a mutated Flee folder
    run for 3 days. A run that starts must finish and write only its --out."""
    if draw(st.booleans()):
        numbers = [(p, v) for p, v in toy_leaves() if _number(v)]
        path, value = draw(st.sampled_from(numbers))
        text = draw(st.sampled_from(RUN_VALUES))
        expect = REJECT if text in ("nan", ".inf", "true", "1e300") else EITHER
        return Case(label=f"run toy-border --set {path}={text} (was {value!r})",
                    args=["run", "toy-border", "--out", "{root}/out", "-q", "--no-plots", "--set", f"{path}={text}"],
                    expect=expect, names=("--set", path, "scenario.yaml"), writes="out", bound_s=RUN_BOUND_S)
    case = draw(fm_csv_mutations())
    case.args = ["flee", "run", "{root}/case", "--days", "3", "--out", "{root}/out", "-q", "--no-plots"]
    case.label = "flee run: " + case.label
    case.writes, case.bound_s = "out", RUN_BOUND_S
    return case
