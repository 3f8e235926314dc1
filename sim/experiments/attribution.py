"""Idle attribution: how much of a run's idle a bound on the same demand would have had.

A bound is a staffing of the same scenario that no operator could beat: the
least staffing found by simulation (``optimal``, :func:`optimal_variant`) or
the fast analytic oracle (:func:`oracle_variant`). Both rest on **common
random numbers** (:mod:`sim.inputs.streams`): run with the same seed, in
replication ``r`` the bound sees the same cases, answers and call durations.

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

"""

from __future__ import annotations

import pandas as pd

from sim.analysis.costs import agent_hours_value
from sim.analysis.metrics import summarise
from sim.experiments.replications import run
from sim.experiments.results import RunResults
from sim.inputs.scenario import Scenario
from sim.staffing.optimal import OptimalStaffing

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

def oracle_variant(scenario: Scenario, target_occupancy: float | None = None,
                   inbound_target_sl: float | None = None) -> Scenario:
    """Return the same scenario staffed by the ``oracle`` policy for the same service target.

    The service target is taken from the scenario's own policy where it has
    one (``target_occupancy``, ``inbound_target_sl``, ``inbound_model``,
    ``inbound_method``), else the arguments, else the oracle's defaults; the
    headcount limits are kept. Used for idle attribution.
    """
    staffing = scenario.staffing
    fields = type(staffing).model_fields
    changes: dict = {"policy": "oracle"}
    for name, given in (("target_occupancy", target_occupancy),
                        ("inbound_target_sl", inbound_target_sl)):
        value = given if given is not None else getattr(staffing, name, None)
        if value is not None:
            changes[name] = value
    for name in ("min_headcount", "max_headcount"):
        changes[name] = getattr(staffing, name)
    for name in ("inbound_model", "inbound_method"):
        if name in fields:
            changes[name] = getattr(staffing, name)
    return scenario.with_changes({"staffing": changes, "name": f"{scenario.name} (oracle)"})


def optimal_variant(scenario: Scenario, **targets: float) -> Scenario:
    """Return the same scenario staffed by the ``optimal`` policy.

    The inbound service-level target is the scenario's own policy's where it
    has one; the timeliness targets are the ``optimal`` defaults unless given
    in ``targets`` (``index_within_share``, ``contacts_within_share``,
    ``inbound_target_sl``); the headcount limits are kept.
    """
    staffing = scenario.staffing
    changes: dict = {"policy": "optimal",
                     "min_headcount": staffing.min_headcount,
                     "max_headcount": staffing.max_headcount}
    for name in ("index_within_share", "contacts_within_share", "inbound_target_sl"):
        value = targets.get(name, getattr(staffing, name, None))
        if value is not None:
            changes[name] = value
    min_stay_s = getattr(staffing, "min_stay", None)
    if min_stay_s is not None:
        changes["min_stay"] = f"{min_stay_s:g}s"
    return scenario.with_changes({"staffing": changes, "name": f"{scenario.name} (optimal)"})


TARGET_METRICS = (
    ("index_within_share", "index_reached_within_deadline_share"),
    ("contacts_within_share", "contacts_reached_within_deadline_share"),
    ("inbound_target_sl", "inbound_service_level"),
)
"""Each target of a bound and the run metric it is judged on."""


def bound_targets(staffing: object) -> dict[str, float]:
    """Return the targets a bound is judged against.

    The ``optimal`` policy's are its own; any other policy (the analytic
    oracle) is judged against the ``optimal`` defaults for the timeliness
    shares and its own ``inbound_target_sl``.
    """
    defaults = OptimalStaffing.model_fields
    out = {}
    for name, _ in TARGET_METRICS:
        value = getattr(staffing, name, None)
        out[name] = float(defaults[name].default if value is None else value)
    return out


def targets_report(summary: pd.DataFrame, staffing: object) -> pd.DataFrame:
    """Return, per target, what was required, what the run achieved and whether it met it.

    Parameters
    ----------
    summary
        A run's summary (``metric``, ``mean``, ``ci_low``, ``ci_high``).
    staffing
        The run's staffing configuration (its targets, see :func:`bound_targets`).

    Returns
    -------
    pandas.DataFrame
        ``target, metric, required, mean, ci_low, ci_high, met``; a metric the
        run lacks (no inbound line) counts as met. The inbound target is
        judged on the run's service level over all intervals.
    """
    by_metric = summary.set_index("metric")
    rows = []
    for (name, metric), required in zip(TARGET_METRICS, bound_targets(staffing).values(),
                                        strict=True):
        if metric in by_metric.index and pd.notna(by_metric.loc[metric, "mean"]):
            row = by_metric.loc[metric]
            mean, low, high = (float(row[c]) for c in ("mean", "ci_low", "ci_high"))
            met = mean >= required
        else:
            mean = low = high = float("nan")
            met = True
        rows.append({"target": name, "metric": metric, "required": required, "mean": mean,
                     "ci_low": low, "ci_high": high, "met": bool(met)})
    return pd.DataFrame(rows)


#: The bounds of the idle attribution (``bound=`` of :func:`attribute_idle`, ``--bound``).
BOUNDS = ("optimal", "analytic")


def attribute_idle(results: RunResults, jobs: int | None = 1, progress: bool = False,
                   bound: str = "optimal",
                   bound_results: RunResults | None = None) -> RunResults:
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
    bound_results
        The bound's run if the caller made it (the ladder's step 2); None: run here.

    Returns
    -------
    RunResults
        A new RunResults with the same tables, except:

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
    oracle_scenario, oracle_rep, oracle_daily, oracle_summary, oracle_info = (
        _given_bound(bound_results) if bound_results is not None
        else _run_bound(results, per_rep, bound, jobs, progress))
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
    return RunResults(scenario=scenario, seed=results.seed, replications=results.replications,
                      tables=tables, run_info={**results.run_info, **oracle_info})


def _given_bound(bound: RunResults) -> tuple[Scenario, pd.DataFrame, pd.DataFrame,
                                               pd.DataFrame, dict]:
    """Return what :func:`_run_bound` returns, of a bound's run made by the caller."""
    info = {"oracle_engine_seconds": bound.run_info.get("engine_seconds", 0.0),
            "oracle_scenario_hash": bound.scenario.hash()}
    return (bound.scenario, bound.tables["replications"], bound.tables["daily"],
            bound.tables["summary"], info)


def _run_bound(results: RunResults, per_rep: pd.DataFrame, bound: str, jobs: int | None,
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
