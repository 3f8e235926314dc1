"""Scenario: the validated, frozen description of one simulated tracing operation.

YAML is only how a scenario is written; this module turns it into a
:class:`Scenario` (pydantic v2, ``extra="forbid"``, frozen). Durations are
stored in seconds (converted by :mod:`sim.units`), clock times in seconds after
midnight, dates as :class:`datetime.date`. Validation errors name the file,
line, column and dotted field path, one line per problem
(:class:`ScenarioError`).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.errors import one_line
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
    """A random count given by its mean: Poisson, or negative binomial when
    ``dispersion`` (k, variance = mean + mean^2 / k) is given."""

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
        """Opening (open_s, close_s) after midnight on ``weekday`` (0 = Monday), or None."""
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
    """SEIR with a piecewise-constant reproduction number; confirmed cases =
    ascertainment x new infectious per day."""

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
    """Cases released to the centre from ``at`` spread over ``width``
    (0 = one batch at that instant); ``share`` of the day's cases."""

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
        default_factory=lambda: [ReleaseSlot(at="08:00", width="12h", share=1.0)],
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
    wrap_up: Dist = Dist(dist="deterministic", mean="0s")
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
    """Outbound work. ``give_up_after``: a task this long past its release or
    creation is dropped (``expired``); by default tasks are worked however late."""

    index: IndexTask
    contact: ContactTask
    give_up_after: Duration | None = None


# --------------------------------------------------------------------------- inbound


class Inbound(Model):
    """The inbound hotline: calls per released case plus a base rate per day,
    spread over the day by an hourly ``profile`` (24 weights; only the open
    hours count). ``reserve_agents``: agents kept for inbound calls (idle or
    on an inbound call); outbound work is started only above this number
    (threshold blending; 0 = inbound simply goes first)."""

    enabled: bool = True
    calls_per_case: NonNegative = 0.0
    base_per_day: NonNegative = 0.0
    profile: list[NonNegative] | None = None
    handle_time: Dist = Dist(dist="lognormal", mean="5min", cv=0.6)
    wrap_up: Dist = Dist(dist="deterministic", mean="0s")
    patience: Dist = Dist(dist="exponential", mean="5min")
    redial_probability: Annotated[float, Field(ge=0.0, le=0.99)] = 0.0
    redial_after: Dist = Dist(dist="exponential", mean="10min")
    answer_within: Duration = 20.0
    reserve_agents: int = Field(default=0, ge=0)

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
    """The workforce: shift templates, absenteeism (absent agents are not
    paid) and onboarding hours (paid, unproductive) for new agents."""

    shifts: list[Shift] = Field(min_length=1)
    absenteeism: Probability = 0.0
    onboarding: Duration = 0.0


# --------------------------------------------------------------------------- staffing


class StaffingCommon(Model):
    """Limits and lead times that apply to every staffing policy."""

    review_time: Clock = 18 * 3600.0
    scale_up_lead_time: Duration = 0.0
    scale_down_notice: Duration = 0.0
    min_headcount: int = Field(default=0, ge=0)
    max_headcount: int = Field(default=1_000_000, ge=0)
    max_daily_change: int | None = Field(default=None, ge=0)


class FixedStaffing(StaffingCommon):
    """A constant headcount."""

    policy: Literal["fixed"]
    headcount: int = Field(ge=0)


class ScheduleRow(Model):
    """Headcount on the roster from ``date`` on."""

    date: dt.date
    headcount: int = Field(ge=0)


class ScheduleStaffing(StaffingCommon):
    """Headcount by date (replaying history); a date not listed keeps the
    previous row's headcount. The schedule is executed as given."""

    policy: Literal["schedule"]
    schedule: list[ScheduleRow] = Field(min_length=1)



class ServiceTarget(StaffingCommon):
    """The service target a planning policy staffs for: outbound work at
    ``target_occupancy`` of productive time, inbound calls per interval for
    ``inbound_target_sl`` answered within ``inbound.answer_within`` (Erlang C
    or A; stationary SIPP, lagged SIPP or offered load)."""

    target_occupancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.85
    inbound_target_sl: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    inbound_model: Literal["erlang_c", "erlang_a"] = "erlang_a"
    inbound_method: Literal["sipp", "lagged_sipp", "offered_load"] = "sipp"


