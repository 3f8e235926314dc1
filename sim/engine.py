"""The discrete-event engine: one replication of a compiled :class:`~sim.compile.Plan`.

Design (for speed, see the performance issue): no process per call and no
per-event objects. Arrival streams (case releases, inbound calls) are
generated in bulk with numpy before the run and merged, in time order, with a
single binary-heap event calendar of plain tuples ``(time_s, seq, kind, a, b)``.
``seq`` makes ties deterministic (first scheduled, first processed). Agents,
calls and people are integer ids indexing Python lists. Records go to the
columnar :class:`~sim.recorder.Recorder`.

This is the same event-scheduling world view that simpy implements; the
calendar is hand-written because simpy's per-event objects cost more than the
whole of this engine's work per call (``bench/`` measures it against an
idiomatic simpy model).

Model rules (DESIGN section 3):

* Inbound calls are served first (FIFO), then outbound tasks by
  ``(priority, due time, id)``. An agent starts outbound work only while the
  agents kept for inbound (idle or on an inbound call) stay at or above the
  inbound reserve (``inbound.reserve_agents``, or per interval from an
  oracle/forecast policy's inbound staffing); 0 means plain priority blending.
  Outbound dialing happens only within opening hours; inbound calls arrive
  only within opening hours.
* An agent finishes the current call (and its wrap-up) before a break or the
  end of the shift; the overtime is paid. A break that falls during a call is
  taken when the call ends (one that falls during another break follows it),
  and ends at the shift end at the latest. Breaks due during onboarding are
  part of the onboarding time.
* A waiting inbound caller abandons at arrival + patience; with
  ``redial_probability`` the caller calls again after ``redial_after`` (a
  redial that falls outside opening hours is not offered).
* An outbound attempt reaches the person with ``reach_probability``; an
  unanswered attempt takes ``failed_attempt_time``, then the task is ready
  again ``retry_after`` later, until ``max_attempts``. A reached index case
  names its contacts at the end of the interview (before wrap-up).
* Headcount per day comes from the staffing policy through a
  :class:`~sim.staffing.Roster`; agents ``0 .. H-1`` are on the roster, split
  over shift templates by share; each is absent with probability
  ``absenteeism`` (unpaid). Agents not on the previous day's roster are new
  and spend ``onboarding`` paid hours unproductive; the initial roster is
  trained.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.arrivals import daily_counts, piecewise_nhpp, release_times
from sim.compile import MINUTES_PER_DAY, Plan, split_headcount
from sim.recorder import (
    ABANDONED,
    ANSWERED,
    CHUNK,
    CONTACT,
    FAILED,
    INBOUND,
    INDEX,
    REACHED,
    SEG_BREAK,
    SEG_IDLE,
    SEG_ONBOARD,
    SEG_PAID,
    SEG_POOL_PAID,
    WAITING,
    Recorder,
)
from sim.staffing import IntradayObservation, Observation, PoolPolicy, make_policy, make_roster
from sim.streams import buffered, draw_counts, draw_seconds, stream
from sim.units import DAY_S, MINUTE_S

# agent states
OFF, IDLE, BUSY, BREAK, ONBOARD = 0, 1, 2, 3, 4
# event kinds
EV_DONE, EV_ABANDON, EV_RETRY, EV_CONTACTS, EV_REDIAL = 0, 1, 2, 3, 4
EV_SHIFT_START, EV_SHIFT_END, EV_BREAK, EV_BREAK_END, EV_ONBOARD_END = 5, 6, 7, 8, 9
EV_OPEN, EV_CLOSE, EV_DAY, EV_REVIEW, EV_POOL_CHECK, EV_POOL_START, EV_TICK = range(10, 17)
# person status
P_OPEN, P_REACHED, P_UNREACHABLE, P_NO_PHONE, P_EXPIRED = 0, 1, 2, 3, 4
PERSON_STATUS = ("open", "reached", "unreachable", "no_phone", "expired")

INF = float("inf")


@dataclass
class RawRun:
    """What one replication produced, before the metrics are computed.

    Attributes
    ----------
    intervals
        Per-interval totals (see :data:`sim.recorder.INTERVAL_COLUMNS`).
    agents
        Per-agent totals in seconds (``paid_s``, ``talk_s`` ...).
    people
        One row per index case and contact.
    calls
        The per-call log, or None.
    cases_per_day, released_per_day
        Confirmed cases (after noise) and index cases released, per day.
    headcount, present, hires
        Roster headcount, agents present (pool agents not included) and
        agents added to the roster, per day.
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
    headcount: np.ndarray
    present: np.ndarray
    hires: np.ndarray
    inbound_waiting_at_end: int
    inbound_arrivals: int
    n_calls: int
    n_attempts: int
    n_events: int
    engine_seconds: float


