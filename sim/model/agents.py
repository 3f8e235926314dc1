"""The agents: who is on duty, idle, busy, on a break or onboarding.

:class:`Workforce` holds every agent's state in columns and handles the
events of an agent's paid day: shift start and end, breaks, the end of
onboarding. It records the spans of paid, idle, break and onboarding time,
and of shifts paid but not logged in;
call time is recorded by the work itself. What an available agent does next
is the call centre's decision: the workforce calls ``on_available(agent,
now_s)`` and the centre either starts work or calls :meth:`Workforce.idle`.

Rules (DESIGN section 3):

* An agent finishes the current call (and its wrap-up) before a break or the
  end of the shift; the overtime is paid.
* A break due during a call starts when the call ends; one due during another
  break follows it; a break ends at the shift end at the latest. Breaks due
  during onboarding are part of the onboarding time.
* A shift that starts while the agent is still on duty (a following shift, or
  overtime) continues the paid span.
* New agents spend ``onboarding`` paid seconds unproductive, over as many
  shifts as it takes.
* Agents called in intraday (a pool) are paid only while called in, and that
  span is recorded as ``pool_paid`` too.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import simpy

from sim.model.events import Due, after
from sim.model.recorder import (
    SEG_BREAK,
    SEG_IDLE,
    SEG_NOT_LOGGED_IN,
    SEG_ONBOARD,
    SEG_PAID,
    SEG_POOL_PAID,
    Recorder,
)

OFF, IDLE, BUSY, BREAK, ONBOARD = 0, 1, 2, 3, 4


class Shift(NamedTuple):
    """A shift worked by a group of agents together: the payload of its events.

    One shift template on one day, or one call-in, is one ``Shift``; its
    shift-end and break events serve the whole group.

    For an agent whose current shift is no longer this one (compared by
    identity: it started a following shift), the shift's events are stale and
    pass it by.
    """

    end_s: float
    agents: tuple[int, ...]


class BreakDue(NamedTuple):
    """A break of ``length_s`` seconds due in ``shift``."""

    shift: Shift
    length_s: float


class AgentsOf(NamedTuple):
    """Some agents of a shift: the payload of break-end and onboarding-end events."""

    shift: Shift
    agents: tuple[int, ...]


class Workforce:
    """Agents' states and the handlers of their shift events.

    Parameters
    ----------
    env
        The simulation environment.
    recorder
        Where spans of paid, idle, break and onboarding time go.
    on_available
        Called as ``on_available(agent, now_s)`` when an agent is free for work.
    """

    def __init__(self, env: simpy.Environment, recorder: Recorder,
                 on_available: Callable[[int, float], None]) -> None:
        self.env = env
        self.on_available = on_available
        self._segment = recorder.segment
        self.state: list[int] = []
        self.since_s: list[float] = []
        self.on_since_s: list[float] = []
        self.shift: list[Shift | None] = []
        self.leaving: list[bool] = []
        self.break_owed_s: list[float] = []
        self.onboarding_left_s: list[float] = []
        self.on_inbound: list[bool] = []
        self.on_call: list[bool] = []
        self.idle_ticket: list[int] = []
        self.idle_queue: deque[tuple[int, int]] = deque()
        self.n_idle = 0
        self.n_on_duty = 0
        self.n_on_inbound = 0
        self.on_call_free: deque[int] = deque()
        self.roster_ids: list[int] = []

    # ------------------------------------------------------------------ roster
    def _new_agent(self, on_call: bool) -> int:
        agent = len(self.state)
        self.state.append(OFF)
        self.since_s.append(0.0)
        self.on_since_s.append(0.0)
        self.shift.append(None)
        self.leaving.append(False)
        self.break_owed_s.append(0.0)
        self.onboarding_left_s.append(0.0)
        self.on_inbound.append(False)
        self.on_call.append(on_call)
        self.idle_ticket.append(0)
        return agent

    def roster(self, count: int) -> list[int]:
        """Return the agents in roster slots ``0 .. count - 1`` (new slots get new agents)."""
        while len(self.roster_ids) < count:
            self.roster_ids.append(self._new_agent(on_call=False))
        return self.roster_ids[:count]

    def add_on_call(self, count: int) -> None:
        """Add ``count`` agents outside the roster that can be called in intraday."""
        for _ in range(count):
            self.on_call_free.append(self._new_agent(on_call=True))

    @property
    def n_agents(self) -> int:
        """Agents that exist (rostered at some point, or on call)."""
        return len(self.state)

    def start_onboarding(self, agents: list[int], onboarding_s: float) -> None:
        """Agents new on the roster owe ``onboarding_s`` paid, unproductive seconds."""
        for agent in agents:
            self.onboarding_left_s[agent] = onboarding_s

    def paid_not_logged_in(self, agents: list[int], start_s: float, end_s: float) -> None:
        """Record rostered agents paid for a shift they are not logged in for."""
        for agent in agents:
            self._segment(agent, SEG_PAID, start_s, end_s)
            self._segment(agent, SEG_NOT_LOGGED_IN, start_s, end_s)

    # ------------------------------------------------------------------ spans
    def _leave_state(self, agent: int, now_s: float) -> None:
        """Record the span of the agent's current non-call state."""
        state, since_s = self.state[agent], self.since_s[agent]
        if now_s > since_s and state != BUSY and state != OFF:
            self._segment(agent, SEG_IDLE if state == IDLE else SEG_BREAK if state == BREAK
                          else SEG_ONBOARD, since_s, now_s)

    def _enter(self, agent: int, state: int, now_s: float) -> None:
        self._leave_state(agent, now_s)
        self.state[agent] = state
        self.since_s[agent] = now_s

    # ------------------------------------------------------------------ idle pool
    def idle(self, agent: int, now_s: float) -> None:
        """Put an agent with nothing to do in the idle pool (longest idle first)."""
        state = self.state[agent]
        if state == IDLE:
            return
        if state != BUSY:  # from a break or onboarding (a call leaves no span to record)
            self._leave_state(agent, now_s)
        self.state[agent] = IDLE
        self.since_s[agent] = now_s
        ticket = self.idle_ticket[agent] + 1
        self.idle_ticket[agent] = ticket
        self.idle_queue.append((agent, ticket))
        self.n_idle += 1

    def take_idle(self, inbound: bool, now_s: float) -> int:
        """Take the longest-idle agent out of the pool and start its call (see :meth:`busy`).

        The caller checks ``n_idle``. The agent's idle span ends now.
        """
        tickets, queue = self.idle_ticket, self.idle_queue
        agent, ticket = queue.popleft()
        while tickets[agent] != ticket:  # an agent who left the pool since (:meth:`_unidle`)
            agent, ticket = queue.popleft()
        self.n_idle -= 1
        since_s = self.since_s[agent]
        if now_s > since_s:
            self._segment(agent, SEG_IDLE, since_s, now_s)
        self.state[agent] = BUSY
        if inbound:
            self.on_inbound[agent] = True
            self.n_on_inbound += 1
        return agent

    def _unidle(self, agent: int, now_s: float) -> None:
        """Take an idle agent out of the pool for a break or the end of its shift."""
        self.n_idle -= 1
        self.idle_ticket[agent] += 1
        self._leave_state(agent, now_s)
        self.since_s[agent] = now_s

    # ------------------------------------------------------------------ calls
    def busy(self, agent: int, inbound: bool, now_s: float) -> None:
        """Start a call for an available agent not in the idle pool (``inbound``: an inbound call).

        Straight from another call, or after a break, onboarding or the start of a shift.
        """
        if self.state[agent] != BUSY:  # not straight from another call
            self._leave_state(agent, now_s)
            self.state[agent] = BUSY
        if inbound:
            self.on_inbound[agent] = True
            self.n_on_inbound += 1

    def call_ended(self, agent: int, now_s: float, work_waits: bool = True) -> bool:
        """End the agent's call (and wrap-up); return True if the centre is to give it work.

        An agent who is leaving goes off duty, one who owes a break takes it;
        otherwise, when no work waits (``work_waits`` False), it goes straight
        to the idle pool (:meth:`idle`, inlined: this is the engine's hottest
        path) and False is returned.
        """
        if self.on_inbound[agent]:
            self.on_inbound[agent] = False
            self.n_on_inbound -= 1
        if self.leaving[agent]:
            self._go_off(agent, now_s)
            return False
        if self.break_owed_s[agent]:
            self._take_owed_break(agent, now_s)
            return False
        if work_waits:
            return True
        self.state[agent] = IDLE  # from a call: no span to record
        self.since_s[agent] = now_s
        ticket = self.idle_ticket[agent] + 1
        self.idle_ticket[agent] = ticket
        self.idle_queue.append((agent, ticket))
        self.n_idle += 1
        return False

    # ------------------------------------------------------------------ shifts
    def begin_shift(self, agents: tuple[int, ...], end_s: float,
                    breaks_s: tuple[tuple[float, float], ...]) -> None:
        """Start a shift for ``agents`` (for one already on duty it follows on).

        One shift-end event and one event per break serve the whole group.
        """
        now_s = self.env.now
        shift = Shift(end_s, agents)
        after(self.env, end_s - now_s, self.on_shift_end, shift)
        for after_s, length_s in breaks_s:
            after(self.env, after_s, self.on_break_due, BreakDue(shift, length_s))
        onboarding = []
        for agent in agents:
            self.shift[agent] = shift
            if self.state[agent] != OFF:
                self.leaving[agent] = False
                continue
            self.n_on_duty += 1
            self.on_since_s[agent] = now_s
            self.since_s[agent] = now_s
            if self.onboarding_left_s[agent] > 0:
                self.state[agent] = ONBOARD
                onboarding.append(agent)
            else:
                self.state[agent] = BUSY  # transient: the centre decides
                self.on_available(agent, now_s)
        for agent in onboarding:
            after(self.env, min(self.onboarding_left_s[agent], end_s - now_s),
                  self.on_onboarding_end, AgentsOf(shift, (agent,)))

    def on_shift_end(self, event: Due[Shift]) -> None:
        """Handle a shift end: a busy agent finishes its call first; others go off."""
        shift = event.value
        now_s = self.env.now
        for agent in shift.agents:
            if shift is not self.shift[agent]:
                continue
            state = self.state[agent]
            if state == BUSY:
                self.leaving[agent] = True
            elif state != OFF:
                if state == IDLE:
                    self._unidle(agent, now_s)
                elif state == ONBOARD:
                    self._count_onboarding(agent, now_s)
                self._go_off(agent, now_s)

    def on_break_due(self, event: Due[BreakDue]) -> None:
        """Handle a break falling due: taken now if idle, owed if on a call or break."""
        due = event.value
        shift, now_s = due.shift, self.env.now
        starting = []
        for agent in shift.agents:
            if shift is not self.shift[agent]:
                continue
            state = self.state[agent]
            if state == IDLE:
                self._unidle(agent, now_s)
                self.state[agent] = BREAK
                starting.append(agent)
            elif (state == BUSY and not self.leaving[agent]) or state == BREAK:
                self.break_owed_s[agent] += due.length_s
        if starting:
            after(self.env, min(due.length_s, shift.end_s - now_s), self.on_break_end,
                  AgentsOf(shift, tuple(starting)))

    def on_break_end(self, event: Due[AgentsOf]) -> None:
        """Handle the end of a break: a break owed follows, else the agent is free."""
        shift, agents = event.value
        now_s = self.env.now
        for agent in agents:
            if shift is not self.shift[agent] or self.state[agent] != BREAK:
                continue
            if now_s >= shift.end_s:
                self._go_off(agent, now_s)
            elif self.break_owed_s[agent]:
                self._take_owed_break(agent, now_s)
            else:
                self.on_available(agent, now_s)

    def on_onboarding_end(self, event: Due[AgentsOf]) -> None:
        """Handle the end of onboarding (or its pause at the shift end)."""
        shift, (agent,) = event.value
        now_s = self.env.now
        if shift is not self.shift[agent] or self.state[agent] != ONBOARD:
            return
        self._count_onboarding(agent, now_s)
        if now_s >= shift.end_s:
            self._go_off(agent, now_s)
        else:
            self.on_available(agent, now_s)

    def _count_onboarding(self, agent: int, now_s: float) -> None:
        done_s = now_s - self.since_s[agent]
        self.onboarding_left_s[agent] = max(0.0, self.onboarding_left_s[agent] - done_s)

    def _take_owed_break(self, agent: int, now_s: float) -> None:
        """Start (or extend) a break of the time owed, up to the shift end."""
        owed_s = self.break_owed_s[agent]
        self.break_owed_s[agent] = 0.0
        if self.state[agent] != BREAK:
            self._enter(agent, BREAK, now_s)
        shift = self.shift[agent]
        assert shift is not None
        after(self.env, min(owed_s, shift.end_s - now_s), self.on_break_end,
              AgentsOf(shift, (agent,)))

    def _go_off(self, agent: int, now_s: float) -> None:
        self._leave_state(agent, now_s)
        self.state[agent] = OFF
        self.leaving[agent] = False
        self.break_owed_s[agent] = 0.0
        self.n_on_duty -= 1
        self._segment(agent, SEG_PAID, self.on_since_s[agent], now_s)
        if self.on_call[agent]:
            self._segment(agent, SEG_POOL_PAID, self.on_since_s[agent], now_s)
            self.on_call_free.append(agent)

    def end_of_run(self, horizon_s: float) -> None:
        """Close the books: every agent on duty goes off at the horizon."""
        for agent, state in enumerate(self.state):
            if state != OFF:
                self._go_off(agent, horizon_s)
