"""Experiments: replications of a scenario, in parallel, with identical results
for any number of worker processes.

Replication ``r`` uses the streams of ``SeedSequence(seed, spawn_key=(r, ...))``
whatever process runs it, and results are put back in replication order, so
``jobs=1`` and ``jobs=N`` give the same tables bit for bit.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from sim.compile import Plan, compile_plan
from sim.engine import simulate
from sim.metrics import agent_table, daily_table, interval_table, replication_metrics, summarise
from sim.results import Results
from sim.scenario import Scenario


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


def _label(table: pd.DataFrame, scenario: str, replication: int) -> pd.DataFrame:
    table.insert(0, "replication", replication)
    table.insert(0, "scenario", scenario)
    return table


def run_replication(plan: Plan, seed: int, replication: int) -> ReplicationOutput:
    """Simulate one replication and compute its tables.

    Parameters
    ----------
    plan
        The compiled scenario.
    seed
        Experiment seed.
    replication
        Replication index.

    Returns
    -------
    ReplicationOutput
        ``engine_seconds`` covers arrival generation, simulation and the
        aggregation into tables.
    """
    start = time.perf_counter()
    keep_calls = plan.scenario.simulation.calls_log
    raw = simulate(plan, seed, replication, keep_calls=keep_calls)
    name = plan.scenario.name
    daily = _label(daily_table(plan, raw), name, replication)
    intervals = _label(interval_table(plan, raw), name, replication)
    people = _label(raw.people, name, replication)
    agents = _label(agent_table(raw), name, replication)
    calls = _label(raw.calls, name, replication) if raw.calls is not None else None
    metrics = replication_metrics(plan, raw)
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
    )


class _Progress:
    """A one-line progress bar on stderr, shown only for runs longer than a moment."""

    def __init__(self, total: int, enabled: bool, delay_s: float = 1.0) -> None:
        self.total, self.enabled, self.delay_s = total, enabled, delay_s
        self.start = time.perf_counter()
        self.done = 0
        self.shown = False

    def step(self) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.start
        if not self.enabled or (elapsed < self.delay_s and self.done < self.total):
            return
        if not self.shown and self.done == self.total and elapsed < self.delay_s:
            return
        width = 30
        filled = int(width * self.done / self.total)
        eta = elapsed / self.done * (self.total - self.done)
        sys.stderr.write(
            f"\r  replications [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done}/{self.total}  {elapsed:5.1f}s elapsed, ~{eta:4.0f}s left"
        )
        self.shown = True
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def default_jobs() -> int:
    """Worker processes to use by default: all cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int | None = 1,
    progress: bool = False,
    on_replication: Callable[[ReplicationOutput], None] | None = None,
) -> Results:
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
        Worker processes (None: all cores). Results do not depend on it.
    progress
        Show a progress bar on stderr for runs longer than a second.
    on_replication
        Called with each replication's output as it completes (in order).

    Returns
    -------
    Results
    """
    sim_cfg = scenario.simulation
    replications = replications if replications is not None else sim_cfg.replications
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if seed is None:
        seed = sim_cfg.seed if sim_cfg.seed is not None else secrets.randbits(32)
    plan = compile_plan(scenario)
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    jobs = min(jobs, replications)
    bar = _Progress(replications, progress)
    outputs: list[ReplicationOutput] = []
    if jobs == 1:
        for r in range(replications):
            outputs.append(run_replication(plan, seed, r))
            bar.step()
            if on_replication:
                on_replication(outputs[-1])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_replication, plan, seed, r) for r in range(replications)]
            try:
                for future in futures:
                    outputs.append(future.result())
                    bar.step()
                    if on_replication:
                        on_replication(outputs[-1])
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return collect(scenario, seed, outputs)


def collect(scenario: Scenario, seed: int, outputs: list[ReplicationOutput]) -> Results:
    """Assemble replication outputs (in replication order) into :class:`Results`."""
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
    run_info = {
        "engine_seconds": float(sum(o.engine_seconds for o in outputs)),
        "calls_simulated": int(sum(o.n_calls for o in outputs)),
        "attempts_simulated": int(sum(o.n_attempts for o in outputs)),
        "events_simulated": int(sum(o.n_events for o in outputs)),
    }
    return Results(scenario=scenario, seed=seed, replications=len(outputs), tables=tables,
                   run_info=run_info)
