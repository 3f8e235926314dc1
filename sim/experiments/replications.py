"""Experiments: replications of a scenario, run in parallel.

The results are identical for any number of worker processes.

Replication ``r`` uses the streams of ``SeedSequence(seed, spawn_key=(r, ...))``
whatever process runs it, and results are put back in replication order, so
``jobs=1`` and ``jobs=N`` give the same tables bit for bit.
"""

from __future__ import annotations

import numbers
import secrets
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim.analysis.metrics import (
    agent_table,
    daily_table,
    day_sums,
    interval_sums,
    interval_table,
    replication_metrics,
    summarise,
)
from sim.analysis.periods import cost_lines_table, period_tables
from sim.basics.errors import SizeError
from sim.experiments.executor import Executor, executor_for
from sim.experiments.memory import estimate_memory, memory_problem
from sim.experiments.planning import Planned, plan_staffing
from sim.experiments.results import RunResults
from sim.inputs.compile import Plan, compile_plan
from sim.inputs.scenario import Scenario
from sim.inputs.streams import stream
from sim.model.run import RawRun, simulate
from sim.plumbing.progress import progress_bar
from sim.plumbing.workers import default_jobs
from sim.staffing.registry import make_policy
from sim.staffing.workload import (
    attempts_and_reach,
    expected_released_per_day,
    inbound_calls_per_day,
)


@dataclass
class ReplicationOutput:
    """Tables and counters of one replication (already labelled)."""

    replication: int
    daily: pd.DataFrame
    intervals: pd.DataFrame
    people: pd.DataFrame
    agents: pd.DataFrame
    calls: pd.DataFrame | None
    metrics: dict[str, float]
    engine_seconds: float
    n_calls: int
    n_attempts: int
    n_events: int
    monthly: pd.DataFrame | None = None
    weekly: pd.DataFrame | None = None


def _label(table: pd.DataFrame, scenario: str, replication: int) -> pd.DataFrame:
    table.insert(0, "replication", replication)
    table.insert(0, "scenario", scenario)
    return table


def simulate_once(plan: Plan, seed: int, replication: int = 0, keep_calls: bool = False,
                  planned: object | None = None) -> RawRun:
    """Simulate one replication of a plan with its own staffing policy.

    The policy is built afresh (:func:`sim.staffing.registry.make_policy`; its
    own randomness from the replication's ``forecast`` stream) and handed to
    the engine (:func:`sim.model.run.simulate`).

    Parameters
    ----------
    plan
        The compiled scenario.
    seed, replication
        Experiment seed and replication index.
    keep_calls
        Keep the per-call log.
    planned
        What was planned before the run (:func:`sim.experiments.planning.plan_staffing`),
        for a policy that needs it.

    Returns
    -------
    RawRun
    """
    policy = make_policy(plan, stream(seed, replication, "forecast"), planned)
    return simulate(plan, policy, seed, replication, keep_calls=keep_calls)


def run_replication(plan: Plan, seed: int, replication: int,
                    planned: object | None = None) -> ReplicationOutput:
    """Simulate one replication and compute its tables.

    Parameters
    ----------
    plan
        The compiled scenario.
    seed
        Experiment seed.
    replication
        Replication index.
    planned
        What was planned before the run, for a policy that needs it.

    Returns
    -------
    ReplicationOutput
        ``engine_seconds`` covers arrival generation, simulation and the
        aggregation into tables.
    """
    start = time.perf_counter()
    keep_calls = plan.scenario.simulation.calls_log
    raw = simulate_once(plan, seed, replication, keep_calls, planned)
    name = plan.scenario.name
    interval_totals = interval_sums(plan, raw)  # each table adds these up its own way
    day_totals = day_sums(plan, raw, interval_totals)
    daily = _label(daily_table(plan, raw, day_totals), name, replication)
    intervals = _label(interval_table(plan, raw, interval_totals), name, replication)
    people = _label(raw.people, name, replication)
    agents = _label(agent_table(raw), name, replication)
    calls = _label(raw.calls, name, replication) if raw.calls is not None else None
    metrics = replication_metrics(plan, raw, day_totals)
    periods = {key: _label(table, name, replication)
               for key, table in period_tables(plan, raw, day_totals).items()}
    return ReplicationOutput(
        replication=replication,
        daily=daily,
        intervals=intervals,
        people=people,
        agents=agents,
        calls=calls,
        metrics=metrics,
        engine_seconds=time.perf_counter() - start,
        n_calls=raw.n_calls,
        n_attempts=raw.n_attempts,
        n_events=raw.n_events,
        monthly=periods["monthly"],
        weekly=periods["weekly"],
    )


#: Seeds are whole numbers in [0, SEED_LIMIT), as ``simulation.seed``.
SEED_LIMIT = 2**63


