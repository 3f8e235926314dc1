"""Non-adaptive policies: ``fixed`` headcount and a ``schedule`` by date."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.staffing.base import StaffingPolicy


class FixedPolicy(StaffingPolicy):
    """The same headcount every day."""

    def __init__(self, headcount: int) -> None:
        self.headcount = headcount

    def initial_plan(self, n_days: int) -> np.ndarray:
        """A constant plan."""
        return np.full(n_days, self.headcount, dtype=np.int64)


class SchedulePolicy(StaffingPolicy):
    """Headcount by date, e.g. to replay the headcount that was billed.

    A listed date sets the headcount from that date on; days before the first
    listed date take the first row's headcount.
    """

    def __init__(self, start: dt.date, rows: list[tuple[dt.date, int]]) -> None:
        self.start = start
        self.rows = sorted(rows)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """The schedule laid over the calendar."""
        plan = np.full(n_days, self.rows[0][1], dtype=np.int64)
        for date, headcount in self.rows:
            day = (date - self.start).days
            plan[max(day, 0):] = headcount
        return plan
