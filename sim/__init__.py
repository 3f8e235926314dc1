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
    from sim.compare import Comparison, attribute_idle
    from sim.compare import compare as compare_scenarios
    from sim.compile import Plan, compile_plan
    from sim.executor import make_executor
    from sim.experiment import run
    from sim.optimisation import Optimum, optimise
    from sim.results import Results, load_results
    from sim.scenario import (
        Scenario,
        ScenarioError,
        default_scenario_path,
        json_schema,
        load_scenario,
        scenario_from_text,
    )
    from sim.sweeps import Sweep, sweep

#: Public name -> (module, name in that module).
_EXPORTS: dict[str, tuple[str, str]] = {
    "Comparison": ("sim.compare", "Comparison"),
    "attribute_idle": ("sim.compare", "attribute_idle"),
    "compare_scenarios": ("sim.compare", "compare"),
    "Plan": ("sim.compile", "Plan"),
    "compile_plan": ("sim.compile", "compile_plan"),
    "make_executor": ("sim.executor", "make_executor"),
    "run": ("sim.experiment", "run"),
    "Optimum": ("sim.optimisation", "Optimum"),
    "optimise": ("sim.optimisation", "optimise"),
    "Results": ("sim.results", "Results"),
    "load_results": ("sim.results", "load_results"),
    "Scenario": ("sim.scenario", "Scenario"),
    "ScenarioError": ("sim.scenario", "ScenarioError"),
    "default_scenario_path": ("sim.scenario", "default_scenario_path"),
    "json_schema": ("sim.scenario", "json_schema"),
    "load_scenario": ("sim.scenario", "load_scenario"),
    "scenario_from_text": ("sim.scenario", "scenario_from_text"),
    "Sweep": ("sim.sweeps", "Sweep"),
    "sweep": ("sim.sweeps", "sweep"),
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
