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
(:func:`frontier_table`, :func:`sim.outputs.plots.plot_frontier`).
"""

from __future__ import annotations

import datetime as dt
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

from sim.experiments.cache import PointCache, write_atomic
from sim.inputs.compile import Plan, compile_plan
from sim.model import simulate
from sim.basics.errors import SweepError
from sim.experiments.executor import Executor, executor_for
from sim.analysis.metrics import RUN_METRICS, replication_metrics, summarise
from sim.plumbing.progress import progress_bar
from sim.inputs.scenario import Scenario

__all__ = [
    "DESIGNS",
    "DEFAULT_X",
    "DEFAULT_Y",
    "Evaluation",
    "Evaluator",
    "Parameter",
    "Sweep",
    "SweepError",
    "check_output_dir",
    "design_points",
    "frontier_table",
    "higher_is_better",
    "pareto_mask",
    "parse_vary",
    "point_metrics",
    "sweep",
]

#: ``--design`` choices; ``factorial`` is every combination of the values.
DESIGNS = ("factorial", "sobol", "lhs")
#: Default axes of the frontier: timeliness (x) against cost (y).
DEFAULT_X = "index_reached_within_deadline_share"
DEFAULT_Y = "cost_per_handled_call"
#: Parameters beyond which a full factorial needs to be asked for explicitly.
MAX_FACTORIAL_PARAMETERS = 3
CONFIDENCE = 0.95
STAT_COLUMNS = ("metric", "n", "mean", "sd", "ci_low", "ci_high")


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


def point_metrics(plan: Plan, seed: int, replication: int) -> dict[str, float]:
    """Simulate one replication of a point and return its run metrics.

    The numbers are those of :func:`sim.run`'s ``replications`` table (the
    same simulation and :func:`sim.analysis.metrics.replication_metrics`), without the
    other tables.
    """
    raw = simulate(plan, seed, replication, keep_calls=False)
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
        from sim.experiments.replications import check_size

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
            shared = self.executor.share(compile_plan(scenario))
            for r in range(self.replications):
                yield (shared, self.seed, r)

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


# --------------------------------------------------------------------------- frontier

_HIGHER_IS_BETTER = frozenset({"occupancy", "utilisation", "index_reached", "contacts_reached",
                               "callbacks_reached", "handled_calls", "inbound_answered",
                               "inbound_answered_within_target"})
_LOWER_WORDS = ("cost", "idle", "abandon", "wait", "asa", "time_to_reach", "backlog",
                "expired", "unreachable", "open", "hours", "hires", "p_wait")


def higher_is_better(metric: str) -> bool:
    """Whether more of a metric is better (timeliness shares) or worse (costs, waits).

    Shares and service levels are better higher, except the idle and
    abandonment shares; costs, hours, waits, times to reach and backlogs are
    better lower.
    """
    if metric in _HIGHER_IS_BETTER:
        return True
    if metric.endswith("_share") or "service_level" in metric:
        return not any(word in metric for word in ("idle", "abandon"))
    return not any(word in metric for word in _LOWER_WORDS)


def pareto_mask(x: np.ndarray, y: np.ndarray, x_higher: bool = True,
                y_higher: bool = False) -> np.ndarray:
    """Flag the Pareto-efficient points of two objectives.

    Parameters
    ----------
    x, y
        The two objectives per point.
    x_higher, y_higher
        Whether more is better on each axis.

    Returns
    -------
    numpy.ndarray of bool
        True where no other point is at least as good on both axes and better
        on one. Points with a NaN are never efficient.
    """
    sx = np.asarray(x, dtype=float) * (1 if x_higher else -1)
    sy = np.asarray(y, dtype=float) * (1 if y_higher else -1)
    ok = np.isfinite(sx) & np.isfinite(sy)
    mask = ok.copy()
    for i in np.flatnonzero(ok):
        dominated = ok & (sx >= sx[i]) & (sy >= sy[i]) & ((sx > sx[i]) | (sy > sy[i]))
        mask[i] = not dominated.any()
    return mask


def _parameter_columns(table: pd.DataFrame) -> list[str]:
    skip = {"point", *STAT_COLUMNS}
    return [c for c in table.columns if c not in skip]


def frontier_table(table: pd.DataFrame, x: str = DEFAULT_X, y: str = DEFAULT_Y) -> pd.DataFrame:
    """One row per point: its values, two metrics with their CIs, and Pareto efficiency.

    Parameters
    ----------
    table
        A sweep table (:attr:`Sweep.table`).
    x, y
        The metrics (default: index cases reached within the deadline, and
        cost per handled call).

    Returns
    -------
    pandas.DataFrame
        ``point, <varied paths>, <x>_mean, <x>_ci_low, <x>_ci_high, <y>_mean,
        <y>_ci_low, <y>_ci_high, pareto`` (``pareto``: no other point is at
        least as good on both means and better on one, with the directions of
        :func:`higher_is_better`).

    Raises
    ------
    SweepError
        A metric that is not in the table.
    """
    known = set(table["metric"])
    for axis, name in (("--x", x), ("--y", y)):
        if name not in known:
            raise SweepError(f"{axis} {name}: not a metric of the sweep; use one of "
                             f"{', '.join(m for m in RUN_METRICS if m in known)}")
    params = _parameter_columns(table)
    first = table[table["metric"] == x][["point", *params]].reset_index(drop=True)
    for name in (x, y):
        part = table[table["metric"] == name].set_index("point")
        for stat in ("mean", "ci_low", "ci_high"):
            first[f"{name}_{stat}"] = part.loc[first["point"], stat].to_numpy(dtype=float)
    first["pareto"] = pareto_mask(first[f"{x}_mean"].to_numpy(), first[f"{y}_mean"].to_numpy(),
                                  higher_is_better(x), higher_is_better(y))
    return first


# --------------------------------------------------------------------------- the sweep


def _value_column(values: list[Any]) -> pd.Series:
    """Return a column of varied values: numeric when every value is, else text."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return pd.Series(values)
    return pd.Series([str(v) for v in values], dtype=object)


