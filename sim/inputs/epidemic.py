"""Expected confirmed cases per day: the demand that drives the call centre.

Three demand models, each returning a float64 array ``cases[d]`` = expected
number of confirmed cases on calendar day ``d`` (``d = 0 .. n_days - 1``; day 0
is the interval ``[0, 1)`` in days, i.e. ``[0, 86400)`` seconds after
``calendar.start`` at 00:00):

- :func:`waves_daily` -- a sum of smooth, asymmetric pulses plus a baseline,
  integrated exactly over each day;
- :func:`seir_daily` -- an SEIR model with a piecewise-constant reproduction
  number, solved with :func:`scipy.integrate.solve_ivp`;
- :func:`csv_daily` -- observed daily counts read from a CSV file.

The functions take plain parameters; converting the validated scenario
configuration into these calls is done elsewhere.  Invalid parameters raise
:class:`ParameterError`, problems in a data file raise :class:`DataError`;
both are :class:`ValueError` subclasses.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from sim.basics.errors import DataError, ParameterError

__all__ = [
    "DataError",
    "ParameterError",
    "SEIRTrajectory",
    "csv_daily",
    "describe_dates",
    "seir_daily",
    "seir_trajectory",
    "step_values",
    "wave_area",
    "waves_daily",
]

WAVE_SHAPES = ("logistic", "gaussian")

#: Half-width at half-maximum of each pulse side, in units of that side's width.
#: Logistic: 4e^{-x}/(1+e^{-x})^2 = 1/2  <=>  |x| = ln(3 + 2*sqrt(2)).
#: Gaussian: exp(-x^2/2) = 1/2  <=>  |x| = sqrt(2 ln 2).
HALF_MAX_FACTOR = {
    "logistic": math.log(3.0 + 2.0 * math.sqrt(2.0)),
    "gaussian": math.sqrt(2.0 * math.log(2.0)),
}

_SEIR_RTOL = 1e-8
_SEIR_ATOL_PER_PERSON = 1e-12


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _check_n_days(n_days: int) -> int:
    if isinstance(n_days, bool) or not isinstance(n_days, int | np.integer):
        raise ParameterError(f"n_days must be an integer, got {n_days!r}")
    if n_days < 1:
        raise ParameterError(f"n_days must be >= 1, got {n_days}")
    return int(n_days)


def _check_finite(name: str, value: float, *, minimum: float | None = None,
                  positive: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ParameterError(f"{name} must be finite, got {x}")
    if positive and x <= 0.0:
        raise ParameterError(f"{name} must be > 0, got {x}")
    if minimum is not None and x < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {x}")
    return x


# ---------------------------------------------------------------------------
# waves
# ---------------------------------------------------------------------------


def _side_integral(shape: str, peak: float, width_days: float, a: np.ndarray, b: np.ndarray,
                   peak_day: float, rising: bool) -> np.ndarray:
    """Integral of one side of a pulse over ``[a, b]`` (days, both on that side).

    Uses the closed-form antiderivative.  On the falling side it uses the
    complementary form (``1 - F(x) = F(-x)``) so that far tails do not lose
    precision to cancellation near 1.
    """
    xa = (a - peak_day) / width_days
    xb = (b - peak_day) / width_days
    if shape == "logistic":
        # d/dx expit(x) = e^{-x}/(1+e^{-x})^2 ; rate = 4*peak*expit'(x)
        scale = 4.0 * peak * width_days
        cdf = expit
    else:
        # rate = peak*exp(-x^2/2) = peak*sqrt(2 pi)*phi(x)
        scale = peak * width_days * math.sqrt(2.0 * math.pi)
        cdf = ndtr
    if rising:
        return scale * (cdf(xb) - cdf(xa))
    return scale * (cdf(-xa) - cdf(-xb))


def wave_area(peak_per_day: float, rise_days: float, fall_days: float,
              shape: str = "logistic") -> float:
    """Total number of cases in one wave (integral of its rate over all time).

    Parameters
    ----------
    peak_per_day : float
        Peak rate, cases per day.
    rise_days, fall_days : float
        Widths of the rising and falling side, days (see :func:`waves_daily`).
    shape : {"logistic", "gaussian"}
        Pulse shape.

    Returns
    -------
    float
        ``2 * peak * (rise + fall)`` for the logistic pulse (each side holds
        ``2 * peak * width``), ``peak * sqrt(2 pi) * (rise + fall) / 2`` for the
        gaussian pulse.
    """
    if shape not in WAVE_SHAPES:
        raise ParameterError(f"shape must be one of {WAVE_SHAPES}, got {shape!r}")
    if shape == "logistic":
        return 2.0 * peak_per_day * (rise_days + fall_days)
    return peak_per_day * math.sqrt(2.0 * math.pi) * (rise_days + fall_days) / 2.0


def waves_daily(n_days: int, waves: Sequence[tuple[float, float, float, float]],
                baseline_per_day: float = 0.0, shape: str = "logistic") -> np.ndarray:
    """Return the expected cases per day: smooth infection waves plus a baseline.

    Each wave is a pulse in continuous time ``t`` (days since the calendar start)
    with its maximum ``peak_per_day`` at ``peak_day`` and a different width on
    each side.  With ``x = (t - peak_day) / w``, ``w = rise_days`` for
    ``t < peak_day`` and ``w = fall_days`` after, the rate is

    - ``"logistic"``: ``peak * 4 e^{-x} / (1 + e^{-x})^2`` (the derivative of a
      logistic growth curve, i.e. cumulative cases follow an S-curve on each
      side);
    - ``"gaussian"``: ``peak * exp(-x^2 / 2)``.

    Both sides equal ``peak_per_day`` at the peak, so the rate is continuous.

    **Width.**  ``rise_days`` and ``fall_days`` are the *scale* parameters of
    the two sides: the logistic scale ``s`` (the rate falls to half its peak
    ``1.763 * w`` days from the peak, and each side holds ``2 * peak * w``
    cases), respectively the standard deviation of the gaussian (half maximum
    at ``1.177 * w`` days; each side holds ``peak * w * sqrt(2 pi) / 2``
    cases).  :data:`HALF_MAX_FACTOR` gives the exact half-maximum factors.
    For a logistic side, the rate changes by a factor ``e`` per ``w`` days in
    the tail (``e^{-|t - peak| / w}``): ``w`` is the e-folding time of the
    exponential growth before the peak (and of the decay after it).

    Parameters
    ----------
    n_days : int
        Number of calendar days (>= 1).
    waves : sequence of (peak_day, peak_per_day, rise_days, fall_days)
        ``peak_day`` is a float offset in days from the calendar start (day 0
        starts at t = 0, so ``peak_day = 10.5`` is noon of day 10); it may lie
        outside the horizon.  ``peak_per_day >= 0``; ``rise_days > 0``,
        ``fall_days > 0``.  May be empty (baseline only).
    baseline_per_day : float, optional
        Constant rate added to every day, cases per day (>= 0).
    shape : {"logistic", "gaussian"}, optional
        Pulse shape, the same for all waves.

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n_days``: expected cases on each day ``d``,
        the exact integral of the rate over ``[d, d + 1)`` (closed-form
        antiderivative, split at the peak) plus ``baseline_per_day``.

    Raises
    ------
    ParameterError
        On an invalid argument.

    Examples
    --------
    >>> cases = waves_daily(200, [(60.0, 1000.0, 8.0, 15.0)], baseline_per_day=5.0)
    >>> int(cases.argmax())
    60
    """
    n = _check_n_days(n_days)
    if shape not in WAVE_SHAPES:
        raise ParameterError(f"shape must be one of {WAVE_SHAPES}, got {shape!r}")
    baseline = _check_finite("baseline_per_day", baseline_per_day, minimum=0.0)

    day_start = np.arange(n, dtype=np.float64)
    day_end = day_start + 1.0
    total = np.zeros(n, dtype=np.float64)
    for i, wave in enumerate(waves):
        try:
            peak_day, peak, rise_days, fall_days = wave
        except (TypeError, ValueError):
            raise ParameterError(
                f"wave {i} must be (peak_day, peak_per_day, rise_days, fall_days), got {wave!r}"
            ) from None
        peak_day = _check_finite(f"wave {i} peak_day", peak_day)
        peak = _check_finite(f"wave {i} peak_per_day", peak, minimum=0.0)
        rise_days = _check_finite(f"wave {i} rise_days", rise_days, positive=True)
        fall_days = _check_finite(f"wave {i} fall_days", fall_days, positive=True)
        if peak == 0.0:
            continue
        # rising side over [min(d, p), min(d+1, p)], falling side over [max(d, p), max(d+1, p)]
        total += _side_integral(shape, peak, rise_days, np.minimum(day_start, peak_day),
                                np.minimum(day_end, peak_day), peak_day, rising=True)
        total += _side_integral(shape, peak, fall_days, np.maximum(day_start, peak_day),
                                np.maximum(day_end, peak_day), peak_day, rising=False)
    return total + baseline  # added last, so the baseline adds exactly


# ---------------------------------------------------------------------------
# SEIR
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SEIRTrajectory:
    """SEIR compartments at the day boundaries ``t = 0, 1, ..., n_days`` (days).

    Attributes
    ----------
    t_days : numpy.ndarray
        Times, days since the calendar start (length ``n_days + 1``).
    susceptible, exposed, infectious, recovered : numpy.ndarray
        Number of people in each compartment at ``t_days``.
    cumulative_incidence : numpy.ndarray
        People who became infectious (E -> I) since t = 0: ``C' = sigma E``.
    """

    t_days: np.ndarray
    susceptible: np.ndarray
    exposed: np.ndarray
    infectious: np.ndarray
    recovered: np.ndarray
    cumulative_incidence: np.ndarray

    def daily_incidence(self) -> np.ndarray:
        """Return the new infectious people on each day ``[d, d + 1)``, clipped at 0."""
        return np.clip(np.diff(self.cumulative_incidence), 0.0, None)


def _seir_rhs(t: float, y: np.ndarray, beta: float, sigma: float, gamma: float,
              n: float) -> list[float]:
    s, e, i, _r, _c = y
    infection = beta * s * i / n
    return [-infection, infection - sigma * e, sigma * e - gamma * i, gamma * i, sigma * e]


def _check_r_schedule(r_schedule: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    items: list[tuple[float, float]] = []
    for k, entry in enumerate(r_schedule):
        try:
            from_day, r_value = entry
        except (TypeError, ValueError):
            raise ParameterError(
                f"r_schedule[{k}] must be (from_day, R), got {entry!r}"
            ) from None
        from_day = _check_finite(f"r_schedule[{k}] from_day", from_day)
        r_value = _check_finite(f"r_schedule[{k}] R", r_value, minimum=0.0)
        if items and from_day <= items[-1][0]:
            raise ParameterError(
                f"r_schedule must be sorted by strictly increasing from_day; "
                f"entry {k} (from_day {from_day}) follows from_day {items[-1][0]}"
            )
        items.append((from_day, r_value))
    if not items:
        raise ParameterError("r_schedule must not be empty")
    if items[0][0] > 0.0:
        raise ParameterError(
            f"r_schedule must start at or before day 0 so R is defined from the start; "
            f"first from_day is {items[0][0]}"
        )
    return items


def seir_trajectory(n_days: int, population: float, initial_exposed: float,
                    initial_infectious: float, initial_recovered: float,
                    r_schedule: Sequence[tuple[float, float]], incubation_days: float,
                    infectious_days: float) -> SEIRTrajectory:
    """Solve the SEIR model and return the compartments at each day boundary.

    See :func:`seir_daily` for the model and the parameters.

    Returns
    -------
    SEIRTrajectory
        Compartments at ``t = 0, 1, ..., n_days`` days.

    Raises
    ------
    ParameterError
        On an invalid argument.
    ParameterError
        Also if the ODE solver fails (should not happen for valid parameters).
    """
    n = _check_n_days(n_days)
    pop = _check_finite("population", population, positive=True)
    e0 = _check_finite("initial_exposed", initial_exposed, minimum=0.0)
    i0 = _check_finite("initial_infectious", initial_infectious, minimum=0.0)
    r0 = _check_finite("initial_recovered", initial_recovered, minimum=0.0)
    if e0 + i0 + r0 > pop:
        raise ParameterError(
            f"initial_exposed + initial_infectious + initial_recovered = {e0 + i0 + r0} "
            f"exceeds population {pop}"
        )
    schedule = _check_r_schedule(r_schedule)
    sigma = 1.0 / _check_finite("incubation_days", incubation_days, positive=True)
    gamma = 1.0 / _check_finite("infectious_days", infectious_days, positive=True)

    # Segment boundaries: day 0, every change of R strictly inside the horizon, the end.
    changes = [d for d, _ in schedule if 0.0 < d < n]
    bounds = [0.0, *changes, float(n)]
    out = np.empty((5, n + 1), dtype=np.float64)
    y = np.array([pop - e0 - i0 - r0, e0, i0, r0, 0.0], dtype=np.float64)
    out[:, 0] = y
    from scipy.integrate import solve_ivp  # here: most of a small run's start-up otherwise

    atol = _SEIR_ATOL_PER_PERSON * pop
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        r_value = next(r for d, r in reversed(schedule) if d <= a)
        beta = r_value * gamma
        days = np.arange(math.floor(a) + 1, math.ceil(b) + 1)  # integer days in (a, b]
        days = days[days <= b]
        t_eval = np.unique(np.append(days.astype(np.float64), b))
        sol = solve_ivp(_seir_rhs, (a, b), y, method="DOP853", t_eval=t_eval,
                        args=(beta, sigma, gamma, pop), rtol=_SEIR_RTOL, atol=atol)
        if not sol.success:
            raise ParameterError(f"SEIR solver failed on days [{a}, {b}]: {sol.message}")
        for k, t in enumerate(sol.t):
            if t == round(t):
                out[:, int(round(t))] = sol.y[:, k]
        y = sol.y[:, -1]  # state at b: restart the solver at each change of R
    return SEIRTrajectory(
        t_days=np.arange(n + 1, dtype=np.float64),
        susceptible=out[0],
        exposed=out[1],
        infectious=out[2],
        recovered=out[3],
        cumulative_incidence=out[4],
    )


def seir_daily(n_days: int, population: float, initial_exposed: float,
               initial_infectious: float, initial_recovered: float,
               r_schedule: Sequence[tuple[float, float]], incubation_days: float,
               infectious_days: float, ascertainment: float = 1.0) -> np.ndarray:
    """Return the expected confirmed cases per day from an SEIR model with time-varying R.

    The model (``N`` = population, ``t`` in days)::

        S' = -beta(t) S I / N
        E' =  beta(t) S I / N - sigma E
        I' =  sigma E - gamma I
        R' =  gamma I
        C' =  sigma E                (cumulative incidence)

    with ``sigma = 1 / incubation_days``, ``gamma = 1 / infectious_days`` and
    ``beta(t) = R(t) / infectious_days``.  A person counts as a new case when
    they become infectious (E -> I).  ``R(t)`` is piecewise constant; the
    system is integrated with :func:`scipy.integrate.solve_ivp` (DOP853,
    ``rtol = 1e-8``, ``atol = 1e-12 * population``) separately on each piece,
    restarting at every change of R so that no step crosses a discontinuity.

    Parameters
    ----------
    n_days : int
        Number of calendar days (>= 1); days are ``0 .. n_days - 1``.
    population : float
        Population size ``N`` (> 0).
    initial_exposed, initial_infectious, initial_recovered : float
        Compartment sizes at t = 0 (>= 0, sum <= population); the rest are
        susceptible.
    r_schedule : sequence of (from_day, R)
        Reproduction number ``R`` in force from ``from_day`` (float days since
        the calendar start) until the next entry.  Sorted by strictly
        increasing ``from_day``; the first ``from_day`` must be <= 0.  Entries
        at or after ``n_days`` have no effect.
    incubation_days : float
        Mean latent period ``1 / sigma`` (> 0), days.
    infectious_days : float
        Mean infectious period ``1 / gamma`` (> 0), days.
    ascertainment : float, optional
        Share of new infections that are confirmed, in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n_days``:
        ``ascertainment * (C(d + 1) - C(d))``, tiny negative round-off clipped
        to 0.

    Raises
    ------
    ParameterError
        On an invalid argument.

    See Also
    --------
    seir_trajectory : all compartments at the day boundaries.
    """
    share = _check_finite("ascertainment", ascertainment, minimum=0.0)
    if share > 1.0:
        raise ParameterError(f"ascertainment must be <= 1, got {share}")
    traj = seir_trajectory(n_days, population, initial_exposed, initial_infectious,
                           initial_recovered, r_schedule, incubation_days, infectious_days)
    return share * traj.daily_incidence()


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def _row(index: int) -> int:
    """Row number (header = row 1) of the data row at 0-based position ``index``."""
    return int(index) + 2


def csv_daily(path: str | os.PathLike, start_date: datetime.date, n_days: int,
              date_column: str = "date", cases_column: str = "cases",
              filter: Mapping[str, str] | None = None, scale: float | np.ndarray = 1.0,
              aggregate: bool = True, *, date_format: str = "%Y-%m-%d",
              drop_missing_dates: bool = False,
              fill_missing: float | None = None, separator: str = ",") -> np.ndarray:
    r"""Read the observed daily cases from a CSV file.

    Reads the file with pandas (all columns as text, so that every problem
    can be reported with its row), keeps the rows that match ``filter``,
    checks them, sums the counts per date (``aggregate=True``) and returns the
    counts for the ``n_days`` calendar days starting at ``start_date``, times
    ``scale``.

    Works with files such as Sciensano's ``COVID19BE_CASES_AGESEX.csv``
    (``date_column="DATE"``, ``cases_column="CASES"``,
    ``filter={"REGION": "Flanders"}``; that file has rows without a date, so
    pass ``drop_missing_dates=True``, and it omits zero-count rows, so with a
    narrow filter pass ``fill_missing=0``).

    Rows are numbered as in :class:`DataError`: header = row 1, first data row
    = row 2.  Blank lines are ignored but counted.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file (UTF-8, a header line, fields separated by ``separator``).
    start_date : datetime.date
        Calendar date of day 0.
    n_days : int
        Number of days to return (>= 1).
    date_column : str, optional
        Column with the date, parsed with ``date_format``.
    cases_column : str, optional
        Column with the count (a non-negative number; need not be an integer).
    filter : mapping of str to str, optional
        Keep only the rows where each named column equals the given text
        exactly (e.g. ``{"REGION": "Flanders"}``).  Only the kept rows are
        checked.
    scale : float or numpy.ndarray, optional
        Factor applied to the counts (>= 0), e.g. to scale a region's cases to
        the share a centre handles: one number, or one factor per requested
        day (an array of length ``n_days``; see :func:`step_values` for a
        dated schedule).
    aggregate : bool, optional
        If true, sum the rows that share a date (age/sex breakdowns); if
        false, a repeated date is an error.
    date_format : str, optional
        :func:`datetime.datetime.strptime` format of the dates (keyword only).
    drop_missing_dates : bool, optional
        If true, silently drop kept rows with an empty or ``NA`` date instead
        of raising (keyword only).
    fill_missing : float, optional
        If given, dates inside the requested range that have no row are filled
        with this value (before ``scale``) instead of raising; the requested
        range must still lie within the file's first and last date (keyword
        only).
    separator : str, optional
        The field separator, one character (``";"`` for files written by a
        spreadsheet in many European locales, ``"\t"`` for tab-separated
        files; keyword only).

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n_days``.

    Raises
    ------
    DataError
        For a missing or unreadable file, missing columns (the message lists
        the available ones), no row matching the filter, an empty or
        unparseable date, a non-numeric, non-finite or negative count, a
        repeated date when ``aggregate=False``, dates missing inside the
        requested range, or a requested range that the file does not cover
        (both messages name the missing dates, as ranges, and how many).
    ParameterError
        On an invalid ``n_days``, ``scale``, ``fill_missing`` or ``separator``.
    """
    n = _check_n_days(n_days)
    factor = _check_scale(scale, n)
    if fill_missing is not None:
        fill_missing = _check_finite("fill_missing", fill_missing, minimum=0.0)
    if not isinstance(separator, str) or len(separator) != 1:
        raise ParameterError(f"separator must be one character, got {separator!r}")
    start_date = _check_start_date(start_date)
    options = _CsvOptions(date_column, cases_column, tuple(sorted((filter or {}).items())),
                          aggregate, date_format, drop_missing_dates, separator)
    per_date = _per_date_cached(os.fspath(path), _file_stamp(path), options)
    return _requested_days(per_date, path, start_date, n, fill_missing) * factor


def step_values(n_days: int, steps: Sequence[tuple[float, float]]) -> np.ndarray:
    """Return a piecewise-constant value per day from dated steps.

    Parameters
    ----------
    n_days : int
        Number of calendar days (>= 1).
    steps : sequence of (from_day, value)
        ``value`` holds from day ``from_day`` (an integer day offset from the
        calendar start) until the next step; sorted by strictly increasing
        ``from_day``, the first at or before day 0.

    Returns
    -------
    numpy.ndarray
        float64 array of length ``n_days``.

    Raises
    ------
    ParameterError
        On an empty, unsorted or late-starting schedule or a non-finite value.

    Examples
    --------
    >>> step_values(5, [(0, 1.0), (3, 0.5)]).tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5]
    """
    n = _check_n_days(n_days)
    out = np.empty(n, dtype=np.float64)
    previous: float | None = None
    for k, (from_day, value) in enumerate(steps):
        day = _check_finite(f"steps[{k}] from_day", from_day)
        x = _check_finite(f"steps[{k}] value", value)
        if previous is None and day > 0:
            raise ParameterError(f"the first step must start at or before day 0, got day {day}")
        if previous is not None and day <= previous:
            raise ParameterError(f"steps must be in strictly increasing day order; "
                                 f"entry {k} (day {day}) follows day {previous}")
        out[max(0, min(n, math.ceil(day))):] = x
        previous = day
    if previous is None:
        raise ParameterError("steps must not be empty")
    return out


def _check_scale(scale: float | np.ndarray, n: int) -> float | np.ndarray:
    """Check a scalar factor, or one factor per day: finite and >= 0."""
    if np.ndim(scale) == 0:
        return _check_finite("scale", cast(float, scale), minimum=0.0)
    factors = np.asarray(scale, dtype=np.float64)
    if factors.shape != (n,):
        raise ParameterError(f"scale must be a number or {n} daily factors, "
                             f"got shape {factors.shape}")
    if not np.all(np.isfinite(factors)) or np.any(factors < 0):
        raise ParameterError("scale factors must be finite and >= 0")
    return factors


@dataclass(frozen=True)
class _CsvOptions:
    """How a file is read into counts per date (hashable, for the cache)."""

    date_column: str
    cases_column: str
    filters: tuple[tuple[str, str], ...]
    aggregate: bool
    date_format: str
    drop_missing_dates: bool
    separator: str


def _file_stamp(path: str | os.PathLike) -> str | None:
    """Return a digest of a file's content (None when it cannot be read): the cache key.

    Hashing is far cheaper than parsing, and unlike a modification time it
    cannot miss a rewrite within the file system's clock resolution.
    """
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "blake2b").hexdigest()
    except (OSError, ValueError):
        return None


@functools.lru_cache(maxsize=16)
def _per_date_cached(path: str, stamp: str | None,
                     options: _CsvOptions) -> pd.Series:
    """Read a file's counts per date (once per file version; validation reads it too)."""
    del stamp  # part of the key only: a changed file is read again
    filters = dict(options.filters)
    df = _read_csv(path, options.separator)
    _check_columns(df, path, [options.date_column, options.cases_column, *filters])
    df = _keep_matching(_drop_blank_rows(df), path, filters)
    df, dates = _dates(df, path, options.date_column, options.date_format,
                       options.drop_missing_dates)
    counts = _counts(df, path, options.cases_column)
    if not options.aggregate:
        _check_unique_dates(dates, path)
    return counts.astype(np.float64).groupby(dates).sum()  # callers never change it


