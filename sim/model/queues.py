"""Work queues behind one small protocol, and the dispatch rules over them.

A queue holds work waiting for an agent and carries its name (the one the
kinds of work name, :class:`~sim.model.work.WorkKind`). A :class:`Rule` takes
work from the inbound queue or from the outbound ones; of its queues that
hold work, the call centre takes the next item (:meth:`WorkQueue.pop`) from
the one whose next item has the smallest ordering key
(:meth:`WorkQueue.head`), ties to the queue made first; the rules are tried
in order (:data:`DISPATCH_ORDER`). A new kind of outbound work that waits in
a queue of its own needs no change here.
"""

from __future__ import annotations

import bisect
import heapq
import struct
from collections import deque
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from sim.model.people import EXPIRED, People

Key = tuple[float, float]
"""Ordering key of a queue's next item: (priority, time); smaller goes first."""


class WorkQueue(Protocol):
    """What the dispatcher needs from a queue.

    A queue is empty when ``len(queue) == 0`` (it may hold items that are no
    longer workable: :meth:`head` drops those).

    Attributes
    ----------
    name
        The queue's name.
    outbound
        It holds outbound tasks (else inbound callers).
    """

    name: str
    outbound: bool

    def __len__(self) -> int:
        """Items held."""
        ...

    def head(self, now_s: float) -> Key | None:
        """Ordering key of the next workable item, or None when there is none."""
        ...

    def pop(self, now_s: float) -> int | None:
        """Remove and return the id of the next workable item (None if there is none)."""
        ...


class WaitingCall(NamedTuple):
    """An inbound caller waiting for an agent."""

    arrival_s: float
    handle_s: float
    wrap_s: float
    redials: bool
    accepts_callback: bool


class InboundQueue(dict[int, WaitingCall]):
    """Inbound callers waiting, by call id, served first come first served.

    A dict (call id -> :class:`WaitingCall`) plus the order of arrival; a
    caller leaves when it hangs up (patience) or accepts a callback
    (:meth:`remove`). Being a dict, its emptiness costs nothing to test.

    Parameters
    ----------
    name
        The queue's name.
    """

    outbound = False

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.order: deque[int] = deque()

    def add(self, call_id: int, call: WaitingCall) -> None:
        """Add a waiting caller."""
        self[call_id] = call
        self.order.append(call_id)

    def remove(self, call_id: int) -> WaitingCall | None:
        """Take a caller out of the queue (None if already answered or gone)."""
        return dict.pop(self, call_id, None)

    def head(self, now_s: float) -> Key | None:
        """Inbound goes before any outbound work: key (-inf, arrival)."""
        order = self.order
        while order:
            call = self.get(order[0])
            if call is not None:
                return (float("-inf"), call.arrival_s)
            order.popleft()
        return None

    def pop(self, now_s: float) -> int | None:  # type: ignore[override]
        """Return the longest-waiting caller's id (still waiting until :meth:`remove`), or None."""
        order = self.order
        while order:
            call_id = order.popleft()
            if call_id in self:
                return call_id
        return None


class RetryLine:
    """Failed tasks waiting out one retry gap, in the order they are due to be dialled again.

    A failed attempt's task joins the line of its ``retry_after`` when the
    attempt ends, due ``retry_after`` after that end: tasks join in the order
    of their attempts' ends, which (the gap being the same) is the order in
    which they fall due. So the line is first in, first out, and the calendar
    holds one event for the line's head instead of one per waiting task (at
    ten times the demand, tens of thousands of them: the calendar's size is
    what each of its events pays for). Due times are kept as the task's
    attempt computed them; one that a rounding puts before the last is
    placed in order.
    """

    __slots__ = ("due_s", "persons")

    def __init__(self) -> None:
        self.due_s: deque[float] = deque()
        self.persons: deque[int] = deque()

    def __len__(self) -> int:
        """Tasks waiting."""
        return len(self.persons)

    def join(self, due_s: float, person: int) -> None:
        """Add ``person``'s task, due again at ``due_s``."""
        if self.due_s and due_s < self.due_s[-1]:  # by a rounding of the attempt's times
            at = bisect.bisect_right(self.due_s, due_s)
            self.due_s.insert(at, due_s)
            self.persons.insert(at, person)
            return
        self.due_s.append(due_s)
        self.persons.append(person)

    def next_due_s(self) -> float:
        """When the head of the line falls due (the line is not empty)."""
        return self.due_s[0]

    def leave(self) -> int:
        """Remove the head of the line and return its person."""
        self.due_s.popleft()
        return self.persons.popleft()


