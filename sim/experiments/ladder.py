"""Idle by cause: a ladder of staffings on the same demand, each adding one constraint.

Every step staffs the same scenario, on the same seed and replication indices
(common random numbers: in replication ``r`` every step sees the same cases,
answers and call durations), to meet the same targets (index cases and
contacts reached within their deadlines, the inbound service level), and
adds one constraint of real operations to the step before:

1. **inherent**: the least staffing per reporting interval, with perfect
   foresight, agents free to start and stop every interval (one shift
   template per interval of the opening hours, no breaks, no onboarding):
   what queueing variability and whole agents leave idle;
2. **+ shift structure**: the scenario's shift templates and breaks;
3. **+ scaling limits**: the scenario's onboarding and a minimum stay of every
   hire (the scenario's policy's ``min_stay``, else the bound's default),
   still with foresight (lead times and notice do not bind a planner who
   knows the demand: it orders in time);
4. **+ no foresight**: staffing from what was known at the time: the
   scenario's own policy when it plans so (``reactive``, ``forecast``), else the
   ``reactive`` policy with the scenario's lead time, notice, daily change and
   headcount limits;
5. **the scenario's own staffing**: the run being explained.

Steps 1 to 3 are the least staffing by simulation
(:mod:`sim.experiments.least_staffing`); step 2's search starts from step 1's
answer (its inbound agents per interval, its outbound hours), and step 3 is
step 2's requirement played with the scaling limits (hired ahead of need,
kept for the minimum stay): no search of its own. Per replication::

    cause_k = idle_k - idle_(k-1)      (idle_0 = 0, idle_5 = the run's idle)

so the causes add up exactly to the run's idle in every replication; each
cause's interval is the paired Student-t interval of its per-replication
values, and its money is :func:`sim.analysis.costs.agent_hours_value`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.costs import agent_hours_value
from sim.analysis.metrics import summarise
from sim.basics.units import DAY_S, HOUR_S, format_clock
from sim.experiments.attribution import BOUNDS, attribute_idle, bound_targets, targets_report
from sim.experiments.executor import Executor, executor_for
from sim.experiments.least_staffing import (
    LeastStaffingSearch,
    SearchResult,
    offered_load_staffing,
)
from sim.experiments.planning import Planned, search_facts
from sim.experiments.replications import run
from sim.experiments.results import RunResults
from sim.inputs.compile import compile_plan
from sim.inputs.scenario import WEEKDAYS, Scenario
from sim.staffing.optimal import OptimalStaffing

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Step:
    """One step of the ladder.

    Attributes
    ----------
    number
        1 to 5, in ladder order.
    name
        Short name (``inherent``, ``shifts``, ``scaling``, ``foresight``, ``contract``).
    cause
        What the idle this step adds to the one before is attributed to.
    """

    number: int
    name: str
    cause: str


STEPS = (
    Step(1, "inherent", "queueing variability and whole agents"),
    Step(2, "shifts", "shift lengths and breaks"),
    Step(3, "scaling", "scaling limits (onboarding, minimum stay)"),
    Step(4, "foresight", "no foresight (staffing from what was known at the time)"),
    Step(5, "contract", "the scenario's own staffing"),
)
"""The ladder, in order."""

#: Policies that already staff from what was known at the time (step 4 is the run itself).
NO_FORESIGHT_POLICIES = ("reactive", "forecast")

#: Columns of the ``idle_by_cause`` table.
IDLE_BY_CAUSE_COLUMNS = ("step", "name", "cause", "idle_hours", "ci_low", "ci_high", "share",
                         "cost", "cost_ci_low", "cost_ci_high", "step_idle_hours",
                         "step_paid_hours", "met_targets", "why", "staffing")


# ---------------------------------------------------------------------- the steps' scenarios
def interval_shifts(scenario: Scenario) -> list[dict[str, Any]]:
    """Return one shift template per reporting interval of the opening hours, without breaks.

    A template runs on the weekdays on which its interval is open; agents
    on it can start and stop every interval.
    """
    interval_s = scenario.simulation.interval
    hours = scenario.calendar.opening_hours
    shifts = []
    for k in range(int(round(DAY_S / interval_s))):
        start_s, end_s = k * interval_s, (k + 1) * interval_s
        days = [WEEKDAYS[w] for w in range(7)
                if (span := hours.for_weekday(w)) is not None
                and span[0] < end_s and span[1] > start_s]
        if days:
            shifts.append({"start": format_clock(start_s), "length": f"{interval_s:g}s",
                           "share": 1.0, "days": days})
    return shifts


def _bound(scenario: Scenario, name: str, changes: dict[str, Any], min_stay_s: float) -> Scenario:
    """Return the scenario staffed by the least-staffing bound, with ``changes``."""
    staffing = {"policy": "optimal", **bound_targets(scenario.staffing),
                "min_headcount": scenario.staffing.min_headcount,
                "max_headcount": scenario.staffing.max_headcount,
                "min_stay": f"{min_stay_s:g}s"}
    return scenario.with_changes({**changes, "staffing": staffing,
                                  "name": f"{scenario.name} [ladder: {name}] (optimal)"})


def min_stay_s(scenario: Scenario) -> float:
    """Return step 3's minimum stay: the policy's ``min_stay``, else the bound's default."""
    own = getattr(scenario.staffing, "min_stay", None)
    return float(OptimalStaffing.model_fields["min_stay"].default if own is None else own)


