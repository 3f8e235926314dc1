"""One writer for every folder: run, compare, sweep and optimise folders share their rules."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim
from sim.interfaces.cli import main
from sim.outputs.report import build_report
from tests.scenarios_for_tests import make

STAMP = {"tracesim_version", "packages", "python", "kind", "created_at_utc"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A folder of each kind, written through the public API."""
    root = tmp_path_factory.mktemp("folders")
    short = make(**{"calendar.days": 3})
    out = {"run": sim.run(short, replications=2, seed=2).save(root / "run", jobs=1),
           "comparison": sim.compare_scenarios(
               [short, short.with_changes({"name": "more", "staffing.headcount": 12})],
               replications=2, seed=2).save(root / "comparison", jobs=1)}
    sweep = sim.sweep(short, ["staffing.headcount=6,12"], replications=2, seed=2, jobs=1,
                      out=root / "sweep")
    out["sweep"] = sweep.save(root / "sweep", jobs=1)
    optimum = sim.optimise(short, ["staffing.headcount=4..10"], "cost_per_handled_call",
                           replications=2, seed=2, jobs=1, out=root / "optimum")
    out["optimum"] = optimum.save(root / "optimum")
    return out


@pytest.mark.parametrize("kind", ["run", "comparison", "sweep", "optimum"])
def test_every_folder_has_the_stamp_and_a_readme_describing_every_column(folders, kind):
    folder = folders[kind]
    meta = json.loads((folder / "metadata.json").read_text())
    assert STAMP <= set(meta) and meta["kind"] == kind
    assert meta["seed"] == 2 and meta["replications"] == 2
    readme = (folder / "README.md").read_text()
    assert "not described" not in readme
    assert not [p.name for p in folder.parent.iterdir() if ".tmp-" in p.name]  # none left


@pytest.mark.parametrize("kind", ["run", "comparison", "sweep", "optimum"])
def test_every_folder_has_its_report(folders, kind):
    html = build_report(folders[kind], jobs=1)
    assert "<h1>" in html and "Reproduce" in html
    if kind in ("sweep", "optimum"):
        assert 'id="answer"' in html


def test_the_report_names_the_folder_not_the_temporary_one(tmp_path):
    out = sim.run(make(**{"calendar.days": 2}), replications=2, seed=1).save(
        tmp_path / "named", report=True, jobs=1)
    html = (out / "report.html").read_text()
    assert f"tracesim rerun {out}" in html and ".tmp-" not in html


def test_a_finished_folder_is_replaced_only_with_overwrite_and_its_cache_is_kept(folders,
                                                                                 capsys):
    folder = folders["sweep"]
    points = sorted(p.name for p in (folder / "cache").iterdir())
    assert points
    args = ["sweep", str(folder / "scenario.yaml"), "--vary", "staffing.headcount=6,12",
            "-r", "2", "--seed", "2", "-j", "1", "--out", str(folder), "-q", "--no-figures"]
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    assert sorted(p.name for p in (folder / "cache").iterdir()) == points  # read back


def test_one_writer_per_folder_also_for_sweeps(tmp_path, capsys):
    """While another process holds a folder's lock, a sweep into it stops at once."""
    out = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom sim.outputs.writer import directory_lock\n"
         f"with directory_lock({str(out)!r}):\n"
         "    print('held', flush=True)\n    time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        code = main(["sweep", str(Path(__file__).parents[1] / "scenarios" / "quick.yaml"),
                     "--vary", "staffing.headcount=6,12", "-r", "2", "--out", str(out), "-q"])
        assert code == 2 and time.monotonic() - started < 10
        assert "being written by another run" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
