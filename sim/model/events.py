"""The simpy events the engine schedules, and the order of events at one instant.

Per-call events (arrivals, call ends, abandonment, retries, redials, callback
offers) are not processes: each is a :class:`Due` event, a :class:`simpy.Timeout`
with the one handler of its kind in its ``callbacks`` and its payload as its
``value``, scheduled by :func:`after`. The call centre's hot paths give all
events of a kind the kind's one callbacks list (:func:`kind_callbacks`; simpy reads
an event's ``callbacks`` when it processes it and never changes the list), so
a pending event holds no list of its own. Only simpy's public API is used:
the constructor of ``Timeout``, ``Environment.schedule``, ``Event.callbacks``
and ``Event.value``.

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
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import simpy
from simpy.events import NORMAL, URGENT, EventPriority

P = TypeVar("P")

FIRST = URGENT
"""Priority of calendar changes: before the per-call events of the same instant."""
LAST = EventPriority(NORMAL + 1)
"""Priority of observations: after every other event of the same instant."""


class Due(simpy.Timeout, Generic[P]):
    """A per-call event: a :class:`simpy.Timeout` whose value is a payload of type ``P``.

    ``Due(env, delay_s, payload)`` schedules it ``delay_s`` from now (it is a
    ``Timeout`` in every respect: nothing is overridden); its handler, put in
    its ``callbacks``, reads the payload as ``event.value``. The type
    parameter only tells the type checker what the handler reads. A ``Due``
    event is not for a process to wait on: its callbacks may be a list shared
    by its kind (:func:`kind_callbacks`).
    """

    if TYPE_CHECKING:
        @property
        def value(self) -> P:
            """The payload given when the event was scheduled."""
            ...


def after(env: simpy.Environment, delay_s: float, handler: Callable[[Due[P]], None],
          payload: P) -> None:
    """Schedule ``handler(event)`` ``delay_s`` from now, ``event.value`` being ``payload``.

    Used by the agents' and the staffing events; the call centre's hot paths
    write ``Due(env, delay_s, payload).callbacks = kind`` with the kind's
    shared list (:func:`kind_callbacks`) instead.

    Parameters
    ----------
    env
        The environment (the calendar).
    delay_s
        Delay from the current simulation time, in seconds (>= 0).
    handler
        The event kind's handler, e.g. ``centre.on_call_end``.
    payload
        The event's value (an int id, or a small immutable record).
    """
    Due(env, delay_s, payload).callbacks.append(handler)


def kind_callbacks(handler: Callable[[Due[P]], None]) -> list[Callable[[Due[P]], None]]:
    """Return the callbacks list of a kind of event, to share among its events.

    ``Due(env, delay_s, payload).callbacks = kind`` schedules an event of the kind.

    Parameters
    ----------
    handler
        The kind's one handler.

    Returns
    -------
    list
        ``[handler]``; nothing may append to it.
    """
    return [handler]


class _AtPriority:
    """What a timeout schedules itself on while it is built: the environment, at ``priority``.

    :class:`simpy.Timeout` schedules itself with ``env.schedule(event,
    NORMAL, delay)``; this stand-in passes the call on with its own priority.
    """

    __slots__ = ("env", "priority")

    def __init__(self, env: simpy.Environment, priority: EventPriority) -> None:
        self.env = env
        self.priority = priority

    def schedule(self, event: simpy.Event, priority: EventPriority, delay: float) -> None:
        """Schedule ``event`` on the environment at this stand-in's priority."""
        self.env.schedule(event, self.priority, delay)


class At(simpy.Timeout):
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

    def __init__(self, env: simpy.Environment, time_s: float, priority: EventPriority) -> None:
        super().__init__(cast(simpy.Environment, _AtPriority(env, priority)),
                         max(0.0, time_s - env.now))
        self.env = env


__all__ = ["FIRST", "LAST", "At", "Due", "after", "kind_callbacks"]
