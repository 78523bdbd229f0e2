"""One source for a deep network: activations with their derivatives, the forward pass, the
backward pass and random initialisation. Every chapter that runs a net imports these.

Conventions (the notes'): data points are columns, ``x`` has shape ``(D_i, I)``. A net with K
hidden layers has lists ``betas`` and ``omegas`` of length K + 1, ``Omega_k`` of shape
``(D_{k+1}, D_k)`` and ``beta_k`` of shape ``(D_{k+1},)`` or ``(D_{k+1}, 1)``:

    f_0 = beta_0 + Omega_0 x,    h_{k+1} = a[f_k],    f_k = beta_k + Omega_k h_k   (k = 1..K)

``fs[k]`` is the pre-activation f_k (the notes also write j_k), ``hs[k]`` the activation h_k with
``hs[0] = x``; the output f_K is linear (no activation).
"""

import numpy as np

from .checks import InputTypeError, ShapeError, as_float_array, check_int, shapes

__all__ = [
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "ACTIVATIONS",
    "derivative_of",
    "forward",
    "backward",
    "init_params",
]


# ------------------------------------------------------------------------------------------
# Activations a[z] and their derivatives a'[z], element-wise, any shape in, same shape out
# ------------------------------------------------------------------------------------------
@shapes(z="... nan")
def relu(z):
    """Rectified linear unit, a[z] = max(0, z)."""
    return np.maximum(z, 0.0)


@shapes(z="... nan")
def relu_derivative(z):
    """a'[z] = I[z > 0], as floats 0.0 and 1.0 (0 at z = 0, as PyTorch)."""
    return (z > 0).astype(np.float64)


@shapes(z="... nan")
def leaky_relu(z, slope=0.1):
    """a[z] = z for z > 0 and slope * z otherwise."""
    return np.where(z > 0, z, slope * z)


@shapes(z="... nan")
def leaky_relu_derivative(z, slope=0.1):
    """a'[z] = 1 for z > 0 and slope otherwise."""
    return np.where(z > 0, 1.0, slope)


@shapes(z="... nan")
def sigmoid(z):
    """The logistic sigmoid a[z] = 1 / (1 + exp(-z)), computed without overflow."""
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@shapes(z="... nan")
def sigmoid_derivative(z):
    """a'[z] = a[z] (1 - a[z])."""
    s = sigmoid.__wrapped__(z)
    return s * (1.0 - s)


@shapes(z="... nan")
def tanh(z):
    """The hyperbolic tangent a[z] = tanh(z)."""
    return np.tanh(z)


@shapes(z="... nan")
def tanh_derivative(z):
    """a'[z] = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(z) ** 2


ACTIVATIONS = {  # name: (a, a'), the table the backward pass reads its derivative from
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
}


def derivative_of(activation):
    """The derivative a' of an activation a from ``ACTIVATIONS`` (given as a or by name)."""
    for name, (a, da) in ACTIVATIONS.items():
        if activation is a or activation == name:
            return da
    if activation is np.tanh:
        return tanh_derivative
    raise InputTypeError(f"activation {getattr(activation, '__name__', activation)!r} has no "
                         f"known derivative; use one of {sorted(ACTIVATIONS)}")


def _activation(value, name):
    """An activation given as a function or by name, e.g. relu or "tanh"."""
    if isinstance(value, str):
        if value not in ACTIVATIONS:
            raise ShapeError(f"{name} is {value!r}; expected one of {sorted(ACTIVATIONS)}")
        return ACTIVATIONS[value][0]
    if not callable(value):
        raise InputTypeError(f"{name} must be a function such as relu; got {value!r}")
    return value


# ------------------------------------------------------------------------------------------
# The forward pass: keep every f_k and h_k on the way up
# ------------------------------------------------------------------------------------------
@shapes(x="D_i I columns", betas="net", omegas="net", activation=_activation)
def forward(x, betas, omegas, activation=relu):
    """Run the net and keep every pre-activation f_k (D_{k+1}, I) and activation h_k (D_k, I).

    Returns (fs, hs): lists of length K + 1, hs[0] = x; the output is fs[-1].
    """
    fs, hs = [], [x]
    for k, (beta, omega) in enumerate(zip(betas, omegas)):
        fs.append(beta + omega @ hs[k])  # f_k = beta_k + Omega_k h_k
        if k < len(omegas) - 1:
            hs.append(activation(fs[k]))  # h_{k+1} = a[f_k]
    return fs, hs


# ------------------------------------------------------------------------------------------
# The backward pass: from dl/df_K, every dl/df_k, then the parameter gradients
# ------------------------------------------------------------------------------------------
def _layer_list(value, name):
    if not isinstance(value, (list, tuple)) or not value:
        raise InputTypeError(f"{name} must be the list of arrays from forward(); got "
                             f"{type(value).__name__}")
    return [as_float_array(v, f"{name}[{k}]", allow_nan=True) for k, v in enumerate(value)]


