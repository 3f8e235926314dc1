"""One definition per figure: the interval, daily and run figures agree.

The interval table, the daily table and the replication metrics are views of
:func:`sim.analysis.metrics.figures` on sums grouped by interval, by day and over the
run. Additive figures must add up from level to level; a ratio at any level
must be the ratio of its summed parts; the money of the days must add up to
the run's. No simulated decimals are pinned: only identities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.costs import COST_PARTS, PRICED, agent_hours_value, price
from sim.analysis.metrics import (
    DAILY_COLUMNS,
    INTERVAL_TABLE_COLUMNS,
    RAW_INTERVAL_SUMS,
    RUN_METRICS,
    TIME_PARTS,
    daily_table,
    day_sums,
    figures,
    interval_sums,
    interval_table,
    people_sums,
    replication_metrics,
    run_sums,
)
from sim.experiments.replications import simulate_once as simulate
from sim.inputs.compile import compile_plan
from tests.scenarios_for_tests import make

HOURS = [f"{p}_hours" for p in TIME_PARTS] + ["busy_hours", "pool_paid_hours"]
CALLS = ["inbound_offered", "inbound_answered", "inbound_abandoned", "inbound_callback",
         "inbound_waiting_at_end", "inbound_answered_within_target", "attempts",
         "index_reached", "contacts_reached", "callbacks_offered", "callback_attempts",
         "callbacks_reached", "handled_calls"]
MONEY = [*COST_PARTS, "idle_cost", "onboarding_cost"]
CALLBACK = {"enabled": True, "offer_after": "30s", "accept_probability": 0.6,
            "reach_probability": 0.8, "max_attempts": 2, "retry_after": "20min",
            "within": "2h"}

VARIANTS = {
    "fixed": {},
    "hires_and_onboarding": {
        "staffing": {"policy": "schedule", "schedule": [
            {"date": "2020-09-07", "headcount": 5}, {"date": "2020-09-09", "headcount": 9}]},
        "agents.onboarding": "4h", "costs.hiring_cost": 300},
    "pool": {"staffing": {"policy": "pool", "core_headcount": 3, "pool_size": 10,
                          "call_in_delay": "30min", "call_in_block": "2h",
                          "pool_hourly_rate": 20}},
    "per_call": {"costs.billing": "per_call", "costs.fee_per_call": 12.5},
    "callbacks": {"staffing.headcount": 4, "inbound.callback": CALLBACK},
}


def _scenario(name: str) -> sim.Scenario:
    return make(**VARIANTS[name])


@pytest.fixture(scope="module", params=list(VARIANTS))
def case(request):
    plan = compile_plan(_scenario(request.param))
    raw = simulate(plan, 11, 0)
    return plan, raw, interval_table(plan, raw), daily_table(plan, raw), replication_metrics(
        plan, raw)


def close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-9, atol=1e-6)


def ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# --------------------------------------------------------------------------- levels agree


def test_tables_have_their_declared_columns(case) -> None:
    _, _, intervals, daily, run = case
    assert tuple(intervals.columns) == INTERVAL_TABLE_COLUMNS
    assert tuple(daily.columns) == DAILY_COLUMNS
    assert tuple(run) == RUN_METRICS


def test_additive_figures_add_up_from_intervals_to_days_to_run(case) -> None:
    plan, _, intervals, daily, run = case
    by_day = intervals.groupby("day")
    for name in HOURS + CALLS:
        if name in intervals:
            close(by_day[name].sum().to_numpy(), daily[name])
        close(daily[name].sum(), run[name])
    close(daily["cost"].sum(), run["total_cost"])
    for name in MONEY:
        close(daily[name].sum(), run[name])
    close(daily["agents_present"].sum(), run["agent_days_paid"])
    close(daily["hires"].sum(), run["hires"])
    close(daily["headcount"].mean(), run["mean_headcount"])
    close(daily["index_released"].sum(), run["index_cases"])
    close(daily["contacts_created"].sum(), run["contacts"])
    close(daily["callbacks_accepted"].sum(), run["callbacks_accepted"])
    assert len(intervals) == plan.n_intervals and len(daily) == plan.n_days


def test_ratios_are_ratios_of_the_summed_parts(case) -> None:
    _, _, intervals, daily, run = case
    tables = {"intervals": intervals, "daily": daily,
              "run": pd.DataFrame({k: [v] for k, v in run.items()})}
    for table in tables.values():
        busy = table["busy_hours"]
        close(busy, table[["talk_hours", "wrap_hours", "failed_attempt_hours"]].sum(axis=1))
        close(table["idle_share"], ratio(table["idle_hours"], table["paid_hours"]))
        close(table["occupancy"], ratio(busy, busy + table["idle_hours"]))
        close(table["utilisation"], ratio(busy, table["paid_hours"]))
        close(table["inbound_service_level"],
              ratio(table["inbound_answered_within_target"], table["inbound_offered"]))
        close(table["inbound_abandon_share"],
              ratio(table["inbound_abandoned"], table["inbound_offered"]))
    # the run's ratios from the days' parts
    close(run["idle_share"], daily["idle_hours"].sum() / daily["paid_hours"].sum())
    close(run["inbound_service_level"], ratio(daily["inbound_answered_within_target"].sum(),
                                              daily["inbound_offered"].sum()))
    # a mean is a ratio too: ASA weighted by answered calls, intervals -> days -> run
    wait_s = intervals["inbound_asa_s"].fillna(0) * intervals["inbound_answered"]
    close(ratio(wait_s.groupby(intervals["day"]).sum(), daily["inbound_answered"]),
          daily["inbound_asa_s"])
    close(ratio(wait_s.sum(), run["inbound_answered"]), run["inbound_asa_s"])
    close(daily["cost_per_handled_call"], ratio(daily["cost"], daily["handled_calls"]))
    close(run["cost_per_handled_call"], ratio(daily["cost"].sum(), daily["handled_calls"].sum()))
    close(run["cost_per_attempt"], ratio(run["total_cost"], run["attempts"]))
    close(run["cost_per_paid_hour"], ratio(run["total_cost"], run["paid_hours"]))
    # the within-deadline share of index cases from the days' cohorts
    reached_in_time = (daily["index_reached_within_deadline_share"].fillna(0)
                       * daily["index_released"]).sum()
    close(run["index_reached_within_deadline_share"],
          ratio(reached_in_time, daily["index_released"].sum()))


def test_contract_identities_at_every_level(case) -> None:
    plan, raw, intervals, daily, run = case
    tables = {"intervals": intervals, "daily": daily,
              "run": pd.DataFrame({k: [v] for k, v in run.items()})}
    for table in tables.values():
        close(table["paid_hours"], table[[f"{p}_hours" for p in TIME_PARTS[1:]]].sum(axis=1))
        close(table["inbound_offered"],
              table[["inbound_answered", "inbound_abandoned", "inbound_callback",
                     "inbound_waiting_at_end"]].sum(axis=1))
        close(table["handled_calls"],
              table[["inbound_answered", "index_reached", "contacts_reached",
                     "callbacks_reached"]].sum(axis=1))
    close(daily["cost"], daily[list(COST_PARTS)].sum(axis=1))
    close(run["total_cost"], sum(run[p] for p in COST_PARTS))
    assert not set(MONEY) & set(intervals.columns)  # money needs whole days
    close(intervals["agents_paid"] * plan.interval_s / 3600, intervals["paid_hours"])
    close(intervals["backlog"].max(), run["max_backlog"])
    # nothing is lost: every person in one status or open
    for prefix, extra in (("index", "index_cases"), ("contacts", "contacts"),
                          ("callbacks", "callbacks_accepted")):
        parts = [f"{prefix}_{s}" for s in ("reached", "unreachable", "expired", "open")]
        parts += ["contacts_no_phone"] if prefix == "contacts" else []
        close(run[extra], sum(run[p] for p in parts))
    # the reached counted by call start equal the reached people, and the releases
    status = raw.people["status"].astype(str)
    kind = raw.people["kind"].astype(str)
    for prefix, name in (("index", "index"), ("contacts", "contact"), ("callbacks", "callback")):
        assert run[f"{prefix}_reached"] == ((kind == name) & (status == "reached")).sum()
    np.testing.assert_array_equal(daily["index_released"], raw.released_per_day)
    # callbacks accepted by the caller's arrival and by the acceptance: the same callers
    assert run["callbacks_accepted"] == run["inbound_callback"]
    # tracing attempts only; the people's attempts split the same way
    assert run["attempts"] == raw.people.loc[kind != "callback", "attempts"].sum()
    assert run["callback_attempts"] == raw.people.loc[kind == "callback", "attempts"].sum()


def test_run_is_the_figures_of_the_summed_days(case) -> None:
    plan, raw, _, _, run = case
    days = day_sums(plan, raw)
    whole = figures(run_sums(days), plan.scenario)
    per_day = figures(days, plan.scenario)
    for name in RUN_METRICS:
        if name == "max_backlog":
            continue
        close(whole[name], run[name])
    for name in HOURS + CALLS + MONEY + ["total_cost"]:
        close(per_day[name].sum(), run[name])


def test_callbacks_are_offered_and_reported():
    scenario = _scenario("callbacks")
    results = sim.run(scenario, replications=1, seed=5)
    m = results.tables["replications"].iloc[0]
    if m["callbacks_offered"] == 0:
        pytest.skip("this engine does not offer callbacks yet")
    assert 0 < m["callbacks_accepted"] <= m["callbacks_offered"]
    assert 0 <= m["callbacks_reached_within_deadline_share"] <= 1
    assert m["callbacks_reached"] <= m["callbacks_accepted"]
    assert m["callback_attempts"] >= m["callbacks_reached"]


# --------------------------------------------------------------------------- the pure function


def blank(scenario: sim.Scenario, n: int = 1, **values) -> dict[str, np.ndarray]:
    """Zero sums for ``n`` groups with day-level counts and people, then ``values``."""
    empty = pd.DataFrame({"kind": pd.Series([], dtype=str), "status": pd.Series([], dtype=str),
                          "created_s": pd.Series([], dtype=float),
                          "time_to_reach_s": pd.Series([], dtype=float)})
    sums = {name: np.zeros(n) for name in RAW_INTERVAL_SUMS}
    sums.update(people_sums(scenario, empty, n))
    sums.update({name: np.zeros(n) for name in ("agent_days_paid", "hires", "headcount_days",
                                                  "persons_called", "billed_fte")})
    sums["span_s"] = np.full(n, 1800.0)
    sums["days"] = np.ones(n)
    for name, value in values.items():
        assert name in sums, name
        sums[name] = np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
    return sums


@pytest.fixture(scope="module")
def scenario() -> sim.Scenario:
    return make(**{"costs.billing": "capacity", "costs.hourly_rate": 40,
                   "costs.supervisor_ratio": 10, "costs.supervisor_rate": 60,
                   "costs.seat_cost_per_day": 5, "costs.hiring_cost": 100})


def test_occupancy_idle_share_and_utilisation(scenario) -> None:
    f = figures(blank(scenario, 3, paid_s=[7200, 3600, 0], talk_s=[1800, 0, 0],
                      wrap_s=[600, 0, 0], failed_attempt_s=[600, 0, 0], idle_s=[3000, 0, 0],
                      break_s=[1200, 3600, 0]), scenario)
    close(f["busy_hours"], [3000 / 3600, 0, 0])
    assert f["occupancy"][0] == pytest.approx(3000 / 6000)
    assert np.isnan(f["occupancy"][1]) and np.isnan(f["occupancy"][2])  # busy + idle = 0
    assert f["idle_share"][0] == pytest.approx(3000 / 7200) and f["idle_share"][1] == 0
    assert f["utilisation"][0] == pytest.approx(3000 / 7200)
    assert np.isnan(f["idle_share"][2]) and np.isnan(f["utilisation"][2])  # nothing paid
    close(f["agents_paid"], [4, 2, 0])


def test_inbound_figures(scenario) -> None:
    f = figures(blank(scenario, 2, inbound_offered=[10, 0], inbound_answered=[6, 0],
                      inbound_abandoned=[2, 0], inbound_callback=[1, 0],
                      inbound_waiting_at_end=[1, 0], inbound_answered_within_target=[3, 0],
                      inbound_wait_answered_s=[120, 0], inbound_wait_abandoned_s=[80, 0],
                      inbound_delayed=[7, 0]), scenario)
    assert f["inbound_service_level"][0] == pytest.approx(0.3)
    assert f["inbound_service_level_answered"][0] == pytest.approx(0.5)
    assert f["inbound_abandon_share"][0] == pytest.approx(0.2)
    assert f["inbound_p_wait"][0] == pytest.approx(0.7)
    assert f["inbound_asa_s"][0] == pytest.approx(20)
    assert f["inbound_mean_wait_s"][0] == pytest.approx(200 / 8)
    for name in ("inbound_service_level", "inbound_service_level_answered",
                 "inbound_abandon_share", "inbound_p_wait", "inbound_asa_s",
                 "inbound_mean_wait_s"):
        assert np.isnan(f[name][1]), name


def test_handled_calls_count_callbacks_but_attempts_are_tracing_only(scenario) -> None:
    f = figures(blank(scenario, inbound_answered=5, index_reached=3, contacts_reached=2,
                      callbacks_reached=4, index_attempts=6, contact_attempts=4,
                      callback_attempts=9), scenario)
    assert f["handled_calls"][0] == 14
    assert f["attempts"][0] == 10 and f["callback_attempts"][0] == 9


def test_people_figures(scenario) -> None:
    f = figures(blank(scenario, 2, people_contact=[10, 0], people_contact_no_phone=[2, 0],
                      people_contact_with_phone=[8, 0], people_contact_within_deadline=[6, 0],
                      people_contact_reached=[7, 0],
                      people_contact_time_to_reach_s=[7 * 7200, 0]), scenario)
    assert f["contacts_reached_within_deadline_share"][0] == pytest.approx(0.75)
    assert f["contacts_time_to_reach_mean_h"][0] == pytest.approx(2.0)
    assert np.isnan(f["contacts_reached_within_deadline_share"][1])
    assert np.isnan(f["index_reached_within_deadline_share"]).all()


def test_people_sums_count_by_creation_day(scenario) -> None:
    within_s = scenario.tracing.contact.within
    people = pd.DataFrame({
        "kind": ["index", "contact", "contact", "contact", "callback"],
        "status": ["reached", "reached", "no_phone", "reached", "open"],
        "created_s": [100.0, 90000.0, 90000.0, 100.0, 50.0],
        "time_to_reach_s": [3600.0, within_s + 1, np.nan, 60.0, np.nan]})
    sums = people_sums(scenario, people, 2)
    close(sums["people_contact"], [1, 2])
    close(sums["people_contact_with_phone"], [1, 1])
    close(sums["people_contact_within_deadline"], [1, 0])
    close(sums["people_contact_time_to_reach_s"], [60, within_s + 1])
    close(sums["people_index_reached"], [1, 0])
    close(sums["people_callback"], [1, 0])
    close(sums["people_callback_open"], [1, 0])


def test_money_only_with_whole_days_and_additive(scenario) -> None:
    interval_only = {k: v for k, v in blank(scenario).items()
                     if k in RAW_INTERVAL_SUMS or k == "span_s"}
    assert "total_cost" not in figures(interval_only, scenario)
    values = {"paid_s": [36000, 72000], "pool_paid_s": [0, 7200], "talk_s": [20000, 30000],
              "idle_s": [10000, 30000], "onboarding_s": [0, 3600], "agent_days_paid": [2, 3],
              "hires": [0, 1], "inbound_answered": [5, 8], "index_reached": [2, 0]}
    f = figures(blank(scenario, 2, **values), scenario)
    both = figures(run_sums(blank(scenario, 2, **values)), scenario)
    for name in PRICED:
        close(f[name].sum(), both[name])
    close(f["total_cost"], sum(f[p] for p in COST_PARTS))
    close(f["idle_cost"], np.array([10000, 30000]) / 3600 * 40)
    close(f["cost_per_handled_call"], f["total_cost"] / np.array([7, 8]))
    assert f["seat_cost"][1] == pytest.approx(15) and f["hiring_cost"][1] == pytest.approx(100)


def test_price_values_hours_at_the_agent_rate_whatever_the_billing() -> None:
    productive = make(**{"costs.billing": "productive", "costs.hourly_rate": 30})
    money = price(productive, paid_hours=10.0, pool_paid_hours=0.0, busy_hours=4.0,
                  idle_hours=5.0, onboarding_hours=1.0, agent_days_paid=1.0, hires=0.0,
                  handled_calls=3.0, index_reached=1.0)
    assert tuple(money) == PRICED
    assert money["agent_cost"] == pytest.approx(4 * 30)
    assert money["idle_cost"] == pytest.approx(5 * 30)
    assert money["onboarding_cost"] == pytest.approx(30)
    close(agent_hours_value(productive, [1.0, -2.0]), [30, -60])


def test_interval_sums_cover_every_interval() -> None:
    plan = compile_plan(make())
    raw = simulate(plan, 2, 0)
    sums = interval_sums(plan, raw)
    assert all(v.shape == (plan.n_intervals,) for v in sums.values())
    close(sums["span_s"].sum(), plan.horizon_s)
