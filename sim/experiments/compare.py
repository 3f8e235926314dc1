"""Comparisons of scenarios run with common random numbers.

They rest on **common random numbers**: every random input of a person or a
call is drawn from a named stream of ``SeedSequence(seed, spawn_key=(r, ...))``
(see :mod:`sim.inputs.streams`), so two scenarios run with the same seed see, in
replication ``r``, the same cases, the same answers to each attempt and the
same call durations. Differences between them in a replication are then due to
the scenarios, not to luck, and the Student-t interval of the per-replication
differences (a *paired* interval) is much narrower than the intervals of the
two means.

Comparison (:func:`compare`)
    Each scenario is run with the same seed and number of replications; the
    table has one row per scenario with the mean and 95 % confidence interval
    of each metric in :data:`COMPARISON_METRICS`, and for every scenario after
    the first the paired difference *this scenario - first* per replication
    (mean and Student-t interval). Undefined values (NaN, e.g. a service level
    without inbound calls) are left out replication by replication, so a
    difference's mean equals the difference of the means only when both
    scenarios have the metric in every replication.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.metrics import summarise
from sim.experiments.attribution import ATTRIBUTION_METRICS, BOUNDS, attribute_idle
from sim.experiments.replications import run
from sim.experiments.results import RunResults
from sim.inputs.scenario import Scenario

__all__ = [
    "COMPARISON_METRICS",
    "ComparisonResults",
    "compare",
    "comparison_table",
    "inherited_description",
    "unique_names",
    "variant_labels",
]

CONFIDENCE = 0.95


#: Metrics of the comparison table, in column order.
COMPARISON_METRICS = (
    "idle_share",
    "occupancy",
    "paid_hours",
    "idle_hours",
    "total_cost",
    "cost_per_handled_call",
    "cost_per_index_reached",
    "index_reached_within_deadline_share",
    "contacts_reached_within_deadline_share",
    "inbound_service_level",
    "max_backlog",
)



def unique_names(names: Sequence[str]) -> list[str]:
    """Make names unique by suffixing repeats: ``["a", "a", "b"] -> ["a", "a (2)", "b"]``.

    Parameters
    ----------
    names
        Scenario names, in order.

    Returns
    -------
    list of str
        The first occurrence keeps its name; a suffix never collides with
        another given name.
    """
    taken = set(names)
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name not in seen:
            seen.add(name)
            out.append(name)
            continue
        k = 2
        while f"{name} ({k})" in taken or f"{name} ({k})" in seen:
            k += 1
        new = f"{name} ({k})"
        seen.add(new)
        out.append(new)
    return out


def variant_labels(names: Sequence[str],
                   sources: Sequence[str | Path | None] | None = None) -> list[str]:
    """Labels for scenarios compared together: their names, file stems where names clash.

    Variants written with ``extends`` and no ``name:`` of their own all carry
    the parent's name; they are then labelled by their file names
    (``reactive-7d.yaml`` -> ``"reactive-7d"``), which say what they are
    better than a number.

    Parameters
    ----------
    names
        Scenario names, in order.
    sources
        The files they were read from (None where there is none), in order.

    Returns
    -------
    list of str
        Unique labels. A name's first occurrence keeps it; a later scenario of
        the same name takes its file stem when that is known and itself
        unique, and anything still repeated gets a suffix (see
        :func:`unique_names`).
    """
    labels = list(names)
    if sources is not None:
        stems = [Path(s).stem if s else None for s in sources]
        clashing = [i for i, n in enumerate(names)
                    if list(names).count(n) > 1 and list(names).index(n) != i]
        for i in clashing:
            stem = stems[i]
            if stem and stems.count(stem) == 1 and stem not in names:
                labels[i] = stem
    return unique_names(labels)


def inherited_description(path: str | Path) -> str | None:
    """Name the file whose description a variant inherits, if it has none of its own.

    Parameters
    ----------
    path
        A scenario file.

    Returns
    -------
    str or None
        The file named by its ``extends`` key when the file has an ``extends``
        key but no ``description`` key (its description then describes the
        parent scenario, not the variant); None otherwise or when the file
        cannot be read (loading the scenario reports that).
    """
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if isinstance(data, dict) and "extends" in data and "description" not in data:
        return str(data["extends"])
    return None


def _by_replication(results: RunResults) -> pd.DataFrame:
    return results.tables["replications"].set_index("replication").sort_index()


def comparison_table(results: Sequence[RunResults],
                     metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Tabulate results run with the same seed and replications against the first.

    Parameters
    ----------
    results
        Two or more results (one is accepted), first the reference. Their
        scenario names must be unique.
    metrics
        Metric names (columns of the ``replications`` tables); default
        :data:`COMPARISON_METRICS` plus :data:`ATTRIBUTION_METRICS` when any
        result has them. A metric a result lacks is NaN in its row.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: ``scenario, policy, replications, seed``, then
        for each metric ``<metric>_mean, <metric>_ci_low, <metric>_ci_high``
        (95 % Student t over replications) and ``<metric>_diff_mean,
        <metric>_diff_ci_low, <metric>_diff_ci_high``: the paired difference
        (this scenario - first) per replication, NaN in the first row.

    Raises
    ------
    ValueError
        No results, repeated scenario names, or different seeds or
        replications (the differences would not be paired).
    """
    results = list(results)
    if not results:
        raise ValueError("nothing to compare")
    names = [r.scenario.name for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique, got {names}")
    first = results[0]
    for r in results[1:]:
        if r.seed != first.seed:
            raise ValueError(f"{r.scenario.name!r} was run with seed {r.seed}, "
                             f"{first.scenario.name!r} with {first.seed}: not paired")
        if list(_by_replication(r).index) != list(_by_replication(first).index):
            raise ValueError(f"{r.scenario.name!r} and {first.scenario.name!r} have "
                             "different replications: not paired")
    if metrics is None:
        metrics = list(COMPARISON_METRICS)
        if any(m in r.tables["replications"] for r in results for m in ATTRIBUTION_METRICS):
            metrics += list(ATTRIBUTION_METRICS)
    base = _by_replication(first)
    rows = []
    for i, r in enumerate(results):
        reps = _by_replication(r)
        row: dict[str, object] = {"scenario": r.scenario.name,
                                  "policy": r.scenario.staffing.policy,
                                  "replications": r.replications, "seed": r.seed}
        for m in metrics:
            own = reps[m] if m in reps else pd.Series(np.nan, index=reps.index)
            ref = base[m] if m in base else pd.Series(np.nan, index=base.index)
            row.update(_stats(own, m))
            diff = own - ref if i > 0 else pd.Series(np.nan, index=reps.index)
            row.update(_stats(diff, f"{m}_diff"))
        rows.append(row)
    return pd.DataFrame(rows)


def _stats(values: pd.Series, prefix: str) -> dict[str, float]:
    """Mean and Student-t interval of one column, as ``<prefix>_mean/_ci_low/_ci_high``."""
    row = summarise(pd.DataFrame({prefix: values.to_numpy(dtype=float)}),
                    confidence=CONFIDENCE).iloc[0]
    return {f"{prefix}_mean": float(row["mean"]), f"{prefix}_ci_low": float(row["ci_low"]),
            f"{prefix}_ci_high": float(row["ci_high"])}


@dataclass
class ComparisonResults:
    """Scenarios run with common random numbers, and their comparison table.

    Attributes
    ----------
    results
        One :class:`~sim.experiments.results.RunResults` per scenario, in the order given.
    table
        The comparison table (see :func:`comparison_table`); ``comparison.csv``.
    sources
        The scenario files, in order (None for a scenario not read from a
        file); recorded in ``metadata.json``. Empty when unknown.
    """

    results: list[RunResults]
    table: pd.DataFrame
    sources: list[str | None] = field(default_factory=list)

    @classmethod
    def from_results(cls, results: Sequence[RunResults],
                     metrics: Sequence[str] | None = None,
                     sources: Sequence[str | Path | None] | None = None) -> ComparisonResults:
        """Compare results already run with the same seed and replications."""
        results = list(results)
        files = [str(s) if s else None for s in sources] if sources else []
        return cls(results=results, table=comparison_table(results, metrics), sources=files)

    @property
    def seed(self) -> int:
        """The common seed."""
        return self.results[0].seed

    @property
    def replications(self) -> int:
        """The common number of replications."""
        return self.results[0].replications


def compare(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    jobs: int | None = 1,
    attribute: bool = False,
    progress: bool = False,
    force: bool = False,
    metrics: Sequence[str] | None = None,
    sources: Sequence[str | Path | None] | None = None,
    bound: str = "optimal",
) -> ComparisonResults:
    """Run scenarios with common random numbers and compare them with the first.

    Parameters
    ----------
    scenarios
        The scenarios, the reference first. Repeated names are replaced by
        the file stems of ``sources`` when known (see :func:`variant_labels`),
        else get a suffix (``"quick (2)"``); a renamed copy draws the same
        random numbers.
    replications
        Replications of every scenario.
    seed
        The common seed.
    jobs
        Worker processes (None: all cores); the results do not depend on it.
    attribute
        Also attribute each scenario's idle time against the least-staffing
        bound (:func:`attribute_idle`); the table then has the avoidable idle.
    progress
        Show progress bars on stderr.
    force
        Run even when the size check would refuse
        (:func:`sim.experiments.replications.check_size`).
    metrics
        Metrics of the table (default: see :func:`comparison_table`).
    sources
        The files the scenarios were read from, in order (None for one that
        was not); used for labels and recorded in ``metadata.json``.
    bound
        The bound of the attribution: ``optimal`` (the default, the least
        staffing found by simulation) or ``analytic`` (the fast analytic
        oracle); see :func:`attribute_idle`.

    Returns
    -------
    ComparisonResults

    Raises
    ------
    ValueError
        No scenario, or an unknown ``bound``.
    """
    scenarios = list(scenarios)
    if not scenarios:
        raise ValueError("nothing to compare")
    if bound not in BOUNDS:
        raise ValueError(f"bound must be 'optimal' or 'analytic', not {bound!r}")
    names = variant_labels([s.name for s in scenarios], sources)
    out: list[RunResults] = []
    for scenario, name in zip(scenarios, names, strict=True):
        if name != scenario.name:
            scenario = scenario.with_changes({"name": name})
        results = run(scenario, replications=replications, seed=seed, jobs=jobs,
                      progress=progress, force=force)
        if attribute:
            results = attribute_idle(results, jobs=jobs, progress=progress, bound=bound)
        out.append(results)
    files = [str(Path(s).resolve()) if s else None for s in sources] if sources else None
    return ComparisonResults.from_results(out, metrics, sources=files)
