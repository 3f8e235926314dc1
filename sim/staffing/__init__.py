"""Staffing policies: who decides the headcount, and when."""

from __future__ import annotations

from sim.scenario import FixedStaffing, Scenario, ScheduleStaffing
from sim.staffing.base import Observation, Roster, StaffingPolicy
from sim.staffing.simple import FixedPolicy, SchedulePolicy

__all__ = ["Observation", "Roster", "StaffingPolicy", "make_policy", "make_roster"]


def make_policy(scenario: Scenario) -> StaffingPolicy:
    """The policy object described by ``scenario.staffing``."""
    staffing = scenario.staffing
    if isinstance(staffing, FixedStaffing):
        return FixedPolicy(staffing.headcount)
    assert isinstance(staffing, ScheduleStaffing)
    return SchedulePolicy(
        scenario.calendar.start, [(row.date, row.headcount) for row in staffing.schedule]
    )


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
