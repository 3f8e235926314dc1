"""The ``schedule`` policy: staffing by date, e.g. to replay the headcount or FTE that was billed.

The schedule is given as rows in the scenario or as a CSV file
(``staffing.path``: a ``date`` column, ``headcount`` or ``fte``, optionally one
column of agents per shift template); the file is read when the scenario is
checked (:meth:`ScheduleStaffing.problems`) and when the policy is built.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.inputs.compile import Plan
from sim.inputs.scenario import Model, Problem, Staff, StaffingCommon, one_of, staffing_config
from sim.model.policy import StaffingPolicy
from sim.staffing.headcount import agents_per_day
from sim.staffing.registry import register_policy


class ScheduleRow(Model):
    """Staffing from ``date`` on: ``headcount`` or ``fte``.

    ``shifts`` optionally gives whole agents per shift template by name for
    that date, instead of splitting the headcount by the templates' shares.
    """

    date: dt.date
    headcount: Staff | None = None
    fte: Staff | None = None
    shifts: dict[str, Annotated[int, Field(ge=0)]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_shifts(cls, data: Any) -> Any:
        if (isinstance(data, dict) and data.get("shifts") and "headcount" not in data
                and "fte" not in data and all(isinstance(v, int) for v in
                                               data["shifts"].values())):
            return {**data, "headcount": sum(data["shifts"].values())}
        return data

    @model_validator(mode="after")
    def _check(self) -> ScheduleRow:
        one_of(self, "headcount", "fte")
        return self


@staffing_config
class ScheduleStaffing(StaffingCommon):
    """Staffing by date (replaying history), from ``schedule`` rows or a CSV ``path``.

    A date not listed keeps the previous row's staffing; days before the first
    row take the first row's. The CSV has a ``date`` column (ISO dates) and a
    ``headcount`` or an ``fte`` column, optionally one column of agents per
    shift template, named as the templates (``agents.shifts[].name``). The
    schedule is executed as given.
    """

    policy: Literal["schedule"]
    schedule: list[ScheduleRow] | None = Field(default=None, min_length=1)
    path: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ScheduleStaffing:
        one_of(self, "schedule", "path")
        return self

    def problems(self, scenario: Any) -> Iterator[Problem]:
        """Rows distinct, in date order and covering the start; a CSV readable, templates real."""
        if self.schedule is not None:
            yield from _rows_in_order(self.schedule, scenario.calendar.start)
        if self.path is not None:
            try:
                read_schedule_csv(Path(self.path), scenario.agents.shift_names)
            except ValueError as exc:
                yield ("staffing", "path"), str(exc).removeprefix(f"staffing.path {self.path}: ")

    def notes(self, scenario: Any) -> Iterator[Problem]:
        """Warn of schedule rows dated after the last simulated day."""
        end = scenario.calendar.dates[-1]
        for i, row in enumerate(self.schedule or []):
            if row.date > end:
                yield (("staffing", "schedule", i, "date"),
                       f"{row.date} is after the last simulated day ({end})")

    def summary(self) -> str:
        """E.g. ``"scheduled staffing, 331–999 FTE"`` or ``"scheduled staffing from fte.csv"``."""
        if self.schedule is None:
            return f"scheduled staffing from {Path(str(self.path)).name}"
        ranges = []
        for unit in ("headcount", "fte"):
            values = [getattr(row, unit) for row in self.schedule
                      if getattr(row, unit) is not None]
            if values:
                low, high = min(values), max(values)
                span = f"{low:,g}" if low == high else f"{low:,g}–{high:,g}"
                ranges.append(span + (" agents" if unit == "headcount" else " FTE"))
        return "scheduled staffing, " + " and ".join(ranges)


def _rows_in_order(rows: list[ScheduleRow], start: dt.date) -> Iterator[Problem]:
    """Schedule dates distinct, in order, and covering the start."""
    seen: dict[dt.date, int] = {}
    for i, row in enumerate(rows):
        if row.date in seen:
            yield (("staffing", "schedule", i, "date"),
                   f"{row.date} is listed more than once (also row {seen[row.date]})")
        elif i and row.date < rows[i - 1].date:
            yield ("staffing", "schedule", i, "date"), "the schedule must be in date order"
        seen.setdefault(row.date, i)
    if min(row.date for row in rows) > start:
        yield (("staffing", "schedule", 0, "date"),
               f"the schedule starts after calendar.start ({start}): "
               "the days before it have no headcount")


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
    def from_config(cls, plan: Plan, config: ScheduleStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> SchedulePolicy:
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

    @classmethod
    def expected_agents_per_day(cls, plan: Plan, config: ScheduleStaffing) -> np.ndarray:
        """Return the schedule laid over the calendar: it is known before the run."""
        return cls.from_config(plan, config, np.random.default_rng(0)).agents.astype(float)

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
