"""The cost model (DESIGN section 3, Money): every amount of money is priced here.

Two kinds of money:

*Billed* money, what the client pays. The call centre's, under the scenario's
``costs.billing`` basis (:func:`cost_breakdown`): ``agent_cost``,
``supervisor_cost``, ``seat_cost``, ``hiring_cost``, ``fee_cost`` and their sum
``call_centre_cost``. The cost lines beyond the call centre (``costs.lines``:
field agents, coordination, fixed monthly lines; :func:`line_costs`), whose sum
is ``other_cost``. And ``total_cost = call_centre_cost + other_cost``.

A cost line's monthly figure (a fixed ``amount``, or ``fte`` x ``rate`` per
FTE-month) is spread over the days of its calendar month: a day costs the
figure in force that day / the days of its month (:func:`month_share`). A whole
month therefore costs exactly its monthly figure, a part of a month (the run's
first or last, or a change of FTE mid-month) its share of the days.

*Valued* hours, agent hours put at the rostered agent rate
(:func:`agent_hours_value`), whatever the billing basis, to show what a part of
the paid time is worth: ``idle_cost`` (idle hours), ``onboarding_cost``
(onboarding hours) and, in :mod:`sim.experiments.compare`, ``avoidable_idle_cost``
(avoidable idle hours). These are parts of the paid time, not extra money: with
``capacity`` billing they are already in ``agent_cost``.

:func:`price` gives both for the hours and counts of any period (an interval, a
day, a whole run); every function here is linear in the hours and counts, so the
money of the days adds up to the run's (and the cost lines are priced by day).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.inputs.scenario import CostLine, Costs, Scenario

#: The parts of the call centre's billed money; their sum is ``call_centre_cost``.
COST_PARTS = ("agent_cost", "supervisor_cost", "seat_cost", "hiring_cost", "fee_cost")

#: Money reported by :func:`price`, in order.
PRICED = (*COST_PARTS, "call_centre_cost", "other_cost", "total_cost", "idle_cost",
          "onboarding_cost")

#: Columns of :func:`line_days`, in order.
LINE_DAY_COLUMNS = ("date", "line", "kind", "fte", "rate", "cost")


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
        ``fee_cost`` and their sum ``call_centre_cost``. With ``capacity``
        billing agent hours are the paid hours (roster at the agent rate,
        on-call agents at :func:`pool_rate`); with ``productive``, the busy
        hours at the agent rate; supervisors are the billed hours / ratio at
        their rate.
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
    parts["call_centre_cost"] = sum((parts[name] for name in COST_PARTS), zero)
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
    other_cost: ArrayLike = 0.0,
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
    other_cost
        The cost lines' money over the period: the sum over its days of
        :func:`other_cost_per_day`.

    Returns
    -------
    dict
        The names of :data:`PRICED`: :func:`cost_breakdown`'s parts and
        ``call_centre_cost``, ``other_cost``, ``total_cost`` (their sum), then
        ``idle_cost`` and ``onboarding_cost``.
    """
    money = cost_breakdown(scenario, paid_hours, pool_paid_hours, busy_hours, agent_days_paid,
                           hires, handled_calls, index_reached)
    centre = money["call_centre_cost"]
    money["other_cost"] = np.asarray(other_cost, dtype=float) + np.zeros_like(centre)
    money["total_cost"] = centre + money["other_cost"]
    money["idle_cost"] = agent_hours_value(scenario, idle_hours)
    money["onboarding_cost"] = agent_hours_value(scenario, onboarding_hours)
    return money


# --------------------------------------------------------------------------- cost lines


def month_share(dates: Sequence[dt.date]) -> np.ndarray:
    """Give the share of its calendar month that each day is: 1 / the days of its month.

    Parameters
    ----------
    dates
        Calendar dates.

    Returns
    -------
    numpy.ndarray
        One float per date (1/30 for a day of September).
    """
    return np.array([1.0 / calendar.monthrange(d.year, d.month)[1] for d in dates], dtype=float)


def line_quantity(line: CostLine, dates: Sequence[dt.date]) -> np.ndarray:
    """Give a cost line's monthly quantity in force on each date (``fte`` or ``amount``).

    Parameters
    ----------
    line
        The cost line: a constant, or a schedule of rows each in force from
        its start to the next row's (0 before the first row).
    dates
        Calendar dates.

    Returns
    -------
    numpy.ndarray
        FTE (``per_fte``) or money per month (``fixed``), one per date.
    """
    quantity = np.zeros(len(dates))
    ordinals = np.array([d.toordinal() for d in dates], dtype=np.int64)
    for start, value in line.values_from():
        quantity[ordinals >= (start.toordinal() if start is not None else 0)] = value
    return quantity


def line_cost(line: CostLine, dates: Sequence[dt.date]) -> np.ndarray:
    """Price a cost line per day: its monthly figure in force x :func:`month_share`.

    Parameters
    ----------
    line
        The cost line. Its monthly figure is ``amount`` (``fixed``) or ``fte``
        x ``rate`` (``per_fte``), as in force on the day
        (:func:`line_quantity`).
    dates
        Calendar dates.

    Returns
    -------
    numpy.ndarray
        Money per date; over a whole calendar month it adds up to the monthly
        figure.
    """
    monthly = line_quantity(line, dates)
    if line.kind == "per_fte":
        assert line.rate is not None
        monthly = monthly * line.rate
    return monthly * month_share(dates)


def line_costs(scenario: Scenario, dates: Sequence[dt.date]) -> dict[str, np.ndarray]:
    """Price every cost line of ``costs.lines`` per day (:func:`line_cost`).

    Parameters
    ----------
    scenario
        Its ``costs.lines``.
    dates
        The simulated days' dates.

    Returns
    -------
    dict
        Line name to money per date, in the order of ``costs.lines``.
    """
    return {line.name: line_cost(line, dates) for line in scenario.costs.lines}


def other_cost_per_day(scenario: Scenario, dates: Sequence[dt.date]) -> np.ndarray:
    """``other_cost`` per day: the sum of :func:`line_costs` (0 without lines)."""
    return sum(line_costs(scenario, dates).values(), np.zeros(len(dates)))


def line_days(scenario: Scenario, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Give the cost lines day by day, long format.

    Parameters
    ----------
    scenario
        Its ``costs.lines``.
    dates
        The simulated days' dates.

    Returns
    -------
    pandas.DataFrame
        One row per line and date, the columns of :data:`LINE_DAY_COLUMNS`:
        ``fte`` in force (NaN for a fixed line), ``rate`` per FTE-month (NaN
        for a fixed line), ``cost`` that day (:func:`line_costs`).
    """
    money = line_costs(scenario, dates)
    frames = []
    for line in scenario.costs.lines:
        per_fte = line.kind == "per_fte"
        frames.append(pd.DataFrame({
            "date": pd.to_datetime(list(dates)),
            "line": line.name,
            "kind": line.kind,
            "fte": line_quantity(line, dates) if per_fte else np.nan,
            "rate": float(line.rate) if per_fte and line.rate is not None else np.nan,
            "cost": money[line.name],
        }))
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in zip(
            LINE_DAY_COLUMNS, ("datetime64[ns]", str, str, float, float, float), strict=True)})
    return pd.concat(frames, ignore_index=True)[list(LINE_DAY_COLUMNS)]
