"""The whole scenario: every section, dated changes of behaviour, and copies with fields changed.

The ``staffing`` field is the tagged union of the staffing configurations
registered so far (:mod:`sim.inputs.scenario.staffing`): the model is built
when it is first used, after the policies have registered (``import
sim.staffing``), and rebuilt if a policy registers later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from sim.basics.errors import ScenarioError
from sim.inputs.scenario.agents import Agents
from sim.inputs.scenario.base import Model
from sim.inputs.scenario.calendar import Calendar
from sim.inputs.scenario.changes import Change
from sim.inputs.scenario.checks import cross_field_checks
from sim.inputs.scenario.costs import Costs
from sim.inputs.scenario.demand import Epidemic, Reporting
from sim.inputs.scenario.inbound import Inbound
from sim.inputs.scenario.simulation import Simulation
from sim.inputs.scenario.staffing import (
    STAFFING_CONFIGS,
    StaffingCommon,
    on_registration,
    staffing_union,
)
from sim.inputs.scenario.tracing import Tracing
from sim.inputs.scenario.validation import set_path, validated

if TYPE_CHECKING:
    StaffingUnion = StaffingCommon
    """Any registered staffing configuration, told apart by ``policy``."""


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
    staffing: StaffingUnion
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
            values are written as in YAML (durations with units). A section
            given whole (``{"staffing": {"policy": "oracle"}}``) replaces it.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            One line per problem; a value refused is placed at ``--set PATH=VALUE``.
        """
        data = self.model_dump(mode="json", by_alias=True)
        sets = {}
        for path, value in changes.items():
            try:
                set_path(data, path, value)
            except (ValueError, IndexError, TypeError):
                raise ScenarioError([f"--set {path}={json.dumps(value)}: the scenario has no "
                                     f"place {path} (a list item that is not there?)"]) from None
            sets[tuple(path.split("."))] = f"{path}={json.dumps(value)}"
        return validated(type(self), data, f"<{self.name}>", cross_field_checks, sets=sets)

    def to_yaml(self) -> str:
        """Return the resolved scenario as YAML (every default written out)."""
        data = self.model_dump(mode="json", by_alias=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _dumped(value: Any) -> Any:
    """Return a validated field's value as written in a file."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_dumped(item) for item in value]
    return value


def _set_changed(data: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of nested dicts (lists by index); no new levels."""
    keys = path.split(".")
    node: Any = data
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value


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
                _set_changed(data, path, value)
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


def scenario_model() -> type[Scenario]:
    """Return :class:`Scenario`, built with every staffing policy registered so far.

    Raises
    ------
    LookupError
        When no policy is registered (``import sim.staffing`` registers them).
    """
    _build_staffing_union()
    if not Scenario.__pydantic_complete__:
        Scenario.model_rebuild()
    return Scenario


def _build_staffing_union() -> None:
    """Make ``staffing`` the union of the registered configurations (rebuild if built)."""
    union = staffing_union()
    globals()["StaffingUnion"] = union
    if Scenario.__pydantic_complete__:  # a policy registered after the first use
        Scenario.__pydantic_fields__["staffing"] = FieldInfo.from_annotation(union)
        Scenario.model_rebuild(force=True)


on_registration(_build_staffing_union)
if STAFFING_CONFIGS:  # policies registered before this module was read
    _build_staffing_union()
