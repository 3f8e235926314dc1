"""The ``forecast`` policy: the oracle's method on a noisy forecast, reviewed daily."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Duration, NonNegative, Problem, compact_duration, staffing_config
from sim.model.policy import Observation, StaffingPolicy
from sim.staffing.planning import ServicePlanner, ServiceTarget, initial_above_limit
from sim.staffing.registry import register_policy
from sim.staffing.workload import expected_released_per_day


@staffing_config
class ForecastStaffing(ServiceTarget):
    """The oracle's method on a noisy forecast.

    At each review, the expected demand of the days from the first changeable
    day to ``horizon`` ahead, times a lognormal error with coefficient of
    variation ``forecast_error_cv`` (one error per review), subject to lead
    times and limits.
    """

    policy: Literal["forecast"]
    initial_headcount: int = Field(ge=0)
    forecast_error_cv: NonNegative = 0.2
    horizon: Duration = 14 * DAY_S

    def notes(self, scenario: Any) -> Iterator[Problem]:
        """Warn of an initial headcount above ``max_headcount`` (it is not clipped)."""
        yield from initial_above_limit(self.initial_headcount, self.max_headcount)

    def summary(self) -> str:
        """E.g. ``"forecast staffing from 250 agents (14 d horizon)"``."""
        return (f"forecast staffing from {self.initial_headcount:,} agents "
                f"({compact_duration(self.horizon)} horizon)")


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
    def from_config(cls, plan: Plan, config: ForecastStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> ForecastPolicy:
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
