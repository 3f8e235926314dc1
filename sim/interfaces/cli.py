"""The ``tracesim`` command line: it parses, calls the public API, and prints.

All its work goes through :mod:`sim.interfaces.api`; it holds no logic of its own.

Before the API (which imports everything) it imports only what the start-up
needs: the error classes, the folder names and lock (:mod:`sim.outputs.writer`),
the process forked early to draw the figures (:mod:`sim.plumbing.forked`), the
garbage collector's pause and the Erlang calculator's parser.

Commands::

    tracesim run [SCENARIO] [--out DIR] [--replications N] [--seed S] [--jobs J]
                 [--set dotted.path=value ...] [--no-figures] [--overwrite]
                 [--attribute-idle [--bound optimal|analytic]]
    tracesim compare A.yaml B.yaml [...] --out DIR [--replications N] [--seed S]
                 [--jobs J] [--set dotted.path=value ...]
                 [--attribute-idle [--bound optimal|analytic]]
                 [--no-figures] [--overwrite]
    tracesim sweep [SCENARIO] --vary PATH=VALUES [--vary ...] [--design sobol|lhs N]
                 [--x METRIC] [--y METRIC] [run's options]
    tracesim optimise [SCENARIO] --vary PATH=LO..HI [...] --minimise METRIC
                 [--require 'METRIC>=X' ...] [--method M] [--max-evaluations N]
                 [run's options]
    tracesim validate FILE [FILE ...]
    tracesim schema
    tracesim report RESULTS_DIR [--out FILE.html] [--overwrite] [--jobs J]
    tracesim --version

``run`` and ``compare`` write PNG figures (``--svg``: SVG too) and, with
``--report``, ``report.html`` (:mod:`sim.outputs.report`) in their directory. A bare
``tracesim`` prints the usage and the commands.

``run``, ``compare``, ``sweep`` and ``optimise`` take ``--executor local|dask``
and ``--scheduler ADDRESS`` (:mod:`sim.experiments.executor`). ``sweep`` and ``optimise``
(:mod:`sim.experiments.sweep`, :mod:`sim.experiments.optimise`) cache every point in
``OUT/cache`` and read it back when run again. Every command that writes a folder
writes it the same way (:func:`sim.outputs.writer.write_folder`).

    tracesim erlang (--calls-per-hour X | --profile FILE [--interval D]
                    [--method sipp|offered_load]) --aht D [--patience D]
                    [--answer-within D --target-sl P | --agents N]
                    [--shrinkage S] [--json]

``run --attribute-idle`` also runs the least-staffing bound (``--bound
optimal``, the default, found by simulation; ``--bound analytic``, the fast
oracle) on the same seeds, splits the idle hours into unavoidable (the
bound's) and avoidable, and says whether the bound met its targets
(:func:`sim.experiments.attribution.attribute_idle`); ``compare --attribute-idle`` does the
same for every scenario, with the same ``--bound``. ``compare`` runs every
scenario with the same seed and replications (common random numbers) and writes
``comparison.csv`` with paired differences against the first scenario
(:func:`sim.experiments.compare.compare`); its seed is ``--seed``, else the first
scenario's ``simulation.seed``, else drawn and printed, and its replications
``--replications``, else the first scenario's ``simulation.replications``.

Exit codes: 0 success, 1 the run failed (or ``rerun`` found a difference),
2 bad input (scenario, data file, arguments, a run too large without
``--force``), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). An
interrupted run stops its worker processes and leaves no results directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

from sim.basics.errors import (
    DataError,
    OutputError,
    ParameterError,
    ReportError,
    ResultsError,
    ScenarioError,
    SizeError,
    SweepError,
    one_line,
)
from sim.interfaces import calculator
from sim.outputs.figure_work import prepare as prepare_figures
from sim.outputs.writer import (
    check_out_path,
    check_replaceable,
    directory_lock,
    notice,
    safe_folder_name,
)
from sim.plumbing import collector
from sim.plumbing.forked import forked_worker

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143

#: The metrics printed after a run (labels, units and formats: the metric catalogue).
HEADLINE = ("idle_share", "occupancy", "paid_hours", "total_cost", "cost_per_handled_call",
            "index_reached_within_deadline_share", "contacts_reached_within_deadline_share",
            "inbound_service_level", "inbound_abandon_share", "max_backlog")


#: ``--bound``: :data:`sim.experiments.attribution.BOUNDS`, written out so that building the
#: parser imports
#: nothing heavy (a test checks that they agree).
BOUND_CHOICES = ("optimal", "analytic")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        self.exit(EXIT_BAD_INPUT, f"tracesim: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tracesim", description="Simulate a contact-tracing call centre.",
                     epilog="Run 'tracesim COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"tracesim {_version()}")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND",
                                parser_class=_Parser)

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
    run.add_argument("--svg", action="store_true", help="also write the figures as SVG "
                     "(PNG only by default)")
    run.add_argument("--report", action="store_true",
                     help="also write report.html, a one-file report, in the results directory")
    run.add_argument("--excel", action="store_true", help="also write results.xlsx (summary, "
                     "daily, monthly, agents; needs openpyxl: pip install 'tracesim[excel]')")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an existing results directory")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    run.add_argument("--force", action="store_true",
                     help="run even when the size estimate is beyond the limits")
    run.add_argument("--attribute-idle", action="store_true",
                     help="also run the least-staffing bound on the same seeds and split the "
                     "idle hours into unavoidable and avoidable")
    _add_bound_option(run)

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
                         help="attribute each scenario's idle time against the least-staffing "
                         "bound on the same seeds")
    _add_bound_option(compare)
    compare.add_argument("--no-figures", action="store_true", help="do not write the figure")
    compare.add_argument("--svg", action="store_true", help="also write the figures as SVG")
    compare.add_argument("--report", action="store_true", help="also write report.html, a "
                         "one-file report, in the comparison directory")
    compare.add_argument("--overwrite", action="store_true",
                         help="replace an existing comparison directory")
    compare.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    compare.add_argument("--force", action="store_true",
                         help="run even when the size estimate is beyond the limits")

    _add_executor_options(run)
    _add_executor_options(compare)
    _add_sweep_parsers(sub)

    rerun = sub.add_parser("rerun", help="run a results directory's scenario and seed again "
                           "and say whether the tables match")
    rerun.add_argument("results", help="results directory written by tracesim run")
    rerun.add_argument("--jobs", "-j", type=int, help="worker processes (default: all cores)")

    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("files", nargs="+")
    validate.add_argument("--set", dest="overrides", action="append", default=[],
                          metavar="PATH=VALUE")

    sub.add_parser("schema", help="print the JSON Schema of scenario files")

    report = sub.add_parser("report", help="write a one-file HTML report of a results or "
                            "comparison directory")
    report.add_argument("results", metavar="RESULTS_DIR",
                        help="directory written by tracesim run or tracesim compare")
    report.add_argument("--out", help="HTML file (default: RESULTS_DIR/report.html)")
    report.add_argument("--overwrite", action="store_true", help="replace an existing file")
    report.add_argument("--jobs", "-j", type=int, help="processes drawing the figures "
                        "(default: all cores)")

    erlang = sub.add_parser("erlang", help="analytic staffing calculator (Erlang C / Erlang A)")
    calculator.add_arguments(erlang)
    return parser


def _add_bound_option(parser: argparse.ArgumentParser) -> None:
    """``--bound optimal|analytic``, the bound of ``--attribute-idle`` (run and compare)."""
    parser.add_argument("--bound", choices=BOUND_CHOICES, default="optimal",
                        help="bound for --attribute-idle: the least staffing found by simulation "
                        "(optimal, the default) or the fast analytic oracle")


def _print_summary(results) -> None:
    from sim.interfaces.api import label_context_of

    context = label_context_of(results.scenario)
    print(f"{results.scenario.name}: {results.replications} replications, seed {results.seed}")
    if "idle_by_cause" in results.tables:
        _print_idle_by_cause(results, context)
    for name in HEADLINE:
        print(_metric_line(name, results.metric(name), context, results.replications))
    if "idle_attribution" in results.tables:
        _print_attribution(results, context)


#: The idle attribution printed after ``--attribute-idle``.
ATTRIBUTION = ("idle_hours", "unavoidable_idle_hours", "avoidable_idle_hours",
               "avoidable_idle_cost")


def _value(name: str, value: float, context: dict[str, str], signed: bool = False) -> str:
    """Write a metric's value as people read it, with its unit (the catalogue's formatter)."""
    from sim.interfaces.api import metric

    return metric(name).format(value, context.get("currency", ""), signed=signed)


def _metric_line(name: str, m: dict[str, float], context: dict[str, str], n: int) -> str:
    from sim.interfaces.api import metric

    ci = ""
    if m["ci_low"] == m["ci_low"] and n > 1:
        ci = (f"  (95 % CI {_value(name, m['ci_low'], context)} .. "
              f"{_value(name, m['ci_high'], context)})")
    return f"  {metric(name).label_in(context):<48} {_value(name, m['mean'], context):>16}{ci}"


def _print_idle_by_cause(results, context: dict[str, str]) -> None:
    """Print the ladder's one sentence, then each cause with its CI, cost and targets."""
    from sim.interfaces.api import idle_sentence

    table = results.tables["idle_by_cause"]
    print(f"  {idle_sentence(table)}")
    currency = context.get("currency", "")
    for row in table.itertuples():
        mark = "" if row.met_targets else f"  (step missed its targets: {row.why})"
        print(f"    {row.step}. {row.cause:<58} {row.idle_hours:>12,.0f} h "
              f"(95 % CI {row.ci_low:,.0f} .. {row.ci_high:,.0f})  "
              f"{row.cost:>14,.0f} {currency}{mark}")


