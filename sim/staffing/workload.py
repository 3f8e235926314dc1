"""Expected work and the staffing arithmetic that policies share.

All of this is what a planner can compute from the scenario's parameters (mean
handle times, reach probabilities, shift templates) without seeing any
realised outcome. Hours are agent-hours.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.basics import theory
from sim.basics.units import DAY_S, HOUR_S, MINUTE_S
from sim.inputs.compile import MINUTES_PER_DAY, Plan
from sim.inputs.scenario import OutboundTask, Scenario


def attempts_and_reach(task: OutboundTask) -> tuple[float, float]:
    """Return the expected attempts per task and the probability it is reached.

    With reach probability p per attempt and at most m attempts:
    P(reached) = 1 - (1-p)^m and E[attempts] = sum_{k<m} (1-p)^k.
    """
    p, m = task.reach_probability, task.max_attempts
    miss = 1.0 - p
    reached = 1.0 - miss**m
    attempts = float(m) if p == 0 else (1.0 - miss**m) / p
    return attempts, reached


def work_per_task_s(task: OutboundTask) -> float:
    """Return the expected agent seconds of an outbound task (failed attempts, talk, wrap-up)."""
    attempts, reached = attempts_and_reach(task)
    failed = attempts - reached
    return failed * task.failed_attempt_time.mean_s + reached * (
        task.handle_time.mean_s + task.wrap_up.mean_s
    )


def work_per_index_case_h(scenario: Scenario) -> float:
    """Return the expected outbound agent-hours per released index case, contacts included."""
    tr = scenario.tracing
    _, index_reached = attempts_and_reach(tr.index)
    contacts = index_reached * tr.index.contacts.mean * tr.contact.phone_share
    return (work_per_task_s(tr.index) + contacts * work_per_task_s(tr.contact)) / HOUR_S


def inbound_handle_s(scenario: Scenario) -> float:
    """Mean agent time per answered inbound call (talk + wrap-up)."""
    return scenario.inbound.handle_time.mean_s + scenario.inbound.wrap_up.mean_s


def inbound_calls_per_day(scenario: Scenario, index_released_per_day: np.ndarray) -> np.ndarray:
    """Return the expected inbound calls per day for index cases released per day."""
    inbound = scenario.inbound
    if not inbound.enabled:
        return np.zeros_like(np.asarray(index_released_per_day, dtype=float))
    return inbound.calls_per_case * np.asarray(index_released_per_day) + inbound.base_per_day


def work_per_index_case_h_by_day(plan: Plan) -> np.ndarray:
    """Return the expected outbound agent-hours per index case released on each day.

    :func:`work_per_index_case_h` with the behaviour in force that day
    (``changes``: a case and its contacts use the values in force when they
    are created).

    Parameters
    ----------
    plan
        The compiled scenario (its ``regimes`` and ``regime_of_day``).

    Returns
    -------
    numpy.ndarray
        Hours per index case, one per day.
    """
    per_regime = np.array([work_per_index_case_h(sc) for sc in plan.regimes])
    return per_regime[plan.regime_of_day]


def expected_inbound_calls_per_day(plan: Plan, index_released_per_day: np.ndarray,
                                   first_day: int = 0) -> np.ndarray:
    """Return the expected inbound calls per day, with each day's behaviour in force.

    :func:`inbound_calls_per_day` with the calls per case and base rate of
    the ``changes`` in force on each day.

    Parameters
    ----------
    plan
        The compiled scenario.
    index_released_per_day
        Index cases released per day, from ``first_day`` on.
    first_day
        Day index of the first entry (days past the calendar keep its last day's behaviour).

    Returns
    -------
    numpy.ndarray
        Calls per day, one per entry of ``index_released_per_day``.
    """
    released = np.asarray(index_released_per_day, dtype=float)
    days = np.minimum(first_day + np.arange(released.size), plan.n_days - 1)
    regime = plan.regime_of_day[days]
    calls = np.zeros(released.size)
    for k, scenario in enumerate(plan.regimes):
        mine = regime == k
        if mine.any():
            calls[mine] = inbound_calls_per_day(scenario, released[mine])
    return calls


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


def present_share(scenario: Scenario) -> float:
    """Return the expected share of rostered agents who come and log in on a day."""
    agents = scenario.agents
    return (1.0 - agents.absenteeism.share) * (1.0 - agents.not_logged_in_share)


def shift_coverage(plan: Plan) -> ShiftCoverage:
    """Return the expected productive time per rostered agent, from the shift templates."""
    shares = np.array([s.share for s in plan.shifts], dtype=float)
    shares = shares / shares.sum()
    present = present_share(plan.scenario)
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


class ErlangStaffing:
    """Agents needed on the phones for an inbound rate, for one service target.

    The rate is rounded up to a 1 % log grid (:meth:`rate_key`) so that the
    many intervals of a long run share a result; staffing is therefore at
    most 1 % conservative. Results are memoised in the instance, which lives
    as long as the policy that made it (one plan): no cache is shared between
    plans.

    The agents needed do not fall as the rate rises, so a grid rate between
    two solved rates needs at least the lower one's agents and at most the
    higher one's: new rates are solved by bisection over the sorted grid
    (equal neighbours settle every rate between them) and each search steps
    up from the lower neighbour's answer, a few service-level evaluations
    instead of a full search. The result is that of
    :func:`sim.basics.theory.agents_for_service_level`.

    Parameters
    ----------
    handle_s
        Mean agent time per call (talk + wrap-up), seconds.
    answer_within_s
        Service-level threshold, seconds.
    target_sl
        Share of calls to answer within ``answer_within_s``.
    patience_s
        Mean patience (Erlang A), or None for Erlang C.
    """

    GRID_STEP = 0.01
    """Step of the rate grid in log(calls per hour)."""

    MAX_STEPS = 4
    """Service levels tried upward from the lower neighbour before a full search."""

    def __init__(self, handle_s: float, answer_within_s: float, target_sl: float,
                 patience_s: float | None) -> None:
        self.handle_s = handle_s
        self.answer_within_s = answer_within_s
        self.target_sl = target_sl
        self.patience_s = patience_s
        self._agents: dict[int, int] = {}
        self._keys: list[int] = []  # the keys of _agents, sorted

    @classmethod
    def for_scenario(cls, scenario: Scenario, target_sl: float,
                     model: str = "erlang_a") -> ErlangStaffing:
        """Build the staffing arithmetic for a scenario's hotline.

        Parameters
        ----------
        scenario
            Its inbound handle time, wrap-up, threshold and patience are used.
        target_sl
            Service-level target.
        model
            ``erlang_c`` or ``erlang_a`` (exponential patience with the
            scenario's mean).

        Returns
        -------
        ErlangStaffing
        """
        inbound = scenario.inbound
        patience_s = inbound.patience.mean_s if model == "erlang_a" else None
        return cls(inbound_handle_s(scenario), inbound.answer_within, target_sl, patience_s)

    @classmethod
    def rate_key(cls, rate_per_s: float) -> int:
        """Return the grid point at or above a positive rate."""
        return math.ceil(math.log(rate_per_s * HOUR_S) / cls.GRID_STEP - 1e-9)

    def agents(self, rate_per_s: float) -> int:
        """Return the agents needed for one rate (0 for no calls)."""
        return int(self.agents_for_rates([rate_per_s])[0])

    def agents_for_rates(self, rates_per_s: Iterable[float]) -> np.ndarray:
        """Return the agents needed for each rate (per second), as integers.

        Parameters
        ----------
        rates_per_s
            Mean arrival rates; 0 (or less) needs no agent.

        Returns
        -------
        numpy.ndarray
            One integer per rate.
        """
        keys = [self.rate_key(rate) if rate > 0 else None for rate in rates_per_s]
        self._solve_sorted(sorted({k for k in keys if k is not None} - self._agents.keys()))
        return np.array([0 if key is None else self._agents[key] for key in keys],
                        dtype=np.int64)

    def _solve_sorted(self, keys: list[int]) -> None:
        """Solve new grid points: both ends, then by bisection between solved ones."""
        if not keys:
            return
        self._solve(keys[0])
        self._solve(keys[-1])
        spans = [(0, len(keys) - 1)]
        while spans:
            first, last = spans.pop()
            if last - first >= 2:
                middle = (first + last) // 2
                self._solve(keys[middle])
                spans += [(first, middle), (middle, last)]

    def _solve(self, key: int) -> None:
        if key in self._agents:
            return
        position = bisect.bisect_left(self._keys, key)
        floor_n = self._agents[self._keys[position - 1]] if position else None
        ceiling_n = self._agents[self._keys[position]] if position < len(self._keys) else None
        if floor_n is not None and floor_n == ceiling_n:
            agents = floor_n
        else:
            agents = self._search(math.exp(key * self.GRID_STEP) / HOUR_S, floor_n, ceiling_n)
        self._agents[key] = agents
        self._keys.insert(position, key)

    def _search(self, rate_per_s: float, floor_n: int | None, ceiling_n: int | None) -> int:
        """Smallest n meeting the target, knowing floor_n <= n <= ceiling_n."""
        if self.patience_s is not None and floor_n:
            n = floor_n
            for _ in range(self.MAX_STEPS):
                if ceiling_n is not None and n >= ceiling_n:
                    return ceiling_n
                level = theory.service_level_for_agents(
                    n, rate_per_s, self.handle_s, self.answer_within_s, self.patience_s)
                if level >= self.target_sl:
                    return n
                n += 1
        return theory.agents_for_service_level(rate_per_s, self.handle_s,
                                               self.answer_within_s, self.target_sl,
                                               mean_patience_s=self.patience_s)[0]


def inbound_rate_per_interval(plan: Plan, calls_per_day: np.ndarray,
                              first_day: int = 0) -> np.ndarray:
    """Return the mean inbound rate (per second) in every reporting interval.

    For the days ``first_day .. first_day + len(calls_per_day) - 1``; shape
    (days, intervals).
    """
    n = len(calls_per_day)
    weights = plan.inbound_minute_weights[first_day:first_day + n]
    per_minute = np.asarray(calls_per_day, dtype=float)[:, None] * weights  # calls per minute
    per_interval = per_minute.reshape(n, plan.intervals_per_day, -1).sum(axis=2)
    return per_interval / plan.interval_s


def inbound_agents_needed(
    plan: Plan,
    calls_per_day: np.ndarray,
    erlang: ErlangStaffing,
    method: str = "sipp",
    first_day: int = 0,
) -> np.ndarray:
    """Return the agents needed on the phones for inbound calls, per day and interval.

    Parameters
    ----------
    plan
        The compiled scenario.
    calls_per_day
        Expected inbound calls per day, for the days from ``first_day`` on.
    erlang
        The service target's staffing arithmetic (Erlang C or A), with its
        memo (:class:`ErlangStaffing`).
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
    handle_s = erlang.handle_s
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
    return erlang.agents_for_rates(rates.tolist()).reshape(n_days, plan.intervals_per_day)


def headcount_for_workload(
    plan: Plan,
    outbound_hours: np.ndarray,
    inbound_agents: np.ndarray,
    target_occupancy: float,
    coverage: ShiftCoverage | None = None,
) -> np.ndarray:
    """Return the rostered headcount per day for expected outbound hours and inbound agents.

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
    coverage
        The plan's :func:`shift_coverage`, when already computed.

    Returns
    -------
    numpy.ndarray
        Integer headcount per day.
    """
    cover = shift_coverage(plan) if coverage is None else coverage
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


def plan_across_days(required: np.ndarray, lead_days: int, stay_days: int) -> np.ndarray:
    """Return a headcount that hires ahead of need and keeps every hire a minimum stay.

    First an agent needed on day ``j`` is put on the roster from day
    ``j - lead_days`` (onboarding done by then): ``ahead[d] = max(required[d ..
    d + lead_days])``. Then, day by day, the headcount is the larger of that
    and the agents hired in the ``stay_days - 1`` days before (an agent hired
    on day ``j`` stays through day ``j + stay_days - 1``; those hired longest
    ago leave first), so nobody is hired for one day only and a weekday
    pattern does not hire every Monday anew. Per column when ``required`` is
    two-dimensional (days, templates).

    Parameters
    ----------
    required
        Agents needed per day (and template), trained and on the roster.
    lead_days
        Days of onboarding before an agent is productive (0: none).
    stay_days
        Minimum stay of a hire, in days (at least 1).

    Returns
    -------
    numpy.ndarray
        Integer headcount of the same shape, at least ``required``.
    """
    values = np.asarray(required, dtype=np.int64)
    n_days = values.shape[0]
    ahead = values.copy()
    for i in range(1, lead_days + 1):
        ahead[: n_days - i] = np.maximum(ahead[: n_days - i], values[i:])
    planned = ahead.copy()
    hires = np.zeros_like(ahead)
    for day in range(1, n_days):
        staying = hires[max(1, day - stay_days + 1):day].sum(axis=0)
        planned[day] = np.maximum(ahead[day], staying)
        hires[day] = np.maximum(planned[day] - planned[day - 1], 0)
    return planned


def onboarding_lead_days(plan: Plan) -> int:
    """Return the whole days of shifts a new agent spends onboarding (0 for none)."""
    shifts = plan.shifts
    shares = np.array([s.share for s in shifts], dtype=float)
    mean_shift_s = float(np.average([s.length_s for s in shifts], weights=shares))
    return math.ceil(plan.scenario.agents.onboarding / mean_shift_s - 1e-9)


def elapsed_share(weights: np.ndarray, time_of_day_s: float) -> float:
    """Return the share of a day's weight (per minute, 1440 values) before a time of day."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    return float(weights[: int(time_of_day_s // MINUTE_S)].sum()) / total


def release_minute_weights(plan: Plan) -> np.ndarray:
    """Return the intraday release profile of index cases as 1440 per-minute weights."""
    weights = np.zeros(MINUTES_PER_DAY)
    for offset_s, width_s, share in zip(plan.release_offsets_s, plan.release_widths_s,
                                        plan.release_weights, strict=True):
        first = int(offset_s // MINUTE_S)
        span = max(1, int(round(width_s / MINUTE_S)))
        weights[first:first + span] += share / span
    return weights


def expected_released_per_day(plan: Plan) -> np.ndarray:
    """Return the expected index cases released per day (expected cases x share traced).

    Summed over the demand sources, each with its own share traced in force
    on the day.
    """
    first, *others = plan.sources
    total = first.expected_cases * first.share_traced
    for source in others:
        total = total + source.expected_cases * source.share_traced
    return total


def day_of(now_s: float) -> int:
    """Return the day index of a clock time."""
    return int(now_s // DAY_S)
