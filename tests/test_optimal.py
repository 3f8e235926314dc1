"""Least staffing by simulation (``policy: optimal``), ISA, and the analytic oracle across days."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import sim
from sim.basics import theory
from sim.experiments.attribution import optimal_variant, targets_report
from sim.experiments.isa import answered_within
from sim.experiments.least_staffing import (
    LeastStaffingSearch,
    offered_load_staffing,
    replicate,
    search,
)
from sim.inputs.compile import compile_plan
from sim.inputs.scenario import load_scenario, scenario_from_text
from sim.interfaces.api import attribute_idle
from sim.staffing import make_policy
from sim.staffing.oracle import OraclePolicy
from sim.staffing.planning import ServicePlanner
from sim.staffing.workload import expected_released_per_day, plan_across_days
from tests.scenarios_for_tests import make

SEED = 5


# --------------------------------------------------------------------------- ISA arithmetic


@pytest.mark.parametrize(("servers", "calls_per_h", "patience_s"),
                         [(14, 200, 300.0), (62, 600, 300.0), (30, 250, None), (5, 60, 120.0)])
def test_answered_within_averages_to_erlang_a(servers, calls_per_h, patience_s) -> None:
    """E[f_s(L)] under the stationary law of L is the Erlang A (or C) service level."""
    handle_s, within_s = 360.0, 20.0
    rate = calls_per_h / 3600
    pi = theory.erlang_a_state_probabilities(servers, rate, handle_s,
                                             math.inf if patience_s is None else patience_s)
    theta = 0.0 if patience_s is None else 1 / patience_s
    f = answered_within(servers, 1 / handle_s, theta, within_s, len(pi) - 1)
    expected = theory.service_level_for_agents(servers, rate, handle_s, within_s, patience_s)
    assert float(pi @ f) == pytest.approx(expected, abs=1e-9)
    assert f[:servers].min() == 1.0 and np.all(np.diff(f[servers:]) <= 1e-12)


def test_plan_across_days_hires_ahead_and_keeps_hires() -> None:
    weekday = np.array([30, 30, 30, 30, 30, 10, 10] * 3 + [5] * 7)
    lead, stay = 2, 7
    planned = plan_across_days(weekday, lead, stay)
    assert np.all(planned >= weekday)
    for i in range(lead + 1):  # on the roster `lead` days before being needed
        assert np.all(planned[: len(weekday) - i] >= weekday[i:])
    hires = np.maximum(np.diff(planned, prepend=planned[0]), 0)
    for day in np.flatnonzero(hires):  # nobody hired leaves before `stay` days
        assert np.all(planned[day:day + stay] >= hires[day])
    # the weekend no longer empties the roster, so Monday hires nobody anew
    assert hires[7:21].sum() == 0
    # without lead time and with a stay of one day it is the requirement itself
    np.testing.assert_array_equal(plan_across_days(weekday, 0, 1), weekday)


# --------------------------------------------------------------------------- ISA validation

def sinusoidal_scenario(search_replications: int) -> sim.Scenario:
    """M_t/M/s_t+M: a sinusoidal hourly rate (600 calls/h on average, +-50 %), 24 one-hour
    templates, open around the clock, no outbound work, no breaks, no absence, no redials."""
    profile = [round(1 - 0.5 * math.cos(2 * math.pi * (h + 0.5) / 24), 4) for h in range(24)]
    task = {"reach_probability": 1, "max_attempts": 1, "retry_after": "1h",
            "failed_attempt_time": "1min", "handle_time": "10min"}
    data = {
        "name": "isa-sinusoidal",
        "calendar": {"start": "2021-01-04", "days": 1,
                     "opening_hours": {"default": "00:00-24:00"}},
        "epidemic": {"model": "waves", "baseline_per_day": 0},
        "reporting": {"noise": "none"},
        "tracing": {"index": task, "contact": task},
        "inbound": {"enabled": True, "base_per_day": 600 * 24, "calls_per_case": 0,
                    "profile": profile, "handle_time": {"dist": "exponential", "mean": "6min"},
                    "wrap_up": "0s", "patience": {"dist": "exponential", "mean": "5min"},
                    "redial_probability": 0, "answer_within": "20s"},
        "agents": {"shifts": [{"start": f"{h:02d}:00", "length": "1h", "share": 1}
                              for h in range(24)], "absenteeism": 0},
        "staffing": {"policy": "optimal", "inbound_target_sl": 0.8, "min_stay": "1d",
                     "search_replications": search_replications},
        "costs": {"currency": "EUR", "hourly_rate": 30},
        "simulation": {"seed": 1, "interval": "1h"},
    }
    return scenario_from_text(yaml.safe_dump(data))


@pytest.mark.slow
def test_isa_staffing_is_time_stable_and_close_to_offered_load() -> None:
    """Feldman, Mandelbaum, Massey & Whitt (2008): ISA gives a time-stable service level.

    One day of a sinusoidal rate (300-900 calls/h), exponential handle time
    and patience, 24 one-hour templates, target 0.80 within 20 s; the search
    runs 30 replications per iteration. Whole agents move an hour's service
    level by 0.035-0.07 at these loads, so each hour gets the staffing whose
    estimated level is nearest the target, and agents are added to the lowest
    hours until the day is at the target (``inbound_staffing: time_stable``,
    ``isa.time_stable_choice``). On 200
    replications the search never saw (per hour, a standard error of about
    0.011), every hour must lie within +-0.05 of 0.80 (measured 0.756-0.841;
    the least staffing at or above 0.80 in every hour, as before, gave
    0.787-0.858) and the day at 0.80 or above within noise (measured 0.801).
    ISA agrees with the offered-load staffing (Erlang A at the interval mean of
    m(t)) within 5 agents in every hour, and the agents follow the rate.
    """
    scenario = sinusoidal_scenario(search_replications=30).with_changes(
        {"staffing.inbound_staffing": "time_stable"})
    plan = compile_plan(scenario)
    result = search(plan)
    assert result.converged and result.isa_iterations is not None
    isa = result.table.reserve
    # 24 one-hour templates: the roster is the ISA staffing, hour by hour
    np.testing.assert_array_equal(result.table.per_template.ravel(), isa)
    n_reps = 200
    within = np.zeros((n_reps, plan.n_intervals))
    offered = np.zeros((n_reps, plan.n_intervals))
    for rep in range(n_reps):
        _, intervals = replicate(plan, result.table, seed=99, replication=rep,
                                 sample_times_s=np.array([]))
        within[rep] = intervals["inbound_answered_within_target"]
        offered[rep] = intervals["inbound_offered"]
    per_hour = within.sum(axis=0) / offered.sum(axis=0)
    assert np.all(np.abs(per_hour - 0.8) <= 0.05), per_hour
    # the day: at the target within 3 standard errors of the ratio estimator
    day = within.sum(axis=1) - 0.8 * offered.sum(axis=1)
    se = day.std(ddof=1) / math.sqrt(n_reps) / offered.sum(axis=1).mean()
    assert within.sum() / offered.sum() >= 0.8 - 3 * se
    offered_load = offered_load_staffing(plan, 0.8)
    assert np.abs(isa - offered_load).max() <= 5
    assert np.abs(isa - offered_load).mean() <= 3
    rate = np.asarray(scenario.inbound.profile)
    assert stats.spearmanr(isa, rate).statistic > 0.95  # the agents follow the rate


def test_days_of_the_same_demand_get_the_same_staffing() -> None:
    """Three identical days (no epidemic, no noise): one day's staffing, three times."""
    scenario = sinusoidal_scenario(search_replications=4).with_changes(
        {"calendar.days": 3, "staffing.max_iterations": 3})
    plan = compile_plan(scenario)
    days = search(plan).table.reserve.reshape(3, -1)
    np.testing.assert_array_equal(days[1], days[0])
    np.testing.assert_array_equal(days[2], days[0])
    assert days[0].max() > days[0].min()  # it follows the rate


