"""Columnar recording for the engine, aggregated as it goes.

The engine records a call with :meth:`Recorder.call` and a span of an
agent's time with :meth:`Recorder.segment`, by named field, in one place
each. A record is packed (``struct``) onto a ``bytearray`` buffer: one C call,
no Python number kept alive, and the buffer becomes numpy columns by a
memory copy (a structured dtype). Every ``CHUNK`` calls the buffers are
folded, vectorised, into per-interval and per-agent totals; the per-call log
is kept only when asked for. Memory therefore does not grow with the number
of calls unless the call log is on.

Three kinds of records:

* **calls**: one per service: an answered or abandoned inbound call, or an
  outbound attempt (tracing or callback), or an inbound call that accepted a
  callback and hung up. Columns ``kind`` (0 inbound, 1 index, 2 contact, 3 callback),
  ``agent`` (-1 when no agent), ``queued_s`` (arrival or ready time),
  ``start_s``, ``talk_end_s``, ``end_s`` (after wrap-up), ``outcome``
  (see ``OUTCOMES``) and ``ref`` (call or person id).
* **segments**: a span of an agent's time in a non-call state: ``idle``,
  ``break``, ``onboarding``, ``not_logged_in`` (a rostered shift paid but not
  logged in: paid absence or not logged in), and ``paid`` (the whole on-shift span, recorded
  separately so that the paid-time identity is a real check), and
  ``pool_paid`` (the paid span of a pool agent, a subset of ``paid``).
* **offers**: the time of each callback offered to a waiting caller.

``persons_called`` counts, per day, the distinct people (index cases and
contacts) with at least one attempt started that day; the engine counts a
person the first time it is dialled on a day.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CHUNK = 65536
"""Calls buffered before they are folded into the aggregates (with the segments so far)."""

INBOUND, INDEX, CONTACT, CALLBACK = 0, 1, 2, 3
KINDS = ("inbound", "index", "contact", "callback")
ANSWERED, ABANDONED, WAITING, REACHED, FAILED, CALLBACK_TAKEN = 0, 1, 2, 3, 4, 5
OUTCOMES = ("answered", "abandoned", "waiting", "reached", "failed", "callback")
SEG_IDLE, SEG_BREAK, SEG_ONBOARD, SEG_PAID, SEG_POOL_PAID, SEG_NOT_LOGGED_IN = 0, 1, 2, 3, 4, 5
SEGMENTS = ("idle", "break", "onboarding", "paid", "pool_paid", "not_logged_in")

CALL_FIELDS = ("kind", "agent", "queued_s", "start_s", "talk_end_s", "end_s", "outcome", "ref")
"""The fields of a call record, in the order :meth:`Recorder.call` packs them."""
_CALL = struct.Struct("<bqddddbq")
_CALL_DTYPE = np.dtype(list(zip(CALL_FIELDS, ("i1", "<i8", "<f8", "<f8", "<f8", "<f8", "i1",
                                              "<i8"), strict=True)))
CALL_CHUNK_BYTES = CHUNK * _CALL.size
"""Bytes of :attr:`Recorder.call_buffer` that make it full (``CHUNK`` calls)."""
SEGMENT_FIELDS = ("agent", "kind", "start_s", "end_s")
"""The fields of a segment record, in the order :meth:`Recorder.segment` packs them."""
_SEGMENT = struct.Struct("<qbdd")
_SEGMENT_DTYPE = np.dtype(list(zip(SEGMENT_FIELDS, ("<i8", "i1", "<f8", "<f8"), strict=True)))
_pack_call = _CALL.pack
_pack_segment = _SEGMENT.pack

INTERVAL_COLUMNS = (
    "paid_s",
    "pool_paid_s",
    "talk_s",
    "wrap_s",
    "failed_attempt_s",
    "idle_s",
    "break_s",
    "onboarding_s",
    "not_logged_in_s",
    "inbound_offered",
    "inbound_answered",
    "inbound_abandoned",
    "inbound_callback",
    "inbound_waiting_at_end",
    "inbound_answered_within_target",
    "inbound_wait_answered_s",
    "inbound_wait_abandoned_s",
    "inbound_delayed",
    "attempts",
    "index_attempts",
    "contact_attempts",
    "index_reached",
    "contacts_reached",
    "callbacks_offered",
    "callback_attempts",
    "callbacks_reached",
)


def spans_per_bin(
    start_s: np.ndarray, end_s: np.ndarray, bin_s: float, n_bins: int
) -> np.ndarray:
    """Seconds of the spans ``[start_s, end_s)`` falling in each bin of width ``bin_s``.

    Spans are clipped to ``[0, n_bins * bin_s)``. Vectorised: partial first
    and last bins by ``bincount``, whole bins in between by a difference array.

    Parameters
    ----------
    start_s, end_s
        Span bounds in seconds (same length).
    bin_s
        Bin width in seconds.
    n_bins
        Number of bins.

    Returns
    -------
    numpy.ndarray
        Seconds per bin, length ``n_bins``.
    """
    horizon_s = n_bins * bin_s
    t0 = np.clip(np.asarray(start_s, dtype=float), 0.0, horizon_s)
    t1 = np.clip(np.asarray(end_s, dtype=float), 0.0, horizon_s)
    keep = t1 > t0
    t0, t1 = t0[keep], t1[keep]
    out = np.zeros(n_bins + 1)
    if t0.size == 0:
        return out[:n_bins]
    k0 = np.minimum((t0 // bin_s).astype(np.int64), n_bins - 1)
    k1 = np.minimum((t1 // bin_s).astype(np.int64), n_bins)
    same = k0 == k1
    out += np.bincount(k0[same], weights=t1[same] - t0[same], minlength=n_bins + 1)
    cross = ~same
    if cross.any():
        a0, a1, s0, s1 = k0[cross], k1[cross], t0[cross], t1[cross]
        out += np.bincount(a0, weights=(a0 + 1) * bin_s - s0, minlength=n_bins + 1)
        out += np.bincount(a1, weights=s1 - a1 * bin_s, minlength=n_bins + 1)
        diff = np.bincount(a0 + 1, minlength=n_bins + 2)[: n_bins + 2].astype(float)
        diff -= np.bincount(a1, minlength=n_bins + 2)[: n_bins + 2]
        out += np.cumsum(diff)[: n_bins + 1] * bin_s
    return out[:n_bins]


def _count_per_bin(times_s: np.ndarray, bin_s: float, n_bins: int, weights=None) -> np.ndarray:
    if times_s.size == 0:
        return np.zeros(n_bins)
    k = np.minimum((times_s // bin_s).astype(np.int64), n_bins - 1)
    return np.bincount(k, weights=weights, minlength=n_bins)[:n_bins].astype(float)


def _grow(values: np.ndarray, size: int) -> np.ndarray:
    if values.size >= size:
        return values
    out = np.zeros(max(size, 2 * values.size))
    out[: values.size] = values
    return out


_DTYPES = {"b": np.int8, "q": np.int64, "d": np.float64}


def _take(buffer: array) -> np.ndarray:
    """Return the buffer's contents as a numpy array (a copy) and empty the buffer."""
    values = np.frombuffer(buffer, dtype=_DTYPES[buffer.typecode]).copy()
    del buffer[:]
    return values


