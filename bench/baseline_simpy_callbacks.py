"""Baseline for the benchmark: the M/M/n+M hotline on simpy events and callbacks.

The same system as ``bench/baseline_simpy.py`` (see ``bench/mmc.yaml``), written
the other idiomatic way simpy allows: the ``simpy.Environment`` is the event
calendar, but no call is a process. Each per-call event is a plain
``env.timeout(delay, value)`` with a callback appended to its ``callbacks``:

- an **arrival** schedules the next arrival, then either takes a free agent
  (wait 0, a service-end event) or joins a FIFO queue (a ``deque``) together
  with an **abandonment** event at its patience;
- a **service end** takes the first caller still waiting from the queue, or
  frees the agent;
- an **abandonment** hangs the caller up if it is still waiting.

simpy cannot cancel a scheduled event, so a caller who is served before its
patience runs out still has its abandonment event fire; the event finds the
caller no longer waiting and does nothing. Likewise a caller who hung up stays
in the ``deque`` until a service end pops and skips it (lazy deletion). This is
exact for M/M/n+M: a caller who hung up is never served, and an agent who
comes free serves the earliest arrival that is still waiting.

Gaps, patience and handle times are drawn one at a time from a numpy
``Generator``, in the same order as in the process-per-call baseline, so that
with the same seed the two give the same callers and the same figures. The run is timed in-process
from the model build (``simpy.Environment()``) to the end of ``env.run()``.

Usable on its own::

    .venv/bin/python bench/baseline_simpy_callbacks.py --calls 100000 --seed 1
"""

from __future__ import annotations

import time
from collections import deque
from typing import cast

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


class _Caller:
    """A caller in the queue: arrival time, drawn handle time, still waiting or not."""

    __slots__ = ("arrived_s", "handle_s", "waiting")

    def __init__(self, arrived_s: float, handle_s: float) -> None:
        self.arrived_s = arrived_s
        self.handle_s = handle_s
        self.waiting = True


class CallbackHotline:
    """The M/M/n+M hotline as three event callbacks on a ``simpy.Environment``.

    Parameters
    ----------
    env
        The environment (the event calendar).
    rng
        Draws the gaps, patience and handle times.
    calls
        Arrivals to generate.
    agents
        Number of agents.
    mean_gap_s, mean_handle_s, mean_patience_s
        Means of the exponential inter-arrival gap, handle time and patience, in seconds.
    """

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, calls: int,
                 agents: int, mean_gap_s: float, mean_handle_s: float,
                 mean_patience_s: float) -> None:
        self.env = env
        self.rng = rng
        self.calls_left = calls
        self.free_agents = agents
        self.mean_gap_s = mean_gap_s
        self.mean_handle_s = mean_handle_s
        self.mean_patience_s = mean_patience_s
        self.queue: deque[_Caller] = deque()
        self.waits_s: list[float] = []
        self.abandoned: list[bool] = []

    def start(self) -> None:
        """Schedule the first arrival."""
        if self.calls_left > 0:
            self._after(self.rng.exponential(self.mean_gap_s), self.on_arrival, None)

    def _after(self, delay_s: float, callback: simpy.events.EventCallback,
               value: _Caller | None) -> None:
        """Schedule ``callback(event)`` ``delay_s`` from now; ``event.value`` is ``value``."""
        self.env.timeout(delay_s, value).callbacks.append(callback)

    def on_arrival(self, _event: simpy.Event) -> None:
        """A caller arrives: schedule the next arrival, then serve or queue this one."""
        patience_s = self.rng.exponential(self.mean_patience_s)
        handle_s = self.rng.exponential(self.mean_handle_s)
        self.calls_left -= 1
        if self.calls_left > 0:
            self._after(self.rng.exponential(self.mean_gap_s), self.on_arrival, None)
        if self.free_agents > 0:
            self.free_agents -= 1
            self.waits_s.append(0.0)
            self.abandoned.append(False)
            self._after(handle_s, self.on_service_end, None)
            return
        caller = _Caller(self.env.now, handle_s)
        self.queue.append(caller)
        self._after(patience_s, self.on_patience_end, caller)

    def on_patience_end(self, event: simpy.Event) -> None:
        """The caller's patience runs out: it hangs up if it is still waiting."""
        caller = cast(_Caller, event.value)
        if caller.waiting:
            caller.waiting = False
            self.waits_s.append(self.env.now - caller.arrived_s)
            self.abandoned.append(True)

    def on_service_end(self, _event: simpy.Event) -> None:
        """An agent finishes: it takes the first caller still waiting, or comes free."""
        queue = self.queue
        while queue:
            caller = queue.popleft()
            if caller.waiting:
                caller.waiting = False
                self.waits_s.append(self.env.now - caller.arrived_s)
                self.abandoned.append(False)
                self._after(caller.handle_s, self.on_service_end, None)
                return
        self.free_agents += 1


def run_baseline(
    calls: int,
    seed: int,
    agents: int = AGENTS,
    arrival_rate_per_s: float = ARRIVAL_RATE_PER_S,
    mean_handle_s: float = MEAN_HANDLE_S,
    mean_patience_s: float = MEAN_PATIENCE_S,
) -> BaselineResult:
    """Build and run the callback model of M/M/n+M and time it.

    Parameters
    ----------
    calls
        Number of arrivals (the run ends when the last caller was served or hung up).
    seed
        Seed of the numpy ``Generator``.
    agents
        Number of agents.
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
    hotline = CallbackHotline(env, rng, calls, agents, 1.0 / arrival_rate_per_s,
                              mean_handle_s, mean_patience_s)
    hotline.start()
    env.run()
    seconds = time.perf_counter() - start
    n = len(hotline.waits_s)
    return BaselineResult(
        calls=n,
        seconds=seconds,
        calls_per_s=n / seconds,
        mean_wait_s=float(np.mean(hotline.waits_s)),
        p_abandon=float(np.mean(hotline.abandoned)),
    )


def main() -> None:
    """Run the baseline once from the command line and print its figures."""
    command_line(run_baseline, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
