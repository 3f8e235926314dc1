"""Staffing policies: who decides the headcount, and when. Each policy is a plug-in.

A policy is one module of this package holding its configuration (a
:class:`~sim.inputs.scenario.staffing.StaffingCommon` subclass decorated with
:func:`~sim.inputs.scenario.staffing.staffing_config`: it joins the scenario's
``staffing`` union under its ``policy`` tag) and its class (a
:class:`~sim.model.policy.StaffingPolicy` decorated with
:func:`~sim.staffing.registry.register_policy`). Importing this package
imports every module in it, so a new module is found without being named
anywhere: neither the scenario schema nor this file is edited to add a policy.

==============  ==============================================================
``fixed``       the same staffing every day
``schedule``    staffing by date (a replay of what was billed)
``reactive``    the oracle's arithmetic on realised demand, with hysteresis
``oracle``      perfect foresight of the expected demand (a bound)
``forecast``    the oracle's method on a noisy forecast
``pool``        a core team plus agents called in from a flexible pool
``optimal``     the least staffing found by simulation (planned before the run)
==============  ==============================================================

Shared by several of them: ``registry`` (:func:`make_policy`), ``planning``
(the service target and its arithmetic), ``workload`` (expected work,
Erlang staffing, planning across days), ``headcount`` (headcount and FTE as
whole agents), ``table`` (a planned table played as it is).
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.staffing.registry import make_policy, policy_class, register_policy, registered_policies


def _import_plug_ins() -> None:
    """Import every module of the package: each policy registers itself as it is read."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_plug_ins()

__all__ = ["make_policy", "policy_class", "register_policy", "registered_policies"]
