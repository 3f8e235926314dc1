"""The ``tracesim`` command line. It only calls the public API.

Commands::

    tracesim run [SCENARIO] [--out DIR] [--replications N] [--seed S] [--jobs J]
                 [--set dotted.path=value ...] [--no-figures] [--overwrite]
                 [--attribute-idle]
    tracesim compare A.yaml B.yaml [...] --out DIR [--replications N] [--seed S]
                 [--jobs J] [--set dotted.path=value ...] [--attribute-idle]
                 [--no-figures] [--overwrite]
    tracesim validate FILE [FILE ...]
    tracesim schema
    tracesim erlang --calls-per-hour X --aht D [--patience D]
                    [--answer-within D --target-sl P | --agents N] [--json]

``run --attribute-idle`` also runs the oracle policy on the same seeds and
splits the idle hours into unavoidable (the oracle's) and avoidable
(:func:`sim.compare.attribute_idle`). ``compare`` runs every scenario with the
same seed and replications (common random numbers) and writes
``comparison.csv`` with paired differences against the first scenario
(:func:`sim.compare.compare`); its seed is ``--seed``, else the first
scenario's ``simulation.seed``, else drawn and printed, and its replications
``--replications``, else the first scenario's ``simulation.replications``.

Exit codes: 0 success, 1 the run failed (or ``rerun`` found a difference),
2 bad input (scenario, data file, arguments, a run too large without
``--force``), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). An
interrupted run stops its worker processes and leaves no results directory.
"""

from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from sim import calculator
from sim.epidemic import DataError, ParameterError
from sim.errors import one_line
from sim.experiment import SizeError
from sim.replay import ResultsError
from sim.scenario import ScenarioError, default_scenario_path, json_schema, load_scenario

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143

HEADLINE = (
    ("idle_share", "idle share of paid time", "pct"),
    ("occupancy", "occupancy (busy / (busy + idle))", "pct"),
    ("paid_hours", "paid agent-hours", "num"),
    ("total_cost", "total cost", "money"),
    ("cost_per_handled_call", "cost per handled call", "money"),
    ("index_reached_within_deadline_share", "index cases reached within deadline", "pct"),
    ("contacts_reached_within_deadline_share", "contacts reached within deadline", "pct"),
    ("inbound_service_level", "inbound answered within target / offered", "pct"),
    ("inbound_abandon_share", "inbound abandoned / offered", "pct"),
    ("max_backlog", "max backlog (open outbound tasks)", "num"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"tracesim: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tracesim", description="Simulate a contact-tracing call centre.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write a results directory")
    run.add_argument("scenario", nargs="?", help="scenario YAML (default: the bundled "
                     "Flanders autumn-2020 scenario)")
    run.add_argument("--out", help="results directory (default: results/<scenario name>)")
    run.add_argument("--replications", "-r", type=int, help="replications (default: from YAML)")
    run.add_argument("--seed", type=int, help="seed (default: from YAML, else drawn and recorded)")
    run.add_argument("--jobs", "-j", type=int, help="worker processes (default: all cores)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="PATH=VALUE", help="override a scenario field, e.g. "
                     "--set staffing.headcount=900 (repeatable)")
    run.add_argument("--no-figures", action="store_true", help="do not write figures")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an existing results directory")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    run.add_argument("--force", action="store_true",
                     help="run even when the size estimate is beyond the limits")
    run.add_argument("--attribute-idle", action="store_true",
                     help="also run the oracle policy on the same seeds and split the idle "
                     "hours into unavoidable and avoidable")

    compare = sub.add_parser("compare", help="run scenarios with common random numbers and "
                             "compare them with the first")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                         help="scenario YAML files (at least two; the first is the reference)")
    compare.add_argument("--out", required=True, help="comparison directory")
    compare.add_argument("--replications", "-r", type=int,
                         help="replications (default: the first scenario's)")
    compare.add_argument("--seed", type=int,
                         help="seed (default: the first scenario's, else drawn and printed)")
    compare.add_argument("--jobs", "-j", type=int, help="worker processes (default: all cores)")
    compare.add_argument("--set", dest="overrides", action="append", default=[],
                         metavar="PATH=VALUE", help="override a field of every scenario "
                         "(repeatable)")
    compare.add_argument("--attribute-idle", action="store_true",
                         help="attribute each scenario's idle time against the oracle")
    compare.add_argument("--no-figures", action="store_true", help="do not write the figure")
    compare.add_argument("--overwrite", action="store_true",
                         help="replace an existing comparison directory")
    compare.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    compare.add_argument("--force", action="store_true",
                         help="run even when the size estimate is beyond the limits")

    rerun = sub.add_parser("rerun", help="run a results directory's scenario and seed again "
                           "and say whether the tables match")
    rerun.add_argument("results", help="results directory written by tracesim run")
    rerun.add_argument("--jobs", "-j", type=int, help="worker processes (default: all cores)")

    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="PATH=VALUE")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")

    erlang = sub.add_parser("erlang", help="analytic staffing calculator (Erlang C / Erlang A)")
    calculator.add_arguments(erlang)
    return parser


