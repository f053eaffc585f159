"""The explicit mapping of Flee's `location_type` values to borderlab's location kinds.

Flee 3.1 classifies a location by substring ("camp" anywhere → camp, then "conflict",
"forward", "marker", "default"/"town"). borderlab names the accepted spellings exactly;
any other value that Flee's substring rule would still classify is accepted with a warning
saying how it was read, and a value no rule matches is an error (Flee 3.1 would only print
a message and give the place a move chance of 1).
"""

from __future__ import annotations

from enum import IntEnum


class Kind(IntEnum):
    """What a location is at the start of a run (camps can close and reopen, towns can
    become conflict zones; the engine keeps those changes in its own arrays)."""

    CONFLICT_ZONE = 0
    TOWN = 1
    CAMP = 2
    IDPCAMP = 3
    FORWARDING_HUB = 4
    MARKER = 5


# exact spellings (lower case, trimmed) → kind; the canonical name is the first of each kind
EXACT = {
    "conflict_zone": Kind.CONFLICT_ZONE,
    "conflict": Kind.CONFLICT_ZONE,
    "town": Kind.TOWN,
    "default": Kind.TOWN,
    "camp": Kind.CAMP,
    "idpcamp": Kind.IDPCAMP,
    "idp_camp": Kind.IDPCAMP,
    "forwarding_hub": Kind.FORWARDING_HUB,
    "forward": Kind.FORWARDING_HUB,
    "marker": Kind.MARKER,
}
CANONICAL = {Kind.CONFLICT_ZONE: "conflict_zone", Kind.TOWN: "town", Kind.CAMP: "camp",
             Kind.IDPCAMP: "idpcamp", Kind.FORWARDING_HUB: "forwarding_hub", Kind.MARKER: "marker"}
ACCEPTED_NAMES = sorted(EXACT)


def flee_substring_rule(value: str) -> Kind | None:
    """Flee 3.1's own classification (Location.__init__), in its order of tests."""
    v = value.lower()
    if "camp" in v:
        return Kind.IDPCAMP if "idp" in v else Kind.CAMP
    if "conflict" in v:
        return Kind.CONFLICT_ZONE
    if "forward" in v:
        return Kind.FORWARDING_HUB
    if "marker" in v:
        return Kind.MARKER
    if "default" in v or "town" in v:
        return Kind.TOWN
    return None


def classify(value: str) -> tuple[Kind | None, str | None]:
    """(kind, warning): the kind of a location_type value, and a warning if it was read
    by Flee's substring rule rather than an exact name; (None, None) if unreadable."""
    v = (value or "").strip().lower()
    if v in EXACT:
        return EXACT[v], None
    kind = flee_substring_rule(v)
    if kind is None:
        return None, None
    return kind, f"location_type '{value}' read as '{CANONICAL[kind]}' (Flee's substring rule)"
