"""The cost model (DESIGN section 3, Money).

One function, :func:`cost_breakdown`, turns hours and counts into money for
any billing basis; the daily table and the replication summary both call it,
so a day's costs add up to the run's.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Costs, PoolStaffing, Scenario

COST_PARTS = ("agent_cost", "supervisor_cost", "seat_cost", "hiring_cost", "fee_cost")


def pool_rate(scenario: Scenario) -> float:
    """Hourly rate of a pool agent (the pool's own rate, else the agents' rate)."""
    staffing = scenario.staffing
    if isinstance(staffing, PoolStaffing) and staffing.pool_hourly_rate is not None:
        return staffing.pool_hourly_rate
    return scenario.costs.agent_rate


def cost_breakdown(
    scenario: Scenario,
    paid_hours,
    pool_paid_hours,
    busy_hours,
    present_agent_days,
    hires,
    handled_calls,
    index_reached,
) -> dict[str, np.ndarray]:
    """Money by part for the scenario's billing basis (scalars or per-day arrays).

    Parameters
    ----------
    scenario
        Its ``costs`` section and, for a pool, the pool's rate.
    paid_hours
        All paid agent-hours (pool agents included).
    pool_paid_hours
        The part of ``paid_hours`` worked by called-in pool agents.
    busy_hours
        Talk + wrap-up + failed-attempt hours.
    present_agent_days
        Rostered agents present, summed over the days concerned.
    hires
        Agents added to the roster.
    handled_calls
        Conversations (outbound reached + inbound answered).
    index_reached
        Index cases reached.

    Returns
    -------
    dict
        ``agent_cost``, ``supervisor_cost``, ``seat_cost``, ``hiring_cost``,
        ``fee_cost`` and ``total_cost``. With ``capacity`` billing agent hours
        are the paid hours (roster at the agent rate, pool at the pool rate);
        with ``productive``, the busy hours at the agent rate; supervisors are
        the billed hours / ratio at their rate. ``per_call`` and ``per_case``
        bill only the fee.
    """
    costs: Costs = scenario.costs
    paid = np.asarray(paid_hours, dtype=float)
    pool = np.asarray(pool_paid_hours, dtype=float)
    zero = np.zeros_like(paid)
    parts = {name: zero for name in COST_PARTS}
    if costs.billing in ("capacity", "productive"):
        if costs.billing == "capacity":
            billed = paid
            agent = (paid - pool) * costs.agent_rate + pool * pool_rate(scenario)
        else:
            billed = np.asarray(busy_hours, dtype=float)
            agent = billed * costs.agent_rate
        parts["agent_cost"] = agent
        if costs.supervisor_ratio:
            parts["supervisor_cost"] = billed / costs.supervisor_ratio * costs.supervisor_rate
        parts["seat_cost"] = np.asarray(present_agent_days, dtype=float) * costs.seat_cost_per_day
        parts["hiring_cost"] = np.asarray(hires, dtype=float) * costs.hiring_cost
    elif costs.billing == "per_call":
        parts["fee_cost"] = np.asarray(handled_calls, dtype=float) * costs.fee_per_call
    else:
        parts["fee_cost"] = np.asarray(index_reached, dtype=float) * costs.fee_per_case
    parts = {name: value + zero for name, value in parts.items()}
    parts["total_cost"] = sum(parts[name] for name in COST_PARTS)
    return parts
