"""Baseline for the benchmark: the M/M/n+M hotline with long-lived simpy processes.

The same system as ``bench/baseline_simpy.py`` (see ``bench/mmc.yaml``), written
as a simpy user would with one process per *server* rather than per call: one
arrival-generator process puts callers into a FIFO ``simpy.Store``, and ``n``
agent processes loop forever taking the next caller from it::

    while True:
        caller = yield queue.get()
        if env.now >= caller.deadline_s:   # hung up while waiting
            ...record an abandonment, wait = patience; take the next one
            continue
        ...record the wait
        yield env.timeout(caller.handle_s)

**Abandonment is handled by the caller's deadline, checked when an agent takes
the caller** (no per-caller patience event). A caller's deadline is its arrival
time plus its patience; a caller taken at or after its deadline had hung up at
the deadline: it is recorded as abandoned with a wait equal to its patience and
is never served, and the agent takes the next caller at the same instant. An
agent who comes free therefore serves the earliest arrival still waiting, which
is exactly M/M/n+M. Callers who hung up are only discarded when an agent reaches
them; the store is empty at the end of the run (agents are idle, blocked on
``get``), so every caller is accounted for.

Gaps, patience and handle times are drawn one at a time from a numpy
``Generator``, in the same order as in the process-per-call baseline, so that
with the same seed the two give the same callers and the same figures. The run is timed in-process
from the model build (``simpy.Environment()``) to the end of ``env.run()``.

Usable on its own::

    .venv/bin/python bench/baseline_simpy_processes.py --calls 100000 --seed 1
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy
from baseline_simpy import (
    AGENTS,
    ARRIVAL_RATE_PER_S,
    MEAN_HANDLE_S,
    MEAN_PATIENCE_S,
    BaselineResult,
    command_line,
)


@dataclass(frozen=True, slots=True)
class _Caller:
    """A caller in the store: arrival time, deadline (arrival + patience), handle time."""

    arrived_s: float
    deadline_s: float
    handle_s: float


def run_baseline(
    calls: int,
    seed: int,
    agents: int = AGENTS,
    arrival_rate_per_s: float = ARRIVAL_RATE_PER_S,
    mean_handle_s: float = MEAN_HANDLE_S,
    mean_patience_s: float = MEAN_PATIENCE_S,
) -> BaselineResult:
    """Build and run the long-lived-process model of M/M/n+M and time it.

    Parameters
    ----------
    calls
        Number of arrivals (the run ends when the last caller was served or hung up).
    seed
        Seed of the numpy ``Generator``.
    agents
        Number of agent processes.
    arrival_rate_per_s
        Poisson arrival rate per second.
    mean_handle_s
        Mean of the exponential handle time, in seconds.
    mean_patience_s
        Mean of the exponential patience, in seconds.

    Returns
    -------
    BaselineResult
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    queue = simpy.Store(env)
    waits_s: list[float] = []
    abandoned: list[bool] = []
    mean_gap_s = 1.0 / arrival_rate_per_s

    def arrivals() -> Generator[simpy.Event, object, None]:
        for _ in range(calls):
            yield env.timeout(rng.exponential(mean_gap_s))
            now = env.now
            patience_s = rng.exponential(mean_patience_s)
            queue.put(_Caller(now, now + patience_s, rng.exponential(mean_handle_s)))

    def agent() -> Generator[simpy.Event, _Caller, None]:
        while True:
            caller = yield queue.get()
            if env.now >= caller.deadline_s:
                waits_s.append(caller.deadline_s - caller.arrived_s)
                abandoned.append(True)
                continue
            waits_s.append(env.now - caller.arrived_s)
            abandoned.append(False)
            yield env.timeout(caller.handle_s)

    env.process(arrivals())
    for _ in range(agents):
        env.process(agent())
    env.run()
    seconds = time.perf_counter() - start
    if queue.items:  # cannot happen: an idle agent takes every caller put in the store
        raise RuntimeError(f"{len(queue.items)} callers left in the store")
    n = len(waits_s)
    return BaselineResult(
        calls=n,
        seconds=seconds,
        calls_per_s=n / seconds,
        mean_wait_s=float(np.mean(waits_s)),
        p_abandon=float(np.mean(abandoned)),
    )


def main() -> None:
    """Run the baseline once from the command line and print its figures."""
    command_line(run_baseline, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
