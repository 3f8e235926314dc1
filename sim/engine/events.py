"""The simpy events the engine schedules, and the order of events at one instant.

Per-call events (arrivals, call ends, abandonment, retries, redials, callback
offers) are not processes: each is a :class:`Due` event on the simpy
:class:`~simpy.core.Environment`, born scheduled, that calls one named
handler with one payload when it fires. It is a ``simpy.Event`` in every
respect (the environment pops it from its calendar and runs its callbacks);
it only skips the generic ``Timeout`` set-up, which the hot path would pay for
millions of times.

Events at the same instant run in priority order, then in the order they
were scheduled. The control processes use two priorities besides the
per-call events' ``NORMAL`` (:class:`At`): calendar changes (opening,
closing, the day's roster, the interval's inbound reserve) come ``FIRST``,
so they hold for every call event of that instant; observations (staffing
reviews, intraday checks) come ``LAST``, so a policy sees the state after
everything that happened at that instant. This order does not depend on
when the events were scheduled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import simpy
from simpy.events import NORMAL, URGENT, EventPriority

P = TypeVar("P")

FIRST = URGENT
"""Priority of calendar changes: before the per-call events of the same instant."""
LAST = EventPriority(NORMAL + 1)
"""Priority of observations: after every other event of the same instant."""


class Due(simpy.Event, Generic[P]):
    """An event that fires ``delay_s`` from now and calls ``handler(event)``.

    ``Due[P]`` carries a payload of type ``P``, read by the handler as
    :attr:`payload`: each event kind has one handler and one payload type.

    Parameters
    ----------
    env
        The environment (the calendar).
    delay_s
        Delay from the current simulation time, in seconds (>= 0).
    handler
        The callback; it reads the payload as ``event.payload``.
    payload
        The event's value (an int id, or a small immutable record).
    """

    _ok = True

    def __init__(self, env: simpy.Environment, delay_s: float,
                 handler: Callable[[Due[P]], None], payload: P) -> None:
        self.env = env
        self.callbacks = [handler]
        self._value = payload
        env.schedule(self, NORMAL, delay_s)

    @property
    def payload(self) -> P:
        """The payload given when the event was scheduled."""
        return self._value


class At(simpy.Event):
    """A timeout for a control process to the clock time ``time_s``, at ``priority``.

    Parameters
    ----------
    env
        The environment.
    time_s
        Clock time to wake at (now if it has already passed by rounding).
    priority
        :data:`FIRST` or :data:`LAST` among the events of that instant.
    """

    _ok = True

    def __init__(self, env: simpy.Environment, time_s: float, priority: EventPriority) -> None:
        self.env = env
        self.callbacks = []
        self._value = None
        env.schedule(self, priority, max(0.0, time_s - env.now))


__all__ = ["FIRST", "LAST", "At", "Due"]
