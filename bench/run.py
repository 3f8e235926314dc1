"""Performance benchmarks of the tracesim engine (``make bench``).

Four targets, measured on the same machine in the same invocation:

1. **Throughput** on the M/M/50+M system of ``bench/mmc.yaml`` (45 calls/min,
   exponential handle time with mean 1 min, exponential patience with mean
   2 min, 50 agents always on): the project's engine, timed by its
   ``engine_seconds`` (arrival generation, simulation and aggregation into the
   interval tables, all bookkeeping on), against three simpy models of the same
   system, each timed in-process from model build to the end of the run: the
   idiomatic process-per-call model (``bench/baseline_simpy.py``, the one the
   target is against), events with callbacks and no process per call
   (``bench/baseline_simpy_callbacks.py``) and long-lived arrival and agent
   processes around a ``simpy.Store`` (``bench/baseline_simpy_processes.py``).
   Target: project calls/s >= 4x the process-per-call model's; the ratios to
   the other two are reported. All four are also checked against exact
   Erlang A (mean wait over all callers, P(abandon)) with independent
   replications and 95 % Student-t confidence intervals.
2. **Linear cost**: the same system at about 100k, 1M and 10M calls, each in a
   fresh subprocess so that its peak RSS is its own. Targets: time per call at
   10M within 10 % of that at 1M; peak memory at 10M <= 1.5x that at 1M (the
   per-call log is off).
3. **The real workload**: the default scenario (Flanders, autumn 2020), 10
   replications with one worker and with all cores.
4. **Scale with the work**: the default scenario at 1x and at 10x its demand
   (epidemic), headcount and inbound base, one replication each in a fresh
   subprocess. Target: µs per event at 10x <= 1.2x that at 1x; peak memory
   of both is reported.

"Calls" are arrivals (offered calls, served or abandoned) for both the project
and the baselines, so that calls/s compare like with like; ``run_info``'s
``calls_simulated`` (calls served by an agent) is printed alongside.

Usage::

    .venv/bin/python bench/run.py                  # full sizes (the issue's), ~15 min
    .venv/bin/python bench/run.py --quick          # smoke run, ~100k calls, scale 2x on 20 days
    .venv/bin/python bench/run.py --skip-flanders --out /tmp/RESULTS.md
    .venv/bin/python bench/run.py --skip-scale     # without target 4
    .venv/bin/python bench/run.py --profile        # also cProfile the target-1 project run

The tables are printed (markdown) with the date and the machine, and replace
the ``run`` section of ``--out`` (default ``bench/RESULTS.md``; the section
between its markers, ``bench/results_md.py``), leaving the sections of the
other benchmarks (``sweep_bench.py``, ``isa_bench.py``, ``quick_run.py``) as
they are.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # running as a script from anywhere
    sys.path.insert(0, str(ROOT))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

MMC_YAML = BENCH_DIR / "mmc.yaml"

#: The benchmark system (must match bench/mmc.yaml and bench/baseline_simpy.py).
AGENTS = 50
ARRIVAL_RATE_PER_S = 45.0 / 60.0
MEAN_HANDLE_S = 60.0
MEAN_PATIENCE_S = 120.0
CALLS_PER_DAY = ARRIVAL_RATE_PER_S * 86_400.0

#: The simpy baselines of target 1: (key, module, label). The first is the one the
#: throughput target is against.
BASELINES = (
    ("process", "baseline_simpy", "simpy, process per call"),
    ("callbacks", "baseline_simpy_callbacks", "simpy, events + callbacks"),
    ("long_lived", "baseline_simpy_processes", "simpy, long-lived processes"),
)

#: Targets of the issue.
RATIO_TARGET = 4.0
TIME_PER_CALL_TARGET = 1.10
MEMORY_TARGET = 1.5
TIME_PER_EVENT_TARGET = 1.20


@dataclass(frozen=True)
class Sizes:
    """The sizes of one benchmark invocation.

    Attributes
    ----------
    baseline_calls
        Calls of the timed simpy baseline run (target 1).
    project_days
        Days of the timed project run on ``bench/mmc.yaml`` (target 1).
    agreement_reps
        Independent replications of each model for the Erlang A check.
    agreement_days
        Days per project replication in the Erlang A check.
    agreement_calls
        Calls per simpy replication in the Erlang A check.
    linear_days
        Days of the three sizes of target 2 (about 100k, 1M and 10M calls).
    flanders_reps
        Replications of the default scenario (target 3).
    scale_factor
        Multiplier of demand, headcount and inbound base in target 4.
    scale_days
        ``calendar.days`` of both target-4 runs (0: the scenario's own calendar).
    """

    baseline_calls: int
    project_days: int
    agreement_reps: int
    agreement_days: int
    agreement_calls: int
    linear_days: tuple[int, int, int]
    flanders_reps: int
    scale_factor: int
    scale_days: int


FULL = Sizes(
    baseline_calls=1_000_000,
    project_days=16,
    agreement_reps=8,
    agreement_days=2,
    agreement_calls=100_000,
    linear_days=(2, 16, 155),
    flanders_reps=10,
    scale_factor=10,
    scale_days=0,
)
QUICK = Sizes(
    baseline_calls=100_000,
    project_days=2,
    agreement_reps=4,
    agreement_days=2,
    agreement_calls=100_000,
    linear_days=(1, 2, 4),
    flanders_reps=2,
    scale_factor=2,
    scale_days=20,
)


# --------------------------------------------------------------------------- helpers


def _log(message: str) -> None:
    """Progress line on stderr (the tables go to stdout)."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _fmt_int(x: float) -> str:
    return f"{int(round(x)):,}"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table (first column left-aligned, the others right-aligned)."""
    align = [":--"] + ["--:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def mean_ci(values: list[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Mean and Student-t confidence half-width of independent replications.

    Parameters
    ----------
    values
        One value per replication (at least two).
    confidence
        Two-sided confidence level.

    Returns
    -------
    tuple of float
        ``(mean, half_width)``.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + confidence / 2.0, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean()), float(half)


def exact_erlang_a() -> dict[str, float]:
    """Exact Erlang A figures of the benchmark system (``sim.basics.theory``)."""
    from sim.basics.theory import erlang_a_metrics

    return erlang_a_metrics(AGENTS, ARRIVAL_RATE_PER_S, MEAN_HANDLE_S, MEAN_PATIENCE_S)


def machine_info() -> dict[str, str]:
    """Cores, CPU model, memory, Python and library versions of this machine."""
    import simpy

    import sim

    cpu = platform.processor() or platform.machine()
    mem = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
            text=True, check=False, timeout=10,
        ).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return {
        "date (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "cores (sched_getaffinity)": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__ if hasattr(simpy, "__version__") else _dist_version("simpy"),
        "tracesim": f"{sim.__version__} (commit {commit})",
        "load average at start (1/5/15 min)": _loadavg(),
    }


def _loadavg() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _mmc_scenario(days: int) -> Any:
    """``bench/mmc.yaml`` with ``calendar.days`` set and the per-call log off."""
    import sim

    return sim.load_scenario(MMC_YAML, [f"calendar.days={days}", "simulation.calls_log=false"])


def _offered(results: Any) -> int:
    """Inbound calls offered (arrivals, served or abandoned) over all replications."""
    return int(results.tables["replications"]["inbound_offered"].sum())


# --------------------------------------------------------------------------- target 1


def _baseline_runner(module: str) -> Any:
    """``run_baseline`` of one of the baseline modules in ``bench/``."""
    import importlib

    return importlib.import_module(module).run_baseline


def target_throughput(sizes: Sizes, seed: int, repeats: int) -> dict[str, Any]:
    """Target 1: calls/s of the project vs the simpy baselines, and Erlang A agreement.

    The agreement runs go first (they also warm up every code path), then the
    timed runs: each baseline and the project in turn, ``repeats`` times. The
    baselines' agreement replications use the same seeds for each baseline: the
    three draw their random numbers in the same order, so they simulate the same
    callers and must give the same figures.

    Parameters
    ----------
    sizes
        Sizes of this invocation.
    seed
        Experiment seed.
    repeats
        Timed runs of each model, interleaved; the fastest of each is compared.

    Returns
    -------
    dict
        Measured figures (see the keys); ``baselines`` and ``ratios`` are keyed as
        :data:`BASELINES`, ``ratio`` is the one against the first; ``seconds`` has
        every timed run's seconds by model.
    """
    import sim

    exact = exact_erlang_a()

    _log(f"Erlang A check: project, {sizes.agreement_reps} replications x "
         f"{sizes.agreement_days} days")
    res = sim.run(_mmc_scenario(sizes.agreement_days), replications=sizes.agreement_reps,
                  seed=seed, jobs=1)
    reps = res.tables["replications"]
    agreement: dict[str, dict[str, Any]] = {"project": {
        "calls_per_rep": float(reps["inbound_offered"].mean()),
        "mean_wait_s": mean_ci(reps["inbound_mean_wait_s"].to_numpy()),
        "p_abandon": mean_ci(reps["inbound_abandon_share"].to_numpy()),
    }}
    seeds = [seed * 1000 + i for i in range(sizes.agreement_reps)]
    for key, module, label in BASELINES:
        _log(f"Erlang A check: {label}, {sizes.agreement_reps} seeds x "
             f"{sizes.agreement_calls:,} calls")
        runner = _baseline_runner(module)
        runs = [runner(sizes.agreement_calls, seed=s) for s in seeds]
        agreement[key] = {
            "calls_per_rep": float(sizes.agreement_calls),
            "mean_wait_s": mean_ci([b.mean_wait_s for b in runs]),
            "p_abandon": mean_ci([b.p_abandon for b in runs]),
            "per_seed": [(b.mean_wait_s, b.p_abandon) for b in runs],
        }

    # timed runs, interleaved (each baseline, then the project) ``repeats`` times; the best
    # run of each model counts (the one least disturbed by other work on the machine)
    timed: dict[str, list[Any]] = {key: [] for key, _, _ in BASELINES}
    project_runs: list[tuple[Any, float]] = []
    scenario = _mmc_scenario(sizes.project_days)
    for k in range(repeats):
        for key, module, label in BASELINES:
            _log(f"timed {k + 1}/{repeats}: {label}, {sizes.baseline_calls:,} calls")
            timed[key].append(_baseline_runner(module)(sizes.baseline_calls, seed=seed))
        _log(f"timed {k + 1}/{repeats}: project, bench/mmc.yaml, {sizes.project_days} days")
        start = time.perf_counter()
        result = sim.run(scenario, replications=1, seed=seed, jobs=1)
        project_runs.append((result, time.perf_counter() - start))
    baselines = {key: max(done, key=lambda b: b.calls_per_s) for key, done in timed.items()}
    proj, wall = min(project_runs, key=lambda run: run[0].run_info["engine_seconds"])
    proj_calls = _offered(proj)
    proj_seconds = proj.run_info["engine_seconds"]
    ratios = {key: (proj_calls / proj_seconds) / b.calls_per_s for key, b in baselines.items()}
    wall_ratios = {key: (proj_calls / wall) / b.calls_per_s for key, b in baselines.items()}
    first = BASELINES[0][0]
    return {
        "exact": exact,
        "baseline": baselines[first],
        "baselines": baselines,
        "project": {
            "days": sizes.project_days,
            "calls": proj_calls,
            "served": proj.run_info["calls_simulated"],
            "events": proj.run_info["events_simulated"],
            "engine_seconds": proj_seconds,
            "wall_seconds": wall,
            "calls_per_s": proj_calls / proj_seconds,
            "wall_calls_per_s": proj_calls / wall,
        },
        "ratio": ratios[first],
        "wall_ratio": wall_ratios[first],
        "repeats": repeats,
        "seconds": {**{key: [b.seconds for b in done] for key, done in timed.items()},
                    "project": [r.run_info["engine_seconds"] for r, _ in project_runs]},
        "ratios": ratios,
        "wall_ratios": wall_ratios,
        "agreement": agreement,
        "agreement_sizes": (sizes.agreement_reps, sizes.agreement_days, sizes.agreement_calls),
    }


def profile_project(days: int, seed: int, top: int = 15) -> str:
    """cProfile one project replication of ``bench/mmc.yaml`` (not used for timings).

    Parameters
    ----------
    days
        ``calendar.days`` of the run.
    seed
        Experiment seed.
    top
        Number of lines to keep, by total time spent in the function itself.

    Returns
    -------
    str
        The ``pstats`` listing.
    """
    import sim

    scenario = _mmc_scenario(days)
    profiler = cProfile.Profile()
    profiler.enable()
    sim.run(scenario, replications=1, seed=seed, jobs=1)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --------------------------------------------------------------------------- target 2


def _proc_status_kb(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM``-style field of ``/proc/self/status`` in kB (None if absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux ``clear_refs``, value 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_kb() -> int:
    """Peak RSS of this process in kB.

    ``VmHWM`` of ``/proc/self/status`` where available: ``ru_maxrss`` would do, but
    after fork and exec a child's ``ru_maxrss`` is at least its parent's RSS at the
    fork (Linux keeps the old high-water mark across ``execve``), which would hide
    the child's own figures behind the benchmark driver's.
    """
    hwm = _proc_status_kb("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measure_run(scenario: Any, seed: int, import_peak_kb: int) -> dict[str, float]:
    """One replication of ``scenario`` in this process: time, events and memory.

    Memory (kB): ``rss_before_kb``, the RSS just before the run, and
    ``run_peak_kb``, the peak RSS during the run, measured after resetting the
    kernel's peak mark so that a transient peak of the imports could not hide
    it (NaN where the mark cannot be reset). The whole-process peak is
    ``max(import_peak_kb, run_peak)``.
    """
    import sim

    rss_before = _proc_status_kb("VmRSS") or import_peak_kb
    reset = _reset_peak_rss()
    start, cpu_start = time.perf_counter(), time.process_time()
    res = sim.run(scenario, replications=1, seed=seed, jobs=1, force=True)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    run_peak = _peak_rss_kb()
    info = res.run_info
    return {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "engine_seconds": info["engine_seconds"],
        "calls": _offered(res),
        "served": info["calls_simulated"],
        "attempts": info["attempts_simulated"],
        "events": info["events_simulated"],
        "rss_before_kb": rss_before,
        "run_peak_kb": run_peak if reset else float("nan"),
        "process_peak_kb": max(import_peak_kb, run_peak),
    }


def child_main(days: int, seed: int) -> None:
    """Body of a target-2 subprocess: one replication, then print figures as JSON.

    Memory is measured three ways (kB): ``import_peak_kb``, the peak RSS after
    importing ``sim`` and loading the scenario; ``rss_before_kb`` and
    ``run_peak_kb`` as in :func:`_measure_run`. ``days == 0`` only imports.

    Parameters
    ----------
    days
        ``calendar.days`` of the run, or 0 for import only.
    seed
        Experiment seed.
    """
    import sim  # noqa: F401  (the import-only run measures the imports)

    scenario = _mmc_scenario(days) if days > 0 else None
    import_peak = _peak_rss_kb()
    out: dict[str, float] = {"days": days, "import_peak_kb": import_peak}
    if scenario is not None:
        out.update(_measure_run(scenario, seed, import_peak))
    print(json.dumps(out))


def scale_overrides(scenario: Any, factor: float, days: int = 0) -> list[str]:
    """``--set`` overrides that multiply a scenario's work and staff by ``factor``.

    Demand: the epidemic's expected cases (``waves``: the baseline and every
    peak; ``seir``: the population and the initial compartments, which scales
    the SEIR curve exactly; ``csv``: ``scale``). Staff: ``staffing.headcount``.
    Inbound: ``inbound.base_per_day`` (``calls_per_case`` stays: the cases grow
    already). The per-call log is turned off.

    Parameters
    ----------
    scenario
        The validated scenario to scale.
    factor
        Multiplier (1 leaves the work as it is).
    days
        ``calendar.days`` to set, or 0 to keep the scenario's calendar.

    Returns
    -------
    list of str
        ``dotted.path=value`` strings for :func:`sim.load_scenario`.

    Raises
    ------
    ValueError
        For a staffing policy without a ``headcount``.
    """
    epi = scenario.epidemic
    out: list[str] = []
    if epi.model == "waves":
        out.append(f"epidemic.baseline_per_day={epi.baseline_per_day * factor!r}")
        out += [f"epidemic.waves.{i}.peak_per_day={wave.peak_per_day * factor!r}"
                for i, wave in enumerate(epi.waves)]
    elif epi.model == "seir":
        out += [f"epidemic.{name}={getattr(epi, name) * factor!r}"
                for name in ("population", "initial_exposed", "initial_infectious",
                             "initial_recovered")]
    else:
        out.append(f"epidemic.scale={epi.scale * factor!r}")
    headcount = getattr(scenario.staffing, "headcount", None)
    if headcount is None:
        raise ValueError(f"staffing policy {scenario.staffing.policy!r} has no headcount "
                         "to scale; the scale target needs one")
    out.append(f"staffing.headcount={round(headcount * factor)}")
    out.append(f"inbound.base_per_day={scenario.inbound.base_per_day * factor!r}")
    if days > 0:
        out.append(f"calendar.days={days}")
    out.append("simulation.calls_log=false")
    return out


def child_scale_main(factor: float, days: int, seed: int) -> None:
    """Body of a target-4 subprocess: the default scenario scaled, one replication, JSON out.

    Parameters
    ----------
    factor
        Multiplier of demand, headcount and inbound base (:func:`scale_overrides`).
    days
        ``calendar.days`` of the run, or 0 for the scenario's own calendar.
    seed
        Experiment seed.
    """
    import sim

    path = sim.default_scenario_path()
    overrides = scale_overrides(sim.load_scenario(path), factor, days)
    scenario = sim.load_scenario(path, overrides)
    import_peak = _peak_rss_kb()
    out: dict[str, Any] = {"factor": factor, "days": scenario.calendar.days,
                           "name": scenario.name, "overrides": overrides,
                           "import_peak_kb": import_peak}
    out.update(_measure_run(scenario, seed, import_peak))
    print(json.dumps(out))


def _run_subprocess(args: list[str], what: str) -> dict[str, Any]:
    """Run ``bench/run.py`` with ``args`` in a fresh interpreter and read its JSON line."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed ({what}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _run_child(days: int, seed: int) -> dict[str, float]:
    return _run_subprocess(["--child-days", str(days), "--seed", str(seed)], f"{days} days")