def _check_start_date(start_date: datetime.date) -> datetime.date:
    if isinstance(start_date, datetime.datetime):
        start_date = start_date.date()
    if not isinstance(start_date, datetime.date):
        raise ParameterError(f"start_date must be a datetime.date, got {start_date!r}")
    return start_date


def _read_csv(path: str | os.PathLike, separator: str = ",") -> pd.DataFrame:
    """Read every column as text; a file that cannot be read raises :class:`DataError`."""
    file = Path(path)
    try:
        if not file.is_file():
            raise DataError(path, "file not found")
        return pd.read_csv(file, dtype=str, keep_default_na=False, skip_blank_lines=False,
                           encoding="utf-8-sig", sep=separator, engine="c")
    except pd.errors.EmptyDataError:
        raise DataError(path, "file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot be read as CSV: {str(exc).strip()}") from None
    except (OSError, ValueError) as exc:  # name too long, embedded NUL, permissions
        if isinstance(exc, DataError):
            raise
        raise DataError(path, f"cannot be read ({exc.__class__.__name__}: {exc})") from None


def _check_columns(df: pd.DataFrame, path: str | os.PathLike, wanted: list[str]) -> None:
    missing = [c for c in dict.fromkeys(wanted) if c not in df.columns]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"available: {', '.join(map(repr, map(str, df.columns)))}",
        )


