"""Tables and figures of merit from a replication (DESIGN section 4).

Every figure has one definition, used at every level. The engine's raw
per-interval sums (:func:`interval_sums`), added up by day together with the
per-day counts (agents present, hires, headcount) and the people counted by the
day they were created (:func:`day_sums`), and added up again over the run
(:func:`run_sums`), go through one function, :func:`figures`, which turns any
such sums into the figures. The interval table, the daily table and the
replication's metrics are views of it (:data:`INTERVAL_TABLE_COLUMNS`,
:data:`DAILY_COLUMNS`, :data:`RUN_METRICS`), so a day's additive figures are the
sum of its intervals', the run's are the sum of its days', and a ratio at any
level is the ratio of the summed parts (never a mean of ratios).

Definitions (these are contracts and are tested):

* ``paid = talk + wrap + failed_attempt + idle + break + onboarding +
  not_logged_in``; paid time is the on-shift span (including overtime to
  finish a call) plus the shifts paid but not logged in (paid absence,
  ``agents.not_logged_in_share``), recorded apart from the state spans, so the
  identity is a check, not a definition. ``billed_fte`` of a day is its paid
  hours x 7 / ``agents.contract_hours_per_week``.
  ``pool_paid_hours`` is the part of it worked by agents called in on call.
* ``busy = talk + wrap + failed_attempt``; ``idle`` is on shift, not on break or
  onboarding, and not in a call (including open hours with no work and any
  shift time outside opening hours).
* ``idle_share = idle / paid``; ``occupancy = busy / (busy + idle)``;
  ``utilisation = busy / paid``; ``agents_paid`` and ``agents_busy`` (intervals
  only) are paid and busy seconds / the interval's length. A ratio whose
  denominator is 0 is NaN.
* Inbound, counted by the interval in which the call arrived:
  ``inbound_offered = inbound_answered + inbound_abandoned + inbound_callback +
  inbound_waiting_at_end`` (``inbound_callback``: callers who accepted a
  callback and hung up; not an abandonment). ``inbound_service_level`` =
  answered within T / offered (all arrivals); ``inbound_service_level_answered``
  = answered within T / answered. ``inbound_asa_s`` = mean wait of answered
  calls; ``inbound_mean_wait_s`` = mean wait of answered and abandoned calls
  (abandoned ones until they hung up); ``inbound_p_wait`` = share of offered
  calls not answered at once; ``inbound_abandon_share`` = abandoned / offered.
* Outbound, counted by the start of the attempt: ``attempts`` are the tracing
  attempts (index + contact); ``callback_attempts`` apart. ``index_reached``,
  ``contacts_reached``, ``callbacks_reached``: conversations.
  ``handled_calls = inbound_answered + index_reached + contacts_reached +
  callbacks_reached``. ``callbacks_offered``: callers offered a callback, by the
  time of the offer.
* People, counted by the day they were created (released index case, contact
  created at the interview's end, callback accepted): ``index_cases``
  (``index_released`` in the daily table), ``contacts`` (``contacts_created``),
  ``callbacks_accepted``, and by final status ``*_unreachable``, ``*_expired``,
  ``*_open``, ``contacts_no_phone``. Every person ends in one status (reached,
  unreachable, no_phone, expired) or is open at the horizon. ``time_to_reach``
  runs from creation to the start of the reaching call;
  ``*_reached_within_deadline_share`` = people reached within their deadline
  (``tracing.index.within``, ``tracing.contact.within``,
  ``inbound.callback.within``) / people of that kind with a phone number (all
  index cases and callbacks); ``*_time_to_reach_mean_h`` is the mean over those
  reached.
* ``backlog``: outbound tasks (index cases, contacts with a phone, callbacks)
  created and not yet closed at the end of the interval or day;
  ``max_backlog``: its maximum over the ends of the intervals.
* Money: :func:`sim.analysis.costs.price` for the scenario's billing basis (capacity,
  productive, per call, per case) on the period's hours and counts, at day and
  run level (it needs the agents present and the hires of whole days):
  ``call_centre_cost`` is the sum of the billed parts (``agent_cost`` ...
  ``fee_cost``), ``other_cost`` the cost lines (``costs.lines``, priced by day
  in :func:`sim.analysis.costs.line_costs` and carried in the day sums), and
  ``total_cost = call_centre_cost + other_cost``. ``cost`` in the daily table
  is ``total_cost``. ``idle_cost`` and ``onboarding_cost``
  value those hours at the agent rate, whatever the billing.
  ``cost_per_handled_call``, ``cost_per_attempt`` (tracing attempts),
  ``cost_per_index_reached``, ``cost_per_contact_reached`` and
  ``cost_per_paid_hour`` divide ``call_centre_cost`` (they measure the call
  centre's output; with no cost lines it is ``total_cost``).
* Per agent-day (day sums and coarser): ``agents_present_mean`` =
  ``agent_days_paid`` / days; ``billed_fte_days`` = billed FTE summed over the
  days, ``billed_fte_mean`` = that / days; ``attempts_per_present_agent_day`` =
  attempts / ``agent_days_paid``; ``attempts_per_billed_fte_day`` = attempts /
  ``billed_fte_days``; ``handled_calls_per_present_agent_day`` and
  ``handled_calls_per_billed_fte_day`` likewise. ``persons_called`` of a period
  longer than a day is the sum of the daily counts of distinct persons attempted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.analysis.costs import COST_PARTS, other_cost_per_day, price
from sim.basics.units import DAY_S, HOUR_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Scenario
from sim.model import RawRun
from sim.model.recorder import INTERVAL_COLUMNS

#: The paid-time parts (``paid`` first); each is ``<part>_s`` in the raw sums.
TIME_PARTS = ("paid", "talk", "wrap", "failed_attempt", "idle", "break", "onboarding",
              "not_logged_in")

#: The engine's per-interval sums read by the metrics: the recorder's columns
#: (``attempts`` is derived here, as index + contact attempts).
RAW_INTERVAL_SUMS = tuple(name for name in INTERVAL_COLUMNS if name != "attempts")

#: Kinds of people with an outbound task, and the prefix of their figures.
PEOPLE_PREFIX = {"index": "index", "contact": "contacts", "callback": "callbacks"}
STATUSES = ("open", "reached", "unreachable", "no_phone", "expired")

#: Columns of the interval table, in order.
INTERVAL_TABLE_COLUMNS = (
    "interval_start", "t_s", "day",
    *(f"{part}_hours" for part in TIME_PARTS), "busy_hours", "agents_paid", "agents_busy",
    "inbound_offered", "inbound_answered", "inbound_abandoned",
    "inbound_answered_within_target", "attempts", "index_reached", "contacts_reached",
    "inbound_service_level", "inbound_asa_s", "backlog",
    # added with issue 8
    "pool_paid_hours", "idle_share", "occupancy", "utilisation", "inbound_waiting_at_end",
    "inbound_callback", "inbound_abandon_share", "callbacks_offered", "callback_attempts",
    "callbacks_reached", "handled_calls",
)

#: Columns of the daily table, in order.
DAILY_COLUMNS = (
    "day", "date", "expected_cases", "cases", "index_released", "contacts_created",
    "index_reached", "contacts_reached", "index_reached_within_deadline_share",
    "contacts_reached_within_deadline_share", "backlog", "attempts", "handled_calls",
    "inbound_offered", "inbound_answered", "inbound_abandoned",
    "inbound_answered_within_target", "inbound_service_level", "inbound_abandon_share",
    "headcount", "agents_present", *(f"{part}_hours" for part in TIME_PARTS), "busy_hours",
    "idle_share", "occupancy", "utilisation", "pool_paid_hours", "hires", *COST_PARTS, "cost",
    "cost_per_handled_call",
    # added with issue 8
    "inbound_waiting_at_end", "inbound_callback", "inbound_service_level_answered",
    "inbound_asa_s", "callbacks_offered", "callbacks_accepted", "callback_attempts",
    "callbacks_reached", "callbacks_reached_within_deadline_share", "idle_cost",
    "onboarding_cost",
    # added with issue 9 (cost lines; ``cost`` is total_cost = call_centre_cost + other_cost)
    "call_centre_cost", "other_cost",
    # added with issue 9 (the figures auditors compare)
    "attempts_index", "attempts_contact", "persons_called", "billed_fte",
)

#: Daily columns that show a figure under another name.
DAILY_RENAMES = {"index_released": "index_cases", "contacts_created": "contacts",
                 "cost": "total_cost", "agents_present": "agent_days_paid",
                 "billed_fte": "billed_fte_mean"}

#: The replication's metrics (the summary's names), in order.
RUN_METRICS = (
    *(f"{part}_hours" for part in TIME_PARTS), "busy_hours", "idle_share", "occupancy",
    "utilisation", "agent_days_paid", "mean_headcount",
    "index_cases", "index_reached", "index_unreachable", "index_expired", "index_open",
    "contacts", "contacts_no_phone", "contacts_reached", "contacts_unreachable",
    "contacts_expired", "contacts_open", "index_reached_within_deadline_share",
    "contacts_reached_within_deadline_share", "index_time_to_reach_mean_h",
    "contacts_time_to_reach_mean_h", "attempts", "inbound_offered", "inbound_answered",
    "inbound_abandoned", "inbound_waiting_at_end", "inbound_service_level",
    "inbound_service_level_answered", "inbound_abandon_share", "inbound_p_wait",
    "inbound_asa_s", "inbound_mean_wait_s", "handled_calls", "pool_paid_hours", "hires",
    *COST_PARTS, "total_cost", "onboarding_cost", "idle_cost", "cost_per_handled_call",
    "cost_per_attempt", "cost_per_index_reached", "cost_per_contact_reached",
    "cost_per_paid_hour", "max_backlog",
    # added with issue 8
    "inbound_answered_within_target", "inbound_callback", "callbacks_offered",
    "callbacks_accepted", "callbacks_reached", "callbacks_unreachable", "callbacks_expired",
    "callbacks_open",
    "callbacks_reached_within_deadline_share", "callbacks_time_to_reach_mean_h",
    "callback_attempts",
    # added with issue 9 (cost lines, attempts by kind, per agent-day)
    "call_centre_cost", "other_cost", "attempts_index", "attempts_contact",
    "persons_called", "agents_present_mean", "billed_fte_mean",
    "attempts_per_present_agent_day", "attempts_per_billed_fte_day",
    "handled_calls_per_present_agent_day", "handled_calls_per_billed_fte_day",
)

#: Columns holding whole counts (int64 in the tables).
_COUNTS = frozenset({
    "inbound_offered", "inbound_answered", "inbound_abandoned", "inbound_callback",
    "inbound_waiting_at_end", "inbound_answered_within_target", "attempts", "index_reached",
    "contacts_reached", "callbacks_offered", "callback_attempts", "callbacks_reached",
    "handled_calls", "index_released", "contacts_created", "callbacks_accepted", "backlog",
    "headcount", "agents_present", "hires", "cases", "attempts_index", "attempts_contact",
    "persons_called",
})

Sums = Mapping[str, ArrayLike]


def _ratio(numerator: ArrayLike, denominator: ArrayLike) -> np.ndarray:
    """Divide, with NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# --------------------------------------------------------------------------- sums