def _inbound_rate_per_s(plan: Plan, released: np.ndarray) -> np.ndarray:
    """Inbound arrival rate per minute of the run, shape (n_days, 1440), per second."""
    inbound = plan.scenario.inbound
    if not inbound.enabled:
        return np.zeros((plan.n_days, MINUTES_PER_DAY))
    calls_per_day = inbound.calls_per_case * released + inbound.base_per_day
    return calls_per_day[:, None] * plan.inbound_minute_weights / MINUTE_S


def simulate(plan: Plan, seed: int, replication: int = 0, keep_calls: bool = False) -> RawRun:
    """Run one replication.

    Parameters
    ----------
    plan
        The compiled scenario.
    seed
        Experiment seed; streams come from ``SeedSequence(seed, spawn_key=(replication, ...))``.
    replication
        Replication index.
    keep_calls
        Keep the per-call log.

    Returns
    -------
    RawRun
    """
    wall_start = time.perf_counter()
    sc = plan.scenario
    tr, inb, ag = sc.tracing, sc.inbound, sc.agents

    def rng(name: str) -> np.random.Generator:
        return stream(seed, replication, name)

    # ---------------------------------------------------------------- arrivals in bulk
    cases = daily_counts(rng("cases"), plan.expected_cases, sc.reporting.noise,
                         sc.reporting.dispersion)
    released = rng("traced").binomial(cases, sc.reporting.share_traced)
    rel_times = release_times(rng("release"), released, plan.release_offsets_s,
                              plan.release_widths_s, plan.release_weights).tolist()
    n_rel = len(rel_times)
    rel_times.append(INF)
    rel_np = np.asarray(rel_times[:-1])

    # ---------------------------------------------------------------- per-entity draws
    # Common random numbers: every random input of a person or a call is drawn
    # up front and indexed by that entity (index case i = i-th release, its
    # j-th contact, inbound call k = k-th arrival), so two scenarios run with
    # the same seed give the same person the same answers whatever the
    # staffing changes about the order of service.
    def draws(spec, name, size):
        return draw_seconds(spec, rng(name), size)

    max_att = (0, tr.index.max_attempts, tr.contact.max_attempts)
    contacts_per_index = draw_counts(tr.index.contacts, rng("contacts_count"), n_rel)
    first_contact = np.concatenate([[0], np.cumsum(contacts_per_index)]).tolist()
    n_con = first_contact[-1]
    n_of = (0, n_rel, n_con)
    reach_tab = [None] + [
        (rng(f"{k}_reach").random(n_of[i] * max_att[i]) < task.reach_probability).tolist()
        for i, k, task in ((1, "index", tr.index), (2, "contact", tr.contact))
    ]
    failed_tab = [None] + [
        draws(task.failed_attempt_time, f"{k}_failed", n_of[i] * max_att[i]).tolist()
        for i, k, task in ((1, "index", tr.index), (2, "contact", tr.contact))
    ]
    handle_tab = [None] + [
        draws(task.handle_time, f"{k}_handle", n_of[i]).tolist()
        for i, k, task in ((1, "index", tr.index), (2, "contact", tr.contact))
    ]
    wrap_tab = [None] + [
        draws(task.wrap_up, f"{k}_wrap", n_of[i]).tolist()
        for i, k, task in ((1, "index", tr.index), (2, "contact", tr.contact))
    ]
    has_phone = (rng("contact_phone").random(n_con) < tr.contact.phone_share).tolist()
    contacts_per_index = contacts_per_index.tolist()
    # Inbound calls are generated a day at a time (memory does not grow with
    # the number of calls); call k of the run gets the k-th draw of each stream.
    inbound_rate = _inbound_rate_per_s(plan, released)
    arrivals_rng, handle_rng = rng("inbound_arrivals"), rng("inbound_handle")
    wrap_rng, patience_rng, redial_flag_rng = rng("inbound_wrap"), rng("patience"), rng("redial")
    offered_per_day = np.zeros(plan.n_days, dtype=np.int64)

    def inbound_block(day: int) -> tuple[list, list, list, list, list]:
        """Arrival times (with the next day's start as end marker) and draws of a day."""
        rate = inbound_rate[day]
        times = (piecewise_nhpp(arrivals_rng, rate, MINUTE_S, start_s=day * DAY_S)
                 if rate.any() else np.empty(0))
        n = times.size
        offered_per_day[day] = n
        return (
            times.tolist() + [(day + 1) * DAY_S],
            draw_seconds(inb.handle_time, handle_rng, n).tolist(),
            draw_seconds(inb.wrap_up, wrap_rng, n).tolist(),
            draw_seconds(inb.patience, patience_rng, n).tolist(),
            (redial_flag_rng.random(n) < inb.redial_probability).tolist(),
        )
    # redialled calls draw from their own streams, in the order they occur
    redial_rng = rng("redial_calls")

    def redial_draw(spec):
        return buffered(lambda n: draw_seconds(spec, redial_rng, n))

    redial_handle, redial_wrap = redial_draw(inb.handle_time), redial_draw(inb.wrap_up)
    redial_patience, redial_gap = redial_draw(inb.patience), redial_draw(inb.redial_after)
    redial_again = buffered(lambda n: redial_rng.random(n) < inb.redial_probability)
    retry_after_s = (0.0, tr.index.retry_after, tr.contact.retry_after)
    within_s = (0.0, tr.index.within, tr.contact.within)
    priority = (0, tr.index.priority, tr.contact.priority)
    give_up_s = tr.give_up_after if tr.give_up_after is not None else INF
    target_s = inb.answer_within
    onboarding_s = ag.onboarding

    # ---------------------------------------------------------------- state
    rec = Recorder(plan.interval_s, plan.n_intervals, target_s, keep_calls)
    r_kind, r_agent, r_q, r_start = (rec.kind.append, rec.agent.append, rec.queued_s.append,
                                     rec.start_s.append)
    r_talk, r_end, r_out, r_ref = (rec.talk_end_s.append, rec.end_s.append, rec.outcome.append,
                                   rec.ref.append)
    s_agent, s_kind, s_start, s_end = (rec.seg_agent.append, rec.seg_kind.append,
                                       rec.seg_start_s.append, rec.seg_end_s.append)
    rec_len = rec.kind

    heap: list = []
    push, pop = heapq.heappush, heapq.heappop
    seq = itertools.count()

    # agents
    a_state: list[int] = []
    a_since: list[float] = []
    a_on_since: list[float] = []
    a_shift_end: list[float] = []
    a_tok: list[int] = []
    a_idle_tok: list[int] = []
    a_leaving: list[bool] = []
    a_break_owed: list[float] = []
    a_onboard_left: list[float] = []
    idleq: deque = deque()
    n_idle = 0

    def ensure_agents(count: int) -> None:
        while len(a_state) < count:
            a_state.append(OFF)
            a_since.append(0.0)
            a_on_since.append(0.0)
            a_shift_end.append(0.0)
            a_tok.append(0)
            a_idle_tok.append(0)
            a_leaving.append(False)
            a_break_owed.append(0.0)
            a_onboard_left.append(0.0)

    # inbound: waiting callers by call id -> (arrival_s, handle_s, wrap_s, redials)
    waiting: dict[int, tuple[float, float, float, bool]] = {}
    inq: deque = deque()
    n_inbound = 0

    # people (index cases and contacts)
    p_kind: list[int] = []
    p_created: list[float] = []
    p_due: list[float] = []
    p_attempts: list[int] = []
    p_status: list[int] = []
    p_reached: list[float] = []
    p_closed: list[float] = []
    p_parent: list[int] = []
    p_row: list[int] = []
    outq: list = []
    open_tasks = 0

    is_open = False
    # ---------------------------------------------------------------- helpers

    def new_person(kind: int, now: float, parent: int, row: int) -> int:
        pid = len(p_kind)
        p_row.append(row)
        p_kind.append(kind)
        p_created.append(now)
        p_due.append(now + within_s[kind])
        p_attempts.append(0)
        p_status.append(P_OPEN)
        p_reached.append(INF)
        p_closed.append(INF)
        p_parent.append(parent)
        return pid

    def leave_state(a: int, now: float) -> None:
        """Record the span of the agent's current non-call state."""
        st = a_state[a]
        since = a_since[a]
        if now > since:
            if st == IDLE:
                s_agent(a), s_kind(SEG_IDLE), s_start(since), s_end(now)
            elif st == BREAK:
                s_agent(a), s_kind(SEG_BREAK), s_start(since), s_end(now)
            elif st == ONBOARD:
                s_agent(a), s_kind(SEG_ONBOARD), s_start(since), s_end(now)

    def go_off(a: int, now: float) -> None:
        nonlocal n_on_duty
        leave_state(a, now)
        a_state[a] = OFF
        a_leaving[a] = False
        a_break_owed[a] = 0.0
        n_on_duty -= 1
        s_agent(a), s_kind(SEG_PAID), s_start(a_on_since[a]), s_end(now)
        if a >= pool_first:
            s_agent(a), s_kind(SEG_POOL_PAID), s_start(a_on_since[a]), s_end(now)
            pool_free.append(a)

    def begin_shift(a: int, now: float, end: float, breaks_s: tuple) -> None:
        """Agent ``a`` starts a shift (or a following shift extends the current one)."""
        nonlocal n_on_duty
        tok = a_tok[a] + 1
        a_tok[a] = tok
        a_shift_end[a] = end
        push(heap, (end, next(seq), EV_SHIFT_END, a, tok))
        for after_s, length_s in breaks_s:
            push(heap, (now + after_s, next(seq), EV_BREAK, a, (tok, length_s)))
        if a_state[a] != OFF:
            a_leaving[a] = False  # the next shift follows on: keep working
            return
        n_on_duty += 1
        a_on_since[a] = now
        a_since[a] = now
        if a_onboard_left[a] > 0:
            a_state[a] = ONBOARD
            push(heap, (min(now + a_onboard_left[a], end), next(seq), EV_ONBOARD_END, a, tok))
        else:
            a_state[a] = BUSY  # transient: serve_next sets the real state
            serve_next(a, now)

    def start_inbound(a: int, cid: int, arrival_s: float, handle_s: float, wrap_s: float,
                      now: float) -> None:
        nonlocal n_in_busy
        t_talk = now + handle_s
        t_end = t_talk + wrap_s
        a_state[a] = BUSY
        n_in_busy += 1
        push(heap, (t_end, next(seq), EV_DONE, a, 1))
        r_kind(INBOUND), r_agent(a), r_q(arrival_s), r_start(now)
        r_talk(t_talk), r_end(t_end), r_out(ANSWERED), r_ref(cid)

    def start_outbound(a: int, pid: int, now: float) -> None:
        nonlocal open_tasks
        kind = p_kind[pid]
        row = p_row[pid]
        n = p_attempts[pid] + 1
        p_attempts[pid] = n
        a_state[a] = BUSY
        if reach_tab[kind][row * max_att[kind] + n - 1]:
            t_talk = now + handle_tab[kind][row]
            t_end = t_talk + wrap_tab[kind][row]
            p_status[pid] = P_REACHED
            p_reached[pid] = now
            p_closed[pid] = now
            open_tasks -= 1
            if kind == INDEX:
                push(heap, (t_talk, next(seq), EV_CONTACTS, pid, 0))
            outcome = REACHED
        else:
            t_talk = t_end = now + failed_tab[kind][row * max_att[kind] + n - 1]
            if n < max_att[kind]:
                push(heap, (t_end + retry_after_s[kind], next(seq), EV_RETRY, pid, 0))
            else:
                p_status[pid] = P_UNREACHABLE
                p_closed[pid] = t_end
                open_tasks -= 1
            outcome = FAILED
        push(heap, (t_end, next(seq), EV_DONE, a, 0))
        r_kind(kind), r_agent(a), r_q(p_created[pid]), r_start(now)
        r_talk(t_talk), r_end(t_end), r_out(outcome), r_ref(pid)

    def next_outbound(now: float) -> int:
        """Pop the next workable outbound task (dropping expired ones), or -1."""
        nonlocal open_tasks
        while outq:
            pid = heapq.heappop(outq)[2]
            if now - p_created[pid] > give_up_s:
                p_status[pid] = P_EXPIRED
                p_closed[pid] = now
                open_tasks -= 1
                continue
            return pid
        return -1

    def serve_next(a: int, now: float) -> None:
        """Agent ``a`` (not idle) is available: take work or go idle."""
        nonlocal n_idle
        while inq:
            cid = inq.popleft()
            call = waiting.pop(cid, None)
            if call is not None:
                leave_state(a, now)
                start_inbound(a, cid, call[0], call[1], call[2], now)
                return
        if is_open and outq and n_idle + n_in_busy >= reserve:
            pid = next_outbound(now)
            if pid >= 0:
                leave_state(a, now)
                start_outbound(a, pid, now)
                return
        if a_state[a] != IDLE:
            leave_state(a, now)
            a_state[a] = IDLE
            a_since[a] = now
            tok = a_idle_tok[a] + 1
            a_idle_tok[a] = tok
            idleq.append((a, tok))
            n_idle += 1

    def pop_idle(now: float) -> int:
        """Take the longest-idle agent out of the idle pool (caller checks n_idle > 0)."""
        nonlocal n_idle
        while True:
            a, tok = idleq.popleft()
            if a_state[a] == IDLE and a_idle_tok[a] == tok:
                n_idle -= 1
                since = a_since[a]
                if now > since:
                    s_agent(a), s_kind(SEG_IDLE), s_start(since), s_end(now)
                return a

    def unidle(a: int, now: float) -> None:
        """An idle agent leaves the pool for a non-call state (break, end of shift)."""
        nonlocal n_idle
        n_idle -= 1
        leave_state(a, now)
        a_since[a] = now
        a_idle_tok[a] += 1

    def dispatch_outbound(now: float) -> None:
        """Give queued outbound work to idle agents beyond the inbound reserve.

        Inbound never waits while agents are idle, so only outbound work is
        dispatched here. ``reserve``: agents kept for inbound (idle or on an
        inbound call); an idle agent takes outbound work only above it.
        """
        while n_idle and outq and n_idle - 1 + n_in_busy >= reserve:
            pid = next_outbound(now)
            if pid < 0:
                return
            a = pop_idle(now)
            start_outbound(a, pid, now)

    # ---------------------------------------------------------------- calendar setup
    policy = make_policy(plan, rng("forecast"))
    roster = make_roster(sc, policy)
    shares = np.array([s.share for s in plan.shifts])
    headcount_log = np.zeros(plan.n_days, dtype=np.int64)
    present_log = np.zeros(plan.n_days, dtype=np.int64)
    hires_log = np.zeros(plan.n_days, dtype=np.int64)
    # The calendar is scheduled a day at a time (in the EV_DAY handler), so the
    # event heap does not grow with the length of the run.
    push(heap, (0.0, next(seq), EV_DAY, 0, 0))
    prev_headcount = -1
    n_on_duty = 0
    n_in_busy = 0  # agents on an inbound call
    reserve_table = policy.inbound_reserve(plan) if inb.enabled else None
    reserve = inb.reserve_agents if inb.enabled else 0
    if reserve_table is not None:
        reserve = int(reserve_table[0])
    pool_first = 1 << 62  # agent ids at or above this are pool agents
    pool_free: deque = deque()
    pool_pending = 0
    pool_cfg = sc.staffing
    if isinstance(policy, PoolPolicy):
        pool_first = pool_cfg.core_headcount
        ensure_agents(pool_first + pool_cfg.pool_size)
        pool_free.extend(range(pool_first, pool_first + pool_cfg.pool_size))

    def schedule_day(day: int) -> None:
        """Put a day's calendar on the heap: opening, closing, review, checks, ticks."""
        if day + 1 < plan.n_days:
            push(heap, ((day + 1) * DAY_S, next(seq), EV_DAY, day + 1, 0))
        if not np.isnan(plan.open_s[day]):
            open_s, close_s = float(plan.open_s[day]), float(plan.close_s[day])
            push(heap, (open_s, next(seq), EV_OPEN, day, 0))
            push(heap, (close_s, next(seq), EV_CLOSE, day, 0))
            if pool_first < (1 << 62):
                for t in np.arange(open_s, close_s, pool_cfg.check_every).tolist():
                    push(heap, (t, next(seq), EV_POOL_CHECK, day, close_s))
        if policy.adaptive:
            push(heap, (day * DAY_S + sc.staffing.review_time, next(seq), EV_REVIEW, day, 0))
        if reserve_table is not None:
            first = day * plan.intervals_per_day
            for k in range(max(first, 1), first + plan.intervals_per_day):
                push(heap, (k * plan.interval_s, next(seq), EV_TICK, k, 0))

    # ---------------------------------------------------------------- main loop
    horizon_s = plan.horizon_s
    i_rel = 0
    n_events = 0
    now = 0.0
    next_rel = rel_times[0]
    blk_t, blk_h, blk_w, blk_p, blk_r = inbound_block(0)
    blk_day, i_blk, n_blk = 0, 0, len(blk_t) - 1
    next_arr = blk_t[0]
    while True:
        t_heap = heap[0][0] if heap else INF
        n_events += 1
        if next_arr <= t_heap and next_arr <= next_rel:
            # ------------------------------------------------ inbound arrival
            now = next_arr
            if now >= horizon_s:
                break
            i = i_blk
            if i == n_blk:  # end of the day's block: generate the next day's calls
                blk_day += 1
                blk_t, blk_h, blk_w, blk_p, blk_r = inbound_block(blk_day)
                i_blk, n_blk = 0, len(blk_t) - 1
                next_arr = blk_t[0]
                continue
            i_blk = i + 1
            next_arr = blk_t[i + 1]
            cid = n_inbound
            n_inbound = cid + 1
            if n_idle:
                start_inbound(pop_idle(now), cid, now, blk_h[i], blk_w[i], now)
            else:
                waiting[cid] = (now, blk_h[i], blk_w[i], blk_r[i])
                inq.append(cid)
                push(heap, (now + blk_p[i], next(seq), EV_ABANDON, cid, 0))
            continue
        if next_rel <= t_heap:
            # ------------------------------------------------ index case released
            now = next_rel
            if now >= horizon_s:
                break
            i_rel += 1
            next_rel = rel_times[i_rel]
            pid = new_person(INDEX, now, -1, i_rel - 1)
            open_tasks += 1
            heapq.heappush(outq, (priority[INDEX], p_due[pid], pid))
            if is_open and n_idle:
                dispatch_outbound(now)
            continue
        if t_heap >= horizon_s:
            now = horizon_s
            break
        now, _, ev, a, b = pop(heap)
        if ev == EV_DONE:
            n_in_busy -= b
            if len(rec_len) >= CHUNK:
                rec.flush()
            if a_leaving[a]:
                go_off(a, now)
            elif a_break_owed[a]:
                end = min(now + a_break_owed[a], a_shift_end[a])
                a_break_owed[a] = 0.0
                a_state[a] = BREAK
                a_since[a] = now
                push(heap, (end, next(seq), EV_BREAK_END, a, a_tok[a]))
            else:
                serve_next(a, now)
        elif ev == EV_ABANDON:
            call = waiting.pop(a, None)
            if call is not None:
                r_kind(INBOUND), r_agent(-1), r_q(call[0]), r_start(now)
                r_talk(now), r_end(now), r_out(ABANDONED), r_ref(a)
                if call[3]:
                    gap_s = next(redial_gap)
                    push(heap, (now + gap_s, next(seq), EV_REDIAL, 0, 0))
        elif ev == EV_RETRY:
            heapq.heappush(outq, (priority[p_kind[a]], p_due[a], a))
            if is_open and n_idle:
                dispatch_outbound(now)
        elif ev == EV_CONTACTS:
            row0 = first_contact[p_row[a]]
            for row in range(row0, row0 + contacts_per_index[p_row[a]]):
                pid = new_person(CONTACT, now, a, row)
                if has_phone[row]:
                    open_tasks += 1
                    heapq.heappush(outq, (priority[CONTACT], p_due[pid], pid))
                else:
                    p_status[pid] = P_NO_PHONE
                    p_closed[pid] = now
            if is_open and n_idle:
                dispatch_outbound(now)
        elif ev == EV_REDIAL:
            if not is_open:
                continue  # calls outside opening hours are not offered
            cid = n_inbound
            n_inbound = cid + 1
            handle_s, wrap_s = next(redial_handle), next(redial_wrap)
            patience_s, again = next(redial_patience), next(redial_again)
            if n_idle:
                start_inbound(pop_idle(now), cid, now, handle_s, wrap_s, now)
            else:
                waiting[cid] = (now, handle_s, wrap_s, again)
                inq.append(cid)
                push(heap, (now + patience_s, next(seq), EV_ABANDON, cid, 0))
        elif ev == EV_SHIFT_START:
            template = plan.shifts[b]
            begin_shift(a, now, now + template.length_s, template.breaks_s)
        elif ev == EV_SHIFT_END:
            if b != a_tok[a]:
                continue
            st = a_state[a]
            if st == BUSY:
                a_leaving[a] = True
            elif st != OFF:
                if st == IDLE:
                    unidle(a, now)
                elif st == ONBOARD:
                    a_onboard_left[a] = max(0.0, a_onboard_left[a] - (now - a_since[a]))
                go_off(a, now)
        elif ev == EV_BREAK:
            tok, length_s = b
            if tok != a_tok[a]:
                continue
            st = a_state[a]
            if st == IDLE:
                unidle(a, now)
                a_state[a] = BREAK
                a_since[a] = now
                push(heap, (min(now + length_s, a_shift_end[a]), next(seq), EV_BREAK_END, a, tok))
            elif (st == BUSY and not a_leaving[a]) or st == BREAK:
                # due during a call or during an earlier (delayed) break: owed, taken next
                a_break_owed[a] += length_s
        elif ev == EV_BREAK_END:
            if b != a_tok[a] or a_state[a] != BREAK:
                continue
            if now >= a_shift_end[a]:
                go_off(a, now)
            elif a_break_owed[a]:
                end = min(now + a_break_owed[a], a_shift_end[a])
                a_break_owed[a] = 0.0
                push(heap, (end, next(seq), EV_BREAK_END, a, b))
            else:
                serve_next(a, now)
        elif ev == EV_ONBOARD_END:
            if b != a_tok[a] or a_state[a] != ONBOARD:
                continue
            a_onboard_left[a] = max(0.0, a_onboard_left[a] - (now - a_since[a]))
            if now >= a_shift_end[a]:
                go_off(a, now)
            else:
                serve_next(a, now)
        elif ev == EV_OPEN:
            is_open = True
            dispatch_outbound(now)
        elif ev == EV_CLOSE:
            is_open = False
        elif ev == EV_DAY:
            day = a
            schedule_day(day)
            count = roster.fix(day)
            headcount_log[day] = count
            ensure_agents(count)
            if prev_headcount >= 0 and count > prev_headcount:
                hires_log[day] = count - prev_headcount
                if onboarding_s > 0:
                    for agent in range(prev_headcount, count):
                        a_onboard_left[agent] = onboarding_s
            prev_headcount = count
            per_template = split_headcount(count, shares)
            # agent k's absence on day d is the k-th draw of that day's stream,
            # whatever the headcount (common random numbers across policies)
            absent = rng(f"absence-{day}").random(count) < ag.absenteeism
            present_log[day] = int(count - absent.sum())
            agent = 0
            for t_index, n_agents in enumerate(per_template.tolist()):
                start = now + plan.shifts[t_index].start_s
                for _ in range(n_agents):
                    if not absent[agent]:
                        push(heap, (start, next(seq), EV_SHIFT_START, agent, t_index))
                    agent += 1
        elif ev == EV_TICK:
            reserve = int(reserve_table[a])
            if is_open and n_idle:
                dispatch_outbound(now)
        elif ev == EV_POOL_CHECK:
            called = policy.call_in(IntradayObservation(
                now_s=now, queued_outbound=len(outq), queued_inbound=len(waiting),
                agents_on_duty=n_on_duty, pool_pending=pool_pending,
                pool_available=len(pool_free)))
            start = now + pool_cfg.call_in_delay
            end = min(start + pool_cfg.call_in_block, b)
            for _ in range(called if start < end else 0):
                pool_pending += 1
                push(heap, (start, next(seq), EV_POOL_START, pool_free.popleft(), end))
        elif ev == EV_POOL_START:
            pool_pending -= 1
            begin_shift(a, now, b, ())
        elif ev == EV_REVIEW:
            day = a
            wanted = policy.review(
                Observation(
                    day=day,
                    now_s=now,
                    n_days=plan.n_days,
                    released_per_day=_per_day_so_far(rel_np, now, day),
                    inbound_offered_per_day=_offered_so_far(offered_per_day, blk_t, i_blk,
                                                            blk_day, day),
                    backlog=open_tasks,
                    planned_headcount=roster.observation_headcount(day),
                )
            )
            if wanted:
                roster.request(now, wanted)

    # ---------------------------------------------------------------- close the books
    end_s = horizon_s
    for a in range(len(a_state)):
        if a_state[a] != OFF:
            go_off(a, end_s)
    n_waiting = 0
    for cid, call in waiting.items():
        n_waiting += 1
        r_kind(INBOUND), r_agent(-1), r_q(call[0]), r_start(end_s)
        r_talk(end_s), r_end(end_s), r_out(WAITING), r_ref(cid)
    rec.flush()
    people = _people_table(p_kind, p_created, p_due, p_attempts, p_status, p_reached, p_closed,
                           p_parent)
    n_agents = len(a_state)
    agents = {name: values[:n_agents].copy() for name, values in rec.agent_totals.items()}
    for name, values in agents.items():
        if values.size < n_agents:
            agents[name] = np.concatenate([values, np.zeros(n_agents - values.size)])
    return RawRun(
        intervals=rec.intervals,
        agents=agents,
        people=people,
        calls=rec.calls_table(),
        cases_per_day=np.asarray(cases),
        released_per_day=np.asarray(released),
        headcount=headcount_log,
        present=present_log,
        hires=hires_log,
        inbound_waiting_at_end=n_waiting,
        inbound_arrivals=n_inbound,
        n_calls=rec.n_calls,
        n_attempts=rec.n_attempts,
        n_events=n_events,
        engine_seconds=time.perf_counter() - wall_start,
    )


