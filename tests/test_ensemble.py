"""Ensembles: run specs, seeds, Latin hypercube draws, the run-file store, resume,
quantiles, the DuckDB view, in-process vs Dask LocalCluster, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from borderlab.cli import app
from borderlab.errors import BorderlabError, ScenarioError
from borderlab.scenario.loader import load_scenario
from borderlab.simulation import build_sim
from borderlab.studies import ensemble as ens
from borderlab.studies.daily import daily_table
from borderlab.studies.plan import open_source, plan_ensemble
from borderlab.studies.quantiles import (
    COLUMNS, compute_quantiles, duckdb_quantiles, linear_quantiles, run_files, stacked_quantiles,
)
from borderlab.studies.runspec import RunSpec, detect_kind, execute, load_cached
from borderlab.studies.sampling import RangedParam, derive_seed, latin_hypercube, ranged_params, select_params
from borderlab.studies.store import open_ensemble, run_path, write_run_file
from conftest import STOCHASTIC, TOY, load_yaml_data, need_belarus, write_yaml

runner = CliRunner()

# a random, three-week variant of toy-border: runs take milliseconds and differ by seed
SHORT = [*STOCHASTIC, "end=2021-09-21"]
# two parameters of it given ranges, for draws
RANGED = [*SHORT, "defenders.AA.detection_k={value: 0.08, range: [0.02, 0.3]}",
          "orchestrator.coercion={value: 0.6, range: [0.2, 0.9]}"]
DRAWN = ["defenders.AA.detection_k", "orchestrator.coercion"]


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "runs").glob("run-*.parquet"))}


# -- run specs and the per-process scenario cache -------------------------------------
def test_daily_table_equals_results_to_table():
    """Also for a second run of the same layout (its date, scope and metric columns made
    once, its values its own) and for a run of another length (another layout)."""
    for seed, overrides in ((4, SHORT), (5, SHORT), (4, [*STOCHASTIC, "end=2021-09-10"])):
        sim = build_sim(load_scenario(TOY, overrides), seed=seed)
        sim.run()
        fast = daily_table(sim.results, sim.calendar.dates())
        slow = sim.results.to_table(sim.calendar.dates())
        assert fast.cast(slow.schema).equals(slow)


def test_execute_is_a_run_of_the_scenario_with_that_seed():
    spec = RunSpec(run_id=0, seed=11, source=TOY, overrides=tuple(tuple(t.split("=", 1)) for t in SHORT))
    table = execute(spec)
    sim = build_sim(load_scenario(TOY, SHORT), seed=11)
    sim.run()
    assert table.cast(pa.schema([("date", pa.date32()), ("scope", pa.string()), ("metric", pa.string()),
                                 ("value", pa.float64())])).equals(sim.results.to_table(sim.calendar.dates()))
    assert execute(spec).equals(table)  # second run from the cache: same table


def test_cached_loading_matches_the_loader():
    overrides = [*SHORT, "defenders.AA.pushback_share=0.3", "barriers.wall.hold=0.7"]
    cached = load_cached(TOY, overrides)
    assert cached.sha256 == load_scenario(TOY, overrides).sha256
    assert cached.overrides == load_scenario(TOY, overrides).overrides
    assert load_cached(TOY, overrides) is cached  # validated once, reused by replicates
    assert load_cached(TOY, []).sha256 == load_scenario(TOY).sha256
    # a bad override reads exactly as the loader's own message
    with pytest.raises(ScenarioError) as cached_err:
        load_cached(TOY, ["defenders.AA.detection_k=-1"])
    with pytest.raises(ScenarioError) as loader_err:
        load_scenario(TOY, ["defenders.AA.detection_k=-1"])
    assert str(cached_err.value) == str(loader_err.value)
    assert "detection_k" in str(cached_err.value)


def test_ranged_param_paths_reach_their_parameter():
    """Every path `ranged_params` lists is one `--set` accepts, and sets that parameter."""
    need_belarus()
    params = ranged_params(load_cached("belarus-eu-2021", []).scenario)
    assert len(params) > 50 and len({p.path for p in params}) == len(params)
    lows = load_cached("belarus-eu-2021", [f"{p.path}={p.low!r}" for p in params])
    assert [(q.path, q.value) for q in ranged_params(lows.scenario)] == [(p.path, p.low) for p in params]


def test_kind_is_detected_from_the_source(tmp_path):
    assert detect_kind(TOY) == "scenario"
    (tmp_path / "flee" / "input_csv").mkdir(parents=True)
    assert detect_kind(tmp_path / "flee") == "flee"
    y = tmp_path / "f.yml"
    y.write_text("# a Flee study\nmodel: flee\ninputs: x\n")
    assert detect_kind(y) == "flee"
    y.write_text("name: x\nnote: 'model: flee'\n")
    assert detect_kind(y) == "scenario"


# -- seeds and draws ---------------------------------------------------------------------
def test_seeds_are_derived_stably_and_distinctly():
    seeds = [derive_seed(7, i) for i in range(1000)]
    assert len(set(seeds)) == 1000 and all(0 <= s < 2**31 for s in seeds)
    assert seeds == [derive_seed(7, i) for i in range(1000)]
    assert not set(seeds) & {derive_seed(8, i) for i in range(1000)}
    assert derive_seed(1, 0) == 953367239  # the contract: changing it changes every ensemble


def test_latin_hypercube_is_within_ranges_stratified_and_seeded():
    params = [RangedParam("a", 0.0, 1.0, 0.5), RangedParam("b", 10.0, 30.0, 12.0), RangedParam("c", -2.0, -1.0, -1.5)]
    n = 40
    x = latin_hypercube(params, n, seed=3)
    assert x.shape == (n, 3)
    for j, p in enumerate(params):
        assert (x[:, j] >= p.low).all() and (x[:, j] < p.high).all()
        strata = np.floor((x[:, j] - p.low) / (p.high - p.low) * n).astype(int)
        assert sorted(strata) == list(range(n))  # one draw in each of the n strata
    assert np.array_equal(x, latin_hypercube(params, n, seed=3))
    assert not np.array_equal(x, latin_hypercube(params, n, seed=4))


def test_param_selection():
    params = [RangedParam("defenders.PL.detection_k", 0.1, 1, 0.4), RangedParam("defenders.LT.detection_k", 0.1, 1, 0.4),
              RangedParam("segments.S1.length_km", 5, 10, 7), RangedParam("fixed.value", 2, 2, 2)]
    assert [p.path for p in select_params(params, None)] == [p.path for p in params[:3]]  # low == high cannot vary
    assert [p.path for p in select_params(params, ["defenders.*.detection_k"])] == [p.path for p in params[:2]]
    with pytest.raises(BorderlabError, match="did you mean defenders.PL.detection_k"):
        select_params(params, ["defenders.PL.detection"])


def test_plan_vary_draws_overrides_and_seeds():
    plan = plan_ensemble(open_source(TOY, RANGED), runs=8, seed=5, vary=True,
                         params=["defenders.AA.detection_k", "orchestrator.coercion"])
    assert [p.path for p in plan.varied] == ["orchestrator.coercion", "defenders.AA.detection_k"]  # file order
    assert [s.seed for s in plan.specs] == [derive_seed(5, i) for i in range(8)]
    draws = plan.draws_table()
    assert draws.column_names == ["run_id", "seed", "orchestrator.coercion", "defenders.AA.detection_k"]
    for i, spec in enumerate(plan.specs):
        assert spec.overrides[: len(RANGED)] == tuple(tuple(t.split("=", 1)) for t in RANGED)
        assert dict(spec.overrides[len(RANGED):]) == {"orchestrator.coercion": draws["orchestrator.coercion"][i].as_py(),
                                                      "defenders.AA.detection_k": draws["defenders.AA.detection_k"][i].as_py()}
    # a drawn value reaches the scenario the run uses
    loaded = load_cached(TOY, plan.specs[3].assignments())
    assert loaded.scenario.orchestrator.coercion.value == draws["orchestrator.coercion"][3].as_py()


def test_plan_refuses_nothing_to_vary(monkeypatch):
    source = open_source(TOY, SHORT)
    monkeypatch.setattr(type(source), "ranged", lambda self: [])
    with pytest.raises(BorderlabError, match="no parameter declares a range"):
        plan_ensemble(source, runs=3, vary=True)
    with pytest.raises(BorderlabError, match="at least 1 run"):
        plan_ensemble(source, runs=0)


# -- running, storing, resuming ---------------------------------------------------------
@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ens") / "a"
    ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    return out


def test_ensemble_folder(in_process):
    out = in_process
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"run-{i:06d}.parquet" for i in range(6)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"] == 6 and manifest["base_seed"] == 2 and manifest["execution"]["executed"] == 6
    assert [v["path"] for v in manifest["varied"]] == ["orchestrator.coercion", "defenders.AA.detection_k"]
    draws = pq.read_table(out / "draws.parquet")
    assert draws["seed"].to_pylist() == [derive_seed(2, i) for i in range(6)]
    run3 = pq.read_table(run_path(out, 3))
    assert run3.column_names == ["date", "scope", "metric", "value", "run_id"]
    assert set(run3["run_id"].to_pylist()) == {3}
    # the file holds exactly the run its spec describes
    spec = RunSpec(3, derive_seed(2, 3), TOY, overrides=tuple(tuple(t.split("=", 1)) for t in RANGED)
                   + tuple((k, draws[k][3].as_py()) for k in ("orchestrator.coercion", "defenders.AA.detection_k")))
    assert run3.drop(["run_id"]).equals(execute(spec))
    # different seeds and draws give different runs
    attempts = [pc.sum(pq.read_table(run_path(out, i)).filter(pc.field("metric") == "new_attempts").filter(
        pc.field("scope") == "all")["value"]).as_py() for i in range(6)]
    assert len(set(attempts)) > 1
    q = pq.read_table(out / "quantiles.parquet")
    assert q.column_names == COLUMNS == ["date", "scope", "metric", "q05", "q25", "q50", "q75", "q95"]
    assert q.num_rows == run3.num_rows


def test_same_seed_gives_identical_files(in_process, tmp_path):
    out = tmp_path / "b"
    ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    assert _bytes(out) == _bytes(in_process)
    assert pq.read_table(out / "quantiles.parquet").equals(pq.read_table(in_process / "quantiles.parquet"))
    other = tmp_path / "c"
    ens.run_ensemble(TOY, 2, other, seed=3, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    assert _bytes(other)["run-000000.parquet"] != _bytes(out)["run-000000.parquet"]


def test_local_cluster_gives_the_same_files_as_in_process(in_process, tmp_path):
    """The CI Dask test: a LocalCluster of 2 worker processes, given tasks of 3 runs each,
    writes byte-identical run files (batching changes where runs execute, not what they give)."""
    out = tmp_path / "dask"
    manifest = ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=2, batch=3, plots=False)
    assert manifest["execution"]["runner"].startswith("dask LocalCluster")
    assert manifest["execution"]["executed"] == 6
    assert _bytes(out) == _bytes(in_process)
    assert pq.read_table(out / "quantiles.parquet").equals(pq.read_table(in_process / "quantiles.parquet"))


def test_tables_sent_back_are_written_like_worker_files(in_process, tmp_path):
    """Workers that cannot see OUT (a cluster without a shared file system) return tables."""
    plan = plan_ensemble(open_source(TOY, RANGED), runs=6, seed=2, params=DRAWN)
    records = ens.run_batch(plan.specs[4:6], None)
    assert [type(r["table"]) for r in records] == [pa.Table, pa.Table]
    ens.store_returned(records, {s.run_id: s for s in plan.specs}, tmp_path)
    assert all("table" not in r for r in records)
    assert _bytes(tmp_path) == {k: v for k, v in _bytes(in_process).items() if k in ("run-000004.parquet", "run-000005.parquet")}


def test_resume_runs_only_what_is_missing(in_process, tmp_path, monkeypatch):
    out = tmp_path / "r"
    calls = []
    real = ens.execute_timed

    def interrupted(spec):
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C during the fourth run
        calls.append(spec.run_id)
        return real(spec)

    monkeypatch.setattr(ens, "execute_timed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    assert not (out / "manifest.json").exists()  # does not look finished
    assert sorted(p.name for p in (out / "runs").iterdir()) == [f"run-{i:06d}.parquet" for i in range(3)]
    # damage one finished file, as a crash of another tool might
    run_path(out, 1).write_bytes(run_path(out, 1).read_bytes()[:100])
    calls.clear()
    monkeypatch.setattr(ens, "execute_timed", lambda spec: (calls.append(spec.run_id), real(spec))[1])
    manifest = ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    assert sorted(calls) == [1, 3, 4, 5]
    assert manifest["execution"]["skipped_finished"] == 2
    assert _bytes(out) == _bytes(in_process)
    # a finished ensemble re-runs nothing; a changed plan re-runs everything and drops strays
    calls.clear()
    ens.run_ensemble(TOY, 6, out, seed=2, overrides=RANGED, params=DRAWN, workers=1, plots=False)
    assert calls == []
    ens.run_ensemble(TOY, 4, out, seed=2, overrides=SHORT, workers=1, plots=False)
    assert sorted(calls) == [0, 1, 2, 3]
    assert len(list((out / "runs").iterdir())) == 4


def test_study_folder_is_never_mixed_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BorderlabError, match="not written by borderlab"):
        ens.run_ensemble(TOY, 2, tmp_path, workers=1, plots=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


# -- quantiles and the DuckDB view ----------------------------------------------------
def _hand_table(dates, scopes, metrics, values) -> pa.Table:
    return pa.table({"date": pa.array(dates, pa.date32()), "scope": pa.array(scopes).dictionary_encode(),
                     "metric": pa.array(metrics).dictionary_encode(), "value": pa.array(values, pa.float64())})


def test_quantiles_are_exact_on_a_hand_made_table(tmp_path):
    import datetime as dt
    d0, d1 = dt.date(2021, 9, 1), dt.date(2021, 9, 2)
    # five runs; row (d0, all, x) takes 0..4 in scrambled order, (d1, all, x) 10·that, (d0, AA, y) constant 7
    order = [3, 0, 4, 1, 2]
    for run, k in enumerate(order):
        write_run_file(tmp_path, RunSpec(run, 0, "hand"),
                       _hand_table([d0, d1, d0], ["all", "all", "AA"], ["x", "x", "y"], [k, 10 * k, 7]))
    expected = {("x", "all", d0): [0.2, 1, 2, 3, 3.8], ("x", "all", d1): [2, 10, 20, 30, 38],
                ("y", "AA", d0): [7, 7, 7, 7, 7]}
    for table in (stacked_quantiles(run_files(tmp_path)), duckdb_quantiles(str(tmp_path / "runs" / "*.parquet")),
                  compute_quantiles(tmp_path)):
        assert table.column_names == COLUMNS
        got = {(r["metric"], r["scope"], r["date"]): [r[c] for c in COLUMNS[3:]] for r in table.to_pylist()}
        assert got.keys() == expected.keys()
        for key, qs in expected.items():
            assert got[key] == pytest.approx(qs, abs=1e-12), key
        assert [(r["metric"], r["scope"], r["date"]) for r in table.to_pylist()] == sorted(expected)


def test_linear_quantiles_agree_with_numpy():
    rng = np.random.default_rng(5)
    for runs in (1, 2, 7, 200):
        block = rng.normal(size=(runs, 50))
        block[:, :5] = 7.3  # a constant series has every quantile exactly equal to it
        got = linear_quantiles(block)
        assert got == pytest.approx(np.quantile(block, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0), abs=1e-12)
        assert (got[:, :5] == 7.3).all()


def test_quantiles_of_runs_with_different_rows_use_duckdb(tmp_path):
    import datetime as dt
    d0 = dt.date(2021, 9, 1)
    write_run_file(tmp_path, RunSpec(0, 0, "hand"), _hand_table([d0], ["all"], ["x"], [1.0]))
    write_run_file(tmp_path, RunSpec(1, 0, "hand"), _hand_table([d0, d0], ["all", "all"], ["x", "z"], [3.0, 5.0]))
    got = {(r["metric"]): r["q50"] for r in compute_quantiles(tmp_path).to_pylist()}
    assert got == {"x": 2.0, "z": 5.0}


def test_duckdb_views_count_rows(in_process):
    rows = pq.read_metadata(run_path(in_process, 0)).num_rows
    con = open_ensemble(in_process)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 6 * rows
    assert con.execute("SELECT count(DISTINCT run_id) FROM runs").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM draws").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM quantiles").fetchone()[0] == rows
    con.close()
    db = duckdb.connect(str(in_process / "ensemble.duckdb"), read_only=True)
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 6 * rows
    db.close()


# -- command line -------------------------------------------------------------------------
def test_cli_ensemble_writes_bands_and_plots(tmp_path):
    out = tmp_path / "cli"
    result = runner.invoke(app, ["ensemble", TOY, "--runs", "3", "--workers", "1", "--out", str(out), "--seed", "4",
                                 *sum((["--set", s] for s in SHORT), [])])
    assert result.exit_code == 0, result.output
    assert "3 runs executed" in " ".join(result.output.split())
    assert (out / "quantiles.parquet").is_file() and (out / "ensemble.duckdb").is_file()
    for name in ("flows.png", "stocks.png", "deaths.png"):
        assert (out / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["ensemble", TOY, "--runs", "0"], "--runs 0"),
    (["ensemble", "no-such-scenario", "--runs", "2"], "no-such-scenario"),
    (["ensemble", TOY, "--runs", "2", "--param", "defenders.AA.detection"], "no parameter with a range matches"),
    (["ensemble", TOY, "--runs", "2", "--set", "defenders.AA.detection_k=-3"], "detection_k"),
    (["ensemble", TOY, "--runs", "2", "--workers", "0"], "--workers 0"),
    (["ensemble", TOY, "--runs", "2", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler"),
])
def test_cli_bad_input_exits_2(tmp_path, monkeypatch, args, message):
    monkeypatch.setattr(ens, "CONNECT_TIMEOUT_S", 1.0)
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_cli_flee_inputs_are_checked_before_running(tmp_path):
    from flee_case import write_case

    case = write_case(tmp_path / "case")
    result = runner.invoke(app, ["ensemble", str(case), "--runs", "2", "--vary", "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2, result.output
    assert "Flee input folder" in result.output
    result = runner.invoke(app, ["ensemble", str(case), "--runs", "2", "--set", "move_rules.no_such=1",
                                 "--out", str(tmp_path / "o"), "-q"])
    assert result.exit_code == 2, result.output
    assert "move_rules.no_such" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_user_yaml_scenario_runs_as_an_ensemble(tmp_path):
    data = load_yaml_data()
    data["end"] = "2021-09-05"
    path = write_yaml(tmp_path / "mine.yaml", data)
    manifest = ens.run_ensemble(str(path), 2, tmp_path / "o", workers=1, plots=False)
    assert manifest["source"] == str(path.resolve()) and manifest["execution"]["executed"] == 2


# -- Flee inputs ------------------------------------------------------------------------
def test_flee_folder_runs_as_an_ensemble(tmp_path):
    """A Flee input folder is an ensemble source like a scenario (the Flee tests' small case)."""
    from borderlab.flee.runner import run_flee
    from flee_case import write_case

    case = write_case(tmp_path / "case")
    assert detect_kind(case) == "flee"
    out = tmp_path / "flee"
    manifest = ens.run_ensemble(str(case), 2, out, seed=3, workers=1)
    assert manifest["kind"] == "flee" and manifest["execution"]["executed"] == 2
    stored = pq.read_table(run_path(out, 1))
    direct = run_flee(case, seed=derive_seed(3, 1)).daily_table()
    assert stored.drop(["run_id"]).cast(direct.schema).equals(direct)
    q = pq.read_table(out / "quantiles.parquet")
    assert q.column_names == COLUMNS and q.num_rows == direct.num_rows
    # each run's ARD is Flee's mean daily total error of that run, in ard.csv and the manifest
    ard = pacsv.read_csv(out / "ard.csv").to_pydict()
    assert ard["run_id"] == [0, 1] and ard["seed"] == [derive_seed(3, 0), derive_seed(3, 1)]
    assert ard["ard"][1] == pytest.approx(run_flee(case, seed=derive_seed(3, 1)).ard, rel=1e-12)
    stats = manifest["outputs"]["ard_stats"]
    assert stats["n"] == 2 and stats["mean"] == pytest.approx(sum(ard["ard"]) / 2)
    assert sorted(manifest["outputs"]["plots"]) == ["plots/camps.png", "plots/total_error.png"]
    assert (out / "plots" / "camps.png").stat().st_size > 10_000
    # resumable like any ensemble
    again = ens.run_ensemble(str(case), 2, out, seed=3, workers=1)
    assert again["execution"]["executed"] == 0


