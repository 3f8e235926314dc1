"""Scenario schema: the pydantic models of a scenario file.

Every section is a frozen :class:`Model` that refuses unknown keys. Durations
are stored in seconds (converted by :mod:`sim.units`), clock times in seconds
after midnight, dates as :class:`datetime.date`.

Staffing configurations are registered by their ``policy`` tag with
:func:`staffing_config`; the :data:`Staffing` tagged union is built from that
registry (:data:`STAFFING_CONFIGS`), in registration order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import typing
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar, Union

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.units import DAY_S, format_clock, format_duration, parse_clock, parse_duration

# --------------------------------------------------------------------------- types

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*([0-9.]+\s*[a-zA-Z]+|P.*)\s*$",
            "description": "duration with a unit: 30s, 12min, 1.5h, 3d, or ISO 8601 (PT12M)",
            "examples": ["20s", "12min", "1.5h", "3d"],
        }
    ),
]
"""A duration written with a unit, held in seconds."""

PositiveDuration = Annotated[Duration, Field(gt=0.0)]
"""A duration that must be longer than 0."""

Clock = Annotated[
    float,
    BeforeValidator(parse_clock),
    PlainSerializer(format_clock, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$",
            "description": "time of day HH:MM",
            "examples": ["08:00", "20:00"],
        }
    ),
]
"""A time of day written ``HH:MM``, held in seconds after midnight."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Model(BaseModel):
    """Base of every scenario section: unknown keys refused, instances frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


# --------------------------------------------------------------------------- distributions


class Dist(Model):
    """A random duration given by its mean and coefficient of variation.

    ``dist``: ``exponential`` (cv is 1), ``lognormal``, ``gamma``,
    ``deterministic`` (cv is 0) or ``empirical`` (``values`` with optional
    ``weights``, sampled with replacement). A bare duration such as ``3min`` is
    shorthand for a deterministic duration.
    """

    dist: Literal["exponential", "lognormal", "gamma", "deterministic", "empirical"] = (
        "lognormal"
    )
    mean: Duration | None = None
    cv: Annotated[float, Field(ge=0.0, le=10.0)] = 0.5
    values: list[Duration] | None = None
    weights: list[NonNegative] | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str | int | float) and not isinstance(data, bool):
            return {"dist": "deterministic", "mean": data}
        return data

    @model_validator(mode="after")
    def _check(self) -> Dist:
        if self.dist == "empirical":
            if not self.values:
                raise ValueError("an empirical distribution needs a non-empty 'values' list")
            if self.weights is not None:
                if len(self.weights) != len(self.values):
                    raise ValueError("'weights' must have as many entries as 'values'")
                if sum(self.weights) <= 0:
                    raise ValueError("'weights' must not all be zero")
        elif self.mean is None:
            raise ValueError(f"a {self.dist} distribution needs a 'mean' duration")
        return self

    @property
    def mean_s(self) -> float:
        """Mean of the distribution in seconds."""
        if self.dist == "empirical":
            assert self.values is not None
            weights = self.weights or [1.0] * len(self.values)
            return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)
        assert self.mean is not None
        return self.mean


class Count(Model):
    """A random count given by its mean.

    Poisson, or negative binomial when ``dispersion`` (k, variance = mean +
    mean^2 / k) is given.
    """

    mean: NonNegative
    dispersion: Positive | None = None


# --------------------------------------------------------------------------- calendar


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


# --------------------------------------------------------------------------- epidemic


class Wave(Model):
    """A smooth pulse of cases: peak date, peak cases/day, rise and fall widths."""

    peak_date: dt.date
    peak_per_day: Positive
    rise: PositiveDuration
    fall: PositiveDuration


class WavesEpidemic(Model):
    """Expected cases/day as a baseline plus a sum of pulses."""

    model: Literal["waves"]
    baseline_per_day: NonNegative = 0.0
    shape: Literal["logistic", "gaussian"] = "logistic"
    waves: list[Wave] = Field(default_factory=list)


class RStep(Model):
    """The reproduction number ``r`` in force from date ``from``."""

    from_date: dt.date = Field(alias="from")
    r: Annotated[float, Field(ge=0.0, le=100.0)]


class SeirEpidemic(Model):
    """SEIR with a piecewise-constant reproduction number.

    Confirmed cases = ascertainment x new infectious per day.
    """

    model: Literal["seir"]
    population: Annotated[float, Field(ge=1.0)]
    initial_exposed: NonNegative = 0.0
    initial_infectious: NonNegative
    initial_recovered: NonNegative = 0.0
    r: list[RStep] = Field(min_length=1)
    incubation: Duration
    infectious_period: Duration
    ascertainment: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0

    @model_validator(mode="after")
    def _check(self) -> SeirEpidemic:
        dates = [step.from_date for step in self.r]
        if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
            raise ValueError("'r' steps must be in strictly increasing date order")
        if self.incubation < 3600 or self.infectious_period < 3600:
            raise ValueError("'incubation' and 'infectious_period' must be at least 1h")
        seeded = self.initial_exposed + self.initial_infectious + self.initial_recovered
        if seeded > self.population:
            raise ValueError("initial compartments exceed the population")
        return self


class CsvEpidemic(Model):
    """Observed daily cases read from a CSV file (path relative to the scenario file)."""

    model: Literal["csv"]
    path: str
    date_column: str = "date"
    cases_column: str = "cases"
    filter: dict[str, str] | None = None
    scale: Positive = 1.0
    drop_missing_dates: bool = False
    fill_missing: NonNegative | None = None


Epidemic = Annotated[WavesEpidemic | SeirEpidemic | CsvEpidemic, Field(discriminator="model")]


# --------------------------------------------------------------------------- reporting


class ReleaseSlot(Model):
    """Cases released to the centre from ``at`` spread over ``width``.

    ``width`` 0 is one batch at that instant; ``share`` of the day's cases.
    """

    at: Clock
    width: Duration = 0.0
    share: Positive = 1.0

    @model_validator(mode="after")
    def _inside_day(self) -> ReleaseSlot:
        if self.at + self.width > DAY_S:
            raise ValueError("a release slot must end by 24:00")
        return self


class Reporting(Model):
    """How expected cases become case records released to the centre."""

    noise: Literal["none", "poisson", "gamma_poisson"] = "poisson"
    dispersion: Positive | None = None
    share_traced: Share = 1.0
    release: list[ReleaseSlot] = Field(
        default_factory=lambda: [
            ReleaseSlot.model_validate({"at": "08:00", "width": "12h", "share": 1.0})
        ],
        min_length=1,
    )

    @model_validator(mode="after")
    def _check(self) -> Reporting:
        if self.noise == "gamma_poisson" and self.dispersion is None:
            raise ValueError("noise 'gamma_poisson' needs a 'dispersion'")
        return self


# --------------------------------------------------------------------------- tracing


class OutboundTask(Model):
    """Common fields of an outbound tracing call (index case or contact)."""

    reach_probability: Probability
    max_attempts: int = Field(ge=1, le=100)
    retry_after: Duration
    failed_attempt_time: Dist
    handle_time: Dist
    wrap_up: Dist = Dist.model_validate({"dist": "deterministic", "mean": "0s"})
    within: Duration = 86400.0
    priority: int = 0


class IndexTask(OutboundTask):
    """An index case: reached, interviewed, yields ``contacts``."""

    contacts: Count = Count(mean=0.0)
    priority: int = 0


class ContactTask(OutboundTask):
    """A contact named by an index case; ``phone_share`` have a phone number."""

    phone_share: Share = 1.0
    priority: int = 1


class Tracing(Model):
    """Outbound work.

    ``give_up_after``: a task this long past its release or creation is
    dropped (``expired``); by default tasks are worked however late.
    """

    index: IndexTask
    contact: ContactTask
    give_up_after: Duration | None = None


# --------------------------------------------------------------------------- inbound


class Callback(Model):
    """Callback requests ("virtual hold"), off by default.

    A caller still waiting ``offer_after`` after arriving is offered a
    callback and accepts with ``accept_probability``: the caller hangs up
    (not an abandonment) and becomes an outbound task of kind ``callback``,
    due ``within`` of the acceptance, served by ``priority`` (lower first,
    as ``tracing.index.priority``). Each attempt reaches the caller with
    ``reach_probability``; a failed attempt takes ``failed_attempt_time`` and
    is retried ``retry_after`` later, at most ``max_attempts`` attempts. A
    reached callback is a conversation with the inbound ``handle_time`` and
    ``wrap_up``.
    """

    enabled: bool = False
    offer_after: Duration = 60.0
    accept_probability: Probability = 0.5
    reach_probability: Probability = 0.9
    max_attempts: int = Field(default=3, ge=1, le=100)
    retry_after: PositiveDuration = 15 * 60.0
    within: PositiveDuration = 2 * 3600.0
    priority: int = 0
    failed_attempt_time: Dist = Dist.model_validate({"dist": "deterministic", "mean": "30s"})


class Inbound(Model):
    """The inbound hotline.

    Calls per released case plus a base rate per day, spread over the day by
    an hourly ``profile`` (24 weights; only the open hours count).
    ``reserve_agents``: agents kept for inbound calls (idle or on an inbound
    call); outbound work is started only above this number (threshold
    blending; 0 = inbound simply goes first). ``callback``: callers waiting
    long are offered a callback (:class:`Callback`).
    """

    enabled: bool = True
    calls_per_case: NonNegative = 0.0
    base_per_day: NonNegative = 0.0
    profile: list[NonNegative] | None = None
    handle_time: Dist = Dist.model_validate({"dist": "lognormal", "mean": "5min", "cv": 0.6})
    wrap_up: Dist = Dist.model_validate({"dist": "deterministic", "mean": "0s"})
    patience: Dist = Dist.model_validate({"dist": "exponential", "mean": "5min"})
    redial_probability: Annotated[float, Field(ge=0.0, le=0.99)] = 0.0
    redial_after: Dist = Dist.model_validate({"dist": "exponential", "mean": "10min"})
    answer_within: Duration = 20.0
    reserve_agents: int = Field(default=0, ge=0)
    callback: Callback = Callback()

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 24 or sum(value) <= 0):
            raise ValueError("'profile' needs 24 hourly weights, not all zero")
        return value


# --------------------------------------------------------------------------- agents


class Break(Model):
    """A paid break starting ``after`` the shift start, lasting ``length``."""

    after: Duration
    length: Duration


class Shift(Model):
    """A shift template: start time, length, share of the headcount, breaks."""

    start: Clock
    length: Duration
    share: Positive = 1.0
    breaks: list[Break] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Shift:
        if self.length <= 0:
            raise ValueError("'length' must be positive")
        if self.length > DAY_S:
            raise ValueError("'length' must be at most 24h")
        for brk in self.breaks:
            if brk.after + brk.length > self.length:
                raise ValueError("a break must end within the shift")
        return self


class Agents(Model):
    """The workforce.

    Shift templates, absenteeism (absent agents are not paid) and onboarding
    hours (paid, unproductive) for new agents.
    """

    shifts: list[Shift] = Field(min_length=1)
    absenteeism: Probability = 0.0
    onboarding: Duration = 0.0


# --------------------------------------------------------------------------- staffing


class StaffingCommon(Model):
    """Limits and lead times that apply to every staffing policy.

    A concrete staffing configuration subclasses this, adds a ``policy:
    Literal["..."]`` tag and is registered with :func:`staffing_config`.
    """

    if TYPE_CHECKING:  # every registered subclass has its literal tag
        policy: str

    review_time: Clock = 18 * 3600.0
    scale_up_lead_time: Duration = 0.0
    scale_down_notice: Duration = 0.0
    min_headcount: int = Field(default=0, ge=0)
    max_headcount: int = Field(default=1_000_000, ge=0)
    max_daily_change: int | None = Field(default=None, ge=0)

    @property
    def on_call_hourly_rate(self) -> float | None:
        """Hourly rate of agents called in outside the roster; None: the agents' rate."""
        return None


