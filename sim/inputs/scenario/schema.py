"""Scenario schema: the pydantic models of a scenario file.

Every section is a frozen :class:`Model` that refuses unknown keys. Durations
are stored in seconds (converted by :mod:`sim.basics.units`), clock times in seconds
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
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.basics.units import DAY_S, format_clock, format_duration, parse_clock, parse_duration

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


def _scalar_kinds(annotation: Any) -> set[str]:
    """Return what a scalar of this annotation may be: ``"number"``, ``"bool"``, ``"any"``."""
    if annotation is bool:
        return {"bool"}
    if annotation in (int, float):
        return {"number"}
    if annotation is Any:
        return {"any"}
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _scalar_kinds(typing.get_args(annotation)[0])
    if origin in (list, tuple, set, frozenset, dict, Literal) or origin is None:
        return set()
    return set().union(*(_scalar_kinds(arg) for arg in typing.get_args(annotation)))


def _item_annotations(annotation: Any) -> list[Any]:
    """Return the item annotations of the list types in an annotation (``list[float]``)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _item_annotations(typing.get_args(annotation)[0])
    if origin in (list, set, frozenset) or (origin is tuple and typing.get_args(annotation)[-1:]
                                            == (Ellipsis,)):
        return [typing.get_args(annotation)[0]]
    if origin in (tuple, dict, Literal) or origin is None:
        return []
    return [item for arg in typing.get_args(annotation) for item in _item_annotations(arg)]


def _bool_problem(value: Any, annotation: Any) -> str | None:
    """Why ``value`` is refused: a boolean where the annotation wants a number (else None)."""
    if isinstance(value, bool):
        kinds = _scalar_kinds(annotation)
        if "number" in kinds and not kinds & {"bool", "any"}:
            return (f"{str(value).lower()} is a boolean (YAML reads true/false/yes/no/on/off "
                    "as booleans), not a number; write a number")
        return None
    if isinstance(value, list | tuple):
        for item_annotation in _item_annotations(annotation):
            for i, item in enumerate(value):
                problem = _bool_problem(item, item_annotation)
                if problem:
                    return f"item {i}: {problem}"
    return None


class Model(BaseModel):
    """Base of every scenario section: unknown keys refused, instances frozen.

    Booleans are refused where a number is expected (pydantic would read
    ``true`` as 1): YAML reads ``yes``/``no``/``on``/``off`` as booleans, so
    ``headcount: yes`` or ``--set staffing.headcount=true`` must not run a
    scenario with one agent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        from pydantic_core import PydanticCustomError

        problems = {}
        for name, field in cls.model_fields.items():
            key = field.alias if field.alias in data else name
            value = data.get(key)
            if isinstance(value, bool | list | tuple):
                problem = _bool_problem(value, field.annotation)
                if problem:
                    problems[key] = problem
        if problems:  # one error; the loader reports it field by field
            raise PydanticCustomError(
                "boolean_for_number", "{message}",
                {"message": "; ".join(f"{k}: {p}" for k, p in problems.items()),
                 "problems": problems})
        return data


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


class ScaleStep(Model):
    """The factor ``scale`` applied to a CSV's counts from date ``from`` on."""

    from_date: dt.date = Field(alias="from")
    scale: NonNegative


def _check_date_format(value: str) -> str:
    """Check for a ``strptime`` format that writes and reads back a whole date."""
    sample = dt.date(2020, 9, 21)
    try:
        ok = dt.datetime.strptime(sample.strftime(value), value).date() == sample
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{value!r} is not a date format that reads back a whole date; "
                         "use strptime codes such as %Y-%m-%d or %d/%m/%Y")
    return value


def _check_separator(value: str) -> str:
    if len(value) != 1 or value in "\r\n\"":
        raise ValueError("the separator must be one character (not a quote or a line break), "
                         "e.g. ',' or ';' or '\\t'")
    return value


Scale = Annotated[
    Annotated[Positive, Tag("number")] | Annotated[list[ScaleStep], Tag("dated")],
    Discriminator(lambda value: "dated" if isinstance(value, list | tuple) else "number"),
]
"""A CSV's ``scale``: one factor, or a dated list of factors."""


