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


class PeekingError(RuntimeError):
    """An observation that holds information from the future."""


@dataclass(frozen=True)
class Observation:
    """What a planner knows at a review: realised history only.

    Every array covers days ``0 .. day`` (today only up to ``now_s``) and is a
    read-only copy: the structure holds nothing from the future, and
    constructing one that does raises :class:`PeekingError`.

    Attributes
    ----------
    day
        Index of the day of the review.
    now_s
        Clock time of the review (seconds since the start of the run).
    n_days
        Length of the run in days (the calendar is known).
    released_per_day
        Index cases released to the centre per day so far.
    inbound_offered_per_day
        First inbound calls offered per day so far.
    backlog
        Outbound tasks open now.
    planned_headcount
        Headcount already decided, for days ``0 .. day`` (the last entry is
        the plan for today's end and the days after, as far as known).
    """

    day: int
    now_s: float
    n_days: int
    released_per_day: np.ndarray
    inbound_offered_per_day: np.ndarray
    backlog: int
    planned_headcount: np.ndarray

    def __post_init__(self) -> None:
        if not self.day * DAY_S <= self.now_s < (self.day + 1) * DAY_S:
            raise PeekingError(f"review at {self.now_s} s is not on day {self.day}")
        for name in ("released_per_day", "inbound_offered_per_day", "planned_headcount"):
            values = getattr(self, name)
            if len(values) > self.day + 1:
                raise PeekingError(
                    f"Observation.{name} has {len(values)} days at a review on day "
                    f"{self.day}: it would show the future"
                )
            if values.flags.writeable:
                raise PeekingError(f"Observation.{name} must be a read-only copy")


@dataclass(frozen=True)
class IntradayObservation:
    """What an intraday (pool) decision sees now: queues and who is on duty."""

    now_s: float
    queued_outbound: int
    queued_inbound: int
    agents_on_duty: int
    pool_pending: int
    pool_available: int


class StaffingPolicy(ABC):
    """A staffing policy: an initial plan and, if adaptive, daily reviews."""

    adaptive: bool = False

    @abstractmethod
    def initial_plan(self, n_days: int) -> np.ndarray:
        """Headcount per day before any review (integer array of length n_days)."""

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Requested headcount for future days, as {day: headcount}; None for no change."""
        return None

    def inbound_reserve(self, plan) -> np.ndarray | None:
        """Agents to keep for inbound per reporting interval of the run, or None
        to use the scenario's constant ``inbound.reserve_agents``."""
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
        """Apply a policy's request {day: headcount} under lead times and limits.

        A day that starts before ``now + scale_up_lead_time`` (for an increase)
        or ``now + scale_down_notice`` (for a decrease) keeps its plan; targets
        are clipped to ``min_headcount``/``max_headcount`` and to
        ``max_daily_change`` from the previous day.
        """
        n_days = len(self.headcount)
        for day in sorted(wanted):
            if day >= n_days or day <= self.fixed_through:
                continue
            target = int(min(max(wanted[day], self.min_headcount), self.max_headcount))
            current = int(self.headcount[day])
            if target == current:
                continue
            lead_s = self.scale_up_lead_time_s if target > current else self.scale_down_notice_s
            if day < self.first_day(now_s, lead_s):
                continue
            if self.max_daily_change is not None and day > 0:
                previous = int(self.headcount[day - 1])
                target = min(max(target, previous - self.max_daily_change),
                             previous + self.max_daily_change)
            self.headcount[day] = target

    def observation_headcount(self, day: int) -> np.ndarray:
        """Read-only copy of the plan for days ``0 .. day``."""
        return _read_only(self.headcount[: day + 1])
