"""Random arrival streams, generated in bulk with numpy.

- :func:`daily_counts` turns expected cases per day into random daily counts
  (rounding, Poisson or gamma-Poisson noise);
- :func:`release_times` spreads each day's count over intraday release slots
  (lab results arrive in batches);
- :func:`draw_releases` does both for several demand sources, each from its
  own random streams, and merges their releases;
- :func:`piecewise_nhpp` draws a non-homogeneous Poisson process whose rate is
  constant on each interval (inbound hotline calls): Poisson counts per
  interval, then sorted uniform times within each interval.  It never draws
  "the next gap from the current rate", which would skip short spikes;
- :func:`rescaled_gaps` is the time-rescaling transform used to test an
  arrival stream (the gaps are Exp(1) for a correct NHPP).

All times are float64 **seconds** since the calendar start.  Randomness comes
only from the :class:`numpy.random.Generator` passed in; every function draws
a fixed sequence of variates for given inputs, so results are reproducible bit
for bit.  Invalid arguments raise :class:`~sim.inputs.epidemic.ParameterError` (a
:class:`ValueError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.inputs.epidemic import ParameterError

__all__ = [
    "NOISE_TYPES",
    "ParameterError",
    "Releases",
    "daily_counts",
    "draw_releases",
    "integrated_rate",
    "piecewise_nhpp",
    "release_times",
    "rescaled_gaps",
]

NOISE_TYPES = ("none", "poisson", "gamma_poisson")


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _nonneg_1d(name: str, values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        k = int(np.argmin(np.isfinite(arr)))
        raise ParameterError(f"{name} must be finite; entry {k} is {arr[k]}")
    if np.any(arr < 0):
        k = int(np.argmax(arr < 0))
        raise ParameterError(f"{name} must be >= 0; entry {k} is {arr[k]}")
    return arr


def _positive_scalar(name: str, value: float) -> float:
    x = _finite_scalar(name, value)
    if x <= 0.0:
        raise ParameterError(f"{name} must be > 0, got {x}")
    return x


def _finite_scalar(name: str, value: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ParameterError(f"{name} must be finite, got {x}")
    return x


def _below(upper: np.ndarray | float) -> np.ndarray:
    """Return the largest float64 strictly below ``upper`` (keeps intervals half-open)."""
    return np.nextafter(upper, -np.inf)


# ---------------------------------------------------------------------------
# non-homogeneous Poisson process
# ---------------------------------------------------------------------------


def piecewise_nhpp(rng: np.random.Generator, rate_per_s: np.ndarray, interval_s: float,
                   start_s: float = 0.0) -> np.ndarray:
    """Arrival times of a Poisson process with a piecewise-constant rate.

    Interval ``k`` is ``[start_s + k * interval_s, start_s + (k + 1) * interval_s)``
    with rate ``rate_per_s[k]``.  The count in interval ``k`` is drawn as
    ``Poisson(rate_per_s[k] * interval_s)`` and the arrivals are placed
    uniformly at random in the interval (the order statistics of uniforms),
    which is an exact simulation of the process: no interval, however short
    its spike, is skipped.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.  Draws ``len(rate_per_s)`` Poisson variates,
        then one uniform per arrival.
    rate_per_s : numpy.ndarray
        Arrival rate on each interval, per second (1-D, finite, >= 0).
    interval_s : float
        Length of each interval, seconds (> 0).
    start_s : float, optional
        Start of interval 0, seconds.

    Returns
    -------
    numpy.ndarray
        Sorted float64 arrival times, seconds, all in
        ``[start_s, start_s + len(rate_per_s) * interval_s)``.

    Raises
    ------
    ParameterError
        On an invalid argument.
    """
    _check_rng(rng)
    rate = _nonneg_1d("rate_per_s", rate_per_s)
    width_s = _positive_scalar("interval_s", interval_s)
    origin_s = _finite_scalar("start_s", start_s)

    counts = rng.poisson(rate * width_s)
    starts_s = origin_s + np.arange(rate.size, dtype=np.float64) * width_s
    ends_s = origin_s + np.arange(1, rate.size + 1, dtype=np.float64) * width_s
    total = int(counts.sum())
    times_s = np.repeat(starts_s, counts) + rng.random(total) * width_s
    # u * width < width, but the float sum can round up onto the next interval's start.
    times_s = np.minimum(times_s, _below(np.repeat(ends_s, counts)))
    # intervals are disjoint, so a global sort sorts within each interval; the stable sort
    # (radix for floats) is the faster on these runs of values, and floats sort the same
    times_s.sort(kind="stable")
    return times_s


def integrated_rate(times_s: np.ndarray, rate_per_s: np.ndarray, interval_s: float,
                    start_s: float = 0.0) -> np.ndarray:
    """Integrated rate ``Lambda(t)`` of a piecewise-constant rate, with ``Lambda(start_s) = 0``.

    Parameters
    ----------
    times_s : numpy.ndarray
        Times, seconds, within ``[start_s, start_s + len(rate_per_s) * interval_s]``.
    rate_per_s : numpy.ndarray
        Rate on each interval, per second (1-D, finite, >= 0).
    interval_s : float
        Length of each interval, seconds (> 0).
    start_s : float, optional
        Start of interval 0, seconds.

    Returns
    -------
    numpy.ndarray
        float64 array, ``Lambda`` at each time (expected number of arrivals in
        ``[start_s, t)``), same shape as ``times_s``.

    Raises
    ------
    ParameterError
        On an invalid argument or a time outside the rate's window.
    """
    rate = _nonneg_1d("rate_per_s", rate_per_s)
    width_s = _positive_scalar("interval_s", interval_s)
    origin_s = _finite_scalar("start_s", start_s)
    t_s = np.asarray(times_s, dtype=np.float64)
    end_s = origin_s + rate.size * width_s
    outside = ~((t_s >= origin_s) & (t_s <= end_s))  # also catches NaN
    if np.any(outside):
        bad = t_s.ravel()[np.argmax(outside.ravel())]
        raise ParameterError(
            f"time {bad} s is outside the rate's window [{origin_s}, {end_s}] s"
        )
    if rate.size == 0:
        return np.zeros_like(t_s)
    cumulative = np.concatenate(([0.0], np.cumsum(rate * width_s)))
    elapsed_s = t_s - origin_s
    k = np.clip(np.floor(elapsed_s / width_s).astype(np.int64), 0, rate.size - 1)
    return cumulative[k] + rate[k] * (elapsed_s - k * width_s)


def rescaled_gaps(times_s: np.ndarray, rate_per_s: np.ndarray, interval_s: float,
                  start_s: float = 0.0) -> np.ndarray:
    """Time-rescaled gaps ``Lambda(t_i) - Lambda(t_{i-1})`` of an arrival stream.

    ``Lambda`` is the integrated piecewise-constant rate (see
    :func:`integrated_rate`) with ``Lambda(start_s) = 0`` and ``t_0 = start_s``.
    By the time-rescaling theorem the gaps of a Poisson process with this
    rate are independent Exp(1); use it to test a generator (e.g. with
    :func:`scipy.stats.kstest`).  Gaps after the last arrival (to the end of
    the window) are not included.

    Parameters
    ----------
    times_s : numpy.ndarray
        Sorted arrival times, seconds (1-D), within the rate's window.
    rate_per_s : numpy.ndarray
        Rate on each interval, per second.
    interval_s : float
        Length of each interval, seconds (> 0).
    start_s : float, optional
        Start of interval 0, seconds.

    Returns
    -------
    numpy.ndarray
        float64 array of the same length as ``times_s``.

    Raises
    ------
    ParameterError
        If the times are not 1-D and sorted, or lie outside the window.
    """
    t_s = np.asarray(times_s, dtype=np.float64)
    if t_s.ndim != 1:
        raise ParameterError(f"times_s must be one-dimensional, got shape {t_s.shape}")
    if t_s.size > 1 and np.any(np.diff(t_s) < 0):
        k = int(np.argmax(np.diff(t_s) < 0)) + 1
        raise ParameterError(f"times_s must be sorted; entry {k} is earlier than entry {k - 1}")
    big_lambda = integrated_rate(t_s, rate_per_s, interval_s, start_s)
    return np.diff(big_lambda, prepend=0.0)


# ---------------------------------------------------------------------------
# daily counts and intraday release
# ---------------------------------------------------------------------------


def daily_counts(rng: np.random.Generator, expected_per_day: np.ndarray, noise: str = "poisson",
                 dispersion: float | None = None) -> np.ndarray:
    """Random number of cases on each day around an expected value.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    expected_per_day : numpy.ndarray
        Expected count ``m`` on each day (1-D, finite, >= 0).
    noise : {"none", "poisson", "gamma_poisson"}, optional
        - ``"none"``: no noise beyond rounding, done stochastically
          (``floor(m) + Bernoulli(m - floor(m))``) so that the mean is exactly
          ``m`` and the count is ``floor(m)`` or ``floor(m) + 1``; an integer
          ``m`` is returned as is.  Draws one uniform per day.
        - ``"poisson"``: ``Poisson(m)``, variance ``m``.
        - ``"gamma_poisson"``: negative binomial with mean ``m`` and variance
          ``m + m**2 / dispersion`` (over-dispersion, e.g. day-of-week and
          lab batching effects), drawn as ``Poisson(Gamma(shape=dispersion,
          scale=m / dispersion))``.  Draws one gamma and one Poisson variate per
          day.  Large ``dispersion`` tends to Poisson.
    dispersion : float, optional
        Dispersion ``k > 0`` (the negative binomial's size), required for
        ``"gamma_poisson"``.  Ignored by the other noise types (but still
        checked to be > 0 when given), so a configuration may carry it
        whatever the noise.

    Returns
    -------
    numpy.ndarray
        int64 array of counts, same length as ``expected_per_day``.

    Raises
    ------
    ParameterError
        On an unknown noise type, a non-positive dispersion, a missing
        dispersion for ``"gamma_poisson"``, or invalid expected values.
    """
    _check_rng(rng)
    m = _nonneg_1d("expected_per_day", expected_per_day)
    if noise not in NOISE_TYPES:
        raise ParameterError(f"noise must be one of {NOISE_TYPES}, got {noise!r}")
    k = None if dispersion is None else _positive_scalar("dispersion", dispersion)
    if noise == "none":
        whole = np.floor(m)
        up = rng.random(m.size) < (m - whole)
        return whole.astype(np.int64) + up.astype(np.int64)
    if noise == "poisson":
        return rng.poisson(m).astype(np.int64)
    if k is None:
        raise ParameterError("noise='gamma_poisson' needs a dispersion > 0")
    lam = rng.gamma(shape=k, scale=m / k)
    return rng.poisson(lam).astype(np.int64)


def release_times(rng: np.random.Generator, counts_per_day: np.ndarray,
                  slot_offsets_s: np.ndarray, slot_widths_s: np.ndarray,
                  slot_weights: np.ndarray, day_s: float = 86400.0) -> np.ndarray:
    """Release instants of each day's cases, spread over intraday slots.

    Each day's count is split over the slots with a multinomial draw with
    probabilities ``slot_weights / sum(slot_weights)``.  A case in slot ``j``
    of day ``d`` is released at ``d * day_s + slot_offsets_s[j] + U *
    slot_widths_s[j]`` with ``U ~ Uniform[0, 1)``: a slot of width 0 is a batch
    released at exactly ``d * day_s + slot_offsets_s[j]``; a slot of positive
    width releases uniformly over ``[offset, offset + width)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.  Draws one multinomial per day, then one uniform
        per case.
    counts_per_day : numpy.ndarray
        Number of cases released on each day (1-D, non-negative integers).
    slot_offsets_s : numpy.ndarray
        Start of each slot, seconds after the start of the day (>= 0).
    slot_widths_s : numpy.ndarray
        Length of each slot, seconds (>= 0, ``offset + width <= day_s``).
    slot_weights : numpy.ndarray
        Relative share of each slot (>= 0, positive sum).
    day_s : float, optional
        Length of a day, seconds.

    Returns
    -------
    numpy.ndarray
        Sorted float64 release times, seconds; exactly
        ``counts_per_day.sum()`` of them; those of day ``d`` lie in
        ``[d * day_s, (d + 1) * day_s)``.

    Raises
    ------
    ParameterError
        On an invalid argument.
    """
    _check_rng(rng)
    raw = np.asarray(counts_per_day)
    counts_f = _nonneg_1d("counts_per_day", raw)
    if not np.all(counts_f == np.floor(counts_f)):
        k = int(np.argmax(counts_f != np.floor(counts_f)))
        raise ParameterError(f"counts_per_day must be integers; entry {k} is {counts_f[k]}")
    counts = raw.astype(np.int64) if raw.dtype.kind in "iu" else counts_f.astype(np.int64)
    offsets_s = _nonneg_1d("slot_offsets_s", slot_offsets_s)
    widths_s = _nonneg_1d("slot_widths_s", slot_widths_s)
    weights = _nonneg_1d("slot_weights", slot_weights)
    length_s = _positive_scalar("day_s", day_s)
    if not (offsets_s.size == widths_s.size == weights.size) or offsets_s.size == 0:
        raise ParameterError(
            f"slot_offsets_s, slot_widths_s and slot_weights must have the same non-zero "
            f"length, got {offsets_s.size}, {widths_s.size}, {weights.size}"
        )
    if np.any(offsets_s + widths_s > length_s):
        j = int(np.argmax(offsets_s + widths_s > length_s))
        raise ParameterError(
            f"slot {j} ends at {offsets_s[j] + widths_s[j]} s, after the end of the day "
            f"({length_s} s)"
        )
    total_weight = weights.sum()
    if not total_weight > 0:
        raise ParameterError("slot_weights must have a positive sum")

    per_slot = rng.multinomial(counts, weights / total_weight)  # shape (n_days, n_slots)
    per_slot = per_slot.reshape(counts.size, offsets_s.size)
    day_start_s = np.arange(counts.size, dtype=np.float64) * length_s
    base_s = (day_start_s[:, None] + offsets_s[None, :]).ravel()
    width_each_s = np.broadcast_to(widths_s, per_slot.shape).ravel()
    n_each = per_slot.ravel()
    width_rep_s = np.repeat(width_each_s, n_each)
    base_rep_s = np.repeat(base_s, n_each)
    times_s = base_rep_s + rng.random(int(n_each.sum())) * width_rep_s
    # Keep [offset, offset + width) half-open despite rounding; width 0 stays exact.
    spread = width_rep_s > 0
    times_s[spread] = np.minimum(times_s[spread], _below(base_rep_s[spread] + width_rep_s[spread]))
    times_s.sort()
    return times_s


# ---------------------------------------------------------------------------
# several demand sources
# ---------------------------------------------------------------------------


class Source(Protocol):
    """What :func:`draw_releases` needs of a demand source (a ``compile.DemandSource``)."""

    @property
    def name(self) -> str:
        """The source's name."""

    @property
    def expected_cases(self) -> np.ndarray:
        """Expected cases per day."""

    @property
    def share_traced(self) -> np.ndarray:
        """Share of the cases released to the centre, per day."""

    @property
    def streams(self) -> str:
        """Prefix of the source's stream names."""


@dataclass(frozen=True)
class Releases:
    """The cases of all demand sources and their merged release times.

    Attributes
    ----------
    cases_per_day, released_per_day : numpy.ndarray
        Confirmed cases and cases released to the centre per day, summed over
        the sources (int64).
    release_s : numpy.ndarray
        Every release, all sources merged, sorted (seconds; at equal times
        the earlier source first).
    cases_by_source, released_by_source : dict of str to numpy.ndarray
        The same per source, by name, in the sources' order.
    """

    cases_per_day: np.ndarray
    released_per_day: np.ndarray
    release_s: np.ndarray
    cases_by_source: dict[str, np.ndarray]
    released_by_source: dict[str, np.ndarray]


def draw_releases(sources: Sequence[Source], streams: Callable[[str], np.random.Generator],
                  noise: str, dispersion: float | None, slot_offsets_s: np.ndarray,
                  slot_widths_s: np.ndarray, slot_weights: np.ndarray) -> Releases:
    """Draw each source's cases, the share released to the centre and their release times.

    For each source: :func:`daily_counts` around its expected cases, a
    binomial thinning by its share traced of each day, and
    :func:`release_times`, from the streams ``<prefix>cases``,
    ``<prefix>traced`` and ``<prefix>release`` with the source's own prefix
    (``source.streams``). The first source's prefix is empty, so a single
    source draws exactly what a scenario without sources draws, and adding a
    source changes no draw of the others.

    Parameters
    ----------
    sources : sequence of Source
        The demand sources (at least one), each with ``name``,
        ``expected_cases`` (per day), ``share_traced`` (per day) and
        ``streams`` (stream name prefix).
    streams : callable
        Returns the generator of a named stream.
    noise, dispersion
        The reporting noise (see :func:`daily_counts`).
    slot_offsets_s, slot_widths_s, slot_weights : numpy.ndarray
        The intraday release slots (see :func:`release_times`).

    Returns
    -------
    Releases

    Raises
    ------
    ParameterError
        On an invalid argument (e.g. no sources).
    """
    if not sources:
        raise ParameterError("draw_releases needs at least one source")
    cases: dict[str, np.ndarray] = {}
    released: dict[str, np.ndarray] = {}
    times: list[np.ndarray] = []
    for source in sources:
        prefix = source.streams
        count = daily_counts(streams(f"{prefix}cases"), source.expected_cases, noise, dispersion)
        traced = streams(f"{prefix}traced").binomial(count, source.share_traced)
        times.append(release_times(streams(f"{prefix}release"), traced, slot_offsets_s,
                                   slot_widths_s, slot_weights))
        cases[source.name] = np.asarray(count)
        released[source.name] = np.asarray(traced)
    if len(sources) == 1:
        only = sources[0].name
        return Releases(cases[only], released[only], times[0], cases, released)
    merged = np.concatenate(times)
    merged = merged[np.argsort(merged, kind="stable")]
    return Releases(np.sum(list(cases.values()), axis=0), np.sum(list(released.values()), axis=0),
                    merged, cases, released)
