"""Ensemble summaries for Flee inputs: each run's ARD, and camp arrivals with bands.

A Flee run's daily table has other metrics than a borderlab scenario's (per camp
`sim_refugees` and `data_refugees`, and Flee's daily `total_error` under scope `all`), so
an ensemble of a Flee folder gets its own figures:

```text
OUT/ard.csv                 run_id, seed, ard — the mean over days of Flee's 'Total error'
OUT/plots/camps.png         each camp: median and 25–75 % / 5–95 % bands against UNHCR
OUT/plots/total_error.png   the daily total error's bands, with the ARDs' mean ± sd
```

The ARD of an ensemble is reported per run and as mean ± sd over runs — the figure
`benchmarks/flee_vs_borderlab.py` compares with Flee's — never as the error of a median.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from matplotlib.figure import Figure

from ..flee.outputs import camp_panels
from ..reporting.plots import save_figure
from .ensemble_plots import QS, band_rows, draw_bands
from .store import open_ensemble, write_atomic

ARD_FILE = "ard.csv"


def ard_per_run(con) -> pa.Table:
    """run_id, seed, ard: each run's mean daily total error (Flee's averaged 'Total error')."""
    return con.sql("""
        SELECT r.run_id, d.seed, avg(r.value) AS ard FROM runs r JOIN draws d USING (run_id)
        WHERE r.metric = 'total_error' AND r.scope = 'all' GROUP BY ALL ORDER BY r.run_id""").to_arrow_table()


def ard_stats(table: pa.Table) -> dict:
    """n, mean, sd (n − 1), min and max of the per-run ARDs."""
    a = np.asarray(table.column("ard"), dtype=np.float64)
    if a.size == 0:
        return {"n": 0}
    return {"n": int(a.size), "mean": float(a.mean()), "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "min": float(a.min()), "max": float(a.max())}


def plot_camps(con, name: str, runs: int, path: Path) -> Path:
    """One panel per camp: bands of simulated agents, and the UNHCR series (the same in every run)."""
    sim = band_rows(con, f"""SELECT scope, date, quantile_cont(value, [{QS}]) FROM runs
                          WHERE metric = 'sim_refugees' AND scope <> 'all' GROUP BY ALL ORDER BY 1, 2""", [])
    data = dict(con.execute("""SELECT scope, list(value ORDER BY date) FROM runs
                               WHERE metric = 'data_refugees' AND scope <> 'all' AND run_id = (SELECT min(run_id) FROM runs)
                               GROUP BY scope""").fetchall())
    camps = sorted(sim)
    fig, axes = camp_panels(camps)
    for camp, ax in zip(camps, axes):
        x, q = sim[camp]
        draw_bands(ax, x, q, "#1f77b4", "borderlab")
        if camp in data:
            ax.plot(x, np.asarray(data[camp], dtype=np.float64)[: x.size], color="k", lw=1.0, ls="--", label="UNHCR")
    if axes:
        axes[0].legend(fontsize=6, frameon=False)
    fig.suptitle(f"{name}: agents per camp across {runs} runs, simulated vs UNHCR", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_total_error(con, name: str, stats: dict, path: Path) -> Path:
    """Bands of Flee's daily total error; the title gives the per-run ARDs' mean ± sd."""
    bands = band_rows(con, f"""SELECT 'e', date, quantile_cont(value, [{QS}]) FROM runs
                            WHERE metric = 'total_error' AND scope = 'all' GROUP BY ALL ORDER BY 2""", [])
    fig = Figure(figsize=(8, 3))
    ax = fig.add_subplot(1, 1, 1)
    if "e" in bands:
        draw_bands(ax, *bands["e"], "#d62728", "total error")
    if stats.get("n"):
        ax.axhline(stats["mean"], color="#555555", ls=":", lw=1)
    ax.set_ylabel("Σ|sim − data| / UNHCR total")
    ard = f"ARD {stats['mean']:.4f} ± {stats['sd']:.4f} (mean ± sd of {stats['n']} runs)" if stats.get("n") else ""
    ax.set_title(f"{name}: total error per day; {ard}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return save_figure(fig, path)


def summarise_flee(out: Path, name: str, runs: int, plots: bool) -> dict:
    """Write OUT/ard.csv (and the plots); return the outputs and the ARD statistics."""
    con = open_ensemble(out)
    try:
        table = ard_per_run(con)
        stats = ard_stats(table)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink)
        write_atomic(Path(out) / ARD_FILE, sink.getvalue().to_pybytes())
        outputs: dict = {"ard": ARD_FILE, "ard_stats": stats}
        if plots:
            folder = Path(out) / "plots"
            folder.mkdir(parents=True, exist_ok=True)
            outputs["plots"] = [str(p.relative_to(out)) for p in
                                (plot_camps(con, name, runs, folder / "camps.png"),
                                 plot_total_error(con, name, stats, folder / "total_error.png"))]
        return outputs
    finally:
        con.close()
