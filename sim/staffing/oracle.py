"""The ``oracle`` policy: perfect foresight of the expected demand, planned once for the run."""

from __future__ import annotations

from typing import Literal

import numpy as np

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import staffing_config
from sim.model.policy import StaffingPolicy
from sim.staffing.planning import MinStay, ServicePlanner, ServiceTarget
from sim.staffing.registry import register_policy
from sim.staffing.workload import expected_released_per_day, onboarding_lead_days, plan_across_days


@staffing_config
class OracleStaffing(ServiceTarget):
    """Perfect foresight of the expected demand curve.

    Outbound workload hours at ``target_occupancy`` plus inbound agents per
    interval for ``inbound_target_sl`` (Erlang C or A; SIPP, lagged SIPP or
    offered load). Planned once for the whole run, across days: an agent
    hired stays at least ``min_stay``, so no one is hired for one day. The
    fast analytic bound (``--bound analytic``); ``policy: optimal`` finds the
    least staffing by simulation. Not subject to lead times (it is a
    benchmark).
    """

    policy: Literal["oracle"]
    min_stay: MinStay = 7 * DAY_S

    def summary(self) -> str:
        """E.g. ``"oracle staffing (perfect foresight, 85 % occupancy target)"``."""
        return (f"oracle staffing (perfect foresight, {100 * self.target_occupancy:g} % "
                "occupancy target)")


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
    def from_config(cls, plan: Plan, config: OracleStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> OraclePolicy:
        """Build the policy: its whole plan, from the expected demand."""
        return cls(plan, config)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the oracle's headcount for every day."""
        return self.plan_headcount.copy()

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Keep the inbound agents the Erlang staffing asked for, interval by interval."""
        return self.inbound_agents.ravel().copy()
