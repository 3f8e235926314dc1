"""Erlang calculator behind ``tracesim erlang``: staffing for a target, or metrics for n agents.

Two questions, one function (:func:`erlang_calculator`):

* *How many agents?* Given the calls per hour, the average handle time (AHT), the
  answer-time threshold ``T`` and a service-level target, return the smallest integer
  number of agents that meets the target, a fractional value, and the metrics at that
  integer number of agents.
* *What service with n agents?* Given ``agents``, return the service level, the average
  speed of answer (ASA), P(wait), the abandonment probability and the occupancy.

Without a patience the model is Erlang C (M/M/n, nobody abandons); with a mean patience
it is Erlang A (M/M/n+M, exponential patience). All formulas come from :mod:`sim.basics.theory`;
this module adds the ASA of answered calls in Erlang A, the output formats (text table and
JSON) and the command-line glue (:func:`add_arguments`, :func:`main_from_args`).

Service-level definitions (they differ once callers abandon; every result names its own):

* Erlang C: ``P(wait <= T)``.
* Erlang A: answered within ``T`` divided by *all* arrivals (abandoned callers count as
  failures), theory's ``service_level_all``. The two other definitions are reported as
  well: ``p_offered_wait_le_t`` and ``service_level_answered``.

Roster planning:

* *Shrinkage* (:func:`parse_shrinkage`, :func:`rostered_headcount`): the agents on the
  phones are the rostered agents less breaks, absence, agents not logged in, ...; with
  shrinkage ``s`` (components combine as ``1 - prod(1 - s_i)``) the rostered headcount is
  the smallest integer ``h`` with ``h (1 - s) >= agents``.
* *A daily profile* (:func:`profile_table`): calls per interval (e.g. hourly) give an
  interval-by-interval table of the agents, service level and occupancy, each interval
  staffed as a stationary queue (``sipp``: stationary independent period by period, at
  the interval's mean rate) or at the infinite-server offered load ``m(t)``
  (``offered_load``: ``m' = lambda(t) - m / AHT``, the profile repeating every day), which
  lags the calls by about one handle time.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

from sim.basics.units import DURATION_HINT, HOUR_S, parse_duration

if TYPE_CHECKING:
    import numpy as np

# numpy and sim.basics.theory (scipy) are imported where used: the command-line parser imports this
# module for the options of `tracesim erlang`, and `tracesim run` forks its figure process
# right after parsing, before anything heavy is imported (see sim.plumbing.figure_process).

__all__ = [
    "Profile",
    "add_arguments",
    "erlang_calculator",
    "format_profile_table",
    "format_table",
    "main_from_args",
    "offered_load_per_interval",
    "parse_shrinkage",
    "profile_table",
    "read_profile",
    "rostered_headcount",
    "to_json",
    "total_shrinkage",
]

#: Exit codes shared with ``sim.interfaces.cli``.
EXIT_OK, EXIT_BAD_INPUT = 0, 2

_PROG = "tracesim erlang"

SL_DEFINITION_ERLANG_C = "P(wait <= T)"
SL_DEFINITION_ERLANG_A = "answered within T / all arrivals"



class Result(TypedDict):
    """A result of :func:`erlang_calculator`: the keys are described there."""

    model: str
    agents: int
    agents_fractional: float | None
    service_level: float
    service_level_definition: str
    p_offered_wait_le_t: float
    service_level_answered: float
    asa_s: float
    mean_wait_all_s: float
    p_wait: float
    p_abandon: float
    occupancy: float
    load_erlangs: float
    calls_per_hour: float
    aht_s: float
    answer_within_s: float
    patience_s: float | None
    target_sl: float | None
    shrinkage: NotRequired[float]
    shrinkage_parts: NotRequired[dict[str, float]]
    rostered_headcount: NotRequired[int]
    rostered_fractional: NotRequired[float]


# --------------------------------------------------------------------------------------
# Calculator
# --------------------------------------------------------------------------------------


def erlang_calculator(
    calls_per_hour: float,
    aht_s: float,
    answer_within_s: float = 20.0,
    target_sl: float | None = None,
    agents: int | None = None,
    patience_s: float | None = None,
) -> Result:
    """Find the agents needed for a service-level target, or the metrics with n agents.

    Parameters
    ----------
    calls_per_hour : float
        Poisson arrival rate, calls per hour (> 0).
    aht_s : float
        Average (exponential) handle time ``E[S]`` in seconds (> 0).
    answer_within_s : float, default 20.0
        Answer-time threshold ``T`` of the service level, in seconds (>= 0).
    target_sl : float, optional
        Service-level target in ``(0, 1)``. Exactly one of ``target_sl`` and ``agents``
        must be given.
    agents : int, optional
        Number of agents (integer >= 1).
    patience_s : float, optional
        Mean (exponential) patience in seconds (finite, > 0). ``None``: Erlang C (no
        abandonment). Given: Erlang A, and the service level is answered within ``T``
        over all arrivals.

    Returns
    -------
    dict
        Always the keys

        - ``model``: ``"erlang_c"`` or ``"erlang_a"``;
        - ``agents`` (int): the smallest number of agents meeting ``target_sl``, or the
          given ``agents``;
        - ``agents_fractional`` (float or None): with ``target_sl``, the point in
          ``(agents - 1, agents]`` where the continuous service-level curve crosses the
          target (see :func:`sim.basics.theory.agents_for_service_level`); with ``agents`` it is
          ``None``, because nothing was solved for;
        - ``service_level`` and ``service_level_definition`` (``"P(wait <= T)"`` for
          Erlang C, ``"answered within T / all arrivals"`` for Erlang A);
        - ``p_offered_wait_le_t`` and ``service_level_answered``: the two other
          service-level definitions (equal to ``service_level`` for Erlang C);
        - ``asa_s``: average speed of answer, the mean wait of *answered* calls (zero
          waits included), ``E[W | answered]``;
        - ``mean_wait_all_s``: ``E[W]`` over all callers, abandoned ones included (their
          wait is the time until they hung up); equals ``asa_s`` for Erlang C;
        - ``p_wait`` (P(W > 0)), ``p_abandon`` (``0.0`` for Erlang C), ``occupancy``
          (answered load per agent), ``load_erlangs`` (``A = lambda E[S]``);
        - the inputs: ``calls_per_hour``, ``aht_s``, ``answer_within_s``, ``patience_s``,
          ``target_sl``.

        Unstable Erlang C (``load_erlangs >= agents``): ``service_level = 0``,
        ``asa_s = mean_wait_all_s = inf``, ``p_wait = 1``, ``occupancy = 1``.

    Raises
    ------
    ValueError
        With a one-line message, for a bad value or when both or neither of
        ``target_sl`` and ``agents`` are given.

    See Also
    --------
    erlang_a_asa_answered_s : The ASA of answered calls in Erlang A, and its derivation.
    """
    _check_inputs(calls_per_hour, aht_s, answer_within_s, target_sl, agents, patience_s)
    lam = calls_per_hour / HOUR_S
    n, agents_fractional = _agents(lam, aht_s, answer_within_s, target_sl, agents, patience_s)
    if patience_s is not None:
        metrics = _erlang_a(n, lam, aht_s, patience_s, answer_within_s)
    else:
        metrics = _erlang_c(n, lam, aht_s, answer_within_s)
    return {
        "model": "erlang_c" if patience_s is None else "erlang_a",
        "agents": n,
        "agents_fractional": agents_fractional,
        "service_level": metrics["service_level"],
        "service_level_definition": (
            SL_DEFINITION_ERLANG_C if patience_s is None else SL_DEFINITION_ERLANG_A
        ),
        "p_offered_wait_le_t": metrics["p_offered_wait_le_t"],
        "service_level_answered": metrics["service_level_answered"],
        "asa_s": metrics["asa_s"],
        "mean_wait_all_s": metrics["mean_wait_all_s"],
        "p_wait": metrics["p_wait"],
        "p_abandon": metrics["p_abandon"],
        "occupancy": metrics["occupancy"],
        "load_erlangs": lam * aht_s,
        "calls_per_hour": float(calls_per_hour),
        "aht_s": float(aht_s),
        "answer_within_s": float(answer_within_s),
        "patience_s": None if patience_s is None else float(patience_s),
        "target_sl": None if target_sl is None else float(target_sl),
    }


def _agents(
    lam: float,
    aht_s: float,
    answer_within_s: float,
    target_sl: float | None,
    agents: int | None,
    patience_s: float | None,
) -> tuple[int, float | None]:
    """Return the agents (solved for ``target_sl``, else ``agents``) and the fractional value."""
    from sim.basics import theory

    if target_sl is None:
        assert agents is not None  # _check_inputs guarantees exactly one
        return int(agents), None
    n, frac = theory.agents_for_service_level(
        lam, aht_s, answer_within_s, target_sl, mean_patience_s=patience_s
    )
    return n, float(frac)


def _check_inputs(
    calls_per_hour: float,
    aht_s: float,
    answer_within_s: float,
    target_sl: float | None,
    agents: int | None,
    patience_s: float | None,
) -> None:
    if (target_sl is None) == (agents is None):
        raise ValueError(
            "give exactly one of target_sl (agents needed) and agents (metrics for n agents)"
        )
    if not (math.isfinite(calls_per_hour) and calls_per_hour > 0):
        raise ValueError(f"calls per hour must be a finite number > 0, got {calls_per_hour}")
    if not (math.isfinite(aht_s) and aht_s > 0):
        raise ValueError(f"average handle time must be > 0 s, got {aht_s} s")
    if not (math.isfinite(answer_within_s) and answer_within_s >= 0):
        raise ValueError(f"answer-within threshold must be >= 0 s, got {answer_within_s} s")
    if patience_s is not None and not (math.isfinite(patience_s) and patience_s > 0):
        raise ValueError(
            f"mean patience must be finite and > 0 s (omit it for Erlang C), got {patience_s} s"
        )
    if target_sl is not None and not (0.0 < target_sl < 1.0):
        raise ValueError(f"target service level must be in (0, 1), e.g. 0.8, got {target_sl}")
    if agents is not None and (
        isinstance(agents, bool) or not float(agents).is_integer() or agents < 1
    ):
        raise ValueError(f"agents must be an integer >= 1, got {agents}")


def _erlang_c(n: int, lam: float, aht_s: float, t_s: float) -> dict[str, float]:
    from sim.basics import theory

    m = theory.erlang_c_metrics(n, lam, aht_s, t_s)
    return {
        "service_level": m["service_level"],
        "p_offered_wait_le_t": m["service_level"],
        "service_level_answered": m["service_level"],
        "asa_s": m["asa_s"],
        "mean_wait_all_s": m["asa_s"],
        "p_wait": m["p_wait"],
        "p_abandon": 0.0,
        "occupancy": m["occupancy"],
    }


def _erlang_a(n: int, lam: float, aht_s: float, patience_s: float, t_s: float) -> dict[str, float]:
    from sim.basics import theory

    m = theory.erlang_a_metrics(n, lam, aht_s, patience_s, answer_within_s=t_s)
    return {
        "service_level": m["service_level_all"],
        "p_offered_wait_le_t": m["p_offered_wait_le_t"],
        "service_level_answered": m["service_level_answered"],
        "asa_s": erlang_a_asa_answered_s(n, lam, aht_s, patience_s),
        "mean_wait_all_s": m["mean_wait_s"],
        "p_wait": m["p_wait"],
        "p_abandon": m["p_abandon"],
        "occupancy": m["occupancy"],
    }


def erlang_a_asa_answered_s(
    n: int, arrival_rate_per_s: float, mean_handle_s: float, mean_patience_s: float
) -> float:
    """Mean wait of answered calls, ``E[W | answered]``, in an M/M/n+M (Erlang A) queue.

    Parameters
    ----------
    n : int
        Number of agents (>= 1).
    arrival_rate_per_s, mean_handle_s, mean_patience_s : float
        ``lambda`` per second, ``E[S]`` and the mean patience ``1/theta`` in seconds.

    Returns
    -------
    float
        ASA of answered calls in seconds (zero waits included); ``nan`` if no call is
        answered.

    Notes
    -----
    Theory gives the mean wait over all callers only, ``E[W] = P(Ab) / theta``. By PASTA
    an arrival finds ``k`` in system with the stationary probability ``pi_k`` of the
    birth-death chain (:func:`sim.basics.theory.erlang_a_state_probabilities`). For ``k < n``
    he is answered at once. For ``k = n + q`` he passes through levels
    ``j = q, ..., 0`` (``j`` callers ahead of him); level ``j`` ends at total rate
    ``r_j = n mu + j theta + theta`` (a service completion or an abandonment ahead moves
    him forward, rate ``n mu + j theta``; his own patience ends, rate ``theta``). The
    holding time of a level is Exp(``r_j``) whichever
    event ends it, so with ``p_j = (n mu + j theta) / r_j``::

        P(answered | q)           = prod_{j=0..q} p_j
        E[W 1{answered} | q]      = P(answered | q) * sum_{j=0..q} 1 / r_j
        ASA = E[W | answered]     = sum_q pi_{n+q} E[W 1{answered} | q] / P(answered)

    with ``P(answered) = sum_{k<n} pi_k + sum_q pi_{n+q} P(answered | q)`` (which equals
    ``1 - P(Ab)`` of the closed form). The products are summed in logs, so nothing
    underflows for long queues.
    """
    import numpy as np

    from sim.basics import theory

    pi = theory.erlang_a_state_probabilities(n, arrival_rate_per_s, mean_handle_s, mean_patience_s)
    queued = pi[n:]  # pi_{n+q}, q = 0..Q: the arrival finds q callers already queued
    if queued.size == 0:
        return 0.0
    mu, theta = 1.0 / mean_handle_s, 1.0 / mean_patience_s
    j = np.arange(queued.size, dtype=float)  # callers ahead of him
    forward = n * mu + j * theta
    total = forward + theta
    p_answered_q = np.exp(np.cumsum(np.log(forward) - np.log(total)))
    wait_if_answered_q = np.cumsum(1.0 / total)
    answered_wait = float(queued @ (p_answered_q * wait_if_answered_q))
    p_answered = float(pi[:n].sum()) + float(queued @ p_answered_q)
    return answered_wait / p_answered if p_answered > 0.0 else math.nan


# --------------------------------------------------------------------------------------
# Roster planning: shrinkage and a daily profile
# --------------------------------------------------------------------------------------

SHRINKAGE_HINT = ("give a share in [0, 1), e.g. 0.3, or parts like "
                  "breaks=0.08,absence=0.05,not_logged_in=0.1")


def parse_shrinkage(text: str) -> dict[str, float]:
    """Read a shrinkage: one share, or named parts ``name=share,...``.

    Parameters
    ----------
    text : str
        ``"0.3"`` (one share, named ``shrinkage``) or
        ``"breaks=0.08,absence=0.05,not_logged_in=0.1"``. A share may end with ``%``
        (``"8%"`` is 0.08).

    Returns
    -------
    dict of str to float
        Part name to share, each in ``[0, 1)``.

    Raises
    ------
    ValueError
        With a one-line message for a malformed text, a share outside ``[0, 1)``, a part
        named twice, or parts that add up to all the time (total shrinkage 1).
    """
    parts: dict[str, float] = {}
    for item in (p.strip() for p in text.split(",")):
        name, _, value = item.rpartition("=")
        name = name.strip() or "shrinkage"
        if name in parts:
            raise ValueError(f"--shrinkage: '{name}' is given twice")
        parts[name] = _share(value.strip(), name)
    if total_shrinkage(parts) >= 1.0:
        raise ValueError(f"--shrinkage: the parts leave no time on the phones; {SHRINKAGE_HINT}")
    return parts


def _share(text: str, name: str) -> float:
    scale = 100.0 if text.endswith("%") else 1.0
    try:
        value = float(text.rstrip("%")) / scale
    except ValueError:
        raise ValueError(f"--shrinkage: {name} '{text}' is not a number; "
                         f"{SHRINKAGE_HINT}") from None
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"--shrinkage: {name} {text} is outside [0, 1); {SHRINKAGE_HINT}")
    return value


def total_shrinkage(parts: dict[str, float]) -> float:
    """Combine shrinkage parts: ``1 - prod(1 - s_i)``.

    Each part removes its share of the time the previous parts left (an agent on break
    cannot also be absent), so the parts multiply rather than add.

    Parameters
    ----------
    parts : dict of str to float
        Part name to share in ``[0, 1]``.

    Returns
    -------
    float
        The total shrinkage in ``[0, 1]``.
    """
    return 1.0 - math.prod(1.0 - s for s in parts.values())


def rostered_headcount(agents: float, shrinkage: float) -> tuple[int, float]:
    """Rostered agents that put ``agents`` on the phones after shrinkage.

    Parameters
    ----------
    agents : float
        Agents needed on the phones (logged in and available for calls).
    shrinkage : float
        Total shrinkage in ``[0, 1)``: the share of rostered time lost to breaks,
        absence, not being logged in, ...

    Returns
    -------
    tuple of (int, float)
        ``(h, agents / (1 - shrinkage))``: ``h`` is the smallest integer with
        ``h (1 - shrinkage) >= agents``.
    """
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    fractional = agents / (1.0 - shrinkage)
    whole = math.ceil(fractional - 1e-9)
    return whole, fractional


@dataclass(frozen=True)
class Profile:
    """Calls per interval of a day (or of any period that repeats).

    Attributes
    ----------
    labels : list of str
        Each interval's label (its start, as written in the file).
    calls : list of float
        Expected calls in each interval (>= 0).
    interval_s : float
        Length of every interval in seconds.
    source : str
        Where the profile came from (for messages).
    """

    labels: list[str]
    calls: list[float]
    interval_s: float
    source: str = "profile"


_LABEL_COLUMNS = ("start", "hour", "interval", "time")


def read_profile(path: str | Path, interval_s: float = HOUR_S) -> Profile:
    """Read a profile CSV: a header, one row per interval, a ``calls`` column.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with a header row holding ``calls`` (expected calls in the interval) and
        optionally a label column ``start``, ``hour``, ``interval`` or ``time``; other
        columns are ignored. Rows are consecutive intervals of ``interval_s``.
    interval_s : float, default 3600
        Length of one interval (row) in seconds.

    Returns
    -------
    Profile

    Raises
    ------
    ValueError
        With the file name and the row, for a missing ``calls`` column, an empty file, a
        value that is not a number >= 0, or a profile without calls.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            header = [] if not rows else list(rows[0])
    except OSError as exc:
        raise ValueError(f"--profile: cannot read {path}: {exc.strerror or exc}") from None
    if not rows:
        raise ValueError(f"--profile: {path} has no rows (a header and one row per interval)")
    if "calls" not in header:
        raise ValueError(f"--profile: {path} has no 'calls' column (columns: {header})")
    label = next((c for c in _LABEL_COLUMNS if c in header), None)
    labels: list[str] = []
    calls: list[float] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        text = (row.get("calls") or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"--profile: {path} row {number}: calls '{text}' is not a "
                             "number >= 0")
        calls.append(value)
        labels.append(str(row[label]).strip() if label else f"{len(labels) + 1}")
    if sum(calls) <= 0:
        raise ValueError(f"--profile: {path} has no calls in any interval")
    return Profile(labels=labels, calls=calls, interval_s=interval_s, source=str(path))


