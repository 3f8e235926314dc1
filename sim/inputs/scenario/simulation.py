"""The ``simulation`` section: seed, replications, reporting interval, logs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sim.basics.units import DAY_S
from sim.inputs.scenario.base import Duration, Model


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
