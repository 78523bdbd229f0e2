"""Shared test helpers: one comparison in float64, random inputs, torch on demand."""

import numpy as np


def assert_close(got, want, rtol=1e-10, atol=1e-12, what="value"):
    """Compare in float64 and report the largest difference on failure."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != expected {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.max(np.abs(got - want))
        raise AssertionError(f"{what}: max abs difference {diff:.3g} (rtol={rtol}, atol={atol})")


def to_numpy(t):
    """A torch tensor as a float64 NumPy array."""
    return t.detach().cpu().double().numpy()
