"""What a run needs planned before its replications: the staffing of policies that simulate to plan.

Most policies plan from the scenario's numbers as the run goes. A policy
that needs simulations to plan (the least staffing, ``policy: optimal``) is
planned here, once per run, before any replication: the search runs its own
simulations and hands every replication the same plan
(:class:`~sim.staffing.table.StaffingTable`), which the policy then plays.
The engine never runs a search.

:data:`PLANNERS` maps such a policy's configuration class to its planner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.experiments.executor import Executor
from sim.experiments.least_staffing import LeastStaffingSearch, SearchResult
from sim.inputs.compile import Plan
from sim.inputs.scenario import StaffingCommon
from sim.staffing.optimal import OptimalStaffing


@dataclass(frozen=True)
class Planned:
    """A plan made before the run: what the policy is handed, and what to record of it.

    Attributes
    ----------
    for_policy
        Passed to the policy (``make_policy(..., planned=for_policy)``).
    info
        Facts of the planning for the results' ``run_info`` (iterations,
        convergence, replications simulated).
    search
        The least-staffing search's result, when that planned it.
    """

    for_policy: object
    info: dict[str, Any] = field(default_factory=dict)
    search: SearchResult | None = None


def search_facts(result: SearchResult, config: OptimalStaffing) -> dict[str, Any]:
    """Return what a results folder records of a least-staffing search (its cost included)."""
    return {"search_iterations": int(result.iterations),
            "search_converged": bool(result.converged),
            "search_isa_iterations": result.isa_iterations,
            "search_replications": int(result.iterations * config.search_replications),
            "search_events": int(result.events)}


def _least_staffing(plan: Plan, executor: Executor | None = None) -> Planned:
    result = LeastStaffingSearch(plan, executor=executor).run()
    config = plan.scenario.staffing
    assert isinstance(config, OptimalStaffing)
    return Planned(result.table, search_facts(result, config), result)


PLANNERS: dict[type[StaffingCommon], Callable[[Plan, Executor | None], Planned]] = {
    OptimalStaffing: _least_staffing,
}
"""Configuration class -> the experiment step that plans its policy before a run."""


def plan_staffing(plan: Plan, executor: Executor | None = None) -> Planned | None:
    """Plan the staffing of a run whose policy needs simulations to plan (else None).

    Parameters
    ----------
    plan
        The compiled scenario.
    executor
        Where the planning's simulations run, side by side (None: in this
        process); the plan does not depend on it.

    Returns
    -------
    Planned or None
    """
    planner = PLANNERS.get(type(plan.scenario.staffing))
    return planner(plan, executor) if planner is not None else None