class CsvEpidemic(Model):
    """Observed daily cases read from a CSV file (path relative to the scenario file).

    ``scale`` is one factor or a dated list ``[{from: 2020-09-01, scale: 0.6},
    ...]`` (each factor holds from its date until the next; the first must
    cover ``calendar.start``). ``separator``: the field separator, one
    character. ``date_format``: a ``strptime`` format. ``drop_missing_dates``
    skips rows without a date; ``fill_missing`` gives dates without a row
    (inside the file's first and last date) that count. Otherwise every
    simulated day must have a row: ``tracesim validate`` reads the file and
    names the missing dates.
    """

    model: Literal["csv"]
    path: str
    date_column: str = "date"
    cases_column: str = "cases"
    filter: dict[str, str] | None = None
    scale: Scale = 1.0
    separator: Annotated[str, AfterValidator(_check_separator)] = ","
    date_format: Annotated[str, AfterValidator(_check_date_format)] = "%Y-%m-%d"
    drop_missing_dates: bool = False
    fill_missing: NonNegative | None = None

    @model_validator(mode="after")
    def _check_scale_steps(self) -> CsvEpidemic:
        if isinstance(self.scale, list):
            dates = [step.from_date for step in self.scale]
            if not dates:
                raise ValueError("a dated 'scale' needs at least one step")
            if any(later <= earlier for earlier, later in zip(dates, dates[1:], strict=False)):
                raise ValueError("'scale' steps must be in strictly increasing date order")
        return self


SourceName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class WavesSource(WavesEpidemic):
    """A named demand source shaped as waves; ``share_traced`` defaults to the reporting's."""

    name: SourceName
    share_traced: Share | None = None


class SeirSource(SeirEpidemic):
    """A named demand source from an SEIR model; ``share_traced`` defaults to the reporting's."""

    name: SourceName
    share_traced: Share | None = None


class CsvSource(CsvEpidemic):
    """A named demand source read from a CSV; ``share_traced`` defaults to the reporting's."""

    name: SourceName
    share_traced: Share | None = None


Source = Annotated[WavesSource | SeirSource | CsvSource, Field(discriminator="model")]
"""One named source of index work: a demand model with its own share traced."""


class SourcesEpidemic(Model):
    """Several named sources of index work (e.g. confirmed cases plus returning travellers).

    Each source is its own demand model (``waves``, ``seir`` or ``csv``) with a
    ``name`` (lower case, digits, ``_``) and its own ``share_traced`` (default:
    ``reporting.share_traced``). Their cases add up; each source draws its
    cases from its own random streams, so adding a source leaves the others'
    draws unchanged. Written ``epidemic: {sources: [...]}`` (``model:
    sources`` is implied).
    """

    model: Literal["sources"] = "sources"
    sources: list[Source] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesEpidemic:
        names = [source.name for source in self.sources]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"source names must be distinct; repeated: {', '.join(repeated)}")
        return self


def _sources_shorthand(data: Any) -> Any:
    """``epidemic: {sources: [...]}`` without a ``model`` means ``model: sources``."""
    if isinstance(data, dict) and "sources" in data and "model" not in data:
        return {"model": "sources", **data}
    return data


Epidemic = Annotated[WavesEpidemic | SeirEpidemic | CsvEpidemic | SourcesEpidemic,
                     Field(discriminator="model"), BeforeValidator(_sources_shorthand)]

SingleEpidemic: TypeAlias = WavesEpidemic | SeirEpidemic | CsvEpidemic
"""One demand model (the epidemic section's own, or one source's)."""


def epidemic_sources(epidemic: WavesEpidemic | SeirEpidemic | CsvEpidemic | SourcesEpidemic,
                     default_share_traced: float) -> list[tuple[tuple, str, SingleEpidemic, float]]:
    """Return the demand sources of an epidemic section, with their place in the file.

    Parameters
    ----------
    epidemic
        ``scenario.epidemic``.
    default_share_traced
        ``reporting.share_traced``, for sources that do not set their own.

    Returns
    -------
    list of tuple
        ``(path, name, model, share_traced)`` per source, in order: ``path``
        is the dotted path as a tuple (``("epidemic",)`` for a single model,
        named ``cases``; ``("epidemic", "sources", i)`` for a list).
    """
    if not isinstance(epidemic, SourcesEpidemic):
        return [(("epidemic",), "cases", epidemic, default_share_traced)]
    return [(("epidemic", "sources", i), source.name, source,
             default_share_traced if source.share_traced is None else source.share_traced)
            for i, source in enumerate(epidemic.sources)]


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


Staff = Annotated[int | float, Field(ge=0, le=10_000_000)]
"""A headcount or an FTE figure: whole or fractional."""


