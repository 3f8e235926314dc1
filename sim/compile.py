"""Compile a :class:`~sim.scenario.Scenario` into a :class:`Plan` for the engine.

The plan holds seconds, day-level arrays, intraday weights and shift
templates, ready for the engine.

Everything here is deterministic: random draws happen per replication in the
engine, from named streams. The expected demand (cases per day) is computed
once per plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim import epidemic
from sim.scenario import (
    CsvEpidemic,
    Scenario,
    SeirEpidemic,
    WavesEpidemic,
)
from sim.units import DAY_S, MINUTE_S

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift in seconds: start after midnight, length, share, breaks (after, length)."""

    start_s: float
    length_s: float
    share: float
    breaks_s: tuple[tuple[float, float], ...]


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


def expected_cases(scenario: Scenario) -> np.ndarray:
    """Return the expected confirmed cases per simulated day from the epidemic model.

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
    model = scenario.epidemic
    if isinstance(model, WavesEpidemic):
        waves = [
            (
                float(cal.day_of(w.peak_date)),
                w.peak_per_day,
                w.rise / DAY_S,
                w.fall / DAY_S,
            )
            for w in model.waves
        ]
        return epidemic.waves_daily(cal.days, waves, model.baseline_per_day, shape=model.shape)
    if isinstance(model, SeirEpidemic):
        r_schedule = [(float(cal.day_of(step.from_date)), step.r) for step in model.r]
        return epidemic.seir_daily(
            cal.days,
            model.population,
            model.initial_exposed,
            model.initial_infectious,
            model.initial_recovered,
            r_schedule,
            model.incubation / DAY_S,
            model.infectious_period / DAY_S,
            model.ascertainment,
        )
    assert isinstance(model, CsvEpidemic)
    return epidemic.csv_daily(
        model.path,
        cal.start,
        cal.days,
        date_column=model.date_column,
        cases_column=model.cases_column,
        filter=model.filter,
        scale=model.scale,
        drop_missing_dates=model.drop_missing_dates,
        fill_missing=model.fill_missing,
    )


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
        )
        for s in scenario.agents.shifts
    )
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
        expected_cases=np.asarray(expected_cases(scenario), dtype=float),
        minute_open=minute_open,
        inbound_minute_weights=_inbound_weights(scenario, minute_open),
        release_offsets_s=np.array([slot.at for slot in release]),
        release_widths_s=np.array([slot.width for slot in release]),
        release_weights=np.array([slot.share for slot in release]),
        shifts=shifts,
    )


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

