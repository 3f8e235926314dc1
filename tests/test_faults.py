"""Fault injection (issue 11): SIGKILL at random moments, runs at the same time.

Each run is a real ``python -m sim.interfaces.cli run`` process on a tiny scenario (two or
three days of ``scenarios/quick.yaml``); worker processes are found by their
command line, which names the run's ``--out`` (forked workers share it).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.interfaces.cli import main
from sim.outputs.writer import is_results_directory

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "scenarios" / "quick.yaml"


def _command(out: Path, *extra: str, days: int = 2) -> list[str]:
    return [sys.executable, "-m", "sim.interfaces.cli", "run", str(QUICK), "--out", str(out), "-q",
            "--set", f"calendar.days={days}", *extra]


def _processes(marker: str) -> list[str]:
    """Live processes whose command line holds ``marker`` (zombies are dead already)."""
    listing = subprocess.run(["ps", "-ww", "-eo", "pid=,stat=,args="], capture_output=True,
                             text=True)  # -ww: whole command lines, whatever COLUMNS says
    rows = [line.split(None, 2) for line in listing.stdout.splitlines()]
    return [" ".join(row) for row in rows
            if len(row) == 3 and marker in row[2] and not row[1].startswith("Z")
            and not row[2].startswith("ps ")]


def _gone_within(marker: str, timeout_s: float) -> list[str]:
    """Wait until no process names ``marker``; return those still there after the timeout."""
    deadline = time.monotonic() + timeout_s
    while (left := _processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _tables(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.parquet"))}


def _complete(directory: Path) -> bool:
    names = ("scenario.yaml", "metadata.json", "summary.json", "daily.parquet",
             "people.parquet", "README.md")
    return is_results_directory(directory) and all((directory / n).is_file() for n in names) \
        and any((directory / "figures").glob("*.png"))


def test_workers_end_within_five_seconds_of_a_sigkilled_parent(tmp_path):
    out = tmp_path / "orphans"
    process = subprocess.Popen(_command(out, "-r", "4", "-j", "2", "--no-figures", days=365),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               cwd=tmp_path)
    deadline = time.monotonic() + 60
    while len(_processes(str(out))) < 3 and time.monotonic() < deadline:  # parent + 2 workers
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    assert len(_processes(str(out))) >= 3
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert _gone_within(str(out), 5.0) == []
    assert not out.exists()


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_no_partial_results_and_no_workers(tmp_path):
    """20 runs killed with SIGKILL at random: half at any moment, half while saving.

    After each kill: no worker survives (5 s), nothing visible but a complete
    results directory; the next run (the next trial) must succeed or be
    killed in turn, and a last run succeeds and cleans every leftover.
    """
    rng = np.random.default_rng(2020)
    out = tmp_path / "killed"
    codes = []
    for trial in range(20):
        process = subprocess.Popen(_command(out, "-r", "2", "-j", "2", "--overwrite"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, cwd=tmp_path)
        if trial % 2:  # while saving: once the temporary directory is there
            deadline = time.monotonic() + 60
            while (process.poll() is None and time.monotonic() < deadline
                   and not any(tmp_path.glob(".killed.tmp-*"))):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            time.sleep(rng.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        _, err = process.communicate()
        codes.append(process.returncode)
        assert process.returncode in (0, -signal.SIGKILL), err
        assert "Traceback" not in err and "being written by another run" not in err
        assert _gone_within(str(out), 5.0) == [], f"trial {trial}: a worker survived"
        visible = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
        assert visible in ([], ["killed"]), visible
        assert not visible or _complete(out), f"trial {trial}: a partial results directory"
    assert codes.count(-signal.SIGKILL) >= 10, codes  # most runs were killed mid-way
    last = subprocess.run(_command(out, "-r", "2", "-j", "2", "--overwrite"),
                          capture_output=True, text=True, cwd=tmp_path)
    assert last.returncode == 0, last.stderr
    assert _complete(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed"]  # leftovers cleaned


def test_two_runs_into_one_out_one_wins_the_other_exits_2(tmp_path):
    out = tmp_path / "shared"
    processes = {seed: subprocess.Popen(_command(out, "-r", "2", "-j", "1", "--no-figures",
                                                 "--seed", str(seed)),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True, cwd=tmp_path)
                 for seed in (11, 22)}
    ended = {seed: (p.wait(timeout=300), p.stderr.read() if p.stderr else "")
             for seed, p in processes.items()}
    codes = sorted(code for code, _ in ended.values())
    assert codes == [0, 2], ended
    winner = next(seed for seed, (code, _) in ended.items() if code == 0)
    loser_err = next(err for code, err in ended.values() if code == 2)
    assert "being written by another run (pid" in loser_err or "exists" in loser_err
    assert "Traceback" not in loser_err
    solo = tmp_path / "solo"
    assert main(["run", str(QUICK), "--out", str(solo), "-q", "--set", "calendar.days=2", "-r",
                 "2", "-j", "1", "--no-figures", "--seed", str(winner)]) == 0
    assert _tables(out) == _tables(solo)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared", "solo"]


@pytest.mark.slow
def test_eight_concurrent_runs_into_distinct_folders_equal_their_solo_runs(tmp_path):
    processes = [subprocess.Popen(_command(tmp_path / f"run{i}", "-r", "2", "-j", "1",
                                           "--no-figures", "--seed", str(i)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True, cwd=tmp_path) for i in range(8)]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    for i in range(8):
        solo = tmp_path / f"solo{i}"
        assert main(["run", str(QUICK), "--out", str(solo), "-q", "--set", "calendar.days=2",
                     "-r", "2", "-j", "1", "--no-figures", "--seed", str(i)]) == 0
        assert _tables(tmp_path / f"run{i}") == _tables(solo), i
