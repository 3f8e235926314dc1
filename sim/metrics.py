"""Tables and figures of merit from a replication (DESIGN section 4).

Definitions (these are contracts and are tested):

* ``paid = talk + wrap + failed_attempt + idle + break + onboarding``; paid time
  is the on-shift span (including overtime to finish a call), recorded apart
  from the state spans, so the identity is a check, not a definition.
* ``busy = talk + wrap + failed_attempt``; ``idle`` is on shift, not on break or
  onboarding, and not in a call (including open hours with no work and any
  shift time outside opening hours).
* ``idle_share = idle / paid``; ``occupancy = busy / (busy + idle)``;
  ``utilisation = busy / paid``.
* Inbound: ``offered = answered + abandoned + waiting at the horizon``.
  ``inbound_service_level`` = answered within T / offered (all arrivals);
  ``inbound_service_level_answered`` = answered within T / answered.
  ``inbound_asa_s`` = mean wait of answered calls; ``inbound_mean_wait_s`` =
  mean wait of all offered calls (abandoned ones until they hung up);
  ``inbound_p_wait`` = share of offered calls not answered at once.
* Outbound: ``time_to_reach`` runs from release (index) or creation (contact)
  to the start of the reaching call. The within-deadline shares count
  people reached within ``within`` among all index cases released / all
  contacts with a phone number, by the day they were released or created.
* Every person ends in one status (reached, unreachable, no_phone, expired) or
  is open at the horizon.
* Cost: :func:`sim.costs.cost_breakdown` for the scenario's billing basis
  (capacity, productive, per call, per case). ``idle_cost`` values the idle
  hours at the agent rate, whatever the billing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.compile import Plan
from sim.costs import COST_PARTS, cost_breakdown
from sim.engine import RawRun
from sim.units import HOUR_S


def _ratio(numerator, denominator):
    """numerator / denominator with NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out if out.ndim else float(out)


def _backlog_at(people: pd.DataFrame, times_s: np.ndarray) -> np.ndarray:
    """Outbound tasks open at each time: created at or before, not yet closed."""
    tasks = people[people["status"] != "no_phone"]
    created = np.sort(tasks["created_s"].to_numpy())
    closed = np.sort(tasks["closed_s"].fillna(np.inf).to_numpy())
    return np.searchsorted(created, times_s, side="right") - np.searchsorted(
        closed, times_s, side="right"
    )


