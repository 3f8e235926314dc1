"""Headcount and FTE per day as whole agents: what ``fixed`` and ``schedule`` staffing roster.

:func:`agents_per_day` turns a headcount or an FTE figure in force per day into
whole agents rostered per day, rounding by largest remainder within each
calendar week.
"""

from __future__ import annotations

import numpy as np

from sim.basics.units import HOUR_S
from sim.inputs.compile import Plan


def weekly_paid_hours_per_headcount(plan: Plan) -> float:
    """Paid hours in a week per unit of (peak-day) headcount.

    The sum over the seven weekdays of each running template's share of the
    headcount times its length: with one 8 h template every day, 56 h.
    """
    shares = np.array([t.share for t in plan.shifts], dtype=float)
    lengths_h = np.array([t.length_s for t in plan.shifts], dtype=float) / HOUR_S
    weekly = np.array([[t.weekdays[w] for t in plan.shifts] for w in range(7)], dtype=float)
    peak = float((weekly * shares).sum(axis=1).max())
    return float((weekly * shares * lengths_h).sum() / peak)


def agents_per_day(plan: Plan, values: np.ndarray, fte: bool) -> np.ndarray:
    """Turn a headcount or FTE per day into whole agents rostered per day.

    An FTE figure becomes a (peak-day) headcount ``x`` by
    ``x * weekly_paid_hours_per_headcount = FTE * contract_hours_per_week``:
    agents x shift length x days on duty per week = FTE x contract hours. A
    day rosters ``x * staff_factor[day]`` agents (fewer on days with fewer
    templates). Fractions are rounded by largest remainder within each
    calendar week (Monday to Sunday), so each week's agent-days are its exact
    total rounded to a whole number: no drift over a long run.

    Parameters
    ----------
    plan
        The compiled scenario (templates, calendar, contract hours).
    values
        Headcount or FTE in force on each day, floats.
    fte
        Whether ``values`` are FTE.

    Returns
    -------
    numpy.ndarray
        int64 agents per day.
    """
    values = np.asarray(values, dtype=float)
    if fte:
        contract_h = plan.scenario.agents.contract_hours_per_week
        values = values * contract_h / weekly_paid_hours_per_headcount(plan)
    exact = values * plan.staff_factor
    weeks = np.array([date.isocalendar()[:2] for date in plan.dates]).reshape(-1, 2)
    out = np.floor(exact + 1e-9).astype(np.int64)
    keys = weeks[:, 0] * 100 + weeks[:, 1]
    for key in np.unique(keys):
        days = np.flatnonzero(keys == key)
        rest = int(np.floor(exact[days].sum() + 0.5 + 1e-9)) - int(out[days].sum())
        if rest > 0:
            order = np.argsort(-(exact[days] - out[days]), kind="stable")
            out[days[order[:rest]]] += 1
    return out
