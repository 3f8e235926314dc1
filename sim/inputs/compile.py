"""Compile a :class:`~sim.inputs.scenario.Scenario` into a :class:`Plan` for the engine.

The plan holds seconds, day-level arrays, intraday weights and shift
templates, ready for the engine.

Everything here is deterministic: random draws happen per replication in the
engine, from named streams. The expected demand (cases per day) is computed
once per plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.basics.units import DAY_S, MINUTE_S
from sim.inputs.scenario import Scenario, epidemic_sources, source_cases

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift in seconds: start after midnight, length, share, breaks (after, length)."""

    start_s: float
    length_s: float
    share: float
    breaks_s: tuple[tuple[float, float], ...]
    name: str = ""
    weekdays: tuple[bool, ...] = (True,) * 7


@dataclass(frozen=True)
class Plan:
    """A scenario in the engine's terms (all times in seconds).

    Attributes
    ----------
    scenario
        The validated scenario this plan was compiled from.
    n_days, horizon_s, interval_s, n_intervals, intervals_per_day
        The calendar: the run covers ``[0, horizon_s)``; reporting intervals
        of ``interval_s`` seconds.
    dates
        The calendar dates, one per day.
    open_s, close_s
        Opening and closing time of each day, seconds since the start of the
        run (both NaN when closed that day).
    expected_cases
        Expected confirmed cases per day from the epidemic model.
    minute_open
        Open (1.0) or closed (0.0) for every minute of the run.
    inbound_minute_weights
        Share of a day's inbound calls falling in each minute of that day
        (rows sum to 1 on days with open hours), shape (n_days, 1440).
    shifts
        Shift templates.
    template_on_day
        Whether each template runs on each day, shape (n_days, n_templates).
    staff_factor
        Share of the (peak-day) headcount rostered on each day: the day's
        templates' shares over the largest such sum of any weekday (1 on
        every day when every template runs every day).
    regimes
        The behaviour in force over the run (:meth:`Scenario.regimes`): the
        scenario, then one scenario per dated change.
    regime_of_day
        Index into ``regimes`` of the behaviour in force on each day.
    sources
        The sources of index work (one unless ``epidemic.sources`` lists
        several); ``expected_cases`` is their sum.
    """

    scenario: Scenario
    n_days: int
    horizon_s: float
    interval_s: float
    n_intervals: int
    intervals_per_day: int
    dates: tuple[dt.date, ...]
    open_s: np.ndarray
    close_s: np.ndarray
    expected_cases: np.ndarray
    minute_open: np.ndarray
    inbound_minute_weights: np.ndarray
    release_offsets_s: np.ndarray
    release_widths_s: np.ndarray
    release_weights: np.ndarray
    shifts: tuple[ShiftTemplate, ...]
    template_on_day: np.ndarray
    staff_factor: np.ndarray
    regimes: tuple[Scenario, ...]
    regime_of_day: np.ndarray
    sources: tuple[DemandSource, ...]

    def regime_at(self, time_s: float) -> int:
        """Index of the behaviour in force at ``time_s`` (see ``regimes``)."""
        day = min(max(int(time_s // DAY_S), 0), self.n_days - 1)
        return int(self.regime_of_day[day])


@dataclass(frozen=True)
class DemandSource:
    """One source of index work (``epidemic.sources``, or the single epidemic model).

    Attributes
    ----------
    name
        The source's name (``cases`` for a single epidemic model).
    expected_cases
        Expected confirmed cases per day.
    share_traced
        Share of the cases handed to the centre, per day (the values in force
        on that day: the source's own ``share_traced``, else
        ``reporting.share_traced``).
    streams
        Prefix of the source's random stream names: empty for the first
        source, whose draws are those of a single-source scenario, and
        ``source:<name>/`` for the others, so that adding a source leaves the
        other sources' draws unchanged.
    """

    name: str
    expected_cases: np.ndarray
    share_traced: np.ndarray
    streams: str


def expected_cases(scenario: Scenario) -> np.ndarray:
    """Return the expected confirmed cases per simulated day, summed over the sources.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    numpy.ndarray
        Float array of length ``calendar.days``.
    """
    cal = scenario.calendar
    sources = epidemic_sources(scenario.epidemic, scenario.reporting.share_traced)
    total = source_cases(sources[0][2], cal)
    for _path, _name, model, _share in sources[1:]:
        total = total + source_cases(model, cal)
    return total


def demand_sources(scenario: Scenario, regimes: Sequence[Scenario],
                   regime_of_day: np.ndarray) -> tuple[DemandSource, ...]:
    """Return the scenario's sources of index work with their expected cases.

    Parameters
    ----------
    scenario
        A validated scenario.
    regimes, regime_of_day
        The behaviour in force over the run and the regime of each day (see
        :class:`Plan`): the share traced may change over the run.

    Returns
    -------
    tuple of DemandSource
    """
    cal = scenario.calendar
    shares = np.array([[share for *_, share in
                        epidemic_sources(regime.epidemic, regime.reporting.share_traced)]
                       for regime in regimes], dtype=float)
    return tuple(
        DemandSource(name=name, expected_cases=source_cases(model, cal),
                     share_traced=shares[regime_of_day, k],
                     streams="" if k == 0 else f"source:{name}/")
        for k, (_path, name, model, _share) in enumerate(
            epidemic_sources(scenario.epidemic, scenario.reporting.share_traced)))


def _opening(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cal = scenario.calendar
    open_s = np.full(cal.days, np.nan)
    close_s = np.full(cal.days, np.nan)
    minute_open = np.zeros(cal.days * MINUTES_PER_DAY)
    for day, date in enumerate(cal.dates):
        hours = cal.opening_hours.for_weekday(date.weekday())
        if hours is None:
            continue
        open_s[day] = day * DAY_S + hours[0]
        close_s[day] = day * DAY_S + hours[1]
        first = day * MINUTES_PER_DAY + int(hours[0] // MINUTE_S)
        last = day * MINUTES_PER_DAY + int(np.ceil(hours[1] / MINUTE_S))
        minute_open[first:last] = 1.0
    return open_s, close_s, minute_open


def _inbound_weights(scenario: Scenario, minute_open: np.ndarray) -> np.ndarray:
    days = scenario.calendar.days
    profile = scenario.inbound.profile or [1.0] * 24
    per_minute = np.repeat(np.asarray(profile, dtype=float), 60)
    weights = minute_open.reshape(days, MINUTES_PER_DAY) * per_minute[None, :]
    totals = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)


def compile_plan(scenario: Scenario) -> Plan:
    """Turn a validated scenario into a :class:`Plan` for the engine.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        When the demand data cannot be built (e.g. a CSV problem); the message
        names the file and row.
    """
    cal = scenario.calendar
    interval_s = scenario.simulation.interval
    intervals_per_day = int(round(DAY_S / interval_s))
    open_s, close_s, minute_open = _opening(scenario)
    release = scenario.reporting.release
    shifts = tuple(
        ShiftTemplate(
            start_s=s.start,
            length_s=s.length,
            share=s.share,
            breaks_s=tuple((b.after, b.length) for b in s.breaks),
            name=name,
            weekdays=tuple(s.runs_on(w) for w in range(7)),
        )
        for s, name in zip(scenario.agents.shifts, scenario.agents.shift_names, strict=True)
    )
    on_day, factor = _template_days(cal.dates, shifts)
    regimes = scenario.regimes()
    regime_of_day = _regime_of_day(cal.dates, [date for date, _ in regimes])
    sources = demand_sources(scenario, [regime for _, regime in regimes], regime_of_day)
    return Plan(
        scenario=scenario,
        n_days=cal.days,
        horizon_s=cal.days * DAY_S,
        interval_s=interval_s,
        n_intervals=cal.days * intervals_per_day,
        intervals_per_day=intervals_per_day,
        dates=tuple(cal.dates),
        open_s=open_s,
        close_s=close_s,
        expected_cases=_total_cases(sources),
        minute_open=minute_open,
        inbound_minute_weights=_inbound_weights(scenario, minute_open),
        release_offsets_s=np.array([slot.at for slot in release]),
        release_widths_s=np.array([slot.width for slot in release]),
        release_weights=np.array([slot.share for slot in release]),
        shifts=shifts,
        template_on_day=on_day,
        staff_factor=factor,
        regimes=tuple(regime for _, regime in regimes),
        regime_of_day=regime_of_day,
        sources=sources,
    )


def _total_cases(sources: Sequence[DemandSource]) -> np.ndarray:
    """Sum the expected cases per day over the sources (the first alone: exactly its own)."""
    total = np.asarray(sources[0].expected_cases, dtype=float)
    for source in sources[1:]:
        total = total + source.expected_cases
    return total


def _template_days(dates: list[dt.date], shifts: tuple[ShiftTemplate, ...]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Which templates run on each date, and each date's share of the peak headcount."""
    weekly = np.array([[t.weekdays[w] for t in shifts] for w in range(7)], dtype=bool)
    shares = np.array([t.share for t in shifts], dtype=float)
    peak = float((weekly * shares).sum(axis=1).max())
    on_day = weekly[[date.weekday() for date in dates]]
    return on_day, (on_day * shares).sum(axis=1) / peak


def _regime_of_day(dates: list[dt.date], starts: list[dt.date | None]) -> np.ndarray:
    """Index of the last regime starting on or before each date (0: the scenario's own)."""
    out = np.zeros(len(dates), dtype=np.int64)
    for number, start in enumerate(starts[1:], start=1):
        assert start is not None
        out[np.array([date >= start for date in dates], dtype=bool)] = number
    return out


def split_headcount(headcount: int, shares: np.ndarray) -> np.ndarray:
    """Split a headcount over shift templates by share (largest remainder).

    Parameters
    ----------
    headcount
        Agents on the roster.
    shares
        Non-negative weights of the templates.

    Returns
    -------
    numpy.ndarray
        Integer agents per template, summing to ``headcount``.
    """
    weights = np.asarray(shares, dtype=float) / float(np.sum(shares))
    exact = headcount * weights
    base = np.floor(exact).astype(np.int64)
    rest = int(headcount - base.sum())
    if rest > 0:
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:rest]] += 1
    return base

