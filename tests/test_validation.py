"""The simulator against queueing theory (scenarios/mmc-validation.yaml).

Each replication is a week of a stationary M/M/n(+M) centre open around the
clock; the replication means are independent, so their Student-t interval is
the right yardstick. Several figures are checked per case, so the interval is
Bonferroni-widened to keep the family-wise error at 5 % (each figure gets
alpha = 0.05 / m): the theory value must lie inside that interval. Nothing is
pinned to simulated decimals.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.basics import theory

FAMILY_ALPHA = 0.05


def within_ci(values: np.ndarray, expected: float, m: int) -> tuple[bool, float, float]:
    n = values.size
    half = stats.t.ppf(1 - FAMILY_ALPHA / (2 * m), n - 1) * values.std(ddof=1) / np.sqrt(n)
    mean = float(values.mean())
    return abs(mean - expected) <= half, mean, half


def run_case(mmc_path, overrides, replications=20):
    scenario = sim.load_scenario(mmc_path, overrides)
    return sim.run(scenario, replications=replications, seed=scenario.simulation.seed, jobs=2)


def assert_matches(results, expected: dict[str, float]) -> None:
    reps = results.tables["replications"]
    failures = []
    for metric, value in expected.items():
        ok, mean, half = within_ci(reps[metric].to_numpy(), value, len(expected))
        if not ok:
            failures.append(f"{metric}: theory {value:.6g}, simulated {mean:.6g} +- {half:.3g}")
    assert not failures, "; ".join(failures)


@pytest.mark.slow
def test_erlang_a_reference_case(mmc_path):
    # 100 calls / 30 min, AHT 3 min, patience 5 min, n = 14, T = 20 s
    ref = theory.erlang_a_metrics(14, 100 / 1800, 180.0, 300.0, 20.0)
    results = run_case(mmc_path, [])
    assert_matches(results, {
        "inbound_p_wait": ref["p_wait"],
        "inbound_abandon_share": ref["p_abandon"],
        "inbound_mean_wait_s": ref["mean_wait_s"],
        "occupancy": ref["occupancy"],
        "inbound_service_level": ref["service_level_all"],
        "inbound_service_level_answered": ref["service_level_answered"],
    })


@pytest.mark.slow
def test_erlang_c_reference_case(mmc_path):
    # same system without abandonment: P(wait) 0.1741319, SL(20 s) 0.88835, ASA 7.836 s
    ref = theory.erlang_c_metrics(14, 100 / 1800, 180.0, 20.0)
    results = run_case(mmc_path, ["inbound.patience=1000d"])
    assert_matches(results, {
        "inbound_p_wait": ref["p_wait"],
        "inbound_service_level": ref["service_level"],
        "inbound_asa_s": ref["asa_s"],
        "occupancy": ref["occupancy"],
    })
    assert results.metric("inbound_abandoned")["mean"] == 0


@pytest.mark.slow
def test_erlang_c_heavier_case(mmc_path):
    # 1000 calls / h, AHT 120 s (A = 33.3), n = 35: P(wait) 0.6965, SL 0.4724, ASA 50.15 s
    ref = theory.erlang_c_metrics(35, 1000 / 3600, 120.0, 20.0)
    results = run_case(mmc_path, ["inbound.patience=1000d", "inbound.base_per_day=24000",
                                  "inbound.handle_time.mean=2min", "staffing.headcount=35",
                                  "calendar.days=3"])
    assert_matches(results, {
        "inbound_p_wait": ref["p_wait"],
        "inbound_service_level": ref["service_level"],
        "inbound_asa_s": ref["asa_s"],
    })


def test_theory_reference_values_are_the_published_ones():
    # guard: the yardstick itself (full digit checks live in test_theory.py)
    assert theory.erlang_c(14, 10.0) == pytest.approx(0.1741319, abs=5e-8)
    ref = theory.erlang_a_metrics(14, 100 / 1800, 180.0, 300.0, 20.0)
    assert ref["p_abandon"] == pytest.approx(0.013984, abs=5e-7)
