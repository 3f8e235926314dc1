"""A staffing table played as it is: agents per day and template, and the inbound reserve.

What a planner that needs simulations hands the engine (the least staffing
found by :mod:`sim.experiments.least_staffing`), played by :class:`TablePolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.compile import Plan
from sim.model.policy import StaffingPolicy


@dataclass(frozen=True)
class StaffingTable:
    """Whole agents per day and shift template, and agents kept for inbound per interval.

    Attributes
    ----------
    per_template
        Shape (days, templates): agents rostered on each template each day.
    reserve
        Agents kept for inbound calls, per reporting interval of the run.
    """

    per_template: np.ndarray
    reserve: np.ndarray

    @property
    def headcount(self) -> np.ndarray:
        """Agents on the roster per day."""
        return self.per_template.sum(axis=1)


class TablePolicy(StaffingPolicy):
    """Play a :class:`StaffingTable`: its headcount, its split over templates, its reserve."""

    def __init__(self, table: StaffingTable) -> None:
        self.table = table

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the table's headcount per day."""
        return self.table.headcount[:n_days].astype(np.int64)

    def template_headcount(self, day: int, count: int) -> np.ndarray | None:
        """Return the table's agents per template on ``day``."""
        return self.table.per_template[day].copy()

    def inbound_reserve(self, plan: Plan) -> np.ndarray | None:
        """Return the agents kept for inbound per interval."""
        return self.table.reserve.copy()
