"""The ``pool`` policy: a core team plus a flexible pool shared with other clients."""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.basics.units import HOUR_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import (
    Duration,
    NonNegative,
    PositiveDuration,
    StaffingCommon,
    staffing_config,
)
from sim.model.policy import CallIn, IntradayObservation, StaffingPolicy
from sim.staffing.planning import WorkRates
from sim.staffing.registry import register_policy


@staffing_config
class PoolStaffing(StaffingCommon):
    """A core team on the roster plus a flexible pool shared with other clients.

    Every ``check_every`` during opening hours, if the expected work queued
    per agent on duty exceeds ``call_in_threshold``, pool agents are called
    in: they arrive ``call_in_delay`` later and stay ``call_in_block`` (or
    until closing), billed only while called in, at ``pool_hourly_rate``
    (default: the agents' rate).
    """

    policy: Literal["pool"]
    core_headcount: int = Field(ge=0)
    pool_size: int = Field(ge=0)
    call_in_delay: Duration = 2 * 3600.0
    call_in_block: PositiveDuration = 4 * 3600.0
    call_in_threshold: Duration = 1800.0
    check_every: Annotated[Duration, Field(ge=60.0)] = 1800.0
    pool_hourly_rate: NonNegative | None = None

    @property
    def on_call_hourly_rate(self) -> float | None:
        """Hourly rate of a pool agent called in; None: the agents' rate."""
        return self.pool_hourly_rate

    def summary(self) -> str:
        """E.g. ``"pool staffing: 300 core + 200 on call"``."""
        return f"pool staffing: {self.core_headcount:,} core + {self.pool_size:,} on call"


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
    def from_config(cls, plan: Plan, config: PoolStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> PoolPolicy:
        """Build the policy with the work rates a planner knows."""
        return cls(config, WorkRates.from_plan(plan))

    @classmethod
    def expected_agents_per_day(cls, plan: Plan, config: PoolStaffing) -> np.ndarray:
        """Return the core team and the whole pool, every day (the pool counted in full)."""
        return np.full(plan.n_days, float(config.core_headcount + config.pool_size))

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