# --------------------------------------------------------------------------- the search


@pytest.fixture(scope="module")
def quick_optimal() -> sim.Scenario:
    return optimal_variant(load_scenario("scenarios/quick.yaml"))


def test_search_converges_and_is_least(quick_optimal: sim.Scenario) -> None:
    plan = compile_plan(quick_optimal)
    result = search(plan)
    assert result.converged
    history = result.history
    assert history["days_failing"].iloc[-1] == 0
    assert len(history) == result.iterations
    # the table is the search's requirements laid out again
    again = LeastStaffingSearch(plan)
    again.inbound, again.outbound = result.table.reserve.copy(), result.outbound.copy()
    np.testing.assert_array_equal(again.staffing_table().per_template,
                                  result.table.per_template)
    # least: 10 % fewer outbound agents than found (before the demand margin) every
    # day makes some day miss a target on the search's own replications (common
    # random numbers: no noise in this)
    again.outbound = np.floor(result.outbound_found * 0.9).astype(np.int64)
    index_share, contact_share = again.simulate(again.staffing_table()).shares()
    config = quick_optimal.staffing
    assert ((index_share < config.index_within_share)
            | (contact_share < config.contacts_within_share)).any()


def test_policy_plays_the_search_result(quick_optimal: sim.Scenario) -> None:
    plan = compile_plan(quick_optimal)
    table = search(plan).table
    policy = make_policy(plan, planned=table)
    np.testing.assert_array_equal(policy.initial_plan(plan.n_days), table.headcount)
    np.testing.assert_array_equal(policy.template_headcount(3, int(table.headcount[3])),
                                  table.per_template[3])
    results = sim.run(quick_optimal, replications=2, seed=SEED)
    daily = results.tables["daily"]
    np.testing.assert_array_equal(daily[daily["replication"] == 0]["headcount"],
                                  table.headcount)


