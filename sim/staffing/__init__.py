"""Staffing policies: who decides the headcount, and when.

``fixed`` and ``schedule`` (:mod:`sim.staffing.simple`); ``reactive``,
``oracle``, ``forecast`` and ``pool`` (:mod:`sim.staffing.adaptive`). A policy
is built from the compiled plan by :func:`make_policy`; the engine asks it for
an initial plan, calls ``review`` daily if it is adaptive, and ``call_in``
intraday for a pool; a :class:`Roster` applies lead times and limits.
"""

from __future__ import annotations

import numpy as np

from sim.compile import Plan
from sim.scenario import (
    FixedStaffing,
    ForecastStaffing,
    OracleStaffing,
    PoolStaffing,
    ReactiveStaffing,
    Scenario,
    ScheduleStaffing,
)
from sim.staffing.adaptive import (
    ForecastPolicy,
    OraclePolicy,
    PoolPolicy,
    ReactivePolicy,
    WorkRates,
)
from sim.staffing.base import (
    IntradayObservation,
    Observation,
    PeekingError,
    Roster,
    StaffingPolicy,
)
from sim.staffing.simple import FixedPolicy, SchedulePolicy

__all__ = [
    "IntradayObservation",
    "Observation",
    "PeekingError",
    "PoolPolicy",
    "Roster",
    "StaffingPolicy",
    "make_policy",
    "make_roster",
    "oracle_variant",
]


def make_policy(plan: Plan, rng: np.random.Generator | None = None) -> StaffingPolicy:
    """The policy object described by ``plan.scenario.staffing``.

    Parameters
    ----------
    plan
        The compiled scenario.
    rng
        Generator for a policy's own randomness (the ``forecast`` error).
    """
    scenario = plan.scenario
    staffing = scenario.staffing
    if isinstance(staffing, FixedStaffing):
        return FixedPolicy(staffing.headcount)
    if isinstance(staffing, ScheduleStaffing):
        return SchedulePolicy(
            scenario.calendar.start, [(row.date, row.headcount) for row in staffing.schedule]
        )
    if isinstance(staffing, ReactiveStaffing):
        return ReactivePolicy(plan, staffing)
    if isinstance(staffing, OracleStaffing):
        return OraclePolicy(plan, staffing)
    if isinstance(staffing, ForecastStaffing):
        return ForecastPolicy(plan, staffing, rng or np.random.default_rng(0))
    assert isinstance(staffing, PoolStaffing)
    return PoolPolicy(staffing, WorkRates.from_plan(plan))


def make_roster(scenario: Scenario, policy: StaffingPolicy) -> Roster:
    """A roster with the policy's initial plan and the scenario's scaling limits."""
    staffing = scenario.staffing
    return Roster(
        policy.initial_plan(scenario.calendar.days),
        scale_up_lead_time_s=staffing.scale_up_lead_time,
        scale_down_notice_s=staffing.scale_down_notice,
        min_headcount=staffing.min_headcount,
        max_headcount=staffing.max_headcount,
        max_daily_change=staffing.max_daily_change,
    )


def oracle_variant(scenario: Scenario, target_occupancy: float | None = None,
                   inbound_target_sl: float | None = None) -> Scenario:
    """The same scenario staffed by the ``oracle`` policy for the same service target.

    The service target is taken from the scenario's own policy where it has
    one (``target_occupancy``, ``inbound_target_sl``), else the arguments, else
    the oracle's defaults. Used for idle attribution.
    """
    staffing = scenario.staffing
    changes: dict = {"policy": "oracle"}
    for name, given in (("target_occupancy", target_occupancy),
                        ("inbound_target_sl", inbound_target_sl)):
        value = given if given is not None else getattr(staffing, name, None)
        if value is not None:
            changes[name] = value
    for name in ("min_headcount", "max_headcount"):
        changes[name] = getattr(staffing, name)
    for name in ("inbound_model", "inbound_method"):
        if hasattr(staffing, name):
            changes[name] = getattr(staffing, name)
    return scenario.with_changes({"staffing": changes, "name": f"{scenario.name} (oracle)"})
