"""Which numbers and series the explorer shows, and how they are read from a summary."""

from __future__ import annotations

# the key numbers shown in the page, per defending country and for all: (summary total, label)
KEY_TOTALS = (("new_attempts", "attempts"), ("new_pushbacks", "pushbacks"), ("new_detentions", "detained"),
              ("new_undetected", "unseen crossings"), ("new_onward", "onward arrivals"), ("new_deaths", "deaths"))
KEY_METRICS = tuple(m for m, _ in KEY_TOTALS)
PEAK_IN_ZONE = "peak_in_zone"
# the daily series charted for scope `all`: (metric, title, cumulative?)
SERIES = (("new_attempts", "crossing attempts per day", False),
          ("n_in_zone", "people in the border zone", False),
          ("n_detained", "people detained", False),
          ("new_deaths", "deaths (cumulative)", True))


def key_numbers(summary: dict, scopes: list[str] | None = None) -> dict[str, dict[str, float]]:
    """scope → {total name → value, and the peak in the zone} for every scope with attempts."""
    out = {}
    for scope, entry in summary.get("countries", {}).items():
        totals = entry.get("totals", {})
        if "new_attempts" not in totals or (scopes is not None and scope not in scopes):
            continue
        row = {m: float(totals.get(m, 0.0)) for m in KEY_METRICS}
        zone = entry.get("peaks", {}).get("n_in_zone")
        if zone:
            row[PEAK_IN_ZONE] = float(zone["value"])
        out[scope] = row
    return out
