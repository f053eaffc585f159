"""The people some passes of the day walk, found in one pass over everyone live.

Several passes look for a few statuses among everyone live (`Population.live`). Each
list below is made by one pass (`Population.live_groups`) when the first pass of its set
asks, and serves the later ones of the same day, because from then on nobody enters
those statuses except people a pass does not take today (a kernel still checks every
person's status and due day, so whoever left a status since is skipped). The lists keep
the ascending order of `Population.live`, so every pass sees people in the same order.

Morning, made at the start of the day (`Population.make_at_day_start`: in the same pass
that drops the absorbed from the live list), with the day's boarders added as they are
created (`Population.add`):
- movement.advance walks the travellers: nobody else starts travelling before it.
- transit.dispatch takes those due in the capital or at staging. People reach the capital
  or staging only by movement.advance, and transit.arrivals then sets their next move a
  dwell of at least a day ahead: not due today.
- border.checkpoint and orchestrator.launch take those due in the zone. People reach the
  zone only by movement.advance, and transit.arrivals makes them ready tomorrow (the
  phases before launch only take people out of the zone: shelters, crossing points).

Evening, made at onward.inland:
- onward.inland walks the people inland: interior → detained (a stay of at least a day)
  or travelling;
- reception.release takes the detained who are due: detained → reception or travelling;
- health.exposure (between them) sends people to hospital for at least a day or kills them;
- health.discharge takes the patients who are due.
(Exposure and voluntary return look at the stranded and at people outdoors — most of
everyone live — so they walk `Population.live` itself.)
"""

from __future__ import annotations

import numpy as np

from ..engine.status import Status

MORNING = ((Status.TRANSIT,), (Status.CAPITAL, Status.STAGING), (Status.ZONE,))
TRAVELLING, WAITING, IN_ZONE = range(3)
EVENING = ((Status.INTERIOR,), (Status.DETAINED,), (Status.HOSPITAL,))
INLAND, DETAINED, IN_HOSPITAL = range(3)


def morning_people(pop, group: int) -> np.ndarray:
    """The uids (ascending) morning pass `group` must look at today (see the module docstring)."""
    return pop.live_groups("morning", MORNING)[group]


def evening_people(pop, group: int) -> np.ndarray:
    """The uids (ascending) evening pass `group` must look at today (see the module docstring)."""
    return pop.live_groups("evening", EVENING)[group]
