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
    from sim.interfaces.api import (
        Comparison,
        Optimum,
        Plan,
        Results,
        Scenario,
        ScenarioError,
        Sweep,
        attribute_idle,
        compare_scenarios,
        compile_plan,
        default_scenario_path,
        format_value,
        idle_ladder,
        idle_sentence,
        json_schema,
        least_staffing,
        load_results,
        load_scenario,
        make_executor,
        metric,
        metrics,
        optimal_variant,
        optimise,
        oracle_variant,
        plots,
        run,
        scenario_from_text,
        sweep,
        targets_report,
        unit_of,
    )


__all__ = [
    "metrics",
    "metric",
    "format_value",
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
    "idle_ladder",
    "idle_sentence",
    "json_schema",
    "least_staffing",
    "load_results",
    "load_scenario",
    "make_executor",
    "optimal_variant",
    "optimise",
    "oracle_variant",
    "plots",
    "run",
    "scenario_from_text",
    "sweep",
    "targets_report",
    "unit_of",
]
#: The public names, all from :mod:`sim.interfaces.api` (the interfaces layer).
_EXPORTS: frozenset[str] = frozenset(__all__)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module("sim.interfaces.api"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, the lazily imported ones included."""
    return sorted(set(globals()) | set(_EXPORTS))
