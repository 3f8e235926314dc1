"""The ``agents`` section: shift templates, breaks, absence, onboarding, contract hours."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.basics.units import DAY_S
from sim.inputs.scenario.base import WEEKDAYS, Clock, Duration, Model, Positive, Probability, Share


class Break(Model):
    """A paid break starting ``after`` the shift start, lasting ``length``."""

    after: Duration
    length: Duration


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Shift(Model):
    """A shift template: start time, length, share of the headcount, breaks.

    ``days``: the weekdays it runs (every day when absent), so weekday and
    weekend rosters can differ. ``name``: how a schedule CSV names its column
    (default ``shift1``, ``shift2``, ... in order).

    Shares are relative: on each day a template gets ``share / S`` of the
    day's headcount, where ``S`` is the largest sum of the shares of the
    templates running on one weekday. With every template running every day
    this is the plain split of the headcount; a weekend template of share 0.5
    beside a weekday template of share 1 rosters half the headcount at weekends.
    """

    start: Clock
    length: Duration
    share: Positive = 1.0
    breaks: list[Break] = Field(default_factory=list)
    days: list[Weekday] | None = Field(default=None, min_length=1)
    name: str | None = Field(default=None, min_length=1, max_length=60,
                             pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")

    @model_validator(mode="after")
    def _check(self) -> Shift:
        if self.length <= 0:
            raise ValueError("'length' must be positive")
        if self.length > DAY_S:
            raise ValueError("'length' must be at most 24h")
        for brk in self.breaks:
            if brk.after + brk.length > self.length:
                raise ValueError("a break must end within the shift")
        if self.days is not None and len(set(self.days)) != len(self.days):
            raise ValueError("'days' names a weekday twice")
        return self

    def runs_on(self, weekday: int) -> bool:
        """Whether the template runs on ``weekday`` (0 = Monday)."""
        return self.days is None or WEEKDAYS[weekday] in self.days


class Absenteeism(Model):
    """Rostered agents absent for a whole shift, each day at random.

    ``share``: probability that a rostered agent is absent on a day.
    ``paid``: whether an absent agent is billed (then counted as paid, not
    logged in) or not (neither paid nor present). A bare number is the share,
    unpaid.
    """

    share: Probability = 0.0
    paid: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"share": data}
        return data


class Agents(Model):
    """The workforce.

    Shift templates, ``absenteeism`` (:class:`Absenteeism`), onboarding hours
    (paid, unproductive) for new agents, ``not_logged_in_share`` (the share
    of rostered agent shifts that are paid but not logged in: each agent
    present on a day is, with this probability, not logged in for that whole
    shift; change it over time with ``changes``), and
    ``contract_hours_per_week``, the hours of one full-time equivalent (FTE),
    which turns FTE into rostered agents: agents per day x shift length x
    days on duty per week = FTE x contract hours.
    """

    shifts: list[Shift] = Field(min_length=1)
    absenteeism: Absenteeism = Absenteeism()
    onboarding: Duration = 0.0
    not_logged_in_share: Share = 0.0
    contract_hours_per_week: Annotated[float, Field(gt=0.0, le=168.0)] = 38.0

    @model_validator(mode="after")
    def _check(self) -> Agents:
        names = self.shift_names
        if len(set(names)) != len(names):
            raise ValueError(f"shift names must differ: {names}")
        days = [[s.runs_on(w) for s in self.shifts] for w in range(7)]
        if not any(any(day) for day in days):
            raise ValueError("no shift template runs on any weekday")
        return self

    @property
    def shift_names(self) -> list[str]:
        """The templates' names (``shift1``, ``shift2``, ... where not given)."""
        return [s.name or f"shift{i + 1}" for i, s in enumerate(self.shifts)]


