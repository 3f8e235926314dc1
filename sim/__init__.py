"""tracesim: a discrete-event simulator of a contact-tracing call centre.

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/flanders-autumn-2020.yaml")
    results = sim.run(scenario, replications=10, seed=1)
    results.summary          # mean, sd, 95 % CI of every metric
    results.daily            # one row per replication and day
    results.save("results/autumn")
"""

from __future__ import annotations

from sim.compare import Comparison, attribute_idle
from sim.compare import compare as compare_scenarios
from sim.compile import Plan, compile_plan
from sim.experiment import run
from sim.results import Results, load_results
from sim.scenario import (
    Scenario,
    ScenarioError,
    default_scenario_path,
    json_schema,
    load_scenario,
    scenario_from_text,
)

__all__ = [
    "Comparison",
    "Plan",
    "Results",
    "Scenario",
    "ScenarioError",
    "attribute_idle",
    "compare_scenarios",
    "compile_plan",
    "default_scenario_path",
    "json_schema",
    "load_results",
    "load_scenario",
    "run",
    "scenario_from_text",
]
__version__ = "0.1.0"