def _fmt(value: float, kind: str, currency: str) -> str:
    if value != value:  # NaN
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f} %"
    if kind == "money":
        return f"{value:,.2f} {currency}"
    return f"{value:,.0f}"


def _print_summary(results) -> None:
    currency = results.scenario.costs.currency
    print(f"{results.scenario.name}: {results.replications} replications, seed {results.seed}")
    for name, label, kind in HEADLINE:
        print(_metric_line(results.metric(name), label, kind, currency, results.replications))
    if "idle_attribution" in results.tables:
        _print_attribution(results)


ATTRIBUTION = (
    ("idle_hours", "idle agent-hours", "num"),
    ("unavoidable_idle_hours", "unavoidable (the oracle's idle)", "num"),
    ("avoidable_idle_hours", "avoidable (idle above the oracle's)", "num"),
    ("avoidable_idle_cost", "avoidable idle cost (at the agent rate)", "money"),
)


def _metric_line(m: dict[str, float], label: str, kind: str, currency: str, n: int) -> str:
    ci = ""
    if m["ci_low"] == m["ci_low"] and n > 1:
        ci = f"  (95 % CI {_fmt(m['ci_low'], kind, currency)} .. " \
             f"{_fmt(m['ci_high'], kind, currency)})"
    return f"  {label:<44} {_fmt(m['mean'], kind, currency):>16}{ci}"


def _print_attribution(results) -> None:
    currency = results.scenario.costs.currency
    print("  idle attribution against the oracle policy (same seeds, same service target;"
          " paired CIs):")
    for name, label, kind in ATTRIBUTION:
        print(_metric_line(results.metric(name), label, kind, currency, results.replications))
    if results.metric("avoidable_idle_hours")["mean"] < 0:
        oracle = results.tables["oracle_summary"].set_index("metric")["mean"]
        own = results.tables["summary"].set_index("metric")["mean"]
        print("  negative: this policy idled less than the oracle, i.e. it staffed below it; "
              "compare the service:")
        for name, label, kind in HEADLINE:
            if name in ("index_reached_within_deadline_share", "inbound_service_level"):
                print(f"    {label:<42} {_fmt(own[name], kind, currency):>10} here, "
                      f"{_fmt(oracle[name], kind, currency)} for the oracle")


def _cmd_run(args: argparse.Namespace) -> int:
    import sim

    path = Path(args.scenario) if args.scenario else default_scenario_path()
    scenario = _load(path, args.overrides)
    if args.replications is not None and args.replications < 1:
        raise ScenarioError(["--replications: must be at least 1"])
    if args.jobs is not None and args.jobs < 1:
        raise ScenarioError(["--jobs: must be at least 1"])
    out = Path(args.out) if args.out else Path("results") / scenario.name
    if out.exists() and not args.overwrite:
        print(f"tracesim: error: {out} exists; choose another --out or pass --overwrite",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    results = sim.run(scenario, replications=args.replications, seed=args.seed,
                      jobs=args.jobs, progress=not args.quiet, force=args.force)
    if args.attribute_idle:
        from sim.compare import attribute_idle

        results = attribute_idle(results, jobs=args.jobs, progress=not args.quiet)
    results.save(out, figures=not args.no_figures, overwrite=args.overwrite)
    if not args.quiet:
        _print_summary(results)
        print(f"results written to {out}/")
    return EXIT_OK


def _cell(row, metric: str, kind: str, currency: str, diff: bool = False) -> str:
    """``mean ± half-width of the 95 % CI`` of a comparison-table cell."""
    prefix = f"{metric}_diff" if diff else metric
    mean, lo, hi = (row.get(f"{prefix}_{s}", float("nan")) for s in ("mean", "ci_low", "ci_high"))
    if mean != mean:
        return "n/a"
    half = (hi - lo) / 2 if lo == lo else None
    scale, digits, unit = {"pct": (100.0, 1, " pt" if diff else " %"),
                           "money": (1.0, 2, f" {currency}")}.get(kind, (1.0, 0, " h"))
    text = f"{mean * scale:{'+' if diff else ''},.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = f"{0:.{digits}f}"  # no "-0.0" or "+0.0"
    if half is not None:
        text += f" ± {half * scale:,.{digits}f}"
    return text + unit


def _print_comparison(comparison) -> None:
    table = comparison.table
    first = comparison.results[0]
    currency = first.scenario.costs.currency
    columns = [("idle_share", "idle share", "pct")]
    if "avoidable_idle_hours_mean" in table.columns:
        columns.append(("avoidable_idle_hours", "avoidable idle", "num"))
    columns += [("cost_per_handled_call", "cost / handled call", "money"),
                ("index_reached_within_deadline_share", "index within deadline", "pct"),
                ("contacts_reached_within_deadline_share", "contacts within deadline", "pct")]
    if table["inbound_service_level_mean"].notna().any():  # the price of a low idle share
        columns.append(("inbound_service_level", "inbound SL", "pct"))
    rows = [["scenario"] + [label for _, label, _ in columns]]
    records = table.to_dict(orient="records")
    for row in records:
        rows.append([str(row["scenario"])]
                    + [_cell(row, m, kind, currency) for m, _, kind in columns])
    for row in records[1:]:
        rows.append([f"Δ {row['scenario']}"]
                    + [_cell(row, m, kind, currency, diff=True) for m, _, kind in columns])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"comparison: {len(records)} scenarios, {comparison.replications} replications each, "
          f"seed {comparison.seed} (common random numbers)")
    for i, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:],
                                                                       strict=True)]
        print("  " + "  ".join(cells))
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))
    print(f"  ± half-width of the 95 % CI; Δ: paired difference against {first.scenario.name!r}")


