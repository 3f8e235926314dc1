"""Start-up: what ``import sim`` and the console script load, and the figure process.

``tracesim run`` forks a process that imports matplotlib while the run
imports the rest and simulates (:mod:`sim.plumbing.forked`); that only pays
if the package and the parser import nothing heavy before the fork.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.interfaces.cli import BOUND_CHOICES
from sim.outputs.figure_work import prepare as prepare_figures
from sim.plumbing.forked import forked_worker

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"numpy", "scipy", "pandas", "matplotlib", "pydantic", "simpy", "pyarrow"}


def _modules_loaded_by(code: str) -> set[str]:
    listing = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", f"{code}\n{listing}"], capture_output=True,
                         text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_the_package_and_the_parser_import_nothing_heavy():
    loaded = _modules_loaded_by("import sim.interfaces.cli; sim.interfaces.cli._parser()")
    assert HEAVY & loaded == set()
    assert HEAVY & _modules_loaded_by("import sim") == set()


def test_every_public_name_resolves_and_sweep_stays_the_function():
    import sim.interfaces.api

    assert all(getattr(sim, name) is not None for name in sim.__all__)
    assert set(sim.__all__) <= set(dir(sim))
    assert sim.sweep is sim.interfaces.api.sweep and sim.optimise is sim.interfaces.api.optimise
    with pytest.raises(AttributeError, match="no_such_name"):
        sim.no_such_name  # noqa: B018


def test_the_parser_offers_the_bounds_that_attribute_idle_takes():
    from sim.experiments.attribution import BOUNDS

    assert BOUND_CHOICES == BOUNDS


@pytest.fixture(scope="module")
def small_results():
    scenario = sim.load_scenario(ROOT / "scenarios" / "quick.yaml", ["calendar.days=3"])
    return sim.run(scenario, replications=2, seed=1)


def _started():
    drawer = forked_worker(prepare_figures)
    if drawer is None:
        pytest.skip("no fork start method on this system: figures are drawn while saving")
    return drawer


def test_the_figure_process_writes_the_figures_saving_draws(small_results, tmp_path):
    with _started() as drawer:
        small_results.save(tmp_path / "forked", figure_process=drawer)
    assert drawer.exitcode == 0
    small_results.save(tmp_path / "here")
    forked = sorted((tmp_path / "forked" / "figures").iterdir())
    here = sorted((tmp_path / "here" / "figures").iterdir())
    assert [p.name for p in forked] == [p.name for p in here] and len(here) == 6
    for a, b in zip(forked, here, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_figure_error_is_raised_by_save_and_leaves_no_directory(small_results, tmp_path,
                                                                   monkeypatch):
    import sim.outputs.figures

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.outputs.figures.files, "save_figure", boom)  # before the fork
    drawer = _started()
    with pytest.raises(RuntimeError, match="disk full"), drawer:
        small_results.save(tmp_path / "out", figure_process=drawer)
    assert list(tmp_path.iterdir()) == []
    assert drawer.exitcode is not None  # ended, not left behind


def test_a_figure_process_given_nothing_ends_and_one_cancelled_is_stopped():
    idle = _started()
    assert idle.wait() is None and idle.exitcode == 0
    stopped = _started()
    stopped.cancel()
    assert stopped.exitcode is not None and stopped.exitcode != 0


_COLLECTOR_PROBE = """
import gc, json, sys
from sim.plumbing import collector

collector.pause()  # as the console script does
paused = not gc.isenabled()
import sim.experiments.replications as experiment

run_replication = experiment.run_replication


def probe(*args, **kwargs):
    with open(sys.argv[2], "a") as f:  # one line per replication, written by the worker
        f.write(json.dumps(gc.isenabled()) + "\\n")
    return run_replication(*args, **kwargs)


experiment.run_replication = probe
from sim.interfaces.cli import main

code = main(["run", sys.argv[1], "--out", sys.argv[3], "--set", "calendar.days=2",
             "-r", "2", "--jobs", "2", "--quiet"])
print(json.dumps({"code": code, "paused": paused, "enabled": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}))
"""


def test_the_collector_is_paused_for_start_up_only(tmp_path):
    """Workers simulate, and the run goes on, with the collector on; start-up is frozen."""
    workers = tmp_path / "workers.jsonl"
    out = subprocess.run(
        [sys.executable, "-c", _COLLECTOR_PROBE, str(ROOT / "scenarios" / "quick.yaml"),
         str(workers), str(tmp_path / "out")],
        capture_output=True, text=True, check=True).stdout
    state = json.loads(out.splitlines()[-1])
    assert state["code"] == 0 and state["paused"] and state["enabled"]
    assert state["frozen"] > 10_000  # the imports' objects, left out of every collection
    assert [json.loads(line) for line in workers.read_text().splitlines()] == [True, True]


def test_the_collector_is_left_alone_unless_paused_here():
    code = """
import gc, json
from sim.plumbing import collector
collector.resume()                      # not paused: nothing happens
untouched = gc.isenabled() and gc.get_freeze_count() == 0
gc.disable(); collector.pause(); collector.resume()   # someone else's choice stays
print(json.dumps([untouched, gc.isenabled(), gc.get_freeze_count()]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == [True, False, 0]
