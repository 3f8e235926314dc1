"""Analytic queueing formulas used to validate the call-centre simulation.

Everything here is pure (no simulation, no randomness): Erlang B, Erlang C (M/M/n),
Erlang A (M/M/n+M, Palm's model with exponential patience), square-root staffing
(Halfin-Whitt), staffing searches and the time-varying offered load of an
M_t/M/infinity system.

Conventions
-----------
* Times are in seconds and every time variable ends in ``_s``; rates are per second.
* ``load`` is the offered load ``A = lambda * E[S]`` in Erlangs.
* Three service-level definitions exist for a model with abandonment; every function
  names the one it returns:

  - ``service_level_all``: answered within ``T`` divided by *all* arrivals
    (abandoned callers count as failures),
  - ``p_offered_wait_le_t``: probability that the *offered* wait (the wait the caller
    would experience with infinite patience) is at most ``T``,
  - ``service_level_answered``: answered within ``T`` divided by *answered* callers.

  For Erlang C (no abandonment) the three coincide and are called ``service_level``.

References
----------
Garnett, Mandelbaum, Reiman (2002), "Designing a call center with impatient customers",
MSOM 4(3). Halfin, Whitt (1981), "Heavy-traffic limits for queues with many exponential
servers", Oper. Res. 29(3). Green, Kolesar, Whitt (2007), "Coping with time-varying demand
when setting staffing requirements for a service system", POMS 16(1).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import expit, gammainc, gammaincc, gammaln, log_ndtr, logsumexp, xlogy

# scipy.linalg, scipy.integrate and scipy.optimize are imported where used: together
# with scipy.stats they are most of a small run's start-up time.

__all__ = [
    "agents_for_service_level",
    "erlang_a_metrics",
    "erlang_a_state_probabilities",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "halfin_whitt_alpha",
    "offered_load_exponential",
    "offered_load_sinusoidal",
    "service_level_for_agents",
    "sinusoidal_peak_lag_s",
    "sqrt_staffing",
]

#: Relative log-probability below which a state of the truncated birth-death chain
#: (or a term of a series) is dropped: exp(-45) ~ 2.9e-20.
_LOG_TAIL = 45.0

#: Hard cap on the number of queue states of the truncated M/M/n+M chain.
_MAX_QUEUE_STATES = 2_000_000

#: Phase-type absorption: uniformisation unless it needs more steps than this and the
#: chain has at most ``_DENSE_EXPM_MAX_LEVELS`` levels (then dense ``expm``).
_UNIFORMISATION_MAX_STEPS = 20_000
_DENSE_EXPM_MAX_LEVELS = 400

#: History length, in mean handle times, used to reach the stationary / periodic regime
#: of the offered-load ODE when no initial condition is given: exp(-40) ~ 4e-18.
_HISTORY_HANDLE_TIMES = 40.0


# --------------------------------------------------------------------------------------
# Erlang B / Erlang C
# --------------------------------------------------------------------------------------


def _is_integer(n: float) -> bool:
    return float(n).is_integer()


def _erlang_b_recursion(n: int, load: float) -> float:
    """Erlang B by the stable recursion B(k) = A B(k-1) / (k + A B(k-1)), B(0) = 1."""
    b = 1.0
    for k in range(1, n + 1):
        ab = load * b
        b = ab / (k + ab)
    return b


def _erlang_b_gamma(x: float, load: float) -> float:
    """Continuous Erlang B via the incomplete gamma function (valid for real x >= 0).

    ``B(x, A) = exp(x ln A - A - gammaln(x + 1) - ln Q(x + 1, A))`` with ``Q`` the
    regularised upper incomplete gamma function.
    """
    if load <= 0.0:
        return 1.0 if x == 0 else 0.0
    q = float(gammaincc(x + 1.0, load))
    if q <= 0.0:
        # Q underflowed (A far above x): use 1/B = A int_0^inf e^{-At} (1+t)^x dt
        # = sum_k x (x-1) ... (x-k+1) / A^k, summed while its terms decrease.
        inv_b, term, k = 1.0, 1.0, 0
        while True:
            nxt = term * (x - k) / load
            if abs(nxt) >= abs(term) or abs(nxt) < 1e-17:
                break
            inv_b, term, k = inv_b + nxt, nxt, k + 1
        return 1.0 / inv_b
    log_b = x * math.log(load) - load - float(gammaln(x + 1.0)) - math.log(q)
    return min(1.0, math.exp(log_b))


def erlang_b(n: float, load: float) -> float:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Parameters
    ----------
    n : float
        Number of servers. Integer values use the stable recursion
        ``B(0) = 1; B(k) = A B(k-1) / (k + A B(k-1))`` (no factorials); non-integer
        values use the continuous extension
        ``B(x, A) = exp(x ln A - A - gammaln(x+1) - ln gammaincc(x+1, A))``.
    load : float
        Offered load ``A`` in Erlangs.

    Returns
    -------
    float
        Blocking probability in ``[0, 1]``.

    Examples
    --------
    >>> round(erlang_b(30, 25.0), 5)
    0.0526
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if load < 0:
        raise ValueError(f"load must be >= 0, got {load}")
    if n == 0:
        return 1.0
    if load == 0:
        return 0.0
    if _is_integer(n):
        return _erlang_b_recursion(int(n), float(load))
    return _erlang_b_gamma(float(n), float(load))


def _erlang_c_from_b(n: float, load: float, b: float) -> float:
    return n * b / (n - load * (1.0 - b))


def erlang_c(n: float, load: float) -> float:
    """Erlang C probability of waiting, P(W > 0), in an M/M/n queue.

    ``C = n B / (n - A (1 - B))`` with ``B = erlang_b(n, A)``; non-integer ``n`` uses the
    continuous Erlang B extension.

    Parameters
    ----------
    n : float
        Number of agents.
    load : float
        Offered load ``A`` in Erlangs.

    Returns
    -------
    float
        Probability that an arrival waits; ``1.0`` when ``load >= n`` (unstable queue).
    """
    if load < 0:
        raise ValueError(f"load must be >= 0, got {load}")
    if load >= n:
        return 1.0
    if load == 0:
        return 0.0
    return _erlang_c_from_b(float(n), float(load), erlang_b(n, load))


def _erlang_c_sl(n: float, load: float, c: float, mean_handle_s: float, t_s: float) -> float:
    if load >= n:
        return 0.0
    return 1.0 - c * math.exp(-(n - load) * t_s / mean_handle_s)


def erlang_c_metrics(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, answer_within_s: float
) -> dict[str, float]:
    """Steady-state performance of an M/M/n (Erlang C) queue.

    Parameters
    ----------
    n : int
        Number of agents.
    arrival_rate_per_s : float
        Poisson arrival rate ``lambda`` per second.
    mean_handle_s : float
        Mean (exponential) handle time ``E[S]`` in seconds.
    answer_within_s : float
        Service-level threshold ``T`` in seconds.

    Returns
    -------
    dict
        ``p_wait`` (Erlang C), ``service_level`` ``SL(T) = 1 - C exp(-(n - A) T / E[S])``
        (no abandonment, so all three service-level definitions coincide), ``asa_s``
        (average speed of answer ``C E[S] / (n - A)``), ``occupancy`` (``A / n``) and
        ``load`` (``A``). For ``A >= n`` (unstable): ``p_wait = 1``,
        ``service_level = 0``, ``asa_s = inf``, ``occupancy = 1``.
    """
    _check_positive(mean_handle_s=mean_handle_s)
    _check_nonneg(arrival_rate_per_s=arrival_rate_per_s, answer_within_s=answer_within_s)
    load = arrival_rate_per_s * mean_handle_s
    if load >= n:
        return {
            "p_wait": 1.0,
            "service_level": 0.0,
            "asa_s": math.inf,
            "occupancy": 1.0,
            "load": load,
        }
    c = erlang_c(n, load)
    return {
        "p_wait": c,
        "service_level": _erlang_c_sl(n, load, c, mean_handle_s, answer_within_s),
        "asa_s": c * mean_handle_s / (n - load),
        "occupancy": load / n,
        "load": load,
    }


# --------------------------------------------------------------------------------------
# Erlang A (M/M/n+M)
# --------------------------------------------------------------------------------------


def _gmr_terms(x: float, y: float) -> np.ndarray | None:
    """Terms t_k = prod_{i=1..k} y/(x+i), k = 0..K, of the series of GMR's A(x, y) for y < x.

    ``A(x, y) = x e^y y^-x gamma(x, y) = sum_k t_k``. With ``y < x`` the terms decrease
    monotonically from ``t_0 = 1``, so the series is summed in plain floating point,
    truncated once ``t_k < exp(-45)``. Returns ``None`` if too many terms would be needed.
    """
    rho = y / x
    if rho <= 0.0:
        return np.ones(1)
    # log t_k <= k ln(rho) - k^2 / (2 (x + k)) roughly; bound the needed k.
    k_geo = _LOG_TAIL / -math.log(rho) if rho < 1.0 else math.inf
    k_gauss = math.sqrt(2.0 * _LOG_TAIL * x) + 2.0 * _LOG_TAIL
    k_max = math.ceil(min(k_geo, k_gauss)) + 16
    while k_max <= _MAX_QUEUE_STATES:
        i = np.arange(1, k_max + 1, dtype=float)
        log_t = np.concatenate(([0.0], np.cumsum(np.log(y) - np.log(x + i))))
        if log_t[-1] < -_LOG_TAIL:
            return np.exp(log_t)
        k_max *= 2  # the bound above is heuristic: make sure the tail is negligible
    return None


def _gmr_log_a(x: float, y: float) -> float:
    """Return ``ln A(x, y) = ln x + y - x ln y + gammaln(x) + ln P(x, y)``.

    ``P`` is the regularised lower incomplete gamma function.
    """
    p = float(gammainc(x, y))
    if p <= 0.0:
        raise ValueError(
            "Erlang A closed form underflowed (patience astronomically long compared with "
            "the handle time?); use mean_patience_s=math.inf for the Erlang C limit"
        )
    return math.log(x) + y - x * math.log(y) + float(gammaln(x)) + math.log(p)


def _gmr_closed_form(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float
) -> tuple[float, float]:
    """P(W > 0) and P(Ab) of M/M/n+M by Garnett-Mandelbaum-Reiman (2002).

    With ``x = n mu / theta``, ``y = lambda / theta``, ``rho = lambda / (n mu)``,
    ``E = B(n, A)`` and ``A(x, y) = x e^y y^-x gamma(x, y)`` (lower incomplete gamma):
    ``P(W>0) = A E / (1 + (A - 1) E)``, ``P(Ab | W>0) = 1/(rho A) + 1 - 1/rho``.

    ``A`` is evaluated in logs (``ln x + y - x ln y + gammaln(x) + ln gammainc(x, y)``)
    when ``rho >= 1``. When ``rho < 1`` the equivalent positive series
    ``A = sum_k t_k``, ``t_k = prod_{i<=k} y/(x+i)`` is used instead, together with the
    rearrangement ``P(Ab | W>0) = sum_k t_k (k+1)/(x+k+1) / sum_k t_k``; it avoids the
    cancellation ``1 - (1 - rho) A`` that loses digits when patience is long
    (``theta -> 0``, ``A -> 1/(1 - rho)``).
    """
    mu = 1.0 / mean_handle_s
    theta = 1.0 / mean_patience_s
    lam = arrival_rate_per_s
    x = n * mu / theta
    y = lam / theta
    rho = lam / (n * mu)
    e = erlang_b(n, lam * mean_handle_s)
    terms = _gmr_terms(x, y) if rho < 1.0 else None
    if terms is not None:
        a_xy = float(terms.sum())
        inv_a = 1.0 / a_xy
        k = np.arange(terms.size, dtype=float)
        p_ab_given_wait = float(np.sum(terms * (k + 1.0) / (x + k + 1.0))) * inv_a
    else:
        # 1/A may underflow to 0 for rho > 1 and tiny theta: the limits below stay exact.
        inv_a = math.exp(-_gmr_log_a(x, y))
        p_ab_given_wait = inv_a / rho + 1.0 - 1.0 / rho
    # P(W>0) = A E / (1 + (A - 1) E), written with 1/A so that it cannot overflow.
    p_wait = e / (e + (1.0 - e) * inv_a) if e > 0.0 else 0.0
    p_ab_given_wait = min(1.0, max(0.0, p_ab_given_wait))
    return p_wait, p_wait * p_ab_given_wait


def _queue_log_weights(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float
) -> np.ndarray:
    """Unnormalised log pi_k of the M/M/n+M birth-death chain, k = 0..K (truncated)."""
    mu = 1.0 / mean_handle_s
    theta = 1.0 / mean_patience_s
    lam = arrival_rate_per_s
    load = lam * mean_handle_s
    k = np.arange(n + 1, dtype=float)
    log_below = k * math.log(load) - gammaln(k + 1.0)  # k ln A - ln k!, k = 0..n
    log_pi_n = float(log_below[-1])
    # Queue part: pi_{n+q} = pi_n prod_{m=1..q} lam / (n mu + m theta); it increases
    # while n mu + m theta < lam and then decays faster than geometrically.
    if theta == 0.0:  # infinite patience: M/M/n, geometric tail
        if lam >= n * mu:
            raise ValueError("infinite patience with load >= n: the queue is unstable")
        q_peak = 0.0
    else:
        q_peak = max(0.0, (lam - n * mu) / theta)
    q_max = int(min(_MAX_QUEUE_STATES, max(64.0, 2.0 * q_peak + 64.0)))
    while True:
        m = np.arange(1, q_max + 1, dtype=float)
        log_q = log_pi_n + np.cumsum(math.log(lam) - np.log(n * mu + m * theta))
        top = max(float(log_below.max()), float(log_q.max()))
        if log_q[-1] < top - _LOG_TAIL and q_max > q_peak:
            break
        if q_max >= _MAX_QUEUE_STATES:
            raise ValueError("M/M/n+M chain needs too many states; patience too long?")
        q_max = min(_MAX_QUEUE_STATES, 2 * q_max)
    log_w = np.concatenate((log_below, log_q))
    cut = np.nonzero(log_w >= top - _LOG_TAIL)[0][-1]
    return log_w[: max(cut + 1, n + 2)]


def erlang_a_state_probabilities(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float
) -> np.ndarray:
    """Stationary distribution of the number in system of M/M/n+M (Erlang A).

    Birth rate ``lambda``; death rate ``min(k, n) mu + max(k - n, 0) theta``. The chain is
    built in log space (``k ln A - ln k!`` below ``n``, products of
    ``lambda / (n mu + m theta)`` above), truncated once states are below
    ``exp(-45)`` of the mode, and normalised with ``logsumexp``, so nothing overflows.

    Parameters
    ----------
    n : int
        Number of agents (>= 1).
    arrival_rate_per_s, mean_handle_s, mean_patience_s : float
        ``lambda`` per second, ``E[S]`` and mean (exponential) patience in seconds;
        ``mean_patience_s = inf`` gives the M/M/n chain (requires ``A < n``).

    Returns
    -------
    numpy.ndarray
        ``pi[k]`` for ``k = 0..K``; by PASTA also the state seen by an arrival.
    """
    _check_erlang_a_args(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    if arrival_rate_per_s == 0.0:
        return np.ones(1)
    log_w = _queue_log_weights(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    return np.exp(log_w - logsumexp(log_w))


def _served_by(
    n: int,
    mu: float,
    theta: float,
    queue_probs: np.ndarray,
    t_s: float,
    own_abandonment: bool,
) -> float:
    """Probability mass of queued arrivals that reach an agent within ``t_s``.

    An arrival that finds ``q`` callers queued ahead (state ``k = n + q``) reaches an agent
    after ``q + 1`` exponential phases with rates ``n mu + i theta``, ``i = q, ..., 0``
    (service completions plus abandonments of the callers ahead of him). Levels
    ``l = 1..L`` (``l - 1`` callers ahead) move to ``l - 1`` at rate
    ``n mu + (l - 1) theta``; level 0 is absorbing ("in service"). With
    ``own_abandonment`` every level also leaks at rate ``theta`` (the caller's own
    patience runs out), so the absorbed mass is "answered within ``t_s``".

    The weighted start vector ``queue_probs`` (``pi_{n+l-1}`` on level ``l``) is propagated
    through this pure-death phase-type chain in one pass, which avoids the unstable
    closed-form hypoexponential CDF. The default method is uniformisation (O(levels *
    Lambda t) with Lambda the largest exit rate; nonnegative terms only, so no
    cancellation; it stops early once all mass is absorbed or lost). Only when
    ``Lambda t`` is huge and the chain small is the dense matrix exponential
    ``scipy.linalg.expm`` of the bidiagonal generator used instead (O(levels^3), insensitive
    to long ``t_s``; avoided otherwise because multithreaded BLAS makes it slow and
    erratic on a busy machine).
    """
    levels = queue_probs.size
    if levels == 0 or t_s == 0.0:
        return 0.0
    ell = np.arange(1, levels + 1, dtype=float)
    move = n * mu + (ell - 1.0) * theta
    out = move + (theta if own_abandonment else 0.0)
    k_max = _poisson_upper(float(out.max()) * t_s)
    if k_max > _UNIFORMISATION_MAX_STEPS and levels <= _DENSE_EXPM_MAX_LEVELS:
        # Column-vector form dp/dt = G p, states 0..levels; G[l-1, l] = move_l.
        gen = np.diag(np.concatenate(([0.0], -out))) + np.diag(move, k=1)
        p0 = np.concatenate(([0.0], queue_probs))
        from scipy.linalg import expm

        served = float(expm(gen * t_s)[0] @ p0)
    else:
        served = _served_by_uniformisation(move, out, queue_probs, t_s, k_max)
    return min(float(queue_probs.sum()), max(0.0, served))


def poisson_pmf(k: np.ndarray, mean: float) -> np.ndarray:
    """Return the Poisson probabilities ``P(X = k)`` for ``X ~ Poisson(mean)``.

    ``exp(k ln(mean) - mean - ln k!)``, as :func:`scipy.stats.poisson.pmf`
    computes it, without importing :mod:`scipy.stats`.

    Parameters
    ----------
    k
        Counts (non-negative integers).
    mean
        The Poisson mean (>= 0).

    Returns
    -------
    numpy.ndarray
        The probabilities, one per count.
    """
    k = np.asarray(k, dtype=float)
    return np.exp(xlogy(k, mean) - mean - gammaln(k + 1.0))


def _poisson_upper(mean: float) -> int:
    """Return ``k`` with ``P(Poisson(mean) > k) < 1e-18``.

    Chernoff bound: ``P(X >= m + x) <= exp(-x^2 / (2 (m + x / 3)))``.
    """
    c = 2.0 * 41.5  # ln(1e18) = 41.45
    x = (c / 3.0 + math.sqrt((c / 3.0) ** 2 + 4.0 * c * mean)) / 2.0
    return math.ceil(mean + x) + 1


def _served_by_uniformisation(
    move: np.ndarray, out: np.ndarray, queue_probs: np.ndarray, t_s: float, k_max: int
) -> float:
    """Absorbed mass at ``t_s`` by uniformisation: sum_k Poisson(k; Lambda t) a_k.

    ``a_k`` is the mass absorbed after ``k`` steps of the uniformised chain
    ``P = I + G / Lambda`` (nondecreasing in ``k``); the Poisson tail beyond ``k_max`` is
    below 1e-18.
    """
    rate = float(out.max())
    stay = 1.0 - out / rate
    go = move / rate
    weights = poisson_pmf(np.arange(k_max + 1), rate * t_s)
    p = queue_probs.astype(float)
    absorbed = 0.0
    total = 0.0
    for k in range(k_max + 1):
        total += weights[k] * absorbed
        flow = p * go
        absorbed += flow[0]
        p *= stay
        p[:-1] += flow[1:]
        if k % 32 == 31 and p.sum() < 1e-18 * queue_probs.sum():
            # Nothing left to absorb: a_j = absorbed for all later j.
            total += float(weights[k + 1 :].sum()) * absorbed
            break
    return total


def erlang_a_metrics(
    n: int,
    arrival_rate_per_s: float,
    mean_handle_s: float,
    mean_patience_s: float,
    answer_within_s: float | None = None,
) -> dict[str, float]:
    """Steady-state performance of the M/M/n+M (Erlang A / Palm) queue.

    Parameters
    ----------
    n : int
        Number of agents (>= 1).
    arrival_rate_per_s : float
        Poisson arrival rate ``lambda`` per second.
    mean_handle_s : float
        Mean (exponential) handle time ``E[S]`` in seconds.
    mean_patience_s : float
        Mean (exponential) patience ``1/theta`` in seconds; ``inf`` reduces to Erlang C
        (requires ``A < n``).
    answer_within_s : float, optional
        Service-level threshold ``T`` in seconds. When given, the three service-level
        definitions are added (computed from the birth-death chain).

    Returns
    -------
    dict
        Always: ``p_wait`` (P(W > 0)), ``p_abandon`` (P(Ab)), ``mean_wait_s`` (E[W] over
        all callers, abandoned ones included, ``= P(Ab) / theta``), ``occupancy``
        (answered load per agent, ``(1 - P(Ab)) lambda E[S] / n``) and ``load``.
        The first three use the Garnett-Mandelbaum-Reiman closed form.
        With ``answer_within_s``:

        - ``service_level_all``: P(answered within T), i.e. answered within T divided by
          all arrivals;
        - ``p_offered_wait_le_t``: P(offered wait <= T), the offered wait being the time
          until an agent would take the caller if he had infinite patience;
        - ``service_level_answered``: answered within T divided by answered callers,
          ``service_level_all / (1 - p_abandon)``.

    Notes
    -----
    By PASTA an arrival sees state ``k`` with the stationary probability ``pi_k``. For
    ``k < n`` he is answered at once. For ``k = n + q`` his offered wait is the sum of
    ``q + 1`` exponential phases with rates ``n mu + i theta``, ``i = q..0``; he is answered
    within ``T`` iff these phases end before ``T`` and before his own Exp(theta) patience,
    i.e. the same phase-type chain with an extra leak at rate ``theta``.
    """
    _check_erlang_a_args(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    load = arrival_rate_per_s * mean_handle_s
    if math.isinf(mean_patience_s):
        return _erlang_a_infinite_patience(n, arrival_rate_per_s, mean_handle_s, answer_within_s)
    theta = 1.0 / mean_patience_s
    if load == 0.0:
        p_wait, p_ab = 0.0, 0.0
    else:
        p_wait, p_ab = _gmr_closed_form(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    out = {
        "p_wait": p_wait,
        "p_abandon": p_ab,
        "mean_wait_s": p_ab / theta,
        "occupancy": (1.0 - p_ab) * load / n,
        "load": load,
    }
    if answer_within_s is None:
        return out
    _check_nonneg(answer_within_s=answer_within_s)
    if load == 0.0:
        out |= {
            "service_level_all": 1.0,
            "p_offered_wait_le_t": 1.0,
            "service_level_answered": 1.0,
        }
        return out
    pi = erlang_a_state_probabilities(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    sl_all = _answered_within(n, pi, mean_handle_s, mean_patience_s, answer_within_s, p_ab)
    queued = pi[n:]
    offered = float(pi[:n].sum()) + _served_by(
        n, 1.0 / mean_handle_s, theta, queued, answer_within_s, False
    )
    out |= {
        "service_level_all": sl_all,
        "p_offered_wait_le_t": min(1.0, offered),
        "service_level_answered": min(1.0, sl_all / (1.0 - p_ab)) if p_ab < 1.0 else 0.0,
    }
    return out


def _answered_within(
    n: int, pi: np.ndarray, mean_handle_s: float, mean_patience_s: float, t_s: float, p_ab: float
) -> float:
    """P(answered within ``t_s``) over all arrivals, from the chain's state probabilities."""
    served = _served_by(n, 1.0 / mean_handle_s, 1.0 / mean_patience_s, pi[n:], t_s, True)
    return min(float(pi[:n].sum()) + served, 1.0 - p_ab)


