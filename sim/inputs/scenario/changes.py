"""Dated changes of behaviour: ``changes: [{from: DATE, set: {path: value}}]``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, field_validator

from sim.inputs.scenario.base import Model

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
