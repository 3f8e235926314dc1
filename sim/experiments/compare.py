"""Idle attribution against the oracle, and comparisons of scenarios.

Both rest on **common random numbers**: every random input of a person or a
call is drawn from a named stream of ``SeedSequence(seed, spawn_key=(r, ...))``
(see :mod:`sim.inputs.streams`), so two scenarios run with the same seed see, in
replication ``r``, the same cases, the same answers to each attempt and the
same call durations. Differences between them in a replication are then due to
the scenarios, not to luck, and the Student-t interval of the per-replication
differences (a *paired* interval) is much narrower than the intervals of the
two means.

Idle attribution (:func:`attribute_idle`)
    The scenario is run again with the ``oracle`` staffing policy
    (:func:`sim.staffing.oracle_variant`: perfect foresight of the expected
    demand, the same service target, the same shifts and headcount limits) on
    the same seed and replication indices. Per replication::

        unavoidable_idle_hours = the oracle's idle hours
        avoidable_idle_hours   = idle_hours - unavoidable_idle_hours
        avoidable_idle_cost    = agent_hours_value(scenario, avoidable_idle_hours)

    so ``avoidable + unavoidable = idle`` exactly, replication by replication.
    The avoidable part can be negative in a replication (or on average): the
    policy then idled less than the oracle, which usually means it staffed
    below the oracle and missed the service target (compare the service
    levels); that is information, not an error. The cost values the hours at
    the agent rate whatever the billing basis, like ``idle_cost``; it is
    priced in :mod:`sim.analysis.costs` like all money.

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

import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.costs import agent_hours_value
from sim.experiments.replications import run
from sim.analysis.metrics import summarise
from sim.outputs.results import Results, _version, atomic_directory, deadline_label
from sim.inputs.scenario import Scenario
from sim.staffing import optimal_variant, oracle_variant, solve
from sim.staffing.optimal import targets_report

__all__ = [
    "ATTRIBUTION_METRICS",
    "COMPARISON_METRICS",
    "Comparison",
    "attribute_idle",
    "compare",
    "comparison_table",
    "inherited_description",
    "unique_names",
    "variant_labels",
]

CONFIDENCE = 0.95

#: Per-replication columns added by :func:`attribute_idle`.
ATTRIBUTION_COLUMNS = (
    "unavoidable_idle_hours",
    "avoidable_idle_hours",
    "avoidable_idle_cost",
    "oracle_paid_hours",
    "oracle_total_cost",
)

#: Attribution metrics included in a comparison when any scenario has them.
ATTRIBUTION_METRICS = ("unavoidable_idle_hours", "avoidable_idle_hours", "avoidable_idle_cost")

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


# --------------------------------------------------------------------------- idle attribution

#: The bounds of the idle attribution (``bound=`` of :func:`attribute_idle`, ``--bound``).
BOUNDS = ("optimal", "analytic")


def attribute_idle(results: Results, jobs: int | None = 1, progress: bool = False,
                   bound: str = "optimal") -> Results:
    """Split the idle hours of a run into unavoidable (the bound's) and avoidable.

    The bound is the least staffing found by simulation (``bound="optimal"``,
    :func:`sim.staffing.optimal_variant`) or the fast analytic oracle
    (``bound="analytic"``, :func:`sim.staffing.oracle_variant`). It is run with
    the same seed and the same replication indices, so each replication is
    paired with the bound's replication on the same random inputs. If the
    scenario's policy is already the bound's, nothing is run and the
    unavoidable idle is the idle itself. Whether the bound met its targets
    (index cases and contacts reached within their deadlines, inbound service
    level) is reported with it.

    Parameters
    ----------
    results
        What :func:`sim.run` returned (or :func:`sim.load_results` read); it
        is not modified. Attributing an already attributed result recomputes
        the attribution.
    jobs
        Worker processes for the bound's run (None: all cores).
    progress
        Show a progress bar for the bound's run.
    bound
        ``optimal`` (the default) or ``analytic``.

    Returns
    -------
    Results
        A new Results with the same tables, except:

        * ``replications`` gains the columns ``unavoidable_idle_hours``,
          ``avoidable_idle_hours`` (may be negative), ``avoidable_idle_cost``
          (avoidable hours x ``costs.agent_rate``), ``oracle_paid_hours`` and
          ``oracle_total_cost``;
        * ``summary`` is recomputed from it (for the avoidable quantities the
          Student-t intervals are the paired intervals, as they are
          per-replication differences);
        * ``idle_attribution``: per replication and day, ``scenario,
          replication, day, date, headcount, oracle_headcount, idle_hours,
          unavoidable_idle_hours, avoidable_idle_hours, avoidable_idle_cost``;
        * ``oracle_summary``: the bound's own summary (its scenario name
          ends in ``(optimal)`` or ``(oracle)``);
        * ``bound_targets``: per target, the share required, the bound's
          mean and 95 % CI, and whether the mean met it
          (:func:`sim.staffing.optimal.targets_report`);
        * ``run_info`` gains ``oracle_engine_seconds``,
          ``oracle_scenario_hash``, ``bound`` and ``bound_met_targets``.

    Raises
    ------
    ValueError
        The results lack the ``replications`` or ``daily`` table, or their
        replication indices are not the oracle's.
    """
    for name in ("replications", "daily"):
        if name not in results.tables:
            raise ValueError(f"results lack the {name!r} table needed for idle attribution")
    if bound not in BOUNDS:
        raise ValueError(f"bound must be 'optimal' or 'analytic', not {bound!r}")
    scenario = results.scenario
    per_rep = results.tables["replications"].drop(
        columns=[c for c in ATTRIBUTION_COLUMNS if c in results.tables["replications"]]
    ).reset_index(drop=True)
    oracle_scenario, oracle_rep, oracle_daily, oracle_summary, oracle_info = _run_bound(
        results, per_rep, bound, jobs, progress)
    targets = targets_report(oracle_summary, oracle_scenario.staffing)
    oracle_info = {**oracle_info, "bound": bound,
                   "bound_met_targets": bool(targets["met"].all())}

    reps = per_rep["replication"].to_numpy()
    if sorted(reps.tolist()) != sorted(oracle_rep["replication"].tolist()):
        raise ValueError("the oracle run's replications do not match the results' "
                         f"({sorted(reps.tolist())} vs {sorted(oracle_rep['replication'])})")
    paired = oracle_rep.set_index("replication").loc[reps]
    idle = per_rep["idle_hours"].to_numpy(dtype=float)
    unavoidable = paired["idle_hours"].to_numpy(dtype=float)
    per_rep["unavoidable_idle_hours"] = unavoidable
    per_rep["avoidable_idle_hours"] = idle - unavoidable
    per_rep["avoidable_idle_cost"] = agent_hours_value(scenario,
                                                       per_rep["avoidable_idle_hours"])
    per_rep["oracle_paid_hours"] = paired["paid_hours"].to_numpy(dtype=float)
    per_rep["oracle_total_cost"] = paired["total_cost"].to_numpy(dtype=float)

    summary = summarise(per_rep, confidence=CONFIDENCE)
    summary.insert(0, "scenario", scenario.name)
    tables = dict(results.tables)
    tables["replications"] = per_rep
    tables["summary"] = summary
    tables["idle_attribution"] = _daily_attribution(scenario, results.tables["daily"],
                                                    oracle_daily)
    tables["oracle_summary"] = oracle_summary.reset_index(drop=True)
    tables["bound_targets"] = targets
    return Results(scenario=scenario, seed=results.seed, replications=results.replications,
                   tables=tables, run_info={**results.run_info, **oracle_info})


def _run_bound(results: Results, per_rep: pd.DataFrame, bound: str, jobs: int | None,
               progress: bool) -> tuple[Scenario, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """Run the bound on the results' seed (or reuse the results if they are the bound's).

    Returns its scenario, replications, daily table, summary and run information.
    """
    scenario = results.scenario
    policy = "optimal" if bound == "optimal" else "oracle"
    if scenario.staffing.policy == policy:
        summary = summarise(per_rep)
        summary.insert(0, "scenario", scenario.name)
        info = {"oracle_engine_seconds": 0.0, "oracle_scenario_hash": scenario.hash()}
        return scenario, per_rep, results.tables["daily"], summary, info
    variant = optimal_variant(scenario) if bound == "optimal" else oracle_variant(scenario)
    if bound == "optimal":
        solve(variant)  # search once here; worker processes inherit the result
    other = run(variant, replications=results.replications, seed=results.seed, force=True,
                jobs=jobs, progress=progress)
    info = {"oracle_engine_seconds": other.run_info.get("engine_seconds", 0.0),
            "oracle_scenario_hash": variant.hash()}
    return (variant, other.tables["replications"], other.tables["daily"],
            other.tables["summary"], info)


def _daily_attribution(scenario: Scenario, daily: pd.DataFrame,
                       oracle_daily: pd.DataFrame) -> pd.DataFrame:
    """Per replication and day: idle hours split into unavoidable and avoidable, priced."""
    own = daily[["scenario", "replication", "day", "date", "headcount", "idle_hours"]]
    other = oracle_daily[["replication", "day", "headcount", "idle_hours"]].rename(
        columns={"headcount": "oracle_headcount", "idle_hours": "unavoidable_idle_hours"})
    table = own.merge(other, on=["replication", "day"], how="left", validate="one_to_one")
    table["avoidable_idle_hours"] = table["idle_hours"] - table["unavoidable_idle_hours"]
    table["avoidable_idle_cost"] = agent_hours_value(scenario, table["avoidable_idle_hours"])
    columns = ["scenario", "replication", "day", "date", "headcount", "oracle_headcount",
               "idle_hours", "unavoidable_idle_hours", "avoidable_idle_hours",
               "avoidable_idle_cost"]
    return table[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- comparison


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


def _by_replication(results: Results) -> pd.DataFrame:
    return results.tables["replications"].set_index("replication").sort_index()


def comparison_table(results: Sequence[Results],
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


def _json_value(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"


@dataclass
class Comparison:
    """Scenarios run with common random numbers, and their comparison table.

    Attributes
    ----------
    results
        One :class:`~sim.outputs.results.Results` per scenario, in the order given.
    table
        The comparison table (see :func:`comparison_table`); ``comparison.csv``.
    sources
        The scenario files, in order (None for a scenario not read from a
        file); recorded in ``metadata.json``. Empty when unknown.
    """

    results: list[Results]
    table: pd.DataFrame
    sources: list[str | None] = field(default_factory=list)

    @classmethod
    def from_results(cls, results: Sequence[Results],
                     metrics: Sequence[str] | None = None,
                     sources: Sequence[str | Path | None] | None = None) -> Comparison:
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

    def to_dict(self) -> dict:
        """Return the content of ``comparison.json``: the table's rows, NaN as null."""
        metrics = [c[: -len("_mean")] for c in self.table.columns
                   if c.endswith("_mean") and not c.endswith("_diff_mean")]
        return {
            "reference": self.results[0].scenario.name,
            "seed": self.seed,
            "replications": self.replications,
            "confidence": CONFIDENCE,
            "metrics": metrics,
            "rows": [{k: _json_value(v) for k, v in row.items()}
                     for row in self.table.to_dict(orient="records")],
        }

    def _subtitle(self) -> str:
        from sim.outputs.report import staffing_summary

        return " · ".join(f"{r.scenario.name}: {staffing_summary(r.scenario)}"
                          for r in self.results)

    def _deadline(self) -> str | None:
        deadlines = {r.scenario.tracing.index.within for r in self.results}
        return deadline_label(deadlines.pop()) if len(deadlines) == 1 else None

    def figure(self):
        """Draw the comparison figure (:func:`sim.outputs.plots.plot_comparison`).

        Labelled with the scenarios' currencies and, when they share it, the
        index-case deadline; the subtitle names each scenario's staffing.
        """
        from sim.outputs.plots import plot_comparison

        currencies = list(dict.fromkeys(r.scenario.costs.currency for r in self.results))
        return plot_comparison(self.table, currency=", ".join(currencies),
                               deadline_label=self._deadline(), subtitle=self._subtitle())

    def daily_figure(self):
        """Overlay the scenarios' daily curves (:func:`sim.outputs.plots.plot_comparison_daily`).

        Demand, headcount, idle share and timeliness, one colour per scenario.
        """
        from sim.outputs.plots import plot_comparison_daily

        daily = pd.concat([r.tables["daily"] for r in self.results], ignore_index=True)
        return plot_comparison_daily(daily, deadline_label=self._deadline() or "the deadline",
                                     subtitle=self._subtitle())

    def figure_makers(self) -> dict:
        """Return the figures of :meth:`save` as functions that draw them."""
        makers = {"comparison": self.figure}
        if all("daily" in r.tables for r in self.results):
            makers["comparison_daily"] = self.daily_figure
        return makers

    def save(self, directory: str | Path, overwrite: bool = False, figures: bool = True,
             figure_formats: Sequence[str] = ("png",), jobs: int | None = None) -> Path:
        """Write the comparison directory atomically.

        Layout::

            comparison.csv, comparison.json   the table (JSON: rows, NaN as null)
            metadata.json                      seed, replications, versions, scenarios
                                               (with the file each was read from, and
                                               the bound of the idle attribution)
            scenarios/NN-<name>/               per scenario: scenario.yaml,
                                               summary.json, summary.csv,
                                               replications.csv, daily.parquet and
                                               daily.csv (and idle_attribution.parquet
                                               and .csv if attributed)
            figures/comparison.png             means with CIs and paired differences
            figures/comparison_daily.png       the daily curves overlaid

        Parameters
        ----------
        directory
            Target directory; must not exist unless ``overwrite``.
        overwrite
            Replace an existing directory (only after the new one is complete).
        figures
            Also write the figures.
        figure_formats
            File formats of the figures (PNG by default; e.g. ``("png", "svg")``).
        jobs
            Processes drawing the figures (None: all cores).

        Returns
        -------
        pathlib.Path
            The directory written. A failure leaves no half-written directory.
        """
        from sim.outputs.plots import save_figures

        with atomic_directory(directory, overwrite=overwrite) as tmp:
            self.table.to_csv(tmp / "comparison.csv", index=False)
            (tmp / "comparison.json").write_text(json.dumps(self.to_dict(), indent=2) + "\n")
            (tmp / "metadata.json").write_text(json.dumps(self._metadata(), indent=2) + "\n")
            for i, r in enumerate(self.results, start=1):
                sub = tmp / "scenarios" / f"{i:02d}-{_slug(r.scenario.name)}"
                sub.mkdir(parents=True)
                (sub / "scenario.yaml").write_text(r.scenario.to_yaml(), encoding="utf-8")
                (sub / "summary.json").write_text(json.dumps(r.summary_dict(), indent=2) + "\n")
                r.tables["summary"].to_csv(sub / "summary.csv", index=False)
                r.tables["replications"].to_csv(sub / "replications.csv", index=False)
                for name in ("daily", "idle_attribution"):
                    if name in r.tables:
                        r.tables[name].to_parquet(sub / f"{name}.parquet", index=False)
                        r.tables[name].to_csv(sub / f"{name}.csv", index=False)
            if figures:
                import matplotlib

                matplotlib.use("Agg", force=False)
                save_figures(self.figure_makers(), tmp / "figures", figure_formats, jobs)
        return Path(directory)

    def _metadata(self) -> dict:
        return {
            "tracesim_version": _version("tracesim"),
            "seed": self.seed,
            "replications": self.replications,
            "reference": self.results[0].scenario.name,
            "scenarios": [{"name": r.scenario.name, "policy": r.scenario.staffing.policy,
                           "scenario_hash": r.scenario.hash(),
                           "source_file": self.sources[i] if i < len(self.sources) else None,
                           **({"bound": r.run_info["bound"]} if "bound" in r.run_info else {})}
                          for i, r in enumerate(self.results)],
            "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "engine_seconds": float(sum(r.run_info.get("engine_seconds", 0.0)
                                        + r.run_info.get("oracle_engine_seconds", 0.0)
                                        for r in self.results)),
        }


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
) -> Comparison:
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
        Run even when the size check would refuse (see :func:`sim.experiments.replications.check_size`).
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
    Comparison

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
    out: list[Results] = []
    for scenario, name in zip(scenarios, names, strict=True):
        if name != scenario.name:
            scenario = scenario.with_changes({"name": name})
        results = run(scenario, replications=replications, seed=seed, jobs=jobs,
                      progress=progress, force=force)
        if attribute:
            results = attribute_idle(results, jobs=jobs, progress=progress, bound=bound)
        out.append(results)
    files = [str(Path(s).resolve()) if s else None for s in sources] if sources else None
    return Comparison.from_results(out, metrics, sources=files)