def _drop_blank_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Drop blank lines, which come back as rows of empty strings (row numbers stay)."""
    blank = (df.apply(lambda col: col.str.strip()) == "").all(axis=1)
    return df.loc[~blank]


def _keep_matching(df: pd.DataFrame, path: str | os.PathLike,
                   filters: Mapping[str, str]) -> pd.DataFrame:
    """Keep the rows where each column in ``filters`` equals its text; none left is an error."""
    for column, value in filters.items():
        keep = df[column] == str(value)
        if not keep.any():
            present = sorted(set(df[column]))
            shown = ", ".join(map(repr, present[:10])) + (", ..." if len(present) > 10 else "")
            raise DataError(
                path, f"no row has {column} == {str(value)!r}; values present: {shown}"
            )
        df = df.loc[keep]
    return df


def _dates(df: pd.DataFrame, path: str | os.PathLike, date_column: str, date_format: str,
           drop_missing_dates: bool) -> tuple[pd.DataFrame, pd.Series]:
    """Parse the dates (midnight); return the rows kept and their dates."""
    raw_dates = df[date_column].str.strip()
    empty = raw_dates.isin(["", "NA", "NaN", "nan", "null", "NULL"])
    if empty.any():
        if not drop_missing_dates:
            raise DataError(
                path,
                f"empty date in column {date_column!r} (pass drop_missing_dates=True to skip "
                f"rows without a date)",
                row=_row(empty.idxmax()),
            )
        df = df.loc[~empty]
        raw_dates = raw_dates.loc[~empty]
    if df.empty:
        raise DataError(path, "no rows with a date")
    dates = pd.to_datetime(raw_dates, format=date_format, errors="coerce")
    bad = dates.isna()
    if bad.any():
        idx = bad.idxmax()
        raise DataError(
            path,
            f"cannot parse date {raw_dates.loc[idx]!r} in column {date_column!r} "
            f"(expected format {date_format!r})",
            row=_row(idx),
        )
    return df, dates.dt.normalize()


def _counts(df: pd.DataFrame, path: str | os.PathLike, cases_column: str) -> pd.Series:
    """Parse the counts: finite numbers >= 0."""
    raw_counts = df[cases_column].str.strip()
    counts = pd.to_numeric(raw_counts, errors="coerce")
    bad = counts.isna() | ~np.isfinite(counts.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        idx = bad.idxmax()
        raise DataError(
            path,
            f"count {raw_counts.loc[idx]!r} in column {cases_column!r} is not a finite number",
            row=_row(idx),
        )
    negative = counts < 0
    if negative.any():
        idx = negative.idxmax()
        raise DataError(
            path, f"negative count {raw_counts.loc[idx]!r} in column {cases_column!r}",
            row=_row(idx),
        )
    return counts


def _check_unique_dates(dates: pd.Series, path: str | os.PathLike) -> None:
    dup = dates.duplicated(keep="first")
    if dup.any():
        idx = dup.idxmax()
        first = (dates == dates.loc[idx]).idxmax()
        raise DataError(
            path,
            f"date {dates.loc[idx].date().isoformat()} repeats row {_row(first)} "
            f"(pass aggregate=True to sum rows per date)",
            row=_row(idx),
        )


def _requested_days(per_date: pd.Series, path: str | os.PathLike, start_date: datetime.date,
                    n: int, fill_missing: float | None) -> np.ndarray:
    """Return the counts of the ``n`` days from ``start_date``, which the file must cover."""
    first_day = per_date.index.min().date()
    last_day = per_date.index.max().date()
    end_date = start_date + datetime.timedelta(days=n - 1)
    series = per_date.reindex(pd.date_range(start_date, periods=n, freq="D"))
    gaps = series.isna().to_numpy()
    missing = [d.date() for d in series.index[gaps]]
    if start_date < first_day or end_date > last_day:
        raise DataError(
            path,
            f"requested {start_date.isoformat()} to {end_date.isoformat()} ({n} days) "
            f"but the file covers {first_day.isoformat()} to {last_day.isoformat()}: "
            f"missing {describe_dates(missing)}",
        )
    if gaps.any():
        if fill_missing is None:
            raise DataError(
                path,
                f"{len(missing)} date(s) missing in the requested range, first "
                f"{missing[0].isoformat()}: {describe_dates(missing)} (pass fill_missing=0 "
                f"if absent dates mean no cases)",
            )
        series = series.fillna(fill_missing)
    return series.to_numpy(dtype=np.float64)


def describe_dates(dates: Sequence[datetime.date], limit: int = 4) -> str:
    """Describe sorted dates compactly as ranges, e.g. ``2020-11-03 to 2020-11-30 (28 days)``.

    Parameters
    ----------
    dates : sequence of datetime.date
        Sorted, distinct dates.
    limit : int, optional
        Most ranges written out; further ones are summarised as ``...``.

    Returns
    -------
    str
        The ranges separated by commas, then the number of days in brackets.

    Examples
    --------
    >>> import datetime as dt
    >>> describe_dates([dt.date(2020, 3, 2), dt.date(2020, 3, 3), dt.date(2020, 3, 5)])
    '2020-03-02 to 2020-03-03, 2020-03-05 (3 days)'
    """
    runs: list[list[datetime.date]] = []
    for day in dates:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    parts = [a.isoformat() if a == b else f"{a.isoformat()} to {b.isoformat()}"
             for a, b in runs[:limit]]
    if len(runs) > limit:
        parts.append("...")
    count = len(dates)
    return f"{', '.join(parts)} ({count} day{'s' if count != 1 else ''})"
