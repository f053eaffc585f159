"""One hand-written case for every failure class of issue 10, through the fuzz harness
(exit 2 naming the input, no traceback, bounded time, nothing written), so the corpus
catches each class on its own. The generated suites (test_fuzz_inputs.py) cover the
variations; docs/guarantees.md states the promise these cases hold borderlab to."""

from __future__ import annotations

import pytest

import flee_mutations as fm
import scenario_mutations as sm
from fuzz_harness import ACCEPT, REJECT, RUN_BOUND_S, Case, check_case

TOY = "toy-border"
BOMB = sm.alias_bomb(9, 9)          # ~1 KB, 387 million values once expanded
needs_flee = pytest.mark.skipif(not fm.available(), reason="shared Flee folders not present")


def toy_with(old: str, new: str) -> bytes:
    text = sm.base_text(TOY)
    assert old in text, old
    return text.replace(old, new, 1).encode()


def scenario(label: str, content: bytes, expect: str = REJECT, command: str = "check", files: dict | None = None) -> Case:
    args = ["check", "{root}/scenario.yaml"] if command == "check" else \
        ["run", "{root}/scenario.yaml", "--out", "{root}/out", "-q", "--no-plots"]
    return Case(label=label, args=args, files={"scenario.yaml": content, **(files or {})}, expect=expect,
                copy_from=sm.inputs_of(TOY), writes="out", bound_s=RUN_BOUND_S)


SCENARIO_CLASSES = [
    # class 2: YAML resource limits, and merge keys that must keep working
    scenario("alias bomb (check)", toy_with("description: >", f"x_bomb: {BOMB}\ndescription: >")),
    scenario("alias bomb (run)", toy_with("description: >", f"x_bomb: {BOMB}\ndescription: >"), command="run"),
    scenario("recursive alias", toy_with("seed: 1", "seed: &r [1, *r]")),
    scenario("5,000-deep nesting", toy_with("seed: 1", "seed: " + sm.nested(5000, "list"))),
    scenario("valid merge key", toy_with("  capital_dwell_days: 1\n  staging_dwell_days: 1\n",
                                         "  <<: {capital_dwell_days: 1}\n  staging_dwell_days: 1\n"), ACCEPT),
    scenario("valid anchor and alias", toy_with("group_size: {min: 6, max: 6}", "group_size: {min: &six 6, max: *six}"),
             ACCEPT),
    # class 3: numbers finite and bounded
    scenario("NaN detection rate", toy_with("detection_k: 10.0", "detection_k: .nan")),
    scenario("NaN detection rate (run)", toy_with("detection_k: 10.0", "detection_k: .nan"), command="run"),
    scenario("infinite detection rate", toy_with("detection_k: 10.0", "detection_k: .inf")),
    scenario("true taken as 1", toy_with("border_guards: 100", "border_guards: true")),
    scenario("1e10 people", toy_with("{node: zone, count: 60}", "{node: zone, count: 10000000000}")),
    scenario("1e300 seats", toy_with("weekly_seats: 70", "weekly_seats: 1e300")),
    scenario("end date in 9999", toy_with("end: 2021-09-14", "end: 9999-12-31")),
    # class 4: what run needs, check checks
    scenario("segments: []", toy_with("segments:\n  - id: AA-1\n    country: AA\n    zone: zone\n"
                                      "    interior: inland\n    length_km: 10\n    terrain: open\n", "segments: []\n")),
    scenario("latin-1 scenario file", ("# Grüße\n" + sm.base_text(TOY)).encode("latin-1", "replace")),
    scenario("latin-1 scenario file (run)", ("# Grüße\n" + sm.base_text(TOY)).encode("latin-1", "replace"), command="run"),
    scenario("UTF-16 scenario file", sm.base_text(TOY).encode("utf-16")),
    scenario("observed file missing", toy_with("seed: 1", "seed: 1\nobserved: inputs/nowhere.csv")),
    scenario("observed file binary", toy_with("seed: 1", "seed: 1\nobserved: obs.csv"), files={"obs.csv": b"\x80\xff\x00\x01"}),
    scenario("observed file with wrong columns", toy_with("seed: 1", "seed: 1\nobserved: obs.csv"),
             files={"obs.csv": b"when,what,how_many\n2021-09-01,x,3\n"}),
]


