"""Sweeps: many variants of a scenario run with common random numbers.

A sweep varies fields of a scenario by dotted path (``staffing.headcount``)
over a list of values (``300,500,700``) or a range (``300..1200/100``; with a
unit, ``0h..48h/12h``). The points are the full factorial of the values or,
for many parameters, a space-filling design (``sobol`` or ``lhs`` with
``samples`` points, :mod:`scipy.stats.qmc`, seeded with the sweep's seed).

Every point is run with the **same seed** and replications ``0..R-1``
(common random numbers): in replication ``r`` every point sees the same cases,
answers and call durations, so the differences between points are due to the
parameters. A point's numbers are exactly those of ``tracesim run`` with that
seed and ``--set PATH=VALUE`` for each varied field.

All replications of all points go through one executor
(:mod:`sim.experiments.executor`) and are put back in order, so the tables are
byte-identical for any executor and any number of workers. Points already in
the output directory's cache (:mod:`sim.experiments.cache`) are read back, not run.

The result (:class:`Sweep`) holds a long table, one row per point and metric
(``point, <varied paths>, metric, n, mean, sd, ci_low, ci_high``; 95 %
Student-t intervals over replications), and the frontier of a cost metric
against a timeliness metric with its Pareto-efficient points
(:func:`frontier_table`, :func:`sim.outputs.figures.plot_frontier`).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import secrets
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.analysis.frontier import DEFAULT_X, DEFAULT_Y, STAT_COLUMNS, frontier_table
from sim.analysis.metrics import RUN_METRICS, replication_metrics, summarise
from sim.basics.errors import SweepError
from sim.experiments.cache import PointCache
from sim.experiments.executor import Executor, executor_for
from sim.experiments.planning import plan_staffing
from sim.experiments.replications import check_size, simulate_once
from sim.inputs.compile import Plan, compile_plan
from sim.inputs.scenario import Scenario
from sim.plumbing.progress import progress_bar

__all__ = [
    "DESIGNS",
    "Evaluation",
    "Evaluator",
    "Parameter",
    "SweepResults",
    "design_points",
    "parse_vary",
    "point_metrics",
    "sweep",
]

#: ``--design`` choices; ``factorial`` is every combination of the values.
DESIGNS = ("factorial", "sobol", "lhs")
#: Parameters beyond which a full factorial needs to be asked for explicitly.
MAX_FACTORIAL_PARAMETERS = 3
CONFIDENCE = 0.95


# --------------------------------------------------------------------------- parameters

_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@dataclass(frozen=True)
class Parameter:
    """One varied field: a list of values or a numeric range (with an optional unit).

    Attributes
    ----------
    path
        Dotted path of the scenario field (as for ``--set``).
    values
        The values of a list (read as YAML), or None for a range.
    low, high, step
        Bounds and step of a range (``step`` None: not given).
    unit
        Unit written after every value of a range (``"h"`` in ``0h..48h``).
    decimals
        Decimals to round range values to (from how the bounds were written).
    """

    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    step: float | None = None
    unit: str = ""
    decimals: int = 0

    @property
    def is_range(self) -> bool:
        """Whether the parameter is a range (not a list)."""
        return self.values is None

    def value(self, number: float) -> Any:
        """Write a number of the range as the scenario expects it (``12h``, 300, 0.5)."""
        number = round(float(number), self.decimals)
        plain: Any = int(number) if self.decimals == 0 else number
        return f"{plain}{self.unit}" if self.unit else plain

    def grid_size(self) -> int:
        """Return the number of values of a range's grid, ``low + k * step``."""
        assert self.low is not None and self.high is not None and self.step is not None
        return int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1

    def grid_value(self, k: int) -> Any:
        """Return the ``k``-th value of a range's grid."""
        assert self.low is not None and self.step is not None
        return self.value(self.low + k * self.step)

    def grid(self) -> list[Any]:
        """All values: the list, or every step of the range (which needs a step)."""
        if self.values is not None:
            return list(self.values)
        if self.step is None:
            raise SweepError(f"--vary {self.path}: a range needs a step for a full factorial "
                             f"sweep, e.g. {self.path}={_g(self.low)}{self.unit}.."
                             f"{_g(self.high)}{self.unit}/STEP (or use --design sobol|lhs N)")
        return [self.grid_value(k) for k in range(self.grid_size())]

    def sample(self, u: float) -> Any:
        """Return the value at ``u`` in [0, 1): a list's item, or a point of the range.

        A range with a step is snapped to its grid; one written with integers
        gives integers.
        """
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        assert self.low is not None and self.high is not None
        if self.step is not None:
            return self.grid_value(min(int(u * self.grid_size()), self.grid_size() - 1))
        return self.value(self.low + u * (self.high - self.low))


