"""Erlang calculator behind ``tracesim erlang``: staffing for a target, or metrics for n agents.

Two questions, one function (:func:`erlang_calculator`):

* *How many agents?* Given the calls per hour, the average handle time (AHT), the
  answer-time threshold ``T`` and a service-level target, return the smallest integer
  number of agents that meets the target, a fractional value, and the metrics at that
  integer number of agents.
* *What service with n agents?* Given ``agents``, return the service level, the average
  speed of answer (ASA), P(wait), the abandonment probability and the occupancy.

Without a patience the model is Erlang C (M/M/n, nobody abandons); with a mean patience
it is Erlang A (M/M/n+M, exponential patience). All formulas come from :mod:`sim.theory`;
this module adds the ASA of answered calls in Erlang A, the output formats (text table and
JSON) and the command-line glue (:func:`add_arguments`, :func:`main_from_args`).

Service-level definitions (they differ once callers abandon; every result names its own):

* Erlang C: ``P(wait <= T)``.
* Erlang A: answered within ``T`` divided by *all* arrivals (abandoned callers count as
  failures), theory's ``service_level_all``. The two other definitions are reported as
  well: ``p_offered_wait_le_t`` and ``service_level_answered``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TypedDict

import numpy as np

from sim import theory
from sim.units import DURATION_HINT, HOUR_S, parse_duration

__all__ = ["add_arguments", "erlang_calculator", "format_table", "main_from_args", "to_json"]

#: Exit codes shared with ``sim.cli``.
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
          target (see :func:`sim.theory.agents_for_service_level`); with ``agents`` it is
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
    birth-death chain (:func:`sim.theory.erlang_a_state_probabilities`). For ``k < n``
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
    width = max(len(label) for label, _ in rows)
    return "\n".join([title, *(f"  {label:<{width}}  {value}" for label, value in rows)])


def _json_safe(value: object) -> object:
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


def to_json(result: Result) -> str:
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
    :func:`main_from_args` with :func:`sim.units.parse_duration`, which also checks the
    values and the choice between ``--target-sl`` and ``--agents``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The (sub)parser of the ``erlang`` command.
    """
    parser.add_argument("--calls-per-hour", type=float, required=True, metavar="X",
                        help="arrival rate, calls per hour")
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
        aht_s = _duration("--aht", args.aht)
        patience_s = _duration("--patience", args.patience)
        answer_within_s = _duration("--answer-within", args.answer_within)
        assert aht_s is not None and answer_within_s is not None
        result = erlang_calculator(
            calls_per_hour=args.calls_per_hour,
            aht_s=aht_s,
            answer_within_s=answer_within_s,
            target_sl=args.target_sl,
            agents=args.agents,
            patience_s=patience_s,
        )
    except ValueError as exc:
        message = " ".join(str(exc).split())  # always one line
        print(f"{_PROG}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(to_json(result) if args.json else format_table(result))
    return EXIT_OK
