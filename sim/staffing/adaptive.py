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

from sim.inputs.compile import Plan
from sim.inputs.scenario import (
    ForecastStaffing,
    OracleStaffing,
    PoolStaffing,
    ReactiveStaffing,
    ServiceTarget,
)
from sim.staffing.base import (
    CallIn,
    IntradayObservation,
    Observation,
    StaffingPolicy,
    register_policy,
)
from sim.staffing.workload import (
    ErlangStaffing,
    attempts_and_reach,
    elapsed_share,
    expected_inbound_calls_per_day,
    expected_released_per_day,
    headcount_for_workload,
    inbound_agents_needed,
    inbound_handle_s,
    onboarding_lead_days,
    plan_across_days,
    release_minute_weights,
    shift_coverage,
    work_per_index_case_h,
    work_per_index_case_h_by_day,
)
from sim.basics.units import DAY_S, HOUR_S


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


class ServicePlanner:
    """The oracle's arithmetic for one plan and one service target.

    Outbound hours (expected work per index case, its contacts included) at
    ``target_occupancy`` plus inbound agents per interval by Erlang for
    ``inbound_target_sl``, turned into a rostered headcount per day. The
    Erlang results are memoised in the planner (:class:`ErlangStaffing`), so
    a policy that plans at every review keeps one planner for its life.

    Parameters
    ----------
    plan
        The compiled scenario (its parameters and calendar; not its demand).
    config
        The service target.
    """

    def __init__(self, plan: Plan, config: ServiceTarget) -> None:
        self.plan = plan
        self.config = config
        self.erlang = ErlangStaffing.for_scenario(plan.scenario, config.inbound_target_sl,
                                                  config.inbound_model)
        self.coverage = shift_coverage(plan)
        self.hours_per_index_case = work_per_index_case_h_by_day(plan)  # per day (changes)

    def headcount(self, released_per_day: np.ndarray, calls_per_day: np.ndarray | None = None,
                  first_day: int = 0,
                  extra_outbound_h: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Return the headcount per day and inbound agents per day and interval for a demand.

        Parameters
        ----------
        released_per_day
            Index cases released per day, for the days from ``first_day`` on.
        calls_per_day
            Inbound calls per day for the same days (default: from the releases
            with the scenario's calls per case and base rate).
        first_day
            Day index of the first entry.
        extra_outbound_h
            Outbound hours added to every day (a backlog to clear).

        Returns
        -------
        tuple of numpy.ndarray
            Headcount per day (clipped to the policy's min/max) and inbound
            agents per day and interval.
        """
        plan, config = self.plan, self.config
        sc = plan.scenario
        released = np.asarray(released_per_day, dtype=float)
        days = np.minimum(first_day + np.arange(released.size), plan.n_days - 1)
        outbound_h = released * self.hours_per_index_case[days] + extra_outbound_h
        calls = expected_inbound_calls_per_day(plan, released, first_day) \
            if calls_per_day is None else calls_per_day
        calls = np.asarray(calls, dtype=float)
        if sc.inbound.enabled and np.any(calls > 0):
            inbound = inbound_agents_needed(plan, calls, self.erlang, config.inbound_method,
                                            first_day)
        else:
            inbound = np.zeros((released.size, plan.intervals_per_day), dtype=np.int64)
        headcount = headcount_for_workload(plan, outbound_h, inbound, config.target_occupancy,
                                           self.coverage)
        return np.clip(headcount, config.min_headcount, config.max_headcount), inbound


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
    def from_config(cls, plan: Plan, config: ReactiveStaffing,
                    rng: np.random.Generator) -> ReactivePolicy:
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


@register_policy(OracleStaffing)
class OraclePolicy(StaffingPolicy):
    """Perfect foresight of the expected demand: planned once for the whole run.

    The day-by-day requirement is planned across days
    (:func:`~sim.staffing.workload.plan_across_days`): agents are hired
    ``agents.onboarding`` ahead of the day they are needed, and a hire stays
    at least ``min_stay``, so that no one is hired for a day only and a
    weekday pattern does not make every Monday's hires lose their first days
    to onboarding.
    """

    def __init__(self, plan: Plan, config: OracleStaffing) -> None:
        required, self.inbound_agents = ServicePlanner(plan, config).headcount(
            expected_released_per_day(plan))
        stay_days = max(1, int(round(config.min_stay / DAY_S)))
        self.plan_headcount = np.clip(
            plan_across_days(required, onboarding_lead_days(plan), stay_days),
            config.min_headcount, config.max_headcount)

    @classmethod
    def from_config(cls, plan: Plan, config: OracleStaffing,
                    rng: np.random.Generator) -> OraclePolicy:
        """Build the policy: its whole plan, from the expected demand."""
        return cls(plan, config)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the oracle's headcount for every day."""
        return self.plan_headcount.copy()

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Keep the inbound agents the Erlang staffing asked for, interval by interval."""
        return self.inbound_agents.ravel().copy()


@register_policy(ForecastStaffing)
class ForecastPolicy(StaffingPolicy):
    """The oracle's method on a noisy forecast, reviewed daily within a horizon."""

    adaptive = True

    def __init__(self, plan: Plan, config: ForecastStaffing, rng: np.random.Generator) -> None:
        self.plan = plan
        self.config = config
        self.rng = rng
        self.planner = ServicePlanner(plan, config)
        self.horizon_days = int(math.ceil(config.horizon / DAY_S))
        self._expected = expected_released_per_day(plan)
        self._reserve = np.zeros(plan.n_intervals, dtype=np.int64)

    @classmethod
    def from_config(cls, plan: Plan, config: ForecastStaffing,
                    rng: np.random.Generator) -> ForecastPolicy:
        """Build the policy; ``rng`` draws the forecast errors."""
        return cls(plan, config, rng)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the initial headcount, until the first reviews take effect."""
        return np.full(n_days, self.config.initial_headcount, dtype=np.int64)

    def review(self, observation: Observation) -> Mapping[int, int] | None:
        """Plan the days from tomorrow to the horizon on a forecast with one error."""
        cv = self.config.forecast_error_cv
        sigma = math.sqrt(math.log1p(cv * cv))
        error = float(self.rng.lognormal(-sigma * sigma / 2, sigma)) if cv > 0 else 1.0
        first = observation.day + 1
        last = min(observation.n_days, first + self.horizon_days)
        if first >= last:
            return None
        forecast = self._expected[first:last] * error
        headcount, inbound = self.planner.headcount(forecast, first_day=first)
        per_day = self.plan.intervals_per_day
        self._reserve[first * per_day:last * per_day] = inbound.ravel()
        return {first + k: int(h) for k, h in enumerate(headcount.tolist())}

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Return the inbound agents from the latest forecast (updated at each review)."""
        return self._reserve


@register_policy(PoolStaffing)
class PoolPolicy(StaffingPolicy):
    """A core team plus a flexible pool called in when queued work builds up.

    Every ``check_every`` of opening hours (:attr:`intraday_every_s`), if the
    expected work queued per agent on duty or on the way exceeds
    ``call_in_threshold``, enough pool agents (of :attr:`on_call_agents`) are
    called in to bring it back to the threshold; they arrive
    ``call_in_delay`` later and stay ``call_in_block`` or until closing.
    """

    def __init__(self, config: PoolStaffing, rates: WorkRates) -> None:
        self.config = config
        self.rates = rates
        self.intraday_every_s = config.check_every
        self.on_call_agents = config.pool_size

    @classmethod
    def from_config(cls, plan: Plan, config: PoolStaffing,
                    rng: np.random.Generator) -> PoolPolicy:
        """Build the policy with the work rates a planner knows."""
        return cls(config, WorkRates.from_plan(plan))

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the core team, every day."""
        return np.full(n_days, self.config.core_headcount, dtype=np.int64)

    def call_in(self, observation: IntradayObservation) -> int:
        """Return the pool agents to call in now (0 when the queue is under the threshold)."""
        queued_h = (observation.queued_outbound * self.rates.hours_per_open_task
                    + observation.queued_inbound * self.rates.inbound_hours_per_call)
        threshold_h = self.config.call_in_threshold / HOUR_S
        staff = observation.agents_on_duty + observation.pool_pending
        if staff > 0 and queued_h <= threshold_h * staff:
            return 0
        wanted = math.ceil(queued_h / max(threshold_h, 1e-9) - staff - 1e-9)
        return max(0, min(wanted, observation.pool_available))

    def intraday(self, observation: IntradayObservation) -> CallIn | None:
        """Call in pool agents from ``call_in_delay`` on, for a block or until closing."""
        count = self.call_in(observation)
        start_s = observation.now_s + self.config.call_in_delay
        end_s = min(start_s + self.config.call_in_block, observation.close_s)
        if count <= 0 or start_s >= end_s:
            return None
        return CallIn(count, start_s, end_s)