def target_linear(sizes: Sizes, seed: int, repeats: int) -> dict[str, Any]:
    """Target 2: time per call and peak memory at three sizes, one fresh process each.

    Every size is run ``repeats`` times, interleaved (small, middle, large, small,
    ...), each time in a fresh subprocess. The verdict on time uses the fastest
    repeat of each size (the one least disturbed by other work on the machine);
    the slowest is printed too.

    Parameters
    ----------
    sizes
        Sizes of this invocation.
    seed
        Experiment seed (the same for every repeat: the runs are identical).
    repeats
        Fresh subprocesses per size.

    Returns
    -------
    dict
        ``floor`` (import-only subprocess), ``runs`` (one summary per size, with the
        repeats under ``repeats``) and the ratios of the largest size to the middle one.
    """
    _log("linear cost: import-only subprocess")
    floor = _run_child(0, seed)
    raw: dict[int, list[dict[str, float]]] = {d: [] for d in sizes.linear_days}
    for k in range(repeats):
        for days in sizes.linear_days:
            _log(f"linear cost: subprocess {k + 1}/{repeats}, {days} days "
                 f"(~{days * CALLS_PER_DAY:,.0f} calls)")
            run = _run_child(days, seed)
            run["us_per_call"] = run["engine_seconds"] / run["calls"] * 1e6
            run["cpu_us_per_call"] = run["cpu_seconds"] / run["calls"] * 1e6
            run["run_extra_kb"] = run["run_peak_kb"] - run["rss_before_kb"]
            raw[days].append(run)
    runs: list[dict[str, Any]] = []
    for days in sizes.linear_days:
        reps = raw[days]
        best = min(reps, key=lambda r: r["us_per_call"])
        runs.append({
            "days": days,
            "calls": best["calls"],
            "engine_seconds": best["engine_seconds"],
            "wall_seconds": best["wall_seconds"],
            "us_per_call": best["us_per_call"],
            "us_per_call_max": max(r["us_per_call"] for r in reps),
            "cpu_us_per_call": min(r["cpu_us_per_call"] for r in reps),
            "process_peak_kb": max(r["process_peak_kb"] for r in reps),
            "run_peak_kb": max(r["run_peak_kb"] for r in reps),
            "run_extra_kb": max(r["run_extra_kb"] for r in reps),
            "repeats": reps,
        })
    mid, big = runs[1], runs[2]
    return {
        "floor": floor,
        "runs": runs,
        "repeats": repeats,
        "time_ratio": big["us_per_call"] / mid["us_per_call"],
        "time_ratio_worst": big["us_per_call_max"] / mid["us_per_call_max"],
        "cpu_ratio": big["cpu_us_per_call"] / mid["cpu_us_per_call"],
        "memory_ratio": big["process_peak_kb"] / mid["process_peak_kb"],
        "run_memory_ratio": big["run_peak_kb"] / mid["run_peak_kb"],
        "extra_memory_ratio": big["run_extra_kb"] / max(mid["run_extra_kb"], 1.0),
    }


