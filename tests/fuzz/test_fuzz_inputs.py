"""The fuzz corpus of issue 10: > 1,000 generated malformed inputs per run.

Every case goes through `fuzz_harness.check_case`: exit 0 or 2 only, no traceback, a
bounded time, an error naming the input at fault, nothing written after an error, and
the expectation its mutation implies (REJECT / ACCEPT / EITHER; see the strategy
modules). Examples are derandomised, so CI sees the same corpus every run;
benchmarks/fuzz_nightly.py draws many more from the same strategies.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

import flee_mutations as fm
import scenario_mutations as sm
from fuzz_corpus import NEEDS_FLEE, SUITES
from fuzz_harness import ACCEPT, Case, check_case

CI = dict(deadline=None, derandomize=True, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", sm.BASES)
def test_the_unmutated_scenarios_pass(name):
    check_case(sm.check_case(name, "unchanged", sm.base_text(name), ACCEPT), "baseline")


@pytest.mark.skipif(not fm.available(), reason="shared Flee folders not present")
@pytest.mark.parametrize("folder", fm.FOLDERS)
def test_the_unmutated_flee_folders_pass(folder):
    check_case(fm.check_case(folder, "unchanged", {}, ACCEPT), "baseline")


def _suite(name: str):
    strategy, examples = SUITES[name]

    @pytest.mark.skipif(name in NEEDS_FLEE and not fm.available(), reason="shared Flee folders not present")
    @settings(max_examples=examples, **CI)
    @given(case=strategy())
    def test(case: Case):
        check_case(case, name)
    test.__doc__ = f"{examples} generated cases: {name}."
    return test


# one test per suite: test_scenario_fields_toy_border, test_flee_csv_files, test_set_values, …
for _name in SUITES:
    _test = _suite(_name)
    _test.__name__ = _test.__qualname__ = "test_" + re.sub(r"\W+", "_", _name).strip("_").lower()
    globals()[_test.__name__] = _test
