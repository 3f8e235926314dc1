"""Tests for sim.outputs.figures: figures from synthetic daily tables (no simulation needed)."""

from __future__ import annotations

import inspect
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.outputs import figures as plots

START = pd.Timestamp("2020-09-01")
FIGURE_NAMES = ("demand", "capacity", "idle_occupancy", "timeliness", "cost", "inbound")


def make_daily(
    scenarios: tuple[str, ...] = ("baseline", "flex_pool"),
    n_reps: int = 3,
    n_days: int = 30,
    inbound: bool = True,
    seed: int = 1,
) -> pd.DataFrame:
    """A plausible daily table that satisfies the accounting identities of DESIGN section 4."""
    rng = np.random.default_rng(seed)
    rows = []
    for s_idx, scenario in enumerate(scenarios):
        day = np.arange(n_days)
        expected = 40 + 260 * np.exp(-0.5 * ((day - 0.6 * n_days) / (0.18 * n_days + 1)) ** 2)
        for rep in range(n_reps):
            released = rng.poisson(0.8 * expected)
            contacts = rng.poisson(3.0 * released)
            index_reached = rng.binomial(released, 0.85)
            contacts_reached = rng.binomial(contacts, 0.7)
            attempts = index_reached + contacts_reached + rng.poisson(0.6 * (released + contacts))
            offered = rng.poisson(0.5 * released) if inbound else np.zeros(n_days, dtype=int)
            abandoned = rng.binomial(offered, 0.08)
            answered = offered - abandoned
            within = rng.binomial(answered, 0.8)
            headcount = np.full(n_days, 60 + 20 * s_idx)
            present = headcount - rng.binomial(headcount, 0.05)
            paid = present * 8.0
            talk = 0.4 * index_reached + 0.12 * contacts_reached + 0.08 * answered
            wrap = 0.1 * (index_reached + contacts_reached + answered)
            failed = 0.02 * (attempts - index_reached - contacts_reached)
            busy = talk + wrap + failed
            brk = present * 0.5
            onboarding = np.where(day < 3, 4.0 * (s_idx + 1), 0.0)
            idle = paid - busy - brk - onboarding
            assert (idle >= 0).all()
            handled = index_reached + contacts_reached + answered
            cost = paid * 30.0 + 150.0
            with np.errstate(invalid="ignore", divide="ignore"):
                sl = np.where(offered > 0, within / offered, np.nan)
                ab = np.where(offered > 0, abandoned / offered, np.nan)
                idx_share = np.where(released > 0, rng.uniform(0.7, 1.0, n_days), np.nan)
                con_share = np.where(contacts > 0, rng.uniform(0.5, 0.95, n_days), np.nan)
            rows.append(
                pd.DataFrame(
                    {
                        "scenario": scenario,
                        "replication": rep,
                        "day": day,
                        "date": START + pd.to_timedelta(day, unit="D"),
                        "expected_cases": expected,
                        "index_released": released,
                        "contacts_created": contacts,
                        "index_reached": index_reached,
                        "contacts_reached": contacts_reached,
                        "index_reached_within_deadline_share": idx_share,
                        "contacts_reached_within_deadline_share": con_share,
                        "backlog": rng.poisson(0.3 * released + 5),
                        "attempts": attempts,
                        "handled_calls": handled,
                        "inbound_offered": offered,
                        "inbound_answered": answered,
                        "inbound_abandoned": abandoned,
                        "inbound_answered_within_target": within,
                        "inbound_service_level": sl,
                        "inbound_abandon_share": ab,
                        "headcount": headcount,
                        "agents_present": present,
                        "paid_hours": paid,
                        "talk_hours": talk,
                        "wrap_hours": wrap,
                        "failed_attempt_hours": failed,
                        "busy_hours": busy,
                        "idle_hours": idle,
                        "break_hours": brk,
                        "onboarding_hours": onboarding,
                        "idle_share": idle / paid,
                        "occupancy": busy / (busy + idle),
                        "utilisation": busy / paid,
                        "cost": cost,
                        "cost_per_handled_call": cost / handled,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return make_daily()


@pytest.fixture(scope="module")
def figures(daily: pd.DataFrame) -> dict[str, Figure]:
    return plots.all_figures(daily, currency="EUR", service_target_s=20, deadline_label="24 h")


def content_axes(fig: Figure) -> list[Axes]:
    """Axes that hold drawn data or a message (twin axes without lines are skipped)."""
    return [ax for ax in fig.axes if ax.lines or ax.collections or ax.texts]


def primary_axes(fig: Figure) -> list[Axes]:
    """Axes that are not a twin of an earlier axes (same position)."""
    out: list[Axes] = []
    for ax in fig.axes:
        if not any(ax.get_position().bounds == o.get_position().bounds for o in out):
            out.append(ax)
    return out


def legend_texts(fig: Figure) -> str:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return "\n".join(t.get_text() for leg in legends for t in leg.get_texts())


def test_all_figures_keys_and_types(figures: dict[str, Figure]) -> None:
    assert tuple(figures) == FIGURE_NAMES
    assert all(isinstance(f, Figure) for f in figures.values())


def test_module_avoids_pyplot() -> None:
    source = inspect.getsource(plots)
    assert "import matplotlib.pyplot" not in source
    assert "from matplotlib import pyplot" not in source
    assert "plt." not in source


@pytest.mark.parametrize("name", FIGURE_NAMES)
def test_titles_labels_dates_legend(figures: dict[str, Figure], name: str) -> None:
    fig = figures[name]
    axes = primary_axes(fig)
    assert content_axes(fig)
    for ax in axes:
        assert ax.get_title(loc="left").strip(), f"{name}: axes without title"
        assert ax.get_ylabel().strip()
        assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
        lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
        assert lo <= START.to_pydatetime() and hi >= (START + pd.Timedelta(days=29))
        assert hi - lo < pd.Timedelta(days=32)
    assert axes[-1].get_xlabel() == "date"
    assert "mean of 3 replications" in legend_texts(fig)
    assert "min–max" in legend_texts(fig)
    for scenario in ("baseline", "flex_pool"):
        if name != "capacity":  # capacity has one panel per scenario instead
            assert f"scenario: {scenario}" in legend_texts(fig)


@pytest.mark.parametrize(
    ("name", "units"),
    [
        ("demand", ["cases per day", "calls per day"]),
        ("capacity", ["hours"]),
        ("idle_occupancy", ["%"]),
        ("timeliness", ["%", "count"]),
        ("cost", ["EUR per handled call", "EUR per day"]),
        ("inbound", ["%", "calls offered per day"]),
    ],
)
def test_axis_labels_carry_units(figures: dict[str, Figure], name: str, units: list[str]) -> None:
    labels = " | ".join(ax.get_ylabel() for ax in figures[name].axes)
    for unit in units:
        assert unit in labels


def _line(fig: Figure, column: str, scenario: str):
    gid = f"mean-{column}-{scenario}"
    found = [ln for ax in fig.axes for ln in ax.lines if ln.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


@pytest.mark.parametrize("scenario", ["baseline", "flex_pool"])
def test_capacity_busy_line_is_mean_over_replications(
    figures: dict[str, Figure], daily: pd.DataFrame, scenario: str
) -> None:
    fig = figures["capacity"]
    assert len(fig.axes) == 2  # one panel per scenario
    expected = daily[daily.scenario == scenario].groupby("date")["busy_hours"].mean()
    line = _line(fig, "busy_hours", scenario)
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    np.testing.assert_allclose(
        line.get_xdata(), mdates.date2num(expected.index.to_numpy()), atol=1e-9
    )
    paid = daily[daily.scenario == scenario].groupby("date")["paid_hours"].mean()
    np.testing.assert_allclose(_line(fig, "paid_hours", scenario).get_ydata(), paid.to_numpy())
    assert "idle (paid, no call)" in legend_texts(fig)


def test_percent_lines_are_scaled_means(figures: dict[str, Figure], daily: pd.DataFrame) -> None:
    fig = figures["idle_occupancy"]
    expected = daily[daily.scenario == "baseline"].groupby("date")["idle_share"].mean() * 100
    np.testing.assert_allclose(_line(fig, "idle_share", "baseline").get_ydata(), expected)
    (ax,) = fig.axes
    assert ax.get_ylim()[0] <= 0 and ax.get_ylim()[1] >= 100


def test_nan_days_average_over_available_replications() -> None:
    d = make_daily(scenarios=("a",), n_reps=2, n_days=5)
    d.loc[(d.replication == 0) & (d.day == 2), "inbound_service_level"] = np.nan
    d.loc[d.day == 4, "inbound_service_level"] = np.nan
    ydata = np.asarray(_line(plots.plot_inbound(d), "inbound_service_level", "a").get_ydata())
    expected = d.groupby("date")["inbound_service_level"].mean().to_numpy() * 100
    np.testing.assert_allclose(ydata, expected)
    assert np.isnan(ydata[4]) and np.isfinite(ydata[2])


def test_labels_use_currency_target_and_deadline(daily: pd.DataFrame) -> None:
    figs = plots.all_figures(daily, currency="USD", service_target_s=20, deadline_label="48 h")
    assert any("USD" in ax.get_ylabel() for ax in figs["cost"].axes)
    assert "answered within 20 s" in legend_texts(figs["inbound"])
    assert "48 h" in figs["timeliness"].axes[0].get_title(loc="left")


def test_quantile_band_with_many_replications() -> None:
    d = make_daily(scenarios=("a",), n_reps=6, n_days=10)
    text = legend_texts(plots.plot_idle_occupancy(d))
    assert "2.5–97.5 % quantiles" in text and "mean of 6 replications" in text
    assert "scenario:" not in text  # one scenario: colour by quantity, no scenario legend


def test_single_replication_has_no_band() -> None:
    d = make_daily(scenarios=("only",), n_reps=1, n_days=30)
    for name, fig in plots.all_figures(d).items():
        text = legend_texts(fig)
        assert "replications" not in text, name
        assert content_axes(fig), name


def test_single_day() -> None:
    d = make_daily(scenarios=("only",), n_reps=3, n_days=1)
    for name, fig in plots.all_figures(d).items():
        for ax in primary_axes(fig):
            lo, hi = ax.get_xlim()
            assert lo < mdates.date2num(START.to_datetime64()) < hi, name
            assert hi - lo < 5
        fig.draw_without_rendering()  # lays out and draws without error
        labels = [t.get_text() for t in primary_axes(fig)[-1].get_xticklabels()]
        assert labels == ["01 Sep"], (name, labels)  # a whole day, not "00:00"
    line = _line(plots.plot_capacity(d), "busy_hours", "only")
    assert len(line.get_ydata()) == 1 and line.get_marker() == "o"


def test_all_nan_inbound_writes_message() -> None:
    d = make_daily(inbound=False)
    assert d.inbound_service_level.isna().all()
    fig = plots.plot_inbound(d)
    (ax,) = fig.axes  # no secondary axis without calls
    assert "no inbound calls" in [t.get_text() for t in ax.texts]
    assert ax.get_title(loc="left")
    assert not fig.legends and ax.get_legend() is None  # nothing to explain
    fig.draw_without_rendering()
    assert isinstance(plots.plot_demand(d), Figure)


def test_day_axis_without_dates() -> None:
    d = make_daily(scenarios=("a",), n_days=8).drop(columns="date")
    ax = plots.plot_cost(d).axes[-1]
    assert "day" in ax.get_xlabel()


def test_input_not_modified_and_missing_column_rejected(daily: pd.DataFrame) -> None:
    before = daily.copy()
    plots.plot_capacity(daily)
    pd.testing.assert_frame_equal(daily, before)
    with pytest.raises(ValueError, match="idle_hours"):
        plots.plot_capacity(daily.drop(columns="idle_hours"))
    with pytest.raises(ValueError, match="empty"):
        plots.plot_cost(daily.iloc[:0])


def test_save_figure_writes_png_and_svg(figures: dict[str, Figure], tmp_path: Path) -> None:
    stem = tmp_path / "sub" / "run.v1_capacity"
    paths = plots.save_figure(figures["capacity"], stem)
    assert paths == [tmp_path / "sub" / "run.v1_capacity.png",
                     tmp_path / "sub" / "run.v1_capacity.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = paths[1].read_text()
    assert paths[1].stat().st_size > 1000 and "<svg" in svg


# ----------------------------------------------------------- comparison and idle attribution


def make_comparison_table(names=("fixed", "reactive", "pool")) -> pd.DataFrame:
    """A comparison table as comparison_table writes it (three panels' metrics)."""
    rows = []
    for i, name in enumerate(names):
        row: dict[str, object] = {"scenario": name, "policy": "fixed", "replications": 5,
                                  "seed": 1}
        for metric, base in (("cost_per_handled_call", 20.0), ("idle_share", 0.4),
                             ("index_reached_within_deadline_share", 0.9)):
            mean = base * (1 - 0.2 * i)
            row.update({f"{metric}_mean": mean, f"{metric}_ci_low": mean * 0.95,
                        f"{metric}_ci_high": mean * 1.05})
            diff = mean - base
            half = 0.01 if metric != "index_reached_within_deadline_share" else abs(diff) + 0.1
            row.update({f"{metric}_diff_mean": diff if i else np.nan,
                        f"{metric}_diff_ci_low": diff - half if i else np.nan,
                        f"{metric}_diff_ci_high": diff + half if i else np.nan})
        rows.append(row)
    return pd.DataFrame(rows)


def _bars(fig: Figure, metric: str) -> dict[str, float]:
    return {p.get_gid().split("-", 2)[2]: p.get_height()
            for ax in fig.axes for p in ax.patches
            if (p.get_gid() or "").startswith(f"bar-{metric}-")}


def test_plot_comparison_bars_are_means_with_ci_whiskers() -> None:
    table = make_comparison_table()
    fig = plots.plot_comparison(table, currency="USD", deadline_label="24 h")
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["Cost per handled call", "Idle share of paid time",
                      "Index cases reached within 24 h"]
    assert "USD" in fig.axes[0].get_ylabel() and "%" in fig.axes[1].get_ylabel()
    # side by side: one row of panels
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 1
    cost = _bars(fig, "cost_per_handled_call")
    assert list(cost) == ["fixed", "reactive", "pool"]
    np.testing.assert_allclose(list(cost.values()), table["cost_per_handled_call_mean"])
    np.testing.assert_allclose(list(_bars(fig, "idle_share").values()),
                               table["idle_share_mean"] * 100)
    # whiskers: one error-bar segment per scenario from ci_low to ci_high
    segments = [c for c in fig.axes[1].collections if c.get_segments()]
    ends = sorted((s[0][1], s[1][1]) for s in segments[0].get_segments())
    expected = sorted(zip(table["idle_share_ci_low"] * 100, table["idle_share_ci_high"] * 100,
                          strict=True))
    np.testing.assert_allclose(ends, expected)
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["fixed", "reactive", "pool"]
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert labels[0] == "40.0 %" and labels[1] == "32.0 %\nΔ -8.0 pt*"
    timeliness = [t.get_text() for t in fig.axes[2].texts]
    assert timeliness[1].endswith("pt")  # CI of the difference spans 0: no star
    caption = fig.get_supxlabel()
    assert "mean of 5 replications" in caption and "'fixed'" in caption
    fig.draw_without_rendering()


def test_plot_comparison_handles_nan_and_missing_columns() -> None:
    table = make_comparison_table(names=("only",))
    table["index_reached_within_deadline_share_mean"] = np.nan
    fig = plots.plot_comparison(table.drop(columns=[c for c in table if "_diff_" in c]))
    assert "no data" in [t.get_text() for t in fig.axes[2].texts]
    assert "Δ" not in fig.get_supxlabel()
    fig.draw_without_rendering()
    with pytest.raises(ValueError, match="idle_share_ci_low"):
        plots.plot_comparison(make_comparison_table().drop(columns="idle_share_ci_low"))
    with pytest.raises(ValueError, match="empty"):
        plots.plot_comparison(make_comparison_table().iloc[:0])


def make_attribution(n_reps: int = 3, n_days: int = 10, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for rep in range(n_reps):
        day = np.arange(n_days)
        unavoidable = 30 + rng.uniform(0, 5, n_days)
        avoidable = 10 + 5 * np.sin(day) + shift + rng.normal(0, 1, n_days)
        rows.append(pd.DataFrame({
            "scenario": "s", "replication": rep, "day": day,
            "date": START + pd.to_timedelta(day, unit="D"),
            "idle_hours": unavoidable + avoidable, "unavoidable_idle_hours": unavoidable,
            "avoidable_idle_hours": avoidable, "avoidable_idle_cost": avoidable * 40.0,
        }))
    return pd.concat(rows, ignore_index=True)


def test_plot_idle_attribution_stacks_unavoidable_and_avoidable() -> None:
    table = make_attribution()
    fig = plots.plot_idle_attribution(table, currency="EUR")
    (ax,) = fig.axes
    means = table.groupby("date")[["unavoidable_idle_hours", "avoidable_idle_hours",
                                   "idle_hours"]].mean()
    bottoms = [p for p in ax.patches if p.get_gid() == "bar-unavoidable_idle_hours-s"]
    tops = [p for p in ax.patches if p.get_gid() == "bar-avoidable_idle_hours-s"]
    np.testing.assert_allclose([p.get_height() for p in bottoms], means.iloc[:, 0])
    np.testing.assert_allclose([p.get_y() for p in tops], means.iloc[:, 0])
    np.testing.assert_allclose([p.get_height() for p in tops], means.iloc[:, 1])
    np.testing.assert_allclose(_line(fig, "idle_hours", "s").get_ydata(), means.iloc[:, 2])
    total = table.groupby("replication")["avoidable_idle_hours"].sum().mean()
    title = ax.get_title(loc="left")
    assert f"avoidable in total: {total:,.0f} agent-hours (95 % CI" in title
    assert f"{total * 40:,.0f} EUR" in title
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert "hours" in ax.get_ylabel()
    text = legend_texts(fig)
    assert "unavoidable" in text and "avoidable" in text and "mean of 3" in text
    assert "negative" not in text
    assert ax.get_ylim()[1] >= means["idle_hours"].max()


def test_plot_idle_attribution_draws_negative_avoidable_below_zero() -> None:
    table = make_attribution(shift=-25.0)
    fig = plots.plot_idle_attribution(table)
    (ax,) = fig.axes
    negative = [p for p in ax.patches if p.get_gid() == "bar-negative_avoidable_idle_hours-s"]
    assert negative and all(p.get_height() <= 0 for p in negative)
    assert ax.get_ylim()[0] < min(p.get_height() for p in negative)
    assert "below" in legend_texts(fig)
    fig.draw_without_rendering()
    two = pd.concat([table, make_attribution().assign(scenario="t")])
    assert len(plots.plot_idle_attribution(two).axes) == 2  # one panel per scenario


@pytest.mark.parametrize(("bound", "name", "other"), [
    ("optimal", "least-staffing bound", "oracle"),
    ("analytic", "analytic oracle", "least-staffing"),
])
def test_plot_idle_attribution_names_the_bound_used(bound: str, name: str, other: str) -> None:
    table = pd.concat([make_attribution(), make_attribution(shift=-25.0).assign(scenario="t")])
    fig = plots.plot_idle_attribution(table, bound=bound)
    legend = " ".join(legend_texts(fig).split())  # the labels wrap over lines
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert f"unavoidable: the {name}'s idle" in legend
    assert f"the {name}'s" in legend.split("avoidable: idle above")[1]  # positive part
    assert f"the {name}'s (understaffed)" in legend  # negative part
    assert all(f"against the {name}" in t for t in titles)
    assert other not in legend and not any(other in t for t in titles)
    with pytest.raises(ValueError, match="bound"):
        plots.plot_idle_attribution(table, bound="oracle")


@pytest.mark.parametrize("bound", ["optimal", "analytic", None])
def test_results_figure_names_the_recorded_bound(bound: str | None) -> None:
    import sim
    from tests.scenarios_for_tests import make

    daily = pd.DataFrame({"scenario": ["s"], "replication": [0], "day": [0]})
    run_info = {} if bound is None else {"bound": bound}
    results = sim.Results(scenario=make(), seed=1, replications=1, run_info=run_info,
                          tables={"daily": daily, "idle_attribution": make_attribution()})
    fig = results.figure_makers()["idle_attribution"]()
    name = plots.BOUND_NAMES[bound or "analytic"][0]  # results without a bound: the oracle's
    assert f"the {name}'s idle" in " ".join(legend_texts(fig).split())


# ----------------------------------------------------------- issue 12: figures people can read


def test_demand_draws_inbound_on_its_own_panel(daily: pd.DataFrame) -> None:
    fig = plots.plot_demand(daily)
    cases, outbound, inbound = fig.axes
    gids = [{ln.get_gid() for ln in ax.lines} for ax in fig.axes]
    assert gids[1] == {"mean-attempts-baseline", "mean-attempts-flex_pool"}
    assert gids[2] == {"mean-inbound_offered-baseline", "mean-inbound_offered-flex_pool"}
    # its own scale: the inbound axis ends near the inbound peak, far below the outbound one
    peak = daily.groupby(["scenario", "date"])["inbound_offered"].max().max()
    assert inbound.get_ylim()[1] < 2 * peak < outbound.get_ylim()[1]
    assert "inbound calls per day" in inbound.get_ylabel()


def test_every_figure_carries_a_subtitle(daily: pd.DataFrame) -> None:
    text = "run-a · fixed staffing, 60 agents · 3 replications, seed 1"
    for name, fig in plots.all_figures(daily, subtitle=text).items():
        assert fig.get_suptitle() == text, name
    for name, fig in plots.all_figures(daily).items():  # default: the scenarios
        assert fig.get_suptitle() == "scenarios: baseline, flex_pool", name
    table = make_comparison_table()
    assert plots.plot_comparison(table, subtitle="x").get_suptitle() == "x"
    assert plots.plot_idle_attribution(make_attribution()).get_suptitle() == "scenario: s"


@pytest.mark.parametrize("scenarios", [("a",), ("a", "b")])
def test_legend_swatches_have_the_colours_of_the_bands(scenarios) -> None:
    d = make_daily(scenarios=scenarios, n_reps=3, n_days=10)
    for name, fig in plots.all_figures(d).items():
        if name == "capacity":
            continue  # stacked areas, checked below
        for ax in fig.axes:
            legend = ax.get_legend() or (fig.legends[0] if fig.legends else None)
            bands = {tuple(np.round(c.get_facecolor()[0], 3)) for c in ax.collections
                     if type(c).__name__.endswith("PolyCollection")}
            if not bands or legend is None:
                continue
            swatches = {tuple(np.round(h.get_facecolor(), 3)) for h in legend.legend_handles
                        if hasattr(h, "get_facecolor") and h.get_facecolor()[3] > 0}
            assert bands <= swatches, (name, bands - swatches)
            assert (0.35, 0.35, 0.35, 0.32) not in swatches  # no grey "shaded" swatch


def test_capacity_legend_swatches_match_the_line_bands() -> None:
    fig = plots.plot_capacity(make_daily(scenarios=("a",), n_reps=3, n_days=10))
    (legend,) = fig.legends
    colours = {tuple(np.round(h.get_facecolor(), 3)) for h in legend.legend_handles
               if hasattr(h, "get_facecolor")}
    bands = {tuple(np.round(c.get_facecolor()[0], 3)) for c in fig.axes[0].collections}
    assert bands <= colours


@pytest.mark.parametrize("n_days", [6, 10, 14])
def test_first_day_tick_is_labelled(n_days: int) -> None:
    fig = plots.plot_idle_attribution(make_attribution(n_days=n_days))
    fig.draw_without_rendering()
    (ax,) = fig.axes
    ticks = ax.get_xticks()
    assert ticks[0] == pytest.approx(mdates.date2num(START.to_datetime64()))
    assert ax.get_xticklabels()[0].get_text() == "01 Sep"
    d = make_daily(scenarios=("a",), n_reps=2, n_days=n_days)
    demand = plots.plot_demand(d)
    demand.draw_without_rendering()
    assert demand.axes[-1].get_xticklabels()[0].get_text() == "01 Sep"


def test_comparison_has_a_total_cost_panel() -> None:
    table = make_comparison_table()
    for i, total in enumerate((7.09e6, 25.24e6, 10.0e6)):
        table.loc[i, ["total_cost_mean", "total_cost_ci_low", "total_cost_ci_high"]] = \
            [total, total * 0.99, total * 1.01]
        diff = total - 7.09e6
        table.loc[i, ["total_cost_diff_mean", "total_cost_diff_ci_low",
                      "total_cost_diff_ci_high"]] = \
            [diff, diff - 1e4, diff + 1e4] if i else [np.nan] * 3
    fig = plots.plot_comparison(table, currency="EUR")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4
    assert visible[0].get_title(loc="left") == "Total cost of the run"
    assert visible[0].get_ylabel() == "million EUR"
    np.testing.assert_allclose(list(_bars(fig, "total_cost").values()),
                               table["total_cost_mean"] / 1e6)
    labels = [t.get_text() for t in visible[0].texts]
    assert labels[0] == "7.09 M" and labels[1] == "25.24 M\nΔ +18.15 M*"
    fig.draw_without_rendering()


def test_comparison_daily_overlays_each_scenario(daily: pd.DataFrame) -> None:
    fig = plots.plot_comparison_daily(daily, deadline_label="24 h", subtitle="two variants")
    assert fig.get_suptitle() == "two variants"
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["Demand: index cases released per day", "Rostered headcount",
                      "Idle share of paid time", "Index cases reached within 24 h"]
    for column, ax, scale in (("index_released", fig.axes[0], 1), ("headcount", fig.axes[1], 1),
                              ("idle_share", fig.axes[2], 100)):
        for scenario in ("baseline", "flex_pool"):
            expected = daily[daily.scenario == scenario].groupby("date")[column].mean() * scale
            (line,) = [ln for ln in ax.lines if ln.get_gid() == f"mean-{column}-{scenario}"]
            np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    assert "baseline" in legend_texts(fig) and "flex_pool" in legend_texts(fig)
    fig.draw_without_rendering()


def test_save_figures_in_parallel_writes_the_same_files(daily: pd.DataFrame,
                                                        tmp_path: Path) -> None:
    every = plots.figure_makers(daily.loc[daily.day < 8], subtitle="s")
    makers = {name: every[name] for name in ("idle_occupancy", "cost", "inbound")}
    serial = plots.save_figures(makers, tmp_path / "one", ("png", "svg"), jobs=1)
    parallel = plots.save_figures(makers, tmp_path / "two", ("png", "svg"), jobs=2)
    assert [p.name for p in serial] == [p.name for p in parallel] == [
        f"{n}.{ext}" for n in makers for ext in ("png", "svg")]
    for a, b in zip(serial, parallel, strict=True):
        assert a.read_bytes()[:8] == b.read_bytes()[:8]
        if a.suffix == ".png":
            assert a.read_bytes() == b.read_bytes(), a.name
    assert not plots.files._PENDING  # nothing left for later forks


def test_figure_job_stops_its_workers_when_the_block_raises(daily: pd.DataFrame,
                                                            tmp_path: Path) -> None:
    makers = plots.figure_makers(daily.loc[daily.day < 5])
    with pytest.raises(RuntimeError, match="tables failed"):
        with plots.FigureJob(makers, tmp_path / "f", jobs=2) as job:
            processes = list(job._pool._processes.values()) if job._pool else []
            raise RuntimeError("tables failed")
    assert processes and not any(p.is_alive() for p in processes)

    def broken() -> Figure:
        raise ValueError("cannot draw")

    with pytest.raises(ValueError, match="cannot draw"):  # a worker's error reaches the caller
        plots.save_figures({"ok": makers["cost"], "bad": broken}, tmp_path / "g", jobs=2)


@pytest.mark.parametrize("scale", [1.0, 1e5])
def test_no_y_axis_shows_an_offset_text(daily: pd.DataFrame, scale: float) -> None:
    """Panel titles are placed at the axes' top (``_panel_title``), not searched for.

    matplotlib's search would move a title above a y axis' offset text ("1e6");
    the placement is the same only while no y axis shows one, even for large values.
    """
    big = daily.copy()
    counts = [c for c in big.columns
              if big[c].dtype.kind in "if" and not c.endswith(("_share", "_level"))
              and c not in ("replication", "day", "occupancy", "utilisation")]
    big[counts] = big[counts].astype(float) * scale
    drawn = [*plots.all_figures(big).values(), plots.plot_comparison_daily(big),
             plots.plot_comparison(make_comparison_table()),
             plots.plot_idle_attribution(make_attribution())]
    for fig in drawn:
        FigureCanvasAgg(fig).draw()
        for ax in fig.axes:
            assert ax.yaxis.offsetText.get_text() == "", (ax.get_title(loc="left"), scale)
            assert ax.title.get_position()[1] == 1.0
