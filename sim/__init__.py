"""tracesim: a discrete-event simulator of a contact-tracing call centre.

Public API::

    import sim
    scenario = sim.load_scenario("scenarios/flanders-autumn-2020.yaml")
    results = sim.run(scenario, replications=10, seed=1)
    results.summary          # mean, sd, 95 % CI of every metric
    results.daily            # one row per replication and day
    results.save("results/autumn")
    sw = sim.sweep(scenario, ["staffing.headcount=300..1200/100"], replications=5, seed=1)
    sw.table                 # one row per point and metric: mean and 95 % CI
    best = sim.optimise(scenario, ["staffing.headcount=300..1200"], "cost_per_handled_call",
                        ["index_reached_within_deadline_share>=0.95"], replications=5, seed=1)
"""

from __future__ import annotations

from sim.compare import Comparison, attribute_idle
from sim.compare import compare as compare_scenarios
from sim.compile import Plan, compile_plan
from sim.executor import make_executor
from sim.experiment import run
from sim.optimise import Optimum, optimise
from sim.results import Results, load_results
from sim.scenario import (
    Scenario,
    ScenarioError,
    default_scenario_path,
    json_schema,
    load_scenario,
    scenario_from_text,
)
from sim.sweep import Sweep, sweep  # the function sim.sweep; the module is sys.modules["sim.sweep"]

__all__ = [
    "Comparison",
    "Optimum",
    "Plan",
    "Results",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "attribute_idle",
    "compare_scenarios",
    "compile_plan",
    "default_scenario_path",
    "json_schema",
    "load_results",
    "load_scenario",
    "make_executor",
    "optimise",
    "run",
    "scenario_from_text",
    "sweep",
]
__version__ = "0.1.0"
