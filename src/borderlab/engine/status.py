"""Person statuses: every person is in exactly one of these every day."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Where a person stands in the crisis. Stored as int8 in the population."""

    TRANSIT = 0  # travelling along an edge (flight, bus, car, on foot)
    CAPITAL = 1  # in the orchestrator's capital (hotels)
    STAGING = 2  # at a staging area or shelter near the border (orchestrator side)
    ZONE = 3  # in the border zone, between the lines, ready to attempt a crossing
    DETAINED = 4  # detained by a defender after crossing or at the border
    RECEPTION = 5  # in asylum reception after detention (stays in the defending country)
    INTERIOR = 6  # crossed (detected or not) and moving inland in a defending country
    ONWARD = 7  # reached the destination country (absorbing)
    HOSPITAL = 8  # hospitalised
    RETURNED = 9  # returned home (repatriation flight or voluntary; absorbing)
    DEAD = 10  # died (absorbing)


N_STATUS = len(Status)
TERMINAL = (Status.ONWARD, Status.RETURNED, Status.DEAD)
# nobody leaves these within a run (reception: the asylum procedure outlasts it); the daily
# passes skip people in them (Population.live) and the conservation check enforces it
ABSORBING = TERMINAL + (Status.RECEPTION,)
STRANDED = (Status.CAPITAL, Status.STAGING, Status.ZONE)
