"""spans_per_bin against a brute-force overlap computation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.recorder import spans_per_bin


def brute(start, end, bin_s, n_bins):
    out = np.zeros(n_bins)
    for t0, t1 in zip(start, end, strict=True):
        for k in range(n_bins):
            lo, hi = max(t0, k * bin_s), min(t1, (k + 1) * bin_s)
            if hi > lo:
                out[k] += hi - lo
    return out


spans = st.lists(
    st.tuples(st.floats(-50, 1100, allow_nan=False), st.floats(0, 600, allow_nan=False)),
    max_size=40,
)


@given(spans=spans, bin_s=st.sampled_from([1.0, 7.5, 60.0, 100.0]))
@settings(max_examples=200, deadline=None)
def test_spans_per_bin_matches_brute_force(spans, bin_s):
    n_bins = int(1000 // bin_s)
    start = np.array([s for s, _ in spans])
    end = start + np.array([d for _, d in spans])
    got = spans_per_bin(start, end, bin_s, n_bins)
    np.testing.assert_allclose(got, brute(start, end, bin_s, n_bins), atol=1e-6)


def test_span_ending_on_horizon_and_boundaries():
    got = spans_per_bin(np.array([0.0, 10.0, 25.0]), np.array([10.0, 30.0, 30.0]), 10.0, 3)
    np.testing.assert_allclose(got, [10.0, 10.0, 15.0])


def test_a_call_is_recorded_by_named_field_and_folded():
    from sim.model.recorder import ANSWERED, CALL_FIELDS, FAILED, INBOUND, INDEX, Recorder

    rec = Recorder(interval_s=100.0, n_intervals=3, answer_within_s=20.0, keep_calls=True)
    rec.call(kind=INBOUND, agent=2, queued_s=10.0, start_s=15.0, talk_end_s=40.0, end_s=50.0,
             outcome=ANSWERED, ref=7)
    rec.call(kind=INDEX, agent=0, queued_s=0.0, start_s=90.0, talk_end_s=150.0, end_s=150.0,
             outcome=FAILED, ref=2**40)
    rec.segment(agent=1, kind=0, start_s=0.0, end_s=120.0)
    assert rec.buffered_segments().to_dict("records") == [
        {"agent": 1, "kind": "idle", "start_s": 0.0, "end_s": 120.0}]
    rec.flush()
    calls = rec.calls_table()
    assert calls is not None and set(calls.columns) == set(CALL_FIELDS)
    assert calls["kind"].astype(str).tolist() == ["inbound", "index"]
    assert calls["outcome"].astype(str).tolist() == ["answered", "failed"]
    assert calls["ref"].tolist() == [7, 2**40] and calls["agent"].tolist() == [2, 0]
    assert str(calls["ref"].dtype) == "int64" and str(calls["start_s"].dtype) == "float64"
    np.testing.assert_array_equal(rec.intervals["talk_s"], [25.0, 0.0, 0.0])
    np.testing.assert_array_equal(rec.intervals["wrap_s"], [10.0, 0.0, 0.0])
    np.testing.assert_array_equal(rec.intervals["failed_attempt_s"], [10.0, 50.0, 0.0])
    np.testing.assert_array_equal(rec.intervals["idle_s"], [100.0, 20.0, 0.0])
    np.testing.assert_array_equal(rec.intervals["inbound_answered_within_target"], [1, 0, 0])
    assert rec.n_calls == 2 and rec.n_attempts == 1
    assert not rec.call_buffer and not rec.segment_buffer
