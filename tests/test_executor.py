"""The executor layer: order, interruption, progress, and the same tables on local and dask."""

from __future__ import annotations

import signal
import time

import pandas as pd
import pytest

import sim
from sim.experiments.executor import (
    DaskExecutor,
    InProcessExecutor,
    ProcessExecutor,
    executor_for,
    make_executor,
    using,
)
from sim.interfaces.api import sweep
from sim.interfaces.cli import main

pytest.importorskip("distributed")


def slow_square(x: int, delay_s: float) -> int:
    """Module level, so that worker processes can import it."""
    time.sleep(delay_s)
    return x * x


def signal_state(_: int) -> tuple[bool, bool, bool]:
    """In a worker: (SIGINT or SIGTERM blocked, SIGINT ignored, SIGTERM at its default)."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (bool({signal.SIGINT, signal.SIGTERM} & blocked),
            signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
            signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)


def fail_on(x: int, bad: int) -> int:
    if x == bad:
        raise ValueError(f"task {x} failed")
    return x


@pytest.fixture(scope="module")
def dask2():
    """One two-worker LocalCluster (processes) for the whole module."""
    with make_executor("dask", jobs=2) as ex:
        yield ex


@pytest.fixture
def short(quick_path):
    return sim.load_scenario(quick_path).with_changes({"calendar.days": 3})


def test_results_come_back_in_submission_order_whatever_finishes_first(dask2):
    # early tasks sleep longest, so they finish last
    calls = [(x, 0.05 * (6 - x)) for x in range(6)]
    expected = [x * x for x in range(6)]
    assert list(InProcessExecutor().imap(slow_square, calls)) == expected
    with ProcessExecutor(2) as ex:
        assert list(ex.imap(slow_square, iter(calls))) == expected
    assert list(dask2.imap(slow_square, calls)) == expected
    assert dask2.workers == 2


def test_a_failed_task_stops_the_local_pool_and_reaches_the_caller():
    ex = ProcessExecutor(2)
    with pytest.raises(ValueError, match="task 3 failed"):
        with ex:
            list(ex.imap(fail_on, [(x, 3) for x in range(40)]))
    assert ex._pool is None  # stopped, its workers ended


def test_workers_forked_with_signals_held_let_them_in_once_ready():
    """The pool forks with Ctrl-C and SIGTERM held; each worker unblocks them after its handlers."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with ProcessExecutor(2) as ex:
        states = list(ex.imap(signal_state, [(x,) for x in range(4)]))
    assert states == [(False, True, True)] * 4
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before  # the parent's mask is back


def test_make_executor_choices():
    assert isinstance(make_executor("local", jobs=1), InProcessExecutor)
    assert isinstance(make_executor("local", jobs=4, tasks=1), InProcessExecutor)
    with make_executor("local", jobs=2, tasks=5) as ex:
        assert isinstance(ex, ProcessExecutor) and ex.workers == 2
    with pytest.raises(ValueError, match="needs the dask executor"):
        make_executor("local", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="use one of local, dask"):
        make_executor("spark")


def test_using_makes_an_executor_the_default_of_every_run(short, dask2):
    with using(dask2):
        with executor_for(None) as ex:
            assert ex is dask2
    with executor_for(None, jobs=1) as ex:
        assert isinstance(ex, InProcessExecutor)


def _tables(results) -> dict[str, bytes]:
    out = {}
    for name in ("daily", "intervals", "replications", "summary", "people", "agents"):
        table = results.tables[name]
        out[name] = pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes() + \
            table.to_csv(index=False).encode()
    return out


def test_run_gives_identical_tables_on_local_and_dask(short, dask2):
    one = sim.run(short, replications=3, seed=21, jobs=1)
    two = sim.run(short, replications=3, seed=21, jobs=2)
    on_dask = sim.run(short, replications=3, seed=21, executor=dask2)
    assert _tables(one) == _tables(two) == _tables(on_dask)


def test_sweep_tables_are_byte_identical_for_any_executor_and_worker_count(short, dask2,
                                                                          tmp_path):
    vary = ["staffing.headcount=6..12/3", "agents.absenteeism=0.0,0.1"]
    runs = {"serial": dict(jobs=1), "local2": dict(jobs=2), "dask2": dict(executor=dask2)}
    for name, how in runs.items():
        sweep(short, vary, replications=2, seed=8, **how).save(tmp_path / name, figures=False)
    for table in ("sweep.parquet", "sweep.csv", "replications.parquet", "points.csv",
                  "frontier.csv"):
        data = {name: (tmp_path / name / table).read_bytes() for name in runs}
        assert data["serial"] == data["local2"] == data["dask2"], table


def test_progress_is_quiet_when_not_on_a_terminal(short, capfd):
    sim.run(short, replications=2, seed=1, jobs=1, progress=True)
    sweep(short, ["staffing.headcount=6,8"], replications=2, seed=1, jobs=1, progress=True)
    err = capfd.readouterr().err
    assert "\r" not in err and "replication" not in err


def test_progress_bar_is_drawn_on_a_terminal(monkeypatch):
    import io

    from sim.plumbing.progress import progress_bar

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    monkeypatch.setattr("sys.stderr", stream)
    bar = progress_bar(3, True, "sweep", "replication", delay_s=0)
    bar.update(3)
    bar.close()
    assert "3/3" in stream.getvalue()
    quiet = Tty()
    monkeypatch.setattr("sys.stderr", quiet)
    bar = progress_bar(3, False, delay_s=0)  # --quiet
    bar.update(3)
    bar.close()
    assert quiet.getvalue() == ""


@pytest.mark.slow
def test_cli_run_on_dask_writes_the_same_tables_as_local(quick_path, tmp_path):
    args = ["run", str(quick_path), "-r", "2", "--seed", "3", "-q", "--no-figures",
            "--set", "calendar.days=3"]
    assert main(args + ["--out", str(tmp_path / "local"), "-j", "1"]) == 0
    assert main(args + ["--out", str(tmp_path / "dask"), "-j", "2", "--executor", "dask"]) == 0
    names = sorted(p.name for p in (tmp_path / "local").iterdir() if p.suffix == ".parquet")
    assert "replications.parquet" in names
    for name in names:
        assert (tmp_path / "local" / name).read_bytes() == \
            (tmp_path / "dask" / name).read_bytes(), name


def test_dask_executor_is_the_documented_class(dask2):
    assert isinstance(dask2, DaskExecutor) and dask2.name == "dask"
