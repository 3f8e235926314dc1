"""The least staffing by simulation: the search that plans the ``optimal`` policy's table.

An experiment step: it runs before the replications of a scenario whose
policy is ``optimal`` (:mod:`sim.experiments.planning`) and hands them a
:class:`~sim.staffing.table.StaffingTable`. It knows the expected demand in
advance and searches, with whole-horizon simulations on common random numbers,
for the least headcount per day and per shift template that meets three
targets:

* ``index_within_share``: each day's index cases reached within their deadline
  (in every replication of the search);
* ``contacts_within_share``: each day's contacts (with a phone) likewise;
* ``inbound_target_sl``: the inbound service level of every reporting interval.

One iteration simulates ``search_replications`` replications (seeds of the
search's own, the same every iteration) of the current staffing and updates

* the agents on the phones per interval by one step of the iterative-staffing
  algorithm (:mod:`sim.staffing.isa`, Feldman, Mandelbaum, Massey & Whitt
  2008), from the simulated number of inbound callers in the system;
* the outbound agents of each day from the observed timeliness of that day's
  releases: a day whose releases miss a target gets more agents, a day whose
  releases and the previous day's meet them gets fewer; each day keeps a
  bracket (the most agents seen to fail, the fewest seen to pass) that is
  bisected, so the search ends;

until no day and no interval changes (or ``max_iterations``). Agents on the
phones per interval become whole agents per shift template by an integer
covering problem (:func:`scipy.optimize.milp`: least paid hours covering
every interval, breaks and absence included), outbound agents are split over
the templates by share, agents are hired ``agents.onboarding`` ahead of the
day they are needed and stay at least ``min_stay``
(:func:`~sim.staffing.workload.plan_across_days`). The policy is exempt from
lead times: it is the bound.

The search runs once per run of the scenario; every replication then
plays the same table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtri

from sim.basics.units import DAY_S, HOUR_S, MINUTE_S
from sim.experiments.executor import Executor
from sim.experiments.isa import AnsweredWithinTable, isa_staffing, load_sampler
from sim.inputs.compile import MINUTES_PER_DAY, Plan, compile_plan, split_headcount
from sim.inputs.scenario import Scenario
from sim.model.run import RawRun, simulate
from sim.staffing.optimal import OptimalStaffing
from sim.staffing.table import StaffingTable, TablePolicy
from sim.staffing.workload import (
    ErlangStaffing,
    attempts_and_reach,
    expected_inbound_calls_per_day,
    expected_released_per_day,
    inbound_agents_needed,
    inbound_handle_s,
    onboarding_lead_days,
    plan_across_days,
    present_share,
    shift_coverage,
    work_per_index_case_h_by_day,
)

INITIAL_OCCUPANCY = 0.85
"""Outbound occupancy of the first iteration's outbound agents."""

BRACKET_TOLERANCE = 0.02
"""A day's outbound bracket is closed when it is narrower than this share (or 1 agent)."""


@dataclass
class SearchResult:
    """What the least-staffing search found.

    Attributes
    ----------
    table
        The staffing played by every replication.
    iterations
        Whole-horizon iterations run (each of ``search_replications`` replications).
    converged
        Whether an iteration changed no day and no interval.
    isa_iterations
        Iteration at which the inbound staffing settled (no change, or at most
        0.1 % of the intervals by one agent, kept at the larger value) and was
        frozen; None if it did not.
    outbound
        Outbound agents per day (before they are split over the templates and
        planned across days), the demand margin included.
    outbound_found
        The same as the search found them, before the demand margin.
    interval_service_level
        Inbound service level per reporting interval in the last iteration's
        replications (NaN where no call was offered); at convergence, that of
        the final staffing on the search's own replications.
    history
        One row per iteration: agent-days rostered, days failing a target,
        days and intervals changed, the simulated inbound service level.
    events
        Events the search simulated (its cost: divided by the events of one
        replication of the scenario, the replications' worth it cost).
    """

    table: StaffingTable
    iterations: int
    converged: bool
    isa_iterations: int | None
    outbound: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    outbound_found: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    interval_service_level: np.ndarray = field(default_factory=lambda: np.zeros(0))
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: int = 0


