"""The kinds of work: one typed record per kind (inbound call, index case, contact, callback).

A kind of work is one :class:`WorkKind`: its code (the ``kind`` column of the
``calls`` and ``people`` tables, :data:`~sim.model.recorder.KINDS`), its
name, the queue it waits in, what the engine does on its behalf (counting a
person dialled, naming contacts), and, per regime (the behaviour in force,
``plan.regimes``), its :class:`Terms`: priority, deadline, retry gap and the
pre-drawn inputs of its calls (:class:`~sim.model.draws.TaskDraws`: whether
each attempt reaches the person, the time a failed attempt costs, and the
talk and wrap-up times a reached call costs). The call centre holds the
tuple :func:`work_kinds` builds, indexed by code, and ``people.kind[person]``
picks a person's record.

Adding a kind of outbound work: a code and name in
:data:`~sim.model.recorder.KINDS` (with its interval counts in the recorder's
fold), its inputs (:mod:`sim.model.draws`), its record here, and where its
tasks come from (a handler of the call centre).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.inputs.compile import Plan
from sim.model.draws import CallbackDraws, Cases, TaskDraws
from sim.model.recorder import CALLBACK, CONTACT, INBOUND, INDEX, KINDS

INBOUND_QUEUE = "inbound"
"""The queue inbound callers wait in."""


@dataclass(frozen=True)
class Terms:
    """What a task of one kind is under one regime.

    Attributes
    ----------
    priority
        Dispatch priority (smaller goes first), then the earliest deadline.
    within_s
        Deadline after the task's creation, in seconds (the timeliness KPIs).
    retry_after_s
        Gap after the end of a failed attempt before the task is ready again.
    draws
        The pre-drawn inputs of the tasks' calls, by the task's row.
    phone_share
        Share of the people of this kind who have a phone number (a person
        without one is closed at once as ``no_phone``); 1 for every kind but
        contacts.
    """

    priority: int
    within_s: float
    retry_after_s: float
    draws: TaskDraws
    phone_share: float = 1.0


@dataclass(frozen=True)
class WorkKind:
    """One kind of work: where it waits, what it does, and its terms per regime.

    Attributes
    ----------
    code, name
        The kind code (:data:`~sim.model.recorder.KINDS`) and its name.
    queue
        Name of the queue its work waits in (kinds may share a queue).
    outbound
        Outbound tasks (dialled by an agent, with attempts) rather than inbound calls.
    enabled
        The scenario produces work of this kind (a disabled hotline, callbacks off:
        their queues are left out of the dispatch).
    terms
        Per regime (``plan.regimes``): priority, deadline, retry gap, draws.
        Empty for inbound calls, whose draws come a day at a time.
    give_up_after_s
        A task older than this when it comes to the head of its queue
        expires; None to work every task however late.
    counts_persons_called
        Its first dial of a person on a day counts in ``persons_called``.
    names_contacts
        A reached call names the person's contacts when its talk ends.
    """

    code: int
    name: str
    queue: str
    outbound: bool
    enabled: bool
    terms: tuple[Terms, ...] = ()
    give_up_after_s: float | None = None
    counts_persons_called: bool = False
    names_contacts: bool = False


def work_kinds(plan: Plan, cases: Cases, callbacks: CallbackDraws,
               callbacks_on: bool) -> tuple[WorkKind, ...]:
    """Build the run's kinds of work, indexed by code.

    Parameters
    ----------
    plan
        The compiled scenario (its regimes).
    cases
        The index cases' and contacts' draws, one table per regime.
    callbacks
        The callbacks' draws (one table for every regime).
    callbacks_on
        Callbacks are offered (the hotline is on and so are its callbacks).

    Returns
    -------
    tuple of WorkKind
        ``result[code]`` is the kind with that code.
    """
    tracing = [regime.tracing for regime in plan.regimes]
    callback = plan.scenario.inbound.callback
    give_up_after_s = plan.scenario.tracing.give_up_after
    kinds = {
        INBOUND: WorkKind(INBOUND, KINDS[INBOUND], INBOUND_QUEUE, outbound=False,
                          enabled=plan.scenario.inbound.enabled),
        INDEX: WorkKind(
            INDEX, KINDS[INDEX], "tracing", outbound=True, enabled=True,
            terms=tuple(Terms(t.index.priority, t.index.within, t.index.retry_after, draws)
                        for t, draws in zip(tracing, cases.index, strict=True)),
            give_up_after_s=give_up_after_s, counts_persons_called=True, names_contacts=True),
        CONTACT: WorkKind(
            CONTACT, KINDS[CONTACT], "tracing", outbound=True, enabled=True,
            terms=tuple(Terms(t.contact.priority, t.contact.within, t.contact.retry_after,
                              draws, t.contact.phone_share)
                        for t, draws in zip(tracing, cases.contact, strict=True)),
            give_up_after_s=give_up_after_s, counts_persons_called=True),
        CALLBACK: WorkKind(
            CALLBACK, KINDS[CALLBACK], "callbacks", outbound=True, enabled=callbacks_on,
            terms=(Terms(callback.priority, callback.within, callback.retry_after,
                         callbacks.tables),) * len(tracing)),
    }
    return tuple(kinds[code] for code in range(len(KINDS)))


__all__ = ["INBOUND_QUEUE", "Terms", "WorkKind", "work_kinds"]
