"""The cheapest setting that meets service requirements, found by simulation.

``optimise`` varies fields of a scenario within bounds and looks for the
setting with the least mean of a metric (``cost_per_handled_call``) among
those that meet every requirement (``index_reached_within_deadline_share >=
0.95``) **with 95 % confidence**: the Student-t confidence bound on the side of
the threshold must be past it (for ``>=`` the lower bound, for ``<=`` the
upper one). Every evaluation runs the same replications with the same seed
(common random numbers), so the comparison of two settings is not blurred by
luck, and an evaluation gives exactly the numbers of ``tracesim run`` with
that seed and the values set.

Two methods:

``bisection``
    One parameter on an integer grid (an integer range ``LO..HI``, a range
    with a step, or a list), assumed **monotone**: whether the requirements
    are met changes once along the range (more agents, better service). Both
    ends are evaluated, then the boundary is bisected: about
    ``2 + log2(points)`` evaluations. The answer is the cheapest evaluated
    setting that meets the requirements (with a monotone cost, the setting
    at the boundary).
``differential_evolution``
    Several parameters: :func:`scipy.optimize.differential_evolution` with
    the requirements as nonlinear constraints (feasibility rules: a setting
    meeting them beats one that does not; among the others the smaller
    violation wins), ``integrality`` for grid parameters, and a seeded
    generator. It was chosen over optuna's constrained sampler because it
    needs no new dependency, handles integer and constrained problems, is
    reproducible with a seed, and evaluates a whole generation at once
    (``vectorized``), which is how the generation's points reach the
    executor together and run in parallel. The budget is
    ``max_evaluations`` settings (repeated settings are not run again).

Every evaluation goes through the sweep's :class:`sim.experiments.sweep.Evaluator`, so it
is cached in the output directory like a sweep's points and can run on any
executor.
"""

from __future__ import annotations

import dataclasses
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.metrics import RUN_METRICS
from sim.experiments.cache import PointCache
from sim.experiments.executor import Executor, executor_for
from sim.experiments.sweep import (
    CONFIDENCE,
    Evaluation,
    Evaluator,
    Parameter,
    SweepError,
    _parameters,
    _value_column,
    resolve_replications,
    resolve_seed,
)
from sim.inputs.scenario import Scenario
from sim.plumbing.progress import progress_bar

__all__ = ["METHODS", "OptimumResults", "Requirement", "optimise", "parse_requirement"]

METHODS = ("bisection", "differential_evolution")
#: Violation given to a requirement whose metric is undefined (NaN) at a setting.
UNDEFINED_VIOLATION = 1e6
_REQUIREMENT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=)\s*"
                          r"([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*(%?)\s*$")


@dataclass(frozen=True)
class Requirement:
    """``metric >= threshold`` or ``metric <= threshold``, met with 95 % confidence.

    Attributes
    ----------
    metric
        A run metric (see :data:`sim.analysis.metrics.RUN_METRICS`).
    op
        ``">="`` or ``"<="``.
    threshold
        The value to meet.
    """

    metric: str
    op: str
    threshold: float

    def __str__(self) -> str:
        """Write the requirement as on the command line."""
        return f"{self.metric}{self.op}{self.threshold:g}"

    def bound(self, evaluation: Evaluation) -> float:
        """Return the confidence bound compared with the threshold."""
        m = evaluation.metric(self.metric)
        return m["ci_low"] if self.op == ">=" else m["ci_high"]

    def violation(self, evaluation: Evaluation) -> float:
        """Return by how much the bound misses the threshold (0 when met)."""
        bound = self.bound(evaluation)
        if not math.isfinite(bound):
            return UNDEFINED_VIOLATION
        return max(0.0, self.threshold - bound if self.op == ">=" else bound - self.threshold)

    def met(self, evaluation: Evaluation) -> bool:
        """Whether the bound is on the right side of the threshold."""
        return self.violation(evaluation) == 0.0


def parse_requirement(text: str) -> Requirement:
    """Parse ``METRIC>=X`` or ``METRIC<=X`` (``X`` may end in ``%``).

    Raises
    ------
    SweepError
        Not of that form, or an unknown metric.
    """
    match = _REQUIREMENT.match(text)
    if not match:
        raise SweepError(f"--require {text}: expected METRIC>=X or METRIC<=X, e.g. "
                         "'index_reached_within_deadline_share>=0.95'")
    metric, op, number, percent = match.groups()
    _check_metric("--require", metric)
    value = float(number) / (100.0 if percent else 1.0)
    return Requirement(metric=metric, op=op, threshold=value)


