"""fit_report.md lines of a Flee posterior fit (--method abc): what was fitted, how far
ABC-SMC went (temperatures; T = 1 or tempered), and the posterior of each setting."""

from __future__ import annotations


def abc_fit_lines(r: dict) -> list[str]:
    o, p = r["objective"], r["posterior"]
    temps = ", ".join(f"{t:.3g}" for t in p["temperatures"])
    lines = [
        f"Method: {o['what']}: {o['figures']} reports of {len(o['camps'])} camp(s); discrepancy {o['discrepancy']:g}.",
        f"Fit: population {p['population']}, {p['generations']} of {p['generations_asked']} generations, "
        f"{p['simulations']} simulations in the kept generations"
        + (f", {p['simulations_run']} run in all (a generation that could not fill its population within the budget "
           "is abandoned)" if p.get("simulations_run") and p["simulations_run"] != p["simulations"] else "")
        + (f" (budget {p['max_simulations']})" if p["max_simulations"] else "")
        + f", seed {p['seed']}, {p['workers']} worker(s), {p['fit_wall_s']:.1f} s wall"
        + (" (reused the posterior already in OUT)" if p["reused"] else "")
        + f"; temperatures {temps} — "
        + ("reached 1: the exact posterior of the noise model." if p["reached_1"] else
           "stopped above 1: the posterior is tempered, i.e. wider than the exact one.")
        + f" Effective sample size {p['effective_size']:.0f}; load average {p['load_average'][0]:.1f} at the end.",
        "The calibrated settings (simsetting.yml, the 'fitted' column) are the posterior's marginal medians.",
        "",
        "| setting | shipped | median | 5 % | 95 % | prior range |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for s in p["summary"]:
        lines.append(f"| `{s['path']}` | {s['scenario_value']:.4g} | {s['median']:.4g} | {s['q05']:.4g} | {s['q95']:.4g} "
                     f"| [{s['low']:g}, {s['high']:g}]{', log' if s['log'] else ''} |")
    return lines
