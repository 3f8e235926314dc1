"""The building blocks of a scenario file: the section base class and the field types.

Every section is a frozen :class:`Model` that refuses unknown keys. Durations
are stored in seconds (converted by :mod:`sim.basics.units`), clock times in
seconds after midnight, dates as :class:`datetime.date`. Random durations are
:class:`Dist`, random counts :class:`Count`. Tagged unions (a section chosen by
its ``model`` or ``policy`` key) are built with :func:`tagged_union`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from sim.basics.units import format_clock, format_duration, parse_clock, parse_duration

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