def interval_sums(plan: Plan, raw: RawRun) -> dict[str, np.ndarray]:
    """Read the raw additive sums per reporting interval.

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    dict
        :data:`RAW_INTERVAL_SUMS` and ``span_s``, the interval's length; float
        arrays of ``plan.n_intervals``.
    """
    sums = {name: np.asarray(raw.intervals[name], dtype=float) for name in RAW_INTERVAL_SUMS}
    sums["span_s"] = np.full(plan.n_intervals, float(plan.interval_s))
    return sums


def _deadlines_s(scenario: Scenario) -> dict[str, float]:
    """Deadline of each kind of person with an outbound task, in seconds."""
    return {"index": scenario.tracing.index.within,
            "contact": scenario.tracing.contact.within,
            "callback": scenario.inbound.callback.within}


def people_sums(scenario: Scenario, people: pd.DataFrame, n_days: int) -> dict[str, np.ndarray]:
    """People with an outbound task, counted by the day they were created.

    Parameters
    ----------
    scenario
        For the deadlines.
    people
        The people table (``kind``, ``status``, ``created_s``,
        ``time_to_reach_s``); kinds and statuses are compared as strings, so a
        category the table lacks counts zero.
    n_days
        Days of the run.

    Returns
    -------
    dict
        Per kind ``K`` in :data:`PEOPLE_PREFIX`, float arrays of ``n_days``:
        ``people_K`` (created), ``people_K_<status>`` for each of
        :data:`STATUSES`, ``people_K_with_phone`` (status not ``no_phone``),
        ``people_K_within_deadline`` (reached within the deadline) and
        ``people_K_time_to_reach_s`` (sum over those reached).
    """
    kind = people["kind"].astype(str).to_numpy()
    status = people["status"].astype(str).to_numpy()
    created_s = people["created_s"].to_numpy(dtype=float)
    ttr_s = people["time_to_reach_s"].to_numpy(dtype=float)
    day = np.clip((created_s // DAY_S).astype(np.int64), 0, max(n_days - 1, 0))

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(day[mask], weights=weights, minlength=n_days)[:n_days].astype(float)

    sums: dict[str, np.ndarray] = {}
    # each person's own deadline (it may change over the run with ``changes``)
    deadline_s = (people["due_s"].to_numpy(dtype=float) - created_s
                  if "due_s" in people else None)
    for name, within_s in _deadlines_s(scenario).items():
        mine = kind == name
        sums[f"people_{name}"] = count(mine)
        for state in STATUSES:
            sums[f"people_{name}_{state}"] = count(mine & (status == state))
        phone = mine & (status != "no_phone")
        sums[f"people_{name}_with_phone"] = count(phone)
        limit_s = deadline_s if deadline_s is not None else within_s
        sums[f"people_{name}_within_deadline"] = count(phone & (ttr_s <= limit_s))
        reached = mine & np.isfinite(ttr_s)
        sums[f"people_{name}_time_to_reach_s"] = count(reached, ttr_s[reached])
    return sums


def day_sums(plan: Plan, raw: RawRun, intervals: Sums | None = None) -> dict[str, np.ndarray]:
    """Add up the sums of a replication by day.

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.
    intervals
        Its :func:`interval_sums` (computed when not given).

    Returns
    -------
    dict
        The interval sums added up by day, :func:`people_sums`, and per day
        ``agent_days_paid`` (rostered agents present), ``hires``,
        ``headcount_days`` (roster headcount) and ``days`` (1).
    """
    if intervals is None:
        intervals = interval_sums(plan, raw)
    shape = (plan.n_days, plan.intervals_per_day)
    sums = {name: np.asarray(values, dtype=float).reshape(shape).sum(axis=1)
            for name, values in intervals.items()}
    sums.update(people_sums(plan.scenario, raw.people, plan.n_days))
    sums["agent_days_paid"] = np.asarray(raw.present, dtype=float)
    sums["hires"] = np.asarray(raw.hires, dtype=float)
    sums["headcount_days"] = np.asarray(raw.headcount, dtype=float)
    sums["days"] = np.ones(plan.n_days)
    sums["persons_called"] = np.asarray(raw.persons_called, dtype=float)
    # the paid hours of a day in FTE: 7 days' worth of them over the contract week
    sums["billed_fte"] = (sums["paid_s"] / HOUR_S * 7.0
                          / plan.scenario.agents.contract_hours_per_week)
    sums["other_cost"] = other_cost_per_day(plan.scenario, plan.dates)
    return sums


def run_sums(days: Sums) -> dict[str, np.ndarray]:
    """Add up the day sums over the whole run (0-d arrays)."""
    return {name: np.asarray(np.sum(np.asarray(values, dtype=float))) for name, values in
            days.items()}


# --------------------------------------------------------------------------- figures


def _time_figures(s: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {f"{part}_hours": s[f"{part}_s"] / HOUR_S for part in TIME_PARTS}
    busy_s = s["talk_s"] + s["wrap_s"] + s["failed_attempt_s"]
    out["busy_hours"] = busy_s / HOUR_S
    out["pool_paid_hours"] = s["pool_paid_s"] / HOUR_S
    out["idle_share"] = _ratio(s["idle_s"], s["paid_s"])
    out["occupancy"] = _ratio(busy_s, busy_s + s["idle_s"])
    out["utilisation"] = _ratio(busy_s, s["paid_s"])
    out["agents_paid"] = _ratio(s["paid_s"], s["span_s"])
    out["agents_busy"] = _ratio(busy_s, s["span_s"])
    return out


def _call_figures(s: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {name: s[name] for name in (
        "inbound_offered", "inbound_answered", "inbound_abandoned", "inbound_callback",
        "inbound_waiting_at_end", "inbound_answered_within_target", "index_reached",
        "contacts_reached", "callbacks_offered", "callback_attempts", "callbacks_reached")}
    offered, answered = s["inbound_offered"], s["inbound_answered"]
    out["inbound_service_level"] = _ratio(s["inbound_answered_within_target"], offered)
    out["inbound_service_level_answered"] = _ratio(s["inbound_answered_within_target"],
                                                   answered)
    out["inbound_abandon_share"] = _ratio(s["inbound_abandoned"], offered)
    out["inbound_p_wait"] = _ratio(s["inbound_delayed"], offered)
    out["inbound_asa_s"] = _ratio(s["inbound_wait_answered_s"], answered)
    out["inbound_mean_wait_s"] = _ratio(
        s["inbound_wait_answered_s"] + s["inbound_wait_abandoned_s"],
        answered + s["inbound_abandoned"])
    out["attempts"] = s["index_attempts"] + s["contact_attempts"]
    out["attempts_index"], out["attempts_contact"] = s["index_attempts"], s["contact_attempts"]
    out["handled_calls"] = (answered + s["index_reached"] + s["contacts_reached"]
                            + s["callbacks_reached"])
    return out


def _people_figures(s: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {"index_cases": s["people_index"], "contacts": s["people_contact"],
           "contacts_no_phone": s["people_contact_no_phone"],
           "callbacks_accepted": s["people_callback"]}
    for kind, prefix in PEOPLE_PREFIX.items():
        for state in ("unreachable", "expired", "open"):
            out[f"{prefix}_{state}"] = s[f"people_{kind}_{state}"]
        out[f"{prefix}_reached_within_deadline_share"] = _ratio(
            s[f"people_{kind}_within_deadline"], s[f"people_{kind}_with_phone"])
        out[f"{prefix}_time_to_reach_mean_h"] = _ratio(
            s[f"people_{kind}_time_to_reach_s"], s[f"people_{kind}_reached"]) / HOUR_S
    return out


def _money_figures(s: Mapping[str, np.ndarray], f: Mapping[str, np.ndarray],
                   scenario: Scenario) -> dict[str, np.ndarray]:
    out = {"agent_days_paid": s["agent_days_paid"], "hires": s["hires"],
           "mean_headcount": _ratio(s["headcount_days"], s["days"])}
    out.update(price(scenario, paid_hours=f["paid_hours"], pool_paid_hours=f["pool_paid_hours"],
                     busy_hours=f["busy_hours"], idle_hours=f["idle_hours"],
                     onboarding_hours=f["onboarding_hours"],
                     agent_days_paid=s["agent_days_paid"], hires=s["hires"],
                     handled_calls=f["handled_calls"], index_reached=f["index_reached"],
                     other_cost=s.get("other_cost", 0.0)))
    centre = out["call_centre_cost"]  # the call centre's output at the call centre's cost
    out["cost_per_handled_call"] = _ratio(centre, f["handled_calls"])
    out["cost_per_attempt"] = _ratio(centre, f["attempts"])
    out["cost_per_index_reached"] = _ratio(centre, f["index_reached"])
    out["cost_per_contact_reached"] = _ratio(centre, f["contacts_reached"])
    out["cost_per_paid_hour"] = _ratio(centre, f["paid_hours"])
    return out


def _per_agent_day_figures(s: Mapping[str, np.ndarray],
                           f: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    present, billed = s["agent_days_paid"], s["billed_fte"]
    return {
        "persons_called": s["persons_called"],
        "agents_present_mean": _ratio(present, s["days"]),
        "billed_fte_days": billed,
        "billed_fte_mean": _ratio(billed, s["days"]),
        "attempts_per_present_agent_day": _ratio(f["attempts"], present),
        "attempts_per_billed_fte_day": _ratio(f["attempts"], billed),
        "handled_calls_per_present_agent_day": _ratio(f["handled_calls"], present),
        "handled_calls_per_billed_fte_day": _ratio(f["handled_calls"], billed),
    }


def figures(sums: Sums, scenario: Scenario) -> dict[str, np.ndarray]:
    """Turn the additive sums of any grouping (interval, day, run) into figures.

    The one definition of every figure (see the module docstring). Figures
    are computed from what the sums hold: the time and call figures from the
    raw interval sums (:func:`interval_sums`, plus ``span_s``); the people
    figures when the :func:`people_sums` are there; the money when the per-day
    counts (``agent_days_paid``, ``hires``, ``headcount_days``, ``days``) are.

    Parameters
    ----------
    sums
        Name to scalar or array (all the same shape).
    scenario
        For the prices.

    Returns
    -------
    dict
        Figure name to float array of the sums' shape; ratios with a zero
        denominator are NaN.
    """
    s = {name: np.asarray(values, dtype=float) for name, values in sums.items()}
    out = _time_figures(s)
    out.update(_call_figures(s))
    if "people_index" in s:
        out.update(_people_figures(s))
    if "agent_days_paid" in s:
        out.update(_money_figures(s, out, scenario))
        out.update(_per_agent_day_figures(s, out))
    return out


# --------------------------------------------------------------------------- tables


def _backlog_at(people: pd.DataFrame, times_s: np.ndarray) -> np.ndarray:
    """Outbound tasks open at each time: created at or before, not yet closed."""
    tasks = people[people["status"].astype(str) != "no_phone"]
    created = np.sort(tasks["created_s"].to_numpy(dtype=float))
    closed = np.sort(tasks["closed_s"].fillna(np.inf).to_numpy(dtype=float))
    return np.searchsorted(created, times_s, side="right") - np.searchsorted(
        closed, times_s, side="right"
    )


def _frame(columns: Mapping[str, ArrayLike], order: tuple[str, ...]) -> pd.DataFrame:
    """Build a table of ``order``'s columns, counts as int64."""
    return pd.DataFrame({name: (np.asarray(columns[name]).astype(np.int64)
                                if name in _COUNTS else columns[name]) for name in order})


def interval_table(plan: Plan, raw: RawRun) -> pd.DataFrame:
    """Per-interval table: hours by state, agents paid and busy, calls.

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    pandas.DataFrame
        One row per reporting interval, the columns of
        :data:`INTERVAL_TABLE_COLUMNS` (no people or money figures: those
        need whole days).
    """
    t_s = np.arange(plan.n_intervals) * plan.interval_s
    columns: dict[str, ArrayLike] = dict(figures(interval_sums(plan, raw), plan.scenario))
    columns["interval_start"] = pd.Timestamp(plan.dates[0]) + pd.to_timedelta(t_s, unit="s")
    columns["t_s"] = t_s
    columns["day"] = (t_s // DAY_S).astype(np.int64)
    columns["backlog"] = _backlog_at(raw.people, t_s + plan.interval_s)
    return _frame(columns, INTERVAL_TABLE_COLUMNS)


def daily_table(plan: Plan, raw: RawRun) -> pd.DataFrame:
    """Per-day table (columns documented in the README and :mod:`sim.outputs.plots`).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    pandas.DataFrame
        One row per simulated day, the columns of :data:`DAILY_COLUMNS`. The
        people figures (``index_released``, ``contacts_created``,
        ``callbacks_accepted``, the within-deadline shares) are by the day the
        people were created; the calls by the day they arrived (inbound) or
        started (attempts, reached).
    """
    columns: dict[str, ArrayLike] = dict(figures(day_sums(plan, raw), plan.scenario))
    for column, figure in DAILY_RENAMES.items():
        columns[column] = columns[figure]
    columns["day"] = np.arange(plan.n_days)
    columns["date"] = pd.to_datetime(list(plan.dates))
    columns["expected_cases"] = plan.expected_cases
    columns["cases"] = raw.cases_per_day
    columns["headcount"] = raw.headcount
    columns["backlog"] = _backlog_at(raw.people, (np.arange(plan.n_days) + 1) * DAY_S)
    table = _frame(columns, DAILY_COLUMNS)
    if len(raw.released_by_source) > 1:  # index cases released, by demand source
        for name, released in raw.released_by_source.items():
            table[f"cases_{name}"] = np.asarray(released, dtype=np.int64)
    return table


def agent_table(raw: RawRun) -> pd.DataFrame:
    """Per-agent totals in hours, with the paid-time split and idle share.

    Parameters
    ----------
    raw
        One replication's output.

    Returns
    -------
    pandas.DataFrame
        One row per agent: ``agent``, ``<part>_hours`` for each recorded part,
        ``busy_hours`` and ``idle_share``.
    """
    table = pd.DataFrame({"agent": np.arange(raw.agents["paid_s"].size)})
    for name, values in raw.agents.items():
        table[name.replace("_s", "_hours")] = values / HOUR_S
    table["busy_hours"] = table["talk_hours"] + table["wrap_hours"] + table[
        "failed_attempt_hours"]
    table["idle_share"] = _ratio(table["idle_hours"], table["paid_hours"])
    return table


def replication_metrics(plan: Plan, raw: RawRun) -> dict[str, float]:
    """Compute the figures of merit of one replication (the summary's NAMEs).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    dict
        The names of :data:`RUN_METRICS` to values (NaN where undefined, e.g.
        no inbound calls): :func:`figures` of the whole run's sums, and
        ``max_backlog``.
    """
    run = figures(run_sums(day_sums(plan, raw)), plan.scenario)
    backlog = _backlog_at(raw.people, np.arange(1, plan.n_intervals + 1) * plan.interval_s)
    run["max_backlog"] = np.asarray(float(backlog.max()) if backlog.size else 0.0)
    return {name: float(run[name]) for name in RUN_METRICS}


#: Metrics that are shares (between 0 and 1) besides those named ``*_share``.
SHARE_METRICS = frozenset({"occupancy", "utilisation", "inbound_service_level",
                           "inbound_service_level_answered", "inbound_p_wait"})


def is_share(name: str) -> bool:
    """Return whether a metric is a share, bounded by 0 and 1 (its CI is too)."""
    return name.endswith("_share") or name in SHARE_METRICS


def _interval(values: np.ndarray, share: bool, t_quantile: float) -> tuple[float, float]:
    """Student-t interval of the mean; for a share, on the logit scale (see summarise)."""
    n = values.size
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / np.sqrt(n)
    inside = share and 0.0 < mean < 1.0 and bool(np.all((values >= 0) & (values <= 1)))
    if not inside or se == 0:
        return mean - t_quantile * se, mean + t_quantile * se
    centre = np.log(mean / (1.0 - mean))
    half = t_quantile * se / (mean * (1.0 - mean))  # delta method: d logit(m)/dm
    return (float(1.0 / (1.0 + np.exp(-(centre - half)))),
            float(1.0 / (1.0 + np.exp(-(centre + half)))))


def summarise(replications: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd and confidence interval of every metric over replications.

    The interval is Student-t over the replication values, except for shares
    (:func:`is_share`: ``*_share``, occupancy, utilisation, service levels,
    P(wait)), whose interval must stay within [0, 1]: it is the Student-t
    interval of the mean on the logit scale, by the delta method,
    ``expit(logit(m) ± t · s / (sqrt(n) · m (1 - m)))``, mapped back. It is
    asymmetric (shorter towards the nearer bound), nearly the plain one for
    a mean far from 0 and 1, and covers as well or better near the bounds,
    where the plain interval can pass 100 % (a mean of 0.929 had an upper
    bound of 1.068). A share equal in every replication (sd 0, e.g. all 1)
    has the interval [m, m].

    Parameters
    ----------
    replications
        One row per replication, one column per metric (plus optional
        ``scenario`` and ``replication`` columns).
    confidence
        Two-sided confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, n, mean, sd, ci_low, ci_high``. With one replication
        (or an undefined metric) the sd and CI are NaN.
    """
    from scipy.special import stdtrit  # Student t quantile, without importing scipy.stats

    rows = []
    for name in replications.columns:
        if name in ("scenario", "replication"):
            continue
        values = replications[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        n = values.size
        mean = float(values.mean()) if n else np.nan
        sd = float(values.std(ddof=1)) if n > 1 else np.nan
        low = high = np.nan
        if n > 1:
            t_quantile = float(stdtrit(n - 1, 0.5 + confidence / 2))
            low, high = _interval(values, is_share(name), t_quantile)
        rows.append({"metric": name, "n": n, "mean": mean, "sd": sd,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)
