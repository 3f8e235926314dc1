"""Tests for sim.basics.theory against /work/shared/reference/queueing-validation.md.

Every reference number is checked to exactly the digits printed in the reference
(``_printed`` formats the computed value with the same number of decimals).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.basics import theory
from sim.basics.theory import (
    agents_for_service_level,
    erlang_a_metrics,
    erlang_a_state_probabilities,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    halfin_whitt_alpha,
    offered_load_exponential,
    offered_load_sinusoidal,
    service_level_for_agents,
    sinusoidal_peak_lag_s,
    sqrt_staffing,
)

HOUR_S = 3600.0
MINUTE_S = 60.0
FAST = settings(max_examples=40, deadline=None)


def _printed(value: float, text: str) -> None:
    """Assert that ``value`` shows as ``text`` when printed with the same decimals."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    assert f"{value:.{decimals}f}" == text, f"{value!r} does not print as {text}"


# --------------------------------------------------------------------------------------
# Erlang B
# --------------------------------------------------------------------------------------


def test_erlang_b_reference_values() -> None:
    _printed(erlang_b(30, 25.0), "0.05260")
    b = erlang_b(132, 123.0)
    _printed(b, "0.03124")
    assert f"{b:.4f}" != "0.0346"  # the value in one package's docstring is wrong


def test_erlang_b_edge_cases() -> None:
    assert erlang_b(0, 5.0) == 1.0
    assert erlang_b(3, 0.0) == 0.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        erlang_b(-1, 1.0)
    # Gamma form where gammaincc underflows (A far above n): asymptotic series branch.
    assert theory._erlang_b_gamma(10.0, 2000.0) == pytest.approx(erlang_b(10, 2000.0), rel=1e-12)
    assert erlang_b(11, 2000.0) < erlang_b(10.5, 2000.0) < erlang_b(10, 2000.0)


@FAST
@given(n=st.integers(1, 400), load=st.floats(0.01, 500.0))
def test_erlang_b_recursion_equals_gamma_form_at_integers(n: int, load: float) -> None:
    assert theory._erlang_b_recursion(n, load) == pytest.approx(
        theory._erlang_b_gamma(float(n), load), rel=1e-9, abs=1e-300
    )


@FAST
@given(x=st.floats(0.05, 300.0), load=st.floats(0.1, 300.0))
def test_continuous_erlang_b_between_integer_neighbours(x: float, load: float) -> None:
    lo, hi = math.floor(x), math.ceil(x)
    b = erlang_b(x, load)
    assert erlang_b(hi, load) * (1 - 1e-9) <= b <= erlang_b(lo, load) * (1 + 1e-9)


# --------------------------------------------------------------------------------------
# Erlang C
# --------------------------------------------------------------------------------------


def test_erlang_c_table_100_calls_per_30_min() -> None:
    m = erlang_c_metrics(14, 100 / (30 * MINUTE_S), 180.0, 20.0)
    _printed(m["load"], "10")
    _printed(m["p_wait"], "0.1741319")
    _printed(m["service_level"], "0.88835")
    _printed(m["asa_s"], "7.836")
    _printed(m["occupancy"], "0.7143")


@pytest.mark.parametrize(
    ("n", "p_wait", "sl", "asa_s"),
    [(40, "0.1907", "0.9372", "3.43"), (35, "0.6965", "0.4724", "50.15")],
)
def test_erlang_c_table_1000_calls_per_hour(n: int, p_wait: str, sl: str, asa_s: str) -> None:
    m = erlang_c_metrics(n, 1000 / HOUR_S, 120.0, 20.0)
    _printed(m["load"], "33.33")
    _printed(m["p_wait"], p_wait)
    _printed(m["service_level"], sl)
    _printed(m["asa_s"], asa_s)


def test_erlang_c_a123_n132() -> None:
    _printed(erlang_c(132, 123.0), "0.3211161792617")


@pytest.mark.parametrize(("n", "c"), [(110, "0.2370"), (115, "0.0954"), (120, "0.0332")])
def test_erlang_c_a100(n: int, c: str) -> None:
    _printed(erlang_c(n, 100.0), c)


