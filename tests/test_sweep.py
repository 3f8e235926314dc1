"""Sweeps: values, designs, common random numbers, the cache, the frontier and the CLI."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

import sim
import sim.experiments.sweep
from sim.analysis.frontier import frontier_table, higher_is_better, pareto_mask
from sim.analysis.metrics import summarise
from sim.basics.errors import OutputError, SweepError
from sim.experiments.sweep import Parameter, design_points, parse_vary
from sim.interfaces.api import sweep
from sim.interfaces.cli import main
from sim.outputs.writer import check_replaceable

SHORT = {"calendar.days": 3}  # a few days: each replication takes a fraction of a second


@pytest.fixture
def short(quick_path):
    return sim.load_scenario(quick_path).with_changes(SHORT)


# --------------------------------------------------------------------------- values


def test_lists_are_read_as_yaml_and_ranges_expand_inclusively():
    assert parse_vary("staffing.headcount=300,500,700").grid() == [300, 500, 700]
    assert parse_vary("x.y=12h, 24h").grid() == ["12h", "24h"]
    assert parse_vary("staffing.headcount=300..1200/100").grid() == list(range(300, 1201, 100))
    assert parse_vary("a=0.5..0.9/0.1").grid() == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert parse_vary("a=0h..48h/12h").grid() == ["0h", "12h", "24h", "36h", "48h"]
    assert parse_vary("a=300..350/100").grid() == [300]  # HI not on the grid: stops below


@pytest.mark.parametrize("text", ["headcount", "a=", "=1,2", "a=1,,2", "a=9..3/1", "a=1..5/0",
                                  "a=1h..5min/1h", "a=x..y"])
def test_bad_vary_is_one_line_naming_the_option(text):
    with pytest.raises(SweepError) as err:
        parse_vary(text).grid()
    assert str(err.value).startswith("--vary") and "\n" not in str(err.value)


def test_a_range_without_a_step_needs_a_design():
    with pytest.raises(SweepError, match="needs a step"):
        design_points([parse_vary("a=1..10")])
    points = design_points([parse_vary("a=1..10")], "lhs", 5, seed=1)
    assert len(points) == 5 and all(1 <= p["a"] <= 10 for p in points)


def test_factorial_is_every_combination_and_more_than_three_parameters_need_a_design():
    params = [parse_vary("a=1,2,3"), parse_vary("b=x,y")]
    points = design_points(params)
    assert len(points) == 6
    assert {(p["a"], p["b"]) for p in points} == {(a, b) for a in (1, 2, 3) for b in "xy"}
    four = [parse_vary(f"p{i}=0..10/1") for i in range(4)]
    with pytest.raises(SweepError, match="--design sobol"):
        design_points(four)
    assert len(design_points(four[:2], "factorial")) == 121


@pytest.mark.parametrize("design", ["sobol", "lhs"])
def test_space_filling_designs_are_seeded_and_stay_in_bounds(design):
    params = [parse_vary(f"p{i}=0..100") for i in range(4)] + [parse_vary("q=a,b,c")]
    one = design_points(params, design, 16, seed=7)
    assert one == design_points(params, design, 16, seed=7)
    assert one != design_points(params, design, 16, seed=8)
    assert len(one) == 16
    for p in one:
        assert all(0 <= p[f"p{i}"] <= 100 and isinstance(p[f"p{i}"], int) for i in range(4))
        assert p["q"] in "abc"
    # a Latin hypercube puts one point in each of the 16 strata of every axis
    if design == "lhs":
        strata = sorted(min(int(p["p0"] / 100 * 16), 15) for p in one)
        assert len(set(strata)) >= 14  # integer rounding may move a point across an edge


# --------------------------------------------------------------------------- running


def test_a_point_gives_the_numbers_of_tracesim_run_with_its_values(short, quick_path, tmp_path):
    sw = sweep(short, ["staffing.headcount=10,14"], replications=3, seed=11, jobs=1)
    args = ["run", str(quick_path), "-r", "3", "--seed", "11", "-q", "--no-figures",
            "--set", "calendar.days=3", "--set", "staffing.headcount=14"]
    assert main(args + ["--out", str(tmp_path / "run")]) == 0
    reps = pd.read_parquet(tmp_path / "run" / "replications.parquet")
    mine = sw.replications_table().query("`staffing.headcount` == 14").reset_index(drop=True)
    metrics = [m for m in reps.columns if m not in ("scenario", "replication")]
    assert set(metrics) <= set(mine.columns)
    for name in metrics:  # bit for bit, replication by replication
        assert np.array_equal(mine[name].to_numpy(dtype=float), reps[name].to_numpy(dtype=float),
                              equal_nan=True), name
    own = summarise(reps).set_index("metric")
    point = sw.table[sw.table["staffing.headcount"] == 14].set_index("metric")
    for stat in ("mean", "ci_low", "ci_high", "sd"):
        assert np.array_equal(point.loc[own.index, stat].to_numpy(), own[stat].to_numpy(),
                              equal_nan=True), stat
    printed = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("metric")  # as written
    assert np.allclose(point.loc[printed.index, "mean"], printed["mean"], rtol=1e-3,
                       equal_nan=True)


def test_common_random_numbers_every_point_sees_the_same_cases(short):
    sw = sweep(short, {"staffing.headcount": [6, 12, 24]}, replications=3, seed=5, jobs=1)
    reps = sw.replications_table()
    # the demand does not depend on the staff: same cases in replication r at every point
    cases = reps.pivot(index="replication", columns="staffing.headcount", values="index_cases")
    assert (cases.nunique(axis=1) == 1).all()
    assert cases.iloc[:, 0].nunique() > 1  # ...but differ between replications
    assert set(sw.table.columns) == {"point", "staffing.headcount", "metric", "n", "mean", "sd",
                                     "ci_low", "ci_high"}
    assert len(sw.table) == 3 * sw.table["metric"].nunique()


def test_cached_points_are_read_back_and_an_interrupted_sweep_resumes(short, tmp_path,
                                                                     monkeypatch):
    vary = ["staffing.headcount=6..12/2"]
    fresh = sweep(short, vary, replications=2, seed=3, jobs=1, out=tmp_path / "fresh")
    assert (fresh.run_points, fresh.cached_points) == (4, 0)

    calls = {"n": 0}
    real = sim.experiments.sweep.point_metrics

    def interrupted(*args):
        calls["n"] += 1
        if calls["n"] == 6:  # during the third point
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(sim.experiments.sweep, "point_metrics", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep(short, vary, replications=2, seed=3, jobs=1, out=tmp_path / "resumed")
    monkeypatch.setattr(sim.experiments.sweep, "point_metrics", real)
    assert len(list((tmp_path / "resumed" / "cache").glob("*.parquet"))) == 2
    assert not list((tmp_path / "resumed" / "cache").glob(".*"))  # no partial file
    resumed = sweep(short, vary, replications=2, seed=3, jobs=1, out=tmp_path / "resumed")
    assert (resumed.run_points, resumed.cached_points) == (2, 2)
    fresh.save(tmp_path / "fresh", figures=False)
    resumed.save(tmp_path / "resumed", figures=False)
    for name in ("sweep.parquet", "sweep.csv", "replications.parquet", "points.csv"):
        assert (tmp_path / "fresh" / name).read_bytes() == \
            (tmp_path / "resumed" / name).read_bytes(), name
    # another seed or replication count is another point
    other = sweep(short, vary, replications=3, seed=3, jobs=1, out=tmp_path / "fresh")
    assert other.cached_points == 0


def test_the_output_directory_is_never_taken_from_the_user(short, tmp_path):
    """The rules of every folder (the one writer): never another folder, a finished one only
    with --overwrite, one holding only the cache of an interrupted run: resumed."""
    check_replaceable(tmp_path / "new", overwrite=False)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="not a results directory"):
            check_replaceable(tmp_path / "mine", overwrite)
    (tmp_path / "resume" / "cache").mkdir(parents=True)
    check_replaceable(tmp_path / "resume", overwrite=False)
    done = sweep(short, ["staffing.headcount=6"], replications=2, seed=1, jobs=1,
                 out=tmp_path / "done")
    done.save(tmp_path / "done", figures=False)
    with pytest.raises(FileExistsError, match="--overwrite"):
        check_replaceable(tmp_path / "done", overwrite=False)
    check_replaceable(tmp_path / "done", overwrite=True)
    # an optimisation into a sweep's folder replaces it, with --overwrite; the cache stays
    with pytest.raises(FileExistsError):
        sim.optimise(short, ["staffing.headcount=4..8"], "cost_per_handled_call",
                     replications=2, seed=1, jobs=1, out=tmp_path / "done").save(
                         tmp_path / "done")
    points = sorted((tmp_path / "done" / "cache").iterdir())
    sim.optimise(short, ["staffing.headcount=4..8"], "cost_per_handled_call", replications=2,
                 seed=1, jobs=1, out=tmp_path / "done").save(tmp_path / "done", overwrite=True)
    assert not (tmp_path / "done" / "sweep.csv").exists()
    assert set(points) <= set((tmp_path / "done" / "cache").iterdir())


# --------------------------------------------------------------------------- frontier


def test_pareto_mask_flags_exactly_the_undominated_points():
    x = np.array([0.90, 0.95, 0.95, 0.99, 0.80, np.nan])   # more is better
    y = np.array([10.0, 12.0, 11.0, 15.0, 10.0, 1.0])      # less is better
    assert pareto_mask(x, y).tolist() == [True, False, True, True, False, False]
    assert pareto_mask(x, -y, y_higher=True).tolist() == [True, False, True, True, False, False]


def test_metric_directions():
    assert higher_is_better("index_reached_within_deadline_share")
    assert higher_is_better("inbound_service_level")
    assert not higher_is_better("idle_share")
    assert not higher_is_better("inbound_abandon_share")
    assert not higher_is_better("cost_per_handled_call")
    assert not higher_is_better("index_time_to_reach_mean_h")


def _toy_table() -> pd.DataFrame:
    rows = []
    for point, (h, share, cost) in enumerate([(5, 0.5, 9.0), (10, 0.97, 10.0), (15, 0.99, 12.0),
                                              (20, 0.99, 14.0)]):
        for metric, mean in (("index_reached_within_deadline_share", share),
                             ("cost_per_handled_call", cost)):
            rows.append({"point": point, "staffing.headcount": h, "metric": metric, "n": 3,
                         "mean": mean, "sd": 0.1, "ci_low": mean - 0.01,
                         "ci_high": mean + 0.01})
    return pd.DataFrame(rows)


def test_frontier_table_and_figure():
    table = _toy_table()
    frontier = frontier_table(table)
    assert frontier["pareto"].tolist() == [True, True, True, False]
    assert frontier["cost_per_handled_call_mean"].tolist() == [9.0, 10.0, 12.0, 14.0]
    with pytest.raises(SweepError, match="--x idle_hours"):
        frontier_table(table, x="idle_hours")
    fig = sim.outputs.figures.plot_frontier(table, currency="EUR", deadline_label="24 h",
                                          replications=3)
    gids = {c.get_gid() for ax in fig.axes for c in ax.get_children()}
    assert "pareto-line" in gids
    line = next(c for c in fig.axes[0].get_children() if c.get_gid() == "pareto-line")
    assert line.get_xdata().tolist() == pytest.approx([50.0, 97.0, 99.0])  # shares in %
    assert "24 h" in fig.axes[0].get_xlabel()


def test_sweep_save_writes_the_tables_and_the_figure(short, tmp_path):
    sw = sweep(short, ["staffing.headcount=6,12"], replications=2, seed=1, jobs=1,
               out=tmp_path)
    sw.save(tmp_path)
    for name in ("sweep.csv", "sweep.parquet", "points.csv", "frontier.csv",
                 "figures/frontier.png", "metadata.json", "scenario.yaml", "README.md",
                 "replications.parquet"):
        assert (tmp_path / name).is_file(), name
    meta = json.loads((tmp_path / "metadata.json").read_text())
    assert meta["seed"] == 1 and meta["replications"] == 2 and meta["points"] == 2
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert table["staffing.headcount"].tolist()[:1] == [6]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- CLI


def test_cli_sweep_prints_the_frontier_and_writes_the_directory(quick_path, tmp_path, capsys):
    out = tmp_path / "sw"
    args = ["sweep", str(quick_path), "--vary", "staffing.headcount=6,12", "--set",
            "calendar.days=3", "-r", "2", "--seed", "4", "-j", "1", "--out", str(out),
            "--no-figures"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "2 points x 2 replications, seed 4" in printed and "Pareto" in printed
    assert (out / "sweep.csv").is_file() and (out / "frontier.csv").is_file()
    assert main(args) == 2  # a finished sweep is not replaced without --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"]) == 0
    assert "0 run, 2 read from the cache" in capsys.readouterr().out


@pytest.mark.parametrize(("extra", "message"), [
    (["--vary", "staffing.headcount"], "--vary staffing.headcount: expected PATH=VALUES"),
    (["--vary", "staffing.headcount=1,2", "--x", "nope"], "--x nope: not a run metric"),
    (["--vary", "staffing.headcount=-3,2"], "staffing.headcount"),
    (["--vary", "a=1,2", "--vary", "b=1,2", "--vary", "c=1,2", "--vary", "d=1,2"],
     "--design sobol N"),
    (["--vary", "staffing.headcount=1,2", "--design", "sobol", "x"], "N must be a whole"),
    (["--vary", "staffing.headcount=1,2", "--executor", "local", "--scheduler", "tcp://x:1"],
     "--scheduler: needs --executor dask"),
])
def test_cli_sweep_bad_input_is_one_line_exit_2(quick_path, tmp_path, capsys, extra, message):
    code = main(["sweep", str(quick_path), "--out", str(tmp_path / "o"), "-q"] + extra)
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_parameter_is_public_and_frozen():
    p = Parameter(path="a", values=(1, 2))
    with pytest.raises(AttributeError):
        p.path = "b"  # type: ignore[misc]


def test_the_package_exports_the_api():
    assert sim.sweep is sweep and callable(sim.optimise) and callable(sim.make_executor)
    assert {"sweep", "optimise", "make_executor", "Sweep", "Optimum"} <= set(sim.__all__)


@pytest.mark.slow
def test_an_interrupted_cli_sweep_keeps_its_finished_points(quick_path, tmp_path):
    import signal
    import subprocess
    import time

    out = tmp_path / "sw"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.interfaces.cli", "sweep", str(quick_path), "--out", str(out),
         "--vary", "staffing.headcount=10..60/10", "-r", "4", "-j", "2",
         "--set", "calendar.days=200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not list((out / "cache").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.2)  # until the first point is stored (imports are slow on a busy machine)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "run the same command again to resume" in err
    assert not (out / "sweep.csv").exists()
    cache = list((out / "cache").iterdir())
    assert all(p.suffix == ".parquet" and not p.name.startswith(".") for p in cache)
    assert 1 <= len(cache) < 6
    for p in cache:
        assert len(pd.read_parquet(p)) == 4  # whole points only
