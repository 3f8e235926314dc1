"""People and their outbound tasks: index cases, contacts and callbacks.

One row per person, in columns (lists), with the person's status. Index
cases and contacts keep the row of their pre-drawn inputs
(:class:`~sim.model.draws.TaskDraws`); a callback keeps the caller's
conversation and its own attempt draws.
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

from sim.model.recorder import KINDS

OPEN, REACHED, UNREACHABLE, NO_PHONE, EXPIRED = 0, 1, 2, 3, 4
STATUSES = ("open", "reached", "unreachable", "no_phone", "expired")
NOT_YET = float("inf")  # reached_s / closed_s of a person still open


class People:
    """The people of one replication, as typed columns (``array.array``).

    Typed columns keep 8 bytes per value (1 for codes) and become the
    ``people`` table by a memory copy; people are what grows with the demand.

    Attributes
    ----------
    kind, row, parent
        Kind code (:data:`sim.model.recorder.KINDS`), row of the pre-drawn inputs
        (callbacks: index into :attr:`callbacks`), parent person (-1 for none).
    created_s, due_s
        When the task was created (release, naming, acceptance) and its deadline.
    attempts, status, reached_s, closed_s
        Attempts made, status code (:data:`STATUSES`), start of the reaching
        call and of closure (``inf`` while open).
    regime, called_day
        The behaviour in force when the person was created (index into
        ``Plan.regimes``) and the last day it was dialled (-1: never).
    open_tasks
        Outbound tasks open now (the backlog).
    """

    def __init__(self) -> None:
        self.kind = array("b")
        self.row = array("q")
        self.parent = array("q")
        self.created_s = array("d")
        self.due_s = array("d")
        self.attempts = array("q")
        self.status = array("b")
        self.reached_s = array("d")
        self.closed_s = array("d")
        self.regime = array("b")
        self.called_day = array("q")
        self.open_tasks = 0

    def add(self, kind: int, now_s: float, within_s: float, parent: int, row: int,
            regime: int = 0) -> int:
        """Add an open person and return its id."""
        pid = len(self.kind)
        self.kind.append(kind)
        self.row.append(row)
        self.parent.append(parent)
        self.created_s.append(now_s)
        self.due_s.append(now_s + within_s)
        self.attempts.append(0)
        self.status.append(OPEN)
        self.reached_s.append(NOT_YET)
        self.closed_s.append(NOT_YET)
        self.regime.append(regime)
        self.called_day.append(-1)
        self.open_tasks += 1
        return pid

    def close(self, pid: int, status: int, now_s: float) -> None:
        """Close an open task with ``status`` at ``now_s``."""
        self.status[pid] = status
        self.closed_s[pid] = now_s
        if status == REACHED:
            self.reached_s[pid] = now_s
        self.open_tasks -= 1

    def add_without_phone(self, kind: int, now_s: float, within_s: float, parent: int,
                          row: int, regime: int = 0) -> int:
        """Add a person who cannot be called (closed at once as ``no_phone``)."""
        pid = self.add(kind, now_s, within_s, parent, row, regime)
        self.close(pid, NO_PHONE, now_s)
        return pid

    def table(self) -> pd.DataFrame:
        """Return one row per person (seconds since the start; NaN when not reached).

        The columns are views of the typed columns where they can be (no copy:
        the people are the largest part of a run's memory); the people cannot
        be added to afterwards.
        """
        reached_s = np.frombuffer(self.reached_s, dtype=np.float64)
        closed_s = np.frombuffer(self.closed_s, dtype=np.float64)
        created_s = np.frombuffer(self.created_s, dtype=np.float64)
        is_reached = np.isfinite(reached_s)
        return pd.DataFrame(
            {
                "person": np.arange(len(self.kind), dtype=np.int64),
                "kind": pd.Categorical.from_codes(np.frombuffer(self.kind, dtype=np.int8),
                                                  KINDS),
                "parent": np.frombuffer(self.parent, dtype=np.int64),
                "created_s": created_s,
                "due_s": np.frombuffer(self.due_s, dtype=np.float64),
                "attempts": np.frombuffer(self.attempts, dtype=np.int64),
                "status": pd.Categorical.from_codes(
                    np.frombuffer(self.status, dtype=np.int8), STATUSES),
                "reached_s": np.where(is_reached, reached_s, np.nan),
                "closed_s": np.where(np.isfinite(closed_s), closed_s, np.nan),
                "time_to_reach_s": np.where(is_reached, reached_s - created_s, np.nan),
            },
            copy=False,
        )
