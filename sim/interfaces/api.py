"""The public Python API: what ``import sim`` offers (re-exported lazily by :mod:`sim`).

Each function is the experiment or input of the layers below, with the
staffing policies registered first (they are plug-ins: loading a scenario
needs them) and the results handed back as the outputs layer's classes,
which can draw their figures and save their folders. The command line
(:mod:`sim.interfaces.cli`) calls this module for all its work; the names it
alone needs (argument checks, labels) are here too, not re-exported by :mod:`sim`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sim.staffing  # noqa: F401  (registers every policy: the scenario's staffing union)
from sim.analysis.catalogue import CATALOGUE as metrics
from sim.analysis.catalogue import format_value, metric
from sim.analysis.metrics import RUN_METRICS
from sim.basics.errors import ScenarioError
from sim.experiments import compare
from sim.experiments import optimise as optimise_module
from sim.experiments import replications as replications_module
from sim.experiments import sweep as sweep_module
from sim.experiments.attribution import BOUNDS, optimal_variant, oracle_variant, targets_report
from sim.experiments.compare import inherited_description
from sim.experiments.executor import Executor, make_executor, using
from sim.experiments.ladder import explain_idle, idle_ladder, idle_sentence
from sim.experiments.least_staffing import search as least_staffing
from sim.experiments.optimise import Requirement
from sim.experiments.replications import capped_jobs, seed_problem
from sim.experiments.results import RunResults
from sim.experiments.sweep import Parameter, resolve_seed
from sim.inputs.compile import Plan, compile_plan
from sim.inputs.scenario import (
    Scenario,
    default_scenario_path,
    json_schema,
    load_scenario,
    scenario_from_text,
)
from sim.outputs import figures as plots
from sim.outputs.comparison import Comparison
from sim.outputs.figures import BOUND_NAMES
from sim.outputs.folder_readme import unit_of
from sim.outputs.labels import label_context_of
from sim.outputs.optimum import Optimum
from sim.outputs.replay import rerun
from sim.outputs.report import build_report, write_report
from sim.outputs.results import Results, load_results
from sim.outputs.sweep import Sweep

__all__ = [
    "BOUNDS", "BOUND_NAMES", "RUN_METRICS", "build_report", "capped_jobs",
    "inherited_description", "label_context_of", "rerun", "resolve_seed", "seed_problem",
    "using", "write_report",
    "Comparison", "Executor", "Optimum", "Plan", "Results", "Scenario", "ScenarioError",
    "Sweep", "attribute_idle", "compare_scenarios", "compile_plan", "default_scenario_path",
    "idle_ladder", "idle_sentence",
    "format_value", "json_schema", "least_staffing", "load_results", "load_scenario",
    "make_executor", "metric", "metrics",
    "optimal_variant", "optimise", "oracle_variant", "plots", "run", "scenario_from_text",
    "sweep", "targets_report", "unit_of",
]


def run(scenario: Scenario, replications: int | None = None, seed: int | None = None,
        jobs: int | None = 1, progress: bool = False,
        on_replication: Callable[[replications_module.ReplicationOutput], None] | None = None,
        force: bool = False, executor: Executor | str | None = None,
        scheduler: str | None = None) -> Results:
    """Run replications of a scenario.

    The parameters are those of :func:`sim.experiments.replications.run`: the
    replications (default: the scenario's), the seed (default: the
    scenario's, else drawn and recorded), the workers (``jobs``, None: all
    cores), a progress bar, a callback per replication, ``force`` past the
    size check, and where the replications run (``executor``: ``"local"``,
    ``"dask"`` or an open executor; a dask ``scheduler`` address). The tables
    do not depend on the workers or the executor.

    Returns
    -------
    Results
    """
    with warnings.catch_warnings(record=True) as caught:  # said again below, at the caller
        warnings.simplefilter("always")
        results = replications_module.run(
            scenario, replications=replications, seed=seed, jobs=jobs, progress=progress,
            on_replication=on_replication, force=force, executor=executor, scheduler=scheduler)
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    return Results.of(results)


def attribute_idle(results: RunResults, jobs: int | None = 1, progress: bool = False,
                   bound: str = "optimal") -> Results:
    """Split a run's idle hours against a bound on the same seeds.

    With the least-staffing bound (the default) the whole ladder of
    :func:`sim.experiments.ladder.idle_ladder` runs: the idle by cause
    (``idle_by_cause``) and the two-way split against its step 2; with
    ``bound="analytic"`` the split against the analytic oracle
    (:func:`sim.experiments.attribution.attribute_idle`).

    Returns
    -------
    Results
    """
    return Results.of(explain_idle(results, jobs=jobs, progress=progress, bound=bound))


def compare_scenarios(scenarios: Sequence[Scenario], replications: int, seed: int,
                      jobs: int | None = 1, attribute: bool = False, progress: bool = False,
                      force: bool = False, metrics: Sequence[str] | None = None,
                      sources: Sequence[str | Path | None] | None = None,
                      bound: str = "optimal") -> Comparison:
    """Run scenarios with common random numbers and compare them with the first.

    See :func:`sim.experiments.compare.compare`.

    Returns
    -------
    Comparison
    """
    return Comparison.of(compare.compare(
        scenarios, replications, seed, jobs=jobs, attribute=attribute, progress=progress,
        force=force, metrics=metrics, sources=sources, bound=bound))


def sweep(scenario: Scenario, vary: Sequence[str | Parameter] | Mapping[str, Any],
          replications: int | None = None, seed: int | None = None, design: str | None = None,
          samples: int | None = None, jobs: int | None = None,
          executor: Executor | str | None = None, scheduler: str | None = None,
          out: str | Path | None = None, progress: bool = False,
          force: bool = False) -> Sweep:
    """Run a scenario over a grid or a design of parameter values.

    See :func:`sim.experiments.sweep.sweep`.

    Returns
    -------
    Sweep
    """
    return Sweep.of(sweep_module.sweep(
        scenario, vary, replications=replications, seed=seed, design=design, samples=samples,
        jobs=jobs, executor=executor, scheduler=scheduler, out=out, progress=progress,
        force=force))


def optimise(scenario: Scenario, vary: Sequence[str | Parameter] | Mapping[str, Any],
             minimise: str, require: Sequence[str | Requirement] = (),
             replications: int | None = None, seed: int | None = None, jobs: int | None = None,
             executor: Executor | str | None = None, scheduler: str | None = None,
             out: str | Path | None = None, progress: bool = False, force: bool = False,
             method: str | None = None, max_evaluations: int = 60,
             popsize: int = 6) -> Optimum:
    """Find the setting with the least ``minimise`` that meets every requirement.

    See :func:`sim.experiments.optimise.optimise`.

    Returns
    -------
    Optimum
    """
    return Optimum.of(optimise_module.optimise(
        scenario, vary, minimise, require, replications=replications, seed=seed, jobs=jobs,
        executor=executor, scheduler=scheduler, out=out, progress=progress, force=force,
        method=method, max_evaluations=max_evaluations, popsize=popsize))
