"""Benchmark: the cost of the ladder of staffings behind ``--attribute-idle``, per step.

    .venv/bin/python bench/ladder_bench.py                       # quick.yaml, 4 replications
    .venv/bin/python bench/ladder_bench.py --scenario scenarios/flanders-autumn-2020.yaml -r 10

Runs the scenario, then its ladder (:func:`sim.experiments.ladder.idle_ladder`) on the
same seed, and prints per step its staffing, the search's iterations, its
replication-equivalents (the events it simulated over the events of one replication of
the scenario: the unit the issue's budget is in) and seconds, then the idle by cause and
its sentence, and the wall time of the run and of the whole ladder against it (a ratio
measured in the same invocation). A benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import sim
from sim.experiments.ladder import idle_ladder, idle_sentence

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "quick.yaml"))
    parser.add_argument("-r", "--replications", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-j", "--jobs", type=int, default=None)
    args = parser.parse_args()
    scenario = sim.load_scenario(Path(args.scenario))
    started = time.perf_counter()
    results = sim.run(scenario, replications=args.replications, seed=args.seed, jobs=args.jobs)
    run_s = time.perf_counter() - started
    started = time.perf_counter()
    explained = idle_ladder(results, jobs=args.jobs)
    ladder_s = time.perf_counter() - started
    rows = [{"step": k, "staffing": v["scenario"],
             "iterations": v.get("search_iterations", ""),
             "replication_equivalents": v.get("replication_equivalents", ""),
             "search_s": v.get("search_seconds", ""),
             "evaluation_engine_s": round(float(v.get("engine_seconds", 0.0)), 1)}
            for k, v in explained.run_info["ladder"].items()]
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"{scenario.name}: {args.replications} replications, seed {args.seed}")
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"searches: {explained.run_info['ladder_replication_equivalents']:.1f} "
          "replication-equivalents in all")
    table = explained.tables["idle_by_cause"]
    print(table[["step", "cause", "idle_hours", "ci_low", "ci_high", "cost",
                 "met_targets"]].to_string(index=False))
    print(idle_sentence(table))
    print(f"wall: run {run_s:.1f} s, ladder {ladder_s:.1f} s ({ladder_s / run_s:.1f}x the run)")


if __name__ == "__main__":
    main()