def _per_day_so_far(times_s: np.ndarray, now_s: float, day: int) -> np.ndarray:
    past = times_s[: np.searchsorted(times_s, now_s, side="right")]
    counts = np.bincount((past // DAY_S).astype(np.int64), minlength=day + 1)[: day + 1]
    counts.flags.writeable = False
    return counts


def _offered_so_far(offered_per_day: np.ndarray, blk_t: list, i_blk: int, blk_day: int,
                   day: int) -> np.ndarray:
    """First inbound calls offered per day up to now (today: those already arrived)."""
    counts = offered_per_day[: day + 1].copy()
    if blk_day == day:
        counts[day] = i_blk
    counts.flags.writeable = False
    return counts


def _people_table(kind, created, due, attempts, status, reached, closed, parent) -> pd.DataFrame:
    reached_s = np.asarray(reached, dtype=float)
    closed_s = np.asarray(closed, dtype=float)
    created_s = np.asarray(created, dtype=float)
    return pd.DataFrame(
        {
            "person": np.arange(len(kind), dtype=np.int64),
            "kind": pd.Categorical.from_codes(np.asarray(kind, dtype=np.int8),
                                              ["inbound", "index", "contact"]),
            "parent": np.asarray(parent, dtype=np.int64),
            "created_s": created_s,
            "due_s": np.asarray(due, dtype=float),
            "attempts": np.asarray(attempts, dtype=np.int64),
            "status": pd.Categorical.from_codes(np.asarray(status, dtype=np.int8),
                                                PERSON_STATUS),
            "reached_s": np.where(np.isfinite(reached_s), reached_s, np.nan),
            "closed_s": np.where(np.isfinite(closed_s), closed_s, np.nan),
            "time_to_reach_s": np.where(np.isfinite(reached_s), reached_s - created_s, np.nan),
        }
    )