def step_scenarios(scenario: Scenario) -> dict[int, Scenario]:
    """Return the scenarios of steps 1 to 3 (the least-staffing bound under each constraint)."""
    free = {"agents.onboarding": "0s"}
    return {
        1: _bound(scenario, "inherent", {**free, "agents.shifts": interval_shifts(scenario)},
                  DAY_S),
        2: _bound(scenario, "shifts", free, DAY_S),
        3: _bound(scenario, "scaling", {}, min_stay_s(scenario)),
    }


def no_foresight_scenario(scenario: Scenario, initial_headcount: int) -> Scenario | None:
    """Return step 4's scenario: ``reactive`` staffing within the scenario's limits.

    None when the scenario's own policy already staffs without foresight
    (its run is step 4 too, and the contract's part is zero).
    """
    if scenario.staffing.policy in NO_FORESIGHT_POLICIES:
        return None
    own = scenario.staffing
    targets = bound_targets(own)
    staffing: dict[str, Any] = {
        "policy": "reactive", "initial_headcount": int(initial_headcount),
        "inbound_target_sl": targets["inbound_target_sl"],
        "scale_up_lead_time": f"{own.scale_up_lead_time:g}s",
        "scale_down_notice": f"{own.scale_down_notice:g}s",
        "min_headcount": own.min_headcount, "max_headcount": own.max_headcount,
        "review_time": format_clock(own.review_time)}
    if own.max_daily_change is not None:
        staffing["max_daily_change"] = own.max_daily_change
    return scenario.with_changes({"staffing": staffing,
                                  "name": f"{scenario.name} [ladder: foresight] (reactive)"})


# ---------------------------------------------------------------------- planning
def _search_info(result: SearchResult, config: Any, events_per_replication: float,
                 seconds: float) -> dict:
    return {**search_facts(result, config),
            "replication_equivalents": round(result.events / events_per_replication, 3),
            "search_seconds": round(seconds, 3)}


def plan_steps(scenarios: dict[int, Scenario], events_per_replication: float,
               executor: Executor | None = None) -> dict[int, Planned]:
    """Plan steps 1 to 3: two searches (step 2 warm-started from step 1) and step 3's table.

    Parameters
    ----------
    scenarios
        :func:`step_scenarios`.
    events_per_replication
        Events of one replication of the scenario explained (the unit of the
        searches' cost, ``replication_equivalents``).
    executor
        Where the searches' replications run, side by side (None: in this process).

    Returns
    -------
    dict
        Step number -> what its run plays (:class:`~sim.experiments.planning.Planned`).
    """
    plans = {k: compile_plan(sc) for k, sc in scenarios.items()}
    started = time.perf_counter()
    # ISA from the analytic staffing (Erlang A on the offered load) instead of the
    # generous infinite-server start: the same fixed point, fewer iterations to it
    target_sl = bound_targets(scenarios[1].staffing)["inbound_target_sl"]
    warm = offered_load_staffing(plans[1], target_sl)
    first = LeastStaffingSearch(plans[1], initial_inbound=warm, executor=executor).run()
    one = _search_info(first, scenarios[1].staffing, events_per_replication,
                       time.perf_counter() - started)
    # outbound agents of step 1 work one interval each: carried over as hours
    interval_h = scenarios[1].simulation.interval / HOUR_S
    shifts = plans[2].shifts
    mean_shift_h = float(np.average([s.length_s for s in shifts],
                                    weights=[s.share for s in shifts])) / HOUR_S
    outbound = np.ceil(first.outbound_found * interval_h / mean_shift_h - 1e-9).astype(np.int64)
    started = time.perf_counter()
    second = LeastStaffingSearch(plans[2], initial_inbound=first.table.reserve,
                                 initial_outbound=outbound, executor=executor).run()
    two = _search_info(second, scenarios[2].staffing, events_per_replication,
                       time.perf_counter() - started)
    limited = LeastStaffingSearch(plans[3], initial_inbound=second.table.reserve,
                                  initial_outbound=second.outbound)
    three = {"search_iterations": 0, "search_events": 0, "replication_equivalents": 0.0,
             "planned_from": "step 2's requirement, hired ahead and kept the minimum stay"}
    return {1: Planned(first.table, one, first), 2: Planned(second.table, two, second),
            3: Planned(limited.staffing_table(), three)}