def offered_load_per_interval(calls: list[float], interval_s: float, aht_s: float) -> np.ndarray:
    """Mean offered load of each interval, for a profile that repeats (periodic steady state).

    The calls arrive at a constant rate ``lambda_k = calls_k / interval_s`` within
    interval ``k``; the offered load ``m(t)`` (busy agents with unlimited agents) solves
    ``m' = lambda(t) - m / AHT`` exactly, and ``m`` at the start of the profile equals ``m``
    at its end (the profile repeats).

    Parameters
    ----------
    calls : list of float
        Calls per interval.
    interval_s, aht_s : float
        Interval length and mean handle time, in seconds.

    Returns
    -------
    numpy.ndarray
        The mean of ``m(t)`` over each interval, in Erlangs. Over a whole period its
        mean equals the mean of ``lambda AHT``: no load is lost, only shifted later.
    """
    import numpy as np

    rates = np.asarray(calls, dtype=float) / interval_s
    decay = math.exp(-interval_s / aht_s)
    spread = aht_s / interval_s * (1.0 - decay)  # share of the gap closed on average

    def one_period(m_start: float) -> tuple[np.ndarray, float]:
        means = np.empty_like(rates)
        m = m_start
        for k, lam in enumerate(rates):
            steady = lam * aht_s
            means[k] = steady + (m - steady) * spread
            m = steady + (m - steady) * decay
        return means, m

    _, m_end_from_empty = one_period(0.0)
    period_decay = decay ** rates.size
    m_periodic = m_end_from_empty / (1.0 - period_decay) if period_decay < 1.0 else 0.0
    return one_period(m_periodic)[0]