_STAFFING_CONFIGS: dict[str, type[StaffingCommon]] = {}
STAFFING_CONFIGS: Mapping[str, type[StaffingCommon]] = MappingProxyType(_STAFFING_CONFIGS)
"""Staffing configuration classes by their ``policy`` tag, in registration order."""

_Config = TypeVar("_Config", bound=StaffingCommon)


def discriminator_tag(model: type[BaseModel], field: str) -> str:
    """Return the tag of a model in a tagged union: its ``Literal`` field's value.

    Parameters
    ----------
    model
        A model class with a one-value ``Literal`` field.
    field
        The discriminator field (``policy``, ``model``).

    Returns
    -------
    str
    """
    values = typing.get_args(model.model_fields[field].annotation)
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{model.__name__}.{field} must be a Literal of one string")
    return values[0]


def staffing_config(cls: type[_Config]) -> type[_Config]:
    """Register a staffing configuration class under its ``policy`` tag.

    Class decorator. The :data:`Staffing` union is built from the registry
    when this module has been read, so a configuration is registered here,
    before it; its policy is registered in :mod:`sim.staffing` with
    :func:`sim.staffing.register_policy`.
    """
    tag = discriminator_tag(cls, "policy")
    if tag in _STAFFING_CONFIGS:
        raise ValueError(f"staffing policy {tag!r} is registered twice")
    _STAFFING_CONFIGS[tag] = cls
    return cls