# ---------------------------------------------------------------------- the ladder
def idle_ladder(results: RunResults, jobs: int | None = 1, progress: bool = False,
                executor: Any = None, scheduler: str | None = None) -> RunResults:
    """Explain a run's idle hours by cause, with the ladder of staffings.

    Parameters
    ----------
    results
        What :func:`sim.run` returned; not modified.
    jobs, executor, scheduler
        Where the steps' replications run (as for :func:`sim.run`).
    progress
        Show progress bars.

    Returns
    -------
    RunResults
        The same tables plus ``idle_by_cause`` (one row per cause, in ladder
        order: :data:`IDLE_BY_CAUSE_COLUMNS`), ``ladder`` (per step and
        replication: idle and paid hours and the targets' metrics) and
        ``ladder_targets`` (per step and target: required, achieved, met);
        ``run_info["ladder"]`` holds each step's staffing, parameters,
        iterations, replication-equivalents and seconds.

    Raises
    ------
    ValueError
        When the results lack the ``replications`` table.
    """
    if "replications" not in results.tables:
        raise ValueError("results lack the 'replications' table needed for the idle ladder")
    scenario = results.scenario
    own = results.tables["replications"].reset_index(drop=True)
    events_per_rep = max(float(results.run_info.get("events_simulated", 0))
                         / max(results.replications, 1), 1.0)
    scenarios = step_scenarios(scenario)
    with executor_for(executor, jobs, scheduler) as ex:
        planned = plan_steps(scenarios, events_per_rep, ex)
        def again(variant: Scenario, plan: Planned | None = None) -> RunResults:
            return run(variant, replications=results.replications, seed=results.seed,
                       force=True, progress=progress, executor=ex, planned=plan)

        runs: dict[int, RunResults] = {k: again(sc, planned[k]) for k, sc in scenarios.items()}
        day0 = int(np.asarray(planned[3].for_policy.headcount)[0])  # type: ignore[attr-defined]
        fourth = no_foresight_scenario(scenario, day0)
        runs[4] = again(fourth) if fourth is not None else results
    runs[5] = results
    info = {k: {"scenario": (r.scenario.staffing.summary()), "policy": r.scenario.staffing.policy,
                "engine_seconds": r.run_info.get("engine_seconds", 0.0),
                **(planned[k].info if k in planned else {})}
            for k, r in runs.items()}
    info[3]["parameters"] = {"onboarding_s": scenario.agents.onboarding,
                             "min_stay_s": min_stay_s(scenario)}
    info[4]["parameters"] = {"policy": runs[4].scenario.staffing.policy,
                             "scale_up_lead_time_s": scenario.staffing.scale_up_lead_time,
                             "scale_down_notice_s": scenario.staffing.scale_down_notice,
                             "max_daily_change": scenario.staffing.max_daily_change,
                             "own_run": fourth is None}
    per_rep = _per_replication(own, runs)
    targets = _targets(runs, scenario)
    table = by_cause(scenario, per_rep, targets, info)
    split = attribute_idle(results, bound="optimal", bound_results=runs[2])
    tables = {**split.tables, "idle_by_cause": table, "ladder": per_rep,
              "ladder_targets": targets}
    run_info = {**split.run_info, "ladder": {str(k): v for k, v in info.items()},
                "ladder_replication_equivalents": round(
                    sum(v.get("replication_equivalents", 0.0) for v in info.values()), 3)}
    return RunResults(scenario=scenario, seed=results.seed, replications=results.replications,
                      tables=tables, run_info=run_info)


def explain_idle(results: RunResults, jobs: int | None = 1, progress: bool = False,
                 bound: str = "optimal") -> RunResults:
    """Explain a run's idle: the ladder by cause (``bound="optimal"``) or the analytic split.

    With the least-staffing bound (the default) the whole ladder runs
    (:func:`idle_ladder`), and the two-way split of
    :func:`~sim.experiments.attribution.attribute_idle` is against its step 2
    (steps 1 and 2 together are what is inherent to queueing and shifts); with
    ``bound="analytic"`` only that split, against the analytic oracle.

    Parameters
    ----------
    results
        What :func:`sim.run` returned; not modified.
    jobs, progress
        As for :func:`sim.run`.
    bound
        ``optimal`` or ``analytic``.

    Returns
    -------
    RunResults
    """
    if bound not in BOUNDS:
        raise ValueError(f"bound must be 'optimal' or 'analytic', not {bound!r}")
    if bound == "optimal":
        return idle_ladder(results, jobs=jobs, progress=progress)
    return attribute_idle(results, jobs=jobs, progress=progress, bound=bound)


LADDER_METRICS = ("idle_hours", "paid_hours", "index_reached_within_deadline_share",
                  "contacts_reached_within_deadline_share", "inbound_service_level")


