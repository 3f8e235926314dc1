"""The cost model (DESIGN section 3, Money): every amount of money is priced here.

Two kinds of money:

*Billed* money, what the client pays under the scenario's ``costs.billing``
basis (:func:`cost_breakdown`): ``agent_cost``, ``supervisor_cost``,
``seat_cost``, ``hiring_cost``, ``fee_cost`` and their sum ``total_cost``.

*Valued* hours, agent hours put at the rostered agent rate
(:func:`agent_hours_value`), whatever the billing basis, to show what a part of
the paid time is worth: ``idle_cost`` (idle hours), ``onboarding_cost``
(onboarding hours) and, in :mod:`sim.compare`, ``avoidable_idle_cost``
(avoidable idle hours). These are parts of the paid time, not extra money: with
``capacity`` billing they are already in ``agent_cost``.

:func:`price` gives both for the hours and counts of any period (an interval, a
day, a whole run); every function here is linear in the hours and counts, so the
money of the days adds up to the run's.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.scenario import Costs, Scenario

COST_PARTS = ("agent_cost", "supervisor_cost", "seat_cost", "hiring_cost", "fee_cost")

#: Money reported by :func:`price`, in order.
PRICED = (*COST_PARTS, "total_cost", "idle_cost", "onboarding_cost")


def pool_rate(scenario: Scenario) -> float:
    """Hourly rate of an on-call (pool) agent hour.

    Parameters
    ----------
    scenario
        A staffing section with a ``pool_hourly_rate`` (the ``pool`` policy)
        sets the rate; without one, or when it is None, the agents' rate.

    Returns
    -------
    float
        The rate per hour.
    """
    rate = getattr(scenario.staffing, "pool_hourly_rate", None)
    return scenario.costs.agent_rate if rate is None else float(rate)


def agent_hours_value(scenario: Scenario, hours: ArrayLike) -> np.ndarray:
    """Agent hours valued at the rostered agent rate (``costs.agent_rate``).

    Used for ``idle_cost``, ``onboarding_cost`` and ``avoidable_idle_cost``:
    the worth of a part of the paid time, whatever the billing basis.

    Parameters
    ----------
    scenario
        Its ``costs`` section.
    hours
        Agent hours (scalar or array).

    Returns
    -------
    numpy.ndarray
        Money, same shape as ``hours``.
    """
    return np.asarray(hours, dtype=float) * scenario.costs.agent_rate


def cost_breakdown(
    scenario: Scenario,
    paid_hours: ArrayLike,
    pool_paid_hours: ArrayLike,
    busy_hours: ArrayLike,
    present_agent_days: ArrayLike,
    hires: ArrayLike,
    handled_calls: ArrayLike,
    index_reached: ArrayLike,
) -> dict[str, np.ndarray]:
    """Billed money by part for the scenario's billing basis (scalars or arrays).

    Parameters
    ----------
    scenario
        Its ``costs`` section and, for a pool, the pool's rate.
    paid_hours
        All paid agent-hours (on-call agents included).
    pool_paid_hours
        The part of ``paid_hours`` worked by called-in (on-call) agents.
    busy_hours
        Talk + wrap-up + failed-attempt hours.
    present_agent_days
        Rostered agents present, summed over the days concerned.
    hires
        Agents added to the roster.
    handled_calls
        Conversations (inbound answered + outbound reached, callbacks included).
    index_reached
        Index cases reached.

    Returns
    -------
    dict
        ``agent_cost``, ``supervisor_cost``, ``seat_cost``, ``hiring_cost``,
        ``fee_cost`` and ``total_cost``. With ``capacity`` billing agent hours
        are the paid hours (roster at the agent rate, on-call agents at
        :func:`pool_rate`); with ``productive``, the busy hours at the agent
        rate; supervisors are the billed hours / ratio at their rate.
        ``per_call`` and ``per_case`` bill only the fee.
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
    parts["total_cost"] = sum((parts[name] for name in COST_PARTS), zero)
    return parts


def price(
    scenario: Scenario,
    *,
    paid_hours: ArrayLike,
    pool_paid_hours: ArrayLike,
    busy_hours: ArrayLike,
    idle_hours: ArrayLike,
    onboarding_hours: ArrayLike,
    agent_days_paid: ArrayLike,
    hires: ArrayLike,
    handled_calls: ArrayLike,
    index_reached: ArrayLike,
) -> dict[str, np.ndarray]:
    """All the money of a period: the billed parts and the valued hours.

    Parameters
    ----------
    scenario
        The scenario (its ``costs`` and staffing sections).
    paid_hours, pool_paid_hours, busy_hours, agent_days_paid, hires, handled_calls, index_reached
        As in :func:`cost_breakdown` (``agent_days_paid`` is its
        ``present_agent_days``).
    idle_hours, onboarding_hours
        Valued by :func:`agent_hours_value`.

    Returns
    -------
    dict
        The names of :data:`PRICED`: :func:`cost_breakdown`'s parts and
        ``total_cost``, then ``idle_cost`` and ``onboarding_cost``.
    """
    money = cost_breakdown(scenario, paid_hours, pool_paid_hours, busy_hours, agent_days_paid,
                           hires, handled_calls, index_reached)
    money["idle_cost"] = agent_hours_value(scenario, idle_hours)
    money["onboarding_cost"] = agent_hours_value(scenario, onboarding_hours)
    return money
