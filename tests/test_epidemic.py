"""Tests for sim.inputs.epidemic: waves, SEIR and CSV demand models."""

from __future__ import annotations

import datetime
import math
import pickle

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit, ndtr

from sim.inputs.epidemic import (
    DataError,
    ParameterError,
    csv_daily,
    describe_dates,
    seir_daily,
    seir_trajectory,
    step_values,
    wave_area,
    waves_daily,
)

# ---------------------------------------------------------------------------
# waves
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["logistic", "gaussian"])
def test_wave_area_is_recovered_when_horizon_covers_wave(shape):
    # Peak 300 days from both ends, widths <= 12 days: the tails outside the
    # horizon are below e^-25 of the area, far under the 1e-9 tolerance.
    peak, rise, fall = 1234.5, 7.0, 12.0
    cases = waves_daily(600, [(300.3, peak, rise, fall)], shape=shape)
    expected = (2 * peak * (rise + fall) if shape == "logistic"
                else peak * math.sqrt(2 * math.pi) * (rise + fall) / 2)
    assert wave_area(peak, rise, fall, shape) == pytest.approx(expected, rel=1e-15)
    assert cases.sum() == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("shape", ["logistic", "gaussian"])
def test_wave_sum_equals_area_minus_analytic_tails(shape):
    # A wave cut by the horizon: the days hold exactly the area inside [0, n).
    n, p, peak, rise, fall = 60, 10.25, 500.0, 6.0, 20.0
    cases = waves_daily(n, [(p, peak, rise, fall)], shape=shape)
    if shape == "logistic":
        inside = 4 * peak * (rise * (0.5 - expit(-p / rise))
                             + fall * (0.5 - expit(-(n - p) / fall)))
    else:
        c = peak * math.sqrt(2 * math.pi)
        inside = c * (rise * (0.5 - ndtr(-p / rise)) + fall * (0.5 - ndtr(-(n - p) / fall)))
    assert cases.sum() == pytest.approx(inside, rel=1e-12)


@pytest.mark.parametrize("shape", ["logistic", "gaussian"])
@pytest.mark.parametrize(("peak_day", "rise", "fall"),
                         [(40.5, 6.0, 6.0), (40.3, 6.0, 15.0), (40.7, 15.0, 6.0),
                          (40.99, 6.0, 6.0), (40.01, 6.0, 6.0), (40.5, 5.0, 12.0)])
def test_max_day_is_peak_day(shape, peak_day, rise, fall):
    # The busiest day is the day that contains the peak.  (Not a law: the busiest
    # 1-day window is shifted towards the slower side, so with very unequal widths
    # (2 vs 30 days) the next day can hold more; a peak exactly at 40.0 with equal
    # widths makes days 39 and 40 tie.)
    cases = waves_daily(120, [(peak_day, 800.0, rise, fall)], shape=shape)
    assert int(np.argmax(cases)) == 40
    # The day's mean rate cannot exceed the peak rate.
    assert cases.max() <= 800.0


@pytest.mark.parametrize("shape", ["logistic", "gaussian"])
def test_rate_is_continuous_and_day_values_match_numerical_integral(shape):
    from scipy.integrate import quad

    p, peak, rise, fall = 20.4, 100.0, 3.0, 9.0

    def rate(t):
        w = rise if t < p else fall
        x = (t - p) / w
        if shape == "logistic":
            return peak * 4 * math.exp(-x) / (1 + math.exp(-x)) ** 2
        return peak * math.exp(-x * x / 2)

    cases = waves_daily(40, [(p, peak, rise, fall)], shape=shape)
    for d in (0, 15, 20, 21, 35):
        numeric, _ = quad(rate, d, d + 1, points=[p] if d < p < d + 1 else None,
                          epsabs=1e-12, epsrel=1e-12)
        assert cases[d] == pytest.approx(numeric, rel=1e-9)


def test_baseline_adds_exactly_and_waves_add():
    w1 = (30.0, 200.0, 5.0, 8.0)
    w2 = (70.5, 500.0, 10.0, 4.0)
    a = waves_daily(100, [w1])
    b = waves_daily(100, [w2])
    both = waves_daily(100, [w1, w2], baseline_per_day=12.5)
    np.testing.assert_allclose(both, a + b + 12.5, rtol=1e-14)
    np.testing.assert_array_equal(waves_daily(100, [w1], baseline_per_day=12.5),
                                  waves_daily(100, [w1]) + 12.5)
    np.testing.assert_array_equal(waves_daily(5, [], baseline_per_day=3.0), np.full(5, 3.0))