@dataclass
class Observed:
    """Outcome of one iteration's replications."""

    index_within: np.ndarray  # (replications, days of release): reached within deadline
    index_total: np.ndarray
    contacts_within: np.ndarray
    contacts_total: np.ndarray
    answered_within: np.ndarray  # per reporting interval, summed over replications
    offered: np.ndarray
    load: np.ndarray  # (replications, sampling times): inbound callers in the system
    servers: np.ndarray  # same shape: agents on an inbound call or free

    def shares(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the index and contact shares per day in the worst replication.

        A day meets a target only if it does in every replication of the
        search (1 where nobody was due): a margin against the replications the
        search did not see.
        """
        def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
            share = np.divide(num, den, out=np.ones_like(num, dtype=float), where=den > 0)
            return share.min(axis=0)
        return (ratio(self.index_within, self.index_total),
                ratio(self.contacts_within, self.contacts_total))


def search_key(scenario: Scenario) -> str:
    """Return what the search depends on, as a hash: the scenario less its names and costs.

    Two scenarios that differ only in ``name``, ``description`` or ``costs``
    (e.g. the same bound priced at another hourly rate) share one search.
    """
    data = scenario.model_dump(mode="json", by_alias=True)
    for name in ("name", "description", "costs"):
        data.pop(name, None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def template_cover(plan: Plan) -> np.ndarray:
    """Return the expected agents on the phones per rostered agent, by template and interval.

    Shape (templates, intervals per day): the share of the interval on shift
    and not on break, times the share of agents present; a shift that runs
    past midnight covers the first intervals of the day.
    """
    present = present_share(plan.scenario)
    cover = np.zeros((len(plan.shifts), MINUTES_PER_DAY))
    for t, shift in enumerate(plan.shifts):
        first = int(shift.start_s // MINUTE_S)
        on = np.zeros(int(round(shift.length_s / MINUTE_S)))
        on[:] = 1.0
        for after_s, length_s in shift.breaks_s:
            on[int(after_s // MINUTE_S):int((after_s + length_s) // MINUTE_S)] = 0.0
        np.add.at(cover[t], (first + np.arange(on.size)) % MINUTES_PER_DAY, on)
    per_interval = cover.reshape(len(plan.shifts), plan.intervals_per_day, -1).mean(axis=2)
    return per_interval * present


def cover_inbound(cover: np.ndarray, need: np.ndarray, paid_h: np.ndarray,
                  running: np.ndarray) -> np.ndarray:
    """Return the whole agents per template with the least paid hours covering ``need``.

    Parameters
    ----------
    cover
        Shape (templates, intervals): expected agents on the phones per agent.
    need
        Agents needed on the phones per interval.
    paid_h
        Paid hours of one agent on each template.
    running
        Which templates run that day.

    Returns
    -------
    numpy.ndarray
        Integer agents per template (0 for templates not running).
    """
    out = np.zeros(cover.shape[0], dtype=np.int64)
    rows = np.flatnonzero(need > 0)
    if rows.size == 0:
        return out
    usable = np.flatnonzero(running & (cover[:, rows].sum(axis=1) > 0))
    sub = cover[np.ix_(usable, rows)]
    covered = sub.sum(axis=0) > 0
    if usable.size == 0 or not covered.any():
        return out
    from scipy.optimize import Bounds, LinearConstraint, milp  # here: slow to import

    result = milp(paid_h[usable], integrality=np.ones(usable.size),
                  bounds=Bounds(0, np.inf),
                  constraints=LinearConstraint(sub[:, covered].T, lb=need[rows][covered] - 1e-9))
    if result.x is None:  # cannot happen with unbounded variables; be safe
        return out
    out[usable] = np.round(result.x).astype(np.int64)
    return out


class LeastStaffingSearch:
    """The whole-horizon search of :mod:`sim.staffing.optimal`, for one plan.

    Parameters
    ----------
    plan
        A compiled scenario whose ``staffing`` is :class:`OptimalStaffing`.
    initial_inbound
        Agents on the phones per interval to start ISA from (default: a
        generous square-root staffing of the offered load, where almost
        nobody waits, as in the paper).
    initial_outbound
        Outbound agents per day to start from (default: the expected work at
        :data:`INITIAL_OCCUPANCY`).
    executor
        Where an iteration's replications run, side by side (an open
        :class:`~sim.experiments.executor.Executor`; None: one after the other
        in this process). The result does not depend on it.
    """

    def __init__(self, plan: Plan, initial_inbound: np.ndarray | None = None,
                 initial_outbound: np.ndarray | None = None,
                 executor: Executor | None = None) -> None:
        config = plan.scenario.staffing
        if not isinstance(config, OptimalStaffing):
            raise TypeError("the least-staffing search needs a scenario with policy: optimal")
        self.plan, self.config = plan, config
        self.inbound_on = bool(plan.scenario.inbound.enabled)
        self.cover = template_cover(plan)
        self.paid_h = np.array([s.length_s / HOUR_S for s in plan.shifts])
        self.shares = np.array([s.share for s in plan.shifts], dtype=float)
        self.lead_days = onboarding_lead_days(plan)
        self.stay_days = max(1, int(round(config.min_stay / DAY_S)))
        self._set_up_inbound()
        self.inbound = (self._initial_inbound() if initial_inbound is None
                        else np.asarray(initial_inbound, dtype=np.int64).copy())
        self.outbound = (self._initial_outbound() if initial_outbound is None
                         else np.asarray(initial_outbound, dtype=np.int64).copy())
        # a day failing at the cap fails for want of no agent
        self.outbound_cap = 4 * np.maximum(self.outbound, self._initial_outbound()) + 10
        tracing = plan.scenario.tracing
        self.index_target = min(1.0, config.index_within_share
                                / attempts_and_reach(tracing.index)[1])
        self.contacts_target = min(1.0, config.contacts_within_share
                                   / attempts_and_reach(tracing.contact)[1])
        self.failed_at = np.full(plan.n_days, -1, dtype=np.int64)  # most agents seen to fail
        self.passed_at = np.full(plan.n_days, -1, dtype=np.int64)  # fewest seen to pass
        self.events = 0  # simulated so far
        self.executor = executor
        self._shared_plan: object = None

    # ------------------------------------------------------------------ set-up
    def _set_up_inbound(self) -> None:
        plan, sc = self.plan, self.plan.scenario
        calls = expected_inbound_calls_per_day(plan, expected_released_per_day(plan))
        per_minute = calls[:, None] * plan.inbound_minute_weights  # expected calls per minute
        minutes = np.flatnonzero(per_minute.ravel() > 0) if self.inbound_on else np.array([])
        self.sample_times_s = minutes * MINUTE_S + MINUTE_S / 2
        self.sample_weights = per_minute.ravel()[minutes] if minutes.size else np.array([])
        self.sample_interval = (self.sample_times_s // plan.interval_s).astype(np.int64)
        self.interval_class = same_day_intervals(plan, per_minute)
        patience = sc.inbound.patience
        self.table = AnsweredWithinTable(inbound_handle_s(sc), patience.mean_s,
                                         sc.inbound.answer_within)
        self._calls_per_day = calls

    def _initial_inbound(self) -> np.ndarray:
        """Square-root staffing with a wide margin: the infinite-server start of ISA."""
        if not self.inbound_on:
            return np.zeros(self.plan.n_intervals, dtype=np.int64)
        rates = np.zeros(self.plan.n_intervals)
        np.add.at(rates, self.sample_interval, self.sample_weights)
        load = rates / self.plan.interval_s * inbound_handle_s(self.plan.scenario)
        return np.where(load > 0, np.ceil(load + 3.0 * np.sqrt(load) + 2.0), 0).astype(np.int64)

    def _initial_outbound(self) -> np.ndarray:
        hours = expected_released_per_day(self.plan) * work_per_index_case_h_by_day(self.plan)
        per_agent_h = max(shift_coverage(self.plan).productive_hours_per_agent, 1e-9)
        return np.ceil(hours / (INITIAL_OCCUPANCY * per_agent_h) - 1e-9).astype(np.int64)

    # ------------------------------------------------------------------ table
    def staffing_table(self) -> StaffingTable:
        """Turn the current inbound and outbound requirements into a table."""
        plan = self.plan
        per_day = plan.intervals_per_day
        need = self.inbound.reshape(plan.n_days, per_day)
        rows = []
        for day in range(plan.n_days):
            running = np.asarray(plan.template_on_day[day], dtype=bool)
            counts = cover_inbound(self.cover, need[day].astype(float), self.paid_h, running)
            if self.outbound[day] > 0 and running.any():
                extra = np.zeros_like(counts)
                extra[running] = split_headcount(int(self.outbound[day]), self.shares[running])
                counts = counts + extra
            rows.append(counts)
        per_template = plan_across_days(np.array(rows, dtype=np.int64), self.lead_days,
                                        self.stay_days)
        per_template = per_template * np.asarray(plan.template_on_day, dtype=np.int64)
        return StaffingTable(per_template, self.inbound.copy())

    # ------------------------------------------------------------------ simulation
    def simulate(self, table: StaffingTable) -> Observed:
        """Run the search's replications of a table and pool what the targets need."""
        plan, config = self.plan, self.config
        n_days = plan.n_days
        counts = [np.zeros((config.search_replications, n_days)) for _ in range(4)]
        answered, offered = np.zeros(plan.n_intervals), np.zeros(plan.n_intervals)
        shape = (config.search_replications, self.sample_times_s.size)
        load, servers = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        reps = range(config.search_replications)
        outputs: Iterable[SearchReplication] = (
            self.executor.imap(search_replication,
                               [(self._plan_handle(), table, config.search_seed, rep,
                                 self.sample_times_s) for rep in reps])
            if self.executor is not None
            else (search_replication(plan, table, config.search_seed, rep, self.sample_times_s)
                  for rep in reps))
        for rep, output in enumerate(outputs):
            self.events += output.n_events
            for total, part in zip(counts, output.timeliness, strict=True):
                total[rep] = part
            load[rep], servers[rep] = output.load, output.servers
            answered += output.answered_within
            offered += output.offered
        return Observed(counts[0], counts[1], counts[2], counts[3], answered_within=answered,
                        offered=offered, load=load, servers=servers)

    def _plan_handle(self) -> object:
        """Return the plan as the executor's tasks take it (shared with its workers once)."""
        if self.executor is None:
            return self.plan
        if self._shared_plan is None:
            self._shared_plan = self.executor.share(self.plan)
        return self._shared_plan

    # ------------------------------------------------------------------ updates
    def next_inbound(self, observed: Observed) -> np.ndarray:
        """One ISA step: the least agents per interval against the simulated number in system."""
        if not self.inbound_on or self.sample_times_s.size == 0:
            return self.inbound.copy()
        # days of the same demand are one day seen more often: their samples are pooled
        # and they get the same staffing (each interval stands for its class's first)
        classes = self.interval_class
        staffing = isa_staffing(observed.load, observed.servers, self.inbound[classes],
                                self.sample_weights, classes[self.sample_interval], self.table,
                                self.config.inbound_target_sl, self.plan.n_intervals,
                                self.config.inbound_staffing)
        return staffing[classes]

    def next_outbound(self, observed: Observed) -> np.ndarray:
        """Raise the days whose releases missed a target, bisect the others down."""
        index_share, contact_share = observed.shares()
        shortfall = np.maximum(self.index_target - index_share,
                               self.contacts_target - contact_share)
        fails = (shortfall > 0) & (self.outbound < self.outbound_cap)
        current = self.outbound
        self.failed_at = np.where(fails, np.maximum(self.failed_at, current), self.failed_at)
        self.passed_at = np.where(~fails & ((self.passed_at < 0) | (current < self.passed_at)),
                                  current, self.passed_at)
        # a pass recorded above the most agents seen to fail no longer brackets anything
        stale = self.passed_at <= self.failed_at
        self.passed_at = np.where(stale & fails, -1, self.passed_at)
        up = np.where(self.passed_at > current, self.passed_at,
                      current + np.maximum(1, np.ceil(current * np.clip(2 * shortfall, 0.05, 0.5))))
        slack = ~fails & np.concatenate(([True], ~fails[:-1]))
        down = np.where(self.failed_at >= 0, (self.failed_at + current) // 2,
                        np.floor(current * 0.85)).astype(np.int64)
        closed = (current - np.maximum(self.failed_at, 0)
                  <= np.maximum(1, np.ceil(BRACKET_TOLERANCE * current)))
        closed |= current == 0
        new = np.where(fails, up, np.where(slack & ~closed, down, current))
        return np.clip(new, 0, self.outbound_cap).astype(np.int64)

    # ------------------------------------------------------------------ loop
    def run(self) -> SearchResult:
        """Iterate whole-horizon simulations until no day and no interval changes."""
        history: list[dict] = []
        isa_done: int | None = None
        seen = [self.inbound.copy()]
        frozen = np.zeros(self.inbound.size, dtype=bool)
        table = self.staffing_table()
        converged = False
        iteration = 0
        observed = None
        for iteration in range(1, self.config.max_iterations + 1):
            observed = self.simulate(table)
            inbound = self.inbound if isa_done is not None else self.next_inbound(observed)
            inbound = _settle_cycles(inbound, seen, frozen)
            outbound = self.next_outbound(observed)
            inbound_changed = int((inbound != self.inbound).sum())
            outbound_changed = int((outbound != self.outbound).sum())
            history.append(self._history_row(iteration, table, observed, inbound_changed,
                                             outbound_changed))
            if isa_done is None and _settled(inbound, self.inbound):
                isa_done = iteration  # from now on the inbound staffing stays
                inbound = np.maximum(inbound, self.inbound)
                inbound_changed = int((inbound != self.inbound).sum())
            if inbound_changed == 0 and outbound_changed == 0:
                converged = True
                break
            self.inbound, self.outbound = inbound, outbound
            seen.append(inbound.copy())
            table = self.staffing_table()
        if not converged:  # end on staffing seen to pass wherever one is known
            self.outbound = np.maximum(self.outbound, self.passed_at)
        found = self.outbound.copy()
        self.outbound = np.ceil(found * (1.0 + self.demand_margin()) - 1e-9).astype(np.int64)
        table = self.staffing_table()
        levels = np.full(self.plan.n_intervals, np.nan)
        if observed is not None:
            has = observed.offered > 0
            levels[has] = observed.answered_within[has] / observed.offered[has]
        return SearchResult(table, iteration, converged, isa_done, self.outbound.copy(), found,
                            levels, pd.DataFrame(history), self.events)

    def demand_margin(self) -> np.ndarray:
        """Return the share added to each day's outbound agents for the day-to-day noise.

        The search's few replications see few draws of each day's releases;
        the margin is ``z`` standard deviations of a day's releases relative to
        their mean (``z`` the normal quantile of ``demand_quantile``): Poisson
        ``1/sqrt(m)``, gamma-Poisson ``sqrt(1/m + 1/dispersion)``, none without noise.
        """
        reporting = self.plan.scenario.reporting
        mean = np.maximum(expected_released_per_day(self.plan), 1.0)
        if reporting.noise == "none":
            return np.zeros(self.plan.n_days)
        variance = 1.0 / mean
        if reporting.noise == "gamma_poisson" and reporting.dispersion:
            variance = variance + 1.0 / reporting.dispersion
        z = float(ndtri(self.config.demand_quantile))
        return np.maximum(z, 0.0) * np.sqrt(variance)

    def _history_row(self, iteration: int, table: StaffingTable, observed: Observed,
                     inbound_changed: int, outbound_changed: int) -> dict:
        index_share, contact_share = observed.shares()
        failing = (index_share < self.index_target) | (contact_share < self.contacts_target)
        return {
            "iteration": iteration,
            "agent_days": int(table.headcount.sum()),
            "days_failing": int(failing.sum()),
            "days_changed": outbound_changed,
            "intervals_changed": inbound_changed,
            "inbound_service_level": (observed.answered_within.sum() / observed.offered.sum()
                                      if observed.offered.sum() else float("nan")),
        }