def _check_metric(option: str, metric: str) -> None:
    if metric not in RUN_METRICS:
        close = [m for m in RUN_METRICS if metric in m or m in metric][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise SweepError(f"{option} {metric}: not a run metric (see summary.csv){hint}")


# --------------------------------------------------------------------------- axes


@dataclass(frozen=True)
class _Axis:
    """A parameter seen by the search: a grid of ``size`` values or a continuous range."""

    param: Parameter
    size: int | None  # None: continuous

    @classmethod
    def of(cls, p: Parameter) -> _Axis:
        if p.values is not None:
            return cls(p, len(p.values))
        if p.step is None and p.decimals == 0 and float(p.low or 0).is_integer() \
                and float(p.high or 0).is_integer():
            p = dataclasses.replace(p, step=1.0)
        return cls(p, p.grid_size() if p.step is not None else None)

    def value(self, x: float) -> Any:
        if self.size is None:
            return self.param.value(x)
        k = int(min(max(round(x), 0), self.size - 1))
        return self.param.values[k] if self.param.values is not None \
            else self.param.grid_value(k)

    def bounds(self) -> tuple[float, float]:
        if self.size is None:
            assert self.param.low is not None and self.param.high is not None
            return (self.param.low, self.param.high)
        return (0.0, float(self.size - 1))


# --------------------------------------------------------------------------- the search


class _Search:
    """Evaluates settings through an :class:`Evaluator` and logs each one once."""

    def __init__(self, evaluator: Evaluator, axes: Sequence[_Axis], minimise: str,
                 requirements: Sequence[Requirement]) -> None:
        self.evaluator, self.axes = evaluator, list(axes)
        self.minimise, self.requirements = minimise, list(requirements)
        self.log: list[Evaluation] = []
        self.boundary: Evaluation | None = None  # bisection: the feasible side's edge
        self._seen: set[str] = set()

    def evaluate(self, points: Sequence[Mapping[str, Any]]) -> list[Evaluation]:
        evaluations = self.evaluator.evaluate(points)
        for e in evaluations:
            if e.scenario_hash not in self._seen:
                self._seen.add(e.scenario_hash)
                self.log.append(e)
        return evaluations

    def at(self, xs: Sequence[float]) -> dict[str, Any]:
        return {a.param.path: a.value(x) for a, x in zip(self.axes, xs, strict=True)}

    def feasible(self, e: Evaluation) -> bool:
        return all(r.met(e) for r in self.requirements)

    def objective(self, e: Evaluation) -> float:
        value = e.metric(self.minimise)["mean"]
        return value if math.isfinite(value) else UNDEFINED_VIOLATION

    def best(self) -> Evaluation | None:
        feasible = [e for e in self.log if self.feasible(e)]
        return min(feasible, key=self.objective) if feasible else None


def _bisect(search: _Search, max_evaluations: int) -> None:
    """Find the boundary of the feasible settings of one monotone grid parameter.

    Then walk from the boundary into the feasible side while the objective
    falls (a cost per handled call can fall with more agents, as fewer
    callers abandon), so the answer is the cheapest feasible setting when the
    objective has one minimum on the feasible side.
    """
    axis = search.axes[0]
    assert axis.size is not None
    lo, hi = 0, axis.size - 1
    first, last = search.evaluate([search.at([lo]), search.at([hi])])
    ok_lo, ok_hi = search.feasible(first), search.feasible(last)
    if not ok_lo and not ok_hi:
        return  # met nowhere (with a monotone parameter, nowhere in the range)
    if ok_lo and ok_hi:  # met at both ends: walk inwards from the cheaper one
        start, step = (lo, 1) if search.objective(first) <= search.objective(last) else (hi, -1)
        _walk(search, start, step, max_evaluations)
        return
    while hi - lo > 1:
        mid = (lo + hi) // 2
        (e,) = search.evaluate([search.at([mid])])
        if search.feasible(e) == ok_hi:
            hi = mid
        else:
            lo = mid
    edge = hi if ok_hi else lo
    (search.boundary,) = search.evaluate([search.at([edge])])
    _walk(search, edge, 1 if ok_hi else -1, max_evaluations)


def _walk(search: _Search, k: int, step: int, max_evaluations: int) -> None:
    """Step along the grid from ``k`` while the objective falls and the setting is feasible."""
    axis = search.axes[0]
    assert axis.size is not None
    (current,) = search.evaluate([search.at([k])])
    while 0 <= k + step < axis.size and len(search.log) < max_evaluations:
        (e,) = search.evaluate([search.at([k + step])])
        if not search.feasible(e) or search.objective(e) >= search.objective(current):
            return
        k, current = k + step, e


def _evolve(search: _Search, seed: int, max_evaluations: int, popsize: int) -> None:
    """Differential evolution over all parameters, a generation evaluated at once."""
    from scipy.optimize import NonlinearConstraint, differential_evolution

    def batch(xs: np.ndarray) -> list[Evaluation]:
        columns = np.atleast_2d(np.asarray(xs, dtype=float).T)
        return search.evaluate([search.at(col) for col in columns])

    def objective(xs: np.ndarray) -> np.ndarray:
        return np.array([search.objective(e) for e in batch(xs)])

    def constraint(xs: np.ndarray) -> np.ndarray:
        evaluations = batch(xs)
        return np.array([[r.violation(e) for e in evaluations] for r in search.requirements])

    dims = len(search.axes)
    generation = popsize * dims
    maxiter = max(1, max_evaluations // generation - 1)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(b"de"),)))
    constraints = ([NonlinearConstraint(constraint, -np.inf, 0.0)]
                   if search.requirements else [])
    differential_evolution(
        objective, [a.bounds() for a in search.axes], constraints=constraints,
        integrality=[a.size is not None for a in search.axes], vectorized=True,
        updating="deferred", popsize=popsize, maxiter=maxiter, polish=False, rng=rng,
        init="sobol", tol=0.0)


# --------------------------------------------------------------------------- the result


@dataclass
class OptimumResults:
    """What :func:`optimise` returns (no files).

    Attributes
    ----------
    scenario
        The base scenario.
    parameters
        The varied fields.
    minimise, requirements
        The objective and the requirements.
    seed, replications
        Common to every evaluation.
    method
        ``"bisection"`` or ``"differential_evolution"``.
    log
        Every distinct setting evaluated, in order.
    best
        The cheapest evaluated setting that meets every requirement, or None.
    boundary
        Bisection: the setting at the edge of those meeting the requirements
        (the least headcount that meets them), or None. The cheapest setting
        can lie past it when the minimised metric still falls there.
    """

    scenario: Scenario
    parameters: list[Parameter]
    minimise: str
    requirements: list[Requirement]
    seed: int
    replications: int
    method: str
    log: list[Evaluation]
    best: Evaluation | None
    boundary: Evaluation | None = None
    run_points: int = 0
    cached_points: int = 0
    evaluations: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        """Tabulate the evaluations."""
        self.evaluations = self._table()

    @property
    def feasible(self) -> bool:
        """Whether some evaluated setting met every requirement."""
        return self.best is not None

    @property
    def metrics(self) -> list[str]:
        """The objective, then the required metrics (each once)."""
        return list(dict.fromkeys([self.minimise, *(r.metric for r in self.requirements)]))

    def _table(self) -> pd.DataFrame:
        """One row per evaluation (``optimise.csv``)."""
        table = pd.DataFrame({"evaluation": np.arange(1, len(self.log) + 1, dtype=np.int64)})
        for p in self.parameters:
            table[p.path] = _value_column([e.values[p.path] for e in self.log])
        table["feasible"] = [all(r.met(e) for r in self.requirements) for e in self.log]
        for name in self.metrics:
            for stat in ("mean", "ci_low", "ci_high"):
                table[f"{name}_{stat}"] = [e.metric(name)[stat] for e in self.log]
        table["best"] = [self.best is not None and e is self.best for e in self.log]
        table["scenario_hash"] = [e.scenario_hash for e in self.log]
        return table

    def result(self) -> dict[str, Any]:
        """Return the content of ``optimum.json``: the setting, its metrics and the search."""
        best = self.best
        return {
            "scenario": self.scenario.name,
            "minimise": self.minimise,
            "require": [str(r) for r in self.requirements],
            "confidence": CONFIDENCE,
            "seed": self.seed,
            "replications": self.replications,
            "method": self.method,
            "evaluations": len(self.log),
            "evaluations_run": self.run_points,
            "evaluations_read_from_cache": self.cached_points,
            "feasible": self.feasible,
            "point": dict(best.values) if best else None,
            "boundary": dict(self.boundary.values) if self.boundary else None,
            "metrics": {m: best.metric(m) for m in self.metrics} if best else None,
        }


def _method(axes: Sequence[_Axis], method: str | None) -> str:
    one_grid = len(axes) == 1 and axes[0].size is not None
    method = method or ("bisection" if one_grid else "differential_evolution")
    if method not in METHODS:
        raise SweepError(f"--method {method}: use one of {', '.join(METHODS)}")
    if method == "bisection" and not one_grid:
        raise SweepError("bisection needs one parameter on an integer grid (LO..HI with integers, "
                         "LO..HI/STEP, or a list)")
    return method


def _bar_total(method: str, axes: Sequence[_Axis], max_evaluations: int) -> int:
    if method == "bisection":
        size = axes[0].size or 2
        return 3 + math.ceil(math.log2(max(size - 1, 1)))
    return max_evaluations


def optimise(
    scenario: Scenario,
    vary: Sequence[str | Parameter] | Mapping[str, Any],
    minimise: str,
    require: Sequence[str | Requirement] = (),
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    executor: Executor | str | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    force: bool = False,
    method: str | None = None,
    max_evaluations: int = 60,
    popsize: int = 6,
) -> OptimumResults:
    """Find the setting with the least ``minimise`` that meets every requirement.

    Parameters
    ----------
    scenario
        The base scenario.
    vary
        Bounds of the fields to vary, as ``--vary``: ``"staffing.headcount=300..1200"``
        (integers), ``"x=0h..48h/12h"`` (a grid), ``"x=a,b,c"`` (a list), or
        :class:`sim.experiments.sweep.Parameter` objects, or a mapping path to spec.
    minimise
        The run metric to minimise (mean over replications).
    require
        ``"METRIC>=X"`` / ``"METRIC<=X"`` strings or :class:`Requirement`;
        met when the 95 % confidence bound is past the threshold.
    replications
        Of every evaluation (default: the scenario's; at least 2).
    seed
        Common to every evaluation (default: the scenario's, else drawn).
    jobs, executor, scheduler
        Where the replications run (see :func:`sim.experiments.sweep.sweep`).
    out
        Output directory whose ``cache/`` keeps evaluated settings (shared
        with sweeps into the same directory). None: no cache.
    progress
        One progress bar over all replications run.
    force
        Run settings beyond the size check.
    method
        ``"bisection"`` (default for one grid parameter) or
        ``"differential_evolution"`` (default otherwise).
    max_evaluations
        Budget of settings evaluated (differential evolution; the bisection's
        walk from the boundary stops there too).
    popsize
        Differential evolution's population per parameter.

    Returns
    -------
    OptimumResults

    Raises
    ------
    SweepError
        Bad bounds, metrics, requirements or method.
    """
    _check_metric("--minimise", minimise)
    requirements = [parse_requirement(r) if isinstance(r, str) else r for r in require]
    axes = [_Axis.of(p) for p in _parameters(vary)]
    chosen = _method(axes, method)
    replications = resolve_replications(scenario, replications, minimum=2)
    seed = resolve_seed(scenario, seed)
    bar = progress_bar(_bar_total(chosen, axes, max_evaluations) * replications, progress,
                       "optimise", "replication")
    try:
        with executor_for(executor, jobs, scheduler) as ex:
            evaluator = Evaluator(scenario, replications, seed, ex, PointCache(out), bar, force)
            search = _Search(evaluator, axes, minimise, requirements)
            if chosen == "bisection":
                _bisect(search, max_evaluations)
            else:
                _evolve(search, seed, max_evaluations, popsize)
    finally:
        bar.close()
    return OptimumResults(scenario=scenario, parameters=[a.param for a in axes], minimise=minimise,
                   requirements=requirements, seed=seed, replications=replications,
                   method=chosen, log=search.log, best=search.best(), boundary=search.boundary,
                   run_points=evaluator.run_points, cached_points=evaluator.cached_points)