def _g(value: float | None) -> str:
    return f"{value:g}" if value is not None else "?"


def _range(path: str, text: str) -> Parameter:
    bounds, _, step_text = text.partition("/")
    low_text, _, high_text = bounds.partition("..")
    parts = [_NUMBER.match(t) for t in (low_text, high_text, step_text or "1")]
    if not all(parts):
        raise SweepError(f"--vary {path}={text}: a range is LO..HI or LO..HI/STEP with numbers "
                         "and an optional unit, e.g. 300..1200/100 or 0h..48h/12h")
    numbers = [float(m.group(1)) for m in parts if m]
    units = {m.group(2) for m in parts if m and m.group(2)}
    if len(units) > 1:
        raise SweepError(f"--vary {path}={text}: the bounds and step use different units "
                         f"({', '.join(sorted(units))})")
    low, high, step = numbers
    if high < low or step <= 0:
        raise SweepError(f"--vary {path}={text}: needs LO <= HI and a positive step")
    decimals = max(_decimals(m.group(1)) for m in parts if m)
    return Parameter(path=path, low=low, high=high, step=step if step_text else None,
                     unit=units.pop() if units else "", decimals=decimals)


def parse_vary(text: str) -> Parameter:
    """Parse ``PATH=VALUES``: a list ``300,500,700`` or a range ``300..1200/100``.

    Parameters
    ----------
    text
        The ``--vary`` argument. List items are read as YAML (``12h`` stays a
        string, ``300`` is an integer). A range is ``LO..HI[/STEP]`` with an
        optional unit on each number (``0h..48h/12h``).

    Returns
    -------
    Parameter

    Raises
    ------
    SweepError
        Not ``PATH=VALUES``, an empty list, or a malformed range.
    """
    path, sep, values = text.partition("=")
    path, values = path.strip(), values.strip()
    if not sep or not path or not values:
        raise SweepError(f"--vary {text}: expected PATH=VALUES, e.g. staffing.headcount=300,500 "
                         "or staffing.headcount=300..1200/100")
    if ".." in values:
        return _range(path, values)
    items = [item.strip() for item in values.split(",")]
    if any(not item for item in items):
        raise SweepError(f"--vary {text}: an empty value in the list")
    parsed = []
    for item in items:
        try:
            parsed.append(yaml.safe_load(item))
        except yaml.YAMLError:
            parsed.append(item)
    return Parameter(path=path, values=tuple(dict.fromkeys(parsed)))


def _parameters(vary: Sequence[str | Parameter] | Mapping[str, Any]) -> list[Parameter]:
    """Accept ``["a=1,2", Parameter(...)]`` or ``{"a": [1, 2], "b": "0..10/5"}``."""
    if isinstance(vary, Mapping):
        items: list[str | Parameter] = [
            f"{path}={spec}" if isinstance(spec, str)
            else Parameter(path=path, values=tuple(spec)) for path, spec in vary.items()]
    else:
        items = list(vary)
    params = [parse_vary(p) if isinstance(p, str) else p for p in items]
    if not params:
        raise SweepError("--vary: give at least one PATH=VALUES")
    paths = [p.path for p in params]
    if len(set(paths)) != len(paths):
        raise SweepError(f"--vary: a path is given twice ({', '.join(paths)})")
    return params


# --------------------------------------------------------------------------- designs


def _unit_sample(design: str, dims: int, samples: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(b"design"),)))
    engine = (qmc.Sobol(dims, scramble=True, rng=rng) if design == "sobol"
              else qmc.LatinHypercube(dims, rng=rng))
    with warnings.catch_warnings():  # Sobol's balance warning for samples not a power of 2
        warnings.simplefilter("ignore", UserWarning)
        return np.asarray(engine.random(samples))


