"""Tables and figures of merit from a replication (DESIGN section 4).

Every figure has one definition, its entry in the metric catalogue
(:mod:`sim.analysis.catalogue`), used at every level. The engine's raw
per-interval sums (:func:`interval_sums`), added up by day together with the
per-day counts (agents present, hires, headcount) and the people counted by the
day they were created (:func:`day_sums`), and added up again over the run
(:func:`run_sums`), go through one function, :func:`figures`, which turns any
such sums into the figures. The interval table, the daily table and the
replication's metrics are views of it (:data:`INTERVAL_TABLE_COLUMNS`,
:data:`DAILY_COLUMNS`, :data:`RUN_METRICS`, from the catalogue), so a day's
additive figures are the sum of its intervals', the run's are the sum of its
days', and a ratio at any level is the ratio of the summed parts (never a mean
of ratios). :func:`summarise` gives each metric's mean and confidence interval
by the catalogue's method for it.

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

from sim.analysis.catalogue import (
    CATALOGUE,
    ci_method,
    columns_at,
    metrics_at,
    ratio,
)
from sim.analysis.catalogue import figures as catalogue_figures
from sim.analysis.costs import other_cost_per_day
from sim.basics.units import DAY_S, HOUR_S
from sim.inputs.compile import Plan
from sim.inputs.scenario import Scenario
from sim.model import RawRun
from sim.model.recorder import INBOUND, INTERVAL_COLUMNS, KINDS

#: The paid-time parts (``paid`` first); each is ``<part>_s`` in the raw sums.
TIME_PARTS = ("paid", "talk", "wrap", "failed_attempt", "idle", "break", "onboarding",
              "not_logged_in")

#: The engine's per-interval sums read by the metrics: the recorder's columns
#: (``attempts`` is derived here, as index + contact attempts).
RAW_INTERVAL_SUMS = tuple(name for name in INTERVAL_COLUMNS if name != "attempts")

STATUSES = ("open", "reached", "unreachable", "no_phone", "expired")

#: Columns of the interval table, in order (:func:`sim.analysis.catalogue.columns_at`).
INTERVAL_TABLE_COLUMNS = columns_at("interval")

#: Columns of the daily table, in order.
DAILY_COLUMNS = columns_at("day")

#: The replication's metrics (the summary's names), in order.
RUN_METRICS = tuple(m.name for m in metrics_at("run"))

Sums = Mapping[str, ArrayLike]


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


OUTBOUND_KINDS = tuple(name for code, name in enumerate(KINDS) if code != INBOUND)
"""The kinds of people with an outbound task (every kind of work but inbound calls)."""


def _deadlines_s(scenario: Scenario) -> dict[str, float]:
    """Deadline of the kinds of 2020's tables, for a people table without ``due_s``."""
    return {"index": scenario.tracing.index.within,
            "contact": scenario.tracing.contact.within,
            "callback": scenario.inbound.callback.within}


