"""YAML resource limits (issue 10, class 2): alias bombs, recursive aliases, deep nesting and
huge files are refused by the one shared loader with file:line, exit code 2 and no traceback;
valid merge keys (`<<: *anchor`) work, including overriding a merged key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import ScenarioError
from borderlab.scenario import limits
from borderlab.scenario.loader import load_scenario
from borderlab.scenario.yamlfile import YAMLLimitError, check_resource_limits, load_yaml, safe_load
from conftest import TOY_PATH
from flee_case import write_case

runner = CliRunner()

# nine levels of nine aliases: 9**9 ≈ 387 million strings from under 1 KB of text
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
    for a, b in zip("abcdefgh", "bcdefghi"))


def user_error(*args) -> str:
    """Run the CLI; assert exit code 2 with a message and no traceback; return the output."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "error" in result.output
    return result.output


def toy_with(tmp_path, text: str, name="scenario.yaml"):
    """toy-border with `text` appended at the top level."""
    path = tmp_path / name
    path.write_text(TOY_PATH.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def test_billion_laughs_is_refused_at_the_line_that_crosses_the_limit(tmp_path):
    assert len(BILLION_LAUGHS) < 1024
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    for command in (["check", path], ["run", path, "--out", tmp_path / "out", "-q", "--no-plots"]):
        out = user_error(*command)
        assert "bomb.yaml:" in out and "after expanding aliases" in out and "BORDERLAB_LIMIT_MAX_YAML_NODES" in out
    assert not (tmp_path / "out").exists()


def test_expansion_is_counted_exactly():
    # 3 scalars, then a list of three aliases to them: 1 (list) + 3×3 + 1 (outer mapping)…
    text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
    check_resource_limits(text)  # far below the limit
    old = limits._resolved["max_yaml_nodes"]
    try:
        # a: key 1 + list 1 + 3 items; b: key 1 + list 1 + 3 × (list 1 + 3 items) = 19, +1 for the mapping = 20
        limits._resolved["max_yaml_nodes"] = 20
        check_resource_limits(text)
        limits._resolved["max_yaml_nodes"] = 19
        with pytest.raises(YAMLLimitError):
            check_resource_limits(text)
    finally:
        limits._resolved["max_yaml_nodes"] = old


def test_recursive_alias_is_refused_not_a_recursion_error(tmp_path):
    path = toy_with(tmp_path, "loop: &loop [1, *loop]\n")
    out = user_error("check", path)
    assert f"scenario.yaml:{len(TOY_PATH.read_text().splitlines()) + 1}" in out
    assert "refers to a node that contains it" in out


def test_recursive_merge_key_is_refused(tmp_path):
    path = toy_with(tmp_path, "loop: &loop {a: 1, <<: *loop}\n")
    assert "refers to a node that contains it" in user_error("check", path)


def test_five_thousand_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    out = user_error("check", path)
    assert "deep.yaml:1" in out and "nesting depth" in out and "BORDERLAB_LIMIT_MAX_YAML_DEPTH" in out
    path.write_text("a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")
    assert "nesting depth" in user_error("check", path)


def test_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setitem(limits._resolved, "max_yaml_bytes", 1000)
    path = toy_with(tmp_path, "")
    out = user_error("check", path)
    assert f"{path}: the file is {path.stat().st_size:,} bytes, above the limit of 1,000 bytes" in out


def test_a_limit_can_be_raised_with_its_environment_variable(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 80 + "]" * 80 + "\n", encoding="utf-8")
    code = f"from borderlab.scenario.yamlfile import load_yaml; print(load_yaml({str(path)!r})[0] is not None)"
    refused = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert refused.returncode != 0 and "nesting depth is 65 levels" in refused.stderr
    env = {**os.environ, "BORDERLAB_LIMIT_MAX_YAML_DEPTH": "100"}
    raised = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert raised.returncode == 0 and raised.stdout.strip() == "True", raised.stderr


def test_set_value_with_an_alias_bomb_is_taken_as_text_not_expanded():
    # --set values go through the same bounded loader; a value it refuses stays text
    with pytest.raises(yaml.YAMLError):
        safe_load(BILLION_LAUGHS)
    with pytest.raises(ScenarioError) as info:
        load_scenario("toy-border", ["defenders.AA.detection_k=&a [*a]"])
    assert "--set defenders.AA.detection_k=&a [*a] (defenders[0].detection_k): expected a number, got '&a [*a]'" in str(info.value)


MERGED_EDGES = """\
  - &flight {from: hub, to: capital, km: 2000, mode: flight}
  - {<<: *flight, from: capital, to: home}
"""


def test_merge_keys_work_and_may_override_merged_keys(tmp_path):
    text = TOY_PATH.read_text(encoding="utf-8")
    old = "  - {from: hub, to: capital, km: 2000, mode: flight}\n  - {from: capital, to: home, km: 2000, mode: flight}\n"
    assert text.count(old) == 1
    path = tmp_path / "merged.yaml"
    path.write_text(text.replace(old, MERGED_EDGES), encoding="utf-8")
    merged = load_scenario(path).scenario
    plain = load_scenario("toy-border").scenario
    assert merged.edges == plain.edges
    assert (merged.edges[1].from_, merged.edges[1].to, float(merged.edges[1].km)) == ("capital", "home", 2000.0)


def test_merge_key_lines_point_at_the_anchor_and_bad_merged_values_are_located(tmp_path):
    text = TOY_PATH.read_text(encoding="utf-8")
    old = "  - {from: hub, to: capital, km: 2000, mode: flight}\n  - {from: capital, to: home, km: 2000, mode: flight}\n"
    bad = "  - &flight {from: hub, to: capital, km: -5, mode: flight}\n  - {<<: *flight, from: capital, to: home}\n"
    path = tmp_path / "merged.yaml"
    path.write_text(text.replace(old, bad), encoding="utf-8")
    anchor_line = path.read_text().splitlines().index(bad.splitlines()[0]) + 1
    out = user_error("check", path)
    assert f"merged.yaml:{anchor_line} (edges[0].km" in out
    assert f"merged.yaml:{anchor_line} (edges[1].km" in out  # the merged value is located at the anchor


def test_a_key_written_twice_is_still_reported_next_to_a_merge(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n  y: 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_yaml(path)
    assert [p.where for p in info.value.problems] == [f"{path}:5"]
    assert "'y' appears twice (first on line 4)" in info.value.problems[0].message


def test_complex_keys_are_refused_with_their_line(tmp_path):
    path = tmp_path / "complex.yaml"
    path.write_text("a: 1\n? [x, y]\n: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_yaml(path)
    assert info.value.problems[0].where == f"{path}:2"


def test_alias_bomb_in_flee_simsetting_is_refused(tmp_path):
    folder = write_case(tmp_path / "case")
    (folder / "simsetting.yml").write_text(BILLION_LAUGHS, encoding="utf-8")
    out = user_error("flee", "run", folder, "--out", tmp_path / "out", "-q", "--no-plots")
    assert "simsetting.yml:" in out and "after expanding aliases" in out