def _per_replication(own: pd.DataFrame, runs: dict[int, RunResults]) -> pd.DataFrame:
    """Per step and replication (paired on the replication index): the ladder's metrics."""
    reps = own["replication"].to_numpy()
    frames = []
    for k, result in runs.items():
        rows = result.tables["replications"].set_index("replication").loc[reps]
        frame = pd.DataFrame({"step": k, "name": STEPS[k - 1].name, "replication": reps})
        for name in LADDER_METRICS:
            frame[name] = (rows[name].to_numpy(dtype=float) if name in rows
                           else np.full(reps.size, np.nan))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _targets(runs: dict[int, RunResults], scenario: Scenario) -> pd.DataFrame:
    """Per step and target: what was required, what the step achieved, whether it met it."""
    judge = scenario.staffing  # judged on its targets as a bound is (bound_targets)
    frames = []
    for k, result in runs.items():
        report = targets_report(result.tables["summary"], judge)
        report.insert(0, "step", k)
        frames.append(report)
    return pd.concat(frames, ignore_index=True)


def _why(targets: pd.DataFrame, step: int) -> str:
    """Return the targets a step missed, in words ("" when it met every one)."""
    missed = targets[(targets["step"] == step) & ~targets["met"]]
    return "; ".join(f"{row.metric} {row.mean:.3f} below {row.required:.3f}"
                     for row in missed.itertuples())


def by_cause(scenario: Scenario, per_rep: pd.DataFrame, targets: pd.DataFrame,
             info: dict[int, dict]) -> pd.DataFrame:
    """Return the ``idle_by_cause`` table from the ladder's per-replication idle.

    Parameters
    ----------
    scenario
        The scenario explained (its rates price the hours).
    per_rep
        :func:`idle_ladder`'s ``ladder`` table.
    targets
        Its ``ladder_targets`` table.
    info
        Per step, its staffing (``scenario``).

    Returns
    -------
    pandas.DataFrame
        One row per cause in ladder order (:data:`IDLE_BY_CAUSE_COLUMNS`);
        ``idle_hours`` adds up to the run's mean idle.
    """
    idle = per_rep.pivot(index="replication", columns="step", values="idle_hours")
    paid = per_rep.pivot(index="replication", columns="step", values="paid_hours")
    steps = [s.number for s in STEPS]
    parts = idle[steps].diff(axis=1)
    parts[steps[0]] = idle[steps[0]]
    columns = {f"cause_{k}": parts[k].to_numpy() for k in steps}
    columns |= {f"cost_{k}": agent_hours_value(scenario, parts[k].to_numpy()) for k in steps}
    frame = pd.DataFrame(columns)
    summary = summarise(frame, confidence=CONFIDENCE,
                        methods=dict.fromkeys(frame.columns, "mean")).set_index("metric")
    total = float(idle[steps[-1]].mean())
    rows = []
    for step in STEPS:
        k = step.number
        part, cost = summary.loc[f"cause_{k}"], summary.loc[f"cost_{k}"]
        met = bool(targets[targets["step"] == k]["met"].all())
        rows.append({
            "step": k, "name": step.name, "cause": step.cause,
            "idle_hours": float(part["mean"]), "ci_low": float(part["ci_low"]),
            "ci_high": float(part["ci_high"]),
            "share": float(part["mean"]) / total if total else math.nan,
            "cost": float(cost["mean"]), "cost_ci_low": float(cost["ci_low"]),
            "cost_ci_high": float(cost["ci_high"]),
            "step_idle_hours": float(idle[k].mean()), "step_paid_hours": float(paid[k].mean()),
            "met_targets": met, "why": "" if met else _why(targets, k),
            "staffing": info[k]["scenario"]})
    return pd.DataFrame(rows, columns=list(IDLE_BY_CAUSE_COLUMNS))


def idle_sentence(table: pd.DataFrame) -> str:
    """Return the ladder's answer in one sentence a minister can read.

    E.g. "Of 284,024 idle hours, 9 % were inherent to queueing and whole
    agents, 12 % came from shift lengths and breaks, ... and 71 % from the
    scenario's own staffing."
    """
    total = float(table["idle_hours"].sum())
    if not total:
        return "The run had no idle hours."
    words = {"inherent": "were inherent to queueing and whole agents",
             "shifts": "came from shift lengths and breaks",
             "scaling": "from the scaling limits",
             "foresight": "from staffing without foresight",
             "contract": "from the scenario's own staffing"}
    parts = [f"{100 * row.idle_hours / total:.0f} % {words.get(row.name, row.cause)}"
             for row in table.itertuples()]
    body = ", ".join(parts[:-1]) + (f" and {parts[-1]}" if len(parts) > 1 else parts[0])
    return f"Of {total:,.0f} idle hours, {body}."