# --------------------------------------------------------------------------- target 3


def target_flanders(sizes: Sizes, seed: int) -> dict[str, Any]:
    """Target 3: the default scenario, replications with one worker and with all cores.

    Parameters
    ----------
    sizes
        Sizes of this invocation.
    seed
        Experiment seed.

    Returns
    -------
    dict
        One entry per number of workers, and the wall-time speed-up.
    """
    import sim

    scenario = sim.load_scenario(sim.default_scenario_path())
    cores = len(os.sched_getaffinity(0))
    out: dict[str, Any] = {"name": scenario.name, "days": scenario.calendar.days,
                           "replications": sizes.flanders_reps, "runs": {}}
    for jobs in (1, cores):
        if jobs in out["runs"]:
            continue
        _log(f"default scenario: {sizes.flanders_reps} replications, jobs={jobs}")
        start = time.perf_counter()
        res = sim.run(scenario, replications=sizes.flanders_reps, seed=seed, jobs=jobs)
        wall = time.perf_counter() - start
        info = res.run_info
        n = sizes.flanders_reps
        out["runs"][jobs] = {
            "wall_seconds": wall,
            "engine_seconds_per_rep": info["engine_seconds"] / n,
            "attempts_per_rep": info["attempts_simulated"] / n,
            "calls_per_rep": info["calls_simulated"] / n,
            "inbound_offered_per_rep": _offered(res) / n,
            "events_per_rep": info["events_simulated"] / n,
        }
    out["cores"] = cores
    out["speedup"] = out["runs"][1]["wall_seconds"] / out["runs"][cores]["wall_seconds"]
    return out


