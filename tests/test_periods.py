"""Monthly and weekly tables (sim.analysis.periods): the figures of the daily and run tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.analysis.periods import group_sums, month_labels, week_labels
from tests.scenarios_for_tests import make

#: The columns the issue asks for, in order (written out, not imported).
MONTHLY = ("scenario", "replication", "month", "days", "attempts", "attempts_index",
           "attempts_contact", "persons_called", "handled_calls", "paid_hours", "busy_hours",
           "idle_hours", "not_logged_in_hours", "idle_share", "occupancy",
           "agents_present_mean", "billed_fte_mean", "attempts_per_present_agent_day",
           "attempts_per_billed_fte_day", "call_centre_cost", "other_cost", "total_cost")

#: Period columns that add up over periods, and the daily column each is the sum of.
ADDITIVE = {"days": None, "attempts": "attempts", "attempts_index": "attempts_index",
            "attempts_contact": "attempts_contact", "persons_called": "persons_called",
            "handled_calls": "handled_calls", "paid_hours": "paid_hours",
            "busy_hours": "busy_hours", "idle_hours": "idle_hours",
            "not_logged_in_hours": "not_logged_in_hours", "call_centre_cost": "call_centre_cost",
            "other_cost": "other_cost", "total_cost": "cost"}

LINES = [{"name": "field_agents", "kind": "per_fte", "rate": 6000,
          "schedule": [{"month": "2020-09", "fte": 10}, {"from": "2020-10-02", "fte": 20}]},
         {"name": "coordination", "kind": "fixed", "amount": 31000}]


@pytest.fixture(scope="module")
def results():
    """Ten days over two months and three ISO weeks (Fri 25 Sep - Sun 4 Oct 2020)."""
    scenario = make(**{"calendar.start": "2020-09-25", "calendar.days": 10,
                       "costs.lines": LINES, "agents.not_logged_in_share": 0.1})
    return sim.run(scenario, replications=3, seed=11)


def test_the_tables_have_exactly_the_columns_asked_for(results):
    assert tuple(results.monthly.columns) == MONTHLY
    assert tuple(results.weekly.columns) == ("scenario", "replication", "week", *MONTHLY[3:])
    assert results.monthly["month"].tolist() == ["2020-09", "2020-10"] * 3
    assert results.monthly["days"].tolist() == [6, 4] * 3
    assert results.weekly["week"].tolist() == ["2020-W39", "2020-W40"] * 3
    assert results.weekly["days"].tolist() == [3, 7] * 3


@pytest.mark.parametrize(("table", "key", "labels"), [("monthly", "month", month_labels),
                                                      ("weekly", "week", week_labels)])
def test_periods_add_up_to_the_days_and_the_run(results, table, key, labels):
    periods = results.tables[table]
    daily = results.daily.assign(**{key: labels(results.daily["date"].dt.date)})
    by_day = daily.groupby(["replication", key]).sum(numeric_only=True)
    run = results.tables["replications"].set_index("replication")
    totals = periods.groupby("replication").sum(numeric_only=True)
    for column, day_column in ADDITIVE.items():
        if day_column is not None:
            assert periods.set_index(["replication", key])[column].to_numpy() == pytest.approx(
                by_day[day_column].to_numpy(), rel=1e-12), column
        if column in run:
            assert totals[column].to_numpy() == pytest.approx(run[column].to_numpy(),
                                                              rel=1e-12), column
    assert (totals["days"] == 10).all()


def test_a_periods_ratios_are_ratios_of_its_sums(results):
    for table, key, labels in (("monthly", "month", month_labels),
                               ("weekly", "week", week_labels)):
        p = results.tables[table]
        daily = results.daily.assign(**{key: labels(results.daily["date"].dt.date)})
        by_day = daily.groupby(["replication", key]).sum(numeric_only=True)
        present, billed = by_day["agents_present"].to_numpy(), by_day["billed_fte"].to_numpy()
        assert p["idle_share"].to_numpy() == pytest.approx(
            (p["idle_hours"] / p["paid_hours"]).to_numpy())
        assert p["occupancy"].to_numpy() == pytest.approx(
            (p["busy_hours"] / (p["busy_hours"] + p["idle_hours"])).to_numpy())
        assert p["agents_present_mean"].to_numpy() == pytest.approx(present / p["days"])
        assert p["billed_fte_mean"].to_numpy() == pytest.approx(billed / p["days"])
        assert p["attempts_per_present_agent_day"].to_numpy() == pytest.approx(
            p["attempts"].to_numpy() / present)
        assert p["attempts_per_billed_fte_day"].to_numpy() == pytest.approx(
            p["attempts"].to_numpy() / billed)
        assert (p["attempts"] == p["attempts_index"] + p["attempts_contact"]).all()
        assert p["total_cost"].to_numpy() == pytest.approx(
            (p["call_centre_cost"] + p["other_cost"]).to_numpy())


def test_the_summary_has_the_run_level_ratios(results):
    daily = results.daily.groupby("replication").sum(numeric_only=True)
    per_rep = {
        "attempts_per_present_agent_day": daily["attempts"] / daily["agents_present"],
        "attempts_per_billed_fte_day": daily["attempts"] / daily["billed_fte"],
        "handled_calls_per_present_agent_day": daily["handled_calls"] / daily["agents_present"],
        "handled_calls_per_billed_fte_day": daily["handled_calls"] / daily["billed_fte"],
        "agents_present_mean": daily["agents_present"] / 10,
        "billed_fte_mean": daily["billed_fte"] / 10,
        "persons_called": daily["persons_called"],
    }
    for name, values in per_rep.items():
        assert results.metric(name)["mean"] == pytest.approx(values.mean()), name
        assert results.metric(name)["n"] == 3


def test_the_cost_lines_table_rebuilds_other_cost_by_month(results):
    lines = results.tables["cost_lines"]
    assert list(lines.columns) == ["scenario", "month", "line", "kind", "days", "fte_mean",
                                   "rate", "cost"]
    field = lines[lines["line"] == "field_agents"].set_index("month")
    # September: 6 of its 30 days at 10 FTE; October: the 1st at 10, the 2nd-4th at 20
    assert field.loc["2020-09", "cost"] == pytest.approx(10 * 6000 * 6 / 30)
    assert field.loc["2020-10", "fte_mean"] == pytest.approx((10 + 3 * 20) / 4)
    assert field["cost"].to_numpy() == pytest.approx(
        (field["fte_mean"] * field["rate"] * field["days"]
         / np.array([30, 31])).to_numpy())
    by_month = lines.groupby("month")["cost"].sum()
    for _, month in results.monthly.groupby("replication"):
        assert month.set_index("month")["other_cost"].to_numpy() == pytest.approx(
            by_month.to_numpy())


def test_the_tables_are_saved_and_loaded(results, tmp_path):
    results.save(tmp_path / "out", figures=False)
    for name in ("monthly", "weekly", "cost_lines"):
        assert (tmp_path / "out" / f"{name}.csv").exists()
        assert (tmp_path / "out" / f"{name}.parquet").exists()
    csv = pd.read_csv(tmp_path / "out" / "monthly.csv")
    assert tuple(csv.columns) == MONTHLY
    loaded = sim.load_results(tmp_path / "out")
    pd.testing.assert_frame_equal(loaded.monthly, results.monthly)
    pd.testing.assert_frame_equal(loaded.weekly, results.weekly)


def test_a_period_with_no_agent_present_has_undefined_ratios():
    scenario = make(**{"staffing.headcount": 0, "calendar.days": 2})
    monthly = sim.run(scenario, replications=1, seed=1).monthly
    assert monthly["agents_present_mean"].tolist() == [0.0]
    assert monthly[["attempts_per_present_agent_day", "attempts_per_billed_fte_day",
                    "idle_share", "occupancy"]].isna().all().all()


def test_iso_weeks_and_months_are_labelled_across_the_new_year():
    dates = [dt.date(2020, 12, 27), dt.date(2020, 12, 28), dt.date(2021, 1, 3),
             dt.date(2021, 1, 4)]
    assert week_labels(dates) == ["2020-W52", "2020-W53", "2020-W53", "2021-W01"]
    assert month_labels(dates) == ["2020-12", "2020-12", "2021-01", "2021-01"]


@given(start=st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)), days=st.integers(1, 400),
       seed=st.integers(0, 2**32 - 1))
def test_grouped_sums_keep_the_total_and_the_calendar_order(start, days, seed):
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    values = np.random.default_rng(seed).exponential(size=days)
    for labels in (month_labels(dates), week_labels(dates)):
        order, sums = group_sums({"x": values, "days": np.ones(days)}, labels)
        assert order == list(dict.fromkeys(labels))  # each once, in calendar order
        assert sums["x"].sum() == pytest.approx(values.sum(), rel=1e-12)
        assert sums["days"].tolist() == [labels.count(label) for label in order]


def test_a_whole_month_of_a_per_fte_line_costs_fte_times_rate_in_the_monthly_table():
    line = {"name": "field_agents", "kind": "per_fte", "rate": 6855.07, "fte": 82.95}
    fixed = {"name": "coordination", "kind": "fixed", "amount": 50_000}
    scenario = make(**{"calendar.start": "2020-02-01", "calendar.days": 30,  # leap February
                       "costs.lines": [line, fixed], "staffing.headcount": 2})
    results = sim.run(scenario, replications=1, seed=2)
    month = results.monthly.set_index("month")
    assert month.loc["2020-02", "days"] == 29
    assert month.loc["2020-02", "other_cost"] == pytest.approx(82.95 * 6855.07 + 50_000,
                                                               rel=1e-12)
    assert month.loc["2020-03", "other_cost"] == pytest.approx((82.95 * 6855.07 + 50_000) / 31,
                                                               rel=1e-12)