@staffing_config
class FixedStaffing(StaffingCommon):
    """A constant headcount."""

    policy: Literal["fixed"]
    headcount: int = Field(ge=0)


class ScheduleRow(Model):
    """Headcount on the roster from ``date`` on."""

    date: dt.date
    headcount: int = Field(ge=0)


@staffing_config
class ScheduleStaffing(StaffingCommon):
    """Headcount by date (replaying history).

    A date not listed keeps the previous row's headcount. The schedule is
    executed as given.
    """

    policy: Literal["schedule"]
    schedule: list[ScheduleRow] = Field(min_length=1)


class ServiceTarget(StaffingCommon):
    """The service target a planning policy staffs for.

    Outbound work at ``target_occupancy`` of productive time, inbound calls
    per interval for ``inbound_target_sl`` answered within
    ``inbound.answer_within`` (Erlang C or A; stationary SIPP, lagged SIPP or
    offered load).
    """

    target_occupancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.85
    inbound_target_sl: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    inbound_model: Literal["erlang_c", "erlang_a"] = "erlang_a"
    inbound_method: Literal["sipp", "lagged_sipp", "offered_load"] = "sipp"


@staffing_config
class ReactiveStaffing(ServiceTarget):
    """Headcount from realised demand over a trailing window, with hysteresis.

    A trailing-window workload forecast plus a backlog-clearance term, for
    the service target. At each review the policy estimates the daily rate of
    index cases released and inbound calls offered over the last ``window``
    (today counted pro rata of the release/inbound profile elapsed by the
    review), plans outbound work (expected work per case, its contacts
    included) at ``target_occupancy`` plus the open backlog's expected work
    spread over ``backlog_clearance``, and inbound agents per interval by
    Erlang for ``inbound_target_sl``; the same arithmetic as ``oracle``, on
    realised instead of expected demand. A change smaller than ``hysteresis``
    (share of the current headcount) is not requested. Requests take effect
    after ``scale_up_lead_time`` / ``scale_down_notice``.
    """

    policy: Literal["reactive"]
    initial_headcount: int = Field(ge=0)
    window: Duration = 7 * DAY_S
    backlog_clearance: Duration = 2 * DAY_S
    hysteresis: Share = 0.05

    @field_validator("window", "backlog_clearance")
    @classmethod
    def _at_least_a_day(cls, value: float) -> float:
        if value < DAY_S:
            raise ValueError("must be at least 1d")
        return value


