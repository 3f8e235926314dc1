"""The ``fixed`` policy: the same staffing every day (fewer agents on days with fewer templates)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from sim.inputs.compile import Plan
from sim.inputs.scenario import Staff, StaffingCommon, one_of, staffing_config
from sim.model.policy import StaffingPolicy
from sim.staffing.headcount import agents_per_day
from sim.staffing.registry import register_policy


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
        one_of(self, "headcount", "fte")
        return self

    def summary(self) -> str:
        """E.g. ``"fixed staffing, 864 agents"`` or ``"fixed staffing, 330.92 FTE"``."""
        return f"fixed staffing, {staff_text(self.headcount, self.fte)}"


def staff_text(headcount: float | None, fte: float | None) -> str:
    """Return a headcount or FTE figure as written, e.g. ``"864 agents"``, ``"330.92 FTE"``."""
    if headcount is not None:
        return f"{headcount:,g} agents"
    return f"{fte:,g} FTE"


@register_policy(FixedStaffing)
class FixedPolicy(StaffingPolicy):
    """The same staffing every day (fewer agents on days with fewer templates)."""

    def __init__(self, agents: np.ndarray) -> None:
        self.agents = np.asarray(agents, dtype=np.int64)

    @classmethod
    def from_config(cls, plan: Plan, config: FixedStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> FixedPolicy:
        """Build the policy from the scenario's ``headcount`` or ``fte``."""
        fte = config.fte is not None
        value = float(config.fte if fte else config.headcount)  # type: ignore[arg-type]
        return cls(agents_per_day(plan, np.full(plan.n_days, value), fte))

    @classmethod
    def expected_agents_per_day(cls, plan: Plan, config: FixedStaffing) -> np.ndarray:
        """Return the plan: it is known before the run."""
        return cls.from_config(plan, config, np.random.default_rng(0)).agents.astype(float)

    def initial_plan(self, n_days: int) -> np.ndarray:
        """Return the plan."""
        return self.agents[:n_days].copy()