def _within_by_day(people: pd.DataFrame, kind: str, within_s: float, n_days: int):
    """Per creation day: people of ``kind`` (with a phone) and those reached within deadline."""
    sel = people[(people["kind"] == kind) & (people["status"] != "no_phone")]
    day = (sel["created_s"].to_numpy() // 86400.0).astype(np.int64)
    ok = (sel["time_to_reach_s"].to_numpy() <= within_s).astype(float)
    total = np.bincount(day, minlength=n_days)[:n_days]
    good = np.bincount(day, weights=ok, minlength=n_days)[:n_days]
    return total, good


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
        One row per reporting interval.
    """
    iv = raw.intervals
    start = pd.Timestamp(plan.dates[0])
    t_s = np.arange(plan.n_intervals) * plan.interval_s
    table = pd.DataFrame(
        {
            "interval_start": start + pd.to_timedelta(t_s, unit="s"),
            "t_s": t_s,
            "day": (t_s // 86400.0).astype(np.int64),
        }
    )
    for name in ("paid", "talk", "wrap", "failed_attempt", "idle", "break", "onboarding"):
        table[f"{name}_hours"] = iv[f"{name}_s"] / HOUR_S
    table["busy_hours"] = table["talk_hours"] + table["wrap_hours"] + table["failed_attempt_hours"]
    table["agents_paid"] = iv["paid_s"] / plan.interval_s
    table["agents_busy"] = table["busy_hours"] * HOUR_S / plan.interval_s
    for name in ("inbound_offered", "inbound_answered", "inbound_abandoned",
                 "inbound_answered_within_target", "attempts", "index_reached",
                 "contacts_reached"):
        table[name] = iv[name].astype(np.int64)
    table["inbound_service_level"] = _ratio(iv["inbound_answered_within_target"],
                                            iv["inbound_offered"])
    table["inbound_asa_s"] = _ratio(iv["inbound_wait_answered_s"], iv["inbound_answered"])
    table["backlog"] = _backlog_at(raw.people, t_s + plan.interval_s)
    return table


def daily_table(plan: Plan, raw: RawRun) -> pd.DataFrame:
    """Per-day table (columns documented in the README and :mod:`sim.plots`).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    pandas.DataFrame
        One row per simulated day.
    """
    n_days, per_day = plan.n_days, plan.intervals_per_day
    iv = {k: v.reshape(n_days, per_day).sum(axis=1) for k, v in raw.intervals.items()}
    tr = plan.scenario.tracing
    people = raw.people
    contact_day = (people.loc[people["kind"] == "contact", "created_s"].to_numpy() // 86400.0)
    idx_total, idx_good = _within_by_day(people, "index", tr.index.within, n_days)
    con_total, con_good = _within_by_day(people, "contact", tr.contact.within, n_days)
    hours = {name: iv[f"{name}_s"] / HOUR_S for name in
             ("paid", "talk", "wrap", "failed_attempt", "idle", "break", "onboarding")}
    busy = hours["talk"] + hours["wrap"] + hours["failed_attempt"]
    handled = iv["inbound_answered"] + iv["index_reached"] + iv["contacts_reached"]
    money = cost_breakdown(plan.scenario, hours["paid"], iv["pool_paid_s"] / HOUR_S, busy,
                           raw.present, raw.hires, handled, iv["index_reached"])
    cost = money["total_cost"]
    table = pd.DataFrame(
        {
            "day": np.arange(n_days),
            "date": pd.to_datetime(list(plan.dates)),
            "expected_cases": plan.expected_cases,
            "cases": raw.cases_per_day,
            "index_released": raw.released_per_day,
            "contacts_created": np.bincount(contact_day.astype(np.int64),
                                            minlength=n_days)[:n_days],
            "index_reached": iv["index_reached"].astype(np.int64),
            "contacts_reached": iv["contacts_reached"].astype(np.int64),
            "index_reached_within_deadline_share": _ratio(idx_good, idx_total),
            "contacts_reached_within_deadline_share": _ratio(con_good, con_total),
            "backlog": _backlog_at(people, (np.arange(n_days) + 1) * 86400.0),
            "attempts": iv["attempts"].astype(np.int64),
            "handled_calls": handled.astype(np.int64),
            "inbound_offered": iv["inbound_offered"].astype(np.int64),
            "inbound_answered": iv["inbound_answered"].astype(np.int64),
            "inbound_abandoned": iv["inbound_abandoned"].astype(np.int64),
            "inbound_answered_within_target": iv["inbound_answered_within_target"].astype(
                np.int64),
            "inbound_service_level": _ratio(iv["inbound_answered_within_target"],
                                            iv["inbound_offered"]),
            "inbound_abandon_share": _ratio(iv["inbound_abandoned"], iv["inbound_offered"]),
            "headcount": raw.headcount,
            "agents_present": raw.present,
        }
    )
    for name, values in hours.items():
        table[f"{name}_hours"] = values
    table["busy_hours"] = busy
    table["idle_share"] = _ratio(hours["idle"], hours["paid"])
    table["occupancy"] = _ratio(busy, busy + hours["idle"])
    table["utilisation"] = _ratio(busy, hours["paid"])
    table["pool_paid_hours"] = iv["pool_paid_s"] / HOUR_S
    table["hires"] = raw.hires
    for name in COST_PARTS:
        table[name] = money[name]
    table["cost"] = cost
    table["cost_per_handled_call"] = _ratio(cost, handled)
    return table


def agent_table(raw: RawRun) -> pd.DataFrame:
    """Per-agent totals in hours, with the paid-time split and idle share."""
    table = pd.DataFrame({"agent": np.arange(raw.agents["paid_s"].size)})
    for name, values in raw.agents.items():
        table[name.replace("_s", "_hours")] = values / HOUR_S
    table["busy_hours"] = table["talk_hours"] + table["wrap_hours"] + table[
        "failed_attempt_hours"]
    table["idle_share"] = _ratio(table["idle_hours"], table["paid_hours"])
    return table


def replication_metrics(plan: Plan, raw: RawRun) -> dict[str, float]:
    """The figures of merit of one replication (the summary's NAMEs).

    Parameters
    ----------
    plan
        The compiled scenario.
    raw
        One replication's output.

    Returns
    -------
    dict
        Metric name to value (NaN where undefined, e.g. no inbound calls).
    """
    iv = {k: float(v.sum()) for k, v in raw.intervals.items()}
    tr = plan.scenario.tracing
    people = raw.people
    status = people["status"].astype(str).to_numpy()
    kind = people["kind"].astype(str).to_numpy()
    ttr = people["time_to_reach_s"].to_numpy()
    idx, con = kind == "index", kind == "contact"
    con_phone = con & (status != "no_phone")
    m: dict[str, float] = {}
    for name in ("paid", "talk", "wrap", "failed_attempt", "idle", "break", "onboarding"):
        m[f"{name}_hours"] = iv[f"{name}_s"] / HOUR_S
    m["busy_hours"] = m["talk_hours"] + m["wrap_hours"] + m["failed_attempt_hours"]
    m["idle_share"] = _ratio(m["idle_hours"], m["paid_hours"])
    m["occupancy"] = _ratio(m["busy_hours"], m["busy_hours"] + m["idle_hours"])
    m["utilisation"] = _ratio(m["busy_hours"], m["paid_hours"])
    m["agent_days_paid"] = float(raw.present.sum())
    m["mean_headcount"] = float(raw.headcount.mean())
    m["index_cases"] = float(idx.sum())
    m["index_reached"] = float((idx & (status == "reached")).sum())
    m["index_unreachable"] = float((idx & (status == "unreachable")).sum())
    m["index_expired"] = float((idx & (status == "expired")).sum())
    m["index_open"] = float((idx & (status == "open")).sum())
    m["contacts"] = float(con.sum())
    m["contacts_no_phone"] = float((con & (status == "no_phone")).sum())
    m["contacts_reached"] = float((con & (status == "reached")).sum())
    m["contacts_unreachable"] = float((con & (status == "unreachable")).sum())
    m["contacts_expired"] = float((con & (status == "expired")).sum())
    m["contacts_open"] = float((con & (status == "open")).sum())
    m["index_reached_within_deadline_share"] = _ratio(
        np.sum(idx & (ttr <= tr.index.within)), idx.sum())
    m["contacts_reached_within_deadline_share"] = _ratio(
        np.sum(con_phone & (ttr <= tr.contact.within)), con_phone.sum())
    m["index_time_to_reach_mean_h"] = (
        float(np.nanmean(ttr[idx])) / HOUR_S if np.isfinite(ttr[idx]).any() else np.nan)
    m["contacts_time_to_reach_mean_h"] = (
        float(np.nanmean(ttr[con])) / HOUR_S if np.isfinite(ttr[con]).any() else np.nan)
    m["attempts"] = iv["attempts"]
    m["inbound_offered"] = iv["inbound_offered"]
    m["inbound_answered"] = iv["inbound_answered"]
    m["inbound_abandoned"] = iv["inbound_abandoned"]
    m["inbound_waiting_at_end"] = iv["inbound_waiting_at_end"]
    m["inbound_service_level"] = _ratio(iv["inbound_answered_within_target"],
                                        iv["inbound_offered"])
    m["inbound_service_level_answered"] = _ratio(iv["inbound_answered_within_target"],
                                                 iv["inbound_answered"])
    m["inbound_abandon_share"] = _ratio(iv["inbound_abandoned"], iv["inbound_offered"])
    m["inbound_p_wait"] = _ratio(iv["inbound_delayed"], iv["inbound_offered"])
    m["inbound_asa_s"] = _ratio(iv["inbound_wait_answered_s"], iv["inbound_answered"])
    m["inbound_mean_wait_s"] = _ratio(
        iv["inbound_wait_answered_s"] + iv["inbound_wait_abandoned_s"],
        iv["inbound_answered"] + iv["inbound_abandoned"])
    m["handled_calls"] = m["inbound_answered"] + m["index_reached"] + m["contacts_reached"]
    m["pool_paid_hours"] = iv["pool_paid_s"] / HOUR_S
    m["hires"] = float(raw.hires.sum())
    money = cost_breakdown(plan.scenario, m["paid_hours"], m["pool_paid_hours"],
                           m["busy_hours"], m["agent_days_paid"], m["hires"],
                           m["handled_calls"], m["index_reached"])
    for name, value in money.items():
        m[name] = float(value)
    m["onboarding_cost"] = m["onboarding_hours"] * plan.scenario.costs.agent_rate
    m["idle_cost"] = m["idle_hours"] * plan.scenario.costs.agent_rate
    m["cost_per_handled_call"] = _ratio(m["total_cost"], m["handled_calls"])
    m["cost_per_attempt"] = _ratio(m["total_cost"], m["attempts"])
    m["cost_per_index_reached"] = _ratio(m["total_cost"], m["index_reached"])
    m["cost_per_contact_reached"] = _ratio(m["total_cost"], m["contacts_reached"])
    m["cost_per_paid_hour"] = _ratio(m["total_cost"], m["paid_hours"])
    backlog = _backlog_at(people, np.arange(1, plan.n_intervals + 1) * plan.interval_s)
    m["max_backlog"] = float(backlog.max()) if backlog.size else 0.0
    return {k: float(v) for k, v in m.items()}


def summarise(replications: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, sd and Student-t confidence interval of every metric over replications.

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
    from scipy import stats

    rows = []
    for name in replications.columns:
        if name in ("scenario", "replication"):
            continue
        values = replications[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        n = values.size
        mean = float(values.mean()) if n else np.nan
        sd = float(values.std(ddof=1)) if n > 1 else np.nan
        if n > 1:
            half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
        else:
            half = np.nan
        rows.append({"metric": name, "n": n, "mean": mean, "sd": sd,
                     "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)
