"""One replication: build the model on a simpy environment, run it, collect the output."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy
from simpy.core import EmptySchedule, StopSimulation

from sim.inputs.compile import Plan
from sim.model.centre import CallCentre
from sim.model.control import (
    Control,
    day_calendar,
    interval_ticks,
    intraday_checks,
    staffing_reviews,
)
from sim.model.draws import Streams
from sim.model.events import FIRST, At
from sim.model.policy import StaffingPolicy, make_roster
from sim.model.recorder import Recorder

Observer = Callable[[simpy.Environment, CallCentre], None]
"""Puts a process of its own on the environment that watches the centre (a probe)."""


@dataclass
class RawRun:
    """What one replication produced, before the metrics are computed.

    Attributes
    ----------
    intervals
        Per-interval totals (see :data:`sim.model.recorder.INTERVAL_COLUMNS`).
    agents
        Per-agent totals in seconds (``paid_s``, ``talk_s`` ...).
    people
        One row per index case, contact and callback.
    calls
        The per-call log, or None.
    cases_per_day, released_per_day
        Confirmed cases (after noise) and index cases released, per day.
    released_by_source
        Index cases released per day, by demand source (``epidemic.sources``).
    headcount, present, hires
        Roster headcount, agents present (rostered agents not absent, and
        on-call agents called in that day) and agents added to the roster, per
        day.
    persons_called
        Distinct index cases and contacts dialled, per day.
    inbound_waiting_at_end
        Inbound callers still waiting when the horizon ended.
    inbound_arrivals
        Inbound calls that arrived (first calls and redials), counted at the source.
    n_calls, n_attempts, n_events
        Calls served (by an agent), outbound attempts, events processed.
    engine_seconds
        Wall time of the replication (arrival generation, simulation, aggregation).
    """

    intervals: dict[str, np.ndarray]
    agents: dict[str, np.ndarray]
    people: pd.DataFrame
    calls: pd.DataFrame | None
    cases_per_day: np.ndarray
    released_per_day: np.ndarray
    released_by_source: dict[str, np.ndarray]
    headcount: np.ndarray
    present: np.ndarray
    hires: np.ndarray
    persons_called: np.ndarray
    inbound_waiting_at_end: int
    inbound_arrivals: int
    n_calls: int
    n_attempts: int
    n_events: int
    engine_seconds: float


def build(env: simpy.Environment, plan: Plan, rng: Streams, recorder: Recorder,
          policy: StaffingPolicy) -> Control:
    """Put the call centre and its control processes on ``env``.

    Parameters
    ----------
    env
        A fresh environment.
    plan
        The compiled scenario.
    rng
        The replication's named streams.
    recorder
        Where the run is recorded.
    policy
        The staffing policy, fresh for this run (it holds the run's state).

    Returns
    -------
    Control
        The staffing control (its ``centre`` is the call centre).
    """
    sc = plan.scenario
    centre = CallCentre(env, plan, rng, recorder)
    control = Control(centre, policy, make_roster(sc, policy), rng)
    env.process(day_calendar(env, control))
    centre.start_releases()
    if policy.adaptive:
        env.process(staffing_reviews(env, control))
    if policy.intraday_every_s is not None:
        env.process(intraday_checks(env, control, policy.intraday_every_s))
    reserve = policy.inbound_reserve(plan) if sc.inbound.enabled else None
    if reserve is not None:
        env.process(interval_ticks(env, centre, reserve))
    return control


@contextmanager
def collector_eased() -> Iterator[None]:
    """Keep the cyclic garbage collector from re-scanning what does not change, while inside.

    A run allocates millions of short-lived simpy events. Each of the
    collector's passes would otherwise traverse every object of the process
    (the libraries, the pre-drawn inputs) again and again: ``gc.freeze`` moves
    the objects that exist now to the permanent generation, and a larger
    first-generation threshold makes the young passes rarer. Both are undone
    on the way out; nothing is freed or kept differently.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_until(env: simpy.Environment, horizon_s: float) -> int:
    """Process the events before ``horizon_s`` and count them.

    The same as ``env.run(until=horizon_s)`` (a stop event at the horizon,
    urgent so that it precedes the events at that time), plus the count.

    Returns
    -------
    int
        Events processed.
    """
    stop = At(env, horizon_s, FIRST)
    stop.callbacks.append(StopSimulation.callback)
    step = env.step
    n_events = 0
    try:
        while True:
            step()
            n_events += 1
    except (StopSimulation, EmptySchedule):
        pass
    return n_events


def simulate(plan: Plan, policy: StaffingPolicy, seed: int, replication: int = 0,
             keep_calls: bool = False, observers: Iterable[Observer] = ()) -> RawRun:
    """Run one replication.

    Parameters
    ----------
    plan
        The compiled scenario.
    policy
        Its staffing policy, fresh for this run (:func:`sim.staffing.make_policy`).
    seed
        Experiment seed; streams come from ``SeedSequence(seed, spawn_key=(replication, ...))``.
    replication
        Replication index.
    keep_calls
        Keep the per-call log.
    observers
        Probes put on the environment after the model (e.g. the least-staffing
        search's sampling of the callers in the system); they change nothing.

    Returns
    -------
    RawRun
    """
    wall_start = time.perf_counter()
    env = simpy.Environment()
    recorder = Recorder(plan.interval_s, plan.n_intervals, plan.scenario.inbound.answer_within,
                        keep_calls)
    control = build(env, plan, Streams(seed, replication), recorder, policy)
    for observe in observers:
        observe(env, control.centre)
    with collector_eased():
        n_events = run_until(env, plan.horizon_s)
    centre = control.centre
    waiting = centre.close_books(plan.horizon_s)
    return RawRun(
        intervals=recorder.intervals,
        agents=_agent_totals(recorder, centre.agents.n_agents),
        people=centre.people.table(),
        calls=recorder.calls_table(),
        cases_per_day=centre.cases.cases_per_day,
        released_per_day=centre.cases.released_per_day,
        released_by_source=centre.cases.released_by_source,
        headcount=control.log.headcount,
        present=control.log.present,
        hires=control.log.hires,
        persons_called=np.asarray(centre.persons_called[: plan.n_days], dtype=np.int64),
        inbound_waiting_at_end=waiting,
        inbound_arrivals=centre.n_inbound,
        n_calls=recorder.n_calls,
        n_attempts=recorder.n_attempts,
        n_events=n_events,
        engine_seconds=time.perf_counter() - wall_start,
    )


def _agent_totals(recorder: Recorder, n_agents: int) -> dict[str, np.ndarray]:
    """Per-agent totals trimmed or padded to the agents that exist."""
    totals = {}
    for name, values in recorder.agent_totals.items():
        out = np.zeros(n_agents)
        size = min(n_agents, values.size)
        out[:size] = values[:size]
        totals[name] = out
    return totals
