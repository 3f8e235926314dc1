"""Expected work and the staffing arithmetic that policies share.

All of this is what a planner can compute from the scenario's parameters (mean
handle times, reach probabilities, shift templates) without seeing any
realised outcome. Hours are agent-hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim import theory
from sim.compile import MINUTES_PER_DAY, Plan
from sim.scenario import OutboundTask, Scenario
from sim.units import DAY_S, HOUR_S, MINUTE_S


def attempts_and_reach(task: OutboundTask) -> tuple[float, float]:
    """Expected attempts per task and the probability it is reached.

    With reach probability p per attempt and at most m attempts:
    P(reached) = 1 - (1-p)^m and E[attempts] = sum_{k<m} (1-p)^k.
    """
    p, m = task.reach_probability, task.max_attempts
    miss = 1.0 - p
    reached = 1.0 - miss**m
    attempts = float(m) if p == 0 else (1.0 - miss**m) / p
    return attempts, reached


def work_per_task_s(task: OutboundTask) -> float:
    """Expected agent seconds one outbound task takes (failed attempts, talk, wrap-up)."""
    attempts, reached = attempts_and_reach(task)
    failed = attempts - reached
    return failed * task.failed_attempt_time.mean_s + reached * (
        task.handle_time.mean_s + task.wrap_up.mean_s
    )


def work_per_index_case_h(scenario: Scenario) -> float:
    """Expected outbound agent-hours per released index case, its contacts included."""
    tr = scenario.tracing
    _, index_reached = attempts_and_reach(tr.index)
    contacts = index_reached * tr.index.contacts.mean * tr.contact.phone_share
    return (work_per_task_s(tr.index) + contacts * work_per_task_s(tr.contact)) / HOUR_S


def inbound_handle_s(scenario: Scenario) -> float:
    """Mean agent time per answered inbound call (talk + wrap-up)."""
    return scenario.inbound.handle_time.mean_s + scenario.inbound.wrap_up.mean_s


def inbound_calls_per_day(scenario: Scenario, index_released_per_day: np.ndarray) -> np.ndarray:
    """Expected inbound calls per day for given index cases released per day."""
    inbound = scenario.inbound
    if not inbound.enabled:
        return np.zeros_like(np.asarray(index_released_per_day, dtype=float))
    return inbound.calls_per_case * np.asarray(index_released_per_day) + inbound.base_per_day


@dataclass(frozen=True)
class ShiftCoverage:
    """How a rostered agent's day turns into productive time.

    Attributes
    ----------
    productive_hours_per_agent
        Expected hours on shift, not on break, per rostered agent per day
        (absenteeism included).
    coverage
        Per reporting interval of a day: expected share of the roster on shift
        and not on break (absenteeism included).
    """

    productive_hours_per_agent: float
    coverage: np.ndarray


def shift_coverage(plan: Plan) -> ShiftCoverage:
    """Expected productive time per rostered agent, from the shift templates."""
    shares = np.array([s.share for s in plan.shifts], dtype=float)
    shares = shares / shares.sum()
    present = 1.0 - plan.scenario.agents.absenteeism
    minutes = np.zeros(MINUTES_PER_DAY)
    productive_h = 0.0
    for share, shift in zip(shares, plan.shifts, strict=True):
        breaks_s = sum(length for _, length in shift.breaks_s)
        on_break = breaks_s / shift.length_s
        productive_h += share * (shift.length_s - breaks_s) / HOUR_S
        first = int(shift.start_s // MINUTE_S)
        last = first + int(round(shift.length_s / MINUTE_S))
        idx = np.arange(first, last) % MINUTES_PER_DAY
        np.add.at(minutes, idx, share * (1.0 - on_break))
    per_interval = minutes.reshape(plan.intervals_per_day, -1).mean(axis=1)
    return ShiftCoverage(productive_h * present, per_interval * present)


@lru_cache(maxsize=65536)
def _agents_needed(rate_key: int, handle_s: float, within_s: float, target: float,
                   patience_s: float | None) -> int:
    rate_per_s = math.exp(rate_key * 0.01) / HOUR_S
    return theory.agents_for_service_level(rate_per_s, handle_s, within_s, target,
                                           mean_patience_s=patience_s)[0]


def agents_for_rate(rate_per_s: float, handle_s: float, within_s: float, target: float,
                    patience_s: float | None) -> int:
    """Agents needed for an inbound rate to reach a service level (Erlang C or A).

    The rate is rounded up to a 1 % log grid so that the many intervals of a
    long run share a cache; staffing is therefore at most 1 % conservative.
    """
    if rate_per_s <= 0:
        return 0
    key = math.ceil(math.log(rate_per_s * HOUR_S) / 0.01 - 1e-9)
    return _agents_needed(key, handle_s, within_s, target, patience_s)


def inbound_rate_per_interval(plan: Plan, calls_per_day: np.ndarray,
                              first_day: int = 0) -> np.ndarray:
    """Mean inbound rate (per second) in every reporting interval of the days
    ``first_day .. first_day + len(calls_per_day) - 1``, shape (days, intervals)."""
    n = len(calls_per_day)
    weights = plan.inbound_minute_weights[first_day:first_day + n]
    per_minute = np.asarray(calls_per_day, dtype=float)[:, None] * weights  # calls per minute
    per_interval = per_minute.reshape(n, plan.intervals_per_day, -1).sum(axis=2)
    return per_interval / plan.interval_s


def inbound_agents_needed(
    plan: Plan,
    calls_per_day: np.ndarray,
    target_sl: float,
    model: str = "erlang_a",
    method: str = "sipp",
    first_day: int = 0,
) -> np.ndarray:
    """Agents needed on the phones for inbound calls, per day and interval.

    Parameters
    ----------
    plan
        The compiled scenario.
    calls_per_day
        Expected inbound calls per day, for the days from ``first_day`` on.
    target_sl
        Service-level target (share answered within ``inbound.answer_within``).
    model
        ``erlang_c`` or ``erlang_a`` (exponential patience with the scenario's mean).
    method
        ``sipp``: each interval as a stationary system at its mean rate;
        ``lagged_sipp``: the same with the rate shifted by one mean handle time
        (Green, Kolesar & Whitt 2007); ``offered_load``: the infinite-server
        offered load m(t) (m' = lambda - m/E[S]) in place of lambda E[S].

    first_day
        Day index of ``calls_per_day[0]`` (the intraday profile depends on the
        weekday's opening hours).

    Returns
    -------
    numpy.ndarray
        Integer agents, shape (len(calls_per_day), intervals per day).
    """
    sc = plan.scenario
    handle_s = inbound_handle_s(sc)
    patience_s = sc.inbound.patience.mean_s if model == "erlang_a" else None
    within_s = sc.inbound.answer_within
    n_days = len(calls_per_day)
    rates = inbound_rate_per_interval(plan, np.asarray(calls_per_day, dtype=float),
                                      first_day).ravel()
    if method == "lagged_sipp":
        shift = handle_s / plan.interval_s
        times = np.arange(rates.size) - shift
        rates = np.interp(times, np.arange(rates.size), rates, left=rates[0])
    elif method == "offered_load":
        # exact solution of m' = lambda - m / E[S] with lambda piecewise constant
        decay = math.exp(-plan.interval_s / handle_s)
        load = np.empty_like(rates)
        m = 0.0
        for k, lam in enumerate(rates):
            m_end = lam * handle_s + (m - lam * handle_s) * decay
            # mean of m over the interval
            load[k] = lam * handle_s + (m - lam * handle_s) * handle_s / plan.interval_s * (
                1.0 - decay)
            m = m_end
        rates = load / handle_s
    needed = np.array([agents_for_rate(r, handle_s, within_s, target_sl, patience_s)
                       for r in rates.tolist()], dtype=np.int64)
    return needed.reshape(n_days, plan.intervals_per_day)


def headcount_for_workload(
    plan: Plan,
    outbound_hours: np.ndarray,
    inbound_agents: np.ndarray,
    target_occupancy: float,
) -> np.ndarray:
    """Rostered headcount per day to cover expected outbound hours and inbound agents.

    ``headcount = max(ceil((outbound_hours / target_occupancy + inbound agent-hours) /
    productive hours per agent), max over intervals of inbound agents / coverage)``.

    Parameters
    ----------
    plan
        The compiled scenario.
    outbound_hours
        Expected outbound agent-hours per day.
    inbound_agents
        Inbound agents needed per day and interval.
    target_occupancy
        Share of productive time planned to be busy on outbound work.

    Returns
    -------
    numpy.ndarray
        Integer headcount per day.
    """
    cover = shift_coverage(plan)
    n_days = len(outbound_hours)
    interval_h = plan.interval_s / HOUR_S
    inbound_hours = inbound_agents.sum(axis=1) * interval_h
    total_h = np.asarray(outbound_hours) / target_occupancy + inbound_hours
    by_hours = np.ceil(total_h / max(cover.productive_hours_per_agent, 1e-9) - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cover.coverage[None, :] > 0, inbound_agents / cover.coverage[None, :],
                         np.where(inbound_agents > 0, np.inf, 0.0))
    by_peak = np.ceil(ratio.max(axis=1) - 1e-9) if ratio.size else np.zeros(n_days)
    by_peak = np.where(np.isfinite(by_peak), by_peak, by_hours)
    return np.maximum(by_hours, by_peak).astype(np.int64)


def elapsed_share(weights: np.ndarray, time_of_day_s: float) -> float:
    """Share of a day's weight (per minute, 1440 values) falling before a time of day."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    return float(weights[: int(time_of_day_s // MINUTE_S)].sum()) / total


def release_minute_weights(plan: Plan) -> np.ndarray:
    """The intraday release profile of index cases as 1440 per-minute weights."""
    weights = np.zeros(MINUTES_PER_DAY)
    for offset_s, width_s, share in zip(plan.release_offsets_s, plan.release_widths_s,
                                        plan.release_weights, strict=True):
        first = int(offset_s // MINUTE_S)
        span = max(1, int(round(width_s / MINUTE_S)))
        weights[first:first + span] += share / span
    return weights


def expected_released_per_day(plan: Plan) -> np.ndarray:
    """Expected index cases released per day (expected cases x share traced)."""
    return plan.expected_cases * plan.scenario.reporting.share_traced


def day_of(now_s: float) -> int:
    """The day index of a clock time."""
    return int(now_s // DAY_S)
