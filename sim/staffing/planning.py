"""What the planning policies share: a service target, the work rates a planner knows, the planner.

``reactive``, ``oracle`` and ``forecast`` staff for a :class:`ServiceTarget`
with the same arithmetic (:class:`ServicePlanner`: outbound workload hours at
a target occupancy plus inbound agents per interval by Erlang), on realised,
expected or forecast demand; ``pool`` calls agents in from the queued work
(:class:`WorkRates`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, Field

from sim.basics.units import DAY_S, HOUR_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Duration, Problem, StaffingCommon
from sim.staffing.workload import (
    ErlangStaffing,
    attempts_and_reach,
    expected_inbound_calls_per_day,
    headcount_for_workload,
    inbound_agents_needed,
    inbound_handle_s,
    shift_coverage,
    work_per_index_case_h,
    work_per_index_case_h_by_day,
)


def _at_least_a_day(value: float) -> float:
    if value < DAY_S:
        raise ValueError("must be at least 1d (no hiring for less than a day)")
    return value


MinStay = Annotated[Duration, AfterValidator(_at_least_a_day)]
"""How long an agent hired by a planning bound stays at least: a duration of at least 1d."""


class ServiceTarget(StaffingCommon):
    """The service target a planning policy staffs for.

    Outbound work at ``target_occupancy`` of productive time, inbound calls
    per interval for ``inbound_target_sl`` answered within
    ``inbound.answer_within`` (Erlang C or A; stationary SIPP, lagged SIPP or
    offered load).
    """

    target_occupancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.85
    inbound_target_sl: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    inbound_model: Literal["erlang_c", "erlang_a"] = "erlang_a"
    inbound_method: Literal["sipp", "lagged_sipp", "offered_load"] = "sipp"


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


def initial_above_limit(initial: int, limit: int) -> Iterator[Problem]:
    """Warn of an initial headcount above ``max_headcount`` (an initial plan is not clipped)."""
    if initial > limit:
        yield (("staffing", "initial_headcount"),
               "above max_headcount (the initial plan is not clipped)")