def test_far_tail_keeps_relative_precision():
    # Far after the peak the daily values decay as e^{-t/w}; no cancellation to zero.
    cases = waves_daily(400, [(10.0, 1000.0, 2.0, 5.0)])
    assert np.all(cases > 0)
    ratio = cases[300] / cases[299]
    assert ratio == pytest.approx(math.exp(-1 / 5.0), rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_days": 0, "waves": []}, "n_days"),
        ({"n_days": 10, "waves": [(1.0, 10.0, 0.0, 1.0)]}, "rise_days"),
        ({"n_days": 10, "waves": [(1.0, -10.0, 1.0, 1.0)]}, "peak_per_day"),
        ({"n_days": 10, "waves": [(1.0, 10.0, 1.0)]}, "wave 0"),
        ({"n_days": 10, "waves": [], "baseline_per_day": -1.0}, "baseline_per_day"),
        ({"n_days": 10, "waves": [], "shape": "lognormal"}, "shape"),
    ],
)
def test_waves_invalid_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        waves_daily(**kwargs)


# ---------------------------------------------------------------------------
# SEIR
# ---------------------------------------------------------------------------

INC_DAYS, INF_DAYS = 4.0, 6.0


def _growth_rate_per_day(r_value: float) -> float:
    """Exponential growth rate of the linearised SEIR: (1 + r Tinc)(1 + r Tinf) = R."""
    a, b, c = INC_DAYS * INF_DAYS, INC_DAYS + INF_DAYS, 1.0 - r_value
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def _eigen_start(incidence_per_day: float) -> tuple[float, float]:
    """(E0, I0) with E/I = Tinc/Tinf (dominant eigenvector at R = 1), sigma*E0 given."""
    e0 = incidence_per_day * INC_DAYS
    return e0, e0 * INF_DAYS / INC_DAYS


def test_seir_conserves_population():
    n_pop = 2.5e6
    traj = seir_trajectory(300, n_pop, 50.0, 20.0, 1000.0, [(0, 2.2), (60.5, 0.8), (120, 1.3)],
                           INC_DAYS, INF_DAYS)
    total = traj.susceptible + traj.exposed + traj.infectious + traj.recovered
    np.testing.assert_allclose(total, n_pop, rtol=1e-12)
    assert traj.t_days.shape == (301,)
    # Everyone who became infectious is now in I or R: C = (I + R) - (I0 + R0).
    np.testing.assert_allclose(traj.cumulative_incidence,
                               traj.infectious + traj.recovered - 20.0 - 1000.0,
                               rtol=1e-7, atol=1e-6)


def test_seir_r_equal_one_is_flat():
    e0, i0 = _eigen_start(100.0)
    cases = seir_daily(60, 1e8, e0, i0, 0.0, [(0, 1.0)], INC_DAYS, INF_DAYS)
    # Started on the R = 1 eigenvector with negligible depletion: constant incidence.
    np.testing.assert_allclose(cases, 100.0, rtol=1e-3)


@pytest.mark.parametrize("r_value", [0.7, 1.6])
def test_seir_growth_rate_matches_linear_theory(r_value):
    e0, i0 = _eigen_start(100.0)
    cases = seir_daily(80, 1e10, e0, i0, 0.0, [(-5.0, r_value)], INC_DAYS, INF_DAYS)
    # After the fast transient (the other eigenvalue decays within days) the daily
    # incidence grows or decays at exactly the linearised rate.
    slope = math.log(cases[70] / cases[40]) / 30
    assert slope == pytest.approx(_growth_rate_per_day(r_value), rel=1e-3)
    if r_value < 1:
        assert np.all(np.diff(cases[5:]) < 0)


