"""The ``epidemic`` and ``reporting`` sections: where index work comes from and when it arrives.

``epidemic`` is one demand model (``waves``, ``seir`` or ``csv``) or several
named ``sources``; ``reporting`` turns expected cases into case records
released to the centre (noise, share traced, release slots).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from sim.basics.units import DAY_S
from sim.inputs.scenario.base import (
    Clock,
    Duration,
    Model,
    NonNegative,
    Positive,
    PositiveDuration,
    Share,
)


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


