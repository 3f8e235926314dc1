"""Monthly and weekly tables: the figures of calendar months and ISO weeks.

A period's figures are :func:`sim.analysis.metrics.figures` of the day sums
(:func:`sim.analysis.metrics.day_sums`) added up over the period's simulated days, the
same definition as every other table: a period's additive figures are the sum
of its days', a ratio is the ratio of the period's summed parts (never a mean
of daily ratios), and the money is priced in :mod:`sim.analysis.costs`. The months (or
weeks) of a replication add up to its run totals.

Months are calendar months (``month``: ``"2020-09"``), weeks ISO 8601 weeks,
Monday to Sunday (``week``: ``"2020-W37"``); ``days`` is the number of
simulated days in the period, fewer than the calendar's for the run's first and
last period. ``persons_called`` of a period is the sum of the daily counts of
distinct persons attempted: a person attempted on three days of a month counts
three times.

:func:`cost_lines_table` gives the cost lines (``costs.lines``) by month and
line; they do not depend on the replication.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.catalogue import CATALOGUE, columns_at
from sim.analysis.costs import line_days
from sim.analysis.metrics import Sums, day_sums, figures
from sim.inputs.compile import Plan
from sim.inputs.scenario import Scenario
from sim.model import RawRun

#: The figures of a period, in order (after ``scenario, replication`` and the period):
#: the catalogue's metrics of level ``period``.
PERIOD_FIGURES = columns_at("period")

#: Columns of the monthly table, in order.
MONTHLY_COLUMNS = ("scenario", "replication", "month", *PERIOD_FIGURES)

#: Columns of the weekly table, in order.
WEEKLY_COLUMNS = ("scenario", "replication", "week", *PERIOD_FIGURES)

#: Columns of the cost-lines table, in order.
COST_LINE_COLUMNS = ("scenario", "month", "line", "kind", "days", "fte_mean", "rate", "cost")

def month_labels(dates: Sequence[dt.date]) -> list[str]:
    """Label each date with its calendar month, ``"YYYY-MM"``."""
    return [f"{d.year:04d}-{d.month:02d}" for d in dates]


def week_labels(dates: Sequence[dt.date]) -> list[str]:
    """Label each date with its ISO 8601 week, ``"YYYY-Www"`` (e.g. ``"2020-W37"``)."""
    return [f"{d.isocalendar().year:04d}-W{d.isocalendar().week:02d}" for d in dates]


def group_sums(days: Sums, labels: Sequence[str]) -> tuple[list[str], dict[str, np.ndarray]]:
    """Add up per-day sums over the days sharing a label.

    Parameters
    ----------
    days
        Name to an array with one value per day.
    labels
        One label per day, labels that sort in time order (as
        :func:`month_labels` and :func:`week_labels` do).

    Returns
    -------
    tuple
        The labels, sorted, and name to an array with one sum per label.
    """
    order, codes = np.unique(np.asarray(labels, dtype=str), return_inverse=True)
    sums = {name: np.bincount(codes, weights=np.asarray(values, dtype=float),
                              minlength=order.size)
            for name, values in days.items()}
    return [str(label) for label in order], sums


def period_table(scenario: Scenario, days: Sums, labels: Sequence[str],
                 key: str) -> pd.DataFrame:
    """Figures of the periods given by ``labels`` (one table row per period).

    Parameters
    ----------
    scenario
        For the prices.
    days
        A replication's :func:`sim.analysis.metrics.day_sums`.
    labels
        The period of each day (:func:`month_labels`, :func:`week_labels`).
    key
        Name of the period column (``"month"``, ``"week"``).

    Returns
    -------
    pandas.DataFrame
        ``key`` and :data:`PERIOD_FIGURES` (counts as int64); without the
        ``scenario`` and ``replication`` columns.
    """
    periods, sums = group_sums(days, labels)
    values = figures(sums, scenario)
    columns: dict[str, object] = {key: periods}
    for name in PERIOD_FIGURES:
        column = np.asarray(values[name], dtype=float)
        columns[name] = np.rint(column).astype(np.int64) if CATALOGUE[name].whole else column
    return pd.DataFrame(columns)


def period_tables(plan: Plan, raw: RawRun, days: Sums | None = None) -> dict[str, pd.DataFrame]:
    """Compute the monthly and weekly tables of one replication.

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.
    days
        Its :func:`sim.analysis.metrics.day_sums` (computed when not given).

    Returns
    -------
    dict
        ``"monthly"`` and ``"weekly"``: :func:`period_table` by calendar month
        and by ISO week (without ``scenario`` and ``replication``).
    """
    if days is None:
        days = day_sums(plan, raw)
    return {"monthly": period_table(plan.scenario, days, month_labels(plan.dates), "month"),
            "weekly": period_table(plan.scenario, days, week_labels(plan.dates), "week")}


def cost_lines_table(scenario: Scenario, dates: Sequence[dt.date]) -> pd.DataFrame:
    """Tabulate the cost lines by calendar month (the same in every replication).

    Parameters
    ----------
    scenario
        Its name and ``costs.lines``.
    dates
        The simulated days' dates.

    Returns
    -------
    pandas.DataFrame
        One row per month and line, the columns of :data:`COST_LINE_COLUMNS`:
        ``days`` simulated in the month, ``fte_mean`` the line's FTE averaged
        over them and ``rate`` per FTE-month (both NaN for a fixed line),
        ``cost`` the line's money over them (:func:`sim.analysis.costs.line_costs`).
        Empty without cost lines.
    """
    daily = line_days(scenario, dates)
    daily.insert(0, "month", month_labels(list(daily["date"].dt.date)))
    table = daily.groupby(["month", "line"], sort=False).agg(
        kind=("kind", "first"), days=("date", "size"), fte_mean=("fte", "mean"),
        rate=("rate", "first"), cost=("cost", "sum")).reset_index()
    table.insert(0, "scenario", scenario.name)
    table["days"] = table["days"].astype(np.int64)
    return table.sort_values(["month"], kind="stable", ignore_index=True)[
        list(COST_LINE_COLUMNS)]
