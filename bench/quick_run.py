"""Benchmark: wall time of ``tracesim run scenarios/quick.yaml`` against its 3 s target.

Runs the command as a user types it (a fresh results directory each time,
figures included) five times and takes the median wall time, alternated with
a baseline of what the machine's speed and load allow: the median of
``python -c 'import sim.experiments.replications, sim.outputs.figures'``, the imports such a
run needs.

Python caches compiled modules (``__pycache__``) unless
``PYTHONDONTWRITEBYTECODE`` is set, as it is on some build machines; both are
measured. The target is judged on the usual case, with the cache (written by
one untimed run first); the other row shows what compiling every module on
every start adds. Prints the ratios (median / 3 s target and median /
baseline) and writes them into its ``quick_run`` section of
``bench/RESULTS.md`` (between its markers, ``bench/results_md.py``: replacing
the previous one, leaving the rest of the file as it is). It is a benchmark,
not a test: it always exits 0.

Usage::

    .venv/bin/python bench/quick_run.py [--repeats 5] [--out bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import write_section  # bench/, the script's own folder

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 3.0
HEADING = "## Quick run: `tracesim run scenarios/quick.yaml` (issue 12)"


def _wall(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def _tracesim() -> str:
    local = Path(sys.executable).with_name("tracesim")
    return str(local) if local.exists() else shutil.which("tracesim") or "tracesim"


def _environments() -> dict[str, dict[str, str]]:
    """The two ways Python may start: compiled modules cached (usual) or not."""
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {"cached": cached, "uncached": {**cached, "PYTHONDONTWRITEBYTECODE": "1"}}


BASELINE = [sys.executable, "-c", "import sim.experiments.replications, sim.outputs.figures"]


def measure(repeats: int) -> dict[str, list[float]]:
    """Alternate the baseline and the quick run ``repeats`` times, per environment.

    Returns
    -------
    dict
        Wall seconds of each run: ``baseline`` and ``quick`` with the module
        cache, ``baseline_uncached`` and ``quick_uncached`` without it.
    """
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="tracesim-bench-") as tmp:
        for label, env in _environments().items():
            suffix = "" if label == "cached" else "_uncached"
            quick = [_tracesim(), "run", "scenarios/quick.yaml", "-q"]
            _wall(quick + ["--out", f"{tmp}/warm{suffix}"], ROOT, env)  # caches; not timed
            for i in range(repeats):
                times.setdefault(f"baseline{suffix}", []).append(_wall(BASELINE, ROOT, env))
                times.setdefault(f"quick{suffix}", []).append(
                    _wall(quick + ["--out", f"{tmp}/quick{suffix}-{i}"], ROOT, env))
    return times


def _row(what: str, runs: list[float]) -> str:
    return (f"| {what} | {statistics.median(runs):.2f} | "
            + ", ".join(f"{t:.2f}" for t in runs) + " |")


def report(times: dict[str, list[float]]) -> str:
    """Markdown section with the medians, all times and the ratios."""
    quick = statistics.median(times["quick"])
    base = statistics.median(times["baseline"])
    verdict = "PASS" if quick <= TARGET_S else "FAIL"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        HEADING, "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {cores} cores, load average at the end "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; median of {len(times['quick'])} "
        "runs each, alternated (`bench/quick_run.py`).", "",
        "| what | median wall s | all runs (s) |",
        "|:--|--:|:--|",
        _row("`tracesim run scenarios/quick.yaml` (figures included)", times["quick"]),
        _row("baseline: `python -c 'import sim.experiments.replications, sim.outputs.figures'`",
             times["baseline"]),
        _row("the run, modules compiled at every start (`PYTHONDONTWRITEBYTECODE=1`)",
             times["quick_uncached"]),
        _row("the baseline, modules compiled at every start", times["baseline_uncached"]),
        "",
        "| target | measured | required | verdict |",
        "|:--|--:|--:|--:|",
        f"| quick run ÷ 3 s target | {quick / TARGET_S:.3f} | <= 1.000 | {verdict} |",
        f"| quick run ÷ baseline (its imports) | {quick / base:.2f} | (reported) | - |",
        "",
        "Wall times depend on what else runs: a load average near 1 or above means another "
        "process held one of the two cores for part of the measurement. The target is judged "
        "with compiled modules cached, as Python does by default.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    section = report(measure(max(1, args.repeats)))
    print(section)
    write_section(args.out, "quick_run", section)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
