"""The fuzz corpus of issue 10: > 1,000 generated malformed inputs per run.

Every case goes through `fuzz_harness.check_case`: exit 0 or 2 only, no traceback, a
bounded time, an error naming the input at fault, nothing written after an error, and
the expectation its mutation implies (REJECT / ACCEPT / EITHER; see the strategy
modules). Examples are derandomised, so CI sees the same corpus every run;
benchmarks/fuzz_nightly.py draws many more from the same strategies.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

import cli_mutations as cm
import flee_mutations as fm
import scenario_mutations as sm
from fuzz_harness import ACCEPT, Case, check_case

CI = dict(deadline=None, derandomize=True, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck))
needs_flee = pytest.mark.skipif(not fm.available(), reason="shared Flee folders not present")


@pytest.mark.parametrize("name", sm.BASES)
def test_the_unmutated_scenarios_pass(name):
    check_case(sm.check_case(name, "unchanged", sm.base_text(name), ACCEPT), "baseline")


@needs_flee
@pytest.mark.parametrize("folder", fm.FOLDERS)
def test_the_unmutated_flee_folders_pass(folder):
    check_case(fm.check_case(folder, "unchanged", {}, ACCEPT), "baseline")


@settings(max_examples=300, **CI)
@given(case=sm.data_mutations(bases=("toy-border",)))
def test_toy_border_fields(case: Case):
    check_case(case, "scenario fields")


@settings(max_examples=60, **CI)
@given(case=sm.data_mutations(bases=("belarus-eu-2021",)))
def test_belarus_fields(case: Case):
    check_case(case, "scenario fields")


@settings(max_examples=80, **CI)
@given(case=sm.text_mutations())
def test_scenario_bytes_and_encodings(case: Case):
    check_case(case, "scenario encodings")


@settings(max_examples=100, **CI)
@given(case=sm.yaml_feature_mutations())
def test_scenario_yaml_features(case: Case):
    check_case(case, "YAML features")


@settings(max_examples=20, **CI)
@given(case=sm.observed_mutations())
def test_observed_file(case: Case):
    check_case(case, "observed file")


@needs_flee
@settings(max_examples=220, **CI)
@given(case=fm.csv_mutations())
def test_flee_csv_files(case: Case):
    check_case(case, "Flee CSV")


@needs_flee
@settings(max_examples=40, **CI)
@given(case=fm.flee_limit_cases())
def test_flee_limits(case: Case):
    check_case(case, "Flee limits")


@needs_flee
@settings(max_examples=100, **CI)
@given(case=fm.settings_mutations())
def test_flee_simsetting(case: Case):
    check_case(case, "Flee settings")


@needs_flee
@settings(max_examples=15, **CI)
@given(case=fm.agents_csv_cases())
def test_flee_agents_csv(case: Case):
    check_case(case, "Flee agents.csv")


@needs_flee
@settings(max_examples=150, **CI)
@given(case=cm.set_cases())
def test_set_values(case: Case):
    check_case(case, "--set")


@needs_flee
@settings(max_examples=100, **CI)
@given(case=cm.argument_lists())
def test_argument_lists(case: Case):
    check_case(case, "argument lists")
