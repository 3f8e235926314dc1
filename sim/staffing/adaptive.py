"""Adaptive staffing policies: ``reactive``, ``oracle``, ``forecast`` and ``pool``.

Each policy is built from numbers a planner knows (expected work per case,
productive hours per agent, shift coverage) and sees realised history only
through :class:`~sim.staffing.base.Observation`. The oracle alone is given the
expected demand curve of the whole run, which is what makes it the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.compile import Plan
from sim.scenario import ForecastStaffing, OracleStaffing, PoolStaffing, ReactiveStaffing
from sim.staffing.base import IntradayObservation, Observation, StaffingPolicy
from sim.staffing.workload import (
    attempts_and_reach,
    expected_released_per_day,
    headcount_for_workload,
    inbound_agents_needed,
    inbound_calls_per_day,
    inbound_handle_s,
    shift_coverage,
    work_per_index_case_h,
)
from sim.units import DAY_S, HOUR_S


@dataclass(frozen=True)
class WorkRates:
    """What a planner knows of the work (from the scenario's parameters)."""

    hours_per_index_case: float
    hours_per_open_task: float
    inbound_hours_per_call: float
    productive_hours_per_agent: float

    @classmethod
    def from_plan(cls, plan: Plan) -> WorkRates:
        """Derive the rates from a compiled scenario (parameters only, no demand)."""
        sc = plan.scenario
        tr = sc.tracing
        _, index_reached = attempts_and_reach(tr.index)
        tasks_per_case = 1.0 + index_reached * tr.index.contacts.mean * tr.contact.phone_share
        per_case_h = work_per_index_case_h(sc)
        return cls(
            hours_per_index_case=per_case_h,
            hours_per_open_task=per_case_h / tasks_per_case,
            inbound_hours_per_call=inbound_handle_s(sc) / HOUR_S,
            productive_hours_per_agent=shift_coverage(plan).productive_hours_per_agent,
        )


class ReactivePolicy(StaffingPolicy):
    """Trailing-window workload plus backlog clearance, at a target occupancy.

    See :class:`sim.scenario.ReactiveStaffing` for the rule.
    """

    adaptive = True

    def __init__(self, config: ReactiveStaffing, rates: WorkRates, n_days: int) -> None:
        self.config = config
        self.rates = rates
        self.window_days = int(round(config.window / DAY_S))
        self.clearance_days = config.backlog_clearance / DAY_S

    def initial_plan(self, n_days: int) -> np.ndarray:
        """The initial headcount until the first reviews take effect."""
        return np.full(n_days, self.config.initial_headcount, dtype=np.int64)

    def wanted(self, observation: Observation) -> int:
        """The headcount this observation calls for (before hysteresis and limits)."""
        day = observation.day
        first = max(0, day - self.window_days)
        complete = slice(first, day)  # today is incomplete at review time
        released = observation.released_per_day[complete]
        offered = observation.inbound_offered_per_day[complete]
        if released.size == 0:  # first day: use what has come in so far today
            released = observation.released_per_day[day:day + 1]
            offered = observation.inbound_offered_per_day[day:day + 1]
        rates = self.rates
        daily_h = (float(released.mean()) * rates.hours_per_index_case
                   + float(offered.mean()) * rates.inbound_hours_per_call)
        backlog_h = observation.backlog * rates.hours_per_open_task / self.clearance_days
        needed_h = daily_h / self.config.target_occupancy + backlog_h
        return math.ceil(needed_h / max(rates.productive_hours_per_agent, 1e-9) - 1e-9)

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Request the wanted headcount from the first day the change can take effect."""
        target = self.wanted(observation)
        current = int(observation.planned_headcount[-1])
        if abs(target - current) <= self.config.hysteresis * current:
            return None
        return {day: target for day in range(observation.day + 1, observation.n_days)}


def oracle_headcount(plan: Plan, config: OracleStaffing | ForecastStaffing,
                     released_per_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Headcount per day, and inbound agents per day and interval, for given
    expected index releases per day (the oracle's method)."""
    sc = plan.scenario
    outbound_h = released_per_day * work_per_index_case_h(sc)
    calls = inbound_calls_per_day(sc, released_per_day)
    if sc.inbound.enabled and np.any(calls > 0):
        inbound = inbound_agents_needed(plan, calls, config.inbound_target_sl,
                                        config.inbound_model, config.inbound_method)
    else:
        inbound = np.zeros((plan.n_days, plan.intervals_per_day), dtype=np.int64)
    headcount = headcount_for_workload(plan, outbound_h, inbound, config.target_occupancy)
    return np.clip(headcount, config.min_headcount, config.max_headcount), inbound


_ORACLE_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


class OraclePolicy(StaffingPolicy):
    """Perfect foresight of the expected demand: planned once for the whole run."""

    def __init__(self, plan: Plan, config: OracleStaffing) -> None:
        key = plan.scenario.hash()
        if key not in _ORACLE_CACHE:
            _ORACLE_CACHE[key] = oracle_headcount(plan, config, expected_released_per_day(plan))
        self.plan_headcount, self.inbound_agents = _ORACLE_CACHE[key]

    def initial_plan(self, n_days: int) -> np.ndarray:
        """The oracle's headcount for every day."""
        return self.plan_headcount.copy()

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Keep the inbound agents the Erlang staffing asked for, interval by interval."""
        return self.inbound_agents.ravel().copy()


class ForecastPolicy(StaffingPolicy):
    """The oracle's method on a noisy forecast, reviewed daily within a horizon."""

    adaptive = True

    def __init__(self, plan: Plan, config: ForecastStaffing, rng: np.random.Generator) -> None:
        self.plan = plan
        self.config = config
        self.rng = rng
        self.horizon_days = int(math.ceil(config.horizon / DAY_S))
        self._expected = expected_released_per_day(plan)
        self._reserve = np.zeros(plan.n_intervals, dtype=np.int64)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """The initial headcount until the first reviews take effect."""
        return np.full(n_days, self.config.initial_headcount, dtype=np.int64)

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Plan the days from tomorrow to the horizon on a forecast with one error."""
        cv = self.config.forecast_error_cv
        sigma = math.sqrt(math.log1p(cv * cv))
        error = float(self.rng.lognormal(-sigma * sigma / 2, sigma)) if cv > 0 else 1.0
        last = min(observation.n_days, observation.day + 1 + self.horizon_days)
        forecast = np.zeros(observation.n_days)
        forecast[observation.day + 1:last] = self._expected[observation.day + 1:last] * error
        headcount, inbound = oracle_headcount(self.plan, self.config, forecast)
        per_day = self.plan.intervals_per_day
        first = (observation.day + 1) * per_day
        self._reserve[first:last * per_day] = inbound.ravel()[first:last * per_day]
        return {day: int(headcount[day]) for day in range(observation.day + 1, last)}

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Inbound agents from the latest forecast (updated at each review)."""
        return self._reserve


class PoolPolicy(StaffingPolicy):
    """A core team plus a flexible pool called in when queued work builds up."""

    def __init__(self, config: PoolStaffing, rates: WorkRates) -> None:
        self.config = config
        self.rates = rates

    def initial_plan(self, n_days: int) -> np.ndarray:
        """The core team, every day."""
        return np.full(n_days, self.config.core_headcount, dtype=np.int64)

    def call_in(self, observation: IntradayObservation) -> int:
        """Pool agents to call in now (0 when the queue is under the threshold)."""
        queued_h = (observation.queued_outbound * self.rates.hours_per_open_task
                    + observation.queued_inbound * self.rates.inbound_hours_per_call)
        threshold_h = self.config.call_in_threshold / HOUR_S
        staff = observation.agents_on_duty + observation.pool_pending
        if staff > 0 and queued_h <= threshold_h * staff:
            return 0
        wanted = math.ceil(queued_h / max(threshold_h, 1e-9) - staff - 1e-9)
        return max(0, min(wanted, observation.pool_available))
