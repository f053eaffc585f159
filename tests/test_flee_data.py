"""The three real Flee cases of the shared data (skipped where ../shared is absent)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from borderlab.flee.reader import read_flee_folder
from borderlab.flee.runner import run_flee, run_flee_synthetic
from flee_case import SHARED_FLEE

CASES = {"mali2012": 7, "burundi2015": 5, "car2013": 14}


def case(name):
    path = SHARED_FLEE / name
    if not (path / "input_csv").is_dir():
        pytest.skip(f"shared Flee data not available ({path})")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_shared_folders_read_cleanly(name):
    res = read_flee_folder(case(name))
    sc = res.scenario
    camps = [loc.name for loc in sc.locations if loc.type in ("camp", "idpcamp")]
    assert len(camps) == CASES[name]
    assert sc.days == {"mali2012": 300, "burundi2015": 396, "car2013": 820}[name]
    assert sc.conflicts is not None and sc.conflicts.days >= sc.days
    assert any(s.startswith("log_levels") for s in res.ignored_settings)


def test_mali_smoke_run_a_few_days():
    run = run_flee(case("mali2012"), seed=0, days=5)
    assert run.days == 5 and len(run.out_csv_rows()) == 6
    # hasten 10 and the registration correction of 2012-12-31: 17790 / 10 × 54028 / 103731
    i = run.camp_names.index("Fassala-Mbera")
    assert run.data_camp[0, i] == int(1779 * 54028 / 103731) == 926
    # insert_day0: every camp starts with its day-0 UNHCR count
    assert run.sim.n_agents[0] == run.data_camp[0].sum() + run.sim.new_agents[0]
    assert run.sim.new_agents[0] == 0 and run.sim.n_agents[-1] > run.sim.n_agents[0]
    assert 0.0 <= run.ard < 1.0 and math.isfinite(run.ard)
    sim = run.sim
    assert np.array_equal(sim.loc_counts.sum(axis=1) + sim.n_travelling, sim.n_agents)


def test_burundi_total_is_interpolated_like_flee():
    run = run_flee(case("burundi2015"), seed=0, days=2)
    # 2015-04-30: 10323, 2015-05-15: 37257; day 0 = 2015-05-01
    assert run.raw_total[0] == int(10323 + (1 / 15) * (37257 - 10323)) == 12118


def test_synthetic_case_counts_agent_days():
    run = run_flee_synthetic(initial_agents=1000, new_per_day=100, days=3)
    assert run.sim.n_agents.tolist() == [1100, 1200, 1300]
    assert run.agent_days == 3600
    assert run.wall_s > 0 and run.sim.new_agents.tolist() == [1100, 100, 100]