def _print_attribution(results, context: dict[str, str]) -> None:
    from sim.interfaces.api import BOUND_NAMES

    bound = BOUND_NAMES[results.run_info.get("bound", "analytic")][0]
    print(f"  idle attribution against the {bound} (same seeds, same targets; paired CIs):")
    for name in ATTRIBUTION:
        print(_metric_line(name, results.metric(name), context, results.replications))
    if results.metric("avoidable_idle_hours")["mean"] < 0:
        oracle = results.tables["oracle_summary"].set_index("metric")["mean"]
        own = results.tables["summary"].set_index("metric")["mean"]
        print(f"  negative: this policy idled less than the {bound}, i.e. it staffed below "
              "it; compare the service:")
        for name in ("index_reached_within_deadline_share", "inbound_service_level"):
            print(f"    {name:<42} {_value(name, own[name], context):>10} here, "
                  f"{_value(name, oracle[name], context)} for the {bound}")


def _cmd_run(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        # First the modules the figures need too (pandas brings numpy and pyarrow), then a
        # process that imports matplotlib while this one imports the rest: it shares them.
        import pandas  # noqa: F401
        drawer = None if args.no_figures else forked_worker(prepare_figures)
        if drawer is not None:
            stack.enter_context(drawer)
        from sim.interfaces import api

        path = Path(args.scenario) if args.scenario else api.default_scenario_path()
        problems = _run_arg_problems(args)
        out = check_out_path(args.out) if args.out else None
        if problems:
            raise ScenarioError(problems)
        scenario = _load(path, args.overrides)
        _start_up_over()
        out = out or Path("results") / safe_folder_name(scenario.name)
        replications = args.replications or scenario.simulation.replications
        jobs = _capped_jobs(args.jobs, replications)
        with directory_lock(out):  # one writer per results directory, from now to the end
            check_replaceable(out, args.overwrite)
            results = api.run(scenario, replications=args.replications, seed=args.seed,
                              jobs=jobs, progress=not args.quiet, force=args.force)
            if args.attribute_idle:
                results = api.attribute_idle(results, jobs=jobs, progress=not args.quiet,
                                             bound=args.bound)
            results.run_info["scenario_file"] = str(path.resolve())  # for the report's notes
            results.save(out, figures=not args.no_figures, overwrite=args.overwrite,
                         excel=args.excel, figure_formats=_formats(args), jobs=jobs,
                         figure_process=drawer, report=args.report)
    _print_run_end(results, out, args)
    return EXIT_OK


def _print_run_end(results, out: Path, args: argparse.Namespace) -> None:
    """After a run: the tables left out, the headline figures and where they were written."""
    for name, why in results.skipped_tables().items():
        print(f"note: {name} table not written: {why}", file=sys.stderr)
    if not args.quiet:
        _print_summary(results)
        _print_bound_targets(results)
        print(f"results written to {out}/")
        if args.report:
            print(f"report written to {out / 'report.html'}")


def _print_bound_targets(results) -> None:
    """Say whether the idle-attribution bound met each of its targets."""
    targets = results.tables.get("bound_targets")
    if targets is None:
        return
    bound = results.run_info.get("bound", "optimal")
    verdict = "met" if bool(targets["met"].all()) else "did NOT meet"
    print(f"bound ({bound}) {verdict} its targets:")
    context = {"currency": results.scenario.costs.currency}
    for row in targets.itertuples():
        mark = "met" if row.met else "missed"
        print(f"  {row.metric}: {_value(row.metric, row.mean, context)} (95 % CI "
              f"{_value(row.metric, row.ci_low, context)} .. "
              f"{_value(row.metric, row.ci_high, context)}) vs "
              f"{_value(row.metric, row.required, context)} required: {mark}")


def _pm(name: str, mean: float, low: float, high: float, context: dict[str, str],
        signed: bool = False) -> str:
    """``mean ± half-width of the 95 % CI`` of a metric (a share's difference in points)."""
    from sim.interfaces.api import metric

    entry, currency = metric(name), context.get("currency", "")
    points = signed and entry.unit == "share"  # a difference of shares: percentage points
    text = entry.format(mean, currency, signed, with_unit=not points)
    if mean == mean and low == low:
        text += f" ± {entry.format((high - low) / 2, currency, with_unit=not points)}"
    return text + (" pt" if points and mean == mean else "")


def _cell(row, name: str, context: dict[str, str], diff: bool = False) -> str:
    """``mean ± half-width of the 95 % CI`` of a comparison-table cell."""
    prefix = f"{name}_diff" if diff else name
    mean, lo, hi = (row.get(f"{prefix}_{s}", float("nan")) for s in ("mean", "ci_low", "ci_high"))
    return _pm(name, mean, lo, hi, context, signed=diff)


#: The columns of the console's comparison table: (metric, short heading).
COMPARISON_COLUMNS = (
    ("total_cost", "total cost"), ("idle_share", "idle share"),
    ("avoidable_idle_hours", "avoidable idle"), ("cost_per_handled_call", "cost / handled call"),
    ("index_reached_within_deadline_share", "index within deadline"),
    ("contacts_reached_within_deadline_share", "contacts within deadline"),
    ("inbound_service_level", "inbound SL"))


def _print_comparison(comparison) -> None:
    from sim.interfaces.api import label_context_of

    table = comparison.table
    first = comparison.results[0]
    context = label_context_of(first.scenario)
    columns = [(name, heading) for name, heading in COMPARISON_COLUMNS
               if f"{name}_mean" in table.columns and table[f"{name}_mean"].notna().any()]
    rows = [["scenario"] + [heading for _, heading in columns]]
    records = table.to_dict(orient="records")
    for row in records:
        rows.append([str(row["scenario"])] + [_cell(row, m, context) for m, _ in columns])
    for row in records[1:]:
        rows.append([f"Δ {row['scenario']}"]
                    + [_cell(row, m, context, diff=True) for m, _ in columns])
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
    from sim.interfaces.api import compare_scenarios as compare
    from sim.interfaces.api import inherited_description

    if len(args.scenarios) < 2:
        raise ScenarioError(["compare: give at least two scenarios (the first is the "
                             "reference)"])
    scenarios, problems = [], []
    for name in args.scenarios:
        try:
            scenarios.append(_load(name, args.overrides))
        except ScenarioError as exc:
            problems += exc.problems
    problems += _run_arg_problems(args)
    out = check_out_path(args.out)
    if problems:
        raise ScenarioError(problems)
    for name, scenario in zip(args.scenarios, scenarios, strict=True):
        parent = inherited_description(name)
        if parent is not None and scenario.description:
            print(f"warning: {name}: no description of its own; it inherits {parent}'s: "
                  f"{scenario.description!r}. Add a description: line saying what this "
                  "variant changes", file=sys.stderr)
    sim_cfg = scenarios[0].simulation
    seed = args.seed if args.seed is not None else sim_cfg.seed
    replications = args.replications if args.replications is not None else sim_cfg.replications
    jobs = _capped_jobs(args.jobs, replications)
    _start_up_over()
    with directory_lock(out):  # one writer per comparison directory
        check_replaceable(out, args.overwrite)
        if seed is None:
            seed = secrets.randbits(32)
            print(f"seed {seed} (drawn; pass --seed {seed} to repeat)")
        comparison = compare(scenarios, replications=replications, seed=seed, jobs=jobs,
                             attribute=args.attribute_idle, progress=not args.quiet,
                             sources=args.scenarios, bound=args.bound)
        comparison.save(out, overwrite=args.overwrite, figures=not args.no_figures,
                        figure_formats=_formats(args), jobs=jobs, report=args.report)
    if not args.quiet:
        _print_comparison(comparison)
        print(f"comparison written to {out}/")
        if args.report:
            print(f"report written to {out / 'report.html'}")
    return EXIT_OK


MAX_REPLICATIONS = 10_000


def _run_arg_problems(args: argparse.Namespace) -> list[str]:
    """Check --seed, --replications and --jobs as the scenario's own fields are checked."""
    from sim.interfaces.api import seed_problem

    problems = []
    if args.seed is not None and (problem := seed_problem(args.seed)) is not None:
        problems.append(f"--seed {args.seed}: {problem}")
    if args.replications is not None and not 1 <= args.replications <= MAX_REPLICATIONS:
        problems.append(f"--replications {args.replications}: must be from 1 to "
                        f"{MAX_REPLICATIONS:,} (as simulation.replications)")
    if args.jobs is not None and args.jobs < 1:
        problems.append(f"--jobs {args.jobs}: must be at least 1")
    if getattr(args, "excel", False) and importlib.util.find_spec("openpyxl") is None:
        problems.append("--excel needs openpyxl: pip install 'tracesim[excel]'")
    return problems


def _formats(args: argparse.Namespace) -> tuple[str, ...]:
    """Figure formats: PNG, and SVG with ``--svg``."""
    return ("png", "svg") if args.svg else ("png",)


def _capped_jobs(jobs: int | None, replications: int) -> int | None:
    """Lower ``--jobs`` to min(replications, cores), with a notice when it is lowered."""
    from sim.interfaces.api import capped_jobs

    limit, lowered = capped_jobs(jobs, replications)
    if lowered is not None:
        notice(f"--jobs {jobs} {lowered}")
    return limit


def _load(path, overrides):
    """Load a scenario, printing its warnings (one line each) to stderr."""
    from sim.interfaces.api import load_scenario

    warnings: list[str] = []
    scenario = load_scenario(path, overrides, warnings=warnings)
    for line in warnings:
        print(line, file=sys.stderr)
    return scenario


def _cmd_rerun(args: argparse.Namespace) -> int:
    from sim.interfaces.api import rerun

    _start_up_over()
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


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tracesim")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown (not installed)"


def _cmd_report(args: argparse.Namespace) -> int:
    from sim.interfaces.api import write_report

    _start_up_over()
    path = write_report(args.results, args.out, overwrite=args.overwrite, jobs=args.jobs)
    print(f"report written to {path}")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from sim.interfaces.api import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


# --------------------------------------------------------------------------- sweep, optimise


def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--executor", choices=("local", "dask"), default=None,
                        help="where replications run: local worker processes (default) or "
                        "dask.distributed (a LocalCluster of --jobs workers, or --scheduler)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies "
                        "--executor dask)")


