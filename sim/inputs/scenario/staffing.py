"""The ``staffing`` section: what every policy shares, and the registry of policies' configurations.

A staffing policy is a plug-in (a module of :mod:`sim.staffing`): its
configuration class subclasses :class:`StaffingCommon`, adds a ``policy:
Literal["..."]`` tag and is registered here with :func:`staffing_config`;
the scenario's ``staffing`` field is the tagged union of every registered
configuration (:func:`staffing_union`), in the order of their tags. The scenario
schema therefore learns of a new policy without being edited, and without
importing the staffing layer: the plug-in registers itself when it is
imported (``import sim.staffing`` imports them all).

A configuration can say what is wrong with the rest of the scenario for it
(:meth:`StaffingCommon.problems`, :meth:`StaffingCommon.notes`: the
cross-field checks call them) and describe itself in a few words
(:meth:`StaffingCommon.summary`, used by figures and reports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, Field

from sim.inputs.scenario.base import Clock, Duration, Model, discriminator_tag, tagged_union

Problem = tuple[tuple, str]
"""A problem or warning: the dotted path from the scenario's top (a tuple) and a message."""


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

    def problems(self, scenario: Any) -> Iterator[Problem]:
        """Yield what makes the scenario unusable with this staffing (cross-field errors).

        Parameters
        ----------
        scenario
            The whole validated scenario.

        Yields
        ------
        Problem
            The path from the scenario's top (``("staffing", "path")``) and a message.
        """
        return iter(())

    def notes(self, scenario: Any) -> Iterator[Problem]:
        """Yield what is allowed but probably not meant with this staffing (warnings)."""
        return iter(())

    def summary(self) -> str:
        """Describe the staffing in a few words, e.g. ``"fixed staffing, 864 agents"``."""
        return f"{self.policy} staffing"


_STAFFING_CONFIGS: dict[str, type[StaffingCommon]] = {}
STAFFING_CONFIGS: Mapping[str, type[StaffingCommon]] = MappingProxyType(_STAFFING_CONFIGS)
"""Staffing configuration classes by their ``policy`` tag, in the order of the tags.

The order of the tags, not of registration (which follows imports), so that
the union, its JSON schema and its error messages do not depend on which
plug-in happened to be imported first."""

_LISTENERS: list[Callable[[], None]] = []
_Config = TypeVar("_Config", bound=StaffingCommon)


def staffing_config(cls: type[_Config]) -> type[_Config]:
    """Register a staffing configuration class under its ``policy`` tag (class decorator).

    The scenario's ``staffing`` union gains it (:func:`staffing_union`); the
    policy that plays it is registered with :func:`sim.staffing.registry.register_policy`.

    Raises
    ------
    ValueError
        When another configuration has the same tag.
    """
    tag = discriminator_tag(cls, "policy")
    if tag in _STAFFING_CONFIGS:
        raise ValueError(f"staffing policy {tag!r} is registered twice")
    configs: dict[str, type[StaffingCommon]] = {**_STAFFING_CONFIGS, tag: cls}
    _STAFFING_CONFIGS.clear()
    _STAFFING_CONFIGS.update(sorted(configs.items()))
    for listener in _LISTENERS:
        listener()
    return cls


def on_registration(listener: Callable[[], None]) -> None:
    """Call ``listener()`` after every registration (the scenario model rebuilds its union)."""
    _LISTENERS.append(listener)


def staffing_union() -> Any:
    """Return the tagged union of the registered configurations, on ``policy``, by tag.

    Raises
    ------
    LookupError
        When no policy is registered yet (``import sim.staffing`` registers them).
    """
    if not _STAFFING_CONFIGS:
        raise LookupError("no staffing policy is registered: import sim.staffing first "
                          "(sim.load_scenario and the tracesim command do)")
    return tagged_union(_STAFFING_CONFIGS.values(), "policy")


Staff = Annotated[int | float, Field(ge=0, le=10_000_000)]
"""A headcount or an FTE figure: whole or fractional."""


def one_of(model: BaseModel, first: str, second: str) -> None:
    """Refuse a model that sets both or neither of two alternative fields.

    Raises
    ------
    ValueError
        Naming both fields.
    """
    given = [name for name in (first, second) if getattr(model, name) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of '{first}' and '{second}'")


def compact_duration(seconds: float) -> str:
    """Write a duration compactly for a summary: ``"20 s"``, ``"12 min"``, ``"24 h"``, ``"7 d"``."""
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    if seconds <= 72 * 3600 or seconds % 86400:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 86400:g} d"