def _interval_row(label: str, calls: float, load_calls: float, interval_s: float,
                  settings: dict) -> dict:
    """One interval: agents and metrics for ``load_calls`` calls (SIPP or offered load)."""
    row: dict = {"start": label, "calls": calls,
                 "load_erlangs": load_calls * settings["aht_s"] / interval_s}
    if load_calls <= 0:
        agents = 0 if settings["agents"] is None else int(settings["agents"])
        row.update(agents=agents, service_level=math.nan, asa_s=math.nan, p_abandon=0.0,
                   occupancy=0.0 if agents else math.nan)
    else:
        res = erlang_calculator(
            calls_per_hour=load_calls * HOUR_S / interval_s, aht_s=settings["aht_s"],
            answer_within_s=settings["answer_within_s"], target_sl=settings["target_sl"],
            agents=settings["agents"], patience_s=settings["patience_s"])
        row.update(agents=res["agents"], service_level=res["service_level"],
                   asa_s=res["asa_s"], p_abandon=res["p_abandon"], occupancy=res["occupancy"])
    if settings["shrinkage"] is not None:
        row["rostered"] = rostered_headcount(row["agents"], settings["shrinkage"])[0]
    return row


def profile_table(
    profile: Profile,
    aht_s: float,
    answer_within_s: float = 20.0,
    target_sl: float | None = None,
    agents: int | None = None,
    patience_s: float | None = None,
    method: str = "sipp",
    shrinkage: float | None = None,
) -> dict:
    """Interval-by-interval staffing of a daily profile.

    Parameters
    ----------
    profile : Profile
        Calls per interval (:func:`read_profile`).
    aht_s, answer_within_s, target_sl, agents, patience_s
        As for :func:`erlang_calculator`: exactly one of ``target_sl`` (agents needed in
        each interval) and ``agents`` (the same agents in every interval: their service).
    method : {"sipp", "offered_load"}
        ``sipp``: each interval as a stationary queue at its mean rate.
        ``offered_load``: at the interval's mean offered load
        (:func:`offered_load_per_interval`), which follows the calls by about one
        handle time.
    shrinkage : float, optional
        Total shrinkage in ``[0, 1)``: adds the rostered headcount per interval.

    Returns
    -------
    dict
        ``intervals``: one dict per interval (``start``, ``calls``, ``load_erlangs``,
        ``agents``, ``service_level``, ``asa_s``, ``p_abandon``, ``occupancy`` and, with
        shrinkage, ``rostered``); ``totals``: ``calls``, ``agent_hours`` (agents x
        interval), ``rostered_hours``, ``service_level`` (calls-weighted: answered within
        T over all calls of the day, with each interval's load), ``occupancy`` (answered
        load over agent time); and the settings.
    """
    if method not in ("sipp", "offered_load"):
        raise ValueError(f"method must be 'sipp' or 'offered_load', got {method!r}")
    _check_inputs(1.0, aht_s, answer_within_s, target_sl, agents, patience_s)
    interval_s = profile.interval_s
    load_calls = list(profile.calls)
    if method == "offered_load":
        load = offered_load_per_interval(profile.calls, interval_s, aht_s)
        load_calls = [float(m) * interval_s / aht_s for m in load]
    settings = {"aht_s": aht_s, "answer_within_s": answer_within_s, "target_sl": target_sl,
                "agents": agents, "patience_s": patience_s, "shrinkage": shrinkage}
    rows = [_interval_row(label, calls, lc, interval_s, settings)
            for label, calls, lc in zip(profile.labels, profile.calls, load_calls, strict=True)]
    return {"method": method, "model": "erlang_c" if patience_s is None else "erlang_a",
            "interval_s": interval_s, "aht_s": aht_s, "answer_within_s": answer_within_s,
            "target_sl": target_sl, "patience_s": patience_s, "shrinkage": shrinkage,
            "intervals": rows, "totals": _profile_totals(rows, interval_s, aht_s)}


