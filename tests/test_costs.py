"""Billing identities (DESIGN section 3, Money)."""

from __future__ import annotations

import pytest

import sim
from sim.costs import pool_rate
from tests.scenarios_for_tests import make

SCHEDULE = {"policy": "schedule", "schedule": [{"date": "2020-09-07", "headcount": 6},
                                               {"date": "2020-09-09", "headcount": 9}]}


def run(**costs):
    changes = {f"costs.{k}": v for k, v in costs.items()}
    scenario = make(**changes, staffing=SCHEDULE, **{"agents.onboarding": "4h"})
    return sim.run(scenario, replications=2, seed=13)


def rows(results):
    return results.tables["replications"].to_dict("records")


def test_capacity_cost_is_paid_hours_times_rate_plus_supervisors_seats_and_hiring():
    results = run(billing="capacity", hourly_rate=40, supervisor_ratio=10, supervisor_rate=60,
                  seat_cost_per_day=5, hiring_cost=300)
    for m in rows(results):
        assert m["hires"] == 3
        expected = (m["paid_hours"] * 40 + m["paid_hours"] / 10 * 60
                    + m["agent_days_paid"] * 5 + 3 * 300)
        assert m["total_cost"] == pytest.approx(expected)
        assert m["onboarding_hours"] > 0  # onboarding is paid time, in paid_hours
        assert m["onboarding_cost"] == pytest.approx(m["onboarding_hours"] * 40)
    daily = results.daily
    per_rep = daily.groupby("replication")["cost"].sum().to_numpy()
    assert per_rep == pytest.approx(results.tables["replications"]["total_cost"].to_numpy())
    # the valued hours too: each day's, at the agent rate, adding up to the run's
    assert daily["idle_cost"].to_numpy() == pytest.approx(daily["idle_hours"].to_numpy() * 40)
    for name in ("idle_cost", "onboarding_cost"):
        per_rep = daily.groupby("replication")[name].sum().to_numpy()
        assert per_rep == pytest.approx(results.tables["replications"][name].to_numpy())


def test_pool_rate_is_the_pools_own_rate_else_the_agents():
    assert pool_rate(make(**{"costs.hourly_rate": 40})) == 40
    pool = {"policy": "pool", "core_headcount": 3, "pool_size": 5}
    assert pool_rate(make(**{"costs.hourly_rate": 40}, staffing=pool)) == 40
    assert pool_rate(make(**{"costs.hourly_rate": 40},
                          staffing={**pool, "pool_hourly_rate": 25})) == 25


def test_tiers_bill_at_the_share_weighted_rate():
    tiers = [{"name": "onshore", "share": 0.25, "hourly_rate": 41.63},
             {"name": "offshore", "share": 0.75, "hourly_rate": 27.0}]
    results = run(billing="capacity", tiers=tiers, supervisor_ratio=None)
    blended = 0.25 * 41.63 + 0.75 * 27.0
    for m in rows(results):
        seats = 5 * m["agent_days_paid"]  # seat_cost_per_day of the test scenario
        assert m["total_cost"] == pytest.approx(m["paid_hours"] * blended + seats)


def test_productive_billing_never_exceeds_capacity_billing():
    capacity = run(billing="capacity", hourly_rate=40)
    productive = run(billing="productive", hourly_rate=40)
    for c, p in zip(rows(capacity), rows(productive), strict=True):
        assert p["paid_hours"] == c["paid_hours"]  # same seed, same run
        assert p["total_cost"] <= c["total_cost"]
        assert p["agent_cost"] == pytest.approx(p["busy_hours"] * 40)


def test_per_call_and_per_case_fees():
    per_call = run(billing="per_call", fee_per_call=12.5)
    for m in rows(per_call):
        assert m["total_cost"] == pytest.approx(12.5 * m["handled_calls"])
        assert m["cost_per_handled_call"] == pytest.approx(12.5)
    per_case = run(billing="per_case", fee_per_case=80)
    for m in rows(per_case):
        assert m["total_cost"] == pytest.approx(80 * m["index_reached"])


def test_a_fee_billing_needs_its_fee():
    with pytest.raises(sim.ScenarioError, match="fee_per_call"):
        make(**{"costs.billing": "per_call"})
