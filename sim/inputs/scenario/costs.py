"""The ``costs`` section: rates, billing basis, and cost lines beyond the call centre."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from sim.inputs.scenario.base import Model, NonNegative, Positive


class Tier(Model):
    """A group of agents with its own hourly rate (e.g. onshore vs offshore)."""

    name: str
    share: Positive
    hourly_rate: NonNegative


def _parse_month(value: Any) -> str:
    """Check a calendar month written ``YYYY-MM`` (e.g. ``2020-09``)."""
    text = value.strip() if isinstance(value, str) else ""
    year, _, month = text.partition("-")
    if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()
            and 1 <= int(month) <= 12):
        raise ValueError("write a month as YYYY-MM, e.g. 2020-09 (for a day use 'from')")
    return text


Month = Annotated[
    str,
    BeforeValidator(_parse_month),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                    "description": "calendar month YYYY-MM", "examples": ["2020-09"]}),
]
"""A calendar month written ``YYYY-MM``."""


class CostLineRow(Model):
    """A cost line's value in force from ``from`` (a date) or from the first day of ``month``.

    It holds until the next row's start; before the first row the line costs 0.
    A ``per_fte`` line's rows give ``fte``, a ``fixed`` line's give ``amount``.
    """

    from_date: dt.date | None = Field(default=None, alias="from")
    month: Month | None = None
    fte: NonNegative | None = None
    amount: NonNegative | None = None

    @model_validator(mode="after")
    def _one_start(self) -> CostLineRow:
        if (self.from_date is None) == (self.month is None):
            raise ValueError("a schedule row starts either 'from' a date or at a 'month' "
                             "(YYYY-MM): give exactly one of them")
        return self

    @property
    def start(self) -> dt.date:
        """First day the row is in force."""
        if self.from_date is not None:
            return self.from_date
        assert self.month is not None
        return dt.date(int(self.month[:4]), int(self.month[5:]), 1)


class CostLine(Model):
    """A cost beyond the call centre (reported as ``other_cost``, by line).

    ``kind: fixed``: ``amount`` of money per calendar month. ``kind: per_fte``:
    ``rate`` of money per FTE per calendar month, times ``fte``. Instead of the
    constant ``amount`` or ``fte``, a ``schedule`` of :class:`CostLineRow`
    gives it by date. Each simulated day costs the monthly figure in force that
    day / the days of its calendar month, so a whole month costs exactly the
    monthly figure and a part of a month its share of the days (pro rata).
    """

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["fixed", "per_fte"]
    amount: NonNegative | None = None
    rate: NonNegative | None = None
    fte: NonNegative | None = None
    schedule: list[CostLineRow] | None = Field(default=None, min_length=1)

    @property
    def value_field(self) -> str:
        """The field holding the line's monthly quantity: ``amount`` or ``fte``."""
        return "amount" if self.kind == "fixed" else "fte"

    @model_validator(mode="after")
    def _check(self) -> CostLine:
        value = self.value_field
        other = "fte" if value == "amount" else "amount"
        if self.kind == "per_fte" and self.rate is None:
            raise ValueError("a per_fte line needs 'rate' (money per FTE per calendar month)")
        if self.kind == "fixed" and self.rate is not None:
            raise ValueError("a fixed line takes 'amount' (money per calendar month), not 'rate'")
        if getattr(self, other) is not None:
            raise ValueError(f"a {self.kind} line takes '{value}', not '{other}'")
        if (getattr(self, value) is None) == (self.schedule is None):
            raise ValueError(f"a {self.kind} line needs either '{value}' or a 'schedule' of "
                             f"rows with '{value}' (exactly one of them)")
        _check_line_schedule(self.schedule or [], value, other, self.kind)
        return self

    def values_from(self) -> list[tuple[dt.date | None, float]]:
        """Give the steps of the monthly quantity: ``(start, value)``, start None = always."""
        if self.schedule is None:
            return [(None, float(getattr(self, self.value_field)))]
        return [(row.start, float(getattr(row, self.value_field))) for row in self.schedule]


def _check_line_schedule(rows: list[CostLineRow], value: str, other: str, kind: str) -> None:
    """Each row gives the line's own quantity, and the rows start in increasing order."""
    for i, row in enumerate(rows):
        if getattr(row, value) is None or getattr(row, other) is not None:
            raise ValueError(f"schedule.{i}: a {kind} line's rows give '{value}' "
                             f"(and not '{other}')")
        if i and row.start <= rows[i - 1].start:
            raise ValueError(f"schedule.{i}: starts {row.start}, not after the previous row "
                             f"({rows[i - 1].start}); list the rows in date order")


class Costs(Model):
    """Money, in one ``currency`` (a label).

    ``billing`` decides what the client pays for:

    * ``capacity``: every scheduled paid agent hour (the Flemish contract);
    * ``productive``: busy hours only (talk, wrap-up, failed attempts);
    * ``per_call``: ``fee_per_call`` per handled call (conversation);
    * ``per_case``: ``fee_per_case`` per index case reached.

    For the hour-based modes, agent hours are billed at ``hourly_rate`` or, with
    ``tiers``, at the share-weighted rate of the tiers (agents are
    interchangeable, so each tier gets its share of the hours); pool agents at
    the pool's rate. Supervisor hours are the billed agent hours /
    ``supervisor_ratio`` at ``supervisor_rate``; ``seat_cost_per_day`` is paid
    per agent present per day; ``hiring_cost`` once per agent added to the
    roster after the first day. Onboarding hours are paid hours and billed as
    such (``onboarding_cost`` reports them apart). All of this is the
    ``call_centre_cost``; ``lines`` (:class:`CostLine`, names unique) are costs
    beyond it, the ``other_cost``.
    """

    currency: str = "EUR"
    hourly_rate: NonNegative = 0.0
    tiers: list[Tier] | None = None
    supervisor_ratio: Positive | None = None
    supervisor_rate: NonNegative = 0.0
    seat_cost_per_day: NonNegative = 0.0
    hiring_cost: NonNegative = 0.0
    billing: Literal["capacity", "productive", "per_call", "per_case"] = "capacity"
    fee_per_call: NonNegative = 0.0
    fee_per_case: NonNegative = 0.0
    lines: list[CostLine] = Field(default_factory=list)

    @field_validator("lines")
    @classmethod
    def _unique_names(cls, lines: list[CostLine]) -> list[CostLine]:
        names = [line.name for line in lines]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"cost line names must be unique; {', '.join(twice)} used twice")
        return lines

    @property
    def agent_rate(self) -> float:
        """Hourly rate of a rostered agent hour (tiers blended by share)."""
        if not self.tiers:
            return self.hourly_rate
        total = sum(t.share for t in self.tiers)
        return sum(t.share * t.hourly_rate for t in self.tiers) / total


