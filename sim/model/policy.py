"""The protocol between the engine and a staffing policy, and the roster that applies it.

The engine defines what it asks of a policy (:class:`StaffingPolicy`) and
what it shows it; the policies themselves are plug-ins of the staffing layer
(:mod:`sim.staffing`), which the engine never imports: the caller builds the
policy and hands it to :func:`sim.model.run.simulate`.

A policy decides the headcount on the roster for each day. It is asked once
at the start for an initial plan, and, if it is adaptive, once a day at the
scenario's ``review_time`` with an :class:`Observation` holding only what a
planner could know then. A policy may also act within the day: every
``intraday_every_s`` of opening hours the engine shows it an
:class:`IntradayObservation` and it may call in some of its
``on_call_agents`` (agents outside the roster) with a :class:`CallIn`. The
:class:`Roster` applies its requests under the real constraints (lead times,
notice, min/max, maximum daily change); a policy cannot change a day that is
already fixed. A policy that needs simulations to plan (the least staffing)
is given its plan, made before the run, as ``planned``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Scenario


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
        """Refuse arrays that reach past the review day or can be written to."""
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
    """What a decision within the day sees now: queues and who is on duty.

    Attributes
    ----------
    now_s
        Clock time of the check (seconds since the start of the run).
    queued_outbound, queued_inbound
        Outbound tasks and inbound callers waiting now.
    agents_on_duty
        Agents on shift now (rostered and called in).
    pool_pending
        Agents called in who have not arrived yet.
    pool_available
        On-call agents who can still be called in.
    close_s
        Today's closing time (seconds since the start of the run).
    """

    now_s: float
    queued_outbound: int
    queued_inbound: int
    agents_on_duty: int
    pool_pending: int
    pool_available: int
    close_s: float


@dataclass(frozen=True)
class CallIn:
    """A decision to call in on-call agents.

    Attributes
    ----------
    count
        Agents called in (at most the on-call agents available).
    start_s, end_s
        When they arrive and leave (seconds since the start of the run); they
        are paid from ``start_s`` to ``end_s``.
    """

    count: int
    start_s: float
    end_s: float


class StaffingPolicy(ABC):
    """A staffing policy: an initial plan, daily reviews and checks within the day.

    Attributes
    ----------
    adaptive
        Reviewed daily at ``staffing.review_time`` (:meth:`review`).
    intraday_every_s
        Period of the checks within opening hours (:meth:`intraday`); None
        for none.
    on_call_agents
        Agents outside the roster that :meth:`intraday` may call in.
    """

    adaptive: bool = False
    intraday_every_s: float | None = None
    on_call_agents: int = 0

    @classmethod
    def from_config(cls, plan: Plan, config: Any, rng: np.random.Generator,
                    planned: object | None = None) -> StaffingPolicy:
        """Build the policy for a compiled plan and its staffing configuration.

        Parameters
        ----------
        plan
            The compiled scenario.
        config
            ``plan.scenario.staffing``, of the configuration class the policy
            is registered for.
        rng
            Generator for the policy's own randomness.
        planned
            What an experiment step planned for it before the run (the least
            staffing's table); None for the policies that plan nothing.

        Returns
        -------
        StaffingPolicy
        """
        raise NotImplementedError(f"{cls.__name__} does not say how it is built")

    @classmethod
    def expected_agents_per_day(cls, plan: Plan, config: Any) -> np.ndarray | None:
        """Return the agents it will roster per day, when known before the run (memory guard).

        None (the default): the policy staffs from demand, and the size check
        counts the expected work instead.
        """
        return None

    @abstractmethod
    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the headcount per day before any review (integers, length n_days)."""

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Return the headcount requested for future days ({day: headcount}), or None."""
        return None

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Return agents kept for inbound per reporting interval of the run.

        None: the scenario's constant ``inbound.reserve_agents``.
        """
        return None

    def intraday(self, observation: IntradayObservation) -> CallIn | None:
        """Return the on-call agents to call in now, or None for none."""
        return None

    def template_headcount(self, day: int, count: int) -> np.ndarray | None:
        """Return the day's headcount per shift template (summing to ``count``).

        None: ``count`` is split over the templates by their ``share``.
        """
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


def make_roster(scenario: Scenario, policy: StaffingPolicy) -> Roster:
    """Build a roster with the policy's initial plan and the scenario's scaling limits."""
    staffing = scenario.staffing
    return Roster(
        policy.initial_plan(scenario.calendar.days),
        scale_up_lead_time_s=staffing.scale_up_lead_time,
        scale_down_notice_s=staffing.scale_down_notice,
        min_headcount=staffing.min_headcount,
        max_headcount=staffing.max_headcount,
        max_daily_change=staffing.max_daily_change,
    )