ISA_SETTLED_SHARE = 0.001
"""ISA has settled when at most this share of intervals (at least one) changes, by one agent."""


def _settled(new: np.ndarray, old: np.ndarray) -> bool:
    """Whether one ISA step changed nothing, or a few intervals by one agent."""
    changed = new != old
    return bool(changed.sum() <= max(1, ISA_SETTLED_SHARE * new.size)
                and np.abs(new - old).max(initial=0) <= 1)


def _settle_cycles(inbound: np.ndarray, seen: list[np.ndarray],
                   frozen: np.ndarray) -> np.ndarray:
    """Return ``inbound`` with every interval that came back to an earlier value settled.

    With the simulation noise frozen by common random numbers, an interval's
    ISA staffing either stops or comes back to a value it had; it is then set
    to the most agents it had since, and frozen (``frozen`` is updated).
    """
    past = np.vstack(seen)  # (iterations so far, intervals); the last row is the current one
    out = np.where(frozen, past[-1], inbound)
    back = (out != past[-1]) & (past[:-1] == out).any(axis=0)
    for k in np.flatnonzero(back).tolist():
        first = int(np.flatnonzero(past[:-1, k] == out[k])[0])
        out[k] = past[first:, k].max()
    frozen |= back
    return out


def same_day_intervals(plan: Plan, per_minute: np.ndarray) -> np.ndarray:
    """Return, per interval of the run, the same interval of the first day of the same demand.

    Two days have the same demand when their expected inbound calls per minute
    and the shift templates that run on them are the same (no epidemic, no
    noise: a validation day repeated, or a plateau). The search treats such
    days as more replications of one day, so they get the same staffing.

    Parameters
    ----------
    plan
        The compiled scenario.
    per_minute
        Shape (days, minutes of a day): expected inbound calls per minute.

    Returns
    -------
    numpy.ndarray
        Integer interval indices, ``plan.n_intervals`` of them.
    """
    per_day = plan.intervals_per_day
    first: dict[bytes, int] = {}
    days = np.empty(plan.n_days, dtype=np.int64)
    for day in range(plan.n_days):
        key = (np.ascontiguousarray(per_minute[day]).tobytes()
               + np.asarray(plan.template_on_day[day], dtype=bool).tobytes())
        days[day] = first.setdefault(key, day)
    return (days[:, None] * per_day + np.arange(per_day)[None, :]).ravel()