def _profile_totals(rows: list[dict], interval_s: float, aht_s: float) -> dict:
    hours = interval_s / HOUR_S
    load = [r["load_erlangs"] for r in rows]
    weights = [r["load_erlangs"] for r in rows if r["load_erlangs"] > 0]
    levels = [r["service_level"] for r in rows if r["load_erlangs"] > 0]
    busy = sum(a * (1.0 - r["p_abandon"]) for a, r in zip(load, rows, strict=True))
    agent_time = sum(r["agents"] for r in rows)
    totals = {
        "calls": sum(r["calls"] for r in rows),
        "agent_hours": agent_time * hours,
        "peak_agents": max(r["agents"] for r in rows),
        "service_level": (sum(w * s for w, s in zip(weights, levels, strict=True))
                          / sum(weights)) if weights else math.nan,
        "occupancy": min(1.0, busy / agent_time) if agent_time else math.nan,
    }
    if "rostered" in rows[0]:
        totals["rostered_hours"] = sum(r["rostered"] for r in rows) * hours
        totals["peak_rostered"] = max(r["rostered"] for r in rows)
    return totals


def format_profile_table(table: dict) -> str:
    """Text table of a :func:`profile_table` result: one line per interval and a total.

    Parameters
    ----------
    table : dict
        A result of :func:`profile_table`.

    Returns
    -------
    str
        Multi-line text (no trailing newline).
    """
    shrink = table["shrinkage"] is not None
    head = ["start", "calls", "load", "agents"] + (["rostered"] if shrink else []) + [
        "service level", "ASA", "abandoned", "occupancy"]
    lines = [[r["start"], f"{r['calls']:,.1f}", f"{r['load_erlangs']:.2f}", f"{r['agents']}"]
             + ([f"{r['rostered']}"] if shrink else [])
             + [_pct(r["service_level"]), _short_sec(r["asa_s"]), _pct(r["p_abandon"]),
                _pct(r["occupancy"])] for r in table["intervals"]]
    t = table["totals"]
    total = ["total", f"{t['calls']:,.1f}", "", f"{t['agent_hours']:,.1f} h"] + (
        [f"{t['rostered_hours']:,.1f} h"] if shrink else []) + [
        _pct(t["service_level"]), "", "", _pct(t["occupancy"])]
    widths = [max(len(row[i]) for row in [head, *lines, total]) for i in range(len(head))]

    def fmt(row: list[str]) -> str:
        return "  ".join([row[0].ljust(widths[0])]
                         + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)])

    model = "Erlang A" if table["model"] == "erlang_a" else "Erlang C"
    how = ("SIPP: each interval at its mean rate" if table["method"] == "sipp" else
           "offered load m(t), m' = lambda - m / AHT, the profile repeating")
    goal = (f"target {_pct(table['target_sl'])} within {_dur(table['answer_within_s'])}"
            if table["target_sl"] is not None else
            f"{table['intervals'][0]['agents']} agents, service within "
            f"{_dur(table['answer_within_s'])}")
    title = [f"{model}, {how}; {goal}; AHT {_dur(table['aht_s'])}, intervals of "
             f"{_dur(table['interval_s'])}"]
    if shrink:
        title.append(f"rostered = agents / (1 - shrinkage {_pct(table['shrinkage'])}), "
                     "rounded up")
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([*title, fmt(head), rule, *map(fmt, lines), rule, fmt(total)])


