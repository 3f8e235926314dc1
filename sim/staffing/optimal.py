"""The ``optimal`` policy: the least staffing that meets the targets, found by simulation.

The search (:mod:`sim.experiments.least_staffing`) runs before the
replications, as an experiment step: it simulates the scenario again and
again with common random numbers and hands the run a
:class:`~sim.staffing.table.StaffingTable`, which :class:`OptimalPolicy`
plays. The policy itself simulates nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Share, StaffingCommon, staffing_config
from sim.staffing.planning import MinStay
from sim.staffing.registry import register_policy
from sim.staffing.table import StaffingTable, TablePolicy


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
    the bound). ``inbound_staffing``: ``at_least_target`` gives every interval
    the least agents whose level reaches ``inbound_target_sl`` (so each lies
    between the target and one agent's step above it); ``time_stable`` gives
    each the agents whose level is nearest the target and adds agents to the
    lowest intervals until the run is at the target, so that every interval
    lies within about half a step of it (Feldman et al.'s time-stable
    performance with whole agents).
    """

    policy: Literal["optimal"]
    index_within_share: Share = 0.95
    contacts_within_share: Share = 0.90
    inbound_target_sl: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.8
    min_stay: MinStay = 7 * DAY_S
    search_replications: int = Field(default=3, ge=1, le=50)
    demand_quantile: Annotated[float, Field(ge=0.5, lt=1.0)] = 0.95
    max_iterations: int = Field(default=40, ge=1, le=200)
    search_seed: int = Field(default=2008, ge=0)
    inbound_staffing: Literal["at_least_target", "time_stable"] = "at_least_target"

    def summary(self) -> str:
        """E.g. ``"least staffing found by simulation (95 % / 90 % / 80 % targets)"``."""
        return (f"least staffing found by simulation ({100 * self.index_within_share:g} % / "
                f"{100 * self.contacts_within_share:g} % / {100 * self.inbound_target_sl:g} % "
                "targets)")


@register_policy(OptimalStaffing)
class OptimalPolicy(TablePolicy):
    """Play the least staffing that the search found before the run."""

    @classmethod
    def from_config(cls, plan: Plan, config: OptimalStaffing, rng: np.random.Generator,
                    planned: object | None = None) -> OptimalPolicy:
        """Build the policy from the table planned before the run.

        Raises
        ------
        ValueError
            When no table was planned (run the scenario through
            :func:`sim.experiments.replications.run`, which plans it first).
        """
        if not isinstance(planned, StaffingTable):
            raise ValueError("policy 'optimal' plays the table of the least-staffing search, "
                             "which runs before the simulation (sim.experiments.planning."
                             "plan_staffing); none was given")
        return cls(planned)
