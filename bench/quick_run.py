"""Benchmark: wall time of ``tracesim run scenarios/quick.yaml`` against its 3 s target.

Runs the command as a user types it (a fresh results directory each time,
figures included) five times and takes the median wall time, and in the same
invocation the median of ``python -c 'import sim'`` as a baseline of what the
machine's speed and load allow. Prints the ratios (median / 3 s target and
median / baseline) and writes them into its ``quick_run`` section of
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


def _wall(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _tracesim() -> str:
    local = Path(sys.executable).with_name("tracesim")
    return str(local) if local.exists() else shutil.which("tracesim") or "tracesim"


def measure(repeats: int) -> dict[str, list[float]]:
    """Alternate the baseline and the quick run ``repeats`` times; wall seconds of each."""
    times: dict[str, list[float]] = {"baseline": [], "quick": []}
    with tempfile.TemporaryDirectory(prefix="tracesim-bench-") as tmp:
        _wall([sys.executable, "-c", "import sim"], ROOT)  # warm the file cache, not timed
        for i in range(repeats):
            times["baseline"].append(_wall([sys.executable, "-c", "import sim"], ROOT))
            out = Path(tmp) / f"quick-{i}"
            times["quick"].append(_wall([_tracesim(), "run", "scenarios/quick.yaml",
                                         "--out", str(out)], ROOT))
    return times


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
        f"| `tracesim run scenarios/quick.yaml` (figures included) | {quick:.2f} | "
        + ", ".join(f"{t:.2f}" for t in times["quick"]) + " |",
        "| baseline: `python -c 'import sim'` | "
        f"{base:.2f} | " + ", ".join(f"{t:.2f}" for t in times["baseline"]) + " |",
        "",
        "| target | measured | required | verdict |",
        "|:--|--:|--:|--:|",
        f"| quick run ÷ 3 s target | {quick / TARGET_S:.3f} | <= 1.000 | {verdict} |",
        f"| quick run ÷ baseline (import sim) | {quick / base:.2f} | (reported) | - |",
        "",
        "Wall times depend on what else runs: a load average near 1 or above means another "
        "process held one of the two cores for part of the measurement.",
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