def test_erlang_c_unstable() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    m = erlang_c_metrics(10, 1.0, 12.0, 20.0)
    assert m["p_wait"] == 1.0
    assert m["service_level"] == 0.0
    assert m["asa_s"] == math.inf
    assert m["occupancy"] == 1.0
    assert m["load"] == pytest.approx(12.0)


@FAST
@given(load=st.floats(0.1, 300.0), extra=st.integers(1, 60))
def test_erlang_c_decreasing_in_n(load: float, extra: int) -> None:
    n = math.floor(load) + extra
    assert erlang_c(n + 1, load) < erlang_c(n, load)
    assert 0.0 < erlang_c(n, load) < 1.0
    assert erlang_c(n, load) >= erlang_b(n, load)


# --------------------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------------------

ERLANG_A_REF = {
    "n": 14,
    "arrival_rate_per_s": 100 / (30 * MINUTE_S),
    "mean_handle_s": 3 * MINUTE_S,
    "mean_patience_s": 5 * MINUTE_S,
}


def test_erlang_a_reference_row() -> None:
    m = erlang_a_metrics(**ERLANG_A_REF, answer_within_s=20.0)
    _printed(m["p_wait"], "0.14526")
    _printed(m["p_abandon"], "0.013984")
    _printed(m["mean_wait_s"] / MINUTE_S, "0.069919")
    _printed(m["occupancy"], "0.704297")
    _printed(m["service_level_all"], "0.916792")
    _printed(m["p_offered_wait_le_t"], "0.918714")
    _printed(m["service_level_answered"], "0.929794")
    assert m["service_level_answered"] == pytest.approx(
        m["service_level_all"] / (1 - m["p_abandon"])
    )


def test_erlang_a_without_threshold_has_no_sl_keys() -> None:
    m = erlang_a_metrics(**ERLANG_A_REF)
    assert set(m) == {"p_wait", "p_abandon", "mean_wait_s", "occupancy", "load"}


def test_erlang_a_chain_matches_closed_form_reference() -> None:
    pi = erlang_a_state_probabilities(**ERLANG_A_REF)
    n, lam, pat = ERLANG_A_REF["n"], ERLANG_A_REF["arrival_rate_per_s"], 5 * MINUTE_S
    q = np.clip(np.arange(pi.size) - n, 0, None)
    assert pi.sum() == pytest.approx(1.0, abs=1e-14)
    _printed(float(pi[n:].sum()), "0.14526")
    _printed(float(q @ pi) / pat / lam, "0.013984")


def test_gmr_series_equals_log_form() -> None:
    # The rho < 1 branch uses the positive series; the reference formula is the log form.
    for x, y in [(4.2, 16.67), (42.0, 16.67), (300.0, 250.0), (1e4, 9.9e3), (7.0, 0.5)]:
        if y < x:
            series = float(theory._gmr_terms(x, y).sum())
            assert series == pytest.approx(math.exp(theory._gmr_log_a(x, y)), rel=1e-9)


@FAST
@given(
    n=st.integers(1, 80),
    rho=st.floats(0.2, 1.6),
    mean_handle_s=st.floats(30.0, 600.0),
    patience_ratio=st.floats(0.05, 20.0),
    t_s=st.floats(0.0, 120.0),
)
def test_erlang_a_chain_cross_check(
    n: int, rho: float, mean_handle_s: float, patience_ratio: float, t_s: float
) -> None:
    lam = rho * n / mean_handle_s
    patience_s = patience_ratio * mean_handle_s
    m = erlang_a_metrics(n, lam, mean_handle_s, patience_s, answer_within_s=t_s)
    pi = erlang_a_state_probabilities(n, lam, mean_handle_s, patience_s)
    q = np.clip(np.arange(pi.size) - n, 0, None)
    assert m["p_wait"] == pytest.approx(float(pi[n:].sum()), rel=1e-8, abs=1e-14)
    assert m["p_abandon"] == pytest.approx(float(q @ pi) / patience_s / lam, rel=1e-8, abs=1e-14)
    # Service-level orderings.
    eps = 1e-12
    assert 1 - m["p_wait"] - eps <= m["service_level_all"] <= m["p_offered_wait_le_t"] + eps
    assert m["service_level_all"] <= 1 - m["p_abandon"] + eps
    assert m["service_level_all"] - eps <= m["service_level_answered"] <= 1.0
    assert 0.0 <= m["occupancy"] <= 1.0 + eps


