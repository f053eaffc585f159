"""The fuzz suites: name → (strategy, examples per CI run). Used by test_fuzz_inputs.py
(derandomised, asserting) and benchmarks/fuzz_nightly.py (more examples, counting)."""

from __future__ import annotations

import cli_mutations as cm
import flee_mutations as fm
import scenario_mutations as sm

SUITES = {
    "scenario fields (toy-border)": (lambda: sm.data_mutations(bases=("toy-border",)), 300),
    "scenario fields (belarus-eu-2021)": (lambda: sm.data_mutations(bases=("belarus-eu-2021",)), 50),
    "scenario bytes and encodings": (sm.text_mutations, 70),
    "YAML features": (sm.yaml_feature_mutations, 100),
    "observed file": (sm.observed_mutations, 20),
    "Flee CSV files": (fm.csv_mutations, 220),
    "Flee limits": (fm.flee_limit_cases, 40),
    "Flee simsetting.yml": (fm.settings_mutations, 100),
    "Flee agents.csv": (fm.agents_csv_cases, 15),
    "--set values": (cm.set_cases, 150),
    "argument lists": (cm.argument_lists, 100),
    "end-to-end runs": (cm.run_cases, 30),
}
NEEDS_FLEE = {"Flee CSV files", "Flee limits", "Flee simsetting.yml", "Flee agents.csv", "--set values", "argument lists", "end-to-end runs"}
