"""Staffing policies: who decides the headcount, and when.

``fixed`` and ``schedule`` (:mod:`sim.staffing.simple`); ``reactive``,
``oracle``, ``forecast`` and ``pool`` (:mod:`sim.staffing.adaptive`);
``optimal``, the least staffing found by simulation (:mod:`sim.staffing.optimal`). Each
policy class is registered against its configuration class
(:func:`register_policy`); :func:`make_policy` builds the one the scenario
names. The engine asks it for an initial plan, calls ``review`` daily if it is
adaptive, and ``intraday`` every ``intraday_every_s`` of opening hours; a
:class:`Roster` applies lead times and limits.

Adding a policy: a configuration class in :mod:`sim.inputs.scenario.schema`
decorated with :func:`sim.inputs.scenario.staffing_config` (its ``policy`` tag joins
the scenario's ``staffing`` union), and a :class:`StaffingPolicy` subclass
with ``from_config`` decorated with :func:`register_policy`, in a module
imported here.
"""

from __future__ import annotations

import numpy as np

from sim.inputs.compile import Plan
from sim.inputs.scenario import Scenario
from sim.staffing.adaptive import (
    ForecastPolicy,
    OraclePolicy,
    PoolPolicy,
    ReactivePolicy,
    ServicePlanner,
    WorkRates,
)
from sim.staffing.base import (
    CallIn,
    IntradayObservation,
    Observation,
    PeekingError,
    Roster,
    StaffingPolicy,
    policy_class,
    register_policy,
    registered_policies,
)
from sim.staffing.optimal import (
    LeastStaffingSearch,
    OptimalPolicy,
    SearchResult,
    StaffingTable,
    optimal_variant,
    solve,
)
from sim.staffing.simple import FixedPolicy, SchedulePolicy

__all__ = [
    "CallIn",
    "FixedPolicy",
    "ForecastPolicy",
    "IntradayObservation",
    "LeastStaffingSearch",
    "Observation",
    "OptimalPolicy",
    "OraclePolicy",
    "PeekingError",
    "PoolPolicy",
    "ReactivePolicy",
    "Roster",
    "SchedulePolicy",
    "SearchResult",
    "ServicePlanner",
    "StaffingPolicy",
    "StaffingTable",
    "WorkRates",
    "make_policy",
    "make_roster",
    "optimal_variant",
    "oracle_variant",
    "policy_class",
    "register_policy",
    "registered_policies",
    "solve",
]


def make_policy(plan: Plan, rng: np.random.Generator | None = None) -> StaffingPolicy:
    """Build the policy object that ``plan.scenario.staffing`` describes.

    Parameters
    ----------
    plan
        The compiled scenario.
    rng
        Generator for a policy's own randomness (the ``forecast`` error);
        a generator seeded with 0 when None.

    Returns
    -------
    StaffingPolicy
        A fresh policy: it holds the state of one run.
    """
    staffing = plan.scenario.staffing
    return policy_class(staffing).from_config(plan, staffing, rng or np.random.default_rng(0))


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


def oracle_variant(scenario: Scenario, target_occupancy: float | None = None,
                   inbound_target_sl: float | None = None) -> Scenario:
    """Return the same scenario staffed by the ``oracle`` policy for the same service target.

    The service target is taken from the scenario's own policy where it has
    one (``target_occupancy``, ``inbound_target_sl``, ``inbound_model``,
    ``inbound_method``), else the arguments, else the oracle's defaults; the
    headcount limits are kept. Used for idle attribution.
    """
    staffing = scenario.staffing
    fields = type(staffing).model_fields
    changes: dict = {"policy": "oracle"}
    for name, given in (("target_occupancy", target_occupancy),
                        ("inbound_target_sl", inbound_target_sl)):
        value = given if given is not None else getattr(staffing, name, None)
        if value is not None:
            changes[name] = value
    for name in ("min_headcount", "max_headcount"):
        changes[name] = getattr(staffing, name)
    for name in ("inbound_model", "inbound_method"):
        if name in fields:
            changes[name] = getattr(staffing, name)
    return scenario.with_changes({"staffing": changes, "name": f"{scenario.name} (oracle)"})