@pytest.mark.parametrize("own_abandonment", [False, True])
@pytest.mark.parametrize("t_s", [0.5, 20.0, 3000.0])
def test_phase_type_absorption_two_phases(own_abandonment: bool, t_s: float) -> None:
    # One caller ahead: phases n mu + theta then n mu (+ theta each if he may abandon).
    n, mu, theta = 3, 1 / 180, 1 / 300
    leak = theta if own_abandonment else 0.0
    a, b = n * mu + theta + leak, n * mu + leak
    p_progress = (n * mu + theta) / a * (n * mu) / b
    cdf = 1 - (b * math.exp(-a * t_s) - a * math.exp(-b * t_s)) / (b - a)
    got = theory._served_by(n, mu, theta, np.array([0.0, 1.0]), t_s, own_abandonment)
    assert got == pytest.approx(p_progress * cdf, rel=1e-12)


def test_phase_type_uniformisation_equals_dense_expm() -> None:
    from scipy import linalg

    rng = np.random.default_rng(7)
    for _ in range(10):
        levels, n = int(rng.integers(1, 60)), int(rng.integers(1, 50))
        mu, theta, t_s = rng.uniform(1 / 600, 1 / 30), rng.uniform(1e-4, 0.05), rng.uniform(0, 90)
        probs = rng.random(levels) / levels
        move = n * mu + np.arange(levels) * theta
        out = move + theta
        gen = np.diag(np.concatenate(([0.0], -out))) + np.diag(move, k=1)
        dense = float(linalg.expm(gen * t_s)[0] @ np.concatenate(([0.0], probs)))
        unif = theory._served_by_uniformisation(
            move, out, probs, t_s, theory._poisson_upper(float(out.max()) * t_s)
        )
        assert unif == pytest.approx(dense, rel=1e-10, abs=1e-14)


def test_erlang_a_sl_increasing_in_threshold_and_limits() -> None:
    sls = [
        erlang_a_metrics(**ERLANG_A_REF, answer_within_s=t)["service_level_all"]
        for t in (0.0, 5.0, 20.0, 60.0, 600.0, 1e5)
    ]
    assert all(a < b for a, b in zip(sls[:-2], sls[1:-1], strict=True))
    m = erlang_a_metrics(**ERLANG_A_REF, answer_within_s=0.0)
    assert m["service_level_all"] == pytest.approx(1 - m["p_wait"])
    m = erlang_a_metrics(**ERLANG_A_REF, answer_within_s=1e5)
    assert m["service_level_all"] == pytest.approx(1 - m["p_abandon"], abs=1e-12)
    assert m["p_offered_wait_le_t"] == pytest.approx(1.0, abs=1e-12)


@FAST
@given(
    n=st.integers(1, 60),
    rho=st.floats(0.1, 0.9),
    mean_handle_s=st.floats(30.0, 600.0),
    t_s=st.floats(0.0, 120.0),
)
def test_erlang_a_large_patience_approaches_erlang_c(
    n: int, rho: float, mean_handle_s: float, t_s: float
) -> None:
    lam = rho * n / mean_handle_s
    a = erlang_a_metrics(n, lam, mean_handle_s, 1e9 * mean_handle_s, answer_within_s=t_s)
    c = erlang_c_metrics(n, lam, mean_handle_s, t_s)
    assert a["p_wait"] == pytest.approx(c["p_wait"], rel=1e-6, abs=1e-12)
    assert a["mean_wait_s"] == pytest.approx(c["asa_s"], rel=1e-5, abs=1e-9)
    assert a["p_abandon"] < 1e-8
    assert a["service_level_all"] == pytest.approx(c["service_level"], abs=1e-6)
    inf = erlang_a_metrics(n, lam, mean_handle_s, math.inf, answer_within_s=t_s)
    assert inf["service_level_all"] == pytest.approx(c["service_level"], rel=1e-12)