def _add_sweep_parsers(sub) -> None:
    sweep = sub.add_parser("sweep", help="run a scenario over a grid of field values (common "
                           "random numbers) and draw the cost-timeliness frontier")
    optimise = sub.add_parser("optimise", help="find the cheapest setting that meets "
                              "requirements with 95 %% confidence, by simulation")
    for p in (sweep, optimise):
        p.add_argument("scenario", nargs="?", help="scenario YAML (default: the bundled one)")
        p.add_argument("--vary", action="append", required=True, metavar="PATH=VALUES",
                       help="a field and its values: a list 300,500,700, a range "
                       "300..1200/100 (optimise: LO..HI), with a unit 0h..48h/12h (repeatable)")
        p.add_argument("--out", help="output directory (computed points are cached in "
                       "OUT/cache and read back; an interrupted run resumes)")
        p.add_argument("--replications", "-r", type=int, help="replications of every point")
        p.add_argument("--seed", type=int, help="seed of every point (default: from YAML, "
                       "else drawn and printed)")
        p.add_argument("--jobs", "-j", type=int, help="workers (default: all cores)")
        _add_executor_options(p)
        p.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="PATH=VALUE", help="override a scenario field (repeatable)")
        p.add_argument("--overwrite", action="store_true",
                       help="replace the finished tables of an earlier run in --out")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
        p.add_argument("--force", action="store_true",
                       help="run even when the size estimate is beyond the limits")
    sweep.add_argument("--design", nargs="+", metavar=("NAME", "N"),
                       help="factorial (default up to 3 parameters), or sobol N / lhs N")
    sweep.add_argument("--x", default="index_reached_within_deadline_share",
                       help="frontier x axis: a timeliness metric")
    sweep.add_argument("--y", default="cost_per_handled_call",
                       help="frontier y axis: cost_per_handled_call or total_cost, ...")
    sweep.add_argument("--no-figures", action="store_true", help="do not draw the frontier")
    optimise.add_argument("--minimise", "--minimize", required=True, metavar="METRIC",
                          help="run metric to minimise, e.g. cost_per_handled_call")
    optimise.add_argument("--require", action="append", default=[], metavar="'METRIC>=X'",
                          help="requirement met when its 95 %% CI bound is past X, e.g. "
                          "'index_reached_within_deadline_share>=0.95' (repeatable)")
    optimise.add_argument("--method", choices=("bisection", "differential_evolution"),
                          help="default: bisection for one grid parameter, else "
                          "scipy's differential evolution")
    optimise.add_argument("--max-evaluations", type=int, default=60,
                          help="budget of settings evaluated (default 60)")