# --------------------------------------------------------------------------- target 4


def _fmt_factor(factor: float) -> str:
    return f"{factor:g}x"


def target_scale(sizes: Sizes, seed: int, repeats: int) -> dict[str, Any]:
    """Target 4: the default scenario at 1x and at ``scale_factor`` x its work.

    Each run is one replication in a fresh subprocess (``--child-scale``),
    1x then the scaled work, ``repeats`` times; the run of each size with the
    least time per event counts (the one least disturbed by other work).
    Work is scaled by :func:`scale_overrides`.

    Parameters
    ----------
    sizes
        Sizes of this invocation (``scale_factor``, ``scale_days``).
    seed
        Experiment seed.
    repeats
        Subprocesses per size.

    Returns
    -------
    dict
        ``runs`` (the best 1x and scaled runs), ``us_per_event`` (every run's,
        by size) and the ratios scaled ÷ 1x.
    """
    done: dict[float, list[dict[str, Any]]] = {1: [], sizes.scale_factor: []}
    for k in range(repeats):
        for factor in done:
            days = f"{sizes.scale_days} days" if sizes.scale_days else "its own calendar"
            _log(f"scale {k + 1}/{repeats}: default scenario at {_fmt_factor(factor)}, {days}, "
                 "one replication")
            run = _run_subprocess(["--child-scale", str(factor), "--child-scale-days",
                                   str(sizes.scale_days), "--seed", str(seed)],
                                  f"scale {_fmt_factor(factor)}")
            run["us_per_event"] = run["engine_seconds"] / run["events"] * 1e6
            run["cpu_us_per_event"] = run["cpu_seconds"] / run["events"] * 1e6
            run["run_extra_kb"] = run["run_peak_kb"] - run["rss_before_kb"]
            run["extra_bytes_per_event"] = run["run_extra_kb"] * 1024 / run["events"]
            done[factor].append(run)
    runs = [min(of_size, key=lambda run: run["us_per_event"]) for of_size in done.values()]
    small, big = runs
    return {
        "runs": runs,
        "repeats": repeats,
        "us_per_event": {factor: [run["us_per_event"] for run in of_size]
                         for factor, of_size in done.items()},
        "factor": sizes.scale_factor,
        "event_ratio": big["events"] / small["events"],
        "engine_ratio": big["engine_seconds"] / small["engine_seconds"],
        "time_ratio": big["us_per_event"] / small["us_per_event"],
        "cpu_ratio": big["cpu_us_per_event"] / small["cpu_us_per_event"],
        "memory_ratio": big["process_peak_kb"] / small["process_peak_kb"],
        "run_memory_ratio": big["run_peak_kb"] / small["run_peak_kb"],
        "extra_memory_ratio": big["run_extra_kb"] / max(small["run_extra_kb"], 1.0),
    }