def design_points(parameters: Sequence[Parameter], design: str | None = None,
                  samples: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Return the points of a sweep, each ``{path: value}``.

    Parameters
    ----------
    parameters
        The varied fields.
    design
        ``"factorial"`` (every combination; the default up to three
        parameters), ``"sobol"`` or ``"lhs"`` (``samples`` points of a
        scrambled Sobol sequence or a Latin hypercube, seeded by ``seed``).
    samples
        Points of a space-filling design.
    seed
        The sweep's seed (the design is part of the experiment).

    Returns
    -------
    list of dict
        Distinct points in design order (a design's points snapped to the
        same grid values are kept once).

    Raises
    ------
    SweepError
        An unknown design, a design without ``samples``, or more than three
        parameters without a design.
    """
    design = design or ("factorial" if len(parameters) <= MAX_FACTORIAL_PARAMETERS else None)
    if design is None:
        raise SweepError(f"--vary: {len(parameters)} parameters; use a space-filling design "
                         "(--design sobol N or --design lhs N), or --design factorial to run "
                         "every combination")
    if design not in DESIGNS:
        raise SweepError(f"--design {design}: use one of {', '.join(DESIGNS)}")
    if design == "factorial":
        grids = [p.grid() for p in parameters]
        rows = [dict(zip([p.path for p in parameters], combo, strict=True))
                for combo in itertools.product(*grids)]
    else:
        if not samples or samples < 1:
            raise SweepError(f"--design {design}: give the number of points, e.g. "
                             f"--design {design} 64")
        unit = _unit_sample(design, len(parameters), samples, seed)
        rows = [{p.path: p.sample(float(u)) for p, u in zip(parameters, row, strict=True)}
                for row in unit]
    unique = {json.dumps(r, sort_keys=True, default=str): r for r in reversed(rows)}
    order = {json.dumps(r, sort_keys=True, default=str): i for i, r in enumerate(rows)}
    return [unique[k] for k in sorted(unique, key=order.__getitem__)]


# --------------------------------------------------------------------------- evaluation


def point_metrics(plan: Plan, seed: int, replication: int,
                  planned: object | None = None) -> dict[str, float]:
    """Simulate one replication of a point and return its run metrics.

    The numbers are those of :func:`sim.run`'s ``replications`` table (the
    same simulation and :func:`sim.analysis.metrics.replication_metrics`), without the
    other tables. ``planned``: the point's plan made before its replications
    (:func:`sim.experiments.planning.plan_staffing`).
    """
    raw = simulate_once(plan, seed, replication, planned=planned)
    return replication_metrics(plan, raw)


@dataclass
class Evaluation:
    """One point run (or read back): its values, per-replication metrics and summary.

    Attributes
    ----------
    values
        ``{path: value}`` of the point.
    scenario_hash
        Hash of the resolved scenario of the point.
    replications
        One row per replication: ``replication`` and every run metric.
    summary
        ``metric, n, mean, sd, ci_low, ci_high`` (95 % Student t).
    cached
        Read back from the output directory's cache.
    """

    values: dict[str, Any]
    scenario_hash: str
    replications: pd.DataFrame
    summary: pd.DataFrame
    cached: bool = False

    def metric(self, name: str) -> dict[str, float]:
        """Return ``{"mean", "ci_low", "ci_high", "n", "sd"}`` of a metric."""
        row = self.summary.set_index("metric").loc[name]
        return {k: float(row[k]) for k in ("mean", "ci_low", "ci_high", "n", "sd")}


def _per_replication(metrics: Sequence[dict[str, float]]) -> pd.DataFrame:
    table = pd.DataFrame(list(metrics))
    table.insert(0, "replication", np.arange(len(metrics), dtype=np.int64))
    return table


class Evaluator:
    """Runs points of one scenario with common random numbers through one executor.

    Parameters
    ----------
    scenario
        The base scenario; a point is ``scenario.with_changes(values)``.
    replications, seed
        Of every point (the same seed: common random numbers).
    executor
        An open executor.
    cache
        Where points are read back from and stored.
    bar
        A progress bar advanced by one per replication (run or read back).
    force
        Run points beyond the size check.
    """

    def __init__(self, scenario: Scenario, replications: int, seed: int, executor: Executor,
                 cache: PointCache, bar: Any = None, force: bool = False) -> None:
        self.scenario, self.replications, self.seed = scenario, replications, seed
        self.executor, self.cache, self.bar, self.force = executor, cache, bar, force
        self.memo: dict[str, Evaluation] = {}
        self.run_points = 0
        self.cached_points = 0

    def _key(self, scenario: Scenario) -> str:
        return PointCache.key(scenario.hash(), self.seed, self.replications)

    def _advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def evaluate(self, points: Sequence[Mapping[str, Any]]) -> list[Evaluation]:
        """Run (or read back) every point; return their evaluations in order."""
        scenarios = [self.scenario.with_changes(dict(p)) for p in points]
        keys = [self._key(s) for s in scenarios]
        todo: dict[str, tuple[dict[str, Any], Scenario]] = {}
        for values, scenario, key in zip(points, scenarios, keys, strict=True):
            if key in self.memo or key in todo:
                continue
            stored = self.cache.get(key)
            if stored is not None:
                self.memo[key] = self._evaluation(values, scenario, stored, cached=True)
                self.cached_points += 1
                self._advance(self.replications)
                continue
            if not self.force:  # refuse before anything runs
                check_size(compile_plan(scenario), self.replications)
            todo[key] = (dict(values), scenario)
        self._run(todo)
        return [self.memo[k] for k in keys]

    def _calls(self, todo: Mapping[str, tuple[dict[str, Any], Scenario]]):
        """Each point's replications, compiled only when the executor asks for them."""
        for _, scenario in todo.values():
            plan = compile_plan(scenario)
            planned = plan_staffing(plan)
            table = planned.for_policy if planned is not None else None
            shared = self.executor.share(plan)
            for r in range(self.replications):
                yield (shared, self.seed, r, table)

    def _run(self, todo: Mapping[str, tuple[dict[str, Any], Scenario]]) -> None:
        results = self.executor.imap(point_metrics, self._calls(todo))
        for key, (values, scenario) in todo.items():
            metrics = []
            for _ in range(self.replications):
                metrics.append(next(results))
                self._advance(1)
            table = _per_replication(metrics)
            self.cache.put(key, table)
            self.memo[key] = self._evaluation(values, scenario, table, cached=False)
            self.run_points += 1

    def _evaluation(self, values: Mapping[str, Any], scenario: Scenario,
                    table: pd.DataFrame, cached: bool) -> Evaluation:
        summary = summarise(table, confidence=CONFIDENCE)
        return Evaluation(values=dict(values), scenario_hash=scenario.hash(),
                          replications=table, summary=summary, cached=cached)