def test_seir_final_size_relation():
    # All E and I eventually recover: ln(S_inf/S0) = -R (R_inf - R_0)/N, S_inf = N - R_inf,
    # so s_inf = s0 exp(-R (1 - s_inf - r0)), and total new infectious = E0 + S0 - S_inf.
    n_pop, e0, i0, rec0, r_value = 1e6, 5.0, 10.0, 2e5, 2.5
    cases = seir_daily(1000, n_pop, e0, i0, rec0, [(0.0, r_value)], INC_DAYS, INF_DAYS)
    s0, r0 = (n_pop - e0 - i0 - rec0) / n_pop, rec0 / n_pop
    s_inf = brentq(lambda s: s - s0 * math.exp(-r_value * (1 - s - r0)), 1e-12, s0 * (1 - 1e-12))
    total_expected = e0 + (s0 - s_inf) * n_pop
    assert cases.sum() == pytest.approx(total_expected, rel=1e-6)
    assert cases[-100:].sum() < 1e-6 * total_expected  # the horizon covers the epidemic


def test_seir_ascertainment_scales_linearly():
    args = (150, 1e6, 10.0, 10.0, 0.0, [(0, 1.8)], INC_DAYS, INF_DAYS)
    full = seir_daily(*args)
    part = seir_daily(*args, ascertainment=0.35)
    np.testing.assert_allclose(part, 0.35 * full, rtol=1e-14)
    assert np.all(full >= 0)


@pytest.mark.parametrize("change_day", [30.0, 30.5])
def test_seir_r_drop_reduces_incidence(change_day):
    args = (120, 1e7, 100.0, 100.0, 0.0)
    constant = seir_daily(*args, [(0, 1.8)], INC_DAYS, INF_DAYS)
    dropped = seir_daily(*args, [(0, 1.8), (change_day, 0.6)], INC_DAYS, INF_DAYS)
    before = int(math.floor(change_day))
    # Identical before the change (same solver path up to the breakpoint, up to tolerance).
    np.testing.assert_allclose(dropped[:before], constant[:before], rtol=1e-6)
    assert np.all(dropped[before + 1:] < constant[before + 1:])
    # Incidence (E -> I) peaks around the drop (E lags) and then declines for good.
    top = int(np.argmax(dropped))
    assert before - 1 <= top <= before + 10
    assert np.all(np.diff(dropped[top:]) < 0)


def test_seir_schedule_entries_beyond_horizon_ignored():
    args = (50, 1e6, 10.0, 10.0, 0.0)
    a = seir_daily(*args, [(0, 1.5)], INC_DAYS, INF_DAYS)
    b = seir_daily(*args, [(-10, 1.5), (50, 0.1), (80, 3.0)], INC_DAYS, INF_DAYS)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("schedule", "match"),
    [
        ([(1.0, 1.5)], "at or before day 0"),
        ([(0.0, 1.5), (20.0, 1.0), (10.0, 0.8)], "sorted"),
        ([(0.0, 1.5), (0.0, 1.0)], "sorted"),
        ([], "empty"),
        ([(0.0, -1.0)], "R must be >= 0"),
    ],
)
def test_seir_invalid_schedule(schedule, match):
    with pytest.raises(ParameterError, match=match):
        seir_daily(10, 1e6, 1.0, 1.0, 0.0, schedule, INC_DAYS, INF_DAYS)


def test_seir_invalid_parameters():
    sched = [(0, 1.2)]
    with pytest.raises(ParameterError, match="exceeds population"):
        seir_daily(10, 100.0, 50.0, 50.0, 1.0, sched, INC_DAYS, INF_DAYS)
    with pytest.raises(ParameterError, match="incubation_days"):
        seir_daily(10, 100.0, 1.0, 1.0, 0.0, sched, 0.0, INF_DAYS)
    with pytest.raises(ParameterError, match="ascertainment"):
        seir_daily(10, 100.0, 1.0, 1.0, 0.0, sched, INC_DAYS, INF_DAYS, ascertainment=1.5)
    assert issubclass(ParameterError, ValueError)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

START = datetime.date(2020, 3, 1)


def _write(tmp_path, text, name="cases.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_simple_and_scale(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,10\n2020-03-02,12\n2020-03-03,21\n"
                            "2020-03-04,29\n")
    np.testing.assert_array_equal(csv_daily(path, START, 4), [10, 12, 21, 29])
    np.testing.assert_allclose(csv_daily(path, datetime.date(2020, 3, 2), 2, scale=0.5),
                               [6.0, 10.5])
    out = csv_daily(str(path), START, 1)
    assert out.dtype == np.float64 and out.shape == (1,)


