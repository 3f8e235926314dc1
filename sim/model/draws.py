"""The random inputs of one replication, drawn up front (common random numbers).

Every random input of a person or a call is indexed by that entity: index
case ``i`` is the ``i``-th release, its contacts are rows
``first_contact[i] ..`` of the contact tables, inbound call ``k`` of a day is
that day's ``k``-th arrival. Two scenarios run with the same seed therefore
give the same person the same answers whatever the staffing changes about the
order of service. Each input has its own named stream (:mod:`sim.inputs.streams`), so
adding a stream never shifts another.

Inbound calls are generated a day at a time (:class:`InboundDay`), so memory
does not grow with the number of calls. Redials and callbacks happen in an
order the staffing decides; their draws come from their own streams in the
order they occur.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, MutableSequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from sim.basics.units import DAY_S, MINUTE_S
from sim.inputs.arrivals import draw_releases, piecewise_nhpp
from sim.inputs.compile import MINUTES_PER_DAY, Plan
from sim.inputs.scenario import Dist, Inbound, OutboundTask, Scenario
from sim.inputs.streams import buffered, draw_counts, draw_seconds, stream

T = TypeVar("T")
C = TypeVar("C")


class Streams:
    """The named random streams of one replication.

    Parameters
    ----------
    seed
        The experiment's seed.
    replication
        Replication index.
    """

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication

    def __call__(self, name: str) -> np.random.Generator:
        """Return the generator of stream ``name``."""
        return stream(self.seed, self.replication, name)


@dataclass(frozen=True)
class TaskDraws:
    """Pre-drawn inputs of one kind of outbound task (index cases, contacts, callbacks).

    ``reached[row * max_attempts + n]`` and ``failed_s[...]`` belong to attempt
    ``n`` (0-based) of task ``row``; ``handle_s[row]`` and ``wrap_s[row]`` to
    its conversation. The columns are typed arrays (:func:`compact`): a run at
    ten times the demand holds tens of millions of these values. Callbacks'
    tables grow as callbacks are accepted (:class:`CallbackDraws`).
    """

    max_attempts: int
    reached: MutableSequence[int]
    failed_s: MutableSequence[float]
    handle_s: MutableSequence[float]
    wrap_s: MutableSequence[float]

    @classmethod
    def draw(cls, task: OutboundTask, name: str, count: int, rng: Streams) -> TaskDraws:
        """Draw the inputs of ``count`` tasks of the kind ``name`` ("index", "contact")."""
        n_attempts = count * task.max_attempts
        return cls(
            max_attempts=task.max_attempts,
            reached=compact("b", rng(f"{name}_reach").random(n_attempts) < task.reach_probability),
            failed_s=compact("d", draw_seconds(task.failed_attempt_time, rng(f"{name}_failed"),
                                               n_attempts)),
            handle_s=compact("d", draw_seconds(task.handle_time, rng(f"{name}_handle"), count)),
            wrap_s=compact("d", draw_seconds(task.wrap_up, rng(f"{name}_wrap"), count)),
        )


def _per_regime(plan: Plan, config_of: Callable[[Scenario], C],
                draw: Callable[[C], T]) -> list[T]:
    """One draw per regime, shared by regimes whose configuration is equal.

    Every draw of a configuration starts its streams afresh, so entity ``i``
    gets the same underlying random numbers under any behaviour (common random
    numbers across regimes and across scenarios that differ in their changes).
    """
    made: list[tuple[C, T]] = []
    out = []
    for regime in plan.regimes:
        config = config_of(regime)
        found = next((value for key, value in made if key == config), None)
        if found is None:
            found = draw(config)
            made.append((config, found))
        out.append(found)
    return out


@dataclass(frozen=True)
class Cases:
    """Confirmed cases, releases and the index cases' and contacts' draws.

    With dated ``changes``, ``index`` and ``contact`` hold one table per
    regime (the same object where the tracing configuration is the same):
    an index case uses the table of its release day, a contact the table of
    the day it is named. ``first_contact`` and ``contacts_per_index`` are typed
    arrays (8 bytes per index case instead of a pointer and an int object).
    ``phone_u`` are uniform numbers: a contact has a phone when its number is
    below the ``phone_share`` in force.

    The cases come from the plan's demand sources
    (:func:`~sim.inputs.arrivals.draw_releases`, each source from its own streams);
    ``cases_per_day``/``released_per_day`` are their sums, ``cases_by_source``
    and ``released_by_source`` the same by source name, and index case ``i``
    is the ``i``-th release of all sources merged.
    """

    cases_per_day: np.ndarray
    released_per_day: np.ndarray
    release_s: np.ndarray
    index: list[TaskDraws]
    contact: list[TaskDraws]
    first_contact: MutableSequence[int]
    contacts_per_index: MutableSequence[int]
    phone_u: MutableSequence[float]
    released_by_source: dict[str, np.ndarray]
    cases_by_source: dict[str, np.ndarray]

    @classmethod
    def draw(cls, plan: Plan, rng: Streams) -> Cases:
        """Draw the cases of a run and everything about their people."""
        sc = plan.scenario
        demand = draw_releases(plan.sources, rng, sc.reporting.noise, sc.reporting.dispersion,
                               plan.release_offsets_s, plan.release_widths_s,
                               plan.release_weights)  # per source, with its share traced
        cases, released, release_s = (demand.cases_per_day, demand.released_per_day,
                                      demand.release_s)
        n_index = release_s.size
        regime = plan.regime_of_day[np.minimum((release_s // DAY_S).astype(np.int64),
                                               plan.n_days - 1)]
        counts = _per_regime(plan, lambda r: r.tracing.index.contacts,
                             lambda c: draw_counts(c, rng("contacts_count"), n_index))
        per_index = counts[0]
        for number in range(1, len(counts)):
            per_index = np.where(regime == number, counts[number], per_index)
        first = np.concatenate([[0], np.cumsum(per_index)]).astype(np.int64)
        n_contacts = int(first[-1])
        return cls(
            cases_per_day=np.asarray(cases),
            released_per_day=np.asarray(released),
            release_s=release_s,
            index=_per_regime(plan, lambda r: r.tracing.index,
                              lambda t: TaskDraws.draw(t, "index", n_index, rng)),
            contact=_per_regime(plan, lambda r: r.tracing.contact,
                                lambda t: TaskDraws.draw(t, "contact", n_contacts, rng)),
            first_contact=compact("q", first),
            contacts_per_index=compact("q", per_index),
            phone_u=compact("d", rng("contact_phone").random(n_contacts)),
            released_by_source=demand.released_by_source,
            cases_by_source=demand.cases_by_source,
        )


@dataclass(frozen=True)
class InboundDay:
    """A day's inbound calls: arrival times and each call's own draws.

    Times are typed arrays (:func:`compact`: 8 bytes a value, no float
    objects made for draws never read, such as the patience of a caller
    answered at once). ``accepts_callback`` is all False when callbacks are off (its stream is
    then not drawn, so turning callbacks on changes no other input).
    """

    day: int
    arrival_s: MutableSequence[float]
    handle_s: MutableSequence[float]
    wrap_s: MutableSequence[float]
    patience_s: MutableSequence[float]
    redials: list[bool]
    accepts_callback: list[bool]

    @classmethod
    def empty(cls, day: int) -> InboundDay:
        """Return a day without calls."""
        return cls(day, array("d"), array("d"), array("d"), array("d"), [], [])


class InboundCalls:
    """Generator of the inbound calls, a day at a time, and of redials' draws.

    Parameters
    ----------
    plan
        The compiled scenario.
    released_per_day
        Index cases released per day (inbound calls follow the cases).
    rng
        The replication's streams.
    """

    def __init__(self, plan: Plan, released_per_day: np.ndarray, rng: Streams) -> None:
        inbound = plan.scenario.inbound
        self.plan = plan
        self.rng = rng
        self.spec = inbound
        self.rate_per_s = self._rate_per_s(plan, released_per_day)
        self.callbacks_on = inbound.enabled and inbound.callback.enabled
        self._arrivals = rng("inbound_arrivals")
        self._handle = rng("inbound_handle")
        self._wrap = rng("inbound_wrap")
        self._patience = rng("patience")
        self._redial = rng("redial")
        self._accept = rng("callback_accept")
        self._redials: dict[int, Redials] = {}
        self.offered_per_day = np.zeros(plan.n_days, dtype=np.int64)

    def redials(self, now_s: float) -> Redials:
        """Return the draws of redials made at ``now_s`` (the behaviour in force then)."""
        regime = self.plan.regime_at(now_s)
        found = self._redials.get(regime)
        if found is None:
            found = self._redials[regime] = Redials(self.plan.regimes[regime].inbound,
                                                    self.rng, regime)
        return found

    @staticmethod
    def _rate_per_s(plan: Plan, released: np.ndarray) -> np.ndarray:
        """Arrival rate per second in every minute of the run, shape (n_days, 1440)."""
        inbound = plan.scenario.inbound
        if not inbound.enabled:
            return np.zeros((plan.n_days, MINUTES_PER_DAY))
        per_case = np.array([plan.regimes[r].inbound.calls_per_case for r in plan.regime_of_day])
        base = np.array([plan.regimes[r].inbound.base_per_day for r in plan.regime_of_day])
        calls_per_day = per_case * released + base
        return calls_per_day[:, None] * plan.inbound_minute_weights / MINUTE_S

    def day(self, day: int) -> InboundDay:
        """Generate the first calls of ``day`` (redials come on top)."""
        rate = self.rate_per_s[day]
        times = (piecewise_nhpp(self._arrivals, rate, MINUTE_S, start_s=day * DAY_S)
                 if rate.any() else np.empty(0))
        n = times.size
        self.offered_per_day[day] = n
        spec = self.plan.regimes[int(self.plan.regime_of_day[day])].inbound
        accepts = (self._accept.random(n) < spec.callback.accept_probability if self.callbacks_on
                   else np.zeros(n, dtype=bool))
        return InboundDay(
            day=day,
            arrival_s=compact("d", times),
            handle_s=compact("d", draw_seconds(spec.handle_time, self._handle, n)),
            wrap_s=compact("d", draw_seconds(spec.wrap_up, self._wrap, n)),
            patience_s=compact("d", draw_seconds(spec.patience, self._patience, n)),
            redials=(self._redial.random(n) < spec.redial_probability).tolist(),
            accepts_callback=accepts.tolist(),
        )


class Redials:
    """Endless draws for redials under one regime's inbound behaviour.

    Regime 0 (the scenario's own) uses the streams ``redial_calls`` and
    ``redial_callback_accept``; regime ``k`` their ``@k`` namesakes.
    """

    def __init__(self, inbound: Inbound, rng: Streams, regime: int) -> None:
        suffix = f"@{regime}" if regime else ""
        redial_rng = rng("redial_calls" + suffix)
        self.handle_s = _seconds(inbound.handle_time, redial_rng)
        self.wrap_s = _seconds(inbound.wrap_up, redial_rng)
        self.patience_s = _seconds(inbound.patience, redial_rng)
        self.gap_s = _seconds(inbound.redial_after, redial_rng)
        self.again = buffered(lambda n: redial_rng.random(n) < inbound.redial_probability)
        accept_rng = rng("redial_callback_accept" + suffix)
        self.accepts = buffered(
            lambda n: accept_rng.random(n) < inbound.callback.accept_probability)


class CallbackDraws:
    """The inputs of callbacks, in the order they are accepted.

    A callback's conversation is the caller's own (its inbound handle and
    wrap-up draws); its attempts draw ``max_attempts`` reach flags and failed
    attempt times each from the callback streams. :attr:`tables` has the layout
    of :class:`TaskDraws`.
    """

    def __init__(self, plan: Plan, rng: Streams) -> None:
        spec = plan.scenario.inbound.callback
        self.tables = TaskDraws(spec.max_attempts, array("b"), array("d"), array("d"),
                                array("d"))
        reach_rng, failed_rng = rng("callback_reach"), rng("callback_failed")
        self._reached = buffered(lambda n: reach_rng.random(n) < spec.reach_probability)
        self._failed_s = _seconds(spec.failed_attempt_time, failed_rng)

    def add(self, handle_s: float, wrap_s: float) -> int:
        """Draw the next callback's attempts and return its row."""
        tables = self.tables
        row = len(tables.handle_s)
        for _ in range(tables.max_attempts):
            tables.reached.append(int(next(self._reached)))
            tables.failed_s.append(next(self._failed_s))
        tables.handle_s.append(handle_s)
        tables.wrap_s.append(wrap_s)
        return row


def compact(typecode: str, values: np.ndarray) -> array:
    """Copy a numpy array into a typed ``array.array``.

    Indexing it gives Python numbers as fast as a list does, but it stores
    8 bytes per value (1 for flags) instead of a pointer and a float object.
    """
    dtype = {"b": np.int8, "q": np.int64, "d": np.float64}[typecode]
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(values, dtype=dtype).tobytes())
    return out


def _seconds(spec: Dist, rng: np.random.Generator) -> Iterator[float]:
    """Return an endless iterator of durations from ``spec``."""
    return buffered(lambda n: draw_seconds(spec, rng, n))