@dataclass(frozen=True)
class SearchReplication:
    """What one of the search's replications hands back (small: no people table)."""

    n_events: int
    timeliness: tuple[np.ndarray, ...]
    answered_within: np.ndarray
    offered: np.ndarray
    load: np.ndarray
    servers: np.ndarray


def search_replication(plan: Plan, table: StaffingTable, seed: int, replication: int,
                       sample_times_s: np.ndarray) -> SearchReplication:
    """Run one of the search's replications and keep what its updates need.

    A module-level function, so that an executor's workers can run it.
    """
    load = np.zeros(sample_times_s.size, dtype=np.int64)
    servers = np.zeros(sample_times_s.size, dtype=np.int64)
    raw = replicate_raw(plan, table, seed, replication, sample_times_s, (load, servers))
    intervals = raw.intervals
    return SearchReplication(raw.n_events, _timeliness_by_day(raw.people, plan),
                             np.asarray(intervals["inbound_answered_within_target"], dtype=float),
                             np.asarray(intervals["inbound_offered"], dtype=float), load, servers)


def replicate(plan: Plan, table: StaffingTable, seed: int, replication: int,
              sample_times_s: np.ndarray,
              samples: tuple[np.ndarray, np.ndarray] | None = None,
              ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run one replication of a staffing table, sampling the inbound callers in the system.

    Parameters
    ----------
    plan
        The compiled scenario.
    table
        The staffing to play.
    seed, replication
        The named streams' seed and replication index.
    sample_times_s
        When to sample the number of inbound callers in the system.
    samples
        Two arrays as long as ``sample_times_s``, filled with the inbound
        callers in the system and the agents on an inbound call or free
        (:func:`sim.experiments.isa.sample_load`); None: no sampling.

    Returns
    -------
    tuple
        The people table and the per-interval totals.
    """
    raw = replicate_raw(plan, table, seed, replication, sample_times_s, samples)
    return raw.people, raw.intervals


def replicate_raw(plan: Plan, table: StaffingTable, seed: int, replication: int,
                  sample_times_s: np.ndarray,
                  samples: tuple[np.ndarray, np.ndarray] | None = None) -> RawRun:
    """Run :func:`replicate`'s replication and return the engine's whole output."""
    observers = ([load_sampler(sample_times_s, *samples)]
                 if samples is not None and sample_times_s.size and plan.scenario.inbound.enabled
                 else [])
    return simulate(plan, TablePolicy(table), seed, replication, observers=observers)


def _timeliness_by_day(people: pd.DataFrame, plan: Plan) -> tuple[np.ndarray, ...]:
    """Per day of creation: index within deadline, index, contacts within, contacts.

    Persons found unreachable (every attempt unanswered) are left out: more
    agents would not have reached them. A deadline past the horizon is judged
    at the horizon.
    """
    out = []
    n_days = plan.n_days
    for kind in ("index", "contact"):
        # no staffing reaches a person whose every attempt went unanswered: judged without
        rows = people[(people["kind"] == kind) & ~people["status"].isin(("no_phone",
                                                                         "unreachable"))]
        day = np.minimum((rows["created_s"].to_numpy() // DAY_S).astype(np.int64), n_days - 1)
        deadline_s = np.minimum(rows["due_s"].to_numpy(), plan.horizon_s)
        within = (rows["reached_s"].to_numpy() <= deadline_s)  # NaN compares False
        out.append(np.bincount(day, weights=within.astype(float), minlength=n_days))
        out.append(np.bincount(day, minlength=n_days).astype(float))
    return tuple(out)


def offered_load_staffing(plan: Plan, target_sl: float) -> np.ndarray:
    """Return the offered-load (Erlang A) staffing per interval of the run, for comparison.

    Agents per reporting interval for ``target_sl`` at the interval mean of the
    infinite-server offered load m(t) (``inbound_method: offered_load``), on
    the expected inbound calls.
    """
    sc = plan.scenario
    erlang = ErlangStaffing.for_scenario(sc, target_sl, "erlang_a")
    calls = expected_inbound_calls_per_day(plan, expected_released_per_day(plan))
    return inbound_agents_needed(plan, calls, erlang, "offered_load").ravel()


def search(plan: Plan | Scenario) -> SearchResult:
    """Run the least-staffing search for a scenario whose policy is ``optimal``.

    Parameters
    ----------
    plan
        The compiled scenario (or the scenario).

    Returns
    -------
    SearchResult
    """
    return LeastStaffingSearch(plan if isinstance(plan, Plan) else compile_plan(plan)).run()
