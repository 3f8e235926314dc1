"""The call centre: its state in named parts and one handler per event kind.

:class:`CallCentre` holds the agents (:class:`~sim.model.agents.Workforce`),
the people and their tasks (:class:`~sim.model.people.People`), the kinds of
work (:mod:`sim.model.work`), the work queues (:mod:`sim.model.queues`) and the
recorder. Per-call events are :class:`simpy.Timeout` events on the simpy
environment (:mod:`sim.model.events`); each kind has one handler method named
``on_<event>``, whose payload is ``event.value``:

=============================  ==============================  ==================
handler                        event                           payload
=============================  ==============================  ==================
:meth:`on_release`             an index case is released       its row (int)
:meth:`on_inbound_arrival`     a first inbound call arrives    row in the day (int)
:meth:`on_redial`              a caller who hung up calls back None
:meth:`on_abandon`             a waiting caller's patience     call id (int)
:meth:`on_callback_offer`      a caller waited ``offer_after`` call id (int)
:meth:`on_call_end`            a call and its wrap-up end      agent (int)
:meth:`on_failed_attempt_end`  a failed attempt to be retried  :data:`RetryAfter`
                               ends: its task joins a line
:meth:`on_retry_due`           a retry line's head falls due   the line
:meth:`on_contacts_named`      an index interview's talk ends  person (int)
=============================  ==============================  ==================

An available agent looks for work through :data:`~sim.model.queues.DISPATCH_ORDER`.
"""

from __future__ import annotations

import simpy

from sim.basics.units import DAY_S
from sim.inputs.compile import Plan
from sim.model.agents import Workforce
from sim.model.draws import CallbackDraws, Cases, InboundCalls, InboundDay, Streams
from sim.model.events import Due, kind_callbacks
from sim.model.people import REACHED, UNREACHABLE, People
from sim.model.queues import (
    DISPATCH_ORDER,
    InboundQueue,
    RetryLine,
    Rule,
    TaskQueue,
    WaitingCall,
    WorkQueue,
)
from sim.model.recorder import (
    ABANDONED,
    ANSWERED,
    CALL_CHUNK_BYTES,
    CALLBACK,
    CALLBACK_TAKEN,
    CONTACT,
    FAILED,
    INBOUND,
    INDEX,
    Recorder,
)
from sim.model.recorder import (
    REACHED as CALL_REACHED,
)
from sim.model.recorder import (
    WAITING as WAITING_OUTCOME,
)
from sim.model.work import INBOUND_QUEUE, Terms, WorkKind, work_kinds

RetryAfter = tuple[int, RetryLine, int, float]
"""Payload of a failed attempt's end when the task is retried: (agent, its retry line,
person, when the task falls due again)."""