def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import compare

    if len(args.scenarios) < 2:
        raise ScenarioError(["compare: give at least two scenarios (the first is the "
                             "reference)"])
    scenarios, problems = [], []
    for name in args.scenarios:
        try:
            scenarios.append(_load(name, args.overrides))
        except ScenarioError as exc:
            problems += exc.problems
    if args.replications is not None and args.replications < 1:
        problems.append("--replications: must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        problems.append("--jobs: must be at least 1")
    if problems:
        raise ScenarioError(problems)
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        print(f"tracesim: error: {out} exists; choose another --out or pass --overwrite",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    sim_cfg = scenarios[0].simulation
    seed = args.seed if args.seed is not None else sim_cfg.seed
    if seed is None:
        seed = secrets.randbits(32)
        print(f"seed {seed} (drawn; pass --seed {seed} to repeat)")
    replications = args.replications if args.replications is not None else sim_cfg.replications
    comparison = compare(scenarios, replications=replications, seed=seed, jobs=args.jobs,
                         attribute=args.attribute_idle, progress=not args.quiet)
    comparison.save(out, overwrite=args.overwrite, figures=not args.no_figures)
    if not args.quiet:
        _print_comparison(comparison)
        print(f"comparison written to {out}/")
    return EXIT_OK


def _load(path, overrides):
    """Load a scenario, printing its warnings (one line each) to stderr."""
    warnings: list[str] = []
    scenario = load_scenario(path, overrides, warnings=warnings)
    for line in warnings:
        print(line, file=sys.stderr)
    return scenario


def _cmd_rerun(args: argparse.Namespace) -> int:
    from sim.replay import rerun

    report = rerun(args.results, jobs=args.jobs)
    for line in report.lines:
        print(line)
    return EXIT_OK if report.matches else EXIT_FAILED


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.files:
        try:
            scenario = _load(name, args.overrides)
        except ScenarioError as exc:
            for line in exc.problems:
                print(line, file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{name}: ok ({scenario.name}, {scenario.calendar.days} days, "
                  f"{scenario.epidemic.model} epidemic, {scenario.staffing.policy} staffing)")
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "compare": _cmd_compare,
    "validate": _cmd_validate,
    "rerun": _cmd_rerun,
    "erlang": calculator.main_from_args,
    "schema": _cmd_schema,
}


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup runs as for Ctrl-C."""


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated()


_BAD_INPUT = (ScenarioError, DataError, ParameterError, FileExistsError, SizeError, ResultsError)
_EXPECTED = (*_BAD_INPUT, OSError, KeyboardInterrupt, Terminated)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``tracesim`` console script.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.
    """
    args = _parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _COMMANDS[args.command](args)
    except _EXPECTED as exc:
        return _report(exc)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(exc: BaseException) -> int:
    """Print why a command stopped (one line per problem) and return its exit code."""
    if isinstance(exc, ScenarioError):
        for line in exc.problems:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, _BAD_INPUT):
        print(f"tracesim: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        print(f"tracesim: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, KeyboardInterrupt):
        print("tracesim: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    print("tracesim: terminated; no results written", file=sys.stderr)
    return EXIT_TERMINATED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
