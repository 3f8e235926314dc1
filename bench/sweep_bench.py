"""Benchmarks of issue 10: sweeps on 2 workers (local and dask) and optimise's wall time.

    .venv/bin/python bench/sweep_bench.py            # ~6 min on 2 cores; writes RESULTS.md
    .venv/bin/python bench/sweep_bench.py --quick    # smoke run on scenarios/quick.yaml

1. Parallel efficiency of a sweep: the same sweep (points x replications of
   the default scenario) with one worker in-process, two local worker
   processes, and a two-worker dask LocalCluster; efficiency = T(1) / (2 T(2)).
   The dask time is given with and without starting the cluster. Target >= 80 %.
2. Wall time of ``optimise`` for the 95 % question on the default scenario:
   the cheapest ``staffing.headcount`` in 300..1200 for ``cost_per_handled_call``
   with ``index_reached_within_deadline_share >= 0.95`` (95 % CI bound), local,
   two workers. Prints the answer and every evaluation.

Benchmarks print ratios; they never fail. The ``sweep_bench`` section of
bench/RESULTS.md (between its markers, ``bench/results_md.py``) is replaced on
every run; the rest of the file is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from results_md import write_section  # bench/, the script's own folder

import sim
from sim.experiments.executor import make_executor
from sim.experiments.optimise import optimise
from sim.experiments.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench_sweep(scenario, vary, replications: int, repeats: int) -> list[str]:
    def run(executor):
        return sweep(scenario, vary, replications=replications, seed=1, executor=executor)

    times: dict[str, list[float]] = {"one": [], "two": [], "dask": [], "start": []}
    tables = []
    for _ in range(repeats):  # interleaved, best of each: other work on the machine adds noise
        one, t = _timed(lambda: run(make_executor("local", jobs=1)))
        times["one"].append(t)
        two, t = _timed(lambda: run(make_executor("local", jobs=2)))
        times["two"].append(t)
        cluster, t = _timed(lambda: make_executor("dask", jobs=2))
        times["start"].append(t)
        with cluster:
            dask, t = _timed(lambda c=cluster: run(c))
        times["dask"].append(t)
        tables += [one.table, two.table, dask.table]
    same = all(t.equals(tables[0]) for t in tables)
    t1, t2, td, ts = (min(times[k]) for k in ("one", "two", "dask", "start"))
    tasks = len(one.evaluations) * replications
    rows = [
        "| executor | workers | wall s (best of "
        f"{repeats}) | all runs s | efficiency T(1) / (workers x T) |",
        "|:--|--:|--:|--:|--:|",
        f"| in-process | 1 | {t1:.1f} | {_list(times['one'])} | 100 % |",
        f"| local processes | 2 | {t2:.1f} | {_list(times['two'])} | **{t1 / (2 * t2):.0%}** |",
        f"| dask LocalCluster (running) | 2 | {td:.1f} | {_list(times['dask'])} | "
        f"**{t1 / (2 * td):.0%}** |",
        f"| dask LocalCluster (incl. {ts:.1f} s start) | 2 | {td + ts:.1f} | | "
        f"{t1 / (2 * (td + ts)):.0%} |",
        "",
        f"{len(one.evaluations)} points x {replications} replications = {tasks} tasks "
        f"(`{'`, `'.join(vary)}`); tables identical across all runs: **{same}**. "
        "Target: efficiency >= 80 %.",
    ]
    return rows


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def bench_optimise(scenario, vary: str, replications: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        result, wall = _timed(lambda: optimise(
            scenario, [vary], "cost_per_handled_call",
            ["index_reached_within_deadline_share>=0.95"], replications=replications, seed=1,
            jobs=2, out=tmp))
    table = result.evaluations
    rows = [f"`optimise --vary {vary} --minimise cost_per_handled_call --require "
            f"'index_reached_within_deadline_share>=0.95' -r {replications} --seed 1 -j 2`: "
            f"**{wall:.0f} s** wall, {len(result.log)} evaluations ({result.method}), "
            f"{wall / max(len(result.log), 1):.1f} s per evaluation.", ""]
    if result.best is not None:
        cost = result.best.metric("cost_per_handled_call")
        share = result.best.metric("index_reached_within_deadline_share")
        rows.append(f"Answer: {result.best.values} — cost per handled call "
                    f"{cost['mean']:.2f} (95 % CI {cost['ci_low']:.2f} .. {cost['ci_high']:.2f}), "
                    f"index cases within deadline {share['mean']:.1%} "
                    f"(95 % CI {share['ci_low']:.1%} .. {share['ci_high']:.1%}).")
    else:
        rows.append("Answer: no setting in the range met the requirement.")
    rows += ["", "| # | value | feasible | cost / handled call | index within deadline (CI low) |",
             "|--:|--:|:--|--:|--:|"]
    path = result.parameters[0].path
    for _, r in table.iterrows():
        rows.append(f"| {r['evaluation']} | {r[path]} | {'yes' if r['feasible'] else 'no'} | "
                    f"{r['cost_per_handled_call_mean']:.2f} | "
                    f"{r['index_reached_within_deadline_share_mean']:.1%} "
                    f"({r['index_reached_within_deadline_share_ci_low']:.1%}) |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run on scenarios/quick.yaml")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--optimise-replications", type=int, default=5,
                        help="replications per evaluation of the optimise benchmark")
    parser.add_argument("--repeats", type=int, default=2,
                        help="interleaved repeats of the sweep timings (best of them counts)")
    args = parser.parse_args()
    if args.quick:
        scenario = sim.load_scenario(ROOT / "scenarios" / "quick.yaml").with_changes(
            {"calendar.days": 60})
        vary, reps, opt_vary = ["staffing.headcount=10..24/2"], 4, "staffing.headcount=2..40"
    else:
        scenario = sim.load_scenario(ROOT / "scenarios" / "flanders-autumn-2020.yaml")
        vary, reps, opt_vary = ["staffing.headcount=600,900"], 4, "staffing.headcount=300..1200"
    load = os.getloadavg()
    sweep_rows = bench_sweep(scenario, vary, reps, args.repeats)
    opt_rows = bench_optimise(scenario, opt_vary, 3 if args.quick else args.optimise_replications)
    section = "\n".join([
        f"## Sweeps and optimise (issue 10, `bench/sweep_bench.py`"
        f"{' --quick' if args.quick else ''})", "",
        f"Scenario `{scenario.name}`; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores; load average {load[0]:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end (other work on the machine slows the runs).", "",
        "### Parallel efficiency of a sweep on 2 workers", "", *sweep_rows, "",
        "### Wall time of optimise for the 95 % question", "", *opt_rows, ""])
    print(section)
    write_section(args.out, "sweep_bench", section)


if __name__ == "__main__":
    main()
