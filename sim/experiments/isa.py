"""The iterative-staffing algorithm (ISA) for a time-varying inbound queue.

Feldman, Mandelbaum, Massey & Whitt, "Staffing of time-varying queues to
achieve time-stable performance", Management Science 54(2):324-338, 2008.
ISA simulates the system under a staffing function ``s_n(t)``, estimates the
distribution of the number of callers in the system ``L_n(t)`` at every time,
and staffs the next iteration with the least ``s`` that meets the target
against that distribution; it stops when the staffing no longer changes.
Because the number in system under the final staffing is the one the final
staffing was computed from, the target is met at every time: performance is
time-stable.

The paper's target is the delay probability, ``P(L(t) >= s) <= alpha``. Here
the target is the service level, the share of callers answered within ``T``
(abandoned callers count as not answered). A caller who arrives to find
``l >= s`` callers in an M/M/s+M system (mean handle time ``1/mu``, mean
patience ``1/theta``) has ``l - s`` callers ahead in the queue; each stage
ends at rate ``s mu + a theta + theta`` with ``a`` ahead, and it is progress
(not the caller's own abandonment) with probability ``(s mu + a theta) /
(s mu + a theta + theta)``. :func:`answered_within` computes ``f_s(l) =
P(answered within T | l in system on arrival)`` from that phase-type
structure, and the next staffing of an interval is the least ``s`` with
``sum_t lambda(t) E[f_s(L_n(t))] / sum_t lambda(t) >= target`` over the
interval's sampling times (arrivals see time averages). For handle times and
patience that are not exponential the same formula is an approximation; the
distribution of ``L`` is always the simulated one.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Generator

import numpy as np
import simpy

from sim.basics.theory import poisson_pmf
from sim.model.centre import CallCentre
from sim.model.events import LAST, At
from sim.model.run import Observer

SAMPLE_EVERY_S = 60.0
"""Time between two samples of the number of inbound callers in the system."""


def answered_within(servers: int, mu_per_s: float, theta_per_s: float, within_s: float,
                    max_in_system: int) -> np.ndarray:
    """Return P(answered within ``within_s``) for a caller who finds ``l`` callers in the system.

    Parameters
    ----------
    servers
        Agents on the phones, ``s``.
    mu_per_s
        Service rate per agent (1 / mean handle time).
    theta_per_s
        Abandonment rate per waiting caller (1 / mean patience); 0 for none.
    within_s
        Service-level threshold ``T``.
    max_in_system
        Largest ``l`` to return.

    Returns
    -------
    numpy.ndarray
        ``f[l]`` for ``l = 0 .. max_in_system``: 1 below ``s``, then falling.
    """
    f = np.ones(max_in_system + 1)
    if servers <= 0:
        return np.zeros(max_in_system + 1)
    n_ahead = max_in_system - servers + 1  # queue positions a = 0 .. n_ahead - 1
    if n_ahead <= 0:
        return f
    # uniformisation of the chain "a callers ahead" -> a - 1 (a = 0: answered) at rate
    # s mu + a theta, -> abandoned at rate theta; u[a] = P(answered by the k-th jump)
    progress = servers * mu_per_s + np.arange(n_ahead) * theta_per_s
    rate = float(progress[-1] + theta_per_s)
    stay = 1.0 - (progress + theta_per_s) / rate
    move = progress / rate
    mean_jumps = rate * within_s
    jumps = int(mean_jumps + 12.0 * math.sqrt(mean_jumps) + 30.0)
    weights = poisson_pmf(np.arange(jumps + 1), mean_jumps)
    u = np.zeros(n_ahead)
    reached = weights[0] * u
    for k in range(1, jumps + 1):
        ahead = np.concatenate(([1.0], u[:-1]))  # a = 0 moves to "answered"
        u = stay * u + move * ahead
        reached += weights[k] * u
    f[servers:] = np.clip(reached, 0.0, 1.0)
    return f


class AnsweredWithinTable:
    """``f_s(l)`` for every ``s`` up to a bound, memoised per ``s``.

    Parameters
    ----------
    handle_s, patience_s, within_s
        Mean handle time, mean patience (None: no abandonment) and threshold.
    """

    def __init__(self, handle_s: float, patience_s: float | None, within_s: float) -> None:
        self.mu_per_s = 1.0 / handle_s
        self.theta_per_s = 0.0 if patience_s is None else 1.0 / patience_s
        self.within_s = within_s
        self._rows: dict[int, np.ndarray] = {}

    def row(self, servers: int, max_in_system: int) -> np.ndarray:
        """Return ``f_servers(l)`` for ``l = 0 .. max_in_system``."""
        cached = self._rows.get(servers)
        if cached is None or cached.size <= max_in_system:
            size = max(max_in_system, 2 * servers + 20)
            cached = answered_within(servers, self.mu_per_s, self.theta_per_s, self.within_s,
                                     size)
            self._rows[servers] = cached
        return cached[: max_in_system + 1]

    def matrix(self, max_servers: int, max_in_system: int) -> np.ndarray:
        """Return ``F[s, l]`` for ``s = 0 .. max_servers`` and ``l = 0 .. max_in_system``."""
        return np.vstack([self.row(s, max_in_system) for s in range(max_servers + 1)])


def isa_staffing(load: np.ndarray, servers: np.ndarray, planned: np.ndarray,
                 weights: np.ndarray, interval_of: np.ndarray, table: AnsweredWithinTable,
                 target_sl: float, n_intervals: int,
                 rule: str = "at_least_target") -> np.ndarray:
    """Return the least agents per interval meeting the service level against ``L``'s law.

    Parameters
    ----------
    load
        Shape (replications, sampling times): callers in the system (waiting or
        on a call with an agent whose shift goes on), ``L_n(t)``.
    servers
        Same shape: agents serving inbound (shift going on) or free at each
        sampling time. Its excess over the planned staffing (agents free
        between outbound calls) is carried over to every candidate staffing;
        a shortfall is not (planned agents on an outbound call take the next
        inbound call when they finish).
    planned
        Agents planned on the phones per interval, ``s_n``.
    weights
        Expected arrival rate at each sampling time (arrivals see time averages).
    interval_of
        Interval of each sampling time.
    table
        The ``f_s(l)`` of the hotline.
    target_sl
        Share of callers to answer within the threshold.
    n_intervals
        Number of intervals.
    rule
        ``"at_least_target"``: the least agents whose level reaches the target
        in every interval; ``"time_stable"``: :func:`time_stable_choice`.

    Returns
    -------
    numpy.ndarray
        Integer agents per interval (0 where no call is expected).
    """
    planned = np.asarray(planned, dtype=np.int64)
    # agents beyond the plan serving or free (never fewer: planned agents busy with
    # outbound work take inbound calls first when they finish)
    offset = np.maximum(servers - planned[interval_of][None, :], 0)  # (replications, times)
    max_servers = int(max(planned.max(initial=0), load.max(initial=0))) + 5
    top = max_servers + max(int(offset.max(initial=0)), 0)
    f = table.matrix(top, int(load.max(initial=0)))  # f[s, l]
    totals = np.bincount(interval_of, weights=weights, minlength=n_intervals) * load.shape[0]
    levels = np.zeros((n_intervals, max_servers + 1))
    w = np.broadcast_to(weights, load.shape).ravel()
    rows = np.broadcast_to(interval_of, load.shape).ravel()
    flat_load, flat_offset = load.ravel(), offset.ravel()
    for c in range(max_servers + 1):
        level = f[np.clip(c + flat_offset, 0, top), flat_load] * w
        levels[:, c] = np.bincount(rows, weights=level, minlength=n_intervals)
    with np.errstate(invalid="ignore", divide="ignore"):
        levels = levels / totals[:, None]
    if rule == "time_stable":
        return time_stable_choice(levels, totals, target_sl)
    meets = levels >= target_sl - 1e-12
    least = np.where(meets.any(axis=1), meets.argmax(axis=1), max_servers)
    return np.where(totals > 0, least, 0).astype(np.int64)


def time_stable_choice(levels: np.ndarray, totals: np.ndarray, target_sl: float) -> np.ndarray:
    """Return the agents per interval whose service level is nearest the target, on the whole at it.

    Whole agents move an interval's service level in steps (0.03-0.07 for tens
    of agents): the least staffing at or above the target in every interval
    leaves each interval anywhere in [target, target + step], and its hours
    differ by up to a step. Here each interval gets the staffing whose
    estimated level is nearest the target (ties to more agents), so that every
    interval lies within half a step of it; then, while the level over all the
    intervals (weighted by their expected calls) is below the target, one
    agent is added to the interval whose level is lowest. The run's service
    level meets the target and every interval is within about half a step of it.

    Parameters
    ----------
    levels
        Shape (intervals, candidate agents 0..): estimated service level.
    totals
        Expected calls per interval (0: no call, no agent).
    target_sl
        The target.

    Returns
    -------
    numpy.ndarray
        Integer agents per interval.
    """
    n, top = levels.shape[0], levels.shape[1] - 1
    filled = np.where(np.isnan(levels), 1.0, levels)
    nearest = np.argmin(np.abs(filled - target_sl) - 1e-12 * np.arange(top + 1), axis=1)
    choice = np.where(totals > 0, nearest, 0).astype(np.int64)
    weight = totals / totals.sum() if totals.sum() > 0 else totals
    rows = np.arange(n)
    for _ in range(n * 4):  # a few agents per interval at most
        if float((weight * filled[rows, choice]).sum()) >= target_sl - 1e-12:
            break
        room = (totals > 0) & (choice < top)
        if not room.any():
            break
        lowest = np.where(room, filled[rows, choice], np.inf)
        choice[int(np.argmin(lowest))] += 1
    return choice


def sample_load(env: simpy.Environment, centre: CallCentre, times_s: np.ndarray,
                load: np.ndarray, servers: np.ndarray) -> Generator[simpy.Event, object, None]:
    """Record the inbound callers in the system and the agents serving them, at ``times_s``.

    A simpy process; it samples after the other events of each instant.
    ``load[k]``: callers waiting or on an inbound call with an agent whose
    shift goes on; ``servers[k]``: such agents on an inbound call, and agents
    free. (An agent whose shift has ended finishes the call and leaves: the
    queue does not move when it does, so neither it nor its caller is
    counted.)
    """
    agents, queue = centre.agents, centre.inbound_queue
    for k, time_s in enumerate(times_s.tolist()):
        yield At(env, time_s, LAST)
        # agents past their shift end finish their call and go: they serve nobody after
        regular = agents.n_on_inbound - sum(map(operator.and_, agents.leaving,
                                                 agents.on_inbound))
        load[k] = regular + len(queue)
        servers[k] = regular + agents.n_idle


def load_sampler(times_s: np.ndarray, load: np.ndarray, servers: np.ndarray) -> Observer:
    """Return an observer for :func:`sim.model.run.simulate` that runs :func:`sample_load`."""
    def observe(env: simpy.Environment, centre: CallCentre) -> None:
        env.process(sample_load(env, centre, times_s, load, servers))
    return observe
