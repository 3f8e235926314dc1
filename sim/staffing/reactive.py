"""The ``reactive`` policy: the oracle's arithmetic on realised demand over a trailing window.

Plus backlog clearance, with hysteresis (see :class:`ReactiveStaffing`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Duration, Problem, Share, compact_duration, staffing_config
from sim.model.policy import Observation, StaffingPolicy
from sim.staffing.planning import ServicePlanner, ServiceTarget, WorkRates, initial_above_limit
from sim.staffing.registry import register_policy
from sim.staffing.workload import elapsed_share, release_minute_weights


@staffing_config
class ReactiveStaffing(ServiceTarget):
    """Headcount from realised demand over a trailing window, with hysteresis.

    A trailing-window workload forecast plus a backlog-clearance term, for
    the service target. At each review the policy estimates the daily rate of
    index cases released and inbound calls offered over the last ``window``
    (today counted pro rata of the release/inbound profile elapsed by the
    review), plans outbound work (expected work per case, its contacts
    included) at ``target_occupancy`` plus the open backlog's expected work
    spread over ``backlog_clearance``, and inbound agents per interval by
    Erlang for ``inbound_target_sl``; the same arithmetic as ``oracle``, on
    realised instead of expected demand. A change smaller than ``hysteresis``
    (share of the current headcount) is not requested. Requests take effect
    after ``scale_up_lead_time`` / ``scale_down_notice``.
    """

    policy: Literal["reactive"]
    initial_headcount: int = Field(ge=0)
    window: Duration = 7 * DAY_S
    backlog_clearance: Duration = 2 * DAY_S
    hysteresis: Share = 0.05

    @field_validator("window", "backlog_clearance")
    @classmethod
    def _at_least_a_day(cls, value: float) -> float:
        if value < DAY_S:
            raise ValueError("must be at least 1d")
        return value

    def notes(self, scenario: Any) -> Iterator[Problem]:
        """Warn of an initial headcount above ``max_headcount`` (it is not clipped)."""
        yield from initial_above_limit(self.initial_headcount, self.max_headcount)

    def summary(self) -> str:
        """E.g. ``"reactive staffing from 250 agents (7 d window)"``."""
        return (f"reactive staffing from {self.initial_headcount:,} agents "
                f"({compact_duration(self.window)} window)")


@register_policy(ReactiveStaffing)
class ReactivePolicy(StaffingPolicy):
    """The oracle's arithmetic on realised demand over a trailing window.

    Plus backlog clearance, with hysteresis (see
    :class:`sim.inputs.scenario.ReactiveStaffing`).
    """

    adaptive = True

    def __init__(self, plan: Plan, config: ReactiveStaffing) -> None:
        self.plan = plan
        self.config = config
        self.planner = ServicePlanner(plan, config)
        self.rates = WorkRates.from_plan(plan)
        self.window_days = max(1, int(round(config.window / DAY_S)))
        self.clearance_days = config.backlog_clearance / DAY_S
        self._release_weights = release_minute_weights(plan)
        self._reserve = np.zeros(plan.n_intervals, dtype=np.int64)

    @classmethod
    def from_config(cls, plan: Plan, config: ReactiveStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> ReactivePolicy:
        """Build the policy (it draws nothing)."""
        return cls(plan, config)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the initial headcount, until the first reviews take effect."""
        return np.full(n_days, self.config.initial_headcount, dtype=np.int64)

    def _daily_rate(self, counts: np.ndarray, day: int, today_share: float) -> float:
        """Mean per day over the window, today's partial count scaled up pro rata."""
        first = max(0, day - self.window_days + 1)
        values = [float(c) for c in counts[first:day]]
        if today_share > 0.05:
            values.append(float(counts[day]) / today_share)
        return float(np.mean(values)) if values else 0.0

    def estimates(self, observation: Observation) -> tuple[float, float]:
        """Return the estimated index cases released and inbound calls offered per day."""
        day = observation.day
        time_of_day_s = observation.now_s - day * DAY_S
        released = self._daily_rate(observation.released_per_day, day,
                                    elapsed_share(self._release_weights, time_of_day_s))
        calls = self._daily_rate(observation.inbound_offered_per_day, day,
                                 elapsed_share(self.plan.inbound_minute_weights[day],
                                               time_of_day_s))
        return released, calls

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Request the planned headcount for every future day."""
        day, n_days = observation.day, observation.n_days
        if day + 1 >= n_days:
            return None
        released, calls = self.estimates(observation)
        backlog_h = observation.backlog * self.rates.hours_per_open_task / self.clearance_days
        days = n_days - day - 1
        headcount, inbound = self.planner.headcount(
            np.full(days, released), np.full(days, calls), first_day=day + 1,
            extra_outbound_h=backlog_h)
        per_day = self.plan.intervals_per_day
        self._reserve[(day + 1) * per_day:] = inbound.ravel()
        current = int(observation.planned_headcount[-1])
        if abs(int(headcount[0]) - current) <= self.config.hysteresis * current:
            return None
        return {day + 1 + k: int(h) for k, h in enumerate(headcount.tolist())}

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Return the inbound agents from the latest review (updated at each review)."""
        return self._reserve
