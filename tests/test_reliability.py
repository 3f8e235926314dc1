"""Reliability under hostile input (issue 11): each probe of the issue's table, as a test.

The fault-injection tests (SIGKILL, concurrent runs) are in tests/test_faults.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import sim
import sim.interfaces.api
from sim.analysis.metrics import is_share, summarise
from sim.experiments.replications import SizeError, estimate_size
from sim.interfaces.cli import main
from sim.outputs.writer import (
    LockedError,
    check_out_path,
    clean_leftovers,
    directory_lock,
    is_results_directory,
    safe_folder_name,
)

ROOT = Path(__file__).resolve().parents[1]
QUICK = ROOT / "scenarios" / "quick.yaml"
TINY = ["--set", "calendar.days=2", "-r", "2", "-q", "--no-figures"]


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(QUICK), "--out", str(out), *TINY, *extra])


def _dead_pid() -> int:
    """A pid that no process has (that of a child that has ended and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _tables(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.parquet"))}


def _one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if "warning:" not in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- leftovers


def test_temporary_siblings_of_dead_runs_are_removed_with_a_notice(tmp_path, capsys):
    out = tmp_path / "res"
    pid = _dead_pid()
    partial = tmp_path / f".res.tmp-{pid}-0123abcd"
    (partial / "figures").mkdir(parents=True)
    (partial / "daily.csv").write_text("partial")
    alive = tmp_path / f".res.tmp-{os.getpid()}-0123abcd"  # a live run's: left alone
    alive.mkdir()
    assert _run(out) == 0
    err = capsys.readouterr().err
    assert f"removed {partial}, left by a run that died (pid {pid})" in err
    assert not partial.exists() and alive.exists()
    assert is_results_directory(out)


def test_a_run_killed_between_the_two_renames_gets_its_old_results_back(tmp_path):
    out = tmp_path / "res"
    assert _run(out) == 0
    before = _tables(out)
    pid = _dead_pid()
    backup = tmp_path / f".res.old-{pid}-89abcdef"
    out.rename(backup)  # as left by a run killed after moving the old directory away
    notices: list[str] = []
    clean_leftovers(out, notices.append)
    assert _tables(out) == before and not backup.exists()
    assert notices and "restored" in notices[0]


# --------------------------------------------------------------------------- one writer


def test_a_second_run_into_a_locked_directory_fails_at_once(tmp_path, capsys):
    out = tmp_path / "res"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom sim.outputs.writer import directory_lock\n"
         f"with directory_lock({str(out)!r}):\n"
         "    print('locked', flush=True)\n    sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        start = time.perf_counter()
        assert _run(out) == 2
        elapsed = time.perf_counter() - start
        line = _one_line_error(capsys.readouterr().err)
        assert f"{out} is being written by another run (pid {holder.pid})" in line
        assert not out.exists() and elapsed < 60  # refused before simulating
        with pytest.raises(LockedError), directory_lock(out):
            pass
    finally:
        holder.communicate("")
    assert holder.returncode == 0
    assert _run(out) == 0  # the lock is free again


def test_a_stale_lock_from_a_dead_pid_is_taken_over_with_a_notice(tmp_path, capsys):
    out = tmp_path / "res"
    pid = _dead_pid()
    (tmp_path / ".res.lock").write_text(f"{pid}\n")
    assert _run(out) == 0
    assert f"took over the lock of {out} left by a run that is gone (pid {pid})" in \
        capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # lock file removed


# --------------------------------------------------------------------------- overwrite


def test_overwrite_never_replaces_a_folder_tracesim_did_not_write(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    assert _run(out, "--overwrite") == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "not a results directory written by tracesim" in line
    assert (out / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_overwrite_never_replaces_a_regular_file(tmp_path, capsys):
    out = tmp_path / "afile"
    out.write_text("keep me")
    assert _run(out, "--overwrite") == 2
    assert "is a file, not a results directory" in _one_line_error(capsys.readouterr().err)
    assert out.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]  # no stray .afile.old-


def test_overwrite_replaces_a_results_directory(tmp_path):
    out = tmp_path / "res"
    assert _run(out, "--seed", "1") == 0
    first = _tables(out)
    assert _run(out, "--seed", "2", "--overwrite") == 0
    assert _tables(out) != first and is_results_directory(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


@pytest.mark.parametrize("bad", [".", "/", "..", "results/..", "../elsewhere", "a\\b"])
def test_out_values_that_name_other_work_are_refused_before_any_work(bad, tmp_path,
                                                                     monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    def no_run(*args, **kwargs):
        raise AssertionError("simulated although --out was refused")

    monkeypatch.setattr(sim.interfaces.api, "run", no_run)
    assert main(["run", str(QUICK), "--out", bad, "--overwrite", "-q"]) == 2
    assert "--out" in _one_line_error(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_out_may_not_be_the_current_directory_or_a_parent(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for bad in (str(work), str(tmp_path), "./"):
        with pytest.raises(ValueError, match="holds other work|not a folder name"):
            check_out_path(bad)
    assert check_out_path("results/x") == Path("results/x")


@pytest.mark.parametrize(("name", "folder"), [
    ("../../escaped", "escaped"), ("a/b", "a-b"), ("..", "scenario"), (".hidden", "hidden"),
    ("x\\..\\y", "x-y"), ("tab\there", "tab_here"),
    ("Flanders autumn 2020", "Flanders autumn 2020"),
])
def test_scenario_names_become_one_safe_folder_name(name, folder):
    assert safe_folder_name(name) == folder


def test_a_hostile_name_is_written_under_results(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = work / "s.yaml"
    scenario.write_text(QUICK.read_text().replace("name: quick", 'name: "../../escaped"'))
    assert main(["run", str(scenario), *TINY]) == 0
    assert is_results_directory(work / "results" / "escaped")
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()


# --------------------------------------------------------------------------- strict values


def test_duplicate_keys_are_an_error_naming_both_lines(tmp_path, capsys):
    text = QUICK.read_text().replace("  headcount: 25\n", "  headcount: 25\n  headcount: 2500\n")
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    first = text.splitlines().index("  headcount: 25") + 1
    assert main(["validate", str(path)]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"{path}:{first + 1}:3 staffing.headcount:")
    assert f"at lines {first} and {first + 1}" in line


def test_duplicate_keys_in_a_parent_file_are_found_too(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(QUICK.read_text().replace("  seed: 1\n", "  seed: 1\n  seed: 2\n"))
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\n")
    with pytest.raises(sim.ScenarioError, match="'seed' is given twice"):
        sim.load_scenario(child)


@pytest.mark.parametrize("value", ["true", "yes", "on", "false"])
def test_booleans_are_refused_where_numbers_are_expected_in_set(value, capsys):
    assert main(["validate", str(QUICK), "--set", f"staffing.headcount={value}"]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"--set staffing.headcount={value} staffing.headcount:")
    assert "is a boolean" in line and "not a number" in line


def test_booleans_are_refused_where_numbers_are_expected_in_yaml(tmp_path):
    data = yaml.safe_load(QUICK.read_text())
    data["staffing"]["headcount"] = True
    data["tracing"]["index"]["reach_probability"] = False
    data["calendar"]["days"] = True
    path = tmp_path / "bools.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False).replace("headcount: true",
                                                                  "headcount: yes"))
    with pytest.raises(sim.ScenarioError) as info:
        sim.load_scenario(path)
    problems = info.value.problems
    text = path.read_text().splitlines()
    for field in ("staffing.headcount", "tracing.index.reach_probability", "calendar.days"):
        line = next(p for p in problems if f" {field}: " in p)
        assert "is a boolean" in line
        line_no = int(line.split(":")[1])
        assert field.rsplit(".", 1)[-1] in text[line_no - 1]
    # booleans stay fine where booleans are expected
    assert sim.load_scenario(QUICK, ["simulation.calls_log=yes"]).simulation.calls_log is True


def test_a_non_utf8_file_gets_its_line_and_byte_offset(tmp_path, capsys):
    raw = QUICK.read_bytes()
    offset = raw.index(b"Two weeks")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(raw[:offset] + b"Caf\xe9 " + raw[offset:])
    line_no = raw[:offset].count(b"\n") + 1
    column = offset - raw[:offset].rfind(b"\n") - 1 + 4
    assert main(["validate", str(path)]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"{path}:{line_no}:{column} ")
    assert f"byte 0xe9 at byte offset {offset + 3}" in line and "UTF-8" in line


@pytest.mark.parametrize(("setting", "words"), [
    ("tracing.index.reach_probability=2", "less than or equal to 1"),
    ("staffing.headcont=5", "did you mean 'headcount'"),
    ("calendar.days=abc", "valid integer"),
])
def test_a_set_problem_is_placed_at_the_set_not_at_a_file_line(setting, words, capsys):
    assert main(["validate", str(QUICK), "--set", setting]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"--set {setting} ") and words in line
    assert str(QUICK) not in line


@pytest.mark.parametrize("seed", ["-1", str(2**63), "-5"])
def test_seed_is_checked_like_simulation_seed(seed, tmp_path, capsys):
    assert _run(tmp_path / "res", "--seed", seed) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert line.startswith(f"--seed {seed}: ") and "2^63" in line
    assert not (tmp_path / "res").exists()
    assert _run(tmp_path / "res", "--seed", str(2**63 - 1)) == 0


def test_jobs_are_capped_at_replications_and_cores_with_a_notice(tmp_path, monkeypatch, capsys):
    from sim.plumbing.workers import default_jobs

    used: list[int | None] = []
    real_run = sim.run

    def recording_run(*args, **kwargs):
        used.append(kwargs.get("jobs"))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(sim.interfaces.api, "run", recording_run)
    assert _run(tmp_path / "res", "--jobs", "100000") == 0
    limit = min(2, default_jobs())
    assert used == [limit]
    assert f"--jobs 100000 lowered to {limit}" in capsys.readouterr().err
    assert _run(tmp_path / "res2", "--jobs", "1") == 0
    assert used[-1] == 1 and "lowered" not in capsys.readouterr().err


@pytest.mark.parametrize("seed", [-1, 2**63, -5, 2.5, "7", True])
def test_the_api_checks_the_seed_as_the_cli_does(seed, monkeypatch):
    from sim.experiments.replications import seed_problem

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated with a bad seed")

    monkeypatch.setattr("sim.experiments.replications.simulate", no_simulation)
    problem = seed_problem(seed)
    assert problem is not None and "2^63" in problem  # the text of the --seed line too
    with pytest.raises(ValueError) as info:
        sim.run(sim.load_scenario(QUICK), replications=1, seed=seed)
    assert str(info.value) == f"seed {seed!r}: {problem}"


def test_the_api_accepts_the_ends_of_the_seed_range() -> None:
    from sim.experiments.replications import seed_problem

    scenario = sim.load_scenario(QUICK, ["calendar.days=2"])
    for seed in (0, 2**63 - 1, np.int64(2**63 - 1)):
        assert seed_problem(seed) is None
    assert sim.run(scenario, replications=1, seed=2**63 - 1).seed == 2**63 - 1


def test_the_api_caps_jobs_at_replications_and_cores_with_a_warning(monkeypatch) -> None:
    import warnings

    import sim.experiments.replications as experiment
    from sim.experiments.executor import make_executor

    cores = 2
    monkeypatch.setattr(experiment, "default_jobs", lambda: cores)
    used: list[int | None] = []
    real_executor_for = experiment.executor_for

    def recording(executor, jobs, scheduler, tasks):  # records the workers, runs in-process
        used.append(jobs)
        return real_executor_for(executor, 1, scheduler, tasks)

    monkeypatch.setattr(experiment, "executor_for", recording)
    scenario = sim.load_scenario(QUICK, ["calendar.days=2"])
    for replications, jobs in ((1, 8), (3, 5), (2, 100_000)):
        limit = min(replications, cores)
        with pytest.warns(UserWarning) as caught:
            sim.run(scenario, replications=replications, seed=1, jobs=jobs)
        assert used[-1] == limit
        assert [str(w.message) for w in caught] == [
            f"jobs={jobs} lowered to {limit} ({replications} replications, {cores} cores)"]
        assert caught[0].filename == __file__  # points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when nothing is lowered
        for replications, jobs in ((3, 2), (1, 1), (4, None)):
            sim.run(scenario, replications=replications, seed=1, jobs=jobs)
            assert used[-1] == jobs
        with make_executor("local", jobs=1) as ex:  # an open executor: jobs is not used
            sim.run(scenario, replications=1, seed=1, jobs=8, executor=ex)
            assert used[-1] == 8
    # the CLI's notice is the same check and the same words
    assert experiment.capped_jobs(8, 1) == (1, f"lowered to 1 (1 replications, {cores} cores)")
    assert experiment.capped_jobs(None, 1) == (None, None)


# --------------------------------------------------------------------------- memory guard


def test_the_memory_guard_counts_agents_and_refuses_before_simulating(tmp_path, monkeypatch,
                                                                      capsys):
    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated although the memory guard should refuse")

    monkeypatch.setattr("sim.experiments.replications.simulate", no_simulation)
    huge = ["--set", "staffing.headcount=10000000", "--set", "staffing.max_headcount=10000000",
            "--set", "calendar.days=365"]
    assert main(["run", str(QUICK), "--out", str(tmp_path / "o"), "-q", *huge]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "memory" in line and "agent-days" in line and "--force" in line
    assert not (tmp_path / "o").exists()
    # the estimate grows with agents x days, whatever the demand
    small = sim.compile_plan(sim.load_scenario(QUICK))
    big = sim.compile_plan(sim.load_scenario(QUICK, ["staffing.headcount=2500"]))
    ratio = estimate_size(big, 4)["agent_day_bytes"] / estimate_size(small, 4)["agent_day_bytes"]
    assert ratio == pytest.approx(100)


def test_the_memory_guard_counts_a_fixed_headcount_above_max_headcount() -> None:
    # the roster runs an initial plan unclipped, so the estimate must not clip it either
    # (5,000,000 agents on the quick scenario reached 7 GB per worker before this fix)
    within = sim.compile_plan(sim.load_scenario(QUICK, ["staffing.headcount=1000000"]))
    above = sim.compile_plan(sim.load_scenario(QUICK, ["staffing.headcount=5000000"]))
    assert estimate_size(above, 1)["agents"] == 5_000_000
    ratio = estimate_size(above, 1)["agent_day_bytes"] / estimate_size(within, 1)["agent_day_bytes"]
    assert ratio == pytest.approx(5)


def test_the_memory_cap_is_documented_and_obeyed(monkeypatch):
    scenario = sim.load_scenario(QUICK)
    monkeypatch.setenv("TRACESIM_MEMORY_LIMIT", "64M")
    with pytest.raises(SizeError, match="TRACESIM_MEMORY_LIMIT=64M"):
        sim.run(scenario, replications=2, seed=1)
    monkeypatch.setenv("TRACESIM_MEMORY_LIMIT", "64G")
    assert sim.run(scenario.with_changes({"calendar.days": 2}), replications=1, seed=1)


# --------------------------------------------------------------------------- reproduction


def test_the_saved_scenario_records_the_seed_and_replications_used(tmp_path, monkeypatch):
    out = tmp_path / "res"
    assert _run(out, "--seed", "22") == 0
    saved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert saved["simulation"]["seed"] == 22 and saved["simulation"]["replications"] == 2
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["scenario_hash"] == sim.load_scenario(out / "scenario.yaml").hash()
    again = tmp_path / "again"
    assert main(["run", str(out / "scenario.yaml"), "--out", str(again), "-q",
                 "--no-figures"]) == 0
    assert _tables(again) == _tables(out)


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_the_results_folder_mode_follows_the_umask(umask, tmp_path):
    previous = os.umask(umask)
    try:
        assert _run(tmp_path / "res") == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "res").stat().st_mode & 0o777 == 0o777 & ~umask


def test_svg_figures_are_byte_reproducible_and_rerun_compares_them(tmp_path, capsys):
    from sim.outputs.replay import compare_figures

    results = sim.run(sim.load_scenario(QUICK, ["calendar.days=3"]), replications=2, seed=4)
    out, twin = tmp_path / "res", tmp_path / "twin"
    results.save(out, figure_formats=("svg",))
    results.save(twin, figure_formats=("svg",))
    svgs = sorted((out / "figures").glob("*.svg"))
    assert len(svgs) >= 4
    for svg in svgs:
        assert svg.read_bytes() == (twin / "figures" / svg.name).read_bytes(), svg.name
    assert main(["rerun", str(out)]) == 0
    assert f"figures: identical ({len(svgs)} files)" in capsys.readouterr().out
    svgs[0].write_text(svgs[0].read_text().replace("</svg>", "<!-- edited --></svg>"))
    assert compare_figures(out, results) == (len(svgs), [svgs[0].name])


# --------------------------------------------------------------------------- CIs of shares


def test_share_intervals_stay_within_zero_and_one():
    near_one = pd.DataFrame({"contacts_reached_within_deadline_share":
                             [1.0, 1.0, 1.0, 0.72, 1.0, 0.85],
                             "idle_share": [0.02, 0.0, 0.01, 0.0, 0.03, 0.0],
                             "paid_hours": [10.0, 12.0, 9.0, 15.0, 11.0, 10.5]})
    summary = summarise(near_one).set_index("metric")
    for name in ("contacts_reached_within_deadline_share", "idle_share"):
        row = summary.loc[name]
        assert 0.0 <= row.ci_low <= row["mean"] <= row.ci_high <= 1.0, name
    # a plain Student-t interval would have passed 1 here; hours, which cannot be negative,
    # get the interval on the log scale (delta method): m exp(+-t s / (sqrt(n) m))
    values = near_one["contacts_reached_within_deadline_share"]
    t_high = values.mean() + stats.t.ppf(0.975, 5) * values.std() / np.sqrt(6)
    assert t_high > 1.0
    hours = near_one["paid_hours"]
    half = stats.t.ppf(0.975, 5) * hours.std() / np.sqrt(6) / hours.mean()
    assert summary.loc["paid_hours", "ci_high"] == pytest.approx(hours.mean() * np.exp(half))
    assert summary.loc["paid_hours", "ci_low"] == pytest.approx(hours.mean() * np.exp(-half))
    # a share equal in every replication has a zero-width interval at that value
    same = summarise(pd.DataFrame({"occupancy": [1.0, 1.0, 1.0]})).iloc[0]
    assert same.ci_low == same.ci_high == 1.0
    assert is_share("inbound_service_level") and not is_share("idle_share_diff")


@pytest.mark.parametrize(("mean", "concentration", "n"), [(0.93, 50, 10), (0.05, 100, 4),
                                                           (0.5, 20, 10)])
def test_share_intervals_cover_the_true_mean(mean, concentration, n):
    """Coverage of the logit interval on Beta-distributed replication values.

    4,000 intervals: the coverage's standard error is sqrt(0.95 * 0.05 / 4000) =
    0.0034; the delta method is asymptotic, so 0.02 (6 SE) below 0.95 is allowed.
    """
    rng = np.random.default_rng(11)
    draws = rng.beta(mean * concentration, (1 - mean) * concentration, size=(n, 4000))
    # 4,000 experiments as 4,000 share columns of one table (each a *_share metric)
    names = [f"m{i}_share" for i in range(4000)]
    summary = summarise(pd.DataFrame(draws, columns=names), methods=dict.fromkeys(names, "share"))
    assert ((summary["ci_low"] >= 0) & (summary["ci_high"] <= 1)).all()
    covered = (summary["ci_low"] <= mean) & (mean <= summary["ci_high"])
    assert covered.mean() >= 0.95 - 0.02


def test_every_share_of_a_run_has_an_interval_within_zero_and_one():
    results = sim.run(sim.load_scenario(QUICK, ["calendar.days=4"]), replications=4, seed=3)
    summary = results.tables["summary"]
    shares = summary[[is_share(m) for m in summary["metric"]]].dropna(subset=["ci_low"])
    assert len(shares) >= 5
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    assert ((shares["ci_low"] <= shares["mean"]) & (shares["mean"] <= shares["ci_high"])).all()