def resolve_seed(scenario: Scenario, seed: int | None) -> int:
    """Return the given seed, else the scenario's, else a drawn one."""
    if seed is not None:
        return int(seed)
    if scenario.simulation.seed is not None:
        return int(scenario.simulation.seed)
    return secrets.randbits(32)


def resolve_replications(scenario: Scenario, replications: int | None,
                         minimum: int = 1) -> int:
    """Return the given replications, else the scenario's; at least ``minimum``."""
    n = replications if replications is not None else scenario.simulation.replications
    if n < minimum:
        raise SweepError(f"--replications: must be at least {minimum}"
                         + (" (a confidence interval needs two)" if minimum > 1 else ""))
    return int(n)


# --------------------------------------------------------------------------- the sweep


def _value_column(values: list[Any]) -> pd.Series:
    """Return a column of varied values: numeric when every value is, else text."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values)
    return pd.Series([str(v) for v in values], dtype=object)


@dataclass
class SweepResults:
    """What :func:`sweep` returns: every point's tables (no files, no figures).

    Attributes
    ----------
    scenario
        The base scenario.
    parameters
        The varied fields.
    seed, replications
        Common to every point.
    design, samples
        How the points were chosen.
    evaluations
        One per point, in design order.
    table
        Long table: ``point, <varied paths>, metric, n, mean, sd, ci_low,
        ci_high``; one row per point and run metric.
    """

    scenario: Scenario
    parameters: list[Parameter]
    seed: int
    replications: int
    design: str
    samples: int | None
    evaluations: list[Evaluation]
    table: pd.DataFrame = field(init=False)
    run_points: int = 0
    cached_points: int = 0

    def __post_init__(self) -> None:
        """Build the long table from the evaluations."""
        self.table = self._long_table()

    @property
    def paths(self) -> list[str]:
        """The varied paths, in order (the value columns of the tables)."""
        return [p.path for p in self.parameters]

    def points(self) -> pd.DataFrame:
        """One row per point: ``point, <varied paths>, scenario_hash``."""
        table = pd.DataFrame({"point": np.arange(len(self.evaluations), dtype=np.int64)})
        for path in self.paths:
            table[path] = _value_column([e.values[path] for e in self.evaluations])
        table["scenario_hash"] = [e.scenario_hash for e in self.evaluations]
        return table

    def _long_table(self) -> pd.DataFrame:
        parts = []
        points = self.points()
        for i, evaluation in enumerate(self.evaluations):
            part = evaluation.summary[list(STAT_COLUMNS)].copy()
            for path in reversed(self.paths):
                part.insert(0, path, points.loc[i, path])
            part.insert(0, "point", np.int64(i))
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
        for path in self.paths:  # keep each value column's type across points
            table[path] = table[path].astype(points[path].dtype)
        return table

    def replications_table(self) -> pd.DataFrame:
        """Per point and replication: ``point, <varied paths>, replication, <metrics>``."""
        parts = []
        points = self.points()
        for i, evaluation in enumerate(self.evaluations):
            part = evaluation.replications.copy()
            for path in reversed(self.paths):
                part.insert(0, path, points.loc[i, path])
            part.insert(0, "point", np.int64(i))
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
        for path in self.paths:
            table[path] = table[path].astype(points[path].dtype)
        return table

    def wide(self, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per point: values, then ``<metric>_mean/_ci_low/_ci_high`` per metric."""
        metrics = list(metrics) if metrics is not None else list(RUN_METRICS)
        out = self.points().drop(columns="scenario_hash")
        for name in metrics:
            part = self.table[self.table["metric"] == name].set_index("point")
            for stat in ("mean", "ci_low", "ci_high"):
                out[f"{name}_{stat}"] = part.loc[out["point"], stat].to_numpy(dtype=float)
        return out

    def frontier(self, x: str = DEFAULT_X, y: str = DEFAULT_Y) -> pd.DataFrame:
        """Return the frontier table of two metrics (:func:`frontier_table`)."""
        return frontier_table(self.table, x, y)

