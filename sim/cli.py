"""The ``tracesim`` command line. It only calls the public API.

Commands::

    tracesim run [SCENARIO] [--out DIR] [--replications N] [--seed S] [--jobs J]
                 [--set dotted.path=value ...] [--no-figures] [--overwrite]
    tracesim validate FILE [FILE ...]
    tracesim schema
    tracesim erlang --calls-per-hour X --aht D [--patience D]
                    [--answer-within D --target-sl P | --agents N] [--json]

Exit codes: 0 success, 1 the run failed, 2 bad input (scenario, data file,
arguments), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import calculator
from sim.epidemic import DataError, ParameterError
from sim.scenario import ScenarioError, default_scenario_path, json_schema, load_scenario

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

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
    def error(self, message: str) -> None:  # one line, exit 2
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
        m = results.metric(name)
        ci = ""
        if m["ci_low"] == m["ci_low"] and results.replications > 1:
            ci = f"  (95 % CI {_fmt(m['ci_low'], kind, currency)} .. " \
                 f"{_fmt(m['ci_high'], kind, currency)})"
        print(f"  {label:<44} {_fmt(m['mean'], kind, currency):>16}{ci}")


def _cmd_run(args: argparse.Namespace) -> int:
    import sim

    path = Path(args.scenario) if args.scenario else default_scenario_path()
    scenario = load_scenario(path, args.overrides)
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
                      jobs=args.jobs, progress=not args.quiet)
    results.save(out, figures=not args.no_figures, overwrite=args.overwrite)
    if not args.quiet:
        _print_summary(results)
        print(f"results written to {out}/")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.files:
        try:
            scenario = load_scenario(name, args.overrides)
        except ScenarioError as exc:
            for line in exc.problems:
                print(line, file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{name}: ok ({scenario.name}, {scenario.calendar.days} days, "
                  f"{scenario.epidemic.model} epidemic, {scenario.staffing.policy} staffing)")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tracesim`` console script.

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
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "erlang":
            return calculator.main_from_args(args)
        if args.command == "schema":
            print(json.dumps(json_schema(), indent=2))
            return EXIT_OK
    except ScenarioError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (DataError, ParameterError) as exc:
        print(f"tracesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as exc:
        print(f"tracesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("tracesim: interrupted; no results written", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
