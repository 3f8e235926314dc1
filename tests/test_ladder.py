"""The ladder of staffings: idle by cause adds up, every step meets its targets or says why.

The identities are exact (the causes are successive differences of the same
replications' idle, so they telescope to the run's idle in every replication);
the orderings are judged against the paired intervals of the replications.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.analysis.costs import agent_hours_value
from sim.experiments.ladder import (
    STEPS,
    idle_ladder,
    idle_sentence,
    interval_shifts,
    no_foresight_scenario,
    step_scenarios,
)
from tests.scenarios_for_tests import make

REPLICATIONS = 4


@pytest.fixture(scope="module")
def ladder():
    scenario = make(**{"staffing.headcount": 20, "calendar.days": 5})
    results = sim.run(scenario, replications=REPLICATIONS, seed=5, jobs=1)
    return results, idle_ladder(results, jobs=1)


def test_the_causes_add_up_to_the_runs_idle_in_every_replication(ladder):
    results, out = ladder
    per_rep = out.tables["ladder"]
    idle = per_rep.pivot(index="replication", columns="step", values="idle_hours")
    own = results.tables["replications"].set_index("replication")["idle_hours"]
    np.testing.assert_allclose(idle[5].to_numpy(), own.loc[idle.index].to_numpy(), rtol=0,
                               atol=1e-9)
    parts = idle.diff(axis=1).fillna(idle[[1]].reindex(columns=idle.columns))
    np.testing.assert_allclose(parts.sum(axis=1).to_numpy(), idle[5].to_numpy(), atol=1e-9)
    table = out.tables["idle_by_cause"]
    assert list(table["step"]) == [s.number for s in STEPS]
    assert table["idle_hours"].sum() == pytest.approx(own.mean(), rel=1e-12, abs=1e-9)
    assert table["share"].sum() == pytest.approx(1.0)
    np.testing.assert_allclose(table["cost"],
                               agent_hours_value(results.scenario, table["idle_hours"]))
    assert ((table["ci_low"] <= table["idle_hours"]) & (table["idle_hours"] <= table["ci_high"])
            ).all()


def test_every_step_meets_its_targets_or_says_why(ladder):
    _, out = ladder
    table, targets = out.tables["idle_by_cause"], out.tables["ladder_targets"]
    for row in table.itertuples():
        mine = targets[targets["step"] == row.step]
        assert row.met_targets == bool(mine["met"].all())
        assert (row.why == "") == row.met_targets
        for missed in mine[~mine["met"]].itertuples():
            assert missed.metric in row.why


def test_the_bounds_meet_the_targets(ladder):
    """Steps 1 to 3 are the least staffing that meets the targets: they meet them."""
    _, out = ladder
    assert out.tables["idle_by_cause"].set_index("step").loc[[1, 2, 3], "met_targets"].all()


def test_paid_hours_do_not_fall_along_the_bounds_beyond_noise(ladder):
    """Each constraint added to the bound keeps or adds paid hours (paired 95 % interval)."""
    _, out = ladder
    paid = out.tables["ladder"].pivot(index="replication", columns="step", values="paid_hours")
    for lower, upper in ((1, 2), (2, 3)):
        diff = (paid[upper] - paid[lower]).to_numpy()
        half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
        assert diff.mean() + half >= -1e-9, (lower, upper, diff)


def test_the_scaling_step_plays_the_shift_steps_requirement_or_more(ladder):
    """Step 3 hires ahead and keeps the minimum stay: never fewer agents than step 2."""
    results, _ = ladder
    scenarios = step_scenarios(results.scenario)
    from sim.experiments.ladder import plan_steps

    planned = plan_steps(scenarios, events_per_replication=1.0)
    two, three = planned[2].for_policy, planned[3].for_policy
    assert (three.per_template >= two.per_template).all()  # type: ignore[attr-defined]


def test_the_sentence_gives_each_cause_its_share(ladder):
    _, out = ladder
    table = out.tables["idle_by_cause"]
    text = idle_sentence(table)
    assert text.startswith(f"Of {table['idle_hours'].sum():,.0f} idle hours, ")
    assert text.count(" % ") == len(table)
    assert "scenario's own staffing" in text


def test_the_metadata_counts_the_searches_cost(ladder):
    _, out = ladder
    info = out.run_info["ladder"]
    assert info["1"]["search_iterations"] >= 1 and info["1"]["replication_equivalents"] > 0
    assert info["3"]["search_events"] == 0  # step 3 plays step 2's requirement
    assert out.run_info["ladder_replication_equivalents"] == pytest.approx(
        sum(v.get("replication_equivalents", 0.0) for v in info.values()), abs=1e-2)
    assert info["3"]["parameters"]["min_stay_s"] == 7 * 86400.0


def test_interval_shifts_cover_the_opening_hours_one_interval_each():
    scenario = make(**{"calendar.opening_hours": {"default": "08:00-20:00", "sun": "closed"}})
    shifts = interval_shifts(scenario)
    assert len(shifts) == 24  # 12 h in 30-minute intervals
    assert shifts[0]["start"] == "08:00" and shifts[-1]["start"] == "19:30"
    assert all(s["days"] == ["mon", "tue", "wed", "thu", "fri", "sat"] for s in shifts)
    first = step_scenarios(scenario)[1]
    assert len(first.agents.shifts) == 24 and not any(s.breaks for s in first.agents.shifts)
    assert first.agents.onboarding == 0.0


def test_a_policy_without_foresight_is_its_own_fourth_step():
    reactive = make(**{"staffing": {"policy": "reactive", "initial_headcount": 10}})
    assert no_foresight_scenario(reactive, 10) is None
    fixed = make(**{"staffing.scale_up_lead_time": "2d", "staffing.max_daily_change": 3})
    fourth = no_foresight_scenario(fixed, 12)
    assert fourth is not None and fourth.staffing.policy == "reactive"
    assert fourth.staffing.scale_up_lead_time == 2 * 86400.0
    assert fourth.staffing.max_daily_change == 3
    assert fourth.staffing.initial_headcount == 12


def test_the_table_reads_as_the_figure_draws_it(ladder):
    _, out = ladder
    from sim.outputs.figures import plot_idle_by_cause

    fig = plot_idle_by_cause(out.tables["idle_by_cause"])
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == len(STEPS) + 1  # one per cause and the run's idle
    assert bars[-1].get_height() == pytest.approx(
        float(pd.Series(out.tables["idle_by_cause"]["idle_hours"]).sum()))


def test_the_searches_give_the_same_tables_on_any_executor(ladder):
    """An iteration's replications side by side on worker processes: the same staffing."""
    from sim.experiments.executor import make_executor
    from sim.experiments.ladder import plan_steps

    results, _ = ladder
    scenarios = step_scenarios(results.scenario)
    serial = plan_steps(scenarios, events_per_replication=1.0)
    with make_executor("local", jobs=2) as executor:
        parallel = plan_steps(scenarios, events_per_replication=1.0, executor=executor)
    for k in (1, 2, 3):
        np.testing.assert_array_equal(parallel[k].for_policy.per_template,
                                      serial[k].for_policy.per_template)
        np.testing.assert_array_equal(parallel[k].for_policy.reserve,
                                      serial[k].for_policy.reserve)
        assert parallel[k].info.get("search_events") == serial[k].info.get("search_events")