def _short_sec(value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    return "unbounded" if math.isinf(value) else f"{value:.1f} s"


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{100.0 * value:.2f} %"


def _sec(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "unbounded (queue unstable: load >= agents)"
    return f"{value:.2f} s"


def _dur(value: float | None) -> str:
    return "-" if value is None else f"{value:g} s"


def format_table(result: Result) -> str:
    """Human-readable summary of a :func:`erlang_calculator` result.

    Parameters
    ----------
    result : dict
        A result of :func:`erlang_calculator`.

    Returns
    -------
    str
        A multi-line text block (agents, percentages, seconds); no trailing newline.
    """
    erlang_a = result["model"] == "erlang_a"
    title = (
        "Erlang A (M/M/n+M: exponential patience, callers may abandon)"
        if erlang_a
        else "Erlang C (M/M/n: infinite patience, nobody abandons)"
    )
    t_s = result["answer_within_s"]
    rows: list[tuple[str, str]] = [
        ("calls per hour", f"{result['calls_per_hour']:g}"),
        ("average handle time", _dur(result["aht_s"])),
    ]
    if erlang_a:
        rows.append(("mean patience", _dur(result["patience_s"])))
    rows.append(("offered load", f"{result['load_erlangs']:.3f} Erlangs"))
    if result["target_sl"] is not None:
        rows.append(("target", f"{_pct(result['target_sl'])} answered within {_dur(t_s)}"))
        rows.append(("agents needed", f"{result['agents']}"))
        rows.append(("agents (fractional)", f"{result['agents_fractional']:.2f}"))
    else:
        rows.append(("agents", f"{result['agents']}"))
    rows.append(
        (f"service level ({_dur(t_s)})", f"{_pct(result['service_level'])}  "
         f"[{result['service_level_definition']}]")
    )
    if erlang_a:
        rows.append(("  offered wait <= T", _pct(result["p_offered_wait_le_t"])))
        rows.append(("  answered within T / answered", _pct(result["service_level_answered"])))
    rows.append(("ASA (answered calls)", _sec(result["asa_s"])))
    if erlang_a:
        rows.append(("mean wait (all callers)", _sec(result["mean_wait_all_s"])))
    rows.append(("P(wait)", _pct(result["p_wait"])))
    rows.append(("abandoned", _pct(result["p_abandon"])))
    rows.append(("occupancy", _pct(result["occupancy"])))
    if "shrinkage" in result:
        parts = ", ".join(f"{k} {_pct(v)}" for k, v in result["shrinkage_parts"].items())
        rows.append(("shrinkage", f"{_pct(result['shrinkage'])}  [{parts}]"))
        rows.append(("rostered headcount", f"{result['rostered_headcount']}  "
                     f"({result['rostered_fractional']:.2f} = agents / (1 - shrinkage))"))
    width = max(len(label) for label, _ in rows)
    return "\n".join([title, *(f"  {label:<{width}}  {value}" for label, value in rows)])


def _json_safe(value: object) -> object:
    import numpy as np

    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def to_json(result: Result | dict) -> str:
    """One JSON object for a :func:`erlang_calculator` result.

    Parameters
    ----------
    result : dict
        A result of :func:`erlang_calculator`.

    Returns
    -------
    str
        Strict JSON (one line): ``inf`` and ``nan`` become ``null`` (e.g. the ASA of an
        unstable Erlang C queue).
    """
    return json.dumps(_json_safe(result), allow_nan=False)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``tracesim erlang`` to ``parser``.

    Numbers are typed by argparse; durations stay strings and are parsed by
    :func:`main_from_args` with :func:`sim.basics.units.parse_duration`, which also checks the
    values and the choice between ``--target-sl`` and ``--agents``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The (sub)parser of the ``erlang`` command.
    """
    parser.add_argument("--calls-per-hour", type=float, metavar="X",
                        help="arrival rate, calls per hour (or --profile)")
    parser.add_argument("--profile", metavar="FILE",
                        help="CSV of expected calls per interval (a 'calls' column, optional "
                        "'start' label): print an interval-by-interval table")
    parser.add_argument("--interval", default="1h", metavar="D",
                        help="length of one --profile row (default: 1h)")
    parser.add_argument("--method", choices=("sipp", "offered_load"), default="sipp",
                        help="--profile staffing: sipp (each interval at its mean rate, the "
                        "default) or offered_load (m(t), lagging the calls by about one AHT)")
    parser.add_argument("--shrinkage", metavar="S",
                        help="share of rostered time off the phones, e.g. 0.3, or parts "
                        "breaks=0.08,absence=0.05,not_logged_in=0.1 (combined as "
                        "1 - prod(1 - s)): adds the rostered headcount")
    parser.add_argument("--aht", required=True, metavar="D",
                        help="average handle time, a duration with a unit: 180s, 3min, PT3M")
    parser.add_argument("--patience", metavar="D",
                        help="mean patience (duration); given: Erlang A with abandonment, "
                        "else Erlang C")
    parser.add_argument("--answer-within", default="20s", metavar="D",
                        help="answer-time threshold T of the service level (default: 20s)")
    parser.add_argument("--target-sl", type=float, metavar="P",
                        help="service-level target in (0, 1), e.g. 0.8: print the agents needed")
    parser.add_argument("--agents", type=int, metavar="N",
                        help="number of agents: print the service level, ASA, P(wait), "
                        "abandonment and occupancy")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of a table")


def _duration(option: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:  # a bare number: only 0 is unambiguous (as in parse_duration)
        if number == 0:
            return 0.0
        raise ValueError(f"{option}: '{text}' has no unit; {DURATION_HINT}")
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def main_from_args(args: argparse.Namespace) -> int:
    """Run ``tracesim erlang`` with parsed arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Arguments from a parser prepared with :func:`add_arguments`.

    Returns
    -------
    int
        ``0`` after printing the table (or the JSON object with ``--json``) to stdout;
        ``2`` after printing one line ``tracesim erlang: error: ...`` to stderr for bad
        input.
    """
    try:
        if (args.target_sl is None) == (args.agents is None):
            raise ValueError("give exactly one of --target-sl P and --agents N")
        if (args.calls_per_hour is None) == (args.profile is None):
            raise ValueError("give exactly one of --calls-per-hour X and --profile FILE")
        aht_s = _duration("--aht", args.aht)
        patience_s = _duration("--patience", args.patience)
        answer_within_s = _duration("--answer-within", args.answer_within)
        parts = None if args.shrinkage is None else parse_shrinkage(args.shrinkage)
        assert aht_s is not None and answer_within_s is not None
        common = {"aht_s": aht_s, "answer_within_s": answer_within_s,
                  "target_sl": args.target_sl, "agents": args.agents, "patience_s": patience_s}
        if args.profile is not None:
            text = _profile_output(args, common, parts)
        else:
            result = erlang_calculator(calls_per_hour=args.calls_per_hour, **common)
            if parts is not None:
                _add_shrinkage(result, parts)
            text = to_json(result) if args.json else format_table(result)
    except ValueError as exc:
        message = " ".join(str(exc).split())  # always one line
        print(f"{_PROG}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(text)
    return EXIT_OK


def _add_shrinkage(result: Result, parts: dict[str, float]) -> None:
    total = total_shrinkage(parts)
    whole, fractional = rostered_headcount(result["agents"], total)
    result["shrinkage"] = total
    result["shrinkage_parts"] = parts
    result["rostered_headcount"] = whole
    result["rostered_fractional"] = fractional


def _profile_output(args: argparse.Namespace, common: dict,
                    parts: dict[str, float] | None) -> str:
    interval_s = _duration("--interval", args.interval)
    if not interval_s or interval_s <= 0:
        raise ValueError("--interval must be a duration > 0, e.g. 1h or 30min")
    profile = read_profile(args.profile, interval_s)
    shrinkage = None if parts is None else total_shrinkage(parts)
    table = profile_table(profile, method=args.method, shrinkage=shrinkage, **common)
    if parts is not None:
        table["shrinkage_parts"] = parts
    return to_json(table) if args.json else format_profile_table(table)
