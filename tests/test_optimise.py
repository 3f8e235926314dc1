"""optimise: requirements on confidence bounds, bisection, differential evolution, the CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments.optimise import (
    Requirement,
    _Axis,
    _bisect,
    _evolve,
    _Search,
    parse_requirement,
)
from sim.experiments.sweep import Evaluation, SweepError, parse_vary
from sim.interfaces.api import optimise
from sim.interfaces.cli import main

SHARE = "index_reached_within_deadline_share"
COST = "cost_per_handled_call"


def _evaluation(values: dict, metrics: dict[str, tuple[float, float]]) -> Evaluation:
    """An evaluation with given (mean, CI half-width) per metric."""
    rows = [{"metric": m, "n": 5, "mean": mean, "sd": half, "ci_low": mean - half,
             "ci_high": mean + half} for m, (mean, half) in metrics.items()]
    key = "-".join(f"{k}={v}" for k, v in sorted(values.items()))
    return Evaluation(values=dict(values), scenario_hash=key, replications=pd.DataFrame(),
                      summary=pd.DataFrame(rows))


class FakeEvaluator:
    """Evaluates settings with a known function; counts what it is asked."""

    def __init__(self, fn):
        self.fn = fn
        self.asked: list[dict] = []

    def evaluate(self, points):
        self.asked += [dict(p) for p in points]
        return [_evaluation(p, self.fn(p)) for p in points]


def test_requirements_are_met_by_the_confidence_bound_not_the_mean():
    r = parse_requirement(f"{SHARE}>=0.95")
    assert r == Requirement(SHARE, ">=", 0.95)
    assert parse_requirement(f"{SHARE} >= 95%").threshold == pytest.approx(0.95)
    mean_ok_bound_not = _evaluation({}, {SHARE: (0.96, 0.02)})
    assert not r.met(mean_ok_bound_not)
    assert r.violation(mean_ok_bound_not) == pytest.approx(0.01)
    assert r.met(_evaluation({}, {SHARE: (0.96, 0.009)}))
    upper = parse_requirement("inbound_abandon_share<=0.05")
    assert upper.met(_evaluation({}, {"inbound_abandon_share": (0.03, 0.01)}))
    assert not upper.met(_evaluation({}, {"inbound_abandon_share": (0.045, 0.01)}))
    assert not r.met(_evaluation({}, {SHARE: (math.nan, math.nan)}))


@pytest.mark.parametrize("text", ["share>0.9", "nope>=1", f"{SHARE}>=x", f"{SHARE}=0.9"])
def test_bad_requirements_are_refused(text):
    with pytest.raises(SweepError, match="--require"):
        parse_requirement(text)


def _monotone(boundary: int, cost_slope: float = 1.0):
    """Feasible (CI low past 0.95) from ``boundary`` up; cost rising with the value."""
    def fn(p):
        h = p["h"]
        share = 0.99 if h >= boundary else 0.90
        return {SHARE: (share, 0.01), COST: (10 + cost_slope * h, 0.5)}
    return fn


@pytest.mark.parametrize("boundary", [1, 2, 37, 99, 100])
def test_bisection_finds_the_least_feasible_value_in_log2_evaluations(boundary):
    fake = FakeEvaluator(_monotone(boundary))
    search = _Search(fake, [_Axis.of(parse_vary("h=1..100"))], COST,
                     [parse_requirement(f"{SHARE}>=0.95")])
    _bisect(search, max_evaluations=60)
    best = search.best()
    assert best is not None and best.values == {"h": boundary}
    assert len(search.log) <= 2 + math.ceil(math.log2(99)) + 1


def test_bisection_walks_past_the_boundary_while_the_cost_falls():
    def fn(p):  # feasible from 10; cost falls until 14, then rises
        h = p["h"]
        return {SHARE: (0.99 if h >= 10 else 0.5, 0.01), COST: ((h - 14) ** 2 + 5.0, 0.1)}

    search = _Search(FakeEvaluator(fn), [_Axis.of(parse_vary("h=1..40"))], COST,
                     [parse_requirement(f"{SHARE}>=0.95")])
    _bisect(search, max_evaluations=60)
    assert search.best().values == {"h": 14}


def test_bisection_with_falling_feasibility_and_with_no_feasible_value():
    def falling(p):  # a lead time: met up to 30 h
        return {SHARE: (0.99 if p["t"] <= 30 else 0.5, 0.01), COST: (50 - p["t"], 0.1)}

    search = _Search(FakeEvaluator(falling), [_Axis.of(parse_vary("t=0..96"))], COST,
                     [parse_requirement(f"{SHARE}>=0.95")])
    _bisect(search, 60)
    assert search.best().values == {"t": 30}
    never = _Search(FakeEvaluator(lambda p: {SHARE: (0.5, 0.01), COST: (1.0, 0.1)}),
                    [_Axis.of(parse_vary("h=1..100"))], COST, [parse_requirement(f"{SHARE}>=0.95")])
    _bisect(never, 60)
    assert never.best() is None and len(never.log) == 2


def test_an_axis_is_a_grid_of_integers_a_stepped_range_or_a_list():
    assert _Axis.of(parse_vary("h=300..1200")).size == 901
    grid = _Axis.of(parse_vary("t=0h..48h/12h"))
    assert grid.size == 5 and grid.value(3) == "36h"
    listed = _Axis.of(parse_vary("p=fixed,reactive"))
    assert listed.size == 2 and listed.value(1) == "reactive"
    assert _Axis.of(parse_vary("a=0.1..0.5")).size is None  # continuous


def test_differential_evolution_finds_a_small_constrained_optimum():
    # minimise x + y subject to x * y >= 20 on 1..12 x 1..12: the optimum is 9 (4, 5) or (5, 4)
    def fn(p):
        x, y = p["x"], p["y"]
        return {"total_cost": (float(x + y), 0.0), "paid_hours": (float(x * y), 0.0)}

    fake = FakeEvaluator(fn)
    search = _Search(fake, [_Axis.of(parse_vary("x=1..12")), _Axis.of(parse_vary("y=1..12"))],
                     "total_cost", [parse_requirement("paid_hours>=20")])
    _evolve(search, seed=3, max_evaluations=120, popsize=8)
    best = search.best()
    assert best is not None and best.values["x"] * best.values["y"] >= 20
    assert best.values["x"] + best.values["y"] == 9
    assert len({tuple(sorted(p.items())) for p in fake.asked}) == len(search.log)


# --------------------------------------------------------------------------- on the simulator


@pytest.fixture
def short(quick_path):
    return sim.load_scenario(quick_path).with_changes({"calendar.days": 4})


def test_optimise_answer_meets_the_requirement_and_matches_run(short):
    req = f"{SHARE}>=0.9"
    result = optimise(short, ["staffing.headcount=1..30"], COST, [req], replications=3, seed=2,
                      jobs=1)
    assert result.method == "bisection" and result.feasible
    h = result.best.values["staffing.headcount"]
    again = sim.run(short.with_changes({"staffing.headcount": h}), replications=3, seed=2)
    summary = again.summary.set_index("metric")
    assert summary.loc[SHARE, "ci_low"] >= 0.9
    assert result.best.metric(COST)["mean"] == summary.loc[COST, "mean"]  # the same numbers
    # one step below was evaluated by the bisection (or the walk): infeasible or dearer
    below = result.evaluations[result.evaluations["staffing.headcount"] == h - 1]
    if h > 1:
        assert len(below) == 1
        row = below.iloc[0]
        assert (not row["feasible"]) or row[f"{COST}_mean"] >= result.best.metric(COST)["mean"]
    assert result.evaluations["best"].sum() == 1
    assert list(result.evaluations["evaluation"]) == list(range(1, len(result.log) + 1))


def test_optimise_needs_two_replications_and_known_metrics(short):
    with pytest.raises(SweepError, match="at least 2"):
        optimise(short, ["staffing.headcount=1..30"], COST, [], replications=1, seed=1)
    with pytest.raises(SweepError, match="--minimise cheapness"):
        optimise(short, ["staffing.headcount=1..30"], "cheapness", [], replications=2, seed=1)
    with pytest.raises(SweepError, match="bisection needs one parameter"):
        optimise(short, ["staffing.headcount=1..30", "agents.absenteeism=0.0..0.1"], COST, [],
                 replications=2, seed=1, method="bisection")


def test_cli_optimise_prints_the_point_and_records_every_evaluation(quick_path, tmp_path,
                                                                    capsys):
    out = tmp_path / "opt"
    args = ["optimise", str(quick_path), "--set", "calendar.days=4", "--vary",
            "staffing.headcount=1..30", "--minimise", COST, "--require", f"{SHARE}>=0.9",
            "-r", "3", "--seed", "2", "-j", "1", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "cheapest setting meeting every requirement" in printed
    assert "staffing.headcount = " in printed and "required >= 90.0 %: met" in printed
    table = pd.read_csv(out / "optimise.csv")
    assert f"{printed.split('evaluations')[0].split()[-1]}" == str(len(table))
    assert table["best"].sum() == 1 and np.isfinite(table[f"{COST}_mean"]).all()
    # again into the same directory: every evaluation is read back from the cache
    assert main(args + ["--overwrite"]) == 0
    assert f"0 run, {len(table)} read from the cache" in capsys.readouterr().out
    impossible = args[:-1] + [str(tmp_path / "none")]
    impossible[impossible.index(f"{SHARE}>=0.9")] = f"{SHARE}>=1.01"
    assert main(impossible) == 1
    assert "no setting evaluated meets every requirement" in capsys.readouterr().out


def test_bisection_reports_the_edge_of_the_feasible_settings():
    def fn(p):  # feasible from 10; cost falls until 14
        h = p["h"]
        return {SHARE: (0.99 if h >= 10 else 0.5, 0.01), COST: ((h - 14) ** 2 + 5.0, 0.1)}

    search = _Search(FakeEvaluator(fn), [_Axis.of(parse_vary("h=1..40"))], COST,
                     [parse_requirement(f"{SHARE}>=0.95")])
    _bisect(search, max_evaluations=60)
    assert search.boundary.values == {"h": 10} and search.best().values == {"h": 14}