def _one_per_layer(args):
    """fs, hs and omegas come from the same forward pass; dl_df has the output's shape."""
    fs, hs, omegas, dl_df = args["fs"], args["hs"], args["omegas"], args["dl_df"]
    if not (len(fs) == len(hs) == len(omegas)):
        raise ShapeError(f"fs, hs and omegas have {len(fs)}, {len(hs)} and {len(omegas)} "
                         "entries; expected one per layer (K + 1), as forward() returns them")
    if dl_df.shape != fs[-1].shape:
        raise ShapeError(f"dl_df has shape {dl_df.shape}; expected {fs[-1].shape}, the shape "
                         "of the output f_K")


@shapes(fs=_layer_list, hs=_layer_list, omegas=_layer_list, dl_df="... nan",
        activation=_activation, where=_one_per_layer)
def backward(fs, hs, omegas, dl_df, activation=relu):
    """Back-propagate dl/df_K (D_o, I) through the layers that ``forward`` ran.

    dl/df_{k-1} = a'[f_{k-1}] * (Omega_k^T dl/df_k)     (* is element-wise)
    dl/dbeta_k  = dl/df_k summed over the batch,   dl/dOmega_k = dl/df_k h_k^T
    dl/dx       = Omega_0^T dl/df_0

    Returns (dl_dfs, dl_dbetas (each (D_{k+1}, 1)), dl_domegas, dl_dx).
    """
    da = derivative_of(activation)  # a', from the ACTIVATIONS table
    dl_dfs = [dl_df]
    for k in range(len(omegas) - 1, 0, -1):
        dl_dfs.insert(0, da(fs[k - 1]) * (omegas[k].T @ dl_dfs[0]))
    dl_dbetas = [g.sum(axis=1, keepdims=True) for g in dl_dfs]
    dl_domegas = [g @ h.T for g, h in zip(dl_dfs, hs)]
    return dl_dfs, dl_dbetas, dl_domegas, omegas[0].T @ dl_dfs[0]


# ------------------------------------------------------------------------------------------
# Random initialisation
# ------------------------------------------------------------------------------------------
def _widths(value, name):
    if isinstance(value, (int, np.integer, str)) or not hasattr(value, "__iter__"):
        raise InputTypeError(f"{name} must be a list [D_i, D_1, ..., D_K, D_o]; got {value!r}")
    value = [check_int(w, f"{name}[{i}]", 1) for i, w in enumerate(value)]
    if len(value) < 2:
        raise ShapeError(f"{name} has {len(value)} entries; expected [D_i, ..., D_o], at least 2")
    return value


def _per_layer(value, name):
    """A standard deviation for every layer (a number), a list of them, or "he"."""
    if isinstance(value, str) and value == "he":
        return value
    if isinstance(value, str) or value is None:
        raise InputTypeError(f"{name} must be a number, a list of numbers or 'he'; got {value!r}")
    arr = as_float_array(value, name)
    if (arr < 0).any():
        raise ShapeError(f"{name} must be >= 0; got a smallest value of {float(arr.min()):g}")
    return arr


def _layer_sigmas(sigma, widths):
    """One standard deviation per weight matrix: "he" is sqrt(2 / D_k) for the layer fed by D_k."""
    if isinstance(sigma, str):
        return np.sqrt(2.0 / np.array(widths[:-1], dtype=float))
    if np.ndim(sigma) == 1 and np.shape(sigma) != (len(widths) - 1,):
        raise ShapeError(f"sigma has shape {np.shape(sigma)}; expected a number or "
                         f"({len(widths) - 1},), one standard deviation per weight matrix")
    return np.broadcast_to(sigma, (len(widths) - 1,))


def _one_sigma_per_layer(args):
    """sigma and bias_sigma as arrays (K + 1,): one standard deviation per layer."""
    for name in ("sigma", "bias_sigma"):
        args[name] = _layer_sigmas(args[name], args["widths"])


@shapes(widths=_widths, sigma=_per_layer, rng="rng", bias_sigma=_per_layer,
        where=_one_sigma_per_layer)
def init_params(widths, sigma, rng, bias_sigma=0.0):
    """A net with Omega_k ~ Norm(0, sigma_k^2) and beta_k ~ Norm(0, bias_sigma_k^2).

    widths: [D_i, D_1, ..., D_K, D_o]; sigma, bias_sigma: one number, a list of K + 1, or "he"
    (sqrt(2 / D_k), He's choice for the layer fed by D_k units). For each layer in turn, Omega_k
    (D_{k+1}, D_k) is drawn, then beta_k (D_{k+1},) unless its standard deviation is 0 (then
    beta_k = 0 and nothing is drawn). Returns (betas, omegas).
    """
    betas, omegas = [], []
    for k, (D_k, D_next) in enumerate(zip(widths[:-1], widths[1:])):
        omegas.append(sigma[k] * rng.standard_normal((D_next, D_k)))
        if bias_sigma[k] > 0:
            betas.append(bias_sigma[k] * rng.standard_normal(D_next))
        else:
            betas.append(np.zeros(D_next))
    return betas, omegas