@staffing_config
class OracleStaffing(ServiceTarget):
    """Perfect foresight of the expected demand curve.

    Outbound workload hours at ``target_occupancy`` plus inbound agents per
    interval for ``inbound_target_sl`` (Erlang C or A; SIPP, lagged SIPP or
    offered load). Planned once for the whole run; the lower bound on idle
    time for the service target. Not subject to lead times (it is the
    benchmark).
    """

    policy: Literal["oracle"]


@staffing_config
class ForecastStaffing(ServiceTarget):
    """The oracle's method on a noisy forecast.

    At each review, the expected demand of the days from the first changeable
    day to ``horizon`` ahead, times a lognormal error with coefficient of
    variation ``forecast_error_cv`` (one error per review), subject to lead
    times and limits.
    """

    policy: Literal["forecast"]
    initial_headcount: int = Field(ge=0)
    forecast_error_cv: NonNegative = 0.2
    horizon: Duration = 14 * DAY_S


@staffing_config
class PoolStaffing(StaffingCommon):
    """A core team on the roster plus a flexible pool shared with other clients.

    Every ``check_every`` during opening hours, if the expected work queued
    per agent on duty exceeds ``call_in_threshold``, pool agents are called
    in: they arrive ``call_in_delay`` later and stay ``call_in_block`` (or
    until closing), billed only while called in, at ``pool_hourly_rate``
    (default: the agents' rate).
    """

    policy: Literal["pool"]
    core_headcount: int = Field(ge=0)
    pool_size: int = Field(ge=0)
    call_in_delay: Duration = 2 * 3600.0
    call_in_block: PositiveDuration = 4 * 3600.0
    call_in_threshold: Duration = 1800.0
    check_every: Annotated[Duration, Field(ge=60.0)] = 1800.0
    pool_hourly_rate: NonNegative | None = None

    @property
    def on_call_hourly_rate(self) -> float | None:
        """Hourly rate of a pool agent called in; None: the agents' rate."""
        return self.pool_hourly_rate


