"""The staffing-policy interface.

A policy decides the headcount on the roster for each day. It is asked once
at the start for an initial plan, and, if it is adaptive, once a day at the
scenario's ``review_time`` with an :class:`Observation` holding only what a
planner could know then. The :class:`Roster` applies its requests under the
real constraints (lead times, notice, min/max, maximum daily change); a policy
cannot change a day that is already fixed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.units import DAY_S


def _read_only(values: np.ndarray) -> np.ndarray:
    copy = np.array(values, copy=True)
    copy.flags.writeable = False
    return copy


@dataclass(frozen=True)
class Observation:
    """What a planner knows at a review: realised history only.

    Every array covers days ``0 .. day`` (today partly, up to ``now_s``) and is
    a read-only copy: the structure holds nothing from the future.

    Attributes
    ----------
    day
        Index of the day of the review.
    now_s
        Clock time of the review (seconds since the start of the run).
    released_per_day
        Index cases released to the centre per day so far.
    inbound_offered_per_day
        Inbound calls offered per day so far.
    backlog
        Outbound tasks open now.
    headcount
        Headcount already fixed for days ``0 .. last_fixed_day``.
    """

    day: int
    now_s: float
    released_per_day: np.ndarray
    inbound_offered_per_day: np.ndarray
    backlog: int
    headcount: np.ndarray


class StaffingPolicy(ABC):
    """A staffing policy: an initial plan and, if adaptive, daily reviews."""

    adaptive: bool = False

    @abstractmethod
    def initial_plan(self, n_days: int) -> np.ndarray:
        """Headcount per day before any review (integer array of length n_days)."""

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Requested headcount for future days, as {day: headcount}; None for no change."""
        return None


class Roster:
    """Headcount per day under the constraints of scaling.

    Parameters
    ----------
    plan
        Initial headcount per day.
    scale_up_lead_time_s, scale_down_notice_s
        Delay between a request and the first day it can take effect.
    min_headcount, max_headcount, max_daily_change
        Limits applied to reviewed requests.
    """

    def __init__(
        self,
        plan: np.ndarray,
        scale_up_lead_time_s: float = 0.0,
        scale_down_notice_s: float = 0.0,
        min_headcount: int = 0,
        max_headcount: int = 1_000_000,
        max_daily_change: int | None = None,
    ) -> None:
        self.headcount = np.asarray(plan, dtype=np.int64).copy()
        self.scale_up_lead_time_s = scale_up_lead_time_s
        self.scale_down_notice_s = scale_down_notice_s
        self.min_headcount = min_headcount
        self.max_headcount = max_headcount
        self.max_daily_change = max_daily_change
        self.fixed_through = -1

    def fix(self, day: int) -> int:
        """Fix the headcount of ``day`` (the day has started) and return it."""
        self.fixed_through = max(self.fixed_through, day)
        return int(self.headcount[day])

    def first_day(self, now_s: float, lead_s: float) -> int:
        """First day that starts at or after ``now_s + lead_s`` and is not fixed yet."""
        return max(self.fixed_through + 1, math.ceil((now_s + lead_s) / DAY_S - 1e-9))

    def request(self, now_s: float, wanted: Mapping[int, int]) -> None:
        """Apply a policy's request for future days under lead times and limits."""
        n_days = len(self.headcount)
        for day in sorted(wanted):
            if day >= n_days:
                continue
            target = int(min(max(wanted[day], self.min_headcount), self.max_headcount))
            current = int(self.headcount[day])
            lead_s = self.scale_up_lead_time_s if target > current else self.scale_down_notice_s
            if day < self.first_day(now_s, lead_s):
                continue
            previous = int(self.headcount[day - 1]) if day > 0 else current
            if self.max_daily_change is not None:
                low, high = previous - self.max_daily_change, previous + self.max_daily_change
                target = min(max(target, low), high)
            self.headcount[day:] = target

    def observation_headcount(self) -> np.ndarray:
        """Read-only copy of the fixed part of the plan."""
        return _read_only(self.headcount[: self.fixed_through + 1])
