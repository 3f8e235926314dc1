"""Billing identities (DESIGN section 3, Money)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.analysis.costs import (
    line_cost,
    line_costs,
    line_days,
    line_quantity,
    other_cost_per_day,
    pool_rate,
)
from sim.inputs.scenario import CostLine
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


# --------------------------------------------------------------------------- cost lines

FIELD = {"name": "field_agents", "kind": "per_fte", "rate": 6000,
         "schedule": [{"month": "2020-09", "fte": 10}, {"from": "2020-10-02", "fte": 20}]}
COORDINATION = {"name": "coordination", "kind": "fixed", "amount": 31000}


def _line(**fields) -> CostLine:
    return CostLine.model_validate(fields)


def _month(year: int, month: int) -> list[dt.date]:
    days = calendar.monthrange(year, month)[1]
    return [dt.date(year, month, d) for d in range(1, days + 1)]


@given(fte=st.floats(0, 5000), rate=st.floats(0, 1e5), year=st.integers(1990, 2100),
       month=st.integers(1, 12))
def test_a_per_fte_line_costs_fte_times_rate_for_a_whole_month(fte, rate, year, month):
    money = line_cost(_line(name="x", kind="per_fte", rate=rate, fte=fte), _month(year, month))
    assert money.sum() == pytest.approx(fte * rate, rel=1e-12, abs=1e-9)
    assert np.all(money == money[0])  # spread evenly over the days


@given(amount=st.floats(0, 1e6), start=st.dates(dt.date(2019, 1, 1), dt.date(2022, 12, 31)),
       days=st.integers(1, 100))
def test_a_fixed_line_is_pro_rata_of_the_days_of_each_month(amount, start, days):
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    money = line_cost(_line(name="x", kind="fixed", amount=amount), dates)
    expected = sum(amount / calendar.monthrange(d.year, d.month)[1] for d in dates)
    assert money.sum() == pytest.approx(expected, rel=1e-12, abs=1e-9)
    for month in {(d.year, d.month) for d in dates}:  # whole months cost the amount
        mine = [i for i, d in enumerate(dates) if (d.year, d.month) == month]
        if len(mine) == calendar.monthrange(*month)[1]:
            assert money[mine].sum() == pytest.approx(amount, rel=1e-12, abs=1e-9)


def test_a_schedule_row_holds_from_its_start_to_the_next_and_nothing_before_the_first():
    line = _line(name="x", kind="per_fte", rate=1,
                 schedule=[{"month": "2020-10", "fte": 3}, {"from": "2020-10-20", "fte": 5}])
    dates = [dt.date(2020, 9, 30), dt.date(2020, 10, 1), dt.date(2020, 10, 19),
             dt.date(2020, 10, 20), dt.date(2021, 2, 1)]
    assert line_quantity(line, dates).tolist() == [0, 3, 3, 5, 5]
    # October: 19 days at 3 FTE and 12 at 5, at 1 per FTE-month
    money = line_cost(line, _month(2020, 10))
    assert money.sum() == pytest.approx((19 * 3 + 12 * 5) / 31)


def test_the_scenario_prices_every_line_and_other_cost_is_their_sum():
    scenario = make(**{"costs.lines": [FIELD, COORDINATION]})
    dates = _month(2020, 9) + _month(2020, 10)
    money = line_costs(scenario, dates)
    assert list(money) == ["field_agents", "coordination"]
    assert money["field_agents"][:30].sum() == pytest.approx(10 * 6000)
    assert money["coordination"][:30].sum() == pytest.approx(31000)
    assert money["coordination"][30:].sum() == pytest.approx(31000)
    assert other_cost_per_day(scenario, dates) == pytest.approx(
        money["field_agents"] + money["coordination"])
    assert other_cost_per_day(make(), dates).tolist() == [0.0] * len(dates)
    table = line_days(scenario, dates)
    assert table["cost"].sum() == pytest.approx(sum(m.sum() for m in money.values()))
    assert table.loc[table["line"] == "coordination", "fte"].isna().all()


def test_cost_lines_survive_the_resolved_yaml():
    scenario = make(**{"costs.lines": [FIELD, COORDINATION]})
    again = sim.scenario_from_text(scenario.to_yaml(), "again.yaml")
    assert again.costs.lines == scenario.costs.lines
    assert again.hash() == scenario.hash()


@pytest.mark.parametrize(("line", "message"), [
    ({"name": "x", "kind": "per_fte", "fte": 3}, r"costs\.lines\.0: a per_fte line needs 'rate'"),
    ({"name": "x", "kind": "per_fte", "rate": 3},
     r"costs\.lines\.0: a per_fte line needs either 'fte' or a 'schedule'"),
    ({"name": "x", "kind": "fixed", "amount": 3, "rate": 4}, r"not 'rate'"),
    ({"name": "x", "kind": "fixed", "fte": 3}, r"a fixed line takes 'amount', not 'fte'"),
    ({"name": "x", "kind": "fixed", "amount": 3, "schedule": [{"month": "2020-09", "amount": 1}]},
     r"exactly one of them"),
    ({"name": "x", "kind": "per_fte", "rate": 1, "schedule": [{"month": "2020-13", "fte": 1}]},
     r"costs\.lines\.0\.schedule\.0\.month: write a month as YYYY-MM"),
    ({"name": "x", "kind": "per_fte", "rate": 1,
      "schedule": [{"month": "2020-09", "from": "2020-09-01", "fte": 1}]},
     r"costs\.lines\.0\.schedule\.0: a schedule row starts either 'from' a date or at a 'month'"),
    ({"name": "x", "kind": "per_fte", "rate": 1,
      "schedule": [{"month": "2020-10", "fte": 1}, {"month": "2020-09", "fte": 1}]},
     r"schedule\.1: starts 2020-09-01, not after the previous row"),
    ({"name": "x", "kind": "per_fte", "rate": 1, "schedule": [{"month": "2020-10", "amount": 1}]},
     r"schedule\.0: a per_fte line's rows give 'fte'"),
    ({"name": "x", "kind": "per_fte", "rate": 1, "schedule": [{"month": "2020-10", "ftee": 1}]},
     r"costs\.lines\.0\.schedule\.0\.ftee: unknown field; did you mean 'fte'"),
    ({"name": "x", "kind": "per_fte", "rate": -1, "fte": 1}, r"costs\.lines\.0\.rate"),
    ({"name": "x", "kind": "monthly", "amount": 1}, r"costs\.lines\.0\.kind"),
])
def test_a_bad_cost_line_is_one_line_naming_its_field(line, message):
    with pytest.raises(sim.ScenarioError, match=message) as error:
        make(**{"costs.lines": [line]})
    assert len(error.value.problems) == 1
    assert "\n" not in error.value.problems[0]


def test_cost_line_names_are_unique():
    with pytest.raises(sim.ScenarioError, match=r"costs\.lines: .*coordination used twice"):
        make(**{"costs.lines": [COORDINATION, COORDINATION]})


def test_total_cost_is_the_call_centre_plus_the_cost_lines_at_every_level():
    plain = sim.run(make(**{"calendar.start": "2020-09-28"}), replications=2, seed=5)
    lined = sim.run(make(**{"calendar.start": "2020-09-28", "costs.lines": [FIELD, COORDINATION]}),
                    replications=2, seed=5)
    dates = [dt.date(2020, 9, 28) + dt.timedelta(days=d) for d in range(4)]
    other = other_cost_per_day(lined.scenario, dates)
    # the lines are money only: the call centre's part is the plain run's total
    for name in ("daily", "monthly", "weekly"):
        table, base = lined.tables[name], plain.tables[name]
        assert table["total_cost" if name != "daily" else "cost"].to_numpy() == pytest.approx(
            (table["call_centre_cost"] + table["other_cost"]).to_numpy())
        assert table["call_centre_cost"].to_numpy() == pytest.approx(
            base["call_centre_cost"].to_numpy())
    assert lined.daily["other_cost"].to_numpy() == pytest.approx(np.tile(other, 2))
    reps, base = lined.tables["replications"], plain.tables["replications"]
    assert reps["other_cost"].to_numpy() == pytest.approx([other.sum()] * 2)
    assert reps["total_cost"].to_numpy() == pytest.approx(
        (base["total_cost"] + other.sum()).to_numpy())
    assert base["total_cost"].to_numpy() == pytest.approx(base["call_centre_cost"].to_numpy())
    # the cost per unit of the call centre's output is the call centre's
    for name in ("cost_per_handled_call", "cost_per_attempt", "cost_per_paid_hour"):
        assert reps[name].to_numpy() == pytest.approx(base[name].to_numpy())
    assert reps["cost_per_handled_call"].to_numpy() == pytest.approx(
        (reps["call_centre_cost"] / reps["handled_calls"]).to_numpy())
    lines = lined.tables["cost_lines"]
    assert lines["cost"].sum() == pytest.approx(other.sum())
    assert "cost_lines" not in plain.tables