class TaskQueue(list[int]):
    """Outbound tasks by priority, then earliest deadline, then first created.

    A binary heap (a list) of one integer per task that orders as the tuple
    ``(priority, due_s, person)`` does (:func:`task_key`): one small object
    per task instead of a tuple, a float and an int, compared by one C call.
    The backlog is what grows with the demand, so its memory and the cost of
    its comparisons are what a larger run pays for (cache misses).

    Parameters
    ----------
    name
        The queue's name.
    people
        The people the tasks belong to (deadlines, creation times, statuses).
    give_up_after_s
        A task older than this when it comes to the head expires (closed as
        ``expired``); None to work every task however late.
    """

    outbound = True

    def __init__(self, name: str, people: People, give_up_after_s: float | None = None) -> None:
        super().__init__()
        self.name = name
        self.people = people
        self.give_up_after_s = give_up_after_s

    def add(self, person: int, priority: int) -> None:
        """Queue ``person``'s task (ready now)."""
        heapq.heappush(self, task_key(priority, self.people.due_s[person], person))

    def head(self, now_s: float) -> Key | None:
        """(priority, deadline) of the next task still worth working."""
        if self.give_up_after_s is not None:
            self._expire(now_s)
        if not self:
            return None
        key = self[0]
        return (key >> _PRIORITY_SHIFT, self.people.due_s[key & _PERSON_MASK])

    def _expire(self, now_s: float) -> None:
        people, limit_s = self.people, self.give_up_after_s
        assert limit_s is not None
        while self and now_s - people.created_s[self[0] & _PERSON_MASK] > limit_s:
            people.close(heapq.heappop(self) & _PERSON_MASK, EXPIRED, now_s)

    def pop(self, now_s: float) -> int | None:  # type: ignore[override]
        """Remove the next task still worth working and return its person id (or None)."""
        if self.give_up_after_s is not None:
            self._expire(now_s)
        return heapq.heappop(self) & _PERSON_MASK if self else None


_PERSON_BITS = 40
_PERSON_MASK = (1 << _PERSON_BITS) - 1
_PRIORITY_SHIFT = 64 + _PERSON_BITS
_SIGN_BIT = 1 << 63
_float_bits = struct.Struct("<d").pack


def task_key(priority: int, due_s: float, person: int) -> int:
    """Return an integer that orders as the tuple ``(priority, due_s, person)``.

    ``priority * 2**104 + d * 2**40 + person``, where ``d`` is a 64-bit
    integer that orders as ``due_s`` does (the float's bits, negatives
    mirrored below ``2**63``; ``-0.0`` counts as ``0.0``, as it compares), and
    ``0 <= person < 2**40``. The priority may be any integer.

    Parameters
    ----------
    priority
        The task's priority.
    due_s
        Its deadline (not NaN).
    person
        Its person id.

    Returns
    -------
    int
    """
    bits = int.from_bytes(_float_bits(abs(due_s) + 0.0), "little")
    due = _SIGN_BIT + bits if due_s >= 0 else _SIGN_BIT - bits
    return (((priority << 64) + due) << _PERSON_BITS) + person


@dataclass(frozen=True)
class Rule:
    """One step of the dispatch order.

    Attributes
    ----------
    what
        The rule in words (as in the README's "The model in brief").
    outbound
        It takes work from the outbound queues (the smallest key first), else
        from the inbound queue.
    opening_hours_only
        Work is started only while the centre is open (outbound dialing).
    above_inbound_reserve
        Work is started only while the agents kept for inbound (idle or on an
        inbound call, not counting the agent being assigned) stay at or above
        the inbound reserve (threshold blending).
    """

    what: str
    outbound: bool
    opening_hours_only: bool
    above_inbound_reserve: bool


DISPATCH_ORDER = (
    Rule("inbound callers first, in order of arrival", outbound=False,
         opening_hours_only=False, above_inbound_reserve=False),
    Rule("then outbound work, tracing tasks and callbacks, by priority and earliest "
         "deadline, within opening hours and above the inbound reserve", outbound=True,
         opening_hours_only=True, above_inbound_reserve=True),
)
"""The order in which an available agent looks for work."""
