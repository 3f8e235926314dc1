"""The staffing registry: the scenario union built from it, policies looked up in it."""

from __future__ import annotations

import functools
import importlib
import typing

import numpy as np
import pytest

import sim
from sim.experiments.planning import plan_staffing
from sim.inputs.compile import compile_plan
from sim.inputs.scenario import (
    STAFFING_CONFIGS,
    Scenario,
    StaffingCommon,
    discriminator_tag,
    staffing_config,
    union_members,
)
from sim.model.policy import StaffingPolicy
from sim.staffing import make_policy, policy_class, register_policy, registered_policies
from sim.staffing.fixed import FixedStaffing
from tests.scenarios_for_tests import make

TAGS = ("fixed", "forecast", "optimal", "oracle", "pool", "reactive", "schedule")  # by tag
"""The order of the union: JSON schema and error messages depend on it."""

CONFIGS = {
    "fixed": {"policy": "fixed", "headcount": 5},
    "forecast": {"policy": "forecast", "initial_headcount": 5},
    "optimal": {"policy": "optimal"},
    "oracle": {"policy": "oracle"},
    "pool": {"policy": "pool", "core_headcount": 3, "pool_size": 4},
    "reactive": {"policy": "reactive", "initial_headcount": 5},
    "schedule": {"policy": "schedule", "schedule": [{"date": "2020-09-07", "headcount": 4}]},
}


def test_the_registry_holds_every_policy_in_a_stable_order():
    assert tuple(STAFFING_CONFIGS) == TAGS
    assert tuple(CONFIGS) == TAGS
    for tag, config in STAFFING_CONFIGS.items():
        assert discriminator_tag(config, "policy") == tag
        assert issubclass(config, StaffingCommon)


def test_the_staffing_union_is_built_from_the_registry():
    field = Scenario.model_fields["staffing"]
    assert field.discriminator == "policy"
    assert list(typing.get_args(field.annotation)) == list(STAFFING_CONFIGS.values())
    assert list(union_members(field)) == list(TAGS)
    refs = [item["$ref"].rsplit("/", 1)[-1]
            for item in sim.json_schema()["properties"]["staffing"]["oneOf"]]
    assert refs == [config.__name__ for config in STAFFING_CONFIGS.values()]


def test_the_epidemic_union_tags_are_derived_too():
    assert list(union_members(Scenario.model_fields["epidemic"])) == ["waves", "seir", "csv",
                                                                      "sources"]
    assert union_members(Scenario.model_fields["calendar"]) == {}


def test_the_registry_is_read_only_and_refuses_a_tag_twice():
    with pytest.raises(TypeError):
        STAFFING_CONFIGS["other"] = FixedStaffing  # type: ignore[index]

    class AnotherFixed(StaffingCommon):
        policy: typing.Literal["fixed"]

    with pytest.raises(ValueError, match="registered twice"):
        staffing_config(AnotherFixed)
    assert STAFFING_CONFIGS["fixed"] is FixedStaffing


def test_every_configuration_has_a_policy_and_make_policy_looks_it_up():
    policies = registered_policies()
    assert tuple(policies) == TAGS
    for tag, data in CONFIGS.items():
        plan = compile_plan(make(staffing=data))
        assert plan.scenario.staffing.policy == tag
        planned = plan_staffing(plan)  # the least staffing is searched before the run
        assert (planned is not None) == (tag == "optimal")
        policy = make_policy(plan, np.random.default_rng(1),
                             planned.for_policy if planned is not None else None)
        assert type(policy) is policies[tag] is policy_class(plan.scenario.staffing)
        plan_days = policy.initial_plan(plan.n_days)
        assert plan_days.shape == (plan.n_days,) and plan_days.dtype == np.int64


def test_register_policy_refuses_unknown_configurations_and_a_second_policy():
    class Unregistered(StaffingCommon):
        policy: typing.Literal["nobody"]

    with pytest.raises(ValueError, match="not a registered"):
        register_policy(Unregistered)

    with pytest.raises(ValueError, match="already registered"):
        @register_policy(FixedStaffing)
        class Again(StaffingPolicy):
            def initial_plan(self, n_days: int) -> np.ndarray:
                return np.zeros(n_days, dtype=np.int64)

    assert registered_policies()["fixed"].__name__ == "FixedPolicy"


def test_a_configuration_without_a_policy_is_a_clear_error():
    class Orphan(StaffingCommon):
        policy: typing.Literal["orphan"]

    with pytest.raises(LookupError, match="Orphan"):
        policy_class(Orphan(policy="orphan"))


def test_each_make_policy_is_a_fresh_object_with_the_same_plan():
    plan = compile_plan(make(staffing=CONFIGS["oracle"]))
    first, second = make_policy(plan), make_policy(plan)
    assert first is not second
    np.testing.assert_array_equal(first.initial_plan(plan.n_days),
                                  second.initial_plan(plan.n_days))
    np.testing.assert_array_equal(first.inbound_reserve(plan), second.inbound_reserve(plan))


def _modules(package: str) -> list[str]:
    import pkgutil

    path = importlib.import_module(package).__path__
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules(path)]


@pytest.mark.parametrize("module", _modules("sim.inputs.scenario") + _modules("sim.staffing"))
def test_no_module_level_caches(module):
    namespace = vars(importlib.import_module(module))
    cached = [name for name, value in namespace.items()
              if hasattr(value, "cache_info") or isinstance(value, functools.cached_property)]
    assert cached == []
    assert not any("CACHE" in name.upper() for name in namespace if not name.startswith("__"))