# --------------------------------------------------------------------------- report


def _agreement_rows(t1: dict[str, Any]) -> list[list[str]]:
    exact = t1["exact"]
    models = [("project", "project (sim.run)")] + [(key, label) for key, _, label in BASELINES]
    rows = []
    for model, label in models:
        agree = t1["agreement"][model]
        row = [label]
        for key, digits in (("mean_wait_s", 3), ("p_abandon", 5)):
            mean, half = agree[key]
            ok = abs(mean - exact[key]) <= half
            row += [f"{mean:.{digits}f} ± {half:.{digits}f}", f"{exact[key]:.{digits}f}",
                    "ok" if ok else "OUTSIDE"]
        rows.append(row)
    return rows


def _baselines_identical(t1: dict[str, Any]) -> bool:
    """Whether every baseline gave the first one's figures on every agreement seed."""
    first = t1["agreement"][BASELINES[0][0]]["per_seed"]
    return all(
        np.allclose(t1["agreement"][key]["per_seed"], first, rtol=1e-9, atol=0.0)
        for key, _, _ in BASELINES[1:]
    )


def _summary(t1: dict[str, Any], t2: dict[str, Any], t3: dict[str, Any] | None,
             t4: dict[str, Any] | None) -> str:
    """The summary table: one row per target (verdicts against the issue's targets)."""
    first_label = BASELINES[0][2]
    summary = [[f"1. throughput: project calls/s ÷ {first_label} calls/s",
                f"{t1['ratio']:.2f}x", f">= {RATIO_TARGET:.0f}x",
                _verdict(t1["ratio"] >= RATIO_TARGET)]]
    summary += [[f"1. throughput: project calls/s ÷ {label} calls/s",
                 f"{t1['ratios'][key]:.2f}x", "(reported)", "-"]
                for key, _, label in BASELINES[1:]]
    for row in _agreement_rows(t1):
        both = row[3] == "ok" and row[6] == "ok"
        summary.append([f"1. Erlang A agreement, {row[0]}", f"wait {row[3]}, P(ab) {row[6]}",
                        "within 95 % CI", _verdict(both)])
    summary += [
        ["2. time per call, largest ÷ middle size (best repeats)", f"{t2['time_ratio']:.3f}",
         f"<= {TIME_PER_CALL_TARGET:.2f}", _verdict(t2["time_ratio"] <= TIME_PER_CALL_TARGET)],
        ["2. peak RSS (whole process), largest ÷ middle size", f"{t2['memory_ratio']:.3f}",
         f"<= {MEMORY_TARGET:.1f}", _verdict(t2["memory_ratio"] <= MEMORY_TARGET)],
        ["2. memory growth during the run, largest ÷ middle size",
         f"{t2['extra_memory_ratio']:.3f}", f"<= {MEMORY_TARGET:.1f}",
         _verdict(t2["extra_memory_ratio"] <= MEMORY_TARGET)],
    ]
    if t3 is not None:
        summary.append([f"3. default scenario, {t3['replications']} reps, jobs={t3['cores']} "
                        "vs 1", f"{t3['speedup']:.2f}x speed-up", "(reported)", "-"])
    if t4 is not None:
        scaled = _fmt_factor(t4["factor"])
        summary += [
            [f"4. scale: µs per event, {scaled} ÷ 1x", f"{t4['time_ratio']:.3f}",
             f"<= {TIME_PER_EVENT_TARGET:.1f}",
             _verdict(t4["time_ratio"] <= TIME_PER_EVENT_TARGET)],
            [f"4. scale: peak RSS, {scaled} ÷ 1x (whole process; run's own peak)",
             f"{t4['memory_ratio']:.2f}; {t4['run_memory_ratio']:.2f}", "(reported)", "-"],
        ]
    return _md_table(["target", "measured", "required", "verdict"], summary)


