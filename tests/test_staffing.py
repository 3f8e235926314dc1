"""Staffing policies: lead times, the oracle's service target, no peeking, the roster."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.basics import theory
from sim.experiments.attribution import oracle_variant
from sim.experiments.replications import simulate_once as simulate
from sim.inputs.compile import compile_plan
from sim.model.policy import CallIn, IntradayObservation, Observation, PeekingError, Roster
from sim.staffing import make_policy
from sim.staffing.workload import ErlangStaffing, attempts_and_reach
from tests.scenarios_for_tests import make

WAVE = {
    "epidemic": {"model": "waves", "baseline_per_day": 20,
                 "waves": [{"peak_date": "2020-09-21", "peak_per_day": 300, "rise": "3d",
                            "fall": "3d"}]},
    "calendar.days": 28,
    "agents.absenteeism": 0.05,
    "agents.shifts": [
        {"start": "08:00", "length": "6h", "share": 1,
         "breaks": [{"after": "3h", "length": "15min"}]},
        {"start": "14:00", "length": "6h", "share": 1,
         "breaks": [{"after": "3h", "length": "15min"}]},
    ],
}


def reactive(lead: str, **extra) -> dict:
    return {"policy": "reactive", "initial_headcount": 10, "window": "1d", "hysteresis": 0,
            "scale_up_lead_time": lead, "scale_down_notice": lead, **extra}


def mean_headcount(results) -> np.ndarray:
    return results.daily.groupby("day")["headcount"].mean().to_numpy()


def lag_days(curve: np.ndarray, reference: np.ndarray, max_lag: int = 12) -> int:
    """The shift of ``curve`` behind ``reference`` that correlates best."""
    best, best_corr = 0, -np.inf
    for lag in range(0, max_lag + 1):
        a = curve[lag:]
        b = reference[: reference.size - lag]
        corr = np.corrcoef(a, b)[0, 1]
        if corr > best_corr:
            best, best_corr = lag, corr
    return best


@pytest.mark.slow
def test_oracle_meets_its_service_target_on_a_smooth_wave():
    scenario = make(**WAVE, staffing={"policy": "oracle", "inbound_target_sl": 0.8})
    results = sim.run(scenario, replications=6, seed=3)
    # inbound: answered within 20 s / offered reaches the target (CI not below it)
    assert results.metric("inbound_service_level")["ci_high"] >= 0.8
    # outbound: every index case that can be reached in its attempts is reached
    # within 24 h: the share is at the bound 1 - (1 - p)^m (not significantly below)
    _, reachable = attempts_and_reach(scenario.tracing.index)
    assert results.metric("index_reached_within_deadline_share")["ci_high"] >= reachable


@pytest.mark.slow
def test_reactive_headcount_lags_demand_by_its_lead_time():
    oracle = mean_headcount(sim.run(make(**WAVE, staffing={"policy": "oracle"}),
                                    replications=3, seed=5))
    lags = {}
    for lead_days in (0, 3, 6):
        results = sim.run(make(**WAVE, staffing=reactive(f"{lead_days}d")), replications=3,
                          seed=5)
        lags[lead_days] = lag_days(mean_headcount(results), oracle)
    # the extra lag is the lead time, within a day (a review is once a day)
    assert abs((lags[3] - lags[0]) - 3) <= 1, lags
    assert abs((lags[6] - lags[0]) - 6) <= 1, lags
    assert lags[0] <= 2, lags  # trailing window of one day: about a day behind


@pytest.mark.slow
def test_reactive_without_lead_time_or_hysteresis_approaches_the_oracle():
    oracle = sim.run(make(**WAVE, staffing={"policy": "oracle"}), replications=4, seed=9)
    quick = sim.run(make(**WAVE, staffing=reactive("0d")), replications=4, seed=9)
    slow = sim.run(make(**WAVE, staffing=reactive("5d")), replications=4, seed=9)
    gap = {name: abs(r.metric("paid_hours")["mean"] - oracle.metric("paid_hours")["mean"])
           for name, r in (("quick", quick), ("slow", slow))}
    assert gap["quick"] < 0.1 * oracle.metric("paid_hours")["mean"]
    assert gap["quick"] < gap["slow"]
    head_gap = np.abs(mean_headcount(quick) - mean_headcount(oracle)).mean()
    assert head_gap < 0.2 * mean_headcount(oracle).mean()
    for metric in ("index_reached_within_deadline_share", "inbound_service_level"):
        assert quick.metric(metric)["mean"] >= oracle.metric(metric)["mean"] - 0.05


def test_observation_refuses_the_future():
    ro = np.zeros(4, dtype=np.int64)
    ro.flags.writeable = False
    ok = np.zeros(3, dtype=np.int64)
    ok.flags.writeable = False
    Observation(day=2, now_s=2.5 * 86400, n_days=10, released_per_day=ok,
                inbound_offered_per_day=ok, backlog=0, planned_headcount=ok)
    with pytest.raises(PeekingError, match="future"):
        Observation(day=2, now_s=2.5 * 86400, n_days=10, released_per_day=ro,
                    inbound_offered_per_day=ok, backlog=0, planned_headcount=ok)
    with pytest.raises(PeekingError, match="read-only"):
        Observation(day=2, now_s=2.5 * 86400, n_days=10, released_per_day=np.zeros(3),
                    inbound_offered_per_day=ok, backlog=0, planned_headcount=ok)
    with pytest.raises(PeekingError):
        Observation(day=2, now_s=3.5 * 86400, n_days=10, released_per_day=ok,
                    inbound_offered_per_day=ok, backlog=0, planned_headcount=ok)


def test_reviews_see_exactly_the_realised_past(monkeypatch):
    scenario = make(**{"calendar.days": 5, "staffing": reactive("1d")})
    plan = compile_plan(scenario)
    seen: list[Observation] = []
    policy_type = type(make_policy(plan))
    original = policy_type.review

    def spy(self, observation):
        seen.append(observation)
        return original(self, observation)

    monkeypatch.setattr(policy_type, "review", spy)
    raw = simulate(plan, 4, 0)
    assert [o.day for o in seen] == [0, 1, 2, 3, 4]
    for obs in seen:
        assert len(obs.released_per_day) == obs.day + 1
        # complete days equal what was released; today only up to the review
        np.testing.assert_array_equal(obs.released_per_day[:-1],
                                      raw.released_per_day[: obs.day])
        assert obs.released_per_day[-1] <= raw.released_per_day[obs.day]
        with pytest.raises(ValueError):
            obs.released_per_day[0] = 99


def test_roster_applies_lead_times_limits_and_fixed_days():
    roster = Roster(np.full(10, 5), scale_up_lead_time_s=3 * 86400,
                    scale_down_notice_s=86400, min_headcount=2, max_headcount=20,
                    max_daily_change=4)
    roster.fix(0)
    roster.fix(1)
    now_s = 1.75 * 86400  # review on day 1 at 18:00
    roster.request(now_s, {d: 30 for d in range(2, 10)})
    # up: first day starting at or after now + 3 d is day 5; +4 a day, capped at 20
    assert roster.headcount.tolist() == [5, 5, 5, 5, 5, 9, 13, 17, 20, 20]
    roster.request(now_s, {d: 0 for d in range(2, 10)})
    # down: notice 1 d -> from day 3 on; -4 a day, not below 2
    assert roster.headcount.tolist() == [5, 5, 5, 2, 2, 2, 2, 2, 2, 2]
    roster.request(now_s, {0: 50, 1: 50})  # fixed days never change
    assert roster.headcount[:2].tolist() == [5, 5]


def test_pool_agents_are_called_in_and_billed_only_while_called_in():
    scenario = make(**{**WAVE, "calendar.days": 14, "costs.hourly_rate": 40},
                    staffing={"policy": "pool", "core_headcount": 4, "pool_size": 30,
                              "call_in_delay": "1h", "call_in_block": "4h",
                              "pool_hourly_rate": 20})
    plan = compile_plan(scenario)
    raw = simulate(plan, 2, 0)
    pool_s = raw.intervals["pool_paid_s"]
    assert pool_s.sum() > 0
    assert (raw.headcount == 4).all()
    # pool hours only inside opening hours (08:00-20:00), except a call in progress at
    # the end of a block, which is finished (at most one call per agent, well under an hour)
    per_interval = pool_s.reshape(plan.n_days, plan.intervals_per_day)
    hours = np.arange(plan.intervals_per_day) * plan.interval_s / 3600
    assert per_interval[:, hours < 8].sum() == 0
    assert per_interval[:, hours >= 21].sum() == 0
    assert per_interval[:, (hours >= 20) & (hours < 21)].sum() < 0.01 * pool_s.sum()
    assert (pool_s <= 30 * plan.interval_s + 1e-6).all()
    results = sim.run(scenario, replications=1, seed=2)
    m = results.tables["replications"].iloc[0]
    roster_h = m["paid_hours"] - m["pool_paid_hours"]
    expected = roster_h * 40 + m["pool_paid_hours"] * 20
    expected += m["paid_hours"] / 10 * 60 + m["agent_days_paid"] * 5  # supervisors, seats
    assert m["total_cost"] == pytest.approx(expected)


# --------------------------------------------------------------------------- pure policy tests


@pytest.mark.parametrize(
    ("handle_s", "within_s", "target", "patience_s"),
    [(300.0, 20.0, 0.8, 180.0), (420.0, 20.0, 0.8, 240.0), (600.0, 60.0, 0.95, 60.0),
     (120.0, 0.0, 0.5, 900.0), (300.0, 20.0, 0.8, None), (200.0, 30.0, 0.9, None)],
)
def test_erlang_staffing_equals_the_theory_search(handle_s, within_s, target, patience_s):
    rng = np.random.default_rng(7)
    # rates from 0.2 to 2,000 calls an hour, asked in three batches in random order
    rates = np.exp(rng.uniform(np.log(0.2), np.log(2000.0), 300)) / 3600
    erlang = ErlangStaffing(handle_s, within_s, target, patience_s)
    for batch in np.array_split(rng.permutation(rates), 3):
        got = erlang.agents_for_rates(batch.tolist())
        assert got.dtype == np.int64 and got.shape == batch.shape
    for rate in rates.tolist():
        grid_rate = np.exp(ErlangStaffing.rate_key(rate) * ErlangStaffing.GRID_STEP) / 3600
        expected = theory.agents_for_service_level(grid_rate, handle_s, within_s, target,
                                                   mean_patience_s=patience_s)[0]
        assert erlang.agents(rate) == expected
    assert erlang.agents(0.0) == 0


def test_erlang_staffing_rounds_rates_up_by_at_most_one_percent():
    for rate in (0.001, 0.01, 0.3):
        grid_rate = np.exp(ErlangStaffing.rate_key(rate) * ErlangStaffing.GRID_STEP) / 3600
        assert rate <= grid_rate * (1 + 1e-9) and grid_rate <= rate * 1.0101


def _pool_policy(**config):
    scenario = make(staffing={"policy": "pool", "core_headcount": 4, "pool_size": 10,
                              "call_in_delay": "1h", "call_in_block": "4h",
                              "call_in_threshold": "30min", "check_every": "15min", **config})
    return make_policy(compile_plan(scenario))


def _intraday(now_s=9 * 3600.0, queued_outbound=0, queued_inbound=0, agents_on_duty=4,
              pool_pending=0, pool_available=10, close_s=20 * 3600.0) -> IntradayObservation:
    return IntradayObservation(now_s=now_s, queued_outbound=queued_outbound,
                               queued_inbound=queued_inbound, agents_on_duty=agents_on_duty,
                               pool_pending=pool_pending, pool_available=pool_available,
                               close_s=close_s)


def test_pool_policy_says_how_often_it_checks_and_whom_it_can_call():
    policy = _pool_policy()
    assert policy.intraday_every_s == 15 * 60 and policy.on_call_agents == 10
    assert not policy.adaptive
    fixed = make_policy(compile_plan(make()))
    assert fixed.intraday_every_s is None and fixed.on_call_agents == 0
    assert fixed.intraday(_intraday(queued_outbound=10_000)) is None


def test_pool_calls_in_enough_agents_for_the_threshold_until_closing():
    policy = _pool_policy()
    per_task_h = policy.rates.hours_per_open_task
    # under the threshold (30 min of queued work per agent): nobody
    quiet = _intraday(queued_outbound=int(4 * 0.5 / per_task_h) - 1)
    assert policy.intraday(quiet) is None
    busy = _intraday(queued_outbound=int(8 * 0.5 / per_task_h) + 1)
    decision = policy.intraday(busy)
    assert isinstance(decision, CallIn)
    queued_h = busy.queued_outbound * per_task_h
    assert decision.count == policy.call_in(busy) == int(np.ceil(queued_h / 0.5 - 4 - 1e-9))
    assert (decision.start_s, decision.end_s) == (10 * 3600, 14 * 3600)
    # the block is cut at closing; nobody is called in to arrive after closing
    late = policy.intraday(_intraday(now_s=17 * 3600, queued_outbound=busy.queued_outbound))
    assert late is not None and (late.start_s, late.end_s) == (18 * 3600, 20 * 3600)
    assert policy.intraday(_intraday(now_s=19 * 3600,
                                     queued_outbound=busy.queued_outbound)) is None
    # never more than the pool has left; agents on the way count as staff
    assert policy.intraday(_intraday(queued_outbound=10_000, pool_available=3)).count == 3
    assert policy.intraday(_intraday(queued_outbound=10_000, pool_available=0)) is None
    assert policy.intraday(_intraday(queued_outbound=int(8 * 0.5 / per_task_h) - 1,
                                     agents_on_duty=4, pool_pending=4)) is None


def test_on_call_hourly_rate_is_the_pools_own_rate_or_none():
    pool = make(staffing={"policy": "pool", "core_headcount": 1, "pool_size": 2,
                          "pool_hourly_rate": 25}).staffing
    assert pool.on_call_hourly_rate == 25
    assert make(staffing={"policy": "pool", "core_headcount": 1,
                          "pool_size": 2}).staffing.on_call_hourly_rate is None
    assert make().staffing.on_call_hourly_rate is None


def test_oracle_variant_keeps_the_service_target_and_limits():
    scenario = make(staffing=reactive("1d", target_occupancy=0.7, inbound_model="erlang_c",
                                      inbound_method="lagged_sipp", max_headcount=50))
    oracle = oracle_variant(scenario).staffing
    assert oracle.policy == "oracle"
    assert (oracle.target_occupancy, oracle.inbound_model, oracle.inbound_method) == (
        0.7, "erlang_c", "lagged_sipp")
    assert oracle.max_headcount == 50
    fixed = oracle_variant(make(), inbound_target_sl=0.9).staffing
    assert fixed.policy == "oracle" and fixed.inbound_target_sl == 0.9
    assert fixed.target_occupancy == 0.85  # the oracle's default
