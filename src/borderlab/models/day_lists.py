"""The people some passes of the day walk, found in one pass over everyone live.

Several passes look for a few statuses among everyone live (`Population.live`). The
lists below are made at the start of the day (`make_at_day_start`): in the walk that
drops the absorbed from the live list, which the day-end count of the day before does
(`Population.end_of_day_counts`), so both sets cost no walk of their own. They serve the passes of the day because from then on nobody enters
those statuses except people a pass does not take today, or people the phase that moves
them adds to the list (`Population.joined`); the day's newcomers are added as they are
created (`Population.add`). A kernel still checks every person's status and due day, so
whoever left a status since is skipped. The lists keep the ascending order of
`Population.live`, so every pass sees people in the same order.

Morning:
- movement.advance walks the travellers: nobody else starts travelling before it.
- transit.dispatch takes those due in the capital or at staging. People reach the capital
  or staging only by movement.advance, and transit.arrivals then sets their next move a
  dwell of at least a day ahead: not due today.
- health.shelter takes everyone at staging (inside a shelter) and in the zone (the
  candidates), due or not: the lists plus today's arrivals (`sim.today["arrived"]`, from
  movement.advance, the only way into either status), merged in uid order by the kernel.
  The phases in between only take people away from staging and the zone.
- border.checkpoint and orchestrator.launch take those due in the zone. People reach the
  zone only by movement.advance, and transit.arrivals makes them ready tomorrow (the
  phases before launch only take people out of the zone: shelters, crossing points).

Evening (used from onward.inland on):
- onward.inland walks the people inland: interior → detained (a stay of at least a day)
  or travelling. People become interior before it only by crossing (border.resolve) or by
  arriving at an interior node (movement.advance): both phases add them (`joined`).
- reception.release takes the detained who are due: detained → reception or travelling.
  Everyone detained during the day (border.resolve, onward.inland) stays at least a day:
  not due today.
- health.discharge takes the patients who are due. Only health.exposure sends people to
  hospital, for at least a day: not due today.
(Exposure and voluntary return look at the stranded and at people outdoors — most of
everyone live — so they walk `Population.live` itself.)
"""

from __future__ import annotations

import numpy as np

from ..engine.status import Status

MORNING = ((Status.TRANSIT,), (Status.CAPITAL,), (Status.STAGING,), (Status.ZONE,))
TRAVELLING, IN_CAPITAL, AT_STAGING, IN_ZONE = range(4)
EVENING = ((Status.INTERIOR,), (Status.DETAINED,), (Status.HOSPITAL,))
INLAND, DETAINED, IN_HOSPITAL = range(3)


def make_at_day_start(pop) -> None:
    """Have both sets of lists made by the walk at the start of each day."""
    pop.make_at_day_start("morning", MORNING)
    pop.make_at_day_start("evening", EVENING)


def morning_people(pop, group: int) -> np.ndarray:
    """The uids (ascending) morning pass `group` must look at today (see the module docstring)."""
    return pop.live_groups("morning", MORNING)[group]


def evening_people(pop, group: int) -> np.ndarray:
    """The uids (ascending) evening pass `group` must look at today (see the module docstring)."""
    return pop.live_groups("evening", EVENING)[group]
