"""Generalisation (chapters 06, 07): bias and variance; the regularisers of chapter 07 are
defined in ``dlcore.regularization`` and re-exported here, as API.md fixes."""

from .regularization import dropout, gd_modified_loss, l2_penalty

__all__ = ["bias_variance", "l2_penalty", "gd_modified_loss", "dropout"]


def bias_variance(fit, true_fn, sample_x, x_test, sigma, n_datasets, n_points, rng):
    """Placeholder: chapter 06 implements this (see API.md)."""
    raise NotImplementedError("bias_variance is written by chapter 06")
