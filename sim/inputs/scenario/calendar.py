"""The ``calendar`` section: the simulated dates and the opening hours."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from sim.basics.units import format_clock, parse_clock
from sim.inputs.scenario.base import WEEKDAYS, Model


def _parse_hours(value: Any) -> tuple[float, float] | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "closed"):
        return None
    if isinstance(value, list | tuple) and len(value) == 2:
        return (parse_clock(value[0]), parse_clock(value[1]))
    if not isinstance(value, str) or "-" not in value:
        raise ValueError(f"{value!r} is not opening hours; use '08:00-20:00' or 'closed'")
    start, end = value.split("-", 1)
    open_s, close_s = parse_clock(start.strip()), parse_clock(end.strip())
    if close_s <= open_s:
        raise ValueError(f"'{value}': closing time must be after opening time (same day)")
    return (open_s, close_s)


def _format_hours(value: tuple[float, float] | None) -> str:
    return "closed" if value is None else f"{format_clock(value[0])}-{format_clock(value[1])}"


Hours = Annotated[
    tuple[float, float] | None,
    BeforeValidator(_parse_hours),
    PlainSerializer(_format_hours, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "'HH:MM-HH:MM' or 'closed'",
            "examples": ["08:00-20:00", "closed"],
        }
    ),
]


class OpeningHours(Model):
    """Opening hours per weekday; ``default`` applies to days not named."""

    default: Hours = (8 * 3600.0, 20 * 3600.0)
    mon: Hours | Literal["default"] = "default"
    tue: Hours | Literal["default"] = "default"
    wed: Hours | Literal["default"] = "default"
    thu: Hours | Literal["default"] = "default"
    fri: Hours | Literal["default"] = "default"
    sat: Hours | Literal["default"] = "default"
    sun: Hours | Literal["default"] = "default"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"default": data}
        return data

    def for_weekday(self, weekday: int) -> tuple[float, float] | None:
        """Return (open_s, close_s) after midnight on ``weekday`` (0 = Monday), or None."""
        value = getattr(self, WEEKDAYS[weekday])
        return self.default if value == "default" else value


class Calendar(Model):
    """The simulated period: ``start`` date, number of ``days``, opening hours."""

    start: dt.date
    days: int = Field(ge=1, le=3660)
    opening_hours: OpeningHours = OpeningHours()

    @property
    def dates(self) -> list[dt.date]:
        """The simulated dates, in order."""
        return [self.start + dt.timedelta(days=d) for d in range(self.days)]

    def day_of(self, date: dt.date) -> int:
        """Day index (0-based) of a date relative to ``start``."""
        return (date - self.start).days