@contextmanager
def _executor_context(args: argparse.Namespace) -> Iterator[None]:
    """With ``--executor dask`` or ``--scheduler``, run the command's runs on dask."""
    kind, scheduler = getattr(args, "executor", None), getattr(args, "scheduler", None)
    if kind == "local" and scheduler:
        raise ScenarioError(["--scheduler: needs --executor dask (or no --executor)"])
    if kind != "dask" and not scheduler:
        yield
        return
    from sim.interfaces.api import make_executor, using

    _start_up_over()  # the cluster: its processes and threads run for the whole command
    with make_executor("dask", jobs=getattr(args, "jobs", None), scheduler=scheduler) as ex, \
            using(ex):
        yield


def _sweep_setup(args: argparse.Namespace, suffix: str):
    """Check the arguments; load the scenario; choose the output directory; resolve the seed."""
    from sim.interfaces.api import default_scenario_path, resolve_seed

    problems = _run_arg_problems(args)
    out = check_out_path(args.out) if args.out else None
    if problems:
        raise ScenarioError(problems)
    path = Path(args.scenario) if args.scenario else default_scenario_path()
    scenario = _load(path, args.overrides)
    out = out or Path("results") / safe_folder_name(f"{scenario.name}-{suffix}")
    seed = resolve_seed(scenario, args.seed)
    if args.seed is None and scenario.simulation.seed is None:
        print(f"seed {seed} (drawn; pass --seed {seed} to repeat)")
    return scenario, out, seed