def test_optimal_variant_keeps_targets_and_limits() -> None:
    scenario = make(staffing={"policy": "oracle", "inbound_target_sl": 0.7,
                              "max_headcount": 50})
    variant = optimal_variant(scenario).staffing
    assert variant.policy == "optimal" and variant.inbound_target_sl == 0.7
    assert variant.max_headcount == 50 and variant.index_within_share == 0.95
    assert optimal_variant(scenario, index_within_share=0.9).staffing.index_within_share == 0.9


def test_targets_report_says_what_was_met() -> None:
    summary = pd.DataFrame({
        "metric": ["index_reached_within_deadline_share", "contacts_reached_within_deadline_share",
                   "inbound_service_level"],
        "mean": [0.96, 0.85, 0.81], "ci_low": [0.95, 0.8, 0.8], "ci_high": [0.97, 0.9, 0.82]})
    report = targets_report(summary, optimal_variant(make()).staffing).set_index("target")
    assert report["met"].to_dict() == {"index_within_share": True,
                                       "contacts_within_share": False,
                                       "inbound_target_sl": True}


@pytest.mark.parametrize("bound", ["optimal", "analytic"])
def test_attribute_idle_reports_the_bound_and_its_targets(bound: str) -> None:
    results = sim.run(make(**{"staffing.headcount": 20}), replications=2, seed=SEED)
    attributed = attribute_idle(results, bound=bound)
    policy = "optimal" if bound == "optimal" else "oracle"
    assert attributed.tables["oracle_summary"]["scenario"].iloc[0].endswith(f"({policy})")
    targets = attributed.tables["bound_targets"]
    assert list(targets["target"]) == ["index_within_share", "contacts_within_share",
                                       "inbound_target_sl"]
    assert attributed.run_info["bound"] == bound
    assert attributed.run_info["bound_met_targets"] == bool(targets["met"].all())
    reps = attributed.tables["replications"]
    np.testing.assert_allclose(reps["avoidable_idle_hours"] + reps["unavoidable_idle_hours"],
                               reps["idle_hours"])


# --------------------------------------------------------------------------- the oracle


def weekday_scenario(tmp_path, policy: dict) -> sim.Scenario:
    """Four weeks of observed-style daily cases (weekdays high, weekends low), 16 h onboarding."""
    dates = pd.date_range("2020-10-05", periods=28, freq="D")
    factor = np.array([1.3, 1.2, 1.1, 1.1, 1.0, 0.5, 0.4])[dates.day_of_week]
    cases = np.round(70 * factor * np.linspace(0.8, 1.3, 28)).astype(int)
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "cases": cases}).to_csv(
        tmp_path / "cases.csv", index=False)
    data = yaml.safe_load(yaml.safe_dump(make(**{"calendar.days": 28,
                                                 "calendar.start": "2020-10-05"}).model_dump(
        mode="json", by_alias=True)))
    data["epidemic"] = {"model": "csv", "path": "cases.csv", "date_column": "date",
                        "cases_column": "cases"}
    data["agents"]["onboarding"] = "16h"
    data["staffing"] = policy
    path = tmp_path / "weekday.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_scenario(path)


def test_oracle_plans_across_days_on_weekday_demand(tmp_path) -> None:
    scenario = weekday_scenario(tmp_path, {"policy": "oracle"})
    plan = compile_plan(scenario)
    headcount = OraclePolicy(plan, scenario.staffing).initial_plan(plan.n_days)
    hires = np.maximum(np.diff(headcount), 0)
    stay = 7
    for day in np.flatnonzero(hires) + 1:  # nobody is hired for less than the minimum stay
        assert np.all(headcount[day:day + stay] >= hires[day - 1])
    # hired ahead of the onboarding: the agents a day needs are on the roster
    # `lead` days before (the test's shifts average 6.5 h: 16 h take 3 days)
    required, _ = ServicePlanner(plan, scenario.staffing).headcount(
        expected_released_per_day(plan))
    lead = 3
    for i in range(lead + 1):
        assert np.all(headcount[: plan.n_days - i] >= required[i:])


@pytest.mark.slow
def test_oracle_meets_its_targets_on_weekday_demand_with_onboarding(tmp_path) -> None:
    """The issue's failure: day-by-day plans re-hired every Monday and lost two days of
    each hire to onboarding. Planned across days, the oracle reaches its targets.

    Measured (6 replications, 95 % CI): index cases 96.5-97.7 % within 24 h,
    contacts 94.7-96.3 %, inbound service level 0.88-0.90; the day-by-day plan
    (no hiring ahead, no minimum stay) on the same demand reached 31.5 % of
    contacts and an inbound service level of 0.76. The bound checked is the CI
    lower bound (6 replications) on each target.
    """
    scenario = weekday_scenario(tmp_path, {"policy": "oracle"})
    results = sim.run(scenario, replications=6, seed=SEED)
    report = targets_report(results.summary, scenario.staffing)
    assert (report["ci_low"] >= report["required"]).all(), report
