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
    """An event of one kind: it fires ``delay_s`` from now and calls its kind's handler.

    Each kind of event is a subclass made by :func:`event_kind`, which binds
    the environment and the one handler of that kind; an event carries a
    payload of type ``P``, read by the handler as :attr:`payload`. The
    handler is held by the class (a one-element tuple): simpy replaces an
    event's ``callbacks`` by None on the instance once processed, so nothing is
    allocated per event but the event itself. A ``Due`` event is not for a
    process to wait on (it cannot take more callbacks).

    Parameters
    ----------
    delay_s
        Delay from the current simulation time, in seconds (>= 0).
    payload
        The event's value (an int id, or a small immutable record).
    """

    _ok = True
    env: simpy.Environment
    callbacks: tuple[Callable[[Due[P]], None]]  # type: ignore[assignment]

    def __init__(self, delay_s: float, payload: P) -> None:
        self._value = payload
        self.env.schedule(self, NORMAL, delay_s)

    @property
    def payload(self) -> P:
        """The payload given when the event was scheduled."""
        return self._value


def event_kind(env: simpy.Environment, handler: Callable[[Due[P]], None]) -> type[Due[P]]:
    """Make the event kind whose events call ``handler`` on ``env``.

    Parameters
    ----------
    env
        The environment (the calendar).
    handler
        The kind's one handler, e.g. ``centre.on_call_end``.

    Returns
    -------
    type
        A :class:`Due` subclass: ``kind(delay_s, payload)`` schedules one event.
    """
    name = "Due_" + getattr(handler, "__name__", "handler").removeprefix("on_")
    return type(name, (Due,), {"env": env, "callbacks": (handler,)})


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


__all__ = ["FIRST", "LAST", "At", "Due", "event_kind"]
