"""The metric catalogue: one entry per metric, and every table, summary and formatter reads it."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest

from sim.analysis import catalogue
from sim.analysis.catalogue import (
    CATALOGUE,
    CI_METHODS,
    LEVELS,
    NAN_TEXT,
    UNITS,
    Metric,
    S,
    columns_at,
    figures,
    format_value,
    metric,
    metrics_at,
)
from sim.analysis.metrics import (
    DAILY_COLUMNS,
    INTERVAL_TABLE_COLUMNS,
    RUN_METRICS,
    day_sums,
    interval_sums,
    run_sums,
    summarise,
)
from sim.analysis.periods import PERIOD_FIGURES
from sim.experiments.replications import simulate_once
from sim.inputs.compile import compile_plan
from tests.scenarios_for_tests import make


@pytest.fixture(scope="module")
def one_run():
    plan = compile_plan(make(**{"inbound.callback": {"enabled": True}}))
    return plan, simulate_once(plan, 4, 0)


def test_every_entry_is_complete() -> None:
    placeholders = {"currency", "deadline", "contact_deadline", "target"}
    for name, entry in CATALOGUE.items():
        assert entry.name == name
        assert entry.unit in UNITS, name
        assert entry.ci in CI_METHODS, name
        assert entry.better in (None, "higher", "lower"), name
        assert entry.levels and entry.levels <= set(LEVELS), name
        assert entry.label and entry.meaning, name
        fields = {f for _, f, _, _ in string.Formatter().parse(entry.label) if f}
        assert fields <= placeholders, name
        if entry.unit == "share":
            assert entry.ci == "share", name


def test_the_tables_are_the_catalogue_levels() -> None:
    assert RUN_METRICS == tuple(m.name for m in metrics_at("run"))
    assert set(DAILY_COLUMNS) >= {m.name for m in metrics_at("day")}
    assert set(INTERVAL_TABLE_COLUMNS) >= {m.name for m in metrics_at("interval")}
    assert set(PERIOD_FIGURES) == {m.name for m in metrics_at("period")}
    # the tables hold nothing but the catalogue's metrics and their key columns
    keys = {"interval_start", "t_s", "day", "date"}
    for columns in (DAILY_COLUMNS, INTERVAL_TABLE_COLUMNS, PERIOD_FIGURES):
        assert set(columns) - keys <= set(CATALOGUE)


def test_every_derived_metric_of_a_level_is_computed_from_that_level_s_sums(one_run) -> None:
    plan, raw = one_run
    days = day_sums(plan, raw)
    computed = {"interval": figures(interval_sums(plan, raw), plan.scenario),
                "day": figures(days, plan.scenario),
                "period": figures(days, plan.scenario),
                "run": figures(run_sums(days), plan.scenario)}
    for level, values in computed.items():
        for entry in metrics_at(level):
            if entry.derive is not None:
                assert entry.name in values, (level, entry.name)


def test_a_ratio_is_the_ratio_of_the_summed_parts(one_run) -> None:
    plan, raw = one_run
    days = day_sums(plan, raw)
    run = figures(run_sums(days), plan.scenario)
    assert run["idle_share"] == pytest.approx(days["idle_s"].sum() / days["paid_s"].sum())
    assert run["handled_calls"] == pytest.approx(
        sum(days[n].sum() for n in ("inbound_answered", "index_reached", "contacts_reached",
                                    "callbacks_reached")))


def test_a_new_entry_joins_the_tables_of_its_levels(monkeypatch) -> None:
    extra = Metric("talk_share", "talk share of paid time", "share", "talk / paid",
                   frozenset({"day", "run"}), catalogue.Ratio(S("talk_s"), S("paid_s")),
                   ci="share", better=None)
    monkeypatch.setitem(CATALOGUE, "talk_share", extra)
    assert columns_at("day")[-1] == "talk_share"
    assert "talk_share" not in columns_at("interval")
    values = figures({"talk_s": np.array([1.0]), "paid_s": np.array([4.0])}, None)
    assert values["talk_share"][0] == 0.25


def test_the_summary_takes_each_metric_s_interval_method() -> None:
    rng = np.random.default_rng(3)
    table = pd.DataFrame({"idle_share": rng.uniform(0.9, 1.0, 3),
                          "avoidable_idle_hours": rng.normal(0, 10, 3)})
    summary = summarise(table).set_index("metric")
    assert summary.loc["idle_share", "ci_high"] <= 1.0  # the share's logit interval
    # the plain interval is symmetric about the mean
    row = summary.loc["avoidable_idle_hours"]
    assert row["mean"] - row["ci_low"] == pytest.approx(row["ci_high"] - row["mean"])


def test_positive_intervals_stay_above_zero_and_cover() -> None:
    """A mean of skewed, non-negative values (gamma, shape 0.5): the log-scale interval.

    5,000 experiments of 5 replications; the coverage of the 95 % interval is
    estimated within about +-0.006 (binomial SE); the delta method is asymptotic
    and the gamma is skewed, so 0.85 is the floor (the plain interval's coverage
    is similar; the point is that it never goes below 0, which the plain one does).
    """
    rng = np.random.default_rng(8)
    draws = rng.gamma(0.5, 2.0, size=(5, 5000))  # true mean 1.0
    names = [f"m{i}" for i in range(5000)]
    summary = summarise(pd.DataFrame(draws, columns=names),
                        methods=dict.fromkeys(names, "positive"))
    assert (summary["ci_low"] > 0).all()
    covered = ((summary["ci_low"] <= 1.0) & (summary["ci_high"] >= 1.0)).mean()
    assert covered >= 0.85
    plain = summarise(pd.DataFrame(draws, columns=names))
    assert (plain["ci_low"] < 0).any()  # what the log scale prevents


def test_one_formatter_writes_every_unit_and_nan_alike() -> None:
    assert format_value(0.25, "share") == "25.0 %"
    assert format_value(1234.5, "money", "EUR") == "1,234 EUR"
    assert format_value(41.634, "money", "EUR") == "41.63 EUR"
    assert format_value(3.0, "count") == "3"
    assert format_value(12.34, "h") == "12.3 h"
    assert format_value(-0.0001, "share", signed=True) == "0.0 %"
    assert format_value(0.031, "share", signed=True) == "+3.1 %"
    for unit in UNITS:
        assert format_value(float("nan"), unit) == NAN_TEXT
        assert format_value(None, unit) == NAN_TEXT
    assert metric("idle_share").format(0.5, with_unit=False) == "50.0"


def test_a_wrong_name_says_what_was_meant() -> None:
    with pytest.raises(KeyError, match="idle_share"):
        metric("idle_shar")