def _erlang_a_infinite_patience(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, answer_within_s: float | None
) -> dict[str, float]:
    load = arrival_rate_per_s * mean_handle_s
    if load >= n:
        raise ValueError("infinite patience with load >= n: the queue is unstable")
    c = erlang_c(n, load)
    out = {
        "p_wait": c,
        "p_abandon": 0.0,
        "mean_wait_s": c * mean_handle_s / (n - load),
        "occupancy": load / n,
        "load": load,
    }
    if answer_within_s is not None:
        sl = _erlang_c_sl(n, load, c, mean_handle_s, answer_within_s)
        out |= {
            "service_level_all": sl,
            "p_offered_wait_le_t": sl,
            "service_level_answered": sl,
        }
    return out


# --------------------------------------------------------------------------------------
# Square-root staffing
# --------------------------------------------------------------------------------------


def sqrt_staffing(load: float, beta: float) -> float:
    """Square-root staffing level ``n = A + beta sqrt(A)`` (not rounded).

    Parameters
    ----------
    load : float
        Offered load ``A`` in Erlangs.
    beta : float
        Quality-of-service parameter.

    Returns
    -------
    float
        Fractional number of agents; round up (and confirm with :func:`erlang_c`), since
        the Halfin-Whitt limit slightly understates the delay probability.
    """
    if load < 0:
        raise ValueError(f"load must be >= 0, got {load}")
    return load + beta * math.sqrt(load)


