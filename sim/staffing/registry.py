"""The registry of staffing policies: each policy class against its configuration class.

A policy is a plug-in: one module of :mod:`sim.staffing` holds its
configuration (a :class:`~sim.inputs.scenario.staffing.StaffingCommon`
subclass registered with :func:`~sim.inputs.scenario.staffing.staffing_config`,
which puts it in the scenario's ``staffing`` union) and its class (a
:class:`~sim.model.policy.StaffingPolicy` registered here with
:func:`register_policy`). :func:`make_policy` builds the one a scenario names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from sim.inputs.compile import Plan
from sim.inputs.scenario import STAFFING_CONFIGS, StaffingCommon
from sim.model.policy import StaffingPolicy

_Policy = TypeVar("_Policy", bound=type[StaffingPolicy])

_POLICIES: dict[type[StaffingCommon], type[StaffingPolicy]] = {}


def register_policy(config_type: type[StaffingCommon]) -> Callable[[_Policy], _Policy]:
    """Register a policy class for a staffing configuration class (class decorator).

    Parameters
    ----------
    config_type
        A configuration class registered in the scenario schema
        (:func:`sim.inputs.scenario.staffing_config`).

    Returns
    -------
    callable
        The decorator; it returns the class unchanged.
    """
    if config_type not in STAFFING_CONFIGS.values():
        raise ValueError(f"{config_type.__name__} is not a registered staffing configuration")

    def register(policy_type: _Policy) -> _Policy:
        if config_type in _POLICIES:
            raise ValueError(f"a policy is already registered for {config_type.__name__}")
        _POLICIES[config_type] = policy_type
        return policy_type

    return register


def policy_class(config: StaffingCommon) -> type[StaffingPolicy]:
    """Return the policy class registered for a staffing configuration.

    Parameters
    ----------
    config
        A scenario's ``staffing`` section.

    Returns
    -------
    type
        The :class:`StaffingPolicy` subclass.

    Raises
    ------
    LookupError
        When no policy is registered for the configuration's class.
    """
    try:
        return _POLICIES[type(config)]
    except KeyError:
        raise LookupError(
            f"no staffing policy is registered for {type(config).__name__}"
        ) from None


def registered_policies() -> dict[str, type[StaffingPolicy]]:
    """Return the policy classes by ``policy`` tag, in the schema's order."""
    return {tag: _POLICIES[config] for tag, config in STAFFING_CONFIGS.items()
            if config in _POLICIES}




def make_policy(plan: Plan, rng: np.random.Generator | None = None,
                planned: object | None = None) -> StaffingPolicy:
    """Build the policy object that ``plan.scenario.staffing`` describes.

    Parameters
    ----------
    plan
        The compiled scenario.
    rng
        Generator for a policy's own randomness (the ``forecast`` error);
        a generator seeded with 0 when None.
    planned
        What an experiment step planned before the run, for a policy that
        needs it (the least staffing's table, :mod:`sim.experiments.planning`).

    Returns
    -------
    StaffingPolicy
        A fresh policy: it holds the state of one run.
    """
    staffing = plan.scenario.staffing
    return policy_class(staffing).from_config(plan, staffing, rng or np.random.default_rng(0),
                                              planned)