class ReactiveStaffing(ServiceTarget):
    """Headcount from realised demand: a trailing-window workload forecast
    plus a backlog-clearance term, for the service target, with hysteresis.

    At each review the policy estimates the daily rate of index cases released
    and inbound calls offered over the last ``window`` (today counted pro rata
    of the release/inbound profile elapsed by the review), plans outbound work
    (expected work per case, its contacts included) at ``target_occupancy``
    plus the open backlog's expected work spread over ``backlog_clearance``,
    and inbound agents per interval by Erlang for ``inbound_target_sl``; the
    same arithmetic as ``oracle``, on realised instead of expected demand. A
    change smaller than ``hysteresis`` (share of the current headcount) is not
    requested. Requests take effect after ``scale_up_lead_time`` /
    ``scale_down_notice``.
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


class OracleStaffing(ServiceTarget):
    """Perfect foresight of the expected demand curve: outbound workload hours
    at ``target_occupancy`` plus inbound agents per interval for
    ``inbound_target_sl`` (Erlang C or A; SIPP, lagged SIPP or offered load).
    Planned once for the whole run; the lower bound on idle time for the
    service target. Not subject to lead times (it is the benchmark)."""

    policy: Literal["oracle"]


class ForecastStaffing(ServiceTarget):
    """The oracle's method on a noisy forecast: at each review, the expected
    demand of the days from the first changeable day to ``horizon`` ahead,
    times a lognormal error with coefficient of variation ``forecast_error_cv``
    (one error per review), subject to lead times and limits."""

    policy: Literal["forecast"]
    initial_headcount: int = Field(ge=0)
    forecast_error_cv: NonNegative = 0.2
    horizon: Duration = 14 * DAY_S


class PoolStaffing(StaffingCommon):
    """A core team on the roster plus a flexible pool shared with other
    clients. Every ``check_every`` during opening hours, if the expected work
    queued per agent on duty exceeds ``call_in_threshold``, pool agents are
    called in: they arrive ``call_in_delay`` later and stay ``call_in_block``
    (or until closing), billed only while called in, at ``pool_hourly_rate``
    (default: the agents' rate)."""

    policy: Literal["pool"]
    core_headcount: int = Field(ge=0)
    pool_size: int = Field(ge=0)
    call_in_delay: Duration = 2 * 3600.0
    call_in_block: PositiveDuration = 4 * 3600.0
    call_in_threshold: Duration = 1800.0
    check_every: Annotated[Duration, Field(ge=60.0)] = 1800.0
    pool_hourly_rate: NonNegative | None = None


Staffing = Annotated[
    FixedStaffing | ScheduleStaffing | ReactiveStaffing | OracleStaffing | ForecastStaffing
    | PoolStaffing,
    Field(discriminator="policy"),
]


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
    """Run settings: seed (drawn and recorded when absent), replications,
    reporting ``interval`` (must divide a day), and whether to keep the
    per-call log."""

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
        """A validated copy with fields changed by dotted path.

        Parameters
        ----------
        changes
            ``{"staffing.headcount": 900, "tracing.index.within": "12h"}``;
            values are written as in YAML (durations with units).

        Returns
        -------
        Scenario
        """
        data = self.model_dump(mode="json", by_alias=True)
        overrides = [f"{path}={json.dumps(value)}" for path, value in changes.items()]
        return scenario_from_text(yaml.safe_dump(data), f"<{self.name}>", overrides)

    def to_yaml(self) -> str:
        """The resolved scenario as YAML (every default written out)."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --------------------------------------------------------------------------- loading


Problem = tuple[tuple, str]
"""A problem or warning: the dotted path (as a tuple) and a message."""


def _shift_minutes(shift: Shift) -> set[int]:
    first = int(shift.start // 60)
    return {(first + m) % 1440 for m in range(int(round(shift.length / 60)))}


def cross_field_checks(scenario: Scenario) -> tuple[list[Problem], list[Problem]]:
    """Checks that involve several fields: (errors, warnings).

    Errors make the scenario unusable; warnings point at something that is
    allowed but probably not meant (agents paid while closed, a wave that
    peaks outside the run, ...).
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    cal, costs, staffing = scenario.calendar, scenario.costs, scenario.staffing
    if costs.billing == "per_call" and costs.fee_per_call == 0:
        errors.append((("costs", "fee_per_call"), "billing 'per_call' needs a fee above 0"))
    if costs.billing == "per_case" and costs.fee_per_case == 0:
        errors.append((("costs", "fee_per_case"), "billing 'per_case' needs a fee above 0"))
    epidemic = scenario.epidemic
    if isinstance(epidemic, SeirEpidemic) and epidemic.r[0].from_date > cal.start:
        errors.append((("epidemic", "r", 0, "from"),
                       f"the first step must start on or before calendar.start ({cal.start})"))
    tasks = [("tracing", "index"), ("tracing", "contact")]
    for path in tasks:
        task = getattr(scenario.tracing, path[1])
        for name in ("handle_time", "failed_attempt_time"):
            if getattr(task, name).mean_s <= 0:
                errors.append((path + (name, "mean"), "must be a positive duration (an "
                               "attempt takes agent time)"))
    if scenario.inbound.enabled and scenario.inbound.handle_time.mean_s <= 0:
        errors.append((("inbound", "handle_time", "mean"), "must be a positive duration"))
    end = cal.start + dt.timedelta(days=cal.days - 1)
    if isinstance(staffing, ScheduleStaffing):
        seen: dict[dt.date, int] = {}
        for i, row in enumerate(staffing.schedule):
            if row.date in seen:
                errors.append((("staffing", "schedule", i, "date"),
                               f"{row.date} is listed more than once (also row {seen[row.date]})"))
            elif i and row.date < staffing.schedule[i - 1].date:
                errors.append((("staffing", "schedule", i, "date"),
                               "the schedule must be in date order"))
            seen.setdefault(row.date, i)
        if min(row.date for row in staffing.schedule) > cal.start:
            errors.append((("staffing", "schedule", 0, "date"),
                           f"the schedule starts after calendar.start ({cal.start}): "
                           "the days before it have no headcount"))
        for i, row in enumerate(staffing.schedule):
            if row.date > end:
                warnings.append((("staffing", "schedule", i, "date"),
                                 f"{row.date} is after the last simulated day ({end})"))
    if isinstance(staffing, ReactiveStaffing | ForecastStaffing):
        if staffing.initial_headcount > staffing.max_headcount:
            warnings.append((("staffing", "initial_headcount"),
                             "above max_headcount (the initial plan is not clipped)"))
    if isinstance(epidemic, WavesEpidemic):
        for i, wave in enumerate(epidemic.waves):
            if not cal.start <= wave.peak_date <= end:
                warnings.append((("epidemic", "waves", i, "peak_date"),
                                 f"{wave.peak_date} is outside the run ({cal.start} to {end})"))
    open_minutes: dict[int, set[int]] = {}
    for weekday in range(7):
        hours = cal.opening_hours.for_weekday(weekday)
        if hours is not None:
            open_minutes[weekday] = set(range(int(hours[0] // 60), int(-(-hours[1] // 60))))
    if not open_minutes:
        warnings.append((("calendar", "opening_hours"), "closed every day: no work is done"))
    covered: set[int] = set()
    for i, shift in enumerate(scenario.agents.shifts):
        minutes = _shift_minutes(shift)
        covered |= minutes
        if open_minutes and not any(minutes & m for m in open_minutes.values()):
            warnings.append((("agents", "shifts", i), "the shift lies entirely outside opening "
                             "hours: its agents are paid and idle"))
    for weekday, minutes in open_minutes.items():
        if minutes - covered:
            first = min(minutes - covered)
            warnings.append((("calendar", "opening_hours"),
                             f"no shift covers {first // 60:02d}:{first % 60:02d} on "
                             f"{WEEKDAYS[weekday]}: nobody answers while open"))
            break
    inbound = scenario.inbound
    if inbound.enabled and inbound.calls_per_case == 0 and inbound.base_per_day == 0:
        warnings.append((("inbound", "enabled"), "enabled but no calls: calls_per_case and "
                         "base_per_day are both 0"))
    return errors, warnings


class ScenarioError(ValueError):
    """A scenario that cannot be used. ``problems`` holds one line per problem:
    ``file:line:col dotted.path: message``."""

    def __init__(self, problems: Sequence[str]):
        self.problems = [one_line(p) for p in problems]
        super().__init__("\n".join(self.problems))


MAX_NODES = 200_000
"""Most values a scenario document may expand to (aliases counted every time used)."""


def _node_marks(node: yaml.Node | None) -> dict[tuple, tuple[int, int]]:
    """Map each dotted path in a composed YAML tree to its (line, column), 1-based.

    Iterative, and each node is visited once: an alias (a node used again)
    is not walked a second time, so neither alias cycles nor alias "bombs"
    make this slow.
    """
    marks: dict[tuple, tuple[int, int]] = {}
    if node is None:
        return marks
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
    while stack:
        current, path = stack.pop()
        marks.setdefault(path, (current.start_mark.line + 1, current.start_mark.column + 1))
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                marks[path + (key,)] = (key_node.start_mark.line + 1,
                                        key_node.start_mark.column + 1)
                stack.append((value_node, path + (key,)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, path + (i,)) for i, item in enumerate(current.value))
    return marks


def _expanded_size(node: yaml.Node | None) -> int:
    """How many values the document holds once aliases are expanded (capped)."""
    if node is None:
        return 0
    size: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [node]
    while stack:  # post-order without recursion; shared nodes sized once
        current = stack.pop()
        if id(current) in size:
            continue
        size[id(current)] = -1
        order.append(current)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack.extend((key_node, value_node))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    for current in reversed(order):
        children: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            children = [n for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            children = current.value
        total = 1 + sum(max(size.get(id(c), 1), 1) for c in children)
        size[id(current)] = min(total, MAX_NODES + 1)
    return size[id(node)]


def _known_fields(loc: tuple) -> list[str]:
    """Field names allowed at the parent of ``loc`` (for 'did you mean')."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", {})
        field = fields.get(part) or next(
            (f for f in fields.values() if f.alias == part), None
        )
        if field is None:
            return []
        model = _model_of(field.annotation)
    return [f.alias or name for name, f in getattr(model, "model_fields", {}).items()]


def _model_of(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


_UNION_TAGS = {
    "epidemic": ("waves", "seir", "csv"),
    "staffing": ("fixed", "schedule", "reactive", "oracle", "forecast", "pool"),
}


def _strip_tags(loc: tuple) -> tuple:
    """Drop the discriminator tag pydantic inserts after a tagged-union field."""
    if len(loc) >= 2 and loc[0] in _UNION_TAGS and loc[1] in _UNION_TAGS[loc[0]]:
        return loc[:1] + loc[2:]
    return loc


def _format_errors(
    error: ValidationError, marks: Mapping[tuple, tuple[int, int]], source: str
) -> list[str]:
    lines = []
    for item in error.errors():
        loc = _strip_tags(tuple(item["loc"]))
        path = ".".join(str(p) for p in loc) or "(top level)"
        where = _where(marks, loc, source)
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        if item["type"] == "extra_forbidden":
            known = _known_fields(loc)
            guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
            message = "unknown field" + (f"; did you mean '{guess[0]}'?" if guess else "")
            if known and not guess:
                message += f" (allowed: {', '.join(known)})"
        elif item["type"] == "missing":
            message = "required field is missing"
        elif "input" in item and item["type"] not in ("value_error",) and not isinstance(
            item["input"], dict | list
        ):
            message = f"{item['input']!r}: {message}"
        lines.append(f"{where} {path}: {message}")
    return lines


def set_path(data: dict, dotted: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``dotted = "a.b.c"`` (list indices allowed).

    Missing mapping levels are created. Used by ``--set``.
    """
    parts = dotted.split(".")
    target: Any = data
    for part in parts[:-1]:
        if isinstance(target, list):
            target = target[int(part)]
            continue
        if part not in target or not isinstance(target[part], dict | list):
            target[part] = {}
        target = target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def _deep_merge(base: dict, changes: dict) -> dict:
    """``changes`` laid over ``base``: mappings merge key by key, anything else
    replaces; a mapping with another ``policy`` or ``model`` replaces the old one."""
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        same_kind = isinstance(value, dict) and isinstance(old, dict) and all(
            value.get(tag, old.get(tag)) == old.get(tag) for tag in ("policy", "model")
        )
        if same_kind:
            merged[key] = _deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _absolute_data_path(data: dict, base_dir: Path | None) -> None:
    epidemic = data.get("epidemic")
    if isinstance(epidemic, dict) and epidemic.get("model") == "csv" and "path" in epidemic:
        path = Path(str(epidemic["path"])).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        epidemic["path"] = str(path.resolve())


def _resolve_extends(data: dict, source: str, base_dir: Path | None,
                     seen: tuple[Path, ...] = ()) -> dict:
    """Lay a scenario over the file named by its ``extends`` key (recursively).

    ``extends: other.yaml`` (relative to the file) lets a variant state only
    what differs; mappings merge key by key, lists and values replace.
    """
    parent_name = data.pop("extends", None)
    _absolute_data_path(data, base_dir)
    if parent_name is None:
        return data
    if not isinstance(parent_name, str):
        raise ScenarioError([f"{source} extends: expected a file name"])
    parent = (base_dir or Path.cwd()) / parent_name
    resolved = parent.resolve()
    if resolved in seen:
        raise ScenarioError([f"{source} extends: {parent_name} extends itself in a cycle"])
    try:
        parent_data = yaml.safe_load(parent.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{source} extends: no such file {parent}"]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(
            [f"{source} extends: {parent} cannot be read ({exc.__class__.__name__})"]
        ) from None
    if not isinstance(parent_data, dict):
        raise ScenarioError([f"{source} extends: {parent} is not a scenario mapping"])
    parent_data = _resolve_extends(parent_data, str(parent), parent.parent, seen + (resolved,))
    return _deep_merge(parent_data, data)


def parse_overrides(overrides: Iterable[str]) -> list[tuple[str, Any]]:
    """Parse ``dotted.path=value`` strings; the value is read as YAML."""
    parsed = []
    for item in overrides:
        if "=" not in item:
            raise ScenarioError([f"--set {item}: expected dotted.path=value"])
        key, text = item.split("=", 1)
        try:
            value = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            value = text
        parsed.append((key.strip(), value))
    return parsed


def _where(marks: Mapping[tuple, tuple[int, int]], loc: tuple, source: str) -> str:
    probe = loc
    while probe not in marks and probe:
        probe = probe[:-1]
    line, col = marks.get(probe, (0, 0))
    return f"{source}:{line}:{col}" if line else source


def scenario_from_text(
    text: str,
    source: str = "<scenario>",
    overrides: Iterable[str] = (),
    base_dir: Path | None = None,
    warnings: list[str] | None = None,
) -> Scenario:
    """Validate scenario YAML text.

    Parameters
    ----------
    text
        The YAML document.
    source
        Name used in error messages (usually the file path).
    overrides
        ``dotted.path=value`` strings applied before validation.
    base_dir
        Directory that relative data paths (``epidemic.path``) are resolved
        against; the current directory when None.
    warnings
        When given, warning lines (``file:line:col path: warning: ...``) are
        appended to it.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem found, one per line.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if _expanded_size(node) > MAX_NODES:
            raise ScenarioError([f"{source}: the document expands to more than {MAX_NODES:,} "
                                 "values (aliases used over and over?); a scenario is small"])
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"{where} (YAML): {problem}"]) from None
    except RecursionError:
        raise ScenarioError([f"{source} (YAML): nested too deeply"]) from None
    except (ValueError, KeyError, TypeError, OverflowError) as exc:
        # the YAML constructors' own errors: 2020-02-30, !!bool maybe, 5,000-digit ints
        raise ScenarioError([f"{source} (YAML): a value cannot be read ({exc})"]) from None
    if data is None:
        raise ScenarioError([f"{source}: the file is empty; a scenario is a YAML mapping"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1:1 (top level): a scenario must be a YAML mapping"])
    marks = _node_marks(node)
    data = _resolve_extends(copy.deepcopy(data), source, base_dir)
    for key, value in parse_overrides(overrides):
        try:
            set_path(data, key, value)
        except (ValueError, IndexError, TypeError):
            raise ScenarioError([f"--set {key}: no such place in the scenario"]) from None
    _absolute_data_path(data, base_dir)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, marks, source)) from None
    errors, notes = cross_field_checks(scenario)
    if errors:
        raise ScenarioError([f"{_where(marks, loc, source)} {'.'.join(map(str, loc))}: {msg}"
                             for loc, msg in errors])
    if warnings is not None:
        warnings.extend(f"{_where(marks, loc, source)} {'.'.join(map(str, loc))}: warning: {msg}"
                        for loc, msg in notes)
    return scenario


def load_scenario(path: str | Path, overrides: Iterable[str] = (),
                  warnings: list[str] | None = None) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path
        The scenario file.
    overrides
        ``dotted.path=value`` strings (as ``tracesim run --set``).
    warnings
        When given, warning lines are appended to it.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        One line per problem, naming file, line, column and field path.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot be read ({exc.__class__.__name__})"]) from None
    return scenario_from_text(text, str(path), overrides, base_dir=path.parent,
                              warnings=warnings)


def default_scenario_path() -> Path:
    """Path of the bundled default scenario (Flanders, autumn 2020)."""
    return Path(__file__).parent / "data" / "flanders-autumn-2020.yaml"


def json_schema() -> dict:
    """JSON Schema of a scenario file, for editors."""
    return Scenario.model_json_schema(by_alias=True, mode="validation")