@pytest.mark.parametrize("case", SCENARIO_CLASSES, ids=lambda c: c.label)
def test_scenario_classes(case):
    check_case(case, "issue 10 classes")


CLI_CLASSES = [
    # class 5: operating-system errors are user errors
    Case("--out parent is a file", ["run", TOY, "--out", "{root}/f/out", "-q", "--no-plots"], files={"f": b"x"},
         expect=REJECT, names=("{root}/f",)),
    Case("--out name longer than 255", ["run", TOY, "--out", "{root}/" + "n" * 300, "-q", "--no-plots"], expect=REJECT),
    Case("--out in /proc", ["run", TOY, "--out", "/proc/borderlab-fuzz/out", "-q", "--no-plots"], expect=REJECT,
         names=("/proc",)),
    Case("scenario path component too long", ["check", "{root}/" + "s" * 300 + "/scenario.yaml"], expect=REJECT),
    # class 7: smaller ones
    Case("--set =5", ["check", TOY, "--set", "=5"], expect=REJECT, names=("--set",)),
    Case("--set ...=7", ["check", TOY, "--set", "...=7"], expect=REJECT, names=("--set", "...")),
    Case("bench --people -5", ["bench", "--json", "--people", "-5"], expect=REJECT, names=("--people",)),
    Case("bench --days 0", ["bench", "--json", "--days", "0"], expect=REJECT, names=("--days",)),
    Case("ensemble --scheduler 'not a url'", ["ensemble", TOY, "--runs", "2", "--out", "{root}/e", "-q", "--no-plots",
                                              "--scheduler", "not a url"], expect=REJECT, names=("not a url", "--scheduler"),
         bound_s=RUN_BOUND_S),
]


@pytest.mark.parametrize("case", CLI_CLASSES, ids=lambda c: c.label)
def test_command_line_classes(case):
    check_case(case, "issue 10 classes")


def flee(label: str, files: dict, command: list[str] | None = None, expect: str = REJECT, folder: str = "mali2012") -> Case:
    args = command or ["check", "{root}/case"]
    return Case(label=label, args=args, files={f"case/{k}": v for k, v in files.items()},
                copy_from={"case": fm.SHARED_FLEE / folder}, expect=expect, writes="out", bound_s=RUN_BOUND_S)


def _settings_with_bomb() -> bytes:
    return (fm.settings_of("mali2012") + f"flood_rules: {BOMB}\n").encode()


FLEE_RUN = ["flee", "run", "{root}/case", "--out", "{root}/out", "-q", "--no-plots"]
FLEE_CLASSES = [
    flee("Length of 10^9 days", {"input_csv/sim_period.csv": b"StartDate,2012-02-29\nLength,1000000000\n"}),
    flee("Length of 10^9 days (flee run)", {"input_csv/sim_period.csv": b"StartDate,2012-02-29\nLength,1000000000\n"},
         FLEE_RUN),
    flee("UNHCR count of 2.5e12 (flee run)", {"source_data/refugees.csv": b"Date,Refugee_numbers\n2012-02-29,0\n"
                                              b"2012-03-05,2500000000000\n"}, FLEE_RUN),
    flee("alias bomb in simsetting.yml (flee run)", {"simsetting.yml": _settings_with_bomb()}, FLEE_RUN),
    flee("alias bomb in simsetting.yml (flee convert)", {"simsetting.yml": _settings_with_bomb()},
         ["flee", "convert", "{root}/case", "--out", "{root}/out.yaml"]),
    flee("flee convert onto an existing folder", {"d/keep.txt": b"keep"},
         ["flee", "convert", "{root}/case", "--out", "{root}/case/d"]),
    flee("flee run, --out parent is a file", {"f": b"x"}, ["flee", "run", "{root}/case", "--out", "{root}/case/f/out",
                                                         "-q", "--no-plots", "--days", "2"]),
]


@needs_flee
@pytest.mark.parametrize("case", FLEE_CLASSES, ids=lambda c: c.label)
def test_flee_classes(case):
    check_case(case, "issue 10 classes")
