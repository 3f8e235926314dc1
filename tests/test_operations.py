"""Real operations (issue 9): FTE and weekday rosters, paid time not logged in,
behaviour that changes over time, and the figures auditors compare."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.analysis.metrics import daily_table
from sim.experiments.replications import simulate_once as simulate
from sim.inputs.compile import compile_plan
from sim.inputs.scenario import ScenarioError
from sim.staffing import make_policy
from sim.staffing.headcount import agents_per_day, weekly_paid_hours_per_headcount
from tests.scenarios_for_tests import make

WEEKDAYS_5 = ["mon", "tue", "wed", "thu", "fri"]


# --------------------------------------------------------------------------- FTE


def test_fte_becomes_agents_by_the_documented_identity():
    # one 8 h template every day: agents x 8 h x 7 days = FTE x 38 h
    scenario = make(**{"calendar.days": 28,
                       "agents.shifts": [{"start": "08:00", "length": "8h"}],
                       "agents.contract_hours_per_week": 38,
                       "staffing": {"policy": "fixed", "fte": 330.92}})
    plan = compile_plan(scenario)
    assert weekly_paid_hours_per_headcount(plan) == pytest.approx(56.0)
    agents = make_policy(plan).initial_plan(plan.n_days)
    exact_per_day = 330.92 * 38 / 56
    assert set(agents.tolist()) <= {int(np.floor(exact_per_day)), int(np.ceil(exact_per_day))}
    # no drift: each calendar week's agent-days are its exact total, rounded
    start = dt.date(2020, 9, 7)  # a Monday
    assert start.weekday() == 0
    for week in range(4):
        week_total = agents[7 * week: 7 * week + 7].sum()
        assert week_total == round(7 * exact_per_day)
    # paid hours of the roster = FTE x contract hours per week (within one agent-shift a week)
    assert abs(agents.sum() * 8 / 4 - 330.92 * 38) <= 8


@given(values=st.lists(st.floats(0, 500), min_size=1, max_size=40),
       start_offset=st.integers(0, 6))
@settings(max_examples=40, deadline=None)
def test_largest_remainder_rounds_each_week_without_drift(values, start_offset):
    days = len(values)
    scenario = make(**{"calendar.start": str(dt.date(2020, 9, 7) + dt.timedelta(start_offset)),
                       "calendar.days": days})
    plan = compile_plan(scenario)
    agents = agents_per_day(plan, np.array(values), fte=False)
    exact = np.array(values) * plan.staff_factor
    assert (np.abs(agents - exact) < 1 + 1e-9).all()
    weeks = [d.isocalendar()[:2] for d in plan.dates]
    for week in set(weeks):
        mask = np.array([w == week for w in weeks])
        assert agents[mask].sum() == int(np.floor(exact[mask].sum() + 0.5 + 1e-9))


def test_weekday_and_weekend_rosters_differ():
    scenario = make(**{
        "calendar.days": 7, "agents.absenteeism": 0.0,
        "agents.shifts": [{"start": "08:00", "length": "8h", "days": WEEKDAYS_5},
                          {"start": "10:00", "length": "6h", "share": 0.5,
                           "days": ["sat", "sun"]}],
        "staffing": {"policy": "fixed", "headcount": 10}})
    plan = compile_plan(scenario)
    raw = simulate(plan, seed=1)
    weekend = np.array([d.weekday() >= 5 for d in plan.dates])
    assert (raw.headcount[~weekend] == 10).all()
    assert (raw.headcount[weekend] == 5).all()
    daily = daily_table(plan, raw)
    # each day's paid hours are its agents x its template's length, at least (overtime aside)
    expected_h = np.where(weekend, 5 * 6, 10 * 8)
    assert (daily["paid_hours"].to_numpy() >= expected_h - 1e-9).all()
    assert (daily["paid_hours"].to_numpy() <= expected_h + 10 * 1.0).all()


def test_schedule_reads_a_csv_with_fte_and_per_shift_columns(tmp_path):
    (tmp_path / "roster.csv").write_text(
        "date,fte,early,late\n2020-09-07,10,,\n2020-09-09,20,4,3\n", encoding="utf-8")
    scenario = make(**{
        "agents.shifts": [{"name": "early", "start": "08:00", "length": "6h"},
                          {"name": "late", "start": "13:00", "length": "7h"}],
        "agents.absenteeism": 0.0,
        "staffing": {"policy": "schedule", "path": str(tmp_path / "roster.csv")}})
    plan = compile_plan(scenario)
    raw = simulate(plan, seed=1)
    # FTE 10: agents/day = 10 x 38 / (7 x 6.5 h per headcount-day); the per-shift columns win
    exact = 10 * 38 / weekly_paid_hours_per_headcount(plan)
    assert abs(raw.headcount[:2].mean() - exact) < 1
    assert raw.headcount[2:].tolist() == [7, 7]
    daily = daily_table(plan, raw)
    assert daily["paid_hours"].iloc[2] >= 4 * 6 + 3 * 7 - 1e-9


def test_fte_without_a_value_and_bad_schedule_give_one_line_errors(tmp_path):
    with pytest.raises(ScenarioError, match="exactly one of 'headcount' and 'fte'"):
        make(**{"staffing": {"policy": "fixed"}})
    with pytest.raises(ScenarioError, match="exactly one of 'schedule' and 'path'"):
        make(**{"staffing": {"policy": "schedule"}})
    (tmp_path / "bad.csv").write_text("day,n\n1,2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"staffing\.path: needs a 'date' column"):
        make(**{"staffing": {"policy": "schedule", "path": str(tmp_path / "bad.csv")}})


# --------------------------------------------------------------------------- paid states


@pytest.mark.parametrize("paid", [False, True])
def test_absence_is_paid_not_logged_in_only_when_billed(paid):
    scenario = make(**{"agents.absenteeism": {"share": 0.3, "paid": paid},
                       "calendar.days": 6, "staffing.headcount": 40})
    plan = compile_plan(scenario)
    raw = simulate(plan, seed=2)
    daily = daily_table(plan, raw)
    absent = (raw.headcount - raw.present).sum()
    assert absent > 0
    if paid:
        # an absent agent is paid its whole shift, not logged in (6 h or 7 h templates)
        hours = daily["not_logged_in_hours"].sum()
        assert 6 * absent - 1e-6 <= hours <= 7 * absent + 1e-6
    else:
        assert daily["not_logged_in_hours"].sum() == 0


def test_not_logged_in_share_of_rostered_time_matches_its_setting():
    share = 0.2
    scenario = make(**{"agents.not_logged_in_share": share, "agents.absenteeism": 0.0,
                       "inbound.enabled": False, "calendar.days": 14,
                       "staffing.headcount": 60})
    plan = compile_plan(scenario)
    shares = []
    for seed in range(5):
        raw = simulate(plan, seed=seed)
        daily = daily_table(plan, raw)
        shares.append(daily["not_logged_in_hours"].sum() / daily["paid_hours"].sum())
    # each agent-shift is not logged in with probability `share`: binomial over
    # 60 x 14 agent-shifts per replication; 5 replications, 4 standard errors
    mean, se = np.mean(shares), np.std(shares, ddof=1) / np.sqrt(len(shares))
    n_shifts = 60 * 14 * len(shares)
    tolerance = 4 * max(se, np.sqrt(share * (1 - share) / n_shifts))
    assert abs(mean - share) <= tolerance + 0.02  # + shift-length mix (6 h and 7 h)
    for part in ("talk", "idle", "break"):
        assert f"{part}_hours" in daily


# --------------------------------------------------------------------------- changes


def _with_change(change_day: int, changes: dict, **extra) -> sim.Scenario:
    date = (dt.date(2020, 9, 7) + dt.timedelta(change_day)).isoformat()
    return make(**{"calendar.days": 6, "inbound.enabled": False, **extra,
                   "changes": [{"from": date, "set": changes}]})


def test_a_dated_change_takes_effect_on_its_day_and_not_before():
    base = make(**{"calendar.days": 6, "inbound.enabled": False})
    changed = _with_change(3, {"tracing.index.contacts.mean": 0.0,
                               "tracing.index.reach_probability": 1.0})
    raw_base = simulate(compile_plan(base), seed=4)
    raw_changed = simulate(compile_plan(changed), seed=4)
    people = raw_changed.people
    index = people[people["kind"] == "index"].set_index("person")
    contacts = people[people["kind"] == "contact"]
    parent_day = (index.loc[contacts["parent"], "created_s"] // 86400).to_numpy()
    # index cases released from day 3 on name no contacts and are all reached
    assert (parent_day < 3).all() and len(contacts) > 0
    late = index[index["created_s"] >= 3 * 86400]
    assert len(late) > 0 and (late["attempts"] <= 1).all()
    assert (late["status"].astype(str).isin(["reached", "open"])).all()
    # before the change the two runs are the same run, person by person
    early = lambda raw: raw.people[raw.people["created_s"] < 2 * 86400][  # noqa: E731
        ["kind", "created_s", "attempts"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(early(raw_base).iloc[:50], early(raw_changed).iloc[:50])
    before = {name: values[: 2 * 48] for name, values in raw_base.intervals.items()}
    for name, values in before.items():
        np.testing.assert_array_equal(values, raw_changed.intervals[name][: 2 * 48], err_msg=name)


def test_changes_keep_common_random_numbers_for_untouched_inputs():
    # a change of talk time leaves who is reached, and the cases, unchanged
    base = make(**{"calendar.days": 6, "inbound.enabled": False, "staffing.headcount": 60})
    changed = _with_change(1, {"tracing.index.handle_time": {"dist": "lognormal",
                                                              "mean": "25min", "cv": 0.5}},
                           **{"staffing.headcount": 60})
    a, b = simulate(compile_plan(base), seed=9), simulate(compile_plan(changed), seed=9)
    np.testing.assert_array_equal(a.cases_per_day, b.cases_per_day)
    np.testing.assert_array_equal(a.released_per_day, b.released_per_day)


def test_planners_use_the_behaviour_in_force_on_each_day():
    # doubling the contacts per case from day 3 on doubles-and-more the outbound work per case
    # from that day, and the oracle's planner staffs for it on those days only
    from sim.staffing.planning import ServicePlanner
    from sim.staffing.workload import (
        expected_inbound_calls_per_day,
        work_per_index_case_h,
        work_per_index_case_h_by_day,
    )

    base = make(**{"calendar.days": 6, "inbound.enabled": True,
                   "staffing": {"policy": "oracle"}})
    changed = base.with_changes({"changes": [{"from": "2020-09-10", "set": {  # day 3
        "tracing.index.contacts.mean": 5.0, "inbound.calls_per_case": 1.0}}]})
    plan = compile_plan(changed)
    hours = work_per_index_case_h_by_day(plan)
    assert hours[:3] == pytest.approx(work_per_index_case_h(base))
    assert hours[3:] == pytest.approx(work_per_index_case_h(plan.regimes[1]))
    assert hours[3] > hours[2]
    released = np.full(6, 100.0)
    calls = expected_inbound_calls_per_day(plan, released)
    assert calls[3:] == pytest.approx(100.0 + changed.inbound.base_per_day)
    assert calls[:3] == pytest.approx(100.0 * base.inbound.calls_per_case
                                      + base.inbound.base_per_day)
    planner = ServicePlanner(plan, changed.staffing)
    before, _ = ServicePlanner(compile_plan(base), base.staffing).headcount(released)
    after, _ = planner.headcount(released)
    np.testing.assert_array_equal(after[:3], before[:3])
    assert (after[3:] > before[3:]).all()
    # a plan for the days from 3 on reads those days' behaviour
    tail, _ = planner.headcount(released[3:], first_day=3)
    np.testing.assert_array_equal(tail, after[3:])


def test_changes_are_validated_with_the_field_named():
    with pytest.raises(ScenarioError, match=r"changes\[0\].*reach_probability"):
        _with_change(2, {"tracing.index.reach_probability": 1.5})
    with pytest.raises(ScenarioError, match="cannot change over a run"):
        _with_change(2, {"staffing.headcount": 3})
    with pytest.raises(ScenarioError, match=r"changes.*tracing\.index\.nonsense: no such field"):
        _with_change(2, {"tracing.index.nonsense.deeper": 3})


def test_changes_from_python_and_yaml_agree(tmp_path):
    scenario = _with_change(2, {"agents.not_logged_in_share": 0.5})
    path = tmp_path / "s.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    again = sim.load_scenario(path)
    assert again.hash() == scenario.hash()
    regimes = again.regimes()
    assert [date for date, _ in regimes] == [None, dt.date(2020, 9, 9)]
    assert regimes[1][1].agents.not_logged_in_share == 0.5


# --------------------------------------------------------------------------- auditors' figures


def test_persons_called_equals_the_deduplicated_call_log():
    scenario = make(**{"calendar.days": 4, "simulation.calls_log": True})
    plan = compile_plan(scenario)
    raw = simulate(plan, seed=5, keep_calls=True)
    calls = raw.calls
    tracing = calls[calls["kind"].astype(str).isin(["index", "contact"])]
    day = (tracing["start_s"] // 86400).astype(int)
    per_day = tracing.assign(day=day).drop_duplicates(["ref", "day"]).groupby("day").size()
    expected = per_day.reindex(range(plan.n_days), fill_value=0).to_numpy()
    np.testing.assert_array_equal(raw.persons_called, expected)
    daily = daily_table(plan, raw)
    np.testing.assert_array_equal(daily["persons_called"], expected)
    # attempts split by kind, and they add up
    np.testing.assert_array_equal(daily["attempts_index"] + daily["attempts_contact"],
                                  daily["attempts"])


def test_pool_agents_count_as_present_and_billed_fte_follows_paid_hours():
    scenario = make(**{"calendar.days": 3, "agents.absenteeism": 0.0,
                       "staffing": {"policy": "pool", "core_headcount": 2, "pool_size": 6,
                                    "call_in_delay": "0s", "call_in_threshold": "1min",
                                    "check_every": "30min"}})
    plan = compile_plan(scenario)
    raw = simulate(plan, seed=3)
    daily = daily_table(plan, raw)
    assert daily["pool_paid_hours"].sum() > 0
    assert (daily["agents_present"] > daily["headcount"]).any()
    assert (daily["agents_present"] <= daily["headcount"] + 6).all()
    np.testing.assert_allclose(daily["billed_fte"],
                               daily["paid_hours"] * 7 / scenario.agents.contract_hours_per_week)


def test_a_key_of_another_policy_is_named_as_such_not_as_a_near_miss():
    with pytest.raises(ScenarioError) as error:
        make(**{"staffing": {"policy": "schedule", "headcount": 5,
                             "schedule": [{"date": "2020-09-07", "headcount": 5}]}})
    message = str(error.value)
    assert "not a field of policy 'schedule'" in message and "'fixed'" in message
    assert "min_headcount'?" not in message


def test_several_sources_show_their_own_released_cases_per_day():
    sources = {"sources": [
        {"name": "cases", "model": "waves", "baseline_per_day": 30},
        {"name": "travellers", "model": "waves", "baseline_per_day": 10, "share_traced": 1.0}]}
    scenario = make(**{"epidemic": sources, "calendar.days": 3})
    plan = compile_plan(scenario)
    daily = daily_table(plan, simulate(plan, seed=2))
    np.testing.assert_array_equal(daily["cases_cases"] + daily["cases_travellers"],
                                  daily["index_released"])
    assert daily["cases_travellers"].sum() > 0
