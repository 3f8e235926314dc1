"""Cross-field checks: problems that no single field can see.

Each check is a small function of the whole scenario (:class:`Scenario` names what it reads)
that yields :data:`Problem` pairs (dotted path as a tuple, message). The checks
in :data:`ERROR_CHECKS` make a scenario unusable; those in
:data:`WARNING_CHECKS` point at something allowed but probably not meant.
:func:`cross_field_checks` runs them all, in order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Protocol

from sim.inputs.scenario.agents import Agents, Shift
from sim.inputs.scenario.base import WEEKDAYS
from sim.inputs.scenario.calendar import Calendar
from sim.inputs.scenario.changes import Change
from sim.inputs.scenario.costs import Costs
from sim.inputs.scenario.demand import (
    CsvEpidemic,
    Epidemic,
    Reporting,
    SeirEpidemic,
    SingleEpidemic,
    WavesEpidemic,
    epidemic_sources,
)
from sim.inputs.scenario.inbound import Inbound
from sim.inputs.scenario.sources import source_cases
from sim.inputs.scenario.staffing import Problem, StaffingCommon
from sim.inputs.scenario.tracing import OutboundTask, Tracing


class Scenario(Protocol):
    """The sections the checks read (a :class:`~sim.inputs.scenario.scenario.Scenario`)."""

    calendar: Calendar
    epidemic: Epidemic
    reporting: Reporting
    tracing: Tracing
    inbound: Inbound
    agents: Agents
    staffing: StaffingCommon
    costs: Costs
    changes: list[Change]


Check = Callable[[Scenario], Iterator[Problem]]
"""A cross-field check: yields the problems it finds in a scenario."""


def _last_day(scenario: Scenario) -> dt.date:
    calendar = scenario.calendar
    return calendar.start + dt.timedelta(days=calendar.days - 1)


# --------------------------------------------------------------------------- errors


def billing_fees(scenario: Scenario) -> Iterator[Problem]:
    """Check that billing per call or per case has its fee."""
    costs = scenario.costs
    if costs.billing == "per_call" and costs.fee_per_call == 0:
        yield ("costs", "fee_per_call"), "billing 'per_call' needs a fee above 0"
    if costs.billing == "per_case" and costs.fee_per_case == 0:
        yield ("costs", "fee_per_case"), "billing 'per_case' needs a fee above 0"


def _sources(scenario: Scenario) -> list[tuple[tuple, SingleEpidemic]]:
    """Each demand model with its path (``epidemic`` or ``epidemic.sources.<i>``)."""
    return [(path, model) for path, _name, model, _share in
            epidemic_sources(scenario.epidemic, scenario.reporting.share_traced)]


def seir_starts_in_time(scenario: Scenario) -> Iterator[Problem]:
    """Check that the first SEIR reproduction-number step covers the start."""
    start = scenario.calendar.start
    for path, model in _sources(scenario):
        if isinstance(model, SeirEpidemic) and model.r[0].from_date > start:
            yield (path + ("r", 0, "from"),
                   f"the first step must start on or before calendar.start ({start})")


def csv_scale_starts_in_time(scenario: Scenario) -> Iterator[Problem]:
    """Check that a dated CSV ``scale`` starts on or before the first simulated day."""
    start = scenario.calendar.start
    for path, model in _sources(scenario):
        if (isinstance(model, CsvEpidemic) and isinstance(model.scale, list)
                and model.scale[0].from_date > start):
            yield (path + ("scale", 0, "from"),
                   f"the first step must start on or before calendar.start ({start})")


def csv_covers_the_calendar(scenario: Scenario) -> Iterator[Problem]:
    """Check that every CSV source can be read and has a count for every simulated day.

    The file is read here (and cached), so ``tracesim validate`` finds what
    ``run`` would refuse: a row that cannot be read, or the dates missing.
    """
    for path, model in _sources(scenario):
        if isinstance(model, CsvEpidemic):
            scale_ok = not isinstance(model.scale, list) or model.scale[0].from_date <= (
                scenario.calendar.start)
            try:
                source_cases(model if scale_ok else model.model_copy(update={"scale": 1.0}),
                             scenario.calendar)
            except ValueError as exc:
                yield path + ("path",), str(exc)


def _attempts_take_time(path: tuple, task: OutboundTask) -> Iterator[Problem]:
    for name in ("handle_time", "failed_attempt_time"):
        if getattr(task, name).mean_s <= 0:
            yield path + (name, "mean"), "must be a positive duration (an attempt takes agent time)"


def outbound_attempts_take_time(scenario: Scenario) -> Iterator[Problem]:
    """Check that outbound conversations and failed attempts take agent time."""
    yield from _attempts_take_time(("tracing", "index"), scenario.tracing.index)
    yield from _attempts_take_time(("tracing", "contact"), scenario.tracing.contact)


def inbound_calls_take_time(scenario: Scenario) -> Iterator[Problem]:
    """Check that an inbound call takes agent time."""
    if scenario.inbound.enabled and scenario.inbound.handle_time.mean_s <= 0:
        yield ("inbound", "handle_time", "mean"), "must be a positive duration"


def callbacks_are_possible(scenario: Scenario) -> Iterator[Problem]:
    """Check that callbacks have the hotline, an offer after a wait, timed attempts."""
    inbound = scenario.inbound
    callback = inbound.callback
    if not callback.enabled:
        return
    if not inbound.enabled:
        yield (("inbound", "callback", "enabled"),
               "callbacks are offered to inbound callers: enable the hotline (inbound.enabled)")
    if callback.offer_after <= 0:
        yield (("inbound", "callback", "offer_after"),
               "must be above 0 (a callback is offered to a caller who has waited)")
    if callback.failed_attempt_time.mean_s <= 0:
        yield (("inbound", "callback", "failed_attempt_time", "mean"),
               "must be a positive duration (an attempt takes agent time)")


def staffing_problems(scenario: Scenario) -> Iterator[Problem]:
    """Yield what the staffing policy finds wrong with the rest of the scenario."""
    yield from scenario.staffing.problems(scenario)


def staffing_notes(scenario: Scenario) -> Iterator[Problem]:
    """Yield what the staffing policy finds allowed but probably not meant."""
    yield from scenario.staffing.notes(scenario)


def changes_within_run(scenario: Scenario) -> Iterator[Problem]:
    """Warn of dated changes that start after the last simulated day (never in force)."""
    end = _last_day(scenario)
    for i, change in enumerate(scenario.changes):
        if change.from_date > end:
            yield (("changes", i, "from"),
                   f"{change.from_date} is after the last simulated day ({end}): never in force")


def waves_peak_within_run(scenario: Scenario) -> Iterator[Problem]:
    """Warn of waves that peak outside the simulated period."""
    start, end = scenario.calendar.start, _last_day(scenario)
    for path, model in _sources(scenario):
        if not isinstance(model, WavesEpidemic):
            continue
        for i, wave in enumerate(model.waves):
            if not start <= wave.peak_date <= end:
                yield (path + ("waves", i, "peak_date"),
                       f"{wave.peak_date} is outside the run ({start} to {end})")


def _open_minutes(scenario: Scenario) -> dict[int, set[int]]:
    """Minutes of the day the centre is open, by weekday (closed weekdays left out)."""
    open_minutes: dict[int, set[int]] = {}
    for weekday in range(7):
        hours = scenario.calendar.opening_hours.for_weekday(weekday)
        if hours is not None:
            open_minutes[weekday] = set(range(int(hours[0] // 60), int(-(-hours[1] // 60))))
    return open_minutes


def _shift_minutes(shift: Shift) -> set[int]:
    first = int(shift.start // 60)
    return {(first + m) % 1440 for m in range(int(round(shift.length / 60)))}


def open_some_day(scenario: Scenario) -> Iterator[Problem]:
    """Warn when the centre is closed every day."""
    if not _open_minutes(scenario):
        yield ("calendar", "opening_hours"), "closed every day: no work is done"


def shifts_overlap_opening_hours(scenario: Scenario) -> Iterator[Problem]:
    """Warn of shifts entirely outside opening hours (paid, idle agents)."""
    open_minutes = _open_minutes(scenario)
    if not open_minutes:
        return
    for i, shift in enumerate(scenario.agents.shifts):
        minutes = _shift_minutes(shift)
        if not any(minutes & m for m in open_minutes.values()):
            yield (("agents", "shifts", i),
                   "the shift lies entirely outside opening hours: its agents are paid and idle")


def opening_hours_covered(scenario: Scenario) -> Iterator[Problem]:
    """Warn of the first open minute that no shift covers (one warning at most)."""
    covered: set[int] = set()
    for shift in scenario.agents.shifts:
        covered |= _shift_minutes(shift)
    for weekday, minutes in _open_minutes(scenario).items():
        if minutes - covered:
            first = min(minutes - covered)
            yield (("calendar", "opening_hours"),
                   f"no shift covers {first // 60:02d}:{first % 60:02d} on "
                   f"{WEEKDAYS[weekday]}: nobody answers while open")
            return


def inbound_has_calls(scenario: Scenario) -> Iterator[Problem]:
    """Warn of a hotline that is enabled but receives no calls."""
    inbound = scenario.inbound
    if inbound.enabled and inbound.calls_per_case == 0 and inbound.base_per_day == 0:
        yield (("inbound", "enabled"),
               "enabled but no calls: calls_per_case and base_per_day are both 0")


def callback_offered_before_most_hang_up(scenario: Scenario) -> Iterator[Problem]:
    """Warn when callbacks are offered only after the callers' mean patience."""
    inbound = scenario.inbound
    callback = inbound.callback
    patience_s = inbound.patience.mean_s
    if inbound.enabled and callback.enabled and 0 < patience_s <= callback.offer_after:
        yield (("inbound", "callback", "offer_after"),
               f"not shorter than the callers' mean patience ({patience_s:g} s): "
               "most callers hang up before they are offered a callback")