@dataclass
class Sweep:
    """What :func:`sweep` returns.

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

    def figure(self, x: str = DEFAULT_X, y: str = DEFAULT_Y):
        """Draw the frontier (:func:`sim.outputs.plots.plot_frontier`)."""
        from sim.outputs.plots import plot_frontier
        from sim.outputs.report import staffing_summary
        from sim.outputs.results import deadline_label

        varied = ", ".join(p.path for p in self.parameters)
        base = staffing_summary(self.scenario)
        subtitle = f"{self.scenario.name} · base: {base} · swept: {varied}"
        return plot_frontier(self.table, x=x, y=y, currency=self.scenario.costs.currency,
                             deadline_label=deadline_label(self.scenario.tracing.index.within),
                             replications=self.replications, subtitle=subtitle)

    def metadata(self) -> dict[str, Any]:
        """Return the content of ``metadata.json``."""
        from sim.outputs.results import _version

        return {
            "tracesim_version": _version("tracesim"),
            "scenario": self.scenario.name,
            "scenario_hash": self.scenario.hash(),
            "seed": self.seed,
            "replications": self.replications,
            "design": self.design,
            "samples": self.samples,
            "vary": [_describe(p) for p in self.parameters],
            "points": len(self.evaluations),
            "points_run": self.run_points,
            "points_read_from_cache": self.cached_points,
            "confidence": CONFIDENCE,
            "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def save(self, directory: str | Path, figures: bool = True, x: str = DEFAULT_X,
             y: str = DEFAULT_Y) -> Path:
        """Write the sweep's tables and frontier into ``directory``.

        Files: ``sweep.csv``/``sweep.parquet`` (the long table), ``points.csv``,
        ``replications.parquet``, ``frontier.csv``, ``metadata.json``,
        ``scenario.yaml`` (the base scenario) and ``frontier.png``/``.svg``.
        Each file is written whole or not at all; the ``cache/`` folder is kept.

        Returns
        -------
        pathlib.Path
        """
        out = Path(directory)
        frontier = self.frontier(x, y)
        _write_table(out / "sweep.csv", self.table)
        _write_table(out / "sweep.parquet", self.table)
        _write_table(out / "points.csv", self.points())
        _write_table(out / "replications.parquet", self.replications_table())
        _write_table(out / "frontier.csv", frontier)
        _write_text(out / "scenario.yaml", self.scenario.to_yaml())
        _write_text(out / "metadata.json",
                    json.dumps({**self.metadata(), "x": x, "y": y}, indent=2) + "\n")
        if figures:
            _save_figure(self.figure(x, y), out / "frontier")
        return out


def _describe(p: Parameter) -> str:
    if p.values is not None:
        return f"{p.path}={','.join(str(v) for v in p.values)}"
    step = f"/{_g(p.step)}{p.unit}" if p.step is not None else ""
    return f"{p.path}={_g(p.low)}{p.unit}..{_g(p.high)}{p.unit}{step}"


def _write_table(path: Path, table: pd.DataFrame) -> None:
    if path.suffix == ".parquet":
        write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
    else:
        write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))


def _write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _save_figure(fig, stem: Path) -> None:
    """Write ``stem.png`` and ``stem.svg``, each whole or not at all."""
    import os
    import tempfile

    import matplotlib

    from sim.outputs.plots import save_figure

    matplotlib.use("Agg", force=False)
    with tempfile.TemporaryDirectory(prefix=f".{stem.name}.", dir=stem.parent) as tmp:
        for path in save_figure(fig, Path(tmp) / stem.name):
            os.replace(path, stem.parent / path.name)


def check_output_dir(directory: str | Path, marker: str, overwrite: bool = False) -> Path:
    """Check that a sweep or optimisation may write into ``directory``.

    A missing directory is fine; an existing one must be one of ours (it has a
    ``cache/`` folder; an interrupted run left it, and it resumes) and, unless
    ``overwrite``, hold no finished result (``marker``, e.g. ``sweep.csv``).

    Raises
    ------
    FileExistsError
        The directory holds other files, or a finished result without
        ``overwrite``.
    """
    out = Path(directory)
    if not out.exists():
        return out
    if not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a directory; choose another --out")
    if (out / marker).exists() and not overwrite:
        raise FileExistsError(f"{out} holds a finished {marker}; choose another --out or pass "
                              "--overwrite (computed points are read back from its cache)")
    if any(out.iterdir()) and not (out / "cache").is_dir():
        raise FileExistsError(f"{out} exists and is not a tracesim sweep/optimise directory; "
                              "choose another --out")
    return out


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
) -> Sweep:
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
    Sweep

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
    return Sweep(scenario=scenario, parameters=params, seed=seed, replications=replications,
                 design=chosen, samples=samples if chosen != "factorial" else None,
                 evaluations=evaluations, run_points=evaluator.run_points,
                 cached_points=evaluator.cached_points)