def test_erlang_a_overloaded_is_stable() -> None:
    # lambda > n mu is fine with abandonment: answered load cannot exceed n.
    m = erlang_a_metrics(10, 1 / 6, 120.0, 60.0, answer_within_s=20.0)
    assert m["load"] == pytest.approx(20.0)
    assert m["occupancy"] <= 1.0
    assert m["p_abandon"] >= 1 - 10 / 20 - 1e-12
    assert 0.9 < m["p_wait"] < 1.0
    assert m["service_level_answered"] > m["service_level_all"]


def test_erlang_a_argument_checks() -> None:
    with pytest.raises(ValueError):
        erlang_a_metrics(0, 0.1, 180.0, 300.0)
    with pytest.raises(ValueError):
        erlang_a_metrics(5, 0.1, 180.0, 0.0)
    with pytest.raises(ValueError):
        erlang_a_metrics(5, 1.0, 180.0, math.inf)  # unstable without abandonment


# --------------------------------------------------------------------------------------
# Square-root staffing
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("beta", "alpha", "exact"),
    [
        (0.5, "0.5045", "0.5157"),
        (1.0, "0.2234", "0.2370"),
        (1.5, "0.0847", "0.0954"),
        (2.0, "0.0269", "0.0332"),
    ],
)
def test_halfin_whitt_alpha_and_exact_comparison(beta: float, alpha: str, exact: str) -> None:
    a = halfin_whitt_alpha(beta)
    _printed(a, alpha)
    n = sqrt_staffing(100.0, beta)
    assert n == pytest.approx(100 + 10 * beta)
    c = erlang_c(round(n), 100.0)
    _printed(c, exact)
    assert a < c  # the square-root rule slightly understates the delay probability


def test_halfin_whitt_alpha_large_beta_is_finite() -> None:
    assert 0.0 <= halfin_whitt_alpha(40.0) < 1e-300
    assert 0.0 < halfin_whitt_alpha(10.0) < 1e-20


# --------------------------------------------------------------------------------------
# Staffing searches
# --------------------------------------------------------------------------------------


def test_agents_for_service_level_reference_case() -> None:
    lam, es, t_s = 100 / (30 * MINUTE_S), 180.0, 20.0
    n, frac = agents_for_service_level(lam, es, t_s, 0.88)
    assert n == 14  # SL(14) = 0.88835, SL(13) < 0.88
    assert 13 < frac < 14
    n, frac = agents_for_service_level(lam, es, t_s, 0.88835)
    assert n == 14
    assert frac == pytest.approx(14.0, abs=1e-3)
    n_a, _ = agents_for_service_level(lam, es, t_s, 0.9167, mean_patience_s=300.0)
    assert n_a == 14  # service_level_all(14) = 0.916792


@FAST
@given(
    lam=st.floats(0.005, 2.0),
    mean_handle_s=st.floats(30.0, 400.0),
    t_s=st.floats(0.0, 60.0),
    target=st.floats(0.05, 0.99),
    patience=st.one_of(st.none(), st.floats(10.0, 2000.0)),
)
def test_agents_for_service_level_is_smallest(
    lam: float, mean_handle_s: float, t_s: float, target: float, patience: float | None
) -> None:
    n, frac = agents_for_service_level(lam, mean_handle_s, t_s, target, mean_patience_s=patience)
    assert service_level_for_agents(n, lam, mean_handle_s, t_s, patience) >= target
    assert service_level_for_agents(n - 1, lam, mean_handle_s, t_s, patience) < target
    assert n - 1 <= frac <= n
    if patience is not None:
        m = erlang_a_metrics(n, lam, mean_handle_s, patience, answer_within_s=t_s)
        assert m["service_level_all"] == service_level_for_agents(
            n, lam, mean_handle_s, t_s, patience
        )


def test_fractional_erlang_c_uses_continuous_sl() -> None:
    lam, es, t_s, target = 1000 / HOUR_S, 120.0, 20.0, 0.8
    n, frac = agents_for_service_level(lam, es, t_s, target)
    load = lam * es
    sl = 1 - erlang_c(frac, load) * math.exp(-(frac - load) * t_s / es)
    assert sl == pytest.approx(target, abs=1e-9)
    assert n == math.ceil(frac)


def test_agents_for_service_level_unreachable() -> None:
    with pytest.raises(ValueError):
        agents_for_service_level(1.0, 100.0, 20.0, 0.99, max_agents=50)
    with pytest.raises(ValueError):
        agents_for_service_level(1.0, 100.0, 20.0, 0.99, mean_patience_s=60.0, max_agents=50)


