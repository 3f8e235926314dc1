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
