"""Scenario -> Plan: demand models wired through, opening hours, headcount split."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.inputs.compile import compile_plan, split_headcount
from sim.inputs.epidemic import seir_daily, waves_daily
from tests.scenarios_for_tests import BASE, make


def test_waves_plan_uses_day_offsets_and_widths_in_days():
    plan = compile_plan(make())
    # BASE: start 2020-09-07, peak 2020-09-08 (day 1), rise 1d, fall 2d, baseline 30
    expected = waves_daily(4, [(1.0, 40.0, 1.0, 2.0)], 30.0)
    np.testing.assert_allclose(plan.expected_cases, expected)


def test_seir_plan_matches_the_solver():
    seir = {"model": "seir", "population": 1e6, "initial_infectious": 100,
            "r": [{"from": "2020-09-07", "r": 1.4}, {"from": "2020-09-09", "r": 0.8}],
            "incubation": "5d", "infectious_period": "5d", "ascertainment": 0.5}
    plan = compile_plan(make(**{"epidemic": seir, "calendar.days": 10}))
    direct = seir_daily(10, 1e6, 0.0, 100.0, 0.0, [(0.0, 1.4), (2.0, 0.8)], 5.0, 5.0, 0.5)
    np.testing.assert_allclose(plan.expected_cases, direct)


def test_csv_plan_reads_relative_to_the_scenario(tmp_path):
    (tmp_path / "cases.csv").write_text(
        "day,n,region\n2020-09-07,10,A\n2020-09-07,5,B\n2020-09-08,7,A\n2020-09-09,1,A\n"
        "2020-09-10,2,A\n")
    data = copy.deepcopy(BASE)
    data["epidemic"] = {"model": "csv", "path": "cases.csv", "date_column": "day",
                        "cases_column": "n", "filter": {"region": "A"}, "scale": 2}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    plan = compile_plan(sim.load_scenario(path))
    np.testing.assert_allclose(plan.expected_cases, [20, 14, 2, 4])


def test_closed_days_and_opening_minutes():
    plan = compile_plan(make(**{"calendar.opening_hours": {"default": "08:30-17:00",
                                                            "wed": "closed"}}))
    # 2020-09-07 is a Monday, 2020-09-09 a Wednesday
    assert np.isnan(plan.open_s[2])
    assert plan.open_s[0] == 8.5 * 3600 and plan.close_s[1] == 86400 + 17 * 3600
    per_day = plan.minute_open.reshape(plan.n_days, 1440).sum(axis=1)
    assert per_day.tolist() == [510, 510, 0, 510]
    np.testing.assert_allclose(plan.inbound_minute_weights.sum(axis=1), [1, 1, 0, 1])


@given(st.integers(0, 5000), st.lists(st.floats(0.01, 10), min_size=1, max_size=6))
def test_split_headcount_sums_and_is_close_to_shares(headcount, shares):
    split = split_headcount(headcount, np.array(shares))
    assert split.sum() == headcount
    exact = headcount * np.array(shares) / sum(shares)
    assert np.all(np.abs(split - exact) < 1.0 + 1e-9)


def test_interval_must_divide_a_day():
    with pytest.raises(sim.ScenarioError, match="simulation.interval"):
        make(**{"simulation.interval": "7min"})