def halfin_whitt_alpha(beta: float) -> float:
    """Halfin-Whitt limit of P(W > 0) under square-root staffing.

    ``alpha(beta) = [1 + beta Phi(beta) / phi(beta)]^-1`` for ``beta > 0``.

    Parameters
    ----------
    beta : float
        Quality-of-service parameter (> 0).

    Returns
    -------
    float
        Limiting probability of waiting.
    """
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    # 1 / (1 + e^z) with z = ln(beta Phi / phi), via expit so large beta cannot overflow.
    log_pdf = -0.5 * beta * beta - 0.5 * math.log(2.0 * math.pi)
    z = math.log(beta) + float(log_ndtr(beta)) - log_pdf
    return float(expit(-z))


# --------------------------------------------------------------------------------------
# Staffing searches
# --------------------------------------------------------------------------------------


def service_level_for_agents(
    n: int,
    arrival_rate_per_s: float,
    mean_handle_s: float,
    answer_within_s: float,
    mean_patience_s: float | None = None,
) -> float:
    """Service level with ``n`` agents.

    Parameters
    ----------
    n : int
        Number of agents.
    arrival_rate_per_s, mean_handle_s, answer_within_s : float
        ``lambda`` per second, ``E[S]`` and threshold ``T`` in seconds.
    mean_patience_s : float, optional
        Mean patience in seconds. ``None``: Erlang C ``SL(T)``. Otherwise Erlang A
        ``service_level_all`` (answered within T over all arrivals).

    Returns
    -------
    float
        Service level in ``[0, 1]`` (``0`` for ``n = 0`` or an unstable Erlang C queue).
    """
    if n <= 0:
        return 0.0 if arrival_rate_per_s > 0 else 1.0
    if mean_patience_s is None:
        return erlang_c_metrics(n, arrival_rate_per_s, mean_handle_s, answer_within_s)[
            "service_level"
        ]
    if math.isinf(mean_patience_s) or arrival_rate_per_s == 0.0:
        m = erlang_a_metrics(n, arrival_rate_per_s, mean_handle_s, mean_patience_s, answer_within_s)
        return m["service_level_all"]
    # Same computation as erlang_a_metrics' service_level_all, without the offered-wait pass.
    _check_erlang_a_args(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    _check_nonneg(answer_within_s=answer_within_s)
    _, p_ab = _gmr_closed_form(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    pi = erlang_a_state_probabilities(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    return _answered_within(n, pi, mean_handle_s, mean_patience_s, answer_within_s, p_ab)


def agents_for_service_level(
    arrival_rate_per_s: float,
    mean_handle_s: float,
    answer_within_s: float,
    target_sl: float,
    mean_patience_s: float | None = None,
    max_agents: int = 100000,
) -> tuple[int, float]:
    """Smallest number of agents meeting a service-level target, and a fractional value.

    Parameters
    ----------
    arrival_rate_per_s, mean_handle_s, answer_within_s : float
        ``lambda`` per second, ``E[S]`` and threshold ``T`` in seconds.
    target_sl : float
        Target in ``[0, 1]``.
    mean_patience_s : float, optional
        ``None``: Erlang C ``SL(T)``. Otherwise Erlang A ``service_level_all``.
    max_agents : int
        Search limit; ``ValueError`` if the target is not met with this many agents.

    Returns
    -------
    tuple[int, float]
        ``(n, n_frac)``: ``n`` is the smallest integer with ``SL(n) >= target_sl``;
        ``n_frac`` in ``(n - 1, n]`` is where a continuous service-level curve crosses the
        target. For Erlang C it is the root of the continuous ``SL(x)`` built on the
        gamma-function Erlang B (``SL(x) = 0`` for ``x <= A``); for Erlang A the service
        level is interpolated linearly between ``n - 1`` and ``n``.

    Notes
    -----
    Erlang C: ``n`` is found by stepping from ``floor(A) + 1`` with the Erlang B
    recursion (O(n) total). Erlang A: ``service_level_all <= 1 - P(Ab) <= n / A``, so the
    search starts at ``ceil(target A)``, gallops upward and bisects (the service level is
    increasing in ``n``).
    """
    if not 0.0 <= target_sl <= 1.0:
        raise ValueError(f"target_sl must be in [0, 1], got {target_sl}")
    _check_positive(mean_handle_s=mean_handle_s)
    _check_nonneg(arrival_rate_per_s=arrival_rate_per_s, answer_within_s=answer_within_s)
    load = arrival_rate_per_s * mean_handle_s
    if target_sl == 0.0 or load == 0.0:
        return 0, 0.0
    if mean_patience_s is None:
        return _agents_erlang_c(load, mean_handle_s, answer_within_s, target_sl, max_agents)

    cache: dict[int, float] = {}

    def sl(k: int) -> float:
        if k not in cache:
            cache[k] = service_level_for_agents(
                k, arrival_rate_per_s, mean_handle_s, answer_within_s, mean_patience_s
            )
        return cache[k]

    lo = max(0, math.ceil(target_sl * load) - 1)  # sl(lo) < target unless lo == 0
    if lo > 0 and sl(lo) >= target_sl:
        lo = 0  # defensive: bound not tight numerically; fall back to full search
    hi, step = lo + 1, 1
    while sl(hi) < target_sl:
        if hi >= max_agents:
            raise ValueError(f"target {target_sl} not reached with {max_agents} agents")
        lo, hi, step = hi, min(max_agents, hi + step), 2 * step
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if sl(mid) >= target_sl:
            hi = mid
        else:
            lo = mid
    n = hi
    sl_n, sl_prev = sl(n), sl(n - 1)
    frac = n - (sl_n - target_sl) / (sl_n - sl_prev) if sl_n > sl_prev else float(n)
    return n, float(min(n, max(n - 1, frac)))


def _agents_erlang_c(
    load: float, mean_handle_s: float, t_s: float, target_sl: float, max_agents: int
) -> tuple[int, float]:
    n = math.floor(load) + 1
    b = _erlang_b_recursion(n, load)
    while True:
        c = _erlang_c_from_b(n, load, b)
        if _erlang_c_sl(n, load, c, mean_handle_s, t_s) >= target_sl:
            break
        if n >= max_agents:
            raise ValueError(f"target {target_sl} not reached with {max_agents} agents")
        n += 1
        b = load * b / (n + load * b)
    if n > max_agents:
        raise ValueError(f"target {target_sl} not reached with {max_agents} agents")

    def sl_cont(x: float) -> float:
        if x <= load:
            return 0.0
        return _erlang_c_sl(x, load, erlang_c(x, load), mean_handle_s, t_s)

    lo = max(float(n - 1), load)
    if sl_cont(n) <= target_sl or sl_cont(lo) >= target_sl:
        return n, float(n)
    from scipy.optimize import brentq

    return n, float(brentq(lambda x: sl_cont(x) - target_sl, lo, n, xtol=1e-12, rtol=1e-14))


# --------------------------------------------------------------------------------------
# Time-varying offered load
# --------------------------------------------------------------------------------------


def offered_load_exponential(
    times_s: np.ndarray,
    rate_per_s: Callable[[np.ndarray], np.ndarray] | np.ndarray,
    mean_handle_s: float,
    m0: float | None = None,
) -> np.ndarray:
    """Offered load m(t) of an M_t/M/infinity system, ``m'(t) = lambda(t) - mu m(t)``.

    ``m(t)`` is the mean number of busy agents with unlimited capacity; the number busy is
    Poisson(m(t)). For general service ``m(t) = E[lambda(t - S_e)] E[S]``; this function
    covers exponential service, where ``S_e ~ S``.

    Parameters
    ----------
    times_s : numpy.ndarray
        Increasing times (seconds) at which ``m`` is returned.
    rate_per_s : callable or numpy.ndarray
        Either a function ``lambda(t)`` (per second) accepting a float/array of times, or an
        array of rates at ``times_s``, interpreted as piecewise linear between samples.
    mean_handle_s : float
        Mean handle time ``E[S] = 1/mu`` in seconds.
    m0 : float, optional
        Offered load at ``times_s[0]``. If ``None`` (default):

        - callable rate: the system is assumed to have run forever under ``lambda``, i.e.
          ``m(t0) = integral_0^inf lambda(t0 - s) e^{-mu s} ds``. This is reached by starting
          the ODE ``40 E[S]`` before ``t0`` (from ``lambda(t0 - 40 E[S]) E[S]``), which
          forgets the start to ``e^-40 ~ 4e-18`` relative. For a periodic ``lambda`` this
          gives the periodic steady state. ``lambda`` must be defined before ``t0``.
        - array rate: ``m0 = lambda(t0) E[S]``, the stationary load for a constant past.

    Returns
    -------
    numpy.ndarray
        ``m`` at ``times_s`` (Erlangs).

    Notes
    -----
    Callable rates are integrated with ``solve_ivp`` (DOP853, ``rtol=1e-11``). Array rates
    are integrated exactly for piecewise-linear ``lambda``: over a step of length ``h`` with
    ``lambda = a + b s``,
    ``m(h) = m e^{-mu h} + a (1 - e^{-mu h}) / mu + b (mu h - 1 + e^{-mu h}) / mu^2``.
    """
    times = np.asarray(times_s, dtype=float)
    if times.ndim != 1 or times.size == 0:
        raise ValueError("times_s must be a non-empty 1-D array")
    if np.any(np.diff(times) < 0):
        raise ValueError("times_s must be non-decreasing")
    _check_positive(mean_handle_s=mean_handle_s)
    mu = 1.0 / mean_handle_s

    if not callable(rate_per_s):
        rates = np.asarray(rate_per_s, dtype=float)
        if rates.shape != times.shape:
            raise ValueError("rate array must have the same shape as times_s")
        return _offered_load_piecewise_linear(times, rates, mu, m0)

    rate_fn = rate_per_s

    def lam(t: float) -> float:
        return float(np.asarray(rate_fn(np.asarray(t, dtype=float))))

    t0 = float(times[0])
    if m0 is None:
        t_start = t0 - _HISTORY_HANDLE_TIMES * mean_handle_s
        m_start = lam(t_start) * mean_handle_s
    else:
        t_start, m_start = t0, float(m0)
    t_end = float(times[-1])
    if t_end == t_start:
        return np.full(times.shape, m_start)
    scale = max(abs(m_start), lam(t0) * mean_handle_s, 1.0)
    from scipy.integrate import solve_ivp

    sol = solve_ivp(
        lambda t, m: lam(t) - mu * m,
        (t_start, t_end),
        [m_start],
        method="DOP853",
        t_eval=times,
        rtol=1e-11,
        atol=1e-12 * scale,
        max_step=mean_handle_s,
    )
    if not sol.success:
        raise RuntimeError(f"offered-load ODE failed: {sol.message}")
    return sol.y[0]


def _offered_load_piecewise_linear(
    times: np.ndarray, rates: np.ndarray, mu: float, m0: float | None
) -> np.ndarray:
    h = np.diff(times)
    z = mu * h
    decay = np.exp(-z)
    one_minus = -np.expm1(-z)  # 1 - e^{-z}
    # (z - 1 + e^{-z}) / mu^2, with a series for small z to avoid cancellation.
    ramp = np.where(
        z > 1e-4,
        (z - one_minus) / mu**2,
        h**2 * (0.5 - z / 6.0 + z**2 / 24.0),
    )
    slope = np.divide(np.diff(rates), h, out=np.zeros_like(h), where=h > 0)
    out = np.empty_like(times)
    out[0] = rates[0] / mu if m0 is None else float(m0)
    for i in range(h.size):
        out[i + 1] = out[i] * decay[i] + rates[i] * one_minus[i] / mu + slope[i] * ramp[i]
    return out


def offered_load_sinusoidal(
    times_s: np.ndarray,
    mean_rate_per_s: float,
    amplitude_per_s: float,
    period_s: float,
    mean_handle_s: float,
) -> np.ndarray:
    """Periodic steady-state offered load for ``lambda(t) = a + b sin(2 pi t / P)``.

    Closed form of ``m' = lambda - mu m``:
    ``m(t) = a/mu + b (mu sin(w t) - w cos(w t)) / (mu^2 + w^2)``, ``w = 2 pi / P``.

    Parameters
    ----------
    times_s : numpy.ndarray
        Times in seconds.
    mean_rate_per_s, amplitude_per_s : float
        ``a`` and ``b`` (per second).
    period_s : float
        Period ``P`` in seconds.
    mean_handle_s : float
        ``E[S] = 1/mu`` in seconds.

    Returns
    -------
    numpy.ndarray
        ``m`` at ``times_s`` (Erlangs).
    """
    _check_positive(period_s=period_s, mean_handle_s=mean_handle_s)
    t = np.asarray(times_s, dtype=float)
    mu = 1.0 / mean_handle_s
    w = 2.0 * math.pi / period_s
    return mean_rate_per_s / mu + amplitude_per_s * (mu * np.sin(w * t) - w * np.cos(w * t)) / (
        mu**2 + w**2
    )


def sinusoidal_peak_lag_s(period_s: float, mean_handle_s: float) -> float:
    """Lag of the peak of m(t) behind the peak of a sinusoidal ``lambda(t)``.

    ``lag = arctan(w / mu) / w`` with ``w = 2 pi / P`` (exponential service).

    Parameters
    ----------
    period_s, mean_handle_s : float
        Period of ``lambda`` and ``E[S]``, in seconds.

    Returns
    -------
    float
        Lag in seconds.
    """
    _check_positive(period_s=period_s, mean_handle_s=mean_handle_s)
    w = 2.0 * math.pi / period_s
    return math.atan(w * mean_handle_s) / w


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _check_positive(**kwargs: float) -> None:
    for name, value in kwargs.items():
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")


def _check_nonneg(**kwargs: float) -> None:
    for name, value in kwargs.items():
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


def _check_erlang_a_args(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float
) -> None:
    if n < 1 or not float(n).is_integer():
        raise ValueError(f"n must be an integer >= 1, got {n}")
    _check_positive(mean_handle_s=mean_handle_s, mean_patience_s=mean_patience_s)
    _check_nonneg(arrival_rate_per_s=arrival_rate_per_s)
