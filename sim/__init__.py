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

The names are imported on first use (PEP 562), so that ``import sim`` and
the console script start without pandas, scipy and pydantic until a command
needs them (a run can then prepare its figures in another process meanwhile).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from sim.experiments.compare import Comparison, attribute_idle
    from sim.experiments.compare import compare as compare_scenarios
    from sim.inputs.compile import Plan, compile_plan
    from sim.experiments.executor import make_executor
    from sim.experiments.replications import run
    from sim.experiments.optimise import Optimum, optimise
    from sim.outputs.results import Results, load_results
    from sim.inputs.scenario import (
        Scenario,
        ScenarioError,
        default_scenario_path,
        json_schema,
        load_scenario,
        scenario_from_text,
    )
    from sim.experiments.sweep import Sweep, sweep

#: Public name -> (module, name in that module).
_EXPORTS: dict[str, tuple[str, str]] = {
    "Comparison": ("sim.experiments.compare", "Comparison"),
    "attribute_idle": ("sim.experiments.compare", "attribute_idle"),
    "compare_scenarios": ("sim.experiments.compare", "compare"),
    "Plan": ("sim.inputs.compile", "Plan"),
    "compile_plan": ("sim.inputs.compile", "compile_plan"),
    "make_executor": ("sim.experiments.executor", "make_executor"),
    "run": ("sim.experiments.replications", "run"),
    "Optimum": ("sim.experiments.optimise", "Optimum"),
    "optimise": ("sim.experiments.optimise", "optimise"),
    "Results": ("sim.outputs.results", "Results"),
    "load_results": ("sim.outputs.results", "load_results"),
    "Scenario": ("sim.inputs.scenario", "Scenario"),
    "ScenarioError": ("sim.inputs.scenario", "ScenarioError"),
    "default_scenario_path": ("sim.inputs.scenario", "default_scenario_path"),
    "json_schema": ("sim.inputs.scenario", "json_schema"),
    "load_scenario": ("sim.inputs.scenario", "load_scenario"),
    "scenario_from_text": ("sim.inputs.scenario", "scenario_from_text"),
    "Sweep": ("sim.experiments.sweep", "Sweep"),
    "sweep": ("sim.experiments.sweep", "sweep"),
}

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


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'sim' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(_EXPORTS))