def _render_throughput(t1: dict[str, Any]) -> list[str]:
    proj = t1["project"]
    parts = ["", "## 1. Throughput on M/M/50+M (λ = 45/min, AHT 1 min, patience 2 min)", ""]
    rows = []
    for key, module, label in BASELINES:
        base = t1["baselines"][key]
        rows.append([f"{label} (`{module}.py`, model build → end of run)",
                     _fmt_int(base.calls), f"{base.seconds:.2f}", _seconds_list(t1, key),
                     _fmt_int(base.calls_per_s), f"{t1['ratios'][key]:.2f}x",
                     f"{t1['wall_ratios'][key]:.2f}x"])
    rows.append([f"project, engine_seconds ({proj['days']} days)", _fmt_int(proj["calls"]),
                 f"{proj['engine_seconds']:.2f}", _seconds_list(t1, "project"),
                 _fmt_int(proj["calls_per_s"]), "-", "-"])
    rows.append(["project, wall time of sim.run (incl. compile, collect)",
                 _fmt_int(proj["calls"]), f"{proj['wall_seconds']:.2f}", "",
                 _fmt_int(proj["wall_calls_per_s"]), "-", "-"])
    parts.append(_md_table(
        ["model", "calls (arrivals)", "seconds (best)", "every run (s)", "calls/s",
         "project (engine_seconds) ÷ this", "project (wall) ÷ this"],
        rows,
    ))
    parts += ["", f"Each model ran {t1['repeats']} time(s), interleaved (the three baselines, "
              "then the project); the fastest run of each is compared."]
    parts += ["", f"Project run: {_fmt_int(proj['served'])} calls served by an agent "
              f"(`calls_simulated`), {_fmt_int(proj['events'])} events. The target "
              f"(>= {RATIO_TARGET:.0f}x) is against the first model, the idiomatic "
              "process-per-call one."]
    reps, days, calls = t1["agreement_sizes"]
    identical = _baselines_identical(t1)
    parts += ["", f"Erlang A agreement (exact M/M/50+M; mean ± 95 % CI half-width over {reps} "
              f"independent replications: project {days} days ≈ "
              f"{_fmt_int(t1['agreement']['project']['calls_per_rep'])} calls each, "
              f"each simpy model {calls:,} calls each, the same {reps} seeds for the three; "
              "they draw in the same order, so they simulate the same callers and "
              + ("gave the same figures on every seed, as they must):" if identical else
                 "should give the same figures, but did NOT on every seed:"), ""]
    parts.append(_md_table(
        ["model", "mean wait (s)", "exact", "", "P(abandon)", "exact", ""],
        _agreement_rows(t1),
    ))
    return parts


def _seconds_list(t1: dict[str, Any], key: str) -> str:
    return ", ".join(f"{seconds:.2f}" for seconds in t1["seconds"][key])


