"""Variant files: edits applied as written, built-in variants change the scenario, and bad
variants report every problem with the variant's file:line (docs/decisions.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.decisions.arms import arm_specs, make_arm
from borderlab.decisions.variants import builtin_variants, load_variant, read_variant
from borderlab.errors import ScenarioError
from borderlab.scenario.loader import load_scenario, parse_scenario
from borderlab.studies.plan import open_source, plan_ensemble

BELARUS_VARIANTS = ["aid-in-zone", "early-route-bans", "early-shelter", "more-pl-guards", "no-pushbacks"]


def _write(tmp_path, text: str, name: str = "v.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_timeline_edits_apply_as_written(tmp_path):
    v = _write(tmp_path, """
name: edits
timeline:
  - change: aa-pushbacks-end
    values: {share: 0.5, until: 2021-09-12}
  - add: {id: early-end, type: set_pushback, date: 2021-09-05, country: AA, share: 0.25}
  - move: aa-pushbacks-end
    to: 2021-09-10
""")
    variant = load_variant(v, "toy-border")
    events = variant.base.scenario.events
    # added event placed after every event dated on or before it; moved event after the annotation of 10 Sep
    assert [(e.id, e.type, e.date) for e in events] == [
        ("early-end", "set_pushback", dt.date(2021, 9, 5)),
        (None, "annotation", dt.date(2021, 9, 10)),
        ("aa-pushbacks-end", "set_pushback", dt.date(2021, 9, 10)),
    ]
    moved = events[2]
    assert moved.share == 0.5 and moved.until == dt.date(2021, 9, 14)  # until shifted by the same 2 days
    assert events[0].share == 0.25
    raw = variant.apply(parse_scenario("toy-border").data)  # the same edits on raw YAML data, unvalidated
    assert [(e.get("id"), e["date"]) for e in raw["events"]] == [(e.id, e.date) for e in events]


def test_remove_and_set_match_plain_overrides(tmp_path):
    v = _write(tmp_path, """
name: no-end
set:
  defenders.AA.detection_k: 0.4
  supply.arrivals: poisson
timeline:
  - remove: aa-pushbacks-end
""")
    variant = load_variant(v, "toy-border")
    assert [e.type for e in variant.base.scenario.events] == ["annotation"]
    # the assignments a run spec carries reproduce the same scenario through the ordinary loader
    again = load_scenario("toy-border", variant.assignments())
    assert again.sha256 == variant.base.sha256
    direct = load_scenario("toy-border", ["defenders.AA.detection_k=0.4", "supply.arrivals=poisson"])
    assert direct.scenario.defenders == again.scenario.defenders


def test_bad_variant_reports_every_problem_with_file_and_line(tmp_path):
    v = _write(tmp_path, """name: bad
set:
  defenders.AA.detection_kk: 0.4
  defenders.AA.detection_k: lots
timeline:
  - remove: no-such-event
  - move: aa-pushbacks-end
    to: 2022-01-01
""")
    with pytest.raises(ScenarioError) as info:
        load_variant(v, "toy-border")
    text = str(info.value)
    lines = {p.where.split(" ")[0]: p for p in info.value.problems}
    assert f"{v}:3" in lines and "'detection_kk'" in lines[f"{v}:3"].message  # unknown path
    assert "detection_k" in lines[f"{v}:3"].hint
    assert f"{v}:4" in lines and "expected a number" in lines[f"{v}:4"].message  # type mismatch
    assert f"{v}:6" in lines and "no event with id 'no-such-event'" in lines[f"{v}:6"].message  # unknown event id
    assert "aa-pushbacks-end" in lines[f"{v}:6"].hint
    assert f"{v}:8" in lines and "outside the simulated period 2021-09-01 … 2021-09-14" in lines[f"{v}:8"].message
    assert len(info.value.problems) == 4, text


def test_variant_schema_errors_name_lines(tmp_path):
    v = _write(tmp_path, """name: Bad Name