class CallCentre:
    """One replication's call centre.

    Parameters
    ----------
    env
        The simulation environment (the event calendar).
    plan
        The compiled scenario.
    rng
        The replication's named streams.
    recorder
        Where calls and agent time are recorded.

    Attributes
    ----------
    work
        The kinds of work, indexed by kind code (:func:`~sim.model.work.work_kinds`).
    queues
        The work queues by name: the inbound queue, then the outbound queues
        the kinds of work name, in the order of their codes.
    """

    def __init__(self, env: simpy.Environment, plan: Plan, rng: Streams,
                 recorder: Recorder) -> None:
        inbound = plan.scenario.inbound
        self.env, self.plan, self.rec = env, plan, recorder
        self.cases = Cases.draw(plan, rng)
        self.inbound_calls = InboundCalls(plan, self.cases.released_per_day, rng)
        self.callbacks = CallbackDraws(plan, rng)
        self.people = People()
        self.agents = Workforce(env, recorder, self.on_available)
        # the callbacks of each kind of per-call event: one list per kind, shared by its
        # events (simpy reads an event's callbacks and never changes the list)
        self._on_release = kind_callbacks(self.on_release)
        self._on_arrival = kind_callbacks(self.on_inbound_arrival)
        self._on_redial = kind_callbacks(self.on_redial)
        self._on_abandon = kind_callbacks(self.on_abandon)
        self._on_callback_offer = kind_callbacks(self.on_callback_offer)
        self._on_call_end = kind_callbacks(self.on_call_end)
        self._on_retry_due = kind_callbacks(self.on_retry_due)
        self._on_failed_attempt_end = kind_callbacks(self.on_failed_attempt_end)
        self._on_contacts_named = kind_callbacks(self.on_contacts_named)
        self.work: tuple[WorkKind, ...] = work_kinds(plan, self.cases, self.callbacks,
                                                     self.inbound_calls.callbacks_on)
        self.inbound_queue = InboundQueue(INBOUND_QUEUE)
        self.queues: dict[str, WorkQueue] = {INBOUND_QUEUE: self.inbound_queue}
        for kind in self.work:
            if kind.outbound and kind.queue not in self.queues:
                self.queues[kind.queue] = TaskQueue(kind.queue, self.people,
                                                    kind.give_up_after_s)
        self._queue_of: dict[int, TaskQueue] = {kind.code: self.task_queue(kind)
                                                for kind in self.work if kind.outbound}
        self.retry_lines: dict[float, RetryLine] = {}  # by retry gap (s)
        self.rules: tuple[Rule, ...] = DISPATCH_ORDER
        self._steps = self._dispatch_steps()
        self._queues_in_use = tuple(queue for queues, _, _ in self._steps for queue in queues)
        self._regime_of_day = plan.regime_of_day.tolist() if len(plan.regimes) > 1 else None
        self.persons_called = [0] * (plan.n_days + 1)  # + calls finishing after the horizon
        self.offer_after_s = (inbound.callback.offer_after if self.inbound_calls.callbacks_on
                              else float("inf"))
        self.is_open = False
        self.reserve = inbound.reserve_agents if inbound.enabled else 0
        self.n_inbound = 0
        self.today = InboundDay.empty(-1)
        self.today_n = 0  # len(self.today.arrival_s)
        self.today_arrived = 0
        self._call = recorder.call
        self._calls = recorder.call_buffer

    def _dispatch_steps(self) -> list[tuple[tuple[WorkQueue, ...], bool, bool]]:
        """Return the dispatch rules over the queues in use (left out: queues no kind fills)."""
        in_use = {name: any(kind.enabled for kind in self.work if kind.queue == name)
                  for name in self.queues}
        return [(tuple(queue for name, queue in self.queues.items()
                       if queue.outbound == rule.outbound and in_use[name]),
                 rule.opening_hours_only, rule.above_inbound_reserve)
                for rule in self.rules]

    def task_queue(self, kind: WorkKind) -> TaskQueue:
        """Return the queue tasks of ``kind`` wait in."""
        queue = self.queues[kind.queue]
        assert isinstance(queue, TaskQueue)
        return queue

    def queued_outbound(self) -> int:
        """Return the outbound tasks waiting in the queues (some may be past their expiry)."""
        return sum(len(queue) for queue in self.queues.values() if queue.outbound)

    # ------------------------------------------------------------------ sources
    def start_releases(self) -> None:
        """Schedule the first index-case release (each schedules the next)."""
        release_s = self.cases.release_s
        if release_s.size:
            Due(self.env, max(0.0, float(release_s[0]) - self.env.now),
                          0).callbacks = self._on_release

    def on_release(self, event: Due[int]) -> None:
        """Handle the release of an index case: a new outbound task."""
        row = event.value
        now_s = self.env.now
        release_s = self.cases.release_s
        if row + 1 < release_s.size:
            Due(self.env, max(0.0, float(release_s[row + 1]) - now_s),
                          row + 1).callbacks = self._on_release
        self._new_task(INDEX, now_s, -1, row)
        if self.is_open and self.agents.n_idle:
            self.dispatch_idle(now_s)

    def open_day_of_calls(self, day: int) -> None:
        """Generate the day's first inbound calls and schedule the first arrival."""
        self.today = calls = self.inbound_calls.day(day)
        self.today_n = len(calls.arrival_s)
        self.today_arrived = 0
        if calls.arrival_s:
            Due(self.env, max(0.0, calls.arrival_s[0] - self.env.now),
                          0).callbacks = self._on_arrival

    def on_inbound_arrival(self, event: Due[int]) -> None:
        """Handle a first inbound call arriving (each schedules the next of its day).

        The payload is the call's row in the day; the day's arrivals come in
        order, so it is also the number of the day's calls arrived so far.
        """
        row = self.today_arrived
        calls = self.today
        now_s = self.env.now
        following = row + 1
        self.today_arrived = following
        if following < self.today_n:
            gap_s = calls.arrival_s[following] - now_s  # < 0 only by rounding: now
            Due(self.env, gap_s if gap_s > 0.0 else 0.0, following).callbacks = self._on_arrival
        call_id = self.n_inbound
        self.n_inbound = call_id + 1
        agents = self.agents
        if agents.n_idle:  # answered at once: _answer, inlined on the hottest path
            agent = agents.take_idle(True, now_s)
            handle_s, wrap_s = calls.handle_s[row], calls.wrap_s[row]
            Due(self.env, handle_s + wrap_s, agent).callbacks = self._on_call_end
            talk_end_s = now_s + handle_s
            self._call(kind=INBOUND, agent=agent, queued_s=now_s, start_s=now_s,
                       talk_end_s=talk_end_s, end_s=talk_end_s + wrap_s, outcome=ANSWERED,
                       ref=call_id)
        else:
            self._wait(call_id, WaitingCall(now_s, calls.handle_s[row], calls.wrap_s[row],
                                            calls.redials[row], calls.accepts_callback[row]),
                       calls.patience_s[row])

    def on_redial(self, event: Due[None]) -> None:
        """Handle a redial by a caller who hung up (not offered outside opening hours)."""
        if not self.is_open:
            return
        now_s = self.env.now
        draws = self.inbound_calls.redials(now_s)
        call = WaitingCall(now_s, next(draws.handle_s), next(draws.wrap_s), next(draws.again),
                           self.inbound_calls.callbacks_on and next(draws.accepts))
        self._offer_call(now_s, call, next(draws.patience_s))

    def _offer_call(self, now_s: float, call: WaitingCall, patience_s: float) -> None:
        """Offer an inbound call: the longest-idle agent answers, or it waits."""
        call_id = self.n_inbound
        self.n_inbound = call_id + 1
        if self.agents.n_idle:
            self._answer(self.agents.take_idle(True, now_s), call_id, call.arrival_s,
                         call.handle_s, call.wrap_s, now_s)
        else:
            self._wait(call_id, call, patience_s)

    def _wait(self, call_id: int, call: WaitingCall, patience_s: float) -> None:
        """Queue a caller until answered, its patience runs out, or it takes a callback."""
        self.inbound_queue.add(call_id, call)
        Due(self.env, patience_s, call_id).callbacks = self._on_abandon
        if self.offer_after_s < patience_s:
            Due(self.env, self.offer_after_s, call_id).callbacks = self._on_callback_offer

    # ------------------------------------------------------------------ inbound
    def on_abandon(self, event: Due[int]) -> None:
        """Handle a waiting caller's patience running out: abandoned (maybe redialled)."""
        call_id = event.value
        call = self.inbound_queue.remove(call_id)
        if call is None:
            return
        now_s = self.env.now
        self._call(kind=INBOUND, agent=-1, queued_s=call.arrival_s, start_s=now_s,
                   talk_end_s=now_s, end_s=now_s, outcome=ABANDONED, ref=call_id)
        if call.redials:
            Due(self.env, next(self.inbound_calls.redials(now_s).gap_s),
                          None).callbacks = self._on_redial

    def on_callback_offer(self, event: Due[int]) -> None:
        """Offer a callback to a caller still waiting.

        One who accepts hangs up and becomes an outbound callback task.
        """
        call_id = event.value
        queue = self.inbound_queue
        call = queue.get(call_id)
        if call is None:
            return
        now_s = self.env.now
        self.rec.offer_s.append(now_s)
        if not call.accepts_callback:
            return
        queue.remove(call_id)
        self._call(kind=INBOUND, agent=-1, queued_s=call.arrival_s, start_s=now_s,
                   talk_end_s=now_s, end_s=now_s, outcome=CALLBACK_TAKEN, ref=call_id)
        row = self.callbacks.add(call.handle_s, call.wrap_s)
        self._new_task(CALLBACK, now_s, -1, row)
        if self.is_open and self.agents.n_idle:
            self.dispatch_idle(now_s)

    def _answer(self, agent: int, call_id: int, arrival_s: float, handle_s: float, wrap_s: float,
                now_s: float) -> None:
        """``agent`` (busy: :meth:`Workforce.busy`) answers inbound call ``call_id``."""
        Due(self.env, handle_s + wrap_s, agent).callbacks = self._on_call_end
        self._call(kind=INBOUND, agent=agent, queued_s=arrival_s, start_s=now_s,
                   talk_end_s=now_s + handle_s, end_s=now_s + handle_s + wrap_s,
                   outcome=ANSWERED, ref=call_id)

    def _answer_waiting(self, agent: int, call_id: int, now_s: float) -> None:
        """``agent`` (busy) answers the waiting caller ``call_id`` (:meth:`_answer`, inlined)."""
        call = self.inbound_queue.remove(call_id)
        assert call is not None
        handle_s, wrap_s = call.handle_s, call.wrap_s
        Due(self.env, handle_s + wrap_s, agent).callbacks = self._on_call_end
        self._call(kind=INBOUND, agent=agent, queued_s=call.arrival_s, start_s=now_s,
                   talk_end_s=now_s + handle_s, end_s=now_s + handle_s + wrap_s,
                   outcome=ANSWERED, ref=call_id)

    # ------------------------------------------------------------------ outbound
    def _regime(self, now_s: float) -> int:
        """Index of the behaviour in force at ``now_s`` (``plan.regimes``)."""
        by_day = self._regime_of_day
        if by_day is None:
            return 0
        return by_day[min(max(int(now_s // DAY_S), 0), len(by_day) - 1)]

    def _new_task(self, code: int, now_s: float, parent: int, row: int) -> int:
        """Create an open task of the kind ``code`` and queue it (ready now)."""
        regime = self._regime(now_s) if self._regime_of_day is not None else 0
        kind = self.work[code]
        terms = kind.terms[regime]
        person = self.people.add(code, now_s, terms.within_s, parent, row, regime)
        self._queue_of[code].add(person, terms.priority)
        return person

    def _attempt(self, agent: int, person: int, now_s: float) -> None:
        """``agent`` (busy) dials ``person``: a conversation if reached, else a failed attempt."""
        people = self.people
        code, row, regime = people.kind[person], people.row[person], people.regime[person]
        kind = self.work[code]
        terms = kind.terms[regime]
        draws = terms.draws
        n = people.attempts[person]
        people.attempts[person] = n + 1
        day = int(now_s // DAY_S)
        if kind.counts_persons_called and people.called_day[person] != day:  # first today
            people.called_day[person] = day
            self.persons_called[day] += 1
        slot = row * draws.max_attempts + n
        if draws.reached[slot]:
            talk_s = draws.handle_s[row]
            busy_s = talk_s + draws.wrap_s[row]
            people.close(person, REACHED, now_s)
            if kind.names_contacts:
                Due(self.env, talk_s, person).callbacks = self._on_contacts_named
            outcome = CALL_REACHED
        else:
            talk_s = busy_s = draws.failed_s[slot]
            outcome = FAILED
            if n + 1 < draws.max_attempts:  # retried: joins its retry line when the call ends
                retry: RetryAfter = (agent, self._retry_line(terms), person,
                                     now_s + (busy_s + terms.retry_after_s))
                Due(self.env, busy_s, retry).callbacks = self._on_failed_attempt_end
                self._call(kind=code, agent=agent, queued_s=people.created_s[person],
                           start_s=now_s, talk_end_s=now_s + talk_s, end_s=now_s + busy_s,
                           outcome=outcome, ref=person)
                return
            people.close(person, UNREACHABLE, now_s + busy_s)
        Due(self.env, busy_s, agent).callbacks = self._on_call_end
        self._call(kind=code, agent=agent, queued_s=people.created_s[person], start_s=now_s,
                   talk_end_s=now_s + talk_s, end_s=now_s + busy_s, outcome=outcome, ref=person)

    def _retry_line(self, terms: Terms) -> RetryLine:
        """Return the retry line of tasks under ``terms`` (one line per retry gap)."""
        line = self.retry_lines.get(terms.retry_after_s)
        if line is None:
            line = self.retry_lines[terms.retry_after_s] = RetryLine()
        return line

    def on_failed_attempt_end(self, event: Due[RetryAfter]) -> None:
        """Handle the end of a failed attempt that will be retried: the task joins its line.

        Then as :meth:`on_call_end`. The line's head has an event
        (:meth:`on_retry_due`) while the line is not empty.
        """
        agent, line, person, due_s = event.value
        now_s = self.env.now
        if not line:
            Due(self.env, max(0.0, due_s - now_s), line).callbacks = self._on_retry_due
        line.join(due_s, person)
        self._call_ended(agent, now_s)

    def on_retry_due(self, event: Due[RetryLine]) -> None:
        """Handle the task at the head of a retry line becoming ready to be dialled again."""
        line = event.value
        now_s = self.env.now
        person = line.leave()
        if line:
            Due(self.env, max(0.0, line.next_due_s() - now_s),
                line).callbacks = self._on_retry_due
        code = self.people.kind[person]
        self._queue_of[code].add(person, self.work[code].terms[self.people.regime[person]].priority)
        if self.is_open and self.agents.n_idle:
            self.dispatch_idle(now_s)

    def on_contacts_named(self, event: Due[int]) -> None:
        """Handle a reached index case naming its contacts: new tasks (with a phone)."""
        index = event.value
        now_s = self.env.now
        cases = self.cases
        row = self.people.row[index]
        first = cases.first_contact[row]
        regime = self._regime(now_s)
        terms = self.work[CONTACT].terms[regime]
        phone_share, phone_u = terms.phone_share, cases.phone_u
        for contact_row in range(first, first + cases.contacts_per_index[row]):
            if phone_u[contact_row] < phone_share:
                self._new_task(CONTACT, now_s, index, contact_row)
            else:
                self.people.add_without_phone(CONTACT, now_s, terms.within_s, index,
                                              contact_row, regime)
        if self.is_open and self.agents.n_idle:
            self.dispatch_idle(now_s)

    # ------------------------------------------------------------------ agents
    def on_call_end(self, event: Due[int]) -> None:
        """Handle the end of a call and its wrap-up: next work, a break, or leave."""
        agent = event.value  # the body is :meth:`_call_ended`, inlined on the hottest path
        now_s = self.env.now
        if len(self._calls) >= CALL_CHUNK_BYTES:
            self.rec.flush()
        # nothing waiting anywhere, no rule could give work: the agent goes idle
        if self.agents.call_ended(agent, now_s, any(self._queues_in_use)):
            self._give_work(agent, now_s)

    def _call_ended(self, agent: int, now_s: float) -> None:
        """Do what :meth:`on_call_end` does once it knows the agent."""
        if len(self._calls) >= CALL_CHUNK_BYTES:
            self.rec.flush()
        if self.agents.call_ended(agent, now_s, any(self._queues_in_use)):
            self._give_work(agent, now_s)

    def on_available(self, agent: int, now_s: float) -> None:
        """Give a free agent (not in the idle pool) its next work, or make it idle."""
        if any(self._queues_in_use):
            self._give_work(agent, now_s)
        else:  # nothing waits anywhere: no rule could give work
            self.agents.idle(agent, now_s)

    def _give_work(self, agent: int, now_s: float) -> None:
        """:meth:`on_available` once some queue holds work."""
        work = self._next_work(now_s, idle_agent=False)
        if work is None:
            self.agents.idle(agent, now_s)
        elif work[0] is self.inbound_queue:
            self.agents.busy(agent, True, now_s)
            self._answer_waiting(agent, work[1], now_s)
        else:
            self.agents.busy(agent, False, now_s)
            self._attempt(agent, work[1], now_s)

    def dispatch_idle(self, now_s: float) -> None:
        """Give waiting work to idle agents, longest idle first, as the rules allow."""
        agents = self.agents
        while agents.n_idle:
            work = self._next_work(now_s, idle_agent=True)
            if work is None:
                return
            if work[0] is self.inbound_queue:
                self._answer_waiting(agents.take_idle(True, now_s), work[1], now_s)
            else:
                self._attempt(agents.take_idle(False, now_s), work[1], now_s)

    def _next_work(self, now_s: float, idle_agent: bool) -> tuple[WorkQueue, int] | None:
        """Find the queue and item an available agent takes next under the dispatch rules.

        ``idle_agent``: the agent is in the idle pool (it does not count
        towards the inbound reserve it would leave). Queues a scenario never
        fills (a disabled hotline, callbacks off) are left out of the rules.
        """
        for queues, opening_hours_only, above_inbound_reserve in self._steps:
            if opening_hours_only and not self.is_open:
                continue
            if above_inbound_reserve:
                agents = self.agents
                if agents.n_idle - idle_agent + agents.n_on_inbound < self.reserve:
                    continue
            if len(queues) == 1:
                queue = queues[0]
                item = queue.pop(now_s) if queue else None
                if item is not None:
                    return queue, item
                continue
            for queue in _by_next_key([queue for queue in queues if queue], now_s):
                item = queue.pop(now_s)
                if item is not None:
                    return queue, item
        return None

    # ------------------------------------------------------------------ end of run
    def close_books(self, horizon_s: float) -> int:
        """End of the run: agents go off duty; callers still waiting are recorded.

        Returns
        -------
        int
            Inbound callers still waiting.
        """
        self.agents.end_of_run(horizon_s)
        queue = self.inbound_queue
        for call_id, call in queue.items():
            self._call(kind=INBOUND, agent=-1, queued_s=call.arrival_s, start_s=horizon_s,
                       talk_end_s=horizon_s, end_s=horizon_s, outcome=WAITING_OUTCOME,
                       ref=call_id)
        self.rec.flush()
        return len(queue)


def _by_next_key(queues: list[WorkQueue], now_s: float) -> list[WorkQueue]:
    """Order the queues holding work by the key of their next item."""
    if len(queues) < 2:
        return queues
    keyed = [(key, n, queue) for n, queue in enumerate(queues)
             if (key := queue.head(now_s)) is not None]
    return [queue for _, _, queue in sorted(keyed)]
