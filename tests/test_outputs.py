"""Run folders are written atomically; observed figures map onto model outputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import borderlab.reporting.run_folder as run_folder
from borderlab.analysis.observations import (OBSERVATION_MAP, load_observations, resolve_conflicts,
                                             simulated_value)
from borderlab.cli import app
from borderlab.errors import InputFileError
from borderlab.reporting.atomic import atomic_folder, write_text_atomic
from borderlab.runner import run_scenario
from conftest import BELARUS, BELARUS_PATH, need_belarus, run_cached

runner = CliRunner()


def folders_with_daily(parent: Path) -> list[Path]:
    return [p for p in parent.rglob("daily.parquet")]


def leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}")]


class Boom(RuntimeError):
    pass


def crash_in_plots(monkeypatch):
    def make_plots(run, folder, observations=None):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "half.png").write_bytes(b"\x89PNG half")
        raise Boom("disk full while plotting")
    monkeypatch.setattr(run_folder, "make_plots", make_plots)


def crash_in_csv(monkeypatch):
    def write_csv(table, path, *a, **k):
        Path(path).write_text("date,scope\n2021-")
        raise Boom("killed while writing daily.csv")
    monkeypatch.setattr(run_folder.pacsv, "write_csv", write_csv)


@pytest.mark.parametrize("crash", [crash_in_plots, crash_in_csv])
def test_crash_while_writing_leaves_no_target(tmp_path, monkeypatch, crash):
    crash(monkeypatch)
    target = tmp_path / "toy"
    result = runner.invoke(app, ["run", "toy-border", "--out", str(target), "-q"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Boom)
    assert not target.exists()
    assert leftovers(tmp_path, "toy") == []  # the hidden partial folder is cleaned up
    assert folders_with_daily(tmp_path) == []


@pytest.mark.parametrize("crash", [crash_in_plots, crash_in_csv])
def test_crash_keeps_the_earlier_complete_folder(tmp_path, monkeypatch, crash):
    target = tmp_path / "toy"
    first = runner.invoke(app, ["run", "toy-border", "--out", str(target), "-q", "--seed", "1", "--no-plots"])
    assert first.exit_code == 0, first.output
    before = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    crash(monkeypatch)
    second = runner.invoke(app, ["run", "toy-border", "--out", str(target), "-q", "--seed", "2"])
    assert isinstance(second.exception, Boom)
    after = {p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before  # untouched, byte for byte
    assert json.loads((target / "manifest.json").read_text())["seed"] == 1
    assert leftovers(tmp_path, "toy") == []
    assert folders_with_daily(tmp_path) == [target / "daily.parquet"]


def test_write_run_directly(tmp_path, monkeypatch):
    run = run_scenario("toy-border", seed=2)
    summary = run_folder.write_run(run, tmp_path / "a", plots=False)
    assert summary["seed"] == 2
    assert (tmp_path / "a" / "daily.parquet").is_file()
    crash_in_csv(monkeypatch)
    with pytest.raises(Boom):
        run_folder.write_run(run, tmp_path / "b", plots=False)
    assert not (tmp_path / "b").exists()


def test_atomic_folder(tmp_path):
    target = tmp_path / "t"
    with atomic_folder(target) as tmp:
        assert tmp.parent == target.parent.resolve() and tmp.name.startswith(".t.partial-")
        (tmp / "x").write_text("1")
        assert not target.exists()  # nothing visible until the end
    assert (target / "x").read_text() == "1"
    with pytest.raises(KeyboardInterrupt):
        with atomic_folder(target) as tmp:
            (tmp / "x").write_text("2")
            raise KeyboardInterrupt
    assert (target / "x").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]
    with atomic_folder(target) as tmp:
        (tmp / "y").write_text("3")
    assert sorted(p.name for p in target.iterdir()) == ["y"]  # replaced, not merged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


def test_write_text_atomic(tmp_path):
    path = tmp_path / "a.json"
    write_text_atomic(path, "one")
    write_text_atomic(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


# -- observations ------------------------------------------------------------------------------
HEADER = "id,country,metric,period_start,period_end,value,unit,role,source_url,source_date,notes\n"


def test_observations_load_resolve_and_compare(tmp_path):
    path = tmp_path / "obs.csv"
    path.write_text(HEADER + "\n".join([
        "a,AA,attempts_illegal_crossing_monthly,2021-09-01,2021-09-30,100,attempts,train,u,2021-10-01,first",
        "b,AA,attempts_illegal_crossing_monthly,2021-09-01,2021-09-30,120,attempts,train,u,2021-11-01,revised",
        "c,AA,attempts_illegal_crossing_monthly,2021-09-01,2021-09-30,90,attempts,train,u,2021-09-15,early",
        "d,PL,attempts_illegal_crossing_daily,2021-09-03,2021-09-03,5,attempts,test,u,2021-09-04,",
        "e,PL,persons_in_guarded_centres,2021-09-01,2021-09-10,7,persons,test,u,2021-09-11,",
    ]) + "\n")
    obs = load_observations(path)
    assert [o.id for o in obs] == ["a", "b", "c", "d", "e"]
    kept = resolve_conflicts(obs)
    assert sorted(o.id for o in kept) == ["b", "d", "e"]  # latest source_date wins
    d = next(o for o in obs if o.id == "d")
    assert d.grain == "daily" and d.model == ("new_attempts", "PL", "sum")
    assert next(o for o in obs if o.id == "e").grain == "point"


def test_simulated_value_sums_flows_and_reads_stocks():
    from borderlab.analysis.observations import Observation

    sim, _ = run_cached("toy-border")

    def obs(metric, start, end):
        return Observation("x", "PL", metric, dt.date.fromisoformat(start), dt.date.fromisoformat(end),
                           0.0, "", "test", "", "", "")

    class Res:  # the toy's series under the Polish names the map uses
        def series(self, metric, scope):
            return sim.results.series(metric, "AA")

    v, cov = simulated_value(obs("attempts_illegal_crossing_monthly", "2021-09-01", "2021-09-07"), Res(), sim.calendar)
    assert (v, cov) == (6 * 60 + 70, 1.0)
    # a period half outside the run: the part inside, and the share covered
    v, cov = simulated_value(obs("attempts_illegal_crossing_monthly", "2021-08-27", "2021-09-05"), Res(), sim.calendar)
    assert (v, cov) == (5 * 60, 0.5)
    v, cov = simulated_value(obs("persons_in_guarded_centres", "2021-09-01", "2021-09-10"), Res(), sim.calendar)
    assert (v, cov) == (50, 1.0)
    assert simulated_value(obs("persons_in_guarded_centres", "2021-09-01", "2021-12-10"), Res(), sim.calendar) is None
    assert simulated_value(obs("unmapped_metric", "2021-09-01", "2021-09-10"), Res(), sim.calendar) is None


def test_bad_observation_files_name_file_and_line(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        load_observations(tmp_path / "none.csv")
    path = tmp_path / "cols.csv"
    path.write_text("id,country\n1,PL\n")
    with pytest.raises(InputFileError, match=r"cols.csv:1: missing columns"):
        load_observations(path)
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "a,PL,x,2021-09-01,2021-09-30,12,u,train,u,2021-10-01,\n"
                    + "b,PL,x,2021-13-01,2021-09-30,12,u,train,u,2021-10-01,\n")
    with pytest.raises(InputFileError, match=r"bad.csv:3"):
        load_observations(path)


def test_belarus_observations_map_to_existing_outputs():
    need_belarus()
    sim, _ = run_cached(BELARUS, (), 7)
    folder = BELARUS_PATH.parent
    sc = sim.scenario
    if not sc.observed:
        pytest.skip("belarus-eu-2021 names no observed file")
    obs = load_observations(folder / sc.observed)
    mapped = [o for o in obs if o.model is not None]
    assert mapped, "no observation maps onto a model output"
    compared = 0
    for o in mapped:
        metric, scope, _ = o.model
        assert metric in sim.results.metrics, o.id
        assert scope in sim.results.scopes_of(metric), (o.id, metric, scope)
        v = simulated_value(o, sim.results, sim.calendar)
        if v is not None:
            assert np.isfinite(v[0]) and 0 < v[1] <= 1
            compared += 1
    assert compared > 10
    # every mapping names a real metric of a full run
    for metric, scope, agg in OBSERVATION_MAP.values():
        assert metric in sim.results.metrics, metric
        assert agg in ("sum", "stock")