colour: red
timeline:
  - remove: a
    move: b
  - change: aa-pushbacks-end
""")
    with pytest.raises(ScenarioError) as info:
        read_variant(v)
    where = sorted(p.where.split(" ")[0] for p in info.value.problems)
    assert where == [f"{v}:1", f"{v}:2", f"{v}:4", f"{v}:6"]
    text = str(info.value)
    assert "exactly one of add, remove, move, change" in text and "`values` goes with `change`" in text


def test_bad_variant_exits_2_on_the_command_line(tmp_path):
    v = _write(tmp_path, "name: bad\ntimeline:\n  - remove: nope\n")
    res = CliRunner().invoke(app, ["compare", "toy-border", "--variant", str(v), "--runs", "2",
                                   "--out", str(tmp_path / "cmp"), "--workers", "1"])
    assert res.exit_code == 2
    assert f"{v}:3" in res.output and "no event with id 'nope'" in res.output
    assert not (tmp_path / "cmp" / "runs").exists()  # nothing ran
    res = CliRunner().invoke(app, ["compare", "toy-border", "--variant", "no-such-variant", "--runs", "2",
                                   "--out", str(tmp_path / "cmp")])
    assert res.exit_code == 2 and "no such file" in res.output


@pytest.mark.parametrize("name", BELARUS_VARIANTS)
def test_builtin_belarus_variants_change_the_scenario(name):
    parsed = parse_scenario("belarus-eu-2021")
    assert sorted(builtin_variants(parsed)) == BELARUS_VARIANTS
    base = parsed.load().scenario.model_dump(mode="json")
    changed = load_variant(name, parsed).base.scenario.model_dump(mode="json")
    assert changed != base
    assert {k for k in base if base[k] != changed[k]} <= {"events", "defenders"}


def test_arms_share_seeds_and_draws():
    """Pair i of every arm gets plan run i's seed and parameter draw; only the arm's own texts differ."""
    source = open_source("belarus-eu-2021")
    plan = plan_ensemble(source, 3, seed=7, vary=True, params=["supply.migrant_share"])
    arms = [make_arm("base", [], source), make_arm("guards", "more-pl-guards", source)]
    specs = arm_specs(plan, arms)
    base, guards = specs[0::2], specs[1::2]  # pair by pair: (base 0, guards 0), (base 1, guards 1) …
    assert [s.seed for s in base] == [s.seed for s in guards] == [s.seed for s in plan.specs]
    assert len({s.seed for s in base}) == 3
    for b, g in zip(base, guards):
        drawn = [o for o in b.overrides if o[0] == "supply.migrant_share"]
        assert len(drawn) == 1 and drawn[0] in g.overrides
        assert g.overrides[-1][0] == "defenders.PL.border_guards"  # the variant's value comes last
        assert g.run_id == 1_000_000 + b.run_id
    json.dumps([s.to_json() for s in specs])  # specs stay plain data (they travel to Dask workers)


def test_problems_in_added_and_changed_events_point_at_the_variant(tmp_path):
    v = _write(tmp_path, """name: bad-events
timeline:
  - add: {type: open_crossing, date: 2021-09-03, segment: AA-1}
  - change: aa-pushbacks-end
    values:
      share: 2.0
""")
    with pytest.raises(ScenarioError) as info:
        load_variant(v, "toy-border")
    assert [(p.where.split(" ")[0], "less than or equal to 1" in p.message) for p in info.value.problems] == [(f"{v}:6", True)]
    # a reference check (after the schema passes) also lands on the variant's line
    w = _write(tmp_path, "name: bad-ref\ntimeline:\n  - add: {type: open_crossing, date: 2021-09-03, segment: AA-9}\n",
               "w.yaml")
    with pytest.raises(ScenarioError) as info:
        load_variant(w, "toy-border")
    assert [(p.where.split(" ")[0], p.message) for p in info.value.problems] == [(f"{w}:3", "unknown segment 'AA-9'")]