@contextmanager
def _resume_note(out: Path) -> Iterator[None]:
    """On Ctrl-C or SIGTERM, say that the finished points are kept for a resume."""
    try:
        yield
    except (KeyboardInterrupt, Terminated):
        if (out / "cache").is_dir():
            print(f"tracesim: the points finished are kept in {out}/cache; run the same "
                  "command again to resume", file=sys.stderr)
        raise


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.basics.errors import SweepError
    from sim.interfaces.api import RUN_METRICS, sweep

    for axis, metric in (("--x", args.x), ("--y", args.y)):
        if metric not in RUN_METRICS:
            raise SweepError(f"{axis} {metric}: not a run metric (see summary.csv)")
    design = args.design[0] if args.design else None
    try:
        samples = int(args.design[1]) if args.design and len(args.design) > 1 else None
    except ValueError:
        raise SweepError(f"--design {' '.join(args.design)}: N must be a whole number") from None
    scenario, out, seed = _sweep_setup(args, "sweep")
    _start_up_over()
    with directory_lock(out), _resume_note(out):  # one writer per folder, from now to the end
        check_replaceable(out, args.overwrite)
        result = sweep(scenario, args.vary, replications=args.replications, seed=seed,
                       design=design, samples=samples, jobs=args.jobs, out=out,
                       progress=not args.quiet, force=args.force)
        result.save(out, figures=not args.no_figures, x=args.x, y=args.y,
                    overwrite=args.overwrite)
    if not args.quiet:
        _print_frontier(result, args.x, args.y)
        print(f"sweep written to {out}/")
    return EXIT_OK