def test_csv_agesex_aggregate_and_filter(tmp_path):
    # Shaped like Sciensano's COVID19BE_CASES_AGESEX.csv; unsorted rows.
    text = (
        "DATE,PROVINCE,REGION,AGEGROUP,SEX,CASES\n"
        "2020-03-02,Antwerpen,Flanders,10-19,F,3\n"
        "2020-03-01,Antwerpen,Flanders,40-49,M,2\n"
        "2020-03-01,Limburg,Flanders,40-49,F,5\n"
        "2020-03-01,Liège,Wallonia,20-29,F,7\n"
        "2020-03-02,Brussels,Brussels,30-39,M,1\n"
        "2020-03-02,Limburg,Flanders,50-59,M,4\n"
        "2020-03-03,Limburg,Flanders,50-59,M,1\n"
        "2020-03-03,Liège,Wallonia,20-29,F,2\n"
    )
    path = _write(tmp_path, text)
    kw = {"date_column": "DATE", "cases_column": "CASES"}
    np.testing.assert_array_equal(csv_daily(path, START, 3, **kw), [14, 8, 3])
    np.testing.assert_array_equal(csv_daily(path, START, 3, filter={"REGION": "Flanders"}, **kw),
                                  [7, 7, 1])
    np.testing.assert_array_equal(
        csv_daily(path, START, 3, filter={"REGION": "Flanders", "PROVINCE": "Limburg"}, **kw),
        [5, 4, 1])
    np.testing.assert_allclose(
        csv_daily(path, START, 3, filter={"REGION": "Wallonia"}, scale=2.0, fill_missing=0,
                  **kw),
        [14, 0, 4])


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        csv_daily(tmp_path / "nope.csv", START, 3)


def test_csv_missing_columns_lists_available(tmp_path):
    path = _write(tmp_path, "DATE,REGION,CASES\n2020-03-01,Flanders,1\n")
    with pytest.raises(DataError) as err:
        csv_daily(path, START, 1, filter={"PROVINCE": "Limburg"})
    msg = str(err.value)
    assert str(path) in msg
    assert "'date'" in msg and "'cases'" in msg and "'PROVINCE'" in msg
    assert "available: 'DATE', 'REGION', 'CASES'" in msg


def test_csv_filter_matches_nothing(tmp_path):
    path = _write(tmp_path, "date,region,cases\n2020-03-01,Flanders,1\n")
    with pytest.raises(DataError, match="no row has region == 'Flander'.*'Flanders'"):
        csv_daily(path, START, 1, filter={"region": "Flander"})


def test_csv_unparseable_date_names_row(tmp_path):
    # header = row 1; the bad date is on data row 3 = line 4
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n2020-03-02,2\n03/03/2020,3\n")
    match = r"cases\.csv, row 4: cannot parse date '03/03/2020'"
    with pytest.raises(DataError, match=match) as err:
        csv_daily(path, START, 3)
    assert err.value.row == 4


def test_csv_custom_date_format(tmp_path):
    path = _write(tmp_path, "date,cases\n01/03/2020,1\n02/03/2020,2\n")
    np.testing.assert_array_equal(csv_daily(path, START, 2, date_format="%d/%m/%Y"), [1, 2])