def _one_of(model: BaseModel, first: str, second: str) -> None:
    """Refuse a model that sets both or neither of two alternative fields."""
    given = [name for name in (first, second) if getattr(model, name) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of '{first}' and '{second}'")


@staffing_config
class FixedStaffing(StaffingCommon):
    """A constant staffing: ``headcount`` (agents rostered per day) or ``fte``.

    A fractional headcount, and any FTE figure (converted with
    ``agents.contract_hours_per_week``), is rounded to whole agents by largest
    remainder over each calendar week, so the week's agent-days are right.
    """

    policy: Literal["fixed"]
    headcount: Staff | None = None
    fte: Staff | None = None

    @model_validator(mode="after")
    def _check(self) -> FixedStaffing:
        _one_of(self, "headcount", "fte")
        return self


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
        _one_of(self, "headcount", "fte")
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
        _one_of(self, "schedule", "path")
        return self


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
    offered load). Planned once for the whole run, across days: an agent
    hired stays at least ``min_stay``, so no one is hired for one day. The
    fast analytic bound (``--bound analytic``); ``policy: optimal`` finds the
    least staffing by simulation. Not subject to lead times (it is a
    benchmark).
    """

    policy: Literal["oracle"]
    min_stay: Duration = 7 * DAY_S

    @field_validator("min_stay")
    @classmethod
    def _min_stay_at_least_a_day(cls, value: float) -> float:
        if value < DAY_S:
            raise ValueError("must be at least 1d (no hiring for less than a day)")
        return value


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


@staffing_config
class OptimalStaffing(StaffingCommon):
    """The least staffing that meets the targets, found by simulation.

    Knows the expected demand in advance and searches, by whole-horizon
    simulations with common random numbers (``search_replications`` of them,
    on seeds of their own), for the least headcount per day and per shift
    template such that each day's index cases and contacts are reached
    within their deadline in the shares ``index_within_share`` and
    ``contacts_within_share`` (in every one of the search's replications),
    and each reporting interval's inbound service
    level is ``inbound_target_sl``. Inbound agents per interval come from the
    iterative-staffing algorithm (Feldman, Mandelbaum, Massey & Whitt 2008),
    outbound agents per day from the observed timeliness of each day's
    releases; the search stops when no day changes or after
    ``max_iterations``. Each day's outbound agents found are then raised by
    the ``demand_quantile`` normal quantile of the day's relative release
    noise (the few search replications see few draws of it). New agents are
    hired ``agents.onboarding`` ahead; an agent hired stays at least
    ``min_stay``. Not subject to lead times (it is
    the bound).
    """

    policy: Literal["optimal"]
    index_within_share: Share = 0.95
    contacts_within_share: Share = 0.90
    inbound_target_sl: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    min_stay: Duration = 7 * DAY_S
    search_replications: int = Field(default=3, ge=1, le=50)
    demand_quantile: Annotated[float, Field(ge=0.5, lt=1.0)] = 0.95
    max_iterations: int = Field(default=40, ge=1, le=200)
    search_seed: int = Field(default=2008, ge=0)

    @field_validator("min_stay")
    @classmethod
    def _min_stay_at_least_a_day(cls, value: float) -> float:
        if value < DAY_S:
            raise ValueError("must be at least 1d (no hiring for less than a day)")
        return value


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


class Simulation(Model):
    """Run settings.

    Seed (drawn and recorded when absent), replications, reporting
    ``interval`` (must divide a day), and whether to keep the per-call log.
    """

    seed: int | None = Field(default=None, ge=0, lt=2**63)
    replications: int = Field(default=10, ge=1, le=10_000)
    interval: Duration = 1800.0
    calls_log: bool = False
    #: Write the per-person table (``people.parquet``/``.csv``): ``true``, ``false``, or
    #: ``auto`` (only while it has at most ``sim.outputs.results.PEOPLE_AUTO_MAX_ROWS`` rows).
    people_log: bool | Literal["auto"] = "auto"

    @field_validator("interval")
    @classmethod
    def _divides_day(cls, value: float) -> float:
        whole_minutes = value >= 60 and abs(value / 60 - round(value / 60)) < 1e-9
        if not whole_minutes or abs(DAY_S / value - round(DAY_S / value)) > 1e-9:
            raise ValueError("'interval' must be whole minutes that divide one day "
                             "(e.g. 15min, 30min, 1h)")
        return value


#: Behavioural fields that ``changes`` may set (dotted prefixes).
CHANGEABLE = (
    "tracing.index.", "tracing.contact.",
    "reporting.share_traced",
    "inbound.calls_per_case", "inbound.base_per_day", "inbound.handle_time",
    "inbound.wrap_up", "inbound.patience", "inbound.redial_probability",
    "inbound.redial_after",
    "agents.absenteeism", "agents.not_logged_in_share",
)


def changeable(path: str) -> bool:
    """Whether ``changes`` may set the dotted ``path`` (see :data:`CHANGEABLE`)."""
    return any(path == prefix.rstrip(".") or path.startswith(prefix) if prefix.endswith(".")
               else path == prefix or path.startswith(prefix + ".") for prefix in CHANGEABLE)


class Change(Model):
    """Behaviour that changes from a date: ``{from: 2020-10-21, set: {path: value}}``.

    ``set`` maps dotted paths of behavioural fields (:data:`CHANGEABLE`:
    tracing, share traced, inbound calls per case, handle times, patience,
    absenteeism, not logged in) to values written as in the scenario. The
    values in force on a day are the scenario's with every change dated on or
    before it applied in date order; a person or call takes the values in
    force when it is created.
    """

    from_date: dt.date = Field(alias="from")
    set: dict[str, Any] = Field(min_length=1)

    @field_validator("set")
    @classmethod
    def _paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            if not changeable(path):
                raise ValueError(
                    f"'{path}' cannot change over a run; behavioural fields can: "
                    + ", ".join(p.rstrip(".") + ("*" if p.endswith(".") else "")
                                for p in CHANGEABLE))
        return value


def _set_path(data: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of nested dicts (lists by index)."""
    keys = path.split(".")
    node: Any = data
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value


def _dumped(value: Any) -> Any:
    """Return a validated field's value as written in a file."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_dumped(item) for item in value]
    return value


def _apply_changes(data: dict, changes: list[Change]) -> list[tuple[dt.date, Scenario]]:
    """Apply each change in turn to ``data`` and validate the scenario in force after it.

    Raises
    ------
    ValueError
        Naming the change and the field, when a changed value is refused.
    """
    out = []
    for number, change in enumerate(changes):
        for path, value in change.set.items():
            try:
                _set_path(data, path, value)
            except (KeyError, IndexError, ValueError, TypeError, AttributeError):
                raise ValueError(f"changes[{number}].set: no field '{path}'") from None
        try:
            regime = Scenario.model_validate(data)
        except ValidationError as exc:
            detail = "; ".join(
                ".".join(str(p) for p in e["loc"]) + ": "
                + ("no such field" if e["type"] == "extra_forbidden" else e["msg"])
                for e in exc.errors())
            raise ValueError(f"changes[{number}] (from {change.from_date}): {detail}") from None
        out.append((change.from_date, regime))
    return out


class Scenario(Model):
    """A complete scenario: every section below, each with its own defaults.

    ``extends`` (in the YAML file) names a parent scenario whose values this
    one overrides; ``changes`` are dated changes of behavioural fields.
    """

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
    changes: list[Change] = Field(default_factory=list)

    @field_validator("changes")
    @classmethod
    def _check_changes(cls, changes: list[Change], info: ValidationInfo) -> list[Change]:
        dates = [change.from_date for change in changes]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("'changes' must be in strictly increasing date order")
        fields = set(cls.model_fields) - {"changes"}
        if changes and fields <= set(info.data):  # every other field is valid
            base = {name: _dumped(info.data[name]) for name in fields}
            _apply_changes(base, changes)
        return changes

    def regimes(self) -> list[tuple[dt.date | None, Scenario]]:
        """Return the behaviour in force over the run: ``(from date, scenario)`` by date.

        The first entry (date None) is the scenario itself; each change adds
        the scenario with it and every earlier change applied.
        """
        if not self.changes:
            return [(None, self)]
        data = self.model_dump(mode="json", by_alias=True)
        data["changes"] = []
        return [(None, self), *_apply_changes(data, self.changes)]

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
        from sim.inputs.scenario.loading import scenario_from_text  # loading needs this module

        data = self.model_dump(mode="json", by_alias=True)
        overrides = [f"{path}={json.dumps(value)}" for path, value in changes.items()]
        return scenario_from_text(yaml.safe_dump(data), f"<{self.name}>", overrides)

    def to_yaml(self) -> str:
        """Return the resolved scenario as YAML (every default written out)."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

