"""Hardening: every bad input a clear error, no half-written results, exact replays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.experiments.replications import SizeError, estimate_size
from sim.interfaces.cli import main
from tests.scenarios_for_tests import BASE, make

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, data: dict, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_every_problem_is_reported_at_once_with_line_and_path(tmp_path, capsys):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["tracing"]["index"]["reach_probability"] = 2
    data["tracing"]["index"]["max_attempts"] = 0
    data["tracing"]["contact"]["retry_after"] = "3 fortnights"
    data["agents"]["absenteism"] = 0.1
    data["inbound"]["handle_time"]["cv"] = -1
    path = write(tmp_path, data)
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 5
    text = path.read_text().splitlines()
    for line in lines:
        location, rest = line.split(" ", 1)
        file, line_no, col = location.split(":")
        assert file == str(path) and int(line_no) >= 1 and int(col) >= 1
        field = rest.split(":")[0].split(".")[-1]
        assert field.split(".")[-1] in text[int(line_no) - 1], (line, field)
    joined = "\n".join(lines)
    assert "did you mean 'absenteeism'" in joined
    assert "30s, 12min, 2h, 1d" in joined


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"tracing.index.handle_time": "0s"}, "tracing.index.handle_time.mean", "positive"),
        ({"staffing": {"policy": "schedule", "schedule": [{"date": "2020-09-09",
                                                           "headcount": 3}]}},
         "staffing.schedule.0.date", "starts after calendar.start"),
        ({"staffing": {"policy": "schedule", "schedule": [
            {"date": "2020-09-07", "headcount": 3}, {"date": "2020-09-07", "headcount": 4}]}},
         "staffing.schedule.1.date", "more than once"),
        ({"calendar.opening_hours": {"default": "20:00-08:00"}}, "calendar.opening_hours",
         "closing time must be after opening time"),
        ({"agents.shifts": [{"start": "08:00", "length": "4h",
                             "breaks": [{"after": "3h", "length": "2h"}]}]},
         "agents.shifts.0", "break must end within the shift"),
        ({"costs.billing": "per_case"}, "costs.fee_per_case", "needs a fee"),
    ],
)
def test_cross_field_errors(changes, path, words):
    with pytest.raises(sim.ScenarioError) as info:
        make(**changes)
    assert any(path in p and words in p for p in info.value.problems), info.value.problems


def test_warnings_do_not_stop_a_scenario(tmp_path, capsys):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["epidemic"]["waves"][0]["peak_date"] = "2021-01-01"
    data["agents"]["shifts"].append({"start": "22:00", "length": "6h", "share": 1})
    path = write(tmp_path, data)
    assert main(["validate", str(path)]) == 0
    captured = capsys.readouterr()
    assert "ok" in captured.out
    warnings = captured.err.strip().splitlines()
    assert any("epidemic.waves.0.peak_date: warning:" in w and "outside the run" in w
               for w in warnings)
    assert any("agents.shifts.2: warning:" in w and "outside opening hours" in w
               for w in warnings)


def test_yaml_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(sim.ScenarioError):
        sim.load_scenario(path)
    assert not marker.exists()


def test_size_guard_refuses_with_the_estimate_and_the_way_out(tmp_path, capsys):
    big = make(**{"epidemic.baseline_per_day": 5_000_000, "calendar.days": 60})
    size = estimate_size(sim.compile_plan(big), 10)
    assert size["services"] > 5e8
    with pytest.raises(SizeError, match="--force"):
        sim.run(big, replications=10, seed=1)
    logged = make(**{"epidemic.baseline_per_day": 500_000, "calendar.days": 30,
                     "simulation.calls_log": True})
    with pytest.raises(SizeError, match="calls_log"):
        sim.run(logged, replications=10, seed=1)
    path = write(tmp_path, big.model_dump(mode="json", by_alias=True))
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "-r", "10"]) == 2
    err = capsys.readouterr().err
    assert "calls and attempts" in err and "--force" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_failing_save_leaves_no_directory(quick_path, tmp_path, monkeypatch):
    results = sim.run(sim.load_scenario(quick_path, ["calendar.days=2"]), replications=1,
                      seed=1)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("sim.outputs.figures.files.save_figure", boom)
    with pytest.raises(RuntimeError):
        results.save(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("earlier results")
    (tmp_path / "out" / "metadata.json").write_text('{"tracesim_version": "0.1.0"}')  # ours
    with pytest.raises(RuntimeError):
        results.save(tmp_path / "out", overwrite=True)
    assert (tmp_path / "out" / "keep.txt").read_text() == "earlier results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _children_running(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_leaves_no_results_and_no_workers(tmp_path, sig, code):
    out = tmp_path / f"interrupted-{int(sig)}"
    scenario = ROOT / "scenarios" / "quick.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.interfaces.cli", "run", str(scenario), "--out", str(out),
         "-r", "40", "-j", "2", "--set", "calendar.days=365"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )
    time.sleep(4.0)  # well into the replications (a year each: about 10 s in all)
    assert process.poll() is None, process.communicate()
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}")] == []
    time.sleep(0.5)
    assert _children_running(str(out)) == []


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (Linux: SigCgt of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("sig", "code", "after_s"),
                         [(signal.SIGTERM, 143, 0.0), (signal.SIGINT, 130, 0.1),
                          (signal.SIGTERM, 143, 0.25), (signal.SIGINT, 130, 0.4)])
def test_a_signal_during_start_up_ends_the_run_at_once_and_quietly(tmp_path, sig, code,
                                                                    after_s):
    """While the console script imports and loads the scenario, a signal ends it at once.

    Raised as an exception there, it landed inside imports and pydantic's schema
    building (a SchemaError traceback) or was swallowed (the run went on, exit 0).
    """
    out = tmp_path / "started"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.interfaces.cli", "run", str(ROOT / "scenarios" / "quick.yaml"),
         "--out", str(out), "-r", "8", "-j", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 30
    while not _catches_sigterm(process.pid) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(after_s)
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    name = "interrupted" if sig == signal.SIGINT else "terminated"
    assert (process.returncode, err) == (code, f"tracesim: {name}; no results written\n")
    assert list(tmp_path.iterdir()) == []  # no results, no temporary directory, no lock
    time.sleep(0.5)
    assert _children_running(str(out)) == []


def test_same_seed_gives_byte_identical_tables_for_any_jobs(quick_path, tmp_path):
    args = ["run", str(quick_path), "-r", "3", "--seed", "5", "-q", "--no-figures"]
    assert main(args + ["--out", str(tmp_path / "one"), "-j", "1"]) == 0
    assert main(args + ["--out", str(tmp_path / "two"), "-j", "2"]) == 0
    names = sorted(p.name for p in (tmp_path / "one").iterdir()
                   if p.suffix in (".parquet", ".csv"))
    assert "daily.parquet" in names and "people.parquet" in names
    for name in names:
        one, two = (tmp_path / d / name for d in ("one", "two"))
        assert one.read_bytes() == two.read_bytes(), name


def test_rerun_reports_a_match_and_finds_a_tampered_table(quick_path, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(quick_path), "--out", str(out), "-r", "2", "-q", "--no-figures",
                 "--set", "calendar.days=4"]) == 0
    assert main(["rerun", str(out), "-j", "2"]) == 0
    assert "match: every table is identical" in capsys.readouterr().out
    table = pd.read_parquet(out / "replications.parquet")
    table.loc[1, "idle_hours"] += 0.001
    table.to_parquet(out / "replications.parquet", index=False)
    assert main(["rerun", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "replications: DIFFERENT (column idle_hours, row 1" in printed
    assert main(["rerun", str(tmp_path)]) == 2
    assert "not a results directory" in capsys.readouterr().err


def test_results_are_never_overwritten_without_overwrite(quick_path, tmp_path):
    out = tmp_path / "res"
    args = ["run", str(quick_path), "--out", str(out), "-r", "1", "-q", "--no-figures",
            "--set", "calendar.days=2"]
    assert main(args) == 0
    before = (out / "metadata.json").read_text()
    assert main(args) == 2
    assert (out / "metadata.json").read_text() == before
    assert main(args + ["--overwrite"]) == 0
    assert os.listdir(tmp_path) == ["res"]