def test_csv_empty_date_rows(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\nNA,5\n2020-03-02,2\n")
    with pytest.raises(DataError, match="row 3: empty date"):
        csv_daily(path, START, 2)
    np.testing.assert_array_equal(csv_daily(path, START, 2, drop_missing_dates=True), [1, 2])


@pytest.mark.parametrize(("value", "what"), [("x", "not a finite number"), ("", "not a finite"),
                                             ("inf", "not a finite"), ("-3", "negative count")])
def test_csv_bad_counts_name_row(tmp_path, value, what):
    path = _write(tmp_path, f"date,cases\n2020-03-01,1\n\n2020-03-02,{value}\n")
    # the blank line is row 3 and still counts: the bad count is on row 4
    with pytest.raises(DataError, match=f"row 4: .*{what}"):
        csv_daily(path, START, 2)


def test_csv_rows_outside_filter_are_not_checked(tmp_path):
    path = _write(tmp_path, "date,region,cases\n2020-03-01,A,1\nNA,NA,oops\n2020-03-02,A,2\n")
    np.testing.assert_array_equal(csv_daily(path, START, 2, filter={"region": "A"}), [1, 2])


def test_csv_duplicate_date_without_aggregate(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n2020-03-02,2\n2020-03-01,3\n")
    with pytest.raises(DataError, match="row 4: date 2020-03-01 repeats row 2"):
        csv_daily(path, START, 2, aggregate=False)
    np.testing.assert_array_equal(csv_daily(path, START, 2), [4, 2])


def test_csv_missing_dates_inside_range(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n2020-03-04,4\n2020-03-06,6\n")
    with pytest.raises(DataError, match="3 date.* missing .*first 2020-03-02"):
        csv_daily(path, START, 6)
    np.testing.assert_array_equal(csv_daily(path, START, 6, fill_missing=0),
                                  [1, 0, 0, 4, 0, 6])


@pytest.mark.parametrize(("start", "n"), [(datetime.date(2020, 2, 28), 3),
                                          (datetime.date(2020, 3, 2), 5)])
def test_csv_range_not_covered(tmp_path, start, n):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n2020-03-02,2\n2020-03-03,3\n")
    with pytest.raises(DataError, match="file covers 2020-03-01 to 2020-03-03"):
        csv_daily(path, start, n)


def test_csv_empty_file(tmp_path):
    path = _write(tmp_path, "")
    with pytest.raises(DataError, match="empty"):
        csv_daily(path, START, 1)


def test_data_error_is_value_error_and_picklable():
    err = DataError("x.csv", "negative count '-1'", row=7)
    assert isinstance(err, ValueError)
    assert str(err) == "x.csv, row 7: negative count '-1'"
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.row == 7


def test_csv_separator_and_daily_scale(tmp_path):
    path = _write(tmp_path, "date;cases\n2020-03-01;10\n2020-03-02;12\n2020-03-03;20\n")
    np.testing.assert_allclose(csv_daily(path, START, 3, separator=";",
                                         scale=np.array([1.0, 0.5, 0.25])), [10, 6, 5])
    with pytest.raises(ParameterError, match="3 daily factors"):
        csv_daily(path, START, 3, separator=";", scale=np.ones(2))
    with pytest.raises(ParameterError, match="separator"):
        csv_daily(path, START, 3, separator=";;")
    with pytest.raises(DataError, match="missing column"):
        csv_daily(path, START, 3)  # read with a comma, the header is one column


def test_csv_cache_sees_a_rewritten_file(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n")
    assert csv_daily(path, START, 1)[0] == 1
    path.write_text("date,cases\n2020-03-01,7\n")  # same size, perhaps the same mtime
    assert csv_daily(path, START, 1)[0] == 7


def test_uncovered_range_names_the_missing_dates(tmp_path):
    path = _write(tmp_path, "date,cases\n2020-03-01,1\n2020-03-02,2\n")
    with pytest.raises(DataError, match=r"missing 2020-03-03 to 2020-03-05 \(3 days\)"):
        csv_daily(path, START, 5)


def test_step_values():
    np.testing.assert_array_equal(step_values(5, [(-3, 2.0), (1, 0.0), (4, 1.5)]),
                                  [2, 0, 0, 0, 1.5])
    np.testing.assert_array_equal(step_values(2, [(0, 1.0), (9, 3.0)]), [1, 1])
    for steps, match in [([], "empty"), ([(1, 1.0)], "at or before day 0"),
                         ([(0, 1.0), (0, 2.0)], "increasing")]:
        with pytest.raises(ParameterError, match=match):
            step_values(3, steps)


def test_describe_dates():
    days = [datetime.date(2020, 3, d) for d in (1, 2, 3, 5, 7, 8, 10, 12, 14)]
    assert describe_dates(days[:1]) == "2020-03-01 (1 day)"
    assert describe_dates(days[:4]) == "2020-03-01 to 2020-03-03, 2020-03-05 (4 days)"
    assert describe_dates(days, limit=2) == "2020-03-01 to 2020-03-03, 2020-03-05, ... (9 days)"
