"""Engine contracts: paid-time and conservation identities, determinism, monotonicity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.analysis.metrics import daily_table, interval_table, replication_metrics
from sim.experiments.replications import simulate_once as simulate
from sim.inputs.compile import compile_plan
from tests.scenarios_for_tests import make

PARTS = ("talk", "wrap", "failed_attempt", "idle", "break", "onboarding", "not_logged_in")


def check_identities(plan, raw) -> None:
    """The DESIGN section 4 contracts for one replication."""
    iv = raw.intervals
    # paid time splits exactly, per interval, per agent and in total
    parts = sum(iv[f"{p}_s"] for p in PARTS)
    np.testing.assert_allclose(parts, iv["paid_s"], atol=1e-6 * plan.interval_s)
    agent_parts = sum(raw.agents[f"{p}_s"] for p in PARTS)
    np.testing.assert_allclose(agent_parts, raw.agents["paid_s"], atol=1e-6)
    assert (iv["idle_s"] >= -1e-9).all()
    # an interval cannot hold more paid time than agents x interval
    assert (iv["paid_s"] <= len(raw.agents["paid_s"]) * plan.interval_s + 1e-6).all()
    # nothing is lost: every person in one terminal state or open
    people = raw.people
    index = people[people["kind"] == "index"]
    assert len(index) == raw.released_per_day.sum()
    assert set(people["status"].astype(str)) <= {"open", "reached", "unreachable", "no_phone",
                                                 "expired"}
    reached = people["status"] == "reached"
    assert people.loc[reached, "reached_s"].notna().all()
    assert people.loc[~reached, "reached_s"].isna().all()
    # attempts counted per person equal attempts recorded as calls
    kinds = people["kind"].astype(str)
    tracing = kinds.isin(["index", "contact"])
    assert people.loc[tracing, "attempts"].sum() == iv["attempts"].sum()
    assert people.loc[kinds == "callback", "attempts"].sum() == iv["callback_attempts"].sum()
    assert people["attempts"].sum() == raw.n_attempts
    max_att = {"index": plan.scenario.tracing.index.max_attempts,
               "contact": plan.scenario.tracing.contact.max_attempts,
               "callback": plan.scenario.inbound.callback.max_attempts}
    for kind, limit in max_att.items():
        sel = people[people["kind"] == kind]
        assert (sel["attempts"] <= limit).all()
        unreachable = sel[sel["status"] == "unreachable"]
        assert (unreachable["attempts"] == limit).all()
    # contacts come from reached index cases only
    contacts = people[people["kind"] == "contact"]
    parents = people.set_index("person").loc[contacts["parent"], "status"]
    assert (parents.astype(str) == "reached").all()
    # inbound: offered = answered + abandoned + callbacks accepted + waiting, and equals
    # the arrivals generated; every accepted callback is one callback task
    offered = iv["inbound_offered"].sum()
    assert offered == raw.inbound_arrivals
    assert offered == (iv["inbound_answered"].sum() + iv["inbound_abandoned"].sum()
                       + iv["inbound_callback"].sum() + raw.inbound_waiting_at_end)
    assert iv["inbound_callback"].sum() == (kinds == "callback").sum()
    assert iv["inbound_callback"].sum() <= iv["callbacks_offered"].sum()
    callbacks = people[kinds == "callback"]
    assert (callbacks["parent"] == -1).all()
    assert (callbacks["status"].astype(str) != "no_phone").all()
    assert iv["inbound_answered_within_target"].sum() <= iv["inbound_answered"].sum()
    # waits are not negative, reaching happens after release
    ttr = people["time_to_reach_s"].dropna()
    assert (ttr >= 0).all()


@st.composite
def small_scenarios(draw):
    changes = {
        "calendar.days": draw(st.integers(1, 4)),
        "staffing.headcount": draw(st.integers(0, 12)),
        "agents.absenteeism": {"share": draw(st.sampled_from([0.0, 0.2, 1.0])),
                               "paid": draw(st.booleans())},
        "agents.not_logged_in_share": draw(st.sampled_from([0.0, 0.3, 1.0])),
        "tracing.index.reach_probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
        "tracing.index.max_attempts": draw(st.integers(1, 4)),
        "tracing.contact.phone_share": draw(st.sampled_from([0.0, 0.7, 1.0])),
        "inbound.enabled": draw(st.booleans()),
        "inbound.redial_probability": draw(st.sampled_from([0.0, 0.5])),
        "agents.onboarding": draw(st.sampled_from(["0s", "3h", "20h"])),
        "calendar.opening_hours": {"default": draw(st.sampled_from(
            ["08:00-20:00", "00:00-24:00", "10:00-16:00"])), "sun": "closed"},
        "reporting.noise": draw(st.sampled_from(["none", "poisson"])),
        "simulation.interval": draw(st.sampled_from(["15min", "1h", "3h"])),
    }
    if draw(st.booleans()):
        changes["tracing.give_up_after"] = "6h"
    if changes["inbound.enabled"] and draw(st.booleans()):
        changes["inbound.callback"] = {
            "enabled": True, "offer_after": draw(st.sampled_from(["10s", "1min", "5min"])),
            "accept_probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
            "reach_probability": draw(st.sampled_from([0.0, 0.6, 1.0])),
            "max_attempts": draw(st.integers(1, 3)), "within": "2h",
            "priority": draw(st.integers(0, 2))}
    if draw(st.booleans()):
        changes["staffing"] = {"policy": "schedule", "schedule": [
            {"date": "2020-09-07", "headcount": draw(st.integers(0, 6))},
            {"date": "2020-09-08", "headcount": draw(st.integers(0, 15))},
            {"date": "2020-09-09", "headcount": draw(st.integers(0, 6))}]}
    if draw(st.booleans()):
        changes["agents.shifts"] = [{"start": "22:00", "length": "10h", "share": 1,
                                     "breaks": [{"after": "1h", "length": "2h"}]},
                                    {"start": "06:00", "length": "24h", "share": 2}]
    elif draw(st.booleans()):  # weekday and weekend rosters
        changes["agents.shifts"] = [
            {"start": "08:00", "length": "8h", "days": ["mon", "tue", "wed", "thu", "fri"]},
            {"start": "10:00", "length": "5h", "share": 0.5, "days": ["sat", "sun", "tue"]}]
    if draw(st.booleans()):
        changes["staffing"] = {"policy": "fixed", "fte": draw(st.floats(0, 20))}
    if draw(st.booleans()):  # behaviour that changes on the second day
        changes["changes"] = [{"from": "2020-09-08", "set": {
            "tracing.index.reach_probability": draw(st.sampled_from([0.0, 1.0])),
            "tracing.contact.phone_share": draw(st.sampled_from([0.0, 1.0])),
            "tracing.index.contacts.mean": draw(st.sampled_from([0.0, 4.0])),
            "agents.not_logged_in_share": draw(st.sampled_from([0.0, 0.5])),
            "inbound.patience": "30s"}}]
    return make(**changes), draw(st.integers(0, 2**32 - 1))


@given(small_scenarios())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_identities_hold_for_random_small_scenarios(case):
    scenario, seed = case
    plan = compile_plan(scenario)
    raw = simulate(plan, seed, 0)
    check_identities(plan, raw)
    daily = daily_table(plan, raw)
    np.testing.assert_allclose(
        daily["paid_hours"],
        daily[[f"{p}_hours" for p in PARTS]].sum(axis=1), atol=1e-6)
    metrics = replication_metrics(plan, raw)
    assert metrics["index_cases"] == (metrics["index_reached"] + metrics["index_unreachable"]
                                      + metrics["index_open"] + metrics["index_expired"])
    assert metrics["contacts"] == (metrics["contacts_reached"] + metrics["contacts_unreachable"]
                                   + metrics["contacts_no_phone"] + metrics["contacts_open"]
                                   + metrics["contacts_expired"])


def test_paid_hours_follow_the_roster_exactly_without_overtime():
    # one shift of 6 h, no calls at all: paid = present agent-days x 6 h, all of it idle or break
    scenario = make(**{"epidemic.baseline_per_day": 0, "epidemic.waves": [],
                       "inbound.enabled": False, "agents.shifts": [
                           {"start": "09:00", "length": "6h", "share": 1,
                            "breaks": [{"after": "2h", "length": "20min"}]}]})
    plan = compile_plan(scenario)
    raw = simulate(plan, 1, 0)
    assert raw.intervals["paid_s"].sum() == pytest.approx(raw.present.sum() * 6 * 3600)
    assert raw.intervals["break_s"].sum() == pytest.approx(raw.present.sum() * 20 * 60)
    assert raw.intervals["talk_s"].sum() == 0


def test_absent_agents_are_not_paid_and_onboarding_is_charged_to_new_agents():
    scenario = make(**{"staffing": {"policy": "schedule", "schedule": [
        {"date": "2020-09-07", "headcount": 4}, {"date": "2020-09-08", "headcount": 7}]},
        "agents.onboarding": "3h", "agents.absenteeism": 0.0})
    plan = compile_plan(scenario)
    raw = simulate(plan, 5, 0)
    # three new agents on day 1, each 3 h of onboarding, none on day 0
    per_day = raw.intervals["onboarding_s"].reshape(plan.n_days, -1).sum(axis=1)
    assert per_day[0] == 0
    assert per_day.sum() == pytest.approx(3 * 3 * 3600)
    all_absent = make(**{"agents.absenteeism": 1.0})
    raw = simulate(compile_plan(all_absent), 5, 0)
    assert raw.intervals["paid_s"].sum() == 0 and raw.present.sum() == 0


def test_no_outbound_dialing_outside_opening_hours():
    scenario = make(**{"calendar.opening_hours": {"default": "10:00-16:00"},
                       "simulation.calls_log": True})
    plan = compile_plan(scenario)
    raw = simulate(plan, 2, 0, keep_calls=True)
    calls = raw.calls
    outbound = calls[calls["kind"] != "inbound"]
    hour = (outbound["start_s"] % 86400) / 3600
    assert ((hour >= 10) & (hour < 16)).all()
    inbound = calls[calls["kind"] == "inbound"]
    arrival_hour = (inbound["queued_s"] % 86400) / 3600
    assert ((arrival_hour >= 10) & (arrival_hour < 16)).all()


def test_same_seed_same_tables_and_different_seed_differs():
    scenario = make()
    a = sim.run(scenario, replications=2, seed=11)
    b = sim.run(scenario, replications=2, seed=11)
    c = sim.run(scenario, replications=2, seed=12)
    for name in ("daily", "intervals", "people", "replications"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert not a.tables["people"].equals(c.tables["people"])


def test_jobs_do_not_change_results():
    scenario = make(**{"calendar.days": 3})
    one = sim.run(scenario, replications=3, seed=7, jobs=1)
    two = sim.run(scenario, replications=3, seed=7, jobs=2)
    for name in ("daily", "intervals", "people", "agents", "replications", "summary"):
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name])


def test_more_agents_never_more_waiting_nor_later_tracing():
    # Common random numbers: the same seed gives the same cases, calls and call
    # durations; adding agents can only shorten queues. Compared on totals over
    # replications, which is what the claim is about.
    results = {}
    for headcount in (4, 8, 16):
        scenario = make(**{"staffing.headcount": headcount, "agents.absenteeism": 0.0,
                           "calendar.days": 4})
        results[headcount] = sim.run(scenario, replications=4, seed=21)
    asa = [results[h].metric("inbound_mean_wait_s")["mean"] for h in (4, 8, 16)]
    ttr = [results[h].metric("index_time_to_reach_mean_h")["mean"] for h in (4, 8, 16)]
    within = [results[h].metric("index_reached_within_deadline_share")["mean"]
              for h in (4, 8, 16)]
    assert asa[0] >= asa[1] >= asa[2]
    assert ttr[0] >= ttr[1] >= ttr[2]
    assert within[0] <= within[1] <= within[2]


def test_interval_table_agents_paid_matches_headcount_for_full_day_shift():
    scenario = make(**{"agents.shifts": [{"start": "00:00", "length": "24h", "share": 1}],
                       "agents.absenteeism": 0.0, "staffing.headcount": 5,
                       "calendar.opening_hours": {"default": "00:00-24:00"}})
    plan = compile_plan(scenario)
    raw = simulate(plan, 4, 0)
    table = interval_table(plan, raw)
    # 24 h shifts that follow on: exactly 5 agents paid in every interval
    np.testing.assert_allclose(table["agents_paid"], 5.0)
    check_identities(plan, raw)


def test_breaks_are_never_lost_when_calls_delay_them():
    # Saturated centre (far more work than agents): every scheduled break is
    # delayed by calls, yet each present agent still gets its full break time
    # unless the shift ends first; here breaks end well before the shift end.
    scenario = make(**{"epidemic.baseline_per_day": 2000, "staffing.headcount": 3,
                       "agents.absenteeism": 0.0, "inbound.enabled": False,
                       "tracing.index.handle_time": {"dist": "lognormal", "mean": "50min",
                                                     "cv": 0.3},
                       "agents.shifts": [{"start": "08:00", "length": "10h", "share": 1,
                                          "breaks": [{"after": "2h", "length": "20min"},
                                                     {"after": "130min", "length": "20min"},
                                                     {"after": "5h", "length": "15min"}]}]})
    plan = compile_plan(scenario)
    raw = simulate(plan, 8, 0)
    assert raw.intervals["break_s"].sum() == pytest.approx(raw.present.sum() * 55 * 60)
    check_identities(plan, raw)
