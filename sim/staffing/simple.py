"""Non-adaptive policies: ``fixed`` headcount and a ``schedule`` by date."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import FixedStaffing, ScheduleStaffing
from sim.staffing.base import StaffingPolicy, register_policy

if TYPE_CHECKING:
    from sim.compile import Plan


@register_policy(FixedStaffing)
class FixedPolicy(StaffingPolicy):
    """The same headcount every day."""

    def __init__(self, headcount: int) -> None:
        self.headcount = headcount

    @classmethod
    def from_config(cls, plan: Plan, config: FixedStaffing,
                    rng: np.random.Generator) -> FixedPolicy:
        """Build the policy from the scenario's ``headcount``."""
        return cls(config.headcount)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return a constant plan."""
        return np.full(n_days, self.headcount, dtype=np.int64)


@register_policy(ScheduleStaffing)
class SchedulePolicy(StaffingPolicy):
    """Headcount by date, e.g. to replay the headcount that was billed.

    A listed date sets the headcount from that date on; days before the first
    listed date take the first row's headcount.
    """

    def __init__(self, start: dt.date, rows: list[tuple[dt.date, int]]) -> None:
        self.start = start
        self.rows = sorted(rows)

    @classmethod
    def from_config(cls, plan: Plan, config: ScheduleStaffing,
                    rng: np.random.Generator) -> SchedulePolicy:
        """Build the policy from the scenario's ``schedule`` and calendar start."""
        return cls(plan.scenario.calendar.start,
                   [(row.date, row.headcount) for row in config.schedule])

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Lay the schedule over the calendar."""
        plan = np.full(n_days, self.rows[0][1], dtype=np.int64)
        for date, headcount in self.rows:
            day = (date - self.start).days
            plan[max(day, 0):] = headcount
        return plan