def _render_linear(t2: dict[str, Any]) -> list[str]:
    parts = ["", "## 2. Linear cost (fresh subprocess per run, per-call log off)", ""]
    floor_mb = t2["floor"]["import_peak_kb"] / 1024
    rows = [["import sim only", "-", "-", "-", "-", "-", f"{floor_mb:.0f}", "-", "-"]]
    for run in t2["runs"]:
        rows.append([
            f"{run['days']} days", _fmt_int(run["calls"]), f"{run['engine_seconds']:.2f}",
            f"{run['us_per_call']:.3f} ({run['us_per_call_max']:.3f})",
            f"{run['cpu_us_per_call']:.3f}", f"{run['wall_seconds']:.2f}",
            f"{run['process_peak_kb'] / 1024:.0f}", f"{run['run_peak_kb'] / 1024:.0f}",
            f"{run['run_extra_kb'] / 1024:.0f}",
        ])
    parts.append(_md_table(
        ["size", "calls (arrivals)", "engine s", "µs per call, best (worst)", "CPU µs per call",
         "wall s", "process peak RSS MB", "run peak RSS MB", "run peak above pre-run RSS MB"],
        rows,
    ))
    mid, big = t2["runs"][1]["days"], t2["runs"][2]["days"]
    time_ok = t2["time_ratio"] <= TIME_PER_CALL_TARGET
    parts += [
        "",
        f"Each size ran {t2['repeats']} time(s) in a fresh subprocess, interleaved; µs per "
        "call = engine_seconds ÷ calls, best repeat (worst in brackets); CPU µs = process "
        "CPU time of sim.run ÷ calls. Process peak RSS = VmHWM, i.e. ru_maxrss without the "
        "parent's share that Linux carries over exec (includes the imports); "
        "run peak RSS = peak during sim.run alone (kernel peak mark reset after the imports "
        "and the scenario load).",
        "",
        f"- time per call, {big} ÷ {mid} days: **{t2['time_ratio']:.3f}** best, "
        f"{t2['time_ratio_worst']:.3f} worst, {t2['cpu_ratio']:.3f} in CPU time "
        f"(target <= {TIME_PER_CALL_TARGET:.2f}): {_verdict(time_ok)}",
        f"- peak RSS, {big} ÷ {mid} days: **{t2['memory_ratio']:.3f}** whole process, "
        f"{t2['run_memory_ratio']:.3f} during the run, {t2['extra_memory_ratio']:.2f} for the "
        f"run's growth above its starting RSS (target <= {MEMORY_TARGET:.1f}): "
        f"{_verdict(t2['memory_ratio'] <= MEMORY_TARGET)} (whole process), "
        f"{_verdict(t2['extra_memory_ratio'] <= MEMORY_TARGET)} (growth)",
    ]
    return parts


def _render_flanders(t3: dict[str, Any]) -> list[str]:
    parts = ["", f"## 3. Default scenario ({t3['name']}, {t3['days']} days, "
             f"{t3['replications']} replications)", ""]
    rows = []
    for jobs, run in t3["runs"].items():
        rows.append([
            f"jobs={jobs}", f"{run['wall_seconds']:.1f}",
            f"{run['engine_seconds_per_rep']:.2f}", _fmt_int(run["attempts_per_rep"]),
            _fmt_int(run["calls_per_rep"]), _fmt_int(run["inbound_offered_per_rep"]),
            _fmt_int(run["events_per_rep"]),
            "1.00x" if jobs == 1 else f"{t3['speedup']:.2f}x",
        ])
    parts.append(_md_table(
        ["workers", "wall s", "engine s / replication", "attempts / rep",
         "calls served / rep", "inbound offered / rep", "events / rep", "speed-up"],
        rows,
    ))
    return parts


def _render_scale(t4: dict[str, Any]) -> list[str]:
    small, big = t4["runs"]
    scaled = _fmt_factor(t4["factor"])
    parts = ["", f"## 4. Scale with the work ({small['name']}, {small['days']} days, "
             f"1x and {scaled}, one replication each, best of {t4['repeats']})", ""]
    rows = []
    for run in t4["runs"]:
        rows.append([
            _fmt_factor(run["factor"]), _fmt_int(run["events"]), _fmt_int(run["served"]),
            _fmt_int(run["attempts"]), _fmt_int(run["calls"]),
            f"{run['engine_seconds']:.2f}", f"{run['us_per_event']:.3f}",
            f"{run['cpu_us_per_event']:.3f}", f"{run['wall_seconds']:.2f}",
            f"{run['process_peak_kb'] / 1024:.0f}", f"{run['run_peak_kb'] / 1024:.0f}",
            f"{run['run_extra_kb'] / 1024:.0f}", f"{run['extra_bytes_per_event']:.0f}",
        ])
    parts.append(_md_table(
        ["work", "events", "calls served", "attempts", "inbound offered", "engine s",
         "µs per event", "CPU µs per event", "wall s", "process peak RSS MB",
         "run peak RSS MB", "run peak above pre-run RSS MB", "bytes of growth per event"],
        rows,
    ))
    time_ok = t4["time_ratio"] <= TIME_PER_EVENT_TARGET
    parts += [
        "",
        f"{scaled} multiplies the epidemic's expected cases (waves: baseline and peaks), "
        "`staffing.headcount` and `inbound.base_per_day` (`calls_per_case` stays: the cases "
        "grow already); per-call log off; each run in a fresh subprocess "
        f"(`run.py --child-scale`). Overrides of the {scaled} run: "
        + ", ".join(f"`{o}`" for o in big["overrides"]) + ". Memory columns as in target 2.",
        "",
        "- µs per event of every run: " + "; ".join(
            f"{_fmt_factor(factor)} " + ", ".join(f"{us:.3f}" for us in values)
            for factor, values in t4["us_per_event"].items())
        + " (the best of each size is in the table)",
        f"- events {scaled} ÷ 1x: {t4['event_ratio']:.2f}; engine seconds {scaled} ÷ 1x: "
        f"{t4['engine_ratio']:.2f}",
        f"- µs per event, {scaled} ÷ 1x: **{t4['time_ratio']:.3f}** "
        f"({t4['cpu_ratio']:.3f} in CPU time; target <= {TIME_PER_EVENT_TARGET:.1f}): "
        f"{_verdict(time_ok)}",
        f"- peak RSS, {scaled} ÷ 1x: **{t4['memory_ratio']:.2f}** whole process, "
        f"{t4['run_memory_ratio']:.2f} during the run, {t4['extra_memory_ratio']:.2f} for the "
        f"run's growth above its starting RSS (work ratio {t4['event_ratio']:.2f}; no "
        "numeric target: memory should follow what the outputs need)",
    ]
    return parts