def people_sums(scenario: Scenario, people: pd.DataFrame, n_days: int) -> dict[str, np.ndarray]:
    """People with an outbound task, counted by the day they were created.

    Parameters
    ----------
    scenario
        For the deadlines of a table without ``due_s``.
    people
        The people table (``kind``, ``status``, ``created_s``,
        ``time_to_reach_s``, and ``due_s``: each person's deadline); kinds and
        statuses are compared as labels, so a category the table lacks counts zero.
    n_days
        Days of the run.

    Returns
    -------
    dict
        Per kind ``K`` of :data:`OUTBOUND_KINDS` (index, contact, callback: every
        kind of work with outbound tasks), float arrays of ``n_days``:
        ``people_K`` (created), ``people_K_<status>`` for each of
        :data:`STATUSES`, ``people_K_with_phone`` (status not ``no_phone``),
        ``people_K_within_deadline`` (reached within the deadline) and
        ``people_K_time_to_reach_s`` (sum over those reached).
    """
    kind, kinds = _labels(people["kind"])
    status, statuses = _labels(people["status"])
    created_s = people["created_s"].to_numpy(dtype=float)
    ttr_s = people["time_to_reach_s"].to_numpy(dtype=float)
    day = np.clip((created_s // DAY_S).astype(np.int64), 0, max(n_days - 1, 0))

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(day[mask], weights=weights, minlength=n_days)[:n_days].astype(float)

    sums: dict[str, np.ndarray] = {}
    # each person's own deadline (it may change over the run with ``changes``)
    deadline_s = (people["due_s"].to_numpy(dtype=float) - created_s
                  if "due_s" in people else None)
    within_s_of = _deadlines_s(scenario)
    for name in OUTBOUND_KINDS:
        mine = kind == kinds.get(name, -1)
        sums[f"people_{name}"] = count(mine)
        for state in STATUSES:
            sums[f"people_{name}_{state}"] = count(mine & (status == statuses.get(state, -1)))
        phone = mine & (status != statuses.get("no_phone", -1))
        sums[f"people_{name}_with_phone"] = count(phone)
        limit_s = deadline_s if deadline_s is not None else within_s_of.get(name, np.nan)
        sums[f"people_{name}_within_deadline"] = count(phone & (ttr_s <= limit_s))
        reached = mine & np.isfinite(ttr_s)
        sums[f"people_{name}_time_to_reach_s"] = count(reached, ttr_s[reached])
    return sums


def _labels(column: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """Integer codes of a column of labels and the code of each label.

    A categorical column gives its codes (no label is converted to a string:
    the people table has millions of rows); any other its labels' codes in
    the order of :func:`numpy.unique`.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = [str(label) for label in column.cat.categories]
        return (column.cat.codes.to_numpy(),
                {label: code for code, label in enumerate(categories)})
    labels, codes = np.unique(column.astype(str).to_numpy(), return_inverse=True)
    return codes, {str(label): code for code, label in enumerate(labels)}


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


def figures(sums: Sums, scenario: Scenario) -> dict[str, np.ndarray]:
    """Turn the additive sums of any grouping (interval, day, run) into figures.

    Each figure by its catalogue entry (:mod:`sim.analysis.catalogue`), the
    one definition; a figure whose inputs the sums lack is left out (the
    people figures need the :func:`people_sums`, the money the per-day counts
    ``agent_days_paid``, ``hires``, ``headcount_days``, ``days``).

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
    return catalogue_figures(sums, scenario)


# --------------------------------------------------------------------------- tables


def _backlog_at(people: pd.DataFrame, times_s: np.ndarray) -> np.ndarray:
    """Outbound tasks open at each time: created at or before, not yet closed."""
    status, statuses = _labels(people["status"])
    task = status != statuses.get("no_phone", -1)
    created = np.sort(people["created_s"].to_numpy(dtype=float)[task])
    closed = np.sort(people["closed_s"].to_numpy(dtype=float, na_value=np.inf)[task])
    return np.searchsorted(created, times_s, side="right") - np.searchsorted(
        closed, times_s, side="right"
    )


def _frame(columns: Mapping[str, ArrayLike], order: tuple[str, ...]) -> pd.DataFrame:
    """Build a table of ``order``'s columns, counts as int64."""
    return pd.DataFrame({name: (np.asarray(columns[name]).astype(np.int64)
                                if name in CATALOGUE and CATALOGUE[name].whole
                                else columns[name]) for name in order})


def interval_table(plan: Plan, raw: RawRun, intervals: Sums | None = None) -> pd.DataFrame:
    """Per-interval table: hours by state, agents paid and busy, calls.

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
    pandas.DataFrame
        One row per reporting interval, the columns of
        :data:`INTERVAL_TABLE_COLUMNS` (no people or money figures: those
        need whole days).
    """
    t_s = np.arange(plan.n_intervals) * plan.interval_s
    if intervals is None:
        intervals = interval_sums(plan, raw)
    columns: dict[str, ArrayLike] = dict(figures(intervals, plan.scenario))
    columns["interval_start"] = pd.Timestamp(plan.dates[0]) + pd.to_timedelta(t_s, unit="s")
    columns["t_s"] = t_s
    columns["day"] = (t_s // DAY_S).astype(np.int64)
    columns["backlog"] = _backlog_at(raw.people, t_s + plan.interval_s)
    return _frame(columns, INTERVAL_TABLE_COLUMNS)


def daily_table(plan: Plan, raw: RawRun, days: Sums | None = None) -> pd.DataFrame:
    """Per-day table (columns documented in the README and :mod:`sim.outputs.figures`).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.
    days
        Its :func:`day_sums` (computed when not given).

    Returns
    -------
    pandas.DataFrame
        One row per simulated day, the columns of :data:`DAILY_COLUMNS`. The
        people figures (``index_released``, ``contacts_created``,
        ``callbacks_accepted``, the within-deadline shares) are by the day the
        people were created; the calls by the day they arrived (inbound) or
        started (attempts, reached).
    """
    if days is None:
        days = day_sums(plan, raw)
    columns: dict[str, ArrayLike] = dict(figures(days, plan.scenario))
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
    table["idle_share"] = ratio(table["idle_hours"], table["paid_hours"])
    return table


def replication_metrics(plan: Plan, raw: RawRun, days: Sums | None = None) -> dict[str, float]:
    """Compute the figures of merit of one replication (the summary's NAMEs).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.
    days
        Its :func:`day_sums` (computed when not given).

    Returns
    -------
    dict
        The names of :data:`RUN_METRICS` to values (NaN where undefined, e.g.
        no inbound calls): :func:`figures` of the whole run's sums, and
        ``max_backlog``.
    """
    run = figures(run_sums(day_sums(plan, raw) if days is None else days), plan.scenario)
    backlog = _backlog_at(raw.people, np.arange(1, plan.n_intervals + 1) * plan.interval_s)
    run["max_backlog"] = np.asarray(float(backlog.max()) if backlog.size else 0.0)
    return {name: float(run[name]) for name in RUN_METRICS}


def is_share(name: str) -> bool:
    """Return whether a metric is a share, bounded by 0 and 1 (its CI is too)."""
    return ci_method(name) == "share"


def interval(values: np.ndarray, method: str, t_quantile: float) -> tuple[float, float]:
    """Confidence interval of the mean of ``values`` by one of the catalogue's methods.

    Parameters
    ----------
    values
        The replications' values (finite, at least two).
    method
        ``"mean"``: Student t, ``m ± t s / sqrt(n)``. ``"share"``: the same on
        the logit scale by the delta method, ``expit(logit(m) ± t s / (sqrt(n)
        m (1 - m)))``, within [0, 1]. ``"positive"``: on the log scale,
        ``m exp(± t s / (sqrt(n) m))``, above 0. Where the scale does not apply
        (a share's mean at 0 or 1, values outside the range, sd 0) the plain
        interval is used; with sd 0 it is ``[m, m]``.
    t_quantile
        The Student t quantile for the confidence and ``n - 1`` degrees of freedom.

    Returns
    -------
    tuple of float
        ``(low, high)``.
    """
    n = values.size
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / np.sqrt(n)
    if method == "share" and se > 0 and 0.0 < mean < 1.0 and bool(
            np.all((values >= 0) & (values <= 1))):
        centre = np.log(mean / (1.0 - mean))
        half = t_quantile * se / (mean * (1.0 - mean))  # delta method: d logit(m)/dm
        return (float(1.0 / (1.0 + np.exp(-(centre - half)))),
                float(1.0 / (1.0 + np.exp(-(centre + half)))))
    if method == "positive" and se > 0 and mean > 0 and bool(np.all(values >= 0)):
        half = t_quantile * se / mean  # delta method: d log(m)/dm
        return float(mean * np.exp(-half)), float(mean * np.exp(half))
    return mean - t_quantile * se, mean + t_quantile * se


def summarise(replications: pd.DataFrame, confidence: float = 0.95,
              methods: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mean, sd and confidence interval of every metric over replications.

    Each metric's interval by its catalogue method (:func:`interval`,
    :data:`sim.analysis.catalogue.CI_METHODS`): Student t, or on the logit
    scale for shares (within [0, 1]: asymmetric, shorter towards the nearer
    bound, nearly the plain one for a mean far from 0 and 1, covering as well
    or better near the bounds, where the plain interval can pass 100 %: a mean
    of 0.929 had an upper bound of 1.068), or on the log scale for quantities
    that cannot be negative. A metric equal in every replication (sd 0) has
    the interval [m, m].

    Parameters
    ----------
    replications
        One row per replication, one column per metric (plus optional
        ``scenario`` and ``replication`` columns).
    confidence
        Two-sided confidence level.
    methods
        The interval method of columns outside the catalogue (default: ``"mean"``).

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
            method = (methods or {}).get(name) or ci_method(name)
            low, high = interval(values, method, t_quantile)
        rows.append({"metric": name, "n": n, "mean": mean, "sd": sd,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)