def seed_problem(seed: object) -> str | None:
    """Say what is wrong with an experiment seed, or None when it is valid.

    Parameters
    ----------
    seed
        The seed given (``--seed``, or ``seed=`` of :func:`run`).

    Returns
    -------
    str or None
        The problem, without the name of the argument, e.g. ``"must be a
        whole number from 0 to 2^63 - 1 (as simulation.seed)"``.
    """
    if (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
            or not 0 <= int(seed) < SEED_LIMIT):
        return "must be a whole number from 0 to 2^63 - 1 (as simulation.seed)"
    return None


def capped_jobs(jobs: int | None, replications: int) -> tuple[int | None, str | None]:
    """Lower a number of workers to min(replications, cores).

    Parameters
    ----------
    jobs
        Workers asked for (None: all cores, left as it is; the executor
        starts no more workers than tasks).
    replications
        Replications to run.

    Returns
    -------
    tuple
        The workers to use and, when they were lowered, why (e.g. ``"lowered
        to 2 (2 replications, 4 cores)"``, to follow the argument's name), else
        None.
    """
    cores = default_jobs()
    limit = max(1, min(replications, cores))
    if jobs is None or jobs <= limit:
        return jobs, None
    return limit, f"lowered to {limit} ({replications} replications, {cores} cores)"


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    progress: bool = False,
    on_replication: Callable[[ReplicationOutput], None] | None = None,
    force: bool = False,
    executor: Executor | str | None = None,
    scheduler: str | None = None,
    planned: Planned | None = None,
) -> RunResults:
    """Run replications of a scenario.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`sim.load_scenario`).
    replications
        Number of replications; ``scenario.simulation.replications`` when None.
    seed
        Experiment seed; ``scenario.simulation.seed`` when None, and drawn (and
        recorded in the results) when that is None too.
    jobs
        Workers (None: all cores). Results do not depend on it. More than
        min(replications, cores) are lowered to that, with a warning
        (:func:`capped_jobs`), unless ``executor`` is an open executor or
        ``scheduler`` is given.
    progress
        Show a progress bar on stderr (only on a terminal, for runs longer
        than a second).
    on_replication
        Called with each replication's output as it completes (in order).
    force
        Run even when :func:`check_size` would refuse.
    executor
        Where the replications run: ``"local"`` (worker processes, the
        default), ``"dask"``, or an open :class:`sim.experiments.executor.Executor`
        (left open). Results do not depend on it.
    scheduler
        Dask scheduler address (implies ``executor="dask"``); without one,
        dask starts a LocalCluster of ``jobs`` workers.
    planned
        What was planned for the policy before the run, when the caller made
        the plan itself (the ladder of :mod:`sim.experiments.ladder` plans its
        steps from one another); None: planned here when the policy needs it.

    Returns
    -------
    RunResults
        With a policy that needs simulations to plan (``optimal``), the plan
        is made first, once (:func:`sim.experiments.planning.plan_staffing`),
        and its facts are in ``run_info``.

    Raises
    ------
    ValueError
        ``replications`` below 1, or ``seed`` not a whole number from 0 to
        2^63 - 1 (:func:`seed_problem`, the check of ``--seed``).
    """
    sim_cfg = scenario.simulation
    replications = replications if replications is not None else sim_cfg.replications
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if seed is not None and (problem := seed_problem(seed)) is not None:
        raise ValueError(f"seed {seed!r}: {problem}")
    if seed is None:
        seed = sim_cfg.seed if sim_cfg.seed is not None else secrets.randbits(32)
    if scheduler is None and not isinstance(executor, Executor):  # workers started here
        asked = jobs
        jobs, lowered = capped_jobs(jobs, replications)
        if lowered is not None:
            warnings.warn(f"jobs={asked} {lowered}", stacklevel=2)
    plan = compile_plan(scenario)
    if not force:
        check_size(plan, replications)
    bar = progress_bar(replications, progress, "replications", "replication")
    outputs: list[ReplicationOutput] = []
    try:
        with executor_for(executor, jobs, scheduler, tasks=replications) as ex:
            if planned is None:  # the search's replications run on the same workers
                planned = plan_staffing(plan, ex)
            shared = ex.share(plan)
            table = planned.for_policy if planned is not None else None
            calls = [(shared, seed, r, table) for r in range(replications)]
            for output in ex.imap(run_replication, calls):
                outputs.append(output)
                bar.update()
                if on_replication:
                    on_replication(output)
    finally:
        bar.close()
    return collect(scenario, seed, outputs, planned)


MAX_CALL_LOG_BYTES = 4 * 2**30
MAX_SERVICES = 500_000_000
CALL_LOG_BYTES_PER_RECORD = 64