ERROR_CHECKS: tuple[Check, ...] = (
    billing_fees,
    seir_starts_in_time,
    csv_scale_starts_in_time,
    csv_covers_the_calendar,
    outbound_attempts_take_time,
    inbound_calls_take_time,
    staffing_problems,
    callbacks_are_possible,
)
"""Checks whose problems make a scenario unusable, in reporting order."""

WARNING_CHECKS: tuple[Check, ...] = (
    staffing_notes,
    changes_within_run,
    waves_peak_within_run,
    open_some_day,
    shifts_overlap_opening_hours,
    opening_hours_covered,
    inbound_has_calls,
    callback_offered_before_most_hang_up,
)
"""Checks whose problems are reported as warnings, in reporting order."""


def cross_field_checks(scenario: Scenario) -> tuple[list[Problem], list[Problem]]:
    """Run the checks that involve several fields.

    Parameters
    ----------
    scenario
        A scenario whose every field is valid on its own.

    Returns
    -------
    tuple of list
        ``(errors, warnings)``: errors make the scenario unusable; warnings
        point at something that is allowed but probably not meant (agents
        paid while closed, a wave that peaks outside the run, ...).
    """
    errors = [problem for check in ERROR_CHECKS for problem in check(scenario)]
    warnings = [problem for check in WARNING_CHECKS for problem in check(scenario)]
    return errors, warnings