def render(sizes: Sizes, mode: str, seed: int, machine: dict[str, str],
           t1: dict[str, Any], t2: dict[str, Any], t3: dict[str, Any] | None,
           t4: dict[str, Any] | None, profile: str | None) -> str:
    """The benchmark report in markdown (printed, and the ``run`` section of RESULTS.md).

    Parameters
    ----------
    sizes, mode, seed
        What was run.
    machine
        See :func:`machine_info`.
    t1, t2, t3, t4
        Results of the four targets (``t3`` is None with ``--skip-flanders``,
        ``t4`` with ``--skip-scale``).
    profile
        cProfile listing, or None.

    Returns
    -------
    str
    """
    scale_days = f"{sizes.scale_days} days" if sizes.scale_days else "its own calendar"
    parts: list[str] = []
    parts.append(
        f"`bench/run.py` ({mode} sizes, seed {seed}): simpy baselines {sizes.baseline_calls:,} "
        f"calls each; project {sizes.project_days} days of `bench/mmc.yaml`; linear cost at "
        f"{', '.join(str(d) for d in sizes.linear_days)} days; default scenario "
        f"{sizes.flanders_reps} replications; scale 1x and {_fmt_factor(sizes.scale_factor)} "
        f"on {scale_days}. Verdicts are against the issue's targets."
    )
    parts.append("")
    parts.append(_md_table(["machine", ""], [[k, v] for k, v in machine.items()]))
    parts += ["", "## Summary", "", _summary(t1, t2, t3, t4)]
    parts += _render_throughput(t1)
    parts += _render_linear(t2)
    if t3 is not None:
        parts += _render_flanders(t3)
    if t4 is not None:
        parts += _render_scale(t4)
    if profile is not None:
        parts += ["", f"## cProfile of the project run ({t1['project']['days']} days; "
                  "top 15 by tottime)", "", "```", profile.strip(), "```"]
    parts.append("")
    return "\n".join(parts)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make bench``.

    Parameters
    ----------
    argv
        Command-line arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        Exit status (0; the verdicts are in the table, not in the status).
    """
    parser = argparse.ArgumentParser(
        description="tracesim performance benchmarks (see bench/README.md).")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run at ~100k calls everywhere and target 4 at 2x on 20 "
                             "days (ratios not meaningful)")
    parser.add_argument("--skip-flanders", action="store_true",
                        help="skip target 3 (the default scenario)")
    parser.add_argument("--skip-scale", action="store_true",
                        help="skip target 4 (the default scenario at 1x and 10x its work)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile the target-1 project run (separately, untimed)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md",
                        help="markdown file whose 'run' section the report replaces, the "
                        "other sections kept (default: bench/RESULTS.md)")
    parser.add_argument("--seed", type=int, default=1, help="experiment seed (default 1)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs of each model in target 1 and fresh subprocesses per "
                             "size in target 2 (default 3; 1 with --quick)")
    parser.add_argument("--scale-repeats", type=int, default=None,
                        help="fresh subprocesses per size in target 4 (default 2; 1 with "
                             "--quick)")
    parser.add_argument("--child-days", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-scale", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-scale-days", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_days is not None:
        child_main(args.child_days, args.seed)
        return 0
    if args.child_scale is not None:
        child_scale_main(args.child_scale, args.child_scale_days, args.seed)
        return 0

    sizes = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    machine = machine_info()
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    t1 = target_throughput(sizes, args.seed, max(1, repeats))
    t2 = target_linear(sizes, args.seed, max(1, repeats))
    t3 = None if args.skip_flanders else target_flanders(sizes, args.seed)
    scale_repeats = (args.scale_repeats if args.scale_repeats is not None
                     else (1 if args.quick else 2))
    t4 = None if args.skip_scale else target_scale(sizes, args.seed, max(1, scale_repeats))
    profile = None
    if args.profile:
        _log(f"cProfile: project, {sizes.project_days} days")
        profile = profile_project(sizes.project_days, args.seed)
    machine["load average at end (1/5/15 min)"] = _loadavg()
    report = render(sizes, mode, args.seed, machine, t1, t2, t3, t4, profile)
    print(report)
    from results_md import write_section  # bench/, on sys.path above

    write_section(args.out, "run", report)
    _log(f"wrote the run section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