def estimate_size(plan: Plan, replications: int, jobs: int | None = None) -> dict[str, float]:
    """Estimate the size of a run: services, call-log memory, and all the memory it needs.

    Parameters
    ----------
    plan
        The compiled scenario.
    replications
        Number of replications.
    jobs
        Replications run at once (None: as many as cores, at most
        ``replications``).

    Returns
    -------
    dict
        ``attempts`` (outbound, per replication), ``inbound_calls`` (per
        replication), ``services`` (both, all replications),
        ``call_log_bytes`` (0 when the per-call log is off), ``agents`` (most
        agents on a day), ``agent_days`` and ``people`` (per replication),
        the memory parts ``agent_day_bytes``, ``people_bytes`` (per
        replication, engine), ``table_bytes`` (the tables of all
        replications, held by the parent and copied once while saving), and
        ``memory_bytes``: the peak, with ``jobs`` replications at once
        (their engines and tables) plus the parent's tables.
    """
    sc = plan.scenario
    released = expected_released_per_day(plan)
    index_attempts, reached = attempts_and_reach(sc.tracing.index)
    contact_attempts, _ = attempts_and_reach(sc.tracing.contact)
    contacts = reached * sc.tracing.index.contacts.mean * sc.tracing.contact.phone_share
    attempts = float(released.sum()) * (index_attempts + contacts * contact_attempts)
    calls = float(inbound_calls_per_day(sc, released).sum()) * (1 + sc.inbound.redial_probability)
    services = (attempts + calls) * replications
    log_bytes = services * CALL_LOG_BYTES_PER_RECORD if sc.simulation.calls_log else 0.0
    people = float(released.sum()) * (1.0 + reached * sc.tracing.index.contacts.mean)
    at_once = max(1, min(replications, jobs or default_jobs()))
    return {"attempts": attempts, "inbound_calls": calls, "services": services,
            "call_log_bytes": log_bytes,
            **estimate_memory(plan, replications, at_once, people, attempts + calls, log_bytes)}


def check_size(plan: Plan, replications: int, jobs: int | None = None) -> None:
    """Refuse a run whose estimate is beyond the limits, saying how to proceed.

    Raises
    ------
    SizeError
        Past ``MAX_SERVICES`` calls and attempts over all replications (hours
        of running), ``MAX_CALL_LOG_BYTES`` of per-call log, or more memory
        than :func:`available_memory` (or, for one process, than ``ulimit
        -v`` allows).
    """
    size = estimate_size(plan, replications, jobs)
    if size["call_log_bytes"] > MAX_CALL_LOG_BYTES:
        raise SizeError(
            f"the per-call log would hold about {size['services']:,.0f} records "
            f"(~{size['call_log_bytes'] / 2**30:,.1f} GiB) over {replications} replications; "
            "set simulation.calls_log: false (or --set simulation.calls_log=false), "
            "use fewer replications, or pass --force"
        )
    if size["services"] > MAX_SERVICES:
        raise SizeError(
            f"about {size['services']:,.0f} calls and attempts over {replications} "
            f"replications (~{size['services'] * 2e-6 / 3600:,.1f} h of simulation); "
            "use fewer replications or a shorter calendar, or pass --force"
        )
    problem = memory_problem(size, replications)
    if problem:
        raise SizeError(problem)


def collect(scenario: Scenario, seed: int, outputs: list[ReplicationOutput],
            planned: Planned | None = None) -> RunResults:
    """Assemble replication outputs (in replication order) into :class:`RunResults`."""
    outputs = sorted(outputs, key=lambda o: o.replication)
    per_rep = pd.DataFrame([o.metrics for o in outputs])
    per_rep.insert(0, "replication", [o.replication for o in outputs])
    per_rep.insert(0, "scenario", scenario.name)
    summary = summarise(per_rep)
    summary.insert(0, "scenario", scenario.name)
    calls = [o.calls for o in outputs if o.calls is not None]
    tables = {
        "daily": pd.concat([o.daily for o in outputs], ignore_index=True),
        "intervals": pd.concat([o.intervals for o in outputs], ignore_index=True),
        "people": pd.concat([o.people for o in outputs], ignore_index=True),
        "agents": pd.concat([o.agents for o in outputs], ignore_index=True),
        "replications": per_rep,
        "summary": summary,
    }
    if calls:
        tables["calls"] = pd.concat(calls, ignore_index=True)
    for key in ("monthly", "weekly"):
        periods = [getattr(o, key) for o in outputs if getattr(o, key) is not None]
        if periods:
            tables[key] = pd.concat(periods, ignore_index=True)
    if scenario.costs.lines:
        tables["cost_lines"] = cost_lines_table(scenario, scenario.calendar.dates)
    run_info = {
        "engine_seconds": float(sum(o.engine_seconds for o in outputs)),
        "calls_simulated": int(sum(o.n_calls for o in outputs)),
        "attempts_simulated": int(sum(o.n_attempts for o in outputs)),
        "events_simulated": int(sum(o.n_events for o in outputs)),
        **(planned.info if planned is not None else {}),
    }
    return RunResults(scenario=scenario, seed=seed, replications=len(outputs), tables=tables,
                      run_info=run_info)