def _take_records(buffer: bytearray, dtype: np.dtype) -> dict[str, np.ndarray]:
    """Return packed records' fields as columns (copies) and empty the buffer."""
    records = np.frombuffer(buffer, dtype=dtype)
    columns = {name: records[name].copy() for name in dtype.names or ()}
    del records
    del buffer[:]
    return columns


@dataclass
class Recorder:
    """Buffers and running aggregates of one replication.

    Parameters
    ----------
    interval_s
        Width of a reporting interval.
    n_intervals
        Number of intervals in the run.
    answer_within_s
        Inbound service-level target T.
    keep_calls
        Keep the per-call log (memory grows with calls).
    """

    interval_s: float
    n_intervals: int
    answer_within_s: float
    keep_calls: bool = False
    call_buffer: bytearray = field(default_factory=bytearray, init=False, repr=False)
    segment_buffer: bytearray = field(default_factory=bytearray, init=False, repr=False)
    offer_s: array = field(default_factory=lambda: array("d"), init=False, repr=False)

    def __post_init__(self) -> None:
        """Create the aggregates."""
        self.intervals = {name: np.zeros(self.n_intervals) for name in INTERVAL_COLUMNS}
        self.agent_totals = {
            name: np.zeros(64)
            for name in ("paid_s", "talk_s", "wrap_s", "failed_attempt_s", "idle_s", "break_s",
                         "onboarding_s", "not_logged_in_s")
        }
        self.calls_chunks: list[pd.DataFrame] = []
        self.n_calls = 0
        self.n_attempts = 0

    # -- recording -----------------------------------------------------------

    def call(self, kind: int, agent: int, queued_s: float, start_s: float, talk_end_s: float,
             end_s: float, outcome: int, ref: int) -> None:
        """Record one call (the one place a call is recorded).

        Parameters
        ----------
        kind
            Kind code (:data:`KINDS`).
        agent
            The agent, or -1 when no agent took it (abandoned, callback taken, waiting).
        queued_s
            Arrival (inbound) or creation (outbound task) time.
        start_s, talk_end_s, end_s
            Start of the call, end of its talk and end of its wrap-up (equal to
            ``start_s`` for a call no agent took).
        outcome
            Outcome code (:data:`OUTCOMES`).
        ref
            Inbound call id, or the person dialled.
        """
        self.call_buffer += _pack_call(kind, agent, queued_s, start_s, talk_end_s, end_s,
                                       outcome, ref)

    def segment(self, agent: int, kind: int, start_s: float, end_s: float) -> None:
        """Record a span ``[start_s, end_s)`` of ``agent``'s time in a non-call state.

        Parameters
        ----------
        agent
            The agent.
        kind
            Segment code (:data:`SEGMENTS`).
        start_s, end_s
            The span's bounds in seconds.
        """
        self.segment_buffer += _pack_segment(agent, kind, start_s, end_s)

    def buffered_segments(self) -> pd.DataFrame:
        """Return the segments recorded since the last fold (for inspection; kept)."""
        records = np.frombuffer(self.segment_buffer, dtype=_SEGMENT_DTYPE)
        table = pd.DataFrame({name: records[name].copy() for name in SEGMENT_FIELDS})
        table["kind"] = [SEGMENTS[code] for code in table["kind"]]
        return table

    # -- folding -------------------------------------------------------------

    def flush(self) -> None:
        """Fold the buffered records into the aggregates and clear the buffers."""
        if self.call_buffer:
            self._fold_calls()
        if self.segment_buffer:
            self._fold_segments()
        if self.offer_s:
            self.intervals["callbacks_offered"] += _count_per_bin(
                _take(self.offer_s), self.interval_s, self.n_intervals)

    def _agent_add(self, name: str, agents: np.ndarray, seconds: np.ndarray) -> None:
        if agents.size == 0:
            return
        size = int(agents.max()) + 1
        total = _grow(self.agent_totals[name], size)
        total[:size] += np.bincount(agents, weights=seconds, minlength=size)
        self.agent_totals[name] = total

    def _fold_calls(self) -> None:
        kind, agent, queued, start, talk_end, end, outcome, ref = _take_records(
            self.call_buffer, _CALL_DTYPE).values()
        if self.keep_calls:
            self.calls_chunks.append(
                pd.DataFrame(
                    {
                        "kind": pd.Categorical.from_codes(kind, KINDS),
                        "ref": ref,
                        "agent": agent,
                        "queued_s": queued,
                        "start_s": start,
                        "talk_end_s": talk_end,
                        "end_s": end,
                        "outcome": pd.Categorical.from_codes(outcome, OUTCOMES),
                    }
                )
            )
        iv, bin_s, n = self.intervals, self.interval_s, self.n_intervals
        horizon_s = n * bin_s
        start = np.minimum(start, horizon_s)
        talk_end = np.minimum(talk_end, horizon_s)
        end = np.minimum(end, horizon_s)
        served = agent >= 0
        failed = outcome == FAILED
        talk = served & ~failed
        iv["talk_s"] += spans_per_bin(start[talk], talk_end[talk], bin_s, n)
        iv["wrap_s"] += spans_per_bin(talk_end[talk], end[talk], bin_s, n)
        iv["failed_attempt_s"] += spans_per_bin(start[failed], end[failed], bin_s, n)
        self._agent_add("talk_s", agent[talk], talk_end[talk] - start[talk])
        self._agent_add("wrap_s", agent[talk], end[talk] - talk_end[talk])
        self._agent_add("failed_attempt_s", agent[failed], end[failed] - start[failed])

        inbound = kind == INBOUND
        answered = inbound & (outcome == ANSWERED)
        iv["inbound_offered"] += _count_per_bin(queued[inbound], bin_s, n)
        iv["inbound_answered"] += _count_per_bin(queued[answered], bin_s, n)
        iv["inbound_abandoned"] += _count_per_bin(
            queued[inbound & (outcome == ABANDONED)], bin_s, n
        )
        iv["inbound_callback"] += _count_per_bin(
            queued[inbound & (outcome == CALLBACK_TAKEN)], bin_s, n
        )
        iv["inbound_waiting_at_end"] += _count_per_bin(
            queued[inbound & (outcome == WAITING)], bin_s, n
        )
        wait = start[answered] - queued[answered]
        iv["inbound_answered_within_target"] += _count_per_bin(
            queued[answered][wait <= self.answer_within_s], bin_s, n
        )
        iv["inbound_wait_answered_s"] += _count_per_bin(queued[answered], bin_s, n, weights=wait)
        abandoned = inbound & (outcome == ABANDONED)
        iv["inbound_wait_abandoned_s"] += _count_per_bin(
            queued[abandoned], bin_s, n, weights=start[abandoned] - queued[abandoned]
        )
        delayed = inbound & ((outcome != ANSWERED) | (start > queued))
        iv["inbound_delayed"] += _count_per_bin(queued[delayed], bin_s, n)

        tracing = (kind == INDEX) | (kind == CONTACT)
        iv["attempts"] += _count_per_bin(start[tracing], bin_s, n)
        iv["index_attempts"] += _count_per_bin(start[kind == INDEX], bin_s, n)
        iv["contact_attempts"] += _count_per_bin(start[kind == CONTACT], bin_s, n)
        iv["callback_attempts"] += _count_per_bin(start[kind == CALLBACK], bin_s, n)
        reached = outcome == REACHED
        iv["index_reached"] += _count_per_bin(start[reached & (kind == INDEX)], bin_s, n)
        iv["contacts_reached"] += _count_per_bin(start[reached & (kind == CONTACT)], bin_s, n)
        iv["callbacks_reached"] += _count_per_bin(start[reached & (kind == CALLBACK)], bin_s, n)
        self.n_calls += int(served.sum())
        self.n_attempts += int((~inbound).sum())

    def _fold_segments(self) -> None:
        agent, kind, start, end = _take_records(self.segment_buffer, _SEGMENT_DTYPE).values()
        for code, name in ((SEG_IDLE, "idle_s"), (SEG_BREAK, "break_s"),
                           (SEG_ONBOARD, "onboarding_s"), (SEG_PAID, "paid_s"),
                           (SEG_POOL_PAID, "pool_paid_s"),
                           (SEG_NOT_LOGGED_IN, "not_logged_in_s")):
            mask = kind == code
            self.intervals[name] += spans_per_bin(
                start[mask], end[mask], self.interval_s, self.n_intervals
            )
            if code != SEG_POOL_PAID:
                self._agent_add(name, agent[mask], end[mask] - start[mask])

    def calls_table(self) -> pd.DataFrame | None:
        """Return the per-call log (None when it was not kept)."""
        if not self.keep_calls:
            return None
        if not self.calls_chunks:
            return pd.DataFrame(
                {c: pd.Series(dtype=float) for c in ("kind", "ref", "agent", "queued_s",
                                                     "start_s", "talk_end_s", "end_s",
                                                     "outcome")}
            )
        return pd.concat(self.calls_chunks, ignore_index=True)
