"""Non-adaptive policies: ``fixed`` staffing and a ``schedule`` by date.

Both take a headcount (agents rostered per day) or FTE, whole or fractional,
and turn it into whole agents per day with :func:`agents_per_day`.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.scenario import FixedStaffing, ScheduleStaffing
from sim.staffing.base import StaffingPolicy, register_policy
from sim.basics.units import HOUR_S

if TYPE_CHECKING:
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


@register_policy(FixedStaffing)
class FixedPolicy(StaffingPolicy):
    """The same staffing every day (fewer agents on days with fewer templates)."""

    def __init__(self, agents: np.ndarray) -> None:
        self.agents = np.asarray(agents, dtype=np.int64)

    @classmethod
    def from_config(cls, plan: Plan, config: FixedStaffing,
                    rng: np.random.Generator) -> FixedPolicy:
        """Build the policy from the scenario's ``headcount`` or ``fte``."""
        fte = config.fte is not None
        value = float(config.fte if fte else config.headcount)  # type: ignore[arg-type]
        return cls(agents_per_day(plan, np.full(plan.n_days, value), fte))

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the plan."""
        return self.agents[:n_days].copy()


@dataclass(frozen=True)
class ScheduleTable:
    """A schedule read from rows or a CSV file.

    ``dates`` in order; ``values`` headcount or FTE (``fte``); ``per_shift``
    whole agents per template and date (-1 where not given), or None.
    """

    dates: list[dt.date]
    values: np.ndarray
    fte: bool
    per_shift: np.ndarray | None


def schedule_table(plan: Plan, config: ScheduleStaffing) -> ScheduleTable:
    """Read a schedule's rows, or its CSV file (``path``).

    Raises
    ------
    ValueError
        When the file cannot be read or a row is malformed; the message names
        the file and row.
    """
    names = [t.name for t in plan.shifts]
    if config.schedule is not None:
        rows = sorted(config.schedule, key=lambda row: row.date)
        kinds = {row.fte is not None for row in rows}
        if len(kinds) > 1:
            raise ValueError("staffing.schedule: use either 'headcount' or 'fte' in every row")
        fte = kinds.pop()
        values = np.array([float(row.fte if fte else row.headcount)  # type: ignore[arg-type]
                           for row in rows])
        per_shift = None
        if any(row.shifts for row in rows):
            per_shift = np.array([[(row.shifts or {}).get(name, -1) for name in names]
                                  for row in rows], dtype=np.int64)
            unknown = {key for row in rows for key in (row.shifts or {})} - set(names)
            if unknown:
                raise ValueError(f"staffing.schedule: no shift template named "
                                 f"{sorted(unknown)}; templates: {names}")
        return ScheduleTable([row.date for row in rows], values, fte, per_shift)
    assert config.path is not None
    return read_schedule_csv(Path(config.path), names)


def read_schedule_csv(path: Path, names: list[str]) -> ScheduleTable:
    """Read a schedule CSV: ``date``, ``headcount`` or ``fte``, optional per-template columns."""
    where = f"staffing.path {path}"
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: cannot be read ({exc.__class__.__name__})") from None
    columns = set(rows[0]) if rows else set()
    if "date" not in columns or not ({"headcount", "fte"} & columns):
        raise ValueError(f"{where}: needs a 'date' column and a 'headcount' or 'fte' column")
    fte = "fte" in columns
    per_shift_columns = [name for name in names if name in columns]
    dates, values, per_shift = [], [], []
    for number, row in enumerate(rows, start=2):
        try:
            dates.append(dt.date.fromisoformat(row["date"].strip()))
            value = float(row["fte" if fte else "headcount"])
            if not np.isfinite(value) or value < 0:
                raise ValueError
            values.append(value)
            per_shift.append([int(row[name]) if name in per_shift_columns and row[name].strip()
                              else -1 for name in names])
        except (ValueError, AttributeError):
            raise ValueError(f"{where}, line {number}: expected an ISO date and a "
                             "non-negative number") from None
    if not dates:
        raise ValueError(f"{where}: no rows")
    order = np.argsort(np.array(dates, dtype="datetime64[D]"), kind="stable")
    return ScheduleTable([dates[i] for i in order], np.array(values)[order], fte,
                         np.array(per_shift, dtype=np.int64)[order] if per_shift_columns
                         else None)


@register_policy(ScheduleStaffing)
class SchedulePolicy(StaffingPolicy):
    """Staffing by date, e.g. to replay the headcount or FTE that was billed.

    A listed date sets the staffing from that date on; days before the first
    listed date take the first row's. Per-template agents, when a row gives
    them, replace the split of the day's headcount by the templates' shares.
    """

    def __init__(self, agents: np.ndarray, per_shift: np.ndarray | None = None) -> None:
        self.agents = np.asarray(agents, dtype=np.int64)
        self.per_shift = per_shift

    @classmethod
    def from_config(cls, plan: Plan, config: ScheduleStaffing,
                    rng: np.random.Generator) -> SchedulePolicy:
        """Build the policy from the scenario's schedule rows or CSV file."""
        table = schedule_table(plan, config)
        row_of_day = _row_of_day(plan.dates, table.dates)
        agents = agents_per_day(plan, table.values[row_of_day], table.fte)
        per_shift = None
        if table.per_shift is not None:
            per_shift = table.per_shift[row_of_day] * plan.template_on_day
            given = (table.per_shift[row_of_day] >= 0).all(axis=1)
            agents = np.where(given, per_shift.sum(axis=1), agents)
            per_shift = np.where(given[:, None], per_shift, -1)
        return cls(agents, per_shift)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Lay the schedule over the calendar."""
        return self.agents[:n_days].copy()

    def template_headcount(self, day: int, count: int) -> np.ndarray | None:
        """Agents per template on ``day`` when the schedule gives them for ``count``."""
        if self.per_shift is None or self.per_shift[day, 0] < 0:
            return None
        split = self.per_shift[day]
        return split if int(split.sum()) == count else None


def _row_of_day(dates: tuple[dt.date, ...], starts: list[dt.date]) -> np.ndarray:
    """Index of the schedule row in force on each date (the first row before it)."""
    keys = np.array(starts, dtype="datetime64[D]")
    days = np.array(dates, dtype="datetime64[D]")
    return np.maximum(np.searchsorted(keys, days, side="right") - 1, 0)