# --------------------------------------------------------------------------------------
# Time-varying offered load
# --------------------------------------------------------------------------------------


def _sin_rate(t_s: np.ndarray) -> np.ndarray:
    return (100.0 + 20.0 * np.sin(2 * np.pi * t_s / (24 * HOUR_S))) / HOUR_S


REF_TIMES_H = np.array([0.0, 4.0, 8.0, 12.0, 16.0, 20.0])
REF_M = ["95.10", "113.76", "118.66", "104.90", "86.24", "81.34"]


def test_offered_load_reference_values_ode() -> None:
    m = offered_load_exponential(REF_TIMES_H * HOUR_S, _sin_rate, HOUR_S)
    for value, text in zip(m, REF_M, strict=True):
        _printed(float(value), text)


def test_offered_load_reference_values_closed_form() -> None:
    m = offered_load_sinusoidal(
        REF_TIMES_H * HOUR_S, 100 / HOUR_S, 20 / HOUR_S, 24 * HOUR_S, HOUR_S
    )
    for value, text in zip(m, REF_M, strict=True):
        _printed(float(value), text)
    ode = offered_load_exponential(REF_TIMES_H * HOUR_S, _sin_rate, HOUR_S)
    np.testing.assert_allclose(ode, m, rtol=1e-9)


def test_offered_load_peak_lag() -> None:
    _printed(sinusoidal_peak_lag_s(24 * HOUR_S, HOUR_S) / HOUR_S, "0.978")
    # Numerically from the ODE: lambda peaks at t = 6 h; locate the peak of m on a 1 s grid.
    times_s = np.arange(4 * HOUR_S, 10 * HOUR_S + 1.0, 1.0)
    m = offered_load_exponential(times_s, _sin_rate, HOUR_S)
    lag_h = (times_s[np.argmax(m)] - 6 * HOUR_S) / HOUR_S
    _printed(lag_h, "0.978")


def test_offered_load_array_rate_exact_piecewise_linear() -> None:
    times_s = np.arange(0.0, 72 * HOUR_S + 1.0, 60.0)
    rates = _sin_rate(times_s)
    m0 = float(
        offered_load_sinusoidal(times_s[:1], 100 / HOUR_S, 20 / HOUR_S, 24 * HOUR_S, HOUR_S)[0]
    )
    m = offered_load_exponential(times_s, rates, HOUR_S, m0=m0)
    exact = offered_load_sinusoidal(times_s, 100 / HOUR_S, 20 / HOUR_S, 24 * HOUR_S, HOUR_S)
    np.testing.assert_allclose(m, exact, atol=1e-3)


@FAST
@given(rate=st.floats(1e-4, 10.0), mean_handle_s=st.floats(1.0, 1e4), m0=st.floats(0.0, 1e3))
def test_offered_load_constant_rate(rate: float, mean_handle_s: float, m0: float) -> None:
    times_s = np.linspace(0.0, 5 * mean_handle_s, 11)
    exact = rate * mean_handle_s + (m0 - rate * mean_handle_s) * np.exp(-times_s / mean_handle_s)
    arr = offered_load_exponential(times_s, np.full_like(times_s, rate), mean_handle_s, m0=m0)
    np.testing.assert_allclose(arr, exact, rtol=1e-10, atol=1e-10 * max(1.0, m0))
    # No initial condition: stationary load from the start.
    stat = offered_load_exponential(times_s, lambda t: np.full_like(t, rate), mean_handle_s)
    np.testing.assert_allclose(stat, rate * mean_handle_s, rtol=1e-9)


@pytest.mark.parametrize("mean", [0.0, 0.3, 7.0, 250.0, 12_000.0])
def test_poisson_pmf_equals_scipy_stats(mean: float) -> None:
    # sim.basics.theory.poisson_pmf avoids importing scipy.stats at start-up; it must agree with it
    from scipy.stats import poisson

    from sim.basics.theory import poisson_pmf

    k = np.arange(int(mean + 12 * np.sqrt(mean) + 30))
    assert np.allclose(poisson_pmf(k, mean), poisson.pmf(k, mean), rtol=1e-9, atol=1e-300)