def sweep(
    scenario: Scenario,
    vary: Sequence[str | Parameter] | Mapping[str, Any],
    replications: int | None = None,
    seed: int | None = None,
    design: str | None = None,
    samples: int | None = None,
    jobs: int | None = None,
    executor: Executor | str | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = False,
    force: bool = False,
) -> SweepResults:
    """Run a scenario over a grid or a design of parameter values.

    Parameters
    ----------
    scenario
        The base scenario.
    vary
        ``["staffing.headcount=300..1200/100", "staffing.scale_up_lead_time=0h,24h"]``
        (as ``--vary``), :class:`Parameter` objects, or a mapping
        ``{"staffing.headcount": [300, 500], "x.y": "0..10/5"}``.
    replications
        Of every point (default: the scenario's).
    seed
        Common to every point (default: the scenario's, else drawn).
    design
        ``"factorial"``, ``"sobol"`` or ``"lhs"`` (see :func:`design_points`).
    samples
        Points of a space-filling design.
    jobs
        Workers (None: all cores).
    executor
        ``"local"``, ``"dask"`` or an open :class:`sim.experiments.executor.Executor`.
    scheduler
        Dask scheduler address (implies ``executor="dask"``).
    out
        Output directory whose ``cache/`` holds computed points: those are
        read back, new ones stored (None: no cache). Nothing else is written
        here; call :meth:`Sweep.save`.
    progress
        One progress bar over all replications of all points (on a terminal).
    force
        Run points beyond the size check.

    Returns
    -------
    SweepResults

    Raises
    ------
    SweepError
        Bad ``vary``, ``design`` or ``replications``.
    sim.inputs.scenario.ScenarioError
        A varied value the scenario does not accept (names the field).
    """
    params = _parameters(vary)
    replications = resolve_replications(scenario, replications)
    seed = resolve_seed(scenario, seed)
    points = design_points(params, design, samples, seed)
    chosen = design or "factorial"
    bar = progress_bar(len(points) * replications, progress, "sweep", "replication")
    try:
        with executor_for(executor, jobs, scheduler, tasks=len(points) * replications) as ex:
            evaluator = Evaluator(scenario, replications, seed, ex, PointCache(out), bar, force)
            evaluations = evaluator.evaluate(points)
    finally:
        bar.close()
    return SweepResults(scenario=scenario, parameters=params, seed=seed, replications=replications,
                 design=chosen, samples=samples if chosen != "factorial" else None,
                 evaluations=evaluations, run_points=evaluator.run_points,
                 cached_points=evaluator.cached_points)