def tagged_union(members: Iterable[type[BaseModel]], discriminator: str) -> Any:
    """Build the pydantic tagged union of ``members`` on a discriminator field.

    Parameters
    ----------
    members
        Model classes, each with a one-value ``Literal`` discriminator field;
        their order is the union's order (JSON schema, error messages).
    discriminator
        Name of the discriminator field.

    Returns
    -------
    typing.Annotated
        ``Annotated[A | B | ..., Field(discriminator=...)]``.
    """
    members = tuple(members)
    if not members:
        raise ValueError("a tagged union needs at least one member")
    return Annotated[Union[members], Field(discriminator=discriminator)]  # noqa: UP007


if TYPE_CHECKING:
    Staffing: TypeAlias = StaffingCommon
else:
    Staffing = tagged_union(STAFFING_CONFIGS.values(), "policy")
"""Any registered staffing configuration, told apart by ``policy``."""


# --------------------------------------------------------------------------- costs and run


class Tier(Model):
    """A group of agents with its own hourly rate (e.g. onshore vs offshore)."""

    name: str
    share: Positive
    hourly_rate: NonNegative


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
    such (``onboarding_cost`` reports them apart).
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

    @property
    def agent_rate(self) -> float:
        """Hourly rate of a rostered agent hour (tiers blended by share)."""
        if not self.tiers:
            return self.hourly_rate
        total = sum(t.share for t in self.tiers)
        return sum(t.share * t.hourly_rate for t in self.tiers) / total


class Simulation(Model):
    """Run settings.

    Seed (drawn and recorded when absent), replications, reporting
    ``interval`` (must divide a day), and whether to keep the per-call log.
    """

    seed: int | None = Field(default=None, ge=0)
    replications: int = Field(default=10, ge=1, le=10_000)
    interval: Duration = 1800.0
    calls_log: bool = False

    @field_validator("interval")
    @classmethod
    def _divides_day(cls, value: float) -> float:
        whole_minutes = value >= 60 and abs(value / 60 - round(value / 60)) < 1e-9
        if not whole_minutes or abs(DAY_S / value - round(DAY_S / value)) > 1e-9:
            raise ValueError("'interval' must be whole minutes that divide one day "
                             "(e.g. 15min, 30min, 1h)")
        return value


class Scenario(Model):
    """A complete scenario. See the README for every field."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    calendar: Calendar
    epidemic: Epidemic
    reporting: Reporting = Reporting()
    tracing: Tracing
    inbound: Inbound = Inbound(enabled=False)
    agents: Agents
    staffing: Staffing
    costs: Costs
    simulation: Simulation = Simulation()

    def hash(self) -> str:
        """SHA-256 of the resolved scenario (canonical JSON), first 16 hex digits."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_changes(self, changes: Mapping[str, Any]) -> Scenario:
        """Return a validated copy with fields changed by dotted path.

        Parameters
        ----------
        changes
            ``{"staffing.headcount": 900, "tracing.index.within": "12h"}``;
            values are written as in YAML (durations with units).

        Returns
        -------
        Scenario
        """
        from sim.scenario.loading import scenario_from_text  # loading needs this module

        data = self.model_dump(mode="json", by_alias=True)
        overrides = [f"{path}={json.dumps(value)}" for path, value in changes.items()]
        return scenario_from_text(yaml.safe_dump(data), f"<{self.name}>", overrides)

    def to_yaml(self) -> str:
        """Return the resolved scenario as YAML (every default written out)."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