def _print_frontier(result, x: str, y: str) -> None:
    from sim.interfaces.api import label_context_of, metric

    frontier = result.frontier(x, y)
    context = label_context_of(result.scenario)
    print(f"sweep: {len(frontier)} points x {result.replications} replications, seed "
          f"{result.seed} (common random numbers); {result.run_points} run, "
          f"{result.cached_points} read from the cache")
    rows = [[*result.paths, *(metric(m).label_in(context) for m in (x, y)), "Pareto"]]
    for _, row in frontier.iterrows():
        rows.append([str(row[p]) for p in result.paths]
                    + [_pm(m, row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"],
                           context) for m in (x, y)]
                    + ["*" if row["pareto"] else ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print("  ± half-width of the 95 % CI; *: Pareto-efficient (no point better on both)")


def _cmd_optimise(args: argparse.Namespace) -> int:
    from sim.interfaces.api import optimise

    scenario, out, seed = _sweep_setup(args, "optimise")
    _start_up_over()
    with directory_lock(out), _resume_note(out):  # one writer per folder, from now to the end
        check_replaceable(out, args.overwrite)
        result = optimise(scenario, args.vary, args.minimise, args.require,
                          replications=args.replications, seed=seed, jobs=args.jobs, out=out,
                          progress=not args.quiet, force=args.force, method=args.method,
                          max_evaluations=args.max_evaluations)
        result.save(out, overwrite=args.overwrite)
    if not args.quiet:
        _print_optimum(result)
        print(f"optimise.csv written to {out}/")
    return EXIT_OK if result.feasible else EXIT_FAILED


def _print_optimum(result) -> None:
    from sim.interfaces.api import label_context_of, metric

    context = label_context_of(result.scenario)
    print(f"optimise: {len(result.log)} evaluations ({result.method}; {result.run_points} run, "
          f"{result.cached_points} read from the cache), {result.replications} replications "
          f"each, seed {result.seed} (common random numbers)")
    best = result.best
    if best is None:
        print("  no setting evaluated meets every requirement with 95 % confidence "
              f"({', '.join(str(r) for r in result.requirements)}); widen --vary")
        return
    print("  cheapest setting meeting every requirement with 95 % confidence:")
    for path, value in best.values.items():
        print(f"    {path} = {value}")
    edge = result.boundary
    if edge is not None and edge is not best:
        (path, value), = edge.values.items()
        cost = _value(result.minimise, edge.metric(result.minimise)["mean"], context)
        print(f"  (the edge of the settings meeting them is {path} = {value}, at {cost}; the "
              f"{result.minimise} still fell past it)")
    for name in result.metrics:
        m = best.metric(name)
        label = metric(name).label_in(context)
        line = (f"  {label:<44} {_value(name, m['mean'], context):>14}  (95 % CI "
                f"{_value(name, m['ci_low'], context)} .. {_value(name, m['ci_high'], context)})")
        if name == result.minimise:
            line += "  minimised"
        for r in result.requirements:
            if r.metric == name:
                line += f"  required {r.op} {_value(name, r.threshold, context)}: met"
        print(line)


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "compare": _cmd_compare,
    "validate": _cmd_validate,
    "rerun": _cmd_rerun,
    "erlang": calculator.main_from_args,
    "schema": _cmd_schema,
    "sweep": _cmd_sweep,
    "optimise": _cmd_optimise,
    "report": _cmd_report,
}


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup runs as for Ctrl-C."""


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise Terminated()


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _exit_at_once(signum: int, frame: FrameType | None) -> NoReturn:
    """End the console script at once on Ctrl-C or SIGTERM while it starts.

    Until a command has imported its modules and checked its input
    (:func:`_start_up_over`) it has written nothing and started no worker but
    the figure process, so there is nothing to clean up. An exception raised
    from a handler would land wherever the main thread is, and during start-up
    that is inside imports and pydantic's schema building, which wrap it in
    their own errors (a ``SchemaError`` or ``BrokenProcessPool`` traceback,
    exit 1) or swallow it (the run went on and exited 0): a few in every
    batch of 80-100 signals sent in the first 0.8 s of a run.
    """
    for child in multiprocessing.active_children():
        child.kill()  # the figure process, which has drawn nothing yet
    code = _report(KeyboardInterrupt() if signum == signal.SIGINT else Terminated())
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _start_up_over() -> None:
    """Mark the end of a command's start-up: modules imported, input checked, work begins.

    From here on Ctrl-C and SIGTERM raise (``KeyboardInterrupt``,
    :class:`Terminated`) so that the cleanup runs: unfinished results removed,
    workers stopped and joined, locks released. The garbage collector, paused
    for the console script's start-up, collects again (:mod:`sim.plumbing.collector`);
    this comes before any simulation worker is forked. Called from Python
    (:func:`main`), signals are left as they were and the collector too.
    """
    collector.resume()
    if signal.getsignal(signal.SIGTERM) is _exit_at_once:
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, signal.default_int_handler)


_BAD_INPUT = (ScenarioError, DataError, ParameterError, FileExistsError, SizeError, ResultsError,
              SweepError,
              OutputError, ReportError)
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
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `tracesim`: the usage and the commands
        parser.print_help()
        return EXIT_BAD_INPUT
    previous = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    if previous[signal.SIGTERM] is not _exit_at_once:  # called from Python: raise at once
        signal.signal(signal.SIGTERM, _terminate)
    try:
        with _executor_context(args):
            return _COMMANDS[args.command](args)
    except _EXPECTED as exc:
        return _report(exc)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


def console() -> NoReturn:
    """Run the ``tracesim`` console script and exit with its code.

    After Ctrl-C or SIGTERM, once :func:`main` has removed the unfinished
    results and stopped the worker processes, the process ends at once
    (``os._exit``) instead of going through the interpreter's shutdown: a
    worker stopped while it was sending a result leaves half a message in the
    pipe of its process pool, and the pool's manager thread (CPython's
    ``concurrent.futures``) then waits for the rest forever, a wait the
    shutdown would join.
    """
    collector.pause()  # start-up: imports only (see sim.plumbing.collector)
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _exit_at_once)  # until the command's start-up is over
    code = main()
    for signum in _STOP_SIGNALS:  # everything is written or cleaned up: leaving
        signal.signal(signum, signal.SIG_IGN)
    collector.skip_at_exit()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
